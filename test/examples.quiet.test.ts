// The examples' output is the example's own: the AWS SDK's Node-version warning (printed on Node
// < 22) is kept out of every example script's output and of their tasks' output.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const EXAMPLES = join(import.meta.dirname, '..', 'examples');

test('every example script that makes an AWS SDK client imports client-config first', () => {
  for (const folder of readdirSync(EXAMPLES, { withFileTypes: true }).filter((entry) =>
    entry.isDirectory(),
  )) {
    for (const file of readdirSync(join(EXAMPLES, folder.name)).filter((name) => name.endsWith('.ts'))) {
      const text = readFileSync(join(EXAMPLES, folder.name, file), 'utf8');
      if (!/new \w+Client\(/.test(text)) continue;
      assert.match(
        text,
        /from '\.\.\/client-config\.ts'|import '\.\.\/client-config\.ts'/,
        `${folder.name}/${file}`,
      );
    }
  }
});

test('a client made after client-config prints no NodeVersionSupportWarning, whatever Node runs it', async () => {
  const script = `import './examples/client-config.ts'; const { SQSClient } = await import('@aws-sdk/client-sqs'); new SQSClient({ region: 'us-east-1' }); console.log('made');`;
  const env = { ...process.env };
  delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
  const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((done, fail) =>
    execFile(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: join(EXAMPLES, '..'), env },
      (error, out, err) => (error ? fail(error) : done({ stdout: out, stderr: err })),
    ),
  );
  assert.equal(stdout, 'made\n');
  assert.doesNotMatch(stderr, /NodeVersionSupportWarning/);
});

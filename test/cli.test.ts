// The `eddy` command as a user meets it: version, help, start, refusals and a clean stop.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  CreateQueueCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { nodeSqliteAvailable, sqliteDriver, testSqliteDriver } from '../src/store/index.ts';
import { spawnEddy, TEST_STORE, tempDataDir } from './harness.ts';
import { eventually } from './helpers.ts';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin/eddy.js');

function eddy(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  options: { bin?: string; nodeArgs?: string[] } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...(options.nodeArgs ?? []), options.bin ?? BIN, ...args],
      { env: { ...process.env, ...env }, timeout: 20_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

test('--version and --help', async () => {
  const version = await eddy(['--version']);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
  const help = await eddy(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /eddy up/);
  assert.match(help.stdout, /EDDY_PORT/);
  const unknown = await eddy(['frobnicate']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /unknown command 'frobnicate'/);
});

test('--version and --help load the CLI alone: not the server, the store or the AWS SDK', async () => {
  const scratch = mkdtempSync(join(tmpdir(), 'eddy-cli-imports-'));
  try {
    for (const command of ['--version', '--help']) {
      const record = join(scratch, `${command}.txt`);
      writeFileSync(record, '');
      const run = await eddy(
        [command],
        { EDDY_RECORD_IMPORTS: record },
        {
          nodeArgs: ['--import', join(ROOT, 'test/fixtures/record-imports.mjs')],
        },
      );
      assert.equal(run.code, 0, run.stderr);
      const loaded = readFileSync(record, 'utf8')
        .split('\n')
        .filter((url) => url.startsWith('file:'))
        .map((url) => relative(ROOT, fileURLToPath(url.replace(/\?.*$/, ''))));
      const ours = loaded
        .filter((path) => !path.startsWith('node_modules') && !path.startsWith('..'))
        .map((path) => path.replace(/^(dist|src)\//, '').replace(/\.(js|ts)$/, ''));
      assert.deepEqual([...new Set(ours)].sort(), ['bin/eddy', 'cli/main', 'version'], command);
      // tsx's own modules load when dist/ is stale; no other package does.
      const packages = loaded.filter(
        (path) =>
          path.startsWith('node_modules') && !/\/(tsx|esbuild|get-tsconfig|resolve-pkg-maps)\//.test(path),
      );
      assert.deepEqual(packages, [], command);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});

test('bin/eddy.js runs dist/ when it is up to date, and refuses a stale one when tsx is not there', async () => {
  // A package of its own, outside this checkout: no node_modules, so no tsx to fall back to.
  const root = mkdtempSync(join(tmpdir(), 'eddy-cli-dist-'));
  try {
    mkdirSync(join(root, 'bin'));
    mkdirSync(join(root, 'src/cli'), { recursive: true });
    mkdirSync(join(root, 'dist/cli'), { recursive: true });
    copyFileSync(BIN, join(root, 'bin/eddy.js'));
    writeFileSync(join(root, 'package.json'), '{"type":"module"}');
    writeFileSync(join(root, 'src/cli/main.ts'), '');
    writeFileSync(join(root, 'dist/cli/main.js'), "process.stdout.write('compiled\\n');");
    const bin = join(root, 'bin/eddy.js');
    const past = new Date(Date.now() - 60_000);
    utimesSync(join(root, 'src/cli/main.ts'), past, past);
    const fresh = await eddy(['--version'], {}, { bin });
    assert.deepEqual([fresh.code, fresh.stdout, fresh.stderr], [0, 'compiled\n', '']);

    writeFileSync(join(root, 'src/cli/main.ts'), '// edited after the build');
    utimesSync(join(root, 'src/cli/main.ts'), new Date(), new Date(Date.now() + 1000));
    const stale = await eddy(['--version'], {}, { bin });
    assert.equal(stale.code, 1);
    assert.equal(stale.stdout, '');
    assert.equal(stale.stderr, 'eddy: src/cli/main.ts is newer than dist/; run `npm run build` first\n');

    rmSync(join(root, 'dist'), { recursive: true });
    const missing = await eddy(['--version'], {}, { bin });
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'eddy: dist/ is missing; run `npm run build` first\n');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('up prints a summary (where it listens, the store and its driver, services, runner, access), a line per request, and stops cleanly on SIGTERM', async () => {
  const dataDir = tempDataDir();
  // The driver the spawned eddy picks from the same EDDY_SQLITE_DRIVER (node:sqlite where there is one).
  const driver = sqliteDriver(testSqliteDriver()).name;
  try {
    const running = await spawnEddy(['--port', '0', '--data-dir', dataDir, '--request-log', 'on'], {
      env: { EDDY_LOG_LEVEL: 'info', EDDY_LOG_FORMAT: 'pretty' },
    });
    const summary = running.output();
    assert.match(
      summary,
      TEST_STORE === 'postgres'
        ? /\n {2}store {5}PostgreSQL postgres:\/\/\S+schema=\S+, as node /
        : new RegExp(
            `\\n {2}store {5}SQLite in ${dataDir} on ${driver}, answered writes are fsynced: they survive a power cut`,
          ),
    );
    assert.match(summary, /\n {2}services {2}.*\bsqs\b.*\becs\b/);
    assert.match(summary, /\n {2}ecs {7}process runner/);
    assert.match(summary, /\n {2}access {4}any credentials accepted/);
    const health = (await (await fetch(`${running.url}/_eddy/health`)).json()) as { status: string };
    assert.equal(health.status, 'ok');
    const missing = await fetch(running.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.GetQueueUrl' },
      body: JSON.stringify({ QueueName: 'nope' }),
    });
    assert.equal(missing.status, 400);
    await eventually(
      () =>
        /\d\d:\d\d:\d\d INFO {2}sqs\.GetQueueUrl 400 QueueDoesNotExist \d+(\.\d)?ms/.test(running.output()),
      {
        what: 'the request line',
      },
    );
    assert.equal(await running.kill('SIGTERM'), 0);
    assert.match(running.output(), /stopped/);
    // Node 22 calls node:sqlite experimental once per thread; eddy's users did not choose it.
    assert.doesNotMatch(running.output(), /ExperimentalWarning|experimental/i);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('the commands find a running eddy from EDDY_PORT or AWS_ENDPOINT_URL, as the server and the SDKs do', async () => {
  const dataDir = tempDataDir();
  const running = await spawnEddy(['--port', '0', '--data-dir', dataDir]);
  try {
    // Nothing listens on 4566 here; each setting alone must lead to the running server.
    const clean = { EDDY_ENDPOINT: '', AWS_ENDPOINT_URL: '', EDDY_HOST: '', EDDY_PORT: '' };
    for (const env of [
      { ...clean, EDDY_PORT: String(running.port) },
      { ...clean, AWS_ENDPOINT_URL: running.url },
      { ...clean, EDDY_ENDPOINT: `${running.url}/` },
    ]) {
      const answer = await eddy(['nodes', '--json'], env);
      assert.equal(answer.code, 0, `${JSON.stringify(env)}: ${answer.stderr}`);
      assert.equal((JSON.parse(answer.stdout) as unknown[]).length, 1);
    }
    const refused = await eddy(['nodes'], { ...clean, EDDY_PORT: '59999' });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /cannot reach eddy at http:\/\/127\.0\.0\.1:59999 \(ECONNREFUSED\)/);
  } finally {
    await running.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('up refuses a taken port, an unusable data directory and an open bind without keys', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as { port: number }).port;
  try {
    const taken = await eddy(['up', '--port', String(port), '--in-memory']);
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, new RegExp(`port ${port} on 127.0.0.1 is taken`));
  } finally {
    blocker.close();
  }

  const badDir = await eddy(['up', '--port', '0', '--data-dir', '/dev/null/eddy']);
  assert.equal(badDir.code, 1);
  assert.match(badDir.stderr, /cannot write to the data directory \/dev\/null\/eddy/);

  const open = await eddy(['up', '--host', '0.0.0.0', '--in-memory']);
  assert.equal(open.code, 1);
  assert.match(open.stderr, /configure access keys first/);

  const badPort = await eddy(['up', '--port', 'eighty']);
  assert.equal(badPort.code, 1);
  assert.match(badPort.stderr, /port must be an integer/);

  const badFlag = await eddy(['up', '--no-such-flag']);
  assert.equal(badFlag.code, 1);
  assert.match(badFlag.stderr, /no-such-flag/);

  // A driver that cannot run here: node:sqlite on a Node without it, else better-sqlite3 hidden.
  const noDriver = nodeSqliteAvailable()
    ? await eddy(['up', '--port', '0', '--in-memory', '--sqlite-driver', 'better-sqlite3'], {
        NODE_OPTIONS: `--import=${join(ROOT, 'test/fixtures/without-better-sqlite3.mjs')}`,
      })
    : await eddy(['up', '--port', '0', '--in-memory', '--sqlite-driver', 'node']);
  assert.equal(noDriver.code, 1);
  assert.match(
    noDriver.stderr,
    /^eddy: (the SQLite driver better-sqlite3 cannot be loaded \(Cannot find module 'better-sqlite3'[^\n]*\); EDDY_SQLITE_DRIVER=node runs on the built-in node:sqlite instead|EDDY_SQLITE_DRIVER=node needs node:sqlite, which Node v[\d.]+ does not have[^\n]*)\n$/m,
  );
});

test('SIGTERM under a busy keep-alive client stops within the 2 s grace, and every acknowledged send survives', async (t) => {
  const dataDir = tempDataDir();
  try {
    const running = await spawnEddy(['--port', '0', '--data-dir', dataDir]);
    const sqs = running.client(SQSClient, { maxAttempts: 1 });
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'busy' }));
    const acknowledged: string[] = [];
    let sending = true;
    const senders = [0, 1, 2, 3].map(async (worker) => {
      for (let n = 0; sending; n += 1) {
        const body = `${worker}-${n}`;
        try {
          await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: body }));
          acknowledged.push(body);
        } catch {
          return; // refused or cut off: not acknowledged
        }
      }
    });
    await eventually(() => acknowledged.length >= 200, { what: '200 sends' });
    const signalled = performance.now();
    const code = await running.kill('SIGTERM');
    const stoppedMs = performance.now() - signalled;
    sending = false;
    await Promise.all(senders);
    sqs.destroy();
    assert.equal(code, 0, running.output());
    t.diagnostic(
      `stopped ${Math.round(stoppedMs)} ms after SIGTERM, ${acknowledged.length} sends acknowledged`,
    );
    assert.ok(stoppedMs < 3000, `stopped ${Math.round(stoppedMs)} ms after SIGTERM`);

    const again = await spawnEddy(['--port', '0', '--data-dir', dataDir]);
    const reader = again.client(SQSClient);
    const seen = new Set<string>();
    try {
      const url = (await reader.send(new GetQueueUrlCommand({ QueueName: 'busy' }))).QueueUrl!;
      for (;;) {
        const { Messages = [] } = await reader.send(
          new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }),
        );
        if (Messages.length === 0) break;
        for (const message of Messages) seen.add(message.Body!);
      }
    } finally {
      reader.destroy();
      await again.kill('SIGTERM');
    }
    assert.deepEqual(
      acknowledged.filter((body) => !seen.has(body)),
      [],
    );
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

// The `eddy` command as a user meets it: version, help, start, refusals and a clean stop.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { spawnEddy, TEST_STORE, tempDataDir } from './harness.ts';

const BIN = join(import.meta.dirname, '../bin/eddy.js');

function eddy(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
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

test('up prints where it listens and where data lives, answers, and stops cleanly on SIGTERM', async () => {
  const dataDir = tempDataDir();
  try {
    const running = await spawnEddy(['--port', '0', '--data-dir', dataDir]);
    assert.match(
      running.output(),
      TEST_STORE === 'postgres'
        ? /data in PostgreSQL postgres:\/\/\S+schema=/
        : new RegExp(`data ${dataDir}`),
    );
    const health = (await (await fetch(`${running.url}/_eddy/health`)).json()) as { status: string };
    assert.equal(health.status, 'ok');
    assert.equal(await running.kill('SIGTERM'), 0);
    assert.match(running.output(), /stopped/);
  } finally {
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
});

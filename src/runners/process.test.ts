import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StartError } from './port.ts';
import { ProcessRunner } from './process.ts';

const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

test('runs a command with its environment, captures its lines and exit code', async () => {
  const runner = new ProcessRunner();
  const lines: string[] = [];
  const running = await runner.start(
    {
      name: 't-app',
      image: 'local',
      command: ['sh', '-c', 'echo "hello $WHO"; echo oops >&2; exit 3'],
      environment: { ...env, WHO: 'eddy' },
    },
    (stream, line) => lines.push(`${stream}: ${line}`),
  );
  assert.deepEqual(await running.exited, { exitCode: 3 });
  assert.deepEqual(lines.sort(), ['stderr: oops', 'stdout: hello eddy']);
});

test('SIGTERM reaches the process group; SIGKILL ends one that ignores it', async () => {
  const runner = new ProcessRunner();
  const polite = await runner.start(
    { name: 'p', image: 'local', command: ['sleep', '30'], environment: env },
    () => {},
  );
  await runner.signal(polite.id, 'SIGTERM');
  assert.deepEqual(await polite.exited, { exitCode: null, signal: 'SIGTERM' });

  let trapped!: () => void;
  const ready = new Promise<void>((resolve) => {
    trapped = resolve;
  });
  const stubborn = await runner.start(
    {
      name: 's',
      image: 'local',
      command: ['sh', '-c', 'trap "" TERM; echo ready; sleep 30 & wait'],
      environment: env,
    },
    () => trapped(),
  );
  await ready; // the trap is set once it printed
  await runner.signal(stubborn.id, 'SIGTERM');
  await runner.signal(stubborn.id, 'SIGKILL');
  assert.deepEqual(await stubborn.exited, { exitCode: null, signal: 'SIGKILL' });
  await runner.signal(stubborn.id, 'SIGKILL'); // already gone: no error
});

test('a command that cannot start is a StartError, and image mappings supply directory and command', async () => {
  const runner = new ProcessRunner({
    images: { 'worker:latest': { workingDirectory: '/tmp', command: ['pwd'] } },
  });
  await assert.rejects(
    runner.start({ name: 'x', image: 'local', command: ['/no/such/binary'], environment: env }, () => {}),
    (error: Error) => error instanceof StartError && /\/no\/such\/binary/.test(error.message),
  );
  await assert.rejects(
    runner.start({ name: 'x', image: 'unmapped', command: [], environment: env }, () => {}),
    /has no command/,
  );
  const lines: string[] = [];
  const mapped = await runner.start(
    { name: 'w', image: 'worker:latest', command: [], environment: env },
    (_, line) => lines.push(line),
  );
  assert.deepEqual(await mapped.exited, { exitCode: 0 });
  assert.deepEqual(lines, ['/tmp']);
});

test('re-attaches to a live process by its id and notices when it ends', async () => {
  const runner = new ProcessRunner({ reattachPollMs: 20 });
  const running = await runner.start(
    { name: 'r', image: 'local', command: ['sleep', '30'], environment: env },
    () => {},
  );
  const again = await runner.reattach(running.id);
  assert.ok(again);
  await runner.signal(running.id, 'SIGKILL');
  assert.equal((await again.exited).exitCode, null);
  assert.equal(await runner.reattach(running.id), undefined);
  assert.equal(await runner.reattach('not-a-pid'), undefined);
});

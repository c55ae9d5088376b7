import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { StartError } from './port.ts';
import { ProcessRunner } from './process.ts';

const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

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
  const again = await runner.reattach(running.id, () => {});
  assert.ok(again);
  await runner.signal(running.id, 'SIGKILL');
  assert.equal((await running.exited).signal, 'SIGKILL');
  assert.equal(await runner.reattach(running.id, () => {}), undefined);
  assert.equal(await runner.reattach('not-a-pid', () => {}), undefined);
});

test('after the eddy that started them dies, tasks report the exit status their watchers recorded, and their output resumes', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'eddy-exits-'));
  const release = join(directory, 'release');
  // The first eddy is a process of its own, killed with -9 as a crash would: it is no longer the
  // tasks' parent, so only their watchers can know how they end.
  const first = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `import { ProcessRunner } from ${JSON.stringify(fileURLToPath(new URL('./process.ts', import.meta.url)))};
       const runner = new ProcessRunner({ watcherDirectory: ${JSON.stringify(directory)} });
       const spec = (name, script) => ({ name, image: 'local', command: ['sh', '-c', script], environment: ${JSON.stringify(env)} });
       const quick = await runner.start(spec('quick', 'while [ ! -e ${release} ]; do sleep 0.02; done; exit 7'), () => {});
       const long = await runner.start(spec('long', 'i=0; while :; do echo "tick $i"; i=$((i+1)); sleep 0.05; done'), () => {});
       console.log(JSON.stringify([quick.id, long.id]));`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const [line] = (await once(createInterface({ input: first.stdout! }), 'line')) as [string];
  const [quickId, longId] = JSON.parse(line) as [string, string];
  first.kill('SIGKILL');
  await once(first, 'exit');
  try {
    writeFileSync(release, ''); // the quick task ends while no eddy runs
    while (alive(Number(quickId))) await sleep(20);
    await sleep(300);

    const runner = new ProcessRunner({ watcherDirectory: directory, reattachPollMs: 20 });
    const quick = await runner.reattach(quickId, () => {});
    assert.ok(quick, 'a task that ended while eddy was down is still reported');
    assert.equal((await quick.exited).exitCode, 7);

    // The chatty task kept writing while no eddy read it: no SIGPIPE, and its lines resume.
    const lines: string[] = [];
    const long = await runner.reattach(longId, (stream, line) => lines.push(`${stream}: ${line}`));
    assert.ok(long);
    while (lines.length < 3) await sleep(20);
    const ticks = lines.map((line) => Number(/^stdout: tick (\d+)$/.exec(line)?.[1]));
    // About 6 lines were written in the 300 ms without eddy; the first read is one of them.
    assert.ok(ticks[0]! <= 2, `the lines written while eddy was down are read (first: ${lines[0]})`);
    assert.deepEqual(ticks.slice(0, 3), [ticks[0], ticks[0]! + 1, ticks[0]! + 2], 'no line is lost');
    await runner.signal(longId, 'SIGTERM');
    assert.deepEqual(await long.exited, { exitCode: null, signal: 'SIGTERM' });
    assert.equal(await runner.reattach(longId, () => {}), undefined, 'a reported exit is reported once');
  } finally {
    for (const id of [quickId, longId]) if (alive(Number(id))) process.kill(-Number(id), 'SIGKILL');
    rmSync(directory, { recursive: true, force: true });
  }
});

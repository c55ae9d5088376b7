import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Cgroups, limitFiles } from './cgroups.ts';
import { ProcessRunner } from './process.ts';

test('limits are written as each cgroup version wants them', () => {
  assert.deepEqual(limitFiles(2, { memoryMiB: 64, cpu: 512 }), [
    ['memory', 'memory.max', String(64 * 1024 * 1024)],
    ['memory', 'memory.swap.max', '0'],
    ['cpu', 'cpu.max', '50000 100000'],
  ]);
  assert.deepEqual(limitFiles(1, { cpu: 2048 }), [
    ['cpu', 'cpu.cfs_period_us', '100000'],
    ['cpu', 'cpu.cfs_quota_us', '200000'],
  ]);
  assert.deepEqual(limitFiles(1, {}), []);
});

test('on cgroup v2 the controllers are enabled on the way down and each process gets a group', () => {
  const root = mkdtempSync(join(tmpdir(), 'eddy-cgroup2-'));
  try {
    writeFileSync(join(root, 'cgroup.controllers'), 'cpu memory pids');
    const cgroups = new Cgroups(root);
    assert.equal(cgroups.unavailable, undefined);
    assert.equal(readFileSync(join(root, 'cgroup.subtree_control'), 'utf8'), '+memory +cpu');
    cgroups.limit(4242, { memoryMiB: 16, cpu: 256 });
    const group = join(root, 'eddy-tasks', '4242');
    assert.equal(readFileSync(join(group, 'memory.max'), 'utf8'), String(16 * 1024 * 1024));
    assert.equal(readFileSync(join(group, 'cpu.max'), 'utf8'), '25000 100000');
    assert.equal(readFileSync(join(group, 'cgroup.procs'), 'utf8'), '4242');
    writeFileSync(join(group, 'memory.events'), 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n');
    assert.equal(cgroups.oomKilled(4242), true);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('where groups cannot be made, limits are skipped and the runner says why', () => {
  const directory = mkdtempSync(join(tmpdir(), 'eddy-no-cgroups-'));
  const notADirectory = join(directory, 'file');
  writeFileSync(notADirectory, '');
  const cgroups = new Cgroups(notADirectory);
  rmSync(directory, { recursive: true, force: true });
  assert.match(cgroups.unavailable ?? '', /cannot be made \(ENOTDIR\); run eddy as root/);
  assert.doesNotThrow(() => cgroups.limit(1, { memoryMiB: 16 }));
  const runner = new ProcessRunner({ cgroups });
  assert.match(runner.caveats.join(), /cpu and memory limits are not applied/);
});

// The real thing, where this machine lets eddy make control groups (root, or a delegated tree).
const real = new Cgroups();
const skip = real.unavailable ? `control groups unavailable: ${real.unavailable}` : false;

test('a process runs inside its limits and is killed when it exceeds its memory', { skip }, async () => {
  const runner = new ProcessRunner({ cgroups: real });
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  const lines: string[] = [];
  const limited = await runner.start(
    {
      name: 'limited',
      image: 'local',
      command: ['sh', '-c', 'sleep 0.2; cat /proc/self/cgroup'],
      environment: env,
      memoryMiB: 64,
      cpu: 512,
    },
    (_, line) => lines.push(line),
  );
  assert.deepEqual(await limited.exited, { exitCode: 0 });
  const memoryLine = lines.find((line) => /(:memory:|^0::)/.test(line));
  // The group is made for the task's watcher (its parent) before the task starts; the task inherits it.
  assert.match(memoryLine ?? '', /\/eddy-tasks\/\d+$/);

  const greedy = await runner.start(
    {
      name: 'greedy',
      image: 'local',
      command: ['node', '-e', 'const keep = []; for (;;) keep.push(Buffer.alloc(1 << 20, 1));'],
      environment: env,
      memoryMiB: 64,
    },
    () => {},
  );
  const exit = await greedy.exited;
  assert.equal(exit.signal, 'SIGKILL');
  assert.equal(exit.reason, 'OutOfMemoryError: Container killed due to memory usage');
});

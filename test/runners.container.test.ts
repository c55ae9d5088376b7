// The container runner against a real engine: Podman's Docker-compatible socket with a local
// busybox image (scripts/podman-setup.sh makes both).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { ContainerRunner, type LogListener, StartError } from '../src/runners/index.ts';
import { engineClient, skipWithoutEngine, TEST_IMAGE } from './container-engine.ts';

const LABEL = 'eddy.test';
const skip = await skipWithoutEngine();

const runner = new ContainerRunner({ pull: 'never', label: LABEL });

function collect(): { lines: string[]; onLog: LogListener } {
  const lines: string[] = [];
  return { lines, onLog: (stream, line) => lines.push(`${stream}: ${line}`) };
}

const spec = (name: string, command: string[], extra: object = {}) => ({
  name: `${name}-${process.pid}`,
  image: TEST_IMAGE,
  command,
  environment: {},
  ...extra,
});

test('runs a command with its environment, captures both streams and the exit code', { skip }, async () => {
  const { lines, onLog } = collect();
  const running = await runner.start(
    spec('env', ['sh', '-c', 'echo "hello $WHO"; echo oops >&2; exit 3'], { environment: { WHO: 'eddy' } }),
    onLog,
  );
  assert.deepEqual(await running.exited, { exitCode: 3 });
  assert.deepEqual(lines.sort(), ['stderr: oops', 'stdout: hello eddy']);
});

test('entryPoint replaces the image entrypoint; an empty command keeps the image command', {
  skip,
}, async () => {
  const withEntryPoint = collect();
  const first = await runner.start(
    spec('entry', ['from', 'command'], { entryPoint: ['echo', 'entry'] }),
    withEntryPoint.onLog,
  );
  assert.deepEqual(await first.exited, { exitCode: 0 });
  assert.deepEqual(withEntryPoint.lines, ['stdout: entry from command']);

  // The image's CMD is /bin/sh, which ends at once with no input.
  const imageDefault = await runner.start(spec('cmd', []), () => {});
  assert.deepEqual(await imageDefault.exited, { exitCode: 0 });
});

test('memory and CPU limits reach the container’s cgroup; over its memory it is killed', {
  skip,
}, async () => {
  const { lines, onLog } = collect();
  const read =
    'cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes; ' +
    "if [ -f /sys/fs/cgroup/cpu.max ]; then cut -d' ' -f1 /sys/fs/cgroup/cpu.max; " +
    'else cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us; fi';
  const limited = await runner.start(spec('limits', ['sh', '-c', read], { memoryMiB: 64, cpu: 512 }), onLog);
  assert.deepEqual(await limited.exited, { exitCode: 0 });
  // 64 MiB, and half a vCPU: 50 ms of every 100 ms period.
  assert.deepEqual(lines, [`stdout: ${64 * 1024 * 1024}`, 'stdout: 50000']);

  const greedy = collect();
  const bounded = await runner.start(
    spec('oom', ['sh', '-c', 'x=$(head -c 100000000 /dev/zero | tr "\\0" a); echo survived'], {
      memoryMiB: 16,
    }),
    greedy.onLog,
  );
  // Killed by the kernel. The OutOfMemoryError reason needs the engine to report OOMKilled,
  // which Docker does and Podman 4.3 on cgroup v1 does not.
  const exit = await bounded.exited;
  assert.equal(exit.exitCode, 137);
  assert.deepEqual(greedy.lines, []);
});

test('SIGTERM reaches the container; SIGKILL ends one that ignores it; signalling an ended one is fine', {
  skip,
}, async () => {
  let ready!: () => void;
  const trapped = new Promise<void>((resolve) => {
    ready = resolve;
  });
  const polite = await runner.start(
    spec('polite', ['sh', '-c', 'trap "echo bye; exit 0" TERM; echo ready; while true; do sleep 0.1; done']),
    (_, line) => line === 'ready' && ready(),
  );
  await trapped;
  await runner.signal(polite.id, 'SIGTERM');
  assert.deepEqual(await polite.exited, { exitCode: 0 });

  const stubborn = await runner.start(spec('stubborn', ['sleep', '30']), () => {});
  await runner.signal(stubborn.id, 'SIGTERM'); // PID 1 without a handler ignores SIGTERM, as in any container
  await runner.signal(stubborn.id, 'SIGKILL');
  assert.deepEqual(await stubborn.exited, { exitCode: 137 });
  await runner.signal(stubborn.id, 'SIGKILL');
});

test('a container shares the host network, so it reaches servers on 127.0.0.1', { skip }, async () => {
  const server = createServer((_, response) => response.end('from the host'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  try {
    const { lines, onLog } = collect();
    const running = await runner.start(spec('net', ['wget', '-qO-', `http://127.0.0.1:${port}/`]), onLog);
    assert.deepEqual(await running.exited, { exitCode: 0 });
    assert.deepEqual(lines, ['stdout: from the host']);
  } finally {
    server.close();
  }
});

test('what cannot start is a StartError naming the cause, and leaves no container behind', {
  skip,
}, async () => {
  await assert.rejects(
    runner.start(spec('nocmd', ['/no/such/binary']), () => {}),
    (error: unknown) =>
      error instanceof StartError && /CannotStartContainerError: .*no\/such\/binary/.test(error.message),
  );
  await assert.rejects(
    runner.start({ ...spec('noimg', []), image: 'localhost/not-built-here:1' }, () => {}),
    (error: unknown) =>
      error instanceof StartError &&
      /CannotPullContainerError: image 'localhost\/not-built-here:1'/.test(error.message),
  );
  // The engine reports a failed pull inside its 200 progress stream; its words reach the task.
  const pulling = new ContainerRunner({ pull: 'missing', label: LABEL });
  await assert.rejects(
    pulling.start({ ...spec('nopull', []), image: '127.0.0.1:1/eddy-unreachable:1' }, () => {}),
    (error: unknown) => {
      assert.ok(error instanceof StartError);
      assert.match(
        error.message,
        /^CannotPullContainerError: pull of '127\.0\.0\.1:1\/eddy-unreachable:1' failed: \S/,
      );
      assert.doesNotMatch(error.message, /no such image/i);
      return true;
    },
  );
  const docker = engineClient(runner);
  const left = await docker.listContainers({
    all: true,
    filters: { label: [`${LABEL}=nocmd-${process.pid}`] },
  });
  assert.deepEqual(left, []);
});

test('re-attaches after a restart: a live container is watched, an ended one reports its exit code', {
  skip,
}, async () => {
  // Containers a previous eddy started, which no runner in this process watches: one still
  // running, one that ended while no eddy was watching it.
  const docker = engineClient(runner);
  const live = await docker.createContainer({
    Image: TEST_IMAGE,
    Cmd: ['sleep', '30'],
    Labels: { [LABEL]: `live-${process.pid}` },
  });
  await live.start();
  const orphan = await docker.createContainer({
    Image: TEST_IMAGE,
    Cmd: ['sh', '-c', 'exit 7'],
    Labels: { [LABEL]: `ending-${process.pid}` },
  });
  await orphan.start();
  await orphan.wait();
  // A second runner is a restarted eddy: it knows the containers only by id.
  const restarted = new ContainerRunner({ pull: 'never', label: LABEL });
  const again = await restarted.reattach(live.id);
  assert.ok(again);
  await restarted.signal(live.id, 'SIGKILL');
  assert.deepEqual(await again.exited, { exitCode: 137 });

  await restarted.signal(orphan.id, 'SIGTERM'); // ended but not removed: still not an error
  const endedAgain = await restarted.reattach(orphan.id);
  assert.ok(endedAgain);
  assert.deepEqual(await endedAgain.exited, { exitCode: 7 });
  assert.equal(await restarted.reattach(live.id), undefined, 'removed once it ended');
  assert.equal(await restarted.reattach(orphan.id), undefined, 'removed once its end was read');
});

test('an engine that is not there is named, with what to do', async () => {
  const missing = new ContainerRunner({ engine: 'unix:///nonexistent/docker.sock' });
  await assert.rejects(
    missing.check(),
    /no Docker Engine API at unix:\/\/\/nonexistent\/docker.sock .*podman system service/,
  );
  assert.throws(
    () => new ContainerRunner({ engine: 'ssh://somewhere' }),
    /unix:\/\/\/path or tcp:\/\/host:port/,
  );
});

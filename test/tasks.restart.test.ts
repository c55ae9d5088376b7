// A restart of eddy orphans no task: after kill -9, a task whose process is still alive is
// re-attached (and can still be stopped), one whose process died meanwhile is marked STOPPED with
// a reason; both report the exit status their watcher process recorded.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import {
  ECSClient,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import { type EddyProcess, spawnEddy, tempDataDir } from './harness.ts';
import { taskWhen } from './helpers.ts';

const waitFor = (ecs: ECSClient, arn: string, done: (task: Task) => boolean) => taskWhen(ecs, arn, done);

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('kill -9 of eddy: live task processes are re-attached, dead ones are marked STOPPED', async () => {
  const dataDir = tempDataDir();
  let second: EddyProcess | undefined;
  const pids: number[] = [];
  try {
    const first = await spawnEddy(['--port', '0', '--data-dir', dataDir]);
    let ecs = first.client(ECSClient);
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'survivor',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [{ name: 'app', image: 'local', command: ['sleep', '60'], stopTimeout: 2 }],
      }),
    );
    const { tasks } = await ecs.send(
      new RunTaskCommand({
        taskDefinition: 'survivor',
        count: 2,
        launchType: 'FARGATE',
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0eddy'] } },
      }),
    );
    const [keep, lose] = tasks!.map((task) => task.taskArn!) as [string, string];
    const running = await waitFor(ecs, keep, (task) => task.lastStatus === 'RUNNING');
    const doomed = await waitFor(ecs, lose, (task) => task.lastStatus === 'RUNNING');
    const keepPid = Number(running.containers![0]!.runtimeId);
    const losePid = Number(doomed.containers![0]!.runtimeId);
    pids.push(keepPid, losePid);

    await first.kill('SIGKILL');
    process.kill(-losePid, 'SIGKILL'); // dies while eddy is down
    assert.ok(alive(keepPid), 'a task process outlives eddy');

    second = await spawnEddy(['--port', '0', '--data-dir', dataDir]);
    ecs = second.client(ECSClient);
    const stillRunning = await waitFor(ecs, keep, () => true);
    assert.equal(stillRunning.lastStatus, 'RUNNING');
    assert.equal(stillRunning.version, running.version, 'a re-attached task did not change');

    const lost = await waitFor(ecs, lose, (task) => task.lastStatus === 'STOPPED');
    assert.equal(lost.stopCode, 'EssentialContainerExited');
    assert.equal(lost.containers?.[0]?.lastStatus, 'STOPPED');
    assert.match(lost.containers?.[0]?.reason ?? '', /ended while eddy was not running/);
    // Its watcher (still its parent) recorded how it ended: SIGKILL, 128 + 9 as ECS reports it.
    assert.equal(lost.containers?.[0]?.exitCode, 137);

    await ecs.send(new StopTaskCommand({ task: keep }));
    const stopped = await waitFor(ecs, keep, (task) => task.lastStatus === 'STOPPED');
    assert.equal(stopped.stopCode, 'UserInitiated');
    assert.ok(!alive(keepPid), 'StopTask reached the re-attached process');
    // Not eddy's child any more, and still its exit status is known: sleep ended by SIGTERM.
    assert.equal(stopped.containers?.[0]?.exitCode, 143);
  } finally {
    await second?.kill('SIGKILL');
    for (const pid of pids) if (alive(pid)) process.kill(-pid, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a Spot interruption’s notice outlives a restart: the task is stopped when it runs out', async () => {
  const dataDir = tempDataDir();
  let second: EddyProcess | undefined;
  let pid: number | undefined;
  try {
    const first = await spawnEddy(['--port', '0', '--data-dir', dataDir]);
    let ecs = first.client(ECSClient);
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'spot-survivor',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        // Ignores the notice's SIGTERM, so only the end of the notice stops it.
        containerDefinitions: [
          {
            name: 'app',
            image: 'local',
            command: ['sh', '-c', 'trap "" TERM; while true; do sleep 0.1; done'],
            stopTimeout: 2,
          },
        ],
      }),
    );
    const { tasks } = await ecs.send(
      new RunTaskCommand({
        taskDefinition: 'spot-survivor',
        capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0eddy'] } },
      }),
    );
    const arn = tasks![0]!.taskArn!;
    const running = await waitFor(ecs, arn, (task) => task.lastStatus === 'RUNNING');
    pid = Number(running.containers![0]!.runtimeId);
    const noticed = await fetch(`${first.url}/_eddy/tasks/interrupt`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ task: arn, noticeSeconds: 10 }),
    });
    assert.equal(noticed.status, 200);
    const interruptedAt = Date.now();
    // The notice outlasts a restart even on a loaded machine.
    await first.kill('SIGKILL');

    second = await spawnEddy(['--port', '0', '--data-dir', dataDir]);
    ecs = second.client(ECSClient);
    const stillNoticed = await waitFor(ecs, arn, () => true);
    assert.equal(stillNoticed.stopCode, 'TerminationNotice');
    const stopped = await waitFor(ecs, arn, (task) => task.lastStatus === 'STOPPED');
    assert.equal(stopped.stopCode, 'SpotInterruption');
    assert.ok(Date.now() - interruptedAt >= 10_000, 'not before the notice ran out');
    assert.ok(!alive(pid), 'the stop reached the re-attached process');
  } finally {
    await second?.kill('SIGKILL');
    if (pid !== undefined && alive(pid)) process.kill(-pid, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});

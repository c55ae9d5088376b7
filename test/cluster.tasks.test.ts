// ECS on two real eddy processes sharing one PostgreSQL schema (whatever EDDY_TEST_STORE says: a
// cluster is PostgreSQL's). One node schedules the services; a StopTask sent to the other node
// stops the task where it runs; when the scheduling node is killed with SIGKILL, the node that is
// left reports its tasks STOPPED and starts their replacements.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  StopTaskCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import { createScratchSchema, type ScratchSchema } from '../src/store/index.ts';
import { type EddyProcess, spawnEddy } from './harness.ts';
import { eventually, stopEveryTask } from './helpers.ts';

const schemas: ScratchSchema[] = [];
const running: EddyProcess[] = [];
after(async () => {
  for (const node of running) await node.kill('SIGKILL');
  for (const schema of schemas) await schema.drop();
});

function killGroup(pid: number): void {
  try {
    if (pid > 0) process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** `read` until `done` holds for what it returns. */
const until = <T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number) =>
  eventually(
    async () => {
      const value = await read();
      return done(value) ? { value } : false;
    },
    { timeoutMs, intervalMs: 200 },
  ).then((found) => found.value);

test('tasks follow their node: forwarded stops, and a dead node’s tasks are stopped and replaced', async (t) => {
  const schema = await createScratchSchema();
  schemas.push(schema);
  const nodes: EddyProcess[] = [];
  for (const id of ['node-a', 'node-b']) {
    const node = await spawnEddy(['--port', '0'], { env: { EDDY_STORE: schema.url, EDDY_NODE_ID: id } });
    running.push(node);
    nodes.push(node);
  }
  const [a, b] = nodes as [EddyProcess, EddyProcess];
  const ecsB = b.client(ECSClient);
  const cluster = 'two-nodes';
  const service = 'worker';
  try {
    // Everything is asked of B; A started first and holds the scheduler's lease, so tasks run on A.
    await ecsB.send(new CreateClusterCommand({ clusterName: cluster }));
    await ecsB.send(
      new RegisterTaskDefinitionCommand({
        family: 'sleeper',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [{ name: 'app', image: 'local', command: ['sleep', '60'], stopTimeout: 2 }],
      }),
    );
    await ecsB.send(
      new CreateServiceCommand({
        cluster,
        serviceName: service,
        taskDefinition: 'sleeper',
        desiredCount: 2,
        launchType: 'FARGATE',
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0eddy'] } },
      }),
    );
    const runningTasks = async (): Promise<Task[]> => {
      const { taskArns = [] } = await ecsB.send(
        new ListTasksCommand({ cluster, serviceName: service, desiredStatus: 'RUNNING' }),
      );
      if (taskArns.length === 0) return [];
      const { tasks = [] } = await ecsB.send(new DescribeTasksCommand({ cluster, tasks: taskArns }));
      return tasks.filter((task) => task.lastStatus === 'RUNNING');
    };
    const first = await until(runningTasks, (tasks) => tasks.length === 2, 15_000);

    // A StopTask that reaches B is carried out by A, which runs the task; the service replaces it.
    const stopped = first[0]!.taskArn!;
    const answer = await ecsB.send(new StopTaskCommand({ cluster, task: stopped, reason: 'asked on B' }));
    assert.equal(answer.task?.desiredStatus, 'STOPPED');
    const describe = async (arn: string) =>
      (await ecsB.send(new DescribeTasksCommand({ cluster, tasks: [arn] }))).tasks?.[0];
    const afterStop = await until(
      () => describe(stopped),
      (task) => task?.lastStatus === 'STOPPED',
      15_000,
    );
    assert.equal(afterStop?.stoppedReason, 'asked on B');
    assert.equal(afterStop?.stopCode, 'UserInitiated');
    const second = await until(
      runningTasks,
      (tasks) => tasks.length === 2 && !tasks.some((task) => task.taskArn === stopped),
      15_000,
    );

    // A dies: B notices once A's lease runs out, reports A's tasks STOPPED, and schedules anew.
    await a.kill('SIGKILL');
    const killedAt = Date.now();
    for (const task of second) {
      const lost = await until(
        () => describe(task.taskArn!),
        (found) => found?.lastStatus === 'STOPPED',
        20_000,
      );
      assert.match(lost?.stoppedReason ?? '', /eddy node node-a stopped responding/);
      // Nobody can reach the dead node's processes; on this machine the test can.
      for (const container of lost?.containers ?? []) killGroup(Number(container.runtimeId));
    }
    const replaced = await until(
      runningTasks,
      (tasks) =>
        tasks.length === 2 && tasks.every((task) => !second.some((old) => old.taskArn === task.taskArn)),
      20_000,
    );
    t.diagnostic(`replacements running ${Date.now() - killedAt} ms after the kill`);
    assert.equal(replaced.length, 2);
    await until(
      async () =>
        (await ecsB.send(new DescribeServicesCommand({ cluster, services: [service] }))).services?.[0]
          ?.runningCount,
      (count) => count === 2,
      10_000,
    );
  } catch (error) {
    t.diagnostic(`node A:\n${a.output()}\nnode B:\n${b.output()}`);
    throw error;
  } finally {
    await stopEveryTask(ecsB).catch(() => undefined);
    ecsB.destroy();
  }
});

// Task scale-in protection on a ManualClock: UpdateTaskProtection marks a service's task protected
// until a time on the injected clock, the scheduler scales in around it, and once the time passes
// GetTaskProtection reports it off and the task goes too. Standalone and unknown tasks fail.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  CreateServiceCommand,
  DeleteServiceCommand,
  DescribeTasksCommand,
  ECSClient,
  GetTaskProtectionCommand,
  InvalidParameterException,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  UpdateServiceCommand,
  UpdateTaskProtectionCommand,
} from '@aws-sdk/client-ecs';
import { ManualClock } from '../src/runtime/index.ts';
import { startTestEddy, type TestEddy } from './harness.ts';

let eddy: TestEddy;
let ecs: ECSClient;
const clock = new ManualClock();
const networkConfiguration = { awsvpcConfiguration: { subnets: ['subnet-0eddy'] } };

before(async () => {
  eddy = await startTestEddy({ clock });
  ecs = eddy.client(ECSClient);
  await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'guarded',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'app', image: 'local', command: ['sleep', '30'] }],
    }),
  );
});
after(async () => {
  await ecs.send(new DeleteServiceCommand({ service: 'guarded', force: true })).catch(() => undefined);
  clock.advance(5_000);
  ecs?.destroy();
  await eddy?.stop();
});

/** Polls in real time (processes start for real) while the scheduler ticks on the manual clock. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what} never happened: ${JSON.stringify(value)}`);
    clock.advance(1_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const running = async () => {
  const { taskArns } = await ecs.send(new ListTasksCommand({ serviceName: 'guarded' }));
  if (!taskArns?.length) return [];
  const { tasks } = await ecs.send(new DescribeTasksCommand({ tasks: taskArns }));
  return (tasks ?? []).filter((task) => task.lastStatus === 'RUNNING').map((task) => task.taskArn!);
};

test('a protected task outlives scale-in until its protection runs out on the clock', async () => {
  await ecs.send(
    new CreateServiceCommand({
      serviceName: 'guarded',
      taskDefinition: 'guarded',
      desiredCount: 2,
      launchType: 'FARGATE',
      networkConfiguration,
    }),
  );
  const [kept, other] = await until(running, (arns) => arns.length === 2, 'two running tasks');
  const protectedAt = clock.now();
  const { protectedTasks, failures } = await ecs.send(
    new UpdateTaskProtectionCommand({
      cluster: 'default',
      tasks: [kept!],
      protectionEnabled: true,
      expiresInMinutes: 5,
    }),
  );
  assert.deepEqual(failures, []);
  assert.deepEqual(protectedTasks, [
    { taskArn: kept, protectionEnabled: true, expirationDate: new Date(protectedAt + 5 * 60_000) },
  ]);
  const read = await ecs.send(new GetTaskProtectionCommand({ cluster: 'default', tasks: [kept!, other!] }));
  assert.deepEqual(
    read.protectedTasks?.map((item) => [item.taskArn, item.protectionEnabled]),
    [
      [kept, true],
      [other, false],
    ],
  );

  // Scaling in to 0 stops the unprotected task only.
  await ecs.send(new UpdateServiceCommand({ service: 'guarded', desiredCount: 0 }));
  const left = await until(running, (arns) => arns.length === 1, 'the unprotected task to stop');
  assert.deepEqual(left, [kept]);
  clock.advance(60_000);
  assert.deepEqual(await running(), [kept], 'still protected a minute later');

  // Past the expiry, protection is off and the scheduler scales the task in.
  clock.advance(5 * 60_000);
  const after = await ecs.send(new GetTaskProtectionCommand({ cluster: 'default', tasks: [kept!] }));
  assert.deepEqual(after.protectedTasks, [{ taskArn: kept, protectionEnabled: false }]);
  await until(running, (arns) => arns.length === 0, 'the expired task to stop');
});

test('protection is for running tasks of a service: standalone and unknown tasks fail; limits are checked', async () => {
  const { tasks } = await ecs.send(
    new RunTaskCommand({ taskDefinition: 'guarded', launchType: 'FARGATE', networkConfiguration }),
  );
  const standalone = tasks![0]!.taskArn!;
  const unknown = standalone.replace(/[0-9a-f]{32}$/, '0'.repeat(32));
  const { protectedTasks, failures } = await ecs.send(
    new UpdateTaskProtectionCommand({
      cluster: 'default',
      tasks: [standalone, unknown],
      protectionEnabled: true,
    }),
  );
  assert.deepEqual(protectedTasks, []);
  assert.deepEqual(
    failures?.map((failure) => [failure.arn, failure.reason]),
    [
      [standalone, 'TASK_NOT_VALID'],
      [unknown, 'MISSING'],
    ],
  );
  await assert.rejects(
    ecs.send(
      new UpdateTaskProtectionCommand({
        cluster: 'default',
        tasks: [standalone],
        protectionEnabled: true,
        expiresInMinutes: 2881,
      }),
    ),
    (error: Error) => error instanceof InvalidParameterException && /between 1 and 2880/.test(error.message),
  );
  await ecs.send(new StopTaskCommand({ task: standalone }));
});

// Task sets on the process runner: a service with the EXTERNAL deployment controller runs the
// tasks of its task sets, ceil(desiredCount × scale%) each; the controller scales them, makes one
// primary and deletes the other, whose tasks drain. Services of the ECS controller refuse task sets.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  CreateServiceCommand,
  CreateTaskSetCommand,
  DeleteServiceCommand,
  DeleteTaskSetCommand,
  DescribeServicesCommand,
  DescribeTaskSetsCommand,
  ECSClient,
  InvalidParameterException,
  ListTagsForResourceCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  type TaskSet,
  TaskSetNotFoundException,
  UpdateServicePrimaryTaskSetCommand,
  UpdateTaskSetCommand,
} from '@aws-sdk/client-ecs';
import { startTestEddy, TEST_ACCOUNT, type TestEddy } from './harness.ts';

let eddy: TestEddy;
let ecs: ECSClient;
const networkConfiguration = { awsvpcConfiguration: { subnets: ['subnet-0eddy'] } };
const service = { cluster: 'default', service: 'blue-green' };

before(async () => {
  eddy = await startTestEddy();
  ecs = eddy.client(ECSClient);
});
after(async () => {
  await ecs.send(new DeleteServiceCommand({ service: 'blue-green', force: true })).catch(() => undefined);
  ecs?.destroy();
  await eddy?.stop();
});

async function register(command: string[]): Promise<string> {
  const { taskDefinition } = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'blue-green',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'app', image: 'local', command, stopTimeout: 2 }],
    }),
  );
  return taskDefinition!.taskDefinitionArn!;
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what} never happened: ${JSON.stringify(value, null, 1)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const sets = async (): Promise<TaskSet[]> =>
  (await ecs.send(new DescribeTaskSetsCommand(service))).taskSets ?? [];
const byId = (all: TaskSet[], id: string) => all.find((set) => set.id === id);
const tasksOf = async (id: string) =>
  (await ecs.send(new ListTasksCommand({ startedBy: id }))).taskArns ?? [];

test('task sets run their share of the service, switch primary, and drain when deleted', async () => {
  const blue = await register(['sleep', '30']);
  const green = await register(['sleep', '31']);
  const created = await ecs.send(
    new CreateServiceCommand({
      serviceName: 'blue-green',
      desiredCount: 2,
      deploymentController: { type: 'EXTERNAL' },
    }),
  );
  assert.deepEqual(created.service?.deploymentController, { type: 'EXTERNAL' });
  assert.deepEqual(created.service?.deployments, []);

  const first = await ecs.send(
    new CreateTaskSetCommand({
      ...service,
      taskDefinition: blue,
      launchType: 'FARGATE',
      networkConfiguration,
      externalId: 'blue',
      tags: [{ key: 'color', value: 'blue' }],
    }),
  );
  const blueSet = first.taskSet!;
  assert.equal(blueSet.status, 'PRIMARY');
  assert.equal(blueSet.computedDesiredCount, 2);
  assert.deepEqual(blueSet.scale, { value: 100, unit: 'PERCENT' });
  assert.match(
    blueSet.taskSetArn ?? '',
    new RegExp(`^arn:aws:ecs:us-east-1:${TEST_ACCOUNT}:task-set/default/blue-green/ecs-svc/\\d{19}$`),
  );
  await until(sets, (all) => byId(all, blueSet.id!)?.stabilityStatus === 'STEADY_STATE', 'blue steady');
  assert.equal((await tasksOf(blueSet.id!)).length, 2);

  const second = await ecs.send(
    new CreateTaskSetCommand({
      ...service,
      taskDefinition: green,
      launchType: 'FARGATE',
      networkConfiguration,
      scale: { value: 50, unit: 'PERCENT' },
    }),
  );
  const greenSet = second.taskSet!;
  assert.equal(greenSet.status, 'ACTIVE');
  assert.equal(greenSet.computedDesiredCount, 1);
  await until(sets, (all) => byId(all, greenSet.id!)?.runningCount === 1, 'green running');
  const described = await ecs.send(new DescribeServicesCommand({ services: ['blue-green'] }));
  assert.equal(described.services?.[0]?.taskSets?.length, 2);
  assert.equal(described.services?.[0]?.runningCount, 3);

  const scaled = await ecs.send(
    new UpdateTaskSetCommand({
      ...service,
      taskSet: greenSet.taskSetArn!,
      scale: { value: 100, unit: 'PERCENT' },
    }),
  );
  assert.equal(scaled.taskSet?.computedDesiredCount, 2);
  const primary = await ecs.send(
    new UpdateServicePrimaryTaskSetCommand({ ...service, primaryTaskSet: greenSet.id! }),
  );
  assert.equal(primary.taskSet?.status, 'PRIMARY');
  await until(
    sets,
    (all) => byId(all, greenSet.id!)?.runningCount === 2 && byId(all, blueSet.id!)?.status === 'ACTIVE',
    'green scaled up',
  );

  const deleted = await ecs.send(new DeleteTaskSetCommand({ ...service, taskSet: blueSet.id!, force: true }));
  assert.equal(deleted.taskSet?.status, 'DRAINING');
  await until(sets, (all) => byId(all, blueSet.id!) === undefined, 'blue to drain and go');
  assert.deepEqual(await tasksOf(blueSet.id!), []);
  assert.equal((await tasksOf(greenSet.id!)).length, 2);
  const { tags } = await ecs.send(new ListTagsForResourceCommand({ resourceArn: greenSet.taskSetArn! }));
  assert.deepEqual(tags, []);
});

test('task sets are refused on services of the ECS controller; unknown task sets are not found', async () => {
  const blue = await register(['sleep', '30']);
  await ecs.send(
    new CreateServiceCommand({
      serviceName: 'classic',
      taskDefinition: blue,
      desiredCount: 0,
      launchType: 'FARGATE',
      networkConfiguration,
    }),
  );
  await assert.rejects(
    ecs.send(new CreateTaskSetCommand({ cluster: 'default', service: 'classic', taskDefinition: blue })),
    (error: Error) =>
      error instanceof InvalidParameterException &&
      /only supports task set management on services configured to use external deployment controllers/.test(
        error.message,
      ),
  );
  await assert.rejects(
    ecs.send(
      new UpdateTaskSetCommand({ ...service, taskSet: 'ecs-svc/0', scale: { value: 10, unit: 'PERCENT' } }),
    ),
    (error: Error) => error instanceof TaskSetNotFoundException,
  );
  const { failures } = await ecs.send(new DescribeTaskSetsCommand({ ...service, taskSets: ['ecs-svc/0'] }));
  assert.deepEqual(failures, [{ arn: 'ecs-svc/0', reason: 'MISSING' }]);
  await assert.rejects(
    ecs.send(
      new UpdateTaskSetCommand({ ...service, taskSet: 'ecs-svc/0', scale: { value: 101, unit: 'PERCENT' } }),
    ),
    (error: Error) => error instanceof InvalidParameterException,
  );
});

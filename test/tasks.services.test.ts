// ECS services on the process runner: the scheduler keeps desiredCount tasks running, replaces
// stopped ones, scales, rolls a new task definition out, trips the deployment circuit breaker,
// and drains on delete.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  CreateServiceCommand,
  DeleteServiceCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  InvalidParameterException,
  ListServicesCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  type Service,
  ServiceNotFoundException,
  StopTaskCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { ManualClock } from '../src/runtime/index.ts';
import { startTestEddy, type TestEddy } from './harness.ts';
import { eventually, queueWithArn, receiveAll, stopEveryTask } from './helpers.ts';

let eddy: TestEddy;
let ecs: ECSClient;
const networkConfiguration = { awsvpcConfiguration: { subnets: ['subnet-0eddy'] } };

before(async () => {
  eddy = await startTestEddy();
  ecs = eddy.client(ECSClient);
});
after(async () => {
  if (ecs) await stopEveryTask(ecs);
  ecs?.destroy();
  await eddy?.stop();
});

async function register(family: string, command: string[], client = ecs): Promise<string> {
  const { taskDefinition } = await client.send(
    new RegisterTaskDefinitionCommand({
      family,
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'app', image: 'local', command, stopTimeout: 2 }],
    }),
  );
  return taskDefinition!.taskDefinitionArn!;
}

async function describe(name: string, client = ecs): Promise<Service> {
  const { services } = await client.send(new DescribeServicesCommand({ services: [name] }));
  return services![0]!;
}

/** Polls DescribeServices until the service satisfies `done`. */
function waitFor(name: string, done: (service: Service) => boolean): Promise<Service> {
  let last: Service | undefined;
  return eventually(
    async () => {
      last = await describe(name);
      return done(last) ? last : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 100, what: () => `service got there: ${JSON.stringify(last, null, 1)}` },
  );
}

const taskArns = async (serviceName: string) =>
  (await ecs.send(new ListTasksCommand({ serviceName }))).taskArns ?? [];

test('a service keeps desiredCount tasks running, replaces a stopped one, and scales in', async () => {
  const sleeper = await register('worker', ['sleep', '60']);
  await ecs.send(
    new CreateServiceCommand({
      serviceName: 'workers',
      taskDefinition: sleeper,
      desiredCount: 3,
      launchType: 'FARGATE',
      networkConfiguration,
    }),
  );
  const service = await waitFor('workers', (candidate) => candidate.runningCount === 3);
  assert.equal(service.deployments?.[0]?.rolloutState, 'COMPLETED');
  assert.ok(
    service.events?.some((event) => /\(service workers\) has reached a steady state\./.test(event.message!)),
  );
  const first = await taskArns('workers');
  assert.equal(first.length, 3);

  await ecs.send(new StopTaskCommand({ task: first[0]!, reason: 'testing replacement' }));
  // Counts are the scheduler's last look, as in ECS: wait for the replacement in ListTasks.
  const second = await eventually(
    async () => {
      const arns = await taskArns('workers');
      return arns.length === 3 && !arns.includes(first[0]!) && arns;
    },
    { intervalMs: 100 },
  ).catch(() => taskArns('workers'));
  assert.equal(second.length, 3);
  assert.ok(!second.includes(first[0]!), 'the stopped task was replaced by a new one');
  await waitFor('workers', (candidate) => candidate.runningCount === 3 && candidate.pendingCount === 0);

  await ecs.send(new UpdateServiceCommand({ service: 'workers', desiredCount: 1 }));
  await waitFor('workers', (candidate) => candidate.runningCount === 1 && candidate.pendingCount === 0);
  await eventually(async () => (await taskArns('workers')).length === 1, { intervalMs: 100 }).catch(() => {});
  assert.equal((await taskArns('workers')).length, 1);
});

test('a new task definition rolls out and the old deployment drains', async () => {
  const v1 = await register('roller', ['sleep', '60']);
  const v2 = await register('roller', ['sleep', '61']);
  await ecs.send(
    new CreateServiceCommand({
      serviceName: 'roller',
      taskDefinition: v1,
      desiredCount: 2,
      launchType: 'FARGATE',
      networkConfiguration,
    }),
  );
  await waitFor('roller', (candidate) => candidate.runningCount === 2);
  const updated = await ecs.send(new UpdateServiceCommand({ service: 'roller', taskDefinition: v2 }));
  assert.equal(updated.service?.deployments?.length, 2);
  assert.equal(updated.service?.deployments?.[0]?.status, 'PRIMARY');
  assert.equal(updated.service?.deployments?.[0]?.taskDefinition, v2);
  const done = await waitFor(
    'roller',
    (candidate) =>
      candidate.deployments?.length === 1 && candidate.runningCount === 2 && candidate.pendingCount === 0,
  );
  assert.equal(done.taskDefinition, v2);
  assert.equal(done.deployments?.[0]?.rolloutState, 'COMPLETED');
});

test('tasks that keep failing trip the deployment circuit breaker', async () => {
  // On a ManualClock the scheduler looks once per second the test moves it, so each start of a task
  // shows, in clock time, how long the back-off held it.
  const timed = await startTestEddy({ clock: new ManualClock(Date.UTC(2025, 0, 1)) });
  const tecs = timed.client(ECSClient);
  try {
    const failing = await register('crasher', ['sh', '-c', 'exit 3'], tecs);
    await tecs.send(
      new CreateServiceCommand({
        serviceName: 'crasher',
        taskDefinition: failing,
        desiredCount: 2,
        launchType: 'FARGATE',
        networkConfiguration,
        deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: false } },
      }),
    );
    const tasksOf = async (desiredStatus: 'RUNNING' | 'STOPPED') =>
      (await tecs.send(new ListTasksCommand({ serviceName: 'crasher', desiredStatus }))).taskArns ?? [];
    const failed = await eventually(
      async () => {
        // The crashing tasks end (real processes) before the scheduler's next look counts them.
        await eventually(async () => (await tasksOf('RUNNING')).length === 0);
        await timed.advance(1_000);
        const service = await describe('crasher', tecs);
        return service.deployments?.[0]?.rolloutState === 'FAILED' && service;
      },
      { timeoutMs: 60_000 },
    );
    assert.ok((failed.deployments?.[0]?.failedTasks ?? 0) >= 3);
    assert.ok(
      failed.events?.some((event) => /deployment failed: tasks failed to start/.test(event.message!)),
    );

    // Back-off: after the second failure in a row no task starts for 2 s.
    const failures = (failed.events ?? [])
      .filter((event) => /task \w+ failed:/.test(event.message!))
      .map((event) => event.createdAt!.getTime())
      .sort((a, b) => a - b);
    const { tasks = [] } = await tecs.send(new DescribeTasksCommand({ tasks: await tasksOf('STOPPED') }));
    const starts = [...new Set(tasks.map((task) => task.createdAt!.getTime()))].sort((a, b) => a - b);
    assert.ok(failures.length >= 2 && starts.length >= 2, `failures at ${failures}, starts at ${starts}`);
    const secondFailure = failures[1]!;
    const nextStart = starts.find((start) => start > secondFailure);
    assert.ok(nextStart !== undefined, `a start after the failures at ${failures}: ${starts}`);
    assert.ok(
      nextStart - secondFailure >= 2_000,
      `started again ${nextStart - secondFailure} ms after the second failure, not after a 2 s back-off`,
    );
  } finally {
    await stopEveryTask(tecs);
    tecs.destroy();
    await timed.stop();
  }
});

test('delete: refused while scaled above 0 unless forced; then the service drains to INACTIVE', async () => {
  await assert.rejects(
    ecs.send(new DeleteServiceCommand({ service: 'workers' })),
    (error: unknown) =>
      error instanceof InvalidParameterException &&
      /cannot be stopped while it is scaled above 0/.test(error.message),
  );
  const { service } = await ecs.send(new DeleteServiceCommand({ service: 'workers', force: true }));
  assert.equal(service?.status, 'DRAINING');
  await waitFor('workers', (candidate) => candidate.status === 'INACTIVE');
  assert.deepEqual(await taskArns('workers'), []);
  const { serviceArns } = await ecs.send(new ListServicesCommand({}));
  assert.ok(!serviceArns?.some((arn) => arn.endsWith('/workers')));
});

test('errors: unknown service, a second service of the same name', async () => {
  await assert.rejects(
    ecs.send(new UpdateServiceCommand({ service: 'nope', desiredCount: 1 })),
    (error: unknown) => error instanceof ServiceNotFoundException,
  );
  const sleeper = await register('dup', ['sleep', '60']);
  await ecs.send(
    new CreateServiceCommand({
      serviceName: 'dup',
      taskDefinition: sleeper,
      desiredCount: 0,
      launchType: 'FARGATE',
      networkConfiguration,
    }),
  );
  await assert.rejects(
    ecs.send(
      new CreateServiceCommand({
        serviceName: 'dup',
        taskDefinition: sleeper,
        desiredCount: 0,
        launchType: 'FARGATE',
        networkConfiguration,
      }),
    ),
    (error: unknown) => error instanceof InvalidParameterException && /not idempotent/.test(error.message),
  );
  const { services, failures } = await ecs.send(new DescribeServicesCommand({ services: ['dup', 'ghost'] }));
  assert.equal(services?.length, 1);
  assert.equal(failures?.[0]?.reason, 'MISSING');
});

test('a service reaching a steady state is an "ECS Service Action" event on the default bus', async () => {
  const sqs = eddy.client(SQSClient);
  const events = eddy.client(EventBridgeClient);
  const { url: QueueUrl, arn: queueArn } = await queueWithArn(sqs, 'service-actions');
  await events.send(
    new PutRuleCommand({
      Name: 'service-actions',
      EventPattern: JSON.stringify({ source: ['aws.ecs'], 'detail-type': ['ECS Service Action'] }),
    }),
  );
  await events.send(
    new PutTargetsCommand({ Rule: 'service-actions', Targets: [{ Id: 'q', Arn: queueArn }] }),
  );
  const sleeper = await register('steady', ['sleep', '60']);
  const { service } = await ecs.send(
    new CreateServiceCommand({
      serviceName: 'steady',
      taskDefinition: sleeper,
      desiredCount: 1,
      launchType: 'FARGATE',
      networkConfiguration,
    }),
  );
  const Messages = await receiveAll(sqs, QueueUrl, 1);
  const event = JSON.parse(Messages![0]!.Body!) as {
    resources: string[];
    detail: { eventName: string; eventType: string };
  };
  assert.deepEqual(event.resources, [service!.serviceArn]);
  assert.deepEqual([event.detail.eventName, event.detail.eventType], ['SERVICE_STEADY_STATE', 'INFO']);
  await ecs.send(new DeleteServiceCommand({ service: 'steady', force: true }));
  sqs.destroy();
  events.destroy();
});

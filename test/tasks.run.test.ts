// ECS tasks that run for real on the process runner, through @aws-sdk/client-ecs against a real
// server: the lifecycle and exit codes, StopTask's SIGTERM then SIGKILL, a command that cannot
// start, what a task's process is given (environment, credentials, eddy as its AWS endpoint, the
// metadata endpoint), state-change events routed to a queue, and the event bus's ECS target kind.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  type ContainerDefinition,
  ECSClient,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import {
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { type Message, SQSClient } from '@aws-sdk/client-sqs';
import { ManualClock } from '../src/runtime/index.ts';
import { startTestEddy, TEST_ACCOUNT, type TestEddy } from './harness.ts';
import { eventually, queueWithArn, receiveAll, stopEveryTask, taskWhen } from './helpers.ts';

let eddy: TestEddy;
let ecs: ECSClient;
let sqs: SQSClient;
let events: EventBridgeClient;
let scratch: string;

const network = { awsvpcConfiguration: { subnets: ['subnet-0eddy'] } };

before(async () => {
  eddy = await startTestEddy();
  ecs = eddy.client(ECSClient);
  sqs = eddy.client(SQSClient);
  events = eddy.client(EventBridgeClient);
  scratch = mkdtempSync(join(tmpdir(), 'eddy-tasks-'));
});

after(async () => {
  await eddy.stop();
  rmSync(scratch, { recursive: true, force: true });
});

/** Registers a one-container Fargate task definition. */
async function register(
  family: string,
  container: Partial<ContainerDefinition>,
  extra: object = {},
  client = ecs,
) {
  const { taskDefinition } = await client.send(
    new RegisterTaskDefinitionCommand({
      family,
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'app', image: 'local', ...container }],
      ...extra,
    }),
  );
  return taskDefinition!;
}

async function run(taskDefinition: string, extra: object = {}, client = ecs): Promise<Task> {
  const { tasks, failures } = await client.send(
    new RunTaskCommand({ taskDefinition, launchType: 'FARGATE', networkConfiguration: network, ...extra }),
  );
  assert.deepEqual(failures, []);
  return tasks![0]!;
}

const waitFor = (arn: string, done: (task: Task) => boolean, timeoutMs = 20_000) =>
  taskWhen(ecs, arn, done, { timeoutMs, include: ['TAGS'] });

const stopped = (task: Task) => task.lastStatus === 'STOPPED';

const queue = (name: string) => queueWithArn(sqs, name);

/** Receives from the queue until `enough` says what came is enough (bounded). */
const receive = (url: string, enough: (messages: Message[]) => boolean, seconds = 15) =>
  receiveAll(sqs, url, enough, { timeoutMs: seconds * 1000 });

test('a task runs its command: PROVISIONING → RUNNING → STOPPED with the exit code and every timestamp', async () => {
  const definition = await register('exit-three', {
    command: ['node', '-e', 'setTimeout(() => process.exit(3), 300)'],
  });
  const started = await run(definition.taskDefinitionArn!, { startedBy: 'test-suite', group: 'batch' });
  assert.equal(started.lastStatus, 'PROVISIONING');
  assert.equal(started.desiredStatus, 'RUNNING');
  assert.equal(started.version, 1);
  assert.equal(started.launchType, 'FARGATE');
  assert.equal(started.startedBy, 'test-suite');
  assert.equal(started.group, 'batch');
  assert.equal(started.containers?.[0]?.lastStatus, 'PENDING');
  assert.match(
    started.taskArn!,
    new RegExp(`^arn:aws:ecs:us-east-1:${TEST_ACCOUNT}:task/default/[0-9a-f]{32}$`),
  );

  const running = await waitFor(started.taskArn!, (task) => task.lastStatus === 'RUNNING');
  assert.equal(running.containers?.[0]?.lastStatus, 'RUNNING');
  assert.ok(running.startedAt && running.pullStartedAt && running.pullStoppedAt && running.connectivityAt);

  const done = await waitFor(started.taskArn!, stopped);
  assert.equal(done.desiredStatus, 'STOPPED');
  assert.equal(done.stopCode, 'EssentialContainerExited');
  assert.equal(done.stoppedReason, 'Essential container in task exited');
  assert.equal(done.containers?.[0]?.lastStatus, 'STOPPED');
  assert.equal(done.containers?.[0]?.exitCode, 3);
  assert.ok(done.version! >= 8, `version ${done.version}`);
  const order = [
    done.createdAt,
    done.pullStartedAt,
    done.startedAt,
    done.stoppingAt,
    done.executionStoppedAt,
    done.stoppedAt,
  ];
  for (let index = 1; index < order.length; index++) {
    assert.ok(order[index]!.getTime() >= order[index - 1]!.getTime(), `timestamps out of order: ${order}`);
  }
  assert.equal(done.attachments?.[0]?.status, 'DELETED');
});

test('a non-essential container may exit; when the essential one exits, the others are stopped', async () => {
  const { taskDefinition } = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'sidecars',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [
        { name: 'main', image: 'local', command: ['sh', '-c', 'sleep 0.6; exit 0'] },
        { name: 'helper', image: 'local', essential: false, command: ['sh', '-c', 'exit 1'] },
        { name: 'agent', image: 'local', essential: false, command: ['sleep', '30'], stopTimeout: 5 },
      ],
    }),
  );
  const task = await run(taskDefinition!.taskDefinitionArn!);
  const byName = (seen: Task, name: string) => seen.containers?.find((container) => container.name === name);
  const midway = await waitFor(task.taskArn!, (seen) => byName(seen, 'helper')?.lastStatus === 'STOPPED');
  assert.equal(midway.lastStatus, 'RUNNING', 'a non-essential container’s exit leaves the task running');
  assert.equal(midway.desiredStatus, 'RUNNING');
  const done = await waitFor(task.taskArn!, stopped);
  assert.equal(done.stopCode, 'EssentialContainerExited');
  assert.deepEqual(
    ['main', 'helper', 'agent'].map((name) => byName(done, name)?.exitCode),
    [0, 1, 143],
  );
});

test('StopTask sends SIGTERM; a container that ignores it is killed after its stopTimeout', async () => {
  // On a ManualClock the stopTimeout ends when the test moves the clock past it, and not before.
  const timed = await startTestEddy({ clock: new ManualClock(Date.UTC(2025, 0, 1)) });
  const tecs = timed.client(ECSClient);
  const waitOn = (arn: string, done: (task: Task) => boolean) => taskWhen(tecs, arn, done);
  const out = join(scratch, 'stubborn.log');
  const said = () => (existsSync(out) ? readFileSync(out, 'utf8').split('\n') : []);
  try {
    const polite = await register('polite-sleeper', { command: ['sleep', '30'] }, {}, tecs);
    // Notes the SIGTERM and carries on; answers SIGUSR1 to show it is still alive.
    const stubborn = await register(
      'stubborn-sleeper',
      {
        command: [
          'sh',
          '-c',
          'trap "echo term >> $OUT" TERM; trap "echo alive >> $OUT" USR1; echo ready >> $OUT; while true; do sleep 0.1; done',
        ],
        environment: [{ name: 'OUT', value: out }],
        stopTimeout: 2,
      },
      {},
      tecs,
    );
    const first = await run(polite.taskDefinitionArn!, {}, tecs);
    const second = await run(stubborn.taskDefinitionArn!, {}, tecs);
    await waitOn(first.taskArn!, (task) => task.lastStatus === 'RUNNING');
    const running = await waitOn(second.taskArn!, (task) => task.lastStatus === 'RUNNING');
    const pid = Number(running.containers?.[0]?.runtimeId);
    await eventually(() => said().includes('ready'), { what: 'the stubborn container set its traps' });

    const { task: stopping } = await tecs.send(
      new StopTaskCommand({ task: first.taskArn!, reason: 'done for today' }),
    );
    assert.equal(stopping?.desiredStatus, 'STOPPED');
    assert.equal(stopping?.stopCode, 'UserInitiated');
    assert.equal(stopping?.stoppedReason, 'done for today');
    const politeDone = await waitOn(first.taskArn!, stopped);
    assert.equal(politeDone.containers?.[0]?.exitCode, 143); // 128 + SIGTERM, as Docker reports it

    await tecs.send(new StopTaskCommand({ cluster: 'default', task: second.taskArn!.split('/').at(-1)! }));
    await eventually(() => said().includes('term'), { what: 'the SIGTERM reached the stubborn container' });
    await timed.advance(1_999);
    process.kill(pid, 'SIGUSR1');
    await eventually(() => said().includes('alive'), { what: 'still alive 1 ms before its 2 s stopTimeout' });
    assert.notEqual((await waitOn(second.taskArn!, () => true)).lastStatus, 'STOPPED');
    await timed.advance(1);
    const stubbornDone = await waitOn(second.taskArn!, stopped);
    assert.equal(stubbornDone.containers?.[0]?.exitCode, 137); // 128 + SIGKILL
    assert.equal(stubbornDone.stopCode, 'UserInitiated');
    assert.equal(stubbornDone.stoppedReason, 'Task stopped by user');
  } finally {
    await stopEveryTask(tecs);
    tecs.destroy();
    await timed.stop();
  }
});

test('a command that cannot start stops the task with TaskFailedToStart and says why', async () => {
  const definition = await register('missing-binary', { command: ['/no/such/program', '--flag'] });
  const task = await run(definition.taskDefinitionArn!);
  const done = await waitFor(task.taskArn!, stopped);
  assert.equal(done.stopCode, 'TaskFailedToStart');
  assert.match(done.stoppedReason!, /CannotStartContainerError: .*\/no\/such\/program/);
  assert.match(done.containers?.[0]?.reason ?? '', /\/no\/such\/program/);
  assert.equal(done.containers?.[0]?.exitCode, undefined);
});

test('the process gets its environment, credentials, eddy as AWS endpoint and a metadata endpoint', async () => {
  const out = join(scratch, 'probe.json');
  const probe = `
    const fs = require('node:fs');
    (async () => {
      const container = await (await fetch(process.env.ECS_CONTAINER_METADATA_URI_V4)).json();
      const task = await (await fetch(process.env.ECS_CONTAINER_METADATA_URI_V4 + '/task')).json();
      fs.writeFileSync(process.env.OUT, JSON.stringify({ env: process.env, container, task, argv: process.argv.slice(1) }));
    })();`;
  const definition = await register('probe', {
    entryPoint: ['node', '-e', probe],
    command: ['from-definition'],
    environment: [
      { name: 'OUT', value: out },
      { name: 'FROM_DEFINITION', value: 'kept' },
      { name: 'REPLACED', value: 'by the definition' },
    ],
  });
  const task = await run(definition.taskDefinitionArn!, {
    overrides: {
      containerOverrides: [
        {
          name: 'app',
          command: ['from-override'],
          environment: [{ name: 'REPLACED', value: 'by the override' }],
        },
      ],
    },
  });
  const done = await waitFor(task.taskArn!, stopped);
  assert.equal(done.containers?.[0]?.exitCode, 0);
  const seen = JSON.parse(readFileSync(out, 'utf8'));
  assert.deepEqual(seen.argv, ['from-override']);
  assert.equal(seen.env.FROM_DEFINITION, 'kept');
  assert.equal(seen.env.REPLACED, 'by the override');
  assert.equal(seen.env.AWS_REGION, 'us-east-1');
  assert.equal(seen.env.AWS_DEFAULT_REGION, 'us-east-1');
  assert.equal(seen.env.AWS_ENDPOINT_URL, eddy.url);
  assert.equal(seen.env.AWS_ACCESS_KEY_ID, TEST_ACCOUNT);
  assert.ok(seen.env.AWS_SECRET_ACCESS_KEY);
  assert.ok(seen.env.ECS_CONTAINER_METADATA_URI_V4.startsWith(`${eddy.url}/_eddy/`));
  assert.equal(seen.container.Name, 'app');
  assert.equal(seen.container.KnownStatus, 'RUNNING');
  assert.equal(seen.container.Labels['com.amazonaws.ecs.task-arn'], task.taskArn);
  assert.equal(seen.task.TaskARN, task.taskArn);
  assert.equal(seen.task.Family, 'probe');
  assert.equal(seen.task.LaunchType, 'FARGATE');
  // Once the task stopped, its metadata address answers no more.
  assert.equal((await fetch(seen.env.ECS_CONTAINER_METADATA_URI_V4)).status, 404);
});

test('an AWS SDK inside the task talks to eddy without configuration', async () => {
  const results = await queue('sdk-from-task');
  const script = `
    import { SQSClient, GetQueueUrlCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
    const sqs = new SQSClient({});
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'sdk-from-task' }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'hello from ' + process.env.ECS_CONTAINER_METADATA_URI_V4.length }));`;
  const definition = await register('sdk-user', { command: ['node', '--input-type=module', '-e', script] });
  const task = await run(definition.taskDefinitionArn!);
  const done = await waitFor(task.taskArn!, stopped, 30_000);
  assert.equal(done.containers?.[0]?.exitCode, 0);
  const [message] = await receive(results.url, (messages) => messages.length > 0);
  assert.match(message?.Body ?? '', /^hello from \d+$/);
});

test('every state change is an "ECS Task State Change" event that a rule routes to a queue', async () => {
  const target = await queue('task-state-changes');
  await events.send(
    new PutRuleCommand({
      Name: 'task-changes',
      EventPattern: JSON.stringify({
        source: ['aws.ecs'],
        'detail-type': ['ECS Task State Change'],
        detail: { group: ['family:evented'] },
      }),
    }),
  );
  await events.send(new PutTargetsCommand({ Rule: 'task-changes', Targets: [{ Id: 'q', Arn: target.arn }] }));
  const definition = await register('evented', { command: ['sh', '-c', 'sleep 0.2; exit 7'] });
  const task = await run(definition.taskDefinitionArn!);
  await waitFor(task.taskArn!, stopped);
  const messages = await receive(target.url, (got) =>
    got.some((message) => JSON.parse(message.Body!).detail.lastStatus === 'STOPPED'),
  );
  const received = messages
    .map((message) => JSON.parse(message.Body!))
    .sort((a, b) => a.detail.version - b.detail.version);
  const envelope = received[0];
  assert.equal(envelope.version, '0');
  assert.equal(envelope.source, 'aws.ecs');
  assert.equal(envelope['detail-type'], 'ECS Task State Change');
  assert.equal(envelope.account, TEST_ACCOUNT);
  assert.equal(envelope.region, 'us-east-1');
  assert.deepEqual(envelope.resources, [task.taskArn]);
  assert.match(envelope.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.match(envelope.detail.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.deepEqual(
    received.map((event) => event.detail.version),
    received.map((_, index) => index + 1),
  );
  const statuses = [...new Set(received.map((event) => event.detail.lastStatus))];
  assert.deepEqual(statuses, [
    'PROVISIONING',
    'PENDING',
    'ACTIVATING',
    'RUNNING',
    'DEACTIVATING',
    'STOPPING',
    'DEPROVISIONING',
    'STOPPED',
  ]);
  const last = received.at(-1).detail;
  assert.equal(last.stopCode, 'EssentialContainerExited');
  assert.equal(last.containers[0].exitCode, 7);
  assert.equal(last.taskArn, task.taskArn);
  assert.ok(last.updatedAt && last.stoppedAt);
});

test('a rule with an ECS target runs a task whose overrides an InputTransformer built from the event', async () => {
  const results = await queue('orders-done');
  const script = `
    import { SQSClient, GetQueueUrlCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
    const sqs = new SQSClient({});
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'orders-done' }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'processed ' + process.env.ORDER_ID }));`;
  const definition = await register('order-worker', {
    command: ['node', '--input-type=module', '-e', script],
  });
  await events.send(
    new PutRuleCommand({ Name: 'orders', EventPattern: JSON.stringify({ source: ['shop'] }) }),
  );
  await events.send(
    new PutTargetsCommand({
      Rule: 'orders',
      Targets: [
        {
          Id: 'worker',
          Arn: `arn:aws:ecs:us-east-1:${TEST_ACCOUNT}:cluster/default`,
          RoleArn: `arn:aws:iam::${TEST_ACCOUNT}:role/ecsEventsRole`,
          EcsParameters: {
            TaskDefinitionArn: definition.taskDefinitionArn!,
            TaskCount: 1,
            LaunchType: 'FARGATE',
            NetworkConfiguration: { awsvpcConfiguration: { Subnets: ['subnet-0eddy'] } },
          },
          InputTransformer: {
            InputPathsMap: { id: '$.detail.orderId' },
            InputTemplate:
              '{"containerOverrides":[{"name":"app","environment":[{"name":"ORDER_ID","value":<id>}]}]}',
          },
        },
      ],
    }),
  );
  await events.send(
    new PutEventsCommand({
      Entries: [{ Source: 'shop', DetailType: 'Order Placed', Detail: JSON.stringify({ orderId: 'o-42' }) }],
    }),
  );
  const messages = await receive(results.url, (got) => got.length > 0, 30);
  assert.deepEqual(
    messages.map((message) => message.Body),
    ['processed o-42'],
  );
  const listed = async (desiredStatus: 'RUNNING' | 'STOPPED') =>
    (await ecs.send(new ListTasksCommand({ startedBy: 'events-rule/orders', desiredStatus }))).taskArns ?? [];
  const [arn] = [...(await listed('RUNNING')), ...(await listed('STOPPED'))];
  assert.ok(arn, 'the rule started a task with startedBy events-rule/orders');
  const done = await waitFor(arn, stopped);
  assert.equal(done.containers?.[0]?.exitCode, 0);
  assert.deepEqual(done.overrides?.containerOverrides?.[0]?.environment, [
    { name: 'ORDER_ID', value: 'o-42' },
  ]);
});

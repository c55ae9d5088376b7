// ECS tasks on the container runner (EDDY_TASKS_RUNNER=container) through @aws-sdk/client-ecs
// against a real server and a real engine (Podman, local busybox image): the lifecycle and exit
// code, awslogs output in CloudWatch Logs, the metadata endpoint and eddy as the task's AWS
// endpoint reached from inside the container, StopTask's SIGTERM then SIGKILL, and an image that
// is not there.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  type ContainerDefinition,
  ECSClient,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { skipWithoutEngine, TEST_IMAGE } from './container-engine.ts';
import { startTestEddy, type TestEddy } from './harness.ts';
import { eventually, receiveAll, taskWhen } from './helpers.ts';

const skip = await skipWithoutEngine();

let eddy: TestEddy;
let ecs: ECSClient;

before(async () => {
  if (skip) return;
  eddy = await startTestEddy({
    config: { tasks: { runner: 'container', images: {}, spotNoticeSeconds: 120, pull: 'never' } },
  });
  ecs = eddy.client(ECSClient);
});

after(async () => {
  await eddy?.stop();
});

const logging = (group: string) => ({
  logDriver: 'awslogs' as const,
  options: { 'awslogs-group': group, 'awslogs-stream-prefix': 'ecs', 'awslogs-create-group': 'true' },
});

async function run(family: string, container: Partial<ContainerDefinition>): Promise<Task> {
  const { taskDefinition } = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family,
      executionRoleArn: 'arn:aws:iam::000000000000:role/ecsTaskExecutionRole',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'app', image: TEST_IMAGE, essential: true, ...container }],
    }),
  );
  const { tasks, failures } = await ecs.send(
    new RunTaskCommand({
      taskDefinition: taskDefinition!.taskDefinitionArn,
      launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0eddy'] } },
    }),
  );
  assert.deepEqual(failures, []);
  return tasks![0]!;
}

const waitFor = (arn: string, done: (task: Task) => boolean) => taskWhen(ecs, arn, done);

const stopped = (task: Task) => task.lastStatus === 'STOPPED';

test('a container task runs, logs to CloudWatch Logs, reads its metadata and calls eddy', {
  skip,
}, async () => {
  const sqs = eddy.client(SQSClient);
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'from-a-container' }));
  // busybox has no SDK: an unsigned Query-protocol call shows AWS_ENDPOINT_URL reaches eddy.
  const script = [
    'echo "region=$AWS_REGION"',
    'wget -qO- "$ECS_CONTAINER_METADATA_URI_V4/task" | grep -o \'"Family":"[^"]*"\'',
    `wget -qO- --post-data "Action=SendMessage&QueueUrl=${encodeURIComponent(QueueUrl!)}&MessageBody=hello-from-podman" "$AWS_ENDPOINT_URL/" >/dev/null`,
    'echo "to stderr" >&2',
    'exit 5',
  ].join('\n');
  const started = await run('in-a-container', {
    command: ['sh', '-c', script],
    logConfiguration: logging('/ecs/in-a-container'),
  });
  const done = await waitFor(started.taskArn!, stopped);
  assert.equal(done.stopCode, 'EssentialContainerExited');
  assert.equal(done.containers?.[0]?.exitCode, 5);
  assert.match(done.containers?.[0]?.runtimeId ?? '', /^[0-9a-f]{64}$/);

  const logs = eddy.client(CloudWatchLogsClient);
  const taskId = started.taskArn!.split('/').at(-1)!;
  await eventually(async () => {
    const { events } = await logs
      .send(
        new GetLogEventsCommand({
          logGroupName: '/ecs/in-a-container',
          logStreamName: `ecs/app/${taskId}`,
          startFromHead: true,
        }),
      )
      .catch(() => ({ events: [] }));
    const lines = (events ?? []).map((event) => event.message!);
    assert.deepEqual([...lines].sort(), ['"Family":"in-a-container"', 'region=us-east-1', 'to stderr']);
    return true;
  });

  const Messages = await receiveAll(sqs, QueueUrl!, 1);
  assert.equal(Messages?.[0]?.Body, 'hello-from-podman');
});

test('StopTask: SIGTERM to a container that handles it, SIGKILL after stopTimeout to one that does not', {
  skip,
}, async () => {
  const polite = await run('polite', {
    command: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 0.1; done'],
  });
  const stubborn = await run('stubborn', { command: ['sleep', '600'], stopTimeout: 2 });
  await waitFor(polite.taskArn!, (task) => task.lastStatus === 'RUNNING');
  await waitFor(stubborn.taskArn!, (task) => task.lastStatus === 'RUNNING');

  const askedAt = Date.now();
  await ecs.send(new StopTaskCommand({ task: polite.taskArn!, reason: 'enough' }));
  await ecs.send(new StopTaskCommand({ task: stubborn.taskArn!, reason: 'enough' }));
  const politeDone = await waitFor(polite.taskArn!, stopped);
  assert.equal(politeDone.stopCode, 'UserInitiated');
  assert.equal(politeDone.stoppedReason, 'enough');
  assert.equal(politeDone.containers?.[0]?.exitCode, 0);

  const stubbornDone = await waitFor(stubborn.taskArn!, stopped);
  assert.equal(stubbornDone.containers?.[0]?.exitCode, 137);
  assert.ok(Date.now() - askedAt >= 2000, 'killed only once its stopTimeout had passed');
});

test('an image that is not on the machine fails the task to start, saying so', { skip }, async () => {
  const started = await run('no-image', { image: 'localhost/never-built:1', command: ['true'] });
  const done = await waitFor(started.taskArn!, stopped);
  assert.equal(done.stopCode, 'TaskFailedToStart');
  assert.match(
    done.stoppedReason ?? '',
    /CannotPullContainerError: image 'localhost\/never-built:1' is not on this machine/,
  );
});

// The awslogs driver: a task's stdout and stderr land in CloudWatch Logs under
// `awslogs-stream-prefix/container/task-id`, readable with the logs API.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeTasksCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
} from '@aws-sdk/client-ecs';
import { startTestEddy, type TestEddy } from './harness.ts';
import { eventually } from './helpers.ts';

let eddy: TestEddy;
let ecs: ECSClient;
let logs: CloudWatchLogsClient;

before(async () => {
  eddy = await startTestEddy();
  ecs = eddy.client(ECSClient);
  logs = eddy.client(CloudWatchLogsClient);
});
after(async () => {
  ecs?.destroy();
  logs?.destroy();
  await eddy?.stop();
});

test('awslogs: stdout and stderr lines reach the log stream ECS names, in order', async () => {
  const { taskDefinition } = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'logger',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      executionRoleArn: 'arn:aws:iam::000000000000:role/ecsTaskExecutionRole',
      containerDefinitions: [
        {
          name: 'app',
          image: 'local',
          command: ['sh', '-c', 'echo one; echo two >&2; echo three'],
          logConfiguration: {
            logDriver: 'awslogs',
            options: {
              'awslogs-group': '/ecs/logger',
              'awslogs-region': 'us-east-1',
              'awslogs-stream-prefix': 'ecs',
              'awslogs-create-group': 'true',
            },
          },
        },
      ],
    }),
  );
  const { tasks } = await ecs.send(
    new RunTaskCommand({
      taskDefinition: taskDefinition!.taskDefinitionArn,
      launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0eddy'] } },
    }),
  );
  const taskArn = tasks![0]!.taskArn!;
  const taskId = taskArn.split('/').at(-1)!;

  const messages = await eventually(
    async () => {
      const { tasks: [task] = [] } = await ecs.send(new DescribeTasksCommand({ tasks: [taskArn] }));
      if (task?.lastStatus !== 'STOPPED') return undefined;
      const got = await logs
        .send(
          new GetLogEventsCommand({
            logGroupName: '/ecs/logger',
            logStreamName: `ecs/app/${taskId}`,
            startFromHead: true,
          }),
        )
        .catch(() => ({ events: [] }));
      const lines = (got.events ?? []).map((event) => event.message!);
      return lines.length >= 3 && lines;
    },
    { what: 'the task stopped and its three lines are in its log stream' },
  );
  // stdout and stderr are separate pipes: their relative order is not defined, each one's is.
  assert.deepEqual([...messages].sort(), ['one', 'three', 'two']);
  assert.ok(messages.indexOf('one') < messages.indexOf('three'));
});

test('eddy tasks logs --follow prints the lines until the task stops', async () => {
  const { taskDefinition } = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'ticker',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      executionRoleArn: 'arn:aws:iam::000000000000:role/ecsTaskExecutionRole',
      containerDefinitions: [
        {
          name: 'app',
          image: 'local',
          command: ['sh', '-c', 'for i in 1 2 3; do echo tick $i; sleep 0.5; done'],
          logConfiguration: {
            logDriver: 'awslogs',
            options: {
              'awslogs-group': '/ecs/ticker',
              'awslogs-stream-prefix': 'ecs',
              'awslogs-create-group': 'true',
            },
          },
        },
      ],
    }),
  );
  const { tasks } = await ecs.send(
    new RunTaskCommand({
      taskDefinition: taskDefinition!.taskDefinitionArn,
      launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0eddy'] } },
    }),
  );
  const bin = resolve(import.meta.dirname, '../bin/eddy.js');
  const output = await new Promise<{ code: number; stdout: string; stderr: string }>((done) =>
    execFile(
      process.execPath,
      [bin, 'tasks', 'logs', tasks![0]!.taskArn!, '--follow', '--endpoint', eddy.url],
      { timeout: 20_000 },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    ),
  );
  assert.equal(output.code, 0, output.stderr);
  assert.equal(output.stdout, 'tick 1\ntick 2\ntick 3\n');
});

test('without a log configuration the output is kept in /eddy/ecs/CLUSTER, where eddy tasks logs reads it', async () => {
  const { taskDefinition } = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'hello',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [
        { name: 'app', image: 'hello', command: ['sh', '-c', 'echo hello from $AWS_REGION'] },
      ],
    }),
  );
  const { tasks } = await ecs.send(
    new RunTaskCommand({
      taskDefinition: taskDefinition!.taskDefinitionArn,
      launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0eddy'] } },
    }),
  );
  const taskArn = tasks![0]!.taskArn!;
  const messages = await eventually(
    async () => {
      const got = await logs
        .send(
          new GetLogEventsCommand({
            logGroupName: '/eddy/ecs/default',
            logStreamName: `app/${taskArn.split('/').at(-1)}`,
            startFromHead: true,
          }),
        )
        .catch(() => ({ events: [] }));
      const lines = (got.events ?? []).map((event) => event.message!);
      return lines.length > 0 && lines;
    },
    { what: "the task's line in /eddy/ecs/default" },
  );
  assert.deepEqual(messages, ['hello from us-east-1']);
  const bin = resolve(import.meta.dirname, '../bin/eddy.js');
  const stdout = await new Promise<string>((done, fail) =>
    execFile(
      process.execPath,
      [bin, 'tasks', 'logs', taskArn, '--endpoint', eddy.url],
      { timeout: 20_000 },
      (error, out, err) => (error ? fail(new Error(err)) : done(out)),
    ),
  );
  assert.equal(stdout, 'hello from us-east-1\n');
});

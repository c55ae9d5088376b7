// Fargate Spot interruptions on demand: the TerminationNotice state change and SIGTERM first, the
// task stopped with SpotInterruption when it ends or when the notice runs out.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { after, before, test } from 'node:test';
import {
  DescribeTasksCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { startTestEddy, type TestEddy } from './harness.ts';

const BIN = resolve(import.meta.dirname, '../bin/eddy.js');
let eddy: TestEddy;
let ecs: ECSClient;

before(async () => {
  eddy = await startTestEddy();
  ecs = eddy.client(ECSClient);
});
after(async () => {
  ecs?.destroy();
  await eddy?.stop();
});

async function runSpot(family: string, script: string): Promise<string> {
  const { taskDefinition } = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family,
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'app', image: 'local', command: ['sh', '-c', script], stopTimeout: 2 }],
    }),
  );
  const { tasks } = await ecs.send(
    new RunTaskCommand({
      taskDefinition: taskDefinition!.taskDefinitionArn,
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0eddy'] } },
    }),
  );
  return tasks![0]!.taskArn!;
}

async function waitFor(arn: string, done: (task: Task) => boolean): Promise<Task> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const { tasks } = await ecs.send(new DescribeTasksCommand({ tasks: [arn] }));
    if (done(tasks![0]!)) return tasks![0]!;
    if (Date.now() > deadline) throw new Error(`task never got there: ${JSON.stringify(tasks![0])}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const interrupt = (arn: string, notice: number) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((done) =>
    execFile(
      process.execPath,
      [BIN, 'tasks', 'interrupt', arn, '--notice-seconds', String(notice), '--endpoint', eddy.url],
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    ),
  );

test('a task that exits on the SIGTERM stops with SpotInterruption; the notice is an event first', async () => {
  const sqs = eddy.client(SQSClient);
  const events = eddy.client(EventBridgeClient);
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'spot-events' }));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  await events.send(
    new PutRuleCommand({
      Name: 'spot-notices',
      EventPattern: JSON.stringify({ source: ['aws.ecs'], detail: { stopCode: ['TerminationNotice'] } }),
    }),
  );
  await events.send(
    new PutTargetsCommand({ Rule: 'spot-notices', Targets: [{ Id: 'q', Arn: Attributes!.QueueArn }] }),
  );

  const arn = await runSpot('spot-graceful', 'trap "exit 0" TERM; while true; do sleep 0.1; done');
  await waitFor(arn, (task) => task.lastStatus === 'RUNNING');
  const result = await interrupt(arn, 60);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /TerminationNotice sent with SIGTERM; stopped with SpotInterruption in 60 s/);
  const stopped = await waitFor(arn, (task) => task.lastStatus === 'STOPPED');
  assert.equal(stopped.stopCode, 'SpotInterruption');
  assert.equal(stopped.stoppedReason, 'Your Spot Task was interrupted.');
  assert.equal(stopped.containers?.[0]?.exitCode, 0);

  const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 5 }));
  const notice = JSON.parse(Messages![0]!.Body!) as { detail: { taskArn: string; lastStatus: string } };
  assert.equal(notice.detail.taskArn, arn);
  assert.equal(notice.detail.lastStatus, 'RUNNING');
  sqs.destroy();
  events.destroy();
});

test('a task that ignores the SIGTERM is stopped when the notice runs out', async () => {
  const arn = await runSpot('spot-stubborn', 'trap "" TERM; while true; do sleep 0.1; done');
  await waitFor(arn, (task) => task.lastStatus === 'RUNNING');
  const started = Date.now();
  assert.equal((await interrupt(arn, 1)).code, 0);
  const noticed = await waitFor(arn, (task) => task.stopCode === 'TerminationNotice');
  assert.equal(noticed.lastStatus, 'RUNNING');
  const stopped = await waitFor(arn, (task) => task.lastStatus === 'STOPPED');
  assert.equal(stopped.stopCode, 'SpotInterruption');
  assert.ok(Date.now() - started >= 1000, 'not before the notice ran out');
});

test('only FARGATE_SPOT tasks can be interrupted; unknown tasks are refused', async () => {
  const { taskDefinition } = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'on-demand',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'app', image: 'local', command: ['sleep', '30'] }],
    }),
  );
  const { tasks } = await ecs.send(
    new RunTaskCommand({
      taskDefinition: taskDefinition!.taskDefinitionArn,
      launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0eddy'] } },
    }),
  );
  const onDemand = await interrupt(tasks![0]!.taskArn!, 1);
  assert.equal(onDemand.code, 1);
  assert.match(
    onDemand.stderr,
    /Only tasks on FARGATE_SPOT capacity are interrupted; this one runs on FARGATE/,
  );
  const unknown = await interrupt('arn:aws:ecs:us-east-1:000000000000:task/default/nope', 1);
  assert.match(unknown.stderr, /InvalidParameterException: The task .* was not found/);
});

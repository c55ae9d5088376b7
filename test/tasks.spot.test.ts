// Fargate Spot interruptions on demand: the TerminationNotice state change and SIGTERM first, the
// task stopped with SpotInterruption when it ends or when the notice runs out.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { ECSClient, RegisterTaskDefinitionCommand, RunTaskCommand, type Task } from '@aws-sdk/client-ecs';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { ManualClock } from '../src/runtime/index.ts';
import { startTestEddy, type TestEddy } from './harness.ts';
import { eventually, queueWithArn, receiveAll, stopEveryTask, taskWhen } from './helpers.ts';

const BIN = resolve(import.meta.dirname, '../bin/eddy.js');
let eddy: TestEddy;
let ecs: ECSClient;

// The notice and the stop timeout run on the clock: a test moves it to end them.
before(async () => {
  eddy = await startTestEddy({ clock: new ManualClock(Date.UTC(2025, 0, 1)) });
  ecs = eddy.client(ECSClient);
});
after(async () => {
  if (ecs) await stopEveryTask(ecs);
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

const waitFor = (arn: string, done: (task: Task) => boolean) => taskWhen(ecs, arn, done);

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
  const { url: QueueUrl, arn: queueArn } = await queueWithArn(sqs, 'spot-events');
  await events.send(
    new PutRuleCommand({
      Name: 'spot-notices',
      EventPattern: JSON.stringify({ source: ['aws.ecs'], detail: { stopCode: ['TerminationNotice'] } }),
    }),
  );
  await events.send(new PutTargetsCommand({ Rule: 'spot-notices', Targets: [{ Id: 'q', Arn: queueArn }] }));

  const arn = await runSpot('spot-graceful', 'trap "exit 0" TERM; while true; do sleep 0.1; done');
  await waitFor(arn, (task) => task.lastStatus === 'RUNNING');
  const result = await interrupt(arn, 60);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /TerminationNotice sent with SIGTERM; stopped with SpotInterruption in 60 s/);
  const stopped = await waitFor(arn, (task) => task.lastStatus === 'STOPPED');
  assert.equal(stopped.stopCode, 'SpotInterruption');
  assert.equal(stopped.stoppedReason, 'Your Spot Task was interrupted.');
  assert.equal(stopped.containers?.[0]?.exitCode, 0);

  const Messages = await receiveAll(sqs, QueueUrl, 1);
  const notice = JSON.parse(Messages![0]!.Body!) as { detail: { taskArn: string; lastStatus: string } };
  assert.equal(notice.detail.taskArn, arn);
  assert.equal(notice.detail.lastStatus, 'RUNNING');
  sqs.destroy();
  events.destroy();
});

test('a task that ignores the SIGTERM is stopped when the notice runs out', async () => {
  const arn = await runSpot('spot-stubborn', 'trap "" TERM; while true; do sleep 0.1; done');
  await waitFor(arn, (task) => task.lastStatus === 'RUNNING');
  assert.equal((await interrupt(arn, 1)).code, 0);
  const noticed = await waitFor(arn, (task) => task.stopCode === 'TerminationNotice');
  assert.equal(noticed.lastStatus, 'RUNNING');
  await eddy.advance(999);
  const stillNoticed = await waitFor(arn, () => true);
  assert.equal(stillNoticed.stopCode, 'TerminationNotice', 'not before the notice ran out');
  assert.equal(stillNoticed.desiredStatus, 'RUNNING', 'not before the notice ran out');
  await eddy.advance(1);
  await waitFor(arn, (task) => task.stopCode === 'SpotInterruption');
  // The stop's SIGTERM is ignored too: the SIGKILL follows once the clock passes its 2 s stopTimeout.
  const stopped = await eventually(async () => {
    await eddy.advance(2_000);
    const task = await waitFor(arn, () => true);
    return task.lastStatus === 'STOPPED' && task;
  });
  assert.equal(stopped.stopCode, 'SpotInterruption');
  assert.equal(stopped.containers?.[0]?.exitCode, 137, 'killed once its stopTimeout passed');
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

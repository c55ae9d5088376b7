// EventBridge Scheduler firing on a manual clock: invocations reach queues (FIFO too), a bus and
// ECS with context attributes substituted; cron in a time zone; at() with DELETE; flexible
// windows; retries then the dead-letter queue with Scheduler's attributes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ECSClient, ListTasksCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import {
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  GetScheduleCommand,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import { ManualClock } from '../src/runtime/index.ts';
import { startTestEddy, TEST_ACCOUNT, TEST_REGION, type TestEddy } from './harness.ts';
import { drain, eventually, queueWithArn, receive, receiveAll } from './helpers.ts';

const START = Date.UTC(2026, 2, 7, 12, 0, 0);
const clock = new ManualClock(START);
const ROLE = `arn:aws:iam::${TEST_ACCOUNT}:role/scheduler`;
const MINUTE = 60_000;
let eddy: TestEddy;
let scheduler: SchedulerClient;
let sqs: SQSClient;

before(async () => {
  eddy = await startTestEddy({ clock });
  scheduler = eddy.client(SchedulerClient);
  sqs = eddy.client(SQSClient);
});
after(async () => {
  scheduler?.destroy();
  sqs?.destroy();
  await eddy?.stop();
});

const create = (
  input: Omit<CreateScheduleCommandInput, 'FlexibleTimeWindow'> & Partial<CreateScheduleCommandInput>,
) => scheduler.send(new CreateScheduleCommand({ FlexibleTimeWindow: { Mode: 'OFF' }, ...input }));

/** Moves the clock a minute at a time (each minute's invocations fire and finish). */
async function advanceMinutes(minutes: number): Promise<void> {
  for (let i = 0; i < minutes; i++) await eddy.advance(MINUTE);
}

describe('invocations', () => {
  it('a rate schedule sends to a queue at once and every period, with context attributes', async () => {
    const queue = await queueWithArn(sqs, 'rate-target');
    const { ScheduleArn } = await create({
      Name: 'every-minute',
      ScheduleExpression: 'rate(1 minute)',
      Target: {
        Arn: queue.arn,
        RoleArn: ROLE,
        Input:
          '{"arn":"<aws.scheduler.schedule-arn>","at":"<aws.scheduler.scheduled-time>","id":"<aws.scheduler.execution-id>","attempt":<aws.scheduler.attempt-number>}',
      },
    });
    await eddy.advance(0);
    await advanceMinutes(2);
    const bodies = (await receiveAll(sqs, queue.url, 3, { delete: true })).map(
      (message) => JSON.parse(message.Body!) as { arn: string; at: string; id: string; attempt: number },
    );
    assert.deepEqual(bodies.map((body) => body.at).sort(), [
      '2026-03-07T12:00:00Z',
      '2026-03-07T12:01:00Z',
      '2026-03-07T12:02:00Z',
    ]);
    for (const body of bodies) {
      assert.equal(body.arn, ScheduleArn);
      assert.equal(body.attempt, 1);
      assert.match(body.id, /^[0-9a-f-]{36}$/);
    }
    assert.equal(new Set(bodies.map((body) => body.id)).size, 3, 'each invocation has its own execution id');
    // Replacing it with the same rate keeps its rhythm: nothing at 12:02:30, the next at 12:03.
    await eddy.advance(30_000);
    await scheduler.send(
      new UpdateScheduleCommand({
        Name: 'every-minute',
        ScheduleExpression: 'rate(1 minute)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: { Arn: queue.arn, RoleArn: ROLE, Input: 'replaced <aws.scheduler.scheduled-time>' },
      }),
    );
    await eddy.advance(0);
    assert.deepEqual(await receive(sqs, queue.url), [], 'no invocation for the update itself');
    await eddy.advance(30_000);
    assert.deepEqual(
      (await receiveAll(sqs, queue.url, 1, { delete: true })).map((message) => message.Body),
      ['replaced 2026-03-07T12:03:00Z'],
    );
    await scheduler.send(
      new UpdateScheduleCommand({
        Name: 'every-minute',
        ScheduleExpression: 'rate(1 minute)',
        State: 'DISABLED',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: { Arn: queue.arn, RoleArn: ROLE },
      }),
    );
    await advanceMinutes(2);
    assert.deepEqual(await receive(sqs, queue.url), [], 'a disabled schedule does not fire');
  });

  it('a FIFO queue target gets the MessageGroupId', async () => {
    const queue = await queueWithArn(sqs, 'scheduled.fifo', { FifoQueue: 'true' });
    await create({
      Name: 'fifo',
      ScheduleExpression: `at(2026-03-07T12:${String(new Date(clock.now()).getUTCMinutes() + 1).padStart(2, '0')}:00)`,
      Target: { Arn: queue.arn, RoleArn: ROLE, Input: 'tick', SqsParameters: { MessageGroupId: 'group-7' } },
    });
    await advanceMinutes(1);
    const [message] = await receiveAll(sqs, queue.url, 1, {
      receive: { MessageSystemAttributeNames: ['MessageGroupId'] },
    });
    assert.equal(message?.Body, 'tick');
    assert.equal(message?.Attributes?.MessageGroupId, 'group-7');
  });

  it('cron in America/New_York keeps 07:00 local across the spring-forward night', async () => {
    const queue = await queueWithArn(sqs, 'new-york');
    await create({
      Name: 'new-york-morning',
      ScheduleExpression: 'cron(0 7 * * ? *)',
      ScheduleExpressionTimezone: 'America/New_York',
      Target: { Arn: queue.arn, RoleArn: ROLE, Input: '<aws.scheduler.scheduled-time>' },
    });
    // From 12:0x UTC on 7 March to past 11:00 UTC on 9 March: 07:00 EST is 12:00 UTC, 07:00 EDT 11:00 UTC.
    const until = Date.UTC(2026, 2, 9, 11, 30);
    while (clock.now() < until) await eddy.advance(Math.min(3_600_000, until - clock.now()));
    const bodies = (await receiveAll(sqs, queue.url, 2)).map((m) => m.Body).sort();
    assert.deepEqual(bodies, ['2026-03-08T11:00:00Z', '2026-03-09T11:00:00Z']);
  });

  it('a one-time schedule with DELETE fires once and disappears', async () => {
    const queue = await queueWithArn(sqs, 'one-time');
    const at = new Date(clock.now() + 2 * MINUTE);
    const stamp = at.toISOString().slice(0, 19);
    await create({
      Name: 'once-then-gone',
      ScheduleExpression: `at(${stamp})`,
      ActionAfterCompletion: 'DELETE',
      Target: { Arn: queue.arn, RoleArn: ROLE, Input: 'once' },
    });
    await advanceMinutes(3);
    assert.deepEqual(
      (await receiveAll(sqs, queue.url, 1)).map((m) => m.Body),
      ['once'],
    );
    await assert.rejects(scheduler.send(new GetScheduleCommand({ Name: 'once-then-gone' })), {
      name: 'ResourceNotFoundException',
    });
  });

  it('flexible windows spread invocations inside their window', async () => {
    const queue = await queueWithArn(sqs, 'flexible');
    const at = new Date(Math.ceil(clock.now() / MINUTE) * MINUTE + MINUTE);
    for (let i = 0; i < 6; i++) {
      await create({
        Name: `flex-${i}`,
        ScheduleExpression: `at(${at.toISOString().slice(0, 19)})`,
        FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 10 },
        Target: { Arn: queue.arn, RoleArn: ROLE, Input: String(i) },
      });
    }
    await eddy.advance(at.getTime() - clock.now() - 1);
    assert.deepEqual(await receive(sqs, queue.url), [], 'nothing before the window opens');
    const arrivals: number[] = [];
    for (let minute = 0; minute <= 10; minute++) {
      await eddy.advance(minute === 0 ? 1 : MINUTE);
      // Timers due in the same step fire one round after another.
      for (let round = 0; round < 3; round++) await eddy.advance(0);
      const got = await drain(sqs, queue.url, { delete: true });
      for (const _ of got) arrivals.push(minute);
    }
    assert.equal(arrivals.length, 6, 'every invocation inside the 10-minute window');
    assert.ok(new Set(arrivals).size > 1, `spread over the window, not all at once (${arrivals})`);
  });

  it('an event bus target gets Scheduler PutEvents with EventBridgeParameters', async () => {
    const events = eddy.client(EventBridgeClient);
    const queue = await queueWithArn(sqs, 'from-bus');
    await events.send(
      new PutRuleCommand({ Name: 'scheduled-events', EventPattern: '{"source":["my.scheduler"]}' }),
    );
    await events.send(
      new PutTargetsCommand({ Rule: 'scheduled-events', Targets: [{ Id: 'q', Arn: queue.arn }] }),
    );
    await create({
      Name: 'to-bus',
      ScheduleExpression: 'rate(5 minutes)',
      Target: {
        Arn: `arn:aws:events:${TEST_REGION}:${TEST_ACCOUNT}:event-bus/default`,
        RoleArn: ROLE,
        Input: '{"report":"daily"}',
        EventBridgeParameters: { DetailType: 'Report Due', Source: 'my.scheduler' },
      },
    });
    await eddy.advance(0);
    const [message] = await receiveAll(sqs, queue.url, 1);
    const event = JSON.parse(message!.Body!) as Record<string, unknown>;
    assert.equal(event['detail-type'], 'Report Due');
    assert.equal(event.source, 'my.scheduler');
    assert.deepEqual(event.detail, { report: 'daily' });
    assert.deepEqual(event.resources, [
      `arn:aws:scheduler:${TEST_REGION}:${TEST_ACCOUNT}:schedule/default/to-bus`,
    ]);
    events.destroy();
  });

  it('an ECS cluster target runs a task with the EcsParameters', async () => {
    const ecs = eddy.client(ECSClient);
    const { taskDefinition } = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'scheduled-job',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [{ name: 'job', image: 'job', command: [process.execPath, '-e', ''] }],
      }),
    );
    await create({
      Name: 'to-ecs',
      ScheduleExpression: 'rate(1 hour)',
      Target: {
        Arn: `arn:aws:ecs:${TEST_REGION}:${TEST_ACCOUNT}:cluster/default`,
        RoleArn: ROLE,
        EcsParameters: {
          TaskDefinitionArn: taskDefinition!.taskDefinitionArn!,
          TaskCount: 1,
          LaunchType: 'FARGATE',
          NetworkConfiguration: { awsvpcConfiguration: { Subnets: ['subnet-0example'] } },
        },
      },
    });
    await eddy.advance(0);
    await eventually(async () => {
      const lists = await Promise.all(
        (['RUNNING', 'STOPPED'] as const).map((desiredStatus) =>
          ecs.send(new ListTasksCommand({ desiredStatus })),
        ),
      );
      return lists.flatMap((list) => list.taskArns ?? []).length === 1;
    });
    ecs.destroy();
  });
});

describe('failures', () => {
  it('retries a missing target, then dead-letters with Scheduler attributes', async () => {
    const dlq = await queueWithArn(sqs, 'scheduler-dlq');
    const missing = `arn:aws:sqs:${TEST_REGION}:${TEST_ACCOUNT}:no-such-queue`;
    const { ScheduleArn } = await create({
      Name: 'doomed',
      ScheduleExpression: 'rate(1 day)',
      Target: {
        Arn: missing,
        RoleArn: ROLE,
        Input: 'attempt <aws.scheduler.attempt-number>',
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: dlq.arn },
      },
    });
    await eddy.advance(0);
    assert.deepEqual(await receive(sqs, dlq.url), [], 'not dead-lettered while retries remain');
    // Each retry waits longer; the clock moves until the dead-letter queue has the invocation.
    let dead: Awaited<ReturnType<typeof receive>> = [];
    for (let i = 0; i < 30 && dead.length === 0; i++) {
      await eddy.advance(5_000);
      dead = await receiveAll(sqs, dlq.url, 1, { timeoutMs: 200 });
    }
    const [message] = dead;
    const attributes = Object.fromEntries(
      Object.entries(message?.MessageAttributes ?? {}).map(([key, value]) => [key, value.StringValue]),
    );
    assert.equal(attributes.RETRY_ATTEMPTS, '2');
    assert.equal(attributes.SCHEDULE_ARN, ScheduleArn);
    assert.equal(attributes.TARGET_ARN, missing);
    assert.equal(
      attributes.GROUP_ARN,
      `arn:aws:scheduler:${TEST_REGION}:${TEST_ACCOUNT}:schedule-group/default`,
    );
    assert.match(attributes.EXECUTION_ID ?? '', /^[0-9a-f-]{36}$/);
    assert.ok(attributes.ERROR_CODE, 'an error code');
    assert.match(attributes.ERROR_MESSAGE ?? '', /no-such-queue|does not exist/);
    assert.equal(message?.Body, 'attempt 3');
  });
});

// EventBridge Scheduler across a restart: invocations missed while eddy was down are delivered
// when still inside MaximumEventAgeInSeconds and dead-lettered when older.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import { ManualClock } from '../src/runtime/index.ts';
import { startTestEddy, TEST_ACCOUNT, tempDataDir } from './harness.ts';
import { queueWithArn, receiveAll } from './helpers.ts';

const T0 = Date.UTC(2026, 0, 10, 8, 0, 0);
const MINUTE = 60_000;

test('missed invocations: recent ones delivered, older than MaximumEventAgeInSeconds dead-lettered', async () => {
  const dataDir = tempDataDir();
  const first = await startTestEddy({ clock: new ManualClock(T0), dataDir });
  let queue: { url: string; arn: string };
  let dlq: { url: string; arn: string };
  try {
    const sqs = first.client(SQSClient);
    queue = await queueWithArn(sqs, 'missed-target');
    dlq = await queueWithArn(sqs, 'missed-dlq');
    const scheduler = first.client(SchedulerClient);
    await scheduler.send(
      new CreateScheduleCommand({
        Name: 'every-minute',
        ScheduleExpression: 'rate(1 minute)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: {
          Arn: queue.arn,
          RoleArn: `arn:aws:iam::${TEST_ACCOUNT}:role/scheduler`,
          Input: '<aws.scheduler.scheduled-time>',
          RetryPolicy: { MaximumEventAgeInSeconds: 120 },
          DeadLetterConfig: { Arn: dlq.arn },
        },
      }),
    );
    await first.advance(0);
    assert.deepEqual(
      (await receiveAll(sqs, queue.url, 1, { delete: true })).map((m) => m.Body),
      ['2026-01-10T08:00:00Z'],
    );
    sqs.destroy();
    scheduler.destroy();
  } finally {
    await first.stop();
  }

  // Down for five and a half minutes: 08:01–08:03 are older than 120 s, 08:04 and 08:05 are not.
  const clock = new ManualClock(T0 + 5.5 * MINUTE);
  const second = await startTestEddy({ clock, dataDir });
  try {
    for (let round = 0; round < 8; round++) await second.advance(0);
    const sqs = second.client(SQSClient);
    const delivered = (await receiveAll(sqs, queue!.url, 2, { delete: true })).map((m) => m.Body).sort();
    assert.deepEqual(delivered, ['2026-01-10T08:04:00Z', '2026-01-10T08:05:00Z']);
    const dead = await receiveAll(sqs, dlq!.url, 3);
    assert.deepEqual(dead.map((m) => m.Body).sort(), [
      '2026-01-10T08:01:00Z',
      '2026-01-10T08:02:00Z',
      '2026-01-10T08:03:00Z',
    ]);
    for (const message of dead)
      assert.equal(message.MessageAttributes?.ERROR_CODE?.StringValue, 'MaximumEventAgeExceeded');
    // And it goes on: 08:06 fires on time.
    await second.advance(MINUTE);
    assert.deepEqual(
      (await receiveAll(sqs, queue!.url, 1, { delete: true })).map((m) => m.Body),
      ['2026-01-10T08:06:00Z'],
    );
    sqs.destroy();
  } finally {
    await second.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

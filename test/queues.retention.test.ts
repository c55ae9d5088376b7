// How messages leave an SQS queue other than by DeleteMessage, through @aws-sdk/client-sqs against a
// real eddy server on a ManualClock: MessageRetentionPeriod (visible and in-flight messages expire)
// and PurgeQueue (and the 60 s before the next purge).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PurgeQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ManualClock } from '../src/runtime/index.ts';
import { assertAwsError, uniqueName } from './fixtures/queues.ts';
import { startTestEddy, type TestEddy } from './harness.ts';
import { counts, createQueue, receive } from './helpers.ts';

let eddy: TestEddy;
let sqs: SQSClient;

before(async () => {
  eddy = await startTestEddy({ clock: new ManualClock(Date.UTC(2025, 0, 1)) });
  sqs = eddy.client(SQSClient);
});
after(() => eddy?.stop());

describe('retention', () => {
  test('messages older than MessageRetentionPeriod are gone', async () => {
    const url = await createQueue(sqs, uniqueName('retention'), { MessageRetentionPeriod: '60' });
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'old' }));
    await eddy.advance(30_000);
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'young' }));
    await eddy.advance(31_000);
    assert.deepEqual(
      (await receive(sqs, url, { VisibilityTimeout: 0 })).map((m) => m.Body),
      ['young'],
    );
    await eddy.advance(30_000);
    assert.deepEqual(await receive(sqs, url), []);
    assert.deepEqual(await counts(sqs, url), { visible: 0, notVisible: 0, delayed: 0 });
  });

  test('an in-flight message also expires at the end of its retention period', async () => {
    const url = await createQueue(sqs, uniqueName('retention-inflight'), { MessageRetentionPeriod: '60' });
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'held' }));
    const [message] = await receive(sqs, url, { VisibilityTimeout: 600 });
    assert.ok(message);
    await eddy.advance(601_000);
    assert.deepEqual(await receive(sqs, url), []);
  });
});

describe('purge', () => {
  test('PurgeQueue deletes the messages; another purge within 60 s is PurgeQueueInProgress', async () => {
    const url = await createQueue(sqs, uniqueName('purge'));
    for (let i = 0; i < 3; i++)
      await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: `p${i}` }));
    await receive(sqs, url, { MaxNumberOfMessages: 1 });
    await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
    await eddy.advance(1_000);
    assert.deepEqual(await receive(sqs, url), []);
    assert.deepEqual(await counts(sqs, url), { visible: 0, notVisible: 0, delayed: 0 });
    await assertAwsError(sqs.send(new PurgeQueueCommand({ QueueUrl: url })), 'PurgeQueueInProgress');
    await eddy.advance(58_000);
    await assertAwsError(sqs.send(new PurgeQueueCommand({ QueueUrl: url })), 'PurgeQueueInProgress');
    await eddy.advance(1_000);
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'after' }));
    await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
    await eddy.advance(1_000);
    assert.deepEqual(await receive(sqs, url), []);
  });
});

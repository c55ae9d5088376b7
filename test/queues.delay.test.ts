// SQS delays through @aws-sdk/client-sqs against a real eddy server on a ManualClock: a message's
// own DelaySeconds and the queue's hold it back, and it is received once the delay ends.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ManualClock } from '../src/runtime/index.ts';
import { assertAwsError, uniqueName } from './fixtures/queues.ts';
import { startTestEddy, type TestEddy } from './harness.ts';
import { createQueue, receive } from './helpers.ts';

let eddy: TestEddy;
let sqs: SQSClient;

before(async () => {
  eddy = await startTestEddy({ clock: new ManualClock(Date.UTC(2025, 0, 1)) });
  sqs = eddy.client(SQSClient);
});
after(() => eddy?.stop());

describe('delays', () => {
  test('per-message DelaySeconds and the queue DelaySeconds hold messages back', async () => {
    const url = await createQueue(sqs, uniqueName('delay'), { DelaySeconds: '20' });
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'queue delay' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'own delay', DelaySeconds: 5 }));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'no delay', DelaySeconds: 0 }));
    assert.deepEqual(
      (await receive(sqs, url)).map((m) => m.Body),
      ['no delay'],
    );
    await eddy.advance(5_000);
    assert.deepEqual(
      (await receive(sqs, url)).map((m) => m.Body),
      ['own delay'],
    );
    await eddy.advance(14_000);
    assert.deepEqual(await receive(sqs, url), []);
    await eddy.advance(1_000);
    assert.deepEqual(
      (await receive(sqs, url)).map((m) => m.Body),
      ['queue delay'],
    );
    await assertAwsError(
      sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', DelaySeconds: 901 })),
      'InvalidParameterValue',
      /DelaySeconds/,
    );
  });
});

// The SQS batch operations through @aws-sdk/client-sqs against a real eddy server: SendMessageBatch,
// DeleteMessageBatch and ChangeMessageVisibilityBatch limits, and entries that fail alone.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { ManualClock } from '../src/runtime/index.ts';
import { assertAwsError, md5, md5OfAttributes, uniqueName } from './fixtures/queues.ts';
import { startTestEddy, type TestEddy } from './harness.ts';
import { counts, createQueue, receive } from './helpers.ts';

let eddy: TestEddy;
let sqs: SQSClient;
const clock = new ManualClock(Date.UTC(2025, 0, 1));

before(async () => {
  eddy = await startTestEddy({ clock });
  sqs = eddy.client(SQSClient);
});
after(() => eddy?.stop());

describe('batches', () => {
  test('SendMessageBatch sends up to 10 entries and reports each with its MD5s', async () => {
    const url = await createQueue(sqs, uniqueName('batch'));
    const entries = Array.from({ length: 10 }, (_, i) => ({
      Id: `entry_${i}-x`,
      MessageBody: `body ${i}`,
      MessageAttributes: { index: { DataType: 'Number', StringValue: String(i) } },
    }));
    const result = await sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries }));
    assert.equal(result.Failed?.length ?? 0, 0);
    assert.equal(result.Successful?.length, 10);
    for (const entry of result.Successful ?? []) {
      const sent = entries.find((e) => e.Id === entry.Id)!;
      assert.equal(entry.MD5OfMessageBody, md5(sent.MessageBody));
      assert.equal(entry.MD5OfMessageAttributes, md5OfAttributes(sent.MessageAttributes));
      assert.ok(entry.MessageId);
    }
    const received = await receive(sqs, url, { MessageAttributeNames: ['All'] });
    assert.equal(received.length, 10);
  });

  test('a bad entry fails alone with SenderFault; the others are sent', async () => {
    const url = await createQueue(sqs, uniqueName('batch-partial'));
    const result = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'good', MessageBody: 'fine' },
          { Id: 'late', MessageBody: 'too late', DelaySeconds: 901 },
          { Id: 'chars', MessageBody: 'bad \u0000 char' },
        ],
      }),
    );
    assert.deepEqual(
      result.Successful?.map((e) => e.Id),
      ['good'],
    );
    const failed = Object.fromEntries((result.Failed ?? []).map((e) => [e.Id, e]));
    assert.equal(failed.late?.Code, 'InvalidParameterValue');
    assert.equal(failed.late?.SenderFault, true);
    assert.equal(failed.chars?.Code, 'InvalidMessageContents');
    assert.equal(failed.chars?.SenderFault, true);
    assert.deepEqual(
      (await receive(sqs, url)).map((m) => m.Body),
      ['fine'],
    );
  });

  test('batch limits: too many, empty, duplicate ids, bad ids, too long', async () => {
    const url = await createQueue(sqs, uniqueName('batch-limits'));
    const entries = (n: number) => Array.from({ length: n }, (_, i) => ({ Id: `e${i}`, MessageBody: 'b' }));
    await assertAwsError(
      sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries(11) })),
      'TooManyEntriesInBatchRequest',
    );
    await assertAwsError(
      sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [] })),
      'EmptyBatchRequest',
    );
    await assertAwsError(
      sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: [
            { Id: 'same', MessageBody: 'a' },
            { Id: 'same', MessageBody: 'b' },
          ],
        }),
      ),
      'BatchEntryIdsNotDistinct',
    );
    for (const id of ['has space', 'dot.ted', 'i'.repeat(81), '']) {
      await assertAwsError(
        sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [{ Id: id, MessageBody: 'a' }] })),
        'InvalidBatchEntryId',
      );
    }
    const half = 'z'.repeat(600 * 1024);
    await assertAwsError(
      sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: [
            { Id: 'a', MessageBody: half },
            { Id: 'b', MessageBody: half },
          ],
        }),
      ),
      'BatchRequestTooLong',
    );
    assert.deepEqual(await counts(sqs, url), { visible: 0, notVisible: 0, delayed: 0 }, 'nothing was sent');
    // One entry alone over the request's limit fails the whole request, not only its entry.
    await assertAwsError(
      sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: [
            { Id: 'small', MessageBody: 'a' },
            { Id: 'huge', MessageBody: 'z'.repeat(1024 * 1024 + 1) },
          ],
        }),
      ),
      'BatchRequestTooLong',
    );
    assert.deepEqual(
      await counts(sqs, url),
      { visible: 0, notVisible: 0, delayed: 0 },
      'not even the small one',
    );
    await assertAwsError(
      sqs.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: [] })),
      'EmptyBatchRequest',
    );
    await assertAwsError(
      sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: url,
          Entries: Array.from({ length: 11 }, (_, i) => ({ Id: `d${i}`, ReceiptHandle: 'h' })),
        }),
      ),
      'TooManyEntriesInBatchRequest',
    );
    await assertAwsError(
      sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: url, Entries: [] })),
      'EmptyBatchRequest',
    );
    await assertAwsError(
      sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: url,
          Entries: [
            { Id: 'x', ReceiptHandle: 'h', VisibilityTimeout: 1 },
            { Id: 'x', ReceiptHandle: 'h', VisibilityTimeout: 1 },
          ],
        }),
      ),
      'BatchEntryIdsNotDistinct',
    );
  });

  test('DeleteMessageBatch deletes the good handles and reports the bad ones', async () => {
    const url = await createQueue(sqs, uniqueName('delete-batch'));
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: Array.from({ length: 3 }, (_, i) => ({ Id: `m${i}`, MessageBody: `m${i}` })),
      }),
    );
    const messages = await receive(sqs, url, { VisibilityTimeout: 0 });
    assert.equal(messages.length, 3);
    const result = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          ...messages.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })),
          { Id: 'bad', ReceiptHandle: 'garbage' },
        ],
      }),
    );
    assert.deepEqual((result.Successful ?? []).map((e) => e.Id).sort(), ['d0', 'd1', 'd2']);
    assert.equal(result.Failed?.[0]?.Id, 'bad');
    assert.equal(result.Failed?.[0]?.Code, 'ReceiptHandleIsInvalid');
    assert.equal(result.Failed?.[0]?.SenderFault, true);
    assert.deepEqual(await receive(sqs, url), []);
  });
});

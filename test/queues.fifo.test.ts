// SQS FIFO queues (and fair standard queues) through @aws-sdk/client-sqs against a real eddy server:
// ordering within a message group, groups blocked while in flight, deduplication, sequence numbers,
// ReceiveRequestAttemptId retries. Time runs on a ManualClock.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  type Message,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { ManualClock } from '../src/runtime/index.ts';
import { assertAwsError, queueArn, sha256, uniqueName } from './fixtures/queues.ts';
import { startTestEddy, type TestEddy } from './harness.ts';
import { drain, EVENTUALLY_MS, receive, receivesWaiting, settlesWithin } from './helpers.ts';

let eddy: TestEddy;
let sqs: SQSClient;
const clock = new ManualClock(Date.UTC(2025, 0, 1));

before(async () => {
  eddy = await startTestEddy({ clock });
  sqs = eddy.client(SQSClient);
});
after(() => eddy?.stop());

async function fifoQueue(attributes: Record<string, string> = {}, prefix = 'fifo') {
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({
      QueueName: uniqueName(prefix, true),
      Attributes: { FifoQueue: 'true', ...attributes },
    }),
  );
  assert.ok(QueueUrl);
  return QueueUrl;
}

function send(url: string, body: string, group: string, dedup?: string) {
  return sqs.send(
    new SendMessageCommand({
      QueueUrl: url,
      MessageBody: body,
      MessageGroupId: group,
      ...(dedup !== undefined ? { MessageDeduplicationId: dedup } : {}),
    }),
  );
}

const bodies = (messages: Message[]) => messages.map((m) => m.Body);

/** Receives and deletes everything visible, returning the bodies in delivery order. */
const drained = async (url: string) => bodies(await drain(sqs, url, { delete: true }));

describe('FIFO ordering', () => {
  test('messages of one group arrive in the order sent, across receives and batches', async () => {
    const url = await fifoQueue();
    for (let i = 0; i < 5; i++) await send(url, `single ${i}`, 'g', `s${i}`);
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: Array.from({ length: 10 }, (_, i) => ({
          Id: `b${i}`,
          MessageBody: `batch ${i}`,
          MessageGroupId: 'g',
          MessageDeduplicationId: `b${i}`,
        })),
      }),
    );
    const expected = [
      ...Array.from({ length: 5 }, (_, i) => `single ${i}`),
      ...Array.from({ length: 10 }, (_, i) => `batch ${i}`),
    ];
    assert.deepEqual(await drained(url), expected);
  });

  test('a group is not delivered while one of its messages is in flight; other groups are', async () => {
    const url = await fifoQueue();
    await send(url, 'a1', 'A', 'a1');
    await send(url, 'a2', 'A', 'a2');
    await send(url, 'b1', 'B', 'b1');
    const [first] = await receive(sqs, url, { MaxNumberOfMessages: 1 });
    assert.equal(first?.Body, 'a1');
    const [second] = await receive(sqs, url, { MaxNumberOfMessages: 1 });
    assert.equal(second?.Body, 'b1', 'group A is blocked by a1 in flight');
    assert.deepEqual(await receive(sqs, url), [], 'both groups blocked');
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first!.ReceiptHandle }));
    assert.deepEqual(bodies(await receive(sqs, url)), ['a2']);
  });

  test('a message whose visibility times out is delivered again before the rest of its group', async () => {
    const url = await fifoQueue({ VisibilityTimeout: '10' });
    for (const body of ['x1', 'x2', 'x3']) await send(url, body, 'X', body);
    const [first] = await receive(sqs, url, { MaxNumberOfMessages: 1 });
    assert.equal(first?.Body, 'x1');
    await eddy.advance(10_000);
    const again = await receive(sqs, url, { MessageSystemAttributeNames: ['ApproximateReceiveCount'] });
    assert.equal(again[0]?.Body, 'x1');
    assert.equal(again[0]?.Attributes?.ApproximateReceiveCount, '2');
    assert.deepEqual(bodies(again), ['x1', 'x2', 'x3'], 'the whole group, in order');
  });

  test('ChangeMessageVisibility to 0 releases the group at once', async () => {
    const url = await fifoQueue();
    await send(url, 'r1', 'R', 'r1');
    await send(url, 'r2', 'R', 'r2');
    const [first] = await receive(sqs, url, { MaxNumberOfMessages: 1 });
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: first!.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    assert.deepEqual(bodies(await receive(sqs, url)), ['r1', 'r2']);
  });

  test('one receive may return several groups, each in order', async () => {
    const url = await fifoQueue();
    for (let i = 0; i < 3; i++) {
      await send(url, `p${i}`, 'P', `p${i}`);
      await send(url, `q${i}`, 'Q', `q${i}`);
    }
    const all = bodies(await receive(sqs, url));
    assert.equal(all.length, 6);
    assert.deepEqual(
      all.filter((b) => b?.startsWith('p')),
      ['p0', 'p1', 'p2'],
    );
    assert.deepEqual(
      all.filter((b) => b?.startsWith('q')),
      ['q0', 'q1', 'q2'],
    );
  });

  test('SequenceNumber is a large number that increases within a group; system attributes carry the ids', async () => {
    const url = await fifoQueue();
    const sequence: bigint[] = [];
    for (let i = 0; i < 4; i++) {
      const sent = await send(url, `n${i}`, 'N', `n${i}`);
      assert.match(sent.SequenceNumber ?? '', /^\d+$/);
      sequence.push(BigInt(sent.SequenceNumber!));
    }
    for (let i = 1; i < sequence.length; i++) assert.ok(sequence[i]! > sequence[i - 1]!, 'increasing');
    const batch = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [{ Id: 'e', MessageBody: 'n4', MessageGroupId: 'N', MessageDeduplicationId: 'n4' }],
      }),
    );
    assert.ok(BigInt(batch.Successful?.[0]?.SequenceNumber ?? '0') > sequence.at(-1)!);
    const messages = await receive(sqs, url, { MessageSystemAttributeNames: ['All'] });
    assert.deepEqual(
      messages.map((m) => BigInt(m.Attributes?.SequenceNumber ?? '0')),
      [...sequence, BigInt(batch.Successful![0]!.SequenceNumber!)],
    );
    assert.equal(messages[0]?.Attributes?.MessageGroupId, 'N');
    assert.equal(messages[0]?.Attributes?.MessageDeduplicationId, 'n0');
  });
});

describe('FIFO long polling', () => {
  test('a long poll blocked by its group in flight answers when that message is deleted', async () => {
    const url = await fifoQueue();
    await send(url, 'one', 'g', '1');
    await send(url, 'two', 'g', '2');
    const [inFlight] = await receive(sqs, url, { MaxNumberOfMessages: 1 });
    assert.equal(inFlight?.Body, 'one');
    // On the manual clock the 20 s wait never ends by itself: only a wake answers this poll.
    const polling = receive(sqs, url, { WaitTimeSeconds: 20 });
    await receivesWaiting(eddy, 1);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: inFlight!.ReceiptHandle }));
    const answer = await settlesWithin(polling, EVENTUALLY_MS, 'the long poll blocked by its group');
    assert.deepEqual(bodies(answer), ['two']);
  });
});

describe('FIFO deduplication', () => {
  test('a repeated MessageDeduplicationId within 5 minutes is accepted but not delivered', async () => {
    const url = await fifoQueue();
    await send(url, 'original', 'D', 'same-id');
    const duplicate = await send(url, 'duplicate', 'D', 'same-id');
    assert.ok(duplicate.MessageId, 'the duplicate send succeeds');
    assert.deepEqual(await drained(url), ['original']);
    // Tracked even after the message was received and deleted.
    await eddy.advance(4 * 60_000);
    await send(url, 'still duplicate', 'D', 'same-id');
    assert.deepEqual(await drained(url), []);
    await eddy.advance(60_000 + 1_000);
    await send(url, 'after the interval', 'D', 'same-id');
    assert.deepEqual(await drained(url), ['after the interval']);
  });

  test('ContentBasedDeduplication uses the SHA-256 of the body; an explicit id overrides it', async () => {
    const url = await fifoQueue({ ContentBasedDeduplication: 'true' });
    await send(url, 'same body', 'C');
    await send(url, 'same body', 'C');
    await send(url, 'other body', 'C');
    await send(url, 'same body', 'C', 'explicit');
    // An explicit id equal to the generated one is a duplicate of the first.
    await send(url, 'different body', 'C', sha256('same body'));
    const messages = await receive(sqs, url, { MessageSystemAttributeNames: ['MessageDeduplicationId'] });
    assert.deepEqual(bodies(messages), ['same body', 'other body', 'same body']);
    assert.equal(messages[0]?.Attributes?.MessageDeduplicationId, sha256('same body'));
  });

  test('ContentBasedDeduplication ignores message attributes', async () => {
    const url = await fifoQueue({ ContentBasedDeduplication: 'true' });
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: 'body',
        MessageGroupId: 'A',
        MessageAttributes: { a: { DataType: 'String', StringValue: '1' } },
      }),
    );
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: 'body',
        MessageGroupId: 'A',
        MessageAttributes: { a: { DataType: 'String', StringValue: '2' } },
      }),
    );
    assert.equal((await receive(sqs, url)).length, 1);
  });

  test('DeduplicationScope messageGroup deduplicates per group; queue scope across groups', async () => {
    const perGroup = await fifoQueue({
      DeduplicationScope: 'messageGroup',
      FifoThroughputLimit: 'perMessageGroupId',
    });
    await send(perGroup, 'g1', 'G1', 'dup');
    await send(perGroup, 'g2', 'G2', 'dup');
    await send(perGroup, 'g1 again', 'G1', 'dup');
    assert.deepEqual((await drained(perGroup)).sort(), ['g1', 'g2']);

    const perQueue = await fifoQueue({ DeduplicationScope: 'queue' });
    await send(perQueue, 'g1', 'G1', 'dup');
    await send(perQueue, 'g2', 'G2', 'dup');
    assert.deepEqual(await drained(perQueue), ['g1']);
  });

  test('FifoThroughputLimit perMessageGroupId needs DeduplicationScope messageGroup', async () => {
    await assertAwsError(
      sqs.send(
        new CreateQueueCommand({
          QueueName: uniqueName('fifo-bad-throughput', true),
          Attributes: {
            FifoQueue: 'true',
            DeduplicationScope: 'queue',
            FifoThroughputLimit: 'perMessageGroupId',
          },
        }),
      ),
      ['InvalidAttributeValue', 'InvalidParameterValue'],
    );
  });

  test('a message without a deduplication id on a queue without content-based dedup is rejected', async () => {
    const url = await fifoQueue();
    await assertAwsError(
      sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageGroupId: 'g' })),
      'InvalidParameterValue',
    );
    // Turning content-based deduplication on later makes it acceptable.
    await sqs.send(
      new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { ContentBasedDeduplication: 'true' } }),
    );
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageGroupId: 'g' }));
  });
});

describe('FIFO rules', () => {
  test('MessageGroupId is required', async () => {
    const url = await fifoQueue({ ContentBasedDeduplication: 'true' });
    await assertAwsError(
      sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' })),
      'MissingParameter',
    );
    const batch = await sqs.send(
      new SendMessageBatchCommand({ QueueUrl: url, Entries: [{ Id: 'a', MessageBody: 'x' }] }),
    );
    assert.equal(batch.Failed?.[0]?.Code, 'MissingParameter');
    assert.equal(batch.Failed?.[0]?.SenderFault, true);
  });

  test('per-message DelaySeconds is rejected; the queue DelaySeconds applies', async () => {
    const url = await fifoQueue({ DelaySeconds: '10' });
    await assertAwsError(
      sqs.send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: 'x',
          MessageGroupId: 'g',
          MessageDeduplicationId: 'd',
          DelaySeconds: 5,
        }),
      ),
      'InvalidParameterValue',
      /DelaySeconds/,
    );
    await send(url, 'queue-delayed', 'g', 'qd');
    assert.deepEqual(await receive(sqs, url), []);
    await eddy.advance(10_000);
    assert.deepEqual(bodies(await receive(sqs, url)), ['queue-delayed']);
  });

  test('MessageGroupId and MessageDeduplicationId: at most 128 allowed characters', async () => {
    const url = await fifoQueue();
    await send(url, 'ok', 'g'.repeat(128), 'd'.repeat(128));
    await send(url, 'punctuation', `!"#$%&'()*+,-./:;?@[\\]^_\`{|}~`, 'p!#');
    await assertAwsError(send(url, 'x', 'g'.repeat(129), 'd1'), 'InvalidParameterValue');
    await assertAwsError(send(url, 'x', 'g', 'd'.repeat(129)), 'InvalidParameterValue');
    await assertAwsError(send(url, 'x', 'has space', 'd2'), 'InvalidParameterValue');
    await assertAwsError(send(url, 'x', 'g', 'é'), 'InvalidParameterValue');
  });

  test('FifoQueue cannot be changed after creation', async () => {
    const url = await fifoQueue();
    const error = await sqs
      .send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { FifoQueue: 'false' } }))
      .then(
        () => undefined,
        (e: Error) => e,
      );
    assert.ok(error, 'SetQueueAttributes FifoQueue is refused');
  });

  test('a FIFO queue needs a FIFO dead-letter queue', async () => {
    const { QueueUrl: standard } = await sqs.send(
      new CreateQueueCommand({ QueueName: uniqueName('std-dlq') }),
    );
    assert.ok(standard);
    const name = standard.split('/').at(-1)!;
    await assertAwsError(
      sqs.send(
        new CreateQueueCommand({
          QueueName: uniqueName('fifo-src', true),
          Attributes: {
            FifoQueue: 'true',
            RedrivePolicy: JSON.stringify({ deadLetterTargetArn: queueArn(name), maxReceiveCount: 2 }),
          },
        }),
      ),
      ['InvalidParameterValue', 'InvalidAttributeValue'],
    );
  });
});

describe('ReceiveRequestAttemptId', () => {
  test('a retry with the same attempt id returns the same messages and receipt handles', async () => {
    const url = await fifoQueue();
    for (let i = 0; i < 3; i++) await send(url, `m${i}`, 'A', `m${i}`);
    const first = await receive(sqs, url, { ReceiveRequestAttemptId: 'attempt-1', MaxNumberOfMessages: 2 });
    assert.deepEqual(bodies(first), ['m0', 'm1']);
    const retry = await receive(sqs, url, { ReceiveRequestAttemptId: 'attempt-1', MaxNumberOfMessages: 2 });
    assert.deepEqual(
      retry.map((m) => m.MessageId),
      first.map((m) => m.MessageId),
    );
    assert.deepEqual(
      retry.map((m) => m.ReceiptHandle),
      first.map((m) => m.ReceiptHandle),
    );
    assert.deepEqual(
      await receive(sqs, url, { ReceiveRequestAttemptId: 'attempt-2' }),
      [],
      'group A in flight',
    );
    // The handles of the retry work.
    for (const message of retry) {
      await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message.ReceiptHandle }));
    }
    assert.deepEqual(bodies(await receive(sqs, url)), ['m2']);
  });

  test('a retry within the visibility timeout resets it', async () => {
    const url = await fifoQueue({ VisibilityTimeout: '30' });
    await send(url, 'v', 'V', 'v');
    const [first] = await receive(sqs, url, { ReceiveRequestAttemptId: 'reset' });
    await eddy.advance(20_000);
    const [retry] = await receive(sqs, url, { ReceiveRequestAttemptId: 'reset' });
    assert.equal(retry?.MessageId, first?.MessageId);
    await eddy.advance(20_000);
    assert.deepEqual(await receive(sqs, url), [], 'still invisible 40 s after the first receive');
    await eddy.advance(10_000);
    assert.deepEqual(bodies(await receive(sqs, url)), ['v']);
  });
});

describe('fair standard queues', () => {
  test('MessageGroupId on a standard queue is accepted and returned', async () => {
    const { QueueUrl: url } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('fair') }));
    const sent = await sqs.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: 't', MessageGroupId: 'tenant-1' }),
    );
    assert.equal(sent.SequenceNumber, undefined);
    const [message] = await receive(sqs, url!, { MessageSystemAttributeNames: ['MessageGroupId'] });
    assert.equal(message?.Attributes?.MessageGroupId, 'tenant-1');
  });

  test('a quiet tenant is not starved by a noisy one with many messages in flight', async () => {
    const { QueueUrl: url } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('fair-noisy') }));
    for (let batch = 0; batch < 3; batch++) {
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: Array.from({ length: 10 }, (_, i) => ({
            Id: `n${i}`,
            MessageBody: `noisy ${batch * 10 + i}`,
            MessageGroupId: 'noisy',
          })),
        }),
      );
    }
    // The noisy tenant now has 20 messages in flight and 10 waiting.
    await receive(sqs, url!);
    await receive(sqs, url!);
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'quiet', MessageGroupId: 'quiet' }));
    const next = bodies(await receive(sqs, url!));
    assert.ok(
      next.includes('quiet'),
      `the quiet tenant's message comes with the next receive: ${next.join(', ')}`,
    );
  });
});

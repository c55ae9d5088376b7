// Real SQS clients other than the SDK against eddy: the aws CLI v1 and the sqs-producer → sqs-consumer
// pair that the point-to-point pattern uses (receive a batch, process, delete each message).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Consumer } from 'sqs-consumer';
import { Producer } from 'sqs-producer';
import { ACCOUNT, md5, queueArn, uniqueName } from './fixtures/queues.ts';
import { startTestEddy, type TestEddy } from './harness.ts';
import { counts, eventually } from './helpers.ts';

let eddy: TestEddy;
let sqs: SQSClient;

before(async () => {
  eddy = await startTestEddy();
  sqs = eddy.client(SQSClient);
});
after(async () => {
  sqs?.destroy();
  await eddy?.stop();
});

/** Stops a consumer and waits until its last poll and deletes are over. */
function stopConsumer(consumer: Consumer): Promise<void> {
  return new Promise((resolve) => {
    consumer.once('stopped', () => resolve());
    // Every message is deleted by now: abort the open long poll so the server can stop (the
    // consumer reports the aborted request as an error, which is expected here).
    consumer.on('error', () => {});
    consumer.stop({ abort: true });
  });
}

/** What is left in a queue, visible or in flight, once it is empty or the bound passed. */
async function leftOnceEmpty(url: string): Promise<number> {
  const left = async () => {
    const { visible, notVisible } = await counts(sqs, url);
    return visible + notVisible;
  };
  await eventually(async () => (await left()) === 0).catch(() => {});
  return left();
}

function json<T>(stdout: string): T {
  return JSON.parse(stdout) as T;
}

describe('aws CLI', () => {
  test('create-queue, send-message, receive-message, get-queue-attributes, delete-message, delete-queue', async () => {
    const name = uniqueName('cli');
    const created = await eddy.aws([
      'sqs',
      'create-queue',
      '--queue-name',
      name,
      '--attributes',
      'VisibilityTimeout=45',
    ]);
    assert.equal(created.code, 0, created.stderr);
    const { QueueUrl } = json<{ QueueUrl: string }>(created.stdout);
    assert.equal(QueueUrl, `${eddy.url}/${ACCOUNT}/${name}`);

    const body = 'from the CLI ✓';
    const sent = await eddy.aws([
      'sqs',
      'send-message',
      '--queue-url',
      QueueUrl,
      '--message-body',
      body,
      '--message-attributes',
      JSON.stringify({
        kind: { DataType: 'String', StringValue: 'cli' },
        n: { DataType: 'Number', StringValue: '1' },
      }),
    ]);
    assert.equal(sent.code, 0, sent.stderr);
    assert.equal(json<{ MD5OfMessageBody: string }>(sent.stdout).MD5OfMessageBody, md5(body));

    const attributes = await eddy.aws([
      'sqs',
      'get-queue-attributes',
      '--queue-url',
      QueueUrl,
      '--attribute-names',
      'All',
    ]);
    assert.equal(attributes.code, 0, attributes.stderr);
    const { Attributes } = json<{ Attributes: Record<string, string> }>(attributes.stdout);
    assert.equal(Attributes.QueueArn, queueArn(name));
    assert.equal(Attributes.VisibilityTimeout, '45');
    assert.equal(Attributes.ApproximateNumberOfMessages, '1');

    const received = await eddy.aws([
      'sqs',
      'receive-message',
      '--queue-url',
      QueueUrl,
      '--message-attribute-names',
      'All',
      '--attribute-names',
      'All',
      '--max-number-of-messages',
      '10',
    ]);
    assert.equal(received.code, 0, received.stderr);
    const { Messages } = json<{
      Messages: Array<{
        Body: string;
        ReceiptHandle: string;
        MessageAttributes: Record<string, { StringValue: string }>;
      }>;
    }>(received.stdout);
    assert.equal(Messages.length, 1);
    assert.equal(Messages[0]?.Body, body);
    assert.equal(Messages[0]?.MessageAttributes.kind?.StringValue, 'cli');

    const deleted = await eddy.aws([
      'sqs',
      'delete-message',
      '--queue-url',
      QueueUrl,
      '--receipt-handle',
      Messages[0]!.ReceiptHandle,
    ]);
    assert.equal(deleted.code, 0, deleted.stderr);

    const removed = await eddy.aws(['sqs', 'delete-queue', '--queue-url', QueueUrl]);
    assert.equal(removed.code, 0, removed.stderr);
    const gone = await eddy.aws(['sqs', 'get-queue-url', '--queue-name', name]);
    assert.notEqual(gone.code, 0);
  });

  test('an error exits non-zero with the AWS error code and message', async () => {
    const result = await eddy.aws(['sqs', 'get-queue-url', '--queue-name', 'no-such-queue-cli']);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /AWS\.SimpleQueueService\.NonExistentQueue|QueueDoesNotExist/);
    assert.match(result.stderr, /The specified queue does not exist/);
    const bad = await eddy.aws([
      'sqs',
      'create-queue',
      '--queue-name',
      uniqueName('cli-bad'),
      '--attributes',
      'VisibilityTimeout=99999',
    ]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /InvalidAttributeValue/);
  });

  test('send-message-batch and list-queues through the CLI', async () => {
    const name = uniqueName('cli-batch');
    const created = await eddy.aws(['sqs', 'create-queue', '--queue-name', name]);
    const { QueueUrl } = json<{ QueueUrl: string }>(created.stdout);
    const batch = await eddy.aws([
      'sqs',
      'send-message-batch',
      '--queue-url',
      QueueUrl,
      '--entries',
      JSON.stringify([
        { Id: 'a', MessageBody: 'one' },
        { Id: 'b', MessageBody: 'two' },
      ]),
    ]);
    assert.equal(batch.code, 0, batch.stderr);
    assert.equal(json<{ Successful: unknown[] }>(batch.stdout).Successful.length, 2);
    const listed = await eddy.aws(['sqs', 'list-queues', '--queue-name-prefix', name]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(json<{ QueueUrls: string[] }>(listed.stdout).QueueUrls, [QueueUrl]);
  });
});

describe('sqs-producer and sqs-consumer', () => {
  test('messages produced in batches are consumed, processed once each and deleted', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('p2p') }));
    assert.ok(QueueUrl);
    const producer = Producer.create({ queueUrl: QueueUrl, sqs, batchSize: 10 });
    const total = 35;
    const sent = await producer.send(
      Array.from({ length: total }, (_, i) => ({
        id: `m${i}`,
        body: JSON.stringify({ n: i }),
        messageAttributes: { source: { DataType: 'String', StringValue: 'producer' } },
      })),
    );
    assert.equal(sent.length, total);
    assert.equal(await producer.queueSize(), total);

    const seen = new Map<number, number>();
    const errors: Error[] = [];
    let resolveDone!: () => void;
    const done = new Promise<void>((resolve) => {
      resolveDone = resolve;
    });
    const consumer = Consumer.create({
      queueUrl: QueueUrl,
      sqs,
      batchSize: 10,
      waitTimeSeconds: 1,
      messageAttributeNames: ['All'],
      handleMessage: async (message) => {
        assert.equal(message.MessageAttributes?.source?.StringValue, 'producer');
        const { n } = JSON.parse(message.Body ?? '{}') as { n: number };
        seen.set(n, (seen.get(n) ?? 0) + 1);
        if (seen.size === total) resolveDone();
        return message;
      },
    });
    consumer.on('error', (error) => errors.push(error));
    consumer.on('processing_error', (error) => errors.push(error));
    consumer.start();
    const timeout = setTimeout(resolveDone, 15_000);
    await done;
    clearTimeout(timeout);
    // Let the last delete calls land before stopping.
    const left = await leftOnceEmpty(QueueUrl);
    await stopConsumer(consumer);
    assert.deepEqual(errors, []);
    assert.equal(seen.size, total, 'every message consumed');
    assert.ok(
      [...seen.values()].every((count) => count === 1),
      'each once',
    );
    assert.equal(left, 0, 'the queue is empty afterwards: every message was deleted');
  });

  test('a FIFO queue is consumed in order per group', async () => {
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({
        QueueName: uniqueName('p2p', true),
        Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true' },
      }),
    );
    assert.ok(QueueUrl);
    const producer = Producer.create({ queueUrl: QueueUrl, sqs });
    await producer.send(
      Array.from({ length: 20 }, (_, i) => ({
        id: `m${i}`,
        body: `${i % 2 ? 'odd' : 'even'} ${i}`,
        groupId: i % 2 ? 'odd' : 'even',
      })),
    );
    const order: string[] = [];
    let resolveDone!: () => void;
    const done = new Promise<void>((resolve) => {
      resolveDone = resolve;
    });
    const consumer = Consumer.create({
      queueUrl: QueueUrl,
      sqs,
      batchSize: 10,
      waitTimeSeconds: 1,
      suppressFifoWarning: true,
      handleMessage: async (message) => {
        order.push(message.Body ?? '');
        if (order.length === 20) resolveDone();
        return message;
      },
    });
    consumer.start();
    const timeout = setTimeout(resolveDone, 15_000);
    await done;
    clearTimeout(timeout);
    assert.equal(await leftOnceEmpty(QueueUrl), 0, 'every message deleted');
    await stopConsumer(consumer);
    const expectGroup = (group: string, parity: number) =>
      Array.from({ length: 20 }, (_, i) => i)
        .filter((i) => i % 2 === parity)
        .map((i) => `${group} ${i}`);
    assert.deepEqual(
      order.filter((b) => b.startsWith('even')),
      expectGroup('even', 0),
    );
    assert.deepEqual(
      order.filter((b) => b.startsWith('odd')),
      expectGroup('odd', 1),
    );
  });
});

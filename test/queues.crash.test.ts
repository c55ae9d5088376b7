// Queue durability across a real kill -9: every message a client was told was sent survives, a
// deleted one stays deleted, in-flight messages reappear when their visibility timeout ends, and FIFO
// order, sequence numbers and deduplication still hold after the restart.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { type EddyProcess, spawnEddy, tempDataDir } from './harness.ts';
import { counts, drain, eventually } from './helpers.ts';

test('kill -9: acknowledged messages survive, in-flight ones reappear, FIFO order and dedup hold', async () => {
  const dataDir = tempDataDir();
  let second: EddyProcess | undefined;
  try {
    const first = await spawnEddy(['--port', '0', '--data-dir', dataDir]);
    const sqs = first.client(SQSClient);
    const standard = (
      await sqs.send(
        new CreateQueueCommand({ QueueName: 'crash-standard', Attributes: { VisibilityTimeout: '2' } }),
      )
    ).QueueUrl!;
    const fifo = (
      await sqs.send(
        new CreateQueueCommand({
          QueueName: 'crash-fifo.fifo',
          Attributes: { FifoQueue: 'true', VisibilityTimeout: '2' },
        }),
      )
    ).QueueUrl!;

    const sentBodies: string[] = [];
    for (let i = 0; i < 20; i++) {
      const body = `single ${i}`;
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: standard,
          MessageBody: body,
          MessageAttributes: { i: { DataType: 'Number', StringValue: String(i) } },
        }),
      );
      sentBodies.push(body);
    }
    const batch = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: standard,
        Entries: Array.from({ length: 10 }, (_, i) => ({ Id: `b${i}`, MessageBody: `batch ${i}` })),
      }),
    );
    assert.equal(batch.Successful?.length, 10);
    sentBodies.push(...Array.from({ length: 10 }, (_, i) => `batch ${i}`));

    let lastSequence = 0n;
    for (let i = 0; i < 10; i++) {
      const sent = await sqs.send(
        new SendMessageCommand({
          QueueUrl: fifo,
          MessageBody: `fifo ${i}`,
          MessageGroupId: 'g',
          MessageDeduplicationId: `d${i}`,
        }),
      );
      lastSequence = BigInt(sent.SequenceNumber!);
    }

    // Some in flight, two of them deleted (acknowledged: must stay gone).
    const inFlight = await drain(sqs, standard, { receive: { MaxNumberOfMessages: 5 } }).then((m) =>
      m.slice(0, 5),
    );
    const { Messages: fifoInFlight } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: fifo, MaxNumberOfMessages: 3 }),
    );
    assert.deepEqual(
      fifoInFlight?.map((m) => m.Body),
      ['fifo 0', 'fifo 1', 'fifo 2'],
    );
    const deleted = new Set<string>();
    for (const message of inFlight.slice(0, 2)) {
      await sqs.send(new DeleteMessageCommand({ QueueUrl: standard, ReceiptHandle: message.ReceiptHandle }));
      deleted.add(message.Body!);
    }

    assert.equal(await first.kill('SIGKILL'), null, 'killed by the signal');

    second = await spawnEddy(['--port', '0', '--data-dir', dataDir]);
    const again = second.client(SQSClient);
    const standardUrl = (await again.send(new GetQueueUrlCommand({ QueueName: 'crash-standard' }))).QueueUrl!;
    const fifoUrl = (await again.send(new GetQueueUrlCommand({ QueueName: 'crash-fifo.fifo' }))).QueueUrl!;

    // The in-flight messages' 2 s visibility timeout ends on the new process's (system) clock.
    const inFlightNow = async (url: string) => (await counts(again, url)).notVisible;
    await eventually(async () => (await inFlightNow(standardUrl)) + (await inFlightNow(fifoUrl)) === 0, {
      what: 'no message is in flight any more',
    });

    const survivors = await drain(again, standardUrl, {
      receive: {
        VisibilityTimeout: 30,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      },
    });
    const bodies = survivors.map((m) => m.Body!);
    assert.equal(new Set(bodies).size, bodies.length, 'no duplicates');
    assert.deepEqual(
      [...bodies].sort(),
      sentBodies.filter((body) => !deleted.has(body)).sort(),
      'every acknowledged message is there, deleted ones are not',
    );
    const reappeared = survivors.filter((m) => inFlight.some((f) => f.MessageId === m.MessageId));
    assert.equal(reappeared.length, 3, 'the three undeleted in-flight messages reappeared');
    for (const message of reappeared) assert.equal(message.Attributes?.ApproximateReceiveCount, '2');
    const single7 = survivors.find((m) => m.Body === 'single 7');
    assert.equal(single7?.MessageAttributes?.i?.StringValue, '7', 'attributes survive');

    // FIFO: the in-flight head comes back first, the group in order.
    const fifoMessages = await drain(again, fifoUrl, { receive: { VisibilityTimeout: 30 } });
    assert.deepEqual(
      fifoMessages.map((m) => m.Body),
      Array.from({ length: 10 }, (_, i) => `fifo ${i}`),
    );
    for (const message of fifoMessages) {
      await again.send(new DeleteMessageCommand({ QueueUrl: fifoUrl, ReceiptHandle: message.ReceiptHandle }));
    }
    // Deduplication ids from before the crash still deduplicate.
    await again.send(
      new SendMessageCommand({
        QueueUrl: fifoUrl,
        MessageBody: 'dup',
        MessageGroupId: 'g',
        MessageDeduplicationId: 'd4',
      }),
    );
    const fresh = await again.send(
      new SendMessageCommand({
        QueueUrl: fifoUrl,
        MessageBody: 'new',
        MessageGroupId: 'g',
        MessageDeduplicationId: 'd10',
      }),
    );
    assert.ok(BigInt(fresh.SequenceNumber!) > lastSequence, 'sequence numbers keep increasing');
    const after = await drain(again, fifoUrl);
    assert.deepEqual(
      after.map((m) => m.Body),
      ['new'],
    );
  } finally {
    await second?.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
});

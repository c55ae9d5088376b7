// SQS dead-letter queues and message move tasks through @aws-sdk/client-sqs against a real eddy
// server on a ManualClock: maxReceiveCount moves a message to its DLQ, RedrivePolicy and
// RedriveAllowPolicy checks, ListDeadLetterSourceQueues, StartMessageMoveTask at a rate (a durable
// timer ticking once a second), ListMessageMoveTasks and CancelMessageMoveTask.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CancelMessageMoveTaskCommand,
  CreateQueueCommand,
  ListDeadLetterSourceQueuesCommand,
  ListMessageMoveTasksCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { ManualClock } from '../src/runtime/index.ts';
import { type AwsError, assertAwsError, md5OfAttributes, queueArn, uniqueName } from './fixtures/queues.ts';
import { startTestEddy, type TestEddy } from './harness.ts';
import { counts, createQueue, eventually, receive, receiveAll } from './helpers.ts';

// The API reference does not say which of the two codes an invalid RedrivePolicy or RedriveAllowPolicy
// gets (AWS answers attribute problems with either); both are accepted, nothing else is.
const INVALID_REDRIVE = ['InvalidParameterValue', 'InvalidAttributeValue'];

let eddy: TestEddy;
let sqs: SQSClient;
const clock = new ManualClock(Date.UTC(2025, 0, 1));

before(async () => {
  eddy = await startTestEddy({ clock });
  sqs = eddy.client(SQSClient);
});
after(() => eddy?.stop());

describe('dead-letter queues and message move tasks', () => {
  async function withDlq(client: SQSClient, maxReceiveCount: number) {
    const dlqName = uniqueName('dlq');
    const dlq = await createQueue(client, dlqName);
    const sourceName = uniqueName('source');
    const source = await createQueue(client, sourceName, {
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: queueArn(dlqName), maxReceiveCount }),
      VisibilityTimeout: '1',
    });
    return { dlq, dlqArn: queueArn(dlqName), source, sourceArn: queueArn(sourceName) };
  }

  test('a message received more than maxReceiveCount times moves to the DLQ with its attributes', async () => {
    const { dlq, source, sourceArn } = await withDlq(sqs, 2);
    const attributes = { kind: { DataType: 'String', StringValue: 'poison' } };
    const sent = await sqs.send(
      new SendMessageCommand({ QueueUrl: source, MessageBody: 'poison pill', MessageAttributes: attributes }),
    );
    for (let i = 1; i <= 2; i++) {
      const [message] = await receive(sqs, source, {
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      });
      assert.equal(message?.Attributes?.ApproximateReceiveCount, String(i));
      await eddy.advance(1_000);
    }
    assert.deepEqual(await receive(sqs, source), [], 'the third receive moves it instead');
    const [dead] = await receive(sqs, dlq, {
      MessageAttributeNames: ['All'],
      MessageSystemAttributeNames: ['All'],
    });
    assert.equal(dead?.MessageId, sent.MessageId);
    assert.equal(dead?.Body, 'poison pill');
    assert.deepEqual(dead?.MessageAttributes, attributes);
    assert.equal(dead?.MD5OfMessageAttributes, md5OfAttributes(attributes));
    assert.equal(dead?.Attributes?.DeadLetterQueueSourceArn, sourceArn);
  });

  test('RedrivePolicy is validated: the target must exist and be of the same type', async () => {
    await assertAwsError(
      sqs.send(
        new CreateQueueCommand({
          QueueName: uniqueName('bad-redrive'),
          Attributes: {
            RedrivePolicy: JSON.stringify({ deadLetterTargetArn: queueArn('nope'), maxReceiveCount: 3 }),
          },
        }),
      ),
      INVALID_REDRIVE,
    );
    const fifoDlq = uniqueName('fifo-dlq', true);
    await createQueue(sqs, fifoDlq, { FifoQueue: 'true' });
    await assertAwsError(
      sqs.send(
        new CreateQueueCommand({
          QueueName: uniqueName('std-source'),
          Attributes: {
            RedrivePolicy: JSON.stringify({ deadLetterTargetArn: queueArn(fifoDlq), maxReceiveCount: 3 }),
          },
        }),
      ),
      INVALID_REDRIVE,
    );
    await assertAwsError(
      sqs.send(
        new CreateQueueCommand({
          QueueName: uniqueName('bad-json'),
          Attributes: { RedrivePolicy: '{not json' },
        }),
      ),
      INVALID_REDRIVE,
    );
  });

  test('RedriveAllowPolicy denyAll and byQueue restrict which sources may use the DLQ', async () => {
    const deny = uniqueName('deny-dlq');
    await createQueue(sqs, deny, { RedriveAllowPolicy: JSON.stringify({ redrivePermission: 'denyAll' }) });
    await assertAwsError(
      sqs.send(
        new CreateQueueCommand({
          QueueName: uniqueName('denied-source'),
          Attributes: {
            RedrivePolicy: JSON.stringify({ deadLetterTargetArn: queueArn(deny), maxReceiveCount: 3 }),
          },
        }),
      ),
      INVALID_REDRIVE,
    );
    const allowedName = uniqueName('allowed-source');
    const byQueue = uniqueName('byqueue-dlq');
    await createQueue(sqs, byQueue, {
      RedriveAllowPolicy: JSON.stringify({
        redrivePermission: 'byQueue',
        sourceQueueArns: [queueArn(allowedName)],
      }),
    });
    await createQueue(sqs, allowedName, {
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: queueArn(byQueue), maxReceiveCount: 3 }),
    });
    await assertAwsError(
      sqs.send(
        new CreateQueueCommand({
          QueueName: uniqueName('other-source'),
          Attributes: {
            RedrivePolicy: JSON.stringify({ deadLetterTargetArn: queueArn(byQueue), maxReceiveCount: 3 }),
          },
        }),
      ),
      INVALID_REDRIVE,
    );
  });

  test('ListDeadLetterSourceQueues lists the queues whose RedrivePolicy targets the DLQ', async () => {
    const dlqName = uniqueName('lister-dlq');
    const dlq = await createQueue(sqs, dlqName);
    const sources: string[] = [];
    for (let i = 0; i < 3; i++) {
      sources.push(
        await createQueue(sqs, uniqueName('lister-src'), {
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: queueArn(dlqName), maxReceiveCount: 5 }),
        }),
      );
    }
    await createQueue(sqs, uniqueName('unrelated'));
    const { queueUrls } = await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlq }));
    assert.deepEqual([...(queueUrls ?? [])].sort(), [...sources].sort());
    const first = await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlq, MaxResults: 2 }));
    assert.equal(first.queueUrls?.length, 2);
    assert.ok(first.NextToken);
    const second = await sqs.send(
      new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlq, MaxResults: 2, NextToken: first.NextToken }),
    );
    assert.deepEqual([...(first.queueUrls ?? []), ...(second.queueUrls ?? [])].sort(), [...sources].sort());
    assert.equal(second.NextToken, undefined);
  });

  test('StartMessageMoveTask moves DLQ messages back to their source; ListMessageMoveTasks reports it', async () => {
    const { dlq, dlqArn, source } = await withDlq(sqs, 1);
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: source,
        Entries: Array.from({ length: 3 }, (_, i) => ({ Id: `m${i}`, MessageBody: `redrive ${i}` })),
      }),
    );
    await receive(sqs, source, { VisibilityTimeout: 1 });
    await eddy.advance(1_000);
    assert.deepEqual(await receive(sqs, source, { VisibilityTimeout: 0 }), [], 'moved on the second receive');
    await eventually(async () => (await counts(sqs, dlq)).visible === 3);
    assert.equal((await counts(sqs, dlq)).visible, 3);

    const startedAt = clock.now();
    const { TaskHandle } = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn }));
    assert.ok(TaskHandle);
    // The task's first tick is a durable timer due at once: it runs when the clock says now.
    await eddy.advance(0);
    const moved = await receiveAll(sqs, source, 3, { receive: { VisibilityTimeout: 60 } });
    assert.deepEqual(moved.map((m) => m.Body).sort(), ['redrive 0', 'redrive 1', 'redrive 2']);
    assert.equal((await counts(sqs, dlq)).visible, 0);

    const tasks = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn }));
    assert.equal(tasks.Results?.length, 1, 'MaxResults defaults to 1: the most recent task');
    const [task] = tasks.Results ?? [];
    assert.equal(task?.Status, 'COMPLETED', 'three messages, one tick at the default rate');
    assert.equal(task?.SourceArn, dlqArn);
    assert.equal(task?.ApproximateNumberOfMessagesMoved, 3, 'ApproximateNumberOfMessagesMoved');
    assert.equal(task?.ApproximateNumberOfMessagesToMove, 3, 'ApproximateNumberOfMessagesToMove');
    assert.equal(task?.TaskHandle, undefined, 'the handle is only listed for running tasks');
    assert.equal(task?.StartedTimestamp, startedAt);
  });

  test('StartMessageMoveTask to an explicit DestinationArn, at a limited rate, can be cancelled', async () => {
    const { dlq, dlqArn, source } = await withDlq(sqs, 1);
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: source,
        Entries: Array.from({ length: 10 }, (_, i) => ({ Id: `m${i}`, MessageBody: `slow ${i}` })),
      }),
    );
    for (let i = 0; i < 2; i++) await receive(sqs, source, { VisibilityTimeout: 1 });
    await eddy.advance(1_000);
    for (let i = 0; i < 3; i++) await receive(sqs, source, { VisibilityTimeout: 0 });
    await eventually(async () => (await counts(sqs, dlq)).visible === 10);
    assert.equal((await counts(sqs, dlq)).visible, 10);

    const destinationName = uniqueName('destination');
    const destination = await createQueue(sqs, destinationName);
    const { TaskHandle } = await sqs.send(
      new StartMessageMoveTaskCommand({
        SourceArn: dlqArn,
        DestinationArn: queueArn(destinationName),
        MaxNumberOfMessagesPerSecond: 1,
      }),
    );
    assert.ok(TaskHandle);
    // Only one active message movement task per queue at a time.
    const second = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn })).then(
      () => undefined,
      (e: AwsError) => e,
    );
    assert.ok(second, 'a second task on the same queue is refused');
    assert.equal(second.$metadata?.httpStatusCode, 400);
    const running = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn, MaxResults: 10 }));
    const current = running.Results?.[0];
    assert.equal(current?.Status, 'RUNNING');
    assert.equal(current?.TaskHandle, TaskHandle);
    assert.equal(current?.DestinationArn, queueArn(destinationName));
    assert.equal(current?.MaxNumberOfMessagesPerSecond, 1);
    // One message a second: a tick now, then one each time the clock passes another second.
    await eddy.advance(0);
    for (let second = 1; second <= 2; second++) await eddy.advance(1_000);
    assert.deepEqual(await counts(sqs, destination), { visible: 3, notVisible: 0, delayed: 0 });
    const cancelled = await sqs.send(new CancelMessageMoveTaskCommand({ TaskHandle }));
    assert.equal(cancelled.ApproximateNumberOfMessagesMoved, 3, 'the rate limit kept it to 3 in 2 s');
    assert.ok(
      (cancelled.ApproximateNumberOfMessagesMoved ?? 0) < 10,
      'the rate limit kept it from finishing',
    );
    const after = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn }));
    assert.ok(
      ['CANCELLING', 'CANCELLED'].includes(after.Results?.[0]?.Status ?? ''),
      after.Results?.[0]?.Status,
    );
    await eddy.advance(5_000);
    const movedCount = (await counts(sqs, destination)).visible;
    const leftCount = (await counts(sqs, dlq)).visible;
    assert.equal(movedCount + leftCount, 10, 'no message lost or duplicated by the cancel');
    assert.ok(leftCount > 0);
    assert.deepEqual([movedCount, leftCount], [3, 7], 'nothing moved after the cancel');
  });

  test('StartMessageMoveTask needs a DLQ: an unknown ARN is ResourceNotFoundException', async () => {
    await assertAwsError(
      sqs.send(new StartMessageMoveTaskCommand({ SourceArn: queueArn('no-such-dlq') })),
      'ResourceNotFoundException',
    );
    const plain = uniqueName('not-a-dlq');
    await createQueue(sqs, plain);
    const error = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: queueArn(plain) })).then(
      () => undefined,
      (e: Error) => e,
    );
    assert.ok(error, 'a queue no source uses as DLQ cannot be a move task source');
  });
});

// SQS visibility timeouts through @aws-sdk/client-sqs against a real eddy server on a ManualClock: a
// received message reappears when its timeout ends, ReceiveMessage and queue overrides,
// ChangeMessageVisibility (and its batch) extending, shortening and ending it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { ManualClock } from '../src/runtime/index.ts';
import { assertAwsError, uniqueName } from './fixtures/queues.ts';
import { startTestEddy, type TestEddy } from './harness.ts';
import { createQueue, receive } from './helpers.ts';

let eddy: TestEddy;
let sqs: SQSClient;
const clock = new ManualClock(Date.UTC(2025, 0, 1));

before(async () => {
  eddy = await startTestEddy({ clock });
  sqs = eddy.client(SQSClient);
});
after(() => eddy?.stop());

describe('visibility timeout', () => {
  test('a received message reappears after its visibility timeout with a higher receive count', async () => {
    const url = await createQueue(sqs, uniqueName('vis'));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'again' }));
    const firstAt = clock.now();
    const [first] = await receive(sqs, url, { MessageSystemAttributeNames: ['All'] });
    assert.equal(first?.Attributes?.ApproximateReceiveCount, '1');
    await eddy.advance(29_000);
    assert.deepEqual(await receive(sqs, url), [], 'invisible for the queue default of 30 s');
    await eddy.advance(1_000);
    const [second] = await receive(sqs, url, { MessageSystemAttributeNames: ['All'] });
    assert.equal(second?.MessageId, first?.MessageId);
    assert.notEqual(second?.ReceiptHandle, first?.ReceiptHandle, 'a new receipt handle per receive');
    assert.equal(second?.Attributes?.ApproximateReceiveCount, '2');
    assert.equal(second?.Attributes?.ApproximateFirstReceiveTimestamp, String(firstAt));
    // The newest handle deletes it.
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: second!.ReceiptHandle }));
    await eddy.advance(31_000);
    assert.deepEqual(await receive(sqs, url), []);
  });

  test('ReceiveMessage VisibilityTimeout and the queue attribute override the default', async () => {
    const url = await createQueue(sqs, uniqueName('vis-attr'), { VisibilityTimeout: '5' });
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'short' }));
    assert.equal((await receive(sqs, url)).length, 1);
    await eddy.advance(5_000);
    assert.equal((await receive(sqs, url, { VisibilityTimeout: 100 })).length, 1);
    await eddy.advance(99_000);
    assert.deepEqual(await receive(sqs, url), []);
    await eddy.advance(1_000);
    assert.equal((await receive(sqs, url, { VisibilityTimeout: 0 })).length, 1);
    assert.equal((await receive(sqs, url)).length, 1, 'VisibilityTimeout 0 leaves it visible');
    await assertAwsError(receive(sqs, url, { VisibilityTimeout: 43_201 }), 'InvalidParameterValue');
  });

  test('ChangeMessageVisibility extends, shortens and ends the timeout; it is not remembered', async () => {
    const url = await createQueue(sqs, uniqueName('change'));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'c' }));
    const [message] = await receive(sqs, url, { VisibilityTimeout: 10 });
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: message!.ReceiptHandle,
        VisibilityTimeout: 100,
      }),
    );
    await eddy.advance(99_000);
    assert.deepEqual(await receive(sqs, url), [], 'extended to 100 s from now');
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: message!.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    const [again] = await receive(sqs, url);
    assert.equal(again?.MessageId, message?.MessageId, 'visible at once after timeout 0');
    // The next receive uses the queue default (30 s), not the 100 s set before.
    await eddy.advance(30_000);
    assert.equal((await receive(sqs, url)).length, 1);
  });

  test('ChangeMessageVisibility on a message no longer in flight is MessageNotInflight', async () => {
    const url = await createQueue(sqs, uniqueName('notinflight'));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'n' }));
    const [message] = await receive(sqs, url, { VisibilityTimeout: 5 });
    await eddy.advance(6_000);
    await assertAwsError(
      sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: message!.ReceiptHandle,
          VisibilityTimeout: 30,
        }),
      ),
      'MessageNotInflight',
    );
  });

  test('an older receipt handle of a message received again still changes its visibility', async () => {
    const url = await createQueue(sqs, uniqueName('superseded'));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 's' }));
    const [first] = await receive(sqs, url, { VisibilityTimeout: 5 });
    await eddy.advance(6_000);
    const [second] = await receive(sqs, url, { VisibilityTimeout: 5 });
    assert.notEqual(second!.ReceiptHandle, first!.ReceiptHandle);
    // The first receive's handle, while the second receive holds the message: accepted, and it counts.
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: first!.ReceiptHandle,
        VisibilityTimeout: 60,
      }),
    );
    const { Successful = [] } = await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: url,
        Entries: [{ Id: 'old', ReceiptHandle: first!.ReceiptHandle, VisibilityTimeout: 60 }],
      }),
    );
    assert.deepEqual(
      Successful.map((entry) => entry.Id),
      ['old'],
    );
    await eddy.advance(30_000);
    assert.equal((await receive(sqs, url)).length, 0, 'still hidden: the change took effect');
    await eddy.advance(31_000);
    assert.equal((await receive(sqs, url)).length, 1);
  });

  test('ChangeMessageVisibility beyond 12 hours is InvalidParameterValue; a garbage handle is ReceiptHandleIsInvalid', async () => {
    const url = await createQueue(sqs, uniqueName('change-bad'));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'c' }));
    const [message] = await receive(sqs, url);
    await assertAwsError(
      sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: message!.ReceiptHandle,
          VisibilityTimeout: 43_201,
        }),
      ),
      'InvalidParameterValue',
    );
    await assertAwsError(
      sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: 'garbage',
          VisibilityTimeout: 10,
        }),
      ),
      'ReceiptHandleIsInvalid',
    );
    await assertAwsError(
      sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: 'garbage' })),
      'ReceiptHandleIsInvalid',
    );
  });

  test('ChangeMessageVisibilityBatch reports each entry', async () => {
    const url = await createQueue(sqs, uniqueName('change-batch'));
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'a', MessageBody: 'a' },
          { Id: 'b', MessageBody: 'b' },
        ],
      }),
    );
    const messages = await receive(sqs, url, { VisibilityTimeout: 10 });
    assert.equal(messages.length, 2);
    const result = await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'first', ReceiptHandle: messages[0]!.ReceiptHandle, VisibilityTimeout: 0 },
          { Id: 'second', ReceiptHandle: messages[1]!.ReceiptHandle, VisibilityTimeout: 300 },
          { Id: 'bogus', ReceiptHandle: 'garbage', VisibilityTimeout: 0 },
        ],
      }),
    );
    assert.deepEqual((result.Successful ?? []).map((entry) => entry.Id).sort(), ['first', 'second']);
    assert.equal(result.Failed?.length, 1);
    assert.equal(result.Failed?.[0]?.Id, 'bogus');
    assert.equal(result.Failed?.[0]?.Code, 'ReceiptHandleIsInvalid');
    assert.equal(result.Failed?.[0]?.SenderFault, true);
    const visible = await receive(sqs, url, { VisibilityTimeout: 1000 });
    assert.deepEqual(
      visible.map((m) => m.MessageId),
      [messages[0]!.MessageId],
      'timeout 0 made the first visible at once',
    );
    await eddy.advance(299_000);
    assert.deepEqual(await receive(sqs, url, { VisibilityTimeout: 0 }), [], 'the second is hidden for 300 s');
    await eddy.advance(1_000);
    assert.deepEqual(
      (await receive(sqs, url)).map((m) => m.MessageId),
      [messages[1]!.MessageId],
    );
  });
});

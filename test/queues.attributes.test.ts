// SQS queue attributes through @aws-sdk/client-sqs against a real eddy server: the documented
// defaults, GetQueueAttributes by name, SetQueueAttributes and its ranges, the approximate counts.
// Time runs on a ManualClock.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  AddPermissionCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { ManualClock } from '../src/runtime/index.ts';
import { assertAwsError, queueArn, uniqueName } from './fixtures/queues.ts';
import { startTestEddy, type TestEddy } from './harness.ts';
import { attributesOf, counts, createQueue, receive } from './helpers.ts';

let eddy: TestEddy;
let sqs: SQSClient;
const clock = new ManualClock(Date.UTC(2025, 0, 1));

before(async () => {
  eddy = await startTestEddy({ clock });
  sqs = eddy.client(SQSClient);
});
after(() => eddy?.stop());

describe('queue attributes', () => {
  test('All returns every documented attribute with its documented default (standard queue)', async () => {
    const name = uniqueName('defaults');
    const url = await createQueue(sqs, name);
    const attributes = await attributesOf(sqs, url);
    const seconds = String(Math.floor(clock.now() / 1000));
    assert.equal(attributes.QueueArn, queueArn(name));
    assert.equal(attributes.VisibilityTimeout, '30');
    assert.equal(attributes.MaximumMessageSize, '1048576');
    assert.equal(attributes.MessageRetentionPeriod, '345600');
    assert.equal(attributes.DelaySeconds, '0');
    assert.equal(attributes.ReceiveMessageWaitTimeSeconds, '0');
    assert.equal(attributes.ApproximateNumberOfMessages, '0');
    assert.equal(attributes.ApproximateNumberOfMessagesNotVisible, '0');
    assert.equal(attributes.ApproximateNumberOfMessagesDelayed, '0');
    assert.equal(attributes.CreatedTimestamp, seconds, 'epoch seconds');
    assert.equal(attributes.LastModifiedTimestamp, seconds, 'epoch seconds');
    assert.equal(attributes.FifoQueue, undefined, 'FIFO attributes only on FIFO queues');
    assert.equal(attributes.ContentBasedDeduplication, undefined);
    assert.equal(attributes.RedrivePolicy, undefined, 'no redrive policy unless set');
  });

  test('All on a FIFO queue adds FifoQueue, ContentBasedDeduplication and the throughput settings', async () => {
    const url = await createQueue(sqs, uniqueName('fifo-defaults', true), { FifoQueue: 'true' });
    const attributes = await attributesOf(sqs, url);
    assert.equal(attributes.FifoQueue, 'true');
    assert.equal(attributes.ContentBasedDeduplication, 'false');
    assert.equal(attributes.DeduplicationScope, 'queue');
    assert.equal(attributes.FifoThroughputLimit, 'perQueue');
    assert.equal(attributes.VisibilityTimeout, '30');
  });

  test('named attributes return exactly those; no names return nothing', async () => {
    const url = await createQueue(sqs, uniqueName('named'));
    const attributes = await attributesOf(sqs, url, ['VisibilityTimeout', 'QueueArn']);
    assert.deepEqual(Object.keys(attributes).sort(), ['QueueArn', 'VisibilityTimeout']);
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url }));
    assert.deepEqual(Attributes ?? {}, {});
  });

  test('shapes as SQS shows them: no Attributes when no name has a value, a numeric maxReceiveCount, scalar principals', async () => {
    const url = await createQueue(sqs, uniqueName('shapes'));
    const none = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['RedrivePolicy'] }),
    );
    assert.equal(none.Attributes, undefined);
    const dlqName = uniqueName('shapes-dlq');
    await createQueue(sqs, dlqName);
    const dlq = queueArn(dlqName);
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: url,
        Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq, maxReceiveCount: '3' }) },
      }),
    );
    const { RedrivePolicy } = await attributesOf(sqs, url, ['RedrivePolicy']);
    assert.deepEqual(JSON.parse(RedrivePolicy!), { deadLetterTargetArn: dlq, maxReceiveCount: 3 });
    await sqs.send(
      new AddPermissionCommand({
        QueueUrl: url,
        Label: 'one',
        AWSAccountIds: ['111122223333'],
        Actions: ['SendMessage'],
      }),
    );
    const { Policy } = await attributesOf(sqs, url, ['Policy']);
    const [statement] = JSON.parse(Policy!).Statement;
    assert.equal(statement.Principal.AWS, 'arn:aws:iam::111122223333:root');
    assert.equal(statement.Action, 'SQS:SendMessage');
  });

  test('an unknown attribute name is InvalidAttributeName', async () => {
    const url = await createQueue(sqs, uniqueName('unknown-attr'));
    await assertAwsError(attributesOf(sqs, url, ['VisibilityTimeout', 'Bogus']), 'InvalidAttributeName');
    await assertAwsError(
      sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Bogus: '1' } as never })),
      'InvalidAttributeName',
    );
  });

  test('SetQueueAttributes changes values, validates ranges and moves LastModifiedTimestamp', async () => {
    const url = await createQueue(sqs, uniqueName('set'));
    const created = (await attributesOf(sqs, url, ['CreatedTimestamp'])).CreatedTimestamp;
    await eddy.advance(5_000);
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: url,
        Attributes: {
          VisibilityTimeout: '45',
          DelaySeconds: '3',
          MaximumMessageSize: '2048',
          MessageRetentionPeriod: '120',
          ReceiveMessageWaitTimeSeconds: '2',
        },
      }),
    );
    const attributes = await attributesOf(sqs, url);
    assert.equal(attributes.VisibilityTimeout, '45');
    assert.equal(attributes.DelaySeconds, '3');
    assert.equal(attributes.MaximumMessageSize, '2048');
    assert.equal(attributes.MessageRetentionPeriod, '120');
    assert.equal(attributes.ReceiveMessageWaitTimeSeconds, '2');
    assert.equal(attributes.CreatedTimestamp, created);
    assert.equal(attributes.LastModifiedTimestamp, String(Math.floor(clock.now() / 1000)));
    for (const [name, value] of [
      ['VisibilityTimeout', '-1'],
      ['VisibilityTimeout', 'abc'],
      ['DelaySeconds', '901'],
      ['ReceiveMessageWaitTimeSeconds', '21'],
    ] as const) {
      await assertAwsError(
        sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { [name]: value } })),
        'InvalidAttributeValue',
      );
    }
    assert.equal((await attributesOf(sqs, url, ['VisibilityTimeout'])).VisibilityTimeout, '45');
  });

  test('ApproximateNumberOfMessages, …NotVisible and …Delayed follow the messages', async () => {
    const url = await createQueue(sqs, uniqueName('counts'));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'one' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'two' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'later', DelaySeconds: 60 }));
    assert.deepEqual(await counts(sqs, url), { visible: 2, notVisible: 0, delayed: 1 });
    const [first] = await receive(sqs, url, { MaxNumberOfMessages: 1, VisibilityTimeout: 30 });
    assert.deepEqual(await counts(sqs, url), { visible: 1, notVisible: 1, delayed: 1 });
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first!.ReceiptHandle }));
    assert.deepEqual(await counts(sqs, url), { visible: 1, notVisible: 0, delayed: 1 });
    await eddy.advance(60_000);
    assert.deepEqual(await counts(sqs, url), { visible: 2, notVisible: 0, delayed: 0 });
  });
});

// SQS over the Query protocol (form-encoded requests, XML answers) through 'sqs-query-client', an
// alias of @aws-sdk/client-sqs@3.445.0, the last SDK release that spoke it. It verifies body MD5s;
// the attribute MD5s are checked against the documented algorithm here.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ChangeMessageVisibilityBatchCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  ListQueuesCommand,
  ListQueueTagsCommand,
  type Message,
  PurgeQueueCommand,
  QueueDoesNotExist,
  QueueNameExists,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
  TagQueueCommand,
  UntagQueueCommand,
} from 'sqs-query-client';
import { ACCOUNT, assertAwsError, md5, md5OfAttributes, queueArn, uniqueName } from './fixtures/queues.ts';
import { startTestEddy, type TestEddy } from './harness.ts';

let eddy: TestEddy;
let sqs: SQSClient;

before(async () => {
  eddy = await startTestEddy();
  sqs = eddy.client(SQSClient);
});
after(() => eddy?.stop());

async function createQueue(name: string, attributes: Record<string, string> = {}) {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  assert.ok(QueueUrl);
  return QueueUrl;
}

async function receive(url: string, options: Record<string, unknown> = {}): Promise<Message[]> {
  const { Messages } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, ...options }),
  );
  return Messages ?? [];
}

describe('Query protocol', () => {
  test('CreateQueue, GetQueueUrl, ListQueues and DeleteQueue', async () => {
    const prefix = uniqueName('q-list');
    const urls = [await createQueue(`${prefix}-a`), await createQueue(`${prefix}-b`)];
    assert.equal(urls[0], `${eddy.url}/${ACCOUNT}/${prefix}-a`);
    assert.equal((await sqs.send(new GetQueueUrlCommand({ QueueName: `${prefix}-b` }))).QueueUrl, urls[1]);
    const listed = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: prefix }));
    assert.deepEqual([...(listed.QueueUrls ?? [])].sort(), urls);
    const page = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: prefix, MaxResults: 1 }));
    assert.equal(page.QueueUrls?.length, 1);
    assert.ok(page.NextToken);
    const rest = await sqs.send(
      new ListQueuesCommand({ QueueNamePrefix: prefix, MaxResults: 1, NextToken: page.NextToken }),
    );
    assert.deepEqual([...(page.QueueUrls ?? []), ...(rest.QueueUrls ?? [])].sort(), urls);
    await sqs.send(new DeleteQueueCommand({ QueueUrl: urls[0] }));
    const after = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: prefix }));
    assert.deepEqual(after.QueueUrls, [urls[1]]);
  });

  test('GetQueueAttributes All and named, SetQueueAttributes', async () => {
    const name = uniqueName('q-attrs');
    const url = await createQueue(name, { VisibilityTimeout: '40' });
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }),
    );
    assert.equal(Attributes?.QueueArn, queueArn(name));
    assert.equal(Attributes?.VisibilityTimeout, '40');
    assert.equal(Attributes?.MaximumMessageSize, '1048576');
    assert.equal(Attributes?.MessageRetentionPeriod, '345600');
    assert.equal(Attributes?.DelaySeconds, '0');
    assert.equal(Attributes?.ReceiveMessageWaitTimeSeconds, '0');
    assert.equal(Attributes?.ApproximateNumberOfMessages, '0');
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { DelaySeconds: '7' } }));
    const named = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['DelaySeconds', 'VisibilityTimeout'] }),
    );
    assert.deepEqual(named.Attributes, { DelaySeconds: '7', VisibilityTimeout: '40' });
  });

  test('send and receive with message attributes and system attributes; MD5s as documented', async () => {
    const url = await createQueue(uniqueName('q-msg'));
    const body = 'XML specials < > & " \' and ✓ 𝄞, a CR\r, CRLF\r\n, tab\t and ]]> end';
    const attributes = {
      str: { DataType: 'String', StringValue: 'a <b> & "c"' },
      num: { DataType: 'Number', StringValue: '3.14' },
      bin: { DataType: 'Binary', BinaryValue: new Uint8Array([0, 255, 10, 13]) },
      custom: { DataType: 'String.json', StringValue: '{"k":1}' },
    };
    const trace = 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1';
    const sent = await sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: body,
        MessageAttributes: attributes,
        MessageSystemAttributes: { AWSTraceHeader: { DataType: 'String', StringValue: trace } },
      }),
    );
    assert.equal(sent.MD5OfMessageBody, md5(body));
    assert.equal(sent.MD5OfMessageAttributes, md5OfAttributes(attributes));
    assert.equal(
      sent.MD5OfMessageSystemAttributes,
      md5OfAttributes({ AWSTraceHeader: { DataType: 'String', StringValue: trace } }),
    );
    const [message] = await receive(url, { MessageAttributeNames: ['All'], AttributeNames: ['All'] });
    assert.equal(message?.Body, body, 'the body survives XML intact, CR included');
    assert.equal(message?.MD5OfBody, md5(body));
    assert.equal(message?.MD5OfMessageAttributes, md5OfAttributes(attributes));
    assert.equal(message?.MessageAttributes?.str?.StringValue, 'a <b> & "c"');
    assert.equal(message?.MessageAttributes?.num?.DataType, 'Number');
    assert.deepEqual(
      Buffer.from(message?.MessageAttributes?.bin?.BinaryValue ?? []),
      Buffer.from([0, 255, 10, 13]),
    );
    assert.equal(message?.MessageAttributes?.custom?.DataType, 'String.json');
    assert.equal(message?.Attributes?.ApproximateReceiveCount, '1');
    assert.ok(Number(message?.Attributes?.SentTimestamp) > 0);
    assert.equal(message?.Attributes?.AWSTraceHeader, trace);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message!.ReceiptHandle }));
  });

  test('prefix selection of message attributes', async () => {
    const url = await createQueue(uniqueName('q-prefix'));
    const attributes = {
      'a.one': { DataType: 'String', StringValue: '1' },
      'a.two': { DataType: 'String', StringValue: '2' },
      b: { DataType: 'String', StringValue: '3' },
    };
    await sqs.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: 'p', MessageAttributes: attributes }),
    );
    const [message] = await receive(url, { MessageAttributeNames: ['a.*'] });
    assert.deepEqual(Object.keys(message?.MessageAttributes ?? {}).sort(), ['a.one', 'a.two']);
    assert.equal(
      message?.MD5OfMessageAttributes,
      md5OfAttributes({ 'a.one': attributes['a.one'], 'a.two': attributes['a.two'] }),
    );
  });

  test('batch operations with per-entry results', async () => {
    const url = await createQueue(uniqueName('q-batch'));
    const entries = Array.from({ length: 4 }, (_, i) => ({
      Id: `e${i}`,
      MessageBody: `batch <${i}>`,
      MessageAttributes: { i: { DataType: 'Number', StringValue: String(i) } },
    }));
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [...entries, { Id: 'late', MessageBody: 'x', DelaySeconds: 1000 }],
      }),
    );
    assert.equal(sent.Successful?.length, 4);
    for (const entry of sent.Successful ?? []) {
      const original = entries.find((e) => e.Id === entry.Id)!;
      assert.equal(entry.MD5OfMessageBody, md5(original.MessageBody));
      assert.equal(entry.MD5OfMessageAttributes, md5OfAttributes(original.MessageAttributes));
    }
    assert.equal(sent.Failed?.[0]?.Id, 'late');
    assert.equal(sent.Failed?.[0]?.Code, 'InvalidParameterValue');
    assert.equal(sent.Failed?.[0]?.SenderFault, true);

    const messages = await receive(url, { VisibilityTimeout: 60 });
    assert.equal(messages.length, 4);
    const changed = await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'c0', ReceiptHandle: messages[0]!.ReceiptHandle, VisibilityTimeout: 0 },
          { Id: 'bad', ReceiptHandle: 'garbage', VisibilityTimeout: 0 },
        ],
      }),
    );
    assert.deepEqual(
      changed.Successful?.map((e) => e.Id),
      ['c0'],
    );
    assert.equal(changed.Failed?.[0]?.Code, 'ReceiptHandleIsInvalid');
    const [again] = await receive(url);
    assert.equal(again?.MessageId, messages[0]?.MessageId);
    const deleted = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'd0', ReceiptHandle: again!.ReceiptHandle },
          ...messages.slice(1).map((m, i) => ({ Id: `d${i + 1}`, ReceiptHandle: m.ReceiptHandle })),
        ],
      }),
    );
    assert.equal(deleted.Successful?.length, 4);
    assert.equal(deleted.Failed?.length ?? 0, 0);
    await assertAwsError(
      sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: Array.from({ length: 11 }, (_, i) => ({ Id: `x${i}`, MessageBody: 'x' })),
        }),
      ),
      'TooManyEntriesInBatchRequest',
    );
    await assertAwsError(
      sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: [
            { Id: 'x', MessageBody: 'a' },
            { Id: 'x', MessageBody: 'b' },
          ],
        }),
      ),
      'BatchEntryIdsNotDistinct',
    );
  });

  test('tags', async () => {
    const url = await createQueue(uniqueName('q-tags'));
    await sqs.send(new TagQueueCommand({ QueueUrl: url, Tags: { a: '1', b: '2' } }));
    await sqs.send(new UntagQueueCommand({ QueueUrl: url, TagKeys: ['a'] }));
    assert.deepEqual((await sqs.send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags, { b: '2' });
  });

  test('FIFO send and receive carry the sequence number and group', async () => {
    const url = await createQueue(uniqueName('q-fifo', true), {
      FifoQueue: 'true',
      ContentBasedDeduplication: 'true',
    });
    const first = await sqs.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: 'one', MessageGroupId: 'g' }),
    );
    const second = await sqs.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: 'two', MessageGroupId: 'g' }),
    );
    assert.ok(BigInt(second.SequenceNumber!) > BigInt(first.SequenceNumber!));
    const messages = await receive(url, { AttributeNames: ['All'] });
    assert.deepEqual(
      messages.map((m) => m.Body),
      ['one', 'two'],
    );
    assert.equal(messages[0]?.Attributes?.MessageGroupId, 'g');
    assert.equal(messages[0]?.Attributes?.SequenceNumber, first.SequenceNumber);
  });

  test('dead-letter source queues and purge', async () => {
    const dlqName = uniqueName('q-dlq');
    const dlq = await createQueue(dlqName);
    const source = await createQueue(uniqueName('q-src'), {
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: queueArn(dlqName), maxReceiveCount: 3 }),
    });
    assert.deepEqual((await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlq }))).queueUrls, [
      source,
    ]);
    await sqs.send(new SendMessageCommand({ QueueUrl: source, MessageBody: 'purged' }));
    await sqs.send(new PurgeQueueCommand({ QueueUrl: source }));
    await assertAwsError(sqs.send(new PurgeQueueCommand({ QueueUrl: source })), 'PurgeQueueInProgress');
  });

  test('errors arrive as the named exceptions', async () => {
    const missing = await assertAwsError(
      sqs.send(new GetQueueUrlCommand({ QueueName: 'nope-query' })),
      'QueueDoesNotExist',
    );
    assert.ok(missing instanceof QueueDoesNotExist);
    const name = uniqueName('q-exists');
    await createQueue(name, { DelaySeconds: '1' });
    const exists = await assertAwsError(
      sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { DelaySeconds: '2' } })),
      'QueueNameExists',
    );
    assert.ok(exists instanceof QueueNameExists);
    const url = await createQueue(uniqueName('q-errors'));
    await assertAwsError(
      sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['Nope' as 'All'] })),
      'InvalidAttributeName',
    );
    await assertAwsError(
      sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: 'garbage' })),
      'ReceiptHandleIsInvalid',
    );
    await assertAwsError(
      sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'bad \u0001' })),
      'InvalidMessageContents',
    );
    await assertAwsError(
      receive(url, { MaxNumberOfMessages: 20 }),
      'InvalidParameterValue',
      /MaxNumberOfMessages/,
    );
  });
});

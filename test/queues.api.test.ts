// SQS conformance through @aws-sdk/client-sqs (AWS JSON 1.0) against a real eddy server: every
// operation of the API and the documented semantics of standard queues. Written from the Amazon SQS
// API Reference and Developer Guide. Time-dependent behaviour runs on a second server with a
// ManualClock so nothing sleeps.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  AddPermissionCommand,
  CancelMessageMoveTaskCommand,
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  ListMessageMoveTasksCommand,
  ListQueuesCommand,
  ListQueueTagsCommand,
  type Message,
  PurgeQueueCommand,
  type QueueAttributeName,
  ReceiveMessageCommand,
  RemovePermissionCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
  TagQueueCommand,
  UntagQueueCommand,
} from '@aws-sdk/client-sqs';
import { ManualClock } from '../src/runtime/index.ts';
import {
  ACCOUNT,
  type AwsError,
  advance,
  assertAwsError,
  md5,
  md5OfAttributes,
  queueArn,
  uniqueName,
} from './fixtures/queues.ts';
import { startTestEddy, type TestEddy } from './harness.ts';

// The API reference does not say which of the two codes an invalid RedrivePolicy or RedriveAllowPolicy
// gets (AWS answers attribute problems with either); both are accepted, nothing else is.
const INVALID_REDRIVE = ['InvalidParameterValue', 'InvalidAttributeValue'];

let eddy: TestEddy;
let sqs: SQSClient;
let timed: TestEddy;
let tsqs: SQSClient;
const START = Date.UTC(2025, 0, 1);
const clock = new ManualClock(START);

before(async () => {
  eddy = await startTestEddy();
  sqs = eddy.client(SQSClient);
  timed = await startTestEddy({ clock });
  tsqs = timed.client(SQSClient);
});
after(async () => {
  await eddy?.stop();
  await timed?.stop();
});

async function createQueue(client: SQSClient, name: string, attributes: Record<string, string> = {}) {
  const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  assert.ok(QueueUrl);
  return QueueUrl;
}

async function attributesOf(client: SQSClient, url: string, names: string[] = ['All']) {
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: names as QueueAttributeName[] }),
  );
  return Attributes ?? {};
}

async function receive(
  client: SQSClient,
  url: string,
  options: Partial<ConstructorParameters<typeof ReceiveMessageCommand>[0]> = {},
): Promise<Message[]> {
  const { Messages } = await client.send(
    new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, ...options }),
  );
  return Messages ?? [];
}

async function counts(client: SQSClient, url: string) {
  const attributes = await attributesOf(client, url, [
    'ApproximateNumberOfMessages',
    'ApproximateNumberOfMessagesNotVisible',
    'ApproximateNumberOfMessagesDelayed',
  ]);
  return {
    visible: Number(attributes.ApproximateNumberOfMessages),
    notVisible: Number(attributes.ApproximateNumberOfMessagesNotVisible),
    delayed: Number(attributes.ApproximateNumberOfMessagesDelayed),
  };
}

describe('queue lifecycle', () => {
  test('CreateQueue returns http://host:port/account/name and GetQueueUrl finds it', async () => {
    const name = uniqueName('life');
    const url = await createQueue(sqs, name);
    assert.equal(url, `${eddy.url}/${ACCOUNT}/${name}`);
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    assert.equal(QueueUrl, url);
    const owned = await sqs.send(
      new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: ACCOUNT }),
    );
    assert.equal(owned.QueueUrl, url);
  });

  test('GetQueueUrl of an unknown queue is QueueDoesNotExist', async () => {
    await assertAwsError(
      sqs.send(new GetQueueUrlCommand({ QueueName: 'no-such-queue' })),
      'QueueDoesNotExist',
    );
  });

  test('a queue URL with another host but a known account and name resolves', async () => {
    const name = uniqueName('otherhost');
    await createQueue(sqs, name);
    const foreign = `http://sqs.us-east-1.amazonaws.com/${ACCOUNT}/${name}`;
    await sqs.send(new SendMessageCommand({ QueueUrl: foreign, MessageBody: 'via another host' }));
    const messages = await receive(sqs, `${eddy.url}/${ACCOUNT}/${name}`);
    assert.deepEqual(
      messages.map((m) => m.Body),
      ['via another host'],
    );
  });

  test('CreateQueue is idempotent with equal attributes, QueueNameExists with different ones', async () => {
    const name = uniqueName('idem');
    const url = await createQueue(sqs, name, { VisibilityTimeout: '60', DelaySeconds: '5' });
    assert.equal(await createQueue(sqs, name, { VisibilityTimeout: '60', DelaySeconds: '5' }), url);
    // Only attributes named in the request are compared; none named means no conflict.
    assert.equal(await createQueue(sqs, name), url);
    assert.equal(await createQueue(sqs, name, { VisibilityTimeout: '60' }), url);
    await assertAwsError(
      sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '61' } })),
      'QueueNameExists',
    );
    // A default value given explicitly equals the existing queue's default.
    const plain = uniqueName('idem-default');
    const plainUrl = await createQueue(sqs, plain);
    assert.equal(
      await createQueue(sqs, plain, { VisibilityTimeout: '30', MessageRetentionPeriod: '345600' }),
      plainUrl,
    );
    // The failed create changed nothing.
    assert.equal((await attributesOf(sqs, url, ['VisibilityTimeout'])).VisibilityTimeout, '60');
  });

  test('queue names: up to 80 of [A-Za-z0-9_-], FIFO names end in .fifo', async () => {
    const eighty = 'q'.repeat(80);
    assert.equal(await createQueue(sqs, eighty), `${eddy.url}/${ACCOUNT}/${eighty}`);
    await assertAwsError(
      sqs.send(new CreateQueueCommand({ QueueName: 'q'.repeat(81) })),
      'InvalidParameterValue',
    );
    for (const bad of ['has space', 'dots.in.name', 'slash/name', 'star*', 'é', '']) {
      await assertAwsError(sqs.send(new CreateQueueCommand({ QueueName: bad })), 'InvalidParameterValue');
    }
    const fifo80 = `${'f'.repeat(75)}.fifo`;
    await createQueue(sqs, fifo80, { FifoQueue: 'true' });
    await assertAwsError(
      sqs.send(
        new CreateQueueCommand({ QueueName: `${'f'.repeat(76)}.fifo`, Attributes: { FifoQueue: 'true' } }),
      ),
      'InvalidParameterValue',
    );
    // FifoQueue=true needs the .fifo suffix, and a .fifo name needs FifoQueue=true.
    await assertAwsError(
      sqs.send(new CreateQueueCommand({ QueueName: 'not-suffixed', Attributes: { FifoQueue: 'true' } })),
      'InvalidParameterValue',
    );
    await assertAwsError(
      sqs.send(new CreateQueueCommand({ QueueName: 'suffixed.fifo' })),
      'InvalidParameterValue',
    );
    // Names are case-sensitive: two queues.
    const lower = await createQueue(sqs, 'casequeue');
    const upper = await createQueue(sqs, 'CaseQueue');
    assert.notEqual(lower, upper);
  });

  test('CreateQueue rejects unknown attributes and out-of-range values', async () => {
    await assertAwsError(
      sqs.send(new CreateQueueCommand({ QueueName: uniqueName('bad'), Attributes: { Bogus: '1' } as never })),
      'InvalidAttributeName',
    );
    const outOfRange: Record<string, string> = {
      VisibilityTimeout: '43201',
      DelaySeconds: '901',
      MaximumMessageSize: '1023',
      MessageRetentionPeriod: '59',
      ReceiveMessageWaitTimeSeconds: '21',
    };
    for (const [attribute, value] of Object.entries(outOfRange)) {
      await assertAwsError(
        sqs.send(
          new CreateQueueCommand({ QueueName: uniqueName('bad'), Attributes: { [attribute]: value } }),
        ),
        'InvalidAttributeValue',
      );
    }
    await assertAwsError(
      sqs.send(
        new CreateQueueCommand({
          QueueName: uniqueName('bad'),
          Attributes: { MaximumMessageSize: '1048577' },
        }),
      ),
      'InvalidAttributeValue',
    );
    await assertAwsError(
      sqs.send(
        new CreateQueueCommand({
          QueueName: uniqueName('bad'),
          Attributes: { MessageRetentionPeriod: '1209601' },
        }),
      ),
      'InvalidAttributeValue',
    );
  });

  test('DeleteQueue removes the queue; recreating the name within 60 s is QueueDeletedRecently', async () => {
    const name = uniqueName('deleted');
    const url = await createQueue(tsqs, name);
    await tsqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'gone with the queue' }));
    await tsqs.send(new DeleteQueueCommand({ QueueUrl: url }));
    await assertAwsError(tsqs.send(new GetQueueUrlCommand({ QueueName: name })), 'QueueDoesNotExist');
    await assertAwsError(
      tsqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' })),
      'QueueDoesNotExist',
    );
    await assertAwsError(tsqs.send(new CreateQueueCommand({ QueueName: name })), 'QueueDeletedRecently');
    await advance(clock, 61_000);
    assert.equal(await createQueue(tsqs, name), url);
    assert.deepEqual(await receive(tsqs, url), [], 'the old messages did not come back');
  });

  test('ListQueues filters by prefix and pages with MaxResults and NextToken', async () => {
    const prefix = uniqueName('list');
    const urls: string[] = [];
    for (let i = 0; i < 5; i++) urls.push(await createQueue(sqs, `${prefix}-${i}`));
    await createQueue(sqs, uniqueName('other'));

    const all = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: prefix }));
    assert.deepEqual([...(all.QueueUrls ?? [])].sort(), [...urls].sort());
    assert.equal(all.NextToken, undefined, 'no NextToken without MaxResults');

    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await sqs.send(
        new ListQueuesCommand({ QueueNamePrefix: prefix, MaxResults: 2, NextToken: token }),
      );
      assert.ok((page.QueueUrls ?? []).length <= 2);
      seen.push(...(page.QueueUrls ?? []));
      token = page.NextToken;
      pages += 1;
      assert.ok(pages <= 5, 'pagination terminates');
    } while (token);
    assert.deepEqual([...seen].sort(), [...urls].sort());
    assert.equal(pages, 3);

    const none = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'zzz-no-queue-has-this' }));
    assert.deepEqual(none.QueueUrls ?? [], []);
    await assertAwsError(sqs.send(new ListQueuesCommand({ MaxResults: 0 })), 'InvalidParameterValue');
    await assertAwsError(sqs.send(new ListQueuesCommand({ MaxResults: 1001 })), 'InvalidParameterValue');
  });

  test('ListQueues without a prefix lists every queue', async () => {
    const name = uniqueName('everyone');
    const url = await createQueue(sqs, name);
    const { QueueUrls } = await sqs.send(new ListQueuesCommand({}));
    assert.ok(QueueUrls?.includes(url));
  });
});

describe('queue attributes', () => {
  test('All returns every documented attribute with its documented default (standard queue)', async () => {
    const name = uniqueName('defaults');
    const url = await createQueue(tsqs, name);
    const attributes = await attributesOf(tsqs, url);
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

  test('an unknown attribute name is InvalidAttributeName', async () => {
    const url = await createQueue(sqs, uniqueName('unknown-attr'));
    await assertAwsError(attributesOf(sqs, url, ['VisibilityTimeout', 'Bogus']), 'InvalidAttributeName');
    await assertAwsError(
      sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Bogus: '1' } as never })),
      'InvalidAttributeName',
    );
  });

  test('SetQueueAttributes changes values, validates ranges and moves LastModifiedTimestamp', async () => {
    const url = await createQueue(tsqs, uniqueName('set'));
    const created = (await attributesOf(tsqs, url, ['CreatedTimestamp'])).CreatedTimestamp;
    await advance(clock, 5_000);
    await tsqs.send(
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
    const attributes = await attributesOf(tsqs, url);
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
        tsqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { [name]: value } })),
        'InvalidAttributeValue',
      );
    }
    assert.equal((await attributesOf(tsqs, url, ['VisibilityTimeout'])).VisibilityTimeout, '45');
  });

  test('ApproximateNumberOfMessages, …NotVisible and …Delayed follow the messages', async () => {
    const url = await createQueue(tsqs, uniqueName('counts'));
    await tsqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'one' }));
    await tsqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'two' }));
    await tsqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'later', DelaySeconds: 60 }));
    assert.deepEqual(await counts(tsqs, url), { visible: 2, notVisible: 0, delayed: 1 });
    const [first] = await receive(tsqs, url, { MaxNumberOfMessages: 1, VisibilityTimeout: 30 });
    assert.deepEqual(await counts(tsqs, url), { visible: 1, notVisible: 1, delayed: 1 });
    await tsqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first!.ReceiptHandle }));
    assert.deepEqual(await counts(tsqs, url), { visible: 1, notVisible: 0, delayed: 1 });
    await advance(clock, 60_000);
    assert.deepEqual(await counts(tsqs, url), { visible: 2, notVisible: 0, delayed: 0 });
  });
});

describe('sending and receiving', () => {
  test('SendMessage answers MessageId and the body MD5; ReceiveMessage returns body, MD5 and a handle', async () => {
    const url = await createQueue(sqs, uniqueName('send'));
    const body = 'héllo wörld ✓ 𝄞';
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
    assert.match(sent.MessageId ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(sent.MD5OfMessageBody, md5(body));
    assert.equal(sent.MD5OfMessageAttributes, undefined, 'no attributes, no attribute MD5');
    const [message, ...rest] = await receive(sqs, url);
    assert.equal(rest.length, 0);
    assert.equal(message?.MessageId, sent.MessageId);
    assert.equal(message?.Body, body);
    assert.equal(message?.MD5OfBody, md5(body));
    assert.ok(message?.ReceiptHandle);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message.ReceiptHandle }));
    assert.deepEqual(await receive(sqs, url, { VisibilityTimeout: 0 }), []);
  });

  test('message attributes of every type round-trip with the documented MD5', async () => {
    const url = await createQueue(sqs, uniqueName('attrs'));
    const attributes = {
      str: { DataType: 'String', StringValue: 'a string ✓' },
      num: { DataType: 'Number', StringValue: '-12.5e3' },
      bin: { DataType: 'Binary', BinaryValue: new Uint8Array([0, 1, 2, 254, 255]) },
      custom: { DataType: 'String.custom-label', StringValue: 'labelled' },
      numcustom: { DataType: 'Number.int', StringValue: '42' },
      bincustom: { DataType: 'Binary.gif', BinaryValue: new Uint8Array([71, 73, 70]) },
    };
    const sent = await sqs.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: 'b', MessageAttributes: attributes }),
    );
    assert.equal(sent.MD5OfMessageAttributes, md5OfAttributes(attributes));
    const [message] = await receive(sqs, url, { MessageAttributeNames: ['All'] });
    assert.equal(message?.MD5OfMessageAttributes, md5OfAttributes(attributes));
    const received = message?.MessageAttributes ?? {};
    assert.deepEqual(Object.keys(received).sort(), Object.keys(attributes).sort());
    assert.equal(received.str?.StringValue, 'a string ✓');
    assert.equal(received.num?.StringValue, '-12.5e3');
    assert.equal(received.num?.DataType, 'Number');
    assert.deepEqual(Buffer.from(received.bin?.BinaryValue ?? []), Buffer.from([0, 1, 2, 254, 255]));
    assert.equal(received.custom?.DataType, 'String.custom-label');
    assert.equal(received.numcustom?.DataType, 'Number.int');
    assert.equal(received.bincustom?.DataType, 'Binary.gif');
    assert.deepEqual(Buffer.from(received.bincustom?.BinaryValue ?? []), Buffer.from('GIF'));
  });

  test('MessageAttributeNames selects All, .*, names and prefix.*; the MD5 covers what is returned', async () => {
    const url = await createQueue(sqs, uniqueName('select'));
    const attributes = {
      'order.id': { DataType: 'String', StringValue: '1' },
      'order.total': { DataType: 'Number', StringValue: '9.99' },
      customer: { DataType: 'String', StringValue: 'c' },
      other: { DataType: 'Binary', BinaryValue: new Uint8Array([9]) },
    };
    await sqs.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: 'b', MessageAttributes: attributes }),
    );
    const cases: Array<[string[] | undefined, string[]]> = [
      [['All'], ['customer', 'order.id', 'order.total', 'other']],
      [['.*'], ['customer', 'order.id', 'order.total', 'other']],
      [['customer'], ['customer']],
      [['customer', 'missing'], ['customer']],
      [['order.*'], ['order.id', 'order.total']],
      [
        ['order.*', 'other'],
        ['order.id', 'order.total', 'other'],
      ],
      [['missing'], []],
      [undefined, []],
    ];
    for (const [names, expected] of cases) {
      const [message] = await receive(sqs, url, {
        MessageAttributeNames: names,
        VisibilityTimeout: 0,
      });
      assert.ok(message, `received with ${JSON.stringify(names)}`);
      const got = message.MessageAttributes ?? {};
      assert.deepEqual(Object.keys(got).sort(), expected, `selection ${JSON.stringify(names)}`);
      if (expected.length > 0) {
        const subset = Object.fromEntries(
          expected.map((name) => [name, attributes[name as keyof typeof attributes]]),
        );
        assert.equal(
          message.MD5OfMessageAttributes,
          md5OfAttributes(subset),
          `MD5 for ${JSON.stringify(names)}`,
        );
      } else {
        assert.equal(message.MD5OfMessageAttributes, undefined, `no MD5 for ${JSON.stringify(names)}`);
      }
    }
  });

  test('message attribute rules: names, types, values, at most 10', async () => {
    const url = await createQueue(sqs, uniqueName('attr-rules'));
    const send = (MessageAttributes: Record<string, { DataType: string; StringValue?: string }>) =>
      sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'b', MessageAttributes }));
    for (const name of ['AWS.x', 'amazon.x', '.lead', 'trail.', 'two..dots', 'sp ace', 'n'.repeat(257)]) {
      await assertAwsError(
        send({ [name]: { DataType: 'String', StringValue: 'v' } }),
        'InvalidParameterValue',
      );
    }
    await send({ [`n${'.n'.repeat(100)}`.slice(0, 256)]: { DataType: 'String', StringValue: 'v' } });
    await assertAwsError(
      send({ n: { DataType: 'Number', StringValue: 'not a number' } }),
      'InvalidParameterValue',
    );
    await assertAwsError(send({ n: { DataType: 'Text', StringValue: 'v' } }), 'InvalidParameterValue');
    await assertAwsError(send({ n: { DataType: 'String', StringValue: '' } }), 'InvalidParameterValue');
    await assertAwsError(send({ n: { DataType: 'String' } }), 'InvalidParameterValue');
    const ten = Object.fromEntries(
      Array.from({ length: 10 }, (_, i) => [`a${i}`, { DataType: 'String', StringValue: 'v' }]),
    );
    await send(ten);
    await assertAwsError(
      send({ ...ten, a10: { DataType: 'String', StringValue: 'v' } }),
      'InvalidParameterValue',
    );
  });

  test('system attributes: All, names, and the legacy AttributeNames', async () => {
    const name = uniqueName('system');
    const url = await createQueue(tsqs, name);
    const sentAt = clock.now();
    await tsqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'sys' }));
    await advance(clock, 2_000);
    const firstReceiveAt = clock.now();
    const [first] = await receive(tsqs, url, { MessageSystemAttributeNames: ['All'], VisibilityTimeout: 0 });
    assert.equal(first?.Attributes?.SentTimestamp, String(sentAt), 'epoch milliseconds');
    assert.equal(first?.Attributes?.ApproximateReceiveCount, '1');
    assert.equal(first?.Attributes?.ApproximateFirstReceiveTimestamp, String(firstReceiveAt));
    assert.ok(first?.Attributes?.SenderId, 'SenderId is set');
    assert.equal(first?.Attributes?.MessageGroupId, undefined);
    assert.equal(first?.Attributes?.SequenceNumber, undefined, 'no sequence numbers on standard queues');

    await advance(clock, 1_000);
    const [second] = await receive(tsqs, url, {
      MessageSystemAttributeNames: ['ApproximateReceiveCount', 'ApproximateFirstReceiveTimestamp'],
      VisibilityTimeout: 0,
    });
    assert.deepEqual(second?.Attributes, {
      ApproximateReceiveCount: '2',
      ApproximateFirstReceiveTimestamp: String(firstReceiveAt),
    });

    const [legacy] = await receive(tsqs, url, { AttributeNames: ['All'], VisibilityTimeout: 0 });
    assert.equal(legacy?.Attributes?.ApproximateReceiveCount, '3');
    assert.equal(legacy?.Attributes?.SentTimestamp, String(sentAt));
    const [legacyNamed] = await receive(tsqs, url, {
      AttributeNames: ['SentTimestamp' as QueueAttributeName],
      VisibilityTimeout: 0,
    });
    assert.deepEqual(legacyNamed?.Attributes, { SentTimestamp: String(sentAt) });

    const [none] = await receive(tsqs, url, { VisibilityTimeout: 0 });
    assert.deepEqual(none?.Attributes ?? {}, {}, 'no system attributes unless asked');
  });

  test('AWSTraceHeader travels as a message system attribute with its MD5', async () => {
    const url = await createQueue(sqs, uniqueName('trace'));
    const trace = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
    const system = { AWSTraceHeader: { DataType: 'String', StringValue: trace } };
    const sent = await sqs.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: 'traced', MessageSystemAttributes: system }),
    );
    assert.equal(sent.MD5OfMessageSystemAttributes, md5OfAttributes(system));
    const [message] = await receive(sqs, url, { MessageSystemAttributeNames: ['AWSTraceHeader'] });
    assert.equal(message?.Attributes?.AWSTraceHeader, trace);
  });

  test('a 1 MiB body is accepted, one byte more is not; MaximumMessageSize lowers the limit', async () => {
    const url = await createQueue(sqs, uniqueName('size'));
    const mib = 1024 * 1024;
    const big = 'x'.repeat(mib);
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: big }));
    assert.equal(sent.MD5OfMessageBody, md5(big));
    const [message] = await receive(sqs, url);
    assert.equal(message?.Body?.length, mib);
    await assertAwsError(
      sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x'.repeat(mib + 1) })),
      'InvalidParameterValue',
    );
    // Size counts UTF-8 bytes: 'é' is two.
    await assertAwsError(
      sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'é'.repeat(mib / 2 + 1) })),
      'InvalidParameterValue',
    );
    // Attributes count toward the limit.
    await assertAwsError(
      sqs.send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: 'x'.repeat(mib - 4),
          MessageAttributes: { attr: { DataType: 'String', StringValue: 'value' } },
        }),
      ),
      'InvalidParameterValue',
    );
    const small = await createQueue(sqs, uniqueName('size-small'), { MaximumMessageSize: '1024' });
    await sqs.send(new SendMessageCommand({ QueueUrl: small, MessageBody: 'y'.repeat(1024) }));
    await assertAwsError(
      sqs.send(new SendMessageCommand({ QueueUrl: small, MessageBody: 'y'.repeat(1025) })),
      'InvalidParameterValue',
    );
  });

  test('characters outside the allowed set are InvalidMessageContents; the allowed edges pass', async () => {
    const url = await createQueue(sqs, uniqueName('chars'));
    for (const bad of ['\u0000', 'a\u0001b', '\u0008', '\u000B', '\u001F', '\uFFFE', '\uFFFF', 'x\uD800y']) {
      await assertAwsError(
        sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: bad })),
        'InvalidMessageContents',
      );
    }
    const good = '\t\n\r \u007F\uD7FF\uE000\uFFFD\u{10000}\u{10FFFF}';
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: good }));
    const [message] = await receive(sqs, url);
    assert.equal(message?.Body, good);
  });

  test('MaxNumberOfMessages caps a receive at 1 by default and 10 at most', async () => {
    const url = await createQueue(sqs, uniqueName('max'));
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: Array.from({ length: 10 }, (_, i) => ({ Id: `m${i}`, MessageBody: `m${i}` })),
      }),
    );
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: Array.from({ length: 5 }, (_, i) => ({ Id: `n${i}`, MessageBody: `n${i}` })),
      }),
    );
    const { Messages: one } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
    assert.equal(one?.length, 1, 'default MaxNumberOfMessages is 1');
    const three = await receive(sqs, url, { MaxNumberOfMessages: 3 });
    assert.equal(three.length, 3);
    const rest: Message[] = [];
    for (let i = 0; i < 5 && rest.length < 11; i++) {
      const batch = await receive(sqs, url, { MaxNumberOfMessages: 10 });
      assert.ok(batch.length <= 10);
      rest.push(...batch);
    }
    assert.equal(rest.length, 11);
    const ids = new Set([...(one ?? []), ...three, ...rest].map((m) => m.MessageId));
    assert.equal(ids.size, 15, 'each message once while in flight');
    await assertAwsError(
      receive(sqs, url, { MaxNumberOfMessages: 11 }),
      'InvalidParameterValue',
      /MaxNumberOfMessages/,
    );
    await assertAwsError(
      receive(sqs, url, { MaxNumberOfMessages: 0 }),
      'InvalidParameterValue',
      /MaxNumberOfMessages/,
    );
  });
});

describe('visibility timeout', () => {
  test('a received message reappears after its visibility timeout with a higher receive count', async () => {
    const url = await createQueue(tsqs, uniqueName('vis'));
    await tsqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'again' }));
    const firstAt = clock.now();
    const [first] = await receive(tsqs, url, { MessageSystemAttributeNames: ['All'] });
    assert.equal(first?.Attributes?.ApproximateReceiveCount, '1');
    await advance(clock, 29_000);
    assert.deepEqual(await receive(tsqs, url), [], 'invisible for the queue default of 30 s');
    await advance(clock, 1_000);
    const [second] = await receive(tsqs, url, { MessageSystemAttributeNames: ['All'] });
    assert.equal(second?.MessageId, first?.MessageId);
    assert.notEqual(second?.ReceiptHandle, first?.ReceiptHandle, 'a new receipt handle per receive');
    assert.equal(second?.Attributes?.ApproximateReceiveCount, '2');
    assert.equal(second?.Attributes?.ApproximateFirstReceiveTimestamp, String(firstAt));
    // The newest handle deletes it.
    await tsqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: second!.ReceiptHandle }));
    await advance(clock, 31_000);
    assert.deepEqual(await receive(tsqs, url), []);
  });

  test('ReceiveMessage VisibilityTimeout and the queue attribute override the default', async () => {
    const url = await createQueue(tsqs, uniqueName('vis-attr'), { VisibilityTimeout: '5' });
    await tsqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'short' }));
    assert.equal((await receive(tsqs, url)).length, 1);
    await advance(clock, 5_000);
    assert.equal((await receive(tsqs, url, { VisibilityTimeout: 100 })).length, 1);
    await advance(clock, 99_000);
    assert.deepEqual(await receive(tsqs, url), []);
    await advance(clock, 1_000);
    assert.equal((await receive(tsqs, url, { VisibilityTimeout: 0 })).length, 1);
    assert.equal((await receive(tsqs, url)).length, 1, 'VisibilityTimeout 0 leaves it visible');
    await assertAwsError(receive(tsqs, url, { VisibilityTimeout: 43_201 }), 'InvalidParameterValue');
  });

  test('ChangeMessageVisibility extends, shortens and ends the timeout; it is not remembered', async () => {
    const url = await createQueue(tsqs, uniqueName('change'));
    await tsqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'c' }));
    const [message] = await receive(tsqs, url, { VisibilityTimeout: 10 });
    await tsqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: message!.ReceiptHandle,
        VisibilityTimeout: 100,
      }),
    );
    await advance(clock, 99_000);
    assert.deepEqual(await receive(tsqs, url), [], 'extended to 100 s from now');
    await tsqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: message!.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    const [again] = await receive(tsqs, url);
    assert.equal(again?.MessageId, message?.MessageId, 'visible at once after timeout 0');
    // The next receive uses the queue default (30 s), not the 100 s set before.
    await advance(clock, 30_000);
    assert.equal((await receive(tsqs, url)).length, 1);
  });

  test('ChangeMessageVisibility on a message no longer in flight is MessageNotInflight', async () => {
    const url = await createQueue(tsqs, uniqueName('notinflight'));
    await tsqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'n' }));
    const [message] = await receive(tsqs, url, { VisibilityTimeout: 5 });
    await advance(clock, 6_000);
    await assertAwsError(
      tsqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: message!.ReceiptHandle,
          VisibilityTimeout: 30,
        }),
      ),
      'MessageNotInflight',
    );
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
    const url = await createQueue(tsqs, uniqueName('change-batch'));
    await tsqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'a', MessageBody: 'a' },
          { Id: 'b', MessageBody: 'b' },
        ],
      }),
    );
    const messages = await receive(tsqs, url, { VisibilityTimeout: 10 });
    assert.equal(messages.length, 2);
    const result = await tsqs.send(
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
    const visible = await receive(tsqs, url, { VisibilityTimeout: 1000 });
    assert.deepEqual(
      visible.map((m) => m.MessageId),
      [messages[0]!.MessageId],
      'timeout 0 made the first visible at once',
    );
    await advance(clock, 299_000);
    assert.deepEqual(
      await receive(tsqs, url, { VisibilityTimeout: 0 }),
      [],
      'the second is hidden for 300 s',
    );
    await advance(clock, 1_000);
    assert.deepEqual(
      (await receive(tsqs, url)).map((m) => m.MessageId),
      [messages[1]!.MessageId],
    );
  });
});

describe('delays, long polling and retention', () => {
  test('per-message DelaySeconds and the queue DelaySeconds hold messages back', async () => {
    const url = await createQueue(tsqs, uniqueName('delay'), { DelaySeconds: '20' });
    await tsqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'queue delay' }));
    await tsqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'own delay', DelaySeconds: 5 }));
    await tsqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'no delay', DelaySeconds: 0 }));
    assert.deepEqual(
      (await receive(tsqs, url)).map((m) => m.Body),
      ['no delay'],
    );
    await advance(clock, 5_000);
    assert.deepEqual(
      (await receive(tsqs, url)).map((m) => m.Body),
      ['own delay'],
    );
    await advance(clock, 14_000);
    assert.deepEqual(await receive(tsqs, url), []);
    await advance(clock, 1_000);
    assert.deepEqual(
      (await receive(tsqs, url)).map((m) => m.Body),
      ['queue delay'],
    );
    await assertAwsError(
      tsqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', DelaySeconds: 901 })),
      'InvalidParameterValue',
      /DelaySeconds/,
    );
  });

  test('a long poll answers as soon as a message arrives', async () => {
    const url = await createQueue(sqs, uniqueName('longpoll'));
    const started = Date.now();
    const polling = sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 5 }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'wake up' }));
    const { Messages } = await polling;
    const elapsed = Date.now() - started;
    assert.deepEqual(
      Messages?.map((m) => m.Body),
      ['wake up'],
    );
    assert.ok(elapsed < 1_500, `answered after ${elapsed} ms`);
  });

  test('each message sent wakes one of the long polls waiting, and every message is received', async () => {
    const url = await createQueue(sqs, uniqueName('longpoll-many'));
    const answered: string[][] = [];
    const polls = Array.from({ length: 3 }, () =>
      sqs
        .send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 3 }))
        .then(({ Messages = [] }) => answered.push(Messages.map((m) => m.Body!))),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'first' }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(answered, [['first']], 'one poll answered, two still wait');
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'second' }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(answered, [['first'], ['second']]);
    await Promise.all(polls);
    assert.deepEqual(answered, [['first'], ['second'], []], 'the third waited its 3 s');
  });

  test('messages sent to a waiting long poll are handed to it in flight, as any received message is', async () => {
    const url = await createQueue(sqs, uniqueName('longpoll-handed'));
    const polling = sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        WaitTimeSeconds: 5,
        MaxNumberOfMessages: 2,
        VisibilityTimeout: 60,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const sentAt = Date.now();
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: ['one', 'two', 'three'].map((body) => ({
          Id: body,
          MessageBody: body,
          MessageAttributes: { kind: { DataType: 'String', StringValue: body } },
        })),
      }),
    );
    const { Messages = [] } = await polling;
    assert.deepEqual(
      Messages.map((m) => [m.Body, m.MessageAttributes?.kind?.StringValue]),
      [
        ['one', 'one'],
        ['two', 'two'],
      ],
      'MaxNumberOfMessages of the batch, in order',
    );
    for (const message of Messages) {
      assert.equal(message.MD5OfBody, md5(message.Body!));
      assert.equal(message.Attributes?.ApproximateReceiveCount, '1');
      const firstReceived = Number(message.Attributes?.ApproximateFirstReceiveTimestamp);
      assert.ok(Math.abs(firstReceived - sentAt) < 5_000, `first received at ${firstReceived}`);
    }
    assert.deepEqual(await counts(sqs, url), { visible: 1, notVisible: 2, delayed: 0 });
    assert.deepEqual(
      (await receive(sqs, url)).map((m) => m.Body),
      ['three'],
      'the rest waits in the queue; the two handed over are in flight for 60 s',
    );
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: Messages[0]!.ReceiptHandle }));
    assert.deepEqual(await counts(sqs, url), { visible: 0, notVisible: 2, delayed: 0 });
  });

  test('a long poll whose client hangs up stops waiting: a message sent after it stays visible', async () => {
    const url = await createQueue(sqs, uniqueName('longpoll-hangup'));
    const hangUp = new AbortController();
    const polling = sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20 }), {
      abortSignal: hangUp.signal,
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    hangUp.abort();
    await assert.rejects(polling, (error: Error) => error.name === 'AbortError');
    await new Promise((resolve) => setTimeout(resolve, 300)); // the server sees the socket close
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'after the hang-up' }));
    assert.deepEqual(
      await counts(sqs, url),
      { visible: 1, notVisible: 0, delayed: 0 },
      'not handed to the poll that was left',
    );
    const [message] = await receive(sqs, url, { MessageSystemAttributeNames: ['All'] });
    assert.equal(message?.Body, 'after the hang-up');
    assert.equal(message?.Attributes?.ApproximateReceiveCount, '1');
  });

  test('a long poll with no message returns empty after WaitTimeSeconds; the queue attribute sets the default', async () => {
    const url = await createQueue(sqs, uniqueName('longpoll-empty'), { ReceiveMessageWaitTimeSeconds: '1' });
    let started = Date.now();
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 2 }));
    let elapsed = Date.now() - started;
    assert.deepEqual(Messages ?? [], []);
    assert.ok(elapsed >= 1_900 && elapsed < 3_500, `waited ${elapsed} ms`);
    started = Date.now();
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
    elapsed = Date.now() - started;
    assert.ok(elapsed >= 900 && elapsed < 2_500, `the queue default of 1 s: waited ${elapsed} ms`);
    started = Date.now();
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 0 }));
    elapsed = Date.now() - started;
    assert.ok(elapsed < 500, `WaitTimeSeconds 0 is a short poll: ${elapsed} ms`);
    await assertAwsError(
      sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 21 })),
      'InvalidParameterValue',
      /WaitTimeSeconds/,
    );
  });

  test('a long poll wakes for a delayed message when its delay ends', async () => {
    const url = await createQueue(sqs, uniqueName('longpoll-delay'));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'delayed', DelaySeconds: 1 }));
    const started = Date.now();
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 5 }));
    const elapsed = Date.now() - started;
    assert.deepEqual(
      Messages?.map((m) => m.Body),
      ['delayed'],
    );
    assert.ok(elapsed >= 700 && elapsed < 3_000, `answered after ${elapsed} ms`);
  });

  test('messages older than MessageRetentionPeriod are gone', async () => {
    const url = await createQueue(tsqs, uniqueName('retention'), { MessageRetentionPeriod: '60' });
    await tsqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'old' }));
    await advance(clock, 30_000);
    await tsqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'young' }));
    await advance(clock, 31_000);
    assert.deepEqual(
      (await receive(tsqs, url, { VisibilityTimeout: 0 })).map((m) => m.Body),
      ['young'],
    );
    await advance(clock, 30_000);
    assert.deepEqual(await receive(tsqs, url), []);
    assert.deepEqual(await counts(tsqs, url), { visible: 0, notVisible: 0, delayed: 0 });
  });

  test('an in-flight message also expires at the end of its retention period', async () => {
    const url = await createQueue(tsqs, uniqueName('retention-inflight'), { MessageRetentionPeriod: '60' });
    await tsqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'held' }));
    const [message] = await receive(tsqs, url, { VisibilityTimeout: 600 });
    assert.ok(message);
    await advance(clock, 601_000);
    assert.deepEqual(await receive(tsqs, url), []);
  });
});

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

describe('purge', () => {
  test('PurgeQueue deletes the messages; another purge within 60 s is PurgeQueueInProgress', async () => {
    const url = await createQueue(tsqs, uniqueName('purge'));
    for (let i = 0; i < 3; i++)
      await tsqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: `p${i}` }));
    await receive(tsqs, url, { MaxNumberOfMessages: 1 });
    await tsqs.send(new PurgeQueueCommand({ QueueUrl: url }));
    await advance(clock, 1_000);
    assert.deepEqual(await receive(tsqs, url), []);
    assert.deepEqual(await counts(tsqs, url), { visible: 0, notVisible: 0, delayed: 0 });
    await assertAwsError(tsqs.send(new PurgeQueueCommand({ QueueUrl: url })), 'PurgeQueueInProgress');
    await advance(clock, 58_000);
    await assertAwsError(tsqs.send(new PurgeQueueCommand({ QueueUrl: url })), 'PurgeQueueInProgress');
    await advance(clock, 1_000);
    await tsqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'after' }));
    await tsqs.send(new PurgeQueueCommand({ QueueUrl: url }));
    await advance(clock, 1_000);
    assert.deepEqual(await receive(tsqs, url), []);
  });
});

describe('tags and permissions', () => {
  test('TagQueue, ListQueueTags and UntagQueue; tags given at creation', async () => {
    const url = await createQueue(sqs, uniqueName('tags'));
    assert.deepEqual((await sqs.send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags ?? {}, {});
    await sqs.send(new TagQueueCommand({ QueueUrl: url, Tags: { team: 'a', env: 'test' } }));
    await sqs.send(new TagQueueCommand({ QueueUrl: url, Tags: { team: 'b' } }));
    assert.deepEqual((await sqs.send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags, {
      team: 'b',
      env: 'test',
    });
    await sqs.send(new UntagQueueCommand({ QueueUrl: url, TagKeys: ['env', 'not-there'] }));
    assert.deepEqual((await sqs.send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags, { team: 'b' });

    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({ QueueName: uniqueName('tags-at-create'), tags: { Owner: 'me' } }),
    );
    assert.deepEqual((await sqs.send(new ListQueueTagsCommand({ QueueUrl }))).Tags, { Owner: 'me' });
  });

  test('AddPermission adds a statement to the Policy; RemovePermission takes it out', async () => {
    const name = uniqueName('perm');
    const url = await createQueue(sqs, name);
    await sqs.send(
      new AddPermissionCommand({
        QueueUrl: url,
        Label: 'AliceSend',
        AWSAccountIds: ['111122223333'],
        Actions: ['SendMessage', 'ReceiveMessage'],
      }),
    );
    const policy = JSON.parse((await attributesOf(sqs, url, ['Policy'])).Policy ?? '{}') as {
      Statement?: Array<{ Sid?: string; Effect?: string; Resource?: string; Action?: string | string[] }>;
    };
    const statement = policy.Statement?.find((s) => s.Sid === 'AliceSend');
    assert.ok(statement, 'a statement with the label as Sid');
    assert.equal(statement.Effect, 'Allow');
    assert.equal(statement.Resource, queueArn(name));
    assert.deepEqual([statement.Action ?? []].flat().sort(), ['SQS:ReceiveMessage', 'SQS:SendMessage']);
    await assertAwsError(
      sqs.send(
        new AddPermissionCommand({
          QueueUrl: url,
          Label: 'AliceSend',
          AWSAccountIds: ['111122223333'],
          Actions: ['*'],
        }),
      ),
      'InvalidParameterValue',
    );
    await sqs.send(new RemovePermissionCommand({ QueueUrl: url, Label: 'AliceSend' }));
    const after = (await attributesOf(sqs, url, ['Policy'])).Policy;
    if (after) {
      const left = JSON.parse(after) as { Statement?: Array<{ Sid?: string }> };
      assert.ok(!left.Statement?.some((s) => s.Sid === 'AliceSend'));
    }
    await assertAwsError(
      sqs.send(new RemovePermissionCommand({ QueueUrl: url, Label: 'AliceSend' })),
      'InvalidParameterValue',
    );
  });
});

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
    const { dlq, source, sourceArn } = await withDlq(tsqs, 2);
    const attributes = { kind: { DataType: 'String', StringValue: 'poison' } };
    const sent = await tsqs.send(
      new SendMessageCommand({ QueueUrl: source, MessageBody: 'poison pill', MessageAttributes: attributes }),
    );
    for (let i = 1; i <= 2; i++) {
      const [message] = await receive(tsqs, source, {
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      });
      assert.equal(message?.Attributes?.ApproximateReceiveCount, String(i));
      await advance(clock, 1_000);
    }
    assert.deepEqual(await receive(tsqs, source), [], 'the third receive moves it instead');
    const [dead] = await receive(tsqs, dlq, {
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
    const { dlq, dlqArn, source, sourceArn } = await withDlq(sqs, 1);
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: source,
        Entries: Array.from({ length: 3 }, (_, i) => ({ Id: `m${i}`, MessageBody: `redrive ${i}` })),
      }),
    );
    await receive(sqs, source, { VisibilityTimeout: 1 });
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    assert.deepEqual(await receive(sqs, source, { VisibilityTimeout: 0 }), [], 'moved on the second receive');
    const deadline = Date.now() + 5_000;
    while ((await counts(sqs, dlq)).visible < 3 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    assert.equal((await counts(sqs, dlq)).visible, 3);

    const { TaskHandle } = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn }));
    assert.ok(TaskHandle);
    const moved: Message[] = [];
    const until = Date.now() + 10_000;
    while (moved.length < 3 && Date.now() < until) {
      moved.push(...(await receive(sqs, source, { WaitTimeSeconds: 1, VisibilityTimeout: 60 })));
    }
    assert.deepEqual(moved.map((m) => m.Body).sort(), ['redrive 0', 'redrive 1', 'redrive 2']);
    assert.equal((await counts(sqs, dlq)).visible, 0);

    let tasks = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn }));
    const waitDone = Date.now() + 5_000;
    while (tasks.Results?.[0]?.Status === 'RUNNING' && Date.now() < waitDone) {
      await new Promise((r) => setTimeout(r, 100));
      tasks = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn }));
    }
    assert.equal(tasks.Results?.length, 1, 'MaxResults defaults to 1: the most recent task');
    const [task] = tasks.Results ?? [];
    assert.equal(task?.Status, 'COMPLETED');
    assert.equal(task?.SourceArn, dlqArn);
    assert.equal(task?.ApproximateNumberOfMessagesMoved, 3, 'ApproximateNumberOfMessagesMoved');
    assert.equal(task?.ApproximateNumberOfMessagesToMove, 3, 'ApproximateNumberOfMessagesToMove');
    assert.equal(task?.TaskHandle, undefined, 'the handle is only listed for running tasks');
    assert.ok(typeof task?.StartedTimestamp === 'number' && task.StartedTimestamp > 0);
    void sourceArn;
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
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    for (let i = 0; i < 3; i++) await receive(sqs, source, { VisibilityTimeout: 0 });
    const deadline = Date.now() + 5_000;
    while ((await counts(sqs, dlq)).visible < 10 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
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
    const cancelled = await sqs.send(new CancelMessageMoveTaskCommand({ TaskHandle }));
    assert.ok(
      (cancelled.ApproximateNumberOfMessagesMoved ?? 0) < 10,
      'the rate limit kept it from finishing',
    );
    const after = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn }));
    assert.ok(
      ['CANCELLING', 'CANCELLED'].includes(after.Results?.[0]?.Status ?? ''),
      after.Results?.[0]?.Status,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const movedCount = (await counts(sqs, destination)).visible;
    const leftCount = (await counts(sqs, dlq)).visible;
    assert.equal(movedCount + leftCount, 10, 'no message lost or duplicated by the cancel');
    assert.ok(leftCount > 0);
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

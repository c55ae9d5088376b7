// Sending and receiving on SQS standard queues through @aws-sdk/client-sqs against a real eddy
// server: bodies and their MD5, message and system attributes (the documented MD5 algorithm), size and
// character limits, MaxNumberOfMessages. Time runs on a ManualClock.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  DeleteMessageCommand,
  type Message,
  type QueueAttributeName,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { ManualClock } from '../src/runtime/index.ts';
import { assertAwsError, md5, md5OfAttributes, uniqueName } from './fixtures/queues.ts';
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
    const url = await createQueue(sqs, name);
    const sentAt = clock.now();
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'sys' }));
    await eddy.advance(2_000);
    const firstReceiveAt = clock.now();
    const [first] = await receive(sqs, url, { MessageSystemAttributeNames: ['All'], VisibilityTimeout: 0 });
    assert.equal(first?.Attributes?.SentTimestamp, String(sentAt), 'epoch milliseconds');
    assert.equal(first?.Attributes?.ApproximateReceiveCount, '1');
    assert.equal(first?.Attributes?.ApproximateFirstReceiveTimestamp, String(firstReceiveAt));
    assert.ok(first?.Attributes?.SenderId, 'SenderId is set');
    assert.equal(first?.Attributes?.MessageGroupId, undefined);
    assert.equal(first?.Attributes?.SequenceNumber, undefined, 'no sequence numbers on standard queues');

    await eddy.advance(1_000);
    const [second] = await receive(sqs, url, {
      MessageSystemAttributeNames: ['ApproximateReceiveCount', 'ApproximateFirstReceiveTimestamp'],
      VisibilityTimeout: 0,
    });
    assert.deepEqual(second?.Attributes, {
      ApproximateReceiveCount: '2',
      ApproximateFirstReceiveTimestamp: String(firstReceiveAt),
    });

    const [legacy] = await receive(sqs, url, { AttributeNames: ['All'], VisibilityTimeout: 0 });
    assert.equal(legacy?.Attributes?.ApproximateReceiveCount, '3');
    assert.equal(legacy?.Attributes?.SentTimestamp, String(sentAt));
    const [legacyNamed] = await receive(sqs, url, {
      AttributeNames: ['SentTimestamp' as QueueAttributeName],
      VisibilityTimeout: 0,
    });
    assert.deepEqual(legacyNamed?.Attributes, { SentTimestamp: String(sentAt) });

    const [none] = await receive(sqs, url, { VisibilityTimeout: 0 });
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

// Filter policies through @aws-sdk/client-sns against a real server, as SNS's documentation describes
// them: refusals worded per call, FilterPolicyScope as GetSubscriptionAttributes shows it, and body
// policies whose keys hold dots.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateTopicCommand,
  GetSubscriptionAttributesCommand,
  InvalidParameterException,
  PublishCommand,
  SetSubscriptionAttributesCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { startTestEddy, type TestEddy } from './harness.ts';

let eddy: TestEddy;
let sns: SNSClient;
let sqs: SQSClient;

before(async () => {
  eddy = await startTestEddy();
  sns = eddy.client(SNSClient);
  sqs = eddy.client(SQSClient);
});
after(() => eddy.stop());

let queues = 0;
async function queue() {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `filters-${++queues}` }));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  return { url: QueueUrl!, arn: Attributes!.QueueArn! };
}

async function topic(name: string): Promise<string> {
  return (await sns.send(new CreateTopicCommand({ Name: name }))).TopicArn!;
}

async function subscribe(TopicArn: string, Attributes?: Record<string, string>): Promise<string> {
  const { arn } = await queue();
  const { SubscriptionArn } = await sns.send(
    new SubscribeCommand({
      TopicArn,
      Protocol: 'sqs',
      Endpoint: arn,
      Attributes,
      ReturnSubscriptionArn: true,
    }),
  );
  return SubscriptionArn!;
}

/** The InvalidParameter message a call is refused with. */
async function refusedWith(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof InvalidParameterException, String(error));
    return error.message;
  }
  assert.fail('the call was accepted');
}

const setAttribute = (SubscriptionArn: string, AttributeName: string, AttributeValue: string) =>
  sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn, AttributeName, AttributeValue }));

describe('filter policy refusals', () => {
  test('are worded for Subscribe and for SetSubscriptionAttributes, the place on a second line', async () => {
    const TopicArn = await topic('refusals');
    const { arn } = await queue();
    const subscribeWith = (Attributes: Record<string, string>) =>
      sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: arn, Attributes }));
    const subscription = await subscribe(TopicArn);
    const setPolicy = (policy: string) => setAttribute(subscription, 'FilterPolicy', policy);

    const badPrefix = JSON.stringify({ store: [{ prefix: 5 }] });
    const fromSubscribe = await refusedWith(subscribeWith({ FilterPolicy: badPrefix }));
    const [first, second] = fromSubscribe.split('\n');
    assert.equal(
      first,
      'Invalid parameter: Attributes Reason: FilterPolicy: prefix match pattern must be a string',
    );
    // SNS shows the policy written back without white space, and a place in it.
    assert.match(
      second!,
      /^ at \[Source: \(String\)"\{"store":\[\{"prefix":5\}\]\}"; line: 1, column: \d+\]$/,
    );
    const fromSet = await refusedWith(setPolicy(badPrefix));
    assert.equal(
      fromSet.split('\n')[0],
      'Invalid parameter: FilterPolicy: prefix match pattern must be a string',
    );

    // A value that is neither a list of conditions nor an object of fields.
    assert.equal(
      (await refusedWith(setPolicy('{"store": "example_corp"}'))).split('\n')[0],
      'Invalid parameter: FilterPolicy: "store" must be an object or an array',
    );
    // SNS's anything-but has no suffix form.
    assert.equal(
      (
        await refusedWith(
          subscribeWith({ FilterPolicy: '{"event": [{"anything-but": {"suffix": "_failed"}}]}' }),
        )
      ).split('\n')[0],
      'Invalid parameter: Attributes Reason: FilterPolicy: Unsupported anything-but pattern: suffix',
    );

    // The limits SNS checks once the policy has parsed come without a place, and the nesting reason
    // without "FilterPolicy: ".
    const nested = JSON.stringify({ customer: { interests: ['rugby'] } });
    assert.equal(
      await refusedWith(subscribeWith({ FilterPolicy: nested })),
      'Invalid parameter: Attributes Reason: Filter policy scope MessageAttributes does not support nested filter policy',
    );
    assert.equal(
      await refusedWith(setPolicy(nested)),
      'Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy',
    );
    const values = (n: number) => Array.from({ length: n }, (_, index) => `v${index}`);
    const complex = JSON.stringify({ a: values(10), b: values(10), c: values(2) });
    assert.equal(
      await refusedWith(subscribeWith({ FilterPolicy: complex })),
      'Invalid parameter: Attributes Reason: FilterPolicy: Filter policy is too complex',
    );
    assert.equal(
      await refusedWith(setPolicy(complex)),
      'Invalid parameter: FilterPolicy: Filter policy is too complex',
    );
    const six = JSON.stringify(Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f'].map((key) => [key, ['1']])));
    assert.equal(
      await refusedWith(subscribeWith({ FilterPolicy: six })),
      'Invalid parameter: Attributes Reason: FilterPolicy: Filter policy can not have more than 5 keys',
    );
    assert.equal(
      await refusedWith(setPolicy(six)),
      'Invalid parameter: FilterPolicy: Filter policy can not have more than 5 keys',
    );
    // A body policy weighs nested keys by their depth: 3x4 x 2x3 x 1x3 = 216 combinations.
    const deep = JSON.stringify({
      key_a: { key_b: { key_c: values(4) } },
      key_d: { key_e: values(3) },
      key_f: values(3),
    });
    assert.equal(
      await refusedWith(subscribeWith({ FilterPolicyScope: 'MessageBody', FilterPolicy: deep })),
      'Invalid parameter: Attributes Reason: FilterPolicy: Filter policy is too complex',
    );
  });

  test('show a long policy as Jackson does, cut at 500 characters', async () => {
    const TopicArn = await topic('long-refusal');
    const subscription = await subscribe(TopicArn);
    const policy = JSON.stringify({ store: ['x'.repeat(600)], price: [{ numeric: ['>', 'ten'] }] });
    const message = await refusedWith(setAttribute(subscription, 'FilterPolicy', policy));
    const [first, second] = message.split('\n');
    assert.equal(first, 'Invalid parameter: FilterPolicy: Value of > must be numeric');
    assert.ok(
      second!.startsWith(
        ` at [Source: (String)"${policy.slice(0, 500)}"[truncated ${policy.length - 500} chars]; line: 1, column: `,
      ),
      second,
    );
  });
});

describe('FilterPolicyScope', () => {
  const shownScope = async (SubscriptionArn: string) =>
    (await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn }))).Attributes?.FilterPolicyScope;

  test('is shown beside a filter policy only, as MessageAttributes when none was set', async () => {
    const TopicArn = await topic('scopes');
    const plain = await subscribe(TopicArn);
    assert.equal(await shownScope(plain), undefined);
    // A scope set before any policy is kept, but not shown until there is a policy.
    await setAttribute(plain, 'FilterPolicyScope', 'MessageBody');
    assert.equal(await shownScope(plain), undefined);
    await setAttribute(plain, 'FilterPolicy', JSON.stringify({ order: { status: ['paid'] } }));
    assert.equal(await shownScope(plain), 'MessageBody');
    await setAttribute(plain, 'FilterPolicy', '');
    assert.equal(await shownScope(plain), undefined);

    // A policy without a scope is an attribute policy, and says so.
    const filtered = await subscribe(TopicArn, { FilterPolicy: JSON.stringify({ store: ['example_corp'] }) });
    assert.equal(await shownScope(filtered), 'MessageAttributes');
    const body = await subscribe(TopicArn, {
      FilterPolicyScope: 'MessageBody',
      FilterPolicy: JSON.stringify({ store: ['example_corp'] }),
    });
    assert.equal(await shownScope(body), 'MessageBody');
    const scopeOnly = await subscribe(TopicArn, { FilterPolicyScope: 'MessageAttributes' });
    assert.equal(await shownScope(scopeOnly), undefined);
  });
});

describe('policies AWS takes', () => {
  test('`{}` removes the policy, at Subscribe and with SetSubscriptionAttributes', async () => {
    const TopicArn = await topic('empty-policy');
    const policy = async (arn: string) =>
      (await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: arn }))).Attributes
        ?.FilterPolicy;
    const filtered = await subscribe(TopicArn, { FilterPolicy: JSON.stringify({ store: ['a'] }) });
    await setAttribute(filtered, 'FilterPolicy', '{}');
    assert.equal(await policy(filtered), undefined);
    await setAttribute(filtered, 'FilterPolicy', ' { } ');
    assert.equal(await policy(filtered), undefined);
    const none = await subscribe(TopicArn, { FilterPolicy: '{}' });
    assert.equal(await policy(none), undefined);
  });

  test('numbers with more than five digits after the point', async () => {
    const TopicArn = await topic('decimals');
    const arn = await subscribe(TopicArn, {
      FilterPolicy: JSON.stringify({ price: [{ numeric: ['>', 0.1234567] }] }),
    });
    assert.ok(arn.startsWith(TopicArn));
  });
});

describe('body policies with dotted keys', () => {
  async function bodies(url: string, expected: number): Promise<string[]> {
    const received: string[] = [];
    const deadline = Date.now() + 3000;
    while (received.length < expected && Date.now() < deadline) {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      for (const message of Messages ?? []) {
        received.push(message.Body!);
        await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message.ReceiptHandle! }));
      }
    }
    return received;
  }

  test('match the nested property and a property written with dots, in large payloads too', async () => {
    const TopicArn = await topic('dotted');
    const target = await queue();
    await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'sqs',
        Endpoint: target.arn,
        Attributes: {
          RawMessageDelivery: 'true',
          FilterPolicyScope: 'MessageBody',
          FilterPolicy: JSON.stringify({
            'order.status': ['paid'],
            order: { 'lines.sku': [{ prefix: 'BK-' }] },
          }),
        },
      }),
    );
    // A payload of some 40 KB where the fields sit among many others, under arrays.
    const filler = Array.from({ length: 400 }, (_, index) => ({ sku: `XX-${index}`, note: 'n'.repeat(80) }));
    const messages = [
      { id: 'nested', order: { status: 'paid', lines: [...filler, { sku: 'BK-1' }] } },
      { id: 'dotted', 'order.status': 'paid', order: { 'lines.sku': 'BK-2' } },
      { id: 'mixed', order: { status: 'paid', lines: [{ sku: 'XX-1' }] }, 'order.lines': [{ sku: 'BK-3' }] },
      { id: 'open', order: { status: 'open', lines: [{ sku: 'BK-4' }] } },
      { id: 'other-sku', order: { status: 'paid', lines: filler } },
    ];
    assert.ok(JSON.stringify(messages[0]).length > 40_000);
    for (const message of messages) {
      await sns.send(new PublishCommand({ TopicArn, Message: JSON.stringify(message) }));
    }
    const ids = (await bodies(target.url, 3)).map((body) => (JSON.parse(body) as { id: string }).id);
    assert.deepEqual(ids.sort(), ['dotted', 'mixed', 'nested']);
  });
});

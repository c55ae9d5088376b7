// Topics through the aws CLI, SNS's quotas with their real errors, and FIFO order under concurrent
// publishers.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateTopicCommand,
  FilterPolicyLimitExceededException,
  PublishCommand,
  SetSubscriptionAttributesCommand,
  SNSClient,
  SubscribeCommand,
  SubscriptionLimitExceededException,
  TopicLimitExceededException,
} from '@aws-sdk/client-sns';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { LIMITS } from '../src/services/topics/registry.ts';
import { startTestEddy, TEST_ACCOUNT, TEST_REGION, type TestEddy } from './harness.ts';
import { queueWithArn, receiveAll } from './helpers.ts';

let eddy: TestEddy;
let sns: SNSClient;
let sqs: SQSClient;

before(async () => {
  eddy = await startTestEddy();
  sns = eddy.client(SNSClient);
  sqs = eddy.client(SQSClient);
});
after(async () => {
  sns?.destroy();
  sqs?.destroy();
  await eddy?.stop();
});

const queue = (name: string, attributes: Record<string, string> = {}) => queueWithArn(sqs, name, attributes);

/** Runs `count` jobs, `width` at a time. */
async function inParallel(count: number, width: number, job: (index: number) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) await job(next++);
    }),
  );
}

describe('aws CLI', () => {
  test('create-topic, subscribe, publish, list-subscriptions-by-topic deliver to a queue', async () => {
    const target = await queue('cli-target');
    const created = await eddy.aws(['sns', 'create-topic', '--name', 'cli-topic']);
    assert.equal(created.code, 0, created.stderr);
    const { TopicArn } = JSON.parse(created.stdout) as { TopicArn: string };
    assert.equal(TopicArn, `arn:aws:sns:${TEST_REGION}:${TEST_ACCOUNT}:cli-topic`);

    const subscribed = await eddy.aws([
      'sns',
      'subscribe',
      '--topic-arn',
      TopicArn,
      '--protocol',
      'sqs',
      '--notification-endpoint',
      target.arn,
      '--attributes',
      'RawMessageDelivery=true',
    ]);
    assert.equal(subscribed.code, 0, subscribed.stderr);
    const listed = await eddy.aws(['sns', 'list-subscriptions-by-topic', '--topic-arn', TopicArn]);
    const { Subscriptions } = JSON.parse(listed.stdout) as { Subscriptions: { Endpoint: string }[] };
    assert.deepEqual(
      Subscriptions.map((subscription) => subscription.Endpoint),
      [target.arn],
    );

    const published = await eddy.aws([
      'sns',
      'publish',
      '--topic-arn',
      TopicArn,
      '--message',
      'from the cli',
    ]);
    assert.equal(published.code, 0, published.stderr);
    assert.match(JSON.parse(published.stdout).MessageId, /^[0-9a-f-]{36}$/);
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: target.url, WaitTimeSeconds: 5 }),
    );
    assert.equal(Messages?.[0]?.Body, 'from the cli');
  });

  test('an error exits non-zero with the SNS code and message', async () => {
    const result = await eddy.aws([
      'sns',
      'publish',
      '--topic-arn',
      `arn:aws:sns:${TEST_REGION}:${TEST_ACCOUNT}:no-such-topic`,
      '--message',
      'x',
    ]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /NotFound/);
    assert.match(result.stderr, /Topic does not exist/);
  });
});

describe('quotas', () => {
  test(`a FIFO topic takes ${LIMITS.subscriptionsPerFifoTopic} subscriptions, then SubscriptionLimitExceeded`, async () => {
    const { TopicArn } = await sns.send(
      new CreateTopicCommand({ Name: 'many-subs.fifo', Attributes: { FifoTopic: 'true' } }),
    );
    await inParallel(LIMITS.subscriptionsPerFifoTopic, 10, (index) =>
      sns.send(
        new SubscribeCommand({
          TopicArn,
          Protocol: 'sqs',
          Endpoint: `arn:aws:sqs:${TEST_REGION}:${TEST_ACCOUNT}:sub-${index}.fifo`,
        }),
      ),
    );
    const over = sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'sqs',
        Endpoint: `arn:aws:sqs:${TEST_REGION}:${TEST_ACCOUNT}:one-too-many.fifo`,
      }),
    );
    await assert.rejects(over, (error: unknown) => {
      assert.ok(error instanceof SubscriptionLimitExceededException);
      assert.equal(error.$metadata.httpStatusCode, 403);
      return true;
    });
  });

  test(`an account holds ${LIMITS.fifoTopicsPerAccount} FIFO topics, then TopicLimitExceeded; standard topics still work`, async () => {
    // Quotas are per account and region: a region of its own keeps the other tests' topics apart.
    const regional = eddy.client(SNSClient, { region: 'eu-west-1' });
    try {
      await inParallel(LIMITS.fifoTopicsPerAccount, 20, (index) =>
        regional.send(new CreateTopicCommand({ Name: `t-${index}.fifo`, Attributes: { FifoTopic: 'true' } })),
      );
      await assert.rejects(
        regional.send(new CreateTopicCommand({ Name: 'over.fifo', Attributes: { FifoTopic: 'true' } })),
        (error: unknown) =>
          error instanceof TopicLimitExceededException && error.$metadata.httpStatusCode === 403,
      );
      // Recreating an existing one is not a new topic.
      await regional.send(new CreateTopicCommand({ Name: 't-0.fifo', Attributes: { FifoTopic: 'true' } }));
      await regional.send(new CreateTopicCommand({ Name: 'still-standard' }));
    } finally {
      regional.destroy();
    }
  });

  test('filter policies beyond the account quota are FilterPolicyLimitExceeded', async () => {
    const saved = LIMITS.filterPoliciesPerAccount;
    // The real quota is 10,000; the test server shares this module, so lower it for the test.
    LIMITS.filterPoliciesPerAccount = 2;
    try {
      const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'filters' }));
      const subscribe = (name: string, FilterPolicy?: string) =>
        sns.send(
          new SubscribeCommand({
            TopicArn,
            Protocol: 'sqs',
            Endpoint: `arn:aws:sqs:${TEST_REGION}:${TEST_ACCOUNT}:${name}`,
            ReturnSubscriptionArn: true,
            Attributes: FilterPolicy ? { FilterPolicy } : {},
          }),
        );
      await subscribe('f1', '{"a":["1"]}');
      await subscribe('f2', '{"a":["2"]}');
      await assert.rejects(
        subscribe('f3', '{"a":["3"]}'),
        (error: unknown) => error instanceof FilterPolicyLimitExceededException,
      );
      const { SubscriptionArn } = await subscribe('f4');
      await assert.rejects(
        sns.send(
          new SetSubscriptionAttributesCommand({
            SubscriptionArn,
            AttributeName: 'FilterPolicy',
            AttributeValue: '{"a":["4"]}',
          }),
        ),
        (error: unknown) => error instanceof FilterPolicyLimitExceededException,
      );
    } finally {
      LIMITS.filterPoliciesPerAccount = saved;
    }
  });
});

test('FIFO: concurrent publishers keep each group in order, and duplicates are dropped', async () => {
  const { TopicArn } = await sns.send(
    new CreateTopicCommand({ Name: 'orders.fifo', Attributes: { FifoTopic: 'true' } }),
  );
  const target = await queue('orders-target.fifo', { FifoQueue: 'true' });
  await sns.send(
    new SubscribeCommand({
      TopicArn,
      Protocol: 'sqs',
      Endpoint: target.arn,
      Attributes: { RawMessageDelivery: 'true' },
    }),
  );
  const groups = ['g0', 'g1', 'g2', 'g3'];
  const perGroup = 25;
  // One publisher per group publishes in sequence (order is defined per publisher and group); all
  // run at once, and each message is also published a second time with the same deduplication id.
  await Promise.all(
    groups.map(async (group) => {
      for (let index = 0; index < perGroup; index++) {
        const message = {
          TopicArn,
          Message: `${group}:${index}`,
          MessageGroupId: group,
          MessageDeduplicationId: `${group}-${index}`,
        };
        await sns.send(new PublishCommand(message));
        await sns.send(new PublishCommand(message));
      }
    }),
  );

  const received = await receiveAll(sqs, target.url, groups.length * perGroup, { delete: true });
  const bodies = received.map((message) => message.Body!);
  assert.equal(bodies.length, groups.length * perGroup, 'every message once, no duplicates');
  for (const group of groups) {
    const order = bodies
      .filter((body) => body.startsWith(`${group}:`))
      .map((body) => Number(body.split(':')[1]));
    assert.deepEqual(
      order,
      Array.from({ length: perGroup }, (_, index) => index),
      `group ${group} in publish order`,
    );
  }
  const extra = await sqs.send(new ReceiveMessageCommand({ QueueUrl: target.url, WaitTimeSeconds: 1 }));
  assert.equal(extra.Messages, undefined);
});

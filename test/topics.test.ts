// Topics through @aws-sdk/client-sns (Query protocol) against a real server: fan-out to queues with
// filter policies, raw delivery, FIFO, signed HTTP delivery with confirmation, retries and DLQs.
import assert from 'node:assert/strict';
import { createVerify } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  ConfirmSubscriptionCommand,
  CreateTopicCommand,
  DeleteTopicCommand,
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  InvalidParameterException,
  ListSubscriptionsByTopicCommand,
  ListTagsForResourceCommand,
  ListTopicsCommand,
  NotFoundException,
  PublishBatchCommand,
  PublishCommand,
  SetSubscriptionAttributesCommand,
  SNSClient,
  SubscribeCommand,
  TagResourceCommand,
  UnsubscribeCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { stringToSign } from '../src/services/topics/signing.ts';
import { startTestEddy, type TestEddy } from './harness.ts';
import { eventually, queueWithArn, receiveAll } from './helpers.ts';

let eddy: TestEddy;
let sns: SNSClient;
let sqs: SQSClient;

const queue = (name: string, attributes: Record<string, string> = {}) => queueWithArn(sqs, name, attributes);

/** An HTTP subscriber: records what it is sent; `status` decides the answer. */
function subscriber(status: () => number) {
  const received: Array<{ headers: Record<string, string | string[] | undefined>; body: string }> = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      received.push({ headers: request.headers, body });
      response.statusCode = status();
      response.end();
    });
  });
  return {
    received,
    async start() {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

before(async () => {
  eddy = await startTestEddy();
  sns = eddy.client(SNSClient);
  sqs = eddy.client(SQSClient);
});
after(() => eddy.stop());

describe('topics', () => {
  test('are created idempotently, described, listed, tagged and deleted', async () => {
    const { TopicArn } = await sns.send(
      new CreateTopicCommand({
        Name: 'orders',
        Attributes: { DisplayName: 'Orders' },
        Tags: [{ Key: 'team', Value: 'a' }],
      }),
    );
    assert.equal(TopicArn, 'arn:aws:sns:us-east-1:000000000000:orders');
    assert.equal(
      (await sns.send(new CreateTopicCommand({ Name: 'orders', Attributes: { DisplayName: 'Orders' } })))
        .TopicArn,
      TopicArn,
    );
    await assert.rejects(
      sns.send(new CreateTopicCommand({ Name: 'orders', Attributes: { DisplayName: 'Other' } })),
      InvalidParameterException,
    );
    const { Attributes } = await sns.send(new GetTopicAttributesCommand({ TopicArn }));
    assert.equal(Attributes?.DisplayName, 'Orders');
    assert.equal(Attributes?.TopicArn, TopicArn);
    assert.equal(Attributes?.SubscriptionsConfirmed, '0');
    assert.ok(JSON.parse(Attributes?.Policy ?? '{}').Statement);
    const { Topics } = await sns.send(new ListTopicsCommand({}));
    assert.ok(Topics?.some((topic) => topic.TopicArn === TopicArn));
    const { Tags } = await sns.send(new ListTagsForResourceCommand({ ResourceArn: TopicArn }));
    assert.deepEqual(Tags, [{ Key: 'team', Value: 'a' }]);
    await sns.send(new DeleteTopicCommand({ TopicArn }));
    await assert.rejects(sns.send(new GetTopicAttributesCommand({ TopicArn })), NotFoundException);
    // The tagging operations know only ResourceNotFound (their model lists no other not-found error).
    for (const tagging of [
      new TagResourceCommand({ ResourceArn: TopicArn, Tags: [{ Key: 'k', Value: 'v' }] }),
      new UntagResourceCommand({ ResourceArn: TopicArn, TagKeys: ['k'] }),
      new ListTagsForResourceCommand({ ResourceArn: TopicArn }),
    ] as const) {
      await assert.rejects(sns.send(tagging as never), (error: Error) => {
        assert.equal(error.name, 'ResourceNotFoundException');
        assert.equal(error.message, 'Resource does not exist');
        return true;
      });
    }
    await assert.rejects(sns.send(new CreateTopicCommand({ Name: 'bad name' })), InvalidParameterException);
    await assert.rejects(
      sns.send(new CreateTopicCommand({ Name: 'plain', Attributes: { FifoTopic: 'true' } })),
      InvalidParameterException,
    );
  });
});

describe('fan-out to queues', () => {
  test('each subscription gets what its filter policy accepts, enveloped or raw', async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'fan-out' }));
    const all = await queue('fan-all');
    const au = await queue('fan-au');
    const big = await queue('fan-big');
    const raw = await queue('fan-raw');
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: all.arn }));
    await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'sqs',
        Endpoint: au.arn,
        Attributes: { FilterPolicy: JSON.stringify({ region: ['AU', 'NZ'] }) },
      }),
    );
    const bigSub = await sns.send(
      new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: big.arn, ReturnSubscriptionArn: true }),
    );
    await sns.send(
      new SetSubscriptionAttributesCommand({
        SubscriptionArn: bigSub.SubscriptionArn,
        AttributeName: 'FilterPolicyScope',
        AttributeValue: 'MessageBody',
      }),
    );
    await sns.send(
      new SetSubscriptionAttributesCommand({
        SubscriptionArn: bigSub.SubscriptionArn,
        AttributeName: 'FilterPolicy',
        AttributeValue: JSON.stringify({ order: { total: [{ numeric: ['>=', 100] }] } }),
      }),
    );
    await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'sqs',
        Endpoint: raw.arn,
        Attributes: { RawMessageDelivery: 'true' },
      }),
    );
    await assert.rejects(
      sns.send(
        new SubscribeCommand({
          TopicArn,
          Protocol: 'sqs',
          Endpoint: all.arn,
          Attributes: { FilterPolicy: '{"a": [' },
        }),
      ),
      InvalidParameterException,
    );

    const publish = (region: string, total: number) =>
      sns.send(
        new PublishCommand({
          TopicArn,
          Subject: 'order',
          Message: JSON.stringify({ order: { total } }),
          MessageAttributes: { region: { DataType: 'String', StringValue: region } },
        }),
      );
    const first = await publish('AU', 50);
    await publish('EU', 150);

    const toAll = await receiveAll(sqs, all.url, 2);
    assert.equal(toAll.length, 2);
    const notification = JSON.parse(toAll.find((message) => message.Body!.includes(first.MessageId!))!.Body!);
    assert.equal(notification.Type, 'Notification');
    assert.equal(notification.TopicArn, TopicArn);
    assert.equal(notification.Subject, 'order');
    assert.deepEqual(notification.MessageAttributes, { region: { Type: 'String', Value: 'AU' } });
    assert.ok(notification.Signature && notification.SigningCertURL && notification.UnsubscribeURL);

    const toAu = await receiveAll(sqs, au.url, 1);
    assert.deepEqual(
      toAu.map((message) => JSON.parse(message.Body!).MessageAttributes.region.Value),
      ['AU'],
    );
    const toBig = await receiveAll(sqs, big.url, 1);
    assert.deepEqual(
      toBig.map((message) => JSON.parse(JSON.parse(message.Body!).Message).order.total),
      [150],
    );
    const toRaw = await receiveAll(sqs, raw.url, 2);
    assert.deepEqual(toRaw.map((message) => JSON.parse(message.Body!).order.total).sort(), [150, 50]);
    assert.ok(toRaw.every((message) => message.MessageAttributes?.region?.StringValue));

    const { Subscriptions } = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }));
    assert.equal(Subscriptions?.length, 4);
  });

  test('FIFO topics deliver in order to FIFO queues and drop duplicates', async () => {
    const { TopicArn } = await sns.send(
      new CreateTopicCommand({
        Name: 'ordered.fifo',
        Attributes: { FifoTopic: 'true', ContentBasedDeduplication: 'true' },
      }),
    );
    // A standard queue may subscribe to a FIFO topic (since 2023): it gets the deduplicated messages.
    const standard = await queue('not-fifo');
    await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'sqs',
        Endpoint: standard.arn,
        Attributes: { RawMessageDelivery: 'True' },
      }),
    );
    const target = await queue('ordered-q.fifo', { FifoQueue: 'true' });
    await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'sqs',
        Endpoint: target.arn,
        Attributes: { RawMessageDelivery: 'true' },
      }),
    );
    await assert.rejects(
      sns.send(new PublishCommand({ TopicArn, Message: 'no group' })),
      InvalidParameterException,
    );
    const results = await sns.send(
      new PublishBatchCommand({
        TopicArn,
        PublishBatchRequestEntries: ['1', '2', '3', '2'].map((body, index) => ({
          Id: `e${index}`,
          Message: body,
          MessageGroupId: 'g',
        })),
      }),
    );
    assert.equal(results.Successful?.length, 4);
    assert.equal(results.Successful?.[3]?.MessageId, results.Successful?.[1]?.MessageId);
    const received = await receiveAll(sqs, target.url, 3);
    assert.deepEqual(
      received.map((message) => message.Body),
      ['1', '2', '3'],
    );
    const unordered = await receiveAll(sqs, standard.url, 3);
    assert.deepEqual(unordered.map((message) => message.Body).sort(), ['1', '2', '3']);
  });

  test('a String.Array attribute whose value is no JSON array is published as it is', async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'loose-array' }));
    const target = await queue('loose-array-q');
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: target.arn }));
    await sns.send(
      new PublishCommand({
        TopicArn,
        Message: 'm',
        MessageAttributes: { tags: { DataType: 'String.Array', StringValue: 'not-an-array' } },
      }),
    );
    const [message] = await receiveAll(sqs, target.url, 1);
    assert.deepEqual(JSON.parse(message!.Body!).MessageAttributes.tags, {
      Type: 'String.Array',
      Value: 'not-an-array',
    });
  });

  test("a topic ARN of another Region is not the caller's: NotFound", async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'regional' }));
    const elsewhere = eddy.client(SNSClient, { region: 'eu-north-1' });
    await assert.rejects(
      elsewhere.send(new GetTopicAttributesCommand({ TopicArn })),
      (error: Error) => error.name === 'NotFoundException' && error.message === 'Topic does not exist',
    );
    await assert.rejects(
      elsewhere.send(new PublishCommand({ TopicArn, Message: 'm' })),
      (error: Error) => error.name === 'NotFoundException',
    );
    elsewhere.destroy();
  });

  test('a standard topic refuses a FIFO queue; FifoTopic is read case-insensitively', async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'standard-for-fifo' }));
    const fifoQueue = await queue('fifo-sub.fifo', { FifoQueue: 'true' });
    await assert.rejects(
      sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: fifoQueue.arn })),
      (error: Error) =>
        error instanceof InvalidParameterException &&
        error.message ===
          'Invalid parameter: Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics',
    );
    const capitalised = await sns.send(
      new CreateTopicCommand({ Name: 'capitalised.fifo', Attributes: { FifoTopic: 'True' } }),
    );
    const { Attributes } = await sns.send(new GetTopicAttributesCommand({ TopicArn: capitalised.TopicArn }));
    assert.equal(Attributes?.FifoTopic, 'true');
    assert.equal(Attributes?.DisplayName, '', 'a new topic shows an empty DisplayName');
  });
});

describe('HTTP subscribers', () => {
  test('confirm with the SubscribeURL, then get signed notifications with the real headers', async () => {
    const hook = subscriber(() => 200);
    const endpoint = await hook.start();
    try {
      const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'http-topic' }));
      const { SubscriptionArn } = await sns.send(
        new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: endpoint }),
      );
      assert.equal(SubscriptionArn, 'pending confirmation');
      const confirmation = await eventually(() => hook.received[0]);
      assert.equal(confirmation.headers['x-amz-sns-message-type'], 'SubscriptionConfirmation');
      const request = JSON.parse(confirmation.body);
      await verifySignature(request);
      // Visiting the SubscribeURL confirms, as with AWS.
      const visit = await fetch(request.SubscribeURL);
      assert.equal(visit.status, 200);
      assert.match(await visit.text(), /<SubscriptionArn>arn:aws:sns:/);

      await sns.send(new PublishCommand({ TopicArn, Message: 'hello http', Subject: 'greeting' }));
      const delivered = await eventually(() => hook.received[1]);
      assert.equal(delivered.headers['x-amz-sns-message-type'], 'Notification');
      assert.equal(delivered.headers['x-amz-sns-topic-arn'], TopicArn);
      assert.ok(String(delivered.headers['x-amz-sns-subscription-arn']).startsWith(`${TopicArn}:`));
      const notification = JSON.parse(delivered.body);
      assert.equal(notification.Message, 'hello http');
      await verifySignature(notification);
      // ConfirmSubscription through the API answers with the same subscription.
      const again = await sns.send(new ConfirmSubscriptionCommand({ TopicArn, Token: request.Token }));
      assert.equal(again.SubscriptionArn, delivered.headers['x-amz-sns-subscription-arn']);
      await sns.send(new UnsubscribeCommand({ SubscriptionArn: again.SubscriptionArn }));
    } finally {
      await hook.stop();
    }
  });

  test('a failing endpoint is retried by its delivery policy, then the message goes to the DLQ', async () => {
    const hook = subscriber(() => (hook.received.length === 1 ? 200 : 500));
    const endpoint = await hook.start();
    try {
      const dlq = await queue('http-dlq');
      const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'flaky-http' }));
      const { SubscriptionArn } = await sns.send(
        new SubscribeCommand({
          TopicArn,
          Protocol: 'http',
          Endpoint: endpoint,
          ReturnSubscriptionArn: true,
          Attributes: {
            RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn }),
            DeliveryPolicy: JSON.stringify({
              healthyRetryPolicy: {
                numRetries: 2,
                numNoDelayRetries: 2,
                minDelayTarget: 1,
                maxDelayTarget: 1,
              },
            }),
          },
        }),
      );
      const confirmation = JSON.parse((await eventually(() => hook.received[0])).body);
      await sns.send(new ConfirmSubscriptionCommand({ TopicArn, Token: confirmation.Token }));
      const attributes = await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn }));
      assert.equal(attributes.Attributes?.PendingConfirmation, 'false');
      await sns.send(new PublishCommand({ TopicArn, Message: 'doomed' }));
      const [dead] = await receiveAll(sqs, dlq.url, 1);
      assert.equal(JSON.parse(dead!.Body!).Message, 'doomed');
      assert.equal(dead!.MessageAttributes?.ERROR_CODE?.StringValue, 'HTTP500');
      assert.equal(hook.received.length, 4, 'the first attempt and two retries');
    } finally {
      await hook.stop();
    }
  });
});

/** Verifies an SNS message as a subscriber would: fetch the certificate, check the signature. */
async function verifySignature(message: Record<string, string>): Promise<void> {
  const certificate = await fetch(message.SigningCertURL!).then((response) => response.text());
  const verifier = createVerify(message.SignatureVersion === '2' ? 'RSA-SHA256' : 'RSA-SHA1');
  verifier.update(stringToSign(message));
  assert.equal(verifier.verify(certificate, message.Signature!, 'base64'), true, 'the signature verifies');
}

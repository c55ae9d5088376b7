// Subscription edge cases as SNS answers them: confirmation tokens, unsubscribing twice or by a
// malformed ARN, and a topic's subscriptions a page of 100 at a time.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ConfirmSubscriptionCommand,
  CreateTopicCommand,
  GetSubscriptionAttributesCommand,
  ListSubscriptionsByTopicCommand,
  NotFoundException,
  SNSClient,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import { startTestEddy, TEST_ACCOUNT, type TestEddy } from './harness.ts';

let eddy: TestEddy;
let sns: SNSClient;

before(async () => {
  eddy = await startTestEddy();
  sns = eddy.client(SNSClient);
});
after(() => eddy.stop());

const queueArn = (name: string) => `arn:aws:sqs:us-east-1:${TEST_ACCOUNT}:${name}`;
const WELL_FORMED_TOKEN = 'ab12'.repeat(32);

async function rejectsWith(promise: Promise<unknown>, name: string, message: string) {
  await assert.rejects(promise, (error: Error) => {
    assert.equal(error.name, name);
    assert.equal(error.message, message);
    return true;
  });
}

describe('ConfirmSubscription', () => {
  test('judges the token before the topic: malformed, then unknown', async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'confirming' }));
    await rejectsWith(
      sns.send(new ConfirmSubscriptionCommand({ TopicArn, Token: 'randomtoken' })),
      'InvalidParameterException',
      'Invalid token',
    );
    await rejectsWith(
      sns.send(new ConfirmSubscriptionCommand({ TopicArn, Token: WELL_FORMED_TOKEN })),
      'InvalidParameterException',
      'Invalid parameter: Token',
    );
    await rejectsWith(
      sns.send(new ConfirmSubscriptionCommand({ TopicArn: `${TopicArn}-gone`, Token: WELL_FORMED_TOKEN })),
      'InvalidParameterException',
      'Invalid parameter: Token',
    );
  });
});

describe('Unsubscribe', () => {
  test('twice succeeds; a malformed ARN is refused in SNS words', async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'leaving' }));
    const { SubscriptionArn } = await sns.send(
      new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: queueArn('leaver') }),
    );
    await sns.send(new UnsubscribeCommand({ SubscriptionArn }));
    await sns.send(new UnsubscribeCommand({ SubscriptionArn }));
    await assert.rejects(
      sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn })),
      NotFoundException,
    );
    await rejectsWith(
      sns.send(new UnsubscribeCommand({ SubscriptionArn: 'randomstring' })),
      'InvalidParameterException',
      'Invalid parameter: SubscriptionArn Reason: An ARN must have at least 6 elements, not 1',
    );
    await rejectsWith(
      sns.send(new UnsubscribeCommand({ SubscriptionArn: 'arn:aws:sns:us-east-1:random' })),
      'InvalidParameterException',
      'Invalid parameter: SubscriptionArn Reason: An ARN must have at least 6 elements, not 5',
    );
    await rejectsWith(
      sns.send(new UnsubscribeCommand({ SubscriptionArn: `arn:aws:sns:us-east-1:${TEST_ACCOUNT}:random` })),
      'InvalidParameterException',
      'Invalid parameter: SubscriptionId',
    );
  });
});

describe('ListSubscriptionsByTopic', () => {
  test('pages by 100 with a base64 token', async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'popular' }));
    for (let index = 0; index < 101; index++) {
      await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: queueArn(`fan-${index}`) }));
    }
    const first = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }));
    assert.equal(first.Subscriptions?.length, 100);
    assert.ok(Buffer.from(first.NextToken!, 'base64').length > 0);
    const second = await sns.send(
      new ListSubscriptionsByTopicCommand({ TopicArn, NextToken: first.NextToken }),
    );
    assert.equal(second.Subscriptions?.length, 1);
    assert.equal(second.NextToken, undefined);
    const seen = new Set([...first.Subscriptions!, ...second.Subscriptions!].map((item) => item.Endpoint));
    assert.equal(seen.size, 101);
  });
});

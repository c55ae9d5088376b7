// Subscription filters and destinations through @aws-sdk/client-cloudwatch-logs, delivering to an
// SQS queue (eddy's extension: AWS delivers to Lambda, Kinesis and Firehose, which eddy does not serve):
// AWS's payload, one message per stream, the pattern applied, the CONTROL_MESSAGE, cross-account
// destinations, the two-per-group limit, and what an account without Kinesis or Lambda is told.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DeleteAccountPolicyCommand,
  DeleteDestinationCommand,
  DeleteSubscriptionFilterCommand,
  DescribeDestinationsCommand,
  DescribeSubscriptionFiltersCommand,
  ListTagsForResourceCommand,
  PutAccountPolicyCommand,
  PutDestinationCommand,
  PutDestinationPolicyCommand,
  PutSubscriptionFilterCommand,
  TagResourceCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { ACCOUNT, groupWithEvents, putEvents, REGION, rejects } from './fixtures/logs.ts';
import { startTestEddy, type TestEddy } from './harness.ts';

let eddy: TestEddy;
let logs: CloudWatchLogsClient;
let sqs: SQSClient;

before(async () => {
  eddy = await startTestEddy();
  logs = eddy.client(CloudWatchLogsClient);
  sqs = eddy.client(SQSClient);
});
after(() => eddy.stop());

async function queue(name: string): Promise<{ url: string; arn: string }> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  return { url: QueueUrl!, arn: Attributes!.QueueArn! };
}

interface Payload {
  messageType: string;
  owner: string;
  logGroup: string;
  logStream: string;
  subscriptionFilters: string[];
  logEvents: Array<{ id: string; timestamp: number; message: string }>;
}

/** Receives payloads until `count` DATA_MESSAGEs arrived (long polls; CONTROL_MESSAGEs are kept apart). */
async function receive(url: string, count: number): Promise<{ data: Payload[]; control: Payload[] }> {
  const data: Payload[] = [];
  const control: Payload[] = [];
  for (let attempt = 0; attempt < 10 && data.length < count; attempt++) {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 2 }),
    );
    for (const message of Messages ?? []) {
      const payload = JSON.parse(message.Body!) as Payload;
      (payload.messageType === 'DATA_MESSAGE' ? data : control).push(payload);
    }
  }
  return { data, control };
}

describe('subscription filters', () => {
  test('matching events reach the queue as AWS’s payload, one message per stream', async () => {
    const target = await queue('subscribed');
    await groupWithEvents(logs, 'sub/app', ['before the filter existed']);
    await logs.send(
      new PutSubscriptionFilterCommand({
        logGroupName: 'sub/app',
        filterName: 'errors',
        filterPattern: 'ERROR',
        destinationArn: target.arn,
      }),
    );
    await putEvents(logs, 'sub/app', 'main', ['ERROR one', 'fine', 'ERROR two']);
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'sub/other' }));
    const { data, control } = await receive(target.url, 1);
    assert.equal(control.length, 1);
    assert.equal(control[0]!.owner, 'CloudwatchLogs');
    assert.match(control[0]!.logEvents[0]!.message, /^CWL CONTROL MESSAGE/);
    assert.equal(data.length, 1);
    const payload = data[0]!;
    assert.equal(payload.owner, ACCOUNT);
    assert.equal(payload.logGroup, 'sub/app');
    assert.equal(payload.logStream, 'main');
    assert.deepEqual(payload.subscriptionFilters, ['errors']);
    assert.deepEqual(
      payload.logEvents.map((event) => event.message),
      ['ERROR one', 'ERROR two'],
    );
    assert.match(payload.logEvents[0]!.id, /^\d{56}$/);

    const { subscriptionFilters } = await logs.send(
      new DescribeSubscriptionFiltersCommand({ logGroupName: 'sub/app' }),
    );
    assert.equal(subscriptionFilters?.length, 1);
    assert.equal(subscriptionFilters![0]!.destinationArn, target.arn);
    assert.equal(subscriptionFilters![0]!.distribution, 'ByLogStream');
    assert.equal(subscriptionFilters![0]!.filterPattern, 'ERROR');
    assert.equal(subscriptionFilters![0]!.logGroupName, 'sub/app');

    await logs.send(new DeleteSubscriptionFilterCommand({ logGroupName: 'sub/app', filterName: 'errors' }));
    await rejects(
      logs.send(new DeleteSubscriptionFilterCommand({ logGroupName: 'sub/app', filterName: 'errors' })),
      'ResourceNotFoundException',
      /The specified subscription filter does not exist\./,
    );
  });

  test('at most two per group; a replaced filter does not count twice', async () => {
    const target = await queue('limit');
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'sub/limit' }));
    const put = (filterName: string) =>
      logs.send(
        new PutSubscriptionFilterCommand({
          logGroupName: 'sub/limit',
          filterName,
          filterPattern: '',
          destinationArn: target.arn,
        }),
      );
    await put('a');
    await put('b');
    await put('a');
    await rejects(put('c'), 'LimitExceededException', /Resource limit exceeded/);
    const { subscriptionFilters } = await logs.send(
      new DescribeSubscriptionFiltersCommand({ logGroupName: 'sub/limit', filterNamePrefix: 'b' }),
    );
    assert.deepEqual(
      subscriptionFilters?.map((filter) => filter.filterName),
      ['b'],
    );
  });

  test('what an account without the stream or function is told, and other refusals', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'sub/refused' }));
    const put = (destinationArn: string, filterPattern = '') =>
      logs.send(
        new PutSubscriptionFilterCommand({
          logGroupName: 'sub/refused',
          filterName: 'f',
          filterPattern,
          destinationArn,
          roleArn: `arn:aws:iam::${ACCOUNT}:role/CWLtoKinesis`,
        }),
      );
    await rejects(
      put(`arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/RootAccess`),
      'InvalidParameterException',
      /Could not deliver test message to specified Kinesis stream/,
    );
    await rejects(
      put(`arn:aws:firehose:${REGION}:${ACCOUNT}:deliverystream/logs`),
      'InvalidParameterException',
      /Could not deliver test message to specified Firehose stream/,
    );
    await rejects(
      put(`arn:aws:lambda:${REGION}:${ACCOUNT}:function:processor`),
      'InvalidParameterException',
      /Could not execute the lambda function/,
    );
    await rejects(
      put(`arn:aws:sqs:${REGION}:${ACCOUNT}:no-such-queue`),
      'InvalidParameterException',
      /Could not deliver test message to specified destination/,
    );
    await rejects(put(`arn:aws:s3:::bucket`), 'InvalidParameterException', /is not a Lambda function/);
    await rejects(put(`arn:aws:logs:${REGION}:${ACCOUNT}:destination:none`), 'ResourceNotFoundException');
    const target = await queue('refused');
    await rejects(put(target.arn, '"unterminated'), 'InvalidParameterException', /Invalid filter pattern/);
    await rejects(
      logs.send(
        new PutSubscriptionFilterCommand({
          logGroupName: 'sub/none',
          filterName: 'f',
          filterPattern: '',
          destinationArn: target.arn,
        }),
      ),
      'ResourceNotFoundException',
      /log group does not exist/,
    );
  });
});

describe('the account’s subscription filter policy', () => {
  test('delivers matching events of every group its selection criteria take in', async () => {
    const target = await queue('account-wide');
    await groupWithEvents(logs, 'acct/one');
    await groupWithEvents(logs, 'acct/excluded');
    const { accountPolicy } = await logs.send(
      new PutAccountPolicyCommand({
        policyName: 'alerts',
        policyType: 'SUBSCRIPTION_FILTER_POLICY',
        policyDocument: JSON.stringify({
          DestinationArn: target.arn,
          FilterPattern: 'ALERT',
          Distribution: 'Random',
        }),
        selectionCriteria: 'LogGroupName NOT IN ["acct/excluded"]',
      }),
    );
    assert.equal(accountPolicy?.policyType, 'SUBSCRIPTION_FILTER_POLICY');
    await putEvents(logs, 'acct/excluded', 'main', ['ALERT not for this policy']);
    await putEvents(logs, 'acct/one', 'main', ['ALERT disk full', 'quiet']);
    const { data } = await receive(target.url, 1);
    assert.equal(data.length, 1);
    assert.equal(data[0]!.logGroup, 'acct/one');
    assert.deepEqual(data[0]!.subscriptionFilters, ['alerts']);
    assert.equal((data[0] as Payload & { policyLevel?: string }).policyLevel, 'ACCOUNT_LEVEL_POLICY');
    assert.deepEqual(
      data[0]!.logEvents.map((event) => event.message),
      ['ALERT disk full'],
    );
    await logs.send(
      new DeleteAccountPolicyCommand({ policyName: 'alerts', policyType: 'SUBSCRIPTION_FILTER_POLICY' }),
    );
    await rejects(
      logs.send(
        new PutAccountPolicyCommand({
          policyName: 'to-kinesis',
          policyType: 'SUBSCRIPTION_FILTER_POLICY',
          policyDocument: JSON.stringify({
            DestinationArn: `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/none`,
          }),
        }),
      ),
      'InvalidParameterException',
      /Could not deliver test message to specified Kinesis stream/,
    );
  });
});

describe('destinations', () => {
  test('put, describe, policy, tags and delete', async () => {
    const target = await queue('destination-target');
    const { destination } = await logs.send(
      new PutDestinationCommand({
        destinationName: 'central',
        targetArn: target.arn,
        roleArn: `arn:aws:iam::${ACCOUNT}:role/CWLtoKinesis`,
        tags: { team: 'platform' },
      }),
    );
    const arn = `arn:aws:logs:${REGION}:${ACCOUNT}:destination:central`;
    assert.equal(destination?.arn, arn);
    assert.equal(destination?.targetArn, target.arn);
    assert.ok(Math.abs(destination!.creationTime! - Date.now()) < 60_000);
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: '111111111111' },
          Action: 'logs:PutSubscriptionFilter',
          Resource: arn,
        },
      ],
    });
    await logs.send(new PutDestinationPolicyCommand({ destinationName: 'central', accessPolicy: policy }));
    const { destinations } = await logs.send(
      new DescribeDestinationsCommand({ DestinationNamePrefix: 'cen' }),
    );
    assert.deepEqual(
      destinations?.map((found) => [found.destinationName, found.accessPolicy]),
      [['central', policy]],
    );
    assert.deepEqual((await logs.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags, {
      team: 'platform',
    });
    await logs.send(new TagResourceCommand({ resourceArn: arn, tags: { env: 'dev' } }));
    assert.deepEqual((await logs.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags, {
      team: 'platform',
      env: 'dev',
    });
    await rejects(
      logs.send(new PutDestinationPolicyCommand({ destinationName: 'central', accessPolicy: '{not json' })),
      'InvalidParameterException',
    );
    await rejects(
      logs.send(
        new PutDestinationCommand({
          destinationName: 'bad',
          targetArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:f`,
          roleArn: `arn:aws:iam::${ACCOUNT}:role/r`,
        }),
      ),
      'InvalidParameterException',
    );
    await logs.send(new DeleteDestinationCommand({ destinationName: 'central' }));
    await rejects(
      logs.send(new DeleteDestinationCommand({ destinationName: 'central' })),
      'ResourceNotFoundException',
      /The specified destination does not exist\./,
    );
    await rejects(
      logs.send(new ListTagsForResourceCommand({ resourceArn: arn })),
      'ResourceNotFoundException',
    );
  });

  test('another account subscribes through a destination its policy allows', async () => {
    const owner = { accessKeyId: 'owner', secretAccessKey: 'owner', accountId: '111111111111' };
    const sender = { accessKeyId: 'sender', secretAccessKey: 'sender', accountId: '222222222222' };
    const accounts = await startTestEddy({ accessKeys: [owner, sender] });
    try {
      const ownerLogs = accounts.client(CloudWatchLogsClient, { credentials: owner });
      const senderLogs = accounts.client(CloudWatchLogsClient, { credentials: sender });
      const ownerSqs = accounts.client(SQSClient, { credentials: owner });
      const { QueueUrl } = await ownerSqs.send(new CreateQueueCommand({ QueueName: 'central' }));
      const queueArn = `arn:aws:sqs:${REGION}:${owner.accountId}:central`;
      await ownerLogs.send(
        new PutDestinationCommand({
          destinationName: 'shared',
          targetArn: queueArn,
          roleArn: `arn:aws:iam::${owner.accountId}:role/CWLtoKinesis`,
        }),
      );
      const arn = `arn:aws:logs:${REGION}:${owner.accountId}:destination:shared`;
      await groupWithEvents(senderLogs, 'sub/cross', []);
      const subscribe = () =>
        senderLogs.send(
          new PutSubscriptionFilterCommand({
            logGroupName: 'sub/cross',
            filterName: 'to-shared',
            filterPattern: '{ $.level = "error" }',
            destinationArn: arn,
          }),
        );
      await rejects(
        subscribe(),
        'AccessDeniedException',
        /User with accountId: 222222222222 is not authorized to perform: logs:PutSubscriptionFilter on resource: arn:aws:logs:us-east-1:111111111111:destination:shared/,
      );
      await ownerLogs.send(
        new PutDestinationPolicyCommand({
          destinationName: 'shared',
          accessPolicy: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { AWS: sender.accountId },
                Action: 'logs:PutSubscriptionFilter',
                Resource: arn,
              },
            ],
          }),
        }),
      );
      await subscribe();
      await putEvents(senderLogs, 'sub/cross', 'main', ['{"level":"info"}', '{"level":"error","n":1}']);
      const data: Payload[] = [];
      for (let attempt = 0; attempt < 10 && data.length === 0; attempt++) {
        const { Messages } = await ownerSqs.send(
          new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2 }),
        );
        for (const message of Messages ?? []) {
          const payload = JSON.parse(message.Body!) as Payload;
          if (payload.messageType === 'DATA_MESSAGE') data.push(payload);
        }
      }
      assert.equal(data.length, 1);
      assert.equal(data[0]!.owner, sender.accountId);
      assert.equal(data[0]!.logGroup, 'sub/cross');
      assert.deepEqual(
        data[0]!.logEvents.map((event) => event.message),
        ['{"level":"error","n":1}'],
      );
      for (const client of [ownerLogs, senderLogs, ownerSqs]) client.destroy();
    } finally {
      await accounts.stop();
    }
  });
});

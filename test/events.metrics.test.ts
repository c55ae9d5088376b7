// AWS/Events per rule, as CloudWatch names them: MatchedEvents, Invocations and FailedInvocations,
// by RuleName (and EventBusName), read with GetMetricStatistics and GetMetricData (v3 SDK, CBOR).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  CloudWatchClient,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
} from '@aws-sdk/client-cloudwatch';
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { startTestEddy, type TestEddy } from './harness.ts';
import { eventually, queueWithArn } from './helpers.ts';

let eddy: TestEddy;
let events: EventBridgeClient;
let cloudwatch: CloudWatchClient;
let sqs: SQSClient;
before(async () => {
  eddy = await startTestEddy();
  events = eddy.client(EventBridgeClient);
  cloudwatch = eddy.client(CloudWatchClient);
  sqs = eddy.client(SQSClient);
});
after(() => eddy?.stop());

async function sum(metric: string, dimensions: Record<string, string>): Promise<number> {
  const now = Date.now();
  const { Datapoints = [] } = await cloudwatch.send(
    new GetMetricStatisticsCommand({
      Namespace: 'AWS/Events',
      MetricName: metric,
      Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
      StartTime: new Date(now - 10 * 60_000),
      EndTime: new Date(now + 60_000),
      Period: 3600,
      Statistics: ['Sum'],
    }),
  );
  return Datapoints.reduce((total, point) => total + (point.Sum ?? 0), 0);
}

test('MatchedEvents, Invocations and FailedInvocations per rule, on the default bus and another', async () => {
  const { arn: queueArn } = await queueWithArn(sqs, 'rule-metrics');
  await events.send(
    new PutRuleCommand({ Name: 'orders', EventPattern: JSON.stringify({ source: ['shop'] }) }),
  );
  await events.send(new PutTargetsCommand({ Rule: 'orders', Targets: [{ Id: 'q', Arn: queueArn }] }));
  // A target that does not exist: each delivery fails for good (no retries).
  await events.send(
    new PutRuleCommand({ Name: 'broken', EventPattern: JSON.stringify({ source: ['shop'] }) }),
  );
  await events.send(
    new PutTargetsCommand({
      Rule: 'broken',
      Targets: [
        {
          Id: 'gone',
          Arn: 'arn:aws:sqs:us-east-1:000000000000:no-such-queue',
          RetryPolicy: { MaximumRetryAttempts: 0 },
        },
      ],
    }),
  );
  await events.send(new CreateEventBusCommand({ Name: 'side' }));
  await events.send(
    new PutRuleCommand({
      Name: 'orders',
      EventBusName: 'side',
      EventPattern: JSON.stringify({ source: ['shop'] }),
    }),
  );
  await events.send(
    new PutTargetsCommand({ Rule: 'orders', EventBusName: 'side', Targets: [{ Id: 'q', Arn: queueArn }] }),
  );

  const entry = (source: string, bus?: string) => ({
    Source: source,
    DetailType: 'order',
    Detail: '{}',
    ...(bus ? { EventBusName: bus } : {}),
  });
  await events.send(
    new PutEventsCommand({ Entries: [entry('shop'), entry('shop'), entry('shop'), entry('elsewhere')] }),
  );
  await events.send(new PutEventsCommand({ Entries: [entry('shop', 'side')] }));

  await eventually(
    async () => {
      assert.equal(await sum('FailedInvocations', { RuleName: 'broken' }), 3);
      return true;
    },
    { what: 'the broken rule’s failures' },
  );
  assert.equal(await sum('MatchedEvents', { RuleName: 'orders', EventBusName: 'default' }), 3);
  assert.equal(await sum('Invocations', { RuleName: 'orders', EventBusName: 'default' }), 3);
  assert.equal(await sum('Invocations', { RuleName: 'orders', EventBusName: 'side' }), 1);
  assert.equal(await sum('Invocations', { RuleName: 'orders' }), 4, 'RuleName alone: every bus');
  assert.equal(await sum('MatchedEvents', { RuleName: 'broken' }), 3);
  assert.equal(await sum('FailedInvocations', { RuleName: 'orders' }), 0);
  assert.equal(await sum('Invocations', { RuleName: 'nothing' }), 0);

  // Metric math over them, as an alarm or a dashboard would ask.
  const now = Date.now();
  const { MetricDataResults = [] } = await cloudwatch.send(
    new GetMetricDataCommand({
      StartTime: new Date(now - 10 * 60_000),
      EndTime: new Date(now + 60_000),
      MetricDataQueries: [
        {
          Id: 'failed',
          MetricStat: {
            Metric: {
              Namespace: 'AWS/Events',
              MetricName: 'FailedInvocations',
              Dimensions: [{ Name: 'RuleName', Value: 'broken' }],
            },
            Period: 3600,
            Stat: 'Sum',
          },
          ReturnData: false,
        },
        {
          Id: 'matched',
          MetricStat: {
            Metric: {
              Namespace: 'AWS/Events',
              MetricName: 'MatchedEvents',
              Dimensions: [{ Name: 'RuleName', Value: 'broken' }],
            },
            Period: 3600,
            Stat: 'Sum',
          },
          ReturnData: false,
        },
        { Id: 'ratio', Expression: 'SUM(failed) / SUM(matched)' },
      ],
    }),
  );
  const ratio = MetricDataResults.find((result) => result.Id === 'ratio');
  assert.ok(ratio?.Values?.length, JSON.stringify(MetricDataResults));
  assert.ok(
    ratio.Values.every((value) => value === 1),
    JSON.stringify(ratio),
  );
});

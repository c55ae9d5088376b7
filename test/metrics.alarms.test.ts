// Alarms on the manual clock: evaluation each minute over EvaluationPeriods with DatapointsToAlarm
// and TreatMissingData, actions to SNS topics (arriving in a subscribed queue), "CloudWatch Alarm
// State Change" events on the default bus, SetAlarmState, history, disabled actions, metric-math
// alarms, alarms on AWS/SQS queue depth, and PutMetricAlarm's errors.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ManualClock } from '../src/runtime/index.ts';
import { boto3Ok } from './boto3.ts';
import { cloudwatch, cloudwatchError } from './cloudwatch-json.ts';
import { startTestEddy, type TestEddy } from './harness.ts';
import { drain, eventually, queueWithArn, receiveAll } from './helpers.ts';

const T0 = Date.parse('2026-12-07T12:00:00Z');
const MINUTE = 60_000;

let eddy: TestEddy;
let sqs: SQSClient;
let sns: SNSClient;
before(async () => {
  eddy = await startTestEddy({ clock: new ManualClock(T0 + 5_000) });
  sqs = eddy.client(SQSClient);
  sns = eddy.client(SNSClient);
});
after(() => eddy.stop());

const cw = (operation: string, input: Record<string, unknown> = {}) => cloudwatch(eddy.url, operation, input);
const put = (namespace: string, metric: string, value: number, at = eddy.clock.now()) =>
  cw('PutMetricData', {
    Namespace: namespace,
    MetricData: [{ MetricName: metric, Value: value, Timestamp: at / 1000 }],
  });
const alarmOf = async (name: string) => {
  const { MetricAlarms } = (await cw('DescribeAlarms', { AlarmNames: [name] })) as {
    MetricAlarms: Array<Record<string, unknown>>;
  };
  return MetricAlarms[0] ?? {};
};
const stateBecomes = (name: string, state: string) =>
  eventually(async () => (await alarmOf(name)).StateValue === state, { what: `${name} in ${state}` });
/** Advances minute by minute (at most `minutes`) until the alarm is in `state`: queue depth is sampled on its own beat. */
const minutesUntil = async (name: string, state: string, minutes = 4) => {
  for (let i = 0; i < minutes; i++) {
    await nextMinute();
    const reached = await eventually(async () => (await alarmOf(name)).StateValue === state, {
      timeoutMs: 1_500,
    }).catch(() => false);
    if (reached) return;
  }
  assert.fail(`${name} did not reach ${state} within ${minutes} minutes`);
};
/** Moves the clock to the next whole minute (the evaluator's beat) plus `extra` ms. */
const nextMinute = async () => {
  const now = eddy.clock.now();
  await eddy.advance(Math.floor(now / MINUTE) * MINUTE + MINUTE - now + 1_000);
};

describe('metric alarms', () => {
  test('2 of 3 breaching datapoints alarm; the SNS action and the bus event arrive; back to OK', async () => {
    const notifications = await queueWithArn(sqs, 'alarm-notifications');
    const events = await queueWithArn(sqs, 'alarm-events');
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'ops' }));
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: notifications.arn }));
    const bus = eddy.client(EventBridgeClient);
    await bus.send(
      new PutRuleCommand({
        Name: 'alarms',
        EventPattern: JSON.stringify({
          source: ['aws.cloudwatch'],
          'detail-type': ['CloudWatch Alarm State Change'],
        }),
      }),
    );
    await bus.send(new PutTargetsCommand({ Rule: 'alarms', Targets: [{ Id: 'q', Arn: events.arn }] }));

    await cw('PutMetricAlarm', {
      AlarmName: 'errors-high',
      Namespace: 'App',
      MetricName: 'Errors',
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      Threshold: 5,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [TopicArn],
      OKActions: [TopicArn],
    });
    assert.equal((await alarmOf('errors-high')).StateValue, 'INSUFFICIENT_DATA');

    await put('App', 'Errors', 9);
    await nextMinute();
    await stateBecomes('errors-high', 'OK');
    await put('App', 'Errors', 7);
    await nextMinute();
    await stateBecomes('errors-high', 'ALARM');
    const alarm = await alarmOf('errors-high');
    assert.match(
      String(alarm.StateReason),
      /Threshold Crossed: 2 out of the last 3 datapoints \[7 .*, 9 .*\] were greater than the threshold \(5\)/,
    );

    const messages = await receiveAll(sqs, notifications.url, 2, { delete: true });
    const states = messages.map((m) => JSON.parse(JSON.parse(m.Body ?? '{}').Message).NewStateValue);
    assert.deepEqual(states, ['OK', 'ALARM']);
    const last = JSON.parse(JSON.parse(messages[1]?.Body ?? '{}').Message);
    assert.equal(last.AlarmName, 'errors-high');
    assert.equal(last.OldStateValue, 'OK');
    assert.equal(last.Trigger.Threshold, 5);
    assert.equal(last.Trigger.ComparisonOperator, 'GreaterThanThreshold');

    const delivered = await receiveAll(sqs, events.url, 2, { delete: true });
    const detail = delivered.map((m) => JSON.parse(m.Body ?? '{}'));
    assert.deepEqual(
      detail.map((e) => [e['detail-type'], e.detail.previousState.value, e.detail.state.value]),
      [
        ['CloudWatch Alarm State Change', 'INSUFFICIENT_DATA', 'OK'],
        ['CloudWatch Alarm State Change', 'OK', 'ALARM'],
      ],
    );
    assert.deepEqual(detail[1].resources, [alarm.AlarmArn]);

    // Quiet minutes are not breaching: two of the three datapoints in the window clear it again.
    await nextMinute();
    await nextMinute();
    await stateBecomes('errors-high', 'OK');
    const history = (await cw('DescribeAlarmHistory', {
      AlarmName: 'errors-high',
      HistoryItemType: 'StateUpdate',
    })) as {
      AlarmHistoryItems: Array<{ HistorySummary: string }>;
    };
    assert.deepEqual(
      history.AlarmHistoryItems.map((item) => item.HistorySummary),
      [
        'Alarm updated from ALARM to OK',
        'Alarm updated from OK to ALARM',
        'Alarm updated from INSUFFICIENT_DATA to OK',
      ],
    );
    const actions = (await cw('DescribeAlarmHistory', {
      AlarmName: 'errors-high',
      HistoryItemType: 'Action',
    })) as {
      AlarmHistoryItems: Array<{ HistorySummary: string }>;
    };
    assert.ok(
      actions.AlarmHistoryItems.every(
        (item) => item.HistorySummary === `Successfully executed action ${TopicArn}`,
      ),
    );

    // The ALARM → OK notification is delivered on its own time: take it before looking for others.
    const cleared = await receiveAll(sqs, notifications.url, 1, { delete: true });
    assert.deepEqual(
      cleared.map((m) => JSON.parse(JSON.parse(m.Body ?? '{}').Message).NewStateValue),
      ['OK'],
    );
    // With actions disabled, a change of state notifies nobody.
    await drain(sqs, notifications.url);
    await cw('DisableAlarmActions', { AlarmNames: ['errors-high'] });
    await cw('SetAlarmState', { AlarmName: 'errors-high', StateValue: 'ALARM', StateReason: 'testing' });
    assert.equal((await alarmOf('errors-high')).StateReason, 'testing');
    assert.equal((await alarmOf('errors-high')).ActionsEnabled, false);
    await cw('EnableAlarmActions', { AlarmNames: ['errors-high'] });
    await cw('SetAlarmState', { AlarmName: 'errors-high', StateValue: 'OK', StateReason: 'by hand' });
    const after = await receiveAll(sqs, notifications.url, 1, { delete: true });
    assert.deepEqual(
      after.map((m) => JSON.parse(JSON.parse(m.Body ?? '{}').Message).NewStateReason),
      ['by hand'],
    );
  });

  test('TreatMissingData: missing is INSUFFICIENT_DATA, breaching is ALARM, ignore keeps the state', async () => {
    for (const [name, treat] of [
      ['gap-missing', 'missing'],
      ['gap-breaching', 'breaching'],
      ['gap-ignore', 'ignore'],
    ] as const) {
      await cw('PutMetricAlarm', {
        AlarmName: name,
        Namespace: 'Gaps',
        MetricName: 'Nothing',
        Statistic: 'Average',
        Period: 60,
        EvaluationPeriods: 2,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: treat,
      });
    }
    await cw('SetAlarmState', { AlarmName: 'gap-missing', StateValue: 'OK', StateReason: 'start' });
    await cw('SetAlarmState', { AlarmName: 'gap-ignore', StateValue: 'OK', StateReason: 'start' });
    await nextMinute();
    await stateBecomes('gap-missing', 'INSUFFICIENT_DATA');
    await stateBecomes('gap-breaching', 'ALARM');
    assert.equal((await alarmOf('gap-ignore')).StateValue, 'OK');
    assert.match(
      String((await alarmOf('gap-missing')).StateReason),
      /Insufficient Data: 2 datapoints were unknown/,
    );
  });

  test('a metric-math alarm and an alarm on AWS/SQS queue depth', async () => {
    const queue = await queueWithArn(sqs, 'backlog');
    for (let i = 0; i < 4; i++)
      await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: `m${i}` }));
    await cw('PutMetricAlarm', {
      AlarmName: 'backlog-deep',
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: 'backlog' }],
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 3,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    await put('Workers', 'Running', 2);
    await cw('PutMetricAlarm', {
      AlarmName: 'backlog-per-task',
      EvaluationPeriods: 1,
      Threshold: 1.5,
      ComparisonOperator: 'GreaterThanThreshold',
      Metrics: [
        {
          Id: 'visible',
          MetricStat: {
            Metric: {
              Namespace: 'AWS/SQS',
              MetricName: 'ApproximateNumberOfMessagesVisible',
              Dimensions: [{ Name: 'QueueName', Value: 'backlog' }],
            },
            Period: 60,
            Stat: 'Maximum',
          },
          ReturnData: false,
        },
        {
          Id: 'tasks',
          MetricStat: {
            Metric: { Namespace: 'Workers', MetricName: 'Running' },
            Period: 60,
            Stat: 'Average',
          },
          ReturnData: false,
        },
        { Id: 'perTask', Expression: 'visible / tasks', Label: 'backlog per task' },
      ],
    });
    // The queue's depth is sampled once a minute; an evaluation after a sampled minute sees it.
    for (let minute = 1; minute <= 4; minute++)
      await put('Workers', 'Running', 2, Math.floor(eddy.clock.now() / MINUTE) * MINUTE + minute * MINUTE);
    await minutesUntil('backlog-deep', 'ALARM');
    await stateBecomes('backlog-per-task', 'ALARM');
    assert.match(String((await alarmOf('backlog-per-task')).StateReason), /\[2 \(/);
    // DescribeAlarmsForMetric finds the queue-depth alarm by its metric.
    const { MetricAlarms } = (await cw('DescribeAlarmsForMetric', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: 'backlog' }],
    })) as { MetricAlarms: Array<{ AlarmName: string }> };
    assert.deepEqual(
      MetricAlarms.map((a) => a.AlarmName),
      ['backlog-deep'],
    );
  });

  test('DescribeAlarms filters and pages; tags; DeleteAlarms; boto3 reads an alarm over CBOR', async () => {
    const byPrefix = (await cw('DescribeAlarms', { AlarmNamePrefix: 'gap-', MaxRecords: 2 })) as {
      MetricAlarms: Array<{ AlarmName: string }>;
      NextToken?: string;
    };
    assert.deepEqual(
      byPrefix.MetricAlarms.map((a) => a.AlarmName),
      ['gap-breaching', 'gap-ignore'],
    );
    const rest = (await cw('DescribeAlarms', {
      AlarmNamePrefix: 'gap-',
      MaxRecords: 2,
      NextToken: byPrefix.NextToken,
    })) as {
      MetricAlarms: Array<{ AlarmName: string }>;
    };
    assert.deepEqual(
      rest.MetricAlarms.map((a) => a.AlarmName),
      ['gap-missing'],
    );
    const inAlarm = (await cw('DescribeAlarms', { StateValue: 'ALARM', AlarmNamePrefix: 'gap-' })) as {
      MetricAlarms: Array<{ AlarmName: string }>;
    };
    assert.deepEqual(
      inAlarm.MetricAlarms.map((a) => a.AlarmName),
      ['gap-breaching'],
    );

    const arn = String((await alarmOf('gap-ignore')).AlarmArn);
    assert.equal(arn, 'arn:aws:cloudwatch:us-east-1:000000000000:alarm:gap-ignore');
    await cw('TagResource', { ResourceARN: arn, Tags: [{ Key: 'team', Value: 'ops' }] });
    assert.deepEqual((await cw('ListTagsForResource', { ResourceARN: arn })).Tags, [
      { Key: 'team', Value: 'ops' },
    ]);

    const viaBoto = await boto3Ok(eddy.url, 'cloudwatch', 'DescribeAlarms', { AlarmNames: ['gap-ignore'] });
    const [alarm] = viaBoto.MetricAlarms as Array<Record<string, unknown>>;
    assert.equal(alarm?.StateValue, 'OK');
    assert.match(String(alarm?.StateUpdatedTimestamp), /^2026-12-07T/);

    await cw('DeleteAlarms', { AlarmNames: ['gap-ignore', 'gap-missing'] });
    assert.deepEqual(
      ((await cw('DescribeAlarms', { AlarmNamePrefix: 'gap-' })).MetricAlarms as unknown[]).length,
      1,
    );
    const missing = await cloudwatchError(eddy.url, 'DeleteAlarms', { AlarmNames: ['gap-ignore'] });
    assert.equal(missing.status, 404);
    assert.equal(missing.queryError, 'ResourceNotFound;Sender');
  });

  test("PutMetricAlarm's errors name the parameter and the rule", async () => {
    const base = {
      AlarmName: 'bad',
      Namespace: 'App',
      MetricName: 'Errors',
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanThreshold',
    };
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [
        { DatapointsToAlarm: 2 },
        'InvalidParameterValueException',
        /DatapointsToAlarm must be less than or equal to EvaluationPeriods/,
      ],
      [{ TreatMissingData: 'sometimes' }, 'InvalidParameterValueException', /TreatMissingData is invalid/],
      [{ Period: 45 }, 'InvalidParameterValueException', /Period must be 1, 5, 10, 30, or a multiple of 60/],
      [{ Threshold: undefined }, 'MissingRequiredParameterException', /Threshold is required/],
      [
        { Metrics: [{ Id: 'e', Expression: '1' }] },
        'InvalidParameterCombinationException',
        /MetricName and Metrics are mutually exclusive/,
      ],
      [
        { AlarmActions: ['arn:aws:ec2:us-east-1:000000000000:instance/i-1'] },
        'InvalidParameterValueException',
        /Invalid arn syntax/,
      ],
      [{ ExtendedStatistic: 'p99', Statistic: undefined }, 'InvalidParameterValueException', /not supported/],
    ];
    for (const [change, code, message] of cases) {
      const error = await cloudwatchError(eddy.url, 'PutMetricAlarm', { ...base, ...change });
      assert.equal(error.code, code, JSON.stringify(change));
      assert.match(error.message, message);
    }
  });
});

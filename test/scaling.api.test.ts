// Application Auto Scaling's API with boto3 (JSON 1.1): scalable targets and their limits, the
// errors of bad input, target tracking on a backlog-per-task metric-math expression that creates
// and owns its CloudWatch alarms (scale-out after 3 datapoints over the target, scale-in after 15
// under 90 % of it), suspension, and DeleteScalingPolicy removing the owned alarms.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateServiceCommand,
  DescribeServicesCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { PurgeQueueCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ManualClock } from '../src/runtime/index.ts';
import { boto3, boto3Ok } from './boto3.ts';
import { cloudwatch } from './cloudwatch-json.ts';
import { startTestEddy, type TestEddy } from './harness.ts';
import { createQueue, stopEveryTask } from './helpers.ts';

const T0 = Date.parse('2026-12-07T12:00:00Z');
const MINUTE = 60_000;

let eddy: TestEddy;
let ecs: ECSClient;
let sqs: SQSClient;
before(async () => {
  eddy = await startTestEddy({ clock: new ManualClock(T0 + 5_000) });
  ecs = eddy.client(ECSClient);
  sqs = eddy.client(SQSClient);
  await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'idle',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'idle', image: 'local', command: ['sleep', '3600'], stopTimeout: 2 }],
    }),
  );
});
after(async () => {
  if (ecs) await stopEveryTask(ecs);
  await eddy?.stop();
});

const scaling = (operation: string, params: Record<string, unknown>) =>
  boto3Ok(eddy.url, 'application-autoscaling', operation, params);
const target = (name: string) => ({
  ServiceNamespace: 'ecs',
  ResourceId: `service/default/${name}`,
  ScalableDimension: 'ecs:service:DesiredCount',
});

async function createService(name: string, desiredCount: number): Promise<void> {
  await ecs.send(
    new CreateServiceCommand({
      serviceName: name,
      taskDefinition: 'idle',
      desiredCount,
      launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0eddy'] } },
    }),
  );
}

async function desiredOf(name: string): Promise<number> {
  const { services } = await ecs.send(new DescribeServicesCommand({ services: [name] }));
  return services?.[0]?.desiredCount ?? -1;
}

async function minutes(count: number, name: string): Promise<number[]> {
  const seen: number[] = [];
  for (let i = 0; i < count; i++) {
    await eddy.advance(MINUTE);
    await new Promise((resolve) => setTimeout(resolve, 150));
    seen.push(await desiredOf(name));
  }
  return seen;
}

describe('scalable targets and policies', () => {
  test('registering checks the service and the limits, and a new minimum scales up at once', async () => {
    await createService('web', 1);
    const results = await boto3(eddy.url, [
      {
        service: 'application-autoscaling',
        operation: 'RegisterScalableTarget',
        params: { ...target('nope'), MinCapacity: 1, MaxCapacity: 2 },
      },
      {
        service: 'application-autoscaling',
        operation: 'RegisterScalableTarget',
        params: { ...target('web'), MinCapacity: 3, MaxCapacity: 2 },
      },
      {
        service: 'application-autoscaling',
        operation: 'RegisterScalableTarget',
        params: { ...target('web') },
      },
      {
        service: 'application-autoscaling',
        operation: 'RegisterScalableTarget',
        params: {
          ServiceNamespace: 'dynamodb',
          ResourceId: 'table/t',
          ScalableDimension: 'dynamodb:table:ReadCapacityUnits',
          MinCapacity: 1,
          MaxCapacity: 2,
        },
      },
      {
        service: 'application-autoscaling',
        operation: 'PutScalingPolicy',
        params: {
          ...target('web'),
          PolicyName: 'p',
          PolicyType: 'StepScaling',
          StepScalingPolicyConfiguration: {
            AdjustmentType: 'ChangeInCapacity',
            StepAdjustments: [{ ScalingAdjustment: 1 }],
          },
        },
      },
      {
        service: 'application-autoscaling',
        operation: 'RegisterScalableTarget',
        params: { ...target('web'), MinCapacity: 2, MaxCapacity: 5, Tags: { team: 'ops' } },
      },
    ]);
    assert.deepEqual(
      results.map((r) => (r.ok ? 'ok' : `${r.status} ${r.code}`)),
      [
        '400 ValidationException',
        '400 ValidationException',
        '400 ValidationException',
        '400 ValidationException',
        '400 ObjectNotFoundException',
        'ok',
      ],
    );
    assert.equal(
      (results[0] as { message: string }).message,
      "ECS service doesn't exist: service/default/nope",
    );
    assert.equal(
      (results[4] as { message: string }).message,
      'No scalable target registered for service namespace: ecs, resource ID: service/default/web, scalable dimension: ecs:service:DesiredCount',
    );
    assert.equal(await desiredOf('web'), 2);
    const { ScalableTargets } = (await scaling('DescribeScalableTargets', { ServiceNamespace: 'ecs' })) as {
      ScalableTargets: Array<Record<string, unknown>>;
    };
    assert.equal(ScalableTargets.length, 1);
    assert.equal(ScalableTargets[0]?.MinCapacity, 2);
    assert.equal(ScalableTargets[0]?.MaxCapacity, 5);
    assert.match(String(ScalableTargets[0]?.RoleARN), /AWSServiceRoleForApplicationAutoScaling_ECSService$/);
    const arn = String(ScalableTargets[0]?.ScalableTargetARN);
    assert.deepEqual((await scaling('ListTagsForResource', { ResourceARN: arn })).Tags, { team: 'ops' });
    const [activity] = (await scaling('DescribeScalingActivities', { ServiceNamespace: 'ecs' }))
      .ScalingActivities as Array<Record<string, string>>;
    assert.equal(activity?.Description, 'Setting desired count to 2.');
    assert.equal(activity?.Cause, 'minimum capacity was set to 2');
  });

  test("bad policies get AWS's ValidationException with the rule broken", async () => {
    const step = (config: Record<string, unknown>) => ({
      service: 'application-autoscaling',
      operation: 'PutScalingPolicy',
      params: {
        ...target('web'),
        PolicyName: 'bad',
        PolicyType: 'StepScaling',
        StepScalingPolicyConfiguration: config,
      },
    });
    const tracking = (config: Record<string, unknown>) => ({
      service: 'application-autoscaling',
      operation: 'PutScalingPolicy',
      params: {
        ...target('web'),
        PolicyName: 'bad',
        PolicyType: 'TargetTrackingScaling',
        TargetTrackingScalingPolicyConfiguration: { TargetValue: 50, ...config },
      },
    });
    const results = await boto3(eddy.url, [
      step({
        AdjustmentType: 'ChangeInCapacity',
        StepAdjustments: [
          { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 10, ScalingAdjustment: 1 },
          { MetricIntervalLowerBound: 20, ScalingAdjustment: 2 },
        ],
      }),
      step({
        AdjustmentType: 'ChangeInCapacity',
        MinAdjustmentMagnitude: 2,
        StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }],
      }),
      step({ StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }] }),
      tracking({ PredefinedMetricSpecification: { PredefinedMetricType: 'ALBRequestCountPerTarget' } }),
      tracking({
        PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
      }),
      tracking({}),
      {
        service: 'application-autoscaling',
        operation: 'DeleteScalingPolicy',
        params: { ...target('web'), PolicyName: 'never' },
      },
    ]);
    assert.deepEqual(
      results.map((r) => (r.ok ? 'ok' : r.code)),
      [
        'ValidationException',
        'ValidationException',
        'ValidationException',
        'ValidationException',
        'ValidationException',
        'ValidationException',
        'ObjectNotFoundException',
      ],
    );
    const messages = results.map((r) => (r.ok ? '' : r.message));
    assert.match(messages[0] ?? '', /must not overlap nor leave gaps/);
    assert.match(
      messages[1] ?? '',
      /MinAdjustmentMagnitude may only be specified when AdjustmentType is PercentChangeInCapacity/,
    );
    assert.match(messages[3] ?? '', /ResourceLabel is required/);
  });
});

describe('target tracking on backlog per task', () => {
  test('owns its alarms, scales out after 3 minutes over the target and in after 15 under it', async () => {
    const queueUrl = await createQueue(sqs, 'backlog');
    await createService('consumer', 2);
    await scaling('RegisterScalableTarget', { ...target('consumer'), MinCapacity: 1, MaxCapacity: 5 });
    const policy = await scaling('PutScalingPolicy', {
      ...target('consumer'),
      PolicyName: 'backlog-per-task',
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 2,
        ScaleOutCooldown: 60,
        ScaleInCooldown: 60,
        CustomizedMetricSpecification: {
          Metrics: [
            {
              Id: 'visible',
              MetricStat: {
                Metric: {
                  Namespace: 'AWS/SQS',
                  MetricName: 'ApproximateNumberOfMessagesVisible',
                  Dimensions: [{ Name: 'QueueName', Value: 'backlog' }],
                },
                Stat: 'Average',
              },
              ReturnData: false,
            },
            {
              Id: 'tasks',
              MetricStat: { Metric: { Namespace: 'Workers', MetricName: 'Running' }, Stat: 'Average' },
              ReturnData: false,
            },
            { Id: 'perTask', Expression: 'visible / tasks', Label: 'backlog per task', ReturnData: true },
          ],
        },
      },
    });
    const owned = policy.Alarms as Array<{ AlarmName: string; AlarmARN: string }>;
    assert.equal(owned.length, 2);
    assert.match(
      owned[0]?.AlarmName ?? '',
      /^TargetTracking-service\/default\/consumer-AlarmHigh-[0-9a-f-]{36}$/,
    );
    assert.match(
      owned[1]?.AlarmName ?? '',
      /^TargetTracking-service\/default\/consumer-AlarmLow-[0-9a-f-]{36}$/,
    );
    const { MetricAlarms } = (await cloudwatch(eddy.url, 'DescribeAlarms', {
      AlarmNames: owned.map((a) => a.AlarmName),
    })) as { MetricAlarms: Array<Record<string, unknown>> };
    assert.deepEqual(
      MetricAlarms.map((a) => [a.ComparisonOperator, a.Threshold, a.EvaluationPeriods, a.AlarmActions]),
      [
        ['GreaterThanThreshold', 2, 3, [policy.PolicyARN]],
        ['LessThanThreshold', 1.8, 15, [policy.PolicyARN]],
      ],
    );
    assert.match(
      String(MetricAlarms[0]?.AlarmDescription),
      /^DO NOT EDIT OR DELETE\. For TargetTrackingScaling policy arn:aws:autoscaling:/,
    );

    // 12 waiting, 2 tasks: 6 per task against a target of 2 → 2 × 6 / 2 = 6, capped at the max of 5.
    for (let batch = 0; batch < 2; batch++)
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: Array.from({ length: 6 }, (_, i) => ({ Id: `m${i}`, MessageBody: `job ${i}` })),
        }),
      );
    const base = Math.floor(eddy.clock.now() / MINUTE) * MINUTE;
    await cloudwatch(eddy.url, 'PutMetricData', {
      Namespace: 'Workers',
      MetricData: Array.from({ length: 40 }, (_, i) => ({
        MetricName: 'Running',
        Value: 2,
        Timestamp: (base + i * MINUTE) / 1000,
      })),
    });
    const out = await minutes(6, 'consumer');
    assert.equal(out.at(-1), 5, `desired counts ${out}`);
    assert.ok(out.indexOf(5) >= 3, `three datapoints over the target came first: ${out}`);

    // Empty: 15 one-minute datapoints under 90 % of the target, then down to the minimum.
    await sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
    const quiet = await minutes(19, 'consumer');
    assert.equal(quiet.at(-1), 1, `desired counts ${quiet}`);
    assert.ok(quiet.indexOf(1) >= 14, `fifteen datapoints under the target came first: ${quiet}`);

    await scaling('DeleteScalingPolicy', { ...target('consumer'), PolicyName: 'backlog-per-task' });
    const left = (
      await cloudwatch(eddy.url, 'DescribeAlarms', {
        AlarmNamePrefix: 'TargetTracking-service/default/consumer',
      })
    ).MetricAlarms as unknown[];
    assert.deepEqual(left, []);
    assert.deepEqual(
      (
        await scaling('DescribeScalingPolicies', {
          ServiceNamespace: 'ecs',
          ResourceId: 'service/default/consumer',
        })
      ).ScalingPolicies,
      [],
    );
  });

  test('a suspended scale-out does nothing and says why; a service at 0 tasks needs a step policy', async () => {
    await createService('paused', 0);
    await scaling('RegisterScalableTarget', {
      ...target('paused'),
      MinCapacity: 0,
      MaxCapacity: 3,
      SuspendedState: { DynamicScalingOutSuspended: true },
    });
    const step = await scaling('PutScalingPolicy', {
      ...target('paused'),
      PolicyName: 'out',
      StepScalingPolicyConfiguration: {
        AdjustmentType: 'ExactCapacity',
        StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 2 }],
      },
    });
    const tracking = await scaling('PutScalingPolicy', {
      ...target('paused'),
      PolicyName: 'track',
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 10,
        CustomizedMetricSpecification: { Namespace: 'Paused', MetricName: 'Load', Statistic: 'Average' },
      },
    });
    await cloudwatch(eddy.url, 'PutMetricAlarm', {
      AlarmName: 'paused-load',
      Namespace: 'Paused',
      MetricName: 'Load',
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [step.PolicyARN],
    });
    const base = Math.floor(eddy.clock.now() / MINUTE) * MINUTE;
    await cloudwatch(eddy.url, 'PutMetricData', {
      Namespace: 'Paused',
      MetricData: Array.from({ length: 6 }, (_, i) => ({
        MetricName: 'Load',
        Value: 50,
        Timestamp: (base + i * MINUTE) / 1000,
      })),
    });
    assert.deepEqual(await minutes(4, 'paused'), [0, 0, 0, 0]);
    const reasons = (
      (await scaling('DescribeScalingActivities', {
        ...target('paused'),
        IncludeNotScaledActivities: true,
      })) as {
        ScalingActivities: Array<{ NotScaledReasons?: Array<{ Code: string }>; StatusMessage: string }>;
      }
    ).ScalingActivities.map((a) => [a.NotScaledReasons?.[0]?.Code, a.StatusMessage]);
    assert.ok(
      reasons.some(([code]) => code === 'ScaleOutSuspended'),
      JSON.stringify(reasons),
    );
    assert.ok(
      reasons.some(
        ([code, message]) =>
          code === 'CurrentCapacityIsZero' &&
          /scale out from zero with a step scaling policy/.test(message ?? ''),
      ),
      JSON.stringify(reasons),
    );
    assert.ok(tracking.PolicyARN);
    // Resumed, the step policy takes the service from 0 to exactly 2.
    await scaling('RegisterScalableTarget', {
      ...target('paused'),
      SuspendedState: { DynamicScalingOutSuspended: false },
    });
    const resumed = await minutes(1, 'paused');
    assert.deepEqual(resumed, [2]);
  });
});

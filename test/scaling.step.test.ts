// The seed's unpredictable-traffic pattern on the manual clock: a queue-worker ECS service scales on
// its queue's ApproximateNumberOfMessagesVisible with step scaling (+1 at ≥ 1, −1 at ≤ 0, cooldown
// 300 s, as CDK's scale_on_metric writes it). The backlog scales it out one task per cooldown up to
// the maximum, real tasks start; an empty queue scales it back in to the minimum, tasks stop.
// Application Auto Scaling is driven with boto3 and the AWS CLI (JSON 1.1), CloudWatch over CBOR.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { PurgeQueueCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ManualClock } from '../src/runtime/index.ts';
import { boto3Ok } from './boto3.ts';
import { startTestEddy, type TestEddy } from './harness.ts';
import { createQueue, stopEveryTask } from './helpers.ts';

const T0 = Date.parse('2026-12-07T12:00:00Z');
const MINUTE = 60_000;
const RESOURCE = 'service/workers/queue-worker';

let eddy: TestEddy;
let ecs: ECSClient;
let sqs: SQSClient;
before(async () => {
  eddy = await startTestEddy({ clock: new ManualClock(T0 + 5_000) });
  ecs = eddy.client(ECSClient);
  sqs = eddy.client(SQSClient);
});
after(async () => {
  if (ecs) await stopEveryTask(ecs);
  await eddy?.stop();
});

const scaling = (operation: string, params: Record<string, unknown>) =>
  boto3Ok(eddy.url, 'application-autoscaling', operation, params);

async function service() {
  const { services } = await ecs.send(
    new DescribeServicesCommand({ cluster: 'workers', services: ['queue-worker'] }),
  );
  const found = services?.[0];
  assert.ok(found);
  return found;
}

async function runningTasks(): Promise<number> {
  const { taskArns = [] } = await ecs.send(
    new ListTasksCommand({ cluster: 'workers', serviceName: 'queue-worker' }),
  );
  if (taskArns.length === 0) return 0;
  const { tasks = [] } = await ecs.send(new DescribeTasksCommand({ cluster: 'workers', tasks: taskArns }));
  return tasks.filter((task) => task.lastStatus === 'RUNNING' && task.desiredStatus === 'RUNNING').length;
}

/** Polls in real time (processes start and stop for real) while the scheduler ticks on the manual clock. */
async function tasksBecome(count: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const running = await runningTasks();
    if (running === count) return;
    if (Date.now() > deadline)
      assert.fail(
        `${count} tasks never ran; ${running} do: ${JSON.stringify((await service()).events?.slice(0, 3))}`,
      );
    await eddy.advance(1_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Advances one minute at a time, recording the desired count after each minute's evaluation. */
async function minutes(count: number, desired: number[]): Promise<void> {
  for (let i = 0; i < count; i++) {
    await eddy.advance(MINUTE);
    // The evaluation and the scaling it triggers run after the timer's commit.
    await new Promise((resolve) => setTimeout(resolve, 150));
    desired.push((await service()).desiredCount ?? -1);
  }
}

test('step scaling on queue depth: out one task per cooldown to the maximum, back in to the minimum', async () => {
  const queueUrl = await createQueue(sqs, 'jobs');
  await ecs.send(new CreateClusterCommand({ clusterName: 'workers' }));
  const { taskDefinition } = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'worker',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'worker', image: 'local', command: ['sleep', '3600'], stopTimeout: 2 }],
    }),
  );
  await ecs.send(
    new CreateServiceCommand({
      cluster: 'workers',
      serviceName: 'queue-worker',
      taskDefinition: taskDefinition?.taskDefinitionArn,
      desiredCount: 1,
      launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0eddy'] } },
    }),
  );

  // The AWS CLI registers the target; boto3 writes the policies, as a user's script would.
  const registered = await eddy.aws([
    'application-autoscaling',
    'register-scalable-target',
    '--service-namespace',
    'ecs',
    '--resource-id',
    RESOURCE,
    '--scalable-dimension',
    'ecs:service:DesiredCount',
    '--min-capacity',
    '1',
    '--max-capacity',
    '4',
  ]);
  assert.equal(registered.code, 0, registered.stderr);
  assert.match(
    JSON.parse(registered.stdout).ScalableTargetARN,
    /^arn:aws:application-autoscaling:us-east-1:000000000000:scalable-target\//,
  );
  const target = {
    ServiceNamespace: 'ecs',
    ResourceId: RESOURCE,
    ScalableDimension: 'ecs:service:DesiredCount',
  };
  const out = await scaling('PutScalingPolicy', {
    ...target,
    PolicyName: 'scale-out',
    PolicyType: 'StepScaling',
    StepScalingPolicyConfiguration: {
      AdjustmentType: 'ChangeInCapacity',
      StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }],
      Cooldown: 300,
      MetricAggregationType: 'Maximum',
    },
  });
  const scaleIn = await scaling('PutScalingPolicy', {
    ...target,
    PolicyName: 'scale-in',
    PolicyType: 'StepScaling',
    StepScalingPolicyConfiguration: {
      AdjustmentType: 'ChangeInCapacity',
      StepAdjustments: [{ MetricIntervalUpperBound: 0, ScalingAdjustment: -1 }],
      Cooldown: 300,
      MetricAggregationType: 'Maximum',
    },
  });
  assert.match(
    String(out.PolicyARN),
    /^arn:aws:autoscaling:us-east-1:000000000000:scalingPolicy:[0-9a-f-]{36}:resource\/ecs\/service\/workers\/queue-worker:policyName\/scale-out$/,
  );
  const depth = {
    Namespace: 'AWS/SQS',
    MetricName: 'ApproximateNumberOfMessagesVisible',
    Dimensions: [{ Name: 'QueueName', Value: 'jobs' }],
    Statistic: 'Maximum',
    Period: 60,
    EvaluationPeriods: 1,
  };
  await boto3Ok(eddy.url, 'cloudwatch', 'PutMetricAlarm', {
    ...depth,
    AlarmName: 'jobs-upper',
    Threshold: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    AlarmActions: [out.PolicyARN],
  });
  await boto3Ok(eddy.url, 'cloudwatch', 'PutMetricAlarm', {
    ...depth,
    AlarmName: 'jobs-lower',
    Threshold: 0,
    ComparisonOperator: 'LessThanOrEqualToThreshold',
    AlarmActions: [scaleIn.PolicyARN],
  });
  await tasksBecome(1);

  // A burst: 20 jobs nobody takes yet.
  for (let batch = 0; batch < 2; batch++)
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Array.from({ length: 10 }, (_, i) => ({
          Id: `m${i}`,
          MessageBody: `job ${batch * 10 + i}`,
        })),
      }),
    );
  const desired: number[] = [];
  await minutes(16, desired);
  // One task more per 300-second cooldown, never above the maximum of 4.
  assert.equal(Math.max(...desired), 4, `desired counts ${desired}`);
  const firstOut = desired.indexOf(2);
  assert.ok(firstOut >= 0 && firstOut <= 2, `scaled out promptly: ${desired}`);
  assert.equal(desired.indexOf(3) - firstOut, 5, `the cooldown spaced 2 → 3: ${desired}`);
  assert.equal(desired.indexOf(4) - desired.indexOf(3), 5, `the cooldown spaced 3 → 4: ${desired}`);
  await tasksBecome(4);

  const activities = await scaling('DescribeScalingActivities', {
    ServiceNamespace: 'ecs',
    ResourceId: RESOURCE,
  });
  const outs = activities.ScalingActivities as Array<Record<string, string>>;
  assert.deepEqual(
    outs.map((a) => a.Description),
    ['Setting desired count to 4.', 'Setting desired count to 3.', 'Setting desired count to 2.'],
  );
  assert.equal(outs[0]?.Cause, 'monitor alarm jobs-upper in state ALARM triggered policy scale-out');
  assert.equal(outs[0]?.StatusCode, 'Successful');
  assert.equal(
    outs[0]?.StatusMessage,
    'Successfully set desired count to 4. Change successfully fulfilled by ecs.',
  );
  const notScaled = await scaling('DescribeScalingActivities', {
    ServiceNamespace: 'ecs',
    ResourceId: RESOURCE,
    IncludeNotScaledActivities: true,
  });
  assert.ok(
    (notScaled.ScalingActivities as Array<{ NotScaledReasons?: Array<{ Code: string }> }>).some(
      (a) => a.NotScaledReasons?.[0]?.Code === 'AlreadyAtMaxCapacity',
    ),
  );
  const events = (await service()).events ?? [];
  assert.ok(
    events.some((e) => e.message?.includes('has set its desired count to 4: monitor alarm jobs-upper')),
  );

  // The backlog is gone: scale in, one task per cooldown, to the minimum of 1.
  await sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
  const after: number[] = [];
  await minutes(18, after);
  assert.equal(after.at(-1), 1, `desired counts ${after}`);
  assert.equal(Math.min(...after), 1, `never below the minimum: ${after}`);
  const three = after.indexOf(3);
  assert.equal(after.indexOf(2) - three, 5, `the cooldown spaced 3 → 2: ${after}`);
  assert.equal(after.indexOf(1) - after.indexOf(2), 5, `the cooldown spaced 2 → 1: ${after}`);
  await tasksBecome(1);
  const alarms = await boto3Ok(eddy.url, 'cloudwatch', 'DescribeAlarms', {
    AlarmNames: ['jobs-lower', 'jobs-upper'],
  });
  assert.deepEqual(
    (alarms.MetricAlarms as Array<{ AlarmName: string; StateValue: string }>).map((a) => [
      a.AlarmName,
      a.StateValue,
    ]),
    [
      ['jobs-lower', 'ALARM'],
      ['jobs-upper', 'OK'],
    ],
  );
});

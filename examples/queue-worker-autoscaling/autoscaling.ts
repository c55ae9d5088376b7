// A queue-worker ECS service that scales on its queue, written with the v3 SDK, with one of two
// policies on a scalable target of 1 to 4 tasks:
// - 'step': the seed's CDK `scale_on_metric` — two step scaling policies (+1 task at ≥ 1 visible
//   message, −1 at ≤ 0, cooldown 300 s each) and the two CloudWatch alarms on AWS/SQS
//   ApproximateNumberOfMessagesVisible whose actions invoke them;
// - 'backlog-per-task': target tracking on visible messages ÷ running tasks (metric math in a
//   CustomizedMetricSpecification), the target being acceptable latency ÷ time per job. eddy
//   publishes no task-count metric yet, so `publishTaskCount()` publishes one, as AWS's guide
//   has a scheduled function do.
// Exported for the end-to-end test (manual clock); `run.ts` drives it by hand against eddy.
import { resolve } from 'node:path';
import {
  ApplicationAutoScalingClient,
  DescribeScalingActivitiesCommand,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
  type ScalingActivity,
} from '@aws-sdk/client-application-auto-scaling';
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  PutMetricAlarmCommand,
  type PutMetricAlarmCommandInput,
  PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import {
  CreateServiceCommand,
  DeleteServiceCommand,
  DescribeServicesCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { clientConfig } from '../client-config.ts';

export const MIN_TASKS = 1;
export const MAX_TASKS = 4;
export const COOLDOWN_SECONDS = 300;

/** Backlog per task: seconds a job may wait ÷ seconds a job takes (the test's 2 s ÷ 0.2 s). */
export const ACCEPTABLE_LATENCY_SECONDS = 2;
export const TASK_COUNT_NAMESPACE = 'QueueWorkers';

export type Policy = 'step' | 'backlog-per-task';

export interface AutoscalingOptions {
  /** 'step' (the default) or 'backlog-per-task'. */
  policy?: Policy;
  /** Milliseconds each worker spends on a job. */
  workMs?: number;
  /** Names the queue, the service and the alarms; a fresh one per run by default. */
  run?: string;
}

export interface ServiceState {
  desired: number;
  running: number;
  /** The jobs queue's ApproximateNumberOfMessages (visible) and …NotVisible (in flight). */
  visible: number;
  inFlight: number;
  /** The newest of the service's events (DescribeServices), newest first. */
  events: string[];
}

export interface QueueWorkerAutoscaling {
  queueName: string;
  serviceName: string;
  resourceId: string;
  /** The bursty producer: sends `jobs` jobs at once, in batches of 10. */
  burst(jobs: number): Promise<void>;
  state(): Promise<ServiceState>;
  /** Scaling activities, newest first (with the not-scaled ones when asked). */
  activities(includeNotScaled?: boolean): Promise<ScalingActivity[]>;
  /** The alarms that invoke the policies (the target tracking policy's own), names and states. */
  alarms(): Promise<Array<[string, string]>>;
  /** Publishes the service's running task count (what backlog per task divides by). */
  publishTaskCount(): Promise<void>;
  /** Backlog per task's target value. */
  targetValue: number;
  /** Deletes the service (its tasks stop) and closes the clients. */
  close(): Promise<void>;
}

export async function setUpQueueWorkerAutoscaling(
  endpoint: string,
  options: AutoscalingOptions = {},
): Promise<QueueWorkerAutoscaling> {
  const config = clientConfig(endpoint);
  const sqs = new SQSClient(config);
  const ecs = new ECSClient(config);
  const scaling = new ApplicationAutoScalingClient(config);
  const cloudwatch = new CloudWatchClient(config);
  const run = options.run ?? Date.now().toString(36);
  const queueName = `scaled-jobs-${run}`;
  const serviceName = `scaled-workers-${run}`;
  const resourceId = `service/default/${serviceName}`;

  const { QueueUrl: queueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: queueName }));
  const { taskDefinition } = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'scaled-queue-worker',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [
        {
          name: 'worker',
          image: 'queue-worker',
          command: [process.execPath, '--import', 'tsx', resolve(import.meta.dirname, 'worker.ts')],
          environment: [
            { name: 'JOBS_QUEUE_URL', value: queueUrl },
            { name: 'WORK_MS', value: String(options.workMs ?? 200) },
          ],
          stopTimeout: 5,
        },
      ],
    }),
  );
  await ecs.send(
    new CreateServiceCommand({
      serviceName,
      taskDefinition: taskDefinition!.taskDefinitionArn,
      desiredCount: MIN_TASKS,
      launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0example'] } },
    }),
  );

  // What CDK's `scalable_task_count(min_capacity=1, max_capacity=4).scale_on_metric(...)` creates.
  const target = {
    ServiceNamespace: 'ecs',
    ResourceId: resourceId,
    ScalableDimension: 'ecs:service:DesiredCount',
  } as const;
  await scaling.send(
    new RegisterScalableTargetCommand({ ...target, MinCapacity: MIN_TASKS, MaxCapacity: MAX_TASKS }),
  );
  const stepPolicy = async (name: string, step: { lower?: number; upper?: number; change: number }) => {
    const { PolicyARN } = await scaling.send(
      new PutScalingPolicyCommand({
        ...target,
        PolicyName: name,
        PolicyType: 'StepScaling',
        StepScalingPolicyConfiguration: {
          AdjustmentType: 'ChangeInCapacity',
          StepAdjustments: [
            {
              ...(step.lower !== undefined ? { MetricIntervalLowerBound: step.lower } : {}),
              ...(step.upper !== undefined ? { MetricIntervalUpperBound: step.upper } : {}),
              ScalingAdjustment: step.change,
            },
          ],
          Cooldown: COOLDOWN_SECONDS,
          MetricAggregationType: 'Maximum',
        },
      }),
    );
    return PolicyARN!;
  };
  const workMs = options.workMs ?? 200;
  const targetValue = (ACCEPTABLE_LATENCY_SECONDS * 1000) / workMs;
  const alarmNames = (options.policy ?? 'step') === 'step' ? await stepScaling() : await backlogPerTask();

  async function stepScaling(): Promise<string[]> {
    const scaleOut = await stepPolicy(`${serviceName}-scale-out`, { lower: 0, change: +1 });
    const scaleIn = await stepPolicy(`${serviceName}-scale-in`, { upper: 0, change: -1 });

    // The alarms whose actions invoke the policies: the queue's depth, its maximum each minute.
    const depth = {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: queueName }],
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: 1,
    } satisfies Partial<PutMetricAlarmCommandInput>;
    const names = [`${serviceName}-upper`, `${serviceName}-lower`];
    await cloudwatch.send(
      new PutMetricAlarmCommand({
        ...depth,
        AlarmName: names[0],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [scaleOut],
      }),
    );
    await cloudwatch.send(
      new PutMetricAlarmCommand({
        ...depth,
        AlarmName: names[1],
        Threshold: 0,
        ComparisonOperator: 'LessThanOrEqualToThreshold',
        AlarmActions: [scaleIn],
      }),
    );
    return names;
  }

  // Target tracking on backlog per task: visible messages ÷ running tasks, held at the target.
  // The policy creates its own alarms (3 minutes over the target scale out, 15 under 90 % of it
  // scale in), sized in proportion: ceil(tasks × backlog per task ÷ target).
  async function backlogPerTask(): Promise<string[]> {
    const { Alarms = [] } = await scaling.send(
      new PutScalingPolicyCommand({
        ...target,
        PolicyName: `${serviceName}-backlog-per-task`,
        PolicyType: 'TargetTrackingScaling',
        TargetTrackingScalingPolicyConfiguration: {
          TargetValue: targetValue,
          ScaleOutCooldown: 60,
          ScaleInCooldown: COOLDOWN_SECONDS,
          CustomizedMetricSpecification: {
            Metrics: [
              {
                Id: 'visible',
                MetricStat: {
                  Metric: {
                    Namespace: 'AWS/SQS',
                    MetricName: 'ApproximateNumberOfMessagesVisible',
                    Dimensions: [{ Name: 'QueueName', Value: queueName }],
                  },
                  Stat: 'Average',
                },
                ReturnData: false,
              },
              {
                Id: 'tasks',
                MetricStat: {
                  Metric: {
                    Namespace: TASK_COUNT_NAMESPACE,
                    MetricName: 'RunningTaskCount',
                    Dimensions: [{ Name: 'ServiceName', Value: serviceName }],
                  },
                  Stat: 'Average',
                },
                ReturnData: false,
              },
              { Id: 'backlog', Expression: 'visible / tasks', Label: 'backlog per task', ReturnData: true },
            ],
          },
        },
      }),
    );
    return Alarms.map((alarm) => alarm.AlarmName!);
  }

  let sent = 0;
  return {
    queueName,
    serviceName,
    resourceId,
    async burst(jobs) {
      for (let first = 0; first < jobs; first += 10) {
        const size = Math.min(10, jobs - first);
        await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: Array.from({ length: size }, (_, index) => ({
              Id: String(index),
              MessageBody: JSON.stringify({ id: sent + index }),
            })),
          }),
        );
        sent += size;
      }
    },
    async state() {
      const { services } = await ecs.send(new DescribeServicesCommand({ services: [serviceName] }));
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      const service = services?.[0];
      return {
        desired: service?.desiredCount ?? 0,
        running: service?.runningCount ?? 0,
        visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
        inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
        events: (service?.events ?? []).map((event) => event.message ?? ''),
      };
    },
    async activities(includeNotScaled = false) {
      const { ScalingActivities = [] } = await scaling.send(
        new DescribeScalingActivitiesCommand({
          ServiceNamespace: 'ecs',
          ResourceId: resourceId,
          IncludeNotScaledActivities: includeNotScaled,
        }),
      );
      return ScalingActivities;
    },
    async alarms() {
      const { MetricAlarms = [] } = await cloudwatch.send(
        new DescribeAlarmsCommand({ AlarmNames: alarmNames }),
      );
      return MetricAlarms.map((alarm) => [alarm.AlarmName!, alarm.StateValue!] as [string, string]);
    },
    targetValue,
    async publishTaskCount() {
      const { services } = await ecs.send(new DescribeServicesCommand({ services: [serviceName] }));
      await cloudwatch.send(
        new PutMetricDataCommand({
          Namespace: TASK_COUNT_NAMESPACE,
          MetricData: [
            {
              MetricName: 'RunningTaskCount',
              Dimensions: [{ Name: 'ServiceName', Value: serviceName }],
              Value: services?.[0]?.runningCount ?? 0,
              Unit: 'Count',
            },
          ],
        }),
      );
    },
    async close() {
      await ecs.send(new DeleteServiceCommand({ service: serviceName, force: true })).catch(() => undefined);
      for (const client of [sqs, ecs, scaling, cloudwatch]) client.destroy();
    },
  };
}

// A queue-worker ECS service that scales on its queue's depth, as the seed's CDK `scale_on_metric`
// writes it with the v3 SDK: a scalable target (1 to 4 tasks), two step scaling policies (+1 task
// at ≥ 1 visible message, −1 at ≤ 0, cooldown 300 s each) and the two CloudWatch alarms on
// AWS/SQS ApproximateNumberOfMessagesVisible whose actions invoke them. Exported for the
// end-to-end test (manual clock); `run.ts` drives it by hand against a running eddy.
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

export interface AutoscalingOptions {
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
  /** The two alarms' names and states. */
  alarms(): Promise<Array<[string, string]>>;
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
  const alarmNames = [`${serviceName}-upper`, `${serviceName}-lower`];
  await cloudwatch.send(
    new PutMetricAlarmCommand({
      ...depth,
      AlarmName: alarmNames[0],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [scaleOut],
    }),
  );
  await cloudwatch.send(
    new PutMetricAlarmCommand({
      ...depth,
      AlarmName: alarmNames[1],
      Threshold: 0,
      ComparisonOperator: 'LessThanOrEqualToThreshold',
      AlarmActions: [scaleIn],
    }),
  );

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
    async close() {
      await ecs.send(new DeleteServiceCommand({ service: serviceName, force: true })).catch(() => undefined);
      for (const client of [sqs, ecs, scaling, cloudwatch]) client.destroy();
    },
  };
}

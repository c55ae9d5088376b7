// Scheduled processing with EventBridge Scheduler: a cron schedule in a named time zone runs the
// report task every minute through ECS RunTask (the scheduled time reaches it through Input's
// context attribute), a one-time at() schedule sends one message and deletes itself, and a
// schedule whose target does not exist lands its invocation in a dead-letter queue.
import { resolve } from 'node:path';
import { ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import {
  CreateScheduleCommand,
  CreateScheduleGroupCommand,
  DeleteScheduleGroupCommand,
  GetScheduleCommand,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { clientConfig } from '../client-config.ts';

export interface SchedulerProcessing {
  /** Waits for the next report of the cron schedule's task, up to `timeoutMs`. */
  nextReport(timeoutMs: number): Promise<{ scheduledAt: string; ranAt: string } | undefined>;
  /** Waits for the one-time schedule's message. */
  oneTimeMessage(timeoutMs: number): Promise<string | undefined>;
  /** Waits for the failing schedule's dead-lettered invocation, with its error attributes. */
  deadLetter(timeoutMs: number): Promise<Message | undefined>;
  /** Whether the one-time schedule still exists (it deletes itself once it ran). */
  oneTimeScheduleExists(): Promise<boolean>;
  /** Deletes the schedule group, and with it every schedule of the example. */
  close(): Promise<void>;
}

/** `now`: the server's time, which a test's manual clock sets (the at() time is a minute after it). */
export async function setUpSchedulerProcessing(
  endpoint: string,
  log: (line: string) => void = () => {},
  now = Date.now(),
): Promise<SchedulerProcessing> {
  const config = clientConfig(endpoint);
  const sqs = new SQSClient(config);
  const ecs = new ECSClient(config);
  const scheduler = new SchedulerClient(config);
  const run = Date.now().toString(36);
  const queue = async (name: string) => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-${run}` }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    return { url: QueueUrl!, arn: Attributes!.QueueArn! };
  };
  const reports = await queue('scheduler-reports');
  const once = await queue('one-time');
  const dlq = await queue('scheduler-dlq');
  const { taskDefinition } = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'scheduled-report',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [
        {
          name: 'report',
          image: 'report',
          command: [process.execPath, '--import', 'tsx', resolve(import.meta.dirname, 'task.ts')],
          environment: [{ name: 'REPORTS_QUEUE_URL', value: reports.url }],
        },
      ],
    }),
  );
  const account = taskDefinition!.taskDefinitionArn!.split(':')[4];
  const role = `arn:aws:iam::${account}:role/scheduler-example`;
  const group = `scheduled-processing-${run}`;
  await scheduler.send(new CreateScheduleGroupCommand({ Name: group }));

  await scheduler.send(
    new CreateScheduleCommand({
      Name: 'berlin-report',
      GroupName: group,
      ScheduleExpression: 'cron(* * * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: `arn:aws:ecs:${config.region}:${account}:cluster/default`,
        RoleArn: role,
        EcsParameters: {
          TaskDefinitionArn: taskDefinition!.taskDefinitionArn!,
          LaunchType: 'FARGATE',
          NetworkConfiguration: { awsvpcConfiguration: { Subnets: ['subnet-0example'] } },
        },
        Input: JSON.stringify({
          containerOverrides: [
            {
              name: 'report',
              environment: [{ name: 'SCHEDULED_AT', value: '<aws.scheduler.scheduled-time>' }],
            },
          ],
        }),
      },
    }),
  );
  log(`schedule ${group}/berlin-report: cron(* * * * ? *) in Europe/Berlin → a report task`);

  const at = new Date(Math.floor(now / 1000) * 1000 + 60_000).toISOString().slice(0, 19);
  await scheduler.send(
    new CreateScheduleCommand({
      Name: 'once',
      GroupName: group,
      ScheduleExpression: `at(${at})`,
      ScheduleExpressionTimezone: 'UTC',
      ActionAfterCompletion: 'DELETE',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: once.arn, RoleArn: role, Input: 'ran once at <aws.scheduler.scheduled-time>' },
    }),
  );
  log(`schedule ${group}/once: at(${at}) UTC → one message, then the schedule deletes itself`);

  await scheduler.send(
    new CreateScheduleCommand({
      Name: 'doomed',
      GroupName: group,
      ScheduleExpression: 'rate(1 hour)',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: `arn:aws:sqs:${config.region}:${account}:no-such-queue-${run}`,
        RoleArn: role,
        Input: '{"job":"nightly"}',
        RetryPolicy: { MaximumRetryAttempts: 0 },
        DeadLetterConfig: { Arn: dlq.arn },
      },
    }),
  );
  log(`schedule ${group}/doomed: a queue that does not exist → its invocation lands in the DLQ`);

  const next = async (url: string, timeoutMs: number): Promise<Message | undefined> => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      // Short polls: a test server's clock only moves when its test says so.
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 0, MessageAttributeNames: ['All'] }),
      );
      const message = Messages[0];
      if (message) {
        await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message.ReceiptHandle }));
        return message;
      }
      await new Promise((done) => setTimeout(done, 200));
    }
    return undefined;
  };

  return {
    async nextReport(timeoutMs) {
      const message = await next(reports.url, timeoutMs);
      return message && (JSON.parse(message.Body!) as { scheduledAt: string; ranAt: string });
    },
    async oneTimeMessage(timeoutMs) {
      return (await next(once.url, timeoutMs))?.Body;
    },
    deadLetter: (timeoutMs) => next(dlq.url, timeoutMs),
    async oneTimeScheduleExists() {
      try {
        await scheduler.send(new GetScheduleCommand({ Name: 'once', GroupName: group }));
        return true;
      } catch (error) {
        if ((error as Error).name === 'ResourceNotFoundException') return false;
        throw error;
      }
    },
    async close() {
      await scheduler.send(new DeleteScheduleGroupCommand({ Name: group }));
      sqs.destroy();
      ecs.destroy();
      scheduler.destroy();
    },
  };
}

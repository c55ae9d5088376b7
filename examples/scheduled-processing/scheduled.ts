// Scheduled processing: a rule with `rate(1 minute)` runs a task every minute through its ECS
// target; the task gets the scheduled event's time in its environment and reports to a queue.
import { resolve } from 'node:path';
import { ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import {
  DeleteRuleCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { clientConfig } from '../client-config.ts';

export interface ScheduledProcessing {
  /** Waits for the next report (the next scheduled run), up to `timeoutMs`. */
  nextReport(timeoutMs: number): Promise<{ scheduledAt: string; ranAt: string } | undefined>;
  /** Removes the rule. */
  close(): Promise<void>;
}

export async function setUpScheduledProcessing(
  endpoint: string,
  log: (line: string) => void = () => {},
): Promise<ScheduledProcessing> {
  const config = clientConfig(endpoint);
  const sqs = new SQSClient(config);
  const ecs = new ECSClient(config);
  const events = new EventBridgeClient(config);
  const run = Date.now().toString(36);
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `reports-${run}` }));
  const { taskDefinition } = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'nightly-report',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [
        {
          name: 'report',
          image: 'report',
          command: [process.execPath, '--import', 'tsx', resolve(import.meta.dirname, 'task.ts')],
          environment: [{ name: 'REPORTS_QUEUE_URL', value: QueueUrl }],
        },
      ],
    }),
  );
  const account = taskDefinition!.taskDefinitionArn!.split(':')[4];
  const rule = `every-minute-${run}`;
  await events.send(new PutRuleCommand({ Name: rule, ScheduleExpression: 'rate(1 minute)' }));
  await events.send(
    new PutTargetsCommand({
      Rule: rule,
      Targets: [
        {
          Id: 'report',
          Arn: `arn:aws:ecs:${config.region}:${account}:cluster/default`,
          RoleArn: `arn:aws:iam::${account}:role/ecsEventsRole`,
          EcsParameters: {
            TaskDefinitionArn: taskDefinition!.taskDefinitionArn,
            LaunchType: 'FARGATE',
            NetworkConfiguration: { awsvpcConfiguration: { Subnets: ['subnet-0example'] } },
          },
          InputTransformer: {
            InputPathsMap: { time: '$.time' },
            InputTemplate:
              '{"containerOverrides": [{"name": "report", "environment": [{"name": "SCHEDULED_AT", "value": <time>}]}]}',
          },
        },
      ],
    }),
  );
  log(`rule ${rule}: rate(1 minute) → a report task`);

  return {
    async nextReport(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        // Short polls: the test server's clock only moves when its test says so.
        const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 0 }));
        const message = Messages[0];
        if (message) {
          await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message.ReceiptHandle }));
          return JSON.parse(message.Body!) as { scheduledAt: string; ranAt: string };
        }
        await new Promise((done) => setTimeout(done, 200));
      }
      return undefined;
    },
    async close() {
      await events.send(new RemoveTargetsCommand({ Rule: rule, Ids: ['report'] }));
      await events.send(new DeleteRuleCommand({ Name: rule }));
      sqs.destroy();
      ecs.destroy();
      events.destroy();
    },
  };
}

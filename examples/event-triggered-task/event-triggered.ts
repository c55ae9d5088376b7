// Event-triggered tasks: an "OrderPlaced" event on the bus starts a task through a rule's ECS target;
// an InputTransformer turns the event into the task's containerOverrides (its environment). The task
// writes its result to a queue. A second rule takes the "ECS Task State Change" events of tasks that
// stopped with a non-zero exit code and sends them to a dead-letter queue.
import { resolve } from 'node:path';
import { ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import {
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { clientConfig } from '../client-config.ts';

export const ORDERS = [
  { orderId: 'o-1', quantity: 3 },
  { orderId: 'o-2', quantity: 5 },
  { orderId: 'o-bad', quantity: 0 },
];

export interface EventTriggeredResult {
  /** orderId → packed quantity, from the results queue. */
  packed: Map<string, number>;
  /** State-change events of failed tasks: the order each ran and its exit code. */
  failed: Array<{ orderId: string | undefined; exitCode: number | undefined; stopCode: string }>;
}

async function receive(sqs: SQSClient, QueueUrl: string, count: number): Promise<Message[]> {
  const messages: Message[] = [];
  const deadline = Date.now() + 30_000;
  while (messages.length < count && Date.now() < deadline) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2 }),
    );
    messages.push(...Messages);
    if (Messages.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl,
          Entries: Messages.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle!,
          })),
        }),
      );
    }
  }
  return messages;
}

export async function runEventTriggeredTasks(
  endpoint: string,
  log: (line: string) => void = () => {},
): Promise<EventTriggeredResult> {
  const config = clientConfig(endpoint);
  const sqs = new SQSClient(config);
  const ecs = new ECSClient(config);
  const events = new EventBridgeClient(config);
  const run = Date.now().toString(36);
  const queue = async (name: string) => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-${run}` }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    return { url: QueueUrl!, arn: Attributes!.QueueArn! };
  };
  try {
    const results = await queue('packing-results');
    const failures = await queue('failed-tasks');
    const family = `packer-${run}`;
    const { taskDefinition } = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family,
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [
          {
            name: 'packer',
            image: 'packer',
            command: [process.execPath, '--import', 'tsx', resolve(import.meta.dirname, 'task.ts')],
            environment: [{ name: 'RESULTS_QUEUE_URL', value: results.url }],
          },
        ],
      }),
    );
    const account = taskDefinition!.taskDefinitionArn!.split(':')[4];
    const region = config.region;

    // Rule 1: every OrderPlaced event runs a packer task, its order passed as environment variables.
    await events.send(
      new PutRuleCommand({
        Name: `pack-orders-${run}`,
        EventPattern: JSON.stringify({ source: ['shop'], 'detail-type': ['OrderPlaced'] }),
      }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: `pack-orders-${run}`,
        Targets: [
          {
            Id: 'packer',
            Arn: `arn:aws:ecs:${region}:${account}:cluster/default`,
            RoleArn: `arn:aws:iam::${account}:role/ecsEventsRole`,
            EcsParameters: {
              TaskDefinitionArn: taskDefinition!.taskDefinitionArn,
              TaskCount: 1,
              LaunchType: 'FARGATE',
              NetworkConfiguration: { awsvpcConfiguration: { Subnets: ['subnet-0example'] } },
            },
            InputTransformer: {
              InputPathsMap: { order: '$.detail.orderId', quantity: '$.detail.quantity' },
              InputTemplate:
                '{"containerOverrides": [{"name": "packer", "environment": [' +
                '{"name": "ORDER_ID", "value": <order>}, {"name": "ORDER_QUANTITY", "value": "<quantity>"}]}]}',
            },
          },
        ],
      }),
    );
    // Rule 2: packer tasks that stopped because their container failed go to a dead-letter queue.
    await events.send(
      new PutRuleCommand({
        Name: `failed-packers-${run}`,
        EventPattern: JSON.stringify({
          source: ['aws.ecs'],
          'detail-type': ['ECS Task State Change'],
          detail: {
            lastStatus: ['STOPPED'],
            group: [`family:${family}`],
            containers: { exitCode: [{ 'anything-but': 0 }] },
          },
        }),
      }),
    );
    await events.send(
      new PutTargetsCommand({ Rule: `failed-packers-${run}`, Targets: [{ Id: 'dlq', Arn: failures.arn }] }),
    );
    log('rules: OrderPlaced → packer task; failed packer → dead-letter queue');

    await events.send(
      new PutEventsCommand({
        Entries: ORDERS.map((order) => ({
          Source: 'shop',
          DetailType: 'OrderPlaced',
          Detail: JSON.stringify(order),
        })),
      }),
    );
    log(`put ${ORDERS.length} OrderPlaced events`);

    const good = ORDERS.filter((order) => order.quantity > 0).length;
    const packed = new Map<string, number>();
    for (const message of await receive(sqs, results.url, good)) {
      const result = JSON.parse(message.Body!) as { orderId: string; packed: number };
      packed.set(result.orderId, result.packed);
    }
    const failed = (await receive(sqs, failures.url, ORDERS.length - good)).map((message) => {
      const event = JSON.parse(message.Body!) as {
        detail: {
          stopCode: string;
          containers: Array<{ exitCode?: number }>;
          overrides: { containerOverrides: Array<{ environment?: Array<{ name: string; value: string }> }> };
        };
      };
      const environment = event.detail.overrides.containerOverrides[0]?.environment ?? [];
      return {
        orderId: environment.find((variable) => variable.name === 'ORDER_ID')?.value,
        exitCode: event.detail.containers[0]?.exitCode,
        stopCode: event.detail.stopCode,
      };
    });
    return { packed, failed };
  } finally {
    sqs.destroy();
    ecs.destroy();
    events.destroy();
  }
}

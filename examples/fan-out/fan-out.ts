// The seed's fan-out pattern: one topic, three queues that each take the orders their filter policy
// selects, and one HTTP endpoint that takes them all. Exported for the end-to-end test; `run.ts`
// runs it against a server and prints what each subscriber got.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTopicCommand, PublishBatchCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { clientConfig } from '../client-config.ts';

export interface Order {
  id: string;
  kind: 'book' | 'music' | 'film';
  total: number;
}

export const ORDERS: Order[] = [
  { id: 'o-1', kind: 'book', total: 12 },
  { id: 'o-2', kind: 'music', total: 240 },
  { id: 'o-3', kind: 'film', total: 18 },
  { id: 'o-4', kind: 'book', total: 310 },
  { id: 'o-5', kind: 'music', total: 9 },
];

/** Each queue and the filter policy that picks its orders. */
export const QUEUES = {
  // Attribute scope: the `kind` message attribute.
  books: { FilterPolicy: { kind: ['book'] } },
  // Attribute scope, numeric: the `total` message attribute.
  'big-orders': { FilterPolicy: { total: [{ numeric: ['>=', 100] }] } },
  // Body scope: the order's JSON itself.
  'not-films': { FilterPolicy: { kind: [{ 'anything-but': 'film' }] }, FilterPolicyScope: 'MessageBody' },
} as const;

export type QueueName = keyof typeof QUEUES;

export interface FanOutResult {
  queues: Record<QueueName, string[]>;
  http: string[];
}

async function drain(sqs: SQSClient, QueueUrl: string, expected: number): Promise<string[]> {
  const ids: string[] = [];
  const deadline = Date.now() + 10_000;
  while (ids.length < expected && Date.now() < deadline) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    for (const message of Messages) ids.push((JSON.parse(message.Body!) as Order).id);
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
  return ids.sort();
}

/** What a filter policy selects, computed here to say what each subscriber should get. */
export function expectedIds(name: QueueName): string[] {
  const pick: Record<QueueName, (order: Order) => boolean> = {
    books: (order) => order.kind === 'book',
    'big-orders': (order) => order.total >= 100,
    'not-films': (order) => order.kind !== 'film',
  };
  return ORDERS.filter(pick[name]).map((order) => order.id);
}

export async function runFanOut(
  endpoint: string,
  log: (line: string) => void = () => {},
): Promise<FanOutResult> {
  const config = clientConfig(endpoint);
  const sns = new SNSClient(config);
  const sqs = new SQSClient(config);

  // The HTTP subscriber confirms its subscription by visiting the SubscribeURL, then records orders.
  const httpOrders: string[] = [];
  let confirmed: () => void = () => {};
  const confirmation = new Promise<void>((resolve) => {
    confirmed = resolve;
  });
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', async () => {
      const message = JSON.parse(body) as { Type: string; SubscribeURL?: string; Message?: string };
      if (message.Type === 'SubscriptionConfirmation') {
        await fetch(message.SubscribeURL!);
        confirmed();
      } else if (message.Type === 'Notification') {
        httpOrders.push((JSON.parse(message.Message!) as Order).id);
      }
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  try {
    const run = Date.now().toString(36);
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: `orders-${run}` }));
    log(`topic ${TopicArn}`);
    const urls = {} as Record<QueueName, string>;
    for (const [name, policy] of Object.entries(QUEUES) as [QueueName, (typeof QUEUES)[QueueName]][]) {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-${run}` }));
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
      );
      await sns.send(
        new SubscribeCommand({
          TopicArn,
          Protocol: 'sqs',
          Endpoint: Attributes!.QueueArn,
          Attributes: {
            RawMessageDelivery: 'true',
            FilterPolicy: JSON.stringify(policy.FilterPolicy),
            ...('FilterPolicyScope' in policy ? { FilterPolicyScope: policy.FilterPolicyScope } : {}),
          },
        }),
      );
      urls[name] = QueueUrl!;
      log(`queue ${name}: filter ${JSON.stringify(policy.FilterPolicy)}`);
    }
    const hook = `http://127.0.0.1:${(server.address() as AddressInfo).port}/orders`;
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: hook }));
    await confirmation;
    log(`http ${hook}: confirmed, takes every order`);

    await sns.send(
      new PublishBatchCommand({
        TopicArn,
        PublishBatchRequestEntries: ORDERS.map((order) => ({
          Id: order.id,
          Message: JSON.stringify(order),
          MessageAttributes: {
            kind: { DataType: 'String', StringValue: order.kind },
            total: { DataType: 'Number', StringValue: String(order.total) },
          },
        })),
      }),
    );
    log(`published ${ORDERS.length} orders`);

    const queues = {} as Record<QueueName, string[]>;
    for (const name of Object.keys(QUEUES) as QueueName[]) {
      queues[name] = await drain(sqs, urls[name], expectedIds(name).length);
    }
    const deadline = Date.now() + 10_000;
    while (httpOrders.length < ORDERS.length && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return { queues, http: httpOrders.sort() };
  } finally {
    server.close();
    sns.destroy();
    sqs.destroy();
  }
}

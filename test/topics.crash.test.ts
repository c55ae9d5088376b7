// Topic delivery across a real kill -9: a published message was committed before Publish answered,
// so after a restart every queue subscriber has it and an HTTP subscriber that was failing gets
// it once it recovers (its retries resume from the store).
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import {
  CreateTopicCommand,
  ListSubscriptionsByTopicCommand,
  PublishBatchCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { type EddyProcess, spawnEddy, tempDataDir } from './harness.ts';
import { distinctBodies, eventually } from './helpers.ts';

const MESSAGES = 200;

/** An HTTP subscriber that confirms its subscription, answers 500 until healthy, then records bodies. */
function subscriber() {
  const received = new Set<string>();
  let healthy = false;
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', async () => {
      const message = JSON.parse(body) as { Type: string; SubscribeURL?: string; Message?: string };
      if (message.Type === 'SubscriptionConfirmation') {
        await fetch(message.SubscribeURL!);
        response.end();
        return;
      }
      if (!healthy) {
        response.statusCode = 500;
        response.end();
        return;
      }
      received.add(message.Message!);
      response.end();
    });
  });
  return {
    received,
    heal: () => {
      healthy = true;
    },
    async start(): Promise<string> {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

test('kill -9 during delivery: queue subscribers lose nothing and HTTP retries resume after restart', async () => {
  const dataDir = tempDataDir();
  const hook = subscriber();
  const endpoint = await hook.start();
  let second: EddyProcess | undefined;
  try {
    const first = await spawnEddy(['--port', '0', '--data-dir', dataDir]);
    const sns = first.client(SNSClient);
    const sqs = first.client(SQSClient);
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'crash-topic' }));
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'crash-fanout' }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'sqs',
        Endpoint: Attributes!.QueueArn,
        Attributes: { RawMessageDelivery: 'true' },
      }),
    );
    // Retry every second, many times: the subscriber stays down across the crash.
    await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'http',
        Endpoint: endpoint,
        Attributes: {
          DeliveryPolicy: JSON.stringify({
            healthyRetryPolicy: {
              numRetries: 100,
              numNoDelayRetries: 0,
              minDelayTarget: 1,
              maxDelayTarget: 1,
              numMinDelayRetries: 100,
              numMaxDelayRetries: 0,
              backoffFunction: 'linear',
            },
          }),
        },
      }),
    );
    await eventually(
      async () => {
        const { Subscriptions = [] } = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }));
        return Subscriptions.every((subscription) => subscription.SubscriptionArn !== 'PendingConfirmation');
      },
      { what: 'the HTTP subscription is confirmed' },
    );

    const acknowledged: string[] = [];
    for (let batch = 0; batch < MESSAGES / 10; batch++) {
      const entries = Array.from({ length: 10 }, (_, index) => ({
        Id: String(index),
        Message: `message-${batch * 10 + index}`,
      }));
      const { Successful = [] } = await sns.send(
        new PublishBatchCommand({ TopicArn, PublishBatchRequestEntries: entries }),
      );
      for (const entry of Successful) acknowledged.push(`message-${batch * 10 + Number(entry.Id)}`);
    }
    assert.equal(acknowledged.length, MESSAGES);
    sns.destroy();
    sqs.destroy();
    assert.equal(await first.kill('SIGKILL'), null);

    second = await spawnEddy(['--port', '0', '--data-dir', dataDir]);
    const sqsAfter = second.client(SQSClient);
    const { QueueUrl: urlAfter } = await sqsAfter.send(new GetQueueUrlCommand({ QueueName: 'crash-fanout' }));
    const inQueue = await distinctBodies(sqsAfter, urlAfter!, MESSAGES, { timeoutMs: 15_000 });
    assert.deepEqual([...inQueue].sort(), [...acknowledged].sort(), 'the queue subscriber has every message');

    hook.heal();
    // The HTTP retries are 1 s apart on the spawned process's own (system) clock.
    await eventually(() => hook.received.size >= MESSAGES, { timeoutMs: 20_000 }).catch(() => {});
    assert.deepEqual(
      [...hook.received].sort(),
      [...acknowledged].sort(),
      'the HTTP subscriber has every message',
    );
    sqsAfter.destroy();
  } finally {
    await second?.kill('SIGTERM');
    await hook.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

// The SQS workloads, through @aws-sdk/client-sqs exactly as an application would call them: the same
// code runs against eddy, fauxqs and moto_server.
import { Agent } from 'node:http';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  type ReceiveMessageCommandOutput,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import {
  type LoadOptions,
  type LoadResult,
  makeBody,
  type PacedOptions,
  type PacedResult,
  parseBody,
  Samples,
  sleep,
  summarize,
} from './stats.ts';

export interface Sqs {
  client: SQSClient;
  close(): void;
}

/** A client with a keep-alive agent big enough for every concurrent caller; MD5 checks as configured. */
export function sqsClient(endpoint: string, options: { sockets: number; md5: boolean }): Sqs {
  const agent = new Agent({ keepAlive: true, maxSockets: options.sockets });
  const client = new SQSClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({
      httpAgent: agent,
      connectionTimeout: 5000,
      requestTimeout: 60_000,
    }),
    ...(options.md5 ? {} : { md5: false }),
  });
  return {
    client,
    close() {
      client.destroy();
      agent.destroy();
    },
  };
}

/** Waits until the endpoint answers SQS calls (moto logs its port before the app is loaded). */
export async function waitForSqs(client: SQSClient, timeoutMs = 30_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      await client.send(new ListQueuesCommand({}));
      return;
    } catch (error) {
      if (performance.now() > deadline) throw error;
      await sleep(200);
    }
  }
}

export async function createQueue(client: SQSClient, name: string): Promise<string> {
  const created = await client.send(
    new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '120' } }),
  );
  if (!created.QueueUrl) throw new Error(`CreateQueue ${name} returned no QueueUrl`);
  return created.QueueUrl;
}

export async function deleteQueue(client: SQSClient, queueUrl: string): Promise<void> {
  await client.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => undefined);
}

const isAbort = (error: unknown) => error instanceof Error && error.name === 'AbortError';

/** Sends batches of 10 until `batches` were taken from the shared counter; resends failed entries. */
async function produce(
  client: SQSClient,
  queueUrl: string,
  messages: number,
  take: () => number,
  send: Samples,
  onError: (error: unknown) => void,
): Promise<void> {
  for (let batch = take(); batch * 10 < messages; batch = take()) {
    const first = batch * 10;
    const count = Math.min(10, messages - first);
    let pending = Array.from({ length: count }, (_, index) => first + index);
    while (pending.length > 0) {
      const startedAt = performance.now();
      const entries = pending.map((sequence) => ({
        Id: String(sequence - first),
        MessageBody: makeBody(sequence, startedAt),
      }));
      try {
        const result = await client.send(
          new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }),
        );
        send.add(performance.now() - startedAt);
        const failed = new Set((result.Failed ?? []).map((entry) => entry.Id));
        for (let i = 0; i < failed.size; i++) onError(new Error('SendMessageBatch entry failed'));
        pending = pending.filter((sequence) => failed.has(String(sequence - first)));
      } catch (error) {
        onError(error);
      }
    }
  }
}

/**
 * N producers SendMessageBatch(10) and M consumers long-poll ReceiveMessage(10) +
 * DeleteMessageBatch, together, until every message was received and deleted.
 */
export async function runSqsLoad(
  client: SQSClient,
  queueUrl: string,
  options: LoadOptions,
): Promise<LoadResult> {
  const { messages } = options;
  const send = new Samples();
  const e2e = new Samples();
  const seen = new Uint8Array(messages);
  let unique = 0;
  let duplicates = 0;
  let errors = 0;
  let nextBatch = 0;
  let lastDeleteAt = 0;
  const polls = new AbortController();
  const onError = (error: unknown) => {
    errors += 1;
    if (errors === 1 || errors % 1000 === 0) console.error(`  error #${errors}: ${String(error)}`);
    if (errors > 10_000) throw new Error(`too many errors: ${String(error)}`);
  };

  const consume = async () => {
    while (unique < messages) {
      let received: ReceiveMessageCommandOutput;
      try {
        received = await client.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 20 }),
          { abortSignal: polls.signal },
        );
      } catch (error) {
        if (isAbort(error) || unique >= messages) return;
        onError(error);
        await sleep(10);
        continue;
      }
      const receivedAt = performance.now();
      const list = received.Messages ?? [];
      if (list.length === 0) continue;
      for (const message of list) {
        const { sequence, sentAt } = parseBody(message.Body ?? '');
        if (seen[sequence]) {
          duplicates += 1;
          continue;
        }
        seen[sequence] = 1;
        unique += 1;
        e2e.add(receivedAt - sentAt);
      }
      if (unique >= messages) polls.abort();
      const entries = list.map((message, index) => ({
        Id: String(index),
        ReceiptHandle: message.ReceiptHandle,
      }));
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          const deleted = await client.send(
            new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }),
          );
          for (const _ of deleted.Failed ?? []) onError(new Error('DeleteMessageBatch entry failed'));
          break;
        } catch (error) {
          onError(error);
        }
      }
      lastDeleteAt = performance.now();
    }
  };

  const startedAt = performance.now();
  await Promise.all([
    ...Array.from({ length: options.producers }, () =>
      produce(client, queueUrl, messages, () => nextBatch++, send, onError),
    ),
    ...Array.from({ length: options.consumers }, consume),
  ]);
  return summarize(messages, startedAt, lastDeleteAt, send, e2e, duplicates, errors);
}

/**
 * SendMessage at a fixed rate (one message per call, fired on schedule without waiting for earlier
 * calls) while M consumers long-poll and delete; every message's send→receive latency.
 */
export async function runSqsPaced(
  client: SQSClient,
  queueUrl: string,
  options: PacedOptions,
): Promise<PacedResult> {
  const total = Math.round(options.rate * options.seconds);
  const send = new Samples();
  const e2e = new Samples();
  const seen = new Uint8Array(total);
  let unique = 0;
  let errors = 0;
  const polls = new AbortController();
  let allReceived: () => void = () => undefined;
  const done = new Promise<void>((resolvePromise) => {
    allReceived = resolvePromise;
  });

  const consume = async () => {
    while (unique < total) {
      let list: { Body?: string; ReceiptHandle?: string }[];
      try {
        const received = await client.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 20 }),
          { abortSignal: polls.signal },
        );
        list = received.Messages ?? [];
      } catch (error) {
        if (isAbort(error) || unique >= total) return;
        errors += 1;
        await sleep(10);
        continue;
      }
      const receivedAt = performance.now();
      for (const message of list) {
        const { sequence, sentAt } = parseBody(message.Body ?? '');
        if (seen[sequence]) continue;
        seen[sequence] = 1;
        unique += 1;
        e2e.add(receivedAt - sentAt);
      }
      if (unique >= total) {
        polls.abort();
        allReceived();
      }
      if (list.length > 0) {
        const entries = list.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle,
        }));
        await client
          .send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }))
          .catch(() => (errors += 1));
      }
    }
  };

  const consumers = Array.from({ length: options.consumers }, consume);
  const sends: Promise<unknown>[] = [];
  const startedAt = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - startedAt) * options.rate) / 1000) + 1);
    for (; sent < due; sent++) {
      const sentAt = performance.now();
      const sequence = sent;
      sends.push(
        client
          .send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: makeBody(sequence, sentAt) }))
          .then(
            () => send.add(performance.now() - sentAt),
            () => (errors += 1),
          ),
      );
    }
    await sleep(1);
  }
  const sendSeconds = (performance.now() - startedAt) / 1000;
  await Promise.all(sends);
  const timeout = sleep(30_000).then(() => polls.abort());
  await Promise.race([done, timeout]);
  polls.abort();
  await Promise.all(consumers);
  if (unique < total) errors += total - unique;
  return {
    rate: options.rate,
    achievedRate: total / sendSeconds,
    messages: unique,
    sendP50: send.percentile(0.5),
    sendP99: send.percentile(0.99),
    e2eP50: e2e.percentile(0.5),
    e2eP99: e2e.percentile(0.99),
    e2eMax: e2e.percentile(1),
    errors,
  };
}

/** Sends `messages` with SendMessageBatch(10) from many producers, nobody receiving; returns msgs/s. */
export async function fillQueue(
  client: SQSClient,
  queueUrl: string,
  messages: number,
  producers: number,
): Promise<{ rate: number; queued: number }> {
  let nextBatch = 0;
  const send = new Samples();
  let errors = 0;
  const startedAt = performance.now();
  let lastReport = startedAt;
  await Promise.all(
    Array.from({ length: producers }, () =>
      produce(
        client,
        queueUrl,
        messages,
        () => {
          const now = performance.now();
          if (now - lastReport > 10_000) {
            lastReport = now;
            console.error(`  … ${Math.min(messages, nextBatch * 10)} of ${messages} sent`);
          }
          return nextBatch++;
        },
        send,
        (error) => {
          errors += 1;
          if (errors > 1000) throw error;
        },
      ),
    ),
  );
  const rate = messages / ((performance.now() - startedAt) / 1000);
  const attributes = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  return { rate, queued: Number(attributes.Attributes?.ApproximateNumberOfMessages ?? Number.NaN) };
}

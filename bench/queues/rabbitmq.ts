// The same workloads against RabbitMQ through amqplib, configured for the same guarantee eddy gives:
// a durable queue, persistent messages, publisher confirms (a batch of 10 counts as sent once the
// broker confirmed it) and consumers with prefetch that ack each message after receiving it.
import { type Channel, type ChannelModel, type ConsumeMessage, connect } from 'amqplib';
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

export const RABBITMQ_URL = process.env.BENCH_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const PREFETCH = 100;

export async function connectRabbit(): Promise<ChannelModel> {
  return connect(RABBITMQ_URL);
}

async function withQueue<T>(
  connection: ChannelModel,
  run: (queue: string, admin: Channel) => Promise<T>,
): Promise<T> {
  const admin = await connection.createChannel();
  const queue = `eddy-bench-${process.pid}-${Date.now()}`;
  await admin.assertQueue(queue, { durable: true });
  try {
    return await run(queue, admin);
  } finally {
    await admin.deleteQueue(queue).catch(() => undefined);
    await admin.close().catch(() => undefined);
  }
}

interface Consumers {
  unique: () => number;
  duplicates: () => number;
  lastAckAt: () => number;
  done: Promise<void>;
  close(): Promise<void>;
}

async function startConsumers(
  connection: ChannelModel,
  queue: string,
  count: number,
  total: number,
  e2e: Samples,
): Promise<Consumers> {
  const seen = new Uint8Array(total);
  let unique = 0;
  let duplicates = 0;
  let lastAckAt = 0;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolvePromise) => {
    finish = resolvePromise;
  });
  const channels: Channel[] = [];
  for (let i = 0; i < count; i++) {
    const channel = await connection.createChannel();
    await channel.prefetch(PREFETCH);
    await channel.consume(
      queue,
      (message: ConsumeMessage | null) => {
        if (!message) return;
        const receivedAt = performance.now();
        const { sequence, sentAt } = parseBody(message.content.toString());
        if (seen[sequence]) duplicates += 1;
        else {
          seen[sequence] = 1;
          unique += 1;
          e2e.add(receivedAt - sentAt);
        }
        channel.ack(message);
        lastAckAt = performance.now();
        if (unique >= total) finish();
      },
      { noAck: false },
    );
    channels.push(channel);
  }
  return {
    unique: () => unique,
    duplicates: () => duplicates,
    lastAckAt: () => lastAckAt,
    done,
    async close() {
      await Promise.allSettled(channels.map((channel) => channel.close()));
    },
  };
}

/** N producers publish 10 persistent messages and wait for their confirms; M consumers ack. */
export async function runRabbitLoad(connection: ChannelModel, options: LoadOptions): Promise<LoadResult> {
  return withQueue(connection, async (queue) => {
    const { messages } = options;
    const send = new Samples();
    const e2e = new Samples();
    const consumers = await startConsumers(connection, queue, options.consumers, messages, e2e);
    let nextBatch = 0;
    const startedAt = performance.now();
    await Promise.all(
      Array.from({ length: options.producers }, async () => {
        const channel = await connection.createConfirmChannel();
        for (let batch = nextBatch++; batch * 10 < messages; batch = nextBatch++) {
          const first = batch * 10;
          const sentAt = performance.now();
          for (let sequence = first; sequence < Math.min(messages, first + 10); sequence++) {
            channel.publish('', queue, Buffer.from(makeBody(sequence, sentAt)), { persistent: true });
          }
          await channel.waitForConfirms();
          send.add(performance.now() - sentAt);
        }
        await channel.close();
      }),
    );
    await Promise.race([consumers.done, sleep(120_000)]);
    const endedAt = consumers.lastAckAt();
    const unique = consumers.unique();
    await consumers.close();
    if (unique < messages) throw new Error(`RabbitMQ delivered ${unique} of ${messages} messages`);
    return summarize(messages, startedAt, endedAt, send, e2e, consumers.duplicates(), 0);
  });
}

/** One persistent, confirmed publish per message at a fixed rate. */
export async function runRabbitPaced(connection: ChannelModel, options: PacedOptions): Promise<PacedResult> {
  return withQueue(connection, async (queue) => {
    const total = Math.round(options.rate * options.seconds);
    const send = new Samples();
    const e2e = new Samples();
    const consumers = await startConsumers(connection, queue, options.consumers, total, e2e);
    const channel = await connection.createConfirmChannel();
    let errors = 0;
    const startedAt = performance.now();
    let sent = 0;
    while (sent < total) {
      const due = Math.min(total, Math.floor(((performance.now() - startedAt) * options.rate) / 1000) + 1);
      for (; sent < due; sent++) {
        const sentAt = performance.now();
        channel.publish('', queue, Buffer.from(makeBody(sent, sentAt)), { persistent: true }, (error) => {
          if (error) errors += 1;
          else send.add(performance.now() - sentAt);
        });
      }
      await sleep(1);
    }
    const sendSeconds = (performance.now() - startedAt) / 1000;
    await channel.waitForConfirms();
    await Promise.race([consumers.done, sleep(30_000)]);
    const unique = consumers.unique();
    await consumers.close();
    await channel.close();
    return {
      rate: options.rate,
      achievedRate: total / sendSeconds,
      messages: unique,
      sendP50: send.percentile(0.5),
      sendP99: send.percentile(0.99),
      e2eP50: e2e.percentile(0.5),
      e2eP99: e2e.percentile(0.99),
      e2eMax: e2e.percentile(1),
      errors: errors + (total - unique),
    };
  });
}

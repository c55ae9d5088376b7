// SNS fan-out end to end: a topic with 10 SQS subscriptions whose filter policies select half of the
// messages each (every message reaches 5 queues), against eddy (durable, SQLite, a real `eddy up`),
// fauxqs (npm, in-memory) and moto_server (Python, in-memory), one server at a time.
//
// 1. Throughput: publishers PublishBatch(10) 1 KiB messages carrying their send time while one
//    consumer per queue long-polls ReceiveMessage(10) + DeleteMessageBatch; published msgs/s,
//    delivered msgs/s (first publish to last receive) and publish→receive latency.
// 2. Paced: Publish at 1,000 msgs/s for 10 s; publish→receive latency (target p99 ≤ 10 ms).
//
// Usage: npm run bench -- topics [key=value ...]
//   messages=20000  moto_messages=500  publishers=4  paced_rate=1000  paced_seconds=10
//   peers=eddy,fauxqs,moto
import { Agent } from 'node:http';
import {
  CreateTopicCommand,
  PublishBatchCommand,
  PublishCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { benchArgs, type Cell, printResult, printTable } from './_lib.ts';
import { type Peer, startEddy, startFauxqs, startMoto, stopAll } from './queues/peers.ts';
import { createQueue, sqsClient, waitForSqs } from './queues/sqs.ts';
import { makeBody, parseBody, Samples } from './queues/stats.ts';

const args = benchArgs();
const setting = args.number;
const MESSAGES = setting('messages', 20_000);
const MOTO_MESSAGES = Math.min(MESSAGES, setting('moto_messages', 500));
const PUBLISHERS = setting('publishers', 4);
const PACED_RATE = setting('paced_rate', 1000);
const PACED_SECONDS = setting('paced_seconds', 10);
const PEERS = new Set(args.text('peers', 'eddy,fauxqs,moto').split(','));
const SUBSCRIPTIONS = 10;
const FAN_OUT = SUBSCRIPTIONS / 2;

const log = (line: string) => console.error(`[topics] ${line}`);

interface Fanout {
  topicArn: string;
  queueUrls: string[];
}

/** A topic and 10 raw-delivery queue subscriptions; even ones take shard "a", odd ones shard "b". */
async function setUp(sns: SNSClient, sqs: SQSClient, tag: string): Promise<Fanout> {
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: `bench-${tag}-${Date.now()}` }));
  const queueUrls: string[] = [];
  for (let index = 0; index < SUBSCRIPTIONS; index++) {
    const url = await createQueue(sqs, `bench-${tag}-${Date.now()}-${index}`);
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
    );
    await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'sqs',
        Endpoint: Attributes!.QueueArn,
        Attributes: {
          RawMessageDelivery: 'true',
          FilterPolicy: JSON.stringify({ shard: [index % 2 === 0 ? 'a' : 'b'] }),
        },
      }),
    );
    queueUrls.push(url);
  }
  return { topicArn: TopicArn!, queueUrls };
}

const shardOf = (sequence: number) => ({
  shard: { DataType: 'String', StringValue: sequence % 2 === 0 ? 'a' : 'b' },
});

/** One consumer per queue until `expected` deliveries in all; latencies from the body's send time. */
function consume(sqs: SQSClient, queueUrls: string[], expected: number, latency: Samples) {
  let delivered = 0;
  let lastAt = 0;
  const stop = new AbortController();
  const workers = queueUrls.map(async (QueueUrl) => {
    while (delivered < expected) {
      let messages: { Body?: string; ReceiptHandle?: string }[] = [];
      try {
        const received = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2 }),
          { abortSignal: stop.signal },
        );
        messages = received.Messages ?? [];
      } catch {
        if (delivered >= expected) return;
        continue;
      }
      const now = performance.now();
      for (const message of messages) latency.add(now - parseBody(message.Body ?? '').sentAt);
      delivered += messages.length;
      lastAt = now;
      if (delivered >= expected) stop.abort();
      if (messages.length > 0) {
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl,
            Entries: messages.map((message, index) => ({
              Id: String(index),
              ReceiptHandle: message.ReceiptHandle,
            })),
          }),
        );
      }
    }
  });
  return {
    done: Promise.all(workers).then(() => ({ delivered, lastAt })),
    cancel: () => stop.abort(),
  };
}

interface LoadOutcome {
  published: number;
  publishRate: number;
  deliveredRate: number;
  e2eP50: number;
  e2eP99: number;
}

async function throughput(
  sns: SNSClient,
  sqs: SQSClient,
  fanout: Fanout,
  messages: number,
): Promise<LoadOutcome> {
  const latency = new Samples();
  const consumers = consume(sqs, fanout.queueUrls, messages * FAN_OUT, latency);
  const startedAt = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: PUBLISHERS }, async () => {
      while (next < messages) {
        const first = next;
        next += 10;
        const entries = [];
        for (let sequence = first; sequence < Math.min(first + 10, messages); sequence++) {
          entries.push({
            Id: String(sequence - first),
            Message: makeBody(sequence, performance.now()),
            MessageAttributes: shardOf(sequence),
          });
        }
        await sns.send(
          new PublishBatchCommand({ TopicArn: fanout.topicArn, PublishBatchRequestEntries: entries }),
        );
      }
    }),
  );
  const publishedAt = performance.now();
  const timeout = setTimeout(() => consumers.cancel(), 120_000);
  const { delivered, lastAt } = await consumers.done;
  clearTimeout(timeout);
  if (delivered < messages * FAN_OUT) throw new Error(`only ${delivered} of ${messages * FAN_OUT} delivered`);
  return {
    published: messages,
    publishRate: messages / ((publishedAt - startedAt) / 1000),
    deliveredRate: delivered / ((lastAt - startedAt) / 1000),
    e2eP50: latency.percentile(0.5),
    e2eP99: latency.percentile(0.99),
  };
}

async function paced(sns: SNSClient, sqs: SQSClient, fanout: Fanout): Promise<{ p50: number; p99: number }> {
  const total = PACED_RATE * PACED_SECONDS;
  const latency = new Samples();
  const consumers = consume(sqs, fanout.queueUrls, total * FAN_OUT, latency);
  const startedAt = performance.now();
  const sends: Promise<unknown>[] = [];
  for (let sent = 0; sent < total; ) {
    const due = Math.min(total, Math.floor(((performance.now() - startedAt) * PACED_RATE) / 1000) + 1);
    for (; sent < due; sent++) {
      sends.push(
        sns.send(
          new PublishCommand({
            TopicArn: fanout.topicArn,
            Message: makeBody(sent, performance.now()),
            MessageAttributes: shardOf(sent),
          }),
        ),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(sends);
  const timeout = setTimeout(() => consumers.cancel(), 60_000);
  await consumers.done;
  clearTimeout(timeout);
  return { p50: latency.percentile(0.5), p99: latency.percentile(0.99) };
}

interface Outcome {
  load?: LoadOutcome;
  paced?: { p50: number; p99: number };
  note?: string;
}
const outcomes = new Map<string, Outcome>();
const running = new Set<Peer>();

async function benchPeer(name: string, start: () => Promise<Peer>, messages: number, withPaced: boolean) {
  const outcome: Outcome = {};
  outcomes.set(name, outcome);
  log(`starting ${name}`);
  const peer = await start();
  running.add(peer);
  const sqs = sqsClient(peer.url, { sockets: 256, md5: true });
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const sns = new SNSClient({
    endpoint: peer.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpAgent: agent, requestTimeout: 60_000 }),
  });
  try {
    await waitForSqs(sqs.client);
    await throughput(sns, sqs.client, await setUp(sns, sqs.client, 'warm'), Math.min(1000, messages));
    log(`${name}: ${messages} messages × ${FAN_OUT} deliveries`);
    outcome.load = await throughput(sns, sqs.client, await setUp(sns, sqs.client, 'load'), messages);
    log(`${name}: ${outcome.load.deliveredRate.toFixed(0)} deliveries/s`);
    if (withPaced) {
      outcome.paced = await paced(sns, sqs.client, await setUp(sns, sqs.client, 'paced'));
      log(`${name}: paced p99 ${outcome.paced.p99.toFixed(2)} ms`);
    }
  } catch (error) {
    outcome.note = `failed: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`;
    log(`${name} ${outcome.note}`);
  } finally {
    sns.destroy();
    agent.destroy();
    sqs.close();
    await peer.stop();
    running.delete(peer);
  }
}

try {
  if (PEERS.has('eddy')) await benchPeer('eddy', startEddy, MESSAGES, true);
  if (PEERS.has('fauxqs')) await benchPeer('fauxqs', startFauxqs, MESSAGES, true);
  if (PEERS.has('moto')) await benchPeer('moto', startMoto, MOTO_MESSAGES, false);
} finally {
  await stopAll(running);
}

const eddy = outcomes.get('eddy');
const ratio = (peer: string) => {
  const theirs = outcomes.get(peer)?.load?.deliveredRate;
  return eddy?.load && theirs ? (eddy.load.deliveredRate / theirs).toFixed(2) : 'n/a';
};
const fixed = (value: number | undefined) =>
  value === undefined || Number.isNaN(value) ? '-' : value.toFixed(2);

console.log(
  `\ntopics: 10 SQS subscriptions (raw delivery), filter policies select 5 per message, 1 KiB messages, ` +
    `${PUBLISHERS} publishers PublishBatch(10), one consumer per queue; paced: Publish at ${PACED_RATE}/s for ${PACED_SECONDS} s\n`,
);
printTable(
  [
    'peer',
    'published',
    'published/s',
    'delivered/s',
    'eddy ×',
    'p50 ms',
    'p99 ms',
    'paced p50 ms',
    'paced p99 ms',
    'note',
  ],
  [...outcomes].map(([name, { load, paced: pacedRun, note }]): Cell[] => [
    name,
    load?.published ?? '-',
    load ? Math.round(load.publishRate) : '-',
    load ? Math.round(load.deliveredRate) : '-',
    name === 'eddy' ? '1.00' : ratio(name),
    fixed(load?.e2eP50),
    fixed(load?.e2eP99),
    fixed(pacedRun?.p50),
    fixed(pacedRun?.p99),
    note ?? (name === 'eddy' ? 'durable (SQLite)' : 'in-memory'),
  ]),
);
console.log('');
printResult('topics', {
  published_per_s: eddy?.load ? Math.round(eddy.load.publishRate) : 'n/a',
  delivered_per_s: eddy?.load ? Math.round(eddy.load.deliveredRate) : 'n/a',
  p99_ms: eddy?.paced ? Number(eddy.paced.p99.toFixed(2)) : 'n/a',
  ratio_vs_fauxqs: ratio('fauxqs'),
  ratio_vs_moto: ratio('moto'),
});

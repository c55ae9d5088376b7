// SNS fan-out end to end: a topic with 10 SQS subscriptions whose filter policies select half of the
// messages each (every message reaches 5 queues), against eddy (durable, SQLite, a real `eddy up`),
// fauxqs (npm, in-memory) and moto_server (Python, in-memory), one server at a time.
//
// 1. Throughput: publishers PublishBatch(10) 1 KiB messages carrying their send time while one
//    consumer per queue long-polls ReceiveMessage(10) + DeleteMessageBatch; published msgs/s,
//    delivered msgs/s (first publish to last receive) and publish→receive latency.
// 2. Paced: Publish at 1,000 msgs/s for 10 s after 2 s of warm-up; publish→receive latency
//    (target p99 ≤ 10 ms).
//
// The load (Publish, PublishBatch, ReceiveMessage, DeleteMessageBatch) goes through a light
// signed-HTTP client (bench/_wire.ts) by default, the same for every peer: on two cores the SDKs'
// own CPU would be the limit. `client=sdk` sends it with the SDKs instead. Setup uses the SDKs.
//
// Usage: npm run bench -- topics [key=value ...]
//   messages=20000  moto_messages=500  publishers=4  paced_rate=1000  paced_seconds=10
//   peers=eddy,eddy-process,fauxqs,moto  client=wire|sdk (eddy-process: EDDY_DURABILITY=process)
import { Agent } from 'node:http';
import {
  CreateTopicCommand,
  PublishBatchCommand,
  PublishCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { benchArgs, type Cell, printResult, printTable } from './_lib.ts';
import { WireClient } from './_wire.ts';
import { type Consumer, sdkConsumer, type Taken, wireConsumer } from './queues/consumer.ts';
import {
  EDDY_DURABILITY_NOTES,
  type Peer,
  startEddy,
  startFauxqs,
  startMoto,
  stopAll,
} from './queues/peers.ts';
import { createQueue, sqsClient, waitForSqs } from './queues/sqs.ts';
import { makeBody, parseBody, Samples } from './queues/stats.ts';

const args = benchArgs();
const setting = args.number;
const MESSAGES = setting('messages', 20_000);
const MOTO_MESSAGES = Math.min(MESSAGES, setting('moto_messages', 500));
const PUBLISHERS = setting('publishers', 4);
const PACED_RATE = setting('paced_rate', 1000);
const PACED_SECONDS = setting('paced_seconds', 10);
const PACED_WARM_UP_SECONDS = 2;
const CLIENT = args.text('client', 'wire');
const PEERS = new Set(args.text('peers', 'eddy,eddy-process,fauxqs,moto').split(','));
const SUBSCRIPTIONS = 10;
const FAN_OUT = SUBSCRIPTIONS / 2;

const log = (line: string) => console.error(`[topics] ${line}`);

interface LoadClients {
  publisher: Publisher;
  consumer: Consumer;
}

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

const shardOf = (sequence: number) => (sequence % 2 === 0 ? 'a' : 'b');

/** One consumer per queue until `expected` deliveries in all; latencies from the body's send time. */
function consume(consumer: Consumer, queueUrls: string[], expected: number, latency: Samples) {
  let delivered = 0;
  let lastAt = 0;
  const stop = new AbortController();
  const deletes: Promise<void>[] = [];
  const workers = queueUrls.map(async (queueUrl) => {
    while (delivered < expected) {
      let taken: Taken;
      try {
        taken = await consumer.take(queueUrl, 2, stop.signal);
      } catch (error) {
        if (delivered >= expected || stop.signal.aborted) return; // done, or given up (cancel)
        log(`receive failed: ${String(error)}`);
        continue;
      }
      deletes.push(taken.deleted);
      for (const body of taken.bodies) latency.add(taken.receivedAt - parseBody(body).sentAt);
      delivered += taken.bodies.length;
      lastAt = taken.receivedAt;
      if (delivered >= expected) stop.abort();
    }
  });
  return {
    done: Promise.all(workers)
      .then(() => Promise.all(deletes))
      .then(() => ({ delivered, lastAt })),
    cancel: () => stop.abort(),
  };
}

/** Publish and PublishBatch, through @aws-sdk/client-sns or as Query requests on the wire client. */
interface Publisher {
  publishBatch(
    topicArn: string,
    entries: Array<{ id: string; message: string; shard: string }>,
  ): Promise<void>;
  publish(topicArn: string, message: string, shard: string): Promise<void>;
  close(): void;
}

function sdkPublisher(sns: SNSClient): Publisher {
  const attributes = (shard: string) => ({ shard: { DataType: 'String', StringValue: shard } });
  return {
    async publishBatch(TopicArn, entries) {
      const { Failed = [] } = await sns.send(
        new PublishBatchCommand({
          TopicArn,
          PublishBatchRequestEntries: entries.map((entry) => ({
            Id: entry.id,
            Message: entry.message,
            MessageAttributes: attributes(entry.shard),
          })),
        }),
      );
      if (Failed.length > 0) throw new Error(`${Failed.length} messages refused`);
    },
    async publish(TopicArn, Message, shard) {
      await sns.send(new PublishCommand({ TopicArn, Message, MessageAttributes: attributes(shard) }));
    },
    close() {},
  };
}

function wirePublisher(endpoint: string): Publisher {
  const wire = new WireClient({ endpoint, service: 'sns', sockets: 256 });
  const attribute = (prefix: string, shard: string) => ({
    [`${prefix}MessageAttributes.entry.1.Name`]: 'shard',
    [`${prefix}MessageAttributes.entry.1.Value.DataType`]: 'String',
    [`${prefix}MessageAttributes.entry.1.Value.StringValue`]: shard,
  });
  return {
    async publishBatch(TopicArn, entries) {
      const params: Record<string, string> = { Action: 'PublishBatch', Version: '2010-03-31', TopicArn };
      entries.forEach((entry, index) => {
        const prefix = `PublishBatchRequestEntries.member.${index + 1}.`;
        Object.assign(params, { [`${prefix}Id`]: entry.id, [`${prefix}Message`]: entry.message });
        Object.assign(params, attribute(prefix, entry.shard));
      });
      const answer = await wire.query(params);
      if (answer.includes('<Failed><member>')) throw new Error(`messages refused: ${answer}`);
    },
    async publish(TopicArn, Message, shard) {
      await wire.query({
        Action: 'Publish',
        Version: '2010-03-31',
        TopicArn,
        Message,
        ...attribute('', shard),
      });
    },
    close: () => wire.close(),
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
  { publisher, consumer }: LoadClients,
  fanout: Fanout,
  messages: number,
): Promise<LoadOutcome> {
  const latency = new Samples();
  const consumers = consume(consumer, fanout.queueUrls, messages * FAN_OUT, latency);
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
            id: String(sequence - first),
            message: makeBody(sequence, performance.now()),
            shard: shardOf(sequence),
          });
        }
        await publisher.publishBatch(fanout.topicArn, entries);
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

async function paced(
  { publisher, consumer }: LoadClients,
  fanout: Fanout,
  seconds: number,
): Promise<{ p50: number; p99: number }> {
  const total = PACED_RATE * seconds;
  const latency = new Samples();
  const consumers = consume(consumer, fanout.queueUrls, total * FAN_OUT, latency);
  const startedAt = performance.now();
  const sends: Promise<unknown>[] = [];
  for (let sent = 0; sent < total; ) {
    const due = Math.min(total, Math.floor(((performance.now() - startedAt) * PACED_RATE) / 1000) + 1);
    for (; sent < due; sent++) {
      sends.push(publisher.publish(fanout.topicArn, makeBody(sent, performance.now()), shardOf(sent)));
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(sends);
  const timeout = setTimeout(() => consumers.cancel(), 60_000);
  const { delivered } = await consumers.done;
  clearTimeout(timeout);
  if (delivered < total * FAN_OUT) throw new Error(`only ${delivered} of ${total * FAN_OUT} delivered`);
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
  const clients: LoadClients =
    CLIENT === 'sdk'
      ? { publisher: sdkPublisher(sns), consumer: sdkConsumer(sqs.client) }
      : { publisher: wirePublisher(peer.url), consumer: wireConsumer(peer.url, 256) };
  try {
    await waitForSqs(sqs.client);
    await throughput(clients, await setUp(sns, sqs.client, 'warm'), Math.min(1000, messages));
    log(`${name}: ${messages} messages × ${FAN_OUT} deliveries`);
    outcome.load = await throughput(clients, await setUp(sns, sqs.client, 'load'), messages);
    log(`${name}: ${outcome.load.deliveredRate.toFixed(0)} deliveries/s`);
    if (withPaced) {
      // The warm-up compiles the single-message path; each run has its own topic and queues.
      await paced(clients, await setUp(sns, sqs.client, 'paced-warm'), PACED_WARM_UP_SECONDS);
      outcome.paced = await paced(clients, await setUp(sns, sqs.client, 'paced'), PACED_SECONDS);
      log(`${name}: paced p99 ${outcome.paced.p99.toFixed(2)} ms`);
    }
  } catch (error) {
    outcome.note = `failed: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`;
    log(`${name} ${outcome.note}`);
  } finally {
    clients.publisher.close();
    clients.consumer.close();
    sns.destroy();
    agent.destroy();
    sqs.close();
    await peer.stop();
    running.delete(peer);
  }
}

try {
  if (PEERS.has('eddy')) await benchPeer('eddy', startEddy, MESSAGES, true);
  if (PEERS.has('eddy-process'))
    await benchPeer('eddy-process', () => startEddy({ EDDY_DURABILITY: 'process' }), MESSAGES, true);
  if (PEERS.has('fauxqs')) await benchPeer('fauxqs', startFauxqs, MESSAGES, true);
  if (PEERS.has('moto')) await benchPeer('moto', startMoto, MOTO_MESSAGES, false);
} finally {
  await stopAll(running);
}

const eddy = outcomes.get('eddy');
const processRun = outcomes.get('eddy-process');
const ratio = (peer: string) => {
  const theirs = outcomes.get(peer)?.load?.deliveredRate;
  return eddy?.load && theirs ? (eddy.load.deliveredRate / theirs).toFixed(2) : 'n/a';
};
const fixed = (value: number | undefined) =>
  value === undefined || Number.isNaN(value) ? '-' : value.toFixed(2);

console.log(
  `\ntopics: 10 SQS subscriptions (raw delivery), filter policies select 5 per message, 1 KiB messages, ` +
    `${PUBLISHERS} publishers PublishBatch(10) (${CLIENT} client), one consumer per queue; paced: Publish at ${PACED_RATE}/s for ${PACED_SECONDS} s after ${PACED_WARM_UP_SECONDS} s of warm-up\n`,
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
    note ?? EDDY_DURABILITY_NOTES[name] ?? 'in-memory',
  ]),
);
console.log('');
printResult('topics', {
  published_per_s: eddy?.load ? Math.round(eddy.load.publishRate) : 'n/a',
  delivered_per_s: eddy?.load ? Math.round(eddy.load.deliveredRate) : 'n/a',
  process_delivered_per_s: processRun?.load ? Math.round(processRun.load.deliveredRate) : 'n/a',
  p99_ms: eddy?.paced ? Number(eddy.paced.p99.toFixed(2)) : 'n/a',
  ratio_vs_fauxqs: ratio('fauxqs'),
  ratio_vs_moto: ratio('moto'),
});

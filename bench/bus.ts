// EventBridge end to end: PutEvents (10 per call) into a bus with 1,000 rules, each event matching
// one rule, and 1% of the events matching one of the 10 rules that target an SQS queue. Against eddy
// (durable, SQLite, a real `eddy up`) and moto_server (events + sqs, Python, in-memory).
//
// 1. Throughput: publishers PutEvents(10); accepted events/s (PutEvents answered), processed
//    events/s (until the last event, which targets the queue, arrives: a bus matches in arrival
//    order, so every event before it was matched) and deliveries/s to the queue.
// 2. Paced: 1,000 events/s, every one to the queue; PutEvents→ReceiveMessage p50/p99.
//
// The load (PutEvents, and the queue's ReceiveMessage + DeleteMessageBatch) goes through a light
// signed-HTTP client (bench/_wire.ts) by default: on two cores the SDK's own CPU would be the limit
// (~1 ms per PutEvents of 10); `client=sdk` sends it with the SDKs instead. Setup uses the SDKs.
//
// Usage: npm run bench -- bus [key=value ...]
//   events=50000  moto_events=2000  publishers=16  consumers=2  paced_rate=1000  paced_seconds=10
//   peers=eddy,eddy-process,moto (eddy-process: EDDY_DURABILITY=process)
//   client=wire|sdk
import { Agent } from 'node:http';
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { benchArgs, type Cell, printResult, printTable } from './_lib.ts';
import { WireClient } from './_wire.ts';
import { type Consumer, sdkConsumer, wireConsumer } from './queues/consumer.ts';
import { EDDY_DURABILITY_NOTES, type Peer, startEddy, startMoto, stopAll } from './queues/peers.ts';
import { createQueue, sqsClient, waitForSqs } from './queues/sqs.ts';
import { Samples } from './queues/stats.ts';

const args = benchArgs();
const setting = args.number;
const EVENTS = setting('events', 50_000);
const MOTO_EVENTS = Math.min(EVENTS, setting('moto_events', 2000));
const PUBLISHERS = setting('publishers', 16);
const CONSUMERS = setting('consumers', 2);
const PACED_RATE = setting('paced_rate', 1000);
const PACED_SECONDS = setting('paced_seconds', 10);
const PACED_WARM_UP_SECONDS = 2;
const PEERS = new Set(args.text('peers', 'eddy,eddy-process,moto').split(','));
const CLIENT = args.text('client', 'wire');
const RULES = 1000;
const QUEUE_RULES = 10;
const PADDING = 'x'.repeat(400);

type LoadClients = ReturnType<typeof loadClients>;

const log = (line: string) => console.error(`[bus] ${line}`);

type PutEventsEntry = ReturnType<typeof entry>;
/** Sends one PutEvents; rejects if any entry was refused. */
type Publish = (entries: PutEventsEntry[]) => Promise<void>;

/** The load's clients: PutEvents and the queue's consumer, through the SDKs or the wire client. */
function loadClients(peerUrl: string, events: EventBridgeClient, sqs: SQSClient) {
  const refused = (count: number | undefined) => {
    if (count) throw new Error(`${count} events refused`);
  };
  if (CLIENT === 'sdk') {
    const publish: Publish = async (Entries) =>
      refused((await events.send(new PutEventsCommand({ Entries }))).FailedEntryCount);
    return { publish, consumer: sdkConsumer(sqs), close() {} };
  }
  const wire = new WireClient({ endpoint: peerUrl, service: 'events' });
  const publish: Publish = async (Entries) =>
    refused(
      ((await wire.json('AWSEvents.PutEvents', '1.1', { Entries })) as { FailedEntryCount?: number })
        .FailedEntryCount,
    );
  const consumer = wireConsumer(peerUrl);
  return {
    publish,
    consumer,
    close() {
      wire.close();
      consumer.close();
    },
  };
}

/** Rule `shard-N` matches events whose detail.shard is N; the first ten send them to a queue (`toNewQueue`). */
async function setUp(events: EventBridgeClient) {
  const bus = `bench-${Date.now()}`;
  await events.send(new CreateEventBusCommand({ Name: bus }));
  for (let shard = 0; shard < RULES; shard++) {
    await events.send(
      new PutRuleCommand({
        Name: `shard-${shard}`,
        EventBusName: bus,
        EventPattern: JSON.stringify({
          source: ['bench.orders'],
          'detail-type': ['OrderPlaced'],
          detail: { shard: [shard] },
        }),
      }),
    );
  }
  return bus;
}

/**
 * A fresh queue for each run, so a run's last long polls cannot take the next run's events: the
 * ten queue rules now send to it. Returns its URL.
 */
async function toNewQueue(events: EventBridgeClient, sqs: SQSClient, bus: string, tag: string) {
  const queueUrl = await createQueue(sqs, `bench-bus-${tag}-${Date.now()}`);
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  for (let shard = 0; shard < QUEUE_RULES; shard++) {
    await events.send(
      new PutTargetsCommand({
        Rule: `shard-${shard}`,
        EventBusName: bus,
        Targets: [{ Id: 'queue', Arn: Attributes!.QueueArn, InputPath: '$.detail' }],
      }),
    );
  }
  return queueUrl;
}

/** Shards 0–9 go to the queue: every 100th event; the rest spread over the other 990 rules. */
const shardOf = (sequence: number) =>
  sequence % 100 === 0 ? (sequence / 100) % QUEUE_RULES : QUEUE_RULES + (sequence % (RULES - QUEUE_RULES));

function entry(bus: string, sequence: number, shard: number) {
  return {
    EventBusName: bus,
    Source: 'bench.orders',
    DetailType: 'OrderPlaced',
    Detail: JSON.stringify({ shard, sequence, sentAt: performance.now(), padding: PADDING }),
  };
}

/** Receives from the queue until `expected` events arrived; latencies from each event's send time. */
async function drain(
  consumer: Consumer,
  queueUrl: string,
  expected: number,
  latency: Samples,
  timeoutMs: number,
) {
  let received = 0;
  let lastAt = performance.now();
  const deadline = performance.now() + timeoutMs;
  const deletes: Promise<void>[] = [];
  const worker = async () => {
    while (received < expected && performance.now() < deadline) {
      const { bodies, receivedAt, deleted } = await consumer.take(queueUrl, 1);
      deletes.push(deleted);
      for (const body of bodies) latency.add(receivedAt - (JSON.parse(body) as { sentAt: number }).sentAt);
      received += bodies.length;
      if (bodies.length > 0) lastAt = receivedAt;
    }
  };
  await Promise.all(Array.from({ length: CONSUMERS }, worker));
  await Promise.all(deletes);
  return { received, lastAt };
}

interface LoadOutcome {
  events: number;
  acceptedRate: number;
  processedRate: number;
  deliveredRate: number;
  p50: number;
  p99: number;
}

async function throughput({ publish, consumer }: LoadClients, bus: string, queueUrl: string, total: number) {
  const toQueue = Math.ceil(total / 100);
  const latency = new Samples();
  const startedAt = performance.now();
  const consuming = drain(consumer, queueUrl, toQueue, latency, 300_000);
  let next = 0;
  await Promise.all(
    Array.from({ length: PUBLISHERS }, async () => {
      while (next < total) {
        const first = next;
        next += 10;
        const entries = [];
        for (let sequence = first; sequence < Math.min(first + 10, total); sequence++) {
          entries.push(entry(bus, sequence, shardOf(sequence)));
        }
        await publish(entries);
      }
    }),
  );
  const acceptedAt = performance.now();
  const { received, lastAt } = await consuming;
  if (received < toQueue) throw new Error(`only ${received} of ${toQueue} events reached the queue`);
  const seconds = (lastAt - startedAt) / 1000;
  return {
    events: total,
    acceptedRate: total / ((acceptedAt - startedAt) / 1000),
    processedRate: total / seconds,
    deliveredRate: received / seconds,
    p50: latency.percentile(0.5),
    p99: latency.percentile(0.99),
  } satisfies LoadOutcome;
}

async function paced({ publish, consumer }: LoadClients, bus: string, queueUrl: string, seconds: number) {
  const total = PACED_RATE * seconds;
  const latency = new Samples();
  const consuming = drain(consumer, queueUrl, total, latency, seconds * 1000 + 60_000);
  const startedAt = performance.now();
  const sends: Promise<unknown>[] = [];
  for (let sent = 0; sent < total; ) {
    const due = Math.min(total, Math.floor(((performance.now() - startedAt) * PACED_RATE) / 1000) + 1);
    for (; sent < due; sent++) {
      sends.push(publish([entry(bus, sent, sent % QUEUE_RULES)]));
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(sends);
  await consuming;
  return { p50: latency.percentile(0.5), p99: latency.percentile(0.99) };
}

interface Outcome {
  load?: LoadOutcome;
  paced?: { p50: number; p99: number };
  note?: string;
}
const outcomes = new Map<string, Outcome>();
const running = new Set<Peer>();

async function benchPeer(name: string, start: () => Promise<Peer>, total: number, withPaced: boolean) {
  const outcome: Outcome = {};
  outcomes.set(name, outcome);
  log(`starting ${name}`);
  const peer = await start();
  running.add(peer);
  const sqs = sqsClient(peer.url, { sockets: 64, md5: true });
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const events = new EventBridgeClient({
    endpoint: peer.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpAgent: agent, requestTimeout: 120_000 }),
  });
  const clients = loadClients(peer.url, events, sqs.client);
  try {
    await waitForSqs(sqs.client);
    log(`${name}: ${RULES} rules`);
    const bus = await setUp(events);
    const queue = (tag: string) => toNewQueue(events, sqs.client, bus, tag);
    await throughput(clients, bus, await queue('warm'), Math.min(2000, total));
    log(`${name}: ${total} events`);
    outcome.load = await throughput(clients, bus, await queue('load'), total);
    log(
      `${name}: ${outcome.load.acceptedRate.toFixed(0)} accepted/s, ${outcome.load.processedRate.toFixed(0)} processed/s`,
    );
    if (withPaced) {
      await paced(clients, bus, await queue('paced-warm'), PACED_WARM_UP_SECONDS); // compiles the single-event path
      outcome.paced = await paced(clients, bus, await queue('paced'), PACED_SECONDS);
      log(`${name}: paced p99 ${outcome.paced.p99.toFixed(2)} ms`);
    }
  } catch (error) {
    outcome.note = `failed: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`;
    log(`${name} ${outcome.note}`);
  } finally {
    clients.close();
    events.destroy();
    agent.destroy();
    sqs.close();
    await peer.stop();
    running.delete(peer);
  }
}

try {
  // AWS's quota is 300 rules per bus, adjustable on request: the benchmark asks for 1,000.
  const eddyWithRules = () => startEddy({ EDDY_EVENTS_RULES_PER_BUS: String(RULES) });
  if (PEERS.has('eddy')) await benchPeer('eddy', eddyWithRules, EVENTS, true);
  if (PEERS.has('eddy-process'))
    await benchPeer(
      'eddy-process',
      () => startEddy({ EDDY_EVENTS_RULES_PER_BUS: String(RULES), EDDY_DURABILITY: 'process' }),
      EVENTS,
      true,
    );
  if (PEERS.has('moto')) await benchPeer('moto', startMoto, MOTO_EVENTS, false);
} finally {
  await stopAll(running);
}

const eddy = outcomes.get('eddy');
const processRun = outcomes.get('eddy-process');
const ratio = (peer: string) => {
  const theirs = outcomes.get(peer)?.load?.processedRate;
  return eddy?.load && theirs ? (eddy.load.processedRate / theirs).toFixed(2) : 'n/a';
};
const fixed = (value: number | undefined) =>
  value === undefined || Number.isNaN(value) ? '-' : value.toFixed(2);

console.log(
  `\nbus: ${RULES} rules (each event matches one; 1% reach an SQS queue), ${PUBLISHERS} publishers ` +
    `PutEvents(10) (${CLIENT} client), ~0.5 KiB events; paced: PutEvents(1) at ${PACED_RATE}/s for ${PACED_SECONDS} s after ${PACED_WARM_UP_SECONDS} s of warm-up, every event to the queue\n`,
);
printTable(
  [
    'peer',
    'events',
    'accepted/s',
    'processed/s',
    'to queue/s',
    'eddy ×',
    'p50 ms',
    'p99 ms',
    'paced p50 ms',
    'paced p99 ms',
    'note',
  ],
  [...outcomes].map(([name, { load, paced: pacedRun, note }]): Cell[] => [
    name,
    load?.events ?? '-',
    load ? Math.round(load.acceptedRate) : '-',
    load ? Math.round(load.processedRate) : '-',
    load ? Math.round(load.deliveredRate) : '-',
    name === 'eddy' ? '1.00' : ratio(name),
    fixed(load?.p50),
    fixed(load?.p99),
    fixed(pacedRun?.p50),
    fixed(pacedRun?.p99),
    note ?? EDDY_DURABILITY_NOTES[name] ?? 'in-memory',
  ]),
);
console.log('');
printResult('bus', {
  events_per_s: eddy?.load ? Math.round(eddy.load.processedRate) : 'n/a',
  accepted_per_s: eddy?.load ? Math.round(eddy.load.acceptedRate) : 'n/a',
  process_events_per_s: processRun?.load ? Math.round(processRun.load.processedRate) : 'n/a',
  p99_ms: eddy?.paced ? Number(eddy.paced.p99.toFixed(2)) : 'n/a',
  ratio_vs_moto: ratio('moto'),
});

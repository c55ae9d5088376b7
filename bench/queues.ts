// SQS end to end: the same workload against eddy (durable, SQLite, a real `eddy up` process) and
// against peers this benchmark starts itself — fauxqs (npm, in-memory), moto_server (Python) — and
// RabbitMQ (already running on 127.0.0.1:5672; durable queue, persistent messages, publisher
// confirms), one server at a time so each gets the machine's spare core.
//
// 1. Throughput: N producers SendMessageBatch(10) while M consumers long-poll ReceiveMessage(10) and
//    DeleteMessageBatch, 1 KiB bodies carrying their send time; msgs/s from the first send to the
//    last delete, SendMessageBatch latency and send→receive latency.
// 2. Paced: SendMessage at 1,000 msgs/s for 10 s; send→receive latency (target p99 < 10 ms).
// 3. RSS of the eddy process with 1M × 1 KiB messages queued (target ≤ 200 MiB).
//
// Usage: npm run bench -- queues [key=value ...]  (or the BENCH_* environment variables)
//   messages=100000 (BENCH_MESSAGES)        moto_messages=5000 (BENCH_MOTO_MESSAGES, at most messages)
//   producers=4 (BENCH_PRODUCERS)           consumers=4 (BENCH_CONSUMERS)
//   paced_rate=1000 (BENCH_PACED_RATE)      paced_seconds=10 (BENCH_PACED_SECONDS)
//   rss=1 (BENCH_RSS, 0 skips)              rss_messages=1000000 (BENCH_RSS_MESSAGES)
//   md5=1 (BENCH_MD5, 0 turns off the SDK's MD5 checks of responses)
//   peers=eddy,eddy-process,fauxqs,moto,rabbitmq (BENCH_PEERS; eddy-process: EDDY_DURABILITY=process)
import { availableParallelism } from 'node:os';
import { type Cell, printResult, printTable } from './_lib.ts';
import {
  EDDY_DURABILITY_NOTES,
  memoryOf,
  type Peer,
  startEddy,
  startFauxqs,
  startMoto,
  stopAll,
} from './queues/peers.ts';
import { connectRabbit, RABBITMQ_URL, runRabbitLoad, runRabbitPaced } from './queues/rabbitmq.ts';
import {
  createQueue,
  deleteQueue,
  fillQueue,
  runSqsLoad,
  runSqsPaced,
  sqsClient,
  waitForSqs,
} from './queues/sqs.ts';
import type { LoadOptions, LoadResult, PacedOptions, PacedResult } from './queues/stats.ts';

const args = new Map(
  process.argv
    .slice(2)
    .map((arg) => arg.replace(/^--/, '').split('='))
    .map(([key, value]) => [key ?? '', value ?? '1'] as const),
);
function setting(key: string, fallback: string): string {
  return args.get(key) ?? process.env[`BENCH_${key.toUpperCase()}`] ?? fallback;
}
function numberSetting(key: string, fallback: number): number {
  const value = Number(setting(key, String(fallback)));
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${key} must be a positive number`);
  return value;
}

const MESSAGES = numberSetting('messages', 100_000);
const MOTO_MESSAGES = Math.min(MESSAGES, numberSetting('moto_messages', 5000));
const PRODUCERS = numberSetting('producers', 4);
const CONSUMERS = numberSetting('consumers', 4);
const PACED: PacedOptions = {
  rate: numberSetting('paced_rate', 1000),
  seconds: numberSetting('paced_seconds', 10),
  consumers: CONSUMERS,
};
const RSS = setting('rss', '1') !== '0';
const RSS_MESSAGES = numberSetting('rss_messages', 1_000_000);
const MD5 = setting('md5', '1') !== '0';
const PEERS = new Set(setting('peers', 'eddy,eddy-process,fauxqs,moto,rabbitmq').split(','));

interface Outcome {
  load?: LoadResult;
  paced?: PacedResult;
  note?: string;
}
const outcomes = new Map<string, Outcome>();
const running = new Set<Peer>();
const log = (line: string) => console.error(`[queues] ${line}`);
const message = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0];

/** Starts an SQS peer, warms it up, runs the throughput workload and (optionally) the paced one. */
async function benchSqsPeer(
  name: string,
  start: () => Promise<Peer>,
  messages: number,
  paced: boolean,
): Promise<Outcome> {
  const outcome: Outcome = {};
  outcomes.set(name, outcome);
  log(`starting ${name}`);
  const peer = await start();
  running.add(peer);
  const sqs = sqsClient(peer.url, { sockets: 256, md5: MD5 });
  try {
    await waitForSqs(sqs.client);
    const load: LoadOptions = { messages, producers: PRODUCERS, consumers: CONSUMERS };
    const warmUrl = await createQueue(sqs.client, `bench-warm-${Date.now()}`);
    await runSqsLoad(sqs.client, warmUrl, {
      ...load,
      messages: Math.max(100, Math.min(5000, messages / 20)),
    });
    await deleteQueue(sqs.client, warmUrl);
    log(`${name}: ${messages} messages, ${PRODUCERS} producers, ${CONSUMERS} consumers`);
    const loadUrl = await createQueue(sqs.client, `bench-load-${Date.now()}`);
    outcome.load = await runSqsLoad(sqs.client, loadUrl, load);
    log(`${name}: ${outcome.load.rate.toFixed(0)} msgs/s`);
    await deleteQueue(sqs.client, loadUrl);
    if (paced) {
      log(`${name}: paced ${PACED.rate} msgs/s for ${PACED.seconds} s`);
      const pacedUrl = await createQueue(sqs.client, `bench-paced-${Date.now()}`);
      outcome.paced = await runSqsPaced(sqs.client, pacedUrl, PACED);
      log(`${name}: paced p99 send→receive ${outcome.paced.e2eP99.toFixed(2)} ms`);
      await deleteQueue(sqs.client, pacedUrl);
    }
  } finally {
    sqs.close();
    await peer.stop();
    running.delete(peer);
  }
  return outcome;
}

async function benchRabbit(): Promise<void> {
  const outcome: Outcome = {};
  outcomes.set('rabbitmq', outcome);
  let connection: Awaited<ReturnType<typeof connectRabbit>>;
  try {
    connection = await connectRabbit();
  } catch (error) {
    outcome.note = `skipped: ${RABBITMQ_URL.replace(/\/\/[^@]*@/, '//')} not reachable (${message(error)})`;
    log(`rabbitmq ${outcome.note}`);
    return;
  }
  try {
    log(`rabbitmq: warm-up`);
    await runRabbitLoad(connection, {
      messages: Math.min(5000, MESSAGES),
      producers: PRODUCERS,
      consumers: CONSUMERS,
    });
    log(`rabbitmq: ${MESSAGES} messages`);
    outcome.load = await runRabbitLoad(connection, {
      messages: MESSAGES,
      producers: PRODUCERS,
      consumers: CONSUMERS,
    });
    log(`rabbitmq: ${outcome.load.rate.toFixed(0)} msgs/s; paced run`);
    outcome.paced = await runRabbitPaced(connection, PACED);
  } finally {
    await connection.close().catch(() => undefined);
  }
}

interface RssOutcome {
  queued: number;
  fillRate: number;
  rssMiB: number;
  peakMiB: number;
}

async function benchRss(): Promise<RssOutcome> {
  log(`eddy RSS: queueing ${RSS_MESSAGES} messages`);
  const peer = await startEddy();
  running.add(peer);
  const sqs = sqsClient(peer.url, { sockets: 256, md5: MD5 });
  try {
    await waitForSqs(sqs.client);
    const url = await createQueue(sqs.client, 'bench-rss');
    const fill = await fillQueue(sqs.client, url, RSS_MESSAGES, 16);
    await new Promise((done) => setTimeout(done, 2000));
    const memory = memoryOf(peer.pid);
    log(`eddy RSS: ${memory.rssMiB.toFixed(0)} MiB with ${fill.queued} queued`);
    return { queued: fill.queued, fillRate: fill.rate, ...memory };
  } finally {
    sqs.close();
    await peer.stop();
    running.delete(peer);
  }
}

async function attempt(name: string, run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (error) {
    const outcome = outcomes.get(name) ?? {};
    outcome.note = `failed: ${message(error)}`;
    outcomes.set(name, outcome);
    log(`${name} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

let rss: RssOutcome | undefined;
let rssNote = RSS ? '' : 'skipped (BENCH_RSS=0)';
try {
  if (PEERS.has('eddy')) await attempt('eddy', () => benchSqsPeer('eddy', startEddy, MESSAGES, true));
  if (PEERS.has('eddy-process'))
    await attempt('eddy-process', () =>
      benchSqsPeer('eddy-process', () => startEddy({ EDDY_DURABILITY: 'process' }), MESSAGES, true),
    );
  if (PEERS.has('fauxqs')) await attempt('fauxqs', () => benchSqsPeer('fauxqs', startFauxqs, MESSAGES, true));
  if (PEERS.has('moto')) await attempt('moto', () => benchSqsPeer('moto', startMoto, MOTO_MESSAGES, false));
  if (PEERS.has('rabbitmq')) await attempt('rabbitmq', benchRabbit);
  if (RSS && PEERS.has('eddy')) {
    try {
      rss = await benchRss();
    } catch (error) {
      rssNote = `failed: ${message(error)}`;
    }
  }
} finally {
  await stopAll(running);
}

const DURABILITY: Record<string, string> = { ...EDDY_DURABILITY_NOTES, rabbitmq: 'durable, fsync' };
const fixed = (value: number | undefined, digits = 2) =>
  value === undefined || Number.isNaN(value) ? '-' : value.toFixed(digits);
const eddyRate = outcomes.get('eddy')?.load?.rate;
const ratio = (peer: string): string => {
  const rate = outcomes.get(peer)?.load?.rate;
  return eddyRate && rate ? (eddyRate / rate).toFixed(2) : 'n/a';
};

console.log(
  `\nqueues: ${availableParallelism()} cores, 1 KiB bodies, ${PRODUCERS} producers SendMessageBatch(10), ` +
    `${CONSUMERS} consumers ReceiveMessage(10, wait 20 s) + DeleteMessageBatch, ` +
    `@aws-sdk/client-sqs (MD5 checks ${MD5 ? 'on' : 'off'}); RabbitMQ: durable queue, persistent, ` +
    `publisher confirms per 10, prefetch 100, acks\n`,
);
const rows: Cell[][] = [...outcomes].map(([name, { load, note }]) => [
  name,
  load ? load.messages : '-',
  load ? Math.round(load.rate) : '-',
  name === 'eddy' ? '1.00' : ratio(name),
  fixed(load?.sendP50),
  fixed(load?.sendP99),
  fixed(load?.e2eP50),
  fixed(load?.e2eP99),
  load ? `${load.duplicates}/${load.errors}` : '-',
  note ?? DURABILITY[name] ?? 'in-memory',
]);
printTable(
  [
    'peer',
    'messages',
    'msgs/s',
    'eddy ×',
    'send p50 ms',
    'send p99 ms',
    'send→recv p50 ms',
    'send→recv p99 ms',
    'dup/err',
    'note',
  ],
  rows,
);

const pacedRows: Cell[][] = [...outcomes]
  .filter(([, outcome]) => outcome.paced)
  .map(([name, { paced }]) => [
    name,
    `${paced?.rate} (${fixed(paced?.achievedRate, 0)})`,
    paced?.messages ?? '-',
    fixed(paced?.sendP50),
    fixed(paced?.sendP99),
    fixed(paced?.e2eP50),
    fixed(paced?.e2eP99),
    fixed(paced?.e2eMax),
    paced?.errors ?? '-',
  ]);
if (pacedRows.length > 0) {
  console.log(
    `\npaced: one SendMessage per message for ${PACED.seconds} s, ${CONSUMERS} long-polling consumers\n`,
  );
  printTable(
    [
      'peer',
      'msgs/s (achieved)',
      'messages',
      'send p50 ms',
      'send p99 ms',
      'send→recv p50 ms',
      'send→recv p99 ms',
      'max ms',
      'errors',
    ],
    pacedRows,
  );
}

console.log('');
printTable(
  ['eddy RSS', 'queued', 'fill msgs/s', 'RSS MiB', 'peak RSS MiB', 'note'],
  [
    rss
      ? [
          'after fill',
          rss.queued,
          Math.round(rss.fillRate),
          fixed(rss.rssMiB, 0),
          fixed(rss.peakMiB, 0),
          rss.queued === 1_000_000 ? '1M × 1 KiB' : `${rss.queued} × 1 KiB (not 1M)`,
        ]
      : ['after fill', '-', '-', '-', '-', rssNote || 'not run'],
  ],
);
console.log('');

const eddy = outcomes.get('eddy');
const eddyProcessRate = outcomes.get('eddy-process')?.load?.rate;
printResult('queues', {
  msgs_per_s: eddyRate ? Math.round(eddyRate) : 'n/a',
  process_msgs_per_s: eddyProcessRate ? Math.round(eddyProcessRate) : 'n/a',
  p99_send_receive_ms: eddy?.paced ? Number(eddy.paced.e2eP99.toFixed(2)) : 'n/a',
  ratio_vs_fauxqs: ratio('fauxqs'),
  ratio_vs_moto: ratio('moto'),
  ratio_vs_rabbitmq: ratio('rabbitmq'),
  rss_mib_1m: rss ? Math.round(rss.rssMiB) : 'n/a',
});

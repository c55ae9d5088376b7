// The durable path on each store, in one run: the SQS load (producers SendMessageBatch(10),
// consumers long-poll ReceiveMessage(10) + DeleteMessageBatch) against a real `eddy up` on SQLite
// (once on each driver this Node has: node:sqlite, better-sqlite3), on PostgreSQL with one node, and on PostgreSQL with two nodes (each serving half the load on a
// queue of its own, one schema). Besides msgs/s it reports what each message costs the database:
// PostgreSQL's CPU (its backends' utime+stime from /proc) and committed transactions per message,
// and eddy's own CPU, so the number of nodes one PostgreSQL serves can be estimated from it.
//
// Anchors (published, PostgreSQL): pgmq ~11k msgs/s, River ~46k jobs/s batched.
// Targets: PostgreSQL one node ≥ 50 % of SQLite and ahead of pgmq; two nodes ≥ one node.
//
// Usage: npm run bench -- store [messages=50000] [producers=4] [consumers=4] [sqlite_rounds=1]
//   sqlite_rounds=N runs each SQLite driver N times, alternating which goes first, and reports the
//   median of each (a loaded machine's noise is larger than the drivers' difference).
//   PostgreSQL from EDDY_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/test).
import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { createScratchSchema, nodeSqliteAvailable } from '../src/store/index.ts';
import { benchArgs, printResult, printTable } from './_lib.ts';
import { type Peer, startEddy, stopAll } from './queues/peers.ts';
import { createQueue, runSqsLoad, sqsClient, waitForSqs } from './queues/sqs.ts';
import type { LoadResult } from './queues/stats.ts';

const args = benchArgs();
const MESSAGES = args.number('messages', 50_000);
const PRODUCERS = args.number('producers', 4);
const CONSUMERS = args.number('consumers', 4);
const SQLITE_ROUNDS = args.number('sqlite_rounds', 1);
const PG_URL = process.env.EDDY_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const TICKS_PER_SECOND = 100; // Linux's USER_HZ, what /proc/PID/stat counts in
const log = (line: string) => console.error(`[store] ${line}`);

/** CPU seconds (user + system) a process has used so far. */
function cpuSecondsOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0; // the process ended
  }
}

/** CPU seconds of every PostgreSQL process on the machine (server and backends). */
function postgresCpuSeconds(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres')
        total += cpuSecondsOf(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

async function committedTransactions(): Promise<number> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(
      'SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()',
    );
    return Number(rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}

interface Run {
  setup: string;
  nodes: number;
  load: LoadResult;
  /** msgs/s over all nodes. */
  rate: number;
  eddyCpuMsPerMessage: number;
  pgCpuMsPerMessage?: number;
  transactionsPerMessage?: number;
}

/** Runs the load on `nodes` eddy processes (each its own queue, `messages / nodes` messages). */
async function measure(setup: string, env: Record<string, string>, nodeCount: number, postgres: boolean) {
  const peers: Peer[] = [];
  try {
    for (let index = 0; index < nodeCount; index++) {
      peers.push(await startEddy({ ...env, EDDY_NODE_ID: `bench-${index}` }));
    }
    const clients = peers.map((peer) => sqsClient(peer.url, { sockets: 256, md5: true }));
    for (const { client } of clients) await waitForSqs(client);
    const share = Math.floor(MESSAGES / nodeCount);
    const options = { messages: share, producers: PRODUCERS, consumers: CONSUMERS };
    // Warm-up: the JIT and the connection pools, on queues of their own.
    await Promise.all(
      clients.map(async ({ client }, index) =>
        runSqsLoad(client, await createQueue(client, `warm-${index}`), { ...options, messages: 2000 }),
      ),
    );
    const urls = await Promise.all(clients.map(({ client }, index) => createQueue(client, `load-${index}`)));
    const eddyBefore = peers.map((peer) => cpuSecondsOf(peer.pid));
    const pgBefore = postgres ? postgresCpuSeconds() : 0;
    const transactionsBefore = postgres ? await committedTransactions() : 0;
    const startedAt = performance.now();
    const loads = await Promise.all(
      clients.map(({ client }, index) => runSqsLoad(client, urls[index]!, options)),
    );
    const seconds = (performance.now() - startedAt) / 1000;
    const messages = share * nodeCount;
    const eddyCpu = peers.reduce((sum, peer, index) => sum + cpuSecondsOf(peer.pid) - eddyBefore[index]!, 0);
    const run: Run = {
      setup,
      nodes: nodeCount,
      load: loads[0]!,
      rate: messages / seconds,
      eddyCpuMsPerMessage: (eddyCpu * 1000) / messages,
    };
    if (postgres) {
      run.pgCpuMsPerMessage = ((postgresCpuSeconds() - pgBefore) * 1000) / messages;
      run.transactionsPerMessage = ((await committedTransactions()) - transactionsBefore) / messages;
    }
    for (const { close } of clients) close();
    log(`${setup}: ${run.rate.toFixed(0)} msgs/s`);
    return run;
  } finally {
    await stopAll(peers);
  }
}

const runs: Run[] = [];
const schemas: Array<{ drop(): Promise<void> }> = [];
try {
  log(`${MESSAGES} messages, ${PRODUCERS} producers and ${CONSUMERS} consumers per node`);
  // Each driver this Node has (Node 20 has no node:sqlite), same load, one run.
  const drivers = nodeSqliteAvailable() ? ['node', 'better-sqlite3'] : ['better-sqlite3'];
  const sqliteRuns = new Map<string, Run[]>();
  for (let round = 0; round < SQLITE_ROUNDS; round++) {
    for (const driver of round % 2 === 0 ? drivers : [...drivers].reverse()) {
      const setup = `sqlite ${driver === 'node' ? 'node:sqlite' : driver}`;
      const run = await measure(setup, { EDDY_SQLITE_DRIVER: driver }, 1, false);
      sqliteRuns.set(setup, [...(sqliteRuns.get(setup) ?? []), run]);
    }
  }
  for (const driverRuns of sqliteRuns.values()) {
    driverRuns.sort((a, b) => a.rate - b.rate);
    runs.push(driverRuns[Math.floor(driverRuns.length / 2)]!);
  }
  const one = await createScratchSchema(PG_URL, 'eddy_bench');
  schemas.push(one);
  runs.push(await measure('postgres, 1 node', { EDDY_STORE: one.url }, 1, true));
  const two = await createScratchSchema(PG_URL, 'eddy_bench');
  schemas.push(two);
  runs.push(await measure('postgres, 2 nodes', { EDDY_STORE: two.url }, 2, true));
} finally {
  for (const schema of schemas) await schema.drop().catch(() => undefined);
}

printTable(
  ['setup', 'msgs/s', 'send p99 ms', 'e2e p99 ms', 'eddy cpu ms/msg', 'pg cpu ms/msg', 'pg tx/msg'],
  runs.map((run) => [
    run.setup,
    Math.round(run.rate),
    run.load.sendP99,
    run.load.e2eP99,
    run.eddyCpuMsPerMessage,
    run.pgCpuMsPerMessage ?? '-',
    run.transactionsPerMessage ?? '-',
  ]),
);
const builtin = runs.find((run) => run.setup === 'sqlite node:sqlite');
const better = runs.find((run) => run.setup === 'sqlite better-sqlite3')!;
const [pgOne, pgTwo] = runs.slice(-2) as [Run, Run];
// PostgreSQL is held against the SQLite driver eddy picks by default (auto) on this Node.
const sqlite = builtin ?? better;
const ratio = pgOne.rate / sqlite.rate;
// One PostgreSQL core spends pg_cpu_ms per message: that bounds what it can serve, whatever the nodes.
const perPostgresCore = pgOne.pgCpuMsPerMessage ? 1000 / pgOne.pgCpuMsPerMessage : 0;
console.log(
  `\nOne PostgreSQL core serves at most ~${Math.round(perPostgresCore)} msgs/s of this load; ` +
    `a node uses ${pgOne.eddyCpuMsPerMessage.toFixed(3)} ms of its own CPU per message, so one ` +
    `PostgreSQL core keeps ~${(perPostgresCore / (1000 / pgOne.eddyCpuMsPerMessage)).toFixed(1)} busy node cores fed.`,
);
printResult('store', {
  sqlite_per_s: Math.round(sqlite.rate),
  sqlite_node_per_s: builtin ? Math.round(builtin.rate) : 'n/a',
  sqlite_better_per_s: Math.round(better.rate),
  node_vs_better: builtin ? builtin.rate / better.rate : 'n/a',
  pg1_per_s: Math.round(pgOne.rate),
  pg2_per_s: Math.round(pgTwo.rate),
  pg1_vs_sqlite: ratio,
  pg_cpu_ms_per_msg: pgOne.pgCpuMsPerMessage ?? 0,
  pg_tx_per_msg: pgOne.transactionsPerMessage ?? 0,
  half_of_sqlite_met: ratio >= 0.5 ? 'yes' : 'no',
  pgmq_met: pgOne.rate >= 11_000 ? 'yes' : 'no',
  two_nodes_met: pgTwo.rate >= pgOne.rate ? 'yes' : 'no',
});

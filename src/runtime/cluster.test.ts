// Nodes sharing one PostgreSQL schema, in one process: each a store, a cluster and a timer
// service of its own, with short leases so a death is noticed in a fraction of a second.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createScratchSchema, PostgresStore, type ScratchSchema, SqliteStore } from '../store/index.ts';
import { systemClock } from './clock.ts';
import { Cluster, clusterMigrations } from './cluster.ts';
import { silentLogger } from './log.ts';
import { type Timer, TimerService, timerMigrations } from './timers.ts';

const schemas: ScratchSchema[] = [];
after(async () => {
  for (const schema of schemas) await schema.drop();
});

const HEARTBEAT_MS = 150;
const LEASE_MS = 1000;

interface TestNode {
  id: string;
  store: PostgresStore;
  cluster: Cluster;
  timers: TimerService;
  fired: Timer[];
  signals: string[];
  /** Stops beating and firing without leaving, as a killed process does. */
  die(): Promise<void>;
  stop(): Promise<void>;
}

async function node(url: string, id: string): Promise<TestNode> {
  const store = new PostgresStore({ url, applicationName: `eddy/${id}` });
  await store.migrate([...timerMigrations, ...clusterMigrations]);
  const cluster = new Cluster(store, silentLogger, {
    nodeId: id,
    version: 'test',
    url: () => `http://${id}`,
    heartbeatMs: HEARTBEAT_MS,
    leaseMs: LEASE_MS,
  });
  const timers = new TimerService(store, systemClock, silentLogger, id);
  const fired: Timer[] = [];
  timers.on('test', (timer) => {
    fired.push(timer);
  });
  cluster.onTakeover(() => timers.rearm());
  const signals: string[] = [];
  cluster.onSignal('test', (key) => signals.push(key));
  await cluster.start();
  await timers.start();
  return {
    id,
    store,
    cluster,
    timers,
    fired,
    signals,
    async die() {
      await timers.stop();
      // A dead node's connections are gone: so is its heartbeat, and nothing it did is undone.
      const inside = cluster as unknown as {
        heartbeat: NodeJS.Timeout;
        stopListening: () => Promise<void>;
        singletons: Map<string, { timer: NodeJS.Timeout }>;
      };
      clearInterval(inside.heartbeat);
      for (const singleton of inside.singletons.values()) clearTimeout(singleton.timer);
      await inside.stopListening();
      await store.close();
    },
    async stop() {
      await timers.stop();
      await cluster.stop();
      await store.close();
    },
  };
}

async function nodes(...ids: string[]): Promise<TestNode[]> {
  const schema = await createScratchSchema();
  schemas.push(schema);
  const started: TestNode[] = [];
  for (const id of ids) started.push(await node(schema.url, id));
  return started;
}

async function until(what: string, check: () => boolean, withinMs: number): Promise<number> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > withinMs) assert.fail(`${what} did not happen within ${withinMs} ms`);
    await sleep(10);
  }
  return Date.now() - started;
}

test('each node lists the living nodes, itself first', async () => {
  const [a, b] = await nodes('a', 'b');
  await until(
    'both nodes known to both',
    () => a!.cluster.nodes().length === 2 && b!.cluster.nodes().length === 2,
    2000,
  );
  assert.deepEqual(
    a!.cluster.nodes().map((info) => [info.id, info.self]),
    [
      ['a', true],
      ['b', false],
    ],
  );
  await b!.stop();
  await until('a node that left is gone from the list', () => a!.cluster.nodes().length === 1, 2000);
  await a!.stop();
});

test('a signal sent in a committed write reaches the other nodes, not its sender; a rolled back one nobody', async () => {
  const [a, b] = await nodes('a', 'b');
  await a!.store.write((tx) => a!.cluster.signal(tx, 'test', 'committed 1'));
  await a!.store
    .write(async (tx) => {
      await a!.cluster.signal(tx, 'test', 'rolled back');
      throw new Error('undone');
    })
    .catch(() => undefined);
  await until('the signal arrived', () => b!.signals.length > 0, 2000);
  await sleep(50);
  assert.deepEqual(b!.signals, ['committed 1']);
  assert.deepEqual(a!.signals, []);
  await a!.stop();
  await b!.stop();
});

test('a timer fires once, on the node that scheduled it', async () => {
  const [a, b] = await nodes('a', 'b');
  const due = Date.now() + 200;
  await a!.timers.schedule('test', 'mine', due);
  await until('the timer fired', () => a!.fired.length + b!.fired.length > 0, 3000);
  await sleep(200);
  assert.deepEqual([a!.fired.length, b!.fired.length], [1, 0]);
  await a!.stop();
  await b!.stop();
});

test("a dead node's timers are taken over and fire once, within a lease and a heartbeat", async () => {
  const [a, b] = await nodes('a', 'b');
  const due = Date.now() + 300;
  for (let index = 0; index < 20; index++) await a!.timers.schedule('test', `t${index}`, due);
  await a!.die();
  const late = await until(
    'all timers fired on b',
    () => b!.fired.length >= 20,
    LEASE_MS + 5 * HEARTBEAT_MS + 2000,
  );
  await sleep(200);
  assert.equal(b!.fired.length, 20, 'each timer fired once');
  assert.equal(new Set(b!.fired.map((timer) => timer.key)).size, 20);
  assert.ok(late < LEASE_MS + 5 * HEARTBEAT_MS + 1000, `taken over after ${late} ms`);
  await b!.stop();
});

test('a node that leaves hands its timers over at once; no timer fires twice when two nodes race', async () => {
  const [a, b] = await nodes('a', 'b');
  const due = Date.now() + 1000;
  for (let index = 0; index < 10; index++) await a!.timers.schedule('test', `left${index}`, due);
  await a!.stop();
  await until('all timers fired on b', () => b!.fired.length >= 10, 5000);
  await sleep(100);
  assert.equal(b!.fired.length, 10);
  await b!.stop();
});

test('a singleton runs on one node at a time and moves when its holder dies', async () => {
  const [a, b] = await nodes('a', 'b');
  const runs: string[] = [];
  // Registered after start: leases are asked for on the next heartbeat.
  a!.cluster.singleton('sweep', () => void runs.push('a'), 50);
  b!.cluster.singleton('sweep', () => void runs.push('b'), 50);
  await until('the singleton ran', () => runs.length >= 5, 3000);
  assert.equal(new Set(runs).size, 1, `one holder: ${runs.join('')}`);
  const holder = runs[0] === 'a' ? a! : b!;
  const other = holder === a ? b! : a!;
  await holder.die();
  const count = runs.length;
  await until(
    'the other node runs it',
    () => runs.slice(count).includes(other.id),
    LEASE_MS + 10 * HEARTBEAT_MS,
  );
  await other.stop();
});

test('alone on SQLite, the cluster is this node: it holds every lease and signals go nowhere', async () => {
  const store = new SqliteStore({ path: ':memory:' });
  const cluster = new Cluster(store, silentLogger, {
    nodeId: 'solo',
    version: 'test',
    url: () => 'http://solo',
  });
  const runs: number[] = [];
  cluster.singleton('sweep', () => void runs.push(1), 20);
  await cluster.start();
  await until('the singleton ran', () => runs.length > 0, 1000);
  assert.equal(cluster.shared, false);
  assert.deepEqual(
    cluster.nodes().map((info) => info.id),
    ['solo'],
  );
  await store.write((tx) => cluster.signal(tx, 'test', 'nobody'));
  await cluster.stop();
  await store.close();
});

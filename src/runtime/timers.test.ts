import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { openTestStore, type Store, type TestStore } from '../store/index.ts';
import { ManualClock } from './clock.ts';
import { silentLogger } from './log.ts';
import { type Timer, TimerService, timerMigrations } from './timers.ts';

// SQLite, or PostgreSQL with EDDY_TEST_STORE=postgres.
const databases: TestStore[] = [];
after(async () => {
  for (const database of databases) await database.dispose();
});

async function newStore(): Promise<TestStore> {
  const database = await openTestStore();
  databases.push(database);
  return database;
}

async function setUp(store?: Store, clock = new ManualClock()) {
  store ??= (await newStore()).store;
  await store.migrate(timerMigrations);
  const timers = new TimerService(store, clock, silentLogger);
  const fired: Timer[] = [];
  timers.on('test', (timer) => {
    fired.push(timer);
  });
  await timers.start();
  return { store, clock, timers, fired };
}

test('a timer fires once when its time comes, not before', async () => {
  const { clock, timers, fired, store } = await setUp();
  await timers.schedule('test', 'a', clock.now() + 2000, { n: 1 });
  clock.advance(1999);
  await timers.settled();
  assert.equal(fired.length, 0);
  clock.advance(1);
  await timers.settled();
  assert.deepEqual(
    fired.map((t) => [t.key, t.payload]),
    [['a', { n: 1 }]],
  );
  clock.advance(10_000);
  await timers.settled();
  assert.equal(fired.length, 1);
  assert.equal(await timers.get('test', 'a'), undefined);
  await timers.stop();
  await store.close();
});

test('timers fire in due order; rescheduling moves and cancel removes', async () => {
  const { clock, timers, fired, store } = await setUp();
  const start = clock.now();
  await timers.schedule('test', 'late', start + 300);
  await timers.schedule('test', 'early', start + 100);
  await timers.schedule('test', 'moved', start + 50);
  await timers.schedule('test', 'moved', start + 200);
  await timers.schedule('test', 'cancelled', start + 150);
  assert.equal(await timers.cancel('test', 'cancelled'), true);
  assert.equal(timers.nextAlarmAt(), start + 50);
  for (let step = 0; step < 4; step++) {
    clock.advance(100);
    await timers.settled();
  }
  assert.deepEqual(
    fired.map((t) => t.key),
    ['early', 'moved', 'late'],
  );
  await timers.stop();
  await store.close();
});

test('a timer whose handler fails stays and fires again later', async () => {
  const { store } = await newStore();
  await store.migrate(timerMigrations);
  const clock = new ManualClock();
  const timers = new TimerService(store, clock, silentLogger);
  let attempts = 0;
  timers.on('flaky', () => {
    attempts += 1;
    if (attempts === 1) throw new Error('first attempt fails');
  });
  await timers.start();
  await timers.schedule('flaky', 'x', clock.now() + 10);
  clock.advance(10);
  await timers.settled();
  assert.equal(attempts, 1);
  assert.ok(await timers.get('flaky', 'x'), 'the timer is still stored after a failure');
  clock.advance(1000);
  await timers.settled();
  assert.equal(attempts, 2);
  assert.equal(await timers.get('flaky', 'x'), undefined);
  await timers.stop();
  await store.close();
});

test('a timer that fell due while eddy was down fires at start-up', async () => {
  const database = await newStore();
  {
    const clock = new ManualClock();
    const first = await setUp(database.store, clock);
    await first.timers.schedule('test', 'survivor', clock.now() + 5000, 'payload');
    await first.timers.stop();
    await first.store.close();

    clock.advance(60_000);
    const second = await setUp(database.open(), clock);
    await second.timers.settled();
    // The alarm for an overdue timer is due now; the manual clock fires it on its next tick.
    clock.advance(0);
    await second.timers.settled();
    assert.deepEqual(
      second.fired.map((t) => [t.key, t.payload]),
      [['survivor', 'payload']],
    );
    await second.timers.stop();
    await second.store.close();
  }
});

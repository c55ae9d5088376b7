import assert from 'node:assert/strict';
import { test } from 'node:test';
import { systemClock } from '../../../runtime/index.ts';
import { SqliteStore } from '../../../store/index.ts';
import { MessagePreparer } from '../handlers/index.ts';
import { QueueRegistry } from '../registry.ts';
import { queueMigrations } from '../schema.ts';
import { MessageEngine, type ReceiveOptions } from './index.ts';

const preparer = new MessagePreparer();

async function setUp() {
  const store = new SqliteStore({ path: ':memory:' });
  await store.migrate(queueMigrations);
  const registry = new QueueRegistry(store, () => systemClock.now());
  const engine = new MessageEngine(store, systemClock, registry);
  const queue = await registry.create('000000000000', 'us-east-1', 'handed', {}, {});
  return { store, engine, queue };
}

const options = (signal: AbortSignal, waitTimeSeconds: number): ReceiveOptions => ({
  maxMessages: 10,
  visibilityTimeoutSeconds: undefined,
  waitTimeSeconds,
  attributeNames: ['ApproximateReceiveCount'],
  messageAttributeNames: [],
  attemptId: undefined,
  signal,
});

test('a message handed to a long poll whose client left before the commit is visible again, never received', async () => {
  const { store, engine, queue } = await setUp();
  const gone = new AbortController();
  const polling = engine.receive(queue, options(gone.signal, 20));
  await new Promise((resolve) => setTimeout(resolve, 50)); // it looked, found nothing and waits
  // A send rolled back hands nothing over: the poll waits on.
  await assert.rejects(
    store.write(async (tx) => {
      await engine.sendIn(tx, queue, [preparer.prepare(queue, { body: 'rolled back' })], 'test');
      throw new Error('the caller fails after the send');
    }),
    /the caller fails/,
  );
  await store.write(async (tx) => {
    await engine.sendIn(tx, queue, [preparer.prepare(queue, { body: 'kept' })], 'test');
    gone.abort(); // the client leaves while the send is still committing
  });
  assert.deepEqual(await polling, []);
  await new Promise((resolve) => setTimeout(resolve, 20)); // the release is a write of its own
  const again = await engine.receive(queue, options(new AbortController().signal, 0));
  assert.deepEqual(
    again.map((message) => [message.Body, message.Attributes?.ApproximateReceiveCount]),
    [['kept', '1']],
  );
  await store.close();
});

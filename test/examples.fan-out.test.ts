// The fan-out example end to end against a real server: each queue gets what its filter selects,
// the HTTP subscriber confirms and gets everything.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { expectedIds, ORDERS, type QueueName, runFanOut } from '../examples/fan-out/fan-out.ts';
import { startTestEddy, type TestEddy } from './harness.ts';

let eddy: TestEddy;
before(async () => {
  eddy = await startTestEddy();
});
after(() => eddy?.stop());

test('examples/fan-out: filtered queues and a confirmed HTTP subscriber', async () => {
  const result = await runFanOut(eddy.url);
  assert.deepEqual(result.queues, {
    books: ['o-1', 'o-4'],
    'big-orders': ['o-2', 'o-4'],
    'not-films': ['o-1', 'o-2', 'o-4', 'o-5'],
  });
  for (const name of Object.keys(result.queues) as QueueName[]) {
    assert.deepEqual(result.queues[name], expectedIds(name));
  }
  assert.deepEqual(
    result.http,
    ORDERS.map((order) => order.id),
  );
});

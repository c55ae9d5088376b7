// The event-triggered task example end to end: events start tasks through a rule's ECS target; a
// failed task's state-change event lands in the dead-letter queue.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runEventTriggeredTasks } from '../examples/event-triggered-task/event-triggered.ts';
import { startTestEddy, type TestEddy } from './harness.ts';

let eddy: TestEddy;
before(async () => {
  eddy = await startTestEddy();
});
after(() => eddy?.stop());

test('examples/event-triggered-task: events run tasks; a failing one is routed to the DLQ', async () => {
  const { packed, failed } = await runEventTriggeredTasks(eddy.url);
  assert.deepEqual([...packed].sort(), [
    ['o-1', 3],
    ['o-2', 5],
  ]);
  assert.deepEqual(failed, [{ orderId: 'o-bad', exitCode: 1, stopCode: 'EssentialContainerExited' }]);
});

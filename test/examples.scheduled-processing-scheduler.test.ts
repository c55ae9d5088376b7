// The Scheduler variant of scheduled processing against a server on a manual clock: the failing
// schedule's invocation is in the DLQ at once; a minute later the Berlin cron schedule has run a
// real task and the one-time schedule has sent its message and deleted itself.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setUpSchedulerProcessing } from '../examples/scheduled-processing/scheduler.ts';
import { ManualClock } from '../src/runtime/index.ts';
import { startTestEddy, type TestEddy } from './harness.ts';

const clock = new ManualClock(Date.UTC(2026, 10, 24, 12, 0, 30));
let eddy: TestEddy;
before(async () => {
  eddy = await startTestEddy({ clock });
});
after(() => eddy?.stop());

test('examples/scheduled-processing with EventBridge Scheduler: cron in Berlin → ECS, at() with DELETE, DLQ', async () => {
  const example = await setUpSchedulerProcessing(eddy.url, () => {}, clock.now());
  try {
    await eddy.advance(0);
    const dead = await example.deadLetter(10_000);
    assert.ok(dead, 'the failing invocation is dead-lettered');
    assert.equal(dead.Body, '{"job":"nightly"}');
    assert.equal(dead.MessageAttributes?.RETRY_ATTEMPTS?.StringValue, '0');
    assert.match(dead.MessageAttributes?.ERROR_MESSAGE?.StringValue ?? '', /does not exist/);

    await eddy.advance(30_000); // 12:01:00: the cron minute
    const report = await example.nextReport(15_000);
    assert.equal(report?.scheduledAt, '2026-11-24T12:01:00Z');

    await eddy.advance(30_000); // 12:01:30: the at() time
    assert.equal(await example.oneTimeMessage(10_000), 'ran once at 2026-11-24T12:01:30Z');
    for (let i = 0; i < 50 && (await example.oneTimeScheduleExists()); i++)
      await new Promise((r) => setTimeout(r, 100));
    assert.equal(await example.oneTimeScheduleExists(), false, 'the one-time schedule deleted itself');
  } finally {
    await example.close();
  }
});

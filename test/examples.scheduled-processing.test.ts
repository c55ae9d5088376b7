// The scheduled-processing example against a server on a manual clock: each minute the test moves
// the clock, the rule fires and a real task runs and reports; 1 ms short of a minute nothing runs.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ECSClient, ListTasksCommand } from '@aws-sdk/client-ecs';
import { setUpScheduledProcessing } from '../examples/scheduled-processing/scheduled.ts';
import { ManualClock } from '../src/runtime/index.ts';
import { startTestEddy, type TestEddy } from './harness.ts';

const clock = new ManualClock(Date.UTC(2026, 10, 24, 12, 0, 0));
let eddy: TestEddy;
before(async () => {
  eddy = await startTestEddy({ clock });
});
after(() => eddy?.stop());

test('examples/scheduled-processing: a task runs for each minute the clock moves', async () => {
  const scheduled = await setUpScheduledProcessing(eddy.url);
  try {
    // 1 ms before the first minute the timer has not fired: no task was started, so no report.
    await eddy.advance(59_999);
    const ecs = eddy.client(ECSClient);
    const started = async () =>
      (
        await Promise.all(
          (['RUNNING', 'STOPPED'] as const).map((desiredStatus) =>
            ecs.send(new ListTasksCommand({ desiredStatus })),
          ),
        )
      ).flatMap(({ taskArns = [] }) => taskArns);
    assert.deepEqual(await started(), [], 'nothing runs before the first minute');
    ecs.destroy();
    const reports = [];
    for (let minute = 1; minute <= 2; minute++) {
      await eddy.advance(minute === 1 ? 1 : 60_000);
      const report = await scheduled.nextReport(15_000);
      assert.ok(report, `a report for minute ${minute}`);
      reports.push(report.scheduledAt);
    }
    assert.equal(new Date(reports[1]!).getTime() - new Date(reports[0]!).getTime(), 60_000);
  } finally {
    await scheduled.close();
  }
});

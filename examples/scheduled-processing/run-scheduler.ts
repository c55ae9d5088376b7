// Runs the Scheduler variant of scheduled processing against eddy (EDDY_ENDPOINT, default
// http://127.0.0.1:4566): the dead letter at once, the one-time message and two cron runs within
// about two minutes; then deletes the example's schedule group.
import { setUpSchedulerProcessing } from './scheduler.ts';

const endpoint = process.env.EDDY_ENDPOINT ?? 'http://127.0.0.1:4566';
try {
  const example = await setUpSchedulerProcessing(endpoint, (line) => console.log(line));
  try {
    const dead = await example.deadLetter(30_000);
    if (!dead) throw new Error('no dead letter within 30 s');
    console.log(
      `dead letter: ${dead.Body} (${dead.MessageAttributes?.ERROR_CODE?.StringValue}: ${dead.MessageAttributes?.ERROR_MESSAGE?.StringValue})`,
    );
    for (let run = 1; run <= 2; run++) {
      console.log(`waiting for cron run ${run} (every minute, Berlin time)…`);
      const report = await example.nextReport(90_000);
      if (!report) throw new Error('no report within 90 s');
      console.log(`run ${run}: scheduled at ${report.scheduledAt}, ran at ${report.ranAt}`);
    }
    const once = await example.oneTimeMessage(30_000);
    console.log(
      `one-time schedule: ${once ?? 'no message'}; still there: ${await example.oneTimeScheduleExists()}`,
    );
  } finally {
    await example.close();
  }
} catch (error) {
  console.error(`scheduled-processing (Scheduler) failed against ${endpoint}: ${(error as Error).message}`);
  console.error('Is eddy running? Start it with `npm start` in another terminal.');
  process.exitCode = 1;
}

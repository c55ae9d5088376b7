// Runs the scheduled-processing example against eddy (EDDY_ENDPOINT, default http://127.0.0.1:4566):
// waits for two scheduled runs (about two minutes), then removes the rule.
import { setUpScheduledProcessing } from './scheduled.ts';

const endpoint = process.env.EDDY_ENDPOINT ?? 'http://127.0.0.1:4566';
try {
  const scheduled = await setUpScheduledProcessing(endpoint, (line) => console.log(line));
  try {
    for (let run = 1; run <= 2; run++) {
      console.log(`waiting for run ${run} (the rule fires once a minute)…`);
      const report = await scheduled.nextReport(90_000);
      if (!report) throw new Error('no report within 90 s');
      console.log(`run ${run}: scheduled at ${report.scheduledAt}, ran at ${report.ranAt}`);
    }
  } finally {
    await scheduled.close();
  }
} catch (error) {
  console.error(`scheduled-processing example failed against ${endpoint}: ${(error as Error).message}`);
  console.error('Is eddy running? Start it with `npm start` in another terminal.');
  process.exitCode = 1;
}

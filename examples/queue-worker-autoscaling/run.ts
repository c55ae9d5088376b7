// Runs the queue-worker autoscaling example against eddy (EDDY_ENDPOINT, default
// http://127.0.0.1:4566) in real time: a burst of jobs every minute for BURST_MINUTES minutes, then
// quiet until the service is back at its minimum. The cooldowns are AWS's 300 s, so a run takes
// about half an hour; it prints the queue, the desired and running counts every 30 seconds.
// POLICY=backlog-per-task uses target tracking on backlog per task instead of the step policies.
import { MIN_TASKS, type Policy, setUpQueueWorkerAutoscaling } from './autoscaling.ts';

const endpoint = process.env.EDDY_ENDPOINT ?? 'http://127.0.0.1:4566';
const workMs = Number(process.env.WORK_MS ?? '3000');
const burst = Number(process.env.BURST ?? '60');
const burstMinutes = Number(process.env.BURST_MINUTES ?? '12');
const policy = (process.env.POLICY ?? 'step') as Policy;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let example: Awaited<ReturnType<typeof setUpQueueWorkerAutoscaling>> | undefined;
process.on('SIGINT', () => {
  void example?.close().finally(() => process.exit(130));
});
try {
  example = await setUpQueueWorkerAutoscaling(endpoint, { workMs, policy });
  console.log(
    `service ${example.serviceName} scales on queue ${example.queueName} (1 to 4 tasks, ${policy} policy)`,
  );
  const started = Date.now();
  let scaledOut = false;
  let seen = 0;
  for (let tick = 0; ; tick++) {
    if (tick % 2 === 0 && tick / 2 < burstMinutes) await example.burst(burst);
    if (policy === 'backlog-per-task') await example.publishTaskCount();
    const state = await example.state();
    const minutes = ((Date.now() - started) / 60_000).toFixed(1);
    console.log(
      `${minutes.padStart(5)} min  visible ${String(state.visible).padStart(4)}  in flight ${String(state.inFlight).padStart(3)}  desired ${state.desired}  running ${state.running}`,
    );
    const activities = await example.activities();
    for (const activity of activities.slice(0, activities.length - seen).reverse())
      console.log(`         ${activity.Description} (${activity.Cause})`);
    seen = activities.length;
    if (state.desired > MIN_TASKS) scaledOut = true;
    if (scaledOut && state.desired === MIN_TASKS && state.running === MIN_TASKS && state.visible === 0) break;
    await sleep(30_000);
  }
  console.log('\nback at the minimum: done');
} catch (error) {
  console.error(`queue-worker-autoscaling example failed against ${endpoint}: ${(error as Error).message}`);
  console.error('Is eddy running? Start it with `npm start` in another terminal.');
  process.exitCode = 1;
} finally {
  await example?.close();
}

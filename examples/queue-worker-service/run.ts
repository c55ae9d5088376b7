// Runs the queue-worker service example against eddy (EDDY_ENDPOINT, default http://127.0.0.1:4566).
import { JOBS, runQueueWorkerService } from './queue-worker.ts';

const endpoint = process.env.EDDY_ENDPOINT ?? 'http://127.0.0.1:4566';
try {
  const { results, perTask } = await runQueueWorkerService(endpoint, (line) => console.log(line));
  console.log(`\n${results.size} of ${JOBS} jobs done`);
  for (const [task, count] of perTask) console.log(`  task ${task}: ${count} jobs`);
  process.exitCode = results.size === JOBS ? 0 : 1;
} catch (error) {
  console.error(`queue-worker-service example failed against ${endpoint}: ${(error as Error).message}`);
  console.error('Is eddy running? Start it with `npm start` in another terminal.');
  process.exitCode = 1;
}

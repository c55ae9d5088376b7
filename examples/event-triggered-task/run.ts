// Runs the event-triggered task example against eddy (EDDY_ENDPOINT, default http://127.0.0.1:4566).
import { runEventTriggeredTasks } from './event-triggered.ts';

const endpoint = process.env.EDDY_ENDPOINT ?? 'http://127.0.0.1:4566';
try {
  const { packed, failed } = await runEventTriggeredTasks(endpoint, (line) => console.log(line));
  console.log('');
  for (const [orderId, quantity] of packed) console.log(`packed   ${orderId}: ${quantity}`);
  for (const task of failed)
    console.log(`failed   ${task.orderId}: exit code ${task.exitCode} (${task.stopCode}) → DLQ`);
  process.exitCode = packed.size === 2 && failed.length === 1 ? 0 : 1;
} catch (error) {
  console.error(`event-triggered-task example failed against ${endpoint}: ${(error as Error).message}`);
  console.error('Is eddy running? Start it with `npm start` in another terminal.');
  process.exitCode = 1;
}

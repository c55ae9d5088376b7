// Runs the fan-out example against eddy (EDDY_ENDPOINT, default http://127.0.0.1:4566) and prints
// which orders each subscriber received.
import { expectedIds, type QueueName, runFanOut } from './fan-out.ts';

const endpoint = process.env.EDDY_ENDPOINT ?? 'http://127.0.0.1:4566';
try {
  const result = await runFanOut(endpoint, (line) => console.log(line));
  console.log('');
  let ok = true;
  for (const [name, ids] of Object.entries(result.queues) as [QueueName, string[]][]) {
    const expected = expectedIds(name);
    const same = JSON.stringify(ids) === JSON.stringify(expected);
    ok &&= same;
    console.log(
      `${name.padEnd(11)} got ${ids.join(', ') || '(nothing)'}${same ? '' : `  (expected ${expected.join(', ')})`}`,
    );
  }
  console.log(`${'http'.padEnd(11)} got ${result.http.join(', ')}`);
  process.exitCode = ok && result.http.length === 5 ? 0 : 1;
} catch (error) {
  const reason = error instanceof Error ? error.message : String(error);
  console.error(`fan-out example failed against ${endpoint}: ${reason}`);
  console.error('Is eddy running? Start it with `npm start` in another terminal.');
  process.exitCode = 1;
}

// Runs the API destination example against eddy (EDDY_ENDPOINT, default http://127.0.0.1:4566).
import { runApiDestinations } from './api-destination.ts';

const endpoint = process.env.EDDY_ENDPOINT ?? 'http://127.0.0.1:4566';
try {
  const result = await runApiDestinations(endpoint, (line) => console.log(line));
  console.log('');
  console.log(
    `APAC service accepted ${result.apac.accepted.join(', ')} (${result.apac.requests} requests: each failed once, then was retried)`,
  );
  console.log(`QA service refused ${result.qa.join(', ')} (HTTP 400: not retried)`);
  for (const letter of result.deadLetters) {
    console.log(`dead-letter queue: ${letter.name} — ${letter.errorCode}: ${letter.errorMessage}`);
  }
  process.exitCode = result.apac.accepted.length === 2 && result.deadLetters.length === 1 ? 0 : 1;
} catch (error) {
  console.error(`api-destination example failed against ${endpoint}: ${(error as Error).message}`);
  console.error('Is eddy running? Start it with `npm start` in another terminal.');
  process.exitCode = 1;
}

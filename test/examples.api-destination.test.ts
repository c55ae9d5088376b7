// The API destination example end to end: content-based routing to two HTTP services, a retried
// 503, and a refused event in the dead-letter queue.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { runApiDestinations } from '../examples/api-destination/api-destination.ts';
import { events } from '../src/cli/events.ts';
import { startTestEddy, type TestEddy } from './harness.ts';

let eddy: TestEddy;
before(async () => {
  // Retries start after 100 ms instead of a second, so the test does not wait.
  eddy = await startTestEddy({ config: { deliveryRetry: { firstMs: 100, capMs: 1000 } } });
});
after(() => eddy?.stop());

test('examples/api-destination: routed by content, retried on 503, dead-lettered on 400', async () => {
  const result = await runApiDestinations(eddy.url);
  assert.deepEqual(result.apac, { accepted: ['flix-sydney', 'test-auckland'], requests: 4 });
  assert.deepEqual(result.qa, ['test-auckland']);
  assert.equal(result.deadLetters.length, 1);
  assert.equal(result.deadLetters[0]!.name, 'test-auckland');
  assert.equal(result.deadLetters[0]!.errorCode, 'ApiDestinationClientError');
  assert.match(result.deadLetters[0]!.errorMessage ?? '', /answered HTTP 400/);
});

test("the README's explain command: channel.json (flix-berlin) matches neither rule, and says why", async () => {
  const file = resolve(import.meta.dirname, '../examples/api-destination/channel.json');
  const output = await events(['explain', '--event', file, '--endpoint', eddy.url]);
  assert.match(output, /: 2 rule\(s\), 0 matched\n/);
  assert.equal(output.match(/\n {2}no {5}/g)?.length, 2);
});

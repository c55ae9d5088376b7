// The queue-worker service example end to end: 4 service tasks share the jobs, every job is done.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { JOBS, runQueueWorkerService, WORKERS } from '../examples/queue-worker-service/queue-worker.ts';
import { startTestEddy, type TestEddy } from './harness.ts';

let eddy: TestEddy;
before(async () => {
  eddy = await startTestEddy();
});
after(() => eddy?.stop());

test('examples/queue-worker-service: 4 tasks consume the queue with sqs-consumer', async () => {
  const { results, perTask } = await runQueueWorkerService(eddy.url);
  assert.equal(results.size, JOBS);
  assert.equal(results.get(7), 'JOB 7');
  assert.ok(perTask.size >= 2 && perTask.size <= WORKERS, `work spread over ${perTask.size} tasks`);
});

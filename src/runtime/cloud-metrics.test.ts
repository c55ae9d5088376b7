import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { aggregate, CloudMetrics } from './cloud-metrics.ts';

const minute = 60_000;
const start = Date.UTC(2026, 0, 1);
const samples = [
  { minute: start, value: 4 },
  { minute: start + minute, value: 6 },
  { minute: start + 5 * minute, value: 10 },
];

describe('cloud metrics', () => {
  it('aggregates per-minute samples into periods by statistic', () => {
    const query = { start, periodSeconds: 300 } as const;
    assert.deepEqual(aggregate(samples, { ...query, statistic: 'Sum' }), [
      { timestamp: start, value: 10 },
      { timestamp: start + 5 * minute, value: 10 },
    ]);
    assert.deepEqual(aggregate(samples, { ...query, statistic: 'Average' })[0], {
      timestamp: start,
      value: 5,
    });
    assert.deepEqual(aggregate(samples, { ...query, statistic: 'Maximum' })[0]?.value, 6);
    assert.deepEqual(aggregate(samples, { ...query, statistic: 'Minimum' })[0]?.value, 4);
    assert.deepEqual(aggregate(samples, { ...query, statistic: 'SampleCount' })[0]?.value, 2);
  });

  it('answers from the registered namespace and nothing for others', async () => {
    const metrics = new CloudMetrics();
    metrics.register('AWS/SQS', async (query) => [{ timestamp: query.start, value: 1 }]);
    const query = {
      namespace: 'AWS/SQS',
      metricName: 'NumberOfMessagesSent',
      dimensions: { QueueName: 'q' },
      start,
      end: start + minute,
      periodSeconds: 60,
      statistic: 'Sum',
    } as const;
    assert.deepEqual(await metrics.query(query), [{ timestamp: start, value: 1 }]);
    assert.deepEqual(await metrics.query({ ...query, namespace: 'AWS/Other' }), []);
    assert.throws(() => metrics.register('AWS/SQS', async () => []), /already registered/);
  });
});

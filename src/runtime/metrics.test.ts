import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MetricsRegistry } from './metrics.ts';

test('renders counters, histograms and gauges in the Prometheus text format', async () => {
  const registry = new MetricsRegistry();
  const requests = registry.counter('requests_total', 'Requests.', ['service', 'status']);
  requests.inc({ service: 'sqs', status: '200' });
  requests.inc({ status: '200', service: 'sqs' }, 2);
  const latency = registry.histogram('latency_seconds', 'Latency.', ['op'], [0.1, 1]);
  latency.observe({ op: 'a"b' }, 0.5);
  let depth = 7;
  registry.gauge('depth', 'Depth.', ['queue'], () => [{ labels: { queue: 'q' }, value: depth }]);

  assert.equal((await requests.get()).values[0]?.value, 3);
  assert.equal(registry.contentType, 'text/plain; version=0.0.4; charset=utf-8');
  assert.equal(
    await registry.render(),
    [
      '# HELP requests_total Requests.',
      '# TYPE requests_total counter',
      'requests_total{service="sqs",status="200"} 3',
      '',
      '# HELP latency_seconds Latency.',
      '# TYPE latency_seconds histogram',
      'latency_seconds_bucket{le="0.1",op="a\\"b"} 0',
      'latency_seconds_bucket{le="1",op="a\\"b"} 1',
      'latency_seconds_bucket{le="+Inf",op="a\\"b"} 1',
      'latency_seconds_sum{op="a\\"b"} 0.5',
      'latency_seconds_count{op="a\\"b"} 1',
      '',
      '# HELP depth Depth.',
      '# TYPE depth gauge',
      'depth{queue="q"} 7',
      '',
    ].join('\n'),
  );
  // A gauge is read afresh on every scrape.
  depth = 3;
  assert.match(await registry.render(), /^depth\{queue="q"\} 3$/m);
});

test('each registry keeps its own metrics, and refuses labels it was not told of', () => {
  const one = new MetricsRegistry();
  const two = new MetricsRegistry();
  const counter = one.counter('same_total', 'Same.', ['topic']);
  two.counter('same_total', 'Same.', ['topic']);
  assert.throws(() => counter.inc({ queue: 'q' } as never), /not included in initial labelset/);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MetricsRegistry } from './metrics.ts';

test('renders counters, histograms and gauges in the Prometheus text format', () => {
  const registry = new MetricsRegistry();
  const requests = registry.counter('requests_total', 'Requests.');
  requests.inc({ service: 'sqs', status: '200' });
  requests.inc({ status: '200', service: 'sqs' }, 2);
  const latency = registry.histogram('latency_seconds', 'Latency.', [0.1, 1]);
  latency.observe({ op: 'a"b' }, 0.5);
  registry.gauge('depth', 'Depth.', () => [{ labels: { queue: 'q' }, value: 7 }]);

  assert.equal(requests.get({ service: 'sqs', status: '200' }), 3);
  assert.equal(
    registry.render(),
    [
      '# HELP requests_total Requests.',
      '# TYPE requests_total counter',
      'requests_total{service="sqs",status="200"} 3',
      '# HELP latency_seconds Latency.',
      '# TYPE latency_seconds histogram',
      'latency_seconds_bucket{op="a\\"b",le="0.1"} 0',
      'latency_seconds_bucket{op="a\\"b",le="1"} 1',
      'latency_seconds_bucket{op="a\\"b",le="+Inf"} 1',
      'latency_seconds_sum{op="a\\"b"} 0.5',
      'latency_seconds_count{op="a\\"b"} 1',
      '# HELP depth Depth.',
      '# TYPE depth gauge',
      'depth{queue="q"} 7',
      '',
    ].join('\n'),
  );
});

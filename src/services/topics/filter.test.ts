// A topic's filters: policies an earlier eddy stored keep filtering after the rules grew stricter, and
// the filter attributes GetSubscriptionAttributes shows.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shownFilterAttributes, TopicFilters, validateFilterPolicy } from './filter.ts';

test('a stored policy the rules now refuse still filters as it did', () => {
  const values = (n: number) => Array.from({ length: n }, (_, index) => `v${index}`);
  // 216 combinations by SNS's count (nested keys weigh by depth), and an anything-but suffix, which
  // SNS's operator set does not have: both accepted by earlier eddys.
  const complex = JSON.stringify({
    a: { b: { c: [...values(3), 'hit'] } },
    d: { e: values(3) },
    f: values(3),
  });
  const suffix = JSON.stringify({ file: [{ 'anything-but': { suffix: '.tmp' } }] });
  for (const policy of [complex, suffix]) {
    assert.throws(() => validateFilterPolicy(policy, 'MessageBody'), /InvalidParameter|Invalid parameter/);
  }
  const filters = new TopicFilters();
  filters.set('complex', complex, 'MessageBody');
  filters.set('suffix', suffix, 'MessageBody');
  assert.ok(filters.has('complex') && filters.has('suffix'));
  const accepting = (body: unknown) => [...filters.accepting({}, JSON.stringify(body))].sort();
  assert.deepEqual(accepting({ a: { b: { c: 'hit' } }, d: { e: 'v0' }, f: 'v2', file: 'notes.txt' }), [
    'complex',
    'suffix',
  ]);
  assert.deepEqual(accepting({ file: 'notes.tmp' }), []);
});

test('FilterPolicyScope is shown beside a policy only', () => {
  assert.deepEqual(shownFilterAttributes({ RawMessageDelivery: 'true' }), { RawMessageDelivery: 'true' });
  assert.deepEqual(shownFilterAttributes({ FilterPolicyScope: 'MessageBody' }), {});
  assert.deepEqual(shownFilterAttributes({ FilterPolicy: '{"a": ["b"]}' }), {
    FilterPolicy: '{"a": ["b"]}',
    FilterPolicyScope: 'MessageAttributes',
  });
  assert.deepEqual(
    shownFilterAttributes({ FilterPolicy: '{"a": ["b"]}', FilterPolicyScope: 'MessageBody' }),
    {
      FilterPolicy: '{"a": ["b"]}',
      FilterPolicyScope: 'MessageBody',
    },
  );
});

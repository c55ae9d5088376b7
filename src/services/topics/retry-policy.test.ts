import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkRetryPolicy, DEFAULT_HTTP_POLICY, effectivePolicy, retryDelaySeconds } from './retry-policy.ts';

describe('HTTP retry policy', () => {
  it('defaults to three retries 20 seconds apart', () => {
    assert.deepEqual(
      [1, 2, 3, 4].map((retry) => retryDelaySeconds(DEFAULT_HTTP_POLICY, retry)),
      [20, 20, 20, undefined],
    );
  });

  it('runs the four phases in order', () => {
    const policy = {
      minDelayTarget: 1,
      maxDelayTarget: 9,
      numRetries: 9,
      numNoDelayRetries: 2,
      numMinDelayRetries: 2,
      numMaxDelayRetries: 2,
      backoffFunction: 'linear' as const,
    };
    assert.deepEqual(
      Array.from({ length: 10 }, (_, index) => retryDelaySeconds(policy, index + 1)),
      [0, 0, 1, 1, 1, 5, 9, 9, 9, undefined],
    );
    const exponential = retryDelaySeconds({ ...policy, backoffFunction: 'exponential' }, 6)!;
    assert.ok(exponential >= 1 && exponential < 5, 'exponential starts slower than linear');
  });

  it('takes the subscription policy over the topic default and checks limits', () => {
    const topic = JSON.stringify({ http: { defaultHealthyRetryPolicy: { numRetries: 5 } } });
    const own = JSON.stringify({ healthyRetryPolicy: { minDelayTarget: 2, maxDelayTarget: 2 } });
    assert.equal(effectivePolicy(undefined, topic).numRetries, 5);
    assert.equal(effectivePolicy(own, topic).minDelayTarget, 2);
    assert.match(checkRetryPolicy({ ...DEFAULT_HTTP_POLICY, minDelayTarget: 30 }) ?? '', /minDelayTarget/);
    assert.match(checkRetryPolicy({ ...DEFAULT_HTTP_POLICY, numNoDelayRetries: 4 }) ?? '', /must not exceed/);
  });
});

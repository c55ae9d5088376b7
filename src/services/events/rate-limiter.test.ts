import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RateLimiter } from './rate-limiter.ts';

test('a burst of one second passes, then deliveries are spaced at the rate', () => {
  const limiter = new RateLimiter(10, 0);
  const waits = Array.from({ length: 13 }, () => limiter.reserve(0));
  assert.deepEqual(waits.slice(0, 10), Array(10).fill(0));
  assert.deepEqual(waits.slice(10), [100, 200, 300]);
});

test('tokens come back with time, never more than a second of them', () => {
  const limiter = new RateLimiter(2, 0);
  limiter.reserve(0);
  limiter.reserve(0);
  assert.equal(limiter.reserve(0), 500);
  // 10 s later: a full bucket (2), not 20.
  assert.equal(limiter.reserve(10_000), 0);
  assert.equal(limiter.reserve(10_000), 0);
  assert.equal(limiter.reserve(10_000), 500);
});

test('a lower rate takes effect at once', () => {
  const limiter = new RateLimiter(100, 0);
  limiter.setRate(1);
  assert.equal(limiter.reserve(0), 0);
  assert.equal(limiter.reserve(0), 1000);
});

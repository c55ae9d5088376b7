import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newTimeOrderedUuid } from './ids.ts';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('a time-ordered id is a version 7 UUID that carries its millisecond', () => {
  const now = Date.UTC(2026, 11, 1, 7, 30, 0, 123);
  const id = newTimeOrderedUuid(now);
  assert.match(id, UUID_V7);
  assert.equal(Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16), now);
});

test('ids made later sort later, and ids of one millisecond differ', () => {
  const earlier = newTimeOrderedUuid(1_700_000_000_000);
  const later = newTimeOrderedUuid(1_700_000_000_001);
  assert.ok(earlier < later);
  const same = new Set(Array.from({ length: 1000 }, () => newTimeOrderedUuid(1_700_000_000_000)));
  assert.equal(same.size, 1000);
});

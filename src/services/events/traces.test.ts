import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../runtime/index.ts';
import { SqliteStore } from '../../store/index.ts';
import type { Rule, Target } from './resources.ts';
import { eventMigrations } from './schema.ts';
import { EventTraces } from './traces.ts';

const rule = { arn: 'arn:aws:events:us-east-1:000000000000:rule/r' } as Rule;
const target = { Id: 'q', Arn: 'arn:aws:sqs:us-east-1:000000000000:q' } as Target;

test('a trace holds the matched rules and every attempt in order; prune keeps the newest', async () => {
  const store = new SqliteStore({ path: ':memory:' });
  await store.migrate(eventMigrations);
  const traces = new EventTraces(store, new ManualClock(Date.parse('2026-11-24T12:00:00Z')), 2);
  for (const id of ['e1', 'e2', 'e3']) {
    await store.write(async (tx) => {
      await traces.matched(tx, 'bus', [
        { eventId: id, receivedAt: Date.parse('2026-11-24T11:59:59Z'), rules: [rule] },
      ]);
      await traces.attempt(tx, id, target, 1, 'retrying');
      await traces.attempt(tx, id, target, 2, 'delivered');
    });
  }
  const trace = await traces.get('e3');
  assert.deepEqual(trace, {
    eventId: 'e3',
    busArn: 'bus',
    receivedAt: '2026-11-24T11:59:59.000Z',
    matchedRules: [rule.arn],
    attempts: [
      { target: 'q', targetArn: target.Arn, attempt: 1, at: '2026-11-24T12:00:00.000Z', outcome: 'retrying' },
      {
        target: 'q',
        targetArn: target.Arn,
        attempt: 2,
        at: '2026-11-24T12:00:00.000Z',
        outcome: 'delivered',
      },
    ],
  });

  await traces.prune();
  assert.equal(await traces.get('e1'), undefined);
  assert.ok(await traces.get('e2'));
  // An attempt for a pruned event records nothing (and fails nothing).
  await store.write((tx) => traces.attempt(tx, 'e1', target, 3, 'delivered'));
  const left = await store.read((tx) =>
    tx.all<{ n: number }>('SELECT COUNT(*) AS n FROM evb_trace_attempts'),
  );
  assert.equal(Number(left[0]!.n), 4);
  await store.close();
});

test('attempts made with the match join the trace in time order; a later bus replaces the rules', async () => {
  const store = new SqliteStore({ path: ':memory:' });
  await store.migrate(eventMigrations);
  const clock = new ManualClock(Date.parse('2026-11-24T12:00:00Z'));
  const traces = new EventTraces(store, clock);
  const onward = { arn: 'arn:aws:events:us-east-1:000000000000:rule/onward' } as Rule;
  const receivedAt = Date.parse('2026-11-24T11:59:59Z');
  await store.write(async (tx) => {
    await traces.matched(tx, 'bus-a', [
      { eventId: 'e', receivedAt, rules: [rule], attempts: [traces.record(target, 1, 'delivered')] },
    ]);
  });
  clock.advance(10);
  await store.write((tx) => traces.attempt(tx, 'e', { Id: 'b', Arn: 'bus-b' } as Target, 1, 'delivered'));
  clock.advance(10);
  await store.write((tx) =>
    traces.matched(tx, 'bus-b', [
      { eventId: 'e', receivedAt, rules: [onward], attempts: [traces.record(target, 1, 'delivered')] },
    ]),
  );
  const trace = await traces.get('e');
  assert.equal(trace?.busArn, 'bus-b');
  assert.deepEqual(trace?.matchedRules, [onward.arn]);
  assert.deepEqual(
    trace?.attempts.map((attempt) => attempt.targetArn),
    [target.Arn, 'bus-b', target.Arn],
  );
  await store.close();
});

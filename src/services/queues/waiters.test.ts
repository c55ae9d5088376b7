import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../runtime/index.ts';
import { Waiters } from './waiters.ts';

const QUEUE = 7;
const never = new AbortController().signal;

/** Whether the promise settled by the time queued microtasks ran. */
async function settled(promise: Promise<void>): Promise<boolean> {
  let done = false;
  void promise.then(() => {
    done = true;
  });
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

test('a wake between the look for messages and the wait is not lost', async () => {
  const clock = new ManualClock();
  const waiters = new Waiters(clock);
  const waiter = waiters.enlist(QUEUE);
  waiters.notify(QUEUE, 1); // a send committed while this receive was looking
  assert.equal(await settled(waiter.wait(clock.now() + 20_000, never)), true);
  waiter.leave(true);
  assert.equal(waiters.count(), 0);
});

test('a send of one message wakes one waiting receive, longest waiting first', async () => {
  const clock = new ManualClock();
  const waiters = new Waiters(clock);
  const first = waiters.enlist(QUEUE);
  const second = waiters.enlist(QUEUE);
  const firstWait = first.wait(clock.now() + 20_000, never);
  const secondWait = second.wait(clock.now() + 20_000, never);
  waiters.notify(QUEUE, 1);
  assert.equal(await settled(firstWait), true);
  assert.equal(await settled(secondWait), false);
  waiters.notify(QUEUE);
  assert.equal(await settled(secondWait), true);
});

test('a receive that leaves with a wake it did not use passes it on', async () => {
  const clock = new ManualClock();
  const waiters = new Waiters(clock);
  const busy = waiters.enlist(QUEUE); // looking: it found older messages and will answer with them
  const idle = waiters.enlist(QUEUE);
  const idleWait = idle.wait(clock.now() + 20_000, never);
  waiters.notify(QUEUE, 1);
  assert.equal(busy.woken, true);
  assert.equal(await settled(idleWait), false);
  busy.leave(false);
  assert.equal(await settled(idleWait), true);
});

test('a wait ends at its deadline or when its client goes away', async () => {
  const clock = new ManualClock();
  const waiters = new Waiters(clock);
  const timed = waiters.enlist(QUEUE);
  const timedWait = timed.wait(clock.now() + 1_000, never);
  clock.advance(999);
  assert.equal(await settled(timedWait), false);
  clock.advance(1);
  assert.equal(await settled(timedWait), true);
  const gone = new AbortController();
  const aborted = waiters.enlist(QUEUE);
  const abortedWait = aborted.wait(clock.now() + 20_000, gone.signal);
  gone.abort();
  assert.equal(await settled(abortedWait), true);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../../runtime/index.ts';
import { Waiters } from './waiters.ts';

const QUEUE = 7;
const never = new AbortController().signal;

/** Whether the promise settled by the time queued microtasks ran. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => {
    done = true;
  });
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

test('a wake between the look for messages and the wait is not lost', async () => {
  const clock = new ManualClock();
  const waiters = new Waiters<string>(clock, () => {});
  const waiter = waiters.enlist(QUEUE);
  waiters.notify(QUEUE, 1); // a send committed while this receive was looking
  assert.equal(await settled(waiter.wait(clock.now() + 20_000, never)), true);
  waiter.leave(true);
  assert.equal(waiters.count(), 0);
});

test('a send of one message wakes one waiting receive, longest waiting first', async () => {
  const clock = new ManualClock();
  const waiters = new Waiters<string>(clock, () => {});
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
  const waiters = new Waiters<string>(clock, () => {});
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
  const waiters = new Waiters<string>(clock, () => {});
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

const TAKE = { maxMessages: 2, visibilityMs: 30_000 };

test('a waiting receive takes messages handed to it and answers with them once they commit', async () => {
  const clock = new ManualClock();
  const waiters = new Waiters<string>(clock, () => {});
  const looking = waiters.enlist(QUEUE);
  assert.equal(waiters.taker(QUEUE), undefined, 'a receive still looking takes nothing');
  const answer = looking.wait(clock.now() + 20_000, never, TAKE);
  const first = waiters.taker(QUEUE)!;
  const second = waiters.taker(QUEUE)!;
  assert.equal(first.waiter, looking);
  assert.equal(first.claim.receipt, second.claim.receipt, 'one receive, one receipt');
  assert.equal(first.claim.visibilityMs, 30_000);
  assert.equal(waiters.taker(QUEUE), undefined, 'no room past MaxNumberOfMessages');
  first.waiter.settle('m1');
  assert.equal(await settled(answer), false, 'the second message has not committed yet');
  second.waiter.settle('m2');
  assert.deepEqual(await answer, ['m1', 'm2']);
});

test('a hand-off rolled back gives the room back, and the receive waits on', async () => {
  const clock = new ManualClock();
  const waiters = new Waiters<string>(clock, () => {});
  const waiter = waiters.enlist(QUEUE);
  const answer = waiter.wait(clock.now() + 20_000, never, { maxMessages: 1, visibilityMs: 1000 });
  waiters.taker(QUEUE)!.waiter.settle(undefined);
  assert.equal(await settled(answer), false);
  waiters.taker(QUEUE)!.waiter.settle('m1');
  assert.deepEqual(await answer, ['m1']);
});

test('a receive holding messages that are committing is passed over by wakes and outlives its deadline', async () => {
  const clock = new ManualClock();
  const waiters = new Waiters<string>(clock, () => {});
  const holder = waiters.enlist(QUEUE);
  const other = waiters.enlist(QUEUE);
  const holderAnswer = holder.wait(clock.now() + 1000, never, TAKE);
  const otherAnswer = other.wait(clock.now() + 20_000, never);
  const taken = waiters.taker(QUEUE)!;
  waiters.notify(QUEUE, 1);
  assert.equal(await settled(otherAnswer), true, 'the wake went to the receive holding nothing');
  clock.advance(1000);
  assert.equal(await settled(holderAnswer), false, 'its message is about to commit');
  taken.waiter.settle('m1');
  assert.deepEqual(await holderAnswer, ['m1']);
});

test('messages handed to a receive whose client left are released', async () => {
  const clock = new ManualClock();
  const released: string[] = [];
  const waiters = new Waiters<string>(clock, (rows) => released.push(...rows));
  const gone = new AbortController();
  const waiter = waiters.enlist(QUEUE);
  const answer = waiter.wait(clock.now() + 20_000, gone.signal, TAKE);
  const first = waiters.taker(QUEUE)!;
  const second = waiters.taker(QUEUE)!;
  first.waiter.settle('m1');
  gone.abort();
  assert.equal(await answer, undefined);
  assert.deepEqual(released, ['m1']);
  second.waiter.settle('m2');
  assert.deepEqual(released, ['m1', 'm2']);
});

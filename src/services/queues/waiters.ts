// Long polling: receives that found nothing wait here until a send to their queue commits, a
// delayed or invisible message falls due, their wait ends, or the client goes away.
//
// A receive enlists before it looks for messages, so a send that commits between its look and
// its wait still wakes it. A send of N messages wakes N receives, not every one waiting (each
// woken receive claims in its own transaction; waking all of them for one message is a claim per
// waiter that finds nothing). A receive that leaves with a wake it did not use passes it on.
import type { Clock } from '../../runtime/index.ts';

export class Waiter {
  /** Set when a wake reached this waiter; a wait that starts after it ends at once. */
  woken = false;
  private resolve: (() => void) | undefined;

  constructor(
    readonly queueId: number,
    private readonly waiters: Waiters,
  ) {}

  /** Resolves when woken (or already woken), at `until`, or when `signal` aborts, whichever is first. */
  wait(until: number, signal: AbortSignal): Promise<void> {
    if (this.woken || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        cancelAlarm();
        signal.removeEventListener('abort', done);
        this.resolve = undefined;
        resolve();
      };
      const cancelAlarm = this.waiters.clock.setAlarm(until, done);
      signal.addEventListener('abort', done, { once: true });
      this.resolve = done;
    });
  }

  wake(): void {
    this.woken = true;
    this.resolve?.();
  }

  /** Done with this enlistment: a wake it holds but did not act on goes to the next waiter. */
  leave(usedWake: boolean): void {
    this.waiters.remove(this);
    if (this.woken && !usedWake) this.waiters.notify(this.queueId, 1);
  }
}

export class Waiters {
  private readonly byQueue = new Map<number, Set<Waiter>>();

  constructor(readonly clock: Clock) {}

  /** Registers a receive on the queue until it calls `leave`; wakes from now on reach it. */
  enlist(queueId: number): Waiter {
    const waiter = new Waiter(queueId, this);
    let waiting = this.byQueue.get(queueId);
    if (!waiting) {
      waiting = new Set();
      this.byQueue.set(queueId, waiting);
    }
    waiting.add(waiter);
    return waiter;
  }

  /** Wakes up to `count` receives of the queue (all of them by default), longest waiting first. */
  notify(queueId: number, count = Number.POSITIVE_INFINITY): void {
    const waiting = this.byQueue.get(queueId);
    if (!waiting) return;
    let woken = 0;
    for (const waiter of waiting) {
      if (woken >= count) break;
      waiting.delete(waiter);
      waiter.wake();
      woken++;
    }
    if (waiting.size === 0) this.byQueue.delete(queueId);
  }

  /** Wakes everyone (shutdown): their requests answer with what they have. */
  wakeAll(): void {
    for (const queueId of [...this.byQueue.keys()]) this.notify(queueId);
  }

  count(): number {
    let total = 0;
    for (const set of this.byQueue.values()) total += set.size;
    return total;
  }

  remove(waiter: Waiter): void {
    const waiting = this.byQueue.get(waiter.queueId);
    if (!waiting?.delete(waiter)) return;
    if (waiting.size === 0) this.byQueue.delete(waiter.queueId);
  }
}

// Long polling: receives that found nothing wait here until a send to their queue commits, a
// delayed or invisible message falls due, their wait ends, or the client goes away.
import type { Clock } from '../../runtime/index.ts';

export class Waiters {
  private readonly byQueue = new Map<number, Set<() => void>>();

  constructor(private readonly clock: Clock) {}

  /** Resolves when woken, at `until`, or when `signal` aborts, whichever is first. */
  wait(queueId: number, until: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      let waiting = this.byQueue.get(queueId);
      if (!waiting) {
        waiting = new Set();
        this.byQueue.set(queueId, waiting);
      }
      const set = waiting;
      const done = () => {
        cancelAlarm();
        signal.removeEventListener('abort', done);
        set.delete(done);
        if (set.size === 0 && this.byQueue.get(queueId) === set) this.byQueue.delete(queueId);
        resolve();
      };
      const cancelAlarm = this.clock.setAlarm(until, done);
      signal.addEventListener('abort', done, { once: true });
      set.add(done);
    });
  }

  /** Wakes every receive waiting on the queue; each tries again. */
  notify(queueId: number): void {
    const waiting = this.byQueue.get(queueId);
    if (!waiting) return;
    for (const wake of [...waiting]) wake();
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
}

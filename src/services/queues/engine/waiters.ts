// Long polling: receives that found nothing wait here until a send to their queue commits, a
// delayed or invisible message falls due, their wait ends, or the client goes away.
//
// A receive enlists before it looks for messages, so a send that commits between its look and
// its wait still wakes it. A waiting receive may take messages handed to it: a send to a standard
// queue writes them already in flight under the receive's receipt, in the send's own transaction,
// and the receive answers with them when that commits (no claim of its own, one commit fewer).
// Other sends wake as many receives as they left messages, and each woken receive claims in its
// own transaction. A receive that leaves with a wake it did not use passes it on.
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../../runtime/index.ts';

/** What a send needs to write a message in flight for a waiting receive. */
export interface Claim {
  receipt: string;
  visibilityMs: number;
}

/** A receive's 16-hex-digit token, part of the receipt handles of the messages it hands out. */
export const newReceiptToken = () => randomUUID().replaceAll('-', '').slice(0, 16);

export class Waiter<Row> {
  /** Set when a wake reached this waiter; a wait that starts after it ends at once. */
  woken = false;
  /** How many more messages a send may hand to this waiter now (0 unless it waits for them). */
  private room = 0;
  private claimOffered: Claim | undefined;
  /** Messages handed over in transactions that have not settled yet. */
  private unsettled = 0;
  private readonly handed: Row[] = [];
  private finish: ((rows: Row[] | undefined) => void) | undefined;
  private timeIsUp = false;

  constructor(
    readonly queueId: number,
    private readonly waiters: Waiters<Row>,
  ) {}

  /**
   * Resolves with the rows handed to this waiter once their sends committed; or with nothing when
   * woken (or already woken), at `until`, or when `signal` aborts, whichever is first. `take` lets
   * sends hand it up to `maxMessages` messages.
   */
  wait(
    until: number,
    signal: AbortSignal,
    take?: { maxMessages: number; visibilityMs: number },
  ): Promise<Row[] | undefined> {
    if (this.woken || signal.aborted) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const finish = (rows: Row[] | undefined) => {
        cancelAlarm();
        signal.removeEventListener('abort', abort);
        this.finish = undefined;
        this.room = 0;
        resolve(rows);
      };
      const abort = () => {
        finish(undefined);
        if (this.handed.length > 0) this.waiters.release(this.handed.splice(0));
      };
      // Messages already handed over are worth waiting for past the deadline: their commit is near.
      const cancelAlarm = this.waiters.clock.setAlarm(until, () => {
        if (this.unsettled > 0) this.timeIsUp = true;
        else finish(undefined);
      });
      signal.addEventListener('abort', abort, { once: true });
      this.finish = finish;
      if (take) {
        this.room = take.maxMessages;
        this.claimOffered = { receipt: newReceiptToken(), visibilityMs: take.visibilityMs };
      }
    });
  }

  /** True while messages handed to this waiter await their commit: it answers with them. */
  get holdsMessages(): boolean {
    return this.unsettled > 0 || this.handed.length > 0;
  }

  /** Takes one message for this waiter if it has room: the claim to write it in flight with. */
  reserve(): Claim | undefined {
    if (this.room === 0 || !this.claimOffered) return undefined;
    this.room--;
    this.unsettled++;
    return this.claimOffered;
  }

  /**
   * A reserved message's send settled: `row` if it committed, undefined if it rolled back. A row
   * committed for a waiter whose client has gone is released (made visible again).
   */
  settle(row: Row | undefined): void {
    this.unsettled--;
    if (!this.finish) {
      if (row !== undefined) this.waiters.release([row]);
      return;
    }
    if (row !== undefined) this.handed.push(row);
    else if (!this.timeIsUp) this.room++;
    if (this.unsettled === 0 && (this.handed.length > 0 || this.timeIsUp)) {
      this.finish(this.handed.length > 0 ? this.handed : undefined);
    }
  }

  wake(): void {
    this.woken = true;
    if (!this.holdsMessages) this.finish?.(undefined);
  }

  /** Done with this enlistment: a wake it holds but did not act on goes to the next waiter. */
  leave(usedWake: boolean): void {
    this.waiters.remove(this);
    if (this.woken && !usedWake) this.waiters.notify(this.queueId, 1);
  }
}

export class Waiters<Row> {
  private readonly byQueue = new Map<number, Set<Waiter<Row>>>();

  /** `release` makes rows handed to a receive whose client left visible again. */
  constructor(
    readonly clock: Clock,
    readonly release: (rows: Row[]) => void,
  ) {}

  /** Registers a receive on the queue until it calls `leave`; wakes from now on reach it. */
  enlist(queueId: number): Waiter<Row> {
    const waiter = new Waiter(queueId, this);
    let waiting = this.byQueue.get(queueId);
    if (!waiting) {
      waiting = new Set();
      this.byQueue.set(queueId, waiting);
    }
    waiting.add(waiter);
    return waiter;
  }

  /** The longest-waiting receive of the queue that takes one more message handed to it, reserved. */
  taker(queueId: number): { waiter: Waiter<Row>; claim: Claim } | undefined {
    for (const waiter of this.byQueue.get(queueId) ?? []) {
      const claim = waiter.reserve();
      if (claim) return { waiter, claim };
    }
    return undefined;
  }

  /**
   * Wakes up to `count` receives of the queue (all of them by default), longest waiting first.
   * Receives answering with messages handed to them need no wake and are passed over.
   */
  notify(queueId: number, count = Number.POSITIVE_INFINITY): void {
    const waiting = this.byQueue.get(queueId);
    if (!waiting) return;
    let woken = 0;
    for (const waiter of waiting) {
      if (woken >= count) break;
      if (waiter.holdsMessages) continue;
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

  remove(waiter: Waiter<Row>): void {
    const waiting = this.byQueue.get(waiter.queueId);
    if (!waiting?.delete(waiter)) return;
    if (waiting.size === 0) this.byQueue.delete(waiter.queueId);
  }
}

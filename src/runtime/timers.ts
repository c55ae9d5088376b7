// The durable timer service: every wait in eddy is a row here. One alarm is armed for the next due
// timer, so idle timers cost nothing; timers due while eddy was down fire at start-up. On a store
// several nodes share, each timer has an owner (cluster.ts): the node that scheduled it, or the
// one that took it over when its owner died. Firing deletes the row in the transaction that runs
// the handler, so a timer fires once in the cluster even if two nodes try.
import type { Migration, Store, Tx } from '../store/index.ts';
import type { Clock } from './clock.ts';
import type { Logger } from './log.ts';

export interface Timer<Payload = unknown> {
  kind: string;
  key: string;
  dueAt: number;
  payload: Payload;
}

/**
 * Runs inside the write transaction that deletes the timer: the firing and its effects commit together.
 * Use `tx` for store work; calling `store.write` from here would wait on the batch it runs in.
 */
export type TimerHandler = (timer: Timer, tx: Tx) => Promise<void> | void;

interface TimerRow {
  kind: string;
  key: string;
  due_at: number;
  payload: string;
}

export const timerMigrations: Migration[] = [
  {
    id: 'runtime/001-timers',
    up: `CREATE TABLE eddy_timers (
           kind TEXT NOT NULL,
           key TEXT NOT NULL,
           due_at BIGINT NOT NULL,
           payload TEXT NOT NULL,
           PRIMARY KEY (kind, key)
         );
         CREATE INDEX eddy_timers_due ON eddy_timers (due_at);`,
  },
];

/** How long a timer whose handler failed waits before it fires again. */
const RETRY_AFTER_FAILURE_MS = 1000;
/** Timers fired per round; the next round follows at once while more are due. */
const BATCH_SIZE = 512;

export class TimerService {
  private readonly handlers = new Map<string, TimerHandler>();
  private alarm: { at: number; cancel: () => void } | undefined;
  private running = false;
  private firing = false;
  private fireAgain = false;
  private idle: Promise<void> = Promise.resolve();

  /**
   * `owner`: on a store several nodes share, this node's id. Its timers are the ones it scheduled
   * (or took over from a dead node); it fires only those. Alone on the store, every timer is its own.
   */
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly owner?: string,
  ) {
    const mine = owner === undefined ? '' : ' AND owner = ?';
    this.dueSql = (kinds) =>
      `SELECT kind, key, due_at, payload FROM eddy_timers
       WHERE due_at <= ?${mine} AND kind IN (${kinds.map(() => '?').join(', ')})
       ORDER BY due_at LIMIT ${BATCH_SIZE}`;
    this.nextSql = (kinds) =>
      `SELECT MIN(due_at) AS due_at FROM eddy_timers WHERE kind IN (${kinds.map(() => '?').join(', ')})${mine}`;
    this.ownerParams = owner === undefined ? [] : [owner];
  }

  private readonly dueSql: (kinds: string[]) => string;
  private readonly nextSql: (kinds: string[]) => string;
  private readonly ownerParams: string[];

  /** Arms for timers this node has just been given (taken over from a node that died). */
  rearm(): void {
    if (!this.running) return;
    this.armForNext().catch((error: unknown) => this.log.error({ err: error }, 'timer re-arm failed'));
  }

  /** Registers the handler for one kind of timer. Register every kind before `start`. */
  on(kind: string, handler: TimerHandler): void {
    if (this.handlers.has(kind)) throw new Error(`a handler for timer kind '${kind}' is already registered`);
    this.handlers.set(kind, handler);
  }

  /** Arms the alarm for the earliest stored timer (overdue ones fire at once). */
  async start(): Promise<void> {
    this.running = true;
    await this.armForNext();
  }

  /** Stops firing and waits for a round in progress to finish. */
  async stop(): Promise<void> {
    this.running = false;
    this.alarm?.cancel();
    this.alarm = undefined;
    await this.idle;
  }

  /** Schedules (or moves) the timer `kind`/`key` in a transaction of its own. */
  async schedule(kind: string, key: string, dueAt: number, payload: unknown = null): Promise<void> {
    await this.store.write((tx) => this.scheduleIn(tx, kind, key, dueAt, payload));
  }

  /** Schedules (or moves) a timer as part of the caller's transaction. */
  async scheduleIn(tx: Tx, kind: string, key: string, dueAt: number, payload: unknown = null): Promise<void> {
    if (!this.handlers.has(kind)) throw new Error(`no handler is registered for timer kind '${kind}'`);
    // Due times are whole milliseconds (a jittered back-off is not): the column is an integer, and
    // the alarm must not move a manual clock to a fraction that PostgreSQL's BIGINT refuses.
    const due = Math.floor(dueAt);
    if (this.owner === undefined) {
      await tx.run(
        `INSERT INTO eddy_timers (kind, key, due_at, payload) VALUES (?, ?, ?, ?)
         ON CONFLICT (kind, key) DO UPDATE SET due_at = excluded.due_at, payload = excluded.payload`,
        [kind, key, due, JSON.stringify(payload)],
      );
    } else {
      // Whoever schedules (or moves) a timer owns it: this node's alarm is the one armed for it.
      await tx.run(
        `INSERT INTO eddy_timers (kind, key, due_at, payload, owner) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (kind, key) DO UPDATE SET due_at = excluded.due_at, payload = excluded.payload,
           owner = excluded.owner`,
        [kind, key, due, JSON.stringify(payload), this.owner],
      );
    }
    // Arming early is harmless: if the transaction rolls back, the alarm finds nothing due.
    this.wakeBy(due);
  }

  async cancel(kind: string, key: string): Promise<boolean> {
    return this.store.write((tx) => this.cancelIn(tx, kind, key));
  }

  async cancelIn(tx: Tx, kind: string, key: string): Promise<boolean> {
    const { changes } = await tx.run('DELETE FROM eddy_timers WHERE kind = ? AND key = ?', [kind, key]);
    return changes > 0;
  }

  async get(kind: string, key: string): Promise<Timer | undefined> {
    const row = await this.store.read((tx) =>
      tx.get<TimerRow>('SELECT kind, key, due_at, payload FROM eddy_timers WHERE kind = ? AND key = ?', [
        kind,
        key,
      ]),
    );
    return row && toTimer(row);
  }

  /** When the armed alarm is due (for tests and /_eddy/health), or undefined when nothing waits. */
  nextAlarmAt(): number | undefined {
    return this.alarm?.at;
  }

  /** Resolves once no round of firing is running (tests use it after advancing a manual clock). */
  async settled(): Promise<void> {
    while (this.firing) await this.idle;
  }

  private wakeBy(at: number): void {
    if (!this.running) return;
    if (this.alarm && this.alarm.at <= at) return;
    this.alarm?.cancel();
    this.alarm = { at, cancel: this.clock.setAlarm(at, () => this.onAlarm()) };
  }

  private onAlarm(): void {
    this.alarm = undefined;
    if (!this.running) return;
    if (this.firing) {
      this.fireAgain = true;
      return;
    }
    this.firing = true;
    this.idle = this.fireDue()
      .catch((error: unknown) => this.log.error({ err: error }, 'timer round failed'))
      .finally(() => {
        this.firing = false;
        if (this.fireAgain) {
          this.fireAgain = false;
          this.onAlarm();
        }
      });
  }

  private async fireDue(): Promise<void> {
    for (;;) {
      const kinds = [...this.handlers.keys()];
      if (kinds.length === 0 || !this.running) return;
      const now = this.clock.now();
      const due = await this.store.read((tx) =>
        tx.all<TimerRow>(this.dueSql(kinds), [now, ...this.ownerParams, ...kinds]),
      );
      await Promise.all(due.map((row) => this.fireOne(toTimer(row))));
      if (due.length < BATCH_SIZE) break;
    }
    await this.armForNext();
  }

  private async fireOne(timer: Timer): Promise<void> {
    const handler = this.handlers.get(timer.kind)!;
    try {
      await this.store.write(async (tx) => {
        const claimed = await tx.run('DELETE FROM eddy_timers WHERE kind = ? AND key = ? AND due_at = ?', [
          timer.kind,
          timer.key,
          timer.dueAt,
        ]);
        if (claimed.changes > 0) await handler(timer, tx);
      });
    } catch (error) {
      this.log.error({ err: error, kind: timer.kind, key: timer.key }, 'timer handler failed; retrying');
      const retryAt = this.clock.now() + RETRY_AFTER_FAILURE_MS;
      await this.store.write((tx) =>
        tx.run('UPDATE eddy_timers SET due_at = ? WHERE kind = ? AND key = ? AND due_at = ?', [
          retryAt,
          timer.kind,
          timer.key,
          timer.dueAt,
        ]),
      );
    }
  }

  private async armForNext(): Promise<void> {
    const kinds = [...this.handlers.keys()];
    if (kinds.length === 0) return;
    const next = await this.store.read((tx) =>
      tx.get<{ due_at: number | null }>(this.nextSql(kinds), [...kinds, ...this.ownerParams]),
    );
    if (next?.due_at != null) this.wakeBy(Number(next.due_at));
  }
}

function toTimer(row: TimerRow): Timer {
  return { kind: row.kind, key: row.key, dueAt: Number(row.due_at), payload: JSON.parse(row.payload) };
}

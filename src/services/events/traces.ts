// What happened to each recent event: the rules it matched and every attempt at every target.
// Kept in the store, written in the transactions that match and deliver the event, so a trace
// survives restarts (eddy events trace, GET /_eddy/events/ID). The most recent KEPT events keep one.
import type { Clock, DeliveryError } from '../../runtime/index.ts';
import type { Store, Tx } from '../../store/index.ts';
import type { Rule, Target } from './resources.ts';

/** How many events keep their trace; older ones are pruned. */
export const KEPT = 100_000;

export interface TraceAttempt {
  target: string;
  targetArn: string;
  attempt: number;
  at: string;
  outcome: 'delivered' | 'retrying' | 'failed' | 'dead-lettered';
  errorCode?: string;
  errorMessage?: string;
  deadLetterQueue?: string;
}

export interface EventTrace {
  eventId: string;
  busArn: string;
  receivedAt: string;
  matchedRules: string[];
  attempts: TraceAttempt[];
}

export class EventTraces {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly kept = KEPT,
  ) {}

  private stamp(): string {
    return new Date(this.clock.now()).toISOString();
  }

  /**
   * The rules events matched on a bus and the attempts made in the same transaction, one statement
   * for all (a trace starts here; a later bus replaces its rules and adds its attempts).
   */
  async matched(
    tx: Tx,
    busArn: string,
    events: ReadonlyArray<{
      eventId: string;
      receivedAt: number;
      rules: readonly Rule[];
      attempts?: readonly TraceAttempt[];
    }>,
  ): Promise<void> {
    if (events.length === 0) return;
    await tx.run(
      `INSERT INTO evb_traces (event_id, bus_arn, received_at, matched_rules, attempts)
       VALUES ${events.map(() => '(?, ?, ?, ?, ?)').join(', ')}
       ON CONFLICT (event_id) DO UPDATE SET bus_arn = excluded.bus_arn, received_at = excluded.received_at,
         matched_rules = excluded.matched_rules,
         attempts = CASE
           WHEN evb_traces.attempts IS NULL THEN excluded.attempts
           WHEN excluded.attempts IS NULL THEN evb_traces.attempts
           ELSE substr(evb_traces.attempts, 1, length(evb_traces.attempts) - 1) || ',' || substr(excluded.attempts, 2)
         END`,
      events.flatMap((event) => [
        event.eventId,
        busArn,
        event.receivedAt,
        JSON.stringify(event.rules.map((rule) => rule.arn)),
        event.attempts?.length ? JSON.stringify(event.attempts) : null,
      ]),
    );
  }

  /** An attempt as its trace shows it. */
  record(
    target: Target,
    attempt: number,
    outcome: TraceAttempt['outcome'],
    error?: DeliveryError,
  ): TraceAttempt {
    return {
      target: target.Id,
      targetArn: target.Arn,
      attempt,
      at: this.stamp(),
      outcome,
      ...(error ? { errorCode: error.code, errorMessage: error.message } : {}),
    };
  }

  async attempt(
    tx: Tx,
    eventId: string,
    target: Target,
    attempt: number,
    outcome: TraceAttempt['outcome'],
    error?: DeliveryError,
  ): Promise<void> {
    await this.append(tx, eventId, this.record(target, attempt, outcome, error));
  }

  async deadLettered(tx: Tx, eventId: string, target: Target, queueArn: string): Promise<void> {
    await this.append(tx, eventId, {
      target: target.Id,
      targetArn: target.Arn,
      attempt: 0,
      at: this.stamp(),
      outcome: 'dead-lettered',
      deadLetterQueue: queueArn,
    });
  }

  async get(eventId: string): Promise<EventTrace | undefined> {
    return this.store.read(async (tx) => {
      const trace = await tx.get<{
        seq: number;
        bus_arn: string;
        received_at: number;
        matched_rules: string;
        attempts: string | null;
      }>('SELECT seq, bus_arn, received_at, matched_rules, attempts FROM evb_traces WHERE event_id = ?', [
        eventId,
      ]);
      if (!trace) return undefined;
      const attempts = await tx.all<{ body: string }>(
        'SELECT body FROM evb_trace_attempts WHERE trace_seq = ? ORDER BY id',
        [trace.seq],
      );
      return {
        eventId,
        busArn: trace.bus_arn,
        receivedAt: new Date(Number(trace.received_at)).toISOString(),
        matchedRules: JSON.parse(trace.matched_rules) as string[],
        // In time order: a later bus's attempts in its accepting transaction sit in the trace's
        // row, before attempts rows the earlier bus's deliveries added in between.
        attempts: [
          ...(trace.attempts ? (JSON.parse(trace.attempts) as TraceAttempt[]) : []),
          ...attempts.map((row) => JSON.parse(row.body) as TraceAttempt),
        ].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0)),
      };
    });
  }

  /** Forgets all but the most recent `kept` traces. */
  async prune(): Promise<void> {
    await this.store.write(async (tx) => {
      const newest = await tx.get<{ seq: number | null }>('SELECT MAX(seq) AS seq FROM evb_traces');
      const through = Number(newest?.seq ?? 0) - this.kept;
      if (through <= 0) return;
      await tx.run('DELETE FROM evb_trace_attempts WHERE trace_seq <= ?', [through]);
      await tx.run('DELETE FROM evb_traces WHERE seq <= ?', [through]);
    });
  }

  /** An attempt belongs to the event's trace; an event whose trace was pruned records nothing. */
  private async append(tx: Tx, eventId: string, attempt: TraceAttempt): Promise<void> {
    await tx.run(
      'INSERT INTO evb_trace_attempts (trace_seq, body) SELECT seq, ? FROM evb_traces WHERE event_id = ?',
      [JSON.stringify(attempt), eventId],
    );
  }
}

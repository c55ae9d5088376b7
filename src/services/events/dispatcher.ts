// Delivery: events accepted by PutEvents wait in their bus's inbox (committed), are matched in order
// of arrival, and every matched target becomes a delivery row that is tried at once, retried with
// back-off on the durable timer service, and finally sent to the target's dead-letter queue.
import { DeliveryError, type Runtime, type Timer } from '../../runtime/index.ts';
import type { Tx } from '../../store/index.ts';
import type { Bus, EventRegistry, Rule, Target } from './registry.ts';
import { EventTraces } from './traces.ts';
import { transformInput } from './transform.ts';

const RETRY_TIMER = 'events.retry';
const INBOX_PAGE = 256;
const DEFAULT_MAX_ATTEMPTS = 185;
const DEFAULT_MAX_AGE_SECONDS = 86_400;

export interface RetryTiming {
  /** First retry after about this long; each next one waits twice as long, up to `capMs`. */
  baseMs: number;
  capMs: number;
}

export interface AcceptedEvent {
  bus: Bus;
  eventId: string;
  envelope: string;
  /** Buses the event already passed through (loop detection for bus targets). */
  busPath: string[];
}

/** Sees accepted events inside the transaction that commits them (archives keep their copies there). */
export type AcceptObserver = (tx: Tx, events: AcceptedEvent[], receivedAt: number) => Promise<void>;

interface DeliveryRow {
  id: number;
  event_id: string;
  rule_arn: string;
  target: string;
  event: string;
  payload: string;
  attempts: number;
  event_time: number;
  received_at: number;
}

export class Dispatcher {
  readonly traces: EventTraces;
  private readonly draining = new Map<number, Promise<void>>();
  private readonly again = new Set<number>();
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;
  private readonly counters;
  private readonly acceptObservers: AcceptObserver[] = [];

  constructor(
    private readonly runtime: Runtime,
    private readonly registry: EventRegistry,
    private readonly retry: RetryTiming = { baseMs: 1000, capMs: 60_000 },
  ) {
    this.traces = new EventTraces(runtime.store, runtime.clock);
    runtime.timers.on(RETRY_TIMER, (timer) => this.onRetryTimer(timer));
    const metrics = runtime.metrics;
    this.counters = {
      matched: metrics.counter(
        'eddy_events_matched_events_total',
        'Events that matched at least one rule (MatchedEvents).',
      ),
      triggered: metrics.counter(
        'eddy_events_triggered_rules_total',
        'Rules that matched an event (TriggeredRules).',
      ),
      invocations: metrics.counter('eddy_events_invocations_total', 'Deliveries to targets (Invocations).'),
      failed: metrics.counter(
        'eddy_events_failed_invocations_total',
        'Deliveries that failed for good (FailedInvocations).',
      ),
      toDlq: metrics.counter(
        'eddy_events_invocations_sent_to_dlq_total',
        'Deliveries sent to a dead-letter queue (InvocationsSentToDlq).',
      ),
      dropped: metrics.counter(
        'eddy_events_invocations_dropped_total',
        'Failed deliveries with no dead-letter queue (dropped).',
      ),
      latency: metrics.histogram(
        'eddy_events_ingestion_to_invocation_start_latency_seconds',
        'From PutEvents to the first delivery attempt (IngestionToInvocationStartLatency).',
      ),
    };
  }

  /** Commits accepted events to their buses' inboxes; resolves after the commit. */
  async accept(events: AcceptedEvent[], tx?: Tx): Promise<void> {
    const now = this.runtime.clock.now();
    const insert = async (writer: Tx) => {
      for (const event of events) {
        await writer.run(
          'INSERT INTO evb_events (bus_id, event_id, envelope, bus_path, received_at) VALUES (?, ?, ?, ?, ?)',
          [event.bus.id, event.eventId, event.envelope, JSON.stringify(event.busPath), now],
        );
      }
      for (const observe of this.acceptObservers) await observe(writer, events, now);
    };
    if (tx) {
      await insert(tx);
      return;
    }
    await this.runtime.store.write(insert);
    for (const bus of new Set(events.map((event) => event.bus))) this.kick(bus);
  }

  /** Adds work done in the same transaction as every accept (archive capture). */
  observeAccepted(observer: AcceptObserver): void {
    this.acceptObservers.push(observer);
  }

  /** Starts matching a bus's inbox unless that is already under way (then it runs once more). */
  kick(bus: Bus): void {
    if (this.stopped) return;
    if (this.draining.has(bus.id)) {
      this.again.add(bus.id);
      return;
    }
    const run = this.drain(bus)
      .catch((error: unknown) =>
        this.runtime.log.error({ err: error, bus: bus.arn }, 'matching events failed'),
      )
      .finally(() => {
        this.draining.delete(bus.id);
        if (this.again.delete(bus.id)) this.kick(bus);
      });
    this.draining.set(bus.id, run);
  }

  /** Resumes after a restart: inboxes are matched, and deliveries without a retry timer are tried. */
  async resume(): Promise<void> {
    for (const bus of this.registry.allBuses()) this.kick(bus);
    const pending = await this.runtime.store.read((tx) =>
      tx.all<DeliveryRow>(
        `SELECT d.* FROM evb_deliveries d WHERE NOT EXISTS
           (SELECT 1 FROM eddy_timers t WHERE t.kind = ? AND t.key = CAST(d.id AS TEXT))`,
        [RETRY_TIMER],
      ),
    );
    for (const row of pending) this.track(this.attempt(row));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.draining.values(), ...this.inFlight]);
  }

  /** Waits until every inbox is matched and every attempt under way finished (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.draining.size > 0 || this.inFlight.size > 0) {
      await Promise.all([...this.draining.values(), ...this.inFlight]);
    }
  }

  private async drain(bus: Bus): Promise<void> {
    for (;;) {
      const { deliveries, count } = await this.runtime.store.write(async (tx) => {
        const events = await tx.all<{
          seq: number;
          event_id: string;
          envelope: string;
          bus_path: string;
          received_at: number;
        }>(
          'SELECT seq, event_id, envelope, bus_path, received_at FROM evb_events WHERE bus_id = ? ORDER BY seq LIMIT ?',
          [bus.id, INBOX_PAGE],
        );
        const planned: DeliveryRow[] = [];
        const traced = [];
        const rulesById = new Map([...bus.rules.values()].map((rule) => [String(rule.id), rule]));
        for (const event of events) {
          const rules = bus.matcher
            .matches(event.envelope)
            .map((id) => rulesById.get(id))
            .filter((rule): rule is Rule => rule !== undefined && rule.state !== 'DISABLED');
          traced.push({ eventId: event.event_id, receivedAt: Number(event.received_at), rules });
          if (rules.length > 0) {
            this.counters.matched.inc({ bus: bus.name });
            this.counters.triggered.inc({ bus: bus.name }, rules.length);
          }
          for (const rule of rules) {
            for (const target of rule.targets.values()) {
              planned.push(
                await this.plan(
                  tx,
                  event.event_id,
                  event.envelope,
                  JSON.parse(event.bus_path) as string[],
                  rule,
                  target,
                  Number(event.received_at),
                ),
              );
            }
          }
        }
        await this.traces.matched(tx, bus.arn, traced);
        if (events.length > 0) {
          await tx.run('DELETE FROM evb_events WHERE bus_id = ? AND seq <= ?', [bus.id, events.at(-1)!.seq]);
        }
        return { deliveries: planned, count: events.length };
      });
      for (const delivery of deliveries) this.track(this.attempt(delivery));
      if (count < INBOX_PAGE) return;
    }
  }

  /** Records one delivery of an event to a target; its payload is fixed now, as the rule is now. */
  async plan(
    tx: Tx,
    eventId: string,
    envelope: string,
    busPath: string[],
    rule: Rule,
    target: Target,
    receivedAt: number,
  ): Promise<DeliveryRow> {
    const payload = transformInput(target, envelope, {
      ruleArn: rule.arn,
      ruleName: rule.name,
      ingestionTime: new Date(receivedAt).toISOString(),
    });
    const stored = { ...target, ruleArn: rule.arn, busPath };
    const eventTime = Date.parse((JSON.parse(envelope) as { time?: string }).time ?? '') || receivedAt;
    const row = await tx.get<{ id: number }>(
      `INSERT INTO evb_deliveries (event_id, rule_arn, target, event, payload, event_time, received_at)
       VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      [eventId, rule.arn, JSON.stringify(stored), envelope, payload, eventTime, receivedAt],
    );
    return {
      id: row!.id,
      event_id: eventId,
      rule_arn: rule.arn,
      target: JSON.stringify(stored),
      event: envelope,
      payload,
      attempts: 0,
      event_time: eventTime,
      received_at: receivedAt,
    };
  }

  /** Tries deliveries planned inside another transaction (scheduled rules) once it committed. */
  attemptLater(rows: DeliveryRow[]): void {
    setImmediate(() => {
      for (const row of rows) this.track(this.attempt(row));
    });
  }

  private track(attempt: Promise<void>): void {
    this.inFlight.add(attempt);
    void attempt.finally(() => this.inFlight.delete(attempt));
  }

  private async attempt(row: DeliveryRow): Promise<void> {
    if (this.stopped) return;
    const target = JSON.parse(row.target) as Target & { ruleArn: string; busPath: string[] };
    const now = this.runtime.clock.now();
    if (row.attempts === 0) this.counters.latency.observe({}, (now - Number(row.received_at)) / 1000);
    this.counters.invocations.inc({ rule: row.rule_arn });
    try {
      const groupId = target.SqsParameters?.MessageGroupId;
      await this.runtime.targets.deliver(target.Arn, {
        body: row.payload,
        ...(groupId ? { groupId } : {}),
        deduplicationId: row.event_id,
        parameters: { ...target, busPath: target.busPath },
        sourceArn: row.rule_arn,
      });
      await this.runtime.store.write(async (tx) => {
        await this.traces.attempt(tx, row.event_id, target, row.attempts + 1, 'delivered');
        await tx.run('DELETE FROM evb_deliveries WHERE id = ?', [row.id]);
      });
    } catch (error) {
      const failure =
        error instanceof DeliveryError
          ? error
          : new DeliveryError('InternalError', String((error as Error).message), true);
      await this.failed(row, target, failure, now);
    }
  }

  private async failed(
    row: DeliveryRow,
    target: Target & { ruleArn: string },
    error: DeliveryError,
    now: number,
  ) {
    const attempts = row.attempts + 1;
    const maxAttempts = target.RetryPolicy?.MaximumRetryAttempts ?? DEFAULT_MAX_ATTEMPTS;
    const maxAgeMs = (target.RetryPolicy?.MaximumEventAgeInSeconds ?? DEFAULT_MAX_AGE_SECONDS) * 1000;
    const delay =
      Math.min(this.retry.capMs, this.retry.baseMs * 2 ** (attempts - 1)) * (0.8 + Math.random() * 0.4);
    const retry =
      error.retryable && attempts <= maxAttempts && now + delay - Number(row.received_at) <= maxAgeMs;
    if (retry) {
      await this.runtime.store.write(async (tx) => {
        await this.traces.attempt(tx, row.event_id, target, attempts, 'retrying', error);
        await tx.run('UPDATE evb_deliveries SET attempts = ? WHERE id = ?', [attempts, row.id]);
        await this.runtime.timers.scheduleIn(tx, RETRY_TIMER, String(row.id), now + delay);
      });
      return;
    }
    this.counters.failed.inc({ rule: row.rule_arn });
    const dlq = target.DeadLetterConfig?.Arn;
    let deadLettered = false;
    if (dlq) {
      try {
        await this.runtime.targets.deliver(dlq, {
          body: row.event,
          attributes: {
            RULE_ARN: { DataType: 'String', StringValue: row.rule_arn },
            TARGET_ARN: { DataType: 'String', StringValue: target.Arn },
            ERROR_CODE: { DataType: 'String', StringValue: error.code },
            ERROR_MESSAGE: { DataType: 'String', StringValue: error.message.slice(0, 1024) || error.code },
          },
          sourceArn: row.rule_arn,
        });
        this.counters.toDlq.inc({ rule: row.rule_arn });
        deadLettered = true;
      } catch (dlqError) {
        this.counters.dropped.inc({ rule: row.rule_arn });
        this.runtime.log.warn(
          { err: dlqError, dlq, event: row.event_id },
          'the dead-letter queue refused a failed event',
        );
      }
    } else {
      this.counters.dropped.inc({ rule: row.rule_arn });
    }
    await this.runtime.store.write(async (tx) => {
      await this.traces.attempt(tx, row.event_id, target, attempts, 'failed', error);
      if (dlq && deadLettered) await this.traces.deadLettered(tx, row.event_id, target, dlq);
      await tx.run('DELETE FROM evb_deliveries WHERE id = ?', [row.id]);
    });
  }

  /** The timer fires inside a store transaction; the attempt (which writes) follows its commit. */
  private async onRetryTimer(timer: Timer): Promise<void> {
    const id = Number(timer.key);
    setImmediate(() => {
      this.track(
        this.runtime.store
          .read((tx) => tx.get<DeliveryRow>('SELECT * FROM evb_deliveries WHERE id = ?', [id]))
          .then((row) => (row ? this.attempt(row) : undefined)),
      );
    });
  }
}

export type { DeliveryRow };

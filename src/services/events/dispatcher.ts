// Delivery: events accepted by PutEvents are matched in the transaction that commits them, in order
// of arrival. A matched target that can take the event in that transaction (a queue) has it when
// the commit is done; any other becomes a delivery row that is tried at once after the commit,
// retried with back-off on the durable timer service, and finally sent to its dead-letter queue.
import {
  type Delivery,
  DeliveryError,
  extend,
  parseArn,
  type Runtime,
  type Timer,
} from '../../runtime/index.ts';
import type { Tx } from '../../store/index.ts';
import type { EventRegistry } from './registry.ts';
import { type Bus, matchingRules, type Rule, type Target } from './resources.ts';
import { RuleMetrics } from './rule-metrics.ts';
import { EventTraces, type TraceAttempt } from './traces.ts';
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

/** A target as a delivery row keeps it: with its rule and the buses the event passed through. */
type StoredTarget = Target & { ruleArn: string; busPath: string[] };

type RoutedEvent = AcceptedEvent & { receivedAt: number };

interface InboxRow {
  seq: number;
  bus_id: number;
  event_id: string;
  envelope: string;
  bus_path: string;
  received_at: number;
}

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
  /** AWS/Events per rule (MatchedEvents, Invocations, FailedInvocations), for CloudWatch. */
  readonly ruleMetrics: RuleMetrics;
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
    this.ruleMetrics = new RuleMetrics(runtime);
    runtime.timers.on(RETRY_TIMER, (timer) => this.onRetryTimer(timer));
    const metrics = runtime.metrics;
    this.counters = {
      matched: metrics.counter(
        'eddy_events_matched_events_total',
        'Events that matched at least one rule (MatchedEvents).',
        ['bus'],
      ),
      triggered: metrics.counter(
        'eddy_events_triggered_rules_total',
        'Rules that matched an event (TriggeredRules).',
        ['bus'],
      ),
      invocations: metrics.counter('eddy_events_invocations_total', 'Deliveries to targets (Invocations).', [
        'rule',
      ]),
      failed: metrics.counter(
        'eddy_events_failed_invocations_total',
        'Deliveries that failed for good (FailedInvocations).',
        ['rule'],
      ),
      toDlq: metrics.counter(
        'eddy_events_invocations_sent_to_dlq_total',
        'Deliveries sent to a dead-letter queue (InvocationsSentToDlq).',
        ['rule'],
      ),
      dropped: metrics.counter(
        'eddy_events_invocations_dropped_total',
        'Failed deliveries with no dead-letter queue (dropped).',
        ['rule'],
      ),
      latency: metrics.histogram(
        'eddy_events_ingestion_to_invocation_start_latency_seconds',
        'From PutEvents to the first delivery attempt (IngestionToInvocationStartLatency).',
      ),
    };
  }

  /**
   * Commits accepted events together with what they matched: each event's trace and, for every
   * target of every matching rule, either the delivery itself (a queue takes it in this
   * transaction) or a delivery row, attempted once the commit is done. Resolves after the commit.
   */
  async accept(events: AcceptedEvent[]): Promise<void> {
    const receivedAt = this.runtime.clock.now();
    const planned = await this.runtime.store.write(async (tx) => {
      for (const observe of this.acceptObservers) await observe(tx, events, receivedAt);
      return this.route(
        tx,
        events.map((event) => extend(event, { receivedAt })),
      );
    });
    for (const row of planned) this.track(this.attempt(row));
  }

  /** Adds work done in the same transaction as every accept (archive capture). */
  observeAccepted(observer: AcceptObserver): void {
    this.acceptObservers.push(observer);
  }

  /** Resumes after a restart: deliveries without a retry timer are tried, and an old inbox is matched. */
  async resume(): Promise<void> {
    const pending = await this.runtime.store.read((tx) =>
      tx.all<DeliveryRow>(
        `SELECT d.* FROM evb_deliveries d WHERE NOT EXISTS
           (SELECT 1 FROM eddy_timers t WHERE t.kind = ? AND t.key = CAST(d.id AS TEXT))`,
        [RETRY_TIMER],
      ),
    );
    for (const row of pending) this.track(this.attempt(row));
    await this.matchInbox();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.inFlight);
  }

  /** Waits until every attempt under way finished (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  /** Deliveries and traces of events, in order of arrival, inside `tx`; returns the rows to attempt after it. */
  private async route(tx: Tx, events: readonly RoutedEvent[]): Promise<DeliveryRow[]> {
    const planned: DeliveryRow[] = [];
    const traced = [];
    for (const event of events) {
      const rules = matchingRules(event.bus, event.envelope);
      const attempts: TraceAttempt[] = [];
      traced.push({ bus: event.bus, eventId: event.eventId, receivedAt: event.receivedAt, rules, attempts });
      if (rules.length === 0) continue;
      this.counters.matched.inc({ bus: event.bus.name });
      this.counters.triggered.inc({ bus: event.bus.name }, rules.length);
      for (const rule of rules) this.ruleMetrics.count(rule.arn, 'MatchedEvents');
      for (const rule of rules) {
        for (const target of rule.targets.values()) {
          const row = await this.plan(
            tx,
            event.eventId,
            event.envelope,
            event.busPath,
            rule,
            target,
            event.receivedAt,
            attempts,
          );
          if (row) planned.push(row);
        }
      }
    }
    for (const bus of new Set(events.map((event) => event.bus))) {
      await this.traces.matched(
        tx,
        bus.arn,
        traced.filter((trace) => trace.bus === bus),
      );
    }
    return planned;
  }

  /**
   * Events that an earlier eddy committed to a bus's inbox (evb_events) to match later, before
   * events were matched in the transaction that accepts them: matched now, a page at a time.
   */
  private async matchInbox(): Promise<void> {
    for (;;) {
      const planned = await this.runtime.store.write(async (tx) => {
        const rows = await tx.all<InboxRow>(
          `SELECT seq, bus_id, event_id, envelope, bus_path, received_at FROM evb_events ORDER BY seq LIMIT ${INBOX_PAGE}`,
        );
        if (rows.length === 0) return undefined;
        const events: RoutedEvent[] = [];
        for (const row of rows) {
          const bus = this.registry.busById(Number(row.bus_id));
          if (!bus) continue;
          events.push({
            bus,
            eventId: row.event_id,
            envelope: row.envelope,
            busPath: JSON.parse(row.bus_path) as string[],
            receivedAt: Number(row.received_at),
          });
        }
        const planned = await this.route(tx, events);
        await tx.run('DELETE FROM evb_events WHERE seq <= ?', [rows.at(-1)!.seq]);
        return planned;
      });
      if (!planned) return;
      for (const row of planned) this.track(this.attempt(row));
    }
  }

  /**
   * Delivers an event to a target inside `tx` when the target's service can take it there (a
   * queue), and otherwise records the delivery for an attempt after the commit, which it returns.
   * The payload is fixed now, as the rule is now. An attempt made here goes to `inlineAttempts`
   * when given (the caller writes the event's trace after), else to the trace already written.
   */
  async plan(
    tx: Tx,
    eventId: string,
    envelope: string,
    busPath: string[],
    rule: Rule,
    target: Target,
    receivedAt: number,
    inlineAttempts?: TraceAttempt[],
  ): Promise<DeliveryRow | undefined> {
    const payload = transformInput(target, envelope, {
      ruleArn: rule.arn,
      ruleName: rule.name,
      ingestionTime: new Date(receivedAt).toISOString(),
    });
    const stored = extend(target, { ruleArn: rule.arn, busPath });
    if (await this.deliverIn(tx, eventId, payload, stored, receivedAt, inlineAttempts)) return undefined;
    const eventTime = Date.parse((JSON.parse(envelope) as { time?: string }).time ?? '') || receivedAt;
    const storedJson = JSON.stringify(stored);
    const row = await tx.get<{ id: number }>(
      `INSERT INTO evb_deliveries (event_id, rule_arn, target, event, payload, event_time, received_at)
       VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      [eventId, rule.arn, storedJson, envelope, payload, eventTime, receivedAt],
    );
    return {
      id: row!.id,
      event_id: eventId,
      rule_arn: rule.arn,
      target: storedJson,
      event: envelope,
      payload,
      attempts: 0,
      event_time: eventTime,
      received_at: receivedAt,
    };
  }

  /** Whether the target took the event in `tx`; a refusal is left to the recorded, retried attempt. */
  private async deliverIn(
    tx: Tx,
    eventId: string,
    payload: string,
    target: StoredTarget,
    receivedAt: number,
    inlineAttempts: TraceAttempt[] | undefined,
  ): Promise<boolean> {
    try {
      const taken = this.runtime.targets.deliverIn(tx, target.Arn, this.delivery(eventId, payload, target));
      if (!taken) return false;
      await taken;
    } catch (error) {
      if (error instanceof DeliveryError) return false;
      throw error;
    }
    this.counters.latency.observe({}, (this.runtime.clock.now() - receivedAt) / 1000);
    this.counters.invocations.inc({ rule: target.ruleArn });
    this.ruleMetrics.count(target.ruleArn, 'Invocations');
    if (inlineAttempts) inlineAttempts.push(this.traces.record(target, 1, 'delivered'));
    else await this.traces.attempt(tx, eventId, target, 1, 'delivered');
    return true;
  }

  private delivery(eventId: string, payload: string, target: StoredTarget): Delivery {
    const groupId = target.SqsParameters?.MessageGroupId;
    return {
      body: payload,
      ...(groupId ? { groupId } : {}),
      deduplicationId: eventId,
      parameters: parseArn(target.Arn)?.service === 'logs' ? logLine(eventId, payload) : { ...target },
      sourceArn: target.ruleArn,
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
    const target = JSON.parse(row.target) as StoredTarget;
    const now = this.runtime.clock.now();
    if (row.attempts === 0) this.counters.latency.observe({}, (now - Number(row.received_at)) / 1000);
    this.counters.invocations.inc({ rule: row.rule_arn });
    this.ruleMetrics.count(row.rule_arn, 'Invocations');
    try {
      await this.runtime.targets.deliver(target.Arn, this.delivery(row.event_id, row.payload, target));
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
    this.ruleMetrics.count(row.rule_arn, 'FailedInvocations');
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

/**
 * A log group target: EventBridge writes each event to a stream it names (the event's id) in the
 * group, which must exist, stamped with the event's time.
 */
function logLine(eventId: string, payload: string): Record<string, unknown> {
  let time: number | undefined;
  try {
    const parsed: unknown = JSON.parse(payload);
    if (parsed && typeof parsed === 'object' && 'time' in parsed) time = Date.parse(String(parsed.time));
  } catch {
    // a transformed input need not be JSON
  }
  return { stream: eventId, ...(time !== undefined && Number.isFinite(time) ? { timestamp: time } : {}) };
}

// Firing: each enabled schedule has one durable timer for its next invocation. When it fires, the
// next one is armed in the same transaction and the target is invoked: inside that transaction
// when the target can take it there (a queue), else through an invocation row attempted after the
// commit, retried with back-off under the RetryPolicy, and dead-lettered when it gives up. An
// attempt holds a lease timer, so an attempt cut short by a crash is made again by whichever node
// owns the timer then.
import type { Scheduler } from '../../contract/index.ts';
import { type Delivery, DeliveryError, newUuid, type Runtime, type Timer } from '../../runtime/index.ts';
import { nextOccurrence } from '../../schedules/index.ts';
import type { Tx } from '../../store/index.ts';
import { parseExpression } from './definition.ts';
import { deliveryFor, substitute } from './payload.ts';
import { deleteScheduleRow, groupArn, type ScheduleRecord, scheduleArn, scheduleById } from './records.ts';

const FIRE_TIMER = 'scheduler.fire';
const ATTEMPT_TIMER = 'scheduler.attempt';
/** An attempt under way that has not finished by then is made again (its node died). */
const ATTEMPT_LEASE_MS = 60_000;
const DEFAULT_MAX_RETRIES = 185;
const DEFAULT_MAX_AGE_SECONDS = 86_400;

interface FirePayload {
  scheduleId: number;
  /** The invocation's nominal time; a flexible window fires the timer later than this. */
  scheduledTime: number;
}

interface InvocationRow {
  id: number;
  execution_id: string;
  schedule_id: number;
  schedule_arn: string;
  group_arn: string;
  target: string;
  scheduled_time: number;
  attempts: number;
  delete_after: number;
}

export class Invocations {
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;
  private readonly counters;

  constructor(private readonly runtime: Runtime) {
    runtime.timers.on(FIRE_TIMER, (timer, tx) => this.fire(timer, tx));
    runtime.timers.on(ATTEMPT_TIMER, (timer, tx) => this.onAttemptTimer(timer, tx));
    const metrics = runtime.metrics;
    this.counters = {
      invocations: metrics.counter('eddy_scheduler_invocations_total', 'Invocation attempts of targets.', []),
      failed: metrics.counter('eddy_scheduler_failed_invocations_total', 'Invocations given up on.', []),
      toDlq: metrics.counter(
        'eddy_scheduler_dead_lettered_total',
        'Invocations sent to a dead-letter queue.',
        [],
      ),
    };
  }

  /**
   * Arms (or moves) the schedule's timer for its first invocation strictly after `after`, or
   * cancels it when the schedule is disabled or will not fire again. Returns the nominal time armed.
   */
  async arm(tx: Tx, schedule: ScheduleRecord, after: number): Promise<number | undefined> {
    const next = schedule.state === 'ENABLED' ? nextTime(schedule, after) : undefined;
    if (next === undefined) {
      await this.disarm(tx, schedule.id);
      return undefined;
    }
    const window = schedule.definition.FlexibleTimeWindow;
    // FLEXIBLE: each invocation at a random moment inside its window, as Scheduler spreads them.
    const delay =
      window.Mode === 'FLEXIBLE'
        ? Math.floor(Math.random() * (window.MaximumWindowInMinutes ?? 0) * 60_000)
        : 0;
    const payload: FirePayload = { scheduleId: schedule.id, scheduledTime: next };
    await this.runtime.timers.scheduleIn(tx, FIRE_TIMER, String(schedule.id), next + delay, payload);
    return next;
  }

  async disarm(tx: Tx, scheduleId: number): Promise<void> {
    await this.runtime.timers.cancelIn(tx, FIRE_TIMER, String(scheduleId));
  }

  /** When the schedule's armed invocation is due (nominal time), if one is. */
  async armedFor(scheduleId: number): Promise<number | undefined> {
    const timer = await this.runtime.timers.get(FIRE_TIMER, String(scheduleId));
    return (timer?.payload as FirePayload | undefined)?.scheduledTime;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.inFlight);
  }

  /** Waits until every attempt under way finished (tests). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  private async fire(timer: Timer, tx: Tx): Promise<void> {
    const { scheduleId, scheduledTime } = timer.payload as FirePayload;
    const schedule = await scheduleById(tx, scheduleId);
    if (schedule?.state !== 'ENABLED') return;
    const now = this.runtime.clock.now();
    // Occurrences missed while eddy was down fire one after another, each judged by its own age.
    const next = await this.arm(tx, schedule, scheduledTime);
    const deleteAfter = next === undefined && schedule.definition.ActionAfterCompletion === 'DELETE';
    const target = schedule.definition.Target;
    const row: InvocationRow = {
      id: 0,
      execution_id: newUuid(),
      schedule_id: schedule.id,
      schedule_arn: scheduleArn(schedule),
      group_arn: groupArn(schedule, schedule.groupName),
      target: JSON.stringify(target),
      scheduled_time: scheduledTime,
      attempts: 0,
      delete_after: deleteAfter ? 1 : 0,
    };
    if (now - scheduledTime > maxAgeMs(target)) {
      await this.deadLetterIn(
        tx,
        row,
        target,
        new DeliveryError(
          'MaximumEventAgeExceeded',
          `The invocation scheduled for ${new Date(scheduledTime).toISOString()} was missed for longer than MaximumEventAgeInSeconds.`,
          false,
        ),
      );
      if (deleteAfter) await deleteScheduleRow(tx, schedule.id);
      return;
    }
    if (await this.deliverIn(tx, row, target)) {
      if (deleteAfter) await deleteScheduleRow(tx, schedule.id);
      return;
    }
    const inserted = await tx.get<{ id: number }>(
      `INSERT INTO sch_invocations (execution_id, schedule_id, schedule_arn, group_arn, target, scheduled_time,
         attempts, delete_after, created_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?) RETURNING id`,
      [
        row.execution_id,
        row.schedule_id,
        row.schedule_arn,
        row.group_arn,
        row.target,
        row.scheduled_time,
        row.delete_after,
        now,
      ],
    );
    row.id = Number(inserted!.id);
    // The first attempt follows at once; its lease timer makes it again if this node dies first.
    await this.runtime.timers.scheduleIn(tx, ATTEMPT_TIMER, row.execution_id, now + ATTEMPT_LEASE_MS);
    setImmediate(() => this.track(this.attempt(row)));
  }

  /** Whether the target took the first attempt inside `tx`; a refusal is left to the retried attempts. */
  private async deliverIn(tx: Tx, row: InvocationRow, target: Scheduler.Target): Promise<boolean> {
    try {
      const taken = this.runtime.targets.deliverIn(tx, target.Arn, this.delivery(row, target, 1));
      if (!taken) return false;
      await taken;
    } catch (error) {
      if (error instanceof DeliveryError) return false;
      throw error;
    }
    this.counters.invocations.inc({});
    return true;
  }

  private delivery(row: InvocationRow, target: Scheduler.Target, attempt: number): Delivery {
    return deliveryFor(target, {
      scheduleArn: row.schedule_arn,
      scheduledTime: Number(row.scheduled_time),
      executionId: row.execution_id,
      attempt,
    });
  }

  /** Takes the attempt's lease in the timer's transaction; the attempt itself follows the commit. */
  private async onAttemptTimer(timer: Timer, tx: Tx): Promise<void> {
    const row = await tx.get<InvocationRow>('SELECT * FROM sch_invocations WHERE execution_id = ?', [
      timer.key,
    ]);
    if (!row) return;
    await this.runtime.timers.scheduleIn(
      tx,
      ATTEMPT_TIMER,
      timer.key,
      this.runtime.clock.now() + ATTEMPT_LEASE_MS,
    );
    setImmediate(() => this.track(this.attempt(row)));
  }

  private track(attempt: Promise<void>): void {
    const tracked = attempt.catch((error: unknown) =>
      this.runtime.log.error({ err: error }, 'a scheduler invocation attempt failed to record'),
    );
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }

  private async attempt(row: InvocationRow): Promise<void> {
    if (this.stopped) return;
    const target = JSON.parse(row.target) as Scheduler.Target;
    const attempts = row.attempts + 1;
    this.counters.invocations.inc({});
    try {
      await this.runtime.targets.deliver(target.Arn, this.delivery(row, target, attempts));
    } catch (error) {
      const failure =
        error instanceof DeliveryError
          ? error
          : new DeliveryError('InternalError', String((error as Error).message), true);
      return this.failed(row, target, attempts, failure);
    }
    await this.runtime.store.write((tx) => this.finish(tx, row));
  }

  /**
   * Scheduler retries every failure (a target that does not exist too) with back-off while the
   * RetryPolicy allows, then sends the invocation to the dead-letter queue, if there is one.
   */
  private async failed(row: InvocationRow, target: Scheduler.Target, attempts: number, error: DeliveryError) {
    const now = this.runtime.clock.now();
    const { firstMs, capMs } = this.runtime.config.deliveryRetry;
    const delay = Math.min(capMs, firstMs * 2 ** (attempts - 1)) * (0.8 + Math.random() * 0.4);
    const maxRetries = target.RetryPolicy?.MaximumRetryAttempts ?? DEFAULT_MAX_RETRIES;
    if (attempts <= maxRetries && now + delay - Number(row.scheduled_time) <= maxAgeMs(target)) {
      await this.runtime.store.write(async (tx) => {
        await tx.run('UPDATE sch_invocations SET attempts = ? WHERE id = ?', [attempts, row.id]);
        await this.runtime.timers.scheduleIn(tx, ATTEMPT_TIMER, row.execution_id, now + delay);
      });
      return;
    }
    this.counters.failed.inc({});
    const dlq = target.DeadLetterConfig?.Arn;
    if (dlq) {
      try {
        await this.runtime.targets.deliver(dlq, this.deadLetter(row, target, attempts - 1, error));
        this.counters.toDlq.inc({});
      } catch (dlqError) {
        this.runtime.log.warn(
          { err: dlqError, dlq, execution: row.execution_id },
          'the dead-letter queue refused an invocation',
        );
      }
    }
    await this.runtime.store.write((tx) => this.finish(tx, row));
  }

  /** An invocation too old to make: straight to the dead-letter queue, inside the firing's transaction. */
  private async deadLetterIn(tx: Tx, row: InvocationRow, target: Scheduler.Target, error: DeliveryError) {
    this.counters.failed.inc({});
    const dlq = target.DeadLetterConfig?.Arn;
    if (!dlq) return;
    const delivery = this.deadLetter(row, target, 0, error);
    try {
      const taken = this.runtime.targets.deliverIn(tx, dlq, delivery);
      if (taken) await taken;
      else await this.runtime.targets.deliver(dlq, delivery);
      this.counters.toDlq.inc({});
    } catch (dlqError) {
      if (!(dlqError instanceof DeliveryError)) throw dlqError;
      this.runtime.log.warn({ err: dlqError, dlq }, 'the dead-letter queue refused a missed invocation');
    }
  }

  /** The dead-lettered message: the invocation's payload, and why it failed in Scheduler's attributes. */
  private deadLetter(
    row: InvocationRow,
    target: Scheduler.Target,
    retries: number,
    error: DeliveryError,
  ): Delivery {
    const text = (value: string) => ({ DataType: 'String', StringValue: value });
    const body = substitute(target.Input ?? '', {
      scheduleArn: row.schedule_arn,
      scheduledTime: Number(row.scheduled_time),
      executionId: row.execution_id,
      attempt: retries + 1,
    });
    return {
      body: body === '' ? '{}' : body,
      attributes: {
        ERROR_CODE: text(error.code),
        ERROR_MESSAGE: text(error.message.slice(0, 1024) || error.code),
        EXECUTION_ID: text(row.execution_id),
        RETRY_ATTEMPTS: text(String(retries)),
        SCHEDULE_ARN: text(row.schedule_arn),
        TARGET_ARN: text(target.Arn),
        GROUP_ARN: text(row.group_arn),
      },
      sourceArn: row.schedule_arn,
      deduplicationId: row.execution_id,
    };
  }

  /** The invocation is over: its row and lease go, and a completed DELETE schedule with them. */
  private async finish(tx: Tx, row: InvocationRow): Promise<void> {
    await tx.run('DELETE FROM sch_invocations WHERE id = ?', [row.id]);
    await this.runtime.timers.cancelIn(tx, ATTEMPT_TIMER, row.execution_id);
    if (Number(row.delete_after) === 1) {
      await deleteScheduleRow(tx, Number(row.schedule_id));
      await this.disarm(tx, Number(row.schedule_id));
    }
  }
}

function maxAgeMs(target: Scheduler.Target): number {
  return (target.RetryPolicy?.MaximumEventAgeInSeconds ?? DEFAULT_MAX_AGE_SECONDS) * 1000;
}

/** The schedule's first nominal invocation time strictly after `after`. */
export function nextTime(schedule: ScheduleRecord, after: number): number | undefined {
  const definition = schedule.definition;
  return nextOccurrence(parseExpression(definition.ScheduleExpression), after, {
    anchor: definition.anchor,
    ...(definition.ScheduleExpressionTimezone ? { zone: definition.ScheduleExpressionTimezone } : {}),
    ...(definition.StartDate !== undefined ? { start: definition.StartDate } : {}),
    ...(definition.EndDate !== undefined ? { end: definition.EndDate } : {}),
  });
}

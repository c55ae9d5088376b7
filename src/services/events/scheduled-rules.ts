// Scheduled rules: each enabled rule with a ScheduleExpression has one durable timer; when it fires,
// a "Scheduled Event" from aws.events is delivered to that rule's targets and the next fire is set.
import { newTimeOrderedUuid, type Runtime, type Timer } from '../../runtime/index.ts';
import type { Tx } from '../../store/index.ts';
import type { DeliveryRow, Dispatcher } from './dispatcher.ts';
import type { EventRegistry } from './registry.ts';
import type { Rule } from './resources.ts';
import { nextFireTime, parseSchedule, ScheduleError } from './schedule.ts';

const TIMER_KIND = 'events.schedule';

interface SchedulePayload {
  busId: number;
  rule: string;
}

export class RuleSchedules {
  constructor(
    private readonly runtime: Runtime,
    private readonly registry: EventRegistry,
    private readonly dispatcher: Dispatcher,
  ) {
    runtime.timers.on(TIMER_KIND, (timer, tx) => this.fire(timer, tx));
  }

  /** The reason a schedule expression is refused, or undefined. */
  static check(expression: string): string | undefined {
    try {
      parseSchedule(expression);
      return undefined;
    } catch (error) {
      if (error instanceof ScheduleError) return error.message;
      throw error;
    }
  }

  /** Arms, moves or cancels the rule's timer to match its schedule and state. */
  async sync(rule: Rule): Promise<void> {
    if (rule.schedule === undefined || rule.state === 'DISABLED') return this.remove(rule);
    const existing = await this.runtime.timers.get(TIMER_KIND, rule.arn);
    const payload = existing?.payload as (SchedulePayload & { expression?: string }) | undefined;
    if (existing && payload?.expression === rule.schedule) return;
    const now = this.runtime.clock.now();
    const next = nextFireTime(parseSchedule(rule.schedule), now, now);
    if (next === undefined) return this.remove(rule);
    await this.runtime.timers.schedule(TIMER_KIND, rule.arn, next, {
      busId: rule.bus.id,
      rule: rule.name,
      expression: rule.schedule,
    });
  }

  async remove(rule: Rule): Promise<void> {
    await this.runtime.timers.cancel(TIMER_KIND, rule.arn);
  }

  private async fire(timer: Timer, tx: Tx): Promise<void> {
    const payload = timer.payload as SchedulePayload & { expression: string };
    const bus = this.registry.busById(payload.busId);
    const rule = bus?.rules.get(payload.rule);
    if (!rule || rule.schedule === undefined || rule.state === 'DISABLED') return;
    const envelope = JSON.stringify({
      version: '0',
      id: newTimeOrderedUuid(this.runtime.clock.now()),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: bus!.account,
      time: new Date(timer.dueAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: bus!.region,
      resources: [rule.arn],
      detail: {},
    });
    const id = (JSON.parse(envelope) as { id: string }).id;
    const now = this.runtime.clock.now();
    await this.dispatcher.traces.matched(tx, bus!.arn, [{ eventId: id, receivedAt: now, rules: [rule] }]);
    const planned: DeliveryRow[] = [];
    for (const target of rule.targets.values()) {
      const row = await this.dispatcher.plan(tx, id, envelope, [bus!.arn], rule, target, now);
      if (row) planned.push(row);
    }
    this.dispatcher.attemptLater(planned);
    const next = nextFireTime(parseSchedule(rule.schedule), Math.max(timer.dueAt, now), timer.dueAt);
    if (next !== undefined) await this.runtime.timers.scheduleIn(tx, TIMER_KIND, rule.arn, next, payload);
  }
}

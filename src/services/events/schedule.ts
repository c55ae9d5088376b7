// Schedule expressions of scheduled rules: `rate(5 minutes)` and six-field `cron(...)` in UTC, read
// by the shared evaluator (src/schedules); rules have no at() and no time zone.
import {
  nextOccurrence,
  parseScheduleExpression,
  type ScheduleExpression,
  ScheduleExpressionError,
} from '../../schedules/index.ts';

export type Schedule = Exclude<ScheduleExpression, { kind: 'at' }>;

export class ScheduleError extends Error {}

const RULE_GRAMMAR =
  'A schedule expression is rate(value unit) or cron(minutes hours day-of-month month day-of-week year).';

export function parseSchedule(expression: string): Schedule {
  if (!/^\s*(rate|cron)\(/.test(expression)) throw new ScheduleError(RULE_GRAMMAR);
  try {
    return parseScheduleExpression(expression) as Schedule;
  } catch (error) {
    if (error instanceof ScheduleExpressionError) throw new ScheduleError(error.message);
    throw error;
  }
}

/** The first fire time strictly after `after`; rates count from `since` (when the rule was created). */
export function nextFireTime(schedule: Schedule, after: number, since: number): number | undefined {
  return nextOccurrence(schedule, after, { anchor: since });
}

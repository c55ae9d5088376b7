// Schedule expressions: `at(yyyy-mm-ddThh:mm:ss)`, `rate(value unit)` and AWS's `cron(...)`.
import { CronError, type CronFields, parseCron } from './cron.ts';

export type ScheduleExpression =
  | { kind: 'at' /** Wall-clock time in the schedule's zone, as naive UTC milliseconds. */; wall: number }
  | { kind: 'rate'; periodMs: number }
  | { kind: 'cron'; fields: CronFields };

/** An expression that cannot be read; the message says which part and why. */
export class ScheduleExpressionError extends Error {}

const UNITS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

export function parseScheduleExpression(expression: string): ScheduleExpression {
  const text = expression.trim();
  const at = /^at\((.*)\)$/.exec(text);
  if (at) return { kind: 'at', wall: parseAt(at[1]!) };
  const rate = /^rate\((.*)\)$/.exec(text);
  if (rate) return { kind: 'rate', periodMs: parseRate(rate[1]!) };
  const cron = /^cron\((.*)\)$/.exec(text);
  if (cron) {
    try {
      return { kind: 'cron', fields: parseCron(cron[1]!) };
    } catch (error) {
      if (error instanceof CronError) throw new ScheduleExpressionError(error.message);
      throw error;
    }
  }
  throw new ScheduleExpressionError(
    'A schedule expression is at(yyyy-mm-ddThh:mm:ss), rate(value unit) or cron(minutes hours day-of-month month day-of-week year).',
  );
}

function parseAt(text: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(text.trim());
  if (!match) throw new ScheduleExpressionError('An at() expression is at(yyyy-mm-ddThh:mm:ss).');
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  const date = new Date(wall);
  // Date.UTC rolls 2026-02-30 over to March; a real date survives the round trip.
  if (
    date.getUTCFullYear() !== year ||
    date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    throw new ScheduleExpressionError(`'${text}' is not a valid date and time.`);
  }
  return wall;
}

function parseRate(text: string): number {
  const rate = /^(\d+) (minute|minutes|hour|hours|day|days)$/.exec(text.trim());
  if (!rate)
    throw new ScheduleExpressionError('A rate expression is rate(value unit): unit minutes, hours or days.');
  const value = Number(rate[1]);
  const unit = rate[2]!.replace(/s$/, '');
  if (value < 1) throw new ScheduleExpressionError('The rate value must be a positive integer.');
  if ((value === 1) !== !rate[2]!.endsWith('s')) {
    throw new ScheduleExpressionError(
      `Use '${value} ${value === 1 ? unit : `${unit}s`}': the unit is singular for 1 and plural otherwise.`,
    );
  }
  return value * UNITS[unit]!;
}

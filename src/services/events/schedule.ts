// Schedule expressions of scheduled rules: `rate(5 minutes)` and six-field `cron(...)` in UTC.
// Pure: `nextFireTime` is given the time to start from.

export type Schedule = { kind: 'rate'; periodMs: number } | { kind: 'cron'; fields: CronFields };

interface CronFields {
  minutes: Set<number>;
  hours: Set<number>;
  /** Days of the month; 'L' is the last day; undefined when '?'. */
  daysOfMonth: { days: Set<number>; last: boolean } | undefined;
  months: Set<number>;
  /** Days of the week 1–7 (Sunday = 1); `nth` holds `day#n`; undefined when '?'. */
  daysOfWeek: { days: Set<number>; nth: Array<[number, number]>; last: Set<number> } | undefined;
  years: Set<number> | undefined;
}

const UNITS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

export class ScheduleError extends Error {}

export function parseSchedule(expression: string): Schedule {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  if (rate) {
    const value = Number(rate[1]);
    const unit = rate[2]!;
    if (value < 1) throw new ScheduleError('The rate value must be a positive integer.');
    if ((value === 1) !== !unit.endsWith('s')) {
      throw new ScheduleError(
        `Use '${value} ${value === 1 ? unit.replace(/s$/, '') : `${unit.replace(/s$/, '')}s`}': the unit is singular for 1 and plural otherwise.`,
      );
    }
    return { kind: 'rate', periodMs: value * UNITS[unit.replace(/s$/, '')]! };
  }
  const cron = /^cron\((.*)\)$/.exec(expression.trim());
  if (!cron)
    throw new ScheduleError(
      'A schedule expression is rate(value unit) or cron(minutes hours day-of-month month day-of-week year).',
    );
  const parts = cron[1]!.trim().split(/\s+/);
  if (parts.length !== 6)
    throw new ScheduleError(
      'A cron expression has six fields: minutes hours day-of-month month day-of-week year.',
    );
  const [minutes, hours, dom, month, dow, year] = parts as [string, string, string, string, string, string];
  if ((dom === '?') === (dow === '?')) {
    throw new ScheduleError('Exactly one of day-of-month and day-of-week must be ?.');
  }
  return {
    kind: 'cron',
    fields: {
      minutes: parseField(minutes, 0, 59, 'minutes'),
      hours: parseField(hours, 0, 23, 'hours'),
      daysOfMonth: dom === '?' ? undefined : parseDaysOfMonth(dom),
      months: parseField(month, 1, 12, 'month', MONTHS),
      daysOfWeek: dow === '?' ? undefined : parseDaysOfWeek(dow),
      years: year === '*' ? undefined : parseField(year, 1970, 2199, 'year'),
    },
  };
}

function parseField(text: string, min: number, max: number, name: string, names?: string[]): Set<number> {
  const values = new Set<number>();
  const value = (token: string) => {
    const index = names?.indexOf(token.toUpperCase()) ?? -1;
    const number = index >= 0 ? index + min : Number(token);
    if (!Number.isInteger(number) || number < min || number > max) {
      throw new ScheduleError(`'${token}' is not a valid value for ${name} (${min}-${max}).`);
    }
    return number;
  };
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/') as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1)
      throw new ScheduleError(`'${part}' has an invalid step for ${name}.`);
    let from: number;
    let to: number;
    if (range === '*') [from, to] = [min, max];
    else if (range.includes('-')) {
      const [a, b] = range.split('-') as [string, string];
      [from, to] = [value(a), value(b)];
    } else [from, to] = [value(range), stepText === undefined ? value(range) : max];
    for (let current = from; current <= to; current += step) values.add(current);
  }
  return values;
}

function parseDaysOfMonth(text: string): NonNullable<CronFields['daysOfMonth']> {
  const parts = text.split(',');
  const last = parts.includes('L');
  const rest = parts.filter((part) => part !== 'L');
  return { days: rest.length > 0 ? parseField(rest.join(','), 1, 31, 'day-of-month') : new Set(), last };
}

function parseDaysOfWeek(text: string): NonNullable<CronFields['daysOfWeek']> {
  const nth: Array<[number, number]> = [];
  const last = new Set<number>();
  const plain: string[] = [];
  const day = (token: string) => parseField(token, 1, 7, 'day-of-week', DAYS).values().next().value!;
  for (const part of text.split(',')) {
    const hash = /^(\w+)#([1-5])$/.exec(part);
    const lastOf = /^(\w+)L$/.exec(part);
    if (hash) nth.push([day(hash[1]!), Number(hash[2])]);
    else if (lastOf) last.add(day(lastOf[1]!));
    else plain.push(part);
  }
  return {
    days: plain.length > 0 ? parseField(plain.join(','), 1, 7, 'day-of-week', DAYS) : new Set(),
    nth,
    last,
  };
}

/** The first fire time strictly after `after`; rates count from `since` (when the rule was created). */
export function nextFireTime(schedule: Schedule, after: number, since: number): number | undefined {
  if (schedule.kind === 'rate') {
    const periods = Math.floor((after - since) / schedule.periodMs) + 1;
    return since + Math.max(1, periods) * schedule.periodMs;
  }
  const { fields } = schedule;
  const time = new Date(Math.floor(after / 60_000) * 60_000 + 60_000);
  const limit = Date.UTC(2200, 0, 1);
  while (time.getTime() < limit) {
    if (fields.years && !fields.years.has(time.getUTCFullYear())) {
      time.setUTCFullYear(time.getUTCFullYear() + 1, 0, 1);
      time.setUTCHours(0, 0, 0, 0);
      continue;
    }
    if (!fields.months.has(time.getUTCMonth() + 1)) {
      time.setUTCMonth(time.getUTCMonth() + 1, 1);
      time.setUTCHours(0, 0, 0, 0);
      continue;
    }
    if (!dayMatches(fields, time)) {
      time.setUTCDate(time.getUTCDate() + 1);
      time.setUTCHours(0, 0, 0, 0);
      continue;
    }
    if (!fields.hours.has(time.getUTCHours())) {
      time.setUTCHours(time.getUTCHours() + 1, 0, 0, 0);
      continue;
    }
    if (!fields.minutes.has(time.getUTCMinutes())) {
      time.setUTCMinutes(time.getUTCMinutes() + 1, 0, 0);
      continue;
    }
    return time.getTime();
  }
  return undefined;
}

function dayMatches(fields: CronFields, time: Date): boolean {
  const date = time.getUTCDate();
  const lastDay = new Date(Date.UTC(time.getUTCFullYear(), time.getUTCMonth() + 1, 0)).getUTCDate();
  if (fields.daysOfMonth)
    return fields.daysOfMonth.days.has(date) || (fields.daysOfMonth.last && date === lastDay);
  const week = fields.daysOfWeek!;
  const weekday = time.getUTCDay() + 1;
  if (week.days.has(weekday)) return true;
  if (week.nth.some(([day, n]) => day === weekday && Math.ceil(date / 7) === n)) return true;
  return week.last.has(weekday) && date + 7 > lastDay;
}

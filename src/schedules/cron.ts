// AWS's six-field cron dialect (minutes hours day-of-month month day-of-week year) with `?`, `L`,
// `W`, `#`, ranges (wrapping ones too), lists, steps and names; matched against wall-clock dates.

export interface CronFields {
  minutes: Set<number>;
  hours: Set<number>;
  /** undefined when '?'. */
  daysOfMonth: DaysOfMonth | undefined;
  months: Set<number>;
  /** Days of the week 1–7 (Sunday = 1); undefined when '?'. */
  daysOfWeek: DaysOfWeek | undefined;
  /** undefined when '*'. */
  years: Set<number> | undefined;
}

interface DaysOfMonth {
  days: Set<number>;
  /** `L`: the last day of the month. */
  last: boolean;
  /** `15W`: the weekday nearest the 15th, within the month. */
  nearestWeekday: number[];
  /** `LW`: the last weekday of the month. */
  lastWeekday: boolean;
}

interface DaysOfWeek {
  days: Set<number>;
  /** `3#2`: the second Tuesday, as [day, n]. */
  nth: Array<[number, number]>;
  /** `6L`: the last Friday of the month. */
  last: Set<number>;
}

export class CronError extends Error {}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** Parses the text between `cron(` and `)`. */
export function parseCron(text: string): CronFields {
  const parts = text.trim().split(/\s+/);
  if (parts.length !== 6)
    throw new CronError(
      'A cron expression has six fields: minutes hours day-of-month month day-of-week year.',
    );
  const [minutes, hours, dom, month, dow, year] = parts as [string, string, string, string, string, string];
  if ((dom === '?') === (dow === '?')) {
    throw new CronError('Exactly one of day-of-month and day-of-week must be ?.');
  }
  return {
    minutes: parseField(minutes, 0, 59, 'minutes'),
    hours: parseField(hours, 0, 23, 'hours'),
    daysOfMonth: dom === '?' ? undefined : parseDaysOfMonth(dom),
    months: parseField(month, 1, 12, 'month', MONTHS),
    daysOfWeek: dow === '?' ? undefined : parseDaysOfWeek(dow),
    years: year === '*' ? undefined : parseField(year, 1970, 2199, 'year'),
  };
}

function parseField(text: string, min: number, max: number, name: string, names?: string[]): Set<number> {
  const values = new Set<number>();
  const value = (token: string) => {
    const index = names?.indexOf(token.toUpperCase()) ?? -1;
    const number = index >= 0 ? index + min : /^\d+$/.test(token) ? Number(token) : Number.NaN;
    if (!Number.isInteger(number) || number < min || number > max) {
      throw new CronError(`'${token}' is not a valid value for ${name} (${min}-${max}).`);
    }
    return number;
  };
  for (const part of text.split(',')) {
    const [range, stepText, extra] = part.split('/') as [string, string | undefined, string | undefined];
    const step = stepText === undefined ? 1 : /^\d+$/.test(stepText) ? Number(stepText) : Number.NaN;
    if (extra !== undefined || !Number.isInteger(step) || step < 1)
      throw new CronError(`'${part}' has an invalid step for ${name}.`);
    let from: number;
    let to: number;
    if (range === '*') [from, to] = [min, max];
    else if (range.includes('-')) {
      const [a, b, rest] = range.split('-') as [string, string, string | undefined];
      if (rest !== undefined) throw new CronError(`'${range}' is not a valid range for ${name}.`);
      [from, to] = [value(a), value(b)];
    } else [from, to] = [value(range), stepText === undefined ? value(range) : max];
    // A range that wraps (FRI-MON, 22-2) runs past the maximum and on from the minimum.
    const span = to >= from ? to - from : max - from + 1 + (to - min);
    for (let offset = 0; offset <= span; offset += step) {
      const current = from + offset;
      values.add(current > max ? current - max - 1 + min : current);
    }
  }
  return values;
}

function parseDaysOfMonth(text: string): DaysOfMonth {
  const result: DaysOfMonth = { days: new Set(), last: false, nearestWeekday: [], lastWeekday: false };
  const plain: string[] = [];
  for (const part of text.split(',')) {
    const upper = part.toUpperCase();
    if (upper === 'L') result.last = true;
    else if (upper === 'LW') result.lastWeekday = true;
    else if (/^\d+W$/.test(upper)) {
      const day = Number(upper.slice(0, -1));
      if (day < 1 || day > 31) throw new CronError(`'${part}' is not a valid value for day-of-month (1-31).`);
      result.nearestWeekday.push(day);
    } else plain.push(part);
  }
  if (plain.length > 0) result.days = parseField(plain.join(','), 1, 31, 'day-of-month');
  return result;
}

function parseDaysOfWeek(text: string): DaysOfWeek {
  const nth: Array<[number, number]> = [];
  const last = new Set<number>();
  const plain: string[] = [];
  const day = (token: string) => parseField(token, 1, 7, 'day-of-week', DAYS).values().next().value!;
  for (const part of text.split(',')) {
    const hash = /^(\w+)#(\w+)$/.exec(part);
    const lastOf = /^(\w*)L$/i.exec(part);
    if (hash) {
      if (!/^[1-5]$/.test(hash[2]!))
        throw new CronError(`'${part}': the week after # must be 1-5 (the nth such day of the month).`);
      nth.push([day(hash[1]!), Number(hash[2])]);
    } else if (lastOf?.[1] === '') {
      plain.push('7'); // `L` alone is the last day of the week: Saturday
    } else if (lastOf) last.add(day(lastOf[1]!));
    else plain.push(part);
  }
  return {
    days: plain.length > 0 ? parseField(plain.join(','), 1, 7, 'day-of-week', DAYS) : new Set(),
    nth,
    last,
  };
}

/** The first wall-clock minute strictly after `wall` that the fields match, or undefined before 2200. */
export function nextCronWall(fields: CronFields, wall: number): number | undefined {
  const time = new Date(Math.floor(wall / 60_000) * 60_000 + 60_000);
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
  const year = time.getUTCFullYear();
  const month = time.getUTCMonth();
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const byDate = fields.daysOfMonth;
  if (byDate) {
    if (byDate.days.has(date) || (byDate.last && date === lastDay)) return true;
    if (byDate.lastWeekday && date === nearestWeekday(year, month, lastDay, lastDay)) return true;
    return byDate.nearestWeekday.some(
      (day) => day <= lastDay && date === nearestWeekday(year, month, day, lastDay),
    );
  }
  const week = fields.daysOfWeek!;
  const weekday = time.getUTCDay() + 1;
  if (week.days.has(weekday)) return true;
  if (week.nth.some(([day, n]) => day === weekday && Math.ceil(date / 7) === n)) return true;
  return week.last.has(weekday) && date + 7 > lastDay;
}

/** The weekday (Monday–Friday) nearest `day` without leaving the month, as Quartz's `W` reads. */
function nearestWeekday(year: number, month: number, day: number, lastDay: number): number {
  const weekday = new Date(Date.UTC(year, month, day)).getUTCDay();
  if (weekday === 6) return day === 1 ? 3 : day - 1;
  if (weekday === 0) return day === lastDay ? day - 2 : day + 1;
  return day;
}

// When a schedule fires: the first occurrence strictly after a given instant, in the schedule's
// zone, inside its StartDate/EndDate. Pure: callers pass every instant.
import { nextCronWall } from './cron.ts';
import type { ScheduleExpression } from './expression.ts';
import { instantsOf, wallTime } from './zone.ts';

/**
 * A wall time that spring-forward skips: AWS's Scheduler documents that the invocation is skipped
 * (`skip`); `next-valid` runs it when the clocks have jumped instead.
 */
export type GapPolicy = 'skip' | 'next-valid';

export interface Occurrences {
  /** IANA zone for cron and at(); UTC when absent. Rates ignore zones (fixed periods). */
  zone?: string;
  /** Rates fire at anchor + k × period, k ≥ 0: the StartDate, or when the schedule was made. */
  anchor?: number;
  /** Recurring schedules fire at or after start and strictly before end. */
  start?: number;
  end?: number;
  gap?: GapPolicy;
}

/** The first fire time strictly after `after`, or undefined when the schedule will not fire again. */
export function nextOccurrence(
  schedule: ScheduleExpression,
  after: number,
  options: Occurrences = {},
): number | undefined {
  const zone = options.zone ?? 'UTC';
  const gap = options.gap ?? 'skip';
  if (schedule.kind === 'at') {
    const instant = resolveWall(zone, schedule.wall, gap, after);
    return instant;
  }
  const from = options.start === undefined ? after : Math.max(after, options.start - 1);
  const next =
    schedule.kind === 'rate'
      ? nextRate(schedule.periodMs, from, options.anchor ?? from)
      : nextCron(schedule, from, zone, gap);
  if (next === undefined || (options.end !== undefined && next >= options.end)) return undefined;
  return next;
}

/** The next `count` fire times after `after` (what `eddy scheduler next` prints). */
export function nextOccurrences(
  schedule: ScheduleExpression,
  after: number,
  count: number,
  options: Occurrences = {},
): number[] {
  const times: number[] = [];
  let from = after;
  while (times.length < count) {
    const next = nextOccurrence(schedule, from, options);
    if (next === undefined || schedule.kind === 'at') {
      if (next !== undefined) times.push(next);
      break;
    }
    times.push(next);
    from = next;
  }
  return times;
}

function nextRate(periodMs: number, after: number, anchor: number): number {
  if (after < anchor) return anchor;
  return anchor + (Math.floor((after - anchor) / periodMs) + 1) * periodMs;
}

function nextCron(
  schedule: Extract<ScheduleExpression, { kind: 'cron' }>,
  after: number,
  zone: string,
  gap: GapPolicy,
): number | undefined {
  // Walk wall-clock minutes from the wall time at `after`; a wall time whose first instant has
  // passed already ran (the repeated hour of a fall-back runs once).
  let wall = wallTime(zone, after);
  for (;;) {
    const candidate = nextCronWall(schedule.fields, wall);
    if (candidate === undefined) return undefined;
    const instant = resolveWall(zone, candidate, gap, after);
    if (instant !== undefined) return instant;
    wall = candidate;
  }
}

/** The instant a wall time fires at, if after `after`: its first occurrence, or for a gap as the policy says. */
function resolveWall(zone: string, wall: number, gap: GapPolicy, after: number): number | undefined {
  const { instants, gapEnd } = instantsOf(zone, wall);
  const first = instants[0] ?? (gap === 'next-valid' ? gapEnd : undefined);
  return first !== undefined && first > after ? first : undefined;
}

// Wall-clock time in IANA time zones, from the platform's Intl data (no offsets written by hand).
// A "wall" time is the zone's local date and time written as if it were UTC milliseconds.

const formatters = new Map<string, Intl.DateTimeFormat>();
const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

function formatter(zone: string): Intl.DateTimeFormat {
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, format);
  }
  return format;
}

/** Whether the platform knows this IANA zone name (`America/New_York`, `UTC`). */
export function isTimeZone(zone: string): boolean {
  if (zone.trim() === '') return false;
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** The zone's wall-clock time at a UTC instant, as naive UTC milliseconds (whole seconds). */
export function wallTime(zone: string, utc: number): number {
  if (zone === 'UTC') return Math.floor(utc / 1000) * 1000;
  const parts: Record<string, number> = {};
  for (const part of formatter(zone).formatToParts(utc)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return Date.UTC(parts.year!, parts.month! - 1, parts.day, parts.hour, parts.minute, parts.second);
}

/** The zone's offset from UTC at an instant, in milliseconds (New York in winter: -5 h). */
export function offsetAt(zone: string, utc: number): number {
  return wallTime(zone, utc) - Math.floor(utc / 1000) * 1000;
}

/**
 * What a wall-clock time in a zone means when clocks change: the instants that show it (two in
 * the repeated hour of a fall-back, earliest first; none in a spring-forward gap), and for a gap,
 * the instant the clocks jumped (the next time that exists).
 */
export function instantsOf(zone: string, wall: number): { instants: number[]; gapEnd?: number } {
  if (zone === 'UTC') return { instants: [wall] };
  // Offsets a day either side bracket the one transition a wall time can fall near.
  const before = offsetAt(zone, wall - DAY_MS);
  const after = offsetAt(zone, wall + DAY_MS);
  const instants = [...new Set([wall - before, wall - after])]
    .filter((instant) => wallTime(zone, instant) === wall)
    .sort((a, b) => a - b);
  if (instants.length > 0 || before === after) return { instants };
  // In the gap: the transition lies between the instant that shows the wall time minus the jump
  // and the one that shows it plus the jump; find it to the minute.
  let low = wall - after;
  let high = wall - before;
  while (high - low > MINUTE_MS) {
    const middle = low + Math.floor((high - low) / 2 / MINUTE_MS) * MINUTE_MS;
    if (offsetAt(zone, middle) === after) high = middle;
    else low = middle;
  }
  return { instants, gapEnd: high };
}

const labelled = new Map<string, Intl.DateTimeFormat>();

/** An instant as the zone's clock shows it: `2026-03-08 07:00:00 EDT`. */
export function formatInZone(zone: string, utc: number): string {
  let format = labelled.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'short' });
    labelled.set(zone, format);
  }
  const name = format.formatToParts(utc).find((part) => part.type === 'timeZoneName')?.value ?? zone;
  return `${new Date(wallTime(zone, utc)).toISOString().slice(0, 19).replace('T', ' ')} ${name}`;
}

// Schedule expressions and when they fire, shared by the bus's scheduled rules and the Scheduler.
// Pure: no I/O and no clock; every instant is given.
export { CronError, type CronFields } from './cron.ts';
export { parseScheduleExpression, type ScheduleExpression, ScheduleExpressionError } from './expression.ts';
export { type GapPolicy, nextOccurrence, nextOccurrences, type Occurrences } from './next.ts';
export { formatInZone, instantsOf, isTimeZone, offsetAt, wallTime } from './zone.ts';

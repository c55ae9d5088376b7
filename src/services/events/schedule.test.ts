import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextFireTime, parseSchedule } from './schedule.ts';

const at = (iso: string) => Date.parse(iso);
const next = (expression: string, after: string, since = after) =>
  new Date(nextFireTime(parseSchedule(expression), at(after), at(since))!).toISOString();

describe('schedule expressions', () => {
  it('fires rates from the creation time', () => {
    assert.equal(next('rate(5 minutes)', '2026-01-01T00:00:00Z'), '2026-01-01T00:05:00.000Z');
    assert.equal(
      next('rate(1 hour)', '2026-01-01T02:30:00Z', '2026-01-01T00:10:00Z'),
      '2026-01-01T03:10:00.000Z',
    );
    assert.throws(() => parseSchedule('rate(1 minutes)'), /singular/);
    assert.throws(() => parseSchedule('rate(5 minute)'), /plural/);
    assert.throws(() => parseSchedule('rate(0 minutes)'), /positive/);
  });

  it('fires cron expressions in UTC (AWS documentation examples)', () => {
    // 10:15 every day
    assert.equal(next('cron(15 10 * * ? *)', '2026-01-01T11:00:00Z'), '2026-01-02T10:15:00.000Z');
    // 18:00 Monday to Friday
    assert.equal(next('cron(0 18 ? * MON-FRI *)', '2026-01-02T18:00:00Z'), '2026-01-05T18:00:00.000Z');
    // 8:00 on the first day of the month
    assert.equal(next('cron(0 8 1 * ? *)', '2026-01-01T08:00:00Z'), '2026-02-01T08:00:00.000Z');
    // every 10 minutes on weekdays
    assert.equal(next('cron(0/10 * ? * MON-FRI *)', '2026-01-05T00:03:00Z'), '2026-01-05T00:10:00.000Z');
    // last day of the month, and the second Tuesday
    assert.equal(next('cron(0 0 L * ? *)', '2026-02-01T00:00:00Z'), '2026-02-28T00:00:00.000Z');
    assert.equal(next('cron(0 12 ? * 3#2 *)', '2026-01-01T00:00:00Z'), '2026-01-13T12:00:00.000Z');
    // only in 2027
    assert.equal(next('cron(0 0 1 1 ? 2027)', '2026-06-01T00:00:00Z'), '2027-01-01T00:00:00.000Z');
  });

  it('rejects malformed cron expressions with the reason', () => {
    assert.throws(() => parseSchedule('cron(0 18 * * *)'), /six fields/);
    assert.throws(() => parseSchedule('cron(0 18 * * MON *)'), /one of day-of-month and day-of-week/);
    assert.throws(() => parseSchedule('cron(61 * * * ? *)'), /minutes/);
    assert.throws(() => parseSchedule('every day'), /rate\(value unit\)/);
  });
});

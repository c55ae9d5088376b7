import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  instantsOf,
  isTimeZone,
  nextOccurrence,
  nextOccurrences,
  type Occurrences,
  parseScheduleExpression,
} from './index.ts';

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const times = (expression: string, after: string, count: number, options: Occurrences = {}) =>
  nextOccurrences(parseScheduleExpression(expression), Date.parse(after), count, options).map((ms) =>
    iso(ms),
  );
const next = (expression: string, after: string, options: Occurrences = {}) =>
  iso(nextOccurrence(parseScheduleExpression(expression), Date.parse(after), options));

describe('time zones from Intl', () => {
  it('knows IANA names and refuses others', () => {
    assert.equal(isTimeZone('America/New_York'), true);
    assert.equal(isTimeZone('Europe/Berlin'), true);
    assert.equal(isTimeZone('UTC'), true);
    assert.equal(isTimeZone('Mars/Olympus_Mons'), false);
    assert.equal(isTimeZone(''), false);
  });

  it('finds two instants in a repeated hour and none in a skipped one', () => {
    const repeated = instantsOf('America/New_York', Date.UTC(2026, 10, 1, 1, 30));
    assert.deepEqual(repeated.instants.map(iso), ['2026-11-01T05:30:00.000Z', '2026-11-01T06:30:00.000Z']);
    const skipped = instantsOf('America/New_York', Date.UTC(2026, 2, 8, 2, 30));
    assert.deepEqual(skipped.instants, []);
    assert.equal(iso(skipped.gapEnd), '2026-03-08T07:00:00.000Z');
  });
});

describe('cron in a time zone across daylight saving', () => {
  it('New York: 09:00 local stays 09:00 across both changes', () => {
    assert.deepEqual(times('cron(0 9 * * ? *)', '2026-03-07T00:00:00Z', 3, { zone: 'America/New_York' }), [
      '2026-03-07T14:00:00.000Z',
      '2026-03-08T13:00:00.000Z',
      '2026-03-09T13:00:00.000Z',
    ]);
    assert.deepEqual(times('cron(0 9 * * ? *)', '2026-10-31T00:00:00Z', 2, { zone: 'America/New_York' }), [
      '2026-10-31T13:00:00.000Z',
      '2026-11-01T14:00:00.000Z',
    ]);
  });

  it('New York: a time in the spring-forward gap is skipped (AWS) or runs at the jump (next-valid)', () => {
    const daily = 'cron(30 2 * * ? *)';
    assert.deepEqual(times(daily, '2026-03-07T00:00:00Z', 2, { zone: 'America/New_York' }), [
      '2026-03-07T07:30:00.000Z',
      '2026-03-09T06:30:00.000Z',
    ]);
    assert.deepEqual(
      times(daily, '2026-03-07T00:00:00Z', 3, { zone: 'America/New_York', gap: 'next-valid' }),
      ['2026-03-07T07:30:00.000Z', '2026-03-08T07:00:00.000Z', '2026-03-09T06:30:00.000Z'],
    );
  });

  it('New York: the repeated hour of fall-back runs once', () => {
    assert.deepEqual(times('cron(30 1 * * ? *)', '2026-10-31T12:00:00Z', 2, { zone: 'America/New_York' }), [
      '2026-11-01T05:30:00.000Z',
      '2026-11-02T06:30:00.000Z',
    ]);
    // every 30 minutes: 01:00 and 01:30 once each, then 02:00 EST
    assert.deepEqual(times('cron(0/30 * * * ? *)', '2026-11-01T04:45:00Z', 4, { zone: 'America/New_York' }), [
      '2026-11-01T05:00:00.000Z',
      '2026-11-01T05:30:00.000Z',
      '2026-11-01T07:00:00.000Z',
      '2026-11-01T07:30:00.000Z',
    ]);
  });

  it('Berlin: the gap at 02:00 and the repeated 02:00-03:00 hour', () => {
    const zone = 'Europe/Berlin';
    assert.deepEqual(times('cron(15 2 * * ? *)', '2026-03-28T12:00:00Z', 2, { zone }), [
      '2026-03-30T00:15:00.000Z',
      '2026-03-31T00:15:00.000Z',
    ]);
    assert.deepEqual(times('cron(15 2 * * ? *)', '2026-10-24T12:00:00Z', 2, { zone }), [
      '2026-10-25T00:15:00.000Z',
      '2026-10-26T01:15:00.000Z',
    ]);
  });

  it('Sydney (southern hemisphere): 08:00 local moves from UTC+11 to UTC+10 in April', () => {
    assert.deepEqual(times('cron(0 8 ? * SUN *)', '2026-03-28T00:00:00Z', 2, { zone: 'Australia/Sydney' }), [
      '2026-03-28T21:00:00.000Z',
      '2026-04-04T22:00:00.000Z',
    ]);
  });

  it('rates are fixed periods, whatever the zone does', () => {
    assert.deepEqual(
      times('rate(1 day)', '2026-03-07T14:00:00Z', 2, {
        zone: 'America/New_York',
        anchor: Date.parse('2026-03-07T14:00:00Z'),
      }),
      ['2026-03-08T14:00:00.000Z', '2026-03-09T14:00:00.000Z'],
    );
  });
});

describe('AWS cron dialect', () => {
  it('leap days: 29 February only in leap years', () => {
    assert.deepEqual(times('cron(0 12 29 2 ? *)', '2026-01-01T00:00:00Z', 2), [
      '2028-02-29T12:00:00.000Z',
      '2032-02-29T12:00:00.000Z',
    ]);
    assert.equal(next('cron(0 0 L 2 ? *)', '2028-02-01T00:00:00Z'), '2028-02-29T00:00:00.000Z');
    assert.equal(next('cron(0 0 L 2 ? *)', '2027-02-01T00:00:00Z'), '2027-02-28T00:00:00.000Z');
  });

  it('L, W, LW and # in day fields', () => {
    // 2026-02-15 is a Sunday: 15W is Monday the 16th; 2026-08-01 a Saturday: 1W is Monday the 3rd
    assert.equal(next('cron(0 9 15W * ? *)', '2026-02-01T00:00:00Z'), '2026-02-16T09:00:00.000Z');
    assert.equal(next('cron(0 9 1W * ? *)', '2026-07-31T00:00:00Z'), '2026-08-03T09:00:00.000Z');
    // 2026-05-31 is a Sunday: the last weekday of May is Friday the 29th
    assert.equal(next('cron(0 9 LW * ? *)', '2026-05-01T00:00:00Z'), '2026-05-29T09:00:00.000Z');
    // last Friday of the month, the third Monday, and L alone in day-of-week (Saturday)
    assert.equal(next('cron(0 17 ? * 6L *)', '2026-01-01T00:00:00Z'), '2026-01-30T17:00:00.000Z');
    assert.equal(next('cron(0 8 ? * MON#3 *)', '2026-01-01T00:00:00Z'), '2026-01-19T08:00:00.000Z');
    assert.equal(next('cron(0 8 ? * L *)', '2026-01-01T00:00:00Z'), '2026-01-03T08:00:00.000Z');
  });

  it('ranges, wrapping ranges, lists, steps and years', () => {
    assert.deepEqual(times('cron(0 22-1 * * ? *)', '2026-01-01T21:00:00Z', 5), [
      '2026-01-01T22:00:00.000Z',
      '2026-01-01T23:00:00.000Z',
      '2026-01-02T00:00:00.000Z',
      '2026-01-02T01:00:00.000Z',
      '2026-01-02T22:00:00.000Z',
    ]);
    assert.deepEqual(times('cron(5,35 */12 ? * FRI-MON 2026-2027)', '2026-01-02T00:00:00Z', 3), [
      '2026-01-02T00:05:00.000Z',
      '2026-01-02T00:35:00.000Z',
      '2026-01-02T12:05:00.000Z',
    ]);
    assert.equal(next('cron(0 0 1 1 ? 2027)', '2027-01-01T00:00:00Z'), undefined);
  });

  it('refuses what AWS refuses, saying why', () => {
    const refused = (expression: string, reason: RegExp) =>
      assert.throws(() => parseScheduleExpression(expression), reason);
    refused('cron(0 18 * * *)', /six fields/);
    refused('cron(0 18 * * MON *)', /one of day-of-month and day-of-week/);
    refused('cron(0 18 ? * ? *)', /one of day-of-month and day-of-week/);
    refused('cron(61 * * * ? *)', /minutes/);
    refused('cron(0 24 * * ? *)', /hours/);
    refused('cron(0 0 ? * MON#6 *)', /1-5/);
    refused('cron(0 0 1 1 ? 1969)', /year/);
    refused('cron(0 0 32W * ? *)', /day-of-month/);
    refused('rate(5 fortnights)', /minutes, hours or days/);
    refused('at(2026-02-30T10:00:00)', /not a valid date/);
    refused('at(2026-02-03 10:00)', /yyyy-mm-ddThh:mm:ss/);
    refused('every day', /at\(yyyy/);
  });
});

describe('at(), rates and the StartDate/EndDate window', () => {
  it('at() is a wall time in the zone, firing once', () => {
    assert.equal(
      next('at(2026-07-01T09:30:00)', '2026-06-01T00:00:00Z', { zone: 'Asia/Tokyo' }),
      '2026-07-01T00:30:00.000Z',
    );
    assert.equal(next('at(2026-07-01T09:30:00)', '2026-07-01T00:30:00Z', { zone: 'Asia/Tokyo' }), undefined);
    assert.deepEqual(times('at(2026-07-01T09:30:00)', '2026-06-01T00:00:00Z', 5), [
      '2026-07-01T09:30:00.000Z',
    ]);
  });

  it('rates start at their anchor (StartDate, or at once) and stop before EndDate', () => {
    const start = Date.parse('2026-01-01T10:00:00Z');
    const end = Date.parse('2026-01-01T10:30:00Z');
    assert.deepEqual(times('rate(10 minutes)', '2026-01-01T00:00:00Z', 9, { anchor: start, start, end }), [
      '2026-01-01T10:00:00.000Z',
      '2026-01-01T10:10:00.000Z',
      '2026-01-01T10:20:00.000Z',
    ]);
  });

  it('cron honours StartDate and EndDate', () => {
    const start = Date.parse('2026-03-10T00:00:00Z');
    const end = Date.parse('2026-03-12T12:00:00Z');
    assert.deepEqual(times('cron(0 12 * * ? *)', '2026-01-01T00:00:00Z', 9, { start, end }), [
      '2026-03-10T12:00:00.000Z',
      '2026-03-11T12:00:00.000Z',
    ]);
  });
});

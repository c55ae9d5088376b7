// The Logs Insights language as eddy runs it: each command and function over records, without a server.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkQuery, type LogRecord, QueryRun, type Value } from './insights-eval.ts';
import { parseQuery, QuerySyntaxError } from './insights-parse.ts';

const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);

function record(message: string, index: number, extra: Record<string, Value> = {}): LogRecord {
  return new Map<string, Value>([
    ['@timestamp', { time: T0 + index * 60_000 }],
    ['@message', message],
    ['@ptr', `p${index}`],
    ...Object.entries(extra),
  ]);
}

/** Runs a query over records given oldest first (they are pushed newest first, as the runner reads). */
function run(query: string, records: LogRecord[], limit = 10_000) {
  const commands = parseQuery(query);
  checkQuery(commands);
  const plan = new QueryRun(commands, limit);
  for (const item of [...records].reverse()) if (!plan.push(item)) break;
  return plan.finish().map((row) => Object.fromEntries(row.fields.map((cell) => [cell.field, cell.value])));
}

const requests = [
  record('GET /a 200', 0, { method: 'GET', status: 200, ms: 12 }),
  record('POST /b 500', 1, { method: 'POST', status: 500, ms: 340 }),
  record('GET /c 404', 2, { method: 'GET', status: 404, ms: 7 }),
  record('GET /a 200', 3, { method: 'GET', status: 200, ms: 15, user: 'ann' }),
];

describe('commands', () => {
  test('filter with in, not like, and, or and parentheses', () => {
    assert.deepEqual(
      run('filter status in [404, 500] and not @message like "POST" | display @message', requests),
      [{ '@message': 'GET /c 404' }],
    );
    assert.deepEqual(
      run('filter (status >= 400 or ms > 14) and method != "POST" | display @message', requests).map(
        (row) => row['@message'],
      ),
      ['GET /a 200', 'GET /c 404'],
    );
  });

  test('fields computes and names values; display picks what is shown', () => {
    assert.deepEqual(
      run(
        'fields ms * 2 as double, concat(method, ":", status) as key | display key, double | limit 1',
        requests,
      ),
      [{ key: 'GET:200', double: '30' }],
    );
  });

  test('parse with a regex of named groups', () => {
    assert.deepEqual(
      run('parse @message /(?<verb>[A-Z]+) (?<path>\\S+)/ | display verb, path | limit 2', requests),
      [
        { verb: 'GET', path: '/a' },
        { verb: 'GET', path: '/c' },
      ],
    );
  });

  test('sort by several keys, missing values last; dedup keeps the first of each', () => {
    assert.deepEqual(
      run('sort user desc, ms asc | display ms', requests).map((row) => row.ms),
      ['15', '7', '12', '340'],
    );
    assert.deepEqual(
      run('dedup method | display method', requests).map((row) => row.method),
      ['GET', 'POST'],
    );
  });

  test('stats: count_distinct, min, max, sum, pct, earliest and latest', () => {
    assert.deepEqual(
      run(
        'stats count_distinct(method) as methods, min(ms), max(ms), sum(ms), pct(ms, 50), earliest(@message), latest(status)',
        requests,
      ),
      [
        {
          methods: '2',
          'min(ms)': '7',
          'max(ms)': '340',
          'sum(ms)': '374',
          'pct(ms, 50)': '12',
          'earliest(@message)': 'GET /a 200',
          'latest(status)': '200',
        },
      ],
    );
    assert.deepEqual(run('filter status = 999 | stats count(*)', requests), [{ 'count(*)': '0' }]);
  });

  test('a limit without sort or stats stops reading early, newest first', () => {
    const commands = parseQuery('filter method = "GET" | limit 1');
    const plan = new QueryRun(commands, 10_000);
    assert.equal(plan.push(requests[3]!), false);
    assert.deepEqual(plan.finish()[0]?.fields.find((cell) => cell.field === '@message')?.value, 'GET /a 200');
  });

  test('functions: strings, numbers, time', () => {
    assert.deepEqual(
      run(
        'fields toupper(method) as up, strlen(@message) as len, abs(0 - ms) as a, datefloor(@timestamp, 1h) as hour, ispresent(user) as has | display up, len, a, hour, has | limit 1',
        requests,
      ),
      [{ up: 'GET', len: '10', a: '15', hour: '2024-05-01 12:00:00.000', has: '1' }],
    );
  });

  test('backquoted names and comments', () => {
    const odd = [record('x', 0, { 'user-agent': 'curl' })];
    assert.deepEqual(run('# who calls\nfields `user-agent` | display `user-agent`', odd), [
      { 'user-agent': 'curl' },
    ]);
  });
});

describe('queries eddy refuses', () => {
  for (const query of [
    '',
    'frobnicate x',
    'fields @message |',
    'filter status = "open',
    'stats ms by method',
    'filter count(*) > 1',
    'fields nosuchfunction(x)',
    'stats count(*) by bin(5 minutes)',
    'parse @message "* *" as onlyone',
    'limit 0',
  ])
    test(JSON.stringify(query), () => {
      assert.throws(() => checkQuery(parseQuery(query)), QuerySyntaxError);
    });
});

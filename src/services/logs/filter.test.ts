// Filter patterns: AWS's documented examples, each form's edge cases, and the patterns AWS refuses.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileFilterPattern, FilterPatternError } from './filter.ts';
import { splitFields } from './filter-structured.ts';

const matching = (pattern: string, messages: string[]) => messages.filter(compileFilterPattern(pattern));

describe('unstructured terms', () => {
  const events = ['ERROR WARN message', 'ERROR message', 'WARN message'];

  test('an empty pattern matches everything', () => {
    assert.deepEqual(matching('', events), events);
    assert.deepEqual(matching('   ', events), events);
  });

  test('AWS OR-matching examples', () => {
    assert.deepEqual(matching('ERROR', events), ['ERROR WARN message', 'ERROR message']);
    assert.deepEqual(matching('?ERROR ?WARN', events), events);
    assert.deepEqual(matching('ERROR WARN', events), ['ERROR WARN message']);
    assert.deepEqual(matching('ERROR -WARN', events), ['ERROR message']);
  });

  test('terms are case-sensitive substrings, quoted phrases are one term', () => {
    const lines = ['[ERROR] A fatal exception has occurred', 'Exiting with ERRORCODE: -1', 'error: lower'];
    assert.deepEqual(matching('"ERROR"', lines), lines.slice(0, 2));
    assert.deepEqual(matching('"ERROR" - "Exiting"', lines), [lines[0]]);
    assert.deepEqual(matching('"ERRORCODE: -1"', lines), [lines[1]]);
    assert.deepEqual(matching('Failed to process the request', ['[WARN] Failed to process the request']), [
      '[WARN] Failed to process the request',
    ]);
    assert.deepEqual(matching('"the request Failed"', ['[WARN] Failed to process the request']), []);
  });

  test('plain, ? and - terms combine', () => {
    const lines = ['job a ERROR', 'job b WARN', 'job c DEBUG ERROR', 'other ERROR'];
    assert.deepEqual(matching('job ?ERROR ?WARN -DEBUG', lines), ['job a ERROR', 'job b WARN']);
  });

  test('quoted terms may escape quotes', () => {
    assert.deepEqual(matching('"say \\"hi\\""', ['they say "hi"', 'say hi']), ['they say "hi"']);
  });

  test('unquoted terms with other characters are refused as AWS does', () => {
    for (const pattern of ['user@example.com', 'ERROR:', '!(x)', '?', '-', '"open'])
      assert.throws(() => compileFilterPattern(pattern), FilterPatternError, pattern);
    assert.throws(
      () => compileFilterPattern('user@example.com'),
      /Invalid character\(s\) in term 'user@example.com'/,
    );
  });
});

describe('regular expressions', () => {
  test('%…% searches the message', () => {
    const lines = ['[ERROR 401] UNAUTHORIZED REQUEST', '[SUCCESS 200] AUTHORIZED REQUEST', 'nothing'];
    assert.deepEqual(matching('%AUTHORIZED%', lines), lines.slice(0, 2));
    assert.deepEqual(matching('%^\\[SUCCESS%', lines), [lines[1]]);
    assert.deepEqual(matching('%colou?r%', ['color', 'colour', 'colr']), ['color', 'colour']);
  });

  test('AWS’s subset: no parentheses, no unsupported symbols', () => {
    assert.throws(() => compileFilterPattern('%(a|b)%'), FilterPatternError);
    assert.throws(() => compileFilterPattern('%something!%'), FilterPatternError);
  });
});

describe('JSON patterns', () => {
  const trail = JSON.stringify({
    eventType: 'UpdateTrail',
    sourceIPAddress: '111.111.111.111',
    arrayKey: ['value', 'another value'],
    objectList: [
      { name: 'a', id: 1 },
      { name: 'b', id: 2 },
    ],
    SomeObject: null,
    ThisFlag: true,
  });
  const users = JSON.stringify({
    user: { id: 1, email: 'John.Stiles@example.com' },
    users: [
      { id: 2, email: 'John.Doe@example.com' },
      { id: 3, email: 'Jane.Doe@example.com' },
    ],
    actions: ['GET', 'PUT', 'DELETE'],
    coordinates: [
      [0, 1, 2],
      [4, 5, 6],
      [7, 8, 9],
    ],
  });
  const matches = (pattern: string, message: string) => compileFilterPattern(pattern)(message);

  test('AWS’s documented examples match', () => {
    for (const pattern of [
      '{ $.eventType = "UpdateTrail" }',
      '{ $.sourceIPAddress != 123.123.* }',
      '{ $.arrayKey[0] = "value" }',
      '{ $.objectList[1].id = 2 }',
      '{ $.SomeObject IS NULL }',
      '{ $.SomeOtherObject NOT EXISTS }',
      '{ $.ThisFlag IS TRUE }',
    ]) {
      assert.equal(matches(pattern, trail), true, pattern);
    }
    assert.equal(matches('{ $.ThisFlag IS FALSE }', trail), false);
    assert.equal(matches('{ $.eventType NOT EXISTS }', trail), false);
  });

  test('compound conditions: && binds tighter than ||, parentheses group', () => {
    assert.equal(matches('{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }', users), true);
    assert.equal(
      matches('{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }', users),
      false,
    );
    assert.equal(
      matches(
        '{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch && $.actions[2] = nomatch }',
        users,
      ),
      true,
    );
    assert.equal(
      matches(
        '{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch) && $.actions[2] = nomatch }',
        users,
      ),
      false,
    );
  });

  test('numbers compare numerically; text wildcards at either end', () => {
    const event = JSON.stringify({ latency: 750, code: 400, name: 'PutEvent', ratio: 0.001 });
    assert.equal(matches('{ $.latency >= 500 }', event), true);
    assert.equal(matches('{ $.latency > +1000 }', event), false);
    assert.equal(matches('{ $.ratio < 10e-3 }', event), true);
    assert.equal(matches('{ $.code != 500 }', event), true);
    assert.equal(matches('{ $.name = *Event }', event), true);
    assert.equal(matches('{ $.name = Put* }', event), true);
    assert.equal(matches('{ $.name = Pu*nt }', event), false);
    assert.equal(matches('{ $.latency = * }', event), true);
    assert.equal(matches('{ $.missing = * }', event), false);
  });

  test('a selector on an object or array satisfies no comparison', () => {
    const event = JSON.stringify({ users: [1, 2, 3] });
    assert.equal(matches('{ $.users = 1 }', event), false);
    assert.equal(matches('{ $.users != 1 }', event), false);
    assert.equal(matches('{ $.users[*] = 2 }', event), true);
  });

  test('messages that are not JSON never match', () => {
    assert.equal(matches('{ $.a = 1 }', 'a = 1'), false);
    assert.equal(matches('{ $.a NOT EXISTS }', 'plain text'), false);
  });

  test('regular expressions as values', () => {
    assert.equal(matches('{ $.name = %^Put% }', JSON.stringify({ name: 'PutEvent' })), true);
    assert.equal(matches('{ $.name != %^Put% }', JSON.stringify({ name: 'PutEvent' })), false);
  });

  test('malformed JSON patterns are refused', () => {
    for (const pattern of [
      '{ $.a = }',
      '{ a = 1 }',
      '{ $.a = 1',
      '{ $.a > abc }',
      '{ ($.a = 1 }',
      '{ $.a = 1 $.b = 2 }',
    ])
      assert.throws(() => compileFilterPattern(pattern), FilterPatternError, pattern);
  });
});

describe('space-delimited patterns', () => {
  const lines = [
    '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534',
    '127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /index.html HTTP/1.0" 404 5324',
    '127.0.0.1 - frank [10/Oct/2000:13:50:35 -0700] "GET /apache_pb.gif HTTP/1.0" 500 4355',
  ];

  test('fields split on spaces, with "…" and […] as one field', () => {
    assert.deepEqual(splitFields(lines[0]!), [
      '127.0.0.1',
      '-',
      'frank',
      '10/Oct/2000:13:25:15 -0700',
      'GET /apache_pb.gif HTTP/1.0',
      '200',
      '1534',
    ]);
  });

  test('AWS’s documented examples', () => {
    assert.deepEqual(matching('[ip, user, username, timestamp, request, status_code, bytes]', lines), lines);
    assert.deepEqual(matching('[ip, user, username, timestamp, request, status_code, bytes > 5000]', lines), [
      lines[1],
    ]);
    assert.deepEqual(matching('[ip, user, username, timestamp, request, status_code = 200, bytes]', lines), [
      lines[0],
    ]);
    assert.deepEqual(matching('[ip, user, username, timestamp, request, status_code = 4*, bytes]', lines), [
      lines[1],
    ]);
    assert.deepEqual(
      matching('[ip, user, username, timestamp, request = *html*, status_code = 4*, bytes]', lines),
      [lines[1]],
    );
    assert.deepEqual(matching('[..., status_code = 5* || status_code = 4*, bytes]', lines), lines.slice(1));
    assert.deepEqual(matching('[ip, user, ..., status_code = 4* && status_code != 403, bytes]', lines), [
      lines[1],
    ]);
    assert.deepEqual(matching('[..., request=*.html*, status_code=4*,]', lines), [lines[1]]);
  });

  test('an empty field is an unnamed field', () => {
    assert.deepEqual(matching('[a, , b]', ['x y z', 'x y']), ['x y z']);
  });

  test('without ... the field count must match', () => {
    assert.deepEqual(matching('[ip, user]', lines), []);
    assert.deepEqual(matching('[w1=ERROR, w2]', ['ERROR message', 'WARN message', 'ERROR two words']), [
      'ERROR message',
    ]);
    assert.deepEqual(
      matching('[w1=ERROR || w1=WARN, w2]', ['ERROR message', 'WARN message', 'INFO message']),
      ['ERROR message', 'WARN message'],
    );
  });

  test('malformed delimited patterns are refused', () => {
    for (const pattern of ['[..., ...]', '[a = ]', '[a, b', '[a, b = 1 && c = 2]'])
      assert.throws(() => compileFilterPattern(pattern), FilterPatternError, pattern);
  });
});

// Choice rules: every comparison operator and its Path variant, the type tests, And / Or / Not,
// StringMatches' wildcards and escapes, Default and States.NoChoiceMatched, and JSONata Condition.
// Rows follow the AWS documentation's "Choice workflow state" examples.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { evaluateRule, parseTimestamp, stringMatches } from './choice.ts';
import { context, env, single } from './helpers.test.ts';
import { enter, type Json, type JsonObject, StatesError } from './index.ts';

const INPUT: Json = {
  type: 'Private',
  value: 22,
  zero: 0,
  big: 1000,
  flag: true,
  off: false,
  nothing: null,
  name: 'log-2020.txt',
  when: '2016-08-18T17:33:00Z',
  later: '2016-08-18T17:33:01.5+00:00',
  other: 'Private',
  twentyTwo: 22,
  not_a_time: '2016-08-18 17:33:00',
  list: [1, 2],
};
const ok = (rule: JsonObject) => evaluateRule(rule, { input: INPUT });

describe('comparison operators', () => {
  const rows: [JsonObject, boolean][] = [
    [{ Variable: '$.type', StringEquals: 'Private' }, true],
    [{ Variable: '$.type', StringEquals: 'Public' }, false],
    [{ Variable: '$.value', StringEquals: '22' }, false],
    [{ Variable: '$.type', StringLessThan: 'Q' }, true],
    [{ Variable: '$.type', StringGreaterThan: 'Q' }, false],
    [{ Variable: '$.type', StringLessThanEquals: 'Private' }, true],
    [{ Variable: '$.type', StringGreaterThanEquals: 'Privatf' }, false],
    [{ Variable: '$.type', StringEqualsPath: '$.other' }, true],
    [{ Variable: '$.type', StringLessThanPath: '$.other' }, false],
    [{ Variable: '$.value', NumericEquals: 22 }, true],
    [{ Variable: '$.value', NumericEquals: 22.0 }, true],
    [{ Variable: '$.type', NumericEquals: 22 }, false],
    [{ Variable: '$.value', NumericLessThan: 22 }, false],
    [{ Variable: '$.value', NumericLessThanEquals: 22 }, true],
    [{ Variable: '$.value', NumericGreaterThan: 20 }, true],
    [{ Variable: '$.value', NumericGreaterThanEquals: 23 }, false],
    [{ Variable: '$.value', NumericEqualsPath: '$.twentyTwo' }, true],
    [{ Variable: '$.value', NumericLessThanPath: '$.big' }, true],
    [{ Variable: '$.value', NumericGreaterThanPath: '$.zero' }, true],
    [{ Variable: '$.value', NumericGreaterThanEqualsPath: '$.big' }, false],
    [{ Variable: '$.value', NumericLessThanEqualsPath: '$.twentyTwo' }, true],
    [{ Variable: '$.flag', BooleanEquals: true }, true],
    [{ Variable: '$.off', BooleanEquals: true }, false],
    [{ Variable: '$.flag', BooleanEqualsPath: '$.off' }, false],
    [{ Variable: '$.when', TimestampEquals: '2016-08-18T17:33:00Z' }, true],
    [{ Variable: '$.when', TimestampEquals: '2016-08-18T19:33:00+02:00' }, true],
    [{ Variable: '$.when', TimestampLessThan: '2016-08-18T17:33:01Z' }, true],
    [{ Variable: '$.when', TimestampGreaterThan: '2016-08-18T17:33:01Z' }, false],
    [{ Variable: '$.when', TimestampLessThanEquals: '2016-08-18T17:33:00Z' }, true],
    [{ Variable: '$.when', TimestampGreaterThanEquals: '2016-08-18T17:33:00.001Z' }, false],
    [{ Variable: '$.when', TimestampLessThanPath: '$.later' }, true],
    [{ Variable: '$.later', TimestampGreaterThanPath: '$.when' }, true],
    [{ Variable: '$.when', TimestampEqualsPath: '$.when' }, true],
    [{ Variable: '$.not_a_time', TimestampEquals: '2016-08-18T17:33:00Z' }, false],
    [{ Variable: '$.name', StringMatches: 'log-*.txt' }, true],
    [{ Variable: '$.name', StringMatches: '*.log' }, false],
    [{ Variable: '$.name', StringMatches: 'log-2020.txt' }, true],
    [{ Variable: '$.name', StringMatches: '*' }, true],
    [{ Variable: '$.value', StringMatches: '*' }, false],
  ];
  for (const [rule, expected] of rows)
    test(JSON.stringify(rule), () => {
      assert.equal(ok(rule), expected);
    });
});

describe('type tests', () => {
  const rows: [JsonObject, boolean][] = [
    [{ Variable: '$.nothing', IsNull: true }, true],
    [{ Variable: '$.value', IsNull: true }, false],
    [{ Variable: '$.value', IsNull: false }, true],
    [{ Variable: '$.value', IsPresent: true }, true],
    [{ Variable: '$.absent', IsPresent: true }, false],
    [{ Variable: '$.absent', IsPresent: false }, true],
    [{ Variable: '$.nothing', IsPresent: true }, true],
    [{ Variable: '$.value', IsNumeric: true }, true],
    [{ Variable: '$.type', IsNumeric: true }, false],
    [{ Variable: '$.type', IsString: true }, true],
    [{ Variable: '$.list', IsString: false }, true],
    [{ Variable: '$.flag', IsBoolean: true }, true],
    [{ Variable: '$.nothing', IsBoolean: true }, false],
    [{ Variable: '$.when', IsTimestamp: true }, true],
    [{ Variable: '$.not_a_time', IsTimestamp: true }, false],
    [{ Variable: '$.type', IsTimestamp: false }, true],
  ];
  for (const [rule, expected] of rows)
    test(JSON.stringify(rule), () => {
      assert.equal(ok(rule), expected);
    });
});

describe('And, Or, Not', () => {
  test('And (documentation example: value between 20 and 30)', () => {
    const rule: JsonObject = {
      And: [
        { Variable: '$.value', NumericGreaterThanEquals: 20 },
        { Variable: '$.value', NumericLessThan: 30 },
      ],
    };
    assert.equal(ok(rule), true);
  });
  test('Not (documentation example: type is not Private)', () => {
    assert.equal(ok({ Not: { Variable: '$.type', StringEquals: 'Private' } }), false);
  });
  test('Or', () => {
    assert.equal(
      ok({
        Or: [
          { Variable: '$.type', StringEquals: 'x' },
          { Variable: '$.flag', BooleanEquals: true },
        ],
      }),
      true,
    );
    assert.equal(
      ok({
        Or: [
          { Variable: '$.type', StringEquals: 'x' },
          { Variable: '$.off', BooleanEquals: true },
        ],
      }),
      false,
    );
  });
  test('nested', () => {
    assert.equal(
      ok({
        Not: {
          And: [
            { Variable: '$.flag', BooleanEquals: true },
            { Not: { Variable: '$.value', NumericEquals: 1 } },
          ],
        },
      }),
      false,
    );
  });
  test('IsPresent guards a missing field inside And', () => {
    assert.equal(
      ok({
        And: [
          { Variable: '$.absent', IsPresent: true },
          { Variable: '$.absent', NumericEquals: 1 },
        ],
      }),
      false,
    );
  });
});

describe('StringMatches escapes and timestamps', () => {
  test('\\* is a literal star, \\\\ a literal backslash', () => {
    assert.ok(stringMatches('a*b', 'a\\*b'));
    assert.ok(!stringMatches('axb', 'a\\*b'));
    assert.ok(stringMatches('a\\b', 'a\\\\b'));
    assert.ok(stringMatches('a.b', 'a.b'));
    assert.ok(!stringMatches('axb', 'a.b'));
    assert.ok(stringMatches('', '*'));
    assert.ok(stringMatches('multi\nline', 'multi*'));
  });
  test('timestamps need an uppercase T and Z', () => {
    assert.ok(parseTimestamp('2016-08-18T17:33:00Z') !== undefined);
    assert.equal(parseTimestamp('2016-08-18t17:33:00z'), undefined);
    assert.equal(parseTimestamp('2016-08-18T17:33:00'), undefined);
    assert.equal(parseTimestamp('2016-13-18T17:33:00Z'), undefined);
    assert.ok(parseTimestamp('2016-08-18T17:33:00.123456-07:00') !== undefined);
  });
});

describe('the Choice state', () => {
  const choice = {
    Type: 'Choice',
    Choices: [
      { Variable: '$.value', NumericEquals: 0, Next: 'Zero' },
      { Variable: '$.value', NumericLessThan: 0, Next: 'Negative' },
    ],
    Default: 'Positive',
  };
  test('the first matching rule wins', async () => {
    const a = await enter(single(choice), 'A', { value: 0 }, context(), {}, env());
    assert.deepEqual(a, { kind: 'next', next: 'Zero', output: { value: 0 }, vars: {} });
    const b = await enter(single(choice), 'A', { value: -4 }, context(), {}, env());
    assert.equal(b.kind === 'next' && b.next, 'Negative');
  });
  test('Default when nothing matches', async () => {
    const a = await enter(single(choice), 'A', { value: 9 }, context(), {}, env());
    assert.equal(a.kind === 'next' && a.next, 'Positive');
  });
  test('States.NoChoiceMatched without Default', async () => {
    const { Default: _, ...noDefault } = choice;
    await assert.rejects(
      enter(single(noDefault), 'A', { value: 9 }, context(), {}, env()),
      (e: unknown) => e instanceof StatesError && e.error === 'States.NoChoiceMatched',
    );
  });
  test('a missing Variable is States.Runtime with AWS wording', async () => {
    await assert.rejects(
      enter(single(choice), 'A', {}, context(), {}, env()),
      (e: unknown) =>
        e instanceof StatesError &&
        e.error === 'States.Runtime' &&
        e.cause === "Invalid path '$.value': The choice state's condition path references an invalid value.",
    );
  });
  test('InputPath and OutputPath apply', async () => {
    const m = single({ ...choice, InputPath: '$.in', OutputPath: '$.keep' });
    const a = await enter(m, 'A', { in: { value: 0, keep: 'k' } }, context(), {}, env());
    assert.deepEqual(a, { kind: 'next', next: 'Zero', output: 'k', vars: {} });
  });
  test('a rule Assign sets variables (JSONPath)', async () => {
    const m = single({
      Type: 'Choice',
      Choices: [{ Variable: '$.v', IsPresent: true, Assign: { 'seen.$': '$.v' }, Next: 'B' }],
      Default: 'B',
    });
    const a = await enter(m, 'A', { v: 3 }, context(), { old: 1 }, env());
    assert.deepEqual(a.kind === 'next' && a.vars, { old: 1, seen: 3 });
  });
  test('variables in Variable paths', async () => {
    const m = single({
      Type: 'Choice',
      Choices: [{ Variable: '$limit', NumericGreaterThan: 5, Next: 'Big' }],
      Default: 'Small',
    });
    const a = await enter(m, 'A', {}, context(), { limit: 10 }, env());
    assert.equal(a.kind === 'next' && a.next, 'Big');
  });
  test('JSONata Condition with Output and Assign on the rule', async () => {
    const m = single(
      {
        Type: 'Choice',
        Choices: [
          {
            Condition: '{% $states.input.n > 3 %}',
            Output: { big: '{% $states.input.n %}' },
            Assign: { last: '{% $states.input.n %}' },
            Next: 'Big',
          },
        ],
        Default: 'Small',
      },
      { QueryLanguage: 'JSONata' },
    );
    assert.deepEqual(await enter(m, 'A', { n: 5 }, context(), {}, env()), {
      kind: 'next',
      next: 'Big',
      output: { big: 5 },
      vars: { last: 5 },
    });
    const b = await enter(m, 'A', { n: 1 }, context(), {}, env());
    assert.deepEqual(b, { kind: 'next', next: 'Small', output: { n: 1 }, vars: {} });
  });
  test('JSONata Condition that is not a boolean: States.QueryEvaluationError', async () => {
    const m = single(
      { Type: 'Choice', Choices: [{ Condition: '{% $states.input.n %}', Next: 'B' }] },
      { QueryLanguage: 'JSONata' },
    );
    await assert.rejects(
      enter(m, 'A', { n: 5 }, context(), {}, env()),
      (e: unknown) => e instanceof StatesError && e.error === 'States.QueryEvaluationError',
    );
  });
});

describe('Choice: state-level Output and Assign apply only to the Default transition', () => {
  const def = {
    Type: 'Choice',
    Choices: [{ Condition: '{% $states.input.n > 3 %}', Next: 'Big' }],
    Default: 'Small',
    Output: { fromDefault: true },
    Assign: { path: 'default' },
  };
  test('a matching rule without Output passes the input on', async () => {
    const m = single(def, { QueryLanguage: 'JSONata' });
    assert.deepEqual(await enter(m, 'A', { n: 5 }, context(), {}, env()), {
      kind: 'next',
      next: 'Big',
      output: { n: 5 },
      vars: {},
    });
  });
  test('the Default transition uses them', async () => {
    const m = single(def, { QueryLanguage: 'JSONata' });
    assert.deepEqual(await enter(m, 'A', { n: 1 }, context(), {}, env()), {
      kind: 'next',
      next: 'Small',
      output: { fromDefault: true },
      vars: { path: 'default' },
    });
  });
});

// Property tests: on random patterns and events, the compiled index (from JSON text and from parsed
// values, with rules added and removed at run time) agrees with the reference matcher.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { PatternSet } from './index.ts';
import { type Json, referenceMatches } from './reference.ts';

// 'a.b' is the field b of a wherever it is written: in the pattern or in the event.
const KEYS = ['a', 'b', 'c', 'a.b'];
const STRINGS = [
  '',
  'a',
  'ab',
  'ba',
  'Ab',
  'AB',
  'abc',
  'cab',
  'x.png',
  'X.PNG',
  '10.0.0.1',
  '10.0.1.5',
  '192.168.1.1',
];
const NUMBERS = [0, 1, -1, 2.5, 300, 3.0e2, -3, 1000, 0.000001];

const scalar: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom(...STRINGS),
  fc.constantFrom(...NUMBERS),
  fc.boolean(),
  fc.constant(null),
);

const event: fc.Arbitrary<Json> = fc.letrec<{ value: Json; object: Record<string, Json> }>((tie) => ({
  value: fc.oneof(
    { maxDepth: 3 },
    scalar,
    scalar,
    fc.array(fc.oneof(scalar, tie('object')), { maxLength: 3 }),
    tie('object'),
  ),
  object: fc.dictionary(fc.constantFrom(...KEYS), tie('value'), { maxKeys: 3 }),
})).object;

const text = fc.constantFrom(...STRINGS.filter((item) => item !== ''));
const condition: fc.Arbitrary<Json> = fc.oneof(
  scalar,
  text.map((value) => ({ prefix: value })),
  text.map((value) => ({ suffix: value })),
  text.map((value) => ({ prefix: { 'equals-ignore-case': value } })),
  text.map((value) => ({ suffix: { 'equals-ignore-case': value } })),
  text.map((value) => ({ 'equals-ignore-case': value })),
  fc.constantFrom('a*', '*b', 'a*b', '*a*', '*', '1*.1', '*.png', 'ab').map((value) => ({ wildcard: value })),
  fc.constantFrom(...STRINGS).map((value) => ({ 'anything-but': value })),
  fc.constantFrom(...NUMBERS).map((value) => ({ 'anything-but': value })),
  fc
    .uniqueArray(fc.constantFrom(...STRINGS), { minLength: 1, maxLength: 3 })
    .map((values) => ({ 'anything-but': values })),
  fc
    .uniqueArray(fc.constantFrom(...NUMBERS), { minLength: 1, maxLength: 3 })
    .map((values) => ({ 'anything-but': values })),
  text.map((value) => ({ 'anything-but': { prefix: value } })),
  text.map((value) => ({ 'anything-but': { suffix: value } })),
  fc
    .uniqueArray(text, { minLength: 1, maxLength: 3 })
    .map((values) => ({ 'anything-but': { [values.length % 2 ? 'prefix' : 'suffix']: values } })),
  text.map((value) => ({ 'anything-but': { 'equals-ignore-case': value } })),
  fc.constantFrom('a*', '*b', '*.png').map((value) => ({ 'anything-but': { wildcard: value } })),
  fc.constantFrom(...NUMBERS).map((value) => ({ numeric: ['=', value] })),
  fc
    .constantFrom('<', '<=', '>', '>=')
    .chain((operator) => fc.constantFrom(...NUMBERS).map((value) => ({ numeric: [operator, value] }))),
  fc
    .tuple(
      fc.constantFrom('>', '>='),
      fc.constantFrom('<', '<='),
      fc.constantFrom(-5, 0, 1),
      fc.constantFrom(2, 300, 1000),
    )
    .map(([lower, upper, low, high]) => ({ numeric: [lower, low, upper, high] })),
  fc.boolean().map((exists) => ({ exists })),
  fc.constantFrom('10.0.0.0/24', '10.0.0.0/8', '192.168.0.0/16', '10.0.1.5/32').map((cidr) => ({ cidr })),
);

type PatternObject = { [key: string]: Json };

const conditions = fc.array(condition, { minLength: 1, maxLength: 3 });
const leaves = fc.dictionary(fc.constantFrom(...KEYS), conditions, { minKeys: 1, maxKeys: 2 });
const level = fc.dictionary(fc.constantFrom(...KEYS), fc.oneof(conditions, leaves), {
  minKeys: 1,
  maxKeys: 2,
});
const pattern: fc.Arbitrary<PatternObject> = fc
  .tuple(level, fc.option(fc.tuple(level, level), { freq: 3 }))
  .map(([fields, alternatives]): PatternObject => {
    if (alternatives === null) return fields;
    return { ...fields, $or: alternatives };
  });

test('the compiled index agrees with the reference matcher', () => {
  fc.assert(
    fc.property(
      fc.array(pattern, { minLength: 1, maxLength: 6 }),
      fc.array(event, { maxLength: 5 }),
      (patterns, events) => {
        const set = new PatternSet();
        for (const [index, item] of patterns.entries()) set.add(`p${index}`, JSON.stringify(item));
        // Rules come and go at run time: remove one and put it back under another id.
        set.remove('p0');
        set.add('again', JSON.stringify(patterns[0]));
        const ids = ['again', ...patterns.slice(1).map((_, index) => `p${index + 1}`)];
        for (const item of events) {
          const expected = ids.filter((_, index) => referenceMatches(patterns[index]!, item)).sort();
          assert.deepEqual(set.matches(JSON.stringify(item)).sort(), expected, JSON.stringify(item));
          assert.deepEqual(set.matchesValue(item).sort(), expected);
          assert.deepEqual(set.matches(JSON.stringify(item, null, 2)).sort(), expected);
        }
      },
    ),
    { numRuns: 400 },
  );
});

test('numbers meet by value whatever their spelling', () => {
  fc.assert(
    fc.property(fc.integer({ min: -1000, max: 1000 }), (value) => {
      const set = new PatternSet();
      set.add('n', JSON.stringify({ n: [value] }));
      const spellings = [String(value), `${value}.0`, `${value}e0`, `${value * 10}E-1`];
      for (const spelling of spellings) assert.deepEqual(set.matches(`{"n": ${spelling}}`), ['n'], spelling);
    }),
  );
});

// The intrinsic functions, from the examples of the AWS documentation's "Intrinsic functions for
// JSONPath states" page, plus their parser (escapes, nesting) and their failures.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { StatesError } from './errors.ts';
import { evaluateCall, parseCall } from './intrinsics.ts';
import type { Json } from './types.ts';

const run = (text: string, input: Json = {}, random = () => 0.5, vars: Record<string, Json> = {}): Json =>
  evaluateCall(parseCall(text), { input, context: { Execution: { Name: 'e1' } }, vars, random });

const fails = (text: string, input: Json = {}, error = 'States.IntrinsicFailure') =>
  assert.throws(
    () => run(text, input),
    (e: unknown) => e instanceof StatesError && e.error === error,
  );

const NINE = { inputArray: [1, 2, 3, 4, 5, 6, 7, 8, 9] };

describe('documentation examples', () => {
  const rows: [string, Json, Json][] = [
    ["States.Format('Hello, my name is {}.', $.name)", { name: 'Arnav' }, 'Hello, my name is Arnav.'],
    ["States.Format('{} {}', $.a, $.b)", { a: 1, b: true }, '1 true'],
    ["States.Format('x={}', $.n)", { n: null }, 'x=null'],
    ['States.StringToJson($.escapedJsonString)', { escapedJsonString: '{"foo": "bar"}' }, { foo: 'bar' }],
    ['States.JsonToString($.unescapedJson)', { unescapedJson: { foo: 'bar' } }, '{"foo":"bar"}'],
    [
      "States.Array('Foo', 2020, $.someJson, null)",
      { someJson: { random: 'abcdefghij' } },
      ['Foo', 2020, { random: 'abcdefghij' }, null],
    ],
    ['States.Array()', {}, []],
    ['States.ArrayPartition($.inputArray,4)', NINE, [[1, 2, 3, 4], [5, 6, 7, 8], [9]]],
    ['States.ArrayContains($.inputArray, $.lookingFor)', { ...NINE, lookingFor: 5 }, true],
    ['States.ArrayContains($.inputArray, 42)', NINE, false],
    ['States.ArrayContains($.a, $.o)', { a: [{ x: 1 }], o: { x: 1 } }, true],
    ['States.ArrayRange(1, 9, 2)', {}, [1, 3, 5, 7, 9]],
    ['States.ArrayRange(10, 0, -5)', {}, [10, 5, 0]],
    ['States.ArrayGetItem($.inputArray, $.index)', { ...NINE, index: 5 }, 6],
    ['States.ArrayLength($.inputArray)', NINE, 9],
    ['States.ArrayUnique($.inputArray)', { inputArray: [1, 2, 3, 3, 3, 3, 3, 3, 4] }, [1, 2, 3, 4]],
    ['States.Base64Encode($.input)', { input: 'Data to encode' }, 'RGF0YSB0byBlbmNvZGU='],
    ['States.Base64Decode($.base64)', { base64: 'RGF0YSB0byBlbmNvZGU=' }, 'Data to encode'],
    [
      'States.Hash($.Data, $.Algorithm)',
      { Data: 'input data', Algorithm: 'SHA-1' },
      'aaff4a450a104cd177d28d18d74485e8cae074b7',
    ],
    ["States.Hash('input data', 'MD5')", {}, '812f45842bc6d66ee14572ce20db8e86'],
    [
      "States.Hash('input data', 'SHA-256')",
      {},
      'b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3',
    ],
    [
      'States.JsonMerge($.json1, $.json2, false)',
      { json1: { a: { a1: 1, a2: 2 }, b: 2 }, json2: { a: { a3: 1, a4: 2 }, c: 3 } },
      { a: { a3: 1, a4: 2 }, b: 2, c: 3 },
    ],
    ['States.MathAdd($.value1, $.step)', { value1: 111, step: -1 }, 110],
    [
      'States.StringSplit($.inputString, $.splitter)',
      { inputString: '1,2,3,4,5', splitter: ',' },
      ['1', '2', '3', '4', '5'],
    ],
    [
      'States.StringSplit($.inputString, $.splitter)',
      { inputString: 'This.is+a,test=string', splitter: '.+,=' },
      ['This', 'is', 'a', 'test', 'string'],
    ],
  ];
  for (const [text, input, expected] of rows)
    test(text, () => {
      assert.deepEqual(run(text, input), expected);
    });
  test('States.Hash SHA-384 and SHA-512 have 96 and 128 hex digits', () => {
    assert.equal((run("States.Hash('x', 'SHA-384')") as string).length, 96);
    assert.equal((run("States.Hash('x', 'SHA-512')") as string).length, 128);
  });
  test('States.MathRandom($.start, $.end) stays in [start, end)', () => {
    assert.equal(
      run('States.MathRandom($.start, $.end)', { start: 1, end: 999 }, () => 0),
      1,
    );
    assert.equal(
      run('States.MathRandom($.start, $.end)', { start: 1, end: 999 }, () => 0.999999),
      998,
    );
  });
  test('States.MathRandom with a seed is deterministic', () => {
    const a = run('States.MathRandom(1, 1000, 42)', {}, () => 0);
    const b = run('States.MathRandom(1, 1000, 42)', {}, () => 0.9);
    assert.equal(a, b);
  });
  test('States.UUID is a version-4 UUID from the random source', () => {
    const u = run('States.UUID()') as string;
    assert.match(u, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(
      run('States.UUID()', {}, () => 0),
      '00000000-0000-4000-8000-000000000000',
    );
  });
});

describe('parser', () => {
  test('escaped quote, braces and backslash in strings', () => {
    assert.equal(run("States.Format('It\\'s {}', $.x)", { x: 'ok' }), "It's ok");
    assert.equal(run("States.Format('\\{\\} is {}', $.x)", { x: 'literal' }), '{} is literal');
    assert.equal(run("States.Format('a\\\\b {}', 1)"), 'a\\b 1');
  });
  test('nested calls', () => {
    assert.equal(run("States.ArrayLength(States.StringSplit('a b c', ' '))"), 3);
    assert.deepEqual(run("States.Array(States.Format('{}-{}', 1, 2), States.MathAdd(1, 2))"), ['1-2', 3]);
    assert.equal(run('States.JsonToString(States.StringToJson(\'{"a":[1,2]}\'))'), '{"a":[1,2]}');
  });
  test('context and variable paths as arguments', () => {
    assert.equal(run("States.Format('{}', $$.Execution.Name)"), 'e1');
    assert.equal(
      run("States.Format('{}', $count)", {}, () => 0.5, { count: 3 }),
      '3',
    );
  });
  test('paths with brackets and commas', () => {
    assert.equal(run("States.Format('{}', $['a,b'])", { 'a,b': 'comma' }), 'comma');
    assert.equal(run('States.ArrayGetItem($.a[0:2], 1)', { a: [7, 8, 9] }), 8);
  });
  test('numbers, negative numbers, booleans and null', () => {
    assert.deepEqual(run('States.Array(-1, 2.5, true, false, null)'), [-1, 2.5, true, false, null]);
  });
  test('whitespace is allowed between arguments', () => {
    assert.equal(run('States.MathAdd(  1 ,2  )'), 3);
  });
  for (const bad of [
    'States.Nope(1)',
    "States.Format('unterminated)",
    'States.ArrayLength()',
    'States.UUID(1)',
    'States.MathAdd(1, 2',
    'States.MathAdd(1, 2) extra',
    'States.Array(foo)',
  ])
    test(`rejects ${bad}`, () => {
      assert.throws(() => parseCall(bad));
    });
});

describe('failures', () => {
  test('a path argument that is missing is States.Runtime with AWS wording', () => {
    assert.throws(
      () => run("States.Format('{}', $.nope)", { other: 1 }),
      (e: unknown) =>
        e instanceof StatesError &&
        e.error === 'States.Runtime' &&
        e.cause ===
          "The function 'States.Format('{}', $.nope)' had the following error: The JsonPath argument for the field '$.nope' could not be found in the input '{\"other\":1}'",
    );
  });
  test('placeholders and arguments must match', () => fails("States.Format('{} {}', 1)"));
  test('Format does not take objects', () => fails("States.Format('{}', $.o)", { o: { a: 1 } }));
  test('StringToJson of bad JSON', () => fails("States.StringToJson('{nope')"));
  test('ArrayGetItem out of bounds', () => fails('States.ArrayGetItem($.a, 3)', { a: [1, 2, 3] }));
  test('ArrayPartition of a non-array', () => fails('States.ArrayPartition($.a, 2)', { a: 'x' }));
  test('ArrayPartition with size 0', () => fails('States.ArrayPartition($.a, 0)', { a: [1] }));
  test('ArrayRange with more than 1000 items', () => fails('States.ArrayRange(0, 1000, 1)'));
  test('ArrayRange with step 0', () => fails('States.ArrayRange(0, 10, 0)'));
  test('ArrayRange with non-integers', () => fails('States.ArrayRange(0.5, 10, 1)'));
  test('Base64Decode of bad input', () => fails("States.Base64Decode('***')"));
  test('Base64Encode over 10000 characters', () =>
    fails('States.Base64Encode($.s)', { s: 'x'.repeat(10001) }));
  test('Hash with an unknown algorithm', () => fails("States.Hash('x', 'SHA-3')"));
  test('JsonMerge deep is not supported', () => fails('States.JsonMerge($.a, $.b, true)', { a: {}, b: {} }));
  test('JsonMerge of a non-object', () => fails('States.JsonMerge($.a, $.b, false)', { a: [], b: {} }));
  test('MathRandom with end <= start', () => fails('States.MathRandom(5, 5)'));
  test('MathAdd of a string', () => fails("States.MathAdd('1', 2)"));
  test('StringSplit of a number', () => fails('States.StringSplit(5, 1)'));
});

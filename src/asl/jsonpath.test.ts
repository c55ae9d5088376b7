// JSONPath data flow, from the AWS documentation's worked examples: "InputPath, Parameters and
// ResultSelector", "Specifying state output using ResultPath", "Filtering state output using
// OutputPath", "Paths" and the context object; and the States.Runtime texts when a path finds nothing.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { context, env, single } from './helpers.test.ts';
import { complete, enter, type Json, StatesError } from './index.ts';
import { applyResultPath, evaluatePath, isReferencePath, isValidPath, selectPath } from './jsonpath.ts';

const RESULTPATH_INPUT = {
  comment: 'This is a test of the input and output of a Task state.',
  details: 'Default example',
  who: 'AWS Step Functions',
};
const TASK = { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:HelloFunction' };

async function taskOutput(state: Record<string, unknown>, input: Json, result: Json): Promise<Json> {
  const m = single({ ...TASK, ...state });
  return (await complete(m, 'A', input, result, context(), {}, env())).output;
}

describe('ResultPath (the documentation examples)', () => {
  test('$ (the default): the result is the output', async () => {
    assert.deepEqual(
      await taskOutput({}, RESULTPATH_INPUT, 'Hello, AWS Step Functions!'),
      'Hello, AWS Step Functions!',
    );
    assert.deepEqual(
      await taskOutput({ ResultPath: '$' }, RESULTPATH_INPUT, 'Hello, AWS Step Functions!'),
      'Hello, AWS Step Functions!',
    );
  });
  test('null discards the result and keeps the input', async () => {
    assert.deepEqual(await taskOutput({ ResultPath: null }, RESULTPATH_INPUT, 'Hello'), RESULTPATH_INPUT);
  });
  test('$.taskresult adds the result to the input', async () => {
    assert.deepEqual(
      await taskOutput({ ResultPath: '$.taskresult' }, RESULTPATH_INPUT, 'Hello, AWS Step Functions!'),
      {
        ...RESULTPATH_INPUT,
        taskresult: 'Hello, AWS Step Functions!',
      },
    );
  });
  test('$.strings.lambdaresult adds into a nested object', async () => {
    const input = {
      comment: 'An input comment.',
      data: { val1: 23, val2: 17 },
      extra: 'foo',
      lambda: { who: 'AWS Step Functions' },
    };
    const withStrings = { ...input, strings: { string1: 'foo', string2: 'bar' } };
    assert.deepEqual(await taskOutput({ ResultPath: '$.strings.lambdaresult' }, withStrings, 'Hello'), {
      ...input,
      strings: { string1: 'foo', string2: 'bar', lambdaresult: 'Hello' },
    });
  });
  test('paths that do not exist yet create the objects on the way', () => {
    assert.deepEqual(applyResultPath({ a: 1 }, '$.b.c.d', 5), { a: 1, b: { c: { d: 5 } } });
    assert.deepEqual(applyResultPath({}, "$['x y']", true), { 'x y': true });
  });
  test('an existing field is replaced', () => {
    assert.deepEqual(applyResultPath({ a: { b: 1, c: 2 } }, '$.a.b', 9), { a: { b: 9, c: 2 } });
  });
  test('array indexes that exist', () => {
    assert.deepEqual(applyResultPath({ a: [1, 2, 3] }, '$.a[1]', 'x'), { a: [1, 'x', 3] });
  });
  test('the input is not changed in place', () => {
    const input = { a: { b: 1 } };
    applyResultPath(input, '$.a.c', 2);
    assert.deepEqual(input, { a: { b: 1 } });
  });
  test('into a string field: States.Runtime', () => {
    assert.throws(
      () => applyResultPath({ a: 'text' }, '$.a.b', 1),
      (e: unknown) =>
        e instanceof StatesError &&
        e.error === 'States.Runtime' &&
        /Unable to apply ReferencePath \$\.a\.b/.test(e.cause),
    );
  });
  test('into a non-object input: States.Runtime', () => {
    assert.throws(() => applyResultPath('a string', '$.x', 1), StatesError);
  });
  test('the error output of a Catch goes through ResultPath', () => {
    assert.deepEqual(applyResultPath({ a: 1 }, '$.error', { Error: 'X', Cause: 'y' }), {
      a: 1,
      error: { Error: 'X', Cause: 'y' },
    });
  });
});

describe('InputPath, Parameters, ResultSelector, OutputPath', () => {
  const INPUTPATH_INPUT = {
    comment: 'Example for InputPath.',
    dataset1: { val1: 1, val2: 2, val3: 3 },
    dataset2: { val1: 'a', val2: 'b', val3: 'c' },
  };
  test('InputPath $.dataset2 selects the object', async () => {
    const a = await enter(
      single({ ...TASK, InputPath: '$.dataset2' }),
      'A',
      INPUTPATH_INPUT,
      context(),
      {},
      env(),
    );
    assert.equal(a.kind, 'task');
    assert.deepEqual(a.kind === 'task' && a.parameters, { val1: 'a', val2: 'b', val3: 'c' });
  });
  test('a path can yield a selection: $.a[0:2]', () => {
    assert.deepEqual(selectPath('$.a[0:2]', { input: { a: [1, 2, 3, 4] } }), [1, 2]);
  });
  test('Parameters with paths, the context object and an intrinsic (documentation example)', async () => {
    const state = {
      ...TASK,
      Parameters: {
        flagged: true,
        parts: { 'first.$': '$.vals[0]', 'last3.$': '$.vals[-3:]' },
        'weekday.$': '$$.DayOfWeek',
        'formattedOutput.$': "States.Format('Today is {}', $$.DayOfWeek)",
      },
    };
    const ctx = { ...context(), DayOfWeek: 'TUESDAY' };
    const a = await enter(single(state), 'A', { flagged: 7, vals: [0, 10, 20, 30, 40, 50] }, ctx, {}, env());
    assert.deepEqual(a.kind === 'task' && a.parameters, {
      flagged: true,
      parts: { first: 0, last3: [30, 40, 50] },
      weekday: 'TUESDAY',
      formattedOutput: 'Today is TUESDAY',
    });
  });
  test('Parameters: static values, nested objects and arrays stay as written', async () => {
    const a = await enter(
      single({ ...TASK, Parameters: { a: [1, { 'b.$': '$.x' }], c: { d: null } } }),
      'A',
      { x: 5 },
      context(),
      {},
      env(),
    );
    assert.deepEqual(a.kind === 'task' && a.parameters, { a: [1, { b: 5 }], c: { d: null } });
  });
  test('Parameters: the task token from $$.Task.Token', async () => {
    const ctx = { ...context(), Task: { Token: 'tok-123' } };
    const a = await enter(
      single({ ...TASK, Parameters: { 'TaskToken.$': '$$.Task.Token' } }),
      'A',
      {},
      ctx,
      {},
      env(),
    );
    assert.deepEqual(a.kind === 'task' && a.parameters, { TaskToken: 'tok-123' });
  });
  test('Parameters: a missing path is States.Runtime with AWS wording', async () => {
    await assert.rejects(
      enter(
        single({ ...TASK, Parameters: { 'missing.$': '$.nope.deep' } }),
        'A',
        { other: 1 },
        context(),
        {},
        env(),
      ),
      (e: unknown) =>
        e instanceof StatesError &&
        e.error === 'States.Runtime' &&
        e.cause ===
          `The JSONPath '$.nope.deep' specified for the field 'missing.$' could not be found in the input '{"other":1}'`,
    );
  });
  test('ResultSelector picks from the raw result (documentation EMR example)', async () => {
    const result = {
      resourceType: 'elasticmapreduce',
      resource: 'createCluster.sync',
      output: {
        SdkHttpMetadata: { HttpHeaders: {}, HttpStatusCode: 200 },
        SdkResponseMetadata: { RequestId: '1234' },
        ClusterId: 'AKIAIOSFODNN7EXAMPLE',
      },
    };
    const out = await taskOutput(
      {
        ResultSelector: { 'ClusterId.$': '$.output.ClusterId', 'ResourceType.$': '$.resourceType' },
        ResultPath: '$.EMROutput',
      },
      { a: 1 },
      result,
    );
    assert.deepEqual(out, {
      a: 1,
      EMROutput: { ClusterId: 'AKIAIOSFODNN7EXAMPLE', ResourceType: 'elasticmapreduce' },
    });
  });
  test('OutputPath $.Payload (Lambda integration)', async () => {
    assert.deepEqual(
      await taskOutput({ OutputPath: '$.Payload' }, {}, { StatusCode: 200, Payload: { ok: true } }),
      { ok: true },
    );
  });
  test('OutputPath after ResultPath', async () => {
    assert.deepEqual(await taskOutput({ ResultPath: '$.r', OutputPath: '$.r.v' }, { k: 1 }, { v: 'x' }), 'x');
  });
  test('InputPath null gives {} and OutputPath null gives {}', async () => {
    const a = await enter(single({ ...TASK, InputPath: null }), 'A', { x: 1 }, context(), {}, env());
    assert.deepEqual(a.kind === 'task' && a.parameters, {});
    assert.deepEqual(await taskOutput({ OutputPath: null }, { x: 1 }, { y: 2 }), {});
  });
  test('InputPath that finds nothing: Invalid path', async () => {
    await assert.rejects(
      enter(single({ ...TASK, InputPath: '$.a.b' }), 'A', { a: {} }, context(), {}, env()),
      (e: unknown) =>
        e instanceof StatesError && e.cause === "Invalid path '$.a.b' : No results for path: $['a']['b']",
    );
  });
  test('OutputPath that finds nothing: Invalid path', async () => {
    await assert.rejects(
      taskOutput({ OutputPath: '$.zz' }, {}, {}),
      (e: unknown) => e instanceof StatesError && e.error === 'States.Runtime',
    );
  });
  test('ResultPath uses the raw input, not the InputPath selection', async () => {
    const m = single({ ...TASK, InputPath: '$.lambda', ResultPath: '$.data.lambdaresult' });
    const input = { comment: 'c', lambda: { who: 'x' }, data: { val1: 23 } };
    const out = (await complete(m, 'A', input, 'Hello', context(), {}, env())).output;
    assert.deepEqual(out, { comment: 'c', lambda: { who: 'x' }, data: { val1: 23, lambdaresult: 'Hello' } });
  });
});

describe('Pass state', () => {
  test('Result with ResultPath (documentation example)', async () => {
    const m = single({
      Type: 'Pass',
      Result: { x: 0.381018, y: 622.2269926397355 },
      ResultPath: '$.coords',
      Next: 'End',
    });
    const a = await enter(m, 'A', { georefOf: 'Home' }, context(), {}, env());
    assert.deepEqual(a, {
      kind: 'next',
      next: 'End',
      output: { georefOf: 'Home', coords: { x: 0.381018, y: 622.2269926397355 } },
      vars: {},
    });
  });
  test('no fields: input is output; End succeeds', async () => {
    assert.deepEqual(await enter(single({ Type: 'Pass' }), 'A', { a: 1 }, context(), {}, env()), {
      kind: 'succeed',
      output: { a: 1 },
      vars: {},
    });
  });
  test('Parameters become the result', async () => {
    const a = await enter(
      single({ Type: 'Pass', Parameters: { 'v.$': '$.a' }, ResultPath: '$.p' }),
      'A',
      { a: 1 },
      context(),
      {},
      env(),
    );
    assert.deepEqual(a.kind === 'succeed' && a.output, { a: 1, p: { v: 1 } });
  });
  test('Result may be any JSON', async () => {
    const a = await enter(single({ Type: 'Pass', Result: [1, 'two'] }), 'A', {}, context(), {}, env());
    assert.deepEqual(a.kind === 'succeed' && a.output, [1, 'two']);
  });
});

describe('Paths', () => {
  const store: Json = {
    store: {
      book: [
        { category: 'reference', author: 'Nigel Rees', title: 'Sayings of the Century', price: 8.95 },
        { category: 'fiction', author: 'Evelyn Waugh', title: 'Sword of Honour', price: 12.99 },
        {
          category: 'fiction',
          author: 'Herman Melville',
          title: 'Moby Dick',
          isbn: '0-553-21311-3',
          price: 8.99,
        },
      ],
      bicycle: { color: 'red', price: 19.95 },
    },
  };
  const rows: [string, Json | undefined][] = [
    ['$', store],
    ['$.store.bicycle.color', 'red'],
    ["$['store']['bicycle']['price']", 19.95],
    ['$.store.book[0].author', 'Nigel Rees'],
    ['$.store.book[-1].title', 'Moby Dick'],
    ['$.store.book[*].author', ['Nigel Rees', 'Evelyn Waugh', 'Herman Melville']],
    ['$..author', ['Nigel Rees', 'Evelyn Waugh', 'Herman Melville']],
    ['$.store.book[0,2].price', [8.95, 8.99]],
    ['$.store.book[1:].price', [12.99, 8.99]],
    ['$.store.book[:1].price', [8.95]],
    ['$.store.book[?(@.isbn)].title', ['Moby Dick']],
    ['$.store.book[?(@.price < 10)].title', ['Sayings of the Century', 'Moby Dick']],
    ["$.store.book[?(@.category == 'fiction')].author", ['Evelyn Waugh', 'Herman Melville']],
    ["$.store.book[?(@.category == 'fiction' && @.price > 10)].title", ['Sword of Honour']],
    ['$.store.book.length()', 3],
    ['$.store.missing', undefined],
    ['$.store.book[7]', undefined],
    ['$.store.nothing[*]', []],
  ];
  for (const [path, expected] of rows)
    test(path, () => {
      assert.deepEqual(evaluatePath(path, { input: store }), expected);
    });
  test('variables and the context object', () => {
    assert.equal(evaluatePath('$x.y', { input: {}, vars: { x: { y: 3 } } }), 3);
    assert.equal(
      evaluatePath('$$.Execution.Name', { input: {}, context: context() as unknown as Json }),
      'exec-1',
    );
    assert.equal(evaluatePath('$missing', { input: {}, vars: {} }), undefined);
  });
  test('syntax', () => {
    assert.ok(isValidPath('$.a.b[0]'));
    assert.ok(isValidPath("$['a b']"));
    assert.ok(!isValidPath('a.b'));
    assert.ok(!isValidPath('$.a['));
    assert.ok(!isValidPath('$$.Execution.Id'));
    assert.ok(isValidPath('$$.Execution.Id', { context: true }));
    assert.ok(isReferencePath('$.a.b[1]'));
    assert.ok(!isReferencePath('$.a[*]'));
    assert.ok(!isReferencePath('$..a'));
    assert.ok(!isReferencePath('$.a[?(@.b)]'));
    assert.ok(!isReferencePath('$.a[0:1]'));
  });
});

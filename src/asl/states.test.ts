// Wait, Fail, Succeed, Task completion, Retry and Catch, Parallel and Map (inline and distributed),
// variables, the payload limit and parseResource, in JSONPath; the same ground in JSONata with
// $states, Arguments / Output / Assign, and Step Functions' JSONata functions.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { context, env, machine, single } from './helpers.test.ts';
import {
  type Action,
  complete,
  enter,
  errorMatches,
  handleError,
  type MapAction,
  mapItemInputs,
  parseResource,
  retryDelayMs,
  StatesError,
  stateErrorCause,
  toleratedFailureExceeded,
} from './index.ts';

const LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:f';
const T = { Type: 'Task', Resource: LAMBDA };
const NOW = new Date('2024-01-01T00:00:00.000Z').getTime();
const isStatesError = (error: string, cause?: RegExp) => (e: unknown) =>
  e instanceof StatesError && e.error === error && (cause === undefined || cause.test(e.cause));

describe('Wait', () => {
  const until = async (state: Record<string, unknown>, input: unknown = {}, top = {}) => {
    const a = await enter(single({ Type: 'Wait', ...state }, top), 'A', input as never, context(), {}, env());
    assert.equal(a.kind, 'wait');
    return a.kind === 'wait' ? a : (undefined as never);
  };
  test('Seconds', async () => {
    const a = await until({ Seconds: 10, Next: 'B' }, { x: 1 });
    assert.equal(a.until.getTime(), NOW + 10000);
    assert.equal(a.next, 'B');
    assert.deepEqual(a.output, { x: 1 });
  });
  test('Timestamp', async () => {
    assert.equal(
      (await until({ Timestamp: '2016-03-14T01:59:00Z' })).until.toISOString(),
      '2016-03-14T01:59:00.000Z',
    );
  });
  test('SecondsPath and TimestampPath (documentation example: expirydate)', async () => {
    assert.equal((await until({ SecondsPath: '$.seconds' }, { seconds: 3 })).until.getTime(), NOW + 3000);
    assert.equal(
      (
        await until({ TimestampPath: '$.expirydate' }, { expirydate: '2016-03-14T01:59:00Z' })
      ).until.toISOString(),
      '2016-03-14T01:59:00.000Z',
    );
  });
  test('End: next is undefined', async () => {
    assert.equal((await until({ Seconds: 0 })).next, undefined);
  });
  test('SecondsPath to a non-integer or a missing field: States.Runtime', async () => {
    await assert.rejects(
      until({ SecondsPath: '$.s' }, { s: 'ten' }),
      isStatesError('States.Runtime', /SecondsPath/),
    );
    await assert.rejects(until({ SecondsPath: '$.s' }, { s: -1 }), isStatesError('States.Runtime'));
    await assert.rejects(
      until({ SecondsPath: '$.s' }, {}),
      isStatesError('States.Runtime', /Invalid path '\$\.s'/),
    );
    await assert.rejects(
      until({ TimestampPath: '$.t' }, { t: 'tomorrow' }),
      isStatesError('States.Runtime', /TimestampPath/),
    );
  });
  test('InputPath, OutputPath and Assign', async () => {
    const a = await until(
      { Seconds: 1, InputPath: '$.in', OutputPath: '$.out', Assign: { 'w.$': '$.out' } },
      { in: { out: 5 } },
    );
    assert.deepEqual([a.output, a.vars], [5, { w: 5 }]);
  });
  test('JSONata Seconds and Timestamp expressions', async () => {
    const top = { QueryLanguage: 'JSONata' };
    assert.equal(
      (await until({ Seconds: '{% $states.input.s * 2 %}' }, { s: 4 }, top)).until.getTime(),
      NOW + 8000,
    );
    assert.equal(
      (
        await until({ Timestamp: '{% $states.input.t %}' }, { t: '2030-01-01T00:00:00Z' }, top)
      ).until.toISOString(),
      '2030-01-01T00:00:00.000Z',
    );
    await assert.rejects(
      until({ Seconds: '{% "x" %}' }, {}, top),
      isStatesError('States.QueryEvaluationError'),
    );
    const a = await until({ Seconds: 1, Output: { done: true }, Assign: { n: 1 } }, {}, top);
    assert.deepEqual([a.output, a.vars], [{ done: true }, { n: 1 }]);
  });
});

describe('Fail and Succeed', () => {
  test('Error and Cause (documentation example)', async () => {
    assert.deepEqual(
      await enter(
        single({ Type: 'Fail', Error: 'ErrorA', Cause: 'Kaiju attack' }),
        'A',
        {},
        context(),
        {},
        env(),
      ),
      {
        kind: 'fail',
        error: 'ErrorA',
        cause: 'Kaiju attack',
      },
    );
  });
  test('no Error nor Cause', async () => {
    assert.deepEqual(await enter(single({ Type: 'Fail' }), 'A', {}, context(), {}, env()), { kind: 'fail' });
  });
  test('ErrorPath and CausePath, with an intrinsic', async () => {
    const m = single({ Type: 'Fail', ErrorPath: '$.e', CausePath: "States.Format('because {}', $.why)" });
    assert.deepEqual(await enter(m, 'A', { e: 'Bad', why: 'reasons' }, context(), {}, env()), {
      kind: 'fail',
      error: 'Bad',
      cause: 'because reasons',
    });
  });
  test('ErrorPath to a non-string: States.Runtime', async () => {
    await assert.rejects(
      enter(single({ Type: 'Fail', ErrorPath: '$.e' }), 'A', { e: 1 }, context(), {}, env()),
      isStatesError('States.Runtime'),
    );
  });
  test('JSONata Error and Cause expressions', async () => {
    const m = single(
      { Type: 'Fail', Error: '{% $states.input.code %}', Cause: '{% "failed: " & $reason %}' },
      { QueryLanguage: 'JSONata' },
    );
    assert.deepEqual(await enter(m, 'A', { code: 'E1' }, context(), { reason: 'r' }, env()), {
      kind: 'fail',
      error: 'E1',
      cause: 'failed: r',
    });
  });
  test('Succeed with InputPath and OutputPath', async () => {
    const a = await enter(
      single({ Type: 'Succeed', InputPath: '$.a', OutputPath: '$.b' }),
      'A',
      { a: { b: 2 } },
      context(),
      {},
      env(),
    );
    assert.deepEqual(a, { kind: 'succeed', output: 2, vars: {} });
  });
  test('stateErrorCause prefixes AWS wording', () => {
    assert.equal(
      stateErrorCause('Pick', 2, 'detail'),
      "An error occurred while executing the state 'Pick' (entered at the event id #2). detail",
    );
    assert.equal(
      stateErrorCause('Pick', undefined, 'detail'),
      "An error occurred while executing the state 'Pick'. detail",
    );
  });
});

describe('Task', () => {
  test('enter gives the resource, parameters and timeouts', async () => {
    const m = single({
      ...T,
      Parameters: { 'x.$': '$.x' },
      TimeoutSeconds: 30,
      HeartbeatSecondsPath: '$.hb',
      Credentials: { 'RoleArn.$': '$.role' },
    });
    const a = await enter(m, 'A', { x: 1, hb: 5, role: 'arn:aws:iam::1:role/r' }, context(), {}, env());
    assert.deepEqual(a, {
      kind: 'task',
      resource: LAMBDA,
      parameters: { x: 1 },
      timeoutSeconds: 30,
      heartbeatSeconds: 5,
      credentials: { RoleArn: 'arn:aws:iam::1:role/r' },
    });
  });
  test('complete: next, or End', async () => {
    const m = machine({ StartAt: 'A', States: { A: { ...T, Next: 'B' }, B: { ...T, End: true } } });
    assert.deepEqual(await complete(m, 'A', {}, { r: 1 }, context(), {}, env()), {
      next: 'B',
      output: { r: 1 },
      vars: {},
    });
    assert.deepEqual(await complete(m, 'B', {}, 2, context(), {}, env()), { output: 2, vars: {} });
  });
  test('Assign in JSONPath sees the selected result; values assigned together', async () => {
    const m = single({
      ...T,
      ResultSelector: { 'v.$': '$.Payload.v' },
      Assign: { 'got.$': '$.v', 'prev.$': '$count', count: 2 },
    });
    const c = await complete(m, 'A', {}, { Payload: { v: 9 } }, context(), { count: 1 }, env());
    assert.deepEqual(c.vars, { count: 2, got: 9, prev: 1 });
  });
  test('a result over 256 KiB: States.DataLimitExceeded', async () => {
    await assert.rejects(
      complete(single(T), 'A', {}, 'x'.repeat(262145), context(), {}, env()),
      isStatesError('States.DataLimitExceeded'),
    );
  });
  test('JSONata: Arguments, Output from $states.result, Assign on $states.input', async () => {
    const m = single(
      {
        ...T,
        Arguments: { Payload: '{% $states.input.p %}', Static: 1 },
        Output: { r: '{% $states.result.Payload %}', before: '{% $v %}' },
        Assign: { v: '{% $states.result.Payload %}', i: '{% $states.input.p %}' },
        TimeoutSeconds: '{% 10 + 5 %}',
      },
      { QueryLanguage: 'JSONata' },
    );
    const a = await enter(m, 'A', { p: 'in' }, context(), { v: 'old' }, env());
    assert.deepEqual(a, {
      kind: 'task',
      resource: LAMBDA,
      parameters: { Payload: 'in', Static: 1 },
      timeoutSeconds: 15,
    });
    const c = await complete(m, 'A', { p: 'in' }, { Payload: 'out' }, context(), { v: 'old' }, env());
    assert.deepEqual(c, { output: { r: 'out', before: 'old' }, vars: { v: 'out', i: 'in' } });
  });
  test('JSONata: no Output means the result; no Arguments means the input', async () => {
    const m = single(T, { QueryLanguage: 'JSONata' });
    const a = await enter(m, 'A', { k: 1 }, context(), {}, env());
    assert.deepEqual(a.kind === 'task' && a.parameters, { k: 1 });
    assert.deepEqual((await complete(m, 'A', { k: 1 }, [1, 2], context(), {}, env())).output, [1, 2]);
  });
});

describe('error names', () => {
  const rows: [string, string, boolean][] = [
    ['States.ALL', 'MyError', true],
    ['States.ALL', 'States.Timeout', true],
    ['States.ALL', 'States.TaskFailed', true],
    ['States.ALL', 'States.Runtime', false],
    ['States.ALL', 'States.DataLimitExceeded', false],
    ['States.DataLimitExceeded', 'States.DataLimitExceeded', true],
    ['States.Runtime', 'States.Runtime', false],
    ['States.TaskFailed', 'Lambda.ServiceException', true],
    ['States.TaskFailed', 'States.TaskFailed', true],
    ['States.TaskFailed', 'States.Timeout', false],
    ['States.TaskFailed', 'States.HeartbeatTimeout', false],
    ['States.Timeout', 'States.Timeout', true],
    ['States.Timeout', 'States.HeartbeatTimeout', true],
    ['States.HeartbeatTimeout', 'States.Timeout', false],
    ['MyError', 'MyError', true],
    ['MyError', 'myerror', false],
  ];
  for (const [name, error, expected] of rows)
    test(`${name} ${expected ? 'matches' : 'does not match'} ${error}`, () => {
      assert.equal(errorMatches(name, error), expected);
    });
});

describe('Retry', () => {
  const retrier = (r: Record<string, unknown>) => ({
    errorEquals: ['X'],
    intervalSeconds: 1,
    maxAttempts: 3,
    backoffRate: 2,
    jitterStrategy: 'NONE' as const,
    ...r,
  });
  test('IntervalSeconds × BackoffRate^attempt', () => {
    const r = retrier({ intervalSeconds: 3, backoffRate: 1.5 });
    assert.deepEqual(
      [0, 1, 2].map((n) => retryDelayMs(r, n, () => 0.5)),
      [3000, 4500, 6750],
    );
  });
  test('MaxDelaySeconds caps the delay', () => {
    const r = retrier({ intervalSeconds: 1, backoffRate: 10, maxDelaySeconds: 5 });
    assert.deepEqual(
      [0, 1, 2].map((n) => retryDelayMs(r, n, () => 0.5)),
      [1000, 5000, 5000],
    );
  });
  test('JitterStrategy FULL: a random share of the delay', () => {
    const r = retrier({ intervalSeconds: 2, jitterStrategy: 'FULL' });
    assert.equal(
      retryDelayMs(r, 1, () => 0.25),
      1000,
    );
    assert.equal(
      retryDelayMs(r, 1, () => 0),
      0,
    );
  });
  const M = single({
    ...T,
    Retry: [
      { ErrorEquals: ['NoRetry'], MaxAttempts: 0 },
      { ErrorEquals: ['Lambda.ServiceException'], IntervalSeconds: 2, MaxAttempts: 2, BackoffRate: 3 },
      { ErrorEquals: ['States.ALL'], IntervalSeconds: 1 },
    ],
    Catch: [{ ErrorEquals: ['NoRetry'], Next: 'Handled' }],
  });
  const handle = (error: string, counts: number[]) =>
    handleError(M, 'A', { in: 1 }, { error, cause: 'c' }, counts, context(), {}, env());
  test('the first matching retrier applies, with its count', async () => {
    assert.deepEqual(await handle('Lambda.ServiceException', [0, 0, 0]), {
      kind: 'retry',
      retrier: 1,
      delayMs: 2000,
    });
    assert.deepEqual(await handle('Lambda.ServiceException', [0, 1, 0]), {
      kind: 'retry',
      retrier: 1,
      delayMs: 6000,
    });
  });
  test('an exhausted retrier does not fall through to the next one', async () => {
    assert.deepEqual(await handle('Lambda.ServiceException', [0, 2, 0]), {
      kind: 'fail',
      error: 'Lambda.ServiceException',
      cause: 'c',
    });
  });
  test('MaxAttempts 0 never retries, then Catch applies', async () => {
    const h = await handle('NoRetry', [0, 0, 0]);
    assert.equal(h.kind, 'catch');
  });
  test('States.ALL retries others; States.Runtime is never retried', async () => {
    assert.deepEqual(await handle('Other', []), { kind: 'retry', retrier: 2, delayMs: 1000 });
    assert.deepEqual(await handle('States.Runtime', []), {
      kind: 'fail',
      error: 'States.Runtime',
      cause: 'c',
    });
  });
});

describe('Catch', () => {
  const M = (extra: Record<string, unknown> = {}, top = {}) =>
    single(
      {
        ...T,
        Catch: [
          { ErrorEquals: ['States.Timeout'], Next: 'Timeout', ResultPath: null },
          { ErrorEquals: ['States.TaskFailed'], Next: 'Failed', ResultPath: '$.error' },
          { ErrorEquals: ['States.ALL'], Next: 'Any' },
        ],
        ...extra,
      },
      top,
    );
  test('ResultPath puts the error output into the input', async () => {
    const h = await handleError(
      M(),
      'A',
      { a: 1 },
      { error: 'Oops', cause: 'why' },
      [],
      context(),
      {},
      env(),
    );
    assert.deepEqual(h, {
      kind: 'catch',
      next: 'Failed',
      output: { a: 1, error: { Error: 'Oops', Cause: 'why' } },
      vars: {},
      catcher: 1,
    });
  });
  test('States.TaskFailed does not catch States.Timeout; ResultPath null keeps the input', async () => {
    const h = await handleError(M(), 'A', { a: 1 }, { error: 'States.Timeout' }, [], context(), {}, env());
    assert.deepEqual(h, { kind: 'catch', next: 'Timeout', output: { a: 1 }, vars: {}, catcher: 0 });
  });
  test('the default ResultPath $ makes the error output the output', async () => {
    const m = single({ ...T, Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Any' }] });
    const h = await handleError(m, 'A', { a: 1 }, { error: 'E', cause: 'C' }, [], context(), {}, env());
    assert.deepEqual(h.kind === 'catch' && h.output, { Error: 'E', Cause: 'C' });
  });
  test('States.ALL does not catch States.DataLimitExceeded nor States.Runtime', async () => {
    for (const error of ['States.DataLimitExceeded', 'States.Runtime']) {
      const h = await handleError(M(), 'A', {}, { error }, [], context(), {}, env());
      assert.equal(h.kind, 'fail');
    }
  });
  test('a catcher Assign (JSONPath) sees the error output', async () => {
    const m = single({
      ...T,
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Any', Assign: { 'lastError.$': '$.Error' } }],
    });
    const h = await handleError(m, 'A', {}, { error: 'E' }, [], context(), {}, env());
    assert.deepEqual(h.kind === 'catch' && h.vars, { lastError: 'E' });
  });
  test('JSONata: Output and Assign with $states.errorOutput and $states.input', async () => {
    const m = single(
      {
        ...T,
        Catch: [
          {
            ErrorEquals: ['States.ALL'],
            Next: 'Any',
            Output: { e: '{% $states.errorOutput.Error %}', i: '{% $states.input.a %}' },
            Assign: { failed: true },
          },
        ],
      },
      { QueryLanguage: 'JSONata' },
    );
    const h = await handleError(m, 'A', { a: 1 }, { error: 'E', cause: 'C' }, [], context(), {}, env());
    assert.deepEqual(h, {
      kind: 'catch',
      next: 'Any',
      output: { e: 'E', i: 1 },
      vars: { failed: true },
      catcher: 0,
    });
  });
  test('JSONata: no Output means the error output', async () => {
    const m = single(
      { ...T, Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Any' }] },
      { QueryLanguage: 'JSONata' },
    );
    const h = await handleError(m, 'A', { a: 1 }, { error: 'E' }, [], context(), {}, env());
    assert.deepEqual(h.kind === 'catch' && h.output, { Error: 'E' });
  });
  test('no catcher: fail with the error', async () => {
    assert.deepEqual(
      await handleError(single(T), 'A', {}, { error: 'E', cause: 'C' }, [], context(), {}, env()),
      { kind: 'fail', error: 'E', cause: 'C' },
    );
  });
});

describe('Parallel', () => {
  const branches = [
    { StartAt: 'L', States: { L: { Type: 'Pass', End: true } } },
    { StartAt: 'R', States: { R: { Type: 'Pass', Result: 'r', End: true } } },
  ];
  test('enter gives branches and their input; complete takes the array of outputs', async () => {
    const m = single({
      Type: 'Parallel',
      Branches: branches,
      InputPath: '$.in',
      Parameters: { 'v.$': '$.v' },
      ResultSelector: { 'first.$': '$[0]' },
      ResultPath: '$.out',
    });
    const a = await enter(m, 'A', { in: { v: 1 } }, context(), { g: 1 }, env());
    assert.equal(a.kind, 'parallel');
    if (a.kind !== 'parallel') return;
    assert.deepEqual(a.input, { v: 1 });
    assert.deepEqual(a.vars, { g: 1 });
    assert.equal(a.branches.length, 2);
    assert.equal(a.branches[1]?.startAt, 'R');
    const branchOut = await enter(a.branches[1]!, 'R', a.input, context(), a.vars, env());
    assert.deepEqual(branchOut, { kind: 'succeed', output: 'r', vars: { g: 1 } });
    const c = await complete(m, 'A', { in: { v: 1 } }, [{ v: 1 }, 'r'], context(), {}, env());
    assert.deepEqual(c.output, { in: { v: 1 }, out: { first: { v: 1 } } });
  });
  test('JSONata: Arguments and Output', async () => {
    const m = single(
      {
        Type: 'Parallel',
        Branches: [{ StartAt: 'L', States: { L: { Type: 'Pass', End: true } } }],
        Arguments: { x: '{% $states.input.x %}' },
        Output: '{% $count($states.result) %}',
      },
      { QueryLanguage: 'JSONata' },
    );
    const a = await enter(m, 'A', { x: 2 }, context(), {}, env());
    assert.deepEqual(a.kind === 'parallel' && a.input, { x: 2 });
    assert.equal((await complete(m, 'A', { x: 2 }, [1, 2], context(), {}, env())).output, 2);
  });
});

describe('Map', () => {
  const P = { ItemProcessor: { StartAt: 'X', States: { X: { Type: 'Pass', End: true } } } };
  const mapAction = async (
    state: Record<string, unknown>,
    input: unknown,
    top = {},
    vars = {},
  ): Promise<MapAction> => {
    const a: Action = await enter(
      single({ Type: 'Map', ...P, ...state }, top),
      'A',
      input as never,
      context(),
      vars,
      env(),
    );
    assert.equal(a.kind, 'map');
    return a as MapAction;
  };
  test('ItemsPath and ItemSelector with $$.Map.Item (documentation example)', async () => {
    const input = {
      ship: { id: 'ship-1' },
      detail: {
        shipped: [
          { prod: 'R31', 'dest-code': 9511, quantity: 1344 },
          { prod: 'S39', 'dest-code': 9511, quantity: 40 },
        ],
      },
    };
    const a = await mapAction(
      {
        ItemsPath: '$.detail.shipped',
        MaxConcurrency: 2,
        ItemSelector: {
          'ContextIndex.$': '$$.Map.Item.Index',
          'ContextValue.$': '$$.Map.Item.Value',
          'ship.$': '$.ship',
        },
      },
      input,
    );
    assert.equal(a.maxConcurrency, 2);
    assert.equal(a.mode, 'INLINE');
    assert.deepEqual(a.items, input.detail.shipped);
    assert.deepEqual(a.itemInputs, [
      { ContextIndex: 0, ContextValue: input.detail.shipped[0], ship: { id: 'ship-1' } },
      { ContextIndex: 1, ContextValue: input.detail.shipped[1], ship: { id: 'ship-1' } },
    ]);
  });
  test('no ItemsPath: the input is the array; legacy Parameters and Iterator', async () => {
    const a = await enter(
      single({ Type: 'Map', Iterator: P.ItemProcessor, Parameters: { 'i.$': '$$.Map.Item.Index' } }),
      'A',
      ['a', 'b'],
      context(),
      {},
      env(),
    );
    assert.deepEqual(a.kind === 'map' && a.itemInputs, [{ i: 0 }, { i: 1 }]);
  });
  test('ItemsPath to a non-array: States.Runtime', async () => {
    await assert.rejects(mapAction({ ItemsPath: '$.x' }, { x: 5 }), isStatesError('States.Runtime'));
  });
  test('MaxConcurrencyPath; iterations see the outer variables', async () => {
    await assert.rejects(mapAction({ MaxConcurrencyPath: '$.mc' }, [1]), isStatesError('States.Runtime'));
    assert.equal((await mapAction({}, [1])).maxConcurrency, 0);
    const b = await mapAction(
      { MaxConcurrencyPath: '$.mc', ItemsPath: '$.items' },
      { mc: 3, items: [] },
      {},
      { outer: 1 },
    );
    assert.equal(b.maxConcurrency, 3);
    assert.deepEqual(b.vars, { outer: 1 });
  });
  const DIST = {
    ItemProcessor: {
      ...P.ItemProcessor,
      ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
    },
  };
  test('distributed: ItemBatcher with BatchInput, tolerated failures, Label; no outer variables', async () => {
    const a = await mapAction(
      {
        ...DIST,
        Label: 'L',
        ItemBatcher: { MaxItemsPerBatch: 2, BatchInput: { 'k.$': '$.k' } },
        ItemsPath: '$.items',
        ToleratedFailurePercentage: 50,
        ToleratedFailureCountPath: '$.tfc',
      },
      { k: 'key', items: [1, 2, 3], tfc: 1 },
      {},
      { outer: 1 },
    );
    assert.equal(a.mode, 'DISTRIBUTED');
    assert.equal(a.executionType, 'STANDARD');
    assert.equal(a.label, 'L');
    assert.deepEqual(a.vars, {});
    assert.deepEqual(a.itemInputs, [
      { BatchInput: { k: 'key' }, Items: [1, 2] },
      { BatchInput: { k: 'key' }, Items: [3] },
    ]);
    assert.equal(a.toleratedFailurePercentage, 50);
    assert.equal(a.toleratedFailureCount, 1);
  });
  test('ItemBatcher by bytes', async () => {
    const a = await mapAction({ ...DIST, ItemBatcher: { MaxInputBytesPerBatch: 10 } }, [
      'aaaa',
      'bbbb',
      'cccc',
    ]);
    assert.deepEqual(a.itemInputs, [{ Items: ['aaaa'] }, { Items: ['bbbb'] }, { Items: ['cccc'] }]);
  });
  test('ItemReader: the engine reads the items, then mapItemInputs applies ItemSelector', async () => {
    const state = {
      ...DIST,
      ItemReader: {
        Resource: 'arn:aws:states:::s3:getObject',
        ReaderConfig: { InputType: 'JSON', MaxItemsPath: '$.max' },
        Parameters: { Bucket: 'b', 'Key.$': '$.key' },
      },
      ItemSelector: { 'v.$': '$$.Map.Item.Value', 'key.$': '$.key' },
      ResultWriter: { Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: 'out' } },
    };
    const m = single({ Type: 'Map', ...state });
    const a = (await enter(m, 'A', { key: 'k.json', max: 2 }, context(), {}, env())) as MapAction;
    assert.deepEqual(a.itemReader, {
      resource: 'arn:aws:states:::s3:getObject',
      parameters: { Bucket: 'b', Key: 'k.json' },
      readerConfig: { InputType: 'JSON', MaxItems: 2 },
    });
    assert.deepEqual(a.resultWriter, {
      resource: 'arn:aws:states:::s3:putObject',
      parameters: { Bucket: 'out' },
    });
    assert.deepEqual(a.items, []);
    assert.deepEqual(await mapItemInputs(m, 'A', a, [10, 20], context(), env()), [
      { v: 10, key: 'k.json' },
      { v: 20, key: 'k.json' },
    ]);
  });
  test('tolerated failures', () => {
    const base = {
      kind: 'map',
      items: [],
      itemInputs: [],
      processor: single({ Type: 'Succeed' }),
      mode: 'DISTRIBUTED',
      maxConcurrency: 0,
      effectiveInput: null,
      vars: {},
    } as MapAction;
    assert.equal(toleratedFailureExceeded(base, 0, 10), false);
    assert.equal(toleratedFailureExceeded(base, 1, 10), true);
    assert.equal(toleratedFailureExceeded({ ...base, toleratedFailureCount: 2 }, 2, 10), false);
    assert.equal(toleratedFailureExceeded({ ...base, toleratedFailureCount: 2 }, 3, 10), true);
    assert.equal(toleratedFailureExceeded({ ...base, toleratedFailurePercentage: 20 }, 2, 10), false);
    assert.equal(toleratedFailureExceeded({ ...base, toleratedFailurePercentage: 20 }, 3, 10), true);
    assert.equal(
      toleratedFailureExceeded({ ...base, toleratedFailurePercentage: 100, toleratedFailureCount: 1 }, 2, 10),
      true,
    );
  });
  test('complete: ResultSelector / ResultPath over the array of outputs', async () => {
    const m = single({ Type: 'Map', ...P, ItemsPath: '$.items', ResultPath: '$.results' });
    assert.deepEqual((await complete(m, 'A', { items: [1] }, [{ ok: 1 }], context(), {}, env())).output, {
      items: [1],
      results: [{ ok: 1 }],
    });
  });
  test('JSONata: Items, ItemSelector with $states.context.Map.Item, MaxConcurrency expression, Output', async () => {
    const top = { QueryLanguage: 'JSONata' };
    const a = await mapAction(
      {
        Items: '{% $states.input.list %}',
        ItemSelector: {
          i: '{% $states.context.Map.Item.Index %}',
          v: '{% $states.context.Map.Item.Value * 10 %}',
          tag: '{% $tag %}',
        },
        MaxConcurrency: '{% 1 + 1 %}',
      },
      { list: [1, 2] },
      top,
      { tag: 't' },
    );
    assert.deepEqual(a.itemInputs, [
      { i: 0, v: 10, tag: 't' },
      { i: 1, v: 20, tag: 't' },
    ]);
    assert.equal(a.maxConcurrency, 2);
    await assert.rejects(
      mapAction({ Items: '{% 5 %}' }, {}, top),
      isStatesError('States.QueryEvaluationError'),
    );
    const literal = await mapAction({ Items: [1, 2, 3] }, {}, top);
    assert.deepEqual(literal.itemInputs, [1, 2, 3]);
  });
});

describe('JSONata', () => {
  const J = { QueryLanguage: 'JSONata' };
  const pass = async (state: Record<string, unknown>, input: unknown = {}, vars = {}, random = () => 0.5) =>
    enter(single({ Type: 'Pass', ...state }, J), 'A', input as never, context(), vars, env(random));
  test('Output replaces the input; strings without {% %} stay as they are', async () => {
    assert.deepEqual(
      await pass({ Output: { a: '{% $states.input.x + 1 %}', b: 'plain', c: ['{% "s" %}', 2] } }, { x: 1 }),
      {
        kind: 'succeed',
        output: { a: 2, b: 'plain', c: ['s', 2] },
        vars: {},
      },
    );
  });
  test('Output may be a single expression of any type', async () => {
    const a = await pass({ Output: '{% $states.input.list[1] %}' }, { list: ['a', 'b'] });
    assert.equal(a.kind === 'succeed' && a.output, 'b');
  });
  test('Assign and Output are evaluated on the values from before the state', async () => {
    const a = await pass({ Assign: { x: '{% $x + 1 %}', y: '{% $x %}' }, Output: '{% $x %}' }, {}, { x: 1 });
    assert.deepEqual(a, { kind: 'succeed', output: 1, vars: { x: 2, y: 1 } });
  });
  test('$states.context', async () => {
    const a = await pass({
      Output: '{% $states.context.Execution.Name & "/" & $states.context.State.Name %}',
    });
    assert.equal(a.kind === 'succeed' && a.output, 'exec-1/A');
  });
  test("Step Functions' functions: $partition, $range, $hash, $random, $uuid, $parse", async () => {
    const a = await pass(
      {
        Output: {
          partition: '{% $partition([1,2,3,4,5], 2) %}',
          range: '{% $range(0, 10, 5) %}',
          hash: '{% $hash("input data", "SHA-1") %}',
          random: '{% $random() %}',
          uuid: '{% $uuid() %}',
          parsed: '{% $parse(\'{"a": [1]}\') %}',
        },
      },
      {},
      {},
      () => 0,
    );
    assert.deepEqual(a.kind === 'succeed' && a.output, {
      partition: [[1, 2], [3, 4], [5]],
      range: [0, 5, 10],
      hash: 'aaff4a450a104cd177d28d18d74485e8cae074b7',
      random: 0,
      uuid: '00000000-0000-4000-8000-000000000000',
      parsed: { a: [1] },
    });
  });
  test('$random(seed) is deterministic', async () => {
    const a = await pass({ Output: '{% $random(7) %}' }, {}, {}, () => 0);
    const b = await pass({ Output: '{% $random(7) %}' }, {}, {}, () => 0.9);
    assert.equal(a.kind === 'succeed' && a.output, b.kind === 'succeed' && b.output);
  });
  test('$now and $millis read the caller clock', async () => {
    const a = await pass({ Output: { now: '{% $now() %}', millis: '{% $millis() %}' } });
    assert.deepEqual(a.kind === 'succeed' && a.output, { now: '2024-01-01T00:00:00.000Z', millis: NOW });
  });
  test('an expression that returns nothing: States.QueryEvaluationError', async () => {
    await assert.rejects(
      pass({ Output: '{% $states.input.missing %}' }),
      isStatesError('States.QueryEvaluationError', /returned nothing/),
    );
  });
  test('a nested expression that returns nothing drops its field', async () => {
    const a = await pass({ Output: { a: '{% $states.input.missing %}', b: 1 } });
    assert.deepEqual(a.kind === 'succeed' && a.output, { b: 1 });
  });
  test('a runtime JSONata error: States.QueryEvaluationError', async () => {
    await assert.rejects(
      pass({ Output: '{% $states.input.s + 1 %}' }, { s: 'text' }),
      isStatesError('States.QueryEvaluationError'),
    );
    await assert.rejects(
      pass({ Output: '{% $parse("{bad") %}' }),
      isStatesError('States.QueryEvaluationError'),
    );
  });
  test('a JSONata state inside a JSONPath machine', async () => {
    const m = machine({
      StartAt: 'A',
      States: { A: { Type: 'Pass', QueryLanguage: 'JSONata', Output: '{% $states.input.a %}', End: true } },
    });
    assert.deepEqual(await enter(m, 'A', { a: 3 }, context(), {}, env()), {
      kind: 'succeed',
      output: 3,
      vars: {},
    });
  });
  test('Succeed with Output', async () => {
    const a = await enter(
      single({ Type: 'Succeed', Output: { done: '{% $states.input.n %}' } }, J),
      'A',
      { n: 1 },
      context(),
      {},
      env(),
    );
    assert.deepEqual(a, { kind: 'succeed', output: { done: 1 }, vars: {} });
  });
});

describe('variables in JSONPath', () => {
  test('Pass Assign with paths, variables and intrinsics; then used in Parameters', async () => {
    const m = machine({
      StartAt: 'A',
      States: {
        A: {
          Type: 'Pass',
          Assign: {
            'productName.$': '$.product.name',
            count: 42,
            'label.$': "States.Format('{}:{}', $.product.name, $count)",
          },
          Next: 'B',
        },
        B: { ...T, Parameters: { 'name.$': '$productName', 'count.$': '$count' }, End: true },
      },
    });
    const a = await enter(m, 'A', { product: { name: 'p1' } }, context(), { count: 1 }, env());
    assert.deepEqual(a.kind === 'next' && a.vars, { count: 42, productName: 'p1', label: 'p1:1' });
    const b = await enter(m, 'B', {}, context(), a.kind === 'next' ? a.vars : {}, env());
    assert.deepEqual(b.kind === 'task' && b.parameters, { name: 'p1', count: 42 });
  });
  test('a variable over 256 KiB: States.DataLimitExceeded', async () => {
    await assert.rejects(
      enter(
        single({ Type: 'Pass', Assign: { 'big.$': '$.s' } }),
        'A',
        { s: 'x'.repeat(262145) },
        context(),
        {},
        env(),
      ),
      isStatesError('States.DataLimitExceeded', /variable 'big'/),
    );
  });
  test('an unknown variable in Parameters: States.Runtime', async () => {
    await assert.rejects(
      enter(single({ ...T, Parameters: { 'x.$': '$nope' } }), 'A', {}, context(), {}, env()),
      isStatesError('States.Runtime'),
    );
  });
});

describe('parseResource', () => {
  const rows: [string, Record<string, unknown>][] = [
    [
      'arn:aws:states:::ecs:runTask',
      {
        kind: 'service',
        service: 'ecs',
        action: 'runTask',
        pattern: 'request-response',
        resourceType: 'ecs',
        resourceName: 'runTask',
      },
    ],
    [
      'arn:aws:states:::ecs:runTask.sync',
      {
        kind: 'service',
        service: 'ecs',
        action: 'runTask',
        pattern: 'sync',
        resourceType: 'ecs',
        resourceName: 'runTask.sync',
      },
    ],
    [
      'arn:aws:states:::states:startExecution.sync:2',
      {
        kind: 'service',
        service: 'states',
        action: 'startExecution',
        pattern: 'sync:2',
        resourceName: 'startExecution.sync:2',
      },
    ],
    [
      'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
      {
        kind: 'service',
        service: 'sqs',
        pattern: 'waitForTaskToken',
        resourceName: 'sendMessage.waitForTaskToken',
      },
    ],
    [
      'arn:aws:states:::aws-sdk:s3:listBuckets',
      {
        kind: 'aws-sdk',
        service: 's3',
        action: 'listBuckets',
        resourceType: 'aws-sdk:s3',
        resourceName: 'listBuckets',
      },
    ],
    ['arn:aws:states:::http:invoke', { kind: 'http', service: 'http', action: 'invoke' }],
    ['arn:aws:states:us-east-1:123456789012:activity:work', { kind: 'activity', resourceType: 'activity' }],
    [LAMBDA, { kind: 'lambda', service: 'lambda' }],
    ['arn:aws:states:::lambda:invoke', { kind: 'service', service: 'lambda', action: 'invoke' }],
  ];
  for (const [resource, expected] of rows)
    test(resource, () => {
      const info = parseResource(resource);
      for (const [k, v] of Object.entries(expected)) assert.equal(info[k as keyof typeof info], v, k);
    });
});

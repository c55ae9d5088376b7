// Definition validation: codes, messages and locations as CreateStateMachine's InvalidDefinition and
// ValidateStateMachineDefinition's diagnostics give them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { definitionError, validateDefinition, validateStateDefinition } from './index.ts';

const codes = (def: unknown, type?: 'STANDARD' | 'EXPRESS') =>
  validateDefinition(
    typeof def === 'string' ? def : JSON.stringify(def),
    type ? { type } : {},
  ).diagnostics.map((d) => `${d.code}: ${d.message} at ${d.location}`);
const valid = (def: unknown, type?: 'STANDARD' | 'EXPRESS') => {
  const r = validateDefinition(JSON.stringify(def), type ? { type } : {});
  assert.deepEqual(r.diagnostics, []);
  assert.ok(r.machine);
  return r.machine;
};
const machineOf = (state: unknown, top: Record<string, unknown> = {}) => ({
  ...top,
  StartAt: 'A',
  States: { A: state, Done: { Type: 'Succeed' } },
});
/** The diagnostics of a definition whose state A is `state` (and Done a Succeed state A may go to). */
const stateErrors = (state: Record<string, unknown>, top: Record<string, unknown> = {}) =>
  codes(machineOf({ Next: 'Done', ...state }, top)).filter((d) => !d.includes('is not reachable'));
const has = (list: string[], part: string) =>
  assert.ok(
    list.some((d) => d.includes(part)),
    `${part} not in ${JSON.stringify(list)}`,
  );

describe('machine-level', () => {
  test('a minimal machine is valid', () => {
    const m = valid({ StartAt: 'A', States: { A: { Type: 'Pass', End: true } } });
    assert.equal(m.queryLanguage, 'JSONPath');
    assert.equal(m.states.A?.end, true);
  });
  test('not JSON: INVALID_JSON_DESCRIPTION', () => {
    const d = validateDefinition('{"StartAt": ').diagnostics;
    assert.equal(d[0]?.code, 'INVALID_JSON_DESCRIPTION');
  });
  test('missing StartAt and States', () => {
    assert.deepEqual(codes({}), [
      'SCHEMA_VALIDATION_FAILED: These fields are required: [StartAt, States] at /',
    ]);
  });
  test('unknown top-level field', () => {
    has(
      codes({ Coment: 'x', StartAt: 'A', States: { A: { Type: 'Pass', End: true } } }),
      "Field 'Coment' is not supported at /",
    );
  });
  test('StartAt names no state (localstack-recorded AWS text)', () => {
    assert.deepEqual(codes({ StartAt: 'B', States: { A: { Type: 'Succeed' } } }), [
      "MISSING_TRANSITION_TARGET: Missing 'StartAt' target: B at /StartAt",
    ]);
  });
  test('Next names no state; unreachable states', () => {
    const def = {
      StartAt: 'pass1',
      States: { pass1: { Type: 'Pass', Next: 'pass3' }, pass2: { Type: 'Pass', End: true } },
    };
    const r = validateDefinition(JSON.stringify(def));
    assert.equal(
      definitionError(r.diagnostics),
      `Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: pass3 at /States/pass1/Next, MISSING_TRANSITION_TARGET: State "pass2" is not reachable. at /States/pass2'`,
    );
  });
  test('states reached only through Catch and Choice are reachable', () => {
    valid({
      StartAt: 'T',
      States: {
        T: {
          Type: 'Task',
          Resource: 'arn:aws:states:::sqs:sendMessage',
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'C' }],
          End: true,
        },
        C: { Type: 'Choice', Choices: [{ Variable: '$.x', IsPresent: true, Next: 'S' }], Default: 'F' },
        S: { Type: 'Succeed' },
        F: { Type: 'Fail', Error: 'E' },
      },
    });
  });
  test('TimeoutSeconds must be a positive integer', () => {
    has(codes({ StartAt: 'A', TimeoutSeconds: 0, States: { A: { Type: 'Succeed' } } }), "'TimeoutSeconds'");
    valid({
      StartAt: 'A',
      TimeoutSeconds: 60,
      Version: '1.0',
      Comment: 'c',
      States: { A: { Type: 'Succeed' } },
    });
  });
  test('QueryLanguage values', () => {
    has(
      codes({ StartAt: 'A', QueryLanguage: 'XPath', States: { A: { Type: 'Succeed' } } }),
      "'QueryLanguage'",
    );
    assert.equal(
      valid({ StartAt: 'A', QueryLanguage: 'JSONata', States: { A: { Type: 'Succeed' } } }).queryLanguage,
      'JSONata',
    );
  });
  test('a JSONPath state inside a JSONata machine is refused; a JSONata state in a JSONPath machine is fine', () => {
    has(
      codes({
        StartAt: 'A',
        QueryLanguage: 'JSONata',
        States: { A: { Type: 'Succeed', QueryLanguage: 'JSONPath' } },
      }),
      'QueryLanguage',
    );
    const m = valid({
      StartAt: 'A',
      States: { A: { Type: 'Pass', QueryLanguage: 'JSONata', Output: '{% 1 %}', End: true } },
    });
    assert.equal(m.states.A?.queryLanguage, 'JSONata');
  });
  test('duplicate state names across branches: DUPLICATE_STATE_NAME', () => {
    const d = codes({
      StartAt: 'P',
      States: {
        P: { Type: 'Parallel', Branches: [{ StartAt: 'P', States: { P: { Type: 'Succeed' } } }], End: true },
      },
    });
    has(d, 'DUPLICATE_STATE_NAME: Duplicate State name: P at /States/P/Branches[0]/States/P');
  });
  test('state names over 80 characters', () => {
    const name = 'x'.repeat(81);
    has(codes({ StartAt: name, States: { [name]: { Type: 'Succeed' } } }), '80 characters');
  });
  test('an empty States object', () => {
    has(codes({ StartAt: 'A', States: {} }), "'States' must contain at least one state");
  });
});

describe('states', () => {
  test('Type is required and must be known', () => {
    has(stateErrors({ Type: undefined }), 'These fields are required: [Type] at /States/A');
    has(
      stateErrors({ Type: 'Sleep' }),
      "The value for the field 'Type' must be one of [Task, Pass, Choice, Wait, Succeed, Fail, Parallel, Map] at /States/A/Type",
    );
  });
  test('unknown fields', () => {
    has(
      stateErrors({ Type: 'Pass', _comment_concurrency: 1 }),
      "Field '_comment_concurrency' is not supported at /States/A",
    );
    has(
      stateErrors({ Type: 'Succeed', Next: undefined, Result: 1 }),
      "Field 'Result' is not supported at /States/A",
    );
  });
  test('Next or End', () => {
    has(codes(machineOf({ Type: 'Pass' })), 'These fields are required: [Next or End] at /States/A');
    has(
      stateErrors({ Type: 'Pass', End: true }),
      'Only one of these fields can be present: [Next, End] at /States/A',
    );
    has(
      codes(machineOf({ Type: 'Pass', End: false })),
      "The value for the field 'End' must be true at /States/A/End",
    );
    has(stateErrors({ Type: 'Succeed' }), "Field 'Next' is not supported at /States/A");
  });
  test('Comment must be a string', () => {
    has(
      stateErrors({ Type: 'Pass', Comment: 5 }),
      "The value for the field 'Comment' must be a STRING but was INTEGER at /States/A/Comment",
    );
  });
  test('paths', () => {
    has(
      stateErrors({ Type: 'Pass', InputPath: 'a.b' }),
      "The value for the field 'InputPath' must be a valid JSONPath at /States/A/InputPath",
    );
    has(
      stateErrors({ Type: 'Pass', ResultPath: '$.a[*]' }),
      "The value for the field 'ResultPath' must be a valid ReferencePath",
    );
    has(
      stateErrors({ Type: 'Pass', ResultPath: '$$.Execution' }),
      "'ResultPath' must be a valid ReferencePath",
    );
    assert.deepEqual(stateErrors({ Type: 'Pass', InputPath: null, OutputPath: null, ResultPath: null }), []);
    assert.deepEqual(
      stateErrors({ Type: 'Pass', InputPath: '$..a', OutputPath: '$.a[0:2]', ResultPath: "$['x'].y[0]" }),
      [],
    );
  });
  test('payload templates', () => {
    has(
      stateErrors({ Type: 'Pass', Parameters: { 'arrayParameter.$': ['$.output.type'] } }),
      "The value for the field 'arrayParameter.$' must be a STRING that contains a JSONPath but was ARRAY",
    );
    has(
      stateErrors({ Type: 'Pass', Parameters: { 'x.$': 'nope' } }),
      "'x.$' must be a valid JSONPath or a valid intrinsic function call",
    );
    has(
      stateErrors({ Type: 'Pass', Parameters: { 'x.$': 'States.Nope(1)' } }),
      'valid intrinsic function call',
    );
    has(
      stateErrors({ Type: 'Pass', Parameters: { deep: [{ 'x.$': "States.Format('{}'" }] } }),
      'valid intrinsic function call',
    );
    assert.deepEqual(
      stateErrors({
        Type: 'Pass',
        Parameters: {
          'a.$': '$.x',
          'b.$': '$$.Execution.Id',
          'c.$': '$var',
          'd.$': 'States.Array(1, $.y)',
          e: { 'f.$': '$' },
        },
      }),
      [],
    );
  });
  test('Assign in JSONPath and variable names', () => {
    assert.deepEqual(stateErrors({ Type: 'Pass', Assign: { total: 1, 'name.$': '$.n' } }), []);
    has(stateErrors({ Type: 'Pass', Assign: { '1bad': 1 } }), "The variable name '1bad' is invalid");
    has(stateErrors({ Type: 'Pass', Assign: { states: 1 } }), "The variable name 'states' is invalid");
    has(stateErrors({ Type: 'Pass', Assign: [1] }), "'Assign' must be an OBJECT");
  });
  test('JSONPath-only fields in JSONata states and the other way round', () => {
    const top = { QueryLanguage: 'JSONata' };
    has(
      stateErrors({ Type: 'Pass', InputPath: '$.a' }, top),
      "Field 'InputPath' is not supported at /States/A",
    );
    has(stateErrors({ Type: 'Pass', Parameters: {} }, top), "Field 'Parameters' is not supported");
    has(
      stateErrors({ Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage', ResultSelector: {} }, top),
      "Field 'ResultSelector' is not supported",
    );
    has(stateErrors({ Type: 'Wait', SecondsPath: '$.s' }, top), "Field 'SecondsPath' is not supported");
    has(stateErrors({ Type: 'Pass', Output: {} }), "Field 'Output' is not supported");
    has(
      stateErrors({ Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage', Arguments: {} }),
      "Field 'Arguments' is not supported",
    );
  });
  test('JSONata expressions must parse', () => {
    const top = { QueryLanguage: 'JSONata' };
    has(stateErrors({ Type: 'Pass', Output: { a: '{% $states.input. %}' } }, top), 'is invalid');
    has(stateErrors({ Type: 'Pass', Assign: { x: '{% ( %}' } }, top), 'is invalid');
    assert.deepEqual(
      stateErrors(
        {
          Type: 'Pass',
          Output: { a: '{% $states.input.x + 1 %}', b: ['{% $uuid() %}'] },
          Assign: { y: '{% 2 %}' },
        },
        top,
      ),
      [],
    );
  });
});

describe('Task', () => {
  const T = { Type: 'Task', Resource: 'arn:aws:states:::ecs:runTask.sync' };
  test('Resource is required and must be an ARN', () => {
    has(stateErrors({ Type: 'Task' }), 'These fields are required: [Resource] at /States/A');
    has(
      stateErrors({ Type: 'Task', Resource: 'createToken' }),
      'Value is not a valid resource ARN at /States/A/Resource',
    );
  });
  test('timeouts', () => {
    assert.deepEqual(stateErrors({ ...T, TimeoutSeconds: 300, HeartbeatSeconds: 60 }), []);
    has(stateErrors({ ...T, TimeoutSeconds: 0 }), "'TimeoutSeconds' must be an INTEGER");
    has(stateErrors({ ...T, TimeoutSeconds: 1.5 }), "'TimeoutSeconds' must be an INTEGER");
    has(stateErrors({ ...T, TimeoutSeconds: 60, HeartbeatSeconds: 60 }), 'HeartbeatSeconds must be smaller');
    has(
      stateErrors({ ...T, TimeoutSeconds: 60, TimeoutSecondsPath: '$.t' }),
      'Only one of these fields can be present: [TimeoutSeconds, TimeoutSecondsPath]',
    );
    has(
      stateErrors({ ...T, HeartbeatSecondsPath: '$.h[*]' }),
      "'HeartbeatSecondsPath' must be a valid ReferencePath",
    );
    assert.deepEqual(
      stateErrors({ ...T, TimeoutSeconds: '{% $states.input.t %}' }, { QueryLanguage: 'JSONata' }),
      [],
    );
  });
  test('EXPRESS machines refuse .sync, .waitForTaskToken and activities', () => {
    const def = (Resource: string) => machineOf({ Type: 'Task', Resource, Next: 'Done' });
    has(codes(def('arn:aws:states:::ecs:runTask.sync'), 'EXPRESS'), "'.sync'");
    has(codes(def('arn:aws:states:::sqs:sendMessage.waitForTaskToken'), 'EXPRESS'), "'.waitForTaskToken'");
    has(codes(def('arn:aws:states:us-east-1:123456789012:activity:work'), 'EXPRESS'), 'activities');
    valid(def('arn:aws:states:::sqs:sendMessage'), 'EXPRESS');
    valid(def('arn:aws:states:::ecs:runTask.sync'), 'STANDARD');
  });
  test('Retry shapes', () => {
    has(stateErrors({ ...T, Retry: [{}] }), 'These fields are required: [ErrorEquals] at /States/A/Retry[0]');
    has(stateErrors({ ...T, Retry: [{ ErrorEquals: [] }] }), "'ErrorEquals' must be a non-empty ARRAY");
    has(
      stateErrors({ ...T, Retry: [{ ErrorEquals: ['States.ALL', 'X'] }] }),
      "Error name 'States.ALL' must appear alone",
    );
    has(
      stateErrors({ ...T, Retry: [{ ErrorEquals: ['States.ALL'] }, { ErrorEquals: ['X'] }] }),
      'must be the last Retrier',
    );
    has(
      stateErrors({ ...T, Retry: [{ ErrorEquals: ['States.Bogus'] }] }),
      'unknown error name: States.Bogus',
    );
    has(stateErrors({ ...T, Retry: [{ ErrorEquals: ['X'], BackoffRate: 0.5 }] }), "'BackoffRate'");
    has(stateErrors({ ...T, Retry: [{ ErrorEquals: ['X'], MaxAttempts: -1 }] }), "'MaxAttempts'");
    has(stateErrors({ ...T, Retry: [{ ErrorEquals: ['X'], IntervalSeconds: 0 }] }), "'IntervalSeconds'");
    has(stateErrors({ ...T, Retry: [{ ErrorEquals: ['X'], JitterStrategy: 'HALF' }] }), "'JitterStrategy'");
    has(
      stateErrors({ ...T, Retry: [{ ErrorEquals: ['X'], Next: 'Done' }] }),
      "Field 'Next' is not supported at /States/A/Retry[0]",
    );
    const m = valid(
      machineOf({
        ...T,
        Next: 'Done',
        Retry: [
          { ErrorEquals: ['X'], MaxAttempts: 0 },
          {
            ErrorEquals: ['States.ALL'],
            IntervalSeconds: 2,
            BackoffRate: 1.5,
            MaxDelaySeconds: 10,
            JitterStrategy: 'FULL',
          },
        ],
      }),
    );
    assert.deepEqual(m.states.A?.retry, [
      { errorEquals: ['X'], intervalSeconds: 1, maxAttempts: 0, backoffRate: 2, jitterStrategy: 'NONE' },
      {
        errorEquals: ['States.ALL'],
        intervalSeconds: 2,
        maxAttempts: 3,
        backoffRate: 1.5,
        maxDelaySeconds: 10,
        jitterStrategy: 'FULL',
      },
    ]);
  });
  test('Catch shapes', () => {
    has(
      stateErrors({ ...T, Catch: [{ ErrorEquals: ['X'] }] }),
      'These fields are required: [Next] at /States/A/Catch[0]',
    );
    has(
      codes(machineOf({ ...T, Next: 'Done', Catch: [{ ErrorEquals: ['X'], Next: 'Nowhere' }] })),
      "MISSING_TRANSITION_TARGET: Missing 'Next' target: Nowhere at /States/A/Catch[0]/Next",
    );
    has(
      stateErrors({ ...T, Catch: [{ ErrorEquals: ['X'], Next: 'Done', ResultPath: 'bad' }] }),
      "'ResultPath' must be a valid ReferencePath",
    );
    has(
      stateErrors({ ...T, Catch: [{ ErrorEquals: ['X'], Next: 'Done', Output: {} }] }),
      "Field 'Output' is not supported at /States/A/Catch[0]",
    );
    assert.deepEqual(
      stateErrors(
        {
          ...T,
          Catch: [
            {
              ErrorEquals: ['X'],
              Next: 'Done',
              Output: '{% $states.errorOutput %}',
              Assign: { e: '{% 1 %}' },
            },
          ],
        },
        { QueryLanguage: 'JSONata' },
      ),
      [],
    );
  });
  test('Retry and Catch only on Task, Parallel and Map', () => {
    has(stateErrors({ Type: 'Pass', Retry: [] }), "Field 'Retry' is not supported");
  });
});

describe('Choice', () => {
  const C = (choices: unknown, extra: Record<string, unknown> = {}) =>
    codes(machineOf({ Type: 'Choice', Choices: choices, Default: 'Done', ...extra })).filter(
      (d) => !d.includes('reachable'),
    );
  test('Choices required and non-empty', () => {
    has(
      codes(machineOf({ Type: 'Choice', Default: 'Done' })),
      'These fields are required: [Choices] at /States/A',
    );
    has(C([]), "'Choices' must be a non-empty ARRAY");
  });
  test('top-level rules need Next; nested rules must not have one', () => {
    has(
      C([{ Variable: '$.a', IsPresent: true }]),
      'These fields are required: [Next] at /States/A/Choices[0]',
    );
    has(
      C([{ Not: { Variable: '$.a', IsPresent: true, Next: 'Done' }, Next: 'Done' }]),
      "Field 'Next' is not supported in a nested Choice Rule",
    );
  });
  test('exactly one operator', () => {
    has(C([{ Variable: '$.a', Next: 'Done' }]), 'exactly one comparison operator');
    has(
      C([{ Variable: '$.a', StringEquals: 'x', NumericEquals: 1, Next: 'Done' }]),
      'only one comparison operator',
    );
    has(
      C([{ Variable: '$.a', StringEquals: 'x', Bogus: 1, Next: 'Done' }]),
      "Field 'Bogus' is not supported",
    );
  });
  test('operand types', () => {
    has(
      C([{ Variable: '$.a', StringEquals: 1, Next: 'Done' }]),
      "The value for the field 'StringEquals' must be a STRING",
    );
    has(C([{ Variable: '$.a', NumericEquals: '1', Next: 'Done' }]), "'NumericEquals' must be a NUMBER");
    has(C([{ Variable: '$.a', BooleanEquals: 'true', Next: 'Done' }]), "'BooleanEquals' must be a BOOLEAN");
    has(
      C([{ Variable: '$.a', TimestampEquals: '2020-01-01', Next: 'Done' }]),
      "'TimestampEquals' must be a valid ISO-8601",
    );
    has(
      C([{ Variable: '$.a', StringEqualsPath: 'a', Next: 'Done' }]),
      "'StringEqualsPath' must be a valid ReferencePath",
    );
    has(C([{ Variable: '$.a', IsNull: 'yes', Next: 'Done' }]), "'IsNull' must be a BOOLEAN");
    has(C([{ Variable: 'a', IsNull: true, Next: 'Done' }]), "'Variable' must be a valid JSONPath");
    has(C([{ And: [], Next: 'Done' }]), "'And' must be a non-empty ARRAY");
    has(C([{ Not: [], Next: 'Done' }]), "'Not' must be an OBJECT");
  });
  test('every operator validates', () => {
    const rules = [
      { Variable: '$.a', StringEquals: 'x' },
      { Variable: '$.a', StringMatches: 'x*' },
      { Variable: '$.a', NumericGreaterThanEqualsPath: '$.b' },
      { Variable: '$.a', TimestampLessThan: '2020-01-01T00:00:00Z' },
      { Variable: '$$.Execution.Input.a', IsTimestamp: true },
      { Variable: '$v', IsString: true },
      {
        And: [
          { Variable: '$.a', IsNumeric: true },
          { Or: [{ Variable: '$.b', IsBoolean: true }, { Not: { Variable: '$.c', IsNull: true } }] },
        ],
      },
    ].map((r) => ({ ...r, Next: 'Done' }));
    assert.deepEqual(C(rules), []);
  });
  test('Default must exist', () => {
    has(
      codes(
        machineOf({
          Type: 'Choice',
          Choices: [{ Variable: '$.a', IsPresent: true, Next: 'Done' }],
          Default: 'Gone',
        }),
      ),
      "Missing 'Default' target: Gone at /States/A/Default",
    );
  });
  test('JSONata rules use Condition', () => {
    const top = { QueryLanguage: 'JSONata' };
    const d = (choices: unknown) =>
      codes(machineOf({ Type: 'Choice', Choices: choices, Default: 'Done' }, top));
    assert.deepEqual(
      d([{ Condition: '{% $states.input.a > 1 %}', Next: 'Done', Output: { x: 1 }, Assign: { y: 2 } }]),
      [],
    );
    has(d([{ Variable: '$.a', IsPresent: true, Next: 'Done' }]), "Field 'Variable' is not supported");
    has(d([{ Condition: 'a > 1', Next: 'Done' }]), "'Condition' must be a JSONata expression");
  });
});

describe('Wait, Fail, Parallel, Map', () => {
  test('Wait needs exactly one of its time fields', () => {
    has(
      stateErrors({ Type: 'Wait' }),
      'Exactly one of these fields is required: [Seconds, SecondsPath, Timestamp, TimestampPath]',
    );
    has(
      stateErrors({ Type: 'Wait', Seconds: 1, SecondsPath: '$.s' }),
      'Only one of these fields can be present: [Seconds, SecondsPath]',
    );
    has(stateErrors({ Type: 'Wait', Seconds: -1 }), "'Seconds' must be an INTEGER");
    has(stateErrors({ Type: 'Wait', Timestamp: '2020-01-01 00:00' }), "'Timestamp' must be a valid ISO-8601");
    assert.deepEqual(stateErrors({ Type: 'Wait', Timestamp: '2016-03-14T01:59:00Z' }), []);
    assert.deepEqual(stateErrors({ Type: 'Wait', TimestampPath: '$.expirydate' }), []);
    assert.deepEqual(
      stateErrors({ Type: 'Wait', Seconds: '{% $states.input.s %}' }, { QueryLanguage: 'JSONata' }),
      [],
    );
  });
  test('Fail fields', () => {
    const F = (f: Record<string, unknown>, top = {}) =>
      codes(machineOf({ Type: 'Fail', ...f }, top)).filter((d) => !d.includes('reachable'));
    assert.deepEqual(F({ Error: 'ErrorA', Cause: 'Kaiju attack' }), []);
    assert.deepEqual(F({ ErrorPath: '$.error', CausePath: "States.Format('cause: {}', $.c)" }), []);
    has(F({ Error: 'a', ErrorPath: '$.e' }), 'Only one of these fields can be present: [Error, ErrorPath]');
    has(F({ ErrorPath: 'x' }), "'ErrorPath' must be a valid ReferencePath");
    has(F({ ErrorPath: '$.e' }, { QueryLanguage: 'JSONata' }), "Field 'ErrorPath' is not supported");
  });
  test('Parallel branches are machines of their own', () => {
    has(stateErrors({ Type: 'Parallel' }), 'These fields are required: [Branches]');
    has(stateErrors({ Type: 'Parallel', Branches: [] }), "'Branches' must be a non-empty ARRAY");
    has(
      stateErrors({
        Type: 'Parallel',
        Branches: [{ StartAt: 'X', States: { X: { Type: 'Pass', Next: 'Done' } } }],
      }),
      "Missing 'Next' target: Done at /States/A/Branches[0]/States/X/Next",
    );
    has(
      stateErrors({ Type: 'Parallel', Branches: [{ States: {} }] }),
      'These fields are required: [StartAt] at /States/A/Branches[0]',
    );
    const m = valid(
      machineOf({
        Type: 'Parallel',
        Next: 'Done',
        Branches: [
          { StartAt: 'X', States: { X: { Type: 'Pass', End: true } } },
          { StartAt: 'Y', States: { Y: { Type: 'Succeed' } } },
        ],
      }),
    );
    assert.equal(m.states.A?.branches?.length, 2);
  });
  test('Map', () => {
    const P = { ItemProcessor: { StartAt: 'X', States: { X: { Type: 'Pass', End: true } } } };
    assert.deepEqual(
      stateErrors({
        Type: 'Map',
        ...P,
        ItemsPath: '$.items',
        MaxConcurrency: 5,
        ItemSelector: { 'v.$': '$$.Map.Item.Value' },
      }),
      [],
    );
    assert.deepEqual(
      stateErrors({ Type: 'Map', Iterator: P.ItemProcessor, Parameters: { 'i.$': '$$.Map.Item.Index' } }),
      [],
    );
    has(stateErrors({ Type: 'Map' }), 'These fields are required: [ItemProcessor]');
    has(
      stateErrors({ Type: 'Map', ...P, Iterator: P.ItemProcessor }),
      'Only one of these fields can be present: [ItemProcessor, Iterator]',
    );
    has(stateErrors({ Type: 'Map', ...P, ItemsPath: '$.a[*]' }), "'ItemsPath' must be a valid ReferencePath");
    has(stateErrors({ Type: 'Map', ...P, MaxConcurrency: -1 }), "'MaxConcurrency'");
    has(
      stateErrors({ Type: 'Map', ...P, ItemBatcher: { MaxItemsPerBatch: 2 } }),
      'only supported in a Map state whose ProcessorConfig Mode is DISTRIBUTED',
    );
    has(
      stateErrors({
        Type: 'Map',
        ItemProcessor: { ...P.ItemProcessor, ProcessorConfig: { Mode: 'DISTRIBUTED' } },
      }),
      'These fields are required: [ExecutionType]',
    );
    has(
      stateErrors({
        Type: 'Map',
        ItemProcessor: { ...P.ItemProcessor, ProcessorConfig: { Mode: 'SIDEWAYS' } },
      }),
      "'Mode' must be one of [INLINE, DISTRIBUTED]",
    );
    const D = {
      ItemProcessor: {
        ...P.ItemProcessor,
        ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' },
      },
    };
    assert.deepEqual(
      stateErrors({
        Type: 'Map',
        ...D,
        Label: 'Batches',
        ToleratedFailurePercentage: 5,
        ToleratedFailureCount: 10,
        ItemBatcher: { MaxItemsPerBatch: 10, BatchInput: { 'k.$': '$.k' } },
        ItemReader: {
          Resource: 'arn:aws:states:::s3:getObject',
          ReaderConfig: { InputType: 'JSON' },
          Parameters: { Bucket: 'b', Key: 'k' },
        },
        ResultWriter: { Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: 'b', Prefix: 'p' } },
      }),
      [],
    );
    has(
      stateErrors({ Type: 'Map', ...D, ToleratedFailurePercentage: 101 }),
      "'ToleratedFailurePercentage' must be a NUMBER between 0 and 100",
    );
    has(stateErrors({ Type: 'Map', ...D, Label: 'has space' }), "'Label'");
    has(
      codes(machineOf({ Type: 'Map', ...D, Next: 'Done' }), 'EXPRESS'),
      'Express state machines do not support Distributed Map',
    );
    has(stateErrors({ Type: 'Map', ...P, Items: [1] }), "Field 'Items' is not supported");
    assert.deepEqual(
      stateErrors(
        {
          Type: 'Map',
          ...P,
          Items: '{% $states.input.list %}',
          ItemSelector: { v: '{% $states.context.Map.Item.Value %}' },
        },
        { QueryLanguage: 'JSONata' },
      ),
      [],
    );
    has(
      stateErrors({ Type: 'Map', ...P, Items: 5 }, { QueryLanguage: 'JSONata' }),
      "'Items' must be an ARRAY or a JSONata expression",
    );
  });
  test('processor machines: the Map state names cannot repeat inside', () => {
    has(
      stateErrors({ Type: 'Map', ItemProcessor: { StartAt: 'A', States: { A: { Type: 'Succeed' } } } }),
      'DUPLICATE_STATE_NAME',
    );
  });
});

describe('TestState definitions', () => {
  test('one state whose Next is elsewhere', () => {
    const r = validateStateDefinition(JSON.stringify({ Type: 'Pass', Next: 'Elsewhere' }));
    assert.deepEqual(r.diagnostics, []);
    assert.equal(r.machine?.startAt, 'TestState');
  });
  test('errors are located at the state', () => {
    const r = validateStateDefinition(JSON.stringify({ Type: 'Task' }));
    assert.deepEqual(
      r.diagnostics.map((d) => d.message),
      ['These fields are required: [Resource]'],
    );
  });
});

// Properties: validation never throws, whatever JSON it is given (random values in every ASL field),
// and always answers either a machine or at least one ERROR diagnostic.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  complete,
  definitionError,
  enter,
  type Json,
  StatesError,
  validateDefinition,
  validateStateDefinition,
} from './index.ts';

const KEYS = [
  'Type',
  'Next',
  'End',
  'Resource',
  'Parameters',
  'Arguments',
  'Output',
  'Assign',
  'InputPath',
  'OutputPath',
  'ResultPath',
  'ResultSelector',
  'Retry',
  'Catch',
  'ErrorEquals',
  'Choices',
  'Default',
  'Variable',
  'And',
  'Or',
  'Not',
  'StringEquals',
  'NumericEqualsPath',
  'IsPresent',
  'Condition',
  'Seconds',
  'Timestamp',
  'SecondsPath',
  'Branches',
  'ItemProcessor',
  'ProcessorConfig',
  'Mode',
  'ExecutionType',
  'ItemsPath',
  'Items',
  'ItemSelector',
  'ItemReader',
  'ItemBatcher',
  'ResultWriter',
  'StartAt',
  'States',
  'QueryLanguage',
  'Error',
  'CausePath',
  'TimeoutSeconds',
  'HeartbeatSeconds',
  'MaxConcurrency',
  'ToleratedFailurePercentage',
  'Label',
  'x.$',
];
const STRINGS = [
  'Pass',
  'Task',
  'Choice',
  'Wait',
  'Succeed',
  'Fail',
  'Parallel',
  'Map',
  'A',
  'B',
  '$',
  '$.a',
  '$$.Execution',
  '$.a[*]',
  'States.ALL',
  "States.Format('{}', $.a)",
  'States.Nope(',
  '{% $states.input %}',
  '{% ( %}',
  'JSONata',
  'JSONPath',
  'DISTRIBUTED',
  'INLINE',
  'arn:aws:states:::sqs:sendMessage.sync',
  '2020-01-01T00:00:00Z',
  '',
];
const value = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(...STRINGS),
    fc.integer({ min: -2, max: 5 }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie('v'), { maxKeys: 5 }),
  ),
})).v;

const definition = fc.record({
  StartAt: fc.oneof(fc.constantFrom('A', 'B'), value),
  States: fc.oneof(
    fc.dictionary(
      fc.constantFrom('A', 'B', 'C'),
      fc.dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 6 }),
    ),
    value,
  ),
  QueryLanguage: fc.oneof(fc.constantFrom('JSONPath', 'JSONata'), value),
});

test('validateDefinition never throws and always decides', () => {
  fc.assert(
    fc.property(fc.oneof(definition, value), (def) => {
      const r = validateDefinition(JSON.stringify(def) ?? 'null');
      const errors = r.diagnostics.filter((d) => d.severity === 'ERROR');
      assert.ok(r.machine !== undefined || errors.length > 0);
      assert.ok(r.machine === undefined || errors.length === 0);
      if (errors.length > 0)
        assert.match(definitionError(r.diagnostics), /^Invalid State Machine Definition: '/);
    }),
    { numRuns: 3000 },
  );
});

test('validateStateDefinition never throws', () => {
  fc.assert(
    fc.property(fc.dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 6 }), (def) => {
      validateStateDefinition(JSON.stringify(def));
    }),
    { numRuns: 2000 },
  );
});

test('text that is not JSON', () => {
  fc.assert(
    fc.property(fc.string(), (text) => {
      validateDefinition(text);
    }),
  );
});

const jsonInput = fc.jsonValue({ maxDepth: 3 });
const stateOf = (type: string) =>
  fc.record(
    {
      Type: fc.constant(type),
      InputPath: fc.constantFrom('$', '$.a', '$.a[0]', '$..b', null),
      OutputPath: fc.constantFrom('$', '$.a', null),
      ResultPath: fc.constantFrom('$', '$.r', '$.a.b', null),
      Parameters: fc.constantFrom(
        { 'x.$': '$.a' },
        { 'y.$': "States.Format('{}', $.a)" },
        { 'z.$': 'States.ArrayLength($.a)' },
        { k: 1 },
      ),
      Assign: fc.constantFrom({ 'v.$': '$.a' }, { w: 1 }),
      End: fc.constant(true),
    },
    { requiredKeys: ['Type', 'End'] },
  );

test('entering a valid JSONPath state with any input either works or raises a StatesError', async () => {
  await fc.assert(
    fc.asyncProperty(fc.oneof(stateOf('Pass'), stateOf('Task')), jsonInput, async (state, input) => {
      const s: Record<string, unknown> = { ...state };
      if (s.Type === 'Task') s.Resource = 'arn:aws:states:::sqs:sendMessage';
      const r = validateDefinition(JSON.stringify({ StartAt: 'A', States: { A: s } }));
      if (!r.machine) return;
      const ctx = {
        Execution: { Id: 'e', Input: null, Name: 'n', RoleArn: 'r', StartTime: 't' },
        State: { Name: 'A', EnteredTime: 't', RetryCount: 0 },
        StateMachine: { Id: 'm', Name: 'm' },
      };
      const env = { now: new Date(0), random: () => 0.5 };
      try {
        const a = await enter(r.machine, 'A', input as Json, ctx, {}, env);
        if (a.kind === 'task') await complete(r.machine, 'A', input as Json, input as Json, ctx, {}, env);
      } catch (e) {
        assert.ok(e instanceof StatesError, String(e));
      }
    }),
    { numRuns: 1500 },
  );
});

// Not a test of its own: builders the asl tests share (a context object, an Env, machines from JSON).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Context, type Env, type Machine, validateDefinition } from './index.ts';

export function context(overrides: Partial<Context> = {}): Context {
  return {
    Execution: {
      Id: 'arn:aws:states:us-east-1:123456789012:execution:sm:exec-1',
      Input: {},
      Name: 'exec-1',
      RoleArn: 'arn:aws:iam::123456789012:role/sfn',
      StartTime: '2024-01-01T00:00:00.000Z',
    },
    State: { Name: 'A', EnteredTime: '2024-01-01T00:00:01.000Z', RetryCount: 0 },
    StateMachine: { Id: 'arn:aws:states:us-east-1:123456789012:stateMachine:sm', Name: 'sm' },
    ...overrides,
  };
}

export function env(random: () => number = () => 0.5): Env {
  return { now: new Date('2024-01-01T00:00:00.000Z'), random };
}

/** A machine from a definition object; fails the test when it does not validate. */
export function machine(def: unknown): Machine {
  const r = validateDefinition(JSON.stringify(def));
  assert.ok(r.machine, JSON.stringify(r.diagnostics));
  return r.machine;
}

/** A one-state machine: the state `A` (given End: true when it has no Next and needs one). */
export function single(state: Record<string, unknown>, top: Record<string, unknown> = {}): Machine {
  const s = { ...state };
  const terminal = ['Choice', 'Succeed', 'Fail'].includes(s.Type as string);
  if (!terminal && s.Next === undefined && s.End === undefined) s.End = true;
  const states: Record<string, unknown> = { A: s };
  for (const target of [
    s.Next,
    s.Default,
    ...((s.Choices as { Next?: string }[] | undefined) ?? []).map((c) => c.Next),
    ...((s.Catch as { Next?: string }[] | undefined) ?? []).map((c) => c.Next),
  ])
    if (typeof target === 'string' && !states[target]) states[target] = { Type: 'Succeed' };
  return machine({ ...top, StartAt: 'A', States: states });
}

test('helpers build a machine', () => {
  assert.equal(single({ Type: 'Pass' }).startAt, 'A');
});

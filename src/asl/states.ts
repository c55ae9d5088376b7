// What each state does with its input: enter (Pass, Choice, Wait, Succeed, Fail, and the start of
// Task, Parallel and Map), complete (a result through ResultSelector → ResultPath → OutputPath, or
// Output / Assign), handleError (Retry, Catch), in both query languages.
import { evaluateRule, parseTimestamp } from './choice.ts';
import { StatesError } from './errors.ts';
import { evaluateExpression, evaluateTemplate, isExpression, type JsonataScope } from './jsonata.ts';
import { applyResultPath, compact, selectPath } from './jsonpath.ts';
import { applyTemplate, dynamicValue } from './template.ts';
import type {
  Action,
  Completion,
  Context,
  Env,
  ErrorHandling,
  Json,
  JsonObject,
  Machine,
  MapAction,
  RaisedError,
  Retrier,
  State,
  Variables,
} from './types.ts';

/** 256 KiB: the largest input, output, result or variable value Step Functions carries. */
export const PAYLOAD_LIMIT = 262144;

function stateOf(machine: Machine, name: string): State {
  const s = machine.states[name];
  if (!s) throw new Error(`no state named ${name}`);
  return s;
}

const byteLength = (v: Json): number => Buffer.byteLength(JSON.stringify(v) ?? 'null', 'utf8');

function checkSize(v: Json, what: string, stateName: string): Json {
  if (byteLength(v) > PAYLOAD_LIMIT)
    throw new StatesError(
      'States.DataLimitExceeded',
      `The state/task '${stateName}' returned ${what} with a size exceeding the maximum number of bytes service limit.`,
    );
  return v;
}

const asJson = (ctx: Context): Json => ctx as unknown as Json;

// ---- JSONPath helpers ----

function inputPath(state: State, input: Json, ctx: Context, vars: Variables): Json {
  const p = state.raw.InputPath;
  if (p === undefined) return input;
  if (p === null) return {};
  return selectPath(p as string, { input, context: asJson(ctx), vars });
}

function outputPath(state: State, output: Json, ctx: Context, vars: Variables): Json {
  const p = state.raw.OutputPath;
  if (p === undefined) return output;
  if (p === null) return {};
  return selectPath(p as string, { input: output, context: asJson(ctx), vars });
}

const pathEnv = (input: Json, ctx: Context, vars: Variables, env: Env) => ({
  input,
  context: asJson(ctx),
  vars,
  random: env.random,
});

function assignJsonPath(
  assign: Json | undefined,
  input: Json,
  ctx: Context,
  vars: Variables,
  env: Env,
): Variables {
  if (assign === undefined) return vars;
  const values = applyTemplate(assign, pathEnv(input, ctx, vars, env)) as JsonObject;
  return withAssigned(vars, values);
}

/** New variable values over the old ones; each value is at most 256 KiB. */
function withAssigned(vars: Variables, values: JsonObject): Variables {
  for (const [name, v] of Object.entries(values))
    if (byteLength(v) > PAYLOAD_LIMIT)
      throw new StatesError(
        'States.DataLimitExceeded',
        `The value assigned to the variable '${name}' exceeds the maximum size of 256 KiB.`,
      );
  return { ...vars, ...values };
}

// ---- JSONata helpers ----

function scopeOf(states: JsonObject, vars: Variables, env: Env): JsonataScope {
  return { states, vars, now: env.now, random: env.random };
}

async function assignJsonata(
  assign: Json | undefined,
  scope: JsonataScope,
  vars: Variables,
): Promise<Variables> {
  if (assign === undefined) return vars;
  const values = (await evaluateTemplate(assign, scope, 'Assign')) as JsonObject;
  return withAssigned(vars, values);
}

/** A JSONata field that may be a literal or an expression (TimeoutSeconds, MaxConcurrency, …). */
async function jsonataValue(
  value: Json | undefined,
  scope: JsonataScope,
  field: string,
): Promise<Json | undefined> {
  if (value === undefined) return undefined;
  if (isExpression(value)) return evaluateTemplate(value, scope, field);
  return value;
}

const integerField = (value: Json | undefined, field: string, min = 0): number | undefined => {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min)
    throw new StatesError(
      'States.Runtime',
      `The value for the field '${field}' must be an integer of at least ${min}, not ${compact(value)}`,
    );
  return value;
};

function pathNumber(
  state: State,
  field: string,
  effective: Json,
  ctx: Context,
  vars: Variables,
  min = 0,
): number | undefined {
  const direct = state.raw[field];
  if (direct !== undefined) return direct as number;
  const path = state.raw[`${field}Path`];
  if (typeof path !== 'string') return undefined;
  const v = selectPath(path, { input: effective, context: asJson(ctx), vars });
  return integerField(v, `${field}Path`, min);
}

// ---- enter ----

export async function enter(
  machine: Machine,
  stateName: string,
  input: Json,
  ctx: Context,
  vars: Variables,
  env: Env,
): Promise<Action> {
  const state = stateOf(machine, stateName);
  if (env.inspect) env.inspect.input = input;
  const action =
    state.queryLanguage === 'JSONata'
      ? await enterJsonata(state, input, ctx, vars, env)
      : enterJsonPath(state, input, ctx, vars, env);
  if ('output' in action) checkSize(action.output, 'an output', stateName);
  if (env.inspect && 'vars' in action && action.kind !== 'parallel' && action.kind !== 'map')
    env.inspect.variables = action.vars;
  return action;
}

function transition(state: State, output: Json, vars: Variables): Action {
  return state.next === undefined
    ? { kind: 'succeed', output, vars }
    : { kind: 'next', next: state.next, output, vars };
}

function enterJsonPath(state: State, input: Json, ctx: Context, vars: Variables, env: Env): Action {
  const raw = state.raw;
  switch (state.type) {
    case 'Pass': {
      const effective = inputPath(state, input, ctx, vars);
      if (env.inspect) env.inspect.afterInputPath = effective;
      let result = effective;
      if (raw.Parameters !== undefined)
        result = applyTemplate(raw.Parameters, pathEnv(effective, ctx, vars, env));
      else if (raw.Result !== undefined) result = raw.Result;
      if (env.inspect) env.inspect.afterParameters = result;
      const newVars = assignJsonPath(raw.Assign, result, ctx, vars, env);
      const merged = applyResultPath(input, raw.ResultPath as string | null | undefined, result);
      if (env.inspect) env.inspect.afterResultPath = merged;
      return transition(state, outputPath(state, merged, ctx, vars), newVars);
    }
    case 'Succeed': {
      const effective = inputPath(state, input, ctx, vars);
      return { kind: 'succeed', output: outputPath(state, effective, ctx, vars), vars };
    }
    case 'Fail': {
      const scope = pathEnv(input, ctx, vars, env);
      const error =
        raw.ErrorPath !== undefined
          ? dynamicValue(raw.ErrorPath as string, 'ErrorPath', scope)
          : (raw.Error as string | undefined);
      const cause =
        raw.CausePath !== undefined
          ? dynamicValue(raw.CausePath as string, 'CausePath', scope)
          : (raw.Cause as string | undefined);
      if (error !== undefined && typeof error !== 'string')
        throw new StatesError(
          'States.Runtime',
          `The ErrorPath '${raw.ErrorPath}' must reference a string, not ${compact(error)}`,
        );
      if (cause !== undefined && typeof cause !== 'string')
        throw new StatesError(
          'States.Runtime',
          `The CausePath '${raw.CausePath}' must reference a string, not ${compact(cause)}`,
        );
      const a: Action = { kind: 'fail' };
      if (error !== undefined) a.error = error as string;
      if (cause !== undefined) a.cause = cause as string;
      return a;
    }
    case 'Choice': {
      const effective = inputPath(state, input, ctx, vars);
      const scope = { input: effective, context: asJson(ctx), vars };
      const choices = raw.Choices as JsonObject[];
      for (const rule of choices) {
        if (evaluateRule(rule, scope)) {
          const newVars = assignJsonPath(rule.Assign, effective, ctx, vars, env);
          return {
            kind: 'next',
            next: rule.Next as string,
            output: outputPath(state, effective, ctx, vars),
            vars: newVars,
          };
        }
      }
      if (typeof raw.Default === 'string') {
        const newVars = assignJsonPath(raw.Assign, effective, ctx, vars, env);
        return {
          kind: 'next',
          next: raw.Default,
          output: outputPath(state, effective, ctx, vars),
          vars: newVars,
        };
      }
      throw new StatesError('States.NoChoiceMatched', 'No Matches!');
    }
    case 'Wait': {
      const effective = inputPath(state, input, ctx, vars);
      const until = waitUntilJsonPath(state, effective, ctx, vars, env);
      const newVars = assignJsonPath(raw.Assign, effective, ctx, vars, env);
      const output = outputPath(state, effective, ctx, vars);
      const a: Action = { kind: 'wait', until, output, vars: newVars };
      if (state.next !== undefined) a.next = state.next;
      return a;
    }
    case 'Task': {
      const effective = inputPath(state, input, ctx, vars);
      if (env.inspect) env.inspect.afterInputPath = effective;
      const parameters =
        raw.Parameters !== undefined
          ? applyTemplate(raw.Parameters, pathEnv(effective, ctx, vars, env))
          : effective;
      if (env.inspect) env.inspect.afterParameters = parameters;
      const a: Action = { kind: 'task', resource: state.resource!, parameters };
      const timeout = pathNumber(state, 'TimeoutSeconds', effective, ctx, vars, 1);
      const heartbeat = pathNumber(state, 'HeartbeatSeconds', effective, ctx, vars, 1);
      if (timeout !== undefined) a.timeoutSeconds = timeout;
      if (heartbeat !== undefined) a.heartbeatSeconds = heartbeat;
      if (raw.Credentials !== undefined)
        a.credentials = applyTemplate(raw.Credentials, pathEnv(effective, ctx, vars, env));
      return a;
    }
    case 'Parallel': {
      const effective = inputPath(state, input, ctx, vars);
      if (env.inspect) env.inspect.afterInputPath = effective;
      const branchInput =
        raw.Parameters !== undefined
          ? applyTemplate(raw.Parameters, pathEnv(effective, ctx, vars, env))
          : effective;
      if (env.inspect) env.inspect.afterParameters = branchInput;
      return { kind: 'parallel', branches: state.branches!, input: branchInput, vars };
    }
    case 'Map':
      return enterMapJsonPath(state, input, ctx, vars, env);
  }
}

function waitUntilJsonPath(state: State, effective: Json, ctx: Context, vars: Variables, env: Env): Date {
  const raw = state.raw;
  const scope = { input: effective, context: asJson(ctx), vars };
  if (typeof raw.Seconds === 'number') return new Date(env.now.getTime() + raw.Seconds * 1000);
  if (typeof raw.Timestamp === 'string') return new Date(parseTimestamp(raw.Timestamp)!);
  if (typeof raw.SecondsPath === 'string') {
    const v = selectPath(raw.SecondsPath, scope);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
      throw new StatesError(
        'States.Runtime',
        `The SecondsPath parameter does not reference a valid integer value: '${raw.SecondsPath}' is ${compact(v)}`,
      );
    return new Date(env.now.getTime() + v * 1000);
  }
  if (typeof raw.TimestampPath === 'string') {
    const v = selectPath(raw.TimestampPath, scope);
    const t = parseTimestamp(v);
    if (t === undefined)
      throw new StatesError(
        'States.Runtime',
        `The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: '${raw.TimestampPath}' is ${compact(v)}`,
      );
    return new Date(t);
  }
  return env.now;
}

function mapCommon(state: State): Pick<MapAction, 'processor' | 'mode' | 'executionType' | 'label'> {
  const processor = state.processor!;
  const out: Pick<MapAction, 'processor' | 'mode' | 'executionType' | 'label'> = {
    processor,
    mode: processor.processorConfig?.mode ?? 'INLINE',
  };
  if (processor.processorConfig?.executionType) out.executionType = processor.processorConfig.executionType;
  if (state.label !== undefined) out.label = state.label;
  return out;
}

function enterMapJsonPath(state: State, input: Json, ctx: Context, vars: Variables, env: Env): Action {
  const raw = state.raw;
  const effective = inputPath(state, input, ctx, vars);
  if (env.inspect) env.inspect.afterInputPath = effective;
  const common = mapCommon(state);
  const action: MapAction = {
    kind: 'map',
    items: [],
    itemInputs: [],
    ...common,
    maxConcurrency: pathNumber(state, 'MaxConcurrency', effective, ctx, vars) ?? 0,
    effectiveInput: effective,
    vars: common.mode === 'DISTRIBUTED' ? {} : vars,
  };
  const count = pathNumber(state, 'ToleratedFailureCount', effective, ctx, vars);
  if (count !== undefined) action.toleratedFailureCount = count;
  const pct = pathNumber(state, 'ToleratedFailurePercentage', effective, ctx, vars);
  if (pct !== undefined) {
    if (pct > 100)
      throw new StatesError('States.Runtime', 'ToleratedFailurePercentage must be between 0 and 100');
    action.toleratedFailurePercentage = pct;
  }
  const penv = pathEnv(effective, ctx, vars, env);
  if (raw.ResultWriter !== undefined) {
    const rw = raw.ResultWriter as JsonObject;
    const w: NonNullable<MapAction['resultWriter']> = {};
    if (rw.Resource !== undefined) w.resource = rw.Resource as string;
    if (rw.Parameters !== undefined) w.parameters = applyTemplate(rw.Parameters, penv);
    if (rw.WriterConfig !== undefined) w.writerConfig = rw.WriterConfig;
    action.resultWriter = w;
  }
  if (raw.ItemReader !== undefined) {
    const ir = raw.ItemReader as JsonObject;
    const reader: NonNullable<MapAction['itemReader']> = {
      resource: ir.Resource as string,
      parameters: ir.Parameters !== undefined ? applyTemplate(ir.Parameters, penv) : {},
    };
    if (ir.ReaderConfig !== undefined) {
      const rc = { ...(ir.ReaderConfig as JsonObject) };
      if (typeof rc.MaxItemsPath === 'string') {
        rc.MaxItems = integerField(selectPath(rc.MaxItemsPath, penv), 'MaxItemsPath') ?? 0;
        delete rc.MaxItemsPath;
      }
      reader.readerConfig = rc;
    }
    action.itemReader = reader;
    return action;
  }
  const items = selectPath((raw.ItemsPath as string | undefined) ?? '$', {
    input: effective,
    context: asJson(ctx),
    vars,
  });
  if (!Array.isArray(items))
    throw new StatesError(
      'States.Runtime',
      `Invalid path '${(raw.ItemsPath as string | undefined) ?? '$'}': The Map state's ItemsPath must reference a JSON array, not ${compact(items)}`,
    );
  action.items = items;
  action.itemInputs = itemInputsJsonPath(state, effective, items, ctx, vars, env);
  return action;
}

function itemInputsJsonPath(
  state: State,
  effective: Json,
  items: Json[],
  ctx: Context,
  vars: Variables,
  env: Env,
): Json[] {
  const raw = state.raw;
  const selector = raw.ItemSelector ?? raw.Parameters;
  const selected =
    selector === undefined
      ? items
      : items.map((value, index) => {
          const itemCtx = { ...ctx, Map: { Item: { Index: index, Value: value } } } as Context;
          return applyTemplate(selector, pathEnv(effective, itemCtx, vars, env));
        });
  if (raw.ItemBatcher === undefined) return selected;
  const b = raw.ItemBatcher as JsonObject;
  const scope = { input: effective, context: asJson(ctx), vars };
  const maxItems =
    (b.MaxItemsPerBatch as number | undefined) ??
    (typeof b.MaxItemsPerBatchPath === 'string'
      ? integerField(selectPath(b.MaxItemsPerBatchPath, scope), 'MaxItemsPerBatchPath', 1)
      : undefined);
  const maxBytes =
    (b.MaxInputBytesPerBatch as number | undefined) ??
    (typeof b.MaxInputBytesPerBatchPath === 'string'
      ? integerField(selectPath(b.MaxInputBytesPerBatchPath, scope), 'MaxInputBytesPerBatchPath', 1)
      : undefined);
  const batchInput =
    b.BatchInput !== undefined ? applyTemplate(b.BatchInput, pathEnv(effective, ctx, vars, env)) : undefined;
  return batch(selected, maxItems, maxBytes, batchInput);
}

function batch(
  items: Json[],
  maxItems: number | undefined,
  maxBytes: number | undefined,
  batchInput: Json | undefined,
): Json[] {
  const out: Json[] = [];
  let current: Json[] = [];
  let bytes = 0;
  const make = (list: Json[]): Json =>
    batchInput === undefined ? { Items: list } : { BatchInput: batchInput, Items: list };
  for (const item of items) {
    const size = byteLength(item);
    const full =
      current.length > 0 &&
      ((maxItems !== undefined && current.length >= maxItems) ||
        (maxBytes !== undefined && bytes + size > maxBytes));
    if (full) {
      out.push(make(current));
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) out.push(make(current));
  return out;
}

async function enterJsonata(
  state: State,
  input: Json,
  ctx: Context,
  vars: Variables,
  env: Env,
): Promise<Action> {
  const raw = state.raw;
  const scope = scopeOf({ input, context: asJson(ctx) }, vars, env);
  const output = async (fallback: Json): Promise<Json> =>
    raw.Output === undefined ? fallback : evaluateTemplate(raw.Output, scope, 'Output');
  switch (state.type) {
    case 'Pass': {
      const [out, newVars] = await Promise.all([output(input), assignJsonata(raw.Assign, scope, vars)]);
      return transition(state, out, newVars);
    }
    case 'Succeed':
      return { kind: 'succeed', output: await output(input), vars };
    case 'Fail': {
      const error = await jsonataValue(raw.Error, scope, 'Error');
      const cause = await jsonataValue(raw.Cause, scope, 'Cause');
      if (error !== undefined && typeof error !== 'string')
        throw new StatesError(
          'States.QueryEvaluationError',
          `The field 'Error' must evaluate to a string, not ${compact(error)}`,
        );
      if (cause !== undefined && typeof cause !== 'string')
        throw new StatesError(
          'States.QueryEvaluationError',
          `The field 'Cause' must evaluate to a string, not ${compact(cause)}`,
        );
      const a: Action = { kind: 'fail' };
      if (error !== undefined) a.error = error as string;
      if (cause !== undefined) a.cause = cause as string;
      return a;
    }
    case 'Choice': {
      for (const [i, rule] of (raw.Choices as JsonObject[]).entries()) {
        const cond = await evaluateExpression(rule.Condition as string, scope, `Choices[${i}].Condition`);
        if (typeof cond !== 'boolean')
          throw new StatesError(
            'States.QueryEvaluationError',
            `The Condition '${rule.Condition}' of Choices[${i}] must evaluate to a boolean, not ${compact(cond)}`,
          );
        if (cond) {
          const [out, newVars] = await Promise.all([
            rule.Output !== undefined
              ? evaluateTemplate(rule.Output, scope, 'Output')
              : Promise.resolve(input),
            assignJsonata(rule.Assign, scope, vars),
          ]);
          return { kind: 'next', next: rule.Next as string, output: out, vars: newVars };
        }
      }
      if (typeof raw.Default === 'string') {
        const [out, newVars] = await Promise.all([output(input), assignJsonata(raw.Assign, scope, vars)]);
        return { kind: 'next', next: raw.Default, output: out, vars: newVars };
      }
      throw new StatesError('States.NoChoiceMatched', 'No Matches!');
    }
    case 'Wait': {
      let until = env.now;
      if (raw.Seconds !== undefined) {
        const s = await jsonataValue(raw.Seconds, scope, 'Seconds');
        if (typeof s !== 'number' || !Number.isInteger(s) || s < 0)
          throw new StatesError(
            'States.QueryEvaluationError',
            `The field 'Seconds' must evaluate to a non-negative integer, not ${compact(s ?? null)}`,
          );
        until = new Date(env.now.getTime() + s * 1000);
      } else if (raw.Timestamp !== undefined) {
        const t = await jsonataValue(raw.Timestamp, scope, 'Timestamp');
        const ms = parseTimestamp(t);
        if (ms === undefined)
          throw new StatesError(
            'States.QueryEvaluationError',
            `The field 'Timestamp' must evaluate to an ISO-8601 extended offset date-time format string, not ${compact(t ?? null)}`,
          );
        until = new Date(ms);
      }
      const [out, newVars] = await Promise.all([output(input), assignJsonata(raw.Assign, scope, vars)]);
      const a: Action = { kind: 'wait', until, output: out, vars: newVars };
      if (state.next !== undefined) a.next = state.next;
      return a;
    }
    case 'Task': {
      const args =
        raw.Arguments !== undefined ? await evaluateTemplate(raw.Arguments, scope, 'Arguments') : input;
      if (env.inspect) env.inspect.afterArguments = args;
      const resource = isExpression(state.resource)
        ? ((await evaluateExpression(state.resource, scope, 'Resource')) as string)
        : state.resource!;
      const a: Action = { kind: 'task', resource, parameters: args };
      const timeout = integerField(
        await jsonataValue(raw.TimeoutSeconds, scope, 'TimeoutSeconds'),
        'TimeoutSeconds',
        1,
      );
      const heartbeat = integerField(
        await jsonataValue(raw.HeartbeatSeconds, scope, 'HeartbeatSeconds'),
        'HeartbeatSeconds',
        1,
      );
      if (timeout !== undefined) a.timeoutSeconds = timeout;
      if (heartbeat !== undefined) a.heartbeatSeconds = heartbeat;
      if (raw.Credentials !== undefined)
        a.credentials = await evaluateTemplate(raw.Credentials, scope, 'Credentials');
      return a;
    }
    case 'Parallel': {
      const args =
        raw.Arguments !== undefined ? await evaluateTemplate(raw.Arguments, scope, 'Arguments') : input;
      if (env.inspect) env.inspect.afterArguments = args;
      return { kind: 'parallel', branches: state.branches!, input: args, vars };
    }
    case 'Map': {
      const common = mapCommon(state);
      const action: MapAction = {
        kind: 'map',
        items: [],
        itemInputs: [],
        ...common,
        maxConcurrency:
          integerField(await jsonataValue(raw.MaxConcurrency, scope, 'MaxConcurrency'), 'MaxConcurrency') ??
          0,
        effectiveInput: input,
        vars: common.mode === 'DISTRIBUTED' ? {} : vars,
      };
      const count = integerField(
        await jsonataValue(raw.ToleratedFailureCount, scope, 'ToleratedFailureCount'),
        'ToleratedFailureCount',
      );
      if (count !== undefined) action.toleratedFailureCount = count;
      const pct = await jsonataValue(raw.ToleratedFailurePercentage, scope, 'ToleratedFailurePercentage');
      if (pct !== undefined) {
        if (typeof pct !== 'number' || pct < 0 || pct > 100)
          throw new StatesError(
            'States.QueryEvaluationError',
            'ToleratedFailurePercentage must be a number between 0 and 100',
          );
        action.toleratedFailurePercentage = pct;
      }
      if (raw.ResultWriter !== undefined) {
        const rw = raw.ResultWriter as JsonObject;
        const w: NonNullable<MapAction['resultWriter']> = {};
        if (rw.Resource !== undefined) w.resource = rw.Resource as string;
        if (rw.Arguments !== undefined)
          w.parameters = await evaluateTemplate(rw.Arguments, scope, 'ResultWriter.Arguments');
        if (rw.WriterConfig !== undefined)
          w.writerConfig = await evaluateTemplate(rw.WriterConfig, scope, 'ResultWriter.WriterConfig');
        action.resultWriter = w;
      }
      if (raw.ItemReader !== undefined) {
        const ir = raw.ItemReader as JsonObject;
        const reader: NonNullable<MapAction['itemReader']> = {
          resource: ir.Resource as string,
          parameters:
            ir.Arguments !== undefined
              ? await evaluateTemplate(ir.Arguments, scope, 'ItemReader.Arguments')
              : {},
        };
        if (ir.ReaderConfig !== undefined)
          reader.readerConfig = await evaluateTemplate(ir.ReaderConfig, scope, 'ItemReader.ReaderConfig');
        action.itemReader = reader;
        return action;
      }
      const items = raw.Items !== undefined ? await evaluateTemplate(raw.Items, scope, 'Items') : input;
      if (!Array.isArray(items))
        throw new StatesError(
          'States.QueryEvaluationError',
          `The Map state's Items must evaluate to a JSON array, not ${compact(items)}`,
        );
      action.items = items;
      action.itemInputs = await itemInputsJsonata(state, input, items, ctx, vars, env);
      return action;
    }
  }
}

async function itemInputsJsonata(
  state: State,
  input: Json,
  items: Json[],
  ctx: Context,
  vars: Variables,
  env: Env,
): Promise<Json[]> {
  const raw = state.raw;
  let selected = items;
  if (raw.ItemSelector !== undefined) {
    selected = [];
    for (const [index, value] of items.entries()) {
      const itemCtx = { ...ctx, Map: { Item: { Index: index, Value: value } } };
      selected.push(
        await evaluateTemplate(
          raw.ItemSelector,
          scopeOf({ input, context: itemCtx as unknown as Json }, vars, env),
          'ItemSelector',
        ),
      );
    }
  }
  if (raw.ItemBatcher === undefined) return selected;
  const b = raw.ItemBatcher as JsonObject;
  const scope = scopeOf({ input, context: asJson(ctx) }, vars, env);
  const maxItems = integerField(
    await jsonataValue(b.MaxItemsPerBatch, scope, 'MaxItemsPerBatch'),
    'MaxItemsPerBatch',
    1,
  );
  const maxBytes = integerField(
    await jsonataValue(b.MaxInputBytesPerBatch, scope, 'MaxInputBytesPerBatch'),
    'MaxInputBytesPerBatch',
    1,
  );
  const batchInput =
    b.BatchInput !== undefined ? await evaluateTemplate(b.BatchInput, scope, 'BatchInput') : undefined;
  return batch(selected, maxItems, maxBytes, batchInput);
}

export async function mapItemInputs(
  machine: Machine,
  stateName: string,
  action: MapAction,
  items: Json[],
  ctx: Context,
  env: Env,
): Promise<Json[]> {
  const state = stateOf(machine, stateName);
  const vars = action.vars;
  return state.queryLanguage === 'JSONata'
    ? itemInputsJsonata(state, action.effectiveInput, items, ctx, vars, env)
    : itemInputsJsonPath(state, action.effectiveInput, items, ctx, vars, env);
}

export function toleratedFailureExceeded(action: MapAction, failed: number, total: number): boolean {
  if (failed === 0) return false;
  const count = action.toleratedFailureCount;
  const pct = action.toleratedFailurePercentage;
  if (count === undefined && pct === undefined) return true;
  if (count !== undefined && failed > count) return true;
  if (pct !== undefined && total > 0 && (failed / total) * 100 > pct) return true;
  return false;
}

// ---- complete ----

export async function complete(
  machine: Machine,
  stateName: string,
  stateInput: Json,
  result: Json,
  ctx: Context,
  vars: Variables,
  env: Env,
): Promise<Completion> {
  const state = stateOf(machine, stateName);
  const raw = state.raw;
  if (env.inspect) env.inspect.result = result;
  checkSize(result, 'a result', stateName);
  let completion: Completion;
  if (state.queryLanguage === 'JSONata') {
    const scope = scopeOf({ input: stateInput, result, context: asJson(ctx) }, vars, env);
    const [output, newVars] = await Promise.all([
      raw.Output === undefined ? Promise.resolve(result) : evaluateTemplate(raw.Output, scope, 'Output'),
      assignJsonata(raw.Assign, scope, vars),
    ]);
    completion = { output, vars: newVars };
  } else {
    const selected =
      raw.ResultSelector !== undefined
        ? applyTemplate(raw.ResultSelector, pathEnv(result, ctx, vars, env))
        : result;
    if (env.inspect) env.inspect.afterResultSelector = selected;
    const newVars = assignJsonPath(raw.Assign, selected, ctx, vars, env);
    const merged = applyResultPath(stateInput, raw.ResultPath as string | null | undefined, selected);
    if (env.inspect) env.inspect.afterResultPath = merged;
    completion = { output: outputPath(state, merged, ctx, vars), vars: newVars };
  }
  checkSize(completion.output, 'an output', stateName);
  if (env.inspect) env.inspect.variables = completion.vars;
  if (state.next !== undefined) completion.next = state.next;
  return completion;
}

// ---- errors ----

/** Does an ErrorEquals name match the raised error? (States.ALL never matches States.Runtime nor
 * States.DataLimitExceeded; States.TaskFailed matches all but States.Timeout; States.Timeout covers
 * States.HeartbeatTimeout.) */
export function errorMatches(name: string, error: string): boolean {
  if (error === 'States.Runtime') return false;
  if (name === error) return true;
  if (error === 'States.DataLimitExceeded') return false;
  if (name === 'States.ALL') return true;
  if (name === 'States.Timeout') return error === 'States.HeartbeatTimeout';
  if (name === 'States.TaskFailed') return error !== 'States.Timeout' && error !== 'States.HeartbeatTimeout';
  return false;
}

/** The delay before retry number `attempt` (0-based) of a retrier, in milliseconds. */
export function retryDelayMs(r: Retrier, attempt: number, random: () => number): number {
  let seconds = r.intervalSeconds * r.backoffRate ** attempt;
  if (r.maxDelaySeconds !== undefined) seconds = Math.min(seconds, r.maxDelaySeconds);
  let ms = seconds * 1000;
  if (r.jitterStrategy === 'FULL') ms = random() * ms;
  return Math.round(ms);
}

export async function handleError(
  machine: Machine,
  stateName: string,
  stateInput: Json,
  error: RaisedError,
  retryCounts: number[],
  ctx: Context,
  vars: Variables,
  env: Env,
): Promise<ErrorHandling> {
  const state = stateOf(machine, stateName);
  const failed: ErrorHandling = { kind: 'fail', error: error.error };
  if (error.cause !== undefined) failed.cause = error.cause;
  if (error.error === 'States.Runtime') return failed;
  for (const [i, r] of state.retry.entries()) {
    if (!r.errorEquals.some((n) => errorMatches(n, error.error))) continue;
    const done = retryCounts[i] ?? 0;
    if (done < r.maxAttempts)
      return { kind: 'retry', retrier: i, delayMs: retryDelayMs(r, done, env.random) };
    break;
  }
  for (const [i, c] of state.catch.entries()) {
    if (!c.errorEquals.some((n) => errorMatches(n, error.error))) continue;
    const errorOutput: JsonObject = { Error: error.error };
    if (error.cause !== undefined) errorOutput.Cause = error.cause;
    if (state.queryLanguage === 'JSONata') {
      const scope = scopeOf({ input: stateInput, errorOutput, context: asJson(ctx) }, vars, env);
      const [output, newVars] = await Promise.all([
        c.raw.Output === undefined
          ? Promise.resolve(errorOutput as Json)
          : evaluateTemplate(c.raw.Output, scope, 'Output'),
        assignJsonata(c.raw.Assign, scope, vars),
      ]);
      return { kind: 'catch', next: c.next, output, vars: newVars, catcher: i };
    }
    const newVars = assignJsonPath(c.raw.Assign, errorOutput, ctx, vars, env);
    const output = applyResultPath(stateInput, c.raw.ResultPath as string | null | undefined, errorOutput);
    return { kind: 'catch', next: c.next, output, vars: newVars, catcher: i };
  }
  return failed;
}

// Definition validation: AWS's diagnostic codes (INVALID_JSON_DESCRIPTION, SCHEMA_VALIDATION_FAILED,
// MISSING_TRANSITION_TARGET, DUPLICATE_STATE_NAME) and messages, located by JSON pointer-like paths
// (`/States/A/Next`, `/States/P/Branches[0]/States/B`). Builds the Machine when nothing is wrong.
import { ALL_OPERATORS, COMPARISONS, parseTimestamp, TYPE_TESTS } from './choice.ts';
import { looksLikeCall, parseCall } from './intrinsics.ts';
import { isExpression, syntaxError } from './jsonata.ts';
import { isReferencePath, isValidPath } from './jsonpath.ts';
import type {
  Catcher,
  Diagnostic,
  Json,
  JsonObject,
  Machine,
  QueryLanguage,
  Retrier,
  State,
  StateType,
  ValidateOptions,
  ValidationResult,
} from './types.ts';

const STATE_TYPES: StateType[] = ['Task', 'Pass', 'Choice', 'Wait', 'Succeed', 'Fail', 'Parallel', 'Map'];

/** The States.* error names Retry and Catch may name. */
export const STATES_ERRORS = [
  'States.ALL',
  'States.DataLimitExceeded',
  'States.ExceedToleratedFailureThreshold',
  'States.HeartbeatTimeout',
  'States.Http.Socket',
  'States.IntrinsicFailure',
  'States.ItemReaderFailed',
  'States.NoChoiceMatched',
  'States.ParameterPathFailure',
  'States.Permissions',
  'States.QueryEvaluationError',
  'States.ResultPathMatchFailure',
  'States.ResultWriterFailed',
  'States.Runtime',
  'States.TaskFailed',
  'States.Timeout',
  'States.BranchFailed',
];

const COMMON = ['Type', 'Comment', 'QueryLanguage'];
const TRANSITION = ['Next', 'End'];
const JSONPATH_IO = ['InputPath', 'OutputPath'];

/** Fields each state type takes, per query language. */
const FIELDS: Record<QueryLanguage, Record<StateType, string[]>> = {
  JSONPath: {
    Pass: [...COMMON, ...TRANSITION, ...JSONPATH_IO, 'ResultPath', 'Parameters', 'Result', 'Assign'],
    Task: [
      ...COMMON,
      ...TRANSITION,
      ...JSONPATH_IO,
      'Resource',
      'Parameters',
      'ResultSelector',
      'ResultPath',
      'Retry',
      'Catch',
      'TimeoutSeconds',
      'TimeoutSecondsPath',
      'HeartbeatSeconds',
      'HeartbeatSecondsPath',
      'Credentials',
      'Assign',
    ],
    Choice: [...COMMON, ...JSONPATH_IO, 'Choices', 'Default', 'Assign'],
    Wait: [
      ...COMMON,
      ...TRANSITION,
      ...JSONPATH_IO,
      'Seconds',
      'SecondsPath',
      'Timestamp',
      'TimestampPath',
      'Assign',
    ],
    Succeed: [...COMMON, ...JSONPATH_IO],
    Fail: [...COMMON, 'Error', 'ErrorPath', 'Cause', 'CausePath'],
    Parallel: [
      ...COMMON,
      ...TRANSITION,
      ...JSONPATH_IO,
      'Branches',
      'Parameters',
      'ResultSelector',
      'ResultPath',
      'Retry',
      'Catch',
      'Assign',
    ],
    Map: [
      ...COMMON,
      ...TRANSITION,
      ...JSONPATH_IO,
      'ItemProcessor',
      'Iterator',
      'ItemsPath',
      'ItemSelector',
      'Parameters',
      'ItemReader',
      'ItemBatcher',
      'ResultWriter',
      'MaxConcurrency',
      'MaxConcurrencyPath',
      'ToleratedFailurePercentage',
      'ToleratedFailurePercentagePath',
      'ToleratedFailureCount',
      'ToleratedFailureCountPath',
      'Label',
      'ResultSelector',
      'ResultPath',
      'Retry',
      'Catch',
      'Assign',
    ],
  },
  JSONata: {
    Pass: [...COMMON, ...TRANSITION, 'Output', 'Assign'],
    Task: [
      ...COMMON,
      ...TRANSITION,
      'Resource',
      'Arguments',
      'Output',
      'Assign',
      'Retry',
      'Catch',
      'TimeoutSeconds',
      'HeartbeatSeconds',
      'Credentials',
    ],
    Choice: [...COMMON, 'Choices', 'Default', 'Output', 'Assign'],
    Wait: [...COMMON, ...TRANSITION, 'Seconds', 'Timestamp', 'Output', 'Assign'],
    Succeed: [...COMMON, 'Output'],
    Fail: [...COMMON, 'Error', 'Cause'],
    Parallel: [...COMMON, ...TRANSITION, 'Branches', 'Arguments', 'Output', 'Assign', 'Retry', 'Catch'],
    Map: [
      ...COMMON,
      ...TRANSITION,
      'ItemProcessor',
      'Iterator',
      'Items',
      'ItemSelector',
      'ItemReader',
      'ItemBatcher',
      'ResultWriter',
      'MaxConcurrency',
      'ToleratedFailurePercentage',
      'ToleratedFailureCount',
      'Label',
      'Output',
      'Assign',
      'Retry',
      'Catch',
    ],
  },
};

const MAX_SECONDS = 99999999;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInteger = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const typeName = (v: Json): string =>
  v === null
    ? 'NULL'
    : Array.isArray(v)
      ? 'ARRAY'
      : typeof v === 'object'
        ? 'OBJECT'
        : typeof v === 'number'
          ? Number.isInteger(v)
            ? 'INTEGER'
            : 'NUMBER'
          : typeof v === 'string'
            ? 'STRING'
            : 'BOOLEAN';

class Checker {
  diagnostics: Diagnostic[] = [];
  names = new Map<string, string>();
  constructor(readonly options: ValidateOptions & { single?: boolean }) {}

  error(code: string, message: string, location: string): void {
    this.diagnostics.push({ severity: 'ERROR', code, message, location });
  }
  schema(message: string, location: string): void {
    this.error('SCHEMA_VALIDATION_FAILED', message, location);
  }
  required(obj: JsonObject, fields: string[], at: string): void {
    const missing = fields.filter((f) => obj[f] === undefined);
    if (missing.length > 0) this.schema(`These fields are required: [${missing.join(', ')}]`, at);
  }
  unknown(obj: JsonObject, allowed: string[], at: string): void {
    for (const k of Object.keys(obj))
      if (!allowed.includes(k)) this.schema(`Field '${k}' is not supported`, at);
  }
  exclusive(obj: JsonObject, fields: string[], at: string): void {
    const present = fields.filter((f) => obj[f] !== undefined);
    if (present.length > 1)
      this.schema(`Only one of these fields can be present: [${present.join(', ')}]`, at);
  }
  string(obj: JsonObject, field: string, at: string): boolean {
    const v = obj[field];
    if (v === undefined) return false;
    if (typeof v !== 'string') {
      this.schema(
        `The value for the field '${field}' must be a STRING but was ${typeName(v)}`,
        `${at}/${field}`,
      );
      return false;
    }
    return true;
  }
  integer(obj: JsonObject, field: string, at: string, min: number, max = MAX_SECONDS): void {
    const v = obj[field];
    if (v === undefined || isExpression(v)) return;
    if (!isInteger(v) || v < min || v > max)
      this.schema(
        `The value for the field '${field}' must be an INTEGER between ${min} and ${max}`,
        `${at}/${field}`,
      );
  }
  path(
    obj: JsonObject,
    field: string,
    at: string,
    kind: 'path' | 'reference' | 'reference-or-call',
    nullable = false,
  ): void {
    const v = obj[field];
    if (v === undefined) return;
    if (v === null && nullable) return;
    if (typeof v !== 'string') {
      this.schema(
        `The value for the field '${field}' must be a STRING but was ${typeName(v)}`,
        `${at}/${field}`,
      );
      return;
    }
    if (kind === 'reference-or-call' && looksLikeCall(v)) {
      this.call(v, field, `${at}/${field}`);
      return;
    }
    const ok =
      kind === 'path'
        ? isValidPath(v, { context: true, variables: true })
        : field === 'ResultPath'
          ? isReferencePath(v)
          : isReferencePath(v, { context: true, variables: true });
    if (!ok)
      this.schema(
        kind === 'path'
          ? `The value for the field '${field}' must be a valid JSONPath`
          : `The value for the field '${field}' must be a valid ReferencePath`,
        `${at}/${field}`,
      );
  }
  call(text: string, field: string, at: string): void {
    try {
      parseCall(text);
    } catch (e) {
      this.schema(
        `The value for the field '${field}' must be a valid intrinsic function call: ${(e as Error).message}`,
        at,
      );
    }
  }
  /** A JSONPath payload template (Parameters, ResultSelector, ItemSelector, Assign, …). */
  template(value: Json, at: string, assign = false): void {
    if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) this.template(v, `${at}[${i}]`);
      return;
    }
    if (!isObject(value)) return;
    for (const [k, v] of Object.entries(value)) {
      if (assign) {
        const name = k.endsWith('.$') ? k.slice(0, -2) : k;
        if (!VARIABLE_NAME.test(name) || name === 'states')
          this.schema(
            `The variable name '${name}' is invalid: use letters, digits and underscores, not starting with a digit`,
            at,
          );
      }
      if (k.endsWith('.$')) {
        if (typeof v !== 'string') {
          this.schema(
            `The value for the field '${k}' must be a STRING that contains a JSONPath but was ${typeName(v)}`,
            at,
          );
          continue;
        }
        if (looksLikeCall(v)) this.call(v, k, at);
        else if (!isValidPath(v, { context: true, variables: true }))
          this.schema(
            `The value for the field '${k}' must be a valid JSONPath or a valid intrinsic function call`,
            at,
          );
      } else this.template(v, `${at}/${k}`);
    }
  }
  /** A JSONata field: every `{% %}` string inside must parse. */
  jsonata(value: Json, at: string, field: string): void {
    if (typeof value === 'string') {
      if (isExpression(value)) {
        const err = syntaxError(value);
        if (err)
          this.schema(
            `The JSONata expression '${value}' specified for the field '${field}' is invalid: ${err}`,
            at,
          );
      }
      return;
    }
    if (Array.isArray(value)) for (const [i, v] of value.entries()) this.jsonata(v, `${at}[${i}]`, field);
    else if (isObject(value))
      for (const [k, v] of Object.entries(value)) this.jsonata(v, `${at}/${k}`, field);
  }
  jsonataAssign(value: Json, at: string): void {
    if (!isObject(value)) {
      this.schema(`The value for the field 'Assign' must be an OBJECT but was ${typeName(value)}`, at);
      return;
    }
    for (const k of Object.keys(value))
      if (!VARIABLE_NAME.test(k) || k === 'states')
        this.schema(
          `The variable name '${k}' is invalid: use letters, digits and underscores, not starting with a digit`,
          at,
        );
    this.jsonata(value, at, 'Assign');
  }
  /** A JSONata field that is a literal of some shape or an expression. */
  literalOrExpression(obj: JsonObject, field: string, at: string, check: () => void): void {
    const v = obj[field];
    if (v === undefined) return;
    if (typeof v === 'string' && isExpression(v)) this.jsonata(v, `${at}/${field}`, field);
    else check();
  }
}

function parseQueryLanguage(
  c: Checker,
  obj: JsonObject,
  inherited: QueryLanguage,
  at: string,
): QueryLanguage {
  const q = obj.QueryLanguage;
  if (q === undefined) return inherited;
  if (q !== 'JSONPath' && q !== 'JSONata') {
    c.schema(
      `The value for the field 'QueryLanguage' must be one of [JSONPath, JSONata]`,
      `${at}/QueryLanguage`,
    );
    return inherited;
  }
  if (inherited === 'JSONata' && q === 'JSONPath') {
    c.schema(
      `The QueryLanguage of a state cannot be JSONPath when the state machine's QueryLanguage is JSONata`,
      `${at}/QueryLanguage`,
    );
    return inherited;
  }
  return q;
}

function checkMachine(
  c: Checker,
  def: Json,
  at: string,
  inherited: QueryLanguage,
  kind: 'top' | 'branch' | 'processor',
): Machine | undefined {
  const loc = at === '' ? '/' : at;
  if (!isObject(def)) {
    c.schema(`The value must be an OBJECT but was ${typeName(def)}`, loc);
    return undefined;
  }
  const allowed =
    kind === 'top'
      ? ['Comment', 'StartAt', 'States', 'TimeoutSeconds', 'Version', 'QueryLanguage']
      : kind === 'branch'
        ? ['Comment', 'StartAt', 'States', 'QueryLanguage']
        : ['Comment', 'StartAt', 'States', 'ProcessorConfig', 'QueryLanguage'];
  c.unknown(def, allowed, loc);
  c.required(def, ['StartAt', 'States'], loc);
  const ql = parseQueryLanguage(c, def, inherited, at);
  c.string(def, 'Comment', at);
  c.string(def, 'Version', at);
  if (kind === 'top') c.integer(def, 'TimeoutSeconds', at, 1);
  let processorConfig: Machine['processorConfig'];
  if (kind === 'processor' && def.ProcessorConfig !== undefined) {
    const pc = def.ProcessorConfig;
    const pat = `${at}/ProcessorConfig`;
    if (!isObject(pc)) c.schema(`The value for the field 'ProcessorConfig' must be an OBJECT`, pat);
    else {
      c.unknown(pc, ['Mode', 'ExecutionType'], pat);
      const mode = pc.Mode ?? 'INLINE';
      if (mode !== 'INLINE' && mode !== 'DISTRIBUTED')
        c.schema(`The value for the field 'Mode' must be one of [INLINE, DISTRIBUTED]`, `${pat}/Mode`);
      if (mode === 'DISTRIBUTED') {
        if (pc.ExecutionType === undefined) c.schema('These fields are required: [ExecutionType]', pat);
        else if (pc.ExecutionType !== 'STANDARD' && pc.ExecutionType !== 'EXPRESS')
          c.schema(
            `The value for the field 'ExecutionType' must be one of [STANDARD, EXPRESS]`,
            `${pat}/ExecutionType`,
          );
        if (c.options.type === 'EXPRESS')
          c.schema('Express state machines do not support Distributed Map', pat);
      }
      processorConfig = { mode: mode as 'INLINE' | 'DISTRIBUTED' };
      if (pc.ExecutionType === 'STANDARD' || pc.ExecutionType === 'EXPRESS')
        processorConfig.executionType = pc.ExecutionType;
    }
  }
  const statesDef = def.States;
  if (statesDef !== undefined && !isObject(statesDef)) {
    c.schema(
      `The value for the field 'States' must be an OBJECT but was ${typeName(statesDef)}`,
      `${at}/States`,
    );
    return undefined;
  }
  if (!isObject(statesDef)) return undefined;
  if (Object.keys(statesDef).length === 0)
    c.schema("The field 'States' must contain at least one state", `${at}/States`);
  const states: Record<string, State> = {};
  for (const [name, sdef] of Object.entries(statesDef)) {
    const sat = `${at}/States/${name}`;
    if (name.length === 0 || name.length > 80)
      c.schema(`The state name '${name}' must be between 1 and 80 characters long`, sat);
    const seen = c.names.get(name);
    if (seen !== undefined) c.error('DUPLICATE_STATE_NAME', `Duplicate State name: ${name}`, sat);
    else c.names.set(name, sat);
    const state = checkState(c, name, sdef, sat, ql);
    if (state) states[name] = state;
  }
  // Transitions and reachability.
  const startAt = def.StartAt;
  if (startAt !== undefined && typeof startAt !== 'string')
    c.schema(
      `The value for the field 'StartAt' must be a STRING but was ${typeName(startAt)}`,
      `${at}/StartAt`,
    );
  if (typeof startAt === 'string' && !Object.hasOwn(statesDef, startAt))
    c.error('MISSING_TRANSITION_TARGET', `Missing 'StartAt' target: ${startAt}`, `${at}/StartAt`);
  const targets = (name: string): string[] => {
    const s = statesDef[name];
    if (!isObject(s)) return [];
    const out: string[] = [];
    if (typeof s.Next === 'string') out.push(s.Next);
    if (typeof s.Default === 'string') out.push(s.Default);
    if (Array.isArray(s.Choices))
      for (const r of s.Choices) if (isObject(r) && typeof r.Next === 'string') out.push(r.Next);
    if (Array.isArray(s.Catch))
      for (const r of s.Catch) if (isObject(r) && typeof r.Next === 'string') out.push(r.Next);
    return out;
  };
  for (const [name, s] of Object.entries(statesDef)) {
    if (!isObject(s)) continue;
    const sat = `${at}/States/${name}`;
    const check = (target: Json | undefined, field: string, where: string) => {
      if (typeof target === 'string' && !Object.hasOwn(statesDef, target))
        c.error('MISSING_TRANSITION_TARGET', `Missing '${field}' target: ${target}`, where);
    };
    check(s.Next, 'Next', `${sat}/Next`);
    check(s.Default, 'Default', `${sat}/Default`);
    if (Array.isArray(s.Choices))
      for (const [i, r] of s.Choices.entries())
        if (isObject(r)) check(r.Next, 'Next', `${sat}/Choices[${i}]/Next`);
    if (Array.isArray(s.Catch))
      for (const [i, r] of s.Catch.entries())
        if (isObject(r)) check(r.Next, 'Next', `${sat}/Catch[${i}]/Next`);
  }
  if (typeof startAt === 'string' && Object.hasOwn(statesDef, startAt) && !c.options.single) {
    const reached = new Set<string>([startAt]);
    const queue = [startAt];
    while (queue.length > 0) {
      for (const t of targets(queue.shift()!))
        if (Object.hasOwn(statesDef, t) && !reached.has(t)) {
          reached.add(t);
          queue.push(t);
        }
    }
    for (const name of Object.keys(statesDef))
      if (!reached.has(name))
        c.error('MISSING_TRANSITION_TARGET', `State "${name}" is not reachable.`, `${at}/States/${name}`);
  }
  const machine: Machine = { startAt: startAt as string, states, queryLanguage: ql };
  if (typeof def.Comment === 'string') machine.comment = def.Comment;
  if (typeof def.Version === 'string') machine.version = def.Version;
  if (typeof def.TimeoutSeconds === 'number') machine.timeoutSeconds = def.TimeoutSeconds;
  if (processorConfig) machine.processorConfig = processorConfig;
  return machine;
}

function checkErrorEquals(
  c: Checker,
  r: JsonObject,
  at: string,
  isLast: boolean,
  what: 'Retrier' | 'Catcher',
): string[] {
  const ee = r.ErrorEquals;
  if (ee === undefined) return [];
  if (!Array.isArray(ee) || ee.length === 0 || ee.some((e) => typeof e !== 'string')) {
    c.schema(
      `The value for the field 'ErrorEquals' must be a non-empty ARRAY of STRING`,
      `${at}/ErrorEquals`,
    );
    return [];
  }
  const names = ee as string[];
  for (const n of names)
    if (n.startsWith('States.') && !STATES_ERRORS.includes(n))
      c.schema(
        `The value for the field 'ErrorEquals' contains an unknown error name: ${n}`,
        `${at}/ErrorEquals`,
      );
  if (names.includes('States.ALL')) {
    if (names.length > 1)
      c.schema(`Error name 'States.ALL' must appear alone in the ErrorEquals field`, `${at}/ErrorEquals`);
    if (!isLast)
      c.schema(`The ${what} with 'States.ALL' must be the last ${what} in the array`, `${at}/ErrorEquals`);
  }
  return names;
}

function checkState(
  c: Checker,
  name: string,
  def: Json,
  at: string,
  inherited: QueryLanguage,
): State | undefined {
  if (!isObject(def)) {
    c.schema(`The value for the state must be an OBJECT but was ${typeName(def)}`, at);
    return undefined;
  }
  if (def.Type === undefined) {
    c.required(def, ['Type'], at);
    return undefined;
  }
  const type = def.Type as StateType;
  if (!STATE_TYPES.includes(type)) {
    c.schema(`The value for the field 'Type' must be one of [${STATE_TYPES.join(', ')}]`, `${at}/Type`);
    return undefined;
  }
  const ql = parseQueryLanguage(c, def, inherited, at);
  c.unknown(def, FIELDS[ql][type], at);
  c.string(def, 'Comment', at);

  // Next / End.
  const terminal = type === 'Choice' || type === 'Succeed' || type === 'Fail';
  if (!terminal) {
    if (def.Next !== undefined && def.End !== undefined)
      c.schema(`Only one of these fields can be present: [Next, End]`, at);
    else if (def.Next === undefined && def.End !== true && !c.options.single) {
      if (def.End !== undefined) c.schema(`The value for the field 'End' must be true`, `${at}/End`);
      else c.schema('These fields are required: [Next or End]', at);
    }
    c.string(def, 'Next', at);
  }

  // Paths (JSONPath) and templates.
  if (ql === 'JSONPath') {
    c.path(def, 'InputPath', at, 'path', true);
    c.path(def, 'OutputPath', at, 'path', true);
    c.path(def, 'ResultPath', at, 'reference', true);
    for (const f of ['Parameters', 'ResultSelector', 'ItemSelector', 'Credentials'])
      if (def[f] !== undefined) {
        if (f !== 'Parameters' && !isObject(def[f]))
          c.schema(
            `The value for the field '${f}' must be an OBJECT but was ${typeName(def[f]!)}`,
            `${at}/${f}`,
          );
        c.template(def[f]!, `${at}/${f}`);
      }
    if (def.Assign !== undefined) {
      if (!isObject(def.Assign))
        c.schema(`The value for the field 'Assign' must be an OBJECT`, `${at}/Assign`);
      else c.template(def.Assign, `${at}/Assign`, true);
    }
  } else {
    for (const f of ['Arguments', 'Output', 'Credentials'])
      if (def[f] !== undefined) c.jsonata(def[f]!, `${at}/${f}`, f);
    if (def.Assign !== undefined) c.jsonataAssign(def.Assign, `${at}/Assign`);
    if (
      type === 'Task' &&
      def.Arguments !== undefined &&
      !isObject(def.Arguments) &&
      !isExpression(def.Arguments)
    )
      c.schema(
        `The value for the field 'Arguments' must be an OBJECT or a JSONata expression`,
        `${at}/Arguments`,
      );
  }

  const state: State = {
    name,
    type,
    queryLanguage: ql,
    end: def.End === true,
    retry: [],
    catch: [],
    raw: def,
  };
  if (typeof def.Next === 'string') state.next = def.Next;
  if (typeof def.Comment === 'string') state.comment = def.Comment;

  // Retry / Catch.
  if (def.Retry !== undefined) {
    if (!Array.isArray(def.Retry))
      c.schema(`The value for the field 'Retry' must be an ARRAY`, `${at}/Retry`);
    else
      def.Retry.forEach((r, i) => {
        const rat = `${at}/Retry[${i}]`;
        if (!isObject(r)) {
          c.schema(`A Retrier must be an OBJECT`, rat);
          return;
        }
        c.unknown(
          r,
          [
            'ErrorEquals',
            'IntervalSeconds',
            'MaxAttempts',
            'BackoffRate',
            'MaxDelaySeconds',
            'JitterStrategy',
            'Comment',
          ],
          rat,
        );
        c.required(r, ['ErrorEquals'], rat);
        const names = checkErrorEquals(c, r, rat, i === (def.Retry as Json[]).length - 1, 'Retrier');
        c.integer(r, 'IntervalSeconds', rat, 1);
        c.integer(r, 'MaxAttempts', rat, 0);
        c.integer(r, 'MaxDelaySeconds', rat, 1, 31622400);
        if (r.BackoffRate !== undefined && (typeof r.BackoffRate !== 'number' || r.BackoffRate < 1))
          c.schema(
            `The value for the field 'BackoffRate' must be a NUMBER greater than or equal to 1.0`,
            `${rat}/BackoffRate`,
          );
        if (r.JitterStrategy !== undefined && r.JitterStrategy !== 'FULL' && r.JitterStrategy !== 'NONE')
          c.schema(
            `The value for the field 'JitterStrategy' must be one of [FULL, NONE]`,
            `${rat}/JitterStrategy`,
          );
        const retrier: Retrier = {
          errorEquals: names,
          intervalSeconds: (r.IntervalSeconds as number | undefined) ?? 1,
          maxAttempts: (r.MaxAttempts as number | undefined) ?? 3,
          backoffRate: (r.BackoffRate as number | undefined) ?? 2,
          jitterStrategy: r.JitterStrategy === 'FULL' ? 'FULL' : 'NONE',
        };
        if (typeof r.MaxDelaySeconds === 'number') retrier.maxDelaySeconds = r.MaxDelaySeconds;
        state.retry.push(retrier);
      });
  }
  if (def.Catch !== undefined) {
    if (!Array.isArray(def.Catch))
      c.schema(`The value for the field 'Catch' must be an ARRAY`, `${at}/Catch`);
    else
      def.Catch.forEach((r, i) => {
        const rat = `${at}/Catch[${i}]`;
        if (!isObject(r)) {
          c.schema(`A Catcher must be an OBJECT`, rat);
          return;
        }
        c.unknown(
          r,
          ql === 'JSONPath'
            ? ['ErrorEquals', 'Next', 'ResultPath', 'Assign', 'Comment']
            : ['ErrorEquals', 'Next', 'Output', 'Assign', 'Comment'],
          rat,
        );
        c.required(r, ['ErrorEquals', 'Next'], rat);
        const names = checkErrorEquals(c, r, rat, i === (def.Catch as Json[]).length - 1, 'Catcher');
        c.string(r, 'Next', rat);
        if (ql === 'JSONPath') {
          c.path(r, 'ResultPath', rat, 'reference', true);
          if (r.Assign !== undefined) c.template(r.Assign, `${rat}/Assign`, true);
        } else {
          if (r.Output !== undefined) c.jsonata(r.Output, `${rat}/Output`, 'Output');
          if (r.Assign !== undefined) c.jsonataAssign(r.Assign, `${rat}/Assign`);
        }
        const catcher: Catcher = { errorEquals: names, next: r.Next as string, raw: r };
        state.catch.push(catcher);
      });
  }

  switch (type) {
    case 'Task':
      checkTask(c, def, at, ql, state);
      break;
    case 'Pass':
      break;
    case 'Choice':
      checkChoice(c, def, at, ql);
      break;
    case 'Wait':
      checkWait(c, def, at, ql);
      break;
    case 'Fail':
      c.exclusive(def, ['Error', 'ErrorPath'], at);
      c.exclusive(def, ['Cause', 'CausePath'], at);
      if (ql === 'JSONPath') {
        c.string(def, 'Error', at);
        c.string(def, 'Cause', at);
        c.path(def, 'ErrorPath', at, 'reference-or-call');
        c.path(def, 'CausePath', at, 'reference-or-call');
      } else {
        if (def.Error !== undefined) c.jsonata(def.Error, `${at}/Error`, 'Error');
        if (def.Cause !== undefined) c.jsonata(def.Cause, `${at}/Cause`, 'Cause');
        c.string(def, 'Error', at);
        c.string(def, 'Cause', at);
      }
      break;
    case 'Succeed':
      break;
    case 'Parallel': {
      c.required(def, ['Branches'], at);
      if (def.Branches !== undefined) {
        if (!Array.isArray(def.Branches) || def.Branches.length === 0)
          c.schema(`The value for the field 'Branches' must be a non-empty ARRAY`, `${at}/Branches`);
        else {
          const branches: Machine[] = [];
          def.Branches.forEach((b, i) => {
            const m = checkMachine(c, b, `${at}/Branches[${i}]`, ql, 'branch');
            if (m) branches.push(m);
          });
          state.branches = branches;
        }
      }
      break;
    }
    case 'Map':
      checkMap(c, def, at, ql, state);
      break;
  }
  return state;
}

function checkTask(c: Checker, def: JsonObject, at: string, ql: QueryLanguage, state: State): void {
  c.required(def, ['Resource'], at);
  if (c.string(def, 'Resource', at)) {
    const r = def.Resource as string;
    if (!isExpression(r) && !/^arn:[^:]+:[^:]+:[^:]*:[^:]*:.+/.test(r))
      c.schema('Value is not a valid resource ARN', `${at}/Resource`);
    if (isExpression(r) && ql === 'JSONata') c.jsonata(r, `${at}/Resource`, 'Resource');
    if (c.options.type === 'EXPRESS') {
      if (/\.sync(:\d+)?$/.test(r))
        c.schema(`Express state machine does not support '.sync' service integration`, `${at}/Resource`);
      if (r.endsWith('.waitForTaskToken'))
        c.schema(
          `Express state machine does not support '.waitForTaskToken' service integration`,
          `${at}/Resource`,
        );
      if (/^arn:[^:]+:states:[^:]*:[^:]*:activity:/.test(r))
        c.schema('Express state machine does not support activities', `${at}/Resource`);
    }
    state.resource = r;
  }
  c.exclusive(def, ['TimeoutSeconds', 'TimeoutSecondsPath'], at);
  c.exclusive(def, ['HeartbeatSeconds', 'HeartbeatSecondsPath'], at);
  if (ql === 'JSONPath') {
    c.integer(def, 'TimeoutSeconds', at, 1);
    c.integer(def, 'HeartbeatSeconds', at, 1);
    c.path(def, 'TimeoutSecondsPath', at, 'reference');
    c.path(def, 'HeartbeatSecondsPath', at, 'reference');
  } else {
    c.literalOrExpression(def, 'TimeoutSeconds', at, () => c.integer(def, 'TimeoutSeconds', at, 1));
    c.literalOrExpression(def, 'HeartbeatSeconds', at, () => c.integer(def, 'HeartbeatSeconds', at, 1));
  }
  if (
    isInteger(def.TimeoutSeconds) &&
    isInteger(def.HeartbeatSeconds) &&
    def.HeartbeatSeconds >= def.TimeoutSeconds
  )
    c.schema(
      'The value of HeartbeatSeconds must be smaller than the value of TimeoutSeconds',
      `${at}/HeartbeatSeconds`,
    );
}

function checkWait(c: Checker, def: JsonObject, at: string, ql: QueryLanguage): void {
  const fields =
    ql === 'JSONPath' ? ['Seconds', 'SecondsPath', 'Timestamp', 'TimestampPath'] : ['Seconds', 'Timestamp'];
  const present = fields.filter((f) => def[f] !== undefined);
  if (present.length === 0) c.schema(`Exactly one of these fields is required: [${fields.join(', ')}]`, at);
  else if (present.length > 1)
    c.schema(`Only one of these fields can be present: [${present.join(', ')}]`, at);
  const checkTimestamp = () => {
    if (typeof def.Timestamp !== 'string' || parseTimestamp(def.Timestamp) === undefined)
      c.schema(
        `The value for the field 'Timestamp' must be a valid ISO-8601 extended offset date-time format string`,
        `${at}/Timestamp`,
      );
  };
  if (ql === 'JSONPath') {
    c.integer(def, 'Seconds', at, 0);
    if (def.Timestamp !== undefined) checkTimestamp();
    c.path(def, 'SecondsPath', at, 'reference');
    c.path(def, 'TimestampPath', at, 'reference');
  } else {
    c.literalOrExpression(def, 'Seconds', at, () => c.integer(def, 'Seconds', at, 0));
    c.literalOrExpression(def, 'Timestamp', at, checkTimestamp);
  }
}

function checkChoice(c: Checker, def: JsonObject, at: string, ql: QueryLanguage): void {
  c.required(def, ['Choices'], at);
  c.string(def, 'Default', at);
  if (def.Choices === undefined) return;
  if (!Array.isArray(def.Choices) || def.Choices.length === 0) {
    c.schema(`The value for the field 'Choices' must be a non-empty ARRAY`, `${at}/Choices`);
    return;
  }
  def.Choices.forEach((rule, i) => {
    const rat = `${at}/Choices[${i}]`;
    if (!isObject(rule)) {
      c.schema('A Choice Rule must be an OBJECT', rat);
      return;
    }
    c.required(rule, ['Next'], rat);
    c.string(rule, 'Next', rat);
    if (ql === 'JSONata') {
      c.unknown(rule, ['Condition', 'Next', 'Output', 'Assign', 'Comment'], rat);
      c.required(rule, ['Condition'], rat);
      if (rule.Condition !== undefined) {
        if (typeof rule.Condition === 'boolean') return;
        if (!isExpression(rule.Condition))
          c.schema(
            `The value for the field 'Condition' must be a JSONata expression or a BOOLEAN`,
            `${rat}/Condition`,
          );
        else c.jsonata(rule.Condition, `${rat}/Condition`, 'Condition');
      }
      if (rule.Output !== undefined) c.jsonata(rule.Output, `${rat}/Output`, 'Output');
      if (rule.Assign !== undefined) c.jsonataAssign(rule.Assign, `${rat}/Assign`);
    } else {
      if (rule.Assign !== undefined) c.template(rule.Assign, `${rat}/Assign`, true);
      checkRule(c, rule, rat, true);
    }
  });
}

function checkRule(c: Checker, rule: JsonObject, at: string, top: boolean): void {
  const extra = top ? ['Next', 'Comment', 'Assign'] : ['Comment'];
  if (!top && rule.Next !== undefined) c.schema(`Field 'Next' is not supported in a nested Choice Rule`, at);
  const combinators = ['And', 'Or', 'Not'].filter((k) => rule[k] !== undefined);
  const ops = Object.keys(rule).filter((k) => ALL_OPERATORS.includes(k));
  if (combinators.length + ops.length !== 1) {
    c.schema(
      combinators.length + ops.length === 0
        ? 'A Choice Rule must contain exactly one comparison operator or one of And, Or, Not'
        : 'A Choice Rule must contain only one comparison operator or one of And, Or, Not',
      at,
    );
    return;
  }
  if (combinators.length === 1) {
    const k = combinators[0]!;
    c.unknown(rule, [k, ...extra], at);
    const v = rule[k]!;
    if (k === 'Not') {
      if (!isObject(v)) c.schema(`The value for the field 'Not' must be an OBJECT`, `${at}/Not`);
      else checkRule(c, v, `${at}/Not`, false);
    } else if (!Array.isArray(v) || v.length === 0)
      c.schema(`The value for the field '${k}' must be a non-empty ARRAY`, `${at}/${k}`);
    else
      for (const [i, r] of v.entries()) {
        if (isObject(r)) checkRule(c, r, `${at}/${k}[${i}]`, false);
        else c.schema('A Choice Rule must be an OBJECT', `${at}/${k}[${i}]`);
      }
    return;
  }
  const op = ops[0]!;
  c.unknown(rule, ['Variable', op, ...extra], at);
  c.required(rule, ['Variable'], at);
  if (
    rule.Variable !== undefined &&
    (typeof rule.Variable !== 'string' || !isValidPath(rule.Variable, { context: true, variables: true }))
  )
    c.schema(`The value for the field 'Variable' must be a valid JSONPath`, `${at}/Variable`);
  const v = rule[op]!;
  const bad = (t: string) => c.schema(`The value for the field '${op}' must be a ${t}`, `${at}/${op}`);
  if (op.endsWith('Path')) {
    if (typeof v !== 'string' || !isReferencePath(v, { context: true, variables: true }))
      bad('valid ReferencePath');
  } else if (TYPE_TESTS.includes(op)) {
    if (typeof v !== 'boolean') bad('BOOLEAN');
  } else if (op.startsWith('String')) {
    if (typeof v !== 'string') bad('STRING');
  } else if (op.startsWith('Numeric')) {
    if (typeof v !== 'number') bad('NUMBER');
  } else if (op === 'BooleanEquals') {
    if (typeof v !== 'boolean') bad('BOOLEAN');
  } else if (op.startsWith('Timestamp')) {
    if (parseTimestamp(v) === undefined) bad('valid ISO-8601 extended offset date-time format string');
  }
  void COMPARISONS;
}

function checkMap(c: Checker, def: JsonObject, at: string, ql: QueryLanguage, state: State): void {
  if (def.ItemProcessor === undefined && def.Iterator === undefined) c.required(def, ['ItemProcessor'], at);
  c.exclusive(def, ['ItemProcessor', 'Iterator'], at);
  c.exclusive(def, ['ItemSelector', 'Parameters'], at);
  c.exclusive(def, ['MaxConcurrency', 'MaxConcurrencyPath'], at);
  c.exclusive(def, ['ToleratedFailurePercentage', 'ToleratedFailurePercentagePath'], at);
  c.exclusive(def, ['ToleratedFailureCount', 'ToleratedFailureCountPath'], at);
  c.exclusive(def, ['ItemReader', 'ItemsPath'], at);
  c.exclusive(def, ['ItemReader', 'Items'], at);
  const field = def.ItemProcessor !== undefined ? 'ItemProcessor' : 'Iterator';
  const processor = checkMachine(c, def[field] ?? {}, `${at}/${field}`, ql, 'processor');
  if (processor) state.processor = processor;
  const distributed = processor?.processorConfig?.mode === 'DISTRIBUTED';
  for (const f of [
    'ItemReader',
    'ItemBatcher',
    'ResultWriter',
    'Label',
    'ToleratedFailurePercentage',
    'ToleratedFailureCount',
    'ToleratedFailurePercentagePath',
    'ToleratedFailureCountPath',
  ])
    if (def[f] !== undefined && !distributed)
      c.schema(
        `Field '${f}' is only supported in a Map state whose ProcessorConfig Mode is DISTRIBUTED`,
        `${at}/${f}`,
      );
  if (ql === 'JSONPath') {
    c.path(def, 'ItemsPath', at, 'reference');
    c.integer(def, 'MaxConcurrency', at, 0, 2147483647);
    c.path(def, 'MaxConcurrencyPath', at, 'reference');
    c.path(def, 'ToleratedFailureCountPath', at, 'reference');
    c.path(def, 'ToleratedFailurePercentagePath', at, 'reference');
  } else {
    if (def.Items !== undefined && !Array.isArray(def.Items) && !isExpression(def.Items))
      c.schema(`The value for the field 'Items' must be an ARRAY or a JSONata expression`, `${at}/Items`);
    if (def.Items !== undefined) c.jsonata(def.Items, `${at}/Items`, 'Items');
    if (def.ItemSelector !== undefined) c.jsonata(def.ItemSelector, `${at}/ItemSelector`, 'ItemSelector');
    c.literalOrExpression(def, 'MaxConcurrency', at, () =>
      c.integer(def, 'MaxConcurrency', at, 0, 2147483647),
    );
  }
  c.literalOrExpression(def, 'ToleratedFailureCount', at, () =>
    c.integer(def, 'ToleratedFailureCount', at, 0, 2147483647),
  );
  c.literalOrExpression(def, 'ToleratedFailurePercentage', at, () => {
    const v = def.ToleratedFailurePercentage;
    if (typeof v !== 'number' || v < 0 || v > 100)
      c.schema(
        `The value for the field 'ToleratedFailurePercentage' must be a NUMBER between 0 and 100`,
        `${at}/ToleratedFailurePercentage`,
      );
  });
  if (
    def.Label !== undefined &&
    (typeof def.Label !== 'string' || def.Label.length > 40 || /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/.test(def.Label))
  )
    c.schema(
      `The value for the field 'Label' must be a STRING of up to 40 characters without whitespace or special characters`,
      `${at}/Label`,
    );
  if (typeof def.Label === 'string') state.label = def.Label;
  if (def.ItemReader !== undefined) {
    const ir = def.ItemReader;
    const rat = `${at}/ItemReader`;
    if (!isObject(ir)) c.schema(`The value for the field 'ItemReader' must be an OBJECT`, rat);
    else {
      c.unknown(
        ir,
        ql === 'JSONPath'
          ? ['Resource', 'Parameters', 'ReaderConfig']
          : ['Resource', 'Arguments', 'ReaderConfig'],
        rat,
      );
      c.required(ir, ['Resource'], rat);
      if (ql === 'JSONPath' && ir.Parameters !== undefined) c.template(ir.Parameters, `${rat}/Parameters`);
      if (ql === 'JSONata' && ir.Arguments !== undefined)
        c.jsonata(ir.Arguments, `${rat}/Arguments`, 'Arguments');
    }
  }
  if (def.ItemBatcher !== undefined) {
    const b = def.ItemBatcher;
    const bat = `${at}/ItemBatcher`;
    if (!isObject(b)) c.schema(`The value for the field 'ItemBatcher' must be an OBJECT`, bat);
    else {
      c.unknown(
        b,
        ql === 'JSONPath'
          ? [
              'MaxItemsPerBatch',
              'MaxItemsPerBatchPath',
              'MaxInputBytesPerBatch',
              'MaxInputBytesPerBatchPath',
              'BatchInput',
            ]
          : ['MaxItemsPerBatch', 'MaxInputBytesPerBatch', 'BatchInput'],
        bat,
      );
      c.literalOrExpression(b, 'MaxItemsPerBatch', bat, () =>
        c.integer(b, 'MaxItemsPerBatch', bat, 1, 2147483647),
      );
      c.literalOrExpression(b, 'MaxInputBytesPerBatch', bat, () =>
        c.integer(b, 'MaxInputBytesPerBatch', bat, 1, 262144),
      );
      if (ql === 'JSONPath') {
        c.path(b, 'MaxItemsPerBatchPath', bat, 'reference');
        c.path(b, 'MaxInputBytesPerBatchPath', bat, 'reference');
        if (b.BatchInput !== undefined) c.template(b.BatchInput, `${bat}/BatchInput`);
      } else if (b.BatchInput !== undefined) c.jsonata(b.BatchInput, `${bat}/BatchInput`, 'BatchInput');
    }
  }
  if (def.ResultWriter !== undefined) {
    const w = def.ResultWriter;
    const wat = `${at}/ResultWriter`;
    if (!isObject(w)) c.schema(`The value for the field 'ResultWriter' must be an OBJECT`, wat);
    else {
      c.unknown(
        w,
        ql === 'JSONPath'
          ? ['Resource', 'Parameters', 'WriterConfig']
          : ['Resource', 'Arguments', 'WriterConfig'],
        wat,
      );
      if (ql === 'JSONPath' && w.Parameters !== undefined) c.template(w.Parameters, `${wat}/Parameters`);
    }
  }
}

export function validate(text: string, options: ValidateOptions = {}): ValidationResult {
  let def: Json;
  try {
    def = JSON.parse(text) as Json;
  } catch (e) {
    return {
      diagnostics: [{ severity: 'ERROR', code: 'INVALID_JSON_DESCRIPTION', message: (e as Error).message }],
    };
  }
  const c = new Checker(options);
  const machine = checkMachine(c, def, '', 'JSONPath', 'top');
  const errors = c.diagnostics.some((d) => d.severity === 'ERROR');
  return errors || !machine ? { diagnostics: c.diagnostics } : { machine, diagnostics: c.diagnostics };
}

/** One state (TestState): wrapped into a machine whose only state is `name`. Next need not exist. */
export function validateState(text: string, name: string): ValidationResult {
  let def: Json;
  try {
    def = JSON.parse(text) as Json;
  } catch (e) {
    return {
      diagnostics: [{ severity: 'ERROR', code: 'INVALID_JSON_DESCRIPTION', message: (e as Error).message }],
    };
  }
  const c = new Checker({ single: true });
  const ql: QueryLanguage = isObject(def) && def.QueryLanguage === 'JSONata' ? 'JSONata' : 'JSONPath';
  const state = checkState(c, name, def, '', ql);
  // Catch targets and Next may name states outside the test.
  c.diagnostics = c.diagnostics.filter((d) => d.code !== 'MISSING_TRANSITION_TARGET');
  if (c.diagnostics.some((d) => d.severity === 'ERROR') || !state) return { diagnostics: c.diagnostics };
  return {
    machine: { startAt: name, states: { [name]: state }, queryLanguage: ql },
    diagnostics: c.diagnostics,
  };
}

export function formatDefinitionError(diagnostics: Diagnostic[]): string {
  const parts = diagnostics
    .filter((d) => d.severity === 'ERROR')
    .map((d) => `${d.code}: ${d.message}${d.location !== undefined ? ` at ${d.location}` : ''}`);
  return `Invalid State Machine Definition: '${parts.join(', ')}'`;
}

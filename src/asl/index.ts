// The Amazon States Language, pure: definition validation with AWS's codes and messages, JSONPath
// and JSONata data processing, the 18 intrinsic functions, Choice rules, Wait, Retry and Catch,
// Parallel and Map. No I/O and no clock: callers pass `now` and `random` in Env.
//
// The engine (services/workflows) keeps the execution durable and calls, per state:
//   enter(machine, name, input, ctx, vars, env)        → Action (next / succeed / fail / wait / task / parallel / map)
//   complete(machine, name, stateInput, result, …)     → { next?, output, vars } after a task / parallel / map
//   handleError(machine, name, stateInput, error, …)   → retry (delay) / catch (next, output) / fail
// enter / complete / handleError are async (JSONata evaluates asynchronously) and throw StatesError;
// a StatesError is given to handleError (which never retries or catches States.Runtime or
// States.DataLimitExceeded with States.ALL).
import type {
  Action,
  Completion,
  Context,
  Diagnostic,
  Env,
  ErrorHandling,
  Json,
  Machine,
  MapAction,
  RaisedError,
  ResourceInfo,
  ValidateOptions,
  ValidationResult,
  Variables,
} from './types.ts';

export { StatesError } from './errors.ts';
export type {
  Action,
  Catcher,
  Completion,
  Context,
  Diagnostic,
  Env,
  ErrorHandling,
  Inspection,
  Json,
  JsonObject,
  Machine,
  MapAction,
  QueryLanguage,
  RaisedError,
  ResourceInfo,
  Retrier,
  State,
  StateType,
  ValidateOptions,
  ValidationResult,
  Variables,
} from './types.ts';

const notYet = (): never => {
  throw new Error('not yet');
};

/** Parses and validates a definition (JSON text). */
export function validateDefinition(text: string, options: ValidateOptions = {}): ValidationResult {
  void text;
  void options;
  return notYet();
}

/** Validates one state's definition (TestState): a machine whose only state is named `stateName`. */
export function validateStateDefinition(text: string, stateName = 'TestState'): ValidationResult {
  void text;
  void stateName;
  return notYet();
}

/** CreateStateMachine's InvalidDefinition message for the ERROR diagnostics:
 * "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: The field \"Next\" is required at /States/A'". */
export function definitionError(diagnostics: Diagnostic[]): string {
  void diagnostics;
  return notYet();
}

/** Entering a state with its raw input. */
export async function enter(
  machine: Machine,
  stateName: string,
  input: Json,
  ctx: Context,
  vars: Variables,
  env: Env,
): Promise<Action> {
  void [machine, stateName, input, ctx, vars, env];
  return notYet();
}

/** For a Map whose items an ItemReader read: the iterations' inputs (ItemSelector, ItemBatcher). */
export async function mapItemInputs(
  machine: Machine,
  stateName: string,
  action: MapAction,
  items: Json[],
  ctx: Context,
  env: Env,
): Promise<Json[]> {
  void [machine, stateName, action, items, ctx, env];
  return notYet();
}

/** Has a Map failed past its ToleratedFailureCount / Percentage? (then it fails with
 * States.ExceedToleratedFailureThreshold). */
export function toleratedFailureExceeded(action: MapAction, failed: number, total: number): boolean {
  void [action, failed, total];
  return notYet();
}

/** A Task / Parallel / Map produced `result` (its raw result): ResultSelector, ResultPath, OutputPath
 * (JSONPath) or Output and Assign (JSONata). `stateInput` is the state's raw input as given to enter. */
export async function complete(
  machine: Machine,
  stateName: string,
  stateInput: Json,
  result: Json,
  ctx: Context,
  vars: Variables,
  env: Env,
): Promise<Completion> {
  void [machine, stateName, stateInput, result, ctx, vars, env];
  return notYet();
}

/** A state raised an error: retry (retryCounts[i] = retries already made by retrier i), catch, or fail. */
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
  void [machine, stateName, stateInput, error, retryCounts, ctx, vars, env];
  return notYet();
}

/** A Task's Resource taken apart (integration pattern, service, action; history's resourceType). */
export function parseResource(resource: string): ResourceInfo {
  void resource;
  return notYet();
}

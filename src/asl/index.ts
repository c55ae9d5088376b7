// The Amazon States Language, pure: definition validation with AWS's codes and messages, JSONPath
// and JSONata data processing, the 18 intrinsic functions, Choice rules, Wait, Retry and Catch,
// Parallel and Map. No I/O and no clock: callers pass `now` and `random` in Env. LANGUAGE.md beside
// this file lists what is covered and which texts are AWS's own.
//
// The engine (services/workflows) keeps the execution durable and calls, per state:
//   enter(machine, name, input, ctx, vars, env)        → Action (next / succeed / fail / wait / task / parallel / map)
//   complete(machine, name, stateInput, result, …)     → { next?, output, vars } after a task / parallel / map
//   handleError(machine, name, stateInput, error, …)   → retry (delay) / catch (next, output) / fail
// enter / complete / handleError are async (JSONata evaluates asynchronously) and throw StatesError;
// a StatesError is given to handleError (which never retries or catches States.Runtime or
// States.DataLimitExceeded with States.ALL).

import { parseTaskResource } from './resource.ts';
import {
  complete as completeState,
  enter as enterState,
  handleError as handleStateError,
  mapItemInputs as mapInputs,
  toleratedFailureExceeded as toleranceExceeded,
} from './states.ts';
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
import { formatDefinitionError, validate, validateState } from './validate.ts';

export { StatesError } from './errors.ts';
export { errorMatches, PAYLOAD_LIMIT, retryDelayMs } from './states.ts';
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

/** Parses and validates a definition (JSON text). */
export function validateDefinition(text: string, options: ValidateOptions = {}): ValidationResult {
  return validate(text, options);
}

/** Validates one state's definition (TestState): a machine whose only state is named `stateName`. */
export function validateStateDefinition(text: string, stateName = 'TestState'): ValidationResult {
  return validateState(text, stateName);
}

/** CreateStateMachine's InvalidDefinition message for the ERROR diagnostics:
 * "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: These fields are required: [Next or End] at /States/A'". */
export function definitionError(diagnostics: Diagnostic[]): string {
  return formatDefinitionError(diagnostics);
}

/** Entering a state with its raw input. */
export function enter(
  machine: Machine,
  stateName: string,
  input: Json,
  ctx: Context,
  vars: Variables,
  env: Env,
): Promise<Action> {
  return enterState(machine, stateName, input, ctx, vars, env);
}

/** For a Map whose items an ItemReader read: the iterations' inputs (ItemSelector, ItemBatcher). */
export function mapItemInputs(
  machine: Machine,
  stateName: string,
  action: MapAction,
  items: Json[],
  ctx: Context,
  env: Env,
): Promise<Json[]> {
  return mapInputs(machine, stateName, action, items, ctx, env);
}

/** Has a Map failed past its ToleratedFailureCount / Percentage? (then it fails with
 * States.ExceedToleratedFailureThreshold). Without either, one failure is too many. */
export function toleratedFailureExceeded(action: MapAction, failed: number, total: number): boolean {
  return toleranceExceeded(action, failed, total);
}

/** A Task / Parallel / Map produced `result` (its raw result): ResultSelector, ResultPath, OutputPath
 * (JSONPath) or Output and Assign (JSONata). `stateInput` is the state's raw input as given to enter. */
export function complete(
  machine: Machine,
  stateName: string,
  stateInput: Json,
  result: Json,
  ctx: Context,
  vars: Variables,
  env: Env,
): Promise<Completion> {
  return completeState(machine, stateName, stateInput, result, ctx, vars, env);
}

/** A state raised an error: retry (retryCounts[i] = retries already made by retrier i), catch, or fail. */
export function handleError(
  machine: Machine,
  stateName: string,
  stateInput: Json,
  error: RaisedError,
  retryCounts: number[],
  ctx: Context,
  vars: Variables,
  env: Env,
): Promise<ErrorHandling> {
  return handleStateError(machine, stateName, stateInput, error, retryCounts, ctx, vars, env);
}

/** A Task's Resource taken apart (integration pattern, service, action; history's resourceType). */
export function parseResource(resource: string): ResourceInfo {
  return parseTaskResource(resource);
}

/** AWS's cause for a StatesError raised in a state: "An error occurred while executing the state 'X'
 * (entered at the event id #2). <detail>" (EXPRESS executions have no event ids). */
export function stateErrorCause(
  stateName: string,
  enteredEventId: number | undefined,
  detail: string,
): string {
  return enteredEventId === undefined
    ? `An error occurred while executing the state '${stateName}'. ${detail}`
    : `An error occurred while executing the state '${stateName}' (entered at the event id #${enteredEventId}). ${detail}`;
}

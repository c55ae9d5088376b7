// TestState: one state run on its own, with its data processing shown (inspectionData). Task,
// Parallel and Map states take their result (or error) from `mock`; eddy calls no resource here.
import {
  type Action,
  type Context,
  complete,
  definitionError,
  enter,
  handleError,
  type Inspection,
  type Json,
  StatesError,
  type Variables,
  validateStateDefinition,
} from '../../asl/index.ts';
import type { OperationHandler, StepFunctions } from '../../contract/index.ts';
import type { Runtime } from '../../runtime/index.ts';
import { invalidDefinitionError, validation } from './errors.ts';

const json = (value: Json | undefined) => (value === undefined ? undefined : JSON.stringify(value));

function parseJson(text: string | undefined, what: string, fallback: Json): Json {
  if (text === undefined) return fallback;
  try {
    return JSON.parse(text) as Json;
  } catch {
    throw validation(`${what} must be valid JSON.`);
  }
}

function inspectionOf(
  inspect: Inspection,
  level: StepFunctions.InspectionLevel | undefined,
): StepFunctions.InspectionData | undefined {
  if (level !== 'DEBUG' && level !== 'TRACE') return undefined;
  return {
    ...(inspect.input !== undefined ? { input: json(inspect.input) } : {}),
    ...(inspect.afterInputPath !== undefined ? { afterInputPath: json(inspect.afterInputPath) } : {}),
    ...(inspect.afterParameters !== undefined ? { afterParameters: json(inspect.afterParameters) } : {}),
    ...(inspect.afterArguments !== undefined ? { afterArguments: json(inspect.afterArguments) } : {}),
    ...(inspect.result !== undefined ? { result: json(inspect.result) } : {}),
    ...(inspect.afterResultSelector !== undefined
      ? { afterResultSelector: json(inspect.afterResultSelector) }
      : {}),
    ...(inspect.afterResultPath !== undefined ? { afterResultPath: json(inspect.afterResultPath) } : {}),
    ...(inspect.variables !== undefined ? { variables: JSON.stringify(inspect.variables) } : {}),
  };
}

export function testStateHandler(
  runtime: Runtime,
): OperationHandler<StepFunctions.TestStateInput, StepFunctions.TestStateOutput> {
  return async (input) => {
    const stateName = input.stateName ?? 'TestState';
    const result = validateStateDefinition(input.definition, stateName);
    const errors = result.diagnostics.filter((diagnostic) => diagnostic.severity === 'ERROR');
    if (errors.length > 0 || !result.machine) throw invalidDefinitionError(definitionError(errors));
    const machine = result.machine;
    const name = machine.states[stateName] ? stateName : machine.startAt;
    const state = machine.states[name]!;
    const stateInput = parseJson(input.input, 'input', {});
    const vars = parseJson(input.variables, 'variables', {}) as Variables;
    const now = runtime.clock.now();
    const given = parseJson(input.context, 'context', {}) as Partial<Context>;
    const ctx: Context = {
      Execution: {
        Id: 'arn:aws:states:us-east-1:000000000000:execution:TestStateMachine:test',
        Input: stateInput,
        Name: 'test',
        RoleArn: input.roleArn ?? '',
        StartTime: new Date(now).toISOString(),
      },
      State: {
        Name: name,
        EnteredTime: new Date(now).toISOString(),
        RetryCount: input.stateConfiguration?.retrierRetryCount ?? 0,
      },
      StateMachine: {
        Id: 'arn:aws:states:us-east-1:000000000000:stateMachine:TestStateMachine',
        Name: 'TestStateMachine',
      },
      ...given,
    } as Context;
    const inspect: Inspection = {};
    const env = { now: new Date(now), random: Math.random, inspect };
    const answer = (output: StepFunctions.TestStateOutput) => {
      const data = inspectionOf(inspect, input.inspectionLevel);
      return data ? { ...output, inspectionData: data } : output;
    };
    const failed = async (error: { error: string; cause?: string }) => {
      const retries = Array.from({ length: state.retry.length }, () => 0);
      if (input.stateConfiguration?.retrierRetryCount !== undefined && retries.length > 0)
        retries[0] = input.stateConfiguration.retrierRetryCount;
      let handling: Awaited<ReturnType<typeof handleError>>;
      try {
        handling = await handleError(machine, name, stateInput, error, retries, ctx, vars, env);
      } catch (again) {
        const raised =
          again instanceof StatesError ? again : new StatesError('States.Runtime', String(again));
        return answer({ status: 'FAILED', error: raised.error, cause: raised.cause });
      }
      if (handling.kind === 'retry')
        return answer({
          status: 'RETRIABLE',
          error: error.error,
          ...(error.cause !== undefined ? { cause: error.cause } : {}),
        });
      if (handling.kind === 'catch')
        return answer({
          status: 'CAUGHT_ERROR',
          error: error.error,
          ...(error.cause !== undefined ? { cause: error.cause } : {}),
          output: JSON.stringify(handling.output),
          nextState: handling.next,
        });
      return answer({
        status: 'FAILED',
        error: handling.error,
        ...(handling.cause !== undefined ? { cause: handling.cause } : {}),
      });
    };
    let action: Action;
    try {
      action = await enter(machine, name, stateInput, ctx, vars, env);
    } catch (error) {
      if (error instanceof StatesError) return failed({ error: error.error, cause: error.cause });
      throw error;
    }
    switch (action.kind) {
      case 'next':
        return answer({ status: 'SUCCEEDED', output: JSON.stringify(action.output), nextState: action.next });
      case 'succeed':
        return answer({ status: 'SUCCEEDED', output: JSON.stringify(action.output) });
      case 'fail':
        return answer({
          status: 'FAILED',
          error: action.error,
          ...(action.cause !== undefined ? { cause: action.cause } : {}),
        });
      case 'wait':
        return answer({
          status: 'SUCCEEDED',
          output: JSON.stringify(action.output),
          ...(action.next ? { nextState: action.next } : {}),
        });
      default: {
        const mock = input.mock;
        if (mock?.errorOutput)
          return failed({
            error: mock.errorOutput.error ?? '',
            ...(mock.errorOutput.cause !== undefined ? { cause: mock.errorOutput.cause } : {}),
          });
        if (mock?.result === undefined)
          throw validation(
            `eddy runs TestState for ${state.type} states with a mock result: set mock.result or mock.errorOutput.`,
          );
        const taskResult = parseJson(mock.result, 'mock.result', null);
        try {
          const completion = await complete(machine, name, stateInput, taskResult, ctx, vars, env);
          return answer({
            status: 'SUCCEEDED',
            output: JSON.stringify(completion.output),
            ...(completion.next ? { nextState: completion.next } : {}),
          });
        } catch (error) {
          if (error instanceof StatesError) return failed({ error: error.error, cause: error.cause });
          throw error;
        }
      }
    }
  };
}

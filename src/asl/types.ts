// The types of the Amazon States Language module: parsed machines, the context object, what a state
// asks of the engine (Action), and the answers to results and errors.

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export type QueryLanguage = 'JSONPath' | 'JSONata';
export type StateType = 'Pass' | 'Task' | 'Choice' | 'Wait' | 'Succeed' | 'Fail' | 'Parallel' | 'Map';

/** One finding of validation, as ValidateStateMachineDefinition returns it. */
export interface Diagnostic {
  severity: 'ERROR' | 'WARNING';
  /** SCHEMA_VALIDATION_FAILED, MISSING_TRANSITION_TARGET, INVALID_JSON_DESCRIPTION, … */
  code: string;
  message: string;
  /** A JSON pointer-like place: `/States/A/Next`. */
  location?: string;
}

export interface ValidationResult {
  /** Present when there is no ERROR diagnostic. */
  machine?: Machine;
  diagnostics: Diagnostic[];
}

export interface ValidateOptions {
  /** EXPRESS machines may not use `.sync` or `.waitForTaskToken` integrations, nor distributed Map. */
  type?: 'STANDARD' | 'EXPRESS';
}

/** A validated state machine (or a Parallel branch, or a Map's ItemProcessor). Plain data: JSON-serialisable. */
export interface Machine {
  startAt: string;
  states: Record<string, State>;
  comment?: string;
  version?: string;
  timeoutSeconds?: number;
  /** The top-level QueryLanguage (inherited by branches and processors), default JSONPath. */
  queryLanguage: QueryLanguage;
  /** For a Map's ItemProcessor: its ProcessorConfig. */
  processorConfig?: { mode: 'INLINE' | 'DISTRIBUTED'; executionType?: 'STANDARD' | 'EXPRESS' };
}

export interface Retrier {
  errorEquals: string[];
  intervalSeconds: number;
  maxAttempts: number;
  backoffRate: number;
  maxDelaySeconds?: number;
  jitterStrategy: 'FULL' | 'NONE';
}

export interface Catcher {
  errorEquals: string[];
  next: string;
  /** The catcher's own fields (ResultPath, Output, Assign, Comment) as written. */
  raw: JsonObject;
}

export interface State {
  name: string;
  type: StateType;
  /** The state's own QueryLanguage, or the machine's. */
  queryLanguage: QueryLanguage;
  /** Undefined for End states, Choice, Succeed and Fail. */
  next?: string;
  end: boolean;
  comment?: string;
  /** Task: the Resource as written (may be a JSONata expression in JSONata states). */
  resource?: string;
  /** Parallel: one machine per branch. */
  branches?: Machine[];
  /** Map: the ItemProcessor (or Iterator). */
  processor?: Machine;
  /** Map: Label (distributed). */
  label?: string;
  retry: Retrier[];
  catch: Catcher[];
  /** The state's JSON as written. */
  raw: JsonObject;
}

/** The context object: `$$` in JSONPath, `$states.context` in JSONata. */
export interface Context {
  Execution: {
    Id: string;
    Input: Json;
    Name: string;
    RoleArn: string;
    StartTime: string;
    RedriveCount?: number;
    RedriveTime?: string;
    [k: string]: Json | undefined;
  };
  State: { Name: string; EnteredTime: string; RetryCount: number; [k: string]: Json | undefined };
  StateMachine: { Id: string; Name: string; [k: string]: Json | undefined };
  /** Present while a Task with `.waitForTaskToken` is being entered: the engine makes the token first. */
  Task?: { Token: string };
  /** Present while a Map's ItemSelector is being evaluated; `mapItemInputs` sets it per item. */
  Map?: { Item: { Index: number; Value: Json; Key?: string; Source?: string } };
  [k: string]: Json | undefined | object;
}

/** Variables in scope (Assign / `$name`): the engine stores one set per scope. */
export type Variables = Record<string, Json>;

/** What TestState's inspectionData reports; filled when passed in Env. */
export interface Inspection {
  input?: Json;
  afterInputPath?: Json;
  afterParameters?: Json;
  afterArguments?: Json;
  result?: Json;
  afterResultSelector?: Json;
  afterResultPath?: Json;
  variables?: Variables;
}

/** What the pure functions are given instead of a clock and a random source. */
export interface Env {
  now: Date;
  /** Uniform in [0, 1): States.MathRandom, States.UUID, $random, $uuid, FULL jitter. */
  random: () => number;
  /** Filled in with the intermediate values (TestState). */
  inspect?: Inspection;
}

export interface MapAction {
  kind: 'map';
  /** The items after ItemsPath / Items; empty when an ItemReader reads them (see itemReader). */
  items: Json[];
  /** One input per child execution after ItemSelector and ItemBatcher (empty when itemReader is set). */
  itemInputs: Json[];
  processor: Machine;
  mode: 'INLINE' | 'DISTRIBUTED';
  executionType?: 'STANDARD' | 'EXPRESS';
  /** 0 means as many as possible (AWS: up to 40 inline, 10,000 distributed). */
  maxConcurrency: number;
  toleratedFailureCount?: number;
  toleratedFailurePercentage?: number;
  label?: string;
  /** Distributed Map with ItemReader: Resource and evaluated Parameters/Arguments, ReaderConfig. The engine
   * reads the items, then calls mapItemInputs. */
  itemReader?: { resource: string; parameters: Json; readerConfig?: Json };
  /** ResultWriter as evaluated: Resource, Parameters/Arguments, WriterConfig. */
  resultWriter?: { resource?: string; parameters?: Json; writerConfig?: Json };
  /** The state's effective input (after InputPath), needed by mapItemInputs for BatchInput and ItemSelector. */
  effectiveInput: Json;
  /** Variables the iterations see (read-only for them: an inner scope starts from this copy). */
  vars: Variables;
}

/** Entering a state with its raw input: what the engine must do. */
export type Action =
  /** Pass, Choice (and Wait with no time to wait is still a 'wait'). */
  | { kind: 'next'; next: string; output: Json; vars: Variables }
  /** Succeed, and Pass states with End: the execution (or branch / iteration) succeeds with output. */
  | { kind: 'succeed'; output: Json; vars: Variables }
  /** Fail: the execution (or branch) fails (error / cause absent when the Fail state gives none). */
  | { kind: 'fail'; error?: string; cause?: string }
  /** Wait until the instant, then go to next (undefined = End: succeed with output). */
  | { kind: 'wait'; until: Date; output: Json; next?: string; vars: Variables }
  /** Run a task; when it returns call complete(), when it fails call handleError(). */
  | {
      kind: 'task';
      resource: string;
      parameters: Json;
      timeoutSeconds?: number;
      heartbeatSeconds?: number;
      credentials?: Json;
    }
  /** Run each branch on the same input; result is the array of their outputs, in order. */
  | { kind: 'parallel'; branches: Machine[]; input: Json; vars: Variables }
  | MapAction;

/** After a Task / Parallel / Map produced its result. */
export interface Completion {
  /** Undefined: End — the execution (or branch) succeeds with output. */
  next?: string;
  output: Json;
  vars: Variables;
}

export interface RaisedError {
  error: string;
  cause?: string;
}

export type ErrorHandling =
  /** Retry after delayMs; the engine increments retryCounts[retrier] and sets ctx.State.RetryCount. */
  | { kind: 'retry'; delayMs: number; retrier: number }
  /** Go to next with output (and the catcher's Assign applied). */
  | { kind: 'catch'; next: string; output: Json; vars: Variables; catcher: number }
  /** No retrier / catcher applies: the execution (or branch) fails with this error. */
  | { kind: 'fail'; error: string; cause?: string };

/** A Task Resource, taken apart. */
export interface ResourceInfo {
  /** 'activity' (arn:aws:states:…:activity:…), 'lambda' (a function ARN), 'service' (arn:aws:states:::svc:action),
   * 'aws-sdk' (arn:aws:states:::aws-sdk:svc:action), 'http' (arn:aws:states:::http:invoke), 'unknown'. */
  kind: 'activity' | 'lambda' | 'service' | 'aws-sdk' | 'http' | 'unknown';
  /** ecs, sqs, sns, events, states, lambda, s3, … (for aws-sdk: the SDK service name). */
  service?: string;
  /** runTask, sendMessage, … without the pattern suffix. */
  action?: string;
  pattern: 'request-response' | 'sync' | 'sync:2' | 'waitForTaskToken';
  /** History's resourceType / resource: "ecs" / "runTask.sync". */
  resourceType: string;
  resourceName: string;
}

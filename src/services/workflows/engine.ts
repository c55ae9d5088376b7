// The execution engine: runs executions state by state on the pure States Language module
// (src/asl) and keeps every step in the store. A step is taken inside a write transaction that
// reads the execution's frames, runs asl on them, appends the history events and writes the frames
// back; what reaches outside (an integration called, a worker woken, a status event) is done once
// that transaction committed. Whatever waits — a Wait state, a retry's back-off, a task's timeout
// or heartbeat, the execution's TimeoutSeconds, an integration call that a crash may have cut
// short — is a durable timer (runtime.timers), so a restarted eddy, or another node, goes on.
import {
  type Action,
  type Context,
  complete,
  enter,
  handleError,
  type Json,
  type Machine,
  type MapAction,
  parseResource,
  type RaisedError,
  type ResourceInfo,
  StatesError,
  toleratedFailureExceeded,
  type Variables,
} from '../../asl/index.ts';
import type { Runtime, Timer } from '../../runtime/index.ts';
import type { Tx } from '../../store/index.ts';
import {
  type ExecutionRecord,
  type ExecutionStatus,
  getExecution,
  insertExecution,
  saveExecution,
} from './executions.ts';
import {
  allFrames,
  childFrames,
  deleteAllFrames,
  deleteChildren,
  deleteFrames,
  type Frame,
  type FrameData,
  framesWithStatus,
  getFrame,
  type Op,
  saveFrames,
} from './frames.ts';
import { type EventType, insertEvents, type PendingEvent, stateEvent } from './history.ts';
import type { MachineStore, MachineType } from './machines.ts';
import { getTask, insertTask, newToken, openTasksOf, setTaskStatus, type TaskRow } from './task-rows.ts';

/** Transitions one transaction takes before it commits and the run goes on in the next. */
const BUDGET = 400;
/** AWS's quota of history events per execution. */
export const HISTORY_LIMIT = 25_000;
/** 256 KiB: the largest input, output or result a state may pass on. */
export const DATA_LIMIT = 262_144;
/** An integration call not recorded by then is made again (its node died). */
const INVOKE_LEASE_MS = 60_000;
/** A run cut short by its budget goes on at once; should this node die first, after this. */
const RUN_LEASE_MS = 10_000;
/** How long an express execution may run. */
const EXPRESS_TIMEOUT_SECONDS = 300;
/** Inline Map's MaxConcurrency 0: as many as AWS runs at once. */
const INLINE_MAP_CONCURRENCY = 40;

export const TIMERS = {
  run: 'sfn.run',
  wake: 'sfn.wake',
  timeout: 'sfn.timeout',
  heartbeat: 'sfn.heartbeat',
  invoke: 'sfn.invoke',
  deadline: 'sfn.deadline',
} as const;

/** How an integration's call went. */
export type Outcome =
  | { kind: 'succeeded'; output: Json }
  | { kind: 'failed'; error: string; cause?: string }
  /** Submitted: the task goes on (`.sync`, `.waitForTaskToken`); `ref` names what is awaited (an ECS task). */
  | { kind: 'waiting'; submitted?: Json; ref?: string };

/** A task an integration is asked to perform. */
export interface Invocation {
  token: string;
  execution: ExecutionRecord;
  frameId: string;
  stateName: string;
  info: ResourceInfo;
  resource: string;
  parameters: Json;
  timeoutSeconds?: number;
  heartbeatSeconds?: number;
}

/** Performs Task states' resources (integrations.ts). */
export interface Dispatcher {
  /**
   * Called in the transition's transaction: an outcome when the work was done there (an activity
   * queued, an SQS message sent in the same commit, a child execution started), or undefined when
   * `invoke` is to be called after the commit.
   */
  inTransaction(tx: Tx, invocation: Invocation, engine: Engine): Promise<Outcome | undefined>;
  /** Called after the commit (and again after a crash) for what inTransaction left. */
  invoke(invocation: Invocation): Promise<Outcome>;
  /** The task ended early (aborted, timed out): stop what it started (`ref`: an ECS task). */
  cancel(row: TaskRow, execution: ExecutionRecord): void;
}

/** Told when an execution ends, after the commit (StartSyncExecution waits; status events). */
export type EndListener = (execution: ExecutionRecord) => void;

export interface StartRequest {
  arn: string;
  account: string;
  region: string;
  machineArn: string;
  machineName: string;
  versionArn?: string;
  aliasArn?: string;
  revisionId: string;
  definition: string;
  roleArn: string;
  type: MachineType;
  name: string;
  input: string;
  traceHeader?: string;
  parentToken?: string;
  mapRunArn?: string;
}

const iso = (ms: number) => new Date(ms).toISOString();
const text = (value: Json) => JSON.stringify(value);
const dataDetails = { truncated: false };

function raised(error: unknown): RaisedError {
  if (error instanceof StatesError) return { error: error.error, cause: error.cause };
  // A fault of eddy's own, not the definition's: the state fails with States.Runtime.
  return {
    error: 'States.Runtime',
    cause: `eddy could not run the state: ${(error as Error)?.message ?? String(error)}`,
  };
}

export class Engine {
  private readonly endListeners: EndListener[] = [];
  dispatcher!: Dispatcher;
  /** Tells a `states:startExecution.sync` parent, in the child's last transaction, how the child ended. */
  childEnded: (tx: Tx, child: ExecutionRecord) => Promise<void> = async () => {};
  /** Told, after the commit, that a task now waits for its resource (`.sync`) or token. */
  onWaiting: (row: TaskRow) => void = () => {};

  constructor(
    readonly runtime: Runtime,
    readonly machines: MachineStore,
  ) {
    const { timers } = runtime;
    timers.on(TIMERS.run, (timer, tx) => this.onRunTimer(timer, tx));
    timers.on(TIMERS.wake, (timer, tx) => this.onWake(timer, tx));
    timers.on(TIMERS.timeout, (timer, tx) => this.onTaskTimeout(timer, tx, 'timeout'));
    timers.on(TIMERS.heartbeat, (timer, tx) => this.onTaskTimeout(timer, tx, 'heartbeat'));
    timers.on(TIMERS.invoke, (timer, tx) => this.onInvokeLease(timer, tx));
    timers.on(TIMERS.deadline, (timer, tx) => this.onDeadline(timer, tx));
  }

  onEnd(listener: EndListener): void {
    this.endListeners.push(listener);
  }

  /** Runs `effect` once `tx` committed (never if it rolls back). */
  after(tx: Tx, effect: () => void): void {
    tx.whenSettled((committed) => {
      if (!committed) return;
      try {
        effect();
      } catch (error) {
        this.runtime.log.error({ err: error }, 'a step function effect failed');
      }
    });
  }

  machineFor(
    execution: { machineArn: string; revisionId: string; type: MachineType },
    definition: string,
  ): Machine {
    return this.machines.machineOf(
      { machineArn: execution.machineArn, revisionId: execution.revisionId, definition },
      execution.type,
    );
  }

  /** Creates the execution and takes its first steps, in `tx`. */
  async start(tx: Tx, request: StartRequest): Promise<ExecutionRecord> {
    const now = this.runtime.clock.now();
    const machine = this.machineFor(
      { machineArn: request.machineArn, revisionId: request.revisionId, type: request.type },
      request.definition,
    );
    const execution: ExecutionRecord = {
      arn: request.arn,
      account: request.account,
      region: request.region,
      machineArn: request.machineArn,
      versionArn: request.versionArn,
      aliasArn: request.aliasArn,
      revisionId: request.revisionId,
      name: request.name,
      type: request.type,
      status: 'RUNNING',
      input: request.input,
      output: undefined,
      error: undefined,
      cause: undefined,
      traceHeader: request.traceHeader,
      mapRunArn: request.mapRunArn,
      parentToken: request.parentToken,
      startedAt: now,
      stoppedAt: undefined,
      eventCount: 0,
      redriveCount: 0,
      redriveDate: undefined,
    };
    await insertExecution(tx, execution);
    const run = new Run(this, tx, execution, machine, request.roleArn, request.machineName);
    run.emit(null, 'ExecutionStarted', {
      input: request.input,
      inputDetails: dataDetails,
      roleArn: request.roleArn,
      ...(request.aliasArn ? { stateMachineAliasArn: request.aliasArn } : {}),
      ...(request.versionArn ? { stateMachineVersionArn: request.versionArn } : {}),
    });
    const top: Frame = {
      id: '0',
      parent: null,
      idx: 0,
      status: 'run',
      data: {
        path: [],
        state: machine.startAt,
        input: JSON.parse(request.input) as Json,
        vars: {},
        enteredAt: now,
        retryCounts: [],
        last: 1,
        op: { kind: 'enter' },
      },
    };
    run.add(top);
    // Express executions run five minutes at most.
    const timeout =
      machine.timeoutSeconds ?? (request.type === 'EXPRESS' ? EXPRESS_TIMEOUT_SECONDS : undefined);
    if (timeout !== undefined)
      await this.runtime.timers.scheduleIn(tx, TIMERS.deadline, execution.arn, now + timeout * 1000);
    const started = { ...execution };
    this.after(tx, () => this.notify('start', started));
    await run.go();
    return execution;
  }

  /** Loads a running execution and its machine for a step, or undefined when it is over. */
  async load(tx: Tx, arn: string): Promise<Run | undefined> {
    const execution = await getExecution(tx, arn);
    if (execution?.status !== 'RUNNING') return undefined;
    const revision = await this.machines.revision(tx, execution.machineArn, execution.revisionId);
    if (!revision) return undefined;
    const machine = this.machineFor(execution, revision.definition);
    return new Run(this, tx, execution, machine, revision.roleArn, execution.machineArn.split(':').at(-1)!);
  }

  /** Takes the runnable frames' steps (after a budget ran out, or a task ended). */
  async advance(tx: Tx, arn: string): Promise<void> {
    const run = await this.load(tx, arn);
    if (!run) return;
    for (const frame of await framesWithStatus(tx, arn, 'run')) run.add(frame);
    await run.go();
  }

  /** A task's end, reported by its integration, a worker or a callback. Returns false if it was over. */
  async finishTask(
    tx: Tx,
    token: string,
    outcome: Outcome,
    options: { started?: boolean } = {},
  ): Promise<boolean> {
    const row = await getTask(tx, token);
    if (!row || row.status === 'closed') return false;
    const run = await this.load(tx, row.execution_arn);
    if (!run) {
      await setTaskStatus(tx, token, 'closed');
      return false;
    }
    const frame = await run.frame(row.frame_id);
    if (frame?.status !== 'task' || frame.data.task?.token !== token) {
      await setTaskStatus(tx, token, 'closed');
      return false;
    }
    await run.taskOutcome(frame, row, outcome, options.started ?? row.status === 'invoking');
    await run.go();
    return true;
  }

  /** An activity worker took the task: ActivityStarted, and its heartbeat clock starts. */
  async activityStarted(tx: Tx, row: TaskRow, worker: string | undefined): Promise<void> {
    const run = await this.load(tx, row.execution_arn);
    if (!run) return;
    const frame = await run.frame(row.frame_id);
    if (!frame?.data.task) return;
    run.emit(frame, 'ActivityStarted', worker ? { workerName: worker } : {});
    const heartbeat = frame.data.task.heartbeatSeconds;
    if (heartbeat !== undefined)
      await this.runtime.timers.scheduleIn(
        tx,
        TIMERS.heartbeat,
        row.token,
        this.runtime.clock.now() + heartbeat * 1000,
      );
    run.touch(frame);
    await run.go();
  }

  /** SendTaskHeartbeat: the heartbeat clock starts again. */
  async heartbeat(tx: Tx, row: TaskRow): Promise<void> {
    const frame = await getFrame(tx, row.execution_arn, row.frame_id);
    const seconds = frame?.data.task?.heartbeatSeconds;
    if (seconds !== undefined)
      await this.runtime.timers.scheduleIn(
        tx,
        TIMERS.heartbeat,
        row.token,
        this.runtime.clock.now() + seconds * 1000,
      );
  }

  /** StopExecution (and the end of a deleted machine): aborted with `error` and `cause`. */
  async abort(
    tx: Tx,
    arn: string,
    error: string | undefined,
    cause: string | undefined,
  ): Promise<ExecutionRecord | undefined> {
    const run = await this.load(tx, arn);
    if (!run) return undefined;
    await run.finish('ABORTED', { error, cause });
    await run.go();
    return run.execution;
  }

  /** Tells the listeners that an execution started or ended, after the commit. */
  notify(what: 'start' | 'end', execution: ExecutionRecord): void {
    if (what === 'end') for (const listener of this.endListeners) listener(execution);
    else for (const listener of this.startListeners) listener(execution);
  }

  private readonly startListeners: EndListener[] = [];
  onStart(listener: EndListener): void {
    this.startListeners.push(listener);
  }

  // Timers

  private async onRunTimer(timer: Timer, tx: Tx): Promise<void> {
    await this.advance(tx, timer.key);
  }

  private async onWake(timer: Timer, tx: Tx): Promise<void> {
    const { execution, frame: frameId } = timer.payload as { execution: string; frame: string };
    const run = await this.load(tx, execution);
    if (!run) return;
    const frame = await run.frame(frameId);
    if (frame?.status !== 'wait') return;
    await run.woken(frame);
    await run.go();
  }

  private async onTaskTimeout(timer: Timer, tx: Tx, which: 'timeout' | 'heartbeat'): Promise<void> {
    const row = await getTask(tx, timer.key);
    if (!row || row.status === 'closed') return;
    const error = which === 'timeout' ? 'States.Timeout' : 'States.HeartbeatTimeout';
    await this.finishTask(tx, row.token, { kind: 'failed', error }, { started: false });
  }

  private async onInvokeLease(timer: Timer, tx: Tx): Promise<void> {
    const row = await getTask(tx, timer.key);
    if (row?.status !== 'invoking') return;
    const invocation = await this.invocationOf(tx, row);
    if (!invocation) return;
    await this.runtime.timers.scheduleIn(
      tx,
      TIMERS.invoke,
      row.token,
      this.runtime.clock.now() + INVOKE_LEASE_MS,
    );
    this.after(tx, () => this.callLater(invocation));
  }

  private async onDeadline(timer: Timer, tx: Tx): Promise<void> {
    const run = await this.load(tx, timer.key);
    if (!run) return;
    await run.finish('TIMED_OUT', { error: 'States.Timeout', cause: undefined });
    await run.go();
  }

  /** Rebuilds an invocation from its task row (an integration called again after a crash). */
  private async invocationOf(tx: Tx, row: TaskRow): Promise<Invocation | undefined> {
    const execution = await getExecution(tx, row.execution_arn);
    const frame = await getFrame(tx, row.execution_arn, row.frame_id);
    if (execution?.status !== 'RUNNING' || !frame) return undefined;
    const saved = JSON.parse(row.input ?? '{}') as {
      parameters: Json;
      timeoutSeconds?: number;
      heartbeatSeconds?: number;
    };
    return {
      token: row.token,
      execution,
      frameId: row.frame_id,
      stateName: frame.data.state,
      info: parseResource(row.resource),
      resource: row.resource,
      parameters: saved.parameters,
      ...(saved.timeoutSeconds !== undefined ? { timeoutSeconds: saved.timeoutSeconds } : {}),
      ...(saved.heartbeatSeconds !== undefined ? { heartbeatSeconds: saved.heartbeatSeconds } : {}),
    };
  }

  /** Calls an integration after the commit and records how it went. */
  callLater(invocation: Invocation): void {
    setImmediate(() => {
      this.dispatcher
        .invoke(invocation)
        .catch(
          (error: unknown): Outcome => ({
            kind: 'failed',
            error: 'States.TaskFailed',
            cause: (error as Error)?.message ?? String(error),
          }),
        )
        .then((outcome) =>
          this.runtime.store.write(async (tx) => {
            const row = await getTask(tx, invocation.token);
            if (row?.status !== 'invoking') return;
            await this.runtime.timers.cancelIn(tx, TIMERS.invoke, invocation.token);
            if (outcome.kind === 'waiting') {
              const run = await this.load(tx, row.execution_arn);
              const frame = run && (await run.frame(row.frame_id));
              if (!run || !frame) return;
              await run.taskOutcome(frame, row, outcome, true);
              await run.go();
              return;
            }
            await this.finishTask(tx, invocation.token, outcome, { started: true });
          }),
        )
        .catch((error: unknown) =>
          this.runtime.log.error(
            { err: error, task: invocation.resource },
            'recording a task’s outcome failed',
          ),
        );
    });
  }

  /** Continues a run cut short by its budget after this commit, with a lease should this node die. */
  async continueLater(tx: Tx, arn: string): Promise<void> {
    await this.runtime.timers.scheduleIn(tx, TIMERS.run, arn, this.runtime.clock.now() + RUN_LEASE_MS);
    this.after(tx, () => {
      setImmediate(() => {
        this.runtime.store
          .write(async (next) => {
            await this.runtime.timers.cancelIn(next, TIMERS.run, arn);
            await this.advance(next, arn);
          })
          .catch((error: unknown) =>
            this.runtime.log.error({ err: error, execution: arn }, 'continuing an execution failed'),
          );
      });
    });
  }
}

/**
 * One step of one execution, inside one transaction: frames are read as needed, changed in memory
 * and written back (with the history events and the execution row) by `go`.
 */
export class Run {
  private readonly frames = new Map<string, Frame>();
  private readonly dirty = new Set<string>();
  private readonly deleted = new Set<string>();
  private readonly queue: Frame[] = [];
  private readonly events: PendingEvent[] = [];
  private budget = BUDGET;
  private inputJson: Json | undefined;
  private ended = false;
  private readonly env;

  constructor(
    readonly engine: Engine,
    readonly tx: Tx,
    readonly execution: ExecutionRecord,
    readonly machine: Machine,
    readonly roleArn: string,
    readonly machineName: string,
  ) {
    this.env = { now: new Date(engine.runtime.clock.now()), random: Math.random };
  }

  private get now(): number {
    return this.engine.runtime.clock.now();
  }

  private get timers() {
    return this.engine.runtime.timers;
  }

  add(frame: Frame): void {
    this.frames.set(frame.id, frame);
    this.dirty.add(frame.id);
    if (frame.status === 'run') this.queue.push(frame);
  }

  touch(frame: Frame): void {
    this.dirty.add(frame.id);
  }

  async frame(id: string): Promise<Frame | undefined> {
    if (this.deleted.has(id)) return undefined;
    let frame = this.frames.get(id);
    if (!frame) {
      frame = await getFrame(this.tx, this.execution.arn, id);
      if (frame) this.frames.set(id, frame);
    }
    return frame;
  }

  /** Appends an event to the history (its previous event: the frame's last). */
  emit(frame: Frame | null, type: EventType, details?: Record<string, unknown>): number {
    const id = ++this.execution.eventCount;
    this.events.push({ id, type, at: this.now, previousId: frame ? frame.data.last : 0, details });
    if (frame) {
      frame.data.last = id;
      this.dirty.add(frame.id);
    }
    return id;
  }

  /** Runs the queued frames until each waits or the budget is spent, then writes everything. */
  async go(): Promise<void> {
    while (this.queue.length > 0 && !this.ended) {
      if (this.budget <= 0 || this.execution.eventCount >= HISTORY_LIMIT) break;
      const frame = this.queue.shift()!;
      if (frame.status !== 'run' || this.deleted.has(frame.id)) continue;
      this.budget--;
      await this.step(frame);
    }
    if (!this.ended && this.queue.some((frame) => frame.status === 'run' && !this.deleted.has(frame.id))) {
      if (this.execution.eventCount >= HISTORY_LIMIT) {
        await this.finish('FAILED', {
          error: 'States.Runtime',
          cause: `The execution reached the maximum number of history events (${HISTORY_LIMIT}).`,
        });
      } else await this.engine.continueLater(this.tx, this.execution.arn);
    }
    await this.flush();
  }

  private async flush(): Promise<void> {
    const { tx, execution } = this;
    if (execution.type === 'STANDARD' && this.events.length > 0)
      await insertEvents(tx, execution.arn, this.events);
    this.events.length = 0;
    if (!this.ended) {
      const changed = [...this.dirty].filter((id) => !this.deleted.has(id)).map((id) => this.frames.get(id)!);
      if (changed.length > 0) await saveFrames(tx, execution.arn, changed);
      if (this.deleted.size > 0) await deleteFrames(tx, execution.arn, [...this.deleted]);
    }
    this.dirty.clear();
    this.deleted.clear();
    await saveExecution(tx, execution);
  }

  private machineOf(frame: Frame): Machine {
    let machine = this.machine;
    for (const [stateName, branch] of frame.data.path) {
      const state = machine.states[stateName]!;
      machine = branch >= 0 ? state.branches![branch]! : state.processor!;
    }
    return machine;
  }

  private context(frame: Frame, token?: string): Context {
    this.inputJson ??= JSON.parse(this.execution.input) as Json;
    const { data } = frame;
    const context: Context = {
      Execution: {
        Id: this.execution.arn,
        Input: this.inputJson,
        Name: this.execution.name,
        RoleArn: this.roleArn,
        StartTime: iso(this.execution.startedAt),
        RedriveCount: this.execution.redriveCount,
      },
      State: {
        Name: data.state,
        EnteredTime: iso(data.enteredAt),
        RetryCount: data.retryCounts.reduce((sum, count) => sum + count, 0),
      },
      StateMachine: { Id: this.execution.versionArn ?? this.execution.machineArn, Name: this.machineName },
    };
    if (token) context.Task = { Token: token };
    return context;
  }

  private stateType(frame: Frame): string {
    return this.machineOf(frame).states[frame.data.state]?.type ?? 'Pass';
  }

  private async step(frame: Frame): Promise<void> {
    const op = frame.data.op ?? { kind: 'enter' };
    frame.data.op = undefined;
    this.dirty.add(frame.id);
    switch (op.kind) {
      case 'enter':
      case 'retry':
        return this.enterState(frame, op.kind === 'retry');
      case 'result':
        return this.completeState(frame, op.result);
      case 'error':
        return this.raise(frame, op.error);
    }
  }

  private setRunnable(frame: Frame, op: Op): void {
    frame.status = 'run';
    frame.data.op = op;
    this.dirty.add(frame.id);
    this.queue.push(frame);
  }

  private async enterState(frame: Frame, retry: boolean): Promise<void> {
    const machine = this.machineOf(frame);
    const { data } = frame;
    const state = machine.states[data.state];
    if (!state)
      return this.fail(frame, { error: 'States.Runtime', cause: `No state named '${data.state}'.` });
    if (!retry) {
      data.enteredAt = this.now;
      data.retryCounts = [];
      this.emit(frame, stateEvent(state.type, 'Entered'), {
        name: data.state,
        input: text(data.input),
        inputDetails: dataDetails,
      });
    }
    const token =
      state.type === 'Task' && (state.resource ?? '').endsWith('.waitForTaskToken') ? newToken() : undefined;
    let action: Action;
    try {
      action = await enter(machine, data.state, data.input, this.context(frame, token), data.vars, this.env);
    } catch (error) {
      return this.raise(frame, raised(error));
    }
    await this.act(frame, action, state.type, token);
  }

  private async act(
    frame: Frame,
    action: Action,
    stateType: string,
    token: string | undefined,
  ): Promise<void> {
    const { data } = frame;
    switch (action.kind) {
      case 'next':
        this.exited(frame, stateType, action.output);
        data.vars = action.vars;
        return this.moveTo(frame, action.next, action.output);
      case 'succeed':
        if (stateType !== 'Fail') this.exited(frame, stateType, action.output);
        data.vars = action.vars;
        return this.succeed(frame, action.output);
      case 'fail':
        return this.fail(frame, {
          ...(action.error !== undefined ? { error: action.error } : {}),
          ...(action.cause !== undefined ? { cause: action.cause } : {}),
        });
      case 'wait': {
        data.vars = action.vars;
        data.waitOutput = action.output;
        data.waitNext = action.next ?? null;
        const until = action.until.getTime();
        if (until <= this.now) return this.waitOver(frame);
        frame.status = 'wait';
        data.wake = 'wait';
        await this.timers.scheduleIn(this.tx, TIMERS.wake, `${this.execution.arn}#${frame.id}`, until, {
          execution: this.execution.arn,
          frame: frame.id,
        });
        return;
      }
      case 'task':
        return this.startTask(frame, action, token ?? newToken());
      case 'parallel':
        return this.startBranches(frame, action);
      case 'map':
        return this.startMap(frame, action);
    }
  }

  private exited(frame: Frame, stateType: string, output: Json): void {
    this.emit(frame, stateEvent(stateType, 'Exited'), {
      name: frame.data.state,
      output: text(output),
      outputDetails: dataDetails,
    });
  }

  private moveTo(frame: Frame, next: string, input: Json): void {
    frame.data.state = next;
    frame.data.input = input;
    frame.data.retryCounts = [];
    frame.data.task = undefined;
    frame.data.children = undefined;
    this.setRunnable(frame, { kind: 'enter' });
  }

  /** The Wait is over: WaitStateExited, then the next state (or the end). */
  private async waitOver(frame: Frame): Promise<void> {
    const { data } = frame;
    const output = data.waitOutput ?? null;
    const next = data.waitNext;
    data.waitOutput = undefined;
    data.waitNext = undefined;
    data.wake = undefined;
    this.exited(frame, 'Wait', output);
    if (next) this.moveTo(frame, next, output);
    else await this.succeed(frame, output);
  }

  /** A timer woke a waiting frame: its Wait ended, or its retry is due. */
  async woken(frame: Frame): Promise<void> {
    if (frame.data.wake === 'retry') {
      frame.data.wake = undefined;
      this.setRunnable(frame, { kind: 'retry' });
      return;
    }
    await this.waitOver(frame);
  }

  private async completeState(frame: Frame, result: Json): Promise<void> {
    const machine = this.machineOf(frame);
    const { data } = frame;
    const stateType = this.stateType(frame);
    if (JSON.stringify(result).length > DATA_LIMIT) {
      return this.raise(frame, {
        error: 'States.DataLimitExceeded',
        cause: `The state/task '${data.state}' returned a result with a size exceeding the maximum number of bytes service limit.`,
      });
    }
    let completion: Awaited<ReturnType<typeof complete>>;
    try {
      completion = await complete(
        machine,
        data.state,
        data.input,
        result,
        this.context(frame),
        data.vars,
        this.env,
      );
    } catch (error) {
      return this.raise(frame, raised(error));
    }
    this.exited(frame, stateType, completion.output);
    data.vars = completion.vars;
    data.task = undefined;
    data.children = undefined;
    if (completion.next) this.moveTo(frame, completion.next, completion.output);
    else await this.succeed(frame, completion.output);
  }

  /** A state raised an error: its retriers and catchers decide. */
  private async raise(frame: Frame, error: RaisedError): Promise<void> {
    const machine = this.machineOf(frame);
    const { data } = frame;
    data.task = undefined;
    data.children = undefined;
    let handling: Awaited<ReturnType<typeof handleError>>;
    try {
      handling = await handleError(
        machine,
        data.state,
        data.input,
        error,
        data.retryCounts,
        this.context(frame),
        data.vars,
        this.env,
      );
    } catch (again) {
      return this.fail(frame, raised(again));
    }
    switch (handling.kind) {
      case 'retry': {
        while (data.retryCounts.length <= handling.retrier) data.retryCounts.push(0);
        data.retryCounts[handling.retrier]! += 1;
        if (handling.delayMs <= 0) return this.setRunnable(frame, { kind: 'retry' });
        frame.status = 'wait';
        data.wake = 'retry';
        this.dirty.add(frame.id);
        await this.timers.scheduleIn(
          this.tx,
          TIMERS.wake,
          `${this.execution.arn}#${frame.id}`,
          this.now + handling.delayMs,
          {
            execution: this.execution.arn,
            frame: frame.id,
          },
        );
        return;
      }
      case 'catch':
        this.exited(frame, this.stateType(frame), handling.output);
        data.vars = handling.vars;
        return this.moveTo(frame, handling.next, handling.output);
      case 'fail':
        return this.fail(frame, {
          error: handling.error,
          ...(handling.cause !== undefined ? { cause: handling.cause } : {}),
        });
    }
  }

  // Tasks

  private async startTask(
    frame: Frame,
    action: Extract<Action, { kind: 'task' }>,
    token: string,
  ): Promise<void> {
    const { data } = frame;
    let info: ResourceInfo;
    try {
      info = parseResource(action.resource);
    } catch (error) {
      return this.raise(frame, raised(error));
    }
    const activity = info.kind === 'activity';
    const parameters = action.parameters;
    data.task = {
      token,
      resourceType: activity ? 'activity' : info.resourceType,
      resource: activity ? action.resource : info.resourceName,
      activity,
      ...(action.heartbeatSeconds !== undefined ? { heartbeatSeconds: action.heartbeatSeconds } : {}),
    };
    frame.status = 'task';
    this.dirty.add(frame.id);
    const timing = {
      ...(action.timeoutSeconds !== undefined ? { timeoutInSeconds: action.timeoutSeconds } : {}),
      ...(action.heartbeatSeconds !== undefined ? { heartbeatInSeconds: action.heartbeatSeconds } : {}),
    };
    if (activity) {
      this.emit(frame, 'ActivityScheduled', {
        resource: action.resource,
        input: text(parameters),
        inputDetails: dataDetails,
        ...timing,
      });
    } else {
      this.emit(frame, 'TaskScheduled', {
        resourceType: info.resourceType,
        resource: info.resourceName,
        region: this.execution.region,
        parameters: text(parameters),
        ...timing,
      });
    }
    const now = this.now;
    await insertTask(this.tx, {
      token,
      execution_arn: this.execution.arn,
      frame_id: frame.id,
      kind: activity ? 'activity' : `${info.service ?? info.kind}:${info.action ?? ''}`,
      status: activity ? 'queued' : 'invoking',
      activity_arn: activity ? action.resource : null,
      resource: action.resource,
      input: JSON.stringify({
        parameters,
        ...(action.timeoutSeconds !== undefined ? { timeoutSeconds: action.timeoutSeconds } : {}),
        ...(action.heartbeatSeconds !== undefined ? { heartbeatSeconds: action.heartbeatSeconds } : {}),
      }),
      ref: null,
      worker: null,
      created_at: now,
    });
    if (action.timeoutSeconds !== undefined)
      await this.timers.scheduleIn(this.tx, TIMERS.timeout, token, now + action.timeoutSeconds * 1000);
    // Callbacks' heartbeats count from the start; activities' from when a worker takes the task.
    if (action.heartbeatSeconds !== undefined && !activity)
      await this.timers.scheduleIn(this.tx, TIMERS.heartbeat, token, now + action.heartbeatSeconds * 1000);
    const invocation: Invocation = {
      token,
      execution: this.execution,
      frameId: frame.id,
      stateName: data.state,
      info,
      resource: action.resource,
      parameters,
      ...(action.timeoutSeconds !== undefined ? { timeoutSeconds: action.timeoutSeconds } : {}),
      ...(action.heartbeatSeconds !== undefined ? { heartbeatSeconds: action.heartbeatSeconds } : {}),
    };
    let outcome: Outcome | undefined;
    try {
      outcome = await this.engine.dispatcher.inTransaction(this.tx, invocation, this.engine);
    } catch (error) {
      outcome = { kind: 'failed', ...raised(error) };
    }
    if (outcome === undefined) {
      await this.timers.scheduleIn(this.tx, TIMERS.invoke, token, now + INVOKE_LEASE_MS);
      this.engine.after(this.tx, () => this.engine.callLater(invocation));
      return;
    }
    if (activity && outcome.kind === 'waiting') return;
    const row = (await getTask(this.tx, token))!;
    await this.taskOutcome(frame, row, outcome, true);
  }

  /** Records a task's outcome: its events, and the frame goes on (or keeps waiting). */
  async taskOutcome(frame: Frame, row: TaskRow, outcome: Outcome, started: boolean): Promise<void> {
    const task = frame.data.task!;
    const events = task.activity ? undefined : { resourceType: task.resourceType, resource: task.resource };
    if (started && events) this.emit(frame, 'TaskStarted', events);
    if (outcome.kind === 'waiting') {
      await setTaskStatus(this.tx, row.token, 'started', outcome.ref ? { ref: outcome.ref } : {});
      const waiting = { ...row, status: 'started' as const, ref: outcome.ref ?? row.ref };
      this.engine.after(this.tx, () => this.engine.onWaiting(waiting));
      if (events && outcome.submitted !== undefined)
        this.emit(frame, 'TaskSubmitted', {
          ...events,
          output: text(outcome.submitted),
          outputDetails: dataDetails,
        });
      return;
    }
    await this.closeTask(row, false);
    if (outcome.kind === 'succeeded') {
      if (events)
        this.emit(frame, 'TaskSucceeded', {
          ...events,
          output: text(outcome.output),
          outputDetails: dataDetails,
        });
      else
        this.emit(frame, 'ActivitySucceeded', { output: text(outcome.output), outputDetails: dataDetails });
      this.setRunnable(frame, { kind: 'result', result: outcome.output });
      return;
    }
    const failure = {
      error: outcome.error,
      ...(outcome.cause !== undefined ? { cause: outcome.cause } : {}),
    };
    const timedOut = outcome.error === 'States.Timeout' || outcome.error === 'States.HeartbeatTimeout';
    if (events) this.emit(frame, timedOut ? 'TaskTimedOut' : 'TaskFailed', { ...events, ...failure });
    else this.emit(frame, timedOut ? 'ActivityTimedOut' : 'ActivityFailed', failure);
    if (timedOut) this.engine.dispatcher.cancel(row, this.execution);
    this.setRunnable(frame, { kind: 'error', error: failure });
  }

  /** The task is over: its token closes and its timers go. */
  private async closeTask(row: TaskRow, cancel: boolean): Promise<void> {
    await setTaskStatus(this.tx, row.token, 'closed');
    for (const kind of [TIMERS.timeout, TIMERS.heartbeat, TIMERS.invoke])
      await this.timers.cancelIn(this.tx, kind, row.token);
    if (cancel) {
      const execution = this.execution;
      this.engine.after(this.tx, () => this.engine.dispatcher.cancel(row, execution));
    }
  }

  // Parallel and Map

  private startBranches(frame: Frame, action: Extract<Action, { kind: 'parallel' }>): void {
    const started = this.emit(frame, 'ParallelStateStarted');
    frame.status = 'children';
    frame.data.children = {
      kind: 'parallel',
      total: action.branches.length,
      launched: action.branches.length,
      finished: 0,
      failed: 0,
      maxConcurrency: 0,
      mode: 'INLINE',
    };
    action.branches.forEach((branch, index) => {
      this.add({
        id: `${frame.id}.${index}`,
        parent: frame.id,
        idx: index,
        status: 'run',
        data: this.childData(frame, [frame.data.state, index], branch, action.input, action.vars, started),
      });
    });
  }

  private childData(
    parent: Frame,
    step: [string, number],
    machine: Machine,
    input: Json,
    vars: Variables,
    last: number,
  ): FrameData {
    return {
      path: [...parent.data.path, step],
      state: machine.startAt,
      input,
      vars: structuredClone(vars),
      enteredAt: this.now,
      retryCounts: [],
      last,
      op: { kind: 'enter' },
    };
  }

  private async startMap(frame: Frame, action: MapAction): Promise<void> {
    const inputs = action.itemInputs;
    this.emit(frame, 'MapStateStarted', { length: inputs.length });
    if (inputs.length === 0) {
      this.emit(frame, 'MapStateSucceeded');
      this.setRunnable(frame, { kind: 'result', result: [] });
      return;
    }
    const limit = action.maxConcurrency > 0 ? action.maxConcurrency : INLINE_MAP_CONCURRENCY;
    frame.status = 'children';
    frame.data.children = {
      kind: 'map',
      total: inputs.length,
      launched: 0,
      finished: 0,
      failed: 0,
      maxConcurrency: limit,
      mode: action.mode,
      ...(action.toleratedFailureCount !== undefined
        ? { toleratedFailureCount: action.toleratedFailureCount }
        : {}),
      ...(action.toleratedFailurePercentage !== undefined
        ? { toleratedFailurePercentage: action.toleratedFailurePercentage }
        : {}),
    };
    const step: [string, number] = [frame.data.state, -1];
    const pending: Frame[] = inputs.map((input, index) => ({
      id: `${frame.id}.${index}`,
      parent: frame.id,
      idx: index,
      status: 'pending',
      data: this.childData(frame, step, action.processor, input, action.vars, 0),
    }));
    // Those that start now stay in memory; the rest wait as rows.
    const now = pending.slice(0, limit);
    const later = pending.slice(limit);
    if (later.length > 0) await saveFrames(this.tx, this.execution.arn, later);
    for (const child of now) this.add(child);
    for (const child of now) this.launch(frame, child);
  }

  private launch(parent: Frame, child: Frame): void {
    parent.data.children!.launched += 1;
    this.dirty.add(parent.id);
    child.data.last = this.emit(parent, 'MapIterationStarted', { name: parent.data.state, index: child.idx });
    this.setRunnable(child, { kind: 'enter' });
  }

  /** A branch or iteration ended: its parent counts it, starts the next, or ends. */
  private async childEnded(child: Frame): Promise<void> {
    const parent = await this.frame(child.parent!);
    if (parent?.status !== 'children' || !parent.data.children) return;
    const children = parent.data.children;
    const failed = child.status === 'failed';
    children.finished += 1;
    if (failed) children.failed += 1;
    this.dirty.add(parent.id);
    parent.data.last = child.data.last;
    if (children.kind === 'map')
      this.emit(parent, failed ? 'MapIterationFailed' : 'MapIterationSucceeded', {
        name: parent.data.state,
        index: child.idx,
      });
    if (failed) {
      const tolerated =
        children.kind === 'map' &&
        (children.toleratedFailureCount !== undefined || children.toleratedFailurePercentage !== undefined);
      const exceeded =
        !tolerated ||
        toleratedFailureExceeded(
          {
            toleratedFailureCount: children.toleratedFailureCount,
            toleratedFailurePercentage: children.toleratedFailurePercentage,
          } as MapAction,
          children.failed,
          children.total,
        );
      if (exceeded) {
        await this.abortChildren(parent);
        this.emit(parent, children.kind === 'map' ? 'MapStateFailed' : 'ParallelStateFailed');
        const error = tolerated
          ? {
              error: 'States.ExceedToleratedFailureThreshold',
              cause: 'The specified tolerated failure threshold was exceeded.',
            }
          : (child.data.error ?? { error: 'States.Runtime' });
        this.setRunnable(parent, { kind: 'error', error });
        return;
      }
    }
    if (children.finished < children.total) {
      if (children.kind === 'map' && children.launched < children.total) {
        // Iterations start in order: the next one is the first not launched.
        const next = await this.frame(`${parent.id}.${children.launched}`);
        if (next?.status === 'pending') this.launch(parent, next);
      }
      return;
    }
    // All of them ended: the results, in order.
    await this.flushFrames();
    const results: Json[] = [];
    for (const done of await childFrames(this.tx, this.execution.arn, parent.id)) {
      const current = this.frames.get(done.id) ?? done;
      results.push(
        current.status === 'done'
          ? (current.data.output ?? null)
          : { Error: current.data.error?.error ?? null, Cause: current.data.error?.cause ?? null },
      );
      this.frames.delete(done.id);
      this.dirty.delete(done.id);
    }
    await deleteChildren(this.tx, this.execution.arn, parent.id);
    this.emit(parent, children.kind === 'map' ? 'MapStateSucceeded' : 'ParallelStateSucceeded');
    this.setRunnable(parent, { kind: 'result', result: results });
  }

  /** Writes changed frames now (before a query that reads them). */
  private async flushFrames(): Promise<void> {
    const changed = [...this.dirty].filter((id) => !this.deleted.has(id)).map((id) => this.frames.get(id)!);
    if (changed.length > 0) await saveFrames(this.tx, this.execution.arn, changed);
    if (this.deleted.size > 0) await deleteFrames(this.tx, this.execution.arn, [...this.deleted]);
    this.dirty.clear();
    this.deleted.clear();
  }

  /** Stops every branch or iteration under `parent` that has not ended, and removes them. */
  private async abortChildren(parent: Frame): Promise<void> {
    await this.flushFrames();
    for (const child of await childFrames(this.tx, this.execution.arn, parent.id)) {
      const current = this.frames.get(child.id) ?? child;
      if (current.status !== 'done' && current.status !== 'failed' && current.status !== 'pending') {
        await this.abortFrame(current);
        if (parent.data.children?.kind === 'map')
          this.emit(parent, 'MapIterationAborted', { name: parent.data.state, index: current.idx });
      }
      this.frames.delete(child.id);
      this.dirty.delete(child.id);
    }
    await deleteChildren(this.tx, this.execution.arn, parent.id);
  }

  /** Ends what one frame is doing: its children, its task, its timer; `{Type}StateAborted`. */
  private async abortFrame(frame: Frame): Promise<void> {
    const { data } = frame;
    if (frame.status === 'children') await this.abortChildren(frame);
    if (frame.status === 'task' && data.task) {
      const row = await getTask(this.tx, data.task.token);
      if (row && row.status !== 'closed') await this.closeTask(row, true);
    }
    if (frame.status === 'wait')
      await this.timers.cancelIn(this.tx, TIMERS.wake, `${this.execution.arn}#${frame.id}`);
    if (['task', 'wait', 'children'].includes(frame.status))
      this.emit(frame, stateEvent(this.stateType(frame), 'Aborted'));
    frame.status = 'failed';
    data.op = undefined;
  }

  // Ends

  private succeed(frame: Frame, output: Json): void | Promise<void> {
    if (frame.parent === null) return this.finish('SUCCEEDED', { output });
    frame.status = 'done';
    frame.data.output = output;
    this.dirty.add(frame.id);
    return this.childEnded(frame);
  }

  private fail(frame: Frame, error: { error?: string; cause?: string }): void | Promise<void> {
    if (frame.parent === null) return this.finish('FAILED', { error: error.error, cause: error.cause });
    frame.status = 'failed';
    frame.data.error = { ...error, error: error.error ?? '' };
    this.dirty.add(frame.id);
    return this.childEnded(frame);
  }

  /** The execution ends: its last event, its row, and nothing of it left running. */
  async finish(
    status: Exclude<ExecutionStatus, 'RUNNING' | 'PENDING_REDRIVE'>,
    result: { output?: Json; error?: string | undefined; cause?: string | undefined },
  ): Promise<void> {
    if (this.ended) return;
    const { execution, tx } = this;
    const top = await this.frame('0');
    if (status !== 'SUCCEEDED') {
      // Whatever still runs stops: tasks, timers, branches.
      await this.flushFrames();
      for (const frame of await allFrames(tx, execution.arn)) {
        const current = this.frames.get(frame.id) ?? frame;
        if (current.status === 'task' && current.data.task) {
          const row = await getTask(tx, current.data.task.token);
          if (row && row.status !== 'closed') await this.closeTask(row, true);
        }
        if (current.status === 'wait')
          await this.timers.cancelIn(tx, TIMERS.wake, `${execution.arn}#${current.id}`);
        if (status === 'ABORTED' && ['task', 'wait', 'children'].includes(current.status))
          this.emit(current, stateEvent(this.stateType(current), 'Aborted'));
      }
      for (const row of await openTasksOf(tx, execution.arn)) await this.closeTask(row, true);
    }
    this.ended = true;
    const failure = {
      ...(result.error !== undefined ? { error: result.error } : {}),
      ...(result.cause !== undefined ? { cause: result.cause } : {}),
    };
    const last = top ?? null;
    switch (status) {
      case 'SUCCEEDED':
        execution.output = text(result.output ?? null);
        this.emit(last, 'ExecutionSucceeded', { output: execution.output, outputDetails: dataDetails });
        break;
      case 'FAILED':
        this.emit(last, 'ExecutionFailed', failure);
        break;
      case 'ABORTED':
        this.emit(last, 'ExecutionAborted', failure);
        break;
      case 'TIMED_OUT':
        this.emit(last, 'ExecutionTimedOut', failure);
        break;
    }
    execution.status = status;
    execution.error = result.error;
    execution.cause = result.cause;
    execution.stoppedAt = this.now;
    this.queue.length = 0;
    await deleteAllFrames(tx, execution.arn);
    for (const kind of [TIMERS.deadline, TIMERS.run]) await this.timers.cancelIn(tx, kind, execution.arn);
    const ended = { ...execution };
    if (execution.type === 'EXPRESS') {
      // Express executions keep no record once they ended (StartSyncExecution has its result).
      await tx.run('DELETE FROM sfn_executions WHERE arn = ?', [execution.arn]);
      await tx.run('DELETE FROM sfn_tasks WHERE execution_arn = ?', [execution.arn]);
    }
    // A `states:startExecution.sync` parent learns of the end in this same transaction.
    if (execution.parentToken) await this.engine.childEnded(tx, ended);
    this.engine.after(tx, () => this.engine.notify('end', ended));
  }
}

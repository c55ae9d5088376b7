// The task lifecycle: drives each task through PROVISIONING → PENDING → ACTIVATING → RUNNING →
// DEACTIVATING → STOPPING → DEPROVISIONING → STOPPED on a runner, commits every change, and puts an
// "ECS Task State Change" event on the default bus after each commit. A restart re-attaches the
// containers that are still alive and stops the tasks whose containers died meanwhile.
import { constants } from 'node:os';
import type { Ecs } from '../../contract/index.ts';
import type {
  ContainerExit,
  ContainerSpec,
  LogStream,
  Runner,
  RunningContainer,
} from '../../runners/index.ts';
import { StartError } from '../../runners/index.ts';
import type { Clock, Logger } from '../../runtime/index.ts';
import type { Tx } from '../../store/index.ts';
import type { StateEvents } from './state-events.ts';
import type { TaskStore } from './task-store.ts';
import type { ContainerRecord, TaskRecord } from './types.ts';

const SPOT_REASON = 'Your Spot Task was interrupted.';

/** Called for every line a task's container writes (the awslogs driver hooks in here). */
export type TaskLogSink = (
  task: TaskRecord,
  container: ContainerRecord,
  stream: LogStream,
  line: string,
) => void;

interface LiveTask {
  task: TaskRecord;
  running: Map<string, RunningContainer>;
  /** Resolves once each container's exit is recorded. */
  exits: Map<string, Promise<void>>;
  /** Opens when starting is over (every container started, or one failed): exits wait for it. */
  started: Promise<void>;
  openStarted: () => void;
  startOver: boolean;
  stopRequested: boolean;
  shuttingDown: boolean;
  /** Changes to one task are made one after another; events follow in the same order. */
  changes: Promise<void>;
  events: Promise<void>;
  done: Promise<void>;
  finish: () => void;
}

/**
 * This node, where several nodes share the store: a task runs on the node that started it, which
 * alone re-attaches it after a restart; a stop for another node's task is left for that node.
 */
export interface TaskNode {
  id: string;
  /** Tells `nodeId` (once `tx` commits) that a stop waits for it. */
  notify(tx: Tx, nodeId: string): Promise<void>;
}

export class Supervisor {
  private readonly live = new Map<string, LiveTask>();
  private stopped = false;

  constructor(
    private readonly runner: Runner,
    private readonly tasks: TaskStore,
    private readonly events: StateEvents,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly logSink: TaskLogSink,
    /** Undefined where this node has the store to itself. */
    readonly node?: TaskNode,
  ) {}

  /** The live task and container a metadata token was given to. */
  byMetadataToken(token: string): { task: TaskRecord; container: ContainerRecord } | undefined {
    for (const { task } of this.live.values()) {
      const container = task.containers.find((item) => item.metadataToken === token);
      if (container) return { task, container };
    }
    return undefined;
  }

  /** Starts tasks that were just committed as PROVISIONING; `specs` are their containers' by name. */
  launch(task: TaskRecord, specs: Map<string, ContainerSpec>): void {
    const live = this.track(task);
    this.emit(live);
    void this.drive(live, specs).catch((error: unknown) => this.crashed(live, error));
  }

  /**
   * StopTask: asks the task to stop; resolves with its record once the request is committed. A task
   * another node runs gets the request through the store; one that no node runs, nothing.
   */
  async requestStop(
    taskArn: string,
    stopCode: Ecs.TaskStopCode,
    reason: string,
  ): Promise<TaskRecord | undefined> {
    const live = this.live.get(taskArn);
    if (!live) {
      const stored = this.node ? await this.tasks.get(taskArn) : undefined;
      if (!stored || stored.lastStatus === 'STOPPED' || stored.nodeId === undefined) return undefined;
      if (stored.nodeId === this.node?.id) return undefined;
      return this.tasks.forwardStop(stored, stopCode, reason, (tx, nodeId) => this.node!.notify(tx, nodeId));
    }
    await this.beginStop(live, stopCode, reason);
    return structuredClone(live.task);
  }

  /** Stops the tasks other nodes asked this one to stop. */
  async takeForwardedStops(): Promise<void> {
    if (!this.node || this.stopped) return;
    for (const request of await this.tasks.takeStopRequests(this.node.id)) {
      const live = this.live.get(request.taskArn);
      if (live) await this.beginStop(live, request.stopCode, request.reason);
    }
  }

  /**
   * The tasks of nodes that died, reported STOPPED by the node that noticed: nobody can reach their
   * containers (which may still run on the dead node's host), and services replace them.
   */
  async stopLost(nodeIds: string[]): Promise<void> {
    for (const task of await this.tasks.live(nodeIds)) {
      const now = this.clock.now();
      for (const container of task.containers) {
        if (container.lastStatus === 'STOPPED') continue;
        container.lastStatus = 'STOPPED';
        container.reason = 'The eddy node running the task stopped responding.';
      }
      if (task.desiredStatus === 'RUNNING') {
        // ECS has no stop code for a lost host: none, and the reason says what happened.
        task.desiredStatus = 'STOPPED';
        task.stoppedReason = `Task stopped because its eddy node ${task.nodeId} stopped responding (its lease ran out).`;
        task.stoppingAt = now;
      }
      task.lastStatus = 'STOPPED';
      task.connectivity = undefined;
      task.executionStoppedAt ??= now;
      task.stoppedAt = now;
      setAttachments(task, 'DELETED');
      task.version += 1;
      task.updatedAt = now;
      await this.tasks.save([task]);
      await this.events.emit(task);
    }
  }

  /**
   * A Fargate Spot interruption: the TerminationNotice state change and SIGTERM to every container
   * now; the task is stopped with SpotInterruption when the notice runs out (unless it ended first).
   */
  async interrupt(taskArn: string, noticeMs: number): Promise<TaskRecord | undefined> {
    const live = this.live.get(taskArn);
    if (!live || live.stopRequested) return undefined;
    const deadline = this.clock.now() + noticeMs;
    await this.change(live, (task) => {
      task.stopCode = 'TerminationNotice';
      task.stoppedReason = SPOT_REASON;
      task.spotNoticeDeadline = deadline;
    });
    for (const running of live.running.values()) await this.signal(running.id, 'SIGTERM');
    this.stopWhenNoticeEnds(taskArn, deadline);
    return structuredClone(live.task);
  }

  /** Changes what is not a state (tags) of a live task, committed without a new version or event. */
  async amend(taskArn: string, apply: (task: TaskRecord) => void): Promise<boolean> {
    const live = this.live.get(taskArn);
    if (!live) return false;
    await this.commitQuietly(live, apply);
    return true;
  }

  /** After a restart: re-attaches live containers, stops tasks that cannot go on. */
  async resume(): Promise<void> {
    for (const task of await this.tasks.live(this.node ? [this.node.id] : undefined)) {
      const live = this.track(task);
      live.startOver = true;
      live.openStarted();
      const neverStarted = task.containers.every((container) => container.runtimeId === undefined);
      if (neverStarted) {
        await this.beginStop(
          live,
          'TaskFailedToStart',
          'eddy stopped before the task’s containers were started',
        );
        this.shutdownLater(live);
        continue;
      }
      const gone: string[] = [];
      for (const container of task.containers) {
        if (container.lastStatus === 'STOPPED' || container.runtimeId === undefined) continue;
        const again = await this.runner
          .reattach(container.runtimeId, (stream, line) => this.logSink(live.task, container, stream, line))
          .catch(() => undefined);
        if (again) this.watch(live, container, again);
        else gone.push(container.name);
      }
      // Recorded once every survivor is watched, so a stop that follows signals all of them.
      const exit = { exitCode: null, reason: 'The container ended while eddy was not running.' };
      for (const name of gone) live.exits.set(name, this.recordExit(live, name, exit));
      // eddy stopped between starting the containers and reporting them RUNNING: report it now.
      const starting = ['PROVISIONING', 'PENDING', 'ACTIVATING'].includes(task.lastStatus);
      if (starting && !live.stopRequested && live.running.size > 0) await this.markRunning(live);
      if (task.desiredStatus === 'STOPPED') this.shutdownLater(live);
      else if (task.spotNoticeDeadline !== undefined)
        this.stopWhenNoticeEnds(task.taskArn, task.spotNoticeDeadline);
    }
  }

  /** Detaches from every task: their containers keep running and a restart re-attaches them. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.live.values()].map((live) => live.changes.then(() => live.events)));
  }

  /** The end of a Spot interruption's notice: the task is stopped with SpotInterruption. */
  private stopWhenNoticeEnds(taskArn: string, deadline: number): void {
    this.clock.setAlarm(deadline, () => {
      this.requestStop(taskArn, 'SpotInterruption', SPOT_REASON).catch((error: unknown) =>
        this.log.error({ err: error, task: taskArn }, 'stopping an interrupted Spot task failed'),
      );
    });
  }

  /** A signal the runner could not deliver is logged: the container's exit, when it comes, still counts. */
  private async signal(id: string, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    await this.runner
      .signal(id, signal)
      .catch((error: unknown) =>
        this.log.error({ err: error, container: id }, `${signal} could not be sent`),
      );
  }

  private track(task: TaskRecord): LiveTask {
    let openStarted!: () => void;
    let finish!: () => void;
    const started = new Promise<void>((resolve) => {
      openStarted = resolve;
    });
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const live: LiveTask = {
      task,
      running: new Map(),
      exits: new Map(),
      started,
      openStarted,
      startOver: false,
      stopRequested: task.desiredStatus === 'STOPPED',
      shuttingDown: false,
      changes: Promise.resolve(),
      events: Promise.resolve(),
      done,
      finish,
    };
    this.live.set(task.taskArn, live);
    return live;
  }

  private async drive(live: LiveTask, specs: Map<string, ContainerSpec>): Promise<void> {
    await this.change(live, (task) => {
      task.lastStatus = 'PENDING';
      task.pullStartedAt = this.clock.now();
    });
    let failure: string | undefined;
    for (const container of live.task.containers) {
      if (live.stopRequested || this.stopped) break;
      const spec = specs.get(container.name);
      if (!spec) throw new Error(`no container spec for ${container.name}`);
      try {
        const running = await this.runner.start(spec, (stream, line) =>
          this.logSink(live.task, container, stream, line),
        );
        this.watch(live, container, running);
        // Committed at once: a crash from here on must find the process to re-attach to.
        await this.commitQuietly(live, () => {
          container.runtimeId = running.id;
        });
      } catch (error) {
        if (!(error instanceof StartError)) throw error;
        failure = error.message;
        await this.change(live, (task) => {
          const failed = task.containers.find((item) => item.name === container.name);
          if (failed) failed.reason = error.message;
        });
        break;
      }
    }
    if (live.running.size > 0 && failure === undefined && !live.stopRequested) await this.markRunning(live);
    live.startOver = true;
    live.openStarted();
    if (failure !== undefined) await this.beginStop(live, 'TaskFailedToStart', failure);
    if (live.stopRequested) await this.shutdown(live);
  }

  /** ACTIVATING, then RUNNING: the containers that started are up. */
  private async markRunning(live: LiveTask): Promise<void> {
    await this.change(live, (task) => {
      const now = this.clock.now();
      task.pullStoppedAt ??= now;
      task.lastStatus = 'ACTIVATING';
      setAttachments(task, 'ATTACHED');
      for (const container of task.containers) {
        if (container.lastStatus === 'PENDING' && container.runtimeId !== undefined) {
          container.lastStatus = 'RUNNING';
          container.startedAt = now;
        }
      }
    });
    await this.change(live, (task) => {
      const now = this.clock.now();
      task.lastStatus = 'RUNNING';
      task.startedAt = now;
      task.connectivity = 'CONNECTED';
      task.connectivityAt = now;
    });
  }

  private watch(live: LiveTask, container: ContainerRecord, running: RunningContainer): void {
    live.running.set(container.name, running);
    live.exits.set(
      container.name,
      running.exited.then(async (exit) => {
        await live.started;
        await this.recordExit(live, container.name, exit);
      }),
    );
  }

  private async recordExit(live: LiveTask, name: string, exit: ContainerExit): Promise<void> {
    if (this.stopped) return;
    live.running.delete(name);
    let essential = false;
    await this.change(live, (task) => {
      const container = task.containers.find((item) => item.name === name);
      if (!container) return;
      container.lastStatus = 'STOPPED';
      container.finishedAt = this.clock.now();
      const code = exitCodeOf(exit);
      if (code !== undefined) container.exitCode = code;
      if (exit.reason) container.reason = exit.reason;
      essential = container.essential;
    });
    if (essential && !live.stopRequested) {
      // A Spot task that ends on the interruption's SIGTERM was stopped by the interruption.
      if (live.task.stopCode === 'TerminationNotice')
        await this.beginStop(live, 'SpotInterruption', SPOT_REASON);
      else await this.beginStop(live, 'EssentialContainerExited', 'Essential container in task exited');
    }
  }

  private async beginStop(live: LiveTask, stopCode: Ecs.TaskStopCode, reason: string): Promise<void> {
    if (live.stopRequested) return;
    live.stopRequested = true;
    await this.change(live, (task) => {
      task.desiredStatus = 'STOPPED';
      task.stopCode = stopCode;
      task.stoppedReason = reason;
      task.stoppingAt = this.clock.now();
    });
    if (live.startOver) this.shutdownLater(live);
  }

  private shutdownLater(live: LiveTask): void {
    void this.shutdown(live).catch((error: unknown) => this.crashed(live, error));
  }

  /** Stops every container (SIGTERM, then SIGKILL after its stopTimeout) and takes the task to STOPPED. */
  private async shutdown(live: LiveTask): Promise<void> {
    if (live.shuttingDown || this.stopped) return;
    live.shuttingDown = true;
    const wasActive = ['ACTIVATING', 'RUNNING'].includes(live.task.lastStatus);
    if (wasActive)
      await this.change(live, (task) => {
        task.lastStatus = 'DEACTIVATING';
      });
    if (live.task.lastStatus !== 'STOPPING')
      await this.change(live, (task) => {
        task.lastStatus = 'STOPPING';
      });
    const cancels: Array<() => void> = [];
    for (const container of live.task.containers) {
      const running = live.running.get(container.name);
      if (!running) continue;
      await this.signal(running.id, 'SIGTERM');
      cancels.push(
        this.clock.setAlarm(this.clock.now() + container.stopTimeoutSeconds * 1000, () => {
          void this.signal(running.id, 'SIGKILL');
        }),
      );
    }
    await Promise.all(live.exits.values());
    for (const cancel of cancels) cancel();
    if (this.stopped) return;
    await this.change(live, (task) => {
      task.executionStoppedAt = this.clock.now();
      task.lastStatus = 'DEPROVISIONING';
      task.connectivity = undefined;
    });
    await this.change(live, (task) => {
      task.lastStatus = 'STOPPED';
      task.stoppedAt = this.clock.now();
      setAttachments(task, 'DELETED');
    });
    await live.events;
    this.live.delete(live.task.taskArn);
    live.finish();
  }

  /** Commits what is not a state change (a runtime id, tags): no new version, no event. */
  private commitQuietly(live: LiveTask, apply: (task: TaskRecord) => void): Promise<void> {
    const next = live.changes.then(async () => {
      if (this.stopped) return;
      apply(live.task);
      await this.tasks.save([live.task]);
    });
    live.changes = next.catch(() => undefined);
    return next;
  }

  /** Applies one change, commits it, then queues its event. */
  private change(live: LiveTask, apply: (task: TaskRecord) => void): Promise<void> {
    const next = live.changes.then(async () => {
      if (this.stopped) return;
      apply(live.task);
      live.task.version += 1;
      live.task.updatedAt = this.clock.now();
      await this.tasks.save([live.task]);
      this.emit(live);
    });
    live.changes = next.catch(() => undefined);
    return next;
  }

  private emit(live: LiveTask): void {
    const snapshot = structuredClone(live.task);
    live.events = live.events.then(() => this.events.emit(snapshot));
  }

  private crashed(live: LiveTask, error: unknown): void {
    this.log.error({ err: error, task: live.task.taskArn }, 'running a task failed');
    if (!live.stopRequested) {
      live.startOver = true;
      live.openStarted();
      this.beginStop(
        live,
        'TaskFailedToStart',
        `eddy could not run the task: ${String((error as Error).message)}`,
      ).catch((again: unknown) =>
        this.log.error({ err: again, task: live.task.taskArn }, 'stopping a failed task failed'),
      );
    }
  }
}

/** Docker's convention, which ECS reports: a container killed by a signal exits with 128 + its number. */
function exitCodeOf(exit: ContainerExit): number | undefined {
  if (exit.exitCode !== null) return exit.exitCode;
  const number = exit.signal ? constants.signals[exit.signal as NodeJS.Signals] : undefined;
  return number === undefined ? undefined : 128 + number;
}

/** The task's network interface follows it: PRECREATED, ATTACHED while it runs, DELETED once stopped. */
function setAttachments(task: TaskRecord, status: string): void {
  for (const attachment of task.attachments) attachment.status = status;
}

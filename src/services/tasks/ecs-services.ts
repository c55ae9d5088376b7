// The ECS service scheduler: keeps `desiredCount` tasks running. It compares each service's
// deployments (or, for the EXTERNAL deployment controller, its task sets) with its live tasks once
// a second and right after every change: it starts what is missing, stops what is extra, rolls a
// new task definition out within minimumHealthyPercent/maximumPercent, backs off when tasks keep
// failing, trips the deployment circuit breaker (rolling back when asked), and moves the service
// deployments on. Tasks under scale-in protection are left running. Services are rows; the loop
// restarts with eddy, and tasks started before a restart still count.
import { randomUUID } from 'node:crypto';
import type { Ecs } from '../../contract/index.ts';
import type { Clock, Logger } from '../../runtime/index.ts';
import type { Scope } from './names.ts';
import type { RunTaskInput, RunTaskOutput } from './run-task.ts';
import type { ServiceDeployments } from './service-deployments.ts';
import {
  circuitBreakerThreshold,
  type Deployment,
  newDeployment,
  type ServiceRecord,
  type ServiceStore,
  serviceGroup,
  type Workload,
} from './service-records.ts';
import type { StateEvents } from './state-events.ts';
import type { Supervisor } from './supervisor.ts';
import { reconcileTaskSets } from './task-sets.ts';
import type { TaskStore } from './task-store.ts';
import type { TaskRecord } from './types.ts';

const RECONCILE_MS = 1000;
const EVENTS_KEPT = 100;
/** ECS waits longer and longer before starting tasks again for a service whose tasks keep failing. */
const BACKOFF_FIRST_MS = 1000;
const BACKOFF_CAP_MS = 15 * 60_000;
const FAILED_STOP_CODES = new Set(['TaskFailedToStart', 'EssentialContainerExited']);

export interface ServiceDeps {
  records: ServiceStore;
  deployments: ServiceDeployments;
  tasks: TaskStore;
  supervisor: Supervisor;
  clock: Clock;
  log: Logger;
  runTask: (scope: Scope, input: RunTaskInput) => Promise<RunTaskOutput>;
  events: StateEvents;
  /** Whether this node schedules the services now (where several nodes share the store, one does). */
  schedules: () => boolean;
}

/** A service deployment to move on once the pass's changes are committed. */
interface Transition {
  arn: string | undefined;
  outcome: 'SUCCESSFUL' | 'STOPPED' | 'FAILED' | 'ROLLBACK';
  reason?: string;
  rollbackTo?: string;
}

export class EcsServices {
  private timer: (() => void) | undefined;
  private running: Promise<void> = Promise.resolve();
  private again = false;
  private stopped = false;

  constructor(private readonly deps: ServiceDeps) {}

  all(): Promise<ServiceRecord[]> {
    return this.deps.records.all();
  }

  find(arn: string): Promise<ServiceRecord | undefined> {
    return this.deps.records.find(arn);
  }

  save(service: ServiceRecord): Promise<void> {
    return this.deps.records.save(service);
  }

  /** A task is protected from scale-in and deployments until its protection runs out. */
  isProtected(task: TaskRecord): boolean {
    return task.protectedUntil !== undefined && task.protectedUntil > this.deps.clock.now();
  }

  /** Records a service event (newest first, as DescribeServices lists them). */
  note(service: ServiceRecord, message: string, at = this.deps.clock.now()): void {
    service.events.unshift({
      id: randomUUID(),
      createdAt: at,
      message: `(service ${service.serviceName}) ${message}`,
    });
    service.events.length = Math.min(service.events.length, EVENTS_KEPT);
  }

  start(): void {
    this.stopped = false;
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.();
    await this.running;
  }

  /** Reconciles now (or right after the pass under way), then once a second. */
  kick(): void {
    if (this.stopped) return;
    if (!this.deps.schedules()) {
      this.timer?.();
      this.timer = undefined;
      return;
    }
    this.again = true;
    this.running = this.running.then(async () => {
      if (!this.again || this.stopped) return;
      this.again = false;
      this.timer?.();
      try {
        for (const service of await this.all()) {
          if (service.status !== 'INACTIVE') await this.reconcile(service);
        }
      } catch (error) {
        this.deps.log.error({ err: error }, 'the ECS service scheduler failed');
      }
      if (!this.stopped) {
        this.timer = this.deps.clock.setAlarm(this.deps.clock.now() + RECONCILE_MS, () => this.kick());
      }
    });
  }

  /** Starts the passes where they do not run (this node has just taken the scheduler's lease). */
  resume(): void {
    if (this.timer === undefined) this.kick();
  }

  /**
   * Runs a change to services between the scheduler's passes, so that neither overwrites the
   * other's (handlers read, change and save a service inside one).
   */
  exclusive<T>(change: () => Promise<T>): Promise<T> {
    const result = this.running.then(change);
    this.running = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Waits for the pass under way (tests and handlers that want to see its effect). */
  settled(): Promise<void> {
    return this.running;
  }

  private async reconcile(service: ServiceRecord): Promise<void> {
    const now = this.deps.clock.now();
    const before = JSON.stringify(service);
    const transitions: Transition[] = [];
    const group = { clusterArn: service.clusterArn, group: serviceGroup(service.serviceName) };
    const live = await this.deps.tasks.list({ ...group, desiredStatus: 'RUNNING' });
    const stoppedRecently = await this.deps.tasks.list({ ...group, desiredStatus: 'STOPPED' });
    this.countFailures(service, stoppedRecently, now, transitions);

    if (service.status === 'DRAINING') {
      await this.stopTasks(service, live, 'ServiceSchedulerInitiated', 'Service is being deleted.');
      if (live.length === 0) {
        for (const deployment of service.deployments)
          transitions.push({
            arn: deployment.serviceDeploymentArn,
            outcome: 'STOPPED',
            reason: 'The service was deleted.',
          });
        service.status = 'INACTIVE';
        service.deployments = [];
        service.taskSets = [];
        this.note(service, 'has been deleted.');
      }
    } else if (service.deploymentController === 'EXTERNAL') {
      const steady = await reconcileTaskSets(service, live, now, {
        start: (workload, startedBy, count) => this.startTasks(service, workload, startedBy, count),
        stop: (tasks, reason) => this.stopTasks(service, tasks, 'ServiceSchedulerInitiated', reason),
        isProtected: (task) => this.isProtected(task),
      });
      if (steady) await this.reachedSteadyState(service, now);
      else service.steady = false;
    } else {
      await this.reconcileDeployments(service, live, now, transitions);
    }
    await this.persistIfChanged(service, before);
    for (const transition of transitions) {
      if (transition.arn === undefined) continue;
      await this.deps.deployments.finish(
        service,
        transition.arn,
        transition.outcome,
        transition.reason,
        now,
        transition.rollbackTo,
      );
    }
  }

  private async reconcileDeployments(
    service: ServiceRecord,
    live: TaskRecord[],
    now: number,
    transitions: Transition[],
  ): Promise<void> {
    const byDeployment = (deployment: Deployment) => live.filter((task) => task.startedBy === deployment.id);
    for (const deployment of service.deployments) {
      const tasks = byDeployment(deployment);
      deployment.runningCount = tasks.filter((task) => task.lastStatus === 'RUNNING').length;
      deployment.pendingCount = tasks.length - deployment.runningCount;
    }
    const primary = service.deployments[0];
    if (!primary) return;
    primary.desiredCount = service.desiredCount;
    const { maximumPercent, minimumHealthyPercent } = service.deploymentConfiguration;
    const desired = service.desiredCount;
    const maximumTasks = Math.max(desired, Math.floor((desired * maximumPercent) / 100));
    const minimumHealthy = Math.ceil((desired * minimumHealthyPercent) / 100);
    const primaryTasks = byDeployment(primary);

    // Start what the primary deployment lacks, within maximumPercent of all live tasks.
    const missing = Math.min(desired - primaryTasks.length, maximumTasks - live.length);
    if (missing > 0 && primary.rolloutState !== 'FAILED' && now >= service.throttledUntil) {
      await this.startTasks(service, primary, primary.id, missing);
    }
    // A scaled-in service: stop the primary's extra tasks, pending ones first, protected ones never.
    if (primaryTasks.length > desired) {
      const extra = primaryTasks
        .filter((task) => !this.isProtected(task))
        .sort((a, b) => Number(a.lastStatus === 'RUNNING') - Number(b.lastStatus === 'RUNNING'));
      await this.stopTasks(
        service,
        extra.slice(0, primaryTasks.length - desired),
        'ServiceSchedulerInitiated',
        `Scaling activity initiated by (deployment ${primary.id})`,
      );
    }
    // Older deployments drain while enough tasks stay healthy (minimumHealthyPercent).
    const older = live.filter((task) => task.startedBy !== primary.id && !this.isProtected(task));
    const healthy = live.filter((task) => task.lastStatus === 'RUNNING').length;
    const pendingOld = older.filter((task) => task.lastStatus !== 'RUNNING');
    const runningOld = older.filter((task) => task.lastStatus === 'RUNNING');
    const stoppable = Math.max(0, healthy - minimumHealthy);
    await this.stopTasks(
      service,
      [...pendingOld, ...runningOld.slice(0, stoppable)],
      'ServiceSchedulerInitiated',
      `Task replaced by deployment ${primary.id}`,
    );
    const drained = service.deployments.filter(
      (deployment, index) => index > 0 && byDeployment(deployment).length === 0,
    );
    if (drained.length > 0)
      service.deployments = service.deployments.filter((deployment) => !drained.includes(deployment));

    const steady =
      service.deployments.length === 1 && primary.runningCount === desired && primary.pendingCount === 0;
    if (steady && primary.rolloutState === 'IN_PROGRESS') {
      primary.rolloutState = 'COMPLETED';
      primary.rolloutStateReason = 'ECS deployment completed.';
      this.note(service, `deployment ${primary.id} deployment completed.`);
      transitions.push({ arn: primary.serviceDeploymentArn, outcome: 'SUCCESSFUL' });
    }
    if (steady) await this.reachedSteadyState(service, now);
    else service.steady = false;
  }

  /** The first pass a service is steady: the event, and a fresh failure count. */
  private async reachedSteadyState(service: ServiceRecord, now: number): Promise<void> {
    if (service.steady) return;
    service.steady = true;
    service.consecutiveFailures = 0;
    this.note(service, 'has reached a steady state.');
    await this.deps.events.serviceAction(service, 'SERVICE_STEADY_STATE', 'INFO', now);
  }

  private countFailures(
    service: ServiceRecord,
    stopped: TaskRecord[],
    now: number,
    transitions: Transition[],
  ): void {
    const counted = new Set(service.countedFailures);
    for (const task of stopped) {
      if (counted.has(task.taskArn) || !FAILED_STOP_CODES.has(task.stopCode ?? '')) continue;
      const deployment = service.deployments.find((candidate) => candidate.id === task.startedBy);
      const taskSet = service.taskSets?.find((candidate) => candidate.id === task.startedBy);
      if (!deployment && !taskSet) continue;
      counted.add(task.taskArn);
      if (deployment) deployment.failedTasks += 1;
      service.consecutiveFailures += 1;
      service.throttledUntil =
        now + Math.min(BACKOFF_CAP_MS, BACKOFF_FIRST_MS * 2 ** (service.consecutiveFailures - 1));
      this.note(
        service,
        `${deployment ? `deployment ${deployment.id}` : `task set ${taskSet!.id}`} task ${task.taskArn.split('/').at(-1)} failed: ${task.stoppedReason ?? task.stopCode}`,
        // The pass's time, which the back-off counts from, even if the clock moved during the pass.
        now,
      );
      // ECS warns once tasks keep failing to start (here: the third in a row).
      if (service.consecutiveFailures === 3) {
        void this.deps.events.serviceAction(service, 'SERVICE_TASK_START_IMPAIRED', 'WARN', now);
      }
      if (deployment) this.checkCircuitBreaker(service, deployment, now, transitions);
    }
    // Stopped tasks are forgotten after an hour; so can their marks be.
    const stillKnown = new Set(stopped.map((task) => task.taskArn));
    service.countedFailures = [...counted].filter((arn) => stillKnown.has(arn));
  }

  private checkCircuitBreaker(
    service: ServiceRecord,
    deployment: Deployment,
    now: number,
    transitions: Transition[],
  ): void {
    const breaker = service.deploymentConfiguration.deploymentCircuitBreaker;
    if (!breaker?.enable || deployment.status !== 'PRIMARY' || deployment.rolloutState !== 'IN_PROGRESS')
      return;
    if (deployment.failedTasks < circuitBreakerThreshold(service.desiredCount)) return;
    deployment.rolloutState = 'FAILED';
    deployment.rolloutStateReason = 'ECS deployment circuit breaker: tasks failed to start.';
    this.note(service, `deployment ${deployment.id} deployment failed: tasks failed to start.`);
    const previous = service.deployments[1];
    const reason = 'ECS deployment circuit breaker: tasks failed to start.';
    // A rollback that fails is not rolled back in turn.
    const isRollback =
      deployment.serviceDeploymentArn !== undefined &&
      previous?.serviceDeploymentArn === deployment.serviceDeploymentArn;
    if (!breaker.rollback || !previous || isRollback) {
      transitions.push({ arn: deployment.serviceDeploymentArn, outcome: 'FAILED', reason });
      return;
    }
    // Roll back: a new primary deployment of the last configuration that worked.
    Object.assign(service, {
      taskDefinition: previous.taskDefinition,
      launchType: previous.launchType,
      capacityProviderStrategy: previous.capacityProviderStrategy,
      networkConfiguration: previous.networkConfiguration,
      platformVersion: previous.platformVersion,
    } satisfies Workload);
    const rollback = newDeployment(service, now, {
      serviceDeploymentArn: deployment.serviceDeploymentArn,
      serviceRevisionArn: previous.serviceRevisionArn,
    });
    deployment.status = 'ACTIVE';
    service.deployments = [rollback, ...service.deployments];
    for (const older of service.deployments.slice(1)) older.status = 'ACTIVE';
    service.consecutiveFailures = 0;
    service.throttledUntil = 0;
    this.note(service, `rolling back to deployment ${rollback.id}.`);
    transitions.push({
      arn: deployment.serviceDeploymentArn,
      outcome: 'ROLLBACK',
      reason,
      rollbackTo: previous.serviceRevisionArn,
    });
  }

  private async startTasks(service: ServiceRecord, workload: Workload, startedBy: string, count: number) {
    const scope = { account: service.account, region: service.region };
    const started: string[] = [];
    for (let left = count; left > 0; left -= 10) {
      const { tasks, failures } = await this.deps
        .runTask(scope, {
          cluster: service.clusterArn,
          taskDefinition: workload.taskDefinition,
          count: Math.min(10, left),
          startedBy,
          group: serviceGroup(service.serviceName),
          ...(workload.launchType ? { launchType: workload.launchType } : {}),
          ...(workload.capacityProviderStrategy
            ? { capacityProviderStrategy: workload.capacityProviderStrategy }
            : {}),
          ...(workload.networkConfiguration ? { networkConfiguration: workload.networkConfiguration } : {}),
          ...(workload.platformVersion ? { platformVersion: workload.platformVersion } : {}),
          ...(service.propagateTags ? { propagateTags: service.propagateTags } : {}),
          ...(service.propagateTags === 'SERVICE' ? { tags: service.tags } : {}),
          enableECSManagedTags: service.enableECSManagedTags,
          enableExecuteCommand: service.enableExecuteCommand === true,
        })
        .catch((error: unknown) => ({ tasks: [], failures: [{ reason: (error as Error).message }] }));
      started.push(...tasks.map((task) => `(task ${task.taskArn.split('/').at(-1)})`));
      if (failures.length > 0) {
        this.note(service, `was unable to place a task. Reason: ${failures[0]!.reason}.`);
        break;
      }
    }
    if (started.length > 0) this.note(service, `has started ${started.length} tasks: ${started.join(' ')}.`);
  }

  private async stopTasks(
    service: ServiceRecord,
    tasks: TaskRecord[],
    stopCode: Ecs.TaskStopCode,
    reason: string,
  ) {
    const stopping = tasks.filter((task) => task.desiredStatus === 'RUNNING');
    for (const task of stopping) await this.deps.supervisor.requestStop(task.taskArn, stopCode, reason);
    if (stopping.length > 0) {
      const names = stopping.map((task) => `(task ${task.taskArn.split('/').at(-1)})`).join(' ');
      this.note(service, `has stopped ${stopping.length} running tasks: ${names}.`);
    }
  }

  private async persistIfChanged(service: ServiceRecord, before: string): Promise<void> {
    const after = JSON.stringify(service);
    if (after === before) return;
    for (const deployment of service.deployments) deployment.updatedAt = this.deps.clock.now();
    await this.save(service);
  }
}

// ECS services: keep `desiredCount` tasks of a task definition running. A reconciler compares each
// service's deployments with its live tasks once a second (and right after every change): it
// starts what is missing, stops what is extra, rolls a new task definition out within
// minimumHealthyPercent/maximumPercent, backs off when tasks keep failing, and trips the
// deployment circuit breaker (rolling back when asked). Services are rows; the loop restarts
// with eddy, and tasks started before a restart still count.
import { randomInt, randomUUID } from 'node:crypto';
import type { Clock, Logger } from '../../runtime/index.ts';
import type { Store } from '../../store/index.ts';
import type { Clusters } from './clusters.ts';
import type { TaskDefinitions } from './definitions.ts';
import { invalidParameter } from './errors.ts';
import type { NetworkConfiguration } from './fargate.ts';
import type { Scope } from './names.ts';
import type { RunTaskInput, RunTaskOutput } from './run-task.ts';
import type { StateEvents } from './state-events.ts';
import type { Supervisor } from './supervisor.ts';
import type { TaskStore } from './task-store.ts';
import type { CapacityProviderItem, Tag, TaskRecord } from './types.ts';

const RECONCILE_MS = 1000;
const EVENTS_KEPT = 100;
/** ECS waits longer and longer before starting tasks again for a service whose tasks keep failing. */
const BACKOFF_FIRST_MS = 1000;
const BACKOFF_CAP_MS = 15 * 60_000;

export interface DeploymentConfiguration {
  maximumPercent: number;
  minimumHealthyPercent: number;
  deploymentCircuitBreaker?: { enable: boolean; rollback: boolean };
}

export interface Deployment {
  id: string;
  status: 'PRIMARY' | 'ACTIVE';
  taskDefinition: string;
  desiredCount: number;
  pendingCount: number;
  runningCount: number;
  failedTasks: number;
  createdAt: number;
  updatedAt: number;
  launchType?: string;
  capacityProviderStrategy?: CapacityProviderItem[];
  networkConfiguration?: NetworkConfiguration;
  platformVersion?: string;
  rolloutState: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';
  rolloutStateReason: string;
}

export interface ServiceEvent {
  id: string;
  createdAt: number;
  message: string;
}

export interface ServiceRecord {
  serviceArn: string;
  serviceName: string;
  clusterArn: string;
  clusterName: string;
  account: string;
  region: string;
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  desiredCount: number;
  taskDefinition: string;
  launchType?: string;
  capacityProviderStrategy?: CapacityProviderItem[];
  networkConfiguration?: NetworkConfiguration;
  platformVersion?: string;
  deploymentConfiguration: DeploymentConfiguration;
  deployments: Deployment[];
  events: ServiceEvent[];
  createdAt: number;
  createdBy: string;
  clientToken?: string;
  tags: Tag[];
  propagateTags?: string;
  enableECSManagedTags: boolean;
  /** Not in the API: consecutive failed tasks and when starting may resume (the throttle). */
  consecutiveFailures: number;
  throttledUntil: number;
  /** Tasks already counted as failed, so a stopped task is counted once. */
  countedFailures: string[];
  steady: boolean;
}

export interface ServiceDeps {
  store: Store;
  clusters: Clusters;
  definitions: TaskDefinitions;
  tasks: TaskStore;
  supervisor: Supervisor;
  clock: Clock;
  log: Logger;
  runTask: (scope: Scope, input: RunTaskInput) => Promise<RunTaskOutput>;
  events: StateEvents;
}

const serviceGroup = (name: string) => `service:${name}`;
const newDeploymentId = () => `ecs-svc/${randomInt(1e9, 1e10 - 1)}${randomInt(1e9, 1e10 - 1)}`.slice(0, 27);
const FAILED_STOP_CODES = new Set(['TaskFailedToStart', 'EssentialContainerExited']);

export function newDeployment(service: ServiceRecord, now: number): Deployment {
  return {
    id: newDeploymentId(),
    status: 'PRIMARY',
    taskDefinition: service.taskDefinition,
    desiredCount: service.desiredCount,
    pendingCount: 0,
    runningCount: 0,
    failedTasks: 0,
    createdAt: now,
    updatedAt: now,
    ...(service.launchType ? { launchType: service.launchType } : {}),
    ...(service.capacityProviderStrategy
      ? { capacityProviderStrategy: service.capacityProviderStrategy }
      : {}),
    ...(service.networkConfiguration ? { networkConfiguration: service.networkConfiguration } : {}),
    ...(service.platformVersion ? { platformVersion: service.platformVersion } : {}),
    rolloutState: 'IN_PROGRESS',
    rolloutStateReason: 'ECS deployment ecs-svc in progress.',
  };
}

/** How many failed tasks trip the circuit breaker: half the desired count, at least 3, at most 200. */
export const circuitBreakerThreshold = (desiredCount: number) =>
  Math.min(200, Math.max(3, Math.ceil(desiredCount / 2)));

export class EcsServices {
  private timer: (() => void) | undefined;
  private running: Promise<void> = Promise.resolve();
  private again = false;
  private stopped = false;

  constructor(private readonly deps: ServiceDeps) {}

  async all(): Promise<ServiceRecord[]> {
    const rows = await this.deps.store.read((tx) =>
      tx.all<{ body: string }>('SELECT body FROM ecs_services ORDER BY arn'),
    );
    return rows.map((row) => JSON.parse(row.body) as ServiceRecord);
  }

  async find(arn: string): Promise<ServiceRecord | undefined> {
    const row = await this.deps.store.read((tx) =>
      tx.get<{ body: string }>('SELECT body FROM ecs_services WHERE arn = ?', [arn]),
    );
    return row ? (JSON.parse(row.body) as ServiceRecord) : undefined;
  }

  async save(service: ServiceRecord): Promise<void> {
    await this.deps.store.write((tx) =>
      tx.run(
        `INSERT INTO ecs_services (arn, cluster_arn, status, body) VALUES (?, ?, ?, ?)
         ON CONFLICT (arn) DO UPDATE SET status = excluded.status, body = excluded.body`,
        [service.serviceArn, service.clusterArn, service.status, JSON.stringify(service)],
      ),
    );
  }

  /** Records a service event (newest first, as DescribeServices lists them). */
  note(service: ServiceRecord, message: string): void {
    service.events.unshift({
      id: randomUUID(),
      createdAt: this.deps.clock.now(),
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

  /** Waits for the pass under way (tests and handlers that want to see its effect). */
  settled(): Promise<void> {
    return this.running;
  }

  private async reconcile(service: ServiceRecord): Promise<void> {
    const now = this.deps.clock.now();
    const scope = { account: service.account, region: service.region };
    const before = JSON.stringify(service);
    const live = await this.deps.tasks.list({
      clusterArn: service.clusterArn,
      desiredStatus: 'RUNNING',
      group: serviceGroup(service.serviceName),
    });
    const stoppedRecently = await this.deps.tasks.list({
      clusterArn: service.clusterArn,
      desiredStatus: 'STOPPED',
      group: serviceGroup(service.serviceName),
    });
    this.countFailures(service, stoppedRecently, now);

    const byDeployment = (deployment: Deployment) => live.filter((task) => task.startedBy === deployment.id);
    for (const deployment of service.deployments) {
      const tasks = byDeployment(deployment);
      deployment.runningCount = tasks.filter((task) => task.lastStatus === 'RUNNING').length;
      deployment.pendingCount = tasks.length - deployment.runningCount;
    }

    if (service.status === 'DRAINING') {
      await this.stopTasks(service, live, 'ServiceSchedulerInitiated', 'Service is being deleted.');
      if (live.length === 0) {
        service.status = 'INACTIVE';
        service.deployments = [];
        this.note(service, 'has been deleted.');
      }
      return this.persistIfChanged(service, before);
    }

    const primary = service.deployments[0]!;
    primary.desiredCount = service.desiredCount;
    const { maximumPercent, minimumHealthyPercent } = service.deploymentConfiguration;
    const desired = service.desiredCount;
    const maximumTasks = Math.max(desired, Math.floor((desired * maximumPercent) / 100));
    const minimumHealthy = Math.ceil((desired * minimumHealthyPercent) / 100);
    const primaryTasks = byDeployment(primary);

    // Start what the primary deployment lacks, within maximumPercent of all live tasks.
    const missing = Math.min(desired - primaryTasks.length, maximumTasks - live.length);
    if (missing > 0 && primary.rolloutState !== 'FAILED' && now >= service.throttledUntil) {
      await this.startTasks(service, primary, scope, missing);
    }
    // A scaled-in service: stop the primary's extra tasks, pending ones first.
    if (primaryTasks.length > desired) {
      const extra = [...primaryTasks].sort(
        (a, b) => Number(a.lastStatus === 'RUNNING') - Number(b.lastStatus === 'RUNNING'),
      );
      await this.stopTasks(
        service,
        extra.slice(0, primaryTasks.length - desired),
        'ServiceSchedulerInitiated',
        'Scaling activity initiated by (deployment ' + primary.id + ')',
      );
    }
    // Older deployments drain while enough tasks stay healthy (minimumHealthyPercent).
    const older = live.filter((task) => task.startedBy !== primary.id);
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
    }
    if (steady && !service.steady) {
      service.consecutiveFailures = 0;
      this.note(service, 'has reached a steady state.');
      await this.deps.events.serviceAction(service, 'SERVICE_STEADY_STATE', 'INFO', now);
    }
    service.steady = steady;
    await this.persistIfChanged(service, before);
  }

  private countFailures(service: ServiceRecord, stopped: TaskRecord[], now: number): void {
    const counted = new Set(service.countedFailures);
    for (const task of stopped) {
      if (counted.has(task.taskArn) || !FAILED_STOP_CODES.has(task.stopCode ?? '')) continue;
      const deployment = service.deployments.find((candidate) => candidate.id === task.startedBy);
      if (!deployment) continue;
      counted.add(task.taskArn);
      deployment.failedTasks += 1;
      service.consecutiveFailures += 1;
      service.throttledUntil =
        now + Math.min(BACKOFF_CAP_MS, BACKOFF_FIRST_MS * 2 ** (service.consecutiveFailures - 1));
      this.note(
        service,
        `deployment ${deployment.id} task ${task.taskArn.split('/').at(-1)} failed: ${task.stoppedReason ?? task.stopCode}`,
      );
      // ECS warns once tasks keep failing to start (here: the third in a row).
      if (service.consecutiveFailures === 3) {
        void this.deps.events.serviceAction(service, 'SERVICE_TASK_START_IMPAIRED', 'WARN', now);
      }
      this.checkCircuitBreaker(service, deployment, now);
    }
    // Stopped tasks are forgotten after an hour; so can their marks be.
    const stillKnown = new Set(stopped.map((task) => task.taskArn));
    service.countedFailures = [...counted].filter((arn) => stillKnown.has(arn));
  }

  private checkCircuitBreaker(service: ServiceRecord, deployment: Deployment, now: number): void {
    const breaker = service.deploymentConfiguration.deploymentCircuitBreaker;
    if (!breaker?.enable || deployment.status !== 'PRIMARY' || deployment.rolloutState !== 'IN_PROGRESS')
      return;
    if (deployment.failedTasks < circuitBreakerThreshold(service.desiredCount)) return;
    deployment.rolloutState = 'FAILED';
    deployment.rolloutStateReason = 'ECS deployment circuit breaker: tasks failed to start.';
    this.note(service, `deployment ${deployment.id} deployment failed: tasks failed to start.`);
    const previous = service.deployments[1];
    if (!breaker.rollback || !previous) return;
    // Roll back: a new primary deployment of the last task definition that worked.
    service.taskDefinition = previous.taskDefinition;
    const rollback = newDeployment(service, now);
    deployment.status = 'ACTIVE';
    service.deployments = [rollback, ...service.deployments];
    for (const older of service.deployments.slice(1)) older.status = 'ACTIVE';
    service.consecutiveFailures = 0;
    service.throttledUntil = 0;
    this.note(service, `rolling back to deployment ${rollback.id}.`);
  }

  private async startTasks(service: ServiceRecord, deployment: Deployment, scope: Scope, count: number) {
    const started: string[] = [];
    for (let left = count; left > 0; left -= 10) {
      const { tasks, failures } = await this.deps
        .runTask(scope, {
          cluster: service.clusterArn,
          taskDefinition: deployment.taskDefinition,
          count: Math.min(10, left),
          startedBy: deployment.id,
          group: serviceGroup(service.serviceName),
          ...(deployment.launchType ? { launchType: deployment.launchType } : {}),
          ...(deployment.capacityProviderStrategy
            ? { capacityProviderStrategy: deployment.capacityProviderStrategy }
            : {}),
          ...(deployment.networkConfiguration
            ? { networkConfiguration: deployment.networkConfiguration }
            : {}),
          ...(deployment.platformVersion ? { platformVersion: deployment.platformVersion } : {}),
          ...(service.propagateTags ? { propagateTags: service.propagateTags } : {}),
          ...(service.propagateTags === 'SERVICE' ? { tags: service.tags } : {}),
          enableECSManagedTags: service.enableECSManagedTags,
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

  private async stopTasks(service: ServiceRecord, tasks: TaskRecord[], stopCode: string, reason: string) {
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

export function checkDeploymentConfiguration(
  configuration: Partial<DeploymentConfiguration> | undefined,
): DeploymentConfiguration {
  const maximumPercent = configuration?.maximumPercent ?? 200;
  const minimumHealthyPercent = configuration?.minimumHealthyPercent ?? 100;
  if (!Number.isInteger(maximumPercent) || maximumPercent < 100 || maximumPercent > 200)
    throw invalidParameter('deploymentConfiguration.maximumPercent must be between 100 and 200.');
  if (!Number.isInteger(minimumHealthyPercent) || minimumHealthyPercent < 0 || minimumHealthyPercent > 100)
    throw invalidParameter('deploymentConfiguration.minimumHealthyPercent must be between 0 and 100.');
  return {
    maximumPercent,
    minimumHealthyPercent,
    ...(configuration?.deploymentCircuitBreaker
      ? { deploymentCircuitBreaker: configuration.deploymentCircuitBreaker }
      : {}),
  };
}

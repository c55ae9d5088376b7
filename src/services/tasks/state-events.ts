// "ECS Task State Change" events: the detail ECS puts on the default event bus for every change of a
// task (its last or desired status, a container's status), in the envelope EventBridge delivers.
import { randomUUID } from 'node:crypto';
import { formatArn, type Logger, type Targets } from '../../runtime/index.ts';
import type { TaskRecord } from './types.ts';

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** The event's detail: the task as DescribeTasks shows it, with ISO timestamps and `updatedAt`. */
export function taskDetail(task: TaskRecord): Record<string, unknown> {
  const detail: Record<string, unknown> = {
    attachments: task.attachments,
    availabilityZone: task.availabilityZone,
    capacityProviderName: task.capacityProviderName,
    clusterArn: task.clusterArn,
    connectivity: task.connectivity,
    connectivityAt: iso(task.connectivityAt),
    containers: task.containers.map((container) => ({
      containerArn: container.containerArn,
      exitCode: container.exitCode,
      lastStatus: container.lastStatus,
      name: container.name,
      image: container.image,
      runtimeId: container.runtimeId,
      taskArn: container.taskArn,
      networkInterfaces: container.networkInterfaces,
      cpu: container.cpu,
      memory: container.memory,
      reason: container.reason,
    })),
    cpu: task.cpu,
    createdAt: iso(task.createdAt),
    desiredStatus: task.desiredStatus,
    enableExecuteCommand: task.enableExecuteCommand,
    executionStoppedAt: iso(task.executionStoppedAt),
    group: task.group,
    launchType: task.launchType,
    lastStatus: task.lastStatus,
    memory: task.memory,
    overrides: task.overrides,
    platformVersion: task.platformVersion,
    platformFamily: task.platformFamily,
    pullStartedAt: iso(task.pullStartedAt),
    pullStoppedAt: iso(task.pullStoppedAt),
    startedAt: iso(task.startedAt),
    startedBy: task.startedBy,
    stopCode: task.stopCode,
    stoppedAt: iso(task.stoppedAt),
    stoppedReason: task.stoppedReason,
    stoppingAt: iso(task.stoppingAt),
    tags: task.tags.length > 0 ? task.tags : undefined,
    taskArn: task.taskArn,
    taskDefinitionArn: task.taskDefinitionArn,
    updatedAt: iso(task.updatedAt),
    version: task.version,
  };
  return JSON.parse(JSON.stringify(detail)) as Record<string, unknown>;
}

/** The whole event as EventBridge delivers it to targets (whole seconds in `time`). */
export function taskStateEnvelope(task: TaskRecord, id: string = randomUUID()): { id: string; json: string } {
  const envelope = {
    version: '0',
    id,
    'detail-type': 'ECS Task State Change',
    source: 'aws.ecs',
    account: task.account,
    time: new Date(task.updatedAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: task.region,
    resources: [task.taskArn],
    detail: taskDetail(task),
  };
  return { id, json: JSON.stringify(envelope) };
}

/** Puts events on each account's default bus through the targets port; a bus that refuses is logged. */
export class StateEvents {
  private readonly stopListeners: Array<(task: TaskRecord) => void> = [];

  constructor(
    private readonly targets: Targets,
    private readonly log: Logger,
  ) {}

  /** Calls `listener` with each task whose STOPPED state is emitted (Step Functions' `.sync`). */
  onStopped(listener: (task: TaskRecord) => void): void {
    this.stopListeners.push(listener);
  }

  async emit(task: TaskRecord): Promise<void> {
    await this.put(task.account, task.region, task.taskArn, taskStateEnvelope(task).json);
    if (task.lastStatus !== 'STOPPED') return;
    for (const listener of this.stopListeners) {
      try {
        listener(task);
      } catch (error) {
        this.log.error({ err: error, task: task.taskArn }, 'a task-stopped listener failed');
      }
    }
  }

  /** An "ECS Service Action" event: SERVICE_STEADY_STATE (INFO), SERVICE_TASK_START_IMPAIRED (WARN), … */
  async serviceAction(
    service: { serviceArn: string; clusterArn: string; account: string; region: string },
    eventName: string,
    eventType: 'INFO' | 'WARN' | 'ERROR',
    at: number,
  ): Promise<void> {
    const envelope = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'ECS Service Action',
      source: 'aws.ecs',
      account: service.account,
      time: new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: service.region,
      resources: [service.serviceArn],
      detail: { eventType, eventName, clusterArn: service.clusterArn, createdAt: new Date(at).toISOString() },
    };
    await this.put(service.account, service.region, service.serviceArn, JSON.stringify(envelope));
  }

  private async put(account: string, region: string, sourceArn: string, json: string): Promise<void> {
    const bus = formatArn({ service: 'events', region, accountId: account, resource: 'event-bus/default' });
    if (!this.targets.supports(bus)) return;
    try {
      await this.targets.deliver(bus, { body: json, sourceArn });
    } catch (error) {
      this.log.warn({ err: error, resource: sourceArn }, 'the default event bus refused an ECS event');
    }
  }
}

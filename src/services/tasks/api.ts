// The API side of the tasks service: the handler table's type, and the records as ECS's API
// shows them (timestamps as Date, what eddy keeps for itself left out).
import type { Ecs, Handlers, RequestContext } from '../../contract/index.ts';
import type { Scope } from './names.ts';
import type { TaskDefinition, TaskRecord } from './types.ts';

/** Every ECS operation's handler, typed by the model. */
export type EcsHandlers = Handlers<Ecs.Operations>;

export const scopeOf = (context: RequestContext): Scope => ({
  account: context.accountId,
  region: context.region,
});

/** The principal eddy's callers act as: the account's root user (eddy has no IAM users). */
export const rootArn = (account: string) => `arn:aws:iam::${account}:root`;

/** Epoch milliseconds as the API's Date; undefined stays undefined. */
export const dateOf = (ms: number | undefined): Date | undefined =>
  ms === undefined ? undefined : new Date(ms);

export function presentDefinition(definition: TaskDefinition): Ecs.TaskDefinition {
  return {
    ...definition,
    registeredAt: new Date(definition.registeredAt),
    deregisteredAt: dateOf(definition.deregisteredAt),
  };
}

export function presentTask(task: TaskRecord, withTags: boolean): Ecs.Task {
  return {
    attachments: task.attachments,
    availabilityZone: task.availabilityZone,
    capacityProviderName: task.capacityProviderName,
    clusterArn: task.clusterArn,
    connectivity: task.connectivity,
    connectivityAt: dateOf(task.connectivityAt),
    containers: task.containers.map((container) => ({
      containerArn: container.containerArn,
      taskArn: container.taskArn,
      name: container.name,
      image: container.image,
      runtimeId: container.runtimeId,
      lastStatus: container.lastStatus,
      exitCode: container.exitCode,
      reason: container.reason,
      networkInterfaces: container.networkInterfaces,
      healthStatus: 'UNKNOWN',
      cpu: container.cpu,
      memory: container.memory,
      memoryReservation: container.memoryReservation,
    })),
    cpu: task.cpu,
    createdAt: new Date(task.createdAt),
    desiredStatus: task.desiredStatus,
    enableExecuteCommand: task.enableExecuteCommand,
    executionStoppedAt: dateOf(task.executionStoppedAt),
    group: task.group,
    healthStatus: task.healthStatus,
    lastStatus: task.lastStatus,
    launchType: task.launchType,
    memory: task.memory,
    overrides: task.overrides,
    platformVersion: task.platformVersion,
    platformFamily: task.platformFamily,
    pullStartedAt: dateOf(task.pullStartedAt),
    pullStoppedAt: dateOf(task.pullStoppedAt),
    startedAt: dateOf(task.startedAt),
    startedBy: task.startedBy,
    stopCode: task.stopCode,
    stoppedAt: dateOf(task.stoppedAt),
    stoppedReason: task.stoppedReason,
    stoppingAt: dateOf(task.stoppingAt),
    tags: withTags ? task.tags : undefined,
    taskArn: task.taskArn,
    taskDefinitionArn: task.taskDefinitionArn,
    version: task.version,
  };
}

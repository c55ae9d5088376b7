// Task sets: how a service with the EXTERNAL deployment controller runs tasks. Each task set keeps
// ceil(desiredCount × scale%) tasks of its own task definition; the external controller creates
// them, scales them, marks one PRIMARY and deletes the others (DRAINING until their tasks are gone).
import type { Ecs } from '../../contract/index.ts';
import { formatArn } from '../../runtime/index.ts';
import type { ServiceRecord, TaskSetRecord, Workload } from './service-records.ts';
import type { TaskRecord } from './types.ts';

export interface TaskSetActions {
  start(workload: Workload, startedBy: string, count: number): Promise<void>;
  stop(tasks: TaskRecord[], reason: string): Promise<void>;
  isProtected(task: TaskRecord): boolean;
}

export const taskSetArn = (service: ServiceRecord, id: string) =>
  formatArn({
    service: 'ecs',
    region: service.region,
    accountId: service.account,
    resource: `task-set/${service.clusterName}/${service.serviceName}/${id}`,
  });

export const computedDesiredCount = (service: ServiceRecord, set: TaskSetRecord) =>
  set.status === 'DRAINING' ? 0 : Math.ceil((service.desiredCount * set.scale.value) / 100 - 1e-9);

/** One pass over a service's task sets; true when every one is in a steady state. */
export async function reconcileTaskSets(
  service: ServiceRecord,
  live: TaskRecord[],
  now: number,
  actions: TaskSetActions,
): Promise<boolean> {
  const sets = service.taskSets ?? [];
  let steady = true;
  for (const set of sets) {
    const tasks = live.filter((task) => task.startedBy === set.id);
    const target = computedDesiredCount(service, set);
    set.computedDesiredCount = target;
    if (tasks.length < target && now >= service.throttledUntil)
      await actions.start(set, set.id, target - tasks.length);
    if (tasks.length > target) {
      const extra = tasks
        .filter((task) => !actions.isProtected(task))
        .sort((a, b) => Number(a.lastStatus === 'RUNNING') - Number(b.lastStatus === 'RUNNING'));
      await actions.stop(
        extra.slice(0, tasks.length - target),
        set.status === 'DRAINING'
          ? `Task set ${set.id} is being deleted.`
          : `Scaling activity for task set ${set.id}`,
      );
    }
    set.runningCount = tasks.filter((task) => task.lastStatus === 'RUNNING').length;
    set.pendingCount = tasks.length - set.runningCount;
    const stable: Ecs.StabilityStatus =
      set.runningCount === target && set.pendingCount === 0 ? 'STEADY_STATE' : 'STABILIZING';
    if (stable !== set.stabilityStatus) {
      set.stabilityStatus = stable;
      set.stabilityStatusAt = now;
      set.updatedAt = now;
    }
    if (stable !== 'STEADY_STATE') steady = false;
  }
  // A deleted task set goes once its last task is gone.
  service.taskSets = sets.filter(
    (set) => set.status !== 'DRAINING' || live.some((task) => task.startedBy === set.id),
  );
  return steady;
}

export function presentTaskSet(service: ServiceRecord, set: TaskSetRecord, withTags: boolean): Ecs.TaskSet {
  return {
    id: set.id,
    taskSetArn: set.taskSetArn,
    serviceArn: service.serviceArn,
    clusterArn: service.clusterArn,
    ...(set.externalId !== undefined ? { externalId: set.externalId } : {}),
    status: set.status,
    taskDefinition: set.taskDefinition,
    computedDesiredCount: set.computedDesiredCount,
    pendingCount: set.pendingCount,
    runningCount: set.runningCount,
    createdAt: new Date(set.createdAt),
    updatedAt: new Date(set.updatedAt),
    launchType: set.launchType,
    capacityProviderStrategy: set.capacityProviderStrategy,
    platformVersion: set.platformVersion ?? (set.launchType === 'EC2' ? undefined : 'LATEST'),
    platformFamily: 'Linux',
    networkConfiguration: set.networkConfiguration,
    scale: set.scale,
    stabilityStatus: set.stabilityStatus,
    stabilityStatusAt: new Date(set.stabilityStatusAt),
    ...(withTags ? { tags: set.tags } : {}),
  };
}

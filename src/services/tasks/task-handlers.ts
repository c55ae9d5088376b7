// RunTask, StopTask, DescribeTasks and ListTasks.
import type { Ecs } from '../../contract/index.ts';
import { type EcsHandlers, presentTask, scopeOf } from './api.ts';
import type { Clusters } from './clusters.ts';
import { invalidParameter } from './errors.ts';
import { type Scope, taskArn, taskIdOf } from './names.ts';
import { page, pageSize } from './paging.ts';
import { type RunTaskDeps, runTask } from './run-task.ts';
import type { Supervisor } from './supervisor.ts';
import type { TaskStore } from './task-store.ts';

/** ECS keeps at most this much of a StopTask reason. */
const MAX_REASON = 255;

/** A task of a cluster named by id or ARN, or undefined. */
export async function findTask(tasks: TaskStore, scope: Scope, clusterName: string, text: string) {
  const { id, cluster } = taskIdOf(text);
  if (cluster !== undefined && cluster !== clusterName) return undefined;
  const task = await tasks.get(taskArn(scope, clusterName, id));
  return task && task.account === scope.account && task.region === scope.region ? task : undefined;
}

export function taskHandlers(
  deps: RunTaskDeps & { clusters: Clusters; tasks: TaskStore; supervisor: Supervisor },
) {
  const { clusters, tasks, supervisor } = deps;

  return {
    async RunTask(input, context) {
      const result = await runTask(deps, scopeOf(context), input);
      return { tasks: result.tasks.map((task) => presentTask(task, true)), failures: result.failures };
    },

    async StopTask(input, context) {
      const scope = scopeOf(context);
      const cluster = await clusters.get(scope, input.cluster);
      const task = await findTask(tasks, scope, cluster.clusterName, input.task);
      if (!task) throw invalidParameter('The referenced task was not found.');
      const reason = (input.reason ?? 'Task stopped by user').slice(0, MAX_REASON);
      const stopping = await supervisor.requestStop(task.taskArn, 'UserInitiated', reason);
      return { task: presentTask(stopping ?? (await tasks.get(task.taskArn)) ?? task, false) };
    },

    async DescribeTasks(input, context) {
      const scope = scopeOf(context);
      const texts = input.tasks;
      if (texts.length === 0) throw invalidParameter('Tasks cannot be empty.');
      if (texts.length > 100) throw invalidParameter('tasks can have at most 100 items.');
      const cluster = await clusters.get(scope, input.cluster);
      const withTags = (input.include ?? []).includes('TAGS');
      const found: Ecs.Task[] = [];
      const failures: Ecs.Failure[] = [];
      for (const text of texts) {
        const task = await findTask(tasks, scope, cluster.clusterName, text);
        if (task) found.push(presentTask(task, withTags));
        else failures.push({ arn: text, reason: 'MISSING' });
      }
      return { tasks: found, failures };
    },

    async ListTasks(input, context) {
      const scope = scopeOf(context);
      const filters = (
        ['family', 'containerInstance', 'launchType', 'serviceName', 'startedBy'] as const
      ).filter((name) => input[name] !== undefined);
      // ECS answers these combinations with InvalidParameterException rather than an empty list.
      if (input.startedBy !== undefined && filters.length > 1)
        throw invalidParameter('cannot specify startedBy with other arguments');
      if (input.serviceName !== undefined && filters.length > 1)
        throw invalidParameter('cannot specify serviceName with other arguments');
      const desiredStatus = input.desiredStatus ?? 'RUNNING';
      const cluster = await clusters.get(scope, input.cluster);
      const size = pageSize(input.maxResults, 100);
      // Fargate tasks run on no container instance, and eddy runs no daemons; ECS never sets a
      // desired status of PENDING.
      const none =
        input.containerInstance !== undefined ||
        input.daemonName !== undefined ||
        desiredStatus === 'PENDING';
      const selected = none
        ? []
        : await tasks.list({
            clusterArn: cluster.clusterArn,
            desiredStatus,
            family: input.family,
            startedBy: input.startedBy,
            launchType: input.launchType,
            group: input.serviceName === undefined ? undefined : `service:${input.serviceName}`,
          });
      const { items, nextToken } = page(selected, (task) => task.taskArn, input.nextToken, size);
      return { taskArns: items.map((task) => task.taskArn), nextToken };
    },
  } satisfies Partial<EcsHandlers>;
}

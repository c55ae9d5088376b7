// RunTask, StopTask, DescribeTasks, ListTasks, and tagging of clusters, task definitions and tasks.
import type { Handler, Input } from '../../contract/index.ts';
import { parseArn } from '../../runtime/index.ts';
import { scopeOf } from './cluster-handlers.ts';
import type { Clusters } from './clusters.ts';
import type { TaskDefinitions } from './definitions.ts';
import { clusterNotFound, ecsError, invalidParameter } from './errors.ts';
import { clusterNameOf, type Scope, taskArn, taskIdOf } from './names.ts';
import { page, pageSize } from './paging.ts';
import { type RunTaskDeps, type RunTaskInput, runTask } from './run-task.ts';
import type { Supervisor } from './supervisor.ts';
import { checkTags, mergeTags, removeTags } from './tags.ts';
import type { TaskStore } from './task-store.ts';
import type { Tag, TaskRecord } from './types.ts';

/** ECS keeps at most this much of a StopTask reason. */
const MAX_REASON = 255;

const withTags = (task: TaskRecord, input: Input) =>
  ((input.include as string[] | undefined) ?? []).includes('TAGS') ? task : { ...task, tags: undefined };

export function taskHandlers(
  deps: RunTaskDeps & {
    clusters: Clusters;
    definitions: TaskDefinitions;
    tasks: TaskStore;
    supervisor: Supervisor;
  },
): Record<string, Handler> {
  const { clusters, tasks, supervisor } = deps;

  /** A task of a cluster named by id or ARN, or undefined. */
  const findTask = async (scope: Scope, clusterName: string, text: string) => {
    const { id, cluster } = taskIdOf(text);
    if (cluster !== undefined && cluster !== clusterName) return undefined;
    const task = await tasks.get(taskArn(scope, clusterName, id));
    return task && task.account === scope.account && task.region === scope.region ? task : undefined;
  };

  return {
    async RunTask(input, context) {
      const result = await runTask(deps, scopeOf(context), input as unknown as RunTaskInput);
      return {
        tasks: result.tasks.map((task) => withTags(task, { include: ['TAGS'] })),
        failures: result.failures,
      };
    },

    async StopTask(input, context) {
      const scope = scopeOf(context);
      const cluster = await clusters.get(scope, input.cluster as string | undefined);
      const task = await findTask(scope, cluster.clusterName, input.task as string);
      if (!task) throw invalidParameter('The referenced task was not found.');
      const reason = ((input.reason as string | undefined) ?? 'Task stopped by user').slice(0, MAX_REASON);
      const stopping = await supervisor.requestStop(task.taskArn, 'UserInitiated', reason);
      return { task: stopping ?? (await tasks.get(task.taskArn)) ?? task };
    },

    async DescribeTasks(input, context) {
      const scope = scopeOf(context);
      const texts = input.tasks as string[];
      if (texts.length === 0) throw invalidParameter('Tasks cannot be empty.');
      if (texts.length > 100) throw invalidParameter('tasks can have at most 100 items.');
      const cluster = await clusters.get(scope, input.cluster as string | undefined);
      const found: Array<Record<string, unknown>> = [];
      const failures: Array<{ arn: string; reason: string }> = [];
      for (const text of texts) {
        const task = await findTask(scope, cluster.clusterName, text);
        if (task) found.push(withTags(task, input) as unknown as Record<string, unknown>);
        else failures.push({ arn: text, reason: 'MISSING' });
      }
      return { tasks: found, failures };
    },

    async ListTasks(input, context) {
      const scope = scopeOf(context);
      const filters = ['family', 'containerInstance', 'launchType', 'serviceName', 'startedBy'].filter(
        (name) => input[name] !== undefined,
      );
      // ECS answers these combinations with InvalidParameterException rather than an empty list.
      if (input.startedBy !== undefined && filters.length > 1)
        throw invalidParameter('cannot specify startedBy with other arguments');
      if (input.serviceName !== undefined && filters.length > 1)
        throw invalidParameter('cannot specify serviceName with other arguments');
      const desiredStatus = (input.desiredStatus as string | undefined) ?? 'RUNNING';
      if (!['RUNNING', 'PENDING', 'STOPPED'].includes(desiredStatus))
        throw invalidParameter(`desiredStatus must be RUNNING, PENDING or STOPPED, not '${desiredStatus}'.`);
      const cluster = await clusters.get(scope, input.cluster as string | undefined);
      const size = pageSize(input.maxResults as number | undefined, 100);
      // Fargate tasks run on no container instance; ECS never sets a desired status of PENDING.
      const none = input.containerInstance !== undefined || desiredStatus === 'PENDING';
      const selected = none
        ? []
        : await tasks.list({
            clusterArn: cluster.clusterArn,
            desiredStatus: desiredStatus as 'RUNNING' | 'STOPPED',
            family: input.family as string | undefined,
            startedBy: input.startedBy as string | undefined,
            launchType: input.launchType as string | undefined,
            group: input.serviceName === undefined ? undefined : `service:${input.serviceName as string}`,
          });
      const { items, nextToken } = page(
        selected,
        (task) => task.taskArn,
        input.nextToken as string | undefined,
        size,
      );
      return { taskArns: items.map((task) => task.taskArn), nextToken };
    },

    ...tagHandlers(deps),
  };
}

function tagHandlers(deps: {
  clusters: Clusters;
  definitions: TaskDefinitions;
  tasks: TaskStore;
  supervisor: Supervisor;
}): Record<string, Handler> {
  /** The resource an ARN names, as something whose tags can be read and replaced. */
  const resource = async (scope: Scope, arn: string) => {
    const parsed = parseArn(arn);
    if (parsed?.service !== 'ecs' || parsed.accountId !== scope.account || parsed.region !== scope.region)
      throw invalidParameter(
        `The ARN '${arn}' is not an Amazon ECS resource ARN of this account and region.`,
      );
    const [kind] = parsed.resource.split('/');
    if (kind === 'cluster') {
      const cluster = await deps.clusters.find(scope, clusterNameOf(arn));
      if (cluster?.status !== 'ACTIVE') throw clusterNotFound();
      return {
        tags: cluster.tags,
        save: (tags: Tag[]) => deps.clusters.save(scope, { ...cluster, tags }),
      };
    }
    if (kind === 'task-definition') {
      const found = await deps.definitions.find(scope, arn);
      if (!found || found.definition.status === 'DELETE_IN_PROGRESS') throw notFound();
      return {
        tags: found.tags,
        save: (tags: Tag[]) => deps.definitions.setTags(scope, found.definition, tags),
      };
    }
    if (kind === 'task') {
      const task = await deps.tasks.get(arn);
      if (!task) throw notFound();
      return {
        tags: task.tags,
        save: async (tags: Tag[]) => {
          if (
            !(await deps.supervisor.amend(arn, (live) => {
              live.tags = tags;
            }))
          )
            await deps.tasks.save([{ ...task, tags }]);
        },
      };
    }
    throw invalidParameter(`The ARN '${arn}' names no resource that can be tagged.`);
  };

  return {
    async TagResource(input, context) {
      const target = await resource(scopeOf(context), input.resourceArn as string);
      await target.save(mergeTags(target.tags, checkTags(input.tags as Tag[])));
      return {};
    },
    async UntagResource(input, context) {
      const target = await resource(scopeOf(context), input.resourceArn as string);
      await target.save(removeTags(target.tags, input.tagKeys as string[]));
      return {};
    },
    async ListTagsForResource(input, context) {
      const target = await resource(scopeOf(context), input.resourceArn as string);
      return { tags: target.tags };
    },
  };
}

const notFound = () => ecsError('ResourceNotFoundException', 'The specified resource wasn’t found.');

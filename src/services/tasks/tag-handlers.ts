// TagResource, UntagResource and ListTagsForResource on every kind of ECS resource eddy keeps:
// clusters, task definitions, tasks, services, task sets, capacity providers, daemons and daemon
// task definitions. Container instances can be named but never found (eddy registers none), as in
// an account without them.
import { parseArn } from '../../runtime/index.ts';
import { type EcsHandlers, scopeOf } from './api.ts';
import { type CapacityProviders, FARGATE_PROVIDERS } from './capacity-providers.ts';
import type { Clusters } from './clusters.ts';
import type { DaemonDefinitions } from './daemon-task-definitions.ts';
import type { Daemons } from './daemons.ts';
import type { TaskDefinitions } from './definitions.ts';
import type { EcsServices } from './ecs-services.ts';
import { clusterNotFound, ecsError, invalidParameter } from './errors.ts';
import { clusterNameOf, type Scope } from './names.ts';
import type { Supervisor } from './supervisor.ts';
import { checkTags, mergeTags, removeTags } from './tags.ts';
import type { TaskStore } from './task-store.ts';
import type { Tag } from './types.ts';

export interface TagDeps {
  clusters: Clusters;
  definitions: TaskDefinitions;
  tasks: TaskStore;
  supervisor: Supervisor;
  services: EcsServices;
  capacityProviders: CapacityProviders;
  daemons: Daemons;
  daemonDefinitions: DaemonDefinitions;
}

const notFound = () => ecsError('ResourceNotFoundException', 'The specified resource wasn’t found.');

interface Taggable {
  tags: Tag[];
  save(tags: Tag[]): Promise<void>;
}

export function tagHandlers(deps: TagDeps) {
  /** The resource an ARN names, as something whose tags can be read and replaced. */
  const resource = async (scope: Scope, arn: string): Promise<Taggable> => {
    const parsed = parseArn(arn);
    if (parsed?.service !== 'ecs' || parsed.accountId !== scope.account || parsed.region !== scope.region)
      throw invalidParameter(
        `The ARN '${arn}' is not an Amazon ECS resource ARN of this account and region.`,
      );
    const [kind, ...path] = parsed.resource.split('/');
    switch (kind) {
      case 'cluster': {
        const cluster = await deps.clusters.find(scope, clusterNameOf(arn));
        if (cluster?.status !== 'ACTIVE') throw clusterNotFound();
        return { tags: cluster.tags, save: (tags) => deps.clusters.save(scope, { ...cluster, tags }) };
      }
      case 'task-definition': {
        const found = await deps.definitions.find(scope, arn);
        if (!found || found.definition.status === 'DELETE_IN_PROGRESS') throw notFound();
        return { tags: found.tags, save: (tags) => deps.definitions.setTags(scope, found.definition, tags) };
      }
      case 'task': {
        const task = await deps.tasks.get(arn);
        if (!task) throw notFound();
        return {
          tags: task.tags,
          save: async (tags) => {
            const live = await deps.supervisor.amend(arn, (current) => {
              current.tags = tags;
            });
            if (!live) await deps.tasks.save([{ ...task, tags }]);
          },
        };
      }
      case 'service':
      case 'task-set': {
        const serviceArn = `arn:${parsed.partition}:ecs:${parsed.region}:${parsed.accountId}:service/${path[0]}/${path[1]}`;
        const service = await deps.services.find(serviceArn);
        if (!service || service.status === 'INACTIVE') throw notFound();
        if (kind === 'service')
          return { tags: service.tags, save: (tags) => deps.services.save({ ...service, tags }) };
        const set = (service.taskSets ?? []).find((candidate) => candidate.taskSetArn === arn);
        if (!set) throw notFound();
        return {
          tags: set.tags,
          save: (tags) => {
            set.tags = tags;
            return deps.services.save(service);
          },
        };
      }
      case 'capacity-provider': {
        const provider = await deps.capacityProviders.find(scope, arn);
        if (provider?.status !== 'ACTIVE') throw notFound();
        if (FARGATE_PROVIDERS.includes(provider.name))
          throw invalidParameter(
            `The ${provider.name} capacity provider is reserved by AWS and cannot be tagged.`,
          );
        return {
          tags: provider.tags,
          save: (tags) => deps.capacityProviders.save(scope, { ...provider, tags }),
        };
      }
      case 'daemon': {
        const daemon = await deps.daemons.find(arn);
        if (!daemon || daemon.status === 'DELETED') throw notFound();
        return { tags: daemon.tags, save: (tags) => deps.daemons.save({ ...daemon, tags }) };
      }
      case 'daemon-task-definition': {
        const definition = await deps.daemonDefinitions.find(scope, arn);
        if (!definition || definition.status === 'DELETED') throw notFound();
        return {
          tags: definition.tags,
          save: (tags) => deps.daemonDefinitions.save(scope, { ...definition, tags }),
        };
      }
      case 'container-instance':
        throw notFound();
      default:
        throw invalidParameter(`The ARN '${arn}' names no resource that can be tagged.`);
    }
  };

  /** Reads and saves between the scheduler's passes: a service's tags live in its record. */
  const change = (scope: Scope, arn: string, next: (tags: Tag[]) => Tag[]) =>
    deps.services.exclusive(async () => {
      const target = await resource(scope, arn);
      await target.save(next(target.tags));
    });

  return {
    async TagResource(input, context) {
      const added = checkTags(input.tags);
      await change(scopeOf(context), input.resourceArn, (tags) => mergeTags(tags, added));
      return {};
    },
    async UntagResource(input, context) {
      await change(scopeOf(context), input.resourceArn, (tags) => removeTags(tags, input.tagKeys));
      return {};
    },
    async ListTagsForResource(input, context) {
      const target = await resource(scopeOf(context), input.resourceArn);
      return { tags: target.tags };
    },
  } satisfies Partial<EcsHandlers>;
}

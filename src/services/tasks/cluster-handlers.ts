// CreateCluster, DeleteCluster, DescribeClusters, ListClusters and the task definition operations.
import type { Handler, Input, RequestContext } from '../../contract/index.ts';
import type { ClusterSettings, Clusters } from './clusters.ts';
import type { RegisterInput } from './definition-input.ts';
import type { TaskDefinitions } from './definitions.ts';
import { clientException, invalidParameter } from './errors.ts';
import { clusterArn, clusterNameOf, RESOURCE_NAME, type Scope } from './names.ts';
import { page, pageSize } from './paging.ts';
import type { TaskStore } from './task-store.ts';
import type { Cluster, Tag, TaskDefinition } from './types.ts';

export const scopeOf = (context: RequestContext): Scope => ({
  account: context.accountId,
  region: context.region,
});

const includes = (input: Input, what: string) =>
  ((input.include as string[] | undefined) ?? []).includes(what);

export function clusterHandlers(clusters: Clusters, tasks: TaskStore): Record<string, Handler> {
  const describe = async (cluster: Cluster, input: Input) => {
    const counts = await tasks.counts(cluster.clusterArn);
    const { tags, settings, configuration, ...rest } = cluster;
    return {
      ...rest,
      registeredContainerInstancesCount: 0,
      runningTasksCount: counts.running,
      pendingTasksCount: counts.pending,
      activeServicesCount: 0,
      statistics: includes(input, 'STATISTICS') ? [] : undefined,
      tags: includes(input, 'TAGS') ? tags : undefined,
      settings: includes(input, 'SETTINGS') ? settings : undefined,
      configuration: includes(input, 'CONFIGURATIONS') ? configuration : undefined,
    };
  };

  return {
    async CreateCluster(input, context) {
      const name = (input.clusterName as string | undefined) ?? 'default';
      const cluster = await clusters.create(scopeOf(context), name, input as ClusterSettings);
      return {
        cluster: { ...(await describe(cluster, { include: ['TAGS', 'SETTINGS', 'CONFIGURATIONS'] })) },
      };
    },

    async DeleteCluster(input, context) {
      const scope = scopeOf(context);
      const cluster = await clusters.delete(
        scope,
        input.cluster as string,
        async (arn) => (await tasks.counts(arn)).live,
      );
      return { cluster: await describe(cluster, { include: ['TAGS', 'SETTINGS'] }) };
    },

    async DescribeClusters(input, context) {
      const scope = scopeOf(context);
      const names = (input.clusters as string[] | undefined) ?? ['default'];
      if (names.length > 100) throw invalidParameter('clusters can have at most 100 items.');
      const found = [];
      const failures = [];
      for (const nameOrArn of names) {
        const name = clusterNameOf(nameOrArn);
        const cluster =
          name === 'default' ? await clusters.get(scope, name) : await clusters.find(scope, name);
        if (cluster) found.push(await describe(cluster, input));
        else
          failures.push({
            arn: RESOURCE_NAME.test(name) ? clusterArn(scope, name) : nameOrArn,
            reason: 'MISSING',
          });
      }
      return { clusters: found, failures };
    },

    async ListClusters(input, context) {
      const all = await clusters.list(scopeOf(context));
      const size = pageSize(input.maxResults as number | undefined, 100);
      const { items, nextToken } = page(
        all,
        (cluster) => cluster.clusterArn,
        input.nextToken as string | undefined,
        size,
      );
      return { clusterArns: items.map((cluster) => cluster.clusterArn), nextToken };
    },
  };
}

const revisionKey = (definition: TaskDefinition) =>
  `${definition.family}:${String(definition.revision).padStart(10, '0')}`;

export function definitionHandlers(definitions: TaskDefinitions): Record<string, Handler> {
  return {
    async RegisterTaskDefinition(input, context) {
      const { definition, tags } = await definitions.register(
        scopeOf(context),
        input as unknown as RegisterInput & { tags?: Tag[] },
      );
      return { taskDefinition: definition, tags };
    },

    async DescribeTaskDefinition(input, context) {
      const found = await definitions.find(scopeOf(context), input.taskDefinition as string);
      if (!found || found.definition.status === 'DELETE_IN_PROGRESS')
        throw clientException('Unable to describe task definition.');
      return { taskDefinition: found.definition, tags: includes(input, 'TAGS') ? found.tags : undefined };
    },

    async DeregisterTaskDefinition(input, context) {
      return {
        taskDefinition: await definitions.deregister(scopeOf(context), input.taskDefinition as string),
      };
    },

    async DeleteTaskDefinitions(input, context) {
      const texts = input.taskDefinitions as string[];
      if (texts.length === 0) throw invalidParameter('taskDefinitions must not be empty.');
      if (texts.length > 10) throw invalidParameter('taskDefinitions can have at most 10 items.');
      const { deleted, failures } = await definitions.delete(scopeOf(context), texts);
      await definitions.purgeDeleted();
      return { taskDefinitions: deleted, failures };
    },

    async ListTaskDefinitions(input, context) {
      const status = (input.status as string | undefined) ?? 'ACTIVE';
      if (!['ACTIVE', 'INACTIVE', 'DELETE_IN_PROGRESS'].includes(status))
        throw invalidParameter(`status must be ACTIVE, INACTIVE or DELETE_IN_PROGRESS, not '${status}'.`);
      const sort = (input.sort as string | undefined) ?? 'ASC';
      if (sort !== 'ASC' && sort !== 'DESC')
        throw invalidParameter(`sort must be ASC or DESC, not '${sort}'.`);
      // ListTaskDefinitions' familyPrefix is a whole family name, unlike ListTaskDefinitionFamilies'.
      const family = input.familyPrefix as string | undefined;
      let all = (await definitions.all(scopeOf(context), status)).filter(
        (definition) => family === undefined || definition.family === family,
      );
      if (sort === 'DESC') all = all.reverse();
      const size = pageSize(input.maxResults as number | undefined, 100);
      const { items, nextToken } = page(
        all,
        revisionKey,
        input.nextToken as string | undefined,
        size,
        sort === 'DESC',
      );
      return { taskDefinitionArns: items.map((definition) => definition.taskDefinitionArn), nextToken };
    },

    async ListTaskDefinitionFamilies(input, context) {
      const status = (input.status as string | undefined) ?? 'ALL';
      if (!['ACTIVE', 'INACTIVE', 'ALL'].includes(status))
        throw invalidParameter(`status must be ACTIVE, INACTIVE or ALL, not '${status}'.`);
      const prefix = (input.familyPrefix as string | undefined) ?? '';
      const active = new Set<string>();
      const seen = new Set<string>();
      for (const definition of await definitions.all(scopeOf(context))) {
        if (definition.status === 'DELETE_IN_PROGRESS' || !definition.family.startsWith(prefix)) continue;
        seen.add(definition.family);
        if (definition.status === 'ACTIVE') active.add(definition.family);
      }
      const families = [...seen]
        .filter((family) => status === 'ALL' || (status === 'ACTIVE') === active.has(family))
        .sort();
      const size = pageSize(input.maxResults as number | undefined, 100);
      const { items, nextToken } = page(
        families,
        (family) => family,
        input.nextToken as string | undefined,
        size,
      );
      return { families: items, nextToken };
    },
  };
}

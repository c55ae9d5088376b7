// CreateCluster, DeleteCluster, DescribeClusters, ListClusters, UpdateCluster and
// UpdateClusterSettings. A cluster counts its tasks and services; eddy registers no container
// instances, so it never has any.
import type { Ecs } from '../../contract/index.ts';
import type { AccountSettings } from './account-settings.ts';
import { type EcsHandlers, scopeOf } from './api.ts';
import type { CapacityProviders } from './capacity-providers.ts';
import type { Clusters } from './clusters.ts';
import { ecsError, invalidParameter } from './errors.ts';
import { clusterArn, clusterNameOf, RESOURCE_NAME } from './names.ts';
import { page, pageSize } from './paging.ts';
import type { TaskStore } from './task-store.ts';
import type { Cluster } from './types.ts';

/** A cluster's services by status and launch type (EC2 or not), for its counts and statistics. */
export interface ServiceCounts {
  active: number;
  activeEc2: number;
  draining: number;
  drainingEc2: number;
}

export interface ClusterDeps {
  clusters: Clusters;
  tasks: TaskStore;
  capacityProviders: CapacityProviders;
  accountSettings: AccountSettings;
  serviceCounts: (clusterArn: string) => Promise<ServiceCounts>;
}

const INSIGHTS = ['enabled', 'disabled', 'enhanced'];

function checkSettings(settings: Ecs.ClusterSetting[] | undefined): void {
  for (const setting of settings ?? []) {
    if (!INSIGHTS.includes(setting.value ?? ''))
      throw invalidParameter(
        `Invalid value '${setting.value ?? ''}' for cluster setting containerInsights. Valid values: ${INSIGHTS.join(', ')}.`,
      );
  }
}

/** Settings after `changes`: a setting of the same name is replaced. */
function mergeSettings(current: Ecs.ClusterSetting[], changes: Ecs.ClusterSetting[]): Ecs.ClusterSetting[] {
  const byName = new Map(current.map((setting) => [setting.name, setting]));
  for (const change of changes) byName.set(change.name, change);
  return [...byName.values()];
}

/** The cluster as DescribeClusters shows it; `include` adds tags, settings, configuration and statistics. */
export function clusterPresenter(deps: Pick<ClusterDeps, 'tasks' | 'serviceCounts'>) {
  return async (cluster: Cluster, include: Ecs.ClusterField[] = []): Promise<Ecs.Cluster> => {
    const counts = await deps.tasks.counts(cluster.clusterArn);
    const services = await deps.serviceCounts(cluster.clusterArn);
    const { tags, settings, configuration, ...rest } = cluster;
    const statistics = [
      ['runningEC2TasksCount', 0],
      ['runningFargateTasksCount', counts.running],
      ['pendingEC2TasksCount', 0],
      ['pendingFargateTasksCount', counts.pending],
      ['activeEC2ServiceCount', services.activeEc2],
      ['activeFargateServiceCount', services.active - services.activeEc2],
      ['drainingEC2ServiceCount', services.drainingEc2],
      ['drainingFargateServiceCount', services.draining - services.drainingEc2],
    ].map(([name, value]) => ({ name: String(name), value: String(value) }));
    return {
      ...rest,
      registeredContainerInstancesCount: 0,
      runningTasksCount: counts.running,
      pendingTasksCount: counts.pending,
      activeServicesCount: services.active,
      statistics: include.includes('STATISTICS') ? statistics : undefined,
      tags: include.includes('TAGS') ? tags : undefined,
      settings: include.includes('SETTINGS') ? settings : undefined,
      configuration: include.includes('CONFIGURATIONS') ? configuration : undefined,
      attachments: include.includes('ATTACHMENTS') ? [] : undefined,
    };
  };
}

export function clusterHandlers(deps: ClusterDeps) {
  const { clusters, tasks, capacityProviders, accountSettings } = deps;
  const present = clusterPresenter(deps);

  const checkNamespace = (defaults: Ecs.ClusterServiceConnectDefaultsRequest | undefined) => {
    if (defaults !== undefined && defaults.namespace === '')
      throw invalidParameter('serviceConnectDefaults.namespace must not be empty.');
  };

  return {
    async CreateCluster(input, context) {
      const scope = scopeOf(context);
      const name = input.clusterName ?? 'default';
      checkSettings(input.settings);
      checkNamespace(input.serviceConnectDefaults);
      const providers = await capacityProviders.checkAssociation(
        scope,
        name,
        input.capacityProviders ?? [],
        input.defaultCapacityProviderStrategy ?? [],
      );
      // New clusters take Container Insights from the account setting unless they say otherwise.
      const insights = await accountSettings.value(scope, 'containerInsights');
      const cluster = await clusters.create(scope, name, {
        ...input,
        settings: mergeSettings([{ name: 'containerInsights', value: insights }], input.settings ?? []),
        capacityProviders: providers,
      });
      return { cluster: await present(cluster, ['TAGS', 'SETTINGS', 'CONFIGURATIONS']) };
    },

    async DeleteCluster(input, context) {
      const scope = scopeOf(context);
      const name = clusterNameOf(input.cluster);
      const owned = (await capacityProviders.list(scope)).filter(
        (provider) => provider.status === 'ACTIVE' && provider.cluster === name,
      );
      if (owned.length > 0)
        throw ecsError(
          'ClusterContainsCapacityProviderException',
          'The Cluster cannot be deleted while it has Managed Instances capacity providers. Delete them and try again.',
        );
      const cluster = await clusters.delete(scope, input.cluster, async (arn) => ({
        tasks: (await tasks.counts(arn)).live,
        services: (await deps.serviceCounts(arn)).active,
      }));
      return { cluster: await present(cluster, ['TAGS', 'SETTINGS']) };
    },

    async DescribeClusters(input, context) {
      const scope = scopeOf(context);
      const names = input.clusters ?? ['default'];
      if (names.length > 100) throw invalidParameter('clusters can have at most 100 items.');
      const found: Ecs.Cluster[] = [];
      const failures: Ecs.Failure[] = [];
      for (const nameOrArn of names) {
        const name = clusterNameOf(nameOrArn);
        const cluster =
          name === 'default' ? await clusters.get(scope, name) : await clusters.find(scope, name);
        if (cluster) found.push(await present(cluster, input.include));
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
      const { items, nextToken } = page(
        all,
        (cluster) => cluster.clusterArn,
        input.nextToken,
        pageSize(input.maxResults, 100),
      );
      return { clusterArns: items.map((cluster) => cluster.clusterArn), nextToken };
    },

    async UpdateCluster(input, context) {
      const scope = scopeOf(context);
      const cluster = await clusters.get(scope, input.cluster);
      checkSettings(input.settings);
      checkNamespace(input.serviceConnectDefaults);
      const updated: Cluster = {
        ...cluster,
        settings: mergeSettings(cluster.settings, input.settings ?? []),
        ...(input.configuration
          ? { configuration: { ...cluster.configuration, ...input.configuration } }
          : {}),
        ...(input.serviceConnectDefaults ? { serviceConnectDefaults: input.serviceConnectDefaults } : {}),
      };
      await clusters.save(scope, updated);
      return { cluster: await present(updated, ['TAGS', 'SETTINGS', 'CONFIGURATIONS']) };
    },

    async UpdateClusterSettings(input, context) {
      const scope = scopeOf(context);
      const cluster = await clusters.get(scope, input.cluster);
      checkSettings(input.settings);
      const updated: Cluster = { ...cluster, settings: mergeSettings(cluster.settings, input.settings) };
      await clusters.save(scope, updated);
      return { cluster: await present(updated, ['SETTINGS']) };
    },
  } satisfies Partial<EcsHandlers>;
}

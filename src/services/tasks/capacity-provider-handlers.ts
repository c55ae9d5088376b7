// CreateCapacityProvider, DescribeCapacityProviders, UpdateCapacityProvider,
// DeleteCapacityProvider and PutClusterCapacityProviders.
import type { Ecs } from '../../contract/index.ts';
import { type EcsHandlers, scopeOf } from './api.ts';
import {
  type CapacityProviders,
  FARGATE_PROVIDERS,
  type ProviderRecord,
  providerNameOf,
} from './capacity-providers.ts';
import type { clusterPresenter } from './cluster-handlers.ts';
import type { Clusters } from './clusters.ts';
import { clientException, ecsError, invalidParameter } from './errors.ts';
import { clusterNameOf } from './names.ts';
import { page } from './paging.ts';
import type { ServiceRecord } from './service-records.ts';
import type { TaskStore } from './task-store.ts';

export interface CapacityProviderDeps {
  capacityProviders: CapacityProviders;
  clusters: Clusters;
  tasks: TaskStore;
  /** Every service of every account (the scheduler's list). */
  services: () => Promise<ServiceRecord[]>;
  /** The ARNs of the capacity providers the scope's daemons run on. */
  daemonProviders: (scope: { account: string; region: string }) => Promise<string[]>;
  present: ReturnType<typeof clusterPresenter>;
}

const present = (provider: ProviderRecord, withTags: boolean): Ecs.CapacityProvider => {
  const { tags, ...rest } = provider;
  return { ...rest, ...(withTags ? { tags } : {}) };
};

const inUse = () =>
  ecsError('ResourceInUseException', 'The specified capacity provider is in use and cannot be removed.');

export function capacityProviderHandlers(deps: CapacityProviderDeps) {
  const { capacityProviders, clusters } = deps;

  /** The account's own provider a request names (never a built-in one), or ClientException. */
  const ownProvider = async (
    input: { name?: string; capacityProvider?: string },
    context: Parameters<EcsHandlers['CreateCapacityProvider']>[1],
  ) => {
    const text = input.name ?? input.capacityProvider ?? '';
    const name = providerNameOf(text);
    if (FARGATE_PROVIDERS.includes(name))
      throw invalidParameter(
        `The ${name} capacity provider is reserved by AWS and cannot be changed or deleted.`,
      );
    const found = await capacityProviders.find(scopeOf(context), name);
    if (found?.status !== 'ACTIVE') throw clientException('The specified capacity provider does not exist.');
    return found;
  };

  /** A Managed Instances provider is changed within its own cluster only. */
  const checkCluster = (provider: ProviderRecord, cluster: string | undefined) => {
    if (provider.cluster !== undefined && clusterNameOf(cluster) !== provider.cluster)
      throw invalidParameter(
        `The capacity provider ${provider.name} belongs to the cluster ${provider.cluster}; specify that cluster.`,
      );
  };

  const usedByServices = async (scope: { account: string; region: string }, name: string) =>
    (await deps.services()).some(
      (service) =>
        service.account === scope.account &&
        service.region === scope.region &&
        service.status !== 'INACTIVE' &&
        (service.capacityProviderStrategy ?? []).some(
          (item) => providerNameOf(item.capacityProvider) === name,
        ),
    );

  return {
    async CreateCapacityProvider(input, context) {
      const scope = scopeOf(context);
      const cluster = input.cluster === undefined ? undefined : await clusters.get(scope, input.cluster);
      const provider = await capacityProviders.create(scope, input, cluster?.clusterName);
      // A Managed Instances provider belongs to its cluster from the start.
      if (cluster && provider.type === 'MANAGED_INSTANCES')
        await clusters.save(scope, {
          ...cluster,
          capacityProviders: [...cluster.capacityProviders, provider.name],
        });
      return { capacityProvider: present(provider, true) };
    },

    async DescribeCapacityProviders(input, context) {
      const scope = scopeOf(context);
      if (input.maxResults !== undefined && (input.maxResults < 1 || input.maxResults > 10))
        throw invalidParameter('maxResults must be between 1 and 10.');
      if ((input.capacityProviders ?? []).length > 100)
        throw invalidParameter('capacityProviders can have at most 100 items.');
      const withTags = (input.include ?? []).includes('TAGS');
      const failures: Ecs.Failure[] = [];
      let found: ProviderRecord[];
      if (input.capacityProviders !== undefined) {
        found = [];
        for (const text of input.capacityProviders) {
          const provider = await capacityProviders.find(scope, text);
          if (provider) found.push(provider);
          else failures.push({ arn: text, reason: 'MISSING' });
        }
      } else {
        found = await capacityProviders.list(scope);
      }
      if (input.cluster !== undefined) {
        const cluster = await clusters.get(scope, input.cluster);
        found = found.filter((provider) => cluster.capacityProviders.includes(provider.name));
      }
      const { items, nextToken } = page(
        found.map((provider, index) => ({ provider, key: String(index).padStart(6, '0') })),
        (item) => item.key,
        input.nextToken,
        input.maxResults ?? 10,
      );
      return {
        capacityProviders: items.map((item) => present(item.provider, withTags)),
        failures,
        nextToken,
      };
    },

    async UpdateCapacityProvider(input, context) {
      const scope = scopeOf(context);
      const provider = await ownProvider(input, context);
      checkCluster(provider, input.cluster);
      let updated: ProviderRecord;
      if (provider.type === 'EC2_AUTOSCALING') {
        if (input.managedInstancesProvider || !input.autoScalingGroupProvider)
          throw invalidParameter(
            `The capacity provider ${provider.name} uses an Auto Scaling group: specify autoScalingGroupProvider.`,
          );
        const current = provider.autoScalingGroupProvider!;
        const change = input.autoScalingGroupProvider;
        updated = {
          ...provider,
          autoScalingGroupProvider: {
            ...current,
            managedScaling: { ...current.managedScaling, ...change.managedScaling },
            managedTerminationProtection:
              change.managedTerminationProtection ?? current.managedTerminationProtection,
            managedDraining: change.managedDraining ?? current.managedDraining,
          },
          updateStatus: 'UPDATE_COMPLETE',
        };
      } else {
        if (input.autoScalingGroupProvider || !input.managedInstancesProvider)
          throw invalidParameter(
            `The capacity provider ${provider.name} uses Managed Instances: specify managedInstancesProvider.`,
          );
        const change = input.managedInstancesProvider;
        const current = provider.managedInstancesProvider;
        updated = {
          ...provider,
          managedInstancesProvider: {
            ...current,
            ...change,
            instanceLaunchTemplate: {
              ...current?.instanceLaunchTemplate,
              ...change.instanceLaunchTemplate,
            } as Ecs.InstanceLaunchTemplate,
          },
          updateStatus: 'UPDATE_COMPLETE',
        };
      }
      await capacityProviders.save(scope, updated);
      return { capacityProvider: present(updated, false) };
    },

    async DeleteCapacityProvider(input, context) {
      const scope = scopeOf(context);
      const provider = await ownProvider(input, context);
      checkCluster(provider, input.cluster);
      if ((await deps.daemonProviders(scope)).includes(provider.capacityProviderArn))
        throw clientException(
          'The specified capacity provider is in use by a daemon. Delete the daemon or update it to other capacity providers, and try again.',
        );
      if (await usedByServices(scope, provider.name))
        throw clientException(
          'The specified capacity provider is in use by a service. Remove it from the capacity provider strategy of every service and try again.',
        );
      const associated = (await clusters.list(scope)).filter((cluster) =>
        cluster.capacityProviders.includes(provider.name),
      );
      if (provider.cluster === undefined && associated.length > 0)
        throw clientException(
          'The specified capacity provider is associated with a cluster. Disassociate it with PutClusterCapacityProviders or delete the cluster, and try again.',
        );
      // A Managed Instances provider leaves its cluster with it.
      for (const cluster of associated)
        await clusters.save(scope, {
          ...cluster,
          capacityProviders: cluster.capacityProviders.filter((name) => name !== provider.name),
          defaultCapacityProviderStrategy: cluster.defaultCapacityProviderStrategy.filter(
            (item) => providerNameOf(item.capacityProvider) !== provider.name,
          ),
        });
      const deleted: ProviderRecord = { ...provider, status: 'INACTIVE', updateStatus: 'DELETE_COMPLETE' };
      await capacityProviders.save(scope, deleted);
      return { capacityProvider: present(deleted, false) };
    },

    async PutClusterCapacityProviders(input, context) {
      const scope = scopeOf(context);
      const cluster = await clusters.get(scope, input.cluster);
      const providers = await capacityProviders.checkAssociation(
        scope,
        cluster.clusterName,
        input.capacityProviders,
        input.defaultCapacityProviderStrategy,
      );
      // A provider leaves the cluster only when no task of the cluster runs on it.
      const removed = cluster.capacityProviders.filter((name) => !providers.includes(name));
      if (removed.length > 0) {
        const live = await deps.tasks.list({ clusterArn: cluster.clusterArn, desiredStatus: 'RUNNING' });
        if (live.some((task) => removed.includes(task.capacityProviderName ?? ''))) throw inUse();
        const owned = (await capacityProviders.list(scope)).filter(
          (provider) => provider.status === 'ACTIVE' && provider.cluster === cluster.clusterName,
        );
        if (owned.some((provider) => removed.includes(provider.name))) throw inUse();
      }
      const updated = {
        ...cluster,
        capacityProviders: providers,
        defaultCapacityProviderStrategy: input.defaultCapacityProviderStrategy.map((item) => ({
          ...item,
          capacityProvider: providerNameOf(item.capacityProvider),
        })),
      };
      await clusters.save(scope, updated);
      return { cluster: await deps.present(updated, ['SETTINGS']) };
    },
  } satisfies Partial<EcsHandlers>;
}

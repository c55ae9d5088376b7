// CreateDaemon, UpdateDaemon, DeleteDaemon, DescribeDaemon, ListDaemons and the daemon's
// deployments and revisions (DescribeDaemonDeployments, ListDaemonDeployments,
// DescribeDaemonRevisions). A daemon belongs to a cluster and runs on its Managed Instances
// capacity providers, which have no instances here (daemons.ts).
import type { Ecs } from '../../contract/index.ts';
import { parseArn } from '../../runtime/index.ts';
import { type EcsHandlers, scopeOf } from './api.ts';
import { type CapacityProviders, providerNameOf } from './capacity-providers.ts';
import type { Clusters } from './clusters.ts';
import type { DaemonDefinitions } from './daemon-task-definitions.ts';
import {
  type DaemonRecord,
  type Daemons,
  daemonArnOf,
  presentDaemon,
  presentDaemonDeployment,
  presentDaemonRevision,
} from './daemons.ts';
import { clientException, ecsError, invalidParameter } from './errors.ts';
import { RESOURCE_NAME, type Scope } from './names.ts';
import { page, pageSize } from './paging.ts';
import { checkTags } from './tags.ts';
import type { Cluster } from './types.ts';

const MAX_ARNS = 20;
const daemonNotFound = () => ecsError('DaemonNotFoundException', 'The specified daemon wasn’t found.');
const daemonNotActive = () => ecsError('DaemonNotActiveException', 'The specified daemon isn’t ACTIVE.');

export interface DaemonDeps {
  daemons: Daemons;
  definitions: DaemonDefinitions;
  clusters: Clusters;
  capacityProviders: CapacityProviders;
  now: () => number;
}

export function daemonHandlers(deps: DaemonDeps) {
  const { daemons, clusters, capacityProviders, now } = deps;

  /** An ACTIVE daemon task definition, and the images of its containers. */
  const definition = async (scope: Scope, text: string) => {
    const found = await deps.definitions.find(scope, text);
    if (!found) throw clientException('The specified daemon task definition does not exist.');
    if (found.status !== 'ACTIVE')
      throw clientException('The specified daemon task definition is not ACTIVE.');
    const images = found.containerDefinitions.map((container) => ({
      containerName: container.name,
      image: container.image,
    }));
    return { arn: found.daemonTaskDefinitionArn, images };
  };

  /** Managed Instances providers of the cluster, as ARNs; daemons run on nothing else. */
  const providers = async (scope: Scope, cluster: Cluster, texts: string[]) => {
    if (texts.length === 0) throw invalidParameter('capacityProviderArns must not be empty.');
    const arns: string[] = [];
    for (const text of texts) {
      const provider = await capacityProviders.find(scope, providerNameOf(text));
      if (provider?.status !== 'ACTIVE')
        throw invalidParameter(`The specified capacity provider ${text} does not exist.`);
      if (provider.type !== 'MANAGED_INSTANCES')
        throw invalidParameter(
          'ECS Managed Daemons is only supported for Amazon ECS Managed Instances Capacity Providers.',
        );
      if (!cluster.capacityProviders.includes(provider.name))
        throw invalidParameter(
          `The capacity provider ${provider.name} is not associated with the cluster ${cluster.clusterName}.`,
        );
      arns.push(provider.capacityProviderArn);
    }
    return arns;
  };

  /** The daemon an ARN names in the caller's account and region. */
  const daemonOf = async (scope: Scope, arn: string) => {
    const parsed = parseArn(arn);
    const daemon =
      parsed?.accountId === scope.account && parsed.region === scope.region
        ? await daemons.find(arn)
        : undefined;
    if (!daemon || daemon.status === 'DELETED') throw daemonNotFound();
    return daemon;
  };

  const inScope = (scope: Scope, arn: string) => {
    const parsed = parseArn(arn);
    return parsed?.accountId === scope.account && parsed.region === scope.region;
  };

  return {
    async CreateDaemon(input, context) {
      const scope = scopeOf(context);
      const cluster = await clusters.get(scope, input.clusterArn);
      if (!RESOURCE_NAME.test(input.daemonName))
        throw invalidParameter(
          'Daemon name must be up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens.',
        );
      const arn = daemonArnOf(scope, cluster.clusterName, input.daemonName);
      const existing = await daemons.find(arn);
      if (existing && existing.status !== 'DELETED') {
        if (input.clientToken !== undefined && existing.clientToken === input.clientToken)
          return {
            daemonArn: existing.daemonArn,
            status: 'ACTIVE',
            createdAt: new Date(existing.createdAt),
            deploymentArn: existing.deploymentArn,
          };
        throw invalidParameter(`A daemon named ${input.daemonName} already exists in the cluster.`);
      }
      const { arn: definitionArn, images } = await definition(scope, input.daemonTaskDefinitionArn);
      const at = now();
      const daemon: DaemonRecord = {
        daemonArn: arn,
        daemonName: input.daemonName,
        clusterArn: cluster.clusterArn,
        clusterName: cluster.clusterName,
        account: scope.account,
        region: scope.region,
        status: 'ACTIVE',
        daemonTaskDefinitionArn: definitionArn,
        capacityProviderArns: await providers(scope, cluster, input.capacityProviderArns),
        deploymentConfiguration: { drainPercent: 25, bakeTimeInMinutes: 0, ...input.deploymentConfiguration },
        propagateTags: input.propagateTags ?? 'NONE',
        enableECSManagedTags: input.enableECSManagedTags === true,
        enableExecuteCommand: input.enableExecuteCommand === true,
        tags: checkTags(input.tags),
        ...(input.clientToken !== undefined ? { clientToken: input.clientToken } : {}),
        revisionArn: '',
        deploymentArn: '',
        createdAt: at,
        updatedAt: at,
      };
      Object.assign(daemon, await daemons.deploy(daemon, images, at));
      await daemons.save(daemon);
      return {
        daemonArn: arn,
        status: 'ACTIVE',
        createdAt: new Date(at),
        deploymentArn: daemon.deploymentArn,
      };
    },

    async UpdateDaemon(input, context) {
      const scope = scopeOf(context);
      const daemon = await daemonOf(scope, input.daemonArn);
      if (daemon.status !== 'ACTIVE') throw daemonNotActive();
      const cluster = await clusters.get(scope, daemon.clusterArn);
      const { arn: definitionArn, images } = await definition(scope, input.daemonTaskDefinitionArn);
      const at = now();
      const updated: DaemonRecord = {
        ...daemon,
        daemonTaskDefinitionArn: definitionArn,
        capacityProviderArns: await providers(scope, cluster, input.capacityProviderArns),
        deploymentConfiguration: { ...daemon.deploymentConfiguration, ...input.deploymentConfiguration },
        propagateTags: input.propagateTags ?? daemon.propagateTags,
        enableECSManagedTags: input.enableECSManagedTags ?? daemon.enableECSManagedTags,
        enableExecuteCommand: input.enableExecuteCommand ?? daemon.enableExecuteCommand,
        updatedAt: at,
      };
      Object.assign(updated, await daemons.deploy(updated, images, at));
      await daemons.save(updated);
      return {
        daemonArn: updated.daemonArn,
        status: 'ACTIVE',
        createdAt: new Date(updated.createdAt),
        updatedAt: new Date(at),
        deploymentArn: updated.deploymentArn,
      };
    },

    async DeleteDaemon(input, context) {
      const scope = scopeOf(context);
      const daemon = await daemonOf(scope, input.daemonArn);
      if (daemon.status !== 'ACTIVE') throw daemonNotActive();
      const at = now();
      // No instance runs its tasks: the deletion is done as soon as it starts.
      const { deploymentArn } = await daemons.deploy(daemon, [], at, true);
      await daemons.save({ ...daemon, status: 'DELETED', deploymentArn, updatedAt: at });
      return {
        daemonArn: daemon.daemonArn,
        status: 'DELETE_IN_PROGRESS',
        createdAt: new Date(daemon.createdAt),
        updatedAt: new Date(at),
        deploymentArn,
      };
    },

    async DescribeDaemon(input, context) {
      return { daemon: presentDaemon(await daemonOf(scopeOf(context), input.daemonArn)) };
    },

    async ListDaemons(input, context) {
      const scope = scopeOf(context);
      const cluster = await clusters.get(scope, input.clusterArn);
      const wanted = (input.capacityProviderArns ?? []).map(providerNameOf);
      const matching = (await daemons.list(scope)).filter(
        (daemon) =>
          daemon.clusterArn === cluster.clusterArn &&
          (wanted.length === 0 ||
            daemon.capacityProviderArns.some((arn) => wanted.includes(providerNameOf(arn)))),
      );
      const { items, nextToken } = page(
        matching,
        (daemon) => daemon.daemonArn,
        input.nextToken,
        pageSize(input.maxResults, 100),
      );
      return {
        daemonSummariesList: items.map((daemon) => ({
          daemonArn: daemon.daemonArn,
          status: daemon.status === 'DELETED' ? 'DELETE_IN_PROGRESS' : daemon.status,
          createdAt: new Date(daemon.createdAt),
          updatedAt: new Date(daemon.updatedAt),
        })),
        nextToken,
      };
    },

    async DescribeDaemonDeployments(input, context) {
      const scope = scopeOf(context);
      const arns = input.daemonDeploymentArns;
      if (arns.length === 0 || arns.length > MAX_ARNS)
        throw invalidParameter(`daemonDeploymentArns must name 1 to ${MAX_ARNS} daemon deployments.`);
      const found: Ecs.DaemonDeployment[] = [];
      const failures: Ecs.Failure[] = [];
      for (const arn of arns) {
        const record = inScope(scope, arn) ? await daemons.deployment(arn) : undefined;
        if (record) found.push(presentDaemonDeployment(record));
        else failures.push({ arn, reason: 'MISSING' });
      }
      return { daemonDeployments: found, failures };
    },

    async ListDaemonDeployments(input, context) {
      const scope = scopeOf(context);
      if (!inScope(scope, input.daemonArn) || !(await daemons.find(input.daemonArn))) throw daemonNotFound();
      const statuses = input.status ?? [];
      const after = input.createdAt?.after?.getTime();
      const before = input.createdAt?.before?.getTime();
      const matching = (await daemons.deployments(input.daemonArn)).filter(
        (record) =>
          (statuses.length === 0 || statuses.includes(record.status)) &&
          (after === undefined || record.createdAt >= after) &&
          (before === undefined || record.createdAt <= before),
      );
      const key = (record: { createdAt: number; daemonDeploymentArn: string }) =>
        `${String(Number.MAX_SAFE_INTEGER - record.createdAt).padStart(16, '0')}|${record.daemonDeploymentArn}`;
      const { items, nextToken } = page(matching, key, input.nextToken, pageSize(input.maxResults, 20));
      return {
        daemonDeployments: items.map((record) => ({
          daemonDeploymentArn: record.daemonDeploymentArn,
          daemonArn: record.daemonArn,
          clusterArn: record.clusterArn,
          status: record.status,
          statusReason: record.statusReason,
          targetDaemonRevisionArn: record.targetRevision?.arn,
          createdAt: new Date(record.createdAt),
          startedAt: new Date(record.startedAt),
          finishedAt: new Date(record.finishedAt),
        })),
        nextToken,
      };
    },

    async DescribeDaemonRevisions(input, context) {
      const scope = scopeOf(context);
      const arns = input.daemonRevisionArns;
      if (arns.length === 0 || arns.length > MAX_ARNS)
        throw invalidParameter(`daemonRevisionArns must name 1 to ${MAX_ARNS} daemon revisions.`);
      const found: Ecs.DaemonRevision[] = [];
      const failures: Ecs.Failure[] = [];
      for (const arn of arns) {
        const revision = inScope(scope, arn) ? await daemons.revision(arn) : undefined;
        if (revision) found.push(presentDaemonRevision(revision));
        else failures.push({ arn, reason: 'MISSING' });
      }
      return { daemonRevisions: found, failures };
    },
  } satisfies Partial<EcsHandlers>;
}

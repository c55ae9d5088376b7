// Clusters: named groups of tasks, kept in the store. `default` exists in every account and region
// as soon as it is asked for, as eddy has no console that would create it.
import type { Ecs } from '../../contract/index.ts';
import type { Store } from '../../store/index.ts';
import { clusterNotFound, ecsError, invalidParameter } from './errors.ts';
import { clusterArn, clusterNameOf, RESOURCE_NAME, type Scope } from './names.ts';
import { checkTags } from './tags.ts';
import type { Cluster } from './types.ts';

/** What CreateCluster sets; capacity providers already checked against the account's. */
export type ClusterSettings = Pick<
  Ecs.CreateClusterRequest,
  | 'tags'
  | 'settings'
  | 'configuration'
  | 'capacityProviders'
  | 'defaultCapacityProviderStrategy'
  | 'serviceConnectDefaults'
>;

export class Clusters {
  constructor(
    private readonly store: Store,
    private readonly now: () => number,
  ) {}

  /** An ACTIVE cluster by name or ARN, or ClusterNotFoundException. */
  async get(scope: Scope, nameOrArn: string | undefined): Promise<Cluster> {
    const name = clusterNameOf(nameOrArn);
    const found = await this.find(scope, name);
    if (found?.status === 'ACTIVE') return found;
    if (name === 'default') return this.create(scope, 'default', {});
    throw clusterNotFound();
  }

  async find(scope: Scope, name: string): Promise<Cluster | undefined> {
    const row = await this.store.read((tx) =>
      tx.get<{ body: string }>(
        'SELECT body FROM ecs_clusters WHERE account = ? AND region = ? AND name = ?',
        [scope.account, scope.region, name],
      ),
    );
    return row ? (JSON.parse(row.body) as Cluster) : undefined;
  }

  /** Creates a cluster, or returns the ACTIVE one of that name (CreateCluster is idempotent). */
  async create(scope: Scope, name: string, settings: ClusterSettings): Promise<Cluster> {
    if (!RESOURCE_NAME.test(name)) {
      throw invalidParameter(
        'Cluster name can contain only letters (uppercase and lowercase), numbers, underscores, and hyphens, and be 1-255 characters long.',
      );
    }
    const cluster: Cluster = {
      clusterArn: clusterArn(scope, name),
      clusterName: name,
      status: 'ACTIVE',
      tags: checkTags(settings.tags),
      settings: settings.settings ?? [{ name: 'containerInsights', value: 'disabled' }],
      ...(settings.configuration ? { configuration: settings.configuration } : {}),
      capacityProviders: settings.capacityProviders ?? [],
      defaultCapacityProviderStrategy: settings.defaultCapacityProviderStrategy ?? [],
      ...(settings.serviceConnectDefaults ? { serviceConnectDefaults: settings.serviceConnectDefaults } : {}),
    };
    return this.store.write(async (tx) => {
      const existing = await tx.get<{ body: string; status: string }>(
        'SELECT body, status FROM ecs_clusters WHERE account = ? AND region = ? AND name = ?',
        [scope.account, scope.region, name],
      );
      if (existing?.status === 'ACTIVE') return JSON.parse(existing.body) as Cluster;
      await tx.run(
        `INSERT INTO ecs_clusters (account, region, name, status, body, created_at) VALUES (?, ?, ?, 'ACTIVE', ?, ?)
         ON CONFLICT (account, region, name) DO UPDATE SET status = 'ACTIVE', body = excluded.body`,
        [scope.account, scope.region, name, JSON.stringify(cluster), this.now()],
      );
      return cluster;
    });
  }

  /** Marks a cluster INACTIVE; it stays describable, as ECS keeps deleted clusters for a while. */
  async delete(
    scope: Scope,
    nameOrArn: string,
    counts: (clusterArn: string) => Promise<{ tasks: number; services: number }>,
  ) {
    const cluster = await this.find(scope, clusterNameOf(nameOrArn));
    if (cluster?.status !== 'ACTIVE') throw clusterNotFound();
    const { tasks, services } = await counts(cluster.clusterArn);
    if (services > 0)
      throw ecsError(
        'ClusterContainsServicesException',
        'The Cluster cannot be deleted while Services are active.',
      );
    if (tasks > 0)
      throw ecsError(
        'ClusterContainsTasksException',
        'The Cluster cannot be deleted while Tasks are active.',
      );
    const deleted: Cluster = { ...cluster, status: 'INACTIVE' };
    await this.save(scope, deleted);
    return deleted;
  }

  async save(scope: Scope, cluster: Cluster): Promise<void> {
    await this.store.write((tx) =>
      tx.run('UPDATE ecs_clusters SET status = ?, body = ? WHERE account = ? AND region = ? AND name = ?', [
        cluster.status,
        JSON.stringify(cluster),
        scope.account,
        scope.region,
        cluster.clusterName,
      ]),
    );
  }

  /** ACTIVE clusters of a scope, by ARN; `default` among them. */
  async list(scope: Scope): Promise<Cluster[]> {
    await this.get(scope, 'default');
    const rows = await this.store.read((tx) =>
      tx.all<{ body: string }>(
        "SELECT body FROM ecs_clusters WHERE account = ? AND region = ? AND status = 'ACTIVE' ORDER BY name",
        [scope.account, scope.region],
      ),
    );
    return rows.map((row) => JSON.parse(row.body) as Cluster);
  }
}

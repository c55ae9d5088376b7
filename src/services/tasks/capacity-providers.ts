// Capacity providers: FARGATE and FARGATE_SPOT exist in every account and region (they run tasks
// here, as local processes or containers); the account's own providers, backed by an EC2 Auto
// Scaling group or by ECS Managed Instances, are kept as ECS keeps them. eddy launches no EC2
// instances, so an EC2-backed provider never has any: tasks placed on it fail as on a cluster
// without container instances.
import type { Ecs } from '../../contract/index.ts';
import { formatArn, parseArn } from '../../runtime/index.ts';
import type { Store } from '../../store/index.ts';
import { clientException, invalidParameter } from './errors.ts';
import { RESOURCE_NAME, type Scope } from './names.ts';
import { checkTags } from './tags.ts';
import type { CapacityProviderItem, Tag } from './types.ts';

/** AWS's own providers, available to every cluster. */
export const FARGATE_PROVIDERS = ['FARGATE', 'FARGATE_SPOT'];

export interface ProviderRecord {
  capacityProviderArn: string;
  name: string;
  /** The cluster a Managed Instances provider belongs to (its name); others belong to none. */
  cluster?: string;
  status: 'ACTIVE' | 'INACTIVE';
  type: Ecs.CapacityProviderType;
  autoScalingGroupProvider?: Ecs.AutoScalingGroupProvider;
  managedInstancesProvider?: Ecs.ManagedInstancesProvider;
  updateStatus?: Ecs.CapacityProviderUpdateStatus;
  updateStatusReason?: string;
  tags: Tag[];
}

export const capacityProviderArn = (scope: Scope, name: string) =>
  formatArn({
    service: 'ecs',
    region: scope.region,
    accountId: scope.account,
    resource: `capacity-provider/${name}`,
  });

/** A provider's name from its name or ARN. */
export function providerNameOf(nameOrArn: string): string {
  const parsed = parseArn(nameOrArn);
  return parsed?.service === 'ecs' && parsed.resource.startsWith('capacity-provider/')
    ? parsed.resource.slice('capacity-provider/'.length)
    : nameOrArn;
}

function builtIn(scope: Scope, name: string): ProviderRecord {
  return {
    capacityProviderArn: capacityProviderArn(scope, name),
    name,
    status: 'ACTIVE',
    type: name === 'FARGATE' ? 'FARGATE' : 'FARGATE_SPOT',
    tags: [],
  };
}

export class CapacityProviders {
  constructor(private readonly store: Store) {}

  /** A provider by name or ARN: a built-in one, or one of the account's (ACTIVE or INACTIVE). */
  async find(scope: Scope, nameOrArn: string): Promise<ProviderRecord | undefined> {
    const name = providerNameOf(nameOrArn);
    if (FARGATE_PROVIDERS.includes(name)) return builtIn(scope, name);
    const row = await this.store.read((tx) =>
      tx.get<{ body: string }>(
        'SELECT body FROM ecs_capacity_providers WHERE account = ? AND region = ? AND name = ?',
        [scope.account, scope.region, name],
      ),
    );
    return row ? (JSON.parse(row.body) as ProviderRecord) : undefined;
  }

  /** The built-in providers, then the account's, by name. */
  async list(scope: Scope): Promise<ProviderRecord[]> {
    const rows = await this.store.read((tx) =>
      tx.all<{ body: string }>(
        'SELECT body FROM ecs_capacity_providers WHERE account = ? AND region = ? ORDER BY name',
        [scope.account, scope.region],
      ),
    );
    return [
      ...FARGATE_PROVIDERS.map((name) => builtIn(scope, name)),
      ...rows.map((row) => JSON.parse(row.body) as ProviderRecord),
    ];
  }

  async create(scope: Scope, input: Ecs.CreateCapacityProviderRequest, clusterName: string | undefined) {
    const { name } = input;
    if (!RESOURCE_NAME.test(name))
      throw clientException(
        'The capacity provider name can contain only letters (uppercase and lowercase), numbers, underscores, and hyphens, and be 1-255 characters long.',
      );
    if (/^(aws|ecs|fargate)/i.test(name))
      throw clientException(
        'Invalid capacity provider name. The name can’t be prefixed with "aws", "ecs", or "fargate".',
      );
    const asg = input.autoScalingGroupProvider;
    const managed = input.managedInstancesProvider;
    if ((asg === undefined) === (managed === undefined))
      throw invalidParameter(
        'Exactly one of autoScalingGroupProvider or managedInstancesProvider must be specified.',
      );
    if (managed && clusterName === undefined)
      throw invalidParameter('A cluster must be specified for a Managed Instances capacity provider.');
    const record: ProviderRecord = {
      capacityProviderArn: capacityProviderArn(scope, name),
      name,
      ...(managed ? { cluster: clusterName } : {}),
      status: 'ACTIVE',
      type: managed ? 'MANAGED_INSTANCES' : 'EC2_AUTOSCALING',
      ...(asg ? { autoScalingGroupProvider: withAsgDefaults(asg) } : {}),
      ...(managed ? { managedInstancesProvider: { propagateTags: 'NONE', ...managed } } : {}),
      ...(managed ? { updateStatus: 'CREATE_COMPLETE' } : {}),
      tags: checkTags(input.tags),
    };
    return this.store.write(async (tx) => {
      const existing = await tx.get<{ status: string }>(
        'SELECT status FROM ecs_capacity_providers WHERE account = ? AND region = ? AND name = ?',
        [scope.account, scope.region, name],
      );
      if (existing) throw clientException(`The specified capacity provider already exists: ${name}`);
      if (asg) {
        const rows = await tx.all<{ body: string }>(
          "SELECT body FROM ecs_capacity_providers WHERE account = ? AND region = ? AND status = 'ACTIVE'",
          [scope.account, scope.region],
        );
        const taken = rows.some(
          (row) =>
            (JSON.parse(row.body) as ProviderRecord).autoScalingGroupProvider?.autoScalingGroupArn ===
            asg.autoScalingGroupArn,
        );
        if (taken)
          throw clientException(
            'The specified Auto Scaling group is already associated with another capacity provider.',
          );
      }
      await tx.run(
        'INSERT INTO ecs_capacity_providers (account, region, name, status, body) VALUES (?, ?, ?, ?, ?)',
        [scope.account, scope.region, name, record.status, JSON.stringify(record)],
      );
      return record;
    });
  }

  async save(scope: Scope, record: ProviderRecord): Promise<void> {
    if (FARGATE_PROVIDERS.includes(record.name))
      throw invalidParameter(`The capacity provider ${record.name} is managed by AWS and cannot be changed.`);
    await this.store.write((tx) =>
      tx.run(
        'UPDATE ecs_capacity_providers SET status = ?, body = ? WHERE account = ? AND region = ? AND name = ?',
        [record.status, JSON.stringify(record), scope.account, scope.region, record.name],
      ),
    );
  }

  /**
   * Checks what a cluster is to be associated with: providers that exist and are ACTIVE, a default
   * strategy over them alone, and no mix of Fargate and EC2-backed providers in it.
   */
  async checkAssociation(
    scope: Scope,
    clusterName: string,
    names: string[],
    strategy: CapacityProviderItem[],
  ): Promise<string[]> {
    const resolved: string[] = [];
    for (const nameOrArn of names) {
      const found = await this.find(scope, nameOrArn);
      if (found?.status !== 'ACTIVE')
        throw invalidParameter(`The specified capacity provider ${nameOrArn} does not exist.`);
      if (found.cluster !== undefined && found.cluster !== clusterName)
        throw invalidParameter(
          `The capacity provider ${found.name} belongs to the cluster ${found.cluster} and cannot be associated with another cluster.`,
        );
      resolved.push(found.name);
    }
    const named = strategy.map((item) => providerNameOf(item.capacityProvider));
    if (named.some((name) => !resolved.includes(name)))
      throw invalidParameter(
        'The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again.',
      );
    checkNoMix(named);
    return resolved;
  }
}

/** A strategy uses Fargate providers or EC2-backed ones, never both. */
export function checkNoMix(names: string[]): void {
  const fargate = names.filter((name) => FARGATE_PROVIDERS.includes(name)).length;
  if (fargate > 0 && fargate < names.length)
    throw invalidParameter(
      'A capacity provider strategy cannot contain a mix of capacity providers using Auto Scaling groups and Fargate providers. Specify one or the other and try again.',
    );
}

function withAsgDefaults(asg: Ecs.AutoScalingGroupProvider): Ecs.AutoScalingGroupProvider {
  return {
    ...asg,
    managedScaling: {
      status: 'ENABLED',
      targetCapacity: 100,
      minimumScalingStepSize: 1,
      maximumScalingStepSize: 10_000,
      instanceWarmupPeriod: 300,
      ...asg.managedScaling,
    },
    managedTerminationProtection: asg.managedTerminationProtection ?? 'DISABLED',
    managedDraining: asg.managedDraining ?? 'ENABLED',
  };
}

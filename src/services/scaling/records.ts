// Scalable targets, policies and activities as rows (their bodies JSON), per account and region.
import type { ApplicationAutoScaling as Aas } from '../../contract/index.ts';
import type { Store, Tx } from '../../store/index.ts';

export interface Scope {
  account: string;
  region: string;
}

export interface TargetKey {
  namespace: string;
  resourceId: string;
  dimension: string;
}

export interface TargetRecord {
  key: TargetKey;
  arn: string;
  minCapacity: number;
  maxCapacity: number;
  roleArn: string;
  createdAt: number;
  suspended: Aas.SuspendedState;
  tags: Record<string, string>;
  /** The last scaling activity that changed capacity, for cooldowns. */
  lastScaling?: { at: number; direction: 'out' | 'in'; change: number; policyArn?: string };
}

export interface PolicyRecord {
  arn: string;
  name: string;
  key: TargetKey;
  type: Aas.PolicyType;
  step?: Aas.StepScalingPolicyConfiguration;
  targetTracking?: Aas.TargetTrackingScalingPolicyConfiguration;
  /** The alarms a target tracking policy owns. */
  alarms: Aas.Alarm[];
  createdAt: number;
}

const keyParams = (scope: Scope, key: TargetKey) => [
  scope.account,
  scope.region,
  key.namespace,
  key.resourceId,
  key.dimension,
];
const KEY_WHERE = 'account = ? AND region = ? AND namespace = ? AND resource_id = ? AND dimension = ?';

export class ScalingRecords {
  constructor(private readonly store: Store) {}

  async target(scope: Scope, key: TargetKey): Promise<TargetRecord | undefined> {
    const row = await this.store.read((tx) =>
      tx.get<{ body: string }>(`SELECT body FROM aas_targets WHERE ${KEY_WHERE}`, keyParams(scope, key)),
    );
    return row && (JSON.parse(row.body) as TargetRecord);
  }

  async targets(scope: Scope, namespace: string): Promise<TargetRecord[]> {
    const rows = await this.store.read((tx) =>
      tx.all<{ body: string }>(
        'SELECT body FROM aas_targets WHERE account = ? AND region = ? AND namespace = ? ORDER BY resource_id, dimension',
        [scope.account, scope.region, namespace],
      ),
    );
    return rows.map((row) => JSON.parse(row.body) as TargetRecord);
  }

  async targetByArn(scope: Scope, arn: string): Promise<TargetRecord | undefined> {
    const rows = await this.store.read((tx) =>
      tx.all<{ body: string }>('SELECT body FROM aas_targets WHERE account = ? AND region = ?', [
        scope.account,
        scope.region,
      ]),
    );
    return rows.map((row) => JSON.parse(row.body) as TargetRecord).find((target) => target.arn === arn);
  }

  async saveTargetIn(tx: Tx, scope: Scope, target: TargetRecord): Promise<void> {
    await tx.run(
      `INSERT INTO aas_targets (account, region, namespace, resource_id, dimension, body) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (account, region, namespace, resource_id, dimension) DO UPDATE SET body = excluded.body`,
      [...keyParams(scope, target.key), JSON.stringify(target)],
    );
  }

  async deleteTargetIn(tx: Tx, scope: Scope, key: TargetKey): Promise<void> {
    await tx.run(`DELETE FROM aas_targets WHERE ${KEY_WHERE}`, keyParams(scope, key));
    await tx.run(`DELETE FROM aas_policies WHERE ${KEY_WHERE}`, keyParams(scope, key));
  }

  async policyByArn(arn: string): Promise<{ scope: Scope; policy: PolicyRecord } | undefined> {
    const row = await this.store.read((tx) =>
      tx.get<{ account: string; region: string; body: string }>(
        'SELECT account, region, body FROM aas_policies WHERE arn = ?',
        [arn],
      ),
    );
    return (
      row && {
        scope: { account: row.account, region: row.region },
        policy: JSON.parse(row.body) as PolicyRecord,
      }
    );
  }

  async policies(scope: Scope, namespace: string): Promise<PolicyRecord[]> {
    const rows = await this.store.read((tx) =>
      tx.all<{ body: string }>(
        'SELECT body FROM aas_policies WHERE account = ? AND region = ? AND namespace = ? ORDER BY resource_id, name',
        [scope.account, scope.region, namespace],
      ),
    );
    return rows.map((row) => JSON.parse(row.body) as PolicyRecord);
  }

  async savePolicyIn(tx: Tx, scope: Scope, policy: PolicyRecord): Promise<void> {
    await tx.run(
      `INSERT INTO aas_policies (arn, account, region, namespace, resource_id, dimension, name, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (arn) DO UPDATE SET body = excluded.body`,
      [policy.arn, ...keyParams(scope, policy.key), policy.name, JSON.stringify(policy)],
    );
  }

  async deletePolicyIn(tx: Tx, arn: string): Promise<void> {
    await tx.run('DELETE FROM aas_policies WHERE arn = ?', [arn]);
  }

  async addActivityIn(tx: Tx, scope: Scope, key: TargetKey, activity: Aas.ScalingActivity, scaled: boolean) {
    await tx.run(
      'INSERT INTO aas_activities (account, region, namespace, resource_id, dimension, started_at, scaled, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [...keyParams(scope, key), activity.StartTime.getTime(), scaled ? 1 : 0, JSON.stringify(activity)],
    );
  }

  async activities(
    scope: Scope,
    namespace: string,
    filter: { resourceId?: string; dimension?: string; includeNotScaled: boolean },
  ): Promise<Aas.ScalingActivity[]> {
    const rows = await this.store.read((tx) =>
      tx.all<{ resource_id: string; dimension: string; scaled: number; body: string }>(
        'SELECT resource_id, dimension, scaled, body FROM aas_activities WHERE account = ? AND region = ? AND namespace = ? ORDER BY started_at DESC, id DESC',
        [scope.account, scope.region, namespace],
      ),
    );
    return rows
      .filter(
        (row) =>
          (filter.resourceId === undefined || row.resource_id === filter.resourceId) &&
          (filter.dimension === undefined || row.dimension === filter.dimension) &&
          (filter.includeNotScaled || Number(row.scaled) === 1),
      )
      .map((row) => {
        const activity = JSON.parse(row.body) as Aas.ScalingActivity & {
          StartTime: string;
          EndTime?: string;
        };
        return {
          ...activity,
          StartTime: new Date(activity.StartTime),
          ...(activity.EndTime ? { EndTime: new Date(activity.EndTime) } : {}),
        };
      });
  }

  async pruneActivities(before: number): Promise<void> {
    await this.store.write((tx) => tx.run('DELETE FROM aas_activities WHERE started_at < ?', [before]));
  }
}

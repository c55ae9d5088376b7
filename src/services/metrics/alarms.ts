// Metric alarms as rows: what PutMetricAlarm configured, the state and its reason, and the history
// (configuration updates, state updates, actions) that DescribeAlarmHistory lists for 30 days.
import type { CloudWatch } from '../../contract/index.ts';
import { formatArn } from '../../runtime/index.ts';
import type { Store, Tx } from '../../store/index.ts';
import type { Scope } from './datapoints.ts';

/** Alarm history is kept 30 days, as CloudWatch keeps it. */
export const HISTORY_MS = 30 * 24 * 3_600_000;

export interface AlarmRecord {
  /** The configuration as PutMetricAlarm gave it (tags aside). */
  config: Omit<CloudWatch.PutMetricAlarmInput, 'Tags'>;
  arn: string;
  state: CloudWatch.StateValue;
  stateReason: string;
  stateReasonData?: string;
  stateUpdatedAt: number;
  transitionedAt: number;
  configUpdatedAt: number;
  tags: CloudWatch.Tag[];
}

export type HistoryType = 'ConfigurationUpdate' | 'StateUpdate' | 'Action';

export const alarmArn = (scope: Scope, name: string) =>
  formatArn({
    service: 'cloudwatch',
    region: scope.region,
    accountId: scope.account,
    resource: `alarm:${name}`,
  });

/** The alarm as DescribeAlarms shows it. */
export function presentAlarm(alarm: AlarmRecord): CloudWatch.MetricAlarm {
  const { config } = alarm;
  return {
    AlarmName: config.AlarmName,
    AlarmArn: alarm.arn,
    AlarmDescription: config.AlarmDescription,
    AlarmConfigurationUpdatedTimestamp: new Date(alarm.configUpdatedAt),
    ActionsEnabled: config.ActionsEnabled ?? true,
    OKActions: config.OKActions ?? [],
    AlarmActions: config.AlarmActions ?? [],
    InsufficientDataActions: config.InsufficientDataActions ?? [],
    StateValue: alarm.state,
    StateReason: alarm.stateReason,
    StateReasonData: alarm.stateReasonData,
    StateUpdatedTimestamp: new Date(alarm.stateUpdatedAt),
    StateTransitionedTimestamp: new Date(alarm.transitionedAt),
    MetricName: config.MetricName,
    Namespace: config.Namespace,
    Statistic: config.Statistic,
    ExtendedStatistic: config.ExtendedStatistic,
    Dimensions: config.Metrics ? undefined : (config.Dimensions ?? []),
    Period: config.Period,
    Unit: config.Unit,
    EvaluationPeriods: config.EvaluationPeriods,
    DatapointsToAlarm: config.DatapointsToAlarm,
    Threshold: config.Threshold,
    ComparisonOperator: config.ComparisonOperator,
    TreatMissingData: config.TreatMissingData,
    Metrics: config.Metrics,
  };
}

interface AlarmRow {
  account: string;
  region: string;
  body: string;
}

export class AlarmStore {
  constructor(private readonly store: Store) {}

  async get(scope: Scope, name: string): Promise<AlarmRecord | undefined> {
    const row = await this.store.read((tx) =>
      tx.get<AlarmRow>('SELECT body FROM cw_alarms WHERE account = ? AND region = ? AND name = ?', [
        scope.account,
        scope.region,
        name,
      ]),
    );
    return row && (JSON.parse(row.body) as AlarmRecord);
  }

  async list(scope: Scope): Promise<AlarmRecord[]> {
    const rows = await this.store.read((tx) =>
      tx.all<AlarmRow>('SELECT body FROM cw_alarms WHERE account = ? AND region = ? ORDER BY name', [
        scope.account,
        scope.region,
      ]),
    );
    return rows.map((row) => JSON.parse(row.body) as AlarmRecord);
  }

  /** Every alarm of every account, with its scope (the evaluator's round). */
  async everywhere(): Promise<Array<{ scope: Scope; alarm: AlarmRecord }>> {
    const rows = await this.store.read((tx) =>
      tx.all<AlarmRow>('SELECT account, region, body FROM cw_alarms ORDER BY account, region, name'),
    );
    return rows.map((row) => ({
      scope: { account: row.account, region: row.region },
      alarm: JSON.parse(row.body) as AlarmRecord,
    }));
  }

  async saveIn(tx: Tx, scope: Scope, alarm: AlarmRecord): Promise<void> {
    await tx.run(
      `INSERT INTO cw_alarms (account, region, name, body) VALUES (?, ?, ?, ?)
       ON CONFLICT (account, region, name) DO UPDATE SET body = excluded.body`,
      [scope.account, scope.region, alarm.config.AlarmName, JSON.stringify(alarm)],
    );
  }

  async deleteIn(tx: Tx, scope: Scope, name: string): Promise<void> {
    await tx.run('DELETE FROM cw_alarms WHERE account = ? AND region = ? AND name = ?', [
      scope.account,
      scope.region,
      name,
    ]);
  }

  async historyIn(
    tx: Tx,
    scope: Scope,
    name: string,
    at: number,
    type: HistoryType,
    summary: string,
    data: unknown,
  ): Promise<void> {
    await tx.run(
      'INSERT INTO cw_alarm_history (account, region, alarm_name, at, item_type, summary, data) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [scope.account, scope.region, name, at, type, summary, JSON.stringify(data)],
    );
  }

  async history(
    scope: Scope,
    filter: { name?: string; type?: string; start?: number; end?: number },
  ): Promise<CloudWatch.AlarmHistoryItem[]> {
    const rows = await this.store.read((tx) =>
      tx.all<{ alarm_name: string; at: number | string; item_type: string; summary: string; data: string }>(
        'SELECT alarm_name, at, item_type, summary, data FROM cw_alarm_history WHERE account = ? AND region = ? ORDER BY at DESC, id DESC',
        [scope.account, scope.region],
      ),
    );
    return rows
      .filter(
        (row) =>
          (filter.name === undefined || row.alarm_name === filter.name) &&
          (filter.type === undefined || row.item_type === filter.type) &&
          (filter.start === undefined || Number(row.at) >= filter.start) &&
          (filter.end === undefined || Number(row.at) < filter.end),
      )
      .map((row) => ({
        AlarmName: row.alarm_name,
        AlarmType: 'MetricAlarm',
        Timestamp: new Date(Number(row.at)),
        HistoryItemType: row.item_type as CloudWatch.HistoryItemType,
        HistorySummary: row.summary,
        HistoryData: row.data,
      }));
  }

  async pruneHistory(now: number): Promise<void> {
    await this.store.write((tx) => tx.run('DELETE FROM cw_alarm_history WHERE at < ?', [now - HISTORY_MS]));
  }
}

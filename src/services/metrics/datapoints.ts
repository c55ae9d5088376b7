// Where metric data lives: PutMetricData's datapoints folded into per-minute aggregates (sum, count,
// min, max) per series, and read back per period. Namespaces another eddy service records (AWS/SQS,
// a log group's metric filters) are read from runtime.cloudMetrics instead of this table.
import type { CloudWatch } from '../../contract/index.ts';
import type { CloudMetrics, Statistic } from '../../runtime/index.ts';
import type { SqlValue, Store } from '../../store/index.ts';

export const MINUTE_MS = 60_000;
/** One-minute data is kept for 15 days, as CloudWatch keeps it; older rows are pruned. */
export const RETENTION_MS = 15 * 24 * 60 * MINUTE_MS;

export interface Scope {
  account: string;
  region: string;
}

/** A series: namespace, metric name and its exact set of dimensions. */
export interface SeriesKey {
  namespace: string;
  metricName: string;
  dimensions: CloudWatch.Dimension[];
}

/** One period's aggregate: what every statistic is computed from. */
export interface PeriodAggregate {
  timestamp: number;
  sum: number;
  count: number;
  min: number;
  max: number;
  unit: string;
}

/** A minute's worth of one series to add in (datums.ts makes them from PutMetricData). */
export interface MinuteSample {
  namespace: string;
  metricName: string;
  dimensions: string;
  minute: number;
  unit: string;
  sum: number;
  count: number;
  min: number;
  max: number;
}

/** Dimensions as one key: sorted by name, so the order a client sends them in does not matter. */
export function dimensionsKey(dimensions: readonly CloudWatch.Dimension[] | undefined): string {
  const pairs = (dimensions ?? []).map((dimension) => [dimension.Name, dimension.Value]);
  pairs.sort(([a], [b]) => ((a ?? '') < (b ?? '') ? -1 : (a ?? '') > (b ?? '') ? 1 : 0));
  return JSON.stringify(pairs);
}

export function dimensionsFromKey(key: string): CloudWatch.Dimension[] {
  return (JSON.parse(key) as Array<[string, string]>).map(([Name, Value]) => ({ Name, Value }));
}

/** The statistic CloudWatch computes from a period's aggregate; undefined for an unknown name. */
export function statisticOf(aggregate: PeriodAggregate, statistic: string): number | undefined {
  switch (statistic) {
    case 'Sum':
      return aggregate.sum;
    case 'SampleCount':
      return aggregate.count;
    case 'Average':
      return aggregate.count === 0 ? 0 : aggregate.sum / aggregate.count;
    case 'Minimum':
      return aggregate.min;
    case 'Maximum':
      return aggregate.max;
    default:
      return undefined;
  }
}

export const STATISTICS: readonly Statistic[] = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'];

interface Row {
  minute: number | string;
  unit: string;
  sum: number;
  count: number;
  min: number;
  max: number;
}

export class MetricStore {
  constructor(
    private readonly store: Store,
    private readonly cloudMetrics: CloudMetrics,
  ) {}

  /** Adds samples in one write; a minute already holding data is merged into. */
  async add(scope: Scope, samples: readonly MinuteSample[], now: number): Promise<void> {
    if (samples.length === 0) return;
    await this.store.write(async (tx) => {
      for (const sample of samples) {
        await tx.run(
          `INSERT INTO cw_datapoints (account, region, namespace, metric, dimensions, minute, unit, sum, count, min, max)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (account, region, namespace, metric, dimensions, minute) DO UPDATE SET
             sum = cw_datapoints.sum + excluded.sum, count = cw_datapoints.count + excluded.count,
             min = CASE WHEN excluded.min < cw_datapoints.min THEN excluded.min ELSE cw_datapoints.min END,
             max = CASE WHEN excluded.max > cw_datapoints.max THEN excluded.max ELSE cw_datapoints.max END,
             unit = excluded.unit`,
          [
            scope.account,
            scope.region,
            sample.namespace,
            sample.metricName,
            sample.dimensions,
            sample.minute,
            sample.unit,
            sample.sum,
            sample.count,
            sample.min,
            sample.max,
          ],
        );
      }
      const series = new Set(samples.map((s) => JSON.stringify([s.namespace, s.metricName, s.dimensions])));
      for (const key of series) {
        const [namespace, metric, dimensions] = JSON.parse(key) as [string, string, string];
        await tx.run(
          `INSERT INTO cw_series (account, region, namespace, metric, dimensions, last_put) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (account, region, namespace, metric, dimensions) DO UPDATE SET last_put = excluded.last_put`,
          [scope.account, scope.region, namespace, metric, dimensions, now],
        );
      }
    });
  }

  /**
   * A series' aggregates per period over [start, end), periods counted from `start`. A unit, when
   * given, keeps only data put with that unit.
   */
  async periods(
    scope: Scope,
    series: SeriesKey,
    start: number,
    end: number,
    periodSeconds: number,
    unit?: string,
  ): Promise<PeriodAggregate[]> {
    const periodMs = periodSeconds * 1000;
    if (this.cloudMetrics.namespaces().includes(series.namespace))
      return this.fromService(series, start, end, periodSeconds);
    const rows = await this.store.read((tx) =>
      tx.all<Row>(
        `SELECT minute, unit, sum, count, min, max FROM cw_datapoints
         WHERE account = ? AND region = ? AND namespace = ? AND metric = ? AND dimensions = ? AND minute >= ? AND minute < ?
         ORDER BY minute`,
        [
          scope.account,
          scope.region,
          series.namespace,
          series.metricName,
          dimensionsKey(series.dimensions),
          start,
          end,
        ],
      ),
    );
    const periods = new Map<number, PeriodAggregate>();
    for (const row of rows) {
      if (unit !== undefined && row.unit !== unit) continue;
      const minute = Number(row.minute);
      const timestamp = start + Math.floor((minute - start) / periodMs) * periodMs;
      const period = periods.get(timestamp);
      if (!period) {
        periods.set(timestamp, {
          timestamp,
          sum: Number(row.sum),
          count: Number(row.count),
          min: Number(row.min),
          max: Number(row.max),
          unit: row.unit,
        });
        continue;
      }
      period.sum += Number(row.sum);
      period.count += Number(row.count);
      period.min = Math.min(period.min, Number(row.min));
      period.max = Math.max(period.max, Number(row.max));
    }
    return [...periods.values()].sort((a, b) => a.timestamp - b.timestamp);
  }

  /** Another service's metric, asked of it one statistic at a time. */
  private async fromService(
    series: SeriesKey,
    start: number,
    end: number,
    periodSeconds: number,
  ): Promise<PeriodAggregate[]> {
    const query = {
      namespace: series.namespace,
      metricName: series.metricName,
      dimensions: Object.fromEntries(series.dimensions.map((d) => [d.Name, d.Value])),
      start,
      end,
      periodSeconds,
    };
    const [sums, counts, mins, maxes] = await Promise.all(
      (['Sum', 'SampleCount', 'Minimum', 'Maximum'] as const).map((statistic) =>
        this.cloudMetrics.query({ ...query, statistic }),
      ),
    );
    const at = (points: typeof sums, timestamp: number) =>
      points?.find((point) => point.timestamp === timestamp)?.value ?? 0;
    return (sums ?? []).map((point) => ({
      timestamp: point.timestamp,
      sum: point.value,
      count: at(counts, point.timestamp),
      min: at(mins, point.timestamp),
      max: at(maxes, point.timestamp),
      unit:
        series.namespace === 'AWS/SQS' && series.metricName.startsWith('ApproximateAge')
          ? 'Seconds'
          : 'Count',
    }));
  }

  /** The series PutMetricData has made, newest put first; `since` keeps those put after it. */
  async series(
    scope: Scope,
    filter: { namespace?: string; metricName?: string; since?: number },
  ): Promise<Array<{ namespace: string; metricName: string; dimensions: CloudWatch.Dimension[] }>> {
    const where = ['account = ?', 'region = ?', 'last_put >= ?'];
    const params: SqlValue[] = [scope.account, scope.region, filter.since ?? 0];
    if (filter.namespace !== undefined) {
      where.push('namespace = ?');
      params.push(filter.namespace);
    }
    if (filter.metricName !== undefined) {
      where.push('metric = ?');
      params.push(filter.metricName);
    }
    const rows = await this.store.read((tx) =>
      tx.all<{ namespace: string; metric: string; dimensions: string }>(
        `SELECT namespace, metric, dimensions FROM cw_series WHERE ${where.join(' AND ')}
         ORDER BY namespace, metric, dimensions`,
        params,
      ),
    );
    return rows.map((row) => ({
      namespace: row.namespace,
      metricName: row.metric,
      dimensions: dimensionsFromKey(row.dimensions),
    }));
  }

  /** Forgets data older than the retention period (and series with none left). */
  async prune(now: number): Promise<void> {
    const before = now - RETENTION_MS;
    await this.store.write(async (tx) => {
      await tx.run('DELETE FROM cw_datapoints WHERE minute < ?', [before]);
      await tx.run('DELETE FROM cw_series WHERE last_put < ?', [before]);
    });
  }
}

// What metric filters publish: in the write that ingests events, each of the group's metric filters
// turns the events it matches into datapoints of its metric (the value a number, a JSON selector
// `$.x` or a space-delimited field `$name`; dimensions likewise), kept per minute as sum, count, min
// and max. Minutes with events but no match get the filter's defaultValue, as AWS reports it. The
// metrics are served to the rest of eddy through runtime.cloudMetrics under each filter's namespace
// (a namespace another service already serves, such as AWS/SQS, stays that service's).
import type { CloudWatchLogs } from '../../contract/index.ts';
import type { CloudMetrics, Datapoint, MetricQuery } from '../../runtime/index.ts';
import type { Store, Tx } from '../../store/index.ts';
import type { NewEvent, TargetGroup } from './events.ts';
import { compileFilterExtractor } from './filter.ts';
import { jsonFields } from './log-records.ts';
import type { Resources } from './resources.ts';

const MINUTE_MS = 60_000;

/** A metric filter as stored (metric-filters.ts puts and describes them). */
export interface MetricFilterBody {
  filterPattern: string;
  metricTransformations: CloudWatchLogs.MetricTransformation[];
  applyOnTransformedLogs?: boolean;
  fieldSelectionCriteria?: string;
  emitSystemFieldDimensions?: string[];
}

interface Bucket {
  namespace: string;
  metric: string;
  dimensions: string;
  unit: string;
  minute: number;
  sum: number;
  count: number;
  min: number;
  max: number;
}

/** `$.a.b[0]` → the flattened JSON field `a.b.0`. */
const jsonPath = (selector: string) => selector.slice(2).replace(/\[(\d+)\]/g, '.$1');

function referenced(
  reference: string,
  message: string,
  extracted: Record<string, string>,
): string | undefined {
  if (!reference.startsWith('$')) return reference;
  if (reference.startsWith('$.')) {
    const path = jsonPath(reference);
    const found = jsonFields(message).find(([name]) => name === path)?.[1];
    return found === undefined || found === null || typeof found === 'object' ? undefined : String(found);
  }
  return extracted[reference];
}

export class MetricData {
  private readonly extractors = new Map<string, ReturnType<typeof compileFilterExtractor>>();
  private readonly served = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly resources: Resources,
    private readonly cloudMetrics: CloudMetrics,
  ) {}

  /** Serves every namespace a stored metric filter publishes to. */
  async start(): Promise<void> {
    for (const filter of await this.resources.everywhere<MetricFilterBody>('metric-filter'))
      for (const transformation of filter.body.metricTransformations)
        this.serve(transformation.metricNamespace);
  }

  serve(namespace: string): void {
    if (this.served.has(namespace) || this.cloudMetrics.namespaces().includes(namespace)) return;
    this.served.add(namespace);
    this.cloudMetrics.register(namespace, (query) => this.query(query));
  }

  private extractor(pattern: string) {
    let extract = this.extractors.get(pattern);
    if (!extract) {
      extract = compileFilterExtractor(pattern);
      this.extractors.set(pattern, extract);
    }
    return extract;
  }

  /** Records the datapoints a batch of events makes, inside the write that appends them. */
  async record(tx: Tx, group: TargetGroup, events: NewEvent[]): Promise<void> {
    if (events.length === 0) return;
    const filters = await this.resources.ofGroupIn<MetricFilterBody>(tx, group.id, 'metric-filter');
    if (filters.length === 0) return;
    const buckets = new Map<string, Bucket>();
    const add = (bucket: Omit<Bucket, 'sum' | 'count' | 'min' | 'max'>, value: number) => {
      const key = [bucket.namespace, bucket.metric, bucket.dimensions, bucket.minute].join('\u0000');
      const current = buckets.get(key) ?? { ...bucket, sum: 0, count: 0, min: value, max: value };
      current.sum += value;
      current.count += 1;
      current.min = Math.min(current.min, value);
      current.max = Math.max(current.max, value);
      buckets.set(key, current);
    };
    for (const filter of filters) {
      const extract = this.extractor(filter.body.filterPattern);
      for (const transformation of filter.body.metricTransformations) {
        const minutesSeen = new Set<number>();
        const minutesMatched = new Set<number>();
        for (const event of events) {
          const message =
            filter.body.applyOnTransformedLogs && event.transformed !== undefined
              ? event.transformed
              : (event.masked ?? event.message);
          const minute = Math.floor(event.ts / MINUTE_MS) * MINUTE_MS;
          minutesSeen.add(minute);
          const extracted = extract(message);
          if (!extracted) continue;
          const value = Number(referenced(transformation.metricValue, message, extracted));
          if (!Number.isFinite(value)) continue;
          const dimensions: Record<string, string> = {};
          for (const [name, reference] of Object.entries(transformation.dimensions ?? {})) {
            const dimension = referenced(reference, message, extracted);
            if (dimension !== undefined && dimension !== '') dimensions[name] = dimension;
          }
          // AWS drops a datapoint whose dimensions the event does not all carry.
          if (Object.keys(dimensions).length !== Object.keys(transformation.dimensions ?? {}).length)
            continue;
          minutesMatched.add(minute);
          add(
            {
              namespace: transformation.metricNamespace,
              metric: transformation.metricName,
              dimensions: JSON.stringify(Object.fromEntries(Object.entries(dimensions).sort())),
              unit: transformation.unit ?? 'None',
              minute,
            },
            value,
          );
        }
        if (transformation.defaultValue === undefined) continue;
        for (const minute of minutesSeen)
          if (!minutesMatched.has(minute))
            add(
              {
                namespace: transformation.metricNamespace,
                metric: transformation.metricName,
                dimensions: '{}',
                unit: transformation.unit ?? 'None',
                minute,
              },
              transformation.defaultValue,
            );
      }
    }
    for (const bucket of buckets.values())
      await tx.run(
        `INSERT INTO logs_metric_data (account, region, namespace, metric, dimensions, minute, unit, sum, count, min, max)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (account, region, namespace, metric, dimensions, minute) DO UPDATE SET
           sum = logs_metric_data.sum + excluded.sum, count = logs_metric_data.count + excluded.count,
           min = CASE WHEN excluded.min < logs_metric_data.min THEN excluded.min ELSE logs_metric_data.min END,
           max = CASE WHEN excluded.max > logs_metric_data.max THEN excluded.max ELSE logs_metric_data.max END`,
        [
          group.account,
          group.region,
          bucket.namespace,
          bucket.metric,
          bucket.dimensions,
          bucket.minute,
          bucket.unit,
          bucket.sum,
          bucket.count,
          bucket.min,
          bucket.max,
        ],
      );
  }

  /** A metric's datapoints per period, with the statistic asked for. */
  async query(query: MetricQuery): Promise<Datapoint[]> {
    const dimensions = JSON.stringify(Object.fromEntries(Object.entries(query.dimensions).sort()));
    const rows = await this.store.read((tx) =>
      tx.all<{ minute: number; sum: number; count: number; min: number; max: number }>(
        `SELECT minute, sum, count, min, max FROM logs_metric_data
         WHERE namespace = ? AND metric = ? AND dimensions = ? AND minute >= ? AND minute < ? ORDER BY minute`,
        [query.namespace, query.metricName, dimensions, query.start, query.end],
      ),
    );
    const periodMs = Math.max(60, query.periodSeconds) * 1000;
    const periods = new Map<number, { sum: number; count: number; min: number; max: number }>();
    for (const row of rows) {
      const start = query.start + Math.floor((Number(row.minute) - query.start) / periodMs) * periodMs;
      const period = periods.get(start) ?? {
        sum: 0,
        count: 0,
        min: Number.POSITIVE_INFINITY,
        max: Number.NEGATIVE_INFINITY,
      };
      period.sum += row.sum;
      period.count += Number(row.count);
      period.min = Math.min(period.min, row.min);
      period.max = Math.max(period.max, row.max);
      periods.set(start, period);
    }
    const value = (period: { sum: number; count: number; min: number; max: number }) => {
      switch (query.statistic) {
        case 'Sum':
          return period.sum;
        case 'SampleCount':
          return period.count;
        case 'Average':
          return period.sum / period.count;
        case 'Minimum':
          return period.min;
        case 'Maximum':
          return period.max;
      }
    };
    return [...periods].map(([timestamp, period]) => ({ timestamp, value: value(period) }));
  }
}

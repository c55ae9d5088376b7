// Service metrics as CloudWatch shapes them (namespace, metric, dimensions, per-period datapoints).
// Services register what they record; Auto Scaling and the CloudWatch API read them from here.

export type Statistic = 'Sum' | 'Average' | 'Minimum' | 'Maximum' | 'SampleCount';

export interface MetricQuery {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  /** Inclusive start and exclusive end, ms since the epoch. */
  start: number;
  end: number;
  periodSeconds: number;
  statistic: Statistic;
}

export interface Datapoint {
  timestamp: number;
  value: number;
}

export type MetricSource = (query: MetricQuery) => Promise<Datapoint[]>;

export class CloudMetrics {
  private readonly sources = new Map<string, MetricSource>();

  register(namespace: string, source: MetricSource): void {
    if (this.sources.has(namespace)) throw new Error(`metrics of '${namespace}' are already registered`);
    this.sources.set(namespace, source);
  }

  namespaces(): string[] {
    return [...this.sources.keys()];
  }

  /** Datapoints in time order; none for a namespace nobody records. */
  async query(query: MetricQuery): Promise<Datapoint[]> {
    const source = this.sources.get(query.namespace);
    return source ? source(query) : [];
  }
}

/** Aggregates per-minute samples into periods with one statistic (what GetMetricStatistics does). */
export function aggregate(
  samples: Array<{ minute: number; value: number }>,
  query: Pick<MetricQuery, 'start' | 'periodSeconds' | 'statistic'>,
): Datapoint[] {
  const periodMs = Math.max(60, query.periodSeconds) * 1000;
  const periods = new Map<number, number[]>();
  for (const sample of samples) {
    const start = query.start + Math.floor((sample.minute - query.start) / periodMs) * periodMs;
    const values = periods.get(start) ?? [];
    values.push(sample.value);
    periods.set(start, values);
  }
  const reduce = (values: number[]): number => {
    switch (query.statistic) {
      case 'Sum':
        return values.reduce((sum, value) => sum + value, 0);
      case 'Average':
        return values.reduce((sum, value) => sum + value, 0) / values.length;
      case 'Minimum':
        return Math.min(...values);
      case 'Maximum':
        return Math.max(...values);
      case 'SampleCount':
        return values.length;
    }
  };
  return [...periods]
    .sort(([a], [b]) => a - b)
    .map(([timestamp, values]) => ({ timestamp, value: reduce(values) }));
}

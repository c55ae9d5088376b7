// Runs a set of MetricDataQueries (GetMetricData's, or a metric-math alarm's): MetricStat queries
// read their series per period, Expression queries are metric math over the others, each evaluated
// once, in the order their references need.
import type { CloudWatch } from '../../contract/index.ts';
import { type MetricStore, type Scope, statisticOf } from './datapoints.ts';
import { invalidValue } from './errors.ts';
import { evaluateExpression, type LabeledSeries, MathError, type Series } from './math.ts';

const STAT_NAMES = new Set(['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum']);
const MAX_QUERIES = 500;

export interface QueryResult extends LabeledSeries {
  returned: boolean;
}

/** Period start times covering [start, end), aligned to the period. */
export function periodGrid(start: number, end: number, periodSeconds: number): number[] {
  const periodMs = periodSeconds * 1000;
  const grid: number[] = [];
  for (let t = Math.floor(start / periodMs) * periodMs; t < end; t += periodMs) grid.push(t);
  return grid;
}

export function checkPeriod(period: number, member: string): void {
  const ok = period > 0 && (period % 60 === 0 || [1, 5, 10, 30].includes(period));
  if (!ok) throw invalidValue(`The parameter ${member} must be 1, 5, 10, 30, or a multiple of 60.`);
}

export function checkStatistic(stat: string, member: string): void {
  if (STAT_NAMES.has(stat)) return;
  if (/^(p|tm|wm|tc|ts|pr)\(?[\d.%:]/i.test(stat))
    throw invalidValue(
      `The value ${stat} for parameter ${member} is not supported: eddy keeps sums, counts, minimums and maximums, not the distributions percentiles need.`,
    );
  throw invalidValue(`The value ${stat} for parameter ${member} is not a valid statistic.`);
}

/** Checks a query set as CloudWatch does before running any of it. */
export function checkQueries(queries: readonly CloudWatch.MetricDataQuery[], prefix: string): void {
  if (queries.length > MAX_QUERIES)
    throw invalidValue(`The collection ${prefix} must not have a size greater than ${MAX_QUERIES}.`);
  const ids = new Set<string>();
  queries.forEach((query, index) => {
    const member = `${prefix}.member.${index + 1}`;
    if (!/^[a-z][a-zA-Z0-9_]*$/.test(query.Id))
      throw invalidValue(
        `The value ${query.Id} for parameter ${member}.Id is invalid: it must start with a lowercase letter and hold only letters, digits and underscores.`,
      );
    if (ids.has(query.Id))
      throw invalidValue(`The value ${query.Id} for parameter ${member}.Id is not unique.`);
    ids.add(query.Id);
    if ((query.MetricStat === undefined) === (query.Expression === undefined))
      throw invalidValue(`The parameter ${member} must contain exactly one of MetricStat and Expression.`);
    if (query.MetricStat) {
      checkPeriod(query.MetricStat.Period, `${member}.MetricStat.Period`);
      checkStatistic(query.MetricStat.Stat, `${member}.MetricStat.Stat`);
      if (!query.MetricStat.Metric.MetricName || !query.MetricStat.Metric.Namespace)
        throw invalidValue(
          `The parameter ${member}.MetricStat.Metric must name a Namespace and a MetricName.`,
        );
    }
    if (query.Period !== undefined) checkPeriod(query.Period, `${member}.Period`);
  });
}

export async function runQueries(
  metrics: MetricStore,
  scope: Scope,
  queries: readonly CloudWatch.MetricDataQuery[],
  start: number,
  end: number,
): Promise<QueryResult[]> {
  const byId = new Map(queries.map((query) => [query.Id, query]));
  const done = new Map<string, QueryResult[]>();
  const stats = new Map<string, QueryResult>();
  // MetricStat queries first (METRICS() sees them all), then expressions on demand.
  for (const query of queries) {
    if (!query.MetricStat) continue;
    const stat = query.MetricStat;
    const align = Math.floor(start / (stat.Period * 1000)) * stat.Period * 1000;
    const periods = await metrics.periods(
      scope,
      {
        namespace: stat.Metric.Namespace ?? '',
        metricName: stat.Metric.MetricName ?? '',
        dimensions: stat.Metric.Dimensions ?? [],
      },
      align,
      end,
      stat.Period,
      stat.Unit,
    );
    const result: QueryResult = {
      id: query.Id,
      label: query.Label ?? stat.Metric.MetricName ?? query.Id,
      timestamps: periods.map((p) => p.timestamp),
      values: periods.map((p) => statisticOf(p, stat.Stat) ?? 0),
      returned: query.ReturnData !== false,
    };
    stats.set(query.Id, result);
    done.set(query.Id, [result]);
  }
  const firstPeriod = queries.find((q) => q.MetricStat)?.MetricStat?.Period ?? 60;
  const evaluating = new Set<string>();
  const evaluateQuery = (query: CloudWatch.MetricDataQuery): QueryResult[] => {
    const known = done.get(query.Id);
    if (known) return known;
    if (evaluating.has(query.Id))
      throw invalidValue(`Error in expression '${query.Id}': it refers to itself through other expressions.`);
    evaluating.add(query.Id);
    const period = query.Period ?? firstPeriod;
    try {
      const series = evaluateExpression(query.Expression ?? '', {
        grid: periodGrid(start, end, period),
        periodSeconds: period,
        metrics: () => [...stats.values()],
        lookup: (id) => {
          const target = byId.get(id);
          if (!target) return undefined;
          const [first] = evaluateQuery(target);
          return first;
        },
      });
      const results = series.map((s: Series | LabeledSeries, index) => ({
        id: query.Id,
        label:
          query.Label ?? ('label' in s && series.length > 1 ? s.label : query.Id) ?? `${query.Id}-${index}`,
        timestamps: s.timestamps,
        values: s.values,
        returned: query.ReturnData !== false,
      }));
      done.set(query.Id, results);
      return results;
    } catch (error) {
      if (error instanceof MathError)
        throw invalidValue(`Error in expression '${query.Id}': ${error.message}`);
      throw error;
    } finally {
      evaluating.delete(query.Id);
    }
  };
  return queries.flatMap((query) => evaluateQuery(query));
}

// PutMetricData, GetMetricStatistics, GetMetricData and ListMetrics.
import type { CloudWatch, Handlers, RequestContext } from '../../contract/index.ts';
import type { Clock } from '../../runtime/index.ts';
import { dimensionsKey, type MetricStore, type Scope, STATISTICS, statisticOf } from './datapoints.ts';
import { samplesOf } from './datums.ts';
import { invalidCombination, invalidNextToken, invalidValue, missingParameter } from './errors.ts';
import { checkPeriod, checkQueries, checkStatistic, runQueries } from './queries.ts';

type MetricOperations = Pick<
  Handlers<CloudWatch.Operations>,
  'PutMetricData' | 'GetMetricStatistics' | 'GetMetricData' | 'ListMetrics'
>;

const MAX_DATUMS = 1000;
/** GetMetricStatistics answers at most 1,440 datapoints. */
const MAX_STATISTICS_POINTS = 1440;
const LIST_PAGE = 500;
const RECENTLY_MS = 3 * 3_600_000;

export const scopeOf = (context: RequestContext): Scope => ({
  account: context.accountId,
  region: context.region,
});

function pageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64');
}

export function offsetOf(token: string | undefined): number {
  if (token === undefined) return 0;
  try {
    const { offset } = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { offset: unknown };
    if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0) return offset;
  } catch {}
  throw invalidNextToken();
}

export function metricHandlers(metrics: MetricStore, clock: Clock): MetricOperations {
  return {
    async PutMetricData(input, context) {
      const datums = input.MetricData ?? [];
      if (input.EntityMetricData?.length)
        throw invalidValue('eddy does not keep EntityMetricData: send the datapoints in MetricData.');
      if (datums.length === 0) throw missingParameter('The parameter MetricData is required.');
      if (datums.length > MAX_DATUMS)
        throw invalidValue(`The collection MetricData must not have a size greater than ${MAX_DATUMS}.`);
      const now = clock.now();
      await metrics.add(scopeOf(context), samplesOf(input.Namespace, datums, now), now);
    },

    async GetMetricStatistics(input, context) {
      const statistics = input.Statistics ?? [];
      if (statistics.length === 0 && !input.ExtendedStatistics?.length)
        throw missingParameter('The parameter Statistics or ExtendedStatistics is required.');
      if (statistics.length > 0 && input.ExtendedStatistics?.length)
        throw invalidCombination('The parameters Statistics and ExtendedStatistics are mutually exclusive.');
      for (const stat of input.ExtendedStatistics ?? []) checkStatistic(stat, 'ExtendedStatistics');
      checkPeriod(input.Period, 'Period');
      const start = input.StartTime.getTime();
      const end = input.EndTime.getTime();
      if (start >= end)
        throw invalidValue('The parameter StartTime must be less than the parameter EndTime.');
      if ((end - start) / (input.Period * 1000) > MAX_STATISTICS_POINTS)
        throw invalidCombination(
          `You have requested up to ${Math.ceil((end - start) / (input.Period * 1000))} datapoints, which exceeds the limit of ${MAX_STATISTICS_POINTS}. You may reduce the datapoints requested by increasing Period, or decreasing the time range.`,
        );
      const periods = await metrics.periods(
        scopeOf(context),
        { namespace: input.Namespace, metricName: input.MetricName, dimensions: input.Dimensions ?? [] },
        start,
        end,
        Math.max(60, input.Period),
        input.Unit,
      );
      return {
        Label: input.MetricName,
        Datapoints: periods.map((period) => {
          const point: CloudWatch.Datapoint = {
            Timestamp: new Date(period.timestamp),
            Unit: period.unit as CloudWatch.StandardUnit,
          };
          for (const statistic of STATISTICS)
            if (statistics.includes(statistic)) point[statistic] = statisticOf(period, statistic);
          return point;
        }),
      };
    },

    async GetMetricData(input, context) {
      checkQueries(input.MetricDataQueries, 'MetricDataQueries');
      const start = input.StartTime.getTime();
      const end = input.EndTime.getTime();
      if (start >= end)
        throw invalidValue('The parameter StartTime must be less than the parameter EndTime.');
      const results = await runQueries(metrics, scopeOf(context), input.MetricDataQueries, start, end);
      const descending = (input.ScanBy ?? 'TimestampDescending') === 'TimestampDescending';
      const max = input.MaxDatapoints ?? 100_800;
      let budget = max;
      return {
        MetricDataResults: results
          .filter((result) => result.returned)
          .map((result) => {
            let order = result.timestamps.map((_, i) => i);
            if (descending) order = order.reverse();
            const complete = order.length <= budget;
            order = order.slice(0, Math.max(0, budget));
            budget -= order.length;
            return {
              Id: result.id,
              Label: result.label,
              Timestamps: order.map((i) => new Date(result.timestamps[i] as number)),
              Values: order.map((i) => result.values[i] as number),
              StatusCode: complete ? 'Complete' : 'PartialData',
              Messages: complete
                ? []
                : [
                    {
                      Code: 'MaxDatapointsExceeded',
                      Value: `Only the first ${max} datapoints were returned.`,
                    },
                  ],
            };
          }),
        Messages: [],
      };
    },

    async ListMetrics(input, context) {
      const since = input.RecentlyActive === 'PT3H' ? clock.now() - RECENTLY_MS : undefined;
      const all = await metrics.series(scopeOf(context), {
        ...(input.Namespace !== undefined ? { namespace: input.Namespace } : {}),
        ...(input.MetricName !== undefined ? { metricName: input.MetricName } : {}),
        ...(since !== undefined ? { since } : {}),
      });
      const filters = input.Dimensions ?? [];
      const matching = all.filter((series) =>
        filters.every((filter) =>
          series.dimensions.some(
            (dimension) =>
              dimension.Name === filter.Name &&
              (filter.Value === undefined || dimension.Value === filter.Value),
          ),
        ),
      );
      const offset = offsetOf(input.NextToken);
      const page = matching.slice(offset, offset + LIST_PAGE);
      return {
        Metrics: page.map((series) => ({
          Namespace: series.namespace,
          MetricName: series.metricName,
          Dimensions: series.dimensions,
        })),
        ...(offset + LIST_PAGE < matching.length ? { NextToken: pageToken(offset + LIST_PAGE) } : {}),
      };
    },
  };
}

export { dimensionsKey, pageToken };

// Data sources and log objects belong to logs AWS services vend (VPC flow logs, CloudTrail, …) and
// to large objects those logs point at. eddy's log groups receive no vended logs, so none has a
// data source and no log object exists: answered as AWS answers an account without them.
import type { LogsHandlers } from './api.ts';
import { notFound } from './errors.ts';

export function dataSourceHandlers() {
  return {
    async GetLogFields(input) {
      throw notFound(
        `The data source ${input.dataSourceName} of type ${input.dataSourceType} does not exist.`,
      );
    },
    async GetLogObject() {
      throw notFound('The specified log object does not exist.');
    },
    async ListAggregateLogGroupSummaries() {
      return { aggregateLogGroupSummaries: [] };
    },
  } satisfies Partial<LogsHandlers>;
}

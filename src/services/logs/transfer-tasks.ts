// Export tasks (log events to an S3 bucket) and import tasks (from a CloudTrail Lake event data
// store) need services eddy does not serve; they are answered as AWS answers an account that has no
// bucket or event data store: creating one fails on its missing target, and none exist to describe
// or cancel. The log group an export names is still checked first, as AWS does.
import { parseArn } from '../../runtime/index.ts';
import type { LogsHandlers } from './api.ts';
import { invalidParameter, notFound } from './errors.ts';
import type { LogRegistry } from './registry.ts';

export function transferTaskHandlers(registry: LogRegistry) {
  return {
    async CreateExportTask(input, context) {
      if (input.to < input.from)
        throw invalidParameter('The time range of an export task must not end before it starts.');
      await registry.requireGroup(context.accountId, context.region, input.logGroupName);
      throw invalidParameter('The specified bucket does not exist.');
    },
    async DescribeExportTasks() {
      return { exportTasks: [] };
    },
    async CancelExportTask() {
      throw notFound('The specified export task does not exist.');
    },

    async CreateImportTask(input) {
      const parsed = parseArn(input.importSourceArn);
      if (parsed?.service !== 'cloudtrail')
        throw invalidParameter(`${input.importSourceArn} is not a CloudTrail Lake event data store ARN.`);
      throw notFound(`The event data store ${input.importSourceArn} does not exist.`);
    },
    async DescribeImportTasks() {
      return { imports: [] };
    },
    async DescribeImportTaskBatches(input) {
      throw notFound(`The import task ${input.importId} does not exist.`);
    },
    async CancelImportTask(input) {
      throw notFound(`The import task ${input.importId} does not exist.`);
    },
  } satisfies Partial<LogsHandlers>;
}

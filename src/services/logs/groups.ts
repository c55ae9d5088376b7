// Log groups: create, delete, describe and list, retention.
import type { Clock } from '../../runtime/index.ts';
import type { LogsHandlers } from './api.ts';
import { checkRetention, invalidParameter } from './errors.ts';
import { groupArn, type LogGroup, type LogRegistry } from './registry.ts';
import type { Retention } from './retention.ts';
import { formatPageToken, parsePageToken } from './tokens.ts';

const DESCRIBE_LIMIT = 50;

export function describeGroup(group: LogGroup) {
  const arn = groupArn(group);
  return {
    logGroupName: group.name,
    creationTime: group.createdAt,
    retentionInDays: group.retentionDays,
    metricFilterCount: 0,
    arn: `${arn}:*`,
    logGroupArn: arn,
    storedBytes: group.storedBytes,
    kmsKeyId: group.kmsKeyId,
    logGroupClass: group.logGroupClass,
  };
}

const isString = (value: unknown): value is string => typeof value === 'string';

export function groupHandlers(registry: LogRegistry, retention: Retention, clock: Clock) {
  return {
    async CreateLogGroup(input, context) {
      if (input.logGroupName.startsWith('aws/'))
        throw invalidParameter("Log group names can't start with the string aws/");
      await registry.createGroup(
        context.accountId,
        context.region,
        {
          name: input.logGroupName,
          ...(input.kmsKeyId !== undefined ? { kmsKeyId: input.kmsKeyId } : {}),
          ...(input.logGroupClass !== undefined ? { logGroupClass: input.logGroupClass } : {}),
          ...(input.tags !== undefined ? { tags: input.tags } : {}),
        },
        clock.now(),
      );
    },

    async DeleteLogGroup(input, context) {
      await registry.deleteGroup(context.accountId, context.region, input.logGroupName);
    },

    async DescribeLogGroups(input, context) {
      const { logGroupNamePrefix: prefix, logGroupNamePattern: pattern, limit } = input;
      if (prefix !== undefined && pattern !== undefined)
        throw invalidParameter(
          'LogGroupNamePrefix and LogGroupNamePattern are mutually exclusive parameters.',
        );
      const size = limit ?? DESCRIBE_LIMIT;
      const groups = await registry.listGroups(context.accountId, context.region, {
        ...(prefix !== undefined ? { prefix } : {}),
        ...(pattern !== undefined ? { pattern } : {}),
        ...(input.logGroupClass !== undefined ? { logGroupClass: input.logGroupClass } : {}),
        ...(input.nextToken !== undefined ? { after: parsePageToken(input.nextToken, isString) } : {}),
        limit: size + 1,
      });
      const page = groups.slice(0, size);
      return {
        logGroups: page.map(describeGroup),
        nextToken: groups.length > size ? formatPageToken(page.at(-1)!.name) : undefined,
      };
    },

    async PutRetentionPolicy(input, context) {
      checkRetention(input.retentionInDays);
      const group = await registry.setRetention(
        context.accountId,
        context.region,
        input.logGroupName,
        input.retentionInDays,
      );
      await retention.apply(group);
    },

    async DeleteRetentionPolicy(input, context) {
      await registry.setRetention(context.accountId, context.region, input.logGroupName, undefined);
    },
  } satisfies Partial<LogsHandlers>;
}

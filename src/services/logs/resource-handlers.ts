// Handlers for log groups, log streams, retention and tags, with CloudWatch Logs' checks and messages.
import type { Handler, Input } from '../../contract/index.ts';
import type { Clock } from '../../runtime/index.ts';
import {
  constraints,
  invalidParameter,
  LOG_STREAM_NAME_PATTERN,
  logsError,
  RETENTION_DAYS,
} from './errors.ts';
import {
  checkGroupName,
  groupNameFromArn,
  groupNameOf,
  integer,
  string,
  stringMap,
  strings,
} from './input.ts';
import { groupArn, type LogGroup, type LogRegistry, type LogStream, streamArn } from './registry.ts';
import type { Retention } from './retention.ts';
import { formatPageToken, parsePageToken } from './tokens.ts';

const LOG_GROUP_CLASSES = ['STANDARD', 'INFREQUENT_ACCESS', 'DELIVERY'];
const MAX_TAGS = 50;
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

/** Sequence tokens are ignored since 2023, but AWS still hands one out; eddy's counts uploads. */
export const sequenceToken = (uploads: number) => String(uploads).padStart(56, '0');

function describeStream(group: LogGroup, stream: LogStream) {
  return {
    logStreamName: stream.name,
    creationTime: stream.createdAt,
    firstEventTimestamp: stream.firstEventAt,
    lastEventTimestamp: stream.lastEventAt,
    lastIngestionTime: stream.lastIngestedAt,
    uploadSequenceToken: sequenceToken(stream.uploads + 1),
    arn: streamArn(group, stream),
    // AWS reports 0 for streams since 2019; the group's storedBytes carries the count.
    storedBytes: 0,
  };
}

const checkStreamName = (member: string, name: string | undefined) =>
  constraints().length(member, name, 1, 512).pattern(member, name, LOG_STREAM_NAME_PATTERN);

const isString = (value: unknown): value is string => typeof value === 'string';
const isStreamKey = (value: unknown): value is { lastEventAt: number; name: string } =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { name: unknown }).name === 'string' &&
  Number.isSafeInteger((value as { lastEventAt: unknown }).lastEventAt);

export function resourceHandlers(
  registry: LogRegistry,
  retention: Retention,
  clock: Clock,
): Record<string, Handler> {
  const tagsOf = (input: Input, context: { accountId: string; region: string }) =>
    registry.requireGroup(
      context.accountId,
      context.region,
      groupNameFromArn(string(input, 'resourceArn')!, context),
    );

  return {
    async CreateLogGroup(input, context) {
      const name = string(input, 'logGroupName')!;
      const logGroupClass = string(input, 'logGroupClass');
      const tags = stringMap(input, 'tags');
      const kmsKeyId = string(input, 'kmsKeyId');
      checkGroupName('logGroupName', name)
        .length('kmsKeyId', kmsKeyId, 0, 256)
        .oneOf('logGroupClass', logGroupClass, LOG_GROUP_CLASSES)
        .tags('tags', tags)
        .check();
      if (name.startsWith('aws/')) throw invalidParameter("Log group names can't start with the string aws/");
      await registry.createGroup(
        context.accountId,
        context.region,
        {
          name,
          ...(kmsKeyId !== undefined ? { kmsKeyId } : {}),
          ...(logGroupClass !== undefined ? { logGroupClass } : {}),
          ...(tags !== undefined ? { tags } : {}),
        },
        clock.now(),
      );
    },

    async DeleteLogGroup(input, context) {
      const name = string(input, 'logGroupName')!;
      checkGroupName('logGroupName', name).check();
      await registry.deleteGroup(context.accountId, context.region, name);
    },

    async DescribeLogGroups(input, context) {
      const prefix = string(input, 'logGroupNamePrefix');
      const pattern = string(input, 'logGroupNamePattern');
      const logGroupClass = string(input, 'logGroupClass');
      const limit = integer(input, 'limit');
      checkGroupName('logGroupNamePrefix', prefix)
        .length('logGroupNamePattern', pattern, 0, 512)
        .pattern('logGroupNamePattern', pattern, '[\\.\\-_/#A-Za-z0-9]*')
        .oneOf('logGroupClass', logGroupClass, LOG_GROUP_CLASSES)
        .range('limit', limit, 1, DESCRIBE_LIMIT)
        .check();
      if (prefix !== undefined && pattern !== undefined)
        throw invalidParameter(
          'LogGroupNamePrefix and LogGroupNamePattern are mutually exclusive parameters.',
        );
      const token = string(input, 'nextToken');
      const size = limit ?? DESCRIBE_LIMIT;
      const groups = await registry.listGroups(context.accountId, context.region, {
        ...(prefix !== undefined ? { prefix } : {}),
        ...(pattern !== undefined ? { pattern } : {}),
        ...(logGroupClass !== undefined ? { logGroupClass } : {}),
        ...(token !== undefined ? { after: parsePageToken(token, isString) } : {}),
        limit: size + 1,
      });
      const page = groups.slice(0, size);
      return {
        logGroups: page.map(describeGroup),
        nextToken: groups.length > size ? formatPageToken(page.at(-1)!.name) : undefined,
      };
    },

    async PutRetentionPolicy(input, context) {
      const name = string(input, 'logGroupName')!;
      const days = integer(input, 'retentionInDays')!;
      checkGroupName('logGroupName', name).oneOf('retentionInDays', days, RETENTION_DAYS).check();
      const group = await registry.setRetention(context.accountId, context.region, name, days);
      await retention.apply(group);
    },

    async DeleteRetentionPolicy(input, context) {
      const name = string(input, 'logGroupName')!;
      checkGroupName('logGroupName', name).check();
      await registry.setRetention(context.accountId, context.region, name, undefined);
    },

    async CreateLogStream(input, context) {
      const streamName = string(input, 'logStreamName')!;
      const name = string(input, 'logGroupName')!;
      checkGroupName('logGroupName', name).check();
      checkStreamName('logStreamName', streamName).check();
      const group = await registry.requireGroup(context.accountId, context.region, name);
      await registry.createStream(group, streamName, clock.now());
    },

    async DeleteLogStream(input, context) {
      const streamName = string(input, 'logStreamName')!;
      const name = string(input, 'logGroupName')!;
      checkGroupName('logGroupName', name).check();
      checkStreamName('logStreamName', streamName).check();
      const group = await registry.requireGroup(context.accountId, context.region, name);
      await registry.deleteStream(group, streamName);
    },

    async DescribeLogStreams(input, context) {
      const prefix = string(input, 'logStreamNamePrefix');
      const orderBy = string(input, 'orderBy');
      const limit = integer(input, 'limit');
      checkStreamName('logStreamNamePrefix', prefix)
        .oneOf('orderBy', orderBy, ['LogStreamName', 'LastEventTime'])
        .range('limit', limit, 1, DESCRIBE_LIMIT)
        .check();
      const byLastEventTime = orderBy === 'LastEventTime';
      if (byLastEventTime && prefix !== undefined)
        throw invalidParameter('Cannot order by LastEventTime with a logStreamNamePrefix.');
      const group = await registry.requireGroup(
        context.accountId,
        context.region,
        groupNameOf(input, context),
      );
      const token = string(input, 'nextToken');
      const size = limit ?? DESCRIBE_LIMIT;
      const streams = await registry.listStreams(group, {
        ...(prefix !== undefined ? { prefix } : {}),
        byLastEventTime,
        descending: input.descending === true,
        ...(token !== undefined ? { after: parsePageToken(token, isStreamKey) } : {}),
        limit: size + 1,
      });
      const page = streams.slice(0, size);
      const last = page.at(-1);
      return {
        logStreams: page.map((stream) => describeStream(group, stream)),
        nextToken:
          streams.length > size && last
            ? formatPageToken({ lastEventAt: last.lastEventAt ?? 0, name: last.name })
            : undefined,
      };
    },

    // Tags by group name (the API AWS deprecated) and by ARN (the one it recommends).
    async TagLogGroup(input, context) {
      const name = string(input, 'logGroupName')!;
      const tags = stringMap(input, 'tags')!;
      checkGroupName('logGroupName', name).tags('tags', tags).check();
      await registry.updateTags(context.accountId, context.region, name, (current) => {
        const merged = { ...current, ...tags };
        if (Object.keys(merged).length > MAX_TAGS)
          throw invalidParameter(`A log group can have no more than ${MAX_TAGS} tags.`);
        return merged;
      });
    },

    async UntagLogGroup(input, context) {
      const name = string(input, 'logGroupName')!;
      const keys = strings(input, 'tags')!;
      checkGroupName('logGroupName', name).length('tags', keys, 1, MAX_TAGS).check();
      await registry.updateTags(context.accountId, context.region, name, (current) => {
        for (const key of keys) delete current[key];
        return current;
      });
    },

    async ListTagsLogGroup(input, context) {
      const name = string(input, 'logGroupName')!;
      checkGroupName('logGroupName', name).check();
      const group = await registry.requireGroup(context.accountId, context.region, name);
      return { tags: group.tags };
    },

    async TagResource(input, context) {
      const tags = stringMap(input, 'tags')!;
      constraints().tags('tags', tags).check();
      const group = await tagsOf(input, context);
      await registry.updateTags(context.accountId, context.region, group.name, (current) => {
        const merged = { ...current, ...tags };
        if (Object.keys(merged).length > MAX_TAGS) {
          throw logsError('TooManyTagsException', `A resource can have no more than ${MAX_TAGS} tags.`, {
            resourceName: string(input, 'resourceArn'),
          });
        }
        return merged;
      });
    },

    async UntagResource(input, context) {
      const keys = strings(input, 'tagKeys')!;
      constraints().length('tagKeys', keys, 0, MAX_TAGS).check();
      const group = await tagsOf(input, context);
      await registry.updateTags(context.accountId, context.region, group.name, (current) => {
        for (const key of keys) delete current[key];
        return current;
      });
    },

    async ListTagsForResource(input, context) {
      const group = await tagsOf(input, context);
      return { tags: group.tags };
    },
  };
}

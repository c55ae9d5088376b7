// Log streams: create, delete, and describe by name or by last event time.
import type { Clock } from '../../runtime/index.ts';
import type { LogsHandlers } from './api.ts';
import { invalidParameter } from './errors.ts';
import { groupNameOf } from './input.ts';
import { type LogGroup, type LogRegistry, type LogStream, streamArn } from './registry.ts';
import { formatPageToken, parsePageToken } from './tokens.ts';

const DESCRIBE_LIMIT = 50;

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

const isStreamKey = (value: unknown): value is { lastEventAt: number; name: string } =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { name: unknown }).name === 'string' &&
  Number.isSafeInteger((value as { lastEventAt: unknown }).lastEventAt);

export function streamHandlers(registry: LogRegistry, clock: Clock) {
  return {
    async CreateLogStream(input, context) {
      const group = await registry.requireGroup(context.accountId, context.region, input.logGroupName);
      await registry.createStream(group, input.logStreamName, clock.now());
    },

    async DeleteLogStream(input, context) {
      const group = await registry.requireGroup(context.accountId, context.region, input.logGroupName);
      await registry.deleteStream(group, input.logStreamName);
    },

    async DescribeLogStreams(input, context) {
      const { logStreamNamePrefix: prefix, limit } = input;
      const byLastEventTime = input.orderBy === 'LastEventTime';
      if (byLastEventTime && prefix !== undefined)
        throw invalidParameter('Cannot order by LastEventTime with a logStreamNamePrefix.');
      const group = await registry.requireGroup(
        context.accountId,
        context.region,
        groupNameOf(input, context),
      );
      const size = limit ?? DESCRIBE_LIMIT;
      const streams = await registry.listStreams(group, {
        ...(prefix !== undefined ? { prefix } : {}),
        byLastEventTime,
        descending: input.descending === true,
        ...(input.nextToken !== undefined ? { after: parsePageToken(input.nextToken, isStreamKey) } : {}),
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
  } satisfies Partial<LogsHandlers>;
}

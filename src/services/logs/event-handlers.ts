// Handlers for log events: PutLogEvents with AWS's batch rules, GetLogEvents with its forward and
// backward tokens, FilterLogEvents across a group's streams with filter patterns and paging.
import type { Clock } from '../../runtime/index.ts';
import type { Store } from '../../store/index.ts';
import type { LogsHandlers } from './api.ts';
import { invalidParameter, streamNotFound } from './errors.ts';
import {
  type LogEvents,
  type NewEvent,
  positionOf,
  type StoredEvent,
  type StreamSelection,
} from './events.ts';
import { compileFilterPattern, FilterPatternError, type LogFilter } from './filter.ts';
import { groupNameOf } from './input.ts';
import {
  EVENT_OVERHEAD_BYTES,
  MAX_BATCH_BYTES,
  MAX_EVENT_BYTES,
  MAX_READ_BYTES,
  MAX_READ_EVENTS,
} from './limits.ts';
import type { LogRegistry } from './registry.ts';
import { DAY_MS, retentionCutoff } from './retention.ts';
import { sequenceToken } from './streams.ts';
import {
  eventId,
  formatPageToken,
  formatStreamToken,
  isPosition,
  ORIGIN,
  type Position,
  parsePageToken,
  parseStreamToken,
} from './tokens.ts';

const MAX_FUTURE_MS = 2 * 60 * 60 * 1000;
const MAX_AGE_MS = 14 * DAY_MS;
const MAX_SPAN_MS = DAY_MS;

/** FilterLogEvents reads the store in slices and stops after this many events per call, like AWS
 *  returns a nextToken with few or no events when a sparse search takes long. */
const SCAN_SLICE = 1_000;
const SCAN_BUDGET = 100_000;

interface InputLogEvent {
  timestamp: number;
  message: string;
}

export interface RejectedInfo {
  tooNewLogEventStartIndex?: number;
  tooOldLogEventEndIndex?: number;
  expiredLogEventEndIndex?: number;
}

/**
 * Checks a batch against AWS's rules and splits it: the events to store, and the indexes of those
 * rejected for being too new, too old or past the group's retention (a chronological batch rejects
 * a prefix and a suffix). Throws InvalidParameterException for a batch AWS fails as a whole.
 */
export function admitBatch(
  events: InputLogEvent[],
  now: number,
  retentionDays: number | undefined,
): { accepted: NewEvent[]; rejected: RejectedInfo | undefined } {
  let total = 0;
  const sized: NewEvent[] = [];
  for (const [index, event] of events.entries()) {
    const bytes = Buffer.byteLength(event.message, 'utf8');
    if (bytes + EVENT_OVERHEAD_BYTES > MAX_EVENT_BYTES)
      throw invalidParameter(
        `Log event too large: ${bytes + EVENT_OVERHEAD_BYTES} bytes exceeds limit of ${MAX_EVENT_BYTES}`,
      );
    total += bytes + EVENT_OVERHEAD_BYTES;
    if (index > 0 && event.timestamp < events[index - 1]!.timestamp)
      throw invalidParameter('Log events in a single PutLogEvents request must be in chronological order.');
    sized.push({ ts: event.timestamp, message: event.message, bytes });
  }
  if (total > MAX_BATCH_BYTES)
    throw invalidParameter(`Upload too large: ${total} bytes exceeds limit of ${MAX_BATCH_BYTES}`);
  const leading = (limit: number) => sized.findIndex((event) => event.ts >= limit);
  const countBefore = (limit: number) => {
    const index = leading(limit);
    return index < 0 ? sized.length : index;
  };
  const tooOldEnd = countBefore(now - MAX_AGE_MS);
  const expiredEnd = retentionDays === undefined ? 0 : countBefore(retentionCutoff(now, retentionDays));
  const firstTooNew = sized.findIndex((event) => event.ts > now + MAX_FUTURE_MS);
  const tooNewStart = firstTooNew < 0 ? sized.length : firstTooNew;
  const accepted = sized.slice(Math.max(tooOldEnd, expiredEnd), Math.max(tooNewStart, tooOldEnd, expiredEnd));
  const first = accepted[0];
  const last = accepted.at(-1);
  if (first && last && last.ts - first.ts > MAX_SPAN_MS)
    throw invalidParameter(
      'The batch of log events in a single PutLogEvents request cannot span more than 24 hours.',
    );
  const rejected: RejectedInfo = {
    ...(tooNewStart < sized.length ? { tooNewLogEventStartIndex: tooNewStart } : {}),
    ...(tooOldEnd > 0 ? { tooOldLogEventEndIndex: tooOldEnd } : {}),
    ...(expiredEnd > 0 ? { expiredLogEventEndIndex: expiredEnd } : {}),
  };
  return { accepted, rejected: Object.keys(rejected).length > 0 ? rejected : undefined };
}

/** Keeps events while their messages fit in the response's 1 MB, from the start or from the end. */
function fitBytes(events: StoredEvent[], fromEnd: boolean): StoredEvent[] {
  let bytes = 0;
  const ordered = fromEnd ? [...events].reverse() : events;
  let count = 0;
  for (const event of ordered) {
    bytes += event.bytes + EVENT_OVERHEAD_BYTES;
    if (count > 0 && bytes > MAX_READ_BYTES) break;
    count++;
  }
  return fromEnd ? events.slice(events.length - count) : events.slice(0, count);
}

export function compileFilter(pattern: string | undefined): LogFilter {
  try {
    return compileFilterPattern(pattern ?? '');
  } catch (error) {
    if (error instanceof FilterPatternError)
      throw invalidParameter(`Invalid filter pattern: ${error.message}`);
    throw error;
  }
}

export function eventHandlers(registry: LogRegistry, events: LogEvents, store: Store, clock: Clock) {
  return {
    async PutLogEvents(input, context) {
      const { logGroupName: groupName, logStreamName: streamName, logEvents: batch } = input;
      const group = await registry.requireGroup(context.accountId, context.region, groupName);
      const now = clock.now();
      const { accepted, rejected } = admitBatch(batch, now, group.retentionDays);
      const uploads = await store.write(async (tx) => {
        const stream = await registry.stream(tx, group.id, streamName);
        if (!stream) throw streamNotFound();
        return events.append(tx, group, stream.id, accepted, now);
      });
      return { nextSequenceToken: sequenceToken(uploads + 1), rejectedLogEventsInfo: rejected };
    },

    async GetLogEvents(input, context) {
      const { logStreamName: streamName, limit, startTime, endTime, nextToken: token } = input;
      const group = await registry.requireGroup(
        context.accountId,
        context.region,
        groupNameOf(input, context),
      );
      const stream = await registry.requireStream(group, streamName);
      const parsed = token === undefined ? undefined : parseStreamToken(token);
      const fromHead = parsed ? parsed.direction === 'f' : input.startFromHead === true;
      const found = await events.readStream({
        streamId: stream.id,
        startTime,
        endTime,
        ...(parsed?.direction === 'f' ? { after: parsed.position } : {}),
        ...(parsed?.direction === 'b' ? { before: parsed.position } : {}),
        fromHead,
        limit: limit ?? MAX_READ_EVENTS,
      });
      const page = fitBytes(found, !fromHead);
      const first = page[0];
      const last = page.at(-1);
      // With nothing to return, both tokens stay where the reader is: the one it sent comes back
      // unchanged, which is how AWS's clients know they reached the end.
      const anchor: Position =
        parsed?.position ?? (startTime !== undefined ? { ts: startTime, seq: 0 } : ORIGIN);
      return {
        events: page.map((event) => ({
          timestamp: event.ts,
          message: input.unmask === true ? event.message : event.shown,
          ingestionTime: event.ingestedAt,
        })),
        nextForwardToken: formatStreamToken({ direction: 'f', position: last ? positionOf(last) : anchor }),
        nextBackwardToken: formatStreamToken({
          direction: 'b',
          position: first ? positionOf(first) : anchor,
        }),
      };
    },

    async FilterLogEvents(input, context) {
      const { logStreamNames: names, logStreamNamePrefix: prefix, limit, startTime, endTime } = input;
      const { filterPattern: pattern, nextToken: token } = input;
      if (names !== undefined && prefix !== undefined)
        throw invalidParameter('logStreamNames and logStreamNamePrefix are mutually exclusive parameters.');
      const matches = compileFilter(pattern);
      const group = await registry.requireGroup(
        context.accountId,
        context.region,
        groupNameOf(input, context),
      );
      const streams: StreamSelection =
        names !== undefined ? { names } : prefix !== undefined ? { prefix } : undefined;
      const wanted = limit ?? MAX_READ_EVENTS;
      let cursor = token === undefined ? undefined : parsePageToken(token, isPosition);
      const found: StoredEvent[] = [];
      let bytes = 0;
      let scanned = 0;
      let exhausted = false;
      scan: while (scanned < SCAN_BUDGET) {
        const slice = await events.scanGroup({
          groupId: group.id,
          streams,
          startTime,
          endTime,
          after: cursor,
          limit: SCAN_SLICE,
        });
        for (const [index, event] of slice.entries()) {
          cursor = positionOf(event);
          scanned++;
          if (!matches(input.unmask === true ? event.message : event.shown)) continue;
          bytes += event.bytes + EVENT_OVERHEAD_BYTES;
          if (found.length > 0 && bytes > MAX_READ_BYTES) {
            // This event does not fit: the next page starts at it.
            cursor = positionOf(found.at(-1)!);
            break scan;
          }
          found.push(event);
          if (found.length === wanted) {
            exhausted = slice.length < SCAN_SLICE && index === slice.length - 1;
            break scan;
          }
        }
        if (slice.length < SCAN_SLICE) {
          exhausted = true;
          break;
        }
      }
      return {
        events: found.map((event) => ({
          logStreamName: event.stream,
          timestamp: event.ts,
          message: input.unmask === true ? event.message : event.shown,
          ingestionTime: event.ingestedAt,
          eventId: eventId(positionOf(event)),
        })),
        searchedLogStreams: [],
        nextToken: exhausted || !cursor ? undefined : formatPageToken(cursor),
      };
    },
  } satisfies Partial<LogsHandlers>;
}

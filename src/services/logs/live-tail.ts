// Live Tail: StartLiveTail answers with an event stream — a sessionStart, then a sessionUpdate with
// the newly ingested events of the session's groups (and streams, and filter pattern) as they are
// committed, at most 500 to an update (more are sampled, as AWS samples). A session ends when the
// client goes away, when eddy stops, or after AWS's three hours with a SessionTimeoutException.
// Readers see masked data, as at every egress. At most 15 sessions run at once per account.
import type { CloudWatchLogs, RequestContext } from '../../contract/index.ts';
import { type Clock, newUuid } from '../../runtime/index.ts';
import type { Store } from '../../store/index.ts';
import type { LogsHandlers } from './api.ts';
import { invalidParameter, logsError } from './errors.ts';
import { compileFilter } from './event-handlers.ts';
import { identifiedGroup } from './input.ts';
import { groupArn, type LogGroup, type LogRegistry } from './registry.ts';

const MAX_SESSIONS = 15;
const MAX_PER_UPDATE = 500;
const POLL_MS = 1_000;
const SESSION_MS = 3 * 60 * 60 * 1000;

interface TailRow {
  seq: number;
  ts: number;
  ingested_at: number;
  message: string;
  group_id: number;
  stream: string;
}

export class LiveTail {
  private readonly wakers = new Set<() => void>();
  private readonly sessions = new Map<string, number>();
  private stopping = false;

  constructor(
    private readonly store: Store,
    private readonly registry: LogRegistry,
    private readonly clock: Clock,
  ) {}

  /** Events were committed: sessions read them now rather than at their next poll. */
  wake(): void {
    for (const waker of this.wakers) waker();
  }

  stop(): void {
    this.stopping = true;
    this.wake();
  }

  private async groupsOf(
    input: CloudWatchLogs.StartLiveTailRequest,
    context: RequestContext,
  ): Promise<LogGroup[]> {
    if (input.logStreamNames !== undefined && input.logStreamNamePrefixes !== undefined)
      throw invalidParameter('logStreamNames and logStreamNamePrefixes are mutually exclusive parameters.');
    if (
      (input.logStreamNames !== undefined || input.logStreamNamePrefixes !== undefined) &&
      input.logGroupIdentifiers.length !== 1
    )
      throw invalidParameter(
        'Log stream names and prefixes can be given only for a session of one log group.',
      );
    const groups: LogGroup[] = [];
    for (const identifier of input.logGroupIdentifiers)
      groups.push(
        await this.registry.requireGroup(
          context.accountId,
          context.region,
          identifiedGroup(identifier, context),
        ),
      );
    return groups;
  }

  /** Waits for a commit, the poll interval, the client going away or eddy stopping. */
  private pause(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        cancel();
        this.wakers.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const cancel = this.clock.setAlarm(this.clock.now() + POLL_MS, done);
      this.wakers.add(done);
      signal.addEventListener('abort', done);
    });
  }

  private async *session(
    input: CloudWatchLogs.StartLiveTailRequest,
    context: RequestContext,
    groups: LogGroup[],
    from: number,
  ): AsyncIterable<CloudWatchLogs.StartLiveTailResponseStream> {
    const { accountId } = context;
    const sessionId = newUuid();
    const matches = compileFilter(input.logEventFilterPattern);
    const arns = new Map(groups.map((group) => [group.id, groupArn(group)]));
    const ids = groups.map((group) => group.id);
    const ends = this.clock.now() + SESSION_MS;
    const { signal } = context;
    this.sessions.set(accountId, (this.sessions.get(accountId) ?? 0) + 1);
    try {
      yield {
        sessionStart: {
          requestId: context.requestId,
          sessionId,
          logGroupIdentifiers: input.logGroupIdentifiers,
          ...(input.logStreamNames ? { logStreamNames: input.logStreamNames } : {}),
          ...(input.logStreamNamePrefixes ? { logStreamNamePrefixes: input.logStreamNamePrefixes } : {}),
          ...(input.logEventFilterPattern !== undefined
            ? { logEventFilterPattern: input.logEventFilterPattern }
            : {}),
        },
      };
      let cursor = from;
      while (!signal.aborted && !this.stopping) {
        if (this.clock.now() >= ends) {
          yield {
            SessionTimeoutException: {
              message: 'The Live Tail session reached its maximum duration of 3 hours.',
            },
          };
          return;
        }
        // `+e.group_id` keeps the planner on the primary key: the rows after a recent seq are few.
        const rows = await this.store.read((tx) =>
          tx.all<TailRow>(
            `SELECT e.seq, e.ts, e.ingested_at, COALESCE(e.masked, e.message) AS message, e.group_id, s.name AS stream
             FROM logs_events e JOIN logs_streams s ON s.id = e.stream_id
             WHERE e.seq > ? AND +e.group_id IN (${ids.map(() => '?').join(', ')}) ORDER BY e.seq LIMIT 10000`,
            [cursor, ...ids],
          ),
        );
        const found = rows.filter(
          (row) =>
            (input.logStreamNames === undefined || input.logStreamNames.includes(row.stream)) &&
            (input.logStreamNamePrefixes === undefined ||
              input.logStreamNamePrefixes.some((prefix) => row.stream.startsWith(prefix))) &&
            matches(row.message),
        );
        if (rows.length > 0) cursor = Number(rows.at(-1)!.seq);
        if (found.length > 0) {
          const sampled = found.length > MAX_PER_UPDATE;
          const chosen = sampled
            ? found.filter((_, index) => index % Math.ceil(found.length / MAX_PER_UPDATE) === 0)
            : found;
          yield {
            sessionUpdate: {
              sessionMetadata: { sampled },
              sessionResults: chosen.slice(0, MAX_PER_UPDATE).map((row) => ({
                logStreamName: row.stream,
                logGroupIdentifier: arns.get(Number(row.group_id)),
                message: row.message,
                timestamp: Number(row.ts),
                ingestionTime: Number(row.ingested_at),
              })),
            },
          };
        }
        if (rows.length < 10_000) await this.pause(signal);
      }
    } finally {
      this.sessions.set(accountId, (this.sessions.get(accountId) ?? 1) - 1);
    }
  }

  handlers() {
    return {
      StartLiveTail: async (input, context) => {
        const groups = await this.groupsOf(input, context);
        compileFilter(input.logEventFilterPattern);
        if ((this.sessions.get(context.accountId) ?? 0) >= MAX_SESSIONS)
          throw logsError(
            'LimitExceededException',
            `You can have at most ${MAX_SESSIONS} concurrent Live Tail sessions.`,
          );
        const last = await this.store.read((tx) =>
          tx.get<{ seq: number | null }>('SELECT MAX(seq) AS seq FROM logs_events'),
        );
        return { responseStream: this.session(input, context, groups, Number(last?.seq ?? 0)) };
      },
    } satisfies Partial<LogsHandlers>;
  }
}

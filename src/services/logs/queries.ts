// Logs Insights queries: StartQuery checks the query and its groups, stores it Running and runs it in
// the background over the groups' events in the time range, newest first; GetQueryResults reads the
// stored answer; StopQuery cancels a run; DescribeQueries and ListLogGroupsForQuery list what ran.
// Queries and their results are kept 7 days, as AWS keeps them. A query that was running when eddy
// stopped is Failed afterwards. eddy runs the CWLI language (insights-parse.ts); SQL and PPL queries
// are answered with MalformedQueryException.
import type { CloudWatchLogs } from '../../contract/index.ts';
import { type Clock, type Logger, newUuid } from '../../runtime/index.ts';
import type { Store } from '../../store/index.ts';
import type { LogsHandlers } from './api.ts';
import { invalidParameter, logsError, notFound } from './errors.ts';
import { type Caller, identifiedGroup } from './input.ts';
import { checkQuery, QueryRun, type ResultRow } from './insights-eval.ts';
import { type Command, parseQuery, QuerySyntaxError } from './insights-parse.ts';
import { EVENT_COLUMNS, type EventRow, recordOf } from './log-records.ts';
import { groupArn, type LogGroup, type LogRegistry } from './registry.ts';
import type { Resources } from './resources.ts';
import { formatPageToken, parsePageToken } from './tokens.ts';

const KEEP_MS = 7 * 24 * 60 * 60 * 1000;
const MAX_GROUPS = 50;
const DEFAULT_LIMIT = 10_000;
const PAGE = 1_000;
/** A run stops reading after this many events, as AWS stops a query at its time limit. */
const MAX_SCANNED = 5_000_000;
const MAX_RUNNING = 30;

interface QueryBody {
  queryString: string;
  queryLanguage: CloudWatchLogs.QueryLanguage;
  groups: Array<{ id: number; name: string; arn: string }>;
  startTime: number;
  endTime: number;
  limit: number;
  encryptionKey?: string;
}

interface QueryResults {
  rows: ResultRow['fields'][];
  statistics: CloudWatchLogs.QueryStatistics;
  durationMs: number;
}

interface QueryRow {
  id: string;
  created_at: number;
  status: CloudWatchLogs.QueryStatus;
  query: string;
  results: string | null;
}

const queryNotFound = () => notFound('The specified query does not exist.');

function malformed(error: QuerySyntaxError): never {
  throw logsError('MalformedQueryException', error.message, {
    queryCompileError: {
      location: { startCharOffset: error.start, endCharOffset: error.end },
      message: error.message,
    },
  });
}

const isOffset = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const isKey = (value: unknown): value is { at: number; id: string } =>
  typeof value === 'object' && value !== null && typeof (value as { id: unknown }).id === 'string';

export class Queries {
  /** Runs in this process, by query id: StopQuery sets `cancelled`. */
  private readonly running = new Map<string, { cancelled: boolean; done: Promise<void> }>();

  constructor(
    private readonly store: Store,
    private readonly registry: LogRegistry,
    private readonly resources: Resources,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** Marks what a stopped eddy left running as Failed, and forgets what is older than 7 days. */
  async start(): Promise<void> {
    await this.store.write(async (tx) => {
      await tx.run("UPDATE logs_queries SET status = 'Failed' WHERE status IN ('Running', 'Scheduled')");
      await tx.run('DELETE FROM logs_queries WHERE created_at < ?', [this.clock.now() - KEEP_MS]);
    });
  }

  async stop(): Promise<void> {
    for (const run of this.running.values()) run.cancelled = true;
    await Promise.all([...this.running.values()].map((run) => run.done));
  }

  private async groupsOf(input: CloudWatchLogs.StartQueryRequest, caller: Caller): Promise<LogGroup[]> {
    const given = [
      input.logGroupName !== undefined,
      input.logGroupNames !== undefined,
      input.logGroupIdentifiers !== undefined,
    ];
    if (given.filter(Boolean).length !== 1)
      throw invalidParameter(
        'Exactly one of logGroupName, logGroupNames or logGroupIdentifiers must be specified.',
      );
    const names =
      input.logGroupName !== undefined
        ? [input.logGroupName]
        : (input.logGroupNames ?? input.logGroupIdentifiers!.map((id) => identifiedGroup(id, caller)));
    if (names.length === 0 || names.length > MAX_GROUPS)
      throw invalidParameter(`A query can search between 1 and ${MAX_GROUPS} log groups.`);
    const groups: LogGroup[] = [];
    for (const name of new Set(names))
      groups.push(await this.registry.requireGroup(caller.accountId, caller.region, name));
    return groups;
  }

  async startQuery(input: CloudWatchLogs.StartQueryRequest, caller: Caller): Promise<string> {
    const language = input.queryLanguage ?? 'CWLI';
    if (language !== 'CWLI')
      malformed(
        new QuerySyntaxError(
          `eddy runs Logs Insights QL (CWLI) queries; ${language} queries are not supported.`,
          0,
          0,
        ),
      );
    let commands: Command[];
    try {
      commands = parseQuery(input.queryString);
      checkQuery(commands);
    } catch (error) {
      if (error instanceof QuerySyntaxError) malformed(error);
      throw error;
    }
    if (input.endTime < input.startTime)
      throw invalidParameter('The end time of a query must not be before its start time.');
    const groups = await this.groupsOf(input, caller);
    if (this.running.size >= MAX_RUNNING)
      throw logsError('LimitExceededException', 'Account maximum query concurrency limit of [30] reached.');
    const key = await this.resources.get<string>(caller, { kind: 'query-results-key', name: 'query-result' });
    const id = newUuid();
    const now = this.clock.now();
    const body: QueryBody = {
      queryString: input.queryString,
      queryLanguage: language,
      groups: groups.map((group) => ({ id: group.id, name: group.name, arn: groupArn(group) })),
      startTime: input.startTime,
      endTime: input.endTime,
      limit: input.limit ?? DEFAULT_LIMIT,
      ...(key ? { encryptionKey: key.body } : {}),
    };
    await this.store.write(async (tx) => {
      await tx.run('DELETE FROM logs_queries WHERE account = ? AND region = ? AND created_at < ?', [
        caller.accountId,
        caller.region,
        now - KEEP_MS,
      ]);
      await tx.run(
        "INSERT INTO logs_queries (id, account, region, created_at, status, query) VALUES (?, ?, ?, ?, 'Running', ?)",
        [id, caller.accountId, caller.region, now, JSON.stringify(body)],
      );
    });
    const run = { cancelled: false, done: Promise.resolve() };
    run.done = this.execute(id, caller.accountId, body, commands, run)
      .catch(async (error: unknown) => {
        this.log.error({ err: error, queryId: id }, 'a Logs Insights query failed');
        await this.finish(id, 'Failed', undefined);
      })
      .finally(() => this.running.delete(id));
    this.running.set(id, run);
    return id;
  }

  private async execute(
    id: string,
    account: string,
    body: QueryBody,
    commands: Command[],
    run: { cancelled: boolean },
  ) {
    const began = this.clock.now();
    const query = new QueryRun(commands, body.limit);
    const names = new Map(body.groups.map((group) => [group.id, group.name]));
    const ids = body.groups.map((group) => group.id);
    let scanned = 0;
    let bytes = 0;
    let cursor: { ts: number; seq: number } | undefined;
    scan: while (scanned < MAX_SCANNED && !run.cancelled) {
      const rows = await this.store.read((tx) =>
        tx.all<EventRow>(
          `SELECT ${EVENT_COLUMNS} FROM logs_events e JOIN logs_streams s ON s.id = e.stream_id
           WHERE e.group_id IN (${ids.map(() => '?').join(', ')}) AND e.ts >= ? AND e.ts <= ?
           ${cursor ? 'AND (e.ts < ? OR (e.ts = ? AND e.seq < ?))' : ''}
           ORDER BY e.ts DESC, e.seq DESC LIMIT ?`,
          [
            ...ids,
            body.startTime * 1000,
            body.endTime * 1000 + 999,
            ...(cursor ? [cursor.ts, cursor.ts, cursor.seq] : []),
            PAGE,
          ],
        ),
      );
      for (const row of rows) {
        scanned++;
        bytes += Number(row.bytes);
        cursor = { ts: Number(row.ts), seq: Number(row.seq) };
        if (!query.push(recordOf(row, account, names.get(Number(row.group_id)) ?? ''))) break scan;
      }
      if (rows.length < PAGE) break;
    }
    const rows = query.finish().map((row) => row.fields);
    await this.finish(id, run.cancelled ? 'Cancelled' : 'Complete', {
      rows,
      statistics: {
        recordsMatched: query.matched,
        recordsScanned: scanned,
        estimatedRecordsSkipped: 0,
        bytesScanned: bytes,
        estimatedBytesSkipped: 0,
        logGroupsScanned: body.groups.length,
      },
      durationMs: this.clock.now() - began,
    });
  }

  private finish(id: string, status: CloudWatchLogs.QueryStatus, results: QueryResults | undefined) {
    return this.store.write((tx) =>
      tx.run('UPDATE logs_queries SET status = ?, results = ? WHERE id = ?', [
        status,
        results ? JSON.stringify(results) : null,
        id,
      ]),
    );
  }

  /** Resolves when a query started in this process has finished (tests). */
  async settled(id: string): Promise<void> {
    await this.running.get(id)?.done;
  }

  async find(id: string, caller: Caller): Promise<QueryRow> {
    const row = await this.store.read((tx) =>
      tx.get<QueryRow>(
        'SELECT id, created_at, status, query, results FROM logs_queries WHERE id = ? AND account = ? AND region = ?',
        [id, caller.accountId, caller.region],
      ),
    );
    if (!row || row.created_at < this.clock.now() - KEEP_MS) throw queryNotFound();
    return row;
  }

  handlers() {
    return {
      StartQuery: async (input, context) => ({ queryId: await this.startQuery(input, context) }),

      GetQueryResults: async (input, context) => {
        const row = await this.find(input.queryId, context);
        const body = JSON.parse(row.query) as QueryBody;
        const results = row.results ? (JSON.parse(row.results) as QueryResults) : undefined;
        const offset = input.nextToken !== undefined ? parsePageToken(input.nextToken, isOffset) : 0;
        const size = input.maxItems ?? DEFAULT_LIMIT;
        const all = results?.rows ?? [];
        const page = all.slice(offset, offset + size);
        return {
          queryLanguage: body.queryLanguage,
          results: page,
          statistics: results?.statistics ?? { recordsMatched: 0, recordsScanned: 0, bytesScanned: 0 },
          status: row.status,
          ...(body.encryptionKey !== undefined ? { encryptionKey: body.encryptionKey } : {}),
          ...(offset + size < all.length ? { nextToken: formatPageToken(offset + size) } : {}),
        };
      },

      StopQuery: async (input, context) => {
        const row = await this.find(input.queryId, context);
        const run = this.running.get(row.id);
        if (!run || row.status !== 'Running') throw invalidParameter(`Query ${row.id} is not running.`);
        run.cancelled = true;
        await run.done;
        return { success: true };
      },

      DescribeQueries: async (input, context) => {
        const size = input.maxResults ?? 1000;
        let after = input.nextToken !== undefined ? parsePageToken(input.nextToken, isKey) : undefined;
        const found: CloudWatchLogs.QueryInfo[] = [];
        let last: QueryRow | undefined;
        for (;;) {
          const rows = await this.store.read((tx) =>
            tx.all<QueryRow>(
              `SELECT id, created_at, status, query, results FROM logs_queries WHERE account = ? AND region = ? AND created_at >= ?
               ${after ? 'AND (created_at < ? OR (created_at = ? AND id < ?))' : ''} ORDER BY created_at DESC, id DESC LIMIT ?`,
              [
                context.accountId,
                context.region,
                this.clock.now() - KEEP_MS,
                ...(after ? [after.at, after.at, after.id] : []),
                PAGE,
              ],
            ),
          );
          for (const row of rows) {
            const body = JSON.parse(row.query) as QueryBody;
            const results = row.results ? (JSON.parse(row.results) as QueryResults) : undefined;
            const keep =
              (input.status === undefined || row.status === input.status) &&
              (input.queryLanguage === undefined || body.queryLanguage === input.queryLanguage) &&
              (input.logGroupName === undefined ||
                body.groups.some((group) => group.name === input.logGroupName));
            if (!keep) continue;
            if (found.length === size)
              return { queries: found, nextToken: formatPageToken({ at: last!.created_at, id: last!.id }) };
            found.push({
              queryLanguage: body.queryLanguage,
              queryId: row.id,
              queryString: body.queryString,
              status: row.status,
              createTime: Number(row.created_at),
              logGroupName: body.groups[0]?.name,
              ...(results
                ? { queryDuration: results.durationMs, bytesScanned: results.statistics.bytesScanned }
                : {}),
            });
            last = row;
          }
          if (rows.length < PAGE) return { queries: found };
          after = { at: rows.at(-1)!.created_at, id: rows.at(-1)!.id };
        }
      },

      ListLogGroupsForQuery: async (input, context) => {
        const row = await this.find(input.queryId, context);
        const arns = (JSON.parse(row.query) as QueryBody).groups.map((group) => group.arn);
        const offset = input.nextToken !== undefined ? parsePageToken(input.nextToken, isOffset) : 0;
        const size = input.maxResults ?? 50;
        return {
          logGroupIdentifiers: arns.slice(offset, offset + size),
          ...(offset + size < arns.length ? { nextToken: formatPageToken(offset + size) } : {}),
        };
      },
    } satisfies Partial<LogsHandlers>;
  }
}

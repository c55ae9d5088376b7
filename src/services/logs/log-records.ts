// Log events as Insights sees them: records with the system fields (@timestamp, @message, @logStream,
// @log, @ingestionTime, @ptr) and the fields discovered in a JSON message, flattened with dots
// (`a.b`, `list.0`). GetLogRecord reads one back by its @ptr; GetLogGroupFields counts which fields
// the group's recent events carry.
import type { Clock } from '../../runtime/index.ts';
import type { Store } from '../../store/index.ts';
import type { LogsHandlers } from './api.ts';
import { invalidParameter, notFound } from './errors.ts';
import { groupNameOf } from './input.ts';
import type { LogRecord, Value as LogValue } from './insights-eval.ts';
import type { LogRegistry } from './registry.ts';

/** AWS discovers at most this many fields in one event. */
const MAX_FIELDS = 1_000;
const MAX_DEPTH = 10;
/** GetLogGroupFields looks at the events ingested in the last 15 minutes, or 8 minutes either side of `time`. */
const RECENT_MS = 15 * 60 * 1000;
const AROUND_MS = 8 * 60 * 1000;
const FIELDS_SAMPLE = 10_000;

export interface EventRow {
  seq: number;
  ts: number;
  ingested_at: number;
  message: string;
  masked: string | null;
  transformed: string | null;
  bytes: number;
  group_id: number;
  stream: string;
}

export const EVENT_COLUMNS =
  'e.seq, e.ts, e.ingested_at, e.message, e.masked, e.transformed, e.bytes, e.group_id, s.name AS stream';

/** An event's pointer: where GetLogRecord finds it again. */
export const pointerOf = (groupId: number, seq: number) =>
  Buffer.from(`${groupId}:${seq}`).toString('base64url');

function parsePointer(pointer: string): { groupId: number; seq: number } {
  const match = /^(\d+):(\d+)$/.exec(Buffer.from(pointer, 'base64url').toString('utf8'));
  if (!match) throw invalidParameter('The specified log record pointer is not valid.');
  return { groupId: Number(match[1]), seq: Number(match[2]) };
}

/** The fields of a JSON message, flattened: nested keys joined with `.`, list items by index. */
export function jsonFields(message: string): Array<[string, LogValue]> {
  const trimmed = message.trimStart();
  if (!trimmed.startsWith('{')) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return [];
  }
  const fields: Array<[string, LogValue]> = [];
  const walk = (value: unknown, path: string, depth: number): void => {
    if (fields.length >= MAX_FIELDS) return;
    if (typeof value === 'object' && value !== null && depth < MAX_DEPTH) {
      const entries = Array.isArray(value)
        ? value.map((item, index) => [String(index), item] as const)
        : Object.entries(value);
      for (const [key, item] of entries) walk(item, path === '' ? key : `${path}.${key}`, depth + 1);
    } else if (path !== '') {
      fields.push([path, typeof value === 'object' ? JSON.stringify(value) : (value as LogValue)]);
    }
  };
  walk(parsed, '', 0);
  return fields;
}

/**
 * The record Insights reads for an event: its transformed version when a transformer made one, else
 * the message, masked unless `unmask`.
 */
export function recordOf(row: EventRow, account: string, group: string, unmask = false): LogRecord {
  const message = row.transformed ?? (unmask ? row.message : (row.masked ?? row.message));
  const record: LogRecord = new Map<string, LogValue>([
    ['@timestamp', { time: Number(row.ts) }],
    ['@message', message],
    ['@logStream', row.stream],
    ['@log', `${account}:${group}`],
    ['@ingestionTime', { time: Number(row.ingested_at) }],
    ['@ptr', pointerOf(row.group_id, row.seq)],
  ]);
  for (const [name, value] of jsonFields(message)) if (!record.has(name)) record.set(name, value);
  return record;
}

export function logRecordHandlers(registry: LogRegistry, store: Store, clock: Clock) {
  return {
    async GetLogRecord(input, context) {
      const { groupId, seq } = parsePointer(input.logRecordPointer);
      const found = await store.read(async (tx) => {
        const group = await tx.get<{ account: string; region: string; name: string }>(
          'SELECT account, region, name FROM logs_groups WHERE id = ?',
          [groupId],
        );
        const row = await tx.get<EventRow>(
          `SELECT ${EVENT_COLUMNS} FROM logs_events e JOIN logs_streams s ON s.id = e.stream_id
           WHERE e.seq = ? AND e.group_id = ?`,
          [seq, groupId],
        );
        return group && row ? { group, row } : undefined;
      });
      if (!found || found.group.account !== context.accountId || found.group.region !== context.region)
        throw notFound('The specified log record does not exist.');
      const record = recordOf(found.row, found.group.account, found.group.name, input.unmask === true);
      record.delete('@ptr');
      const logRecord: Record<string, string> = {};
      for (const [name, value] of record) {
        logRecord[name] = typeof value === 'object' && value !== null ? String(value.time) : String(value);
      }
      return { logRecord };
    },

    async GetLogGroupFields(input, context) {
      const group = await registry.requireGroup(
        context.accountId,
        context.region,
        groupNameOf(input, context),
      );
      // `time` is in seconds, like StartQuery's.
      const [from, until] =
        input.time !== undefined
          ? [input.time * 1000 - AROUND_MS, input.time * 1000 + AROUND_MS]
          : [clock.now() - RECENT_MS, clock.now()];
      const rows = await store.read((tx) =>
        tx.all<EventRow>(
          `SELECT ${EVENT_COLUMNS} FROM logs_events e JOIN logs_streams s ON s.id = e.stream_id
           WHERE e.group_id = ? AND e.ingested_at > ? AND e.ingested_at <= ? ORDER BY e.seq DESC LIMIT ?`,
          [group.id, from, until, FIELDS_SAMPLE],
        ),
      );
      const counts = new Map<string, number>();
      for (const row of rows) {
        const record = recordOf(row, group.account, group.name);
        record.delete('@ptr');
        record.delete('@log');
        for (const name of record.keys()) counts.set(name, (counts.get(name) ?? 0) + 1);
      }
      return {
        logGroupFields: [...counts].map(([name, count]) => ({
          name,
          percent: Math.round((count / rows.length) * 100),
        })),
      };
    },
  } satisfies Partial<LogsHandlers>;
}

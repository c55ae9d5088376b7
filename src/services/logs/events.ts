// Log events in the store: append a batch to a stream, read a stream in either direction, scan a
// group in (timestamp, seq) order, and purge what a retention policy no longer keeps.
import type { SqlValue, Store, Tx } from '../../store/index.ts';
import type { Position } from './tokens.ts';

export interface NewEvent {
  ts: number;
  message: string;
  /** UTF-8 length of the message. */
  bytes: number;
  /** The message with its sensitive data masked, when a data protection policy found some. */
  masked?: string | undefined;
  /** The message as the group's transformer made it, when it has one. */
  transformed?: string | undefined;
}

export interface StoredEvent {
  seq: number;
  ts: number;
  ingestedAt: number;
  message: string;
  /** What readers see unless they unmask: the masked copy, or the message when nothing was masked. */
  shown: string;
  bytes: number;
  /** The stream's name (group scans only). */
  stream: string;
}

interface EventRow {
  seq: number;
  ts: number;
  ingested_at: number;
  message: string;
  masked: string | null;
  bytes: number;
  stream?: string;
}

const toEvent = (row: EventRow): StoredEvent => ({
  seq: row.seq,
  ts: row.ts,
  ingestedAt: row.ingested_at,
  message: row.message,
  shown: row.masked ?? row.message,
  bytes: row.bytes,
  stream: row.stream ?? '',
});

export const positionOf = (event: Pick<StoredEvent, 'ts' | 'seq'>): Position => ({
  ts: event.ts,
  seq: event.seq,
});

/** Rows per INSERT: many rows to a statement is what makes a large batch cheap. */
const INSERT_CHUNK = 64;
const insertSql = (rows: number) =>
  `INSERT INTO logs_events (group_id, stream_id, ts, ingested_at, bytes, message, masked, transformed) VALUES ${Array(
    rows,
  )
    .fill('(?, ?, ?, ?, ?, ?, ?, ?)')
    .join(', ')}`;
const FULL_INSERT = insertSql(INSERT_CHUNK);

/** Which streams of a group a scan reads. */
export type StreamSelection = { names: string[] } | { prefix: string } | undefined;

export interface ScanQuery {
  groupId: number;
  streams: StreamSelection;
  /** Inclusive bounds (FilterLogEvents). */
  startTime: number | undefined;
  endTime: number | undefined;
  after: Position | undefined;
  limit: number;
}

export interface StreamRead {
  streamId: number;
  /** Inclusive start, exclusive end (GetLogEvents). */
  startTime: number | undefined;
  endTime: number | undefined;
  /** Events after this position, ascending; or before `before`, taken from the end. */
  after?: Position;
  before?: Position;
  fromHead: boolean;
  limit: number;
}

/** The group events are appended to, as ingestion needs it. */
export interface TargetGroup {
  id: number;
  account: string;
  region: string;
  name: string;
  logGroupClass: string;
}

/** Masks a message's sensitive data; undefined when there is none. */
export type Masker = (message: string) => string | undefined;

export class LogEvents {
  /** Called after a write that appended events has committed (subscription delivery wakes on it). */
  onCommitted: (() => void) | undefined;
  /** The masker of a group's data protection, looked up in the appending write. */
  maskerFor: ((tx: Tx, group: TargetGroup) => Promise<Masker | undefined>) | undefined;
  /** The group's transformer, looked up in the appending write. */
  transformerFor: ((tx: Tx, group: TargetGroup) => Promise<Masker | undefined>) | undefined;
  /** Called in the appending write with the events as stored (metric filters record their datapoints). */
  onAppend: ((tx: Tx, group: TargetGroup, events: NewEvent[]) => Promise<void>) | undefined;

  constructor(private readonly store: Store) {}

  /**
   * Appends events (already in the order they should be read) to a stream inside a write, and keeps
   * the stream's and group's first/last timestamps and byte counts. Returns the stream's upload count.
   */
  async append(
    tx: Tx,
    group: TargetGroup,
    streamId: number,
    events: NewEvent[],
    now: number,
  ): Promise<number> {
    const groupId = group.id;
    const masker = events.length > 0 ? await this.maskerFor?.(tx, group) : undefined;
    const transform = events.length > 0 ? await this.transformerFor?.(tx, group) : undefined;
    for (const event of masker || transform ? events : []) {
      if (masker) event.masked = masker(event.message);
      const transformed = transform?.(event.message);
      if (transformed !== undefined) event.transformed = masker?.(transformed) ?? transformed;
    }
    if (events.length > 0) await this.onAppend?.(tx, group, events);
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    let bytes = 0;
    for (let start = 0; start < events.length; start += INSERT_CHUNK) {
      const chunk = events.slice(start, start + INSERT_CHUNK);
      const params: SqlValue[] = [];
      for (const event of chunk) {
        params.push(
          groupId,
          streamId,
          event.ts,
          now,
          event.bytes,
          event.message,
          event.masked ?? null,
          event.transformed ?? null,
        );
        first = Math.min(first, event.ts);
        last = Math.max(last, event.ts);
        bytes += event.bytes;
      }
      await tx.run(chunk.length === INSERT_CHUNK ? FULL_INSERT : insertSql(chunk.length), params);
    }
    const hasEvents = events.length > 0;
    if (hasEvents && this.onCommitted) {
      const listener = this.onCommitted;
      tx.whenSettled((committed) => {
        if (committed) listener();
      });
    }
    const row = await tx.get<{ uploads: number }>(
      `UPDATE logs_streams SET
         first_event_at = CASE WHEN ? = 0 THEN first_event_at
                               WHEN first_event_at IS NULL OR first_event_at > ? THEN ? ELSE first_event_at END,
         last_event_at = CASE WHEN ? = 0 THEN last_event_at
                              WHEN last_event_at IS NULL OR last_event_at < ? THEN ? ELSE last_event_at END,
         last_ingested_at = CASE WHEN ? = 0 THEN last_ingested_at ELSE ? END,
         stored_bytes = stored_bytes + ?,
         uploads = uploads + 1
       WHERE id = ? RETURNING uploads`,
      [
        hasEvents ? 1 : 0,
        first,
        first,
        hasEvents ? 1 : 0,
        last,
        last,
        hasEvents ? 1 : 0,
        now,
        bytes,
        streamId,
      ].map((value) => (Number.isFinite(value) ? value : 0)),
    );
    if (bytes > 0)
      await tx.run('UPDATE logs_groups SET stored_bytes = stored_bytes + ? WHERE id = ?', [bytes, groupId]);
    return row?.uploads ?? 0;
  }

  /** Reads up to `limit` events of one stream, returned in ascending order either way. */
  readStream(read: StreamRead): Promise<StoredEvent[]> {
    const where = ['stream_id = ?'];
    const params: SqlValue[] = [read.streamId];
    if (read.startTime !== undefined) {
      where.push('ts >= ?');
      params.push(read.startTime);
    }
    if (read.endTime !== undefined) {
      where.push('ts < ?');
      params.push(read.endTime);
    }
    if (read.after) {
      where.push('ts >= ?', '(ts > ? OR seq > ?)');
      params.push(read.after.ts, read.after.ts, read.after.seq);
    }
    if (read.before) {
      where.push('ts <= ?', '(ts < ? OR seq < ?)');
      params.push(read.before.ts, read.before.ts, read.before.seq);
    }
    const ascending = read.after !== undefined || (read.before === undefined && read.fromHead);
    const order = ascending ? 'ts ASC, seq ASC' : 'ts DESC, seq DESC';
    params.push(read.limit);
    return this.store.read(async (tx) => {
      const rows = await tx.all<EventRow>(
        `SELECT seq, ts, ingested_at, message, masked, bytes FROM logs_events WHERE ${where.join(' AND ')}
         ORDER BY ${order} LIMIT ?`,
        params,
      );
      const events = rows.map(toEvent);
      return ascending ? events : events.reverse();
    });
  }

  /** The next `limit` events of a group after `after`, in (timestamp, seq) order, with stream names. */
  scanGroup(query: ScanQuery): Promise<StoredEvent[]> {
    const where = ['e.group_id = ?'];
    const params: SqlValue[] = [query.groupId];
    const lowest = Math.max(query.startTime ?? 0, query.after?.ts ?? 0);
    where.push('e.ts >= ?');
    params.push(lowest);
    if (query.after) {
      where.push('(e.ts > ? OR e.seq > ?)');
      params.push(query.after.ts, query.after.seq);
    }
    if (query.endTime !== undefined) {
      where.push('e.ts <= ?');
      params.push(query.endTime);
    }
    if (query.streams && 'names' in query.streams) {
      where.push(`s.name IN (${query.streams.names.map(() => '?').join(', ')})`);
      params.push(...query.streams.names);
    } else if (query.streams) {
      where.push('substr(s.name, 1, length(?)) = ?');
      params.push(query.streams.prefix, query.streams.prefix);
    }
    params.push(query.limit);
    return this.store.read(async (tx) =>
      (
        await tx.all<EventRow>(
          `SELECT e.seq, e.ts, e.ingested_at, e.message, e.masked, e.bytes, s.name AS stream
           FROM logs_events e JOIN logs_streams s ON s.id = e.stream_id
           WHERE ${where.join(' AND ')} ORDER BY e.ts, e.seq LIMIT ?`,
          params,
        )
      ).map(toEvent),
    );
  }

  /** Deletes a group's events older than `cutoff` and takes their bytes off the counts; returns how many. */
  purge(groupId: number, cutoff: number): Promise<number> {
    return this.store.write(async (tx) => {
      const perStream = await tx.all<{ stream_id: number; bytes: number; count: number }>(
        `SELECT stream_id, SUM(bytes) AS bytes, COUNT(*) AS count FROM logs_events
         WHERE group_id = ? AND ts < ? GROUP BY stream_id`,
        [groupId, cutoff],
      );
      if (perStream.length === 0) return 0;
      await tx.run('DELETE FROM logs_events WHERE group_id = ? AND ts < ?', [groupId, cutoff]);
      let total = 0;
      let count = 0;
      for (const stream of perStream) {
        await tx.run('UPDATE logs_streams SET stored_bytes = stored_bytes - ? WHERE id = ?', [
          stream.bytes,
          stream.stream_id,
        ]);
        total += stream.bytes;
        count += stream.count;
      }
      await tx.run('UPDATE logs_groups SET stored_bytes = stored_bytes - ? WHERE id = ?', [total, groupId]);
      return count;
    });
  }
}

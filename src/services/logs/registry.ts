// Log groups and log streams in the store: create, find, list with keyset paging, retention, tags.
import type { CloudWatchLogs } from '../../contract/index.ts';
import { formatArn } from '../../runtime/index.ts';
import type { SqlValue, Store, Tx } from '../../store/index.ts';
import { groupNotFound, logsError, streamNotFound, validation } from './errors.ts';
import { deleteGroupResources } from './resources.ts';

export interface LogGroup {
  id: number;
  account: string;
  region: string;
  name: string;
  createdAt: number;
  retentionDays: number | undefined;
  kmsKeyId: string | undefined;
  logGroupClass: CloudWatchLogs.LogGroupClass;
  tags: Record<string, string>;
  storedBytes: number;
  deletionProtection: boolean;
  bearerTokenAuth: boolean;
}

export interface LogStream {
  id: number;
  groupId: number;
  name: string;
  createdAt: number;
  firstEventAt: number | undefined;
  lastEventAt: number | undefined;
  lastIngestedAt: number | undefined;
  /** Uploads so far: the (ignored) sequence token AWS still hands out is made from it. */
  uploads: number;
}

interface GroupRow {
  id: number;
  account: string;
  region: string;
  name: string;
  created_at: number;
  retention_days: number | null;
  kms_key_id: string | null;
  class: string;
  tags: string;
  stored_bytes: number;
  deletion_protection: number;
  bearer_token_auth: number;
}

interface StreamRow {
  id: number;
  group_id: number;
  name: string;
  created_at: number;
  first_event_at: number | null;
  last_event_at: number | null;
  last_ingested_at: number | null;
  uploads: number;
}

const toGroup = (row: GroupRow): LogGroup => ({
  id: row.id,
  account: row.account,
  region: row.region,
  name: row.name,
  createdAt: row.created_at,
  retentionDays: row.retention_days ?? undefined,
  kmsKeyId: row.kms_key_id ?? undefined,
  logGroupClass: row.class as CloudWatchLogs.LogGroupClass,
  tags: JSON.parse(row.tags) as Record<string, string>,
  storedBytes: row.stored_bytes,
  deletionProtection: row.deletion_protection === 1,
  bearerTokenAuth: row.bearer_token_auth === 1,
});

const toStream = (row: StreamRow): LogStream => ({
  id: row.id,
  groupId: row.group_id,
  name: row.name,
  createdAt: row.created_at,
  firstEventAt: row.first_event_at ?? undefined,
  lastEventAt: row.last_event_at ?? undefined,
  lastIngestedAt: row.last_ingested_at ?? undefined,
  uploads: row.uploads,
});

/** `arn:aws:logs:REGION:ACCOUNT:log-group:NAME` — the ARN tagging and the targets port use. */
export const groupArn = (group: Pick<LogGroup, 'account' | 'region' | 'name'>) =>
  formatArn({
    service: 'logs',
    region: group.region,
    accountId: group.account,
    resource: `log-group:${group.name}`,
  });

export const streamArn = (group: LogGroup, stream: LogStream) =>
  `${groupArn(group)}:log-stream:${stream.name}`;

/** Whether `name` starts with `prefix` (SQL side: no LIKE, whose `_` is a wildcard). */
const STARTS_WITH = 'substr(name, 1, length(?)) = ?';

export interface GroupQuery {
  /** Only groups with these names. */
  names?: string[];
  prefix?: string;
  /** Case-insensitive substring of the name. */
  pattern?: string;
  logGroupClass?: string;
  after?: string;
  limit: number;
}

export interface StreamQuery {
  prefix?: string;
  byLastEventTime: boolean;
  descending: boolean;
  /** Keyset position: the sort key of the last stream returned (name, or last event time and name). */
  after?: { lastEventAt: number; name: string };
  limit: number;
}

export interface NewGroup {
  name: string;
  kmsKeyId?: string;
  logGroupClass?: CloudWatchLogs.LogGroupClass;
  tags?: Record<string, string>;
  deletionProtection?: boolean;
}

/** The group settings one call changes. */
export interface GroupSettings {
  kmsKeyId?: string | null;
  deletionProtection?: boolean;
  bearerTokenAuth?: boolean;
}

const SETTING_COLUMNS: Record<keyof GroupSettings, string> = {
  kmsKeyId: 'kms_key_id',
  deletionProtection: 'deletion_protection',
  bearerTokenAuth: 'bearer_token_auth',
};

export const deletionProtected = () =>
  validation('Cannot delete log group with deletion protection enabled. Disable deletion protection first.');

export class LogRegistry {
  constructor(private readonly store: Store) {}

  async group(tx: Tx, account: string, region: string, name: string): Promise<LogGroup | undefined> {
    const row = await tx.get<GroupRow>(
      'SELECT * FROM logs_groups WHERE account = ? AND region = ? AND name = ?',
      [account, region, name],
    );
    return row && toGroup(row);
  }

  /** The group, or ResourceNotFoundException. */
  async requireGroup(account: string, region: string, name: string): Promise<LogGroup> {
    const group = await this.store.read((tx) => this.group(tx, account, region, name));
    if (!group) throw groupNotFound();
    return group;
  }

  async stream(tx: Tx, groupId: number, name: string): Promise<LogStream | undefined> {
    const row = await tx.get<StreamRow>('SELECT * FROM logs_streams WHERE group_id = ? AND name = ?', [
      groupId,
      name,
    ]);
    return row && toStream(row);
  }

  /** Inserts a group inside a write; the caller has checked that the name is free. */
  async insertGroup(
    tx: Tx,
    account: string,
    region: string,
    group: NewGroup,
    now: number,
  ): Promise<LogGroup> {
    const row = await tx.get<GroupRow>(
      `INSERT INTO logs_groups (account, region, name, created_at, kms_key_id, class, tags, deletion_protection)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
      [
        account,
        region,
        group.name,
        now,
        group.kmsKeyId ?? null,
        group.logGroupClass ?? 'STANDARD',
        JSON.stringify(group.tags ?? {}),
        group.deletionProtection ? 1 : 0,
      ],
    );
    return toGroup(row!);
  }

  async insertStream(tx: Tx, groupId: number, name: string, now: number): Promise<LogStream> {
    const row = await tx.get<StreamRow>(
      'INSERT INTO logs_streams (group_id, name, created_at) VALUES (?, ?, ?) RETURNING *',
      [groupId, name, now],
    );
    return toStream(row!);
  }

  createGroup(account: string, region: string, group: NewGroup, now: number): Promise<LogGroup> {
    return this.store.write(async (tx) => {
      if (await this.group(tx, account, region, group.name))
        throw logsError('ResourceAlreadyExistsException', 'The specified log group already exists');
      return this.insertGroup(tx, account, region, group, now);
    });
  }

  /** Deletes a group with its streams, events and what belongs to it (filters, policies). */
  deleteGroup(account: string, region: string, name: string): Promise<void> {
    return this.store.write(async (tx) => {
      const group = await this.group(tx, account, region, name);
      if (!group) throw groupNotFound();
      if (group.deletionProtection) throw deletionProtected();
      await deleteGroupResources(tx, group.id);
      await tx.run('DELETE FROM logs_events WHERE group_id = ?', [group.id]);
      await tx.run('DELETE FROM logs_streams WHERE group_id = ?', [group.id]);
      await tx.run('DELETE FROM logs_groups WHERE id = ?', [group.id]);
    });
  }

  listGroups(account: string, region: string, query: GroupQuery): Promise<LogGroup[]> {
    const where = ['account = ?', 'region = ?'];
    const params: SqlValue[] = [account, region];
    if (query.names !== undefined) {
      where.push(`name IN (${query.names.map(() => '?').join(', ') || 'NULL'})`);
      params.push(...query.names);
    }
    if (query.prefix !== undefined) {
      where.push(STARTS_WITH);
      params.push(query.prefix, query.prefix);
    }
    if (query.pattern) {
      where.push('instr(lower(name), ?) > 0');
      params.push(query.pattern.toLowerCase());
    }
    if (query.logGroupClass !== undefined) {
      where.push('class = ?');
      params.push(query.logGroupClass);
    }
    if (query.after !== undefined) {
      where.push('name > ?');
      params.push(query.after);
    }
    params.push(query.limit);
    return this.store.read(async (tx) =>
      (
        await tx.all<GroupRow>(
          `SELECT * FROM logs_groups WHERE ${where.join(' AND ')} ORDER BY name LIMIT ?`,
          params,
        )
      ).map(toGroup),
    );
  }

  /** Every group that has a retention policy, for the purge. */
  groupsWithRetention(): Promise<LogGroup[]> {
    return this.store.read(async (tx) =>
      (await tx.all<GroupRow>('SELECT * FROM logs_groups WHERE retention_days IS NOT NULL')).map(toGroup),
    );
  }

  setRetention(account: string, region: string, name: string, days: number | undefined): Promise<LogGroup> {
    return this.store.write(async (tx) => {
      const group = await this.group(tx, account, region, name);
      if (!group) throw groupNotFound();
      await tx.run('UPDATE logs_groups SET retention_days = ? WHERE id = ?', [days ?? null, group.id]);
      return { ...group, retentionDays: days };
    });
  }

  /** Changes some of a group's settings; returns the group as it is now. */
  updateGroup(account: string, region: string, name: string, settings: GroupSettings): Promise<LogGroup> {
    return this.store.write(async (tx) => {
      const group = await this.group(tx, account, region, name);
      if (!group) throw groupNotFound();
      const entries = Object.entries(settings) as Array<[keyof GroupSettings, string | boolean | null]>;
      if (entries.length === 0) return group;
      await tx.run(
        `UPDATE logs_groups SET ${entries.map(([key]) => `${SETTING_COLUMNS[key]} = ?`).join(', ')} WHERE id = ?`,
        [...entries.map(([, value]) => (typeof value === 'boolean' ? (value ? 1 : 0) : value)), group.id],
      );
      return (await this.group(tx, account, region, name))!;
    });
  }

  /** Applies `change` to the group's tags and stores the result. */
  updateTags(
    account: string,
    region: string,
    name: string,
    change: (tags: Record<string, string>) => Record<string, string>,
  ): Promise<Record<string, string>> {
    return this.store.write(async (tx) => {
      const group = await this.group(tx, account, region, name);
      if (!group) throw groupNotFound();
      const tags = change({ ...group.tags });
      await tx.run('UPDATE logs_groups SET tags = ? WHERE id = ?', [JSON.stringify(tags), group.id]);
      return tags;
    });
  }

  createStream(group: LogGroup, name: string, now: number): Promise<LogStream> {
    return this.store.write(async (tx) => {
      const current = await tx.get<{ id: number }>('SELECT id FROM logs_groups WHERE id = ?', [group.id]);
      if (!current) throw groupNotFound();
      if (await this.stream(tx, group.id, name))
        throw logsError('ResourceAlreadyExistsException', 'The specified log stream already exists');
      return this.insertStream(tx, group.id, name, now);
    });
  }

  /** Deletes a stream and its events, and takes its bytes off the group. */
  deleteStream(group: LogGroup, name: string): Promise<void> {
    if (group.deletionProtection) return Promise.reject(deletionProtected());
    return this.store.write(async (tx) => {
      const stream = await tx.get<{ id: number; stored_bytes: number }>(
        'SELECT id, stored_bytes FROM logs_streams WHERE group_id = ? AND name = ?',
        [group.id, name],
      );
      if (!stream) throw streamNotFound();
      await tx.run('DELETE FROM logs_events WHERE stream_id = ?', [stream.id]);
      await tx.run('DELETE FROM logs_streams WHERE id = ?', [stream.id]);
      await tx.run('UPDATE logs_groups SET stored_bytes = stored_bytes - ? WHERE id = ?', [
        stream.stored_bytes,
        group.id,
      ]);
    });
  }

  async requireStream(group: LogGroup, name: string): Promise<LogStream> {
    const stream = await this.store.read((tx) => this.stream(tx, group.id, name));
    if (!stream) throw streamNotFound();
    return stream;
  }

  listStreams(group: LogGroup, query: StreamQuery): Promise<LogStream[]> {
    const where = ['group_id = ?'];
    const params: SqlValue[] = [group.id];
    if (query.prefix !== undefined) {
      where.push(STARTS_WITH);
      params.push(query.prefix, query.prefix);
    }
    const direction = query.descending ? 'DESC' : 'ASC';
    const beyond = query.descending ? '<' : '>';
    // Streams without events sort as if their last event were at time 0, as AWS lists them first.
    const lastEvent = 'COALESCE(last_event_at, 0)';
    let order: string;
    if (query.byLastEventTime) {
      order = `${lastEvent} ${direction}, name ${direction}`;
      if (query.after) {
        where.push(`(${lastEvent} ${beyond} ? OR (${lastEvent} = ? AND name ${beyond} ?))`);
        params.push(query.after.lastEventAt, query.after.lastEventAt, query.after.name);
      }
    } else {
      order = `name ${direction}`;
      if (query.after) {
        where.push(`name ${beyond} ?`);
        params.push(query.after.name);
      }
    }
    params.push(query.limit);
    return this.store.read(async (tx) =>
      (
        await tx.all<StreamRow>(
          `SELECT * FROM logs_streams WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ?`,
          params,
        )
      ).map(toStream),
    );
  }
}

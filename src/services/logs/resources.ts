// The documents CloudWatch Logs keeps besides groups, streams and events: one row per resource in
// logs_resources, found by kind, scope (the log group's name for what belongs to a group, '' for
// account-wide things) and name, with its tags beside it.
import type { SqlValue, Store, Tx } from '../../store/index.ts';
import type { Caller } from './input.ts';
import { formatPageToken, parsePageToken } from './tokens.ts';

/** What eddy keeps as documents, by the name each kind's rows carry. */
export type ResourceKind =
  | 'metric-filter'
  | 'subscription-filter'
  | 'destination'
  | 'resource-policy'
  | 'query-definition'
  | 'data-protection-policy'
  | 'account-policy'
  | 'index-policy'
  | 'transformer'
  | 'delivery-source'
  | 'delivery-destination'
  | 'delivery'
  | 'anomaly-detector'
  | 'lookup-table'
  | 'scheduled-query'
  /** The key AssociateKmsKey names for the account's query results. */
  | 'query-results-key';

export interface Resource<Body> {
  id: number;
  kind: ResourceKind;
  scope: string;
  name: string;
  groupId: number | undefined;
  body: Body;
  tags: Record<string, string>;
  createdAt: number;
  updatedAt: number;
}

interface ResourceRow {
  id: number;
  kind: ResourceKind;
  scope: string;
  name: string;
  group_id: number | null;
  body: string;
  tags: string;
  created_at: number;
  updated_at: number;
}

const toResource = <Body>(row: ResourceRow): Resource<Body> => ({
  id: row.id,
  kind: row.kind,
  scope: row.scope,
  name: row.name,
  groupId: row.group_id ?? undefined,
  body: JSON.parse(row.body) as Body,
  tags: JSON.parse(row.tags) as Record<string, string>,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export interface ResourceKey {
  kind: ResourceKind;
  name: string;
  /** The owning log group's name; '' (the default) for account-wide resources. */
  scope?: string;
}

export interface ListQuery {
  kind: ResourceKind;
  /** Only this scope; every scope (ordered by scope, then name) when absent. */
  scope?: string;
  prefix?: string;
  /** Keyset position: the scope and name of the last resource returned. */
  after?: { scope: string; name: string };
  limit?: number;
}

export interface PutOptions {
  scope?: string;
  groupId?: number;
  /** Tags for a new resource; an update keeps the tags it has. */
  tags?: Record<string, string>;
}

const SELECT = 'SELECT * FROM logs_resources';

export class Resources {
  constructor(private readonly store: Store) {}

  async getIn<Body>(tx: Tx, caller: Caller, key: ResourceKey): Promise<Resource<Body> | undefined> {
    const row = await tx.get<ResourceRow>(
      `${SELECT} WHERE account = ? AND region = ? AND kind = ? AND scope = ? AND name = ?`,
      [caller.accountId, caller.region, key.kind, key.scope ?? '', key.name],
    );
    return row && toResource<Body>(row);
  }

  get<Body>(caller: Caller, key: ResourceKey): Promise<Resource<Body> | undefined> {
    return this.store.read((tx) => this.getIn<Body>(tx, caller, key));
  }

  /** Creates or replaces a resource inside a write; an update keeps its creation time and tags. */
  async putIn<Body>(
    tx: Tx,
    caller: Caller,
    key: ResourceKey,
    body: Body,
    now: number,
    options: PutOptions = {},
  ): Promise<Resource<Body>> {
    const current = await this.getIn<Body>(tx, caller, key);
    if (current) {
      await tx.run('UPDATE logs_resources SET body = ?, updated_at = ? WHERE id = ?', [
        JSON.stringify(body),
        now,
        current.id,
      ]);
      return { ...current, body, updatedAt: now };
    }
    const row = await tx.get<ResourceRow>(
      `INSERT INTO logs_resources (account, region, kind, scope, name, group_id, body, tags, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
      [
        caller.accountId,
        caller.region,
        key.kind,
        key.scope ?? '',
        key.name,
        options.groupId ?? null,
        JSON.stringify(body),
        JSON.stringify(options.tags ?? {}),
        now,
        now,
      ],
    );
    return toResource<Body>(row!);
  }

  put<Body>(caller: Caller, key: ResourceKey, body: Body, now: number, options: PutOptions = {}) {
    return this.store.write((tx) => this.putIn(tx, caller, key, body, now, options));
  }

  async deleteIn(tx: Tx, caller: Caller, key: ResourceKey): Promise<boolean> {
    const current = await this.getIn(tx, caller, key);
    if (!current) return false;
    await tx.run('DELETE FROM logs_resources WHERE id = ?', [current.id]);
    await tx.run('DELETE FROM logs_subscription_progress WHERE resource_id = ?', [current.id]);
    return true;
  }

  /** Deletes a resource; false when there was none. */
  delete(caller: Caller, key: ResourceKey): Promise<boolean> {
    return this.store.write((tx) => this.deleteIn(tx, caller, key));
  }

  async listIn<Body>(tx: Tx, caller: Caller, query: ListQuery): Promise<Resource<Body>[]> {
    const where = ['account = ?', 'region = ?', 'kind = ?'];
    const params: SqlValue[] = [caller.accountId, caller.region, query.kind];
    if (query.scope !== undefined) {
      where.push('scope = ?');
      params.push(query.scope);
    }
    if (query.prefix !== undefined) {
      where.push('substr(name, 1, length(?)) = ?');
      params.push(query.prefix, query.prefix);
    }
    if (query.after) {
      where.push('(scope > ? OR (scope = ? AND name > ?))');
      params.push(query.after.scope, query.after.scope, query.after.name);
    }
    let sql = `${SELECT} WHERE ${where.join(' AND ')} ORDER BY scope, name`;
    if (query.limit !== undefined) {
      sql += ' LIMIT ?';
      params.push(query.limit);
    }
    return (await tx.all<ResourceRow>(sql, params)).map((row) => toResource<Body>(row));
  }

  list<Body>(caller: Caller, query: ListQuery): Promise<Resource<Body>[]> {
    return this.store.read((tx) => this.listIn<Body>(tx, caller, query));
  }

  /** The resources of one kind that belong to a log group (by id: what ingestion reads). */
  async ofGroupIn<Body>(tx: Tx, groupId: number, kind: ResourceKind): Promise<Resource<Body>[]> {
    const rows = await tx.all<ResourceRow>(`${SELECT} WHERE group_id = ? AND kind = ? ORDER BY name`, [
      groupId,
      kind,
    ]);
    return rows.map((row) => toResource<Body>(row));
  }

  countOfGroupIn(tx: Tx, groupId: number, kind: ResourceKind): Promise<number> {
    return tx
      .get<{ count: number }>(
        'SELECT COUNT(*) AS count FROM logs_resources WHERE group_id = ? AND kind = ?',
        [groupId, kind],
      )
      .then((row) => Number(row?.count ?? 0));
  }

  /** Every resource of a kind, in every account (background work: subscription delivery). */
  async everywhere<Body>(kind: ResourceKind): Promise<Resource<Body>[]> {
    return this.store.read(async (tx) =>
      (await tx.all<ResourceRow>(`${SELECT} WHERE kind = ? ORDER BY id`, [kind])).map((row) =>
        toResource<Body>(row),
      ),
    );
  }

  /** Applies `change` to a resource's tags inside a write; undefined when there is no such resource. */
  async updateTagsIn(
    tx: Tx,
    caller: Caller,
    key: ResourceKey,
    change: (tags: Record<string, string>) => Record<string, string>,
  ): Promise<Record<string, string> | undefined> {
    const current = await this.getIn(tx, caller, key);
    if (!current) return undefined;
    const tags = change({ ...current.tags });
    await tx.run('UPDATE logs_resources SET tags = ? WHERE id = ?', [JSON.stringify(tags), current.id]);
    return tags;
  }
}

/** Removes what belongs to a log group, inside the write that deletes it. */
export async function deleteGroupResources(tx: Tx, groupId: number): Promise<void> {
  await tx.run(
    'DELETE FROM logs_subscription_progress WHERE resource_id IN (SELECT id FROM logs_resources WHERE group_id = ?)',
    [groupId],
  );
  await tx.run('DELETE FROM logs_resources WHERE group_id = ?', [groupId]);
}

/** How many resources of each kind each of these groups has: `counts.get(groupId)?.get(kind)`. */
export async function countsByGroup(
  tx: Tx,
  groupIds: number[],
  kinds: ResourceKind[],
): Promise<Map<number, Map<ResourceKind, number>>> {
  const counts = new Map<number, Map<ResourceKind, number>>();
  if (groupIds.length === 0) return counts;
  const rows = await tx.all<{ group_id: number; kind: ResourceKind; count: number }>(
    `SELECT group_id, kind, COUNT(*) AS count FROM logs_resources
     WHERE group_id IN (${groupIds.map(() => '?').join(', ')}) AND kind IN (${kinds.map(() => '?').join(', ')})
     GROUP BY group_id, kind`,
    [...groupIds, ...kinds],
  );
  for (const row of rows) {
    const perKind = counts.get(row.group_id) ?? new Map<ResourceKind, number>();
    perKind.set(row.kind, Number(row.count));
    counts.set(row.group_id, perKind);
  }
  return counts;
}

const isKeyset = (value: unknown): value is { scope: string; name: string } =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { scope: unknown }).scope === 'string' &&
  typeof (value as { name: unknown }).name === 'string';

/** Reads this many rows at a time when `keep` filters after reading. */
const PAGE_CHUNK = 200;

/**
 * One page of a Describe/List call: up to `limit` resources `keep` accepts, after the position a
 * `nextToken` carries, and the token for the next page when there is one.
 */
export async function pageOf<Body>(
  resources: Resources,
  caller: Caller,
  query: Omit<ListQuery, 'after' | 'limit'>,
  options: { token?: string | undefined; limit: number; keep?: (resource: Resource<Body>) => boolean },
): Promise<{ items: Resource<Body>[]; nextToken: string | undefined }> {
  const keep = options.keep ?? (() => true);
  let after = options.token === undefined ? undefined : parsePageToken(options.token, isKeyset);
  const items: Resource<Body>[] = [];
  for (;;) {
    const chunk = await resources.list<Body>(caller, {
      ...query,
      ...(after ? { after } : {}),
      limit: PAGE_CHUNK,
    });
    for (const resource of chunk) {
      if (!keep(resource)) continue;
      if (items.length === options.limit) {
        const last = items.at(-1)!;
        return { items, nextToken: formatPageToken({ scope: last.scope, name: last.name }) };
      }
      items.push(resource);
    }
    if (chunk.length < PAGE_CHUNK) return { items, nextToken: undefined };
    const last = chunk.at(-1)!;
    after = { scope: last.scope, name: last.name };
  }
}

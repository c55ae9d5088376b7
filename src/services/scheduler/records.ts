// Schedules and schedule groups as rows: reading and writing them inside a caller's transaction.
import type { Scheduler } from '../../contract/index.ts';
import { formatArn } from '../../runtime/index.ts';
import type { Tx } from '../../store/index.ts';

export const DEFAULT_GROUP = 'default';

export interface Scope {
  account: string;
  region: string;
}

/** What a schedule is, as CreateSchedule/UpdateSchedule gave it (dates as epoch milliseconds). */
export interface ScheduleDefinition {
  ScheduleExpression: string;
  ScheduleExpressionTimezone?: string;
  StartDate?: number;
  EndDate?: number;
  Description?: string;
  KmsKeyArn?: string;
  FlexibleTimeWindow: Scheduler.FlexibleTimeWindow;
  ActionAfterCompletion: Scheduler.ActionAfterCompletion;
  Target: Scheduler.Target;
  /** Rates fire from here: the StartDate, or when the schedule was created or last replaced. */
  anchor: number;
}

export interface ScheduleRecord extends Scope {
  id: number;
  groupName: string;
  name: string;
  state: Scheduler.ScheduleState;
  definition: ScheduleDefinition;
  clientToken: string | undefined;
  createdAt: number;
  modifiedAt: number;
}

export interface GroupRecord extends Scope {
  id: number;
  name: string;
  tags: Scheduler.Tag[];
  clientToken: string | undefined;
  createdAt: number;
  modifiedAt: number;
}

interface ScheduleRow {
  id: number;
  account: string;
  region: string;
  group_name: string;
  name: string;
  state: string;
  definition: string;
  client_token: string | null;
  created_at: number;
  modified_at: number;
}

interface GroupRow {
  id: number;
  account: string;
  region: string;
  name: string;
  tags: string;
  client_token: string | null;
  created_at: number;
  modified_at: number;
}

export const scheduleArn = (schedule: Scope & { groupName: string; name: string }) =>
  formatArn({
    service: 'scheduler',
    region: schedule.region,
    accountId: schedule.account,
    resource: `schedule/${schedule.groupName}/${schedule.name}`,
  });

export const groupArn = (scope: Scope, name: string) =>
  formatArn({
    service: 'scheduler',
    region: scope.region,
    accountId: scope.account,
    resource: `schedule-group/${name}`,
  });

function toSchedule(row: ScheduleRow): ScheduleRecord {
  return {
    id: Number(row.id),
    account: row.account,
    region: row.region,
    groupName: row.group_name,
    name: row.name,
    state: row.state as Scheduler.ScheduleState,
    definition: JSON.parse(row.definition) as ScheduleDefinition,
    clientToken: row.client_token ?? undefined,
    createdAt: Number(row.created_at),
    modifiedAt: Number(row.modified_at),
  };
}

function toGroup(row: GroupRow): GroupRecord {
  return {
    id: Number(row.id),
    account: row.account,
    region: row.region,
    name: row.name,
    tags: JSON.parse(row.tags) as Scheduler.Tag[],
    clientToken: row.client_token ?? undefined,
    createdAt: Number(row.created_at),
    modifiedAt: Number(row.modified_at),
  };
}

export async function findSchedule(
  tx: Tx,
  scope: Scope,
  groupName: string,
  name: string,
): Promise<ScheduleRecord | undefined> {
  const row = await tx.get<ScheduleRow>(
    'SELECT * FROM sch_schedules WHERE account = ? AND region = ? AND group_name = ? AND name = ?',
    [scope.account, scope.region, groupName, name],
  );
  return row && toSchedule(row);
}

export async function scheduleById(tx: Tx, id: number): Promise<ScheduleRecord | undefined> {
  const row = await tx.get<ScheduleRow>('SELECT * FROM sch_schedules WHERE id = ?', [id]);
  return row && toSchedule(row);
}

export async function insertSchedule(
  tx: Tx,
  record: Omit<ScheduleRecord, 'id' | 'modifiedAt'>,
): Promise<ScheduleRecord> {
  const row = await tx.get<{ id: number }>(
    `INSERT INTO sch_schedules (account, region, group_name, name, state, definition, client_token, created_at, modified_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    [
      record.account,
      record.region,
      record.groupName,
      record.name,
      record.state,
      JSON.stringify(record.definition),
      record.clientToken ?? null,
      record.createdAt,
      record.createdAt,
    ],
  );
  return { ...record, id: Number(row!.id), modifiedAt: record.createdAt };
}

export async function replaceSchedule(tx: Tx, record: ScheduleRecord): Promise<void> {
  await tx.run(
    'UPDATE sch_schedules SET state = ?, definition = ?, client_token = ?, modified_at = ? WHERE id = ?',
    [
      record.state,
      JSON.stringify(record.definition),
      record.clientToken ?? null,
      record.modifiedAt,
      record.id,
    ],
  );
}

/** How long a deleted schedule's ClientToken answers a retried delete. */
export const DELETED_TOKEN_MS = 24 * 3600_000;

export async function deleteScheduleRow(tx: Tx, id: number): Promise<void> {
  await tx.run('DELETE FROM sch_schedules WHERE id = ?', [id]);
}

/**
 * Keeps a delete's ClientToken for a day, so that a retry of it succeeds again: a schedule's, or
 * (with the name '', which no schedule has) its group's.
 */
export async function rememberDeleteToken(
  tx: Tx,
  deleted: Scope & { groupName: string; name: string },
  clientToken: string,
  now: number,
): Promise<void> {
  await tx.run('DELETE FROM sch_deleted_tokens WHERE deleted_at < ?', [now - DELETED_TOKEN_MS]);
  await tx.run(
    `INSERT INTO sch_deleted_tokens (account, region, group_name, name, client_token, deleted_at)
     VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    [deleted.account, deleted.region, deleted.groupName, deleted.name, clientToken, now],
  );
}

/** Whether this schedule was deleted by a call with this ClientToken within the last day. */
export async function deletedWithToken(
  tx: Tx,
  scope: Scope,
  groupName: string,
  name: string,
  clientToken: string,
  now: number,
): Promise<boolean> {
  const row = await tx.get<{ deleted_at: number }>(
    `SELECT deleted_at FROM sch_deleted_tokens
     WHERE account = ? AND region = ? AND group_name = ? AND name = ? AND client_token = ?`,
    [scope.account, scope.region, groupName, name, clientToken],
  );
  return row !== undefined && Number(row.deleted_at) >= now - DELETED_TOKEN_MS;
}

export interface ScheduleFilter {
  groupName?: string;
  namePrefix?: string;
  state?: string;
  /** Resume after this (group, name). */
  after?: [string, string];
  limit: number;
}

export async function listSchedules(tx: Tx, scope: Scope, filter: ScheduleFilter): Promise<ScheduleRecord[]> {
  const where = ['account = ?', 'region = ?'];
  const params: Array<string | number> = [scope.account, scope.region];
  if (filter.groupName !== undefined) {
    where.push('group_name = ?');
    params.push(filter.groupName);
  }
  if (filter.namePrefix !== undefined) {
    // A prefix compared with substr, not LIKE: names may hold `_`, which LIKE reads as a wildcard.
    where.push('substr(name, 1, ?) = ?');
    params.push(filter.namePrefix.length, filter.namePrefix);
  }
  if (filter.state !== undefined) {
    where.push('state = ?');
    params.push(filter.state);
  }
  if (filter.after) {
    where.push('(name > ? OR (name = ? AND group_name > ?))');
    params.push(filter.after[1], filter.after[1], filter.after[0]);
  }
  const rows = await tx.all<ScheduleRow>(
    `SELECT * FROM sch_schedules WHERE ${where.join(' AND ')} ORDER BY name, group_name LIMIT ${filter.limit}`,
    params,
  );
  return rows.map(toSchedule);
}

export async function schedulesInGroup(tx: Tx, scope: Scope, groupName: string): Promise<number[]> {
  const rows = await tx.all<{ id: number }>(
    'SELECT id FROM sch_schedules WHERE account = ? AND region = ? AND group_name = ?',
    [scope.account, scope.region, groupName],
  );
  return rows.map((row) => Number(row.id));
}

export async function findGroup(tx: Tx, scope: Scope, name: string): Promise<GroupRecord | undefined> {
  const row = await tx.get<GroupRow>(
    'SELECT * FROM sch_groups WHERE account = ? AND region = ? AND name = ?',
    [scope.account, scope.region, name],
  );
  return row && toGroup(row);
}

/** The default group exists in every account and region from the start; its row is made when first needed. */
export async function groupOrDefault(
  tx: Tx,
  scope: Scope,
  name: string,
  now: number,
): Promise<GroupRecord | undefined> {
  const group = await findGroup(tx, scope, name);
  if (group || name !== DEFAULT_GROUP) return group;
  return insertGroup(tx, { ...scope, name, tags: [], clientToken: undefined, createdAt: now });
}

export async function insertGroup(
  tx: Tx,
  group: Omit<GroupRecord, 'id' | 'modifiedAt'>,
): Promise<GroupRecord> {
  const row = await tx.get<{ id: number }>(
    `INSERT INTO sch_groups (account, region, name, tags, client_token, created_at, modified_at)
     VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    [
      group.account,
      group.region,
      group.name,
      JSON.stringify(group.tags),
      group.clientToken ?? null,
      group.createdAt,
      group.createdAt,
    ],
  );
  return { ...group, id: Number(row!.id), modifiedAt: group.createdAt };
}

export async function countGroups(tx: Tx, scope: Scope): Promise<number> {
  const row = await tx.get<{ count: number }>(
    'SELECT COUNT(*) AS count FROM sch_groups WHERE account = ? AND region = ?',
    [scope.account, scope.region],
  );
  return Number(row?.count ?? 0);
}

export async function setGroupTags(tx: Tx, id: number, tags: Scheduler.Tag[], now: number): Promise<void> {
  await tx.run('UPDATE sch_groups SET tags = ?, modified_at = ? WHERE id = ?', [
    JSON.stringify(tags),
    now,
    id,
  ]);
}

export async function deleteGroupRow(tx: Tx, id: number): Promise<void> {
  await tx.run('DELETE FROM sch_groups WHERE id = ?', [id]);
}

export async function listGroups(
  tx: Tx,
  scope: Scope,
  namePrefix: string | undefined,
  after: string | undefined,
  limit: number,
): Promise<GroupRecord[]> {
  const where = ['account = ?', 'region = ?'];
  const params: Array<string | number> = [scope.account, scope.region];
  if (namePrefix !== undefined) {
    where.push('substr(name, 1, ?) = ?');
    params.push(namePrefix.length, namePrefix);
  }
  if (after !== undefined) {
    where.push('name > ?');
    params.push(after);
  }
  const rows = await tx.all<GroupRow>(
    `SELECT * FROM sch_groups WHERE ${where.join(' AND ')} ORDER BY name LIMIT ${limit}`,
    params,
  );
  return rows.map(toGroup);
}

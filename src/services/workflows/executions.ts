// Executions as rows.
import type { StepFunctions } from '../../contract/index.ts';
import type { Tx } from '../../store/index.ts';
import type { MachineType } from './machines.ts';

export type ExecutionStatus = StepFunctions.ExecutionStatus;

export interface ExecutionRecord {
  arn: string;
  account: string;
  region: string;
  machineArn: string;
  versionArn: string | undefined;
  aliasArn: string | undefined;
  revisionId: string;
  name: string;
  type: MachineType;
  status: ExecutionStatus;
  input: string;
  output: string | undefined;
  error: string | undefined;
  cause: string | undefined;
  traceHeader: string | undefined;
  mapRunArn: string | undefined;
  /** The task token of the `states:startExecution` task that started this execution, if one did. */
  parentToken: string | undefined;
  startedAt: number;
  stoppedAt: number | undefined;
  eventCount: number;
  redriveCount: number;
  redriveDate: number | undefined;
}

interface ExecutionRow {
  arn: string;
  account: string;
  region: string;
  machine_arn: string;
  version_arn: string | null;
  alias_arn: string | null;
  revision_id: string;
  name: string;
  type: string;
  status: string;
  input: string;
  output: string | null;
  error: string | null;
  cause: string | null;
  trace_header: string | null;
  map_run_arn: string | null;
  parent_token: string | null;
  started_at: number;
  stopped_at: number | null;
  event_count: number;
  redrive_count: number;
  redrive_date: number | null;
}

const optional = <T>(value: T | null): T | undefined => (value === null ? undefined : value);
const optionalNumber = (value: number | null) => (value === null ? undefined : Number(value));

export function toExecution(row: ExecutionRow): ExecutionRecord {
  return {
    arn: row.arn,
    account: row.account,
    region: row.region,
    machineArn: row.machine_arn,
    versionArn: optional(row.version_arn),
    aliasArn: optional(row.alias_arn),
    revisionId: row.revision_id,
    name: row.name,
    type: row.type as MachineType,
    status: row.status as ExecutionStatus,
    input: row.input,
    output: optional(row.output),
    error: optional(row.error),
    cause: optional(row.cause),
    traceHeader: optional(row.trace_header),
    mapRunArn: optional(row.map_run_arn),
    parentToken: optional(row.parent_token),
    startedAt: Number(row.started_at),
    stoppedAt: optionalNumber(row.stopped_at),
    eventCount: Number(row.event_count),
    redriveCount: Number(row.redrive_count),
    redriveDate: optionalNumber(row.redrive_date),
  };
}

export async function getExecution(tx: Tx, arn: string): Promise<ExecutionRecord | undefined> {
  const row = await tx.get<ExecutionRow>('SELECT * FROM sfn_executions WHERE arn = ?', [arn]);
  return row && toExecution(row);
}

export async function insertExecution(tx: Tx, execution: ExecutionRecord): Promise<void> {
  await tx.run(
    `INSERT INTO sfn_executions (arn, account, region, machine_arn, version_arn, alias_arn, revision_id, name,
       type, status, input, output, error, cause, trace_header, map_run_arn, parent_token, started_at,
       stopped_at, event_count, redrive_count, redrive_date)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      execution.arn,
      execution.account,
      execution.region,
      execution.machineArn,
      execution.versionArn ?? null,
      execution.aliasArn ?? null,
      execution.revisionId,
      execution.name,
      execution.type,
      execution.status,
      execution.input,
      execution.output ?? null,
      execution.error ?? null,
      execution.cause ?? null,
      execution.traceHeader ?? null,
      execution.mapRunArn ?? null,
      execution.parentToken ?? null,
      execution.startedAt,
      execution.stoppedAt ?? null,
      execution.eventCount,
      execution.redriveCount,
      execution.redriveDate ?? null,
    ],
  );
}

/** Writes what a run changes: status, result, the event counter, redrives. */
export async function saveExecution(tx: Tx, execution: ExecutionRecord): Promise<void> {
  await tx.run(
    `UPDATE sfn_executions SET status = ?, output = ?, error = ?, cause = ?, stopped_at = ?, event_count = ?,
       redrive_count = ?, redrive_date = ? WHERE arn = ?`,
    [
      execution.status,
      execution.output ?? null,
      execution.error ?? null,
      execution.cause ?? null,
      execution.stoppedAt ?? null,
      execution.eventCount,
      execution.redriveCount,
      execution.redriveDate ?? null,
      execution.arn,
    ],
  );
}

export interface ExecutionListing {
  /** Which column selects the executions: a machine's, a version's, an alias's or a map run's. */
  by: 'machine_arn' | 'version_arn' | 'alias_arn' | 'map_run_arn';
  arn: string;
  status?: ExecutionStatus;
  redriven?: boolean;
  /** Executions started before this (startedAt, arn) position, newest first. */
  before?: [number, string];
  limit: number;
}

export async function listExecutions(tx: Tx, listing: ExecutionListing): Promise<ExecutionRecord[]> {
  const conditions = [`${listing.by} = ?`];
  if (listing.by !== 'map_run_arn') conditions.push('map_run_arn IS NULL');
  const params: (string | number)[] = [listing.arn];
  if (listing.status) {
    conditions.push('status = ?');
    params.push(listing.status);
  }
  if (listing.redriven !== undefined)
    conditions.push(listing.redriven ? 'redrive_count > 0' : 'redrive_count = 0');
  if (listing.before) {
    conditions.push('(started_at < ? OR (started_at = ? AND arn < ?))');
    params.push(listing.before[0], listing.before[0], listing.before[1]);
  }
  params.push(listing.limit);
  const rows = await tx.all<ExecutionRow>(
    `SELECT * FROM sfn_executions WHERE ${conditions.join(' AND ')} ORDER BY started_at DESC, arn DESC LIMIT ?`,
    params,
  );
  return rows.map(toExecution);
}

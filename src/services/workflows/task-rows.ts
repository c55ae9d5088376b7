// Tasks handed out by token (sfn_tasks). A row's status:
//   queued    an activity task no worker has taken yet
//   invoking  an integration being called (a lease timer calls it again if this node dies meanwhile)
//   started   out with a worker, a callback or a resource being waited for (`.sync`)
//   closed    over; its token answers TaskTimedOut from then on
import { randomBytes } from 'node:crypto';
import type { Tx } from '../../store/index.ts';

export type TaskStatus = 'queued' | 'invoking' | 'started' | 'closed';

export interface TaskRow {
  token: string;
  execution_arn: string;
  frame_id: string;
  kind: string;
  status: TaskStatus;
  activity_arn: string | null;
  resource: string;
  input: string | null;
  ref: string | null;
  worker: string | null;
  created_at: number;
}

/** A task token: opaque, as long as AWS's are short, and recognisable (InvalidToken otherwise). */
export function newToken(): string {
  return `AQB${randomBytes(96).toString('base64url')}`;
}

export const isWellFormedToken = (token: string) => /^AQB[A-Za-z0-9_-]{128}$/.test(token);

export async function getTask(tx: Tx, token: string): Promise<TaskRow | undefined> {
  return tx.get<TaskRow>('SELECT * FROM sfn_tasks WHERE token = ?', [token]);
}

export async function insertTask(tx: Tx, row: TaskRow): Promise<void> {
  await tx.run(
    `INSERT INTO sfn_tasks (token, execution_arn, frame_id, kind, status, activity_arn, resource, input, ref, worker,
       created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      row.token,
      row.execution_arn,
      row.frame_id,
      row.kind,
      row.status,
      row.activity_arn,
      row.resource,
      row.input,
      row.ref,
      row.worker,
      row.created_at,
    ],
  );
}

export async function setTaskStatus(
  tx: Tx,
  token: string,
  status: TaskStatus,
  fields: { ref?: string; worker?: string } = {},
): Promise<void> {
  await tx.run(
    'UPDATE sfn_tasks SET status = ?, ref = COALESCE(?, ref), worker = COALESCE(?, worker) WHERE token = ?',
    [status, fields.ref ?? null, fields.worker ?? null, token],
  );
}

export async function openTasksOf(tx: Tx, executionArn: string): Promise<TaskRow[]> {
  return tx.all<TaskRow>("SELECT * FROM sfn_tasks WHERE execution_arn = ? AND status <> 'closed'", [
    executionArn,
  ]);
}

/** The oldest queued task of an activity, taken by `worker` (status started). */
export async function claimActivityTask(
  tx: Tx,
  activityArn: string,
  worker: string,
): Promise<TaskRow | undefined> {
  const row = await tx.get<TaskRow>(
    "SELECT * FROM sfn_tasks WHERE activity_arn = ? AND status = 'queued' ORDER BY created_at, token LIMIT 1",
    [activityArn],
  );
  if (!row) return undefined;
  await setTaskStatus(tx, row.token, 'started', { worker });
  return { ...row, status: 'started', worker };
}

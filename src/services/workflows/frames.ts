// Where an execution is: one frame for the machine, one per Parallel branch and Map iteration under
// way. A frame is at one state of its machine, in one of these conditions:
//   run       something is to be done now (`op`: enter the state, retry it, take a result or an error)
//   wait      a durable timer will wake it (a Wait state, a retry's back-off)
//   task      a task is out (its row in sfn_tasks, by `task.token`)
//   children  a Parallel or Map state waits for its branches / iterations
//   pending   a Map iteration not started yet (MaxConcurrency)
//   done      a branch / iteration that succeeded (`output`), until its parent collects it
//   failed    one that failed (`error`)
import type { Json, RaisedError, Variables } from '../../asl/index.ts';
import type { Tx } from '../../store/index.ts';

export type FrameStatus = 'run' | 'wait' | 'task' | 'children' | 'pending' | 'done' | 'failed';

export type Op =
  | { kind: 'enter' }
  | { kind: 'retry' }
  | { kind: 'result'; result: Json }
  | { kind: 'error'; error: RaisedError };

export interface TaskRef {
  token: string;
  /** History's resourceType / resource ("ecs" / "runTask.sync"), or the activity ARN. */
  resourceType: string;
  resource: string;
  activity: boolean;
  heartbeatSeconds?: number;
}

export interface ChildrenRef {
  kind: 'parallel' | 'map';
  total: number;
  launched: number;
  finished: number;
  failed: number;
  maxConcurrency: number;
  toleratedFailureCount?: number;
  toleratedFailurePercentage?: number;
  mode: 'INLINE' | 'DISTRIBUTED';
}

export interface FrameData {
  /** Which machine the frame runs: [] the execution's; each step [state, branch] (-1: a Map's processor). */
  path: Array<[string, number]>;
  state: string;
  /** The state's raw input. */
  input: Json;
  vars: Variables;
  enteredAt: number;
  retryCounts: number[];
  /** The frame's last event: the next one's previousEventId. */
  last: number;
  op?: Op;
  /** Wait: what the timer does when it fires. */
  wake?: 'wait' | 'retry';
  /** Wait states: their output and next state, kept until the timer fires. */
  waitOutput?: Json;
  waitNext?: string | null;
  task?: TaskRef;
  children?: ChildrenRef;
  output?: Json;
  error?: RaisedError;
}

export interface Frame {
  id: string;
  parent: string | null;
  idx: number;
  status: FrameStatus;
  data: FrameData;
}

interface FrameRow {
  id: string;
  parent: string | null;
  idx: number;
  status: string;
  data: string;
}

const toFrame = (row: FrameRow): Frame => ({
  id: row.id,
  parent: row.parent,
  idx: Number(row.idx),
  status: row.status as FrameStatus,
  data: JSON.parse(row.data) as FrameData,
});

export async function getFrame(tx: Tx, executionArn: string, id: string): Promise<Frame | undefined> {
  const row = await tx.get<FrameRow>(
    'SELECT id, parent, idx, status, data FROM sfn_frames WHERE execution_arn = ? AND id = ?',
    [executionArn, id],
  );
  return row && toFrame(row);
}

export async function framesWithStatus(tx: Tx, executionArn: string, status: FrameStatus): Promise<Frame[]> {
  const rows = await tx.all<FrameRow>(
    'SELECT id, parent, idx, status, data FROM sfn_frames WHERE execution_arn = ? AND status = ? ORDER BY id',
    [executionArn, status],
  );
  return rows.map(toFrame);
}

export async function allFrames(tx: Tx, executionArn: string): Promise<Frame[]> {
  const rows = await tx.all<FrameRow>(
    'SELECT id, parent, idx, status, data FROM sfn_frames WHERE execution_arn = ?',
    [executionArn],
  );
  return rows.map(toFrame);
}

export async function childFrames(tx: Tx, executionArn: string, parent: string): Promise<Frame[]> {
  const rows = await tx.all<FrameRow>(
    'SELECT id, parent, idx, status, data FROM sfn_frames WHERE execution_arn = ? AND parent = ? ORDER BY idx',
    [executionArn, parent],
  );
  return rows.map(toFrame);
}

export async function pendingChildren(
  tx: Tx,
  executionArn: string,
  parent: string,
  limit: number,
): Promise<Frame[]> {
  const rows = await tx.all<FrameRow>(
    `SELECT id, parent, idx, status, data FROM sfn_frames WHERE execution_arn = ? AND parent = ? AND status = 'pending'
     ORDER BY idx LIMIT ?`,
    [executionArn, parent, limit],
  );
  return rows.map(toFrame);
}

export async function saveFrames(tx: Tx, executionArn: string, frames: Frame[]): Promise<void> {
  for (let start = 0; start < frames.length; start += 50) {
    const chunk = frames.slice(start, start + 50);
    const values: (string | number | null)[] = [];
    for (const frame of chunk)
      values.push(executionArn, frame.id, frame.parent, frame.idx, frame.status, JSON.stringify(frame.data));
    await tx.run(
      `INSERT INTO sfn_frames (execution_arn, id, parent, idx, status, data) VALUES ${chunk
        .map(() => '(?, ?, ?, ?, ?, ?)')
        .join(', ')}
       ON CONFLICT (execution_arn, id) DO UPDATE SET status = excluded.status, data = excluded.data`,
      values,
    );
  }
}

export async function deleteFrames(tx: Tx, executionArn: string, ids: string[]): Promise<void> {
  for (let start = 0; start < ids.length; start += 100) {
    const chunk = ids.slice(start, start + 100);
    await tx.run(
      `DELETE FROM sfn_frames WHERE execution_arn = ? AND id IN (${chunk.map(() => '?').join(', ')})`,
      [executionArn, ...chunk],
    );
  }
}

export async function deleteChildren(tx: Tx, executionArn: string, parent: string): Promise<void> {
  await tx.run('DELETE FROM sfn_frames WHERE execution_arn = ? AND parent = ?', [executionArn, parent]);
}

export async function deleteAllFrames(tx: Tx, executionArn: string): Promise<void> {
  await tx.run('DELETE FROM sfn_frames WHERE execution_arn = ?', [executionArn]);
}

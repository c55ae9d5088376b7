// Tasks in the store: one row per task, its whole record as JSON, with the columns ListTasks,
// DescribeClusters and restarts query. STOPPED tasks stay visible for an hour, as in ECS.
import type { Ecs } from '../../contract/index.ts';
import type { SqlValue, Store, Tx } from '../../store/index.ts';
import type { Scope } from './names.ts';
import type { TaskRecord } from './types.ts';

/** How long a STOPPED task can still be described and listed. */
export const STOPPED_RETENTION_MS = 60 * 60 * 1000;

export interface TaskFilter {
  clusterArn: string;
  family?: string;
  startedBy?: string;
  group?: string;
  desiredStatus: 'RUNNING' | 'STOPPED' | 'PENDING';
  launchType?: string;
}

export interface StopRequest {
  taskArn: string;
  stopCode: Ecs.TaskStopCode;
  reason: string;
}

export class TaskStore {
  constructor(
    private readonly store: Store,
    private readonly now: () => number,
  ) {}

  async save(tasks: TaskRecord[]): Promise<void> {
    await this.store.write(async (tx) => {
      for (const task of tasks) {
        await tx.run(
          `INSERT INTO ecs_tasks (arn, account, region, cluster_arn, family, started_by, launch_type, desired_status,
             last_status, created_at, stopped_at, client_token, node_id, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (arn) DO UPDATE SET desired_status = excluded.desired_status, last_status = excluded.last_status,
             stopped_at = excluded.stopped_at, node_id = excluded.node_id, body = excluded.body`,
          [
            task.taskArn,
            task.account,
            task.region,
            task.clusterArn,
            task.family,
            task.startedBy ?? null,
            task.launchType,
            task.desiredStatus,
            task.lastStatus,
            task.createdAt,
            task.stoppedAt ?? null,
            task.clientToken ?? null,
            task.nodeId ?? null,
            JSON.stringify(task),
          ],
        );
      }
    });
  }

  async get(arn: string): Promise<TaskRecord | undefined> {
    const row = await this.store.read((tx) =>
      tx.get<{ body: string }>('SELECT body FROM ecs_tasks WHERE arn = ?', [arn]),
    );
    return row ? this.visible(JSON.parse(row.body) as TaskRecord) : undefined;
  }

  /** Tasks a RunTask with this client token started (idempotent retries get them back). */
  async byClientToken(scope: Scope, token: string): Promise<TaskRecord[]> {
    const rows = await this.store.read((tx) =>
      tx.all<{ body: string }>(
        'SELECT body FROM ecs_tasks WHERE account = ? AND region = ? AND client_token = ? ORDER BY arn',
        [scope.account, scope.region, token],
      ),
    );
    return rows.map((row) => JSON.parse(row.body) as TaskRecord);
  }

  /** ARNs of the tasks a ListTasks filter selects, in ARN order. */
  async list(filter: TaskFilter): Promise<TaskRecord[]> {
    const where = ['cluster_arn = ?', 'desired_status = ?', '(stopped_at IS NULL OR stopped_at > ?)'];
    const params: SqlValue[] = [filter.clusterArn, filter.desiredStatus, this.now() - STOPPED_RETENTION_MS];
    for (const [column, value] of [
      ['family', filter.family],
      ['started_by', filter.startedBy],
      ['launch_type', filter.launchType],
    ] as const) {
      if (value !== undefined) {
        where.push(`${column} = ?`);
        params.push(value);
      }
    }
    const rows = await this.store.read((tx) =>
      tx.all<{ body: string }>(
        `SELECT body FROM ecs_tasks WHERE ${where.join(' AND ')} ORDER BY arn`,
        params,
      ),
    );
    const tasks = rows.map((row) => JSON.parse(row.body) as TaskRecord);
    return filter.group === undefined ? tasks : tasks.filter((task) => task.group === filter.group);
  }

  /** Tasks of a cluster by lastStatus: RUNNING, and those on their way to it (pending). */
  async counts(clusterArn: string): Promise<{ running: number; pending: number; live: number }> {
    const rows = await this.store.read((tx) =>
      tx.all<{ last_status: string; n: number }>(
        "SELECT last_status, COUNT(*) AS n FROM ecs_tasks WHERE cluster_arn = ? AND last_status <> 'STOPPED' GROUP BY last_status",
        [clusterArn],
      ),
    );
    const count = (statuses: string[]) =>
      rows.filter((row) => statuses.includes(row.last_status)).reduce((sum, row) => sum + Number(row.n), 0);
    return {
      running: count(['RUNNING']),
      pending: count(['PROVISIONING', 'PENDING', 'ACTIVATING']),
      live: count([
        'PROVISIONING',
        'PENDING',
        'ACTIVATING',
        'RUNNING',
        'DEACTIVATING',
        'STOPPING',
        'DEPROVISIONING',
      ]),
    };
  }

  /** Every task not yet STOPPED (a restart re-attaches them); only those of `nodeIds` when given. */
  async live(nodeIds?: string[]): Promise<TaskRecord[]> {
    if (nodeIds?.length === 0) return [];
    const onNodes = nodeIds ? ` AND node_id IN (${nodeIds.map(() => '?').join(', ')})` : '';
    const rows = await this.store.read((tx) =>
      tx.all<{ body: string }>(
        `SELECT body FROM ecs_tasks WHERE last_status <> 'STOPPED'${onNodes} ORDER BY created_at`,
        nodeIds ?? [],
      ),
    );
    return rows.map((row) => JSON.parse(row.body) as TaskRecord);
  }

  /**
   * Leaves a stop for the node that runs `task` and tells it (`notify` runs in the same transaction).
   * Answers the task as it will be once that node took the request.
   */
  async forwardStop(
    task: TaskRecord,
    stopCode: Ecs.TaskStopCode,
    reason: string,
    notify: (tx: Tx, nodeId: string) => Promise<void>,
  ): Promise<TaskRecord> {
    const nodeId = task.nodeId ?? '';
    await this.store.write(async (tx) => {
      await tx.run(
        `INSERT INTO ecs_stop_requests (task_arn, node_id, stop_code, reason) VALUES (?, ?, ?, ?)
         ON CONFLICT (task_arn) DO NOTHING`,
        [task.taskArn, nodeId, stopCode, reason],
      );
      await notify(tx, nodeId);
    });
    return { ...task, desiredStatus: 'STOPPED', stopCode, stoppedReason: reason };
  }

  /** Takes (and forgets) the stops other nodes left for tasks on `nodeId`. */
  takeStopRequests(nodeId: string): Promise<StopRequest[]> {
    return this.store.write(async (tx) => {
      const rows = await tx.all<{ task_arn: string; stop_code: string; reason: string }>(
        'SELECT task_arn, stop_code, reason FROM ecs_stop_requests WHERE node_id = ?',
        [nodeId],
      );
      await tx.run('DELETE FROM ecs_stop_requests WHERE node_id = ?', [nodeId]);
      return rows.map((row) => ({
        taskArn: row.task_arn,
        stopCode: row.stop_code as Ecs.TaskStopCode,
        reason: row.reason,
      }));
    });
  }

  /** Forgets tasks stopped more than the retention ago. */
  async sweep(): Promise<void> {
    await this.store.write((tx) =>
      tx.run("DELETE FROM ecs_tasks WHERE last_status = 'STOPPED' AND stopped_at < ?", [
        this.now() - STOPPED_RETENTION_MS,
      ]),
    );
  }

  private visible(task: TaskRecord): TaskRecord | undefined {
    return task.stoppedAt !== undefined && task.stoppedAt <= this.now() - STOPPED_RETENTION_MS
      ? undefined
      : task;
  }
}

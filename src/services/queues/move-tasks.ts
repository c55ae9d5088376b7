// Message move tasks: redrive a dead-letter queue's messages back to their sources (or to another
// queue) at a rate, on the durable timer service, so a task survives a restart and resumes.
import type { Runtime, Timer } from '../../runtime/index.ts';
import type { Tx } from '../../store/index.ts';
import type { MessageEngine, MessageRow } from './engine/index.ts';
import { sqsError } from './errors.ts';
import type { Queue, QueueRegistry } from './registry.ts';

const TIMER_KIND = 'sqs.move-task';
/** "System optimized" rate when the caller sets none. */
const DEFAULT_RATE = 500;
const MAX_RATE = 500;
const TICK_MS = 1000;

interface TaskRow {
  handle: string;
  source_queue_id: number;
  source_arn: string;
  destination_arn: string | null;
  rate: number | null;
  status: 'RUNNING' | 'COMPLETED' | 'CANCELLING' | 'CANCELLED' | 'FAILED';
  moved: number;
  to_move: number;
  last_seq: number;
  failure: string | null;
  started_at: number;
}

export interface MoveTaskResult {
  TaskHandle?: string;
  Status: string;
  SourceArn: string;
  DestinationArn?: string;
  MaxNumberOfMessagesPerSecond?: number;
  ApproximateNumberOfMessagesMoved: number;
  ApproximateNumberOfMessagesToMove?: number;
  FailureReason?: string;
  StartedTimestamp: number;
}

export class MoveTasks {
  constructor(
    private readonly runtime: Runtime,
    private readonly registry: QueueRegistry,
    private readonly engine: MessageEngine,
  ) {
    runtime.timers.on(TIMER_KIND, (timer, tx) => this.tick(timer, tx));
  }

  async start(source: Queue, destinationArn: string | undefined, rate: number | undefined): Promise<string> {
    if (this.registry.deadLetterSources(source).length === 0) {
      throw sqsError(
        'InvalidParameterValue',
        `Source queue ${source.arn} must be configured as a dead-letter queue.`,
      );
    }
    if (destinationArn !== undefined) {
      const destination = this.registry.fromArn(destinationArn);
      if (!destination)
        throw sqsError(
          'ResourceNotFoundException',
          `The resource that you specified for the DestinationArn parameter doesn't exist.`,
        );
      if (destination.fifo !== source.fifo || destination.id === source.id) {
        throw sqsError(
          'InvalidParameterValue',
          'The destination queue must be a different queue of the same type as the source queue.',
        );
      }
    }
    if (rate !== undefined && (rate < 1 || rate > MAX_RATE)) {
      throw sqsError(
        'InvalidParameterValue',
        `Value ${rate} for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: Must be between 1 and ${MAX_RATE}.`,
      );
    }
    const now = this.runtime.clock.now();
    const handle = Buffer.from(
      JSON.stringify({ taskId: crypto.randomUUID(), sourceArn: source.arn }),
    ).toString('base64');
    await this.runtime.store.write(async (tx) => {
      const running = await tx.get<{ handle: string }>(
        `SELECT handle FROM sqs_move_tasks WHERE source_queue_id = ? AND status IN ('RUNNING', 'CANCELLING')`,
        [source.id],
      );
      if (running) {
        throw sqsError(
          'InvalidParameterValue',
          'There is already a task running. Only one active task is allowed for a source queue arn at a given time.',
        );
      }
      const totals = await tx.get<{ n: number; last: number | null }>(
        'SELECT COUNT(*) AS n, MAX(seq) AS last FROM sqs_messages WHERE queue_id = ?',
        [source.id],
      );
      await tx.run(
        `INSERT INTO sqs_move_tasks (handle, source_queue_id, source_arn, destination_arn, rate, status, to_move, last_seq, started_at)
         VALUES (?, ?, ?, ?, ?, 'RUNNING', ?, ?, ?)`,
        [
          handle,
          source.id,
          source.arn,
          destinationArn ?? null,
          rate ?? null,
          Number(totals?.n ?? 0),
          Number(totals?.last ?? 0),
          now,
        ],
      );
      await this.runtime.timers.scheduleIn(tx, TIMER_KIND, handle, now);
    });
    return handle;
  }

  async cancel(handle: string): Promise<number> {
    return this.runtime.store.write(async (tx) => {
      const task = await tx.get<TaskRow>('SELECT * FROM sqs_move_tasks WHERE handle = ?', [handle]);
      if (!task) throw sqsError('ResourceNotFoundException', 'The specified task handle does not exist.');
      if (task.status !== 'RUNNING') {
        throw sqsError(
          'ResourceNotFoundException',
          `Only a RUNNING task can be cancelled; this task is ${task.status}.`,
        );
      }
      await tx.run(`UPDATE sqs_move_tasks SET status = 'CANCELLED' WHERE handle = ?`, [handle]);
      await this.runtime.timers.cancelIn(tx, TIMER_KIND, handle);
      return Number(task.moved);
    });
  }

  async list(source: Queue, max: number): Promise<MoveTaskResult[]> {
    const rows = await this.runtime.store.read((tx) =>
      tx.all<TaskRow>(
        'SELECT * FROM sqs_move_tasks WHERE source_queue_id = ? ORDER BY started_at DESC LIMIT ?',
        [source.id, max],
      ),
    );
    return rows.map((row) => {
      const result: MoveTaskResult = {
        Status: row.status,
        SourceArn: row.source_arn,
        ApproximateNumberOfMessagesMoved: Number(row.moved),
        StartedTimestamp: Number(row.started_at),
        // Counted when the task started, so every task that started has it.
        ApproximateNumberOfMessagesToMove: Number(row.to_move),
      };
      if (row.status === 'RUNNING') result.TaskHandle = row.handle;
      if (row.destination_arn) result.DestinationArn = row.destination_arn;
      if (row.rate !== null) result.MaxNumberOfMessagesPerSecond = Number(row.rate);
      if (row.failure) result.FailureReason = row.failure;
      return result;
    });
  }

  /** One second's worth of moves; reschedules itself until the messages present at the start are moved. */
  private async tick(timer: Timer, tx: Tx): Promise<void> {
    const task = await tx.get<TaskRow>('SELECT * FROM sqs_move_tasks WHERE handle = ?', [timer.key]);
    if (task?.status !== 'RUNNING') return;
    const now = this.runtime.clock.now();
    const fail = (reason: string) =>
      tx.run(`UPDATE sqs_move_tasks SET status = 'FAILED', failure = ? WHERE handle = ?`, [
        reason,
        task.handle,
      ]);
    const destination = task.destination_arn ? this.registry.fromArn(task.destination_arn) : undefined;
    if (task.destination_arn && !destination) return void (await fail('Destination queue does not exist.'));
    const rows = await tx.all<MessageRow>(
      'SELECT * FROM sqs_messages WHERE queue_id = ? AND seq <= ? ORDER BY seq LIMIT ?',
      [task.source_queue_id, task.last_seq, task.rate ?? DEFAULT_RATE],
    );
    let moved = 0;
    for (const row of rows) {
      const target =
        destination ?? (row.dead_letter_source ? this.registry.fromArn(row.dead_letter_source) : undefined);
      if (!target)
        return void (await fail(
          `Message ${row.message_id} has no source queue to return to; give a DestinationArn.`,
        ));
      await this.engine.moveMessage(tx, row, target, now);
      tx.whenSettled((committed) => committed && this.engine.waiters.notify(target.id));
      moved++;
    }
    const done = rows.length < (task.rate ?? DEFAULT_RATE);
    await tx.run(`UPDATE sqs_move_tasks SET moved = moved + ?, status = ? WHERE handle = ?`, [
      moved,
      done ? 'COMPLETED' : 'RUNNING',
      task.handle,
    ]);
    if (!done) await this.runtime.timers.scheduleIn(tx, TIMER_KIND, task.handle, now + TICK_MS);
  }
}

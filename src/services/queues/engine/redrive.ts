// Moving messages between queues: dead-letter redrive (a message received maxReceiveCount times
// goes to the queue's dead-letter queue instead of out again) and move tasks (../move-tasks.ts).
import { extend } from '../../../runtime/index.ts';
import type { Tx } from '../../../store/index.ts';
import type { Queue } from '../registry.ts';
import type { EngineContext } from './context.ts';
import { type CandidateRow, insertRow, type MessageRow, nextSequenceNumber } from './rows.ts';

/**
 * Moves a message received as often as the queue's RedrivePolicy allows to its dead-letter queue,
 * and answers that queue (to wake its receivers after the commit); undefined when the message may
 * be received again (no policy, count not reached, or a dead-letter queue that does not exist).
 */
export async function redriveIfSpent(
  context: EngineContext,
  tx: Tx,
  queue: Queue,
  row: CandidateRow,
  now: number,
): Promise<Queue | undefined> {
  const redrive = queue.settings.redrive;
  if (!redrive || row.receive_count < redrive.maxReceiveCount) return undefined;
  const deadLetterQueue = context.registry.fromArn(redrive.deadLetterTargetArn);
  if (!deadLetterQueue) return undefined;
  const full = await tx.get<MessageRow>('SELECT * FROM sqs_messages WHERE seq = ?', [row.seq]);
  if (full) await moveMessage(context, tx, full, deadLetterQueue, now, queue.arn);
  return deadLetterQueue;
}

/**
 * Moves a message to another queue keeping its id, body and attributes (dead-letter redrive and
 * move tasks); `deadLetterSource` marks messages that arrive in a dead-letter queue.
 */
export async function moveMessage(
  context: EngineContext,
  tx: Tx,
  row: MessageRow,
  target: Queue,
  now: number,
  deadLetterSource?: string,
): Promise<void> {
  await tx.run('DELETE FROM sqs_messages WHERE seq = ?', [row.seq]);
  await insertRow(
    tx,
    extend(row, {
      queue_id: target.id,
      expires_at: Number(row.sent_at) + target.settings.retentionMs,
      visible_at: now,
      receive_count: 0,
      first_received_at: null,
      receipt: null,
      group_id: target.fifo ? (row.group_id ?? 'default') : row.group_id,
      sequence_number: target.fifo ? await nextSequenceNumber(tx, target) : null,
      dead_letter_source: deadLetterSource ?? null,
    }),
  );
  context.counters.count(target.id, now, 'sent', 1);
}

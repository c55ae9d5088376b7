// What every receive does with the messages it found, standard or FIFO: decide on each (hand it
// out, or remove it: expired, or spent and moved to the dead-letter queue), then hand the chosen
// ones out under one receipt.
import type { Tx } from '../../../store/index.ts';
import type { Queue } from '../registry.ts';
import type { EngineContext } from './context.ts';
import { redriveIfSpent } from './redrive.ts';
import type { CandidateRow, MessageRow } from './rows.ts';
import { newReceiptToken } from './waiters.ts';

/**
 * Decides to hand one visible message out (its seq), or removes it: expired, or moved to the
 * dead-letter queue (whose id joins `moved`, to wake its receivers after the commit).
 */
export async function claim(
  context: EngineContext,
  tx: Tx,
  queue: Queue,
  row: CandidateRow,
  now: number,
  moved: Set<number>,
): Promise<number | undefined> {
  if (row.expires_at <= now) {
    await tx.run('DELETE FROM sqs_messages WHERE seq = ?', [row.seq]);
    return undefined;
  }
  const deadLetterQueue = await redriveIfSpent(context, tx, queue, row, now);
  if (deadLetterQueue) {
    moved.add(deadLetterQueue.id);
    return undefined;
  }
  return row.seq;
}

/** Makes the claimed messages invisible and gives them this receive's receipt, in one statement. */
export async function handOut(
  tx: Tx,
  seqs: number[],
  now: number,
  visibilityMs: number,
): Promise<MessageRow[]> {
  if (seqs.length === 0) return [];
  const receipt = newReceiptToken();
  const rows = await tx.all<MessageRow>(
    `UPDATE sqs_messages SET visible_at = ?, receive_count = receive_count + 1,
       first_received_at = COALESCE(first_received_at, ?), receipt = ?
     WHERE seq IN (${seqs.map(() => '?').join(', ')}) RETURNING *`,
    [now + visibilityMs, now, receipt, ...seqs],
  );
  // RETURNING gives no order; FIFO order must hold in the answer.
  const order = new Map(seqs.map((seq, index) => [seq, index]));
  return rows.sort((a, b) => order.get(a.seq)! - order.get(b.seq)!);
}

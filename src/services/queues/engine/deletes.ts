// DeleteMessage(Batch): a message goes when deleted under the receipt of the receive that holds it.
// A stale receipt of a message received since is accepted and deletes nothing, as AWS does.
import type { Queue } from '../registry.ts';
import type { EngineContext } from './context.ts';
import type { Receipt } from './receipts.ts';

export async function deleteMessages(
  context: EngineContext,
  queue: Queue,
  receipts: Receipt[],
): Promise<void> {
  if (receipts.length === 0) return;
  await context.store.write(async (tx) => {
    let deleted = 0;
    for (const receipt of receipts) {
      const { changes } = await tx.run('DELETE FROM sqs_messages WHERE seq = ? AND receipt = ?', [
        receipt.seq,
        receipt.token,
      ]);
      deleted += changes;
    }
    if (deleted > 0) context.counters.count(queue.id, context.clock.now(), 'deleted', deleted);
    // A FIFO group whose message in flight is gone has its next message to give: wake for it.
    if (deleted > 0 && queue.fifo) {
      tx.whenSettled((committed) => committed && context.waiters.notify(queue.id, deleted));
    }
  });
}

// ChangeMessageVisibility(Batch): a message in flight gets a new deadline. As in SQS, an older
// receipt handle of a message received again still changes it, as long as it is in flight.
import type { Queue } from '../registry.ts';
import type { EngineContext } from './context.ts';
import { MessageNotInflight } from './errors.ts';
import type { Receipt } from './receipts.ts';

export interface VisibilityChange {
  receipt: Receipt;
  /** Seconds from now; 0 makes the message visible at once. */
  visibilityTimeout: number;
}

/** Applies the changes in one transaction; each answers undefined or why it did not apply. */
export async function changeVisibility(
  context: EngineContext,
  queue: Queue,
  changes: VisibilityChange[],
): Promise<Array<MessageNotInflight | undefined>> {
  if (changes.length === 0) return [];
  const results = await context.store.write(async (tx) => {
    const now = context.clock.now();
    const out: Array<MessageNotInflight | undefined> = [];
    for (const { receipt, visibilityTimeout } of changes) {
      const { changes: changed } = await tx.run(
        'UPDATE sqs_messages SET visible_at = ? WHERE seq = ? AND receipt IS NOT NULL AND visible_at > ?',
        [now + visibilityTimeout * 1000, receipt.seq, now],
      );
      out.push(changed > 0 ? undefined : new MessageNotInflight());
    }
    return out;
  });
  if (changes.some((change) => change.visibilityTimeout === 0)) context.waiters.notify(queue.id);
  return results;
}

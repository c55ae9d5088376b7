// Removing messages wholesale: PurgeQueue, and the minutely sweep of expired messages,
// deduplication entries and receive attempts (index.ts runs it).
import type { Queue } from '../registry.ts';
import type { EngineContext } from './context.ts';
import { PurgeInProgress } from './errors.ts';

const PURGE_INTERVAL_MS = 60_000;

/** Deletes the messages sent before now; a queue can be purged once a minute. */
export async function purge(context: EngineContext, queue: Queue): Promise<void> {
  const now = context.clock.now();
  if (queue.lastPurgeAt !== undefined && now - queue.lastPurgeAt < PURGE_INTERVAL_MS) {
    throw new PurgeInProgress(queue.name);
  }
  await context.store.write(async (tx) => {
    await tx.run('DELETE FROM sqs_messages WHERE queue_id = ? AND sent_at <= ?', [queue.id, now]);
    await context.registry.markPurged(tx, queue, now);
  });
  queue.lastPurgeAt = now;
}

/** Deletes expired messages, deduplication entries and receive attempts; answers how many messages. */
export async function sweep(context: EngineContext): Promise<number> {
  const now = context.clock.now();
  return context.store.write(async (tx) => {
    // Messages expire roughly in the order they were sent: sweep each queue's oldest until one lives.
    let changes = 0;
    for (const queue of context.registry.all()) {
      for (;;) {
        const result = await tx.run(
          `DELETE FROM sqs_messages WHERE seq IN (SELECT seq FROM sqs_messages WHERE queue_id = ?
             ORDER BY seq LIMIT 1000) AND expires_at <= ?`,
          [queue.id, now],
        );
        changes += result.changes;
        if (result.changes < 1000) break;
      }
    }
    await tx.run('DELETE FROM sqs_dedup WHERE expires_at <= ?', [now]);
    await tx.run('DELETE FROM sqs_receive_attempts WHERE expires_at <= ?', [now]);
    return changes;
  });
}

// Claiming messages of a FIFO queue: in sequence order, and a group whose oldest message is delayed
// or in flight gives nothing until that message is deleted or visible again.
import type { Tx } from '../../../store/index.ts';
import type { Queue } from '../registry.ts';
import { claim, handOut } from './claims.ts';
import type { EngineContext } from './context.ts';
import type { MessageRow } from './rows.ts';

/** Rows examined per round of a receive; enough to skip blocked groups and expired rows. */
const SCAN_PAGE = 256;

export async function claimFifo(
  context: EngineContext,
  tx: Tx,
  queue: Queue,
  max: number,
  now: number,
  visibilityMs: number,
  moved: Set<number>,
): Promise<MessageRow[]> {
  const claimed: number[] = [];
  const blocked = new Set<string>();
  let after = -1;
  while (claimed.length < max) {
    const page = await tx.all<MessageRow>(
      'SELECT * FROM sqs_messages WHERE queue_id = ? AND seq > ? ORDER BY seq LIMIT ?',
      [queue.id, after, SCAN_PAGE],
    );
    for (const row of page) {
      after = row.seq;
      const group = row.group_id ?? '';
      if (blocked.has(group)) continue;
      if (row.expires_at <= now) {
        await tx.run('DELETE FROM sqs_messages WHERE seq = ?', [row.seq]);
        continue;
      }
      // The oldest message of a group that is delayed or in flight holds back the whole group.
      if (row.visible_at > now) {
        blocked.add(group);
        continue;
      }
      const taken = await claim(context, tx, queue, row, now, moved);
      if (taken !== undefined) claimed.push(taken);
      if (claimed.length >= max) break;
    }
    if (page.length < SCAN_PAGE) break;
  }
  return handOut(tx, claimed, now, visibilityMs);
}

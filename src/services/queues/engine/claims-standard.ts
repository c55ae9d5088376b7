// Claiming messages of a standard queue: any visible message, oldest visible first; with message
// groups (fair queues), groups with fewer messages in flight first.
import type { Tx } from '../../../store/index.ts';
import type { Queue } from '../registry.ts';
import { claim, handOut } from './claims.ts';
import type { EngineContext } from './context.ts';
import type { CandidateRow, MessageRow } from './rows.ts';

export async function claimStandard(
  context: EngineContext,
  tx: Tx,
  queue: Queue,
  max: number,
  now: number,
  visibilityMs: number,
  moved: Set<number>,
): Promise<MessageRow[]> {
  const claimed: number[] = [];
  // Fair queues look past the first `max` candidates for quieter groups; others need no more.
  let pageSize = max;
  while (claimed.length < max) {
    // Candidates are claimed or removed (expired, redriven); claimed ones are skipped on the next page.
    const candidates = await tx.all<CandidateRow>(
      `SELECT seq, group_id, receive_count, expires_at FROM sqs_messages
       WHERE queue_id = ? AND visible_at <= ? AND seq NOT IN (${claimed.map(() => '?').join(', ')})
       ORDER BY visible_at, seq LIMIT ?`,
      [queue.id, now, ...claimed, pageSize],
    );
    if (pageSize === max && candidates.some((row) => row.group_id !== null)) {
      pageSize = max * 4;
      continue;
    }
    for (const row of fairOrder(candidates, await inFlightByGroup(tx, queue, candidates, now))) {
      if (claimed.length >= max) break;
      const taken = await claim(context, tx, queue, row, now, moved);
      if (taken !== undefined) claimed.push(taken);
    }
    if (candidates.length < pageSize) break;
  }
  return handOut(tx, claimed, now, visibilityMs);
}

/** In-flight counts of the message groups among the candidates (fair queues). */
async function inFlightByGroup(
  tx: Tx,
  queue: Queue,
  candidates: CandidateRow[],
  now: number,
): Promise<Map<string, number>> {
  const groups = [...new Set(candidates.map((row) => row.group_id).filter((group) => group !== null))];
  const counts = new Map<string, number>();
  if (groups.length < 2) return counts;
  const rows = await tx.all<{ group_id: string; n: number }>(
    `SELECT group_id, COUNT(*) AS n FROM sqs_messages WHERE queue_id = ? AND visible_at > ? AND receive_count > 0
       AND group_id IN (${groups.map(() => '?').join(', ')}) GROUP BY group_id`,
    [queue.id, now, ...groups],
  );
  for (const row of rows) counts.set(row.group_id, Number(row.n));
  return counts;
}

/**
 * Fair queues: candidates of message groups with fewer messages in flight go first, so one noisy
 * group cannot starve the others. Without groups the order is unchanged.
 */
function fairOrder(candidates: CandidateRow[], inFlight: Map<string, number>): CandidateRow[] {
  if (inFlight.size === 0 && !candidates.some((row) => row.group_id !== null)) return candidates;
  const taken = new Map<string, number>();
  const ranked = candidates.map((row, index) => {
    const group = row.group_id ?? '';
    const rank = (inFlight.get(group) ?? 0) + (taken.get(group) ?? 0);
    taken.set(group, (taken.get(group) ?? 0) + 1);
    return { row, rank, index };
  });
  ranked.sort((a, b) => a.rank - b.rank || a.index - b.index);
  return ranked.map((entry) => entry.row);
}

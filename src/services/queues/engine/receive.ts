// ReceiveMessage: look for messages, claim them in one transaction (claims-standard.ts,
// claims-fifo.ts), or wait for them (long polling, waiters.ts) up to the wait time; a FIFO receive
// attempt repeated answers with what it got before.
import type { Tx } from '../../../store/index.ts';
import type { Queue } from '../registry.ts';
import { claimFifo } from './claims-fifo.ts';
import { claimStandard } from './claims-standard.ts';
import type { EngineContext } from './context.ts';
import { type ReceivedMessage, type Selection, toReceived } from './received.ts';
import { DEDUP_WINDOW_MS, type MessageRow } from './rows.ts';

export interface ReceiveOptions extends Selection {
  maxMessages: number;
  visibilityTimeoutSeconds: number | undefined;
  waitTimeSeconds: number | undefined;
  attemptId: string | undefined;
  signal: AbortSignal;
}

const visibilityMsOf = (queue: Queue, options: ReceiveOptions) =>
  (options.visibilityTimeoutSeconds ?? queue.settings.visibilityTimeoutSeconds) * 1000;

/** Waits up to the wait time for messages, answers as soon as one is there. */
export async function receive(
  context: EngineContext,
  queue: Queue,
  options: ReceiveOptions,
): Promise<ReceivedMessage[]> {
  const { clock, waiters, registry } = context;
  const waitSeconds = options.waitTimeSeconds ?? queue.settings.waitTimeSeconds;
  const deadline = clock.now() + waitSeconds * 1000;
  for (;;) {
    // Enlisted before looking, so a send that commits after the look still wakes this receive.
    const waiter = waiters.enlist(queue.id);
    let wokeToLookAgain = false;
    try {
      const { messages, nextDueAt } = await receiveOnce(context, queue, options);
      if (messages.length > 0 || options.signal.aborted || !registry.getById(queue.id)) return messages;
      if (clock.now() >= deadline) return messages;
      const handed = await waiter.wait(
        Math.min(deadline, nextDueAt ?? deadline),
        options.signal,
        queue.fifo
          ? undefined
          : { maxMessages: options.maxMessages, visibilityMs: visibilityMsOf(queue, options) },
      );
      if (handed) return handed.map((row) => toReceived(row, options));
      wokeToLookAgain = true;
    } finally {
      waiter.leave(wokeToLookAgain);
    }
  }
}

async function receiveOnce(
  context: EngineContext,
  queue: Queue,
  options: ReceiveOptions,
): Promise<{ messages: ReceivedMessage[]; nextDueAt: number | undefined }> {
  const { store, clock } = context;
  // A FIFO receive attempt repeated answers with what it got before, in flight or not.
  const attemptId = queue.fifo ? options.attemptId : undefined;
  if (attemptId === undefined) {
    // Most looks of a long poll find nothing: a read tells so without taking the writer.
    const now = clock.now();
    const look = await store.read((tx) =>
      tx.get<{ visible: number | null; due: number | null }>(
        `SELECT (SELECT 1 FROM sqs_messages WHERE queue_id = ? AND visible_at <= ? LIMIT 1) AS visible,
           (SELECT MIN(visible_at) FROM sqs_messages WHERE queue_id = ? AND visible_at > ?) AS due`,
        [queue.id, now, queue.id, now],
      ),
    );
    if (look?.visible == null) {
      return { messages: [], nextDueAt: look?.due == null ? undefined : Number(look.due) };
    }
  }
  const moved = new Set<number>();
  const result = await store.write(async (tx) => {
    const now = clock.now();
    const visibilityMs = visibilityMsOf(queue, options);
    if (attemptId !== undefined) {
      const repeated = await repeatAttempt(tx, queue, attemptId, now, visibilityMs);
      if (repeated) return { rows: repeated, nextDueAt: undefined };
    }
    const claimed = queue.fifo
      ? await claimFifo(context, tx, queue, options.maxMessages, now, visibilityMs, moved)
      : await claimStandard(context, tx, queue, options.maxMessages, now, visibilityMs, moved);
    if (claimed.length > 0) {
      context.counters.count(queue.id, now, 'received', claimed.length);
      if (attemptId !== undefined) {
        await tx.run(
          `INSERT INTO sqs_receive_attempts (queue_id, attempt_id, messages, expires_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (queue_id, attempt_id) DO UPDATE SET messages = excluded.messages, expires_at = excluded.expires_at`,
          [
            queue.id,
            attemptId,
            JSON.stringify(claimed.map((row) => [row.seq, row.receipt])),
            now + DEDUP_WINDOW_MS,
          ],
        );
      }
      return { rows: claimed, nextDueAt: undefined };
    }
    const next = await tx.get<{ due: number | null }>(
      'SELECT MIN(visible_at) AS due FROM sqs_messages WHERE queue_id = ? AND visible_at > ?',
      [queue.id, now],
    );
    return { rows: claimed, nextDueAt: next?.due == null ? undefined : Number(next.due) };
  });
  for (const queueId of moved) context.waiters.notify(queueId);
  return { messages: result.rows.map((row) => toReceived(row, options)), nextDueAt: result.nextDueAt };
}

/** The messages an earlier receive with this attempt id got, still in flight: their visibility restarts. */
async function repeatAttempt(
  tx: Tx,
  queue: Queue,
  attemptId: string,
  now: number,
  visibilityMs: number,
): Promise<MessageRow[] | undefined> {
  const attempt = await tx.get<{ messages: string }>(
    'SELECT messages FROM sqs_receive_attempts WHERE queue_id = ? AND attempt_id = ? AND expires_at > ?',
    [queue.id, attemptId, now],
  );
  if (!attempt) return undefined;
  const rows: MessageRow[] = [];
  for (const [seq, receipt] of JSON.parse(attempt.messages) as Array<[number, string]>) {
    const row = await tx.get<MessageRow>(
      'UPDATE sqs_messages SET visible_at = ? WHERE seq = ? AND receipt = ? AND visible_at > ? RETURNING *',
      [now + visibilityMs, seq, receipt, now],
    );
    if (row) rows.push(row);
  }
  return rows.length > 0 ? rows : undefined;
}

/** Makes messages handed to a receive whose client has gone visible again, as never received. */
export function releaseHanded(context: EngineContext, rows: MessageRow[]): void {
  const queueId = rows[0]!.queue_id;
  context.store
    .write(async (tx) => {
      for (const row of rows) {
        await tx.run(
          `UPDATE sqs_messages SET visible_at = ?, receive_count = receive_count - 1, first_received_at = NULL,
             receipt = NULL WHERE seq = ? AND receipt = ?`,
          [context.clock.now(), row.seq, row.receipt],
        );
      }
      tx.whenSettled((committed) => committed && context.waiters.notify(queueId, rows.length));
    })
    // A store that is closing: the messages come back when their visibility timeout ends.
    .catch(() => {});
}

// Storing sent messages: one row each, FIFO ones deduplicated and numbered. A message due now on a
// standard queue goes straight to a waiting receive, in flight under its receipt, in the send's
// own transaction; receives are woken for the rest once the transaction has committed.
import { randomUUID } from 'node:crypto';
import type { Tx } from '../../../store/index.ts';
import type { StoredAttributes } from '../messages.ts';
import type { Queue } from '../registry.ts';
import type { EngineContext } from './context.ts';
import { DEDUP_WINDOW_MS, insertRow, type MessageRow, nextSequenceNumber } from './rows.ts';
import type { Claim, Waiter } from './waiters.ts';

/** A message checked for its queue, with its digests (the handlers' side prepares it). */
export interface PreparedMessage {
  body: string;
  attributes: StoredAttributes;
  system: StoredAttributes;
  md5Body: string;
  md5Attributes: string | undefined;
  md5System: string | undefined;
  delaySeconds: number;
  groupId: string | undefined;
  /** FIFO queues: the deduplication id, given or derived from the body. */
  dedupId: string | undefined;
  size: number;
}

// A type (not an interface) so it is a handler's output as it stands.
export type SendResult = {
  MessageId: string;
  MD5OfMessageBody: string;
  MD5OfMessageAttributes?: string;
  MD5OfMessageSystemAttributes?: string;
  SequenceNumber?: string;
};

/** A send's answer for one message, and the row it stored (none for a FIFO duplicate). */
interface Inserted {
  result: SendResult;
  row?: MessageRow;
}

/** Stores prepared messages in a transaction (this service's or another's). */
export async function sendIn(
  context: EngineContext,
  tx: Tx,
  queue: Queue,
  messages: PreparedMessage[],
  senderId: string,
): Promise<SendResult[]> {
  const { waiters, counters } = context;
  const now = context.clock.now();
  const out: SendResult[] = [];
  const handed: Array<{ waiter: Waiter<MessageRow>; row: MessageRow }> = [];
  tx.whenSettled((committed) => {
    for (const { waiter, row } of handed) waiter.settle(committed ? row : undefined);
    const left = messages.length - handed.length;
    if (committed && left > 0) waiters.notify(queue.id, left);
  });
  for (const message of messages) {
    const taker = queue.fifo || message.delaySeconds > 0 ? undefined : waiters.taker(queue.id);
    let inserted: Inserted;
    try {
      inserted = await insert(tx, queue, message, senderId, now, taker?.claim);
    } catch (error) {
      taker?.waiter.settle(undefined);
      throw error;
    }
    if (taker) handed.push({ waiter: taker.waiter, row: inserted.row! });
    out.push(inserted.result);
  }
  counters.count(queue.id, now, 'sent', messages.length);
  if (handed.length > 0) counters.count(queue.id, now, 'received', handed.length);
  return out;
}

/** Inserts one message; with a claim, in flight for the receive it is handed to (its row returned). */
async function insert(
  tx: Tx,
  queue: Queue,
  message: PreparedMessage,
  senderId: string,
  now: number,
  claim?: Claim,
): Promise<Inserted> {
  const result: SendResult = { MessageId: '', MD5OfMessageBody: message.md5Body };
  if (message.md5Attributes) result.MD5OfMessageAttributes = message.md5Attributes;
  if (message.md5System) result.MD5OfMessageSystemAttributes = message.md5System;
  let sequenceNumber: string | undefined;
  if (queue.fifo) {
    const dedupKey =
      queue.settings.dedupScope === 'messageGroup'
        ? `${message.groupId} ${message.dedupId}`
        : message.dedupId!;
    const duplicate = await tx.get<{ message_id: string; sequence_number: string }>(
      'SELECT message_id, sequence_number FROM sqs_dedup WHERE queue_id = ? AND dedup_key = ? AND expires_at > ?',
      [queue.id, dedupKey, now],
    );
    if (duplicate) {
      // A duplicate is accepted and answered like the original, and not enqueued again.
      return {
        result: { ...result, MessageId: duplicate.message_id, SequenceNumber: duplicate.sequence_number },
      };
    }
    sequenceNumber = await nextSequenceNumber(tx, queue);
    result.SequenceNumber = sequenceNumber;
    result.MessageId = randomUUID();
    await tx.run(
      `INSERT INTO sqs_dedup (queue_id, dedup_key, message_id, sequence_number, expires_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (queue_id, dedup_key) DO UPDATE SET message_id = excluded.message_id,
         sequence_number = excluded.sequence_number, expires_at = excluded.expires_at`,
      [queue.id, dedupKey, result.MessageId, sequenceNumber, now + DEDUP_WINDOW_MS],
    );
  } else {
    result.MessageId = randomUUID();
  }
  const row: MessageRow = {
    seq: 0,
    queue_id: queue.id,
    message_id: result.MessageId,
    body: message.body,
    attributes: message.md5Attributes ? JSON.stringify(message.attributes) : null,
    system_attributes: message.md5System ? JSON.stringify(message.system) : null,
    md5_body: message.md5Body,
    md5_attributes: message.md5Attributes ?? null,
    md5_system: message.md5System ?? null,
    sender_id: senderId,
    sent_at: now,
    expires_at: now + queue.settings.retentionMs,
    visible_at: claim ? now + claim.visibilityMs : now + message.delaySeconds * 1000,
    receive_count: claim ? 1 : 0,
    first_received_at: claim ? now : null,
    receipt: claim?.receipt ?? null,
    group_id: message.groupId ?? null,
    dedup_id: message.dedupId ?? null,
    sequence_number: sequenceNumber ?? null,
    dead_letter_source: null,
  };
  row.seq = await insertRow(tx, row);
  return { result, row };
}

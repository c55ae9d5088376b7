// A message is one row of sqs_messages (schema.ts): its visibility and delay are a deadline on the
// row (`visible_at`), its receipt the token of the receive that holds it in flight.
import type { Tx } from '../../../store/index.ts';
import type { Queue } from '../registry.ts';

/** FIFO deduplication window; receive attempts are remembered as long. */
export const DEDUP_WINDOW_MS = 5 * 60_000;

export interface MessageRow {
  seq: number;
  queue_id: number;
  message_id: string;
  body: string;
  attributes: string | null;
  system_attributes: string | null;
  md5_body: string;
  md5_attributes: string | null;
  md5_system: string | null;
  sender_id: string;
  sent_at: number;
  expires_at: number;
  visible_at: number;
  receive_count: number;
  first_received_at: number | null;
  receipt: string | null;
  group_id: string | null;
  dedup_id: string | null;
  sequence_number: string | null;
  dead_letter_source: string | null;
}

/** What a receive needs to decide about a message before it claims it. */
export type CandidateRow = Pick<MessageRow, 'seq' | 'group_id' | 'receive_count' | 'expires_at'>;

/** Writes a message row (all but its `seq`, which the table assigns and this returns). */
export async function insertRow(tx: Tx, row: MessageRow): Promise<number> {
  const inserted = await tx.get<{ seq: number }>(
    `INSERT INTO sqs_messages (queue_id, message_id, body, attributes, system_attributes, md5_body, md5_attributes,
       md5_system, sender_id, sent_at, expires_at, visible_at, receive_count, first_received_at, receipt,
       group_id, dedup_id, sequence_number, dead_letter_source)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
    [
      row.queue_id,
      row.message_id,
      row.body,
      row.attributes,
      row.system_attributes,
      row.md5_body,
      row.md5_attributes,
      row.md5_system,
      row.sender_id,
      row.sent_at,
      row.expires_at,
      row.visible_at,
      row.receive_count,
      row.first_received_at,
      row.receipt,
      row.group_id,
      row.dedup_id,
      row.sequence_number,
      row.dead_letter_source,
    ],
  );
  return inserted!.seq;
}

/** A FIFO queue's next sequence number: twenty digits, increasing per queue, like AWS's. */
export async function nextSequenceNumber(tx: Tx, queue: Queue): Promise<string> {
  const row = await tx.get<{ last_sequence: number }>(
    'UPDATE sqs_queues SET last_sequence = last_sequence + 1 WHERE id = ? RETURNING last_sequence',
    [queue.id],
  );
  return (18_000_000_000_000_000_000n + BigInt(row?.last_sequence ?? 0)).toString();
}

// Messages in queues: send, receive, delete, visibility, purge, dead-letter redrive.
// Every change commits before its caller is answered; long polls wake on commit.
import { createHash, randomUUID } from 'node:crypto';
import type { ServiceError } from '../../contract/index.ts';
import { type Clock, extend } from '../../runtime/index.ts';
import type { Store, Tx } from '../../store/index.ts';
import { invalidParameter, sqsError } from './errors.ts';
import {
  type MessageAttributes,
  md5Hex,
  md5OfAttributes,
  type StoredAttributes,
  selectAttributes,
  toStored,
  validateAttributes,
  validateBody,
} from './messages.ts';
import type { Queue, QueueRegistry } from './registry.ts';
import { type Claim, newReceiptToken, type Waiter, Waiters } from './waiters.ts';

/** FIFO deduplication window. */
export const DEDUP_WINDOW_MS = 5 * 60_000;
const PURGE_INTERVAL_MS = 60_000;
const MAX_VISIBILITY_SECONDS = 43_200;
/** Rows examined per round of a receive; enough to skip blocked groups and expired rows. */
const SCAN_PAGE = 256;

export interface SendEntry {
  body: string;
  delaySeconds?: number | undefined;
  attributes?: MessageAttributes | undefined;
  systemAttributes?: MessageAttributes | undefined;
  groupId?: string | undefined;
  dedupId?: string | undefined;
}

// A type (not an interface) so it is a handler's output as it stands.
export type SendResult = {
  MessageId: string;
  MD5OfMessageBody: string;
  MD5OfMessageAttributes?: string;
  MD5OfMessageSystemAttributes?: string;
  SequenceNumber?: string;
};

export interface ReceiveOptions {
  maxMessages: number;
  visibilityTimeoutSeconds: number | undefined;
  waitTimeSeconds: number | undefined;
  attributeNames: string[];
  messageAttributeNames: string[];
  attemptId: string | undefined;
  signal: AbortSignal;
}

export interface ReceivedMessage {
  MessageId: string;
  ReceiptHandle: string;
  MD5OfBody: string;
  Body: string;
  Attributes?: Record<string, string>;
  MD5OfMessageAttributes?: string;
  MessageAttributes?: MessageAttributes;
}

interface PreparedMessage {
  body: string;
  attributes: StoredAttributes;
  system: StoredAttributes;
  md5Body: string;
  md5Attributes: string | undefined;
  md5System: string | undefined;
  delaySeconds: number;
  groupId: string | undefined;
  dedupId: string | undefined;
  size: number;
}

/** A message body's and attributes' checks and digests, whatever queue it goes to. */
interface MessageContent {
  body: string;
  /** The attributes as given (compared by identity). */
  attributesGiven: MessageAttributes | undefined;
  attributes: StoredAttributes;
  size: number;
  md5Body: string;
  md5Attributes: string | undefined;
}

/** A send's answer for one message, and the row it stored (none for a FIFO duplicate). */
interface Inserted {
  result: SendResult;
  row?: MessageRow;
}

/** What a receive needs to decide about a message before it claims it. */
type CandidateRow = Pick<MessageRow, 'seq' | 'group_id' | 'receive_count' | 'expires_at'>;

interface MessageRow {
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

const SYSTEM_ATTRIBUTE_NAMES = [
  'SenderId',
  'SentTimestamp',
  'ApproximateReceiveCount',
  'ApproximateFirstReceiveTimestamp',
  'SequenceNumber',
  'MessageDeduplicationId',
  'MessageGroupId',
  'AWSTraceHeader',
  'DeadLetterQueueSourceArn',
];

const DEDUP_ID = /^[\x21-\x7e]{1,128}$/;

/** Receipt handles name the queue, the message row and the receive that handed it out. */
export function encodeReceipt(queueId: number, seq: number, token: string): string {
  return Buffer.from(`${queueId}:${seq}:${token}`).toString('base64url');
}

export function decodeReceipt(handle: string): { queueId: number; seq: number; token: string } | undefined {
  if (handle.length === 0 || handle.length > 1024 || !/^[A-Za-z0-9_-]+$/.test(handle)) return undefined;
  const match = /^(\d{1,15}):(\d{1,15}):([0-9a-f]{16})$/.exec(
    Buffer.from(handle, 'base64url').toString('latin1'),
  );
  if (!match) return undefined;
  return { queueId: Number(match[1]), seq: Number(match[2]), token: match[3]! };
}

const visibilityMsOf = (queue: Queue, options: ReceiveOptions) =>
  (options.visibilityTimeoutSeconds ?? queue.settings.visibilityTimeoutSeconds) * 1000;

const invalidReceipt = (handle: string) =>
  sqsError('ReceiptHandleIsInvalid', `The input receipt handle "${handle}" is not a valid receipt handle.`);

export interface MinuteCounts {
  queueId: number;
  minute: number;
  sent: number;
  received: number;
  deleted: number;
}

export class MessageEngine {
  readonly waiters: Waiters<MessageRow>;
  private readonly counters = new Map<string, MinuteCounts>();
  private lastContent: MessageContent | undefined;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly registry: QueueRegistry,
  ) {
    this.waiters = new Waiters<MessageRow>(clock, (rows) => this.release(rows));
  }

  /** Validates one message for a queue; throws the error its batch entry (or request) gets. */
  prepare(queue: Queue, entry: SendEntry): PreparedMessage {
    const content = this.content(entry.body, entry.attributes);
    const system = entry.systemAttributes ?? {};
    validateAttributes(system, true);
    const size = content.size;
    if (size > queue.settings.maximumMessageSize) {
      throw invalidParameter(
        `One or more parameters are invalid. Reason: Message must be shorter than ${queue.settings.maximumMessageSize} bytes.`,
      );
    }
    if (entry.delaySeconds !== undefined && (entry.delaySeconds < 0 || entry.delaySeconds > 900)) {
      throw invalidParameter(
        `Value ${entry.delaySeconds} for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.`,
      );
    }
    let { groupId, dedupId } = entry;
    if (groupId !== undefined && !DEDUP_ID.test(groupId)) {
      throw invalidParameter(
        `Value ${groupId} for parameter MessageGroupId is invalid. Reason: MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length.`,
      );
    }
    if (dedupId !== undefined && !DEDUP_ID.test(dedupId)) {
      throw invalidParameter(
        `Value ${dedupId} for parameter MessageDeduplicationId is invalid. Reason: MessageDeduplicationId can only include alphanumeric and punctuation characters. 1 to 128 in length.`,
      );
    }
    if (queue.fifo) {
      if (groupId === undefined) {
        throw sqsError('MissingParameter', 'The request must contain the parameter MessageGroupId.');
      }
      if (entry.delaySeconds !== undefined && entry.delaySeconds !== 0) {
        throw invalidParameter(
          `Value ${entry.delaySeconds} for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.`,
        );
      }
      if (dedupId === undefined) {
        if (!queue.settings.contentBasedDeduplication) {
          throw invalidParameter(
            'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
          );
        }
        dedupId = createHash('sha256').update(entry.body).digest('hex');
      }
    } else if (dedupId !== undefined) {
      throw invalidParameter(
        `Value ${dedupId} for parameter MessageDeduplicationId is invalid. Reason: The request include parameter that is not valid for this queue type.`,
      );
    }
    const storedSystem = toStored(system);
    return {
      body: entry.body,
      attributes: content.attributes,
      system: storedSystem,
      md5Body: content.md5Body,
      md5Attributes: content.md5Attributes,
      md5System: md5OfAttributes(storedSystem),
      delaySeconds: entry.delaySeconds ?? queue.settings.delaySeconds,
      groupId,
      dedupId,
      size,
    };
  }

  /**
   * A body's and its attributes' checks and digests. A fan-out (a topic, a rule) hands every queue
   * the same body and attributes object in a row, so the last one is remembered.
   */
  private content(body: string, attributes: MessageAttributes | undefined): MessageContent {
    const last = this.lastContent;
    if (last && last.attributesGiven === attributes && last.body === body) return last;
    validateBody(body);
    const given = attributes ?? {};
    const size = Buffer.byteLength(body) + validateAttributes(given);
    const stored = toStored(given);
    this.lastContent = {
      body,
      attributesGiven: attributes,
      attributes: stored,
      size,
      md5Body: md5Hex(body),
      md5Attributes: md5OfAttributes(stored),
    };
    return this.lastContent;
  }

  /** Stores prepared messages in one transaction; answers only after the commit. */
  async send(queue: Queue, messages: PreparedMessage[], senderId: string): Promise<SendResult[]> {
    return this.store.write((tx) => this.sendIn(tx, queue, messages, senderId));
  }

  /**
   * Stores prepared messages in a transaction (this service's or another's). A message due now on a
   * standard queue goes straight to a waiting receive, if there is one; receives are woken for
   * the rest once the transaction has committed.
   */
  async sendIn(tx: Tx, queue: Queue, messages: PreparedMessage[], senderId: string): Promise<SendResult[]> {
    const now = this.clock.now();
    const out: SendResult[] = [];
    const handed: Array<{ waiter: Waiter<MessageRow>; row: MessageRow }> = [];
    tx.whenSettled((committed) => {
      for (const { waiter, row } of handed) waiter.settle(committed ? row : undefined);
      const left = messages.length - handed.length;
      if (committed && left > 0) this.waiters.notify(queue.id, left);
    });
    for (const message of messages) {
      const taker = queue.fifo || message.delaySeconds > 0 ? undefined : this.waiters.taker(queue.id);
      let inserted: Inserted;
      try {
        inserted = await this.insert(tx, queue, message, senderId, now, taker?.claim);
      } catch (error) {
        taker?.waiter.settle(undefined);
        throw error;
      }
      if (taker) handed.push({ waiter: taker.waiter, row: inserted.row! });
      out.push(inserted.result);
    }
    this.count(queue.id, now, 'sent', messages.length);
    if (handed.length > 0) this.count(queue.id, now, 'received', handed.length);
    return out;
  }

  /** Makes messages handed to a receive whose client has gone visible again, as never received. */
  private release(rows: MessageRow[]): void {
    const queueId = rows[0]!.queue_id;
    this.store
      .write(async (tx) => {
        for (const row of rows) {
          await tx.run(
            `UPDATE sqs_messages SET visible_at = ?, receive_count = receive_count - 1, first_received_at = NULL,
               receipt = NULL WHERE seq = ? AND receipt = ?`,
            [this.clock.now(), row.seq, row.receipt],
          );
        }
        tx.whenSettled((committed) => committed && this.waiters.notify(queueId, rows.length));
      })
      // A store that is closing: the messages come back when their visibility timeout ends.
      .catch(() => {});
  }

  /** Inserts one message; with a claim, in flight for the receive it is handed to (its row returned). */
  private async insert(
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
      // Ids are printable ASCII without spaces, so a space parts them (PostgreSQL's TEXT holds no NUL).
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
      sequenceNumber = await this.nextSequenceNumber(tx, queue);
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
    row.seq = await this.insertRow(tx, row);
    return { result, row };
  }

  /** Writes a message row (all but its `seq`, which the table assigns and this returns). */
  private async insertRow(tx: Tx, row: MessageRow): Promise<number> {
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

  private async nextSequenceNumber(tx: Tx, queue: Queue): Promise<string> {
    const row = await tx.get<{ last_sequence: number }>(
      'UPDATE sqs_queues SET last_sequence = last_sequence + 1 WHERE id = ? RETURNING last_sequence',
      [queue.id],
    );
    // Twenty digits, increasing per queue, like AWS's.
    return (18_000_000_000_000_000_000n + BigInt(row?.last_sequence ?? 0)).toString();
  }

  /** ReceiveMessage: waits up to the wait time for messages, answers as soon as one is there. */
  async receive(queue: Queue, options: ReceiveOptions): Promise<ReceivedMessage[]> {
    const waitSeconds = options.waitTimeSeconds ?? queue.settings.waitTimeSeconds;
    const deadline = this.clock.now() + waitSeconds * 1000;
    for (;;) {
      // Enlisted before looking, so a send that commits after the look still wakes this receive.
      const waiter = this.waiters.enlist(queue.id);
      let wokeToLookAgain = false;
      try {
        const { messages, nextDueAt } = await this.receiveOnce(queue, options);
        if (messages.length > 0 || options.signal.aborted || !this.registry.getById(queue.id))
          return messages;
        if (this.clock.now() >= deadline) return messages;
        const handed = await waiter.wait(
          Math.min(deadline, nextDueAt ?? deadline),
          options.signal,
          queue.fifo
            ? undefined
            : { maxMessages: options.maxMessages, visibilityMs: visibilityMsOf(queue, options) },
        );
        if (handed) return handed.map((row) => this.toReceived(row, options));
        wokeToLookAgain = true;
      } finally {
        waiter.leave(wokeToLookAgain);
      }
    }
  }

  private async receiveOnce(
    queue: Queue,
    options: ReceiveOptions,
  ): Promise<{ messages: ReceivedMessage[]; nextDueAt: number | undefined }> {
    // A FIFO receive attempt repeated answers with what it got before, in flight or not.
    const attemptId = queue.fifo ? options.attemptId : undefined;
    if (attemptId === undefined) {
      // Most looks of a long poll find nothing: a read tells so without taking the writer.
      const now = this.clock.now();
      const look = await this.store.read((tx) =>
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
    const result = await this.store.write(async (tx) => {
      const now = this.clock.now();
      const visibilityMs = visibilityMsOf(queue, options);
      if (attemptId !== undefined) {
        const repeated = await this.repeatAttempt(tx, queue, attemptId, now, visibilityMs);
        if (repeated) return { rows: repeated, nextDueAt: undefined };
      }
      const claimed = queue.fifo
        ? await this.claimFifo(tx, queue, options.maxMessages, now, visibilityMs, moved)
        : await this.claimStandard(tx, queue, options.maxMessages, now, visibilityMs, moved);
      if (claimed.length > 0) {
        this.count(queue.id, now, 'received', claimed.length);
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
    for (const queueId of moved) this.waiters.notify(queueId);
    return { messages: result.rows.map((row) => this.toReceived(row, options)), nextDueAt: result.nextDueAt };
  }

  private async repeatAttempt(
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

  private async claimStandard(
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
      for (const row of fairOrder(candidates, await this.inFlightByGroup(tx, queue, candidates, now))) {
        if (claimed.length >= max) break;
        const taken = await this.claim(tx, queue, row, now, moved);
        if (taken !== undefined) claimed.push(taken);
      }
      if (candidates.length < pageSize) break;
    }
    return this.handOut(tx, claimed, now, visibilityMs);
  }

  /** In-flight counts of the message groups among the candidates (fair queues). */
  private async inFlightByGroup(
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

  private async claimFifo(
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
        const taken = await this.claim(tx, queue, row, now, moved);
        if (taken !== undefined) claimed.push(taken);
        if (claimed.length >= max) break;
      }
      if (page.length < SCAN_PAGE) break;
    }
    return this.handOut(tx, claimed, now, visibilityMs);
  }

  /**
   * Decides to hand one visible message out (its seq), or removes it: expired, or moved to the
   * dead-letter queue (whose id joins `moved`, to wake its receivers after the commit).
   */
  private async claim(
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
    const redrive = queue.settings.redrive;
    if (redrive && row.receive_count >= redrive.maxReceiveCount) {
      const deadLetterQueue = this.registry.fromArn(redrive.deadLetterTargetArn);
      if (deadLetterQueue) {
        const full = await tx.get<MessageRow>('SELECT * FROM sqs_messages WHERE seq = ?', [row.seq]);
        if (full) await this.moveMessage(tx, full, deadLetterQueue, now, queue.arn);
        moved.add(deadLetterQueue.id);
        return undefined;
      }
    }
    return row.seq;
  }

  /** Makes the claimed messages invisible and gives them this receive's receipt, in one statement. */
  private async handOut(tx: Tx, seqs: number[], now: number, visibilityMs: number): Promise<MessageRow[]> {
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

  /**
   * Moves a message to another queue keeping its id, body and attributes (dead-letter redrive and
   * move tasks); `deadLetterSource` marks messages that arrive in a dead-letter queue.
   */
  async moveMessage(
    tx: Tx,
    row: MessageRow,
    target: Queue,
    now: number,
    deadLetterSource?: string,
  ): Promise<void> {
    await tx.run('DELETE FROM sqs_messages WHERE seq = ?', [row.seq]);
    await this.insertRow(
      tx,
      extend(row, {
        queue_id: target.id,
        expires_at: Number(row.sent_at) + target.settings.retentionMs,
        visible_at: now,
        receive_count: 0,
        first_received_at: null,
        receipt: null,
        group_id: target.fifo ? (row.group_id ?? 'default') : row.group_id,
        sequence_number: target.fifo ? await this.nextSequenceNumber(tx, target) : null,
        dead_letter_source: deadLetterSource ?? null,
      }),
    );
    this.count(target.id, now, 'sent', 1);
  }

  private toReceived(row: MessageRow, options: ReceiveOptions): ReceivedMessage {
    const message: ReceivedMessage = {
      MessageId: row.message_id,
      ReceiptHandle: encodeReceipt(row.queue_id, row.seq, row.receipt!),
      MD5OfBody: row.md5_body,
      Body: row.body,
    };
    const system = systemAttributes(row, options.attributeNames);
    if (Object.keys(system).length > 0) message.Attributes = system;
    if (row.attributes && options.messageAttributeNames.length > 0) {
      const selected = selectAttributes(
        JSON.parse(row.attributes) as StoredAttributes,
        options.messageAttributeNames,
      );
      const md5 = md5OfAttributes(selected);
      if (md5) {
        message.MD5OfMessageAttributes = md5;
        message.MessageAttributes = Object.fromEntries(
          Object.entries(selected).map(([name, value]) => [
            name,
            value.BinaryValue !== undefined
              ? { DataType: value.DataType, BinaryValue: Buffer.from(value.BinaryValue, 'base64') }
              : { DataType: value.DataType, StringValue: value.StringValue ?? '' },
          ]),
        );
      }
    }
    return message;
  }

  /** DeleteMessage: a stale receipt of a message received since is accepted and deletes nothing, as AWS does. */
  async delete(queue: Queue, receiptHandles: string[]): Promise<Array<ServiceError | undefined>> {
    const decoded = receiptHandles.map((handle) => {
      const receipt = decodeReceipt(handle);
      return receipt && receipt.queueId === queue.id ? receipt : invalidReceipt(handle);
    });
    return this.store.write(async (tx) => {
      let deleted = 0;
      const results: Array<ServiceError | undefined> = [];
      for (const receipt of decoded) {
        if (!('token' in receipt)) {
          results.push(receipt);
          continue;
        }
        const { changes } = await tx.run('DELETE FROM sqs_messages WHERE seq = ? AND receipt = ?', [
          receipt.seq,
          receipt.token,
        ]);
        deleted += changes;
        results.push(undefined);
      }
      if (deleted > 0) this.count(queue.id, this.clock.now(), 'deleted', deleted);
      // A FIFO group whose message in flight is gone has its next message to give: wake for it.
      if (deleted > 0 && queue.fifo) {
        tx.whenSettled((committed) => committed && this.waiters.notify(queue.id, deleted));
      }
      return results;
    });
  }

  /** ChangeMessageVisibility: only a message in flight under this receipt can change. */
  async changeVisibility(
    queue: Queue,
    changes: Array<{ receiptHandle: string; visibilityTimeout: number }>,
  ): Promise<Array<ServiceError | undefined>> {
    const results = await this.store.write(async (tx) => {
      const now = this.clock.now();
      const out: Array<ServiceError | undefined> = [];
      for (const { receiptHandle, visibilityTimeout } of changes) {
        const receipt = decodeReceipt(receiptHandle);
        if (!receipt || receipt.queueId !== queue.id) {
          out.push(invalidReceipt(receiptHandle));
          continue;
        }
        if (visibilityTimeout < 0 || visibilityTimeout > MAX_VISIBILITY_SECONDS) {
          out.push(
            invalidParameter(
              `Value ${visibilityTimeout} for parameter VisibilityTimeout is invalid. Reason: VisibilityTimeout must be an integer between 0 and ${MAX_VISIBILITY_SECONDS}.`,
            ),
          );
          continue;
        }
        const { changes: changed } = await tx.run(
          'UPDATE sqs_messages SET visible_at = ? WHERE seq = ? AND receipt = ? AND visible_at > ?',
          [now + visibilityTimeout * 1000, receipt.seq, receipt.token, now],
        );
        out.push(
          changed > 0
            ? undefined
            : sqsError(
                'MessageNotInflight',
                'Message does not exist or is not available for visibility timeout change.',
              ),
        );
      }
      return out;
    });
    if (changes.some((change) => change.visibilityTimeout === 0)) this.waiters.notify(queue.id);
    return results;
  }

  async purge(queue: Queue): Promise<void> {
    const now = this.clock.now();
    if (queue.lastPurgeAt !== undefined && now - queue.lastPurgeAt < PURGE_INTERVAL_MS) {
      throw sqsError(
        'PurgeQueueInProgress',
        `Only one PurgeQueue operation on ${queue.name} is allowed every 60 seconds.`,
      );
    }
    await this.store.write(async (tx) => {
      await tx.run('DELETE FROM sqs_messages WHERE queue_id = ? AND sent_at <= ?', [queue.id, now]);
      await this.registry.markPurged(tx, queue, now);
    });
    queue.lastPurgeAt = now;
  }

  /** The approximate counts GetQueueAttributes reports. */
  async counts(
    queue: Queue,
  ): Promise<{ visible: number; inFlight: number; delayed: number; oldestSentAt: number | undefined }> {
    const now = this.clock.now();
    const row = await this.store.read((tx) =>
      tx.get<{
        visible: number | null;
        in_flight: number | null;
        delayed: number | null;
        oldest: number | null;
      }>(
        `SELECT SUM(CASE WHEN visible_at <= ? THEN 1 ELSE 0 END) AS visible,
                SUM(CASE WHEN visible_at > ? AND receive_count > 0 THEN 1 ELSE 0 END) AS in_flight,
                SUM(CASE WHEN visible_at > ? AND receive_count = 0 THEN 1 ELSE 0 END) AS delayed,
                MIN(sent_at) AS oldest
         FROM sqs_messages WHERE queue_id = ? AND expires_at > ?`,
        [now, now, now, queue.id, now],
      ),
    );
    return {
      visible: Number(row?.visible ?? 0),
      inFlight: Number(row?.in_flight ?? 0),
      delayed: Number(row?.delayed ?? 0),
      oldestSentAt: row?.oldest == null ? undefined : Number(row.oldest),
    };
  }

  /** Deletes expired messages, deduplication entries and receive attempts. */
  async sweep(): Promise<number> {
    const now = this.clock.now();
    return this.store.write(async (tx) => {
      // Messages expire roughly in the order they were sent: sweep each queue's oldest until one lives.
      let changes = 0;
      for (const queue of this.registry.all()) {
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

  /**
   * Counts sent, received and deleted messages per queue and minute. Counted in memory and written
   * once a minute (metrics.ts): a crash loses at most a minute of counts, never a message.
   */
  private count(queueId: number, now: number, what: 'sent' | 'received' | 'deleted', n: number): void {
    const minute = Math.floor(now / 60_000) * 60_000;
    const key = `${queueId}:${minute}`;
    let counts = this.counters.get(key);
    if (!counts) {
      counts = { queueId, minute, sent: 0, received: 0, deleted: 0 };
      this.counters.set(key, counts);
    }
    counts[what] += n;
  }

  /** Hands over the counts gathered since the last call. */
  takeCounts(): MinuteCounts[] {
    const counts = [...this.counters.values()];
    this.counters.clear();
    return counts;
  }
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

function systemAttributes(row: MessageRow, requested: string[]): Record<string, string> {
  if (requested.length === 0) return {};
  const all = requested.includes('All');
  const values: Record<string, string | undefined> = {
    SenderId: row.sender_id,
    SentTimestamp: String(row.sent_at),
    ApproximateReceiveCount: String(row.receive_count),
    ApproximateFirstReceiveTimestamp:
      row.first_received_at == null ? undefined : String(row.first_received_at),
    SequenceNumber: row.sequence_number ?? undefined,
    MessageDeduplicationId: row.dedup_id ?? undefined,
    MessageGroupId: row.group_id ?? undefined,
    AWSTraceHeader: row.system_attributes
      ? (JSON.parse(row.system_attributes) as StoredAttributes).AWSTraceHeader?.StringValue
      : undefined,
    DeadLetterQueueSourceArn: row.dead_letter_source ?? undefined,
  };
  const result: Record<string, string> = {};
  for (const name of SYSTEM_ATTRIBUTE_NAMES) {
    const value = values[name];
    if (value !== undefined && (all || requested.includes(name))) result[name] = value;
  }
  return result;
}

export type { MessageRow };

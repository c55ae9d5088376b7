// The outbox: where SNS's deliveries that leave AWS land instead — text messages, email and mobile
// push. eddy cannot send a text or a push, so a developer reads them here (`eddy topics outbox`,
// GET /_eddy/topics/outbox); email also goes to an SMTP server when one is configured. It keeps the
// latest OUTBOX_LIMIT entries, in the store, so they survive restarts.
import type { Clock, Logger } from '../../runtime/index.ts';
import type { Store, Tx } from '../../store/index.ts';
import { sendMail } from './smtp.ts';

export const OUTBOX_PROTOCOLS = ['sms', 'email', 'email-json', 'application'] as const;
export type OutboxProtocol = (typeof OUTBOX_PROTOCOLS)[number];

/** SNS's sender address for email notifications. */
export const EMAIL_SENDER = 'no-reply@sns.amazonaws.com';
export const OUTBOX_LIMIT = 10_000;

export interface OutboxMessage {
  protocol: OutboxProtocol;
  /** The phone number, email address or platform endpoint ARN. */
  destination: string;
  /** Email only. */
  subject?: string;
  message: string;
  messageId: string;
  /** `Notification`, or `SubscriptionConfirmation` for an email subscription's confirmation. */
  messageType: string;
  topicArn?: string;
  subscriptionArn?: string;
}

export interface OutboxEntry extends OutboxMessage {
  id: number;
  /** ISO time it was delivered to the outbox. */
  at: string;
  /** Email with an SMTP server configured: `sent`, or why it was not. */
  smtp?: string;
}

interface OutboxRow {
  id: number;
  at: number;
  protocol: OutboxProtocol;
  destination: string;
  subject: string | null;
  message: string;
  message_id: string;
  message_type: string;
  topic_arn: string | null;
  subscription_arn: string | null;
  smtp: string | null;
}

export interface OutboxQuery {
  protocol?: OutboxProtocol;
  /** Only entries after this id (what `--follow` has already shown). */
  after?: number;
  limit?: number;
}

export class Outbox {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly smtpUrl: string | undefined,
    private readonly limit = OUTBOX_LIMIT,
  ) {}

  /** Delivers a message to the outbox (inside `tx` when given); email goes on to SMTP after the commit. */
  async add(message: OutboxMessage, tx?: Tx): Promise<void> {
    const insert = async (write: Tx) => {
      const row = await write.get<{ id: number }>(
        `INSERT INTO sns_outbox (at, protocol, destination, subject, message, message_id, message_type, topic_arn, subscription_arn)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
        [
          this.clock.now(),
          message.protocol,
          message.destination,
          message.subject ?? null,
          message.message,
          message.messageId,
          message.messageType,
          message.topicArn ?? null,
          message.subscriptionArn ?? null,
        ],
      );
      const id = row!.id;
      // Bounded: the oldest entries go (ids only grow).
      await write.run('DELETE FROM sns_outbox WHERE id <= ?', [id - this.limit]);
      return id;
    };
    const id = tx ? await insert(tx) : await this.store.write(insert);
    if (this.smtpUrl && message.protocol.startsWith('email')) {
      const mailed = () => this.mail(id, message);
      if (tx)
        tx.whenSettled((committed) => {
          if (committed) void mailed();
        });
      else await mailed();
    }
  }

  async list(query: OutboxQuery = {}): Promise<OutboxEntry[]> {
    const limit = Math.min(Math.max(query.limit ?? 100, 1), 1000);
    const rows = await this.store.read((tx) =>
      tx.all<OutboxRow>(
        `SELECT * FROM sns_outbox WHERE id > ? ${query.protocol ? 'AND protocol = ?' : ''} ORDER BY id LIMIT ?`,
        [query.after ?? 0, ...(query.protocol ? [query.protocol] : []), limit],
      ),
    );
    return rows.map(toEntry);
  }

  /** Hands an email to the SMTP server and records the outcome on its entry. */
  private async mail(id: number, message: OutboxMessage): Promise<void> {
    let outcome = 'sent';
    try {
      await sendMail(
        this.smtpUrl!,
        {
          from: EMAIL_SENDER,
          to: message.destination,
          subject: message.subject ?? 'AWS Notification Message',
          text: message.message,
          messageId: message.messageId,
        },
        new Date(this.clock.now()),
      );
    } catch (error) {
      outcome = `not sent: ${(error as Error).message}`;
      this.log.warn(
        { err: error, to: message.destination },
        'an SNS email could not be handed to the SMTP server',
      );
    }
    await this.store.write((tx) => tx.run('UPDATE sns_outbox SET smtp = ? WHERE id = ?', [outcome, id]));
  }
}

function toEntry(row: OutboxRow): OutboxEntry {
  return {
    id: Number(row.id),
    at: new Date(Number(row.at)).toISOString(),
    protocol: row.protocol,
    destination: row.destination,
    ...(row.subject !== null ? { subject: row.subject } : {}),
    message: row.message,
    messageId: row.message_id,
    messageType: row.message_type,
    ...(row.topic_arn !== null ? { topicArn: row.topic_arn } : {}),
    ...(row.subscription_arn !== null ? { subscriptionArn: row.subscription_arn } : {}),
    ...(row.smtp !== null ? { smtp: row.smtp } : {}),
  };
}

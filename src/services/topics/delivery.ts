// Fan-out: a publish commits one delivery row per subscription that should get the message; each is
// tried at once, retried under its protocol's policy on the durable timer service, and finally sent
// to the subscription's dead-letter queue (or counted as dropped).
import { createHash } from 'node:crypto';
import {
  type Delivery,
  DeliveryError,
  type MessageAttribute,
  type Runtime,
  type Timer,
} from '../../runtime/index.ts';
import type { Tx } from '../../store/index.ts';
import { bodyFor, envelope, type StoredMessage } from './message.ts';
import { OUTBOX_PROTOCOLS, type Outbox, type OutboxMessage, type OutboxProtocol } from './outbox.ts';
import type { Subscription, Topic, TopicRegistry } from './registry.ts';
import { effectivePolicy, retryDelaySeconds } from './retry-policy.ts';
import type { SigningKey } from './signing.ts';

const RETRY_TIMER = 'sns.retry';
/** Deliveries to queues are retried for a long time, as SNS does; these cap eddy's attempts. */
const QUEUE_MAX_ATTEMPTS = 100;
const HTTP_TIMEOUT_MS = 15_000;
const NO_ATTRIBUTES: Record<string, MessageAttribute> = Object.freeze({});
const OUTBOX = new Set<string>(OUTBOX_PROTOCOLS);

interface DeliveryRow {
  id: number;
  subscription_arn: string;
  kind: string;
  message: string;
  attempts: number;
}

export class Deliveries {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly rawAttributesOf = new WeakMap<StoredMessage, Record<string, MessageAttribute>>();
  private stopped = false;
  private readonly counters;

  constructor(
    private readonly runtime: Runtime,
    private readonly registry: TopicRegistry,
    private readonly signingKey: () => SigningKey,
    private readonly outbox: Outbox,
  ) {
    runtime.timers.on(RETRY_TIMER, (timer) => this.onRetryTimer(timer));
    const metrics = runtime.metrics;
    this.counters = {
      delivered: metrics.counter(
        'eddy_sns_notifications_delivered_total',
        'Messages a subscriber took (NumberOfNotificationsDelivered).',
        ['topic'],
      ),
      failed: metrics.counter(
        'eddy_sns_notifications_failed_total',
        'Messages that failed for good (NumberOfNotificationsFailed).',
        ['topic'],
      ),
      filtered: metrics.counter(
        'eddy_sns_notifications_filtered_out_total',
        'Messages a subscription filter policy rejected (NumberOfNotificationsFilteredOut).',
        ['topic'],
      ),
      toDlq: metrics.counter(
        'eddy_sns_notifications_redriven_to_dlq_total',
        'Failed messages moved to a DLQ (NumberOfNotificationsRedrivenToDlq).',
        ['topic'],
      ),
    };
  }

  countFiltered(topic: Topic, n: number): void {
    if (n > 0) this.counters.filtered.inc({ topic: topic.name }, n);
  }

  /**
   * Inside the publishing transaction: queue subscribers whose queue can take the message in the
   * same transaction get it there; every other delivery is recorded, to be tried by `attemptAll`
   * once the transaction has committed (and retried from the store after that).
   */
  async plan(
    tx: Tx,
    subscriptions: Subscription[],
    message: StoredMessage,
    now: number,
  ): Promise<{ rows: DeliveryRow[]; delivered: Subscription[] }> {
    const rows: DeliveryRow[] = [];
    const delivered: Subscription[] = [];
    let text: string | undefined;
    for (const subscription of subscriptions) {
      if (subscription.protocol === 'sqs' && (await this.toQueueIn(tx, subscription, message))) {
        delivered.push(subscription);
        continue;
      }
      // Texts, email and push land in the outbox, in the publishing transaction: nothing to retry.
      if (OUTBOX.has(subscription.protocol)) {
        await this.outbox.add(this.outboxMessage(subscription, message), tx);
        delivered.push(subscription);
        continue;
      }
      text ??= JSON.stringify(message);
      const row = await tx.get<{ id: number }>(
        'INSERT INTO sns_deliveries (subscription_arn, kind, message, created_at) VALUES (?, ?, ?, ?) RETURNING id',
        [subscription.arn, message.type, text, now],
      );
      rows.push({
        id: row!.id,
        subscription_arn: subscription.arn,
        kind: message.type,
        message: text,
        attempts: 0,
      });
    }
    return { rows, delivered };
  }

  /** After the publishing transaction committed: counts what it delivered, tries the rest. */
  committed({ rows, delivered }: { rows: DeliveryRow[]; delivered: Subscription[] }): void {
    for (const subscription of delivered) this.counters.delivered.inc({ topic: subscription.topic.name });
    this.attemptAll(rows);
  }

  attemptAll(rows: DeliveryRow[]): void {
    for (const row of rows) this.track(this.attempt(row));
  }

  /** After a restart: deliveries without a retry timer are tried again. */
  async resume(): Promise<void> {
    const pending = await this.runtime.store.read((tx) =>
      tx.all<DeliveryRow>(
        `SELECT d.* FROM sns_deliveries d WHERE NOT EXISTS
           (SELECT 1 FROM eddy_timers t WHERE t.kind = ? AND t.key = CAST(d.id AS TEXT))`,
        [RETRY_TIMER],
      ),
    );
    this.attemptAll(pending);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.inFlight]);
  }

  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private track(attempt: Promise<void>): void {
    this.inFlight.add(attempt);
    void attempt.finally(() => this.inFlight.delete(attempt));
  }

  private async attempt(row: DeliveryRow): Promise<void> {
    if (this.stopped) return;
    let subscription: Subscription;
    try {
      subscription = this.registry.subscription(row.subscription_arn);
    } catch {
      // Unsubscribed since: nothing is owed to it.
      await this.runtime.store.write((tx) => tx.run('DELETE FROM sns_deliveries WHERE id = ?', [row.id]));
      return;
    }
    const message = JSON.parse(row.message) as StoredMessage;
    try {
      if (subscription.protocol === 'sqs') await this.toQueue(subscription, message);
      else await this.toHttp(subscription, message);
      if (message.type === 'Notification') this.counters.delivered.inc({ topic: subscription.topic.name });
      await this.runtime.store.write((tx) => tx.run('DELETE FROM sns_deliveries WHERE id = ?', [row.id]));
    } catch (error) {
      const failure =
        error instanceof DeliveryError
          ? error
          : new DeliveryError('DeliveryFailed', String((error as Error).message), true);
      await this.failed(row, subscription, message, failure);
    }
  }

  /** What a subscriber receives: the raw message, or the signed SNS envelope. */
  private payload(subscription: Subscription, message: StoredMessage): { body: string; raw: boolean } {
    const body = bodyFor(message, subscription.protocol);
    const raw = subscription.attributes.RawMessageDelivery === 'true' && message.type === 'Notification';
    if (raw) return { body, raw };
    const topic = subscription.topic;
    // Verifiers fetch the certificate over HTTPS only (sns-validator does): prefer the HTTPS port.
    const certificateBase = this.runtime.endpoint.tlsUrl ?? this.runtime.endpoint.url;
    const document = envelope(message, body, this.signingKey(), topic.attributes.SignatureVersion ?? '1', {
      signingCertUrl: `${certificateBase}/_eddy/sns/SimpleNotificationService-eddy.pem`,
      unsubscribeUrl: this.unsubscribeUrl(subscription),
      ...(message.type === 'SubscriptionConfirmation'
        ? { subscribeUrl: this.subscribeUrl(subscription, message) }
        : {}),
    });
    return { body: JSON.stringify(document), raw };
  }

  private unsubscribeUrl(subscription: Subscription): string {
    return `${this.runtime.endpoint.url}/?Action=Unsubscribe&Version=2010-03-31&SubscriptionArn=${encodeURIComponent(subscription.arn)}`;
  }

  private subscribeUrl(subscription: Subscription, message: StoredMessage): string {
    return `${this.runtime.endpoint.url}/?Action=ConfirmSubscription&Version=2010-03-31&TopicArn=${encodeURIComponent(subscription.topic.arn)}&Token=${message.token}`;
  }

  /** A text, an email (plain, or the JSON envelope) or a push, as SNS would send it. */
  private outboxMessage(subscription: Subscription, message: StoredMessage): OutboxMessage {
    const protocol = subscription.protocol as OutboxProtocol;
    const common = {
      protocol,
      destination: subscription.endpoint,
      messageId: message.messageId,
      messageType: message.type,
      topicArn: subscription.topic.arn,
      subscriptionArn: subscription.arn,
    };
    const confirmation = message.type === 'SubscriptionConfirmation';
    switch (protocol) {
      case 'email':
        return {
          ...common,
          subject: confirmation
            ? 'AWS Notification - Subscription Confirmation'
            : (message.subject ?? 'AWS Notification Message'),
          message: confirmation
            ? `You have chosen to subscribe to the topic:\n${subscription.topic.arn}\n\nTo confirm this subscription, click or visit the link below (If this was in error no action is necessary):\n${this.subscribeUrl(subscription, message)}\n`
            : `${bodyFor(message, 'email')}\n\n--\nIf you wish to stop receiving notifications from this topic, please click or visit the link below to unsubscribe:\n${this.unsubscribeUrl(subscription)}\n`,
        };
      case 'email-json':
        return {
          ...common,
          subject: confirmation ? 'AWS Notification - Subscription Confirmation' : 'AWS Notification Message',
          message: this.payload(subscription, message).body,
        };
      case 'application':
        // The endpoint's platform picks its member of a per-protocol message: `APNS`, `GCM`, …
        return { ...common, message: bodyFor(message, platformOf(subscription.endpoint)) };
      default:
        return { ...common, message: bodyFor(message, protocol) };
    }
  }

  private queueDelivery(subscription: Subscription, message: StoredMessage): Delivery {
    const { body, raw } = this.payload(subscription, message);
    return {
      body,
      attributes: raw ? this.rawAttributes(message) : NO_ATTRIBUTES,
      ...(message.groupId !== undefined ? { groupId: message.groupId } : {}),
      ...(subscription.topic.fifo ? { deduplicationId: message.dedupId ?? message.messageId } : {}),
      sourceArn: subscription.topic.arn,
    };
  }

  private async toQueue(subscription: Subscription, message: StoredMessage): Promise<void> {
    await this.runtime.targets.deliver(subscription.endpoint, this.queueDelivery(subscription, message));
  }

  /**
   * A raw delivery's message attributes, one object per message: every queue of a fan-out gets the
   * same body and this same object, so the queue checks and digests them once.
   */
  private rawAttributes(message: StoredMessage): Record<string, MessageAttribute> {
    let attributes = this.rawAttributesOf.get(message);
    if (!attributes) {
      attributes = {};
      for (const [name, value] of Object.entries(message.attributes)) {
        attributes[name] =
          value.BinaryValue !== undefined
            ? { DataType: value.DataType, BinaryValue: Buffer.from(value.BinaryValue, 'base64') }
            : { DataType: value.DataType, StringValue: value.StringValue ?? '' };
      }
      this.rawAttributesOf.set(message, attributes);
    }
    return attributes;
  }

  /** Whether the queue took the message in `tx`; false leaves it to the recorded, retried path. */
  private async toQueueIn(tx: Tx, subscription: Subscription, message: StoredMessage): Promise<boolean> {
    try {
      const taken = this.runtime.targets.deliverIn(
        tx,
        subscription.endpoint,
        this.queueDelivery(subscription, message),
      );
      if (!taken) return false;
      await taken;
      return true;
    } catch (error) {
      if (error instanceof DeliveryError) return false;
      throw error;
    }
  }

  private async toHttp(subscription: Subscription, message: StoredMessage): Promise<void> {
    const { body, raw } = this.payload(subscription, message);
    const headers: Record<string, string> = {
      'content-type': 'text/plain; charset=UTF-8',
      'user-agent': 'Amazon Simple Notification Service Agent',
      'x-amz-sns-message-type': message.type,
      'x-amz-sns-message-id': message.messageId,
      'x-amz-sns-topic-arn': subscription.topic.arn,
    };
    if (message.type === 'Notification') headers['x-amz-sns-subscription-arn'] = subscription.arn;
    if (raw) headers['x-amz-sns-rawdelivery'] = 'true';
    let response: Response;
    try {
      response = await fetch(subscription.endpoint, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
      });
      await response.arrayBuffer();
    } catch (error) {
      throw new DeliveryError(
        'EndpointUnreachable',
        `POST ${subscription.endpoint} failed: ${(error as Error).message}`,
        true,
      );
    }
    if (response.status >= 200 && response.status < 300) return;
    const retryable = response.status >= 500 || response.status === 429 || response.status === 408;
    throw new DeliveryError(
      `HTTP${response.status}`,
      `POST ${subscription.endpoint} answered ${response.status}`,
      retryable,
    );
  }

  private async failed(
    row: DeliveryRow,
    subscription: Subscription,
    message: StoredMessage,
    error: DeliveryError,
  ) {
    const retry = row.attempts + 1;
    let delayMs: number | undefined;
    if (error.retryable) {
      if (subscription.protocol === 'sqs') {
        const { firstMs, capMs } = this.runtime.config.deliveryRetry;
        delayMs = retry <= QUEUE_MAX_ATTEMPTS ? Math.min(capMs, firstMs * 2 ** (retry - 1)) : undefined;
      } else {
        const policy = effectivePolicy(
          subscription.attributes.DeliveryPolicy,
          subscription.topic.attributes.DeliveryPolicy,
        );
        const seconds = retryDelaySeconds(policy, retry);
        delayMs = seconds === undefined ? undefined : seconds * 1000;
      }
    }
    if (delayMs !== undefined) {
      const dueAt = this.runtime.clock.now() + delayMs;
      await this.runtime.store.write(async (tx) => {
        await tx.run('UPDATE sns_deliveries SET attempts = ? WHERE id = ?', [retry, row.id]);
        await this.runtime.timers.scheduleIn(tx, RETRY_TIMER, String(row.id), dueAt);
      });
      return;
    }
    this.counters.failed.inc({ topic: subscription.topic.name });
    const redrive = subscription.attributes.RedrivePolicy;
    const dlq = redrive
      ? (JSON.parse(redrive) as { deadLetterTargetArn: string }).deadLetterTargetArn
      : undefined;
    if (dlq && message.type === 'Notification') {
      try {
        const { body } = this.payload(subscription, message);
        await this.runtime.targets.deliver(dlq, {
          body,
          attributes: {
            ERROR_CODE: { DataType: 'String', StringValue: error.code },
            ERROR_MESSAGE: { DataType: 'String', StringValue: error.message.slice(0, 1024) || error.code },
          },
          ...(message.groupId !== undefined ? { groupId: message.groupId } : {}),
          deduplicationId: message.dedupId ?? createHash('sha256').update(message.messageId).digest('hex'),
          sourceArn: subscription.arn,
        });
        this.counters.toDlq.inc({ topic: subscription.topic.name });
      } catch (dlqError) {
        this.runtime.log.warn(
          { err: dlqError, dlq, subscription: subscription.arn },
          'the dead-letter queue refused a message',
        );
      }
    } else {
      this.runtime.log.warn(
        { subscription: subscription.arn, code: error.code },
        'a message could not be delivered and was dropped',
      );
    }
    await this.runtime.store.write((tx) => tx.run('DELETE FROM sns_deliveries WHERE id = ?', [row.id]));
  }

  /** The timer fires inside a store transaction; the attempt (which writes) follows its commit. */
  private onRetryTimer(timer: Timer): void {
    const id = Number(timer.key);
    setImmediate(() => {
      this.track(
        this.runtime.store
          .read((tx) => tx.get<DeliveryRow>('SELECT * FROM sns_deliveries WHERE id = ?', [id]))
          .then((row) => (row ? this.attempt(row) : undefined)),
      );
    });
  }
}

/** The push platform of an endpoint ARN (`…:endpoint/APNS/app/id` → `APNS`). */
export function platformOf(endpointArn: string): string {
  return endpointArn.split(':endpoint/')[1]?.split('/')[0] ?? 'default';
}

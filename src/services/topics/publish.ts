// Publish and PublishBatch: a message is committed with one delivery row per subscription whose
// filter accepts it, FIFO topics deduplicate and number their messages; HTTP/S and email
// subscriptions are sent their confirmation request the same way. A publish to a phone number or a
// platform endpoint goes to the outbox.
import { createHash, randomUUID } from 'node:crypto';
import type { Handlers, Sns } from '../../contract/index.ts';
import type { Clock } from '../../runtime/index.ts';
import type { Store } from '../../store/index.ts';
import { E164 } from './attributes.ts';
import { type Deliveries, platformOf } from './delivery.ts';
import { invalidParameter, snsError } from './errors.ts';
import type { PublishedAttribute } from './filter.ts';
import { checkPublish, memberFor, type PublishInput, perProtocolOf, type StoredMessage } from './message.ts';
import type { Outbox, OutboxProtocol } from './outbox.ts';
import type { PlatformApplications } from './platform.ts';
import type { Subscription, Topic, TopicRegistry } from './registry.ts';

const DEDUP_WINDOW_MS = 5 * 60_000;
const BATCH_ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;

export type PublishResult = { MessageId: string; SequenceNumber?: string };

export class Publisher {
  constructor(
    private readonly registry: TopicRegistry,
    private readonly deliveries: Deliveries,
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly outbox: Outbox,
  ) {}

  /**
   * Publish to a phone number or a platform endpoint: no topic, one delivery, to the outbox. Of a
   * per-protocol message the `sms` member (or the endpoint platform's) goes, else `default`.
   */
  private async publishTo(
    protocol: OutboxProtocol,
    destination: string,
    input: PublishInput,
  ): Promise<PublishResult> {
    checkPublish(input, false, false);
    const member = protocol === 'application' ? platformOf(destination) : protocol;
    const messageId = randomUUID();
    await this.outbox.add({
      protocol,
      destination,
      message: memberFor(perProtocolOf(input), member, input.Message),
      messageId,
      messageType: 'Notification',
    });
    return { MessageId: messageId };
  }

  /** Commits a message and its deliveries; answers with its id (and sequence number on FIFO topics). */
  async publish(topic: Topic, input: PublishInput): Promise<PublishResult> {
    const contentBased = topic.attributes.ContentBasedDeduplication === 'true';
    checkPublish(input, topic.fifo, contentBased);
    const attributes = input.MessageAttributes ?? {};
    const now = this.clock.now();
    const confirmed = [...topic.subscriptions.values()].filter((subscription) => !subscription.pending);
    const accepted = topic.filters.accepting(attributes, input.Message);
    const matching = confirmed.filter(
      (subscription) => !topic.filters.has(subscription.arn) || accepted.has(subscription.arn),
    );
    this.deliveries.countFiltered(topic, confirmed.length - matching.length);
    const perProtocol = perProtocolOf(input);
    const dedupId = topic.fifo
      ? (input.MessageDeduplicationId ?? createHash('sha256').update(input.Message).digest('hex'))
      : undefined;
    const { result, planned } = await this.store.write(async (tx) => {
      if (topic.fifo) {
        const duplicate = await tx.get<{ message_id: string; sequence_number: string }>(
          'SELECT message_id, sequence_number FROM sns_dedup WHERE topic_id = ? AND dedup_id = ? AND expires_at > ?',
          [topic.id, dedupId!, now],
        );
        if (duplicate) {
          return {
            result: { MessageId: duplicate.message_id, SequenceNumber: duplicate.sequence_number },
            planned: { rows: [], delivered: [] },
          };
        }
      }
      const messageId = randomUUID();
      let sequenceNumber: string | undefined;
      if (topic.fifo) {
        const row = await tx.get<{ last_sequence: number }>(
          'UPDATE sns_topics SET last_sequence = last_sequence + 1 WHERE id = ? RETURNING last_sequence',
          [topic.id],
        );
        sequenceNumber = (10_000_000_000_000_000_000n + BigInt(row?.last_sequence ?? 0)).toString();
        await tx.run(
          `INSERT INTO sns_dedup (topic_id, dedup_id, message_id, sequence_number, expires_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (topic_id, dedup_id) DO UPDATE SET message_id = excluded.message_id,
             sequence_number = excluded.sequence_number, expires_at = excluded.expires_at`,
          [topic.id, dedupId!, messageId, sequenceNumber, now + DEDUP_WINDOW_MS],
        );
      }
      const message: StoredMessage = {
        type: 'Notification',
        messageId,
        topicArn: topic.arn,
        message: perProtocol?.default ?? input.Message,
        ...(perProtocol ? { perProtocol } : {}),
        ...(input.Subject !== undefined ? { subject: input.Subject } : {}),
        timestamp: new Date(now).toISOString(),
        attributes: storedAttributes(attributes),
        ...(input.MessageGroupId !== undefined ? { groupId: input.MessageGroupId } : {}),
        ...(dedupId !== undefined ? { dedupId } : {}),
        ...(sequenceNumber !== undefined ? { sequenceNumber } : {}),
      };
      return {
        result: { MessageId: messageId, ...(sequenceNumber ? { SequenceNumber: sequenceNumber } : {}) },
        planned: await this.deliveries.plan(tx, matching, message, now),
      };
    });
    this.deliveries.committed(planned);
    return result;
  }

  /** HTTP/S and email subscriptions start pending: the endpoint is sent a SubscriptionConfirmation. */
  async requestConfirmation(subscription: Subscription): Promise<void> {
    const now = this.clock.now();
    const message: StoredMessage = {
      type: 'SubscriptionConfirmation',
      messageId: randomUUID(),
      topicArn: subscription.topic.arn,
      message: `You have chosen to subscribe to the topic ${subscription.topic.arn}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`,
      timestamp: new Date(now).toISOString(),
      attributes: {},
      ...(subscription.token !== undefined ? { token: subscription.token } : {}),
    };
    this.deliveries.committed(
      await this.store.write((tx) => this.deliveries.plan(tx, [subscription], message, now)),
    );
  }

  handlers(platform: PlatformApplications): Pick<Handlers<Sns.Operations>, 'Publish' | 'PublishBatch'> {
    return {
      Publish: async (input, context) => {
        const arn = input.TopicArn ?? input.TargetArn;
        if (arn === undefined) {
          if (input.PhoneNumber === undefined)
            throw invalidParameter('TopicArn or TargetArn Reason: no value for required parameter');
          if (!E164.test(input.PhoneNumber))
            throw invalidParameter(`PhoneNumber Reason: ${input.PhoneNumber} is not valid to publish`);
          return this.publishTo('sms', input.PhoneNumber, input);
        }
        if (input.TopicArn === undefined && arn.includes(':endpoint/')) {
          return this.publishTo('application', await platform.enabledEndpoint(arn, context), input);
        }
        return this.publish(this.registry.topic(arn, context.region), input);
      },

      PublishBatch: async (input, context) => {
        const topic = this.registry.topic(input.TopicArn, context.region);
        const entries = input.PublishBatchRequestEntries;
        if (entries.length === 0)
          throw snsError('EmptyBatchRequest', "The batch request doesn't contain any entries.");
        if (entries.length > 10)
          throw snsError(
            'TooManyEntriesInBatchRequest',
            'The batch request contains more entries than permissible.',
          );
        const ids = new Set<string>();
        for (const entry of entries) {
          if (!BATCH_ENTRY_ID.test(entry.Id))
            throw snsError(
              'InvalidBatchEntryId',
              "The Id of a batch entry in a batch request doesn't abide by the specification.",
            );
          if (ids.has(entry.Id))
            throw snsError(
              'BatchEntryIdsNotDistinct',
              'Two or more batch entries in the request have the same Id.',
            );
          ids.add(entry.Id);
        }
        const total = entries.reduce((sum, entry) => sum + Buffer.byteLength(entry.Message ?? ''), 0);
        if (total > 262_144)
          throw snsError(
            'BatchRequestTooLong',
            'The length of all the messages put together is more than the limit.',
          );
        const successful: Sns.PublishBatchResultEntry[] = [];
        const failed: Sns.BatchResultErrorEntry[] = [];
        for (const entry of entries) {
          try {
            successful.push({ Id: entry.Id, ...(await this.publish(topic, entry)) });
          } catch (error) {
            const failure = error as { code?: string; message: string; senderFault?: boolean };
            failed.push({
              Id: entry.Id,
              Code: failure.code ?? 'InternalError',
              Message: failure.message,
              SenderFault: failure.senderFault ?? false,
            });
          }
        }
        return { Successful: successful, Failed: failed };
      },
    };
  }
}

function storedAttributes(attributes: Record<string, PublishedAttribute>): StoredMessage['attributes'] {
  return Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [
      name,
      value.BinaryValue !== undefined
        ? { DataType: value.DataType, BinaryValue: Buffer.from(value.BinaryValue).toString('base64') }
        : { DataType: value.DataType, StringValue: value.StringValue ?? '' },
    ]),
  );
}

// One handler per SNS operation.
import { createHash, randomUUID } from 'node:crypto';
import type { Handler, Input } from '../../contract/index.ts';
import type { Clock } from '../../runtime/index.ts';
import type { Store } from '../../store/index.ts';
import type { Deliveries } from './delivery.ts';
import { invalidParameter, notFound, snsError } from './errors.ts';
import { type PublishedAttribute, shownFilterAttributes } from './filter.ts';
import { checkPublish, type PublishInput, type StoredMessage } from './message.ts';
import type { Subscription, Topic, TopicRegistry } from './registry.ts';

const DEDUP_WINDOW_MS = 5 * 60_000;
const PAGE = 100;
const string = (input: Input, name: string) => input[name] as string | undefined;
type Tag = { Key: string; Value: string };
const tagsToMap = (tags: Tag[] | undefined) =>
  Object.fromEntries((tags ?? []).map((tag) => [tag.Key, tag.Value]));

/** Paging by index; tokens are opaque to clients. */
function page<T>(items: T[], token: string | undefined): { items: T[]; NextToken?: string } {
  const start = token === undefined ? 0 : Number.parseInt(Buffer.from(token, 'base64url').toString(), 10);
  if (!Number.isInteger(start) || start < 0) throw invalidParameter('NextToken');
  const slice = items.slice(start, start + PAGE);
  return start + PAGE < items.length
    ? { items: slice, NextToken: Buffer.from(String(start + PAGE)).toString('base64url') }
    : { items: slice };
}

function describeSubscription(subscription: Subscription) {
  return {
    SubscriptionArn: subscription.pending ? 'PendingConfirmation' : subscription.arn,
    Owner: subscription.owner,
    Protocol: subscription.protocol,
    Endpoint: subscription.endpoint,
    TopicArn: subscription.topic.arn,
  };
}

export interface TopicServices {
  registry: TopicRegistry;
  deliveries: Deliveries;
  store: Store;
  clock: Clock;
}

export function topicHandlers({ registry, deliveries, store, clock }: TopicServices): {
  handlers: Record<string, Handler>;
  publish: (topic: Topic, input: PublishInput) => Promise<{ MessageId: string; SequenceNumber?: string }>;
} {
  /** Commits a message and its deliveries; answers with its id (and sequence number on FIFO topics). */
  async function publish(
    topic: Topic,
    input: PublishInput,
  ): Promise<{ MessageId: string; SequenceNumber?: string }> {
    const contentBased = topic.attributes.ContentBasedDeduplication === 'true';
    checkPublish(input, topic.fifo, contentBased);
    const attributes = input.MessageAttributes ?? {};
    const now = clock.now();
    const confirmed = [...topic.subscriptions.values()].filter((subscription) => !subscription.pending);
    const accepted = topic.filters.accepting(attributes, input.Message);
    const matching = confirmed.filter(
      (subscription) => !topic.filters.has(subscription.arn) || accepted.has(subscription.arn),
    );
    deliveries.countFiltered(topic, confirmed.length - matching.length);
    const perProtocol =
      input.MessageStructure === 'json' ? (JSON.parse(input.Message) as Record<string, string>) : undefined;
    const dedupId = topic.fifo
      ? (input.MessageDeduplicationId ?? createHash('sha256').update(input.Message).digest('hex'))
      : undefined;
    const { result, planned } = await store.write(async (tx) => {
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
        planned: await deliveries.plan(tx, matching, message, now),
      };
    });
    deliveries.committed(planned);
    return result;
  }

  /** HTTP/S subscriptions start pending: the endpoint is sent a SubscriptionConfirmation. */
  async function requestConfirmation(subscription: Subscription): Promise<void> {
    const now = clock.now();
    const message: StoredMessage = {
      type: 'SubscriptionConfirmation',
      messageId: randomUUID(),
      topicArn: subscription.topic.arn,
      message: `You have chosen to subscribe to the topic ${subscription.topic.arn}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`,
      timestamp: new Date(now).toISOString(),
      attributes: {},
      ...(subscription.token !== undefined ? { token: subscription.token } : {}),
    };
    deliveries.committed(await store.write((tx) => deliveries.plan(tx, [subscription], message, now)));
  }

  const topicOf = (input: Input, member = 'TopicArn') => registry.topic(string(input, member) ?? '');

  const handlers: Record<string, Handler> = {
    async CreateTopic(input, context) {
      const topic = await registry.createTopic(
        context.accountId,
        context.region,
        string(input, 'Name') ?? '',
        (input.Attributes as Record<string, string> | undefined) ?? {},
        tagsToMap(input.Tags as Tag[] | undefined),
      );
      return { TopicArn: topic.arn };
    },

    async DeleteTopic(input) {
      const topic = registry.findTopic(string(input, 'TopicArn') ?? '');
      if (topic) await registry.deleteTopic(topic);
    },

    ListTopics(input, context) {
      const { items, NextToken } = page(
        registry.list(context.accountId, context.region),
        string(input, 'NextToken'),
      );
      return { Topics: items.map((topic) => ({ TopicArn: topic.arn })), NextToken };
    },

    GetTopicAttributes(input) {
      const topic = topicOf(input);
      const subscriptions = [...topic.subscriptions.values()];
      return {
        Attributes: {
          ...topic.attributes,
          TopicArn: topic.arn,
          Owner: topic.account,
          SubscriptionsConfirmed: String(
            subscriptions.filter((subscription) => !subscription.pending).length,
          ),
          SubscriptionsPending: String(subscriptions.filter((subscription) => subscription.pending).length),
          SubscriptionsDeleted: '0',
          EffectiveDeliveryPolicy:
            topic.attributes.DeliveryPolicy ??
            JSON.stringify({
              http: {
                defaultHealthyRetryPolicy: {
                  minDelayTarget: 20,
                  maxDelayTarget: 20,
                  numRetries: 3,
                  numMaxDelayRetries: 0,
                  numNoDelayRetries: 0,
                  numMinDelayRetries: 0,
                  backoffFunction: 'linear',
                },
                disableSubscriptionOverrides: false,
                defaultRequestPolicy: { headerContentType: 'text/plain; charset=UTF-8' },
              },
            }),
        },
      };
    },

    async SetTopicAttributes(input) {
      await registry.setTopicAttribute(
        topicOf(input),
        string(input, 'AttributeName') ?? '',
        string(input, 'AttributeValue') ?? '',
      );
    },

    async Subscribe(input, context) {
      const topic = topicOf(input);
      const protocol = (string(input, 'Protocol') ?? '').toLowerCase();
      const subscription = await registry.subscribe(
        topic,
        protocol,
        string(input, 'Endpoint') ?? '',
        (input.Attributes as Record<string, string> | undefined) ?? {},
        context.accountId,
      );
      if (subscription.pending) await requestConfirmation(subscription);
      return {
        SubscriptionArn:
          subscription.pending && input.ReturnSubscriptionArn !== true
            ? 'pending confirmation'
            : subscription.arn,
      };
    },

    async ConfirmSubscription(input) {
      const subscription = await registry.confirm(topicOf(input), string(input, 'Token') ?? '');
      return { SubscriptionArn: subscription.arn };
    },

    async Unsubscribe(input) {
      const arn = string(input, 'SubscriptionArn') ?? '';
      await registry.unsubscribe(registry.subscription(arn));
    },

    ListSubscriptions(input, context) {
      const { items, NextToken } = page(
        registry.allSubscriptions(context.accountId, context.region),
        string(input, 'NextToken'),
      );
      return { Subscriptions: items.map(describeSubscription), NextToken };
    },

    ListSubscriptionsByTopic(input) {
      const topic = topicOf(input);
      const { items, NextToken } = page([...topic.subscriptions.values()], string(input, 'NextToken'));
      return { Subscriptions: items.map(describeSubscription), NextToken };
    },

    GetSubscriptionAttributes(input) {
      const subscription = registry.subscription(string(input, 'SubscriptionArn') ?? '');
      return {
        Attributes: {
          ...shownFilterAttributes(subscription.attributes),
          SubscriptionArn: subscription.arn,
          TopicArn: subscription.topic.arn,
          Owner: subscription.owner,
          Protocol: subscription.protocol,
          Endpoint: subscription.endpoint,
          PendingConfirmation: String(subscription.pending),
          ConfirmationWasAuthenticated: String(!subscription.pending),
          RawMessageDelivery: subscription.attributes.RawMessageDelivery ?? 'false',
        },
      };
    },

    async SetSubscriptionAttributes(input) {
      const subscription = registry.subscription(string(input, 'SubscriptionArn') ?? '');
      await registry.setSubscriptionAttribute(
        subscription,
        string(input, 'AttributeName') ?? '',
        string(input, 'AttributeValue') ?? '',
      );
    },

    async Publish(input) {
      const arn = string(input, 'TopicArn') ?? string(input, 'TargetArn');
      if (arn === undefined) {
        if (string(input, 'PhoneNumber') !== undefined)
          throw invalidParameter('PhoneNumber Reason: eddy does not send SMS');
        throw invalidParameter('TopicArn or TargetArn Reason: no value for required parameter');
      }
      return publish(registry.topic(arn), input as unknown as PublishInput);
    },

    async PublishBatch(input) {
      const topic = topicOf(input);
      const entries =
        (input.PublishBatchRequestEntries as Array<PublishInput & { Id: string }> | undefined) ?? [];
      if (entries.length === 0)
        throw snsError('EmptyBatchRequest', "The batch request doesn't contain any entries.");
      if (entries.length > 10)
        throw snsError(
          'TooManyEntriesInBatchRequest',
          'The batch request contains more entries than permissible.',
        );
      const ids = new Set<string>();
      for (const entry of entries) {
        if (!/^[A-Za-z0-9_-]{1,80}$/.test(entry.Id))
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
      const successful: Array<{ Id: string; MessageId: string; SequenceNumber?: string }> = [];
      const failed: Array<{ Id: string; Code: string; Message: string; SenderFault: boolean }> = [];
      for (const entry of entries) {
        try {
          successful.push({ Id: entry.Id, ...(await publish(topic, entry)) });
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

    async TagResource(input) {
      const topic = topicOf(input, 'ResourceArn');
      await registry.setTopicTags(topic, { ...topic.tags, ...tagsToMap(input.Tags as Tag[] | undefined) });
    },

    async UntagResource(input) {
      const topic = topicOf(input, 'ResourceArn');
      const tags = { ...topic.tags };
      for (const key of (input.TagKeys as string[] | undefined) ?? []) delete tags[key];
      await registry.setTopicTags(topic, tags);
    },

    ListTagsForResource(input) {
      const topic = registry.findTopic(string(input, 'ResourceArn') ?? '');
      if (!topic) throw snsError('ResourceNotFound', 'Resource does not exist', 404);
      return { Tags: Object.entries(topic.tags).map(([Key, Value]) => ({ Key, Value })) };
    },

    async AddPermission(input) {
      const topic = topicOf(input);
      const label = string(input, 'Label') ?? '';
      const policy = JSON.parse(topic.attributes.Policy ?? '{"Version":"2008-10-17","Statement":[]}') as {
        Statement: Array<Record<string, unknown>>;
      };
      if (policy.Statement.some((statement) => statement.Sid === label))
        throw invalidParameter('Statement already exists');
      policy.Statement.push({
        Sid: label,
        Effect: 'Allow',
        Principal: {
          AWS: ((input.AWSAccountId as string[] | undefined) ?? []).map(
            (account) => `arn:aws:iam::${account}:root`,
          ),
        },
        Action: ((input.ActionName as string[] | undefined) ?? []).map((action) => `SNS:${action}`),
        Resource: topic.arn,
      });
      await registry.setTopicAttribute(topic, 'Policy', JSON.stringify(policy));
    },

    async RemovePermission(input) {
      const topic = topicOf(input);
      const label = string(input, 'Label') ?? '';
      const policy = JSON.parse(topic.attributes.Policy ?? '{"Statement":[]}') as {
        Statement: Array<Record<string, unknown>>;
      };
      if (!policy.Statement.some((statement) => statement.Sid === label))
        throw notFound(`Statement ${label} does not exist`);
      policy.Statement = policy.Statement.filter((statement) => statement.Sid !== label);
      await registry.setTopicAttribute(topic, 'Policy', JSON.stringify(policy));
    },
  };
  return { handlers, publish };
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

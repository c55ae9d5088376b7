// The topic, subscription, policy and tag operations: SNS's checks, then the registry.
import type { Handlers, Sns } from '../../contract/index.ts';
import { invalidParameter, snsError } from './errors.ts';
import { shownFilterAttributes } from './filter.ts';
import { page } from './paging.ts';
import { checkDataProtectionPolicy, withoutPermission, withPermission } from './policy.ts';
import type { Publisher } from './publish.ts';
import type { Subscription, TopicRegistry } from './registry.ts';

type TopicOperations =
  | 'CreateTopic'
  | 'DeleteTopic'
  | 'ListTopics'
  | 'GetTopicAttributes'
  | 'SetTopicAttributes'
  | 'Subscribe'
  | 'ConfirmSubscription'
  | 'Unsubscribe'
  | 'ListSubscriptions'
  | 'ListSubscriptionsByTopic'
  | 'GetSubscriptionAttributes'
  | 'SetSubscriptionAttributes'
  | 'TagResource'
  | 'UntagResource'
  | 'ListTagsForResource'
  | 'AddPermission'
  | 'RemovePermission'
  | 'PutDataProtectionPolicy'
  | 'GetDataProtectionPolicy';

/** Confirmation tokens are long hexadecimal strings. */
const TOKEN = /^[0-9a-f]{64,}$/i;

const tagsToMap = (tags: Sns.Tag[] | undefined) =>
  Object.fromEntries((tags ?? []).map((tag) => [tag.Key, tag.Value]));

function describeSubscription(subscription: Subscription): Sns.Subscription {
  return {
    SubscriptionArn: subscription.pending ? 'PendingConfirmation' : subscription.arn,
    Owner: subscription.owner,
    Protocol: subscription.protocol,
    Endpoint: subscription.endpoint,
    TopicArn: subscription.topic.arn,
  };
}

const DEFAULT_DELIVERY_POLICY = JSON.stringify({
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
});

export function topicHandlers(
  registry: TopicRegistry,
  publisher: Publisher,
): Pick<Handlers<Sns.Operations>, TopicOperations> {
  // The tagging operations name a missing topic as a missing resource (their model's only not-found error).
  const taggedTopic = (arn: string, region: string) => {
    const topic = registry.findTopic(arn);
    if (!topic || topic.region !== region) throw snsError('ResourceNotFound', 'Resource does not exist', 404);
    return topic;
  };
  return {
    async CreateTopic(input, context) {
      if (input.DataProtectionPolicy) checkDataProtectionPolicy(input.DataProtectionPolicy);
      const topic = await registry.createTopic(
        context.accountId,
        context.region,
        input.Name,
        input.Attributes ?? {},
        tagsToMap(input.Tags),
        input.DataProtectionPolicy,
      );
      return { TopicArn: topic.arn };
    },

    async DeleteTopic(input) {
      const topic = registry.findTopic(input.TopicArn);
      if (topic) await registry.deleteTopic(topic);
    },

    ListTopics(input, context) {
      const { items, NextToken } = page(registry.list(context.accountId, context.region), input.NextToken);
      return { Topics: items.map((topic) => ({ TopicArn: topic.arn })), NextToken };
    },

    GetTopicAttributes(input, context) {
      const topic = registry.topic(input.TopicArn, context.region);
      const subscriptions = [...topic.subscriptions.values()];
      return {
        Attributes: {
          DisplayName: '', // shown, empty, on a topic that never had one
          ...topic.attributes,
          TopicArn: topic.arn,
          Owner: topic.account,
          SubscriptionsConfirmed: String(
            subscriptions.filter((subscription) => !subscription.pending).length,
          ),
          SubscriptionsPending: String(subscriptions.filter((subscription) => subscription.pending).length),
          SubscriptionsDeleted: '0',
          EffectiveDeliveryPolicy: topic.attributes.DeliveryPolicy ?? DEFAULT_DELIVERY_POLICY,
        },
      };
    },

    async SetTopicAttributes(input, context) {
      await registry.setTopicAttribute(
        registry.topic(input.TopicArn, context.region),
        input.AttributeName,
        input.AttributeValue ?? '',
      );
    },

    async Subscribe(input, context) {
      const topic = registry.topic(input.TopicArn, context.region);
      const subscription = await registry.subscribe(
        topic,
        input.Protocol.toLowerCase(),
        input.Endpoint ?? '',
        input.Attributes ?? {},
        context.accountId,
      );
      if (subscription.pending) await publisher.requestConfirmation(subscription);
      return {
        SubscriptionArn:
          subscription.pending && input.ReturnSubscriptionArn !== true
            ? 'pending confirmation'
            : subscription.arn,
      };
    },

    async ConfirmSubscription(input) {
      // SNS judges the token first: a malformed one, then one no subscription of the topic holds.
      if (!TOKEN.test(input.Token)) throw snsError('InvalidParameter', 'Invalid token');
      const topic = registry.findTopic(input.TopicArn);
      if (!topic) throw invalidParameter('Token');
      const subscription = await registry.confirm(topic, input.Token);
      return { SubscriptionArn: subscription.arn };
    },

    async Unsubscribe(input) {
      const elements = input.SubscriptionArn.split(':').length;
      if (elements < 6)
        throw invalidParameter(
          `SubscriptionArn Reason: An ARN must have at least 6 elements, not ${elements}`,
        );
      if (elements < 7) throw invalidParameter('SubscriptionId');
      // Unsubscribing from a subscription that is gone already succeeds, as in SNS.
      const subscription = registry.findSubscription(input.SubscriptionArn);
      if (subscription) await registry.unsubscribe(subscription);
    },

    ListSubscriptions(input, context) {
      const { items, NextToken } = page(
        registry.allSubscriptions(context.accountId, context.region),
        input.NextToken,
      );
      return { Subscriptions: items.map(describeSubscription), NextToken };
    },

    ListSubscriptionsByTopic(input, context) {
      const topic = registry.topic(input.TopicArn, context.region);
      const { items, NextToken } = page([...topic.subscriptions.values()], input.NextToken);
      return { Subscriptions: items.map(describeSubscription), NextToken };
    },

    GetSubscriptionAttributes(input) {
      const subscription = registry.subscription(input.SubscriptionArn);
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
      await registry.setSubscriptionAttribute(
        registry.subscription(input.SubscriptionArn),
        input.AttributeName,
        input.AttributeValue ?? '',
      );
    },

    async TagResource(input, context) {
      const topic = taggedTopic(input.ResourceArn, context.region);
      await registry.setTopicTags(topic, { ...topic.tags, ...tagsToMap(input.Tags) });
      return {};
    },

    async UntagResource(input, context) {
      const topic = taggedTopic(input.ResourceArn, context.region);
      const tags = { ...topic.tags };
      for (const key of input.TagKeys) delete tags[key];
      await registry.setTopicTags(topic, tags);
      return {};
    },

    ListTagsForResource(input, context) {
      const topic = taggedTopic(input.ResourceArn, context.region);
      return { Tags: Object.entries(topic.tags).map(([Key, Value]) => ({ Key, Value })) };
    },

    async AddPermission(input, context) {
      const topic = registry.topic(input.TopicArn, context.region);
      const policy = withPermission(
        topic.attributes.Policy,
        topic.arn,
        input.Label,
        input.AWSAccountId,
        input.ActionName,
      );
      await registry.setTopicAttribute(topic, 'Policy', policy);
    },

    async RemovePermission(input, context) {
      const topic = registry.topic(input.TopicArn, context.region);
      await registry.setTopicAttribute(
        topic,
        'Policy',
        withoutPermission(topic.attributes.Policy, input.Label),
      );
    },

    async PutDataProtectionPolicy(input, context) {
      const topic = registry.topic(input.ResourceArn, context.region);
      if (input.DataProtectionPolicy !== '') checkDataProtectionPolicy(input.DataProtectionPolicy);
      await registry.setDataProtectionPolicy(topic, input.DataProtectionPolicy);
    },

    GetDataProtectionPolicy(input, context) {
      const topic = registry.topic(input.ResourceArn, context.region);
      return { DataProtectionPolicy: topic.dataProtectionPolicy };
    },
  };
}

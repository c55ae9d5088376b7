// Topics and subscriptions, kept in memory beside the store; attributes.ts holds their rules.
import { randomUUID } from 'node:crypto';
import { formatArn, parseArn } from '../../runtime/index.ts';
import type { Store } from '../../store/index.ts';
import {
  CONFIRMED_PROTOCOLS,
  checkEndpoint,
  checkSubscriptionAttribute,
  checkTopicAttribute,
  normalizedAttribute,
  normalizedAttributes,
  PROTOCOLS,
  scopeOf,
} from './attributes.ts';
import { invalidParameter, notFound, snsError } from './errors.ts';
import { isEmptyPolicy, TopicFilters, validateFilterPolicy } from './filter.ts';
import { defaultPolicy } from './policy.ts';

const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}$/;
/** SNS's default quotas per account and region. */
export const LIMITS = {
  topicsPerAccount: 100_000,
  fifoTopicsPerAccount: 1_000,
  subscriptionsPerTopic: 12_500_000,
  subscriptionsPerFifoTopic: 100,
  filterPoliciesPerAccount: 10_000,
};

export interface Topic {
  id: number;
  account: string;
  region: string;
  name: string;
  arn: string;
  fifo: boolean;
  attributes: Record<string, string>;
  tags: Record<string, string>;
  /** Kept and shown by GetDataProtectionPolicy; eddy does not apply it to messages. */
  dataProtectionPolicy: string | undefined;
  createdAt: number;
  subscriptions: Map<string, Subscription>;
  filters: TopicFilters;
}

export interface Subscription {
  arn: string;
  topic: Topic;
  protocol: string;
  endpoint: string;
  owner: string;
  attributes: Record<string, string>;
  pending: boolean;
  token: string | undefined;
}

interface TopicRow {
  id: number;
  account: string;
  region: string;
  name: string;
  fifo: number;
  attributes: string;
  tags: string;
  data_protection_policy: string | null;
  created_at: number;
}

interface SubscriptionRow {
  arn: string;
  topic_id: number;
  protocol: string;
  endpoint: string;
  owner: string;
  attributes: string;
  pending: number;
  token: string | null;
}

const topicKey = (account: string, region: string, name: string) => `${account}/${region}/${name}`;

export class TopicRegistry {
  private readonly topics = new Map<string, Topic>();
  private readonly subscriptions = new Map<string, Subscription>();

  constructor(
    private readonly store: Store,
    private readonly now: () => number,
  ) {}

  async load(): Promise<void> {
    const [topicRows, subscriptionRows] = await this.store.read(async (tx) => [
      await tx.all<TopicRow>('SELECT * FROM sns_topics'),
      await tx.all<SubscriptionRow>('SELECT * FROM sns_subscriptions'),
    ]);
    const byId = new Map<number, Topic>();
    for (const row of topicRows) {
      const topic = this.toTopic(row);
      this.topics.set(topicKey(topic.account, topic.region, topic.name), topic);
      byId.set(topic.id, topic);
    }
    for (const row of subscriptionRows) {
      const topic = byId.get(row.topic_id);
      if (!topic) continue;
      const attributes = JSON.parse(row.attributes) as Record<string, string>;
      const subscription: Subscription = {
        arn: row.arn,
        topic,
        protocol: row.protocol,
        endpoint: row.endpoint,
        owner: row.owner,
        attributes,
        pending: row.pending === 1,
        token: row.token ?? undefined,
      };
      topic.subscriptions.set(subscription.arn, subscription);
      topic.filters.set(subscription.arn, attributes.FilterPolicy, scopeOf(attributes));
      this.subscriptions.set(subscription.arn, subscription);
    }
  }

  /** The topic an ARN names; with `region` (the caller's), only a topic of that Region, as in SNS. */
  topic(arn: string, region?: string): Topic {
    const parsed = parseArn(arn);
    const topic =
      parsed?.service === 'sns' && (region === undefined || parsed.region === region)
        ? this.topics.get(topicKey(parsed.accountId, parsed.region, parsed.resource))
        : undefined;
    if (!topic) throw notFound('Topic does not exist');
    return topic;
  }

  findTopic(arn: string): Topic | undefined {
    try {
      return this.topic(arn);
    } catch {
      return undefined;
    }
  }

  list(account: string, region: string): Topic[] {
    return [...this.topics.values()]
      .filter((topic) => topic.account === account && topic.region === region)
      .sort((a, b) => a.id - b.id);
  }

  subscription(arn: string): Subscription {
    const subscription = this.subscriptions.get(arn);
    if (!subscription) throw notFound('Subscription does not exist');
    return subscription;
  }

  findSubscription(arn: string): Subscription | undefined {
    return this.subscriptions.get(arn);
  }

  allSubscriptions(account: string, region: string): Subscription[] {
    return [...this.subscriptions.values()].filter(
      (subscription) => subscription.topic.account === account && subscription.topic.region === region,
    );
  }

  async createTopic(
    account: string,
    region: string,
    name: string,
    given: Record<string, string>,
    tags: Record<string, string>,
    dataProtectionPolicy?: string,
  ): Promise<Topic> {
    const attributes = normalizedAttributes(given);
    const fifo = attributes.FifoTopic === 'true';
    const base = name.endsWith('.fifo') ? name.slice(0, -5) : name;
    if (!TOPIC_NAME.test(base) || name.length > 256) {
      throw invalidParameter('Topic Name');
    }
    if (name.endsWith('.fifo') !== fifo) {
      throw invalidParameter(
        fifo
          ? 'Topic Name Reason: FIFO topic names must end with .fifo'
          : 'Topic Name Reason: Only FIFO topic names can end with .fifo (set FifoTopic to true)',
      );
    }
    for (const [key, value] of Object.entries(attributes)) checkTopicAttribute(key, value, fifo);
    const existing = this.topics.get(topicKey(account, region, name));
    if (existing) {
      for (const [key, value] of Object.entries(attributes)) {
        if (
          existing.attributes[key] !== value &&
          !(key === 'FifoTopic' && value === 'false' && !existing.fifo)
        ) {
          throw invalidParameter('Attributes Reason: Topic already exists with different attributes');
        }
      }
      for (const [key, value] of Object.entries(tags)) {
        if (existing.tags[key] !== value)
          throw invalidParameter('Tags Reason: Topic already exists with different tags');
      }
      return existing;
    }
    const sameKind = this.list(account, region).filter((topic) => topic.fifo === fifo).length;
    if (sameKind >= (fifo ? LIMITS.fifoTopicsPerAccount : LIMITS.topicsPerAccount)) {
      throw snsError('TopicLimitExceeded', 'Topic limit exceeded', 403);
    }
    const arn = formatArn({ service: 'sns', region, accountId: account, resource: name });
    const stored: Record<string, string> = {
      Policy: defaultPolicy(arn, account),
      SignatureVersion: '1',
      TracingConfig: 'PassThrough',
      ...(fifo ? { FifoTopic: 'true', ContentBasedDeduplication: 'false' } : {}),
      ...attributes,
    };
    if (!fifo) delete stored.FifoTopic;
    const now = this.now();
    const row = await this.store.write((tx) =>
      tx.get<TopicRow>(
        `INSERT INTO sns_topics (account, region, name, fifo, attributes, tags, data_protection_policy, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
        [
          account,
          region,
          name,
          fifo ? 1 : 0,
          JSON.stringify(stored),
          JSON.stringify(tags),
          dataProtectionPolicy || null,
          now,
        ],
      ),
    );
    const topic = this.toTopic(row!);
    this.topics.set(topicKey(account, region, name), topic);
    return topic;
  }

  async deleteTopic(topic: Topic): Promise<void> {
    await this.store.write(async (tx) => {
      await tx.run('DELETE FROM sns_topics WHERE id = ?', [topic.id]);
      await tx.run('DELETE FROM sns_subscriptions WHERE topic_id = ?', [topic.id]);
      await tx.run('DELETE FROM sns_dedup WHERE topic_id = ?', [topic.id]);
    });
    this.topics.delete(topicKey(topic.account, topic.region, topic.name));
    for (const arn of topic.subscriptions.keys()) this.subscriptions.delete(arn);
  }

  async setTopicAttribute(topic: Topic, name: string, given: string): Promise<void> {
    const value = normalizedAttribute(name, given);
    if (name === 'FifoTopic')
      throw invalidParameter('AttributeName Reason: FifoTopic can only be set when the topic is created');
    checkTopicAttribute(name, value, topic.fifo);
    const attributes = { ...topic.attributes, [name]: value };
    if (value === '' && name !== 'DisplayName') delete attributes[name];
    await this.store.write((tx) =>
      tx.run('UPDATE sns_topics SET attributes = ? WHERE id = ?', [JSON.stringify(attributes), topic.id]),
    );
    topic.attributes = attributes;
  }

  async setDataProtectionPolicy(topic: Topic, policy: string): Promise<void> {
    await this.store.write((tx) =>
      tx.run('UPDATE sns_topics SET data_protection_policy = ? WHERE id = ?', [policy || null, topic.id]),
    );
    topic.dataProtectionPolicy = policy || undefined;
  }

  async setTopicTags(topic: Topic, tags: Record<string, string>): Promise<void> {
    if (Object.keys(tags).length > 50)
      throw snsError('TagLimitExceeded', 'Could not complete request: tag quota of per resource exceeded');
    await this.store.write((tx) =>
      tx.run('UPDATE sns_topics SET tags = ? WHERE id = ?', [JSON.stringify(tags), topic.id]),
    );
    topic.tags = tags;
  }

  /** Subscribe: the same topic, protocol and endpoint give the same subscription back. */
  async subscribe(
    topic: Topic,
    protocol: string,
    endpoint: string,
    given: Record<string, string>,
    owner: string,
  ): Promise<Subscription> {
    let attributes = normalizedAttributes(given);
    if (!PROTOCOLS.has(protocol)) {
      throw invalidParameter(
        `Invalid protocol type: ${protocol} (eddy delivers to ${[...PROTOCOLS].join(', ')})`,
      );
    }
    checkEndpoint(topic.fifo, protocol, endpoint);
    for (const [name, value] of Object.entries(attributes)) checkSubscriptionAttribute(name, value, protocol);
    if (attributes.FilterPolicy !== undefined && isEmptyPolicy(attributes.FilterPolicy)) {
      const { FilterPolicy: _removed, ...rest } = attributes;
      attributes = rest;
    }
    if (attributes.FilterPolicy)
      validateFilterPolicy(attributes.FilterPolicy, scopeOf(attributes), 'Subscribe');
    const existing = [...topic.subscriptions.values()].find(
      (subscription) => subscription.protocol === protocol && subscription.endpoint === endpoint,
    );
    if (existing) {
      for (const [name, value] of Object.entries(attributes)) {
        if (existing.attributes[name] !== value) {
          throw invalidParameter('Attributes Reason: Subscription already exists with different attributes');
        }
      }
      return existing;
    }
    const limit = topic.fifo ? LIMITS.subscriptionsPerFifoTopic : LIMITS.subscriptionsPerTopic;
    if (topic.subscriptions.size >= limit) {
      throw snsError('SubscriptionLimitExceeded', 'Subscription limit exceeded', 403);
    }
    if (attributes.FilterPolicy) this.checkFilterPolicyQuota(topic.account, topic.region);
    const pending = CONFIRMED_PROTOCOLS.has(protocol);
    const subscription: Subscription = {
      arn: `${topic.arn}:${randomUUID()}`,
      topic,
      protocol,
      endpoint,
      owner,
      attributes,
      pending,
      token: pending ? randomUUID().replaceAll('-', '') + randomUUID().replaceAll('-', '') : undefined,
    };
    await this.store.write((tx) =>
      tx.run(
        `INSERT INTO sns_subscriptions (arn, topic_id, protocol, endpoint, owner, attributes, pending, token, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          subscription.arn,
          topic.id,
          protocol,
          endpoint,
          owner,
          JSON.stringify(attributes),
          pending ? 1 : 0,
          subscription.token ?? null,
          this.now(),
        ],
      ),
    );
    topic.subscriptions.set(subscription.arn, subscription);
    topic.filters.set(subscription.arn, attributes.FilterPolicy, scopeOf(attributes));
    this.subscriptions.set(subscription.arn, subscription);
    return subscription;
  }

  async confirm(topic: Topic, token: string): Promise<Subscription> {
    const subscription = [...topic.subscriptions.values()].find((candidate) => candidate.token === token);
    if (!subscription) throw invalidParameter('Token');
    if (subscription.pending) {
      await this.store.write((tx) =>
        tx.run('UPDATE sns_subscriptions SET pending = 0 WHERE arn = ?', [subscription.arn]),
      );
      subscription.pending = false;
    }
    return subscription;
  }

  async unsubscribe(subscription: Subscription): Promise<void> {
    await this.store.write((tx) => tx.run('DELETE FROM sns_subscriptions WHERE arn = ?', [subscription.arn]));
    subscription.topic.subscriptions.delete(subscription.arn);
    subscription.topic.filters.delete(subscription.arn);
    this.subscriptions.delete(subscription.arn);
  }

  /** FilterPolicyLimitExceeded once the account's subscriptions carry the quota's number of filter policies. */
  private checkFilterPolicyQuota(account: string, region: string): void {
    const withPolicy = this.allSubscriptions(account, region).filter(
      (subscription) => subscription.attributes.FilterPolicy,
    ).length;
    if (withPolicy >= LIMITS.filterPoliciesPerAccount) {
      throw snsError('FilterPolicyLimitExceeded', 'Filter policy limit exceeded', 403);
    }
  }

  async setSubscriptionAttribute(subscription: Subscription, name: string, given: string): Promise<void> {
    const value = normalizedAttribute(name, given);
    checkSubscriptionAttribute(name, value, subscription.protocol);
    if (
      name === 'FilterPolicy' &&
      value !== '' &&
      !isEmptyPolicy(value) &&
      !subscription.attributes.FilterPolicy
    ) {
      this.checkFilterPolicyQuota(subscription.topic.account, subscription.topic.region);
    }
    const attributes = { ...subscription.attributes, [name]: value };
    // An empty value removes the attribute; so does `{}` as a FilterPolicy (Terraform sends it).
    if (value === '' || (name === 'FilterPolicy' && isEmptyPolicy(value))) delete attributes[name];
    if (attributes.FilterPolicy) validateFilterPolicy(attributes.FilterPolicy, scopeOf(attributes));
    await this.store.write((tx) =>
      tx.run('UPDATE sns_subscriptions SET attributes = ? WHERE arn = ?', [
        JSON.stringify(attributes),
        subscription.arn,
      ]),
    );
    subscription.attributes = attributes;
    subscription.topic.filters.set(subscription.arn, attributes.FilterPolicy, scopeOf(attributes));
  }

  private toTopic(row: TopicRow): Topic {
    return {
      id: row.id,
      account: row.account,
      region: row.region,
      name: row.name,
      arn: formatArn({ service: 'sns', region: row.region, accountId: row.account, resource: row.name }),
      fifo: row.fifo === 1,
      attributes: JSON.parse(row.attributes) as Record<string, string>,
      tags: JSON.parse(row.tags) as Record<string, string>,
      dataProtectionPolicy: row.data_protection_policy ?? undefined,
      createdAt: Number(row.created_at),
      subscriptions: new Map(),
      filters: new TopicFilters(),
    };
  }
}

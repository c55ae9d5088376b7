// The queues themselves: creation, lookup by URL or ARN, attributes, tags and permissions.
// Every queue is cached in memory (they are few and small); the store is the truth on restart.

import type { ServiceError } from '../../contract/index.ts';
import { formatArn, parseArn } from '../../runtime/index.ts';
import type { Store, Tx } from '../../store/index.ts';
import {
  defaultAttributes,
  parseRedrivePolicy,
  type QueueAttributes,
  type RedrivePolicy,
  validateAttributes,
  validateQueueName,
} from './attributes.ts';
import { queueDoesNotExist, sqsError } from './errors.ts';

/** How long a deleted queue's name stays taken (AWS asks for at least 60 s). */
const DELETED_NAME_HOLD_MS = 60_000;

export interface Permission {
  label: string;
  accounts: string[];
  actions: string[];
}

export interface Queue {
  id: number;
  account: string;
  region: string;
  name: string;
  fifo: boolean;
  arn: string;
  attributes: QueueAttributes;
  tags: Record<string, string>;
  permissions: Permission[];
  createdAt: number;
  modifiedAt: number;
  lastPurgeAt: number | undefined;
  /** Parsed from the attributes, for the hot paths. */
  settings: QueueSettings;
}

export interface QueueSettings {
  visibilityTimeoutSeconds: number;
  delaySeconds: number;
  retentionMs: number;
  maximumMessageSize: number;
  waitTimeSeconds: number;
  contentBasedDeduplication: boolean;
  dedupScope: 'queue' | 'messageGroup';
  redrive: RedrivePolicy | undefined;
}

interface QueueRow {
  id: number;
  account: string;
  region: string;
  name: string;
  fifo: number;
  attributes: string;
  tags: string;
  permissions: string;
  created_at: number;
  modified_at: number;
  last_purge_at: number | null;
}

function settingsOf(attributes: QueueAttributes): QueueSettings {
  const integer = (name: string) => Number(attributes[name] ?? 0);
  return {
    visibilityTimeoutSeconds: integer('VisibilityTimeout'),
    delaySeconds: integer('DelaySeconds'),
    retentionMs: integer('MessageRetentionPeriod') * 1000,
    maximumMessageSize: integer('MaximumMessageSize'),
    waitTimeSeconds: integer('ReceiveMessageWaitTimeSeconds'),
    contentBasedDeduplication: attributes.ContentBasedDeduplication === 'true',
    dedupScope: attributes.DeduplicationScope === 'messageGroup' ? 'messageGroup' : 'queue',
    redrive: attributes.RedrivePolicy ? parseRedrivePolicy(attributes.RedrivePolicy) : undefined,
  };
}

function toQueue(row: QueueRow): Queue {
  const attributes = JSON.parse(row.attributes) as QueueAttributes;
  return {
    id: row.id,
    account: row.account,
    region: row.region,
    name: row.name,
    fifo: row.fifo === 1,
    arn: formatArn({ service: 'sqs', region: row.region, accountId: row.account, resource: row.name }),
    attributes,
    tags: JSON.parse(row.tags) as Record<string, string>,
    permissions: JSON.parse(row.permissions) as Permission[],
    createdAt: Number(row.created_at),
    modifiedAt: Number(row.modified_at),
    lastPurgeAt: row.last_purge_at === null ? undefined : Number(row.last_purge_at),
    settings: settingsOf(attributes),
  };
}

const keyOf = (account: string, region: string, name: string) => `${account}/${region}/${name}`;

export class QueueRegistry {
  private readonly byKey = new Map<string, Queue>();
  private readonly byId = new Map<number, Queue>();

  constructor(
    private readonly store: Store,
    private readonly now: () => number,
  ) {}

  async load(): Promise<void> {
    const rows = await this.store.read((tx) => tx.all<QueueRow>('SELECT * FROM sqs_queues'));
    for (const row of rows) this.remember(toQueue(row));
  }

  get(account: string, region: string, name: string): Queue | undefined {
    return this.byKey.get(keyOf(account, region, name));
  }

  getById(id: number): Queue | undefined {
    return this.byId.get(id);
  }

  /**
   * Resolves a queue URL of any host (the last two path segments are the account and the name), or
   * a bare queue name, which AWS takes as the caller's queue of that name.
   */
  fromUrl(url: string, caller: { region: string; accountId: string }): Queue {
    const path = url.replace(/^[a-z]+:\/\/[^/]*/i, '').replace(/\?.*$/, '');
    const segments = path.split('/').filter(Boolean);
    const [account, name] =
      segments.length === 1 && !url.includes('/') ? [caller.accountId, segments[0]] : segments.slice(-2);
    const queue =
      account !== undefined && name !== undefined ? this.get(account, caller.region, name) : undefined;
    if (!queue) throw this.missing(account, caller.region, name);
    return queue;
  }

  /** QueueDoesNotExist, naming the regions where the caller has a queue of that name (a wrong --region). */
  missing(account: string | undefined, region: string, name: string | undefined): ServiceError {
    const elsewhere = [...this.byKey.values()]
      .filter((queue) => queue.account === account && queue.name === name && queue.region !== region)
      .map((queue) => queue.region)
      .sort();
    if (elsewhere.length === 0) return queueDoesNotExist();
    return sqsError(
      'QueueDoesNotExist',
      `The specified queue does not exist in ${region}. A queue named ${name} exists in ${elsewhere.join(', ')}: is the client's region right?`,
    );
  }

  fromArn(arn: string): Queue | undefined {
    const parsed = parseArn(arn);
    if (parsed?.service !== 'sqs') return undefined;
    return this.get(parsed.accountId, parsed.region, parsed.resource);
  }

  list(account: string, region: string): Queue[] {
    return [...this.byKey.values()]
      .filter((queue) => queue.account === account && queue.region === region)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  all(): Queue[] {
    return [...this.byId.values()];
  }

  /** CreateQueue: idempotent when the attributes match, QueueNameExists when they differ. */
  async create(
    account: string,
    region: string,
    name: string,
    given: Record<string, string>,
    tags: Record<string, string>,
  ): Promise<Queue> {
    const { fifo } = validateQueueName(name, given.FifoQueue);
    const attributes = { ...defaultAttributes(fifo), ...validateAttributes(given, { fifo, creating: true }) };
    this.checkRedrive(
      attributes,
      region,
      account,
      formatArn({ service: 'sqs', region, accountId: account, resource: name }),
    );
    const existing = this.get(account, region, name);
    if (existing) return this.sameOrConflict(existing, given);
    return this.store.write(async (tx) => {
      const again = this.get(account, region, name);
      if (again) return this.sameOrConflict(again, given);
      const deleted = await tx.get<{ deleted_at: number }>(
        'SELECT deleted_at FROM sqs_deleted_queues WHERE account = ? AND region = ? AND name = ?',
        [account, region, name],
      );
      const now = this.now();
      if (deleted && now - Number(deleted.deleted_at) < DELETED_NAME_HOLD_MS) {
        throw sqsError(
          'QueueDeletedRecently',
          'You must wait 60 seconds after deleting a queue before you can create another queue with the same name.',
        );
      }
      const row = await tx.get<{ id: number }>(
        `INSERT INTO sqs_queues (account, region, name, fifo, attributes, tags, permissions, created_at, modified_at)
         VALUES (?, ?, ?, ?, ?, ?, '[]', ?, ?) RETURNING id`,
        [account, region, name, fifo ? 1 : 0, JSON.stringify(attributes), JSON.stringify(tags), now, now],
      );
      const queue = toQueue({
        id: row!.id,
        account,
        region,
        name,
        fifo: fifo ? 1 : 0,
        attributes: JSON.stringify(attributes),
        tags: JSON.stringify(tags),
        permissions: '[]',
        created_at: now,
        modified_at: now,
        last_purge_at: null,
      });
      this.remember(queue);
      return queue;
    });
  }

  private sameOrConflict(queue: Queue, given: Record<string, string>): Queue {
    const normalised = validateAttributes(given, { fifo: queue.fifo, creating: true });
    for (const [name, value] of Object.entries(normalised)) {
      if (queue.attributes[name] !== value) {
        throw sqsError(
          'QueueNameExists',
          `A queue already exists with the same name and a different value for attribute ${name}`,
        );
      }
    }
    return queue;
  }

  /** A dead-letter target must exist, be of the same kind, and allow this queue as a source. */
  private checkRedrive(
    attributes: QueueAttributes,
    region: string,
    account: string,
    sourceArn?: string,
  ): void {
    if (!attributes.RedrivePolicy) return;
    const policy = parseRedrivePolicy(attributes.RedrivePolicy);
    const target = this.fromArn(policy.deadLetterTargetArn);
    if (!target || target.region !== region || target.account !== account) {
      throw sqsError(
        'InvalidParameterValue',
        `Value ${attributes.RedrivePolicy} for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.`,
      );
    }
    const fifo = attributes.FifoQueue === 'true';
    if (target.fifo !== fifo) {
      throw sqsError(
        'InvalidParameterValue',
        `Value ${attributes.RedrivePolicy} for parameter RedrivePolicy is invalid. Reason: The dead-letter queue of a ${fifo ? 'FIFO' : 'standard'} queue must also be a ${fifo ? 'FIFO' : 'standard'} queue.`,
      );
    }
    const allow = target.attributes.RedriveAllowPolicy;
    if (allow && sourceArn) {
      const parsed = JSON.parse(allow) as { redrivePermission: string; sourceQueueArns?: string[] };
      const allowed =
        parsed.redrivePermission === 'allowAll' ||
        (parsed.redrivePermission === 'byQueue' && parsed.sourceQueueArns?.includes(sourceArn));
      if (!allowed) {
        throw sqsError(
          'InvalidParameterValue',
          `Value ${attributes.RedrivePolicy} for parameter RedrivePolicy is invalid. Reason: The dead-letter queue's RedriveAllowPolicy does not allow this queue as a source.`,
        );
      }
    }
  }

  async setAttributes(queue: Queue, given: Record<string, string>): Promise<void> {
    const changed = validateAttributes(given, { fifo: queue.fifo, creating: false });
    const attributes = { ...queue.attributes, ...changed };
    for (const name of ['Policy', 'RedrivePolicy', 'RedriveAllowPolicy']) {
      if (attributes[name] === '') delete attributes[name];
    }
    this.checkRedrive(attributes, queue.region, queue.account, queue.arn);
    const now = this.now();
    await this.store.write((tx) =>
      tx.run('UPDATE sqs_queues SET attributes = ?, modified_at = ? WHERE id = ?', [
        JSON.stringify(attributes),
        now,
        queue.id,
      ]),
    );
    queue.attributes = attributes;
    queue.settings = settingsOf(attributes);
    queue.modifiedAt = now;
  }

  async setTags(queue: Queue, tags: Record<string, string>): Promise<void> {
    await this.store.write((tx) =>
      tx.run('UPDATE sqs_queues SET tags = ? WHERE id = ?', [JSON.stringify(tags), queue.id]),
    );
    queue.tags = tags;
  }

  async setPermissions(queue: Queue, permissions: Permission[]): Promise<void> {
    await this.store.write((tx) =>
      tx.run('UPDATE sqs_queues SET permissions = ? WHERE id = ?', [JSON.stringify(permissions), queue.id]),
    );
    queue.permissions = permissions;
  }

  async markPurged(tx: Tx, queue: Queue, at: number): Promise<void> {
    await tx.run('UPDATE sqs_queues SET last_purge_at = ? WHERE id = ?', [at, queue.id]);
  }

  /** Deletes the queue and its messages; its name is held for 60 s. */
  async delete(queue: Queue): Promise<void> {
    const now = this.now();
    await this.store.write(async (tx) => {
      await tx.run('DELETE FROM sqs_messages WHERE queue_id = ?', [queue.id]);
      await tx.run('DELETE FROM sqs_dedup WHERE queue_id = ?', [queue.id]);
      await tx.run('DELETE FROM sqs_receive_attempts WHERE queue_id = ?', [queue.id]);
      await tx.run('DELETE FROM sqs_queue_metrics WHERE queue_id = ?', [queue.id]);
      await tx.run('DELETE FROM sqs_queues WHERE id = ?', [queue.id]);
      await tx.run(
        `INSERT INTO sqs_deleted_queues (account, region, name, deleted_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (account, region, name) DO UPDATE SET deleted_at = excluded.deleted_at`,
        [queue.account, queue.region, queue.name, now],
      );
    });
    this.byKey.delete(keyOf(queue.account, queue.region, queue.name));
    this.byId.delete(queue.id);
  }

  /** Queues whose RedrivePolicy names this one as their dead-letter queue. */
  deadLetterSources(queue: Queue): Queue[] {
    return this.all()
      .filter((source) => source.settings.redrive?.deadLetterTargetArn === queue.arn)
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  private remember(queue: Queue): void {
    this.byKey.set(keyOf(queue.account, queue.region, queue.name), queue);
    this.byId.set(queue.id, queue);
  }
}

// Subscription delivery: each subscription filter has a durable position in the log (the last event
// seq it has dealt with). A pump, woken after every commit of events and once a second, reads the
// events after that position, keeps those the filter's pattern matches, and hands them to the
// destination through the targets port — one message per log stream, as AWS sends them — then moves
// the position. A retryable failure leaves the position where it is, to try again later, for up to
// 24 hours; a failure that is not retryable (the target is gone) skips the batch, as AWS does.
//
// What a destination receives, by the kind of its ARN:
// - Lambda (`arn:aws:lambda:…`): `{"awslogs":{"data":"<base64 of the gzipped payload>"}}`, what AWS invokes a function with;
// - Kinesis Data Streams and Firehose: the base64 of the gzipped payload (what their APIs show as Data),
//   with `parameters.partitionKey` the log stream's name;
// - SQS and SNS (an eddy extension — AWS delivers to neither): the payload itself, as JSON text.
// The payload is AWS's: `{messageType: "DATA_MESSAGE", owner, logGroup, logStream, subscriptionFilters,
// logEvents: [{id, timestamp, message}]}`. eddy serves no Lambda, Kinesis or Firehose today, so
// PutSubscriptionFilter answers them as AWS answers an account without that stream or function.
import { gzipSync } from 'node:zlib';
import {
  type Clock,
  type Delivery,
  DeliveryError,
  formatArn,
  type Logger,
  parseArn,
  type Targets,
} from '../../runtime/index.ts';
import type { Store, Tx } from '../../store/index.ts';
import { compileFilterPattern, type LogFilter } from './filter.ts';
import type { Resources } from './resources.ts';
import { selects } from './selection.ts';
import { eventId } from './tokens.ts';

export interface SubscriptionBody {
  filterPattern: string;
  destinationArn: string;
  roleArn?: string;
  distribution: 'Random' | 'ByLogStream';
  applyOnTransformedLogs?: boolean;
  fieldSelectionCriteria?: string;
  emitSystemFields?: string[];
  /** Where events went when the filter was put: the destination ARN, or its CloudWatch Logs destination's target. */
  targetArn: string;
  account: string;
  region: string;
}

export interface LogEventRecord {
  id: string;
  timestamp: number;
  message: string;
}

export interface Payload {
  messageType: 'DATA_MESSAGE' | 'CONTROL_MESSAGE';
  owner: string;
  logGroup: string;
  logStream: string;
  subscriptionFilters: string[];
  logEvents: LogEventRecord[];
  /** Set when an account-level subscription policy sent the events. */
  policyLevel?: 'ACCOUNT_LEVEL_POLICY';
}

const gzipBase64 = (payload: Payload) => gzipSync(JSON.stringify(payload)).toString('base64');

/** The kind of destination an ARN names, as subscription delivery treats it. */
export function destinationKind(
  arn: string,
): 'lambda' | 'kinesis' | 'firehose' | 'logs' | 'sqs' | 'sns' | undefined {
  const parsed = parseArn(arn);
  switch (parsed?.service) {
    case 'lambda':
      return parsed.resource.startsWith('function:') ? 'lambda' : undefined;
    case 'kinesis':
      return parsed.resource.startsWith('stream/') ? 'kinesis' : undefined;
    case 'firehose':
      return parsed.resource.startsWith('deliverystream/') ? 'firehose' : undefined;
    case 'logs':
      return parsed.resource.startsWith('destination:') ? 'logs' : undefined;
    case 'sqs':
    case 'sns':
      return parsed.service;
    default:
      return undefined;
  }
}

/** The delivery a target of this ARN receives for a payload. */
export function deliveryFor(targetArn: string, payload: Payload, sourceArn: string): Delivery {
  switch (destinationKind(targetArn)) {
    case 'lambda':
      return { body: JSON.stringify({ awslogs: { data: gzipBase64(payload) } }), sourceArn };
    case 'kinesis':
    case 'firehose':
      return {
        body: gzipBase64(payload),
        parameters: { partitionKey: payload.logStream || 'control' },
        sourceArn,
      };
    default:
      return { body: JSON.stringify(payload), sourceArn };
  }
}

/** The CONTROL_MESSAGE AWS sends when a subscription is created, to check the destination answers. */
export const controlMessage = (now: number): Payload => ({
  messageType: 'CONTROL_MESSAGE',
  owner: 'CloudwatchLogs',
  logGroup: '',
  logStream: '',
  subscriptionFilters: [],
  logEvents: [{ id: '', timestamp: now, message: 'CWL CONTROL MESSAGE: Checking health of destination.' }],
});

/** Events read per filter per round, and the most one message carries. */
const BATCH_EVENTS = 1_000;
const MAX_MESSAGE_BYTES = 1_000_000;
const POLL_MS = 1_000;
const RETRY_FOR_MS = 24 * 60 * 60 * 1000;

interface EventRow {
  seq: number;
  ts: number;
  ingested_at: number;
  message: string;
  group_id: number;
  stream: string;
}

/** A group's subscription filter, or the account's SUBSCRIPTION_FILTER_POLICY over the groups it selects. */
interface Subscriber {
  resourceId: number;
  name: string;
  body: SubscriptionBody;
  accountLevel?: boolean;
  /** The groups it reads, by id, with their names. */
  groups: (tx: Tx) => Promise<Map<number, string>>;
}

/** An account policy of type SUBSCRIPTION_FILTER_POLICY, as stored (account-policies.ts puts them). */
export interface AccountSubscriptionBody {
  policyDocument: string;
  selectionCriteria?: string;
  /** Where events go, resolved when the policy was put; and whose it is. */
  targetArn?: string;
  account?: string;
  region?: string;
}

/** The document of an account's subscription policy: `{DestinationArn, RoleArn, FilterPattern, Distribution}`. */
export function accountSubscriptionOf(policy: AccountSubscriptionBody): SubscriptionBody | undefined {
  let document: {
    DestinationArn?: unknown;
    RoleArn?: unknown;
    FilterPattern?: unknown;
    Distribution?: unknown;
  };
  try {
    document = JSON.parse(policy.policyDocument) as typeof document;
  } catch {
    return undefined;
  }
  if (
    typeof document.DestinationArn !== 'string' ||
    policy.account === undefined ||
    policy.region === undefined
  )
    return undefined;
  return {
    filterPattern: typeof document.FilterPattern === 'string' ? document.FilterPattern : '',
    destinationArn: document.DestinationArn,
    ...(typeof document.RoleArn === 'string' ? { roleArn: document.RoleArn } : {}),
    distribution: document.Distribution === 'Random' ? 'Random' : 'ByLogStream',
    targetArn: policy.targetArn ?? document.DestinationArn,
    account: policy.account,
    region: policy.region,
  };
}

/** An account's groups that a policy's selection criteria take in. */
async function accountGroups(tx: Tx, account: string, region: string, criteria: string | undefined) {
  const rows = await tx.all<{ id: number; name: string }>(
    'SELECT id, name FROM logs_groups WHERE account = ? AND region = ?',
    [account, region],
  );
  return new Map(rows.filter((row) => selects(criteria, row.name)).map((row) => [Number(row.id), row.name]));
}

export class SubscriptionPump {
  private cancelPoll: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  private readonly compiled = new Map<string, LogFilter>();

  constructor(
    private readonly store: Store,
    private readonly resources: Resources,
    private readonly targets: Targets,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelPoll?.();
    this.cancelPoll = undefined;
    await this.running;
  }

  /** Events were committed: deliver what matches, soon. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.round()
      .catch((error: unknown) => this.log.error({ err: error }, 'subscription delivery failed'))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** Resolves when what was committed before the call has been dealt with (tests, shutdown). */
  async drain(): Promise<void> {
    while (this.running) await this.running;
    this.wake();
    while (this.running) await this.running;
  }

  private schedule(): void {
    this.cancelPoll = this.clock.setAlarm(this.clock.now() + POLL_MS, () => {
      this.wake();
      if (!this.stopped) this.schedule();
    });
  }

  private async round(): Promise<void> {
    for (const filter of await this.resources.everywhere<SubscriptionBody>('subscription-filter')) {
      if (this.stopped) return;
      await this.deliverFor({
        resourceId: filter.id,
        name: filter.name,
        body: filter.body,
        groups: async () => new Map([[filter.groupId ?? -1, filter.scope]]),
      });
    }
    for (const policy of await this.resources.everywhere<AccountSubscriptionBody>('account-policy')) {
      if (this.stopped) return;
      if (policy.scope !== 'SUBSCRIPTION_FILTER_POLICY') continue;
      const body = accountSubscriptionOf(policy.body);
      if (!body) continue;
      await this.deliverFor({
        resourceId: policy.id,
        name: policy.name,
        body,
        accountLevel: true,
        groups: (tx) => accountGroups(tx, body.account, body.region, policy.body.selectionCriteria),
      });
    }
  }

  private matcher(pattern: string): LogFilter {
    let matches = this.compiled.get(pattern);
    if (!matches) {
      matches = compileFilterPattern(pattern);
      this.compiled.set(pattern, matches);
    }
    return matches;
  }

  /** Delivers one subscriber's next batch; returns when it is delivered, skipped, or left for a retry. */
  private async deliverFor(subscriber: Subscriber): Promise<void> {
    const { body } = subscriber;
    const { rows, position, groups } = await this.store.read(async (tx) => {
      const progress = await tx.get<{ delivered_seq: number }>(
        'SELECT delivered_seq FROM logs_subscription_progress WHERE resource_id = ?',
        [subscriber.resourceId],
      );
      const from = Number(progress?.delivered_seq ?? 0);
      const scope = await subscriber.groups(tx);
      if (!progress || scope.size === 0) return { rows: [], position: from, groups: scope };
      // Destinations see masked data (transformed with applyOnTransformedLogs). `+e.group_id` keeps
      // the planner on the primary key: the rows after a recent seq are few.
      const message = body.applyOnTransformedLogs
        ? 'COALESCE(e.transformed, e.masked, e.message)'
        : 'COALESCE(e.masked, e.message)';
      const found = await tx.all<EventRow>(
        `SELECT e.seq, e.ts, e.ingested_at, ${message} AS message, e.group_id, s.name AS stream
         FROM logs_events e JOIN logs_streams s ON s.id = e.stream_id
         WHERE e.seq > ? AND +e.group_id IN (${[...scope.keys()].map(() => '?').join(', ')}) ORDER BY e.seq LIMIT ?`,
        [from, ...scope.keys(), BATCH_EVENTS],
      );
      return { rows: found, position: from, groups: scope };
    });
    if (rows.length === 0) return;
    const target = await this.targetOf(body);
    if (target === undefined) {
      // The destination it named was deleted: AWS disables such filters; nothing is delivered.
      await this.advance(subscriber.resourceId, position, rows.at(-1)!.seq);
      return;
    }
    const matches = this.matcher(body.filterPattern);
    const byStream = new Map<string, { group: string; stream: string; batches: LogEventRecord[][] }>();
    for (const row of rows) {
      if (!matches(row.message)) continue;
      const group = groups.get(Number(row.group_id)) ?? '';
      const key = `${group}\u0000${row.stream}`;
      const entry = byStream.get(key) ?? { group, stream: row.stream, batches: [[]] };
      let batch = entry.batches.at(-1)!;
      const size = batch.reduce((total, event) => total + event.message.length + 64, 0);
      if (size + row.message.length > MAX_MESSAGE_BYTES && batch.length > 0) {
        batch = [];
        entry.batches.push(batch);
      }
      batch.push({ id: eventId({ ts: row.ts, seq: row.seq }), timestamp: row.ts, message: row.message });
      byStream.set(key, entry);
    }
    for (const { group, stream, batches } of byStream.values()) {
      const sourceArn = formatArn({
        service: 'logs',
        region: body.region,
        accountId: body.account,
        resource: `log-group:${group}`,
      });
      for (const logEvents of batches) {
        if (logEvents.length === 0) continue;
        const payload: Payload = {
          messageType: 'DATA_MESSAGE',
          owner: body.account,
          logGroup: group,
          logStream: stream,
          subscriptionFilters: [subscriber.name],
          logEvents,
          ...(subscriber.accountLevel ? { policyLevel: 'ACCOUNT_LEVEL_POLICY' as const } : {}),
        };
        try {
          await this.targets.deliver(target, deliveryFor(target, payload, sourceArn));
        } catch (error) {
          const retryable = !(error instanceof DeliveryError) || error.retryable;
          const oldest = rows[0]!.ingested_at;
          if (retryable && this.clock.now() - oldest < RETRY_FOR_MS) return;
          this.log.warn(
            { err: error, filter: subscriber.name, group, destination: target },
            'a subscription filter dropped events its destination refused',
          );
        }
      }
    }
    await this.advance(subscriber.resourceId, position, rows.at(-1)!.seq);
    if (rows.length === BATCH_EVENTS) this.again = true;
  }

  /** Where a filter's events go now: a CloudWatch Logs destination's current target, or its own ARN. */
  private async targetOf(body: SubscriptionBody): Promise<string | undefined> {
    if (destinationKind(body.destinationArn) !== 'logs') return body.destinationArn;
    const parsed = parseArn(body.destinationArn)!;
    const destination = await this.resources.get<{ targetArn: string }>(
      { accountId: parsed.accountId, region: parsed.region },
      { kind: 'destination', name: parsed.resource.slice('destination:'.length) },
    );
    return destination?.body.targetArn;
  }

  private advance(resourceId: number, from: number, to: number): Promise<void> {
    return this.store.write(async (tx) => {
      // A filter deleted (or replaced) meanwhile has no progress row to move.
      await tx.run(
        'UPDATE logs_subscription_progress SET delivered_seq = ? WHERE resource_id = ? AND delivered_seq = ?',
        [to, resourceId, from],
      );
    });
  }
}

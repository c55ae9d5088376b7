// Object events: "Object Created" / "Object Deleted" on the default event bus (EventBridgeConfiguration)
// and S3's Records[] messages to queues and topics (QueueConfigurations, TopicConfigurations), made
// in the transaction that commits the object. A queue takes its message in that same transaction;
// any other target gets an outbox row (with a durable timer as its lease) that is delivered after
// the commit and retried until delivered: a committed object's event is never lost.
import { randomBytes } from 'node:crypto';
import { type Handler, type RequestContext, ServiceError } from '../../contract/index.ts';
import { DeliveryError, formatArn, newUuid, type Runtime, type Timer } from '../../runtime/index.ts';
import type { Tx } from '../../store/index.ts';
import type { Bucket, BucketRegistry } from './buckets.ts';

const RETRY_TIMER = 's3.notify';
/** A row not delivered within this long is tried again by its timer (on whichever node owns it then). */
const LEASE_MS = 10_000;
const MAX_BACKOFF_MS = 60_000;

interface FilterRule {
  Name?: string;
  Value?: string;
}

interface TargetConfig {
  Id?: string;
  Events?: string[];
  Filter?: { Key?: { FilterRules?: FilterRule[] } };
  QueueArn?: string;
  TopicArn?: string;
  LambdaFunctionArn?: string;
}

export interface NotificationConfiguration {
  QueueConfigurations?: TargetConfig[];
  TopicConfigurations?: TargetConfig[];
  LambdaFunctionConfigurations?: TargetConfig[];
  EventBridgeConfiguration?: Record<string, never>;
}

interface OutboxRow {
  id: number;
  target: string;
  body: string;
  attempts: number;
  created_at: number;
}

/** Whether `event` (`s3:ObjectCreated:Put`) is one of `patterns` (`s3:ObjectCreated:*`). */
function eventMatches(patterns: readonly string[], event: string): boolean {
  return patterns.some((pattern) =>
    pattern.endsWith('*') ? event.startsWith(pattern.slice(0, -1)) : pattern === event,
  );
}

function keyMatches(config: TargetConfig, key: string): boolean {
  for (const rule of config.Filter?.Key?.FilterRules ?? []) {
    const name = rule.Name?.toLowerCase();
    if (name === 'prefix' && !key.startsWith(rule.Value ?? '')) return false;
    if (name === 'suffix' && !key.endsWith(rule.Value ?? '')) return false;
  }
  return true;
}

/** S3's classic event names for a reason. */
const CLASSIC_NAMES: Record<string, string> = {
  PutObject: 'ObjectCreated:Put',
  'POST Object': 'ObjectCreated:Post',
  CopyObject: 'ObjectCreated:Copy',
  CompleteMultipartUpload: 'ObjectCreated:CompleteMultipartUpload',
  DeleteObject: 'ObjectRemoved:Delete',
  DeleteObjects: 'ObjectRemoved:Delete',
  'Lifecycle Expiration': 'ObjectRemoved:Delete',
};

export class Notifier {
  private sequence = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly runtime: Runtime,
    private readonly buckets: BucketRegistry,
  ) {
    runtime.timers.on(RETRY_TIMER, (timer) => this.onTimer(timer));
  }

  /** A hex sequencer that grows with every event of this node (S3's orders events per key). */
  private sequencer(): string {
    this.sequence = (this.sequence + 1) % 0xffff;
    return `${this.runtime.clock.now().toString(16).toUpperCase().padStart(12, '0')}${this.sequence.toString(16).toUpperCase().padStart(4, '0')}`;
  }

  async created(
    tx: Tx,
    context: RequestContext,
    bucket: Bucket,
    object: { key: string; size: number; etag: string },
    reason: string,
  ): Promise<void> {
    await this.emit(tx, context, bucket, object.key, reason, 'Object Created', {
      key: object.key,
      size: object.size,
      etag: object.etag.replace(/"/g, ''),
    });
  }

  async removed(tx: Tx, context: RequestContext, bucket: Bucket, key: string, reason: string): Promise<void> {
    await this.emit(tx, context, bucket, key, reason, 'Object Deleted', { key });
  }

  /** Nothing to do: deliveries start when their write commits. Kept for the handlers' symmetry. */
  kick(): void {}

  private async emit(
    tx: Tx,
    context: RequestContext,
    bucket: Bucket,
    key: string,
    reason: string,
    detailType: 'Object Created' | 'Object Deleted',
    object: Record<string, unknown>,
  ): Promise<void> {
    const config = bucket.configs.get('notification') as NotificationConfiguration | undefined;
    if (!config) return;
    const now = this.runtime.clock.now();
    const sequencer = this.sequencer();
    const time = new Date(now);
    const rows: Array<{ target: string; body: string }> = [];
    if (config.EventBridgeConfiguration) {
      const bus = formatArn({
        service: 'events',
        region: bucket.region,
        accountId: bucket.account,
        resource: 'event-bus/default',
      });
      const detail: Record<string, unknown> = {
        version: '0',
        bucket: { name: bucket.name },
        object: { ...object, sequencer },
        'request-id': context.requestId,
        requester: context.accountId,
        'source-ip-address': context.sourceIp,
        reason,
      };
      if (detailType === 'Object Deleted') detail['deletion-type'] = 'Permanently Deleted';
      rows.push({
        target: bus,
        body: JSON.stringify({
          version: '0',
          id: newUuid(),
          'detail-type': detailType,
          source: 'aws.s3',
          account: bucket.account,
          time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
          region: bucket.region,
          resources: [`arn:aws:s3:::${bucket.name}`],
          detail,
        }),
      });
    }
    const eventName =
      CLASSIC_NAMES[reason] ??
      (detailType === 'Object Created' ? 'ObjectCreated:Put' : 'ObjectRemoved:Delete');
    const classic = [
      ...(config.QueueConfigurations ?? []).map((c) => ({ config: c, arn: c.QueueArn })),
      ...(config.TopicConfigurations ?? []).map((c) => ({ config: c, arn: c.TopicArn })),
    ];
    for (const { config: target, arn } of classic) {
      if (!arn || !eventMatches(target.Events ?? [], `s3:${eventName}`) || !keyMatches(target, key)) continue;
      const record = {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: bucket.region,
        eventTime: time.toISOString(),
        eventName,
        userIdentity: { principalId: `AWS:${context.accountId}` },
        requestParameters: { sourceIPAddress: context.sourceIp },
        responseElements: { 'x-amz-request-id': context.requestId, 'x-amz-id-2': context.requestId },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: target.Id ?? 'eddy',
          bucket: {
            name: bucket.name,
            ownerIdentity: { principalId: bucket.account },
            arn: `arn:aws:s3:::${bucket.name}`,
          },
          object: {
            key: encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/'),
            ...(object.size !== undefined ? { size: object.size, eTag: object.etag } : {}),
            sequencer,
          },
        },
      };
      rows.push({ target: arn, body: JSON.stringify({ Records: [record] }) });
    }
    const pending: OutboxRow[] = [];
    for (const row of rows) {
      // A queue takes the message in this very transaction when it can.
      try {
        const taken = this.runtime.targets.deliverIn(tx, row.target, {
          body: row.body,
          sourceArn: `arn:aws:s3:::${bucket.name}`,
        });
        if (taken) {
          await taken;
          continue;
        }
      } catch (error) {
        if (!(error instanceof DeliveryError)) throw error;
      }
      const inserted = await tx.get<{ id: number }>(
        'INSERT INTO s3_outbox (target, body, created_at, attempts) VALUES (?, ?, ?, 0) RETURNING id',
        [row.target, row.body, now],
      );
      const id = Number(inserted!.id);
      await this.runtime.timers.scheduleIn(tx, RETRY_TIMER, String(id), now + LEASE_MS);
      pending.push({ id, target: row.target, body: row.body, attempts: 0, created_at: now });
    }
    if (pending.length > 0) {
      tx.whenSettled((committed) => {
        if (committed) for (const row of pending) this.track(this.attempt(row));
      });
    }
  }

  private track(attempt: Promise<void>): void {
    this.inFlight.add(attempt);
    void attempt.finally(() => this.inFlight.delete(attempt));
  }

  private async attempt(row: OutboxRow): Promise<void> {
    if (this.stopped) return;
    try {
      await this.runtime.targets.deliver(row.target, { body: row.body, sourceArn: 's3' });
      await this.runtime.store.write(async (tx) => {
        await tx.run('DELETE FROM s3_outbox WHERE id = ?', [row.id]);
        await this.runtime.timers.cancelIn(tx, RETRY_TIMER, String(row.id));
      });
    } catch (error) {
      const attempts = row.attempts + 1;
      const retryable = !(error instanceof DeliveryError) || error.retryable;
      this.runtime.log.warn({ err: error, target: row.target, attempts }, 'an S3 event was not delivered');
      await this.runtime.store
        .write(async (tx) => {
          if (!retryable && attempts >= 3) {
            // A target that cannot take it (deleted, refusing) gets it three times, then it is dropped.
            await tx.run('DELETE FROM s3_outbox WHERE id = ?', [row.id]);
            await this.runtime.timers.cancelIn(tx, RETRY_TIMER, String(row.id));
            return;
          }
          await tx.run('UPDATE s3_outbox SET attempts = ? WHERE id = ?', [attempts, row.id]);
          const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (attempts - 1));
          await this.runtime.timers.scheduleIn(
            tx,
            RETRY_TIMER,
            String(row.id),
            this.runtime.clock.now() + delay,
          );
        })
        .catch((failure: unknown) =>
          this.runtime.log.error({ err: failure }, 'recording an S3 event retry failed'),
        );
    }
  }

  private onTimer(timer: Timer): void {
    const id = Number(timer.key);
    setImmediate(() => {
      this.track(
        this.runtime.store
          .read((tx) => tx.get<OutboxRow>('SELECT * FROM s3_outbox WHERE id = ?', [id]))
          .then(async (row) => {
            if (!row) return;
            // The lease again, in case this attempt dies with its node.
            await this.runtime.timers.schedule(RETRY_TIMER, String(id), this.runtime.clock.now() + LEASE_MS);
            await this.attempt({ ...row, id: Number(row.id), attempts: Number(row.attempts) });
          }),
      );
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.inFlight);
  }

  /** Waits until the deliveries under way finished (tests). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  handlers(): Record<string, Handler> {
    return {
      PutBucketNotificationConfiguration: async (input, context) => {
        const bucket = this.buckets.get(String(input.Bucket), context);
        const config = (input.NotificationConfiguration ?? {}) as NotificationConfiguration;
        if ((config.LambdaFunctionConfigurations ?? []).length > 0)
          throw new ServiceError(
            'InvalidArgument',
            'eddy does not invoke Lambda functions: LambdaFunctionConfigurations cannot be validated.',
          );
        const destinations = [
          ...(config.QueueConfigurations ?? []).map((c) => ({ c, arn: c.QueueArn })),
          ...(config.TopicConfigurations ?? []).map((c) => ({ c, arn: c.TopicArn })),
        ];
        for (const { c, arn } of destinations) {
          if (!arn || !(c.Events ?? []).length)
            throw new ServiceError(
              'InvalidArgument',
              'A notification configuration needs a destination ARN and at least one event.',
            );
          for (const event of c.Events ?? []) {
            if (
              !/^s3:(ObjectCreated|ObjectRemoved|ObjectRestore|ObjectTagging|ReducedRedundancyLostObject|Replication|LifecycleExpiration|LifecycleTransition|IntelligentTiering|ObjectAcl)(:[A-Za-z*]+)*$/.test(
                event,
              )
            )
              throw new ServiceError('InvalidArgument', 'The event is not supported for notifications', {
                fields: { ArgumentName: event, ArgumentValue: event },
              });
          }
        }
        // S3 checks each destination with a test event; one that cannot take it fails the request.
        if (input.SkipDestinationValidation !== true) {
          for (const { arn } of destinations) {
            const test = JSON.stringify({
              Service: 'Amazon S3',
              Event: 's3:TestEvent',
              Time: new Date(this.runtime.clock.now()).toISOString(),
              Bucket: bucket.name,
              RequestId: context.requestId,
              HostId: randomBytes(12).toString('base64'),
            });
            try {
              await this.runtime.targets.deliver(arn!, {
                body: test,
                sourceArn: `arn:aws:s3:::${bucket.name}`,
              });
            } catch {
              throw new ServiceError(
                'InvalidArgument',
                'Unable to validate the following destination configurations',
                {
                  fields: {
                    ArgumentName: arn,
                    ArgumentValue: 'The destination does not exist or does not accept messages.',
                  },
                },
              );
            }
          }
        }
        const empty = destinations.length === 0 && !config.EventBridgeConfiguration;
        await this.buckets.setConfig(bucket, 'notification', empty ? undefined : config);
      },
      GetBucketNotificationConfiguration: (input, context) => {
        const bucket = this.buckets.get(String(input.Bucket), context);
        return { ...(bucket.configs.get('notification') as NotificationConfiguration | undefined) };
      },
    };
  }
}

// Amazon Kinesis Data Streams: streams of shards, records durable in the store before PutRecord
// answers, shard iterators and GetRecords, resharding, enhanced fan-out over HTTP/2, and the
// per-shard throughput limits. Other services reach it by ARN: the targets port puts records (rules,
// pipes), the sources port reads shards (pipes).
import type { Handlers, Kinesis, ServiceModule } from '../../contract/index.ts';
import { loadModel, ServiceError } from '../../contract/index.ts';
import {
  type Delivery,
  DeliveryError,
  newUuid,
  type Runtime,
  type StreamRead,
  type StreamSource,
  type StreamStart,
} from '../../runtime/index.ts';
import { streamsHandlers } from './handlers.ts';
import { formatSequence, parseSequence, shardIndexOf } from './keys.ts';
import { ShardLimits } from './limits.ts';
import { Records } from './records.ts';
import { streamsMigrations } from './schema.ts';
import { findShard, requireStream, shardsOf, streamRef } from './streams.ts';
import { Subscriptions } from './subscriptions.ts';

const TRIM_EVERY_MS = 60_000;

/** The partition key of a record put by another service: a literal, a JSON path into the body, else the event's id. */
export function partitionKeyOf(delivery: Delivery): string {
  const parameters = (delivery.parameters ?? {}) as Record<string, unknown>;
  const kinesis = (parameters.KinesisParameters ?? parameters) as Record<string, unknown>;
  const literal = kinesis.PartitionKey;
  if (typeof literal === 'string' && literal !== '') return literal.slice(0, 256);
  let body: unknown;
  try {
    body = JSON.parse(delivery.body);
  } catch {
    body = undefined;
  }
  const path = kinesis.PartitionKeyPath;
  if (typeof path === 'string' && path.startsWith('$')) {
    let value: unknown = body;
    for (const part of path
      .replace(/^\$\.?/, '')
      .split('.')
      .filter(Boolean))
      value =
        value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
    if (value !== undefined && value !== null)
      return String(typeof value === 'object' ? JSON.stringify(value) : value).slice(0, 256);
  }
  const id = body !== null && typeof body === 'object' ? (body as Record<string, unknown>).id : undefined;
  return typeof id === 'string' && id !== '' ? id.slice(0, 256) : newUuid();
}

export function streamsService(runtime: Runtime): ServiceModule {
  const limits = new ShardLimits(runtime.config.kinesisLimits ?? true, runtime.clock);
  const records = new Records(runtime.store, runtime.clock, limits);
  const subscriptions = new Subscriptions(runtime.store, runtime.clock, records);
  const handlers: Handlers<Kinesis.Operations> = streamsHandlers({
    store: runtime.store,
    clock: runtime.clock,
    records,
    subscriptions,
  });
  const scope = { accountId: runtime.config.defaultAccountId, region: runtime.config.defaultRegion };

  // Rules and pipes put records by stream ARN.
  runtime.targets.register('kinesis', async (arn, delivery) => {
    try {
      const ref = streamRef({ StreamARN: arn }, scope);
      const { results } = await records.put(ref, [
        { Data: Buffer.from(delivery.body), PartitionKey: partitionKeyOf(delivery) },
      ]);
      const result = results[0]!;
      if (result.ErrorCode) throw new DeliveryError(result.ErrorCode, result.ErrorMessage ?? '', true);
      return { id: result.SequenceNumber };
    } catch (error) {
      if (error instanceof ServiceError)
        throw new DeliveryError(
          error.code,
          error.message,
          error.code === 'ProvisionedThroughputExceededException',
        );
      throw error;
    }
  });

  // Pipes read shards from a checkpoint.
  const source: StreamSource = {
    async shards(arn) {
      return runtime.store.read(async (tx) => {
        let stream: Awaited<ReturnType<typeof requireStream>>;
        try {
          stream = await requireStream(tx, streamRef({ StreamARN: arn }, scope));
        } catch (error) {
          if (error instanceof ServiceError) return undefined;
          throw error;
        }
        return (await shardsOf(tx, stream.id)).map((shard) => ({
          shardId: shard.shardId,
          parentShardIds: [shard.parent, shard.adjacentParent].filter((id): id is string => id !== undefined),
          closed: shard.endSeq !== undefined,
        }));
      });
    },
    async read(arn, shardId, from: StreamStart, max): Promise<StreamRead> {
      const now = runtime.clock.now();
      return runtime.store.read(async (tx) => {
        const stream = await requireStream(tx, streamRef({ StreamARN: arn }, scope));
        const index = shardIndexOf(shardId);
        const shard = index === undefined ? undefined : await findShard(tx, stream.id, index);
        if (!shard) throw new Error(`no shard ${shardId} in ${arn}`);
        let counter: number;
        if (from.type === 'AFTER_SEQUENCE_NUMBER')
          counter = (parseSequence(from.sequenceNumber)?.counter ?? -1) + 1;
        else
          counter = await records.startCounter(
            tx,
            stream,
            shard,
            from.type,
            undefined,
            from.type === 'AT_TIMESTAMP' ? new Date(Math.min(from.timestamp, now)) : undefined,
            now,
          );
        const got = await records.read(tx, stream, shard.index, counter, max, now);
        const last = got.records[got.records.length - 1];
        const next = last ? last.counter + 1 : counter;
        return {
          records: got.records.map((record) => ({
            sequenceNumber: record.SequenceNumber,
            partitionKey: record.PartitionKey,
            data: record.Data,
            approximateArrivalTimestamp: record.ApproximateArrivalTimestamp.getTime(),
          })),
          checkpoint: formatSequence(shard.index, Math.max(0, next - 1)),
          ended: shard.endSeq !== undefined && next >= shard.endSeq && !got.more,
          millisBehindLatest:
            got.more && last ? Math.max(0, now - last.ApproximateArrivalTimestamp.getTime()) : 0,
        };
      });
    },
  };
  runtime.sources.registerStream('kinesis', source);

  return {
    definition: {
      name: 'kinesis',
      model: loadModel('kinesis-2013-12-02'),
      handlers,
    },
    migrations: streamsMigrations,
    async start() {
      // Records past retention are skipped by every read at once; one node deletes them now and then.
      runtime.cluster.singleton(
        'kinesis/retention',
        async () => {
          try {
            await records.trim();
          } catch (error) {
            runtime.log.warn({ err: error }, 'trimming Kinesis records past retention failed');
          }
        },
        TRIM_EVERY_MS,
      );
    },
    async stop() {
      subscriptions.stop();
    },
  };
}

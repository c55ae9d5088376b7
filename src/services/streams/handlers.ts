// Kinesis Data Streams' operations. Streams are ACTIVE as soon as CreateStream answers and
// resharding happens at once (eddy has no provisioning to wait for); everything else is as AWS
// answers it.
import type { Handlers, Kinesis, RequestContext } from '../../contract/index.ts';
import { ServiceError } from '../../contract/index.ts';
import { type Clock, parseArn } from '../../runtime/index.ts';
import type { Store, Tx } from '../../store/index.ts';
import {
  consumerArn,
  consumerNotFound,
  consumersOf,
  describeConsumer,
  findConsumer,
  findConsumerByArn,
  parseConsumerArn,
} from './consumers.ts';
import { inUse, invalidArgument, limitExceeded, notFound } from './errors.ts';
import { evenRanges, shardIndexOf } from './keys.ts';
import type { Records } from './records.ts';
import {
  closeShard,
  describeShard,
  findShard,
  insertShard,
  listStreams,
  openShardsOf,
  requireStream,
  type Scope,
  type ShardRecord,
  type StreamRecord,
  saveStream,
  shardsOf,
  streamArn,
  streamRef,
} from './streams.ts';
import type { Subscriptions } from './subscriptions.ts';

export const SHARD_LIMIT = 500;
export const ON_DEMAND_STREAM_LIMIT = 50;
const ON_DEMAND_SHARDS = 4;
const MAX_TAGS = 50;
const ALL_METRICS: Kinesis.MetricsName[] = [
  'IncomingBytes',
  'IncomingRecords',
  'OutgoingBytes',
  'OutgoingRecords',
  'WriteProvisionedThroughputExceeded',
  'ReadProvisionedThroughputExceeded',
  'IteratorAgeMilliseconds',
];

export interface HandlerDeps {
  store: Store;
  clock: Clock;
  records: Records;
  subscriptions: Subscriptions;
}

const token = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');
function untoken<T>(text: string, check: (value: unknown) => value is T): T {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64').toString('utf8'));
    if (check(value)) return value;
  } catch {}
  throw invalidArgument(`Invalid NextToken.`);
}

function notActive(stream: StreamRecord): ServiceError | undefined {
  return stream.status === 'ACTIVE'
    ? undefined
    : inUse(
        `Stream ${stream.name} under account ${stream.account} not ACTIVE, instead in state ${stream.status}`,
      );
}

async function openShardCount(tx: Tx, scope: Scope): Promise<number> {
  const row = await tx.get<{ count: number | string }>(
    `SELECT COUNT(*) AS count FROM kin_shards s JOIN kin_streams t ON t.id = s.stream_id
     WHERE t.account = ? AND t.region = ? AND s.end_seq IS NULL`,
    [scope.account, scope.region],
  );
  return Number(row?.count ?? 0);
}

async function checkShardLimit(tx: Tx, scope: Scope, adding: number): Promise<void> {
  const open = await openShardCount(tx, scope);
  if (open + adding > SHARD_LIMIT)
    throw limitExceeded(
      `This request would exceed the shard limit for the account ${scope.account} in ${scope.region}. Current limit of shards: ${SHARD_LIMIT}, number of open shards: ${open}, shards requested: ${adding}. Request a limit increase from AWS Support (or set it in eddy) to create more shards.`,
    );
}

const summaryOf = (
  stream: StreamRecord,
  openShards: number,
  consumers: number,
): Kinesis.StreamDescriptionSummary => ({
  StreamName: stream.name,
  StreamARN: streamArn(stream),
  StreamStatus: stream.status,
  StreamModeDetails: { StreamMode: stream.mode },
  RetentionPeriodHours: stream.retentionHours,
  StreamCreationTimestamp: new Date(stream.createdAt),
  EnhancedMonitoring: [{ ShardLevelMetrics: stream.metrics }],
  EncryptionType: stream.encryption,
  ...(stream.keyId ? { KeyId: stream.keyId } : {}),
  OpenShardCount: openShards,
  ConsumerCount: consumers,
  MaxRecordSizeInKiB: stream.maxRecordKib,
  ...(stream.mode === 'ON_DEMAND' && stream.warmMibps !== undefined
    ? { WarmThroughput: { TargetMiBps: stream.warmMibps, CurrentMiBps: stream.warmMibps } }
    : {}),
});

/** Shards open at `time`: created by then and not closed yet. */
const openAt = (shard: ShardRecord, time: number) =>
  shard.createdAt <= time && (shard.closedAt === undefined || shard.closedAt > time);

function filterShards(
  shards: ShardRecord[],
  stream: StreamRecord,
  filter: Kinesis.ShardFilter,
  now: number,
): ShardRecord[] {
  const horizon = Math.max(stream.createdAt, now - stream.retentionHours * 3_600_000);
  switch (filter.Type) {
    case 'AFTER_SHARD_ID': {
      if (filter.ShardId === undefined)
        throw invalidArgument('ShardId must be specified for ShardFilter of type AFTER_SHARD_ID.');
      const after = shardIndexOf(filter.ShardId) ?? -1;
      return shards.filter((shard) => shard.index > after);
    }
    case 'AT_TRIM_HORIZON':
      return shards.filter((shard) => openAt(shard, horizon));
    case 'FROM_TRIM_HORIZON':
      return shards.filter((shard) => shard.closedAt === undefined || shard.closedAt > horizon);
    case 'AT_LATEST':
      return shards.filter((shard) => shard.closedAt === undefined);
    case 'AT_TIMESTAMP':
    case 'FROM_TIMESTAMP': {
      if (!filter.Timestamp)
        throw invalidArgument(`Timestamp must be specified for ShardFilter of type ${filter.Type}.`);
      const time = Math.max(filter.Timestamp.getTime(), stream.createdAt);
      return filter.Type === 'AT_TIMESTAMP'
        ? shards.filter((shard) => openAt(shard, time))
        : shards.filter((shard) => shard.closedAt === undefined || shard.closedAt >= time);
    }
  }
}

interface ListShardsToken {
  a: string;
  r: string;
  n: string;
  after: number;
  f?: Kinesis.ShardFilter['Type'];
  fs?: string;
  ft?: number;
  t: number;
}

const isListShardsToken = (value: unknown): value is ListShardsToken =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as ListShardsToken).n === 'string' &&
  typeof (value as ListShardsToken).after === 'number' &&
  typeof (value as ListShardsToken).t === 'number';

/** A stream or consumer a ResourceARN names (TagResource, resource policies). */
async function resource(
  tx: Tx,
  arn: string,
): Promise<{ stream: StreamRecord; consumer?: { id: number; tags: Record<string, string> } }> {
  const parsed = parseArn(arn);
  if (parsed?.service !== 'kinesis') throw invalidArgument(`ResourceARN ${arn} is not a Kinesis ARN.`);
  if (parsed.resource.includes('/consumer/')) {
    const { streamArn: owner, name } = parseConsumerArn(arn);
    const stream = await requireStream(tx, streamRef({ StreamARN: owner }, { accountId: '', region: '' }));
    const consumer = await findConsumerByArn(tx, arn);
    if (!consumer) throw consumerNotFound(name, stream);
    return { stream, consumer: { id: consumer.id, tags: consumer.tags } };
  }
  const stream = await requireStream(tx, streamRef({ StreamARN: arn }, { accountId: '', region: '' }));
  return { stream };
}

function addTags(
  current: Record<string, string>,
  tags: Record<string, string>,
  what: string,
): Record<string, string> {
  const merged = { ...current, ...tags };
  if (Object.keys(merged).length > MAX_TAGS)
    throw invalidArgument(
      `Failed to add tags to ${what} because a given stream cannot have more than ${MAX_TAGS} tags.`,
    );
  return merged;
}

export function streamsHandlers(deps: HandlerDeps): Handlers<Kinesis.Operations> {
  const { store, clock, records, subscriptions } = deps;
  const accountSettings = new Map<string, Kinesis.MinimumThroughputBillingCommitmentOutput>();

  const withStream = <T>(
    input: { StreamName?: string; StreamARN?: string },
    context: RequestContext,
    work: (tx: Tx, stream: StreamRecord) => Promise<T>,
  ) => store.write(async (tx) => work(tx, await requireStream(tx, streamRef(input, context))));

  const readStream = <T>(
    input: { StreamName?: string; StreamARN?: string },
    context: RequestContext,
    work: (tx: Tx, stream: StreamRecord) => Promise<T>,
  ) => store.read(async (tx) => work(tx, await requireStream(tx, streamRef(input, context))));

  const setMetrics = async (
    input: Kinesis.EnableEnhancedMonitoringInput,
    context: RequestContext,
    enable: boolean,
  ): Promise<Kinesis.EnhancedMonitoringOutput> =>
    withStream(input, context, async (tx, stream) => {
      const named = input.ShardLevelMetrics.includes('ALL') ? ALL_METRICS : input.ShardLevelMetrics;
      const current = stream.metrics;
      const desired = enable
        ? ALL_METRICS.filter((metric) => current.includes(metric) || named.includes(metric))
        : current.filter((metric) => !named.includes(metric));
      await saveStream(tx, { ...stream, metrics: desired });
      return {
        StreamName: stream.name,
        StreamARN: streamArn(stream),
        CurrentShardLevelMetrics: current,
        DesiredShardLevelMetrics: desired,
      };
    });

  /** Closes `parents` and opens `children` (ranges, with up to two parents each), in one transaction. */
  const reshard = async (
    tx: Tx,
    stream: StreamRecord,
    parents: ShardRecord[],
    children: Array<{ range: [bigint, bigint]; parent?: string; adjacentParent?: string }>,
  ) => {
    const busy = notActive(stream);
    if (busy) throw busy;
    await checkShardLimit(tx, stream, children.length - parents.length);
    const now = clock.now();
    for (const parent of parents) await closeShard(tx, stream.id, parent.index, now);
    let next = stream.nextShard;
    for (const child of children) await insertShard(tx, stream.id, { index: next++, ...child }, now);
    await saveStream(tx, { ...stream, nextShard: next });
  };

  const openShard = async (tx: Tx, stream: StreamRecord, shardId: string): Promise<ShardRecord> => {
    const index = shardIndexOf(shardId);
    const shard = index === undefined ? undefined : await findShard(tx, stream.id, index);
    if (!shard)
      throw notFound(
        `Could not find shard ${shardId} in stream ${stream.name} under account ${stream.account}.`,
      );
    if (shard.endSeq !== undefined)
      throw inUse(
        `Shard ${shardId} in stream ${stream.name} under account ${stream.account} has already been merged or split, and thus is not eligible for merging or splitting.`,
      );
    return shard;
  };

  return {
    async CreateStream(input, context) {
      const mode =
        input.StreamModeDetails?.StreamMode ?? (input.ShardCount === undefined ? 'ON_DEMAND' : 'PROVISIONED');
      if (mode === 'ON_DEMAND' && input.ShardCount !== undefined)
        throw invalidArgument('ShardCount must not be specified for a stream in ON_DEMAND mode.');
      if (mode === 'PROVISIONED' && input.ShardCount === undefined)
        throw invalidArgument('ShardCount is required for a stream in PROVISIONED mode.');
      const count = input.ShardCount ?? ON_DEMAND_SHARDS;
      const scope = { account: context.accountId, region: context.region };
      await store.write(async (tx) => {
        const existing = await tx.get(
          'SELECT id FROM kin_streams WHERE account = ? AND region = ? AND name = ?',
          [scope.account, scope.region, input.StreamName],
        );
        if (existing)
          throw inUse(`Stream ${input.StreamName} under account ${scope.account} already exists.`);
        await checkShardLimit(tx, scope, count);
        if (mode === 'ON_DEMAND') {
          const row = await tx.get<{ count: number | string }>(
            "SELECT COUNT(*) AS count FROM kin_streams WHERE account = ? AND region = ? AND mode = 'ON_DEMAND'",
            [scope.account, scope.region],
          );
          if (Number(row?.count ?? 0) >= ON_DEMAND_STREAM_LIMIT)
            throw limitExceeded(
              `This request would exceed the on-demand stream limit for the account ${scope.account} in ${scope.region}: ${ON_DEMAND_STREAM_LIMIT}.`,
            );
        }
        const now = clock.now();
        const created = await tx.get<{ id: number | string }>(
          `INSERT INTO kin_streams (account, region, name, status, mode, retention_hours, encryption, key_id, metrics, tags,
             next_shard, max_record_kib, warm_mibps, created_at)
           VALUES (?, ?, ?, 'ACTIVE', ?, 24, 'NONE', NULL, '[]', ?, ?, ?, ?, ?) RETURNING id`,
          [
            scope.account,
            scope.region,
            input.StreamName,
            mode,
            JSON.stringify(input.Tags ?? {}),
            count,
            input.MaxRecordSizeInKiB ?? 1024,
            input.WarmThroughputMiBps ?? null,
            now,
          ],
        );
        const id = Number(created!.id);
        const ranges = evenRanges(count);
        for (let index = 0; index < count; index++)
          await insertShard(tx, id, { index, range: ranges[index]! }, now);
      });
    },

    async DeleteStream(input, context) {
      await withStream(input, context, async (tx, stream) => {
        const consumers = await consumersOf(tx, stream.id);
        if (consumers.length > 0 && !input.EnforceConsumerDeletion)
          throw inUse(`Stream ${stream.name} under account ${stream.account} has registered consumers.`);
        await tx.run('DELETE FROM kin_records WHERE stream_id = ?', [stream.id]);
        await tx.run('DELETE FROM kin_shards WHERE stream_id = ?', [stream.id]);
        await tx.run('DELETE FROM kin_consumers WHERE stream_id = ?', [stream.id]);
        await tx.run('DELETE FROM kin_policies WHERE arn = ? OR arn LIKE ?', [
          streamArn(stream),
          `${streamArn(stream)}/consumer/%`,
        ]);
        await tx.run('DELETE FROM kin_streams WHERE id = ?', [stream.id]);
      });
      subscriptions.streamDeleted();
    },

    DescribeStream: (input, context) =>
      readStream(input, context, async (tx, stream) => {
        const limit = Math.min(input.Limit ?? 100, 100);
        const after =
          input.ExclusiveStartShardId === undefined ? -1 : (shardIndexOf(input.ExclusiveStartShardId) ?? -1);
        const shards = (await shardsOf(tx, stream.id)).filter((shard) => shard.index > after);
        const summary = summaryOf(stream, 0, 0);
        return {
          StreamDescription: {
            StreamName: summary.StreamName,
            StreamARN: summary.StreamARN,
            StreamStatus: summary.StreamStatus,
            StreamModeDetails: summary.StreamModeDetails!,
            Shards: shards.slice(0, limit).map(describeShard),
            HasMoreShards: shards.length > limit,
            RetentionPeriodHours: summary.RetentionPeriodHours,
            StreamCreationTimestamp: summary.StreamCreationTimestamp,
            EnhancedMonitoring: summary.EnhancedMonitoring,
            EncryptionType: stream.encryption,
            ...(stream.keyId ? { KeyId: stream.keyId } : {}),
          },
        };
      }),

    DescribeStreamSummary: (input, context) =>
      readStream(input, context, async (tx, stream) => ({
        StreamDescriptionSummary: summaryOf(
          stream,
          (await openShardsOf(tx, stream.id)).length,
          (await consumersOf(tx, stream.id)).length,
        ),
      })),

    async ListStreams(input, context) {
      const limit = input.Limit ?? 100;
      let after = input.ExclusiveStartStreamName;
      if (input.NextToken !== undefined)
        after = untoken(input.NextToken, (value): value is string => typeof value === 'string');
      const streams = (
        await store.read((tx) => listStreams(tx, { account: context.accountId, region: context.region }))
      ).filter((stream) => after === undefined || stream.name > after);
      const page = streams.slice(0, limit);
      const more = streams.length > limit;
      return {
        StreamNames: page.map((stream) => stream.name),
        HasMoreStreams: more,
        ...(more ? { NextToken: token(page[page.length - 1]!.name) } : {}),
        StreamSummaries: page.map((stream) => ({
          StreamName: stream.name,
          StreamARN: streamArn(stream),
          StreamStatus: stream.status,
          StreamModeDetails: { StreamMode: stream.mode },
          StreamCreationTimestamp: new Date(stream.createdAt),
        })),
      };
    },

    async ListShards(input, context) {
      const now = clock.now();
      let ref: Scope & { name: string };
      let after = -1;
      let filter = input.ShardFilter;
      if (input.NextToken !== undefined) {
        if (input.StreamName !== undefined || input.StreamARN !== undefined)
          throw invalidArgument('NextToken and StreamName cannot be provided together.');
        if (input.ExclusiveStartShardId !== undefined)
          throw invalidArgument('NextToken and ExclusiveStartShardId cannot be provided together.');
        const saved = untoken(input.NextToken, isListShardsToken);
        if (now - saved.t > 300_000)
          throw new ServiceError('ExpiredNextTokenException', 'The timestamp of the NextToken has expired.');
        ref = { account: saved.a, region: saved.r, name: saved.n };
        after = saved.after;
        if (saved.f)
          filter = {
            Type: saved.f,
            ...(saved.fs !== undefined ? { ShardId: saved.fs } : {}),
            ...(saved.ft !== undefined ? { Timestamp: new Date(saved.ft) } : {}),
          };
      } else {
        ref = streamRef(input, context);
        if (input.ExclusiveStartShardId !== undefined)
          after = shardIndexOf(input.ExclusiveStartShardId) ?? -1;
      }
      const limit = input.MaxResults ?? 1000;
      return store.read(async (tx) => {
        const stream = await requireStream(tx, ref);
        let shards = (await shardsOf(tx, stream.id)).filter((shard) => shard.index > after);
        if (filter) shards = filterShards(shards, stream, filter, now);
        const page = shards.slice(0, limit);
        const more = shards.length > limit;
        return {
          Shards: page.map(describeShard),
          ...(more
            ? {
                NextToken: token({
                  a: stream.account,
                  r: stream.region,
                  n: stream.name,
                  after: page[page.length - 1]!.index,
                  ...(filter ? { f: filter.Type, fs: filter.ShardId, ft: filter.Timestamp?.getTime() } : {}),
                  t: now,
                } satisfies ListShardsToken),
              }
            : {}),
        };
      });
    },

    async PutRecord(input, context) {
      const { stream, results } = await records.put(streamRef(input, context), [input]);
      const result = results[0]!;
      if (result.ErrorCode) throw new ServiceError(result.ErrorCode, result.ErrorMessage ?? '');
      return {
        ShardId: result.ShardId!,
        SequenceNumber: result.SequenceNumber!,
        EncryptionType: stream.encryption,
      };
    },

    async PutRecords(input, context) {
      const { stream, results } = await records.put(streamRef(input, context), input.Records);
      return {
        FailedRecordCount: results.filter((result) => result.ErrorCode).length,
        Records: results,
        EncryptionType: stream.encryption,
      };
    },

    GetShardIterator: async (input, context) => ({
      ShardIterator: await records.iterator(
        streamRef(input, context),
        input.ShardId,
        input.ShardIteratorType,
        input.StartingSequenceNumber,
        input.Timestamp,
      ),
    }),

    async GetRecords(input) {
      const output = await records.getRecords(input);
      return output;
    },

    IncreaseStreamRetentionPeriod: (input, context) =>
      withStream(input, context, async (tx, stream) => {
        const hours = input.RetentionPeriodHours;
        if (hours > 8760)
          throw invalidArgument(
            `Maximum allowed retention period is 8760 hours. Requested retention period (${hours} hours) is too long.`,
          );
        if (hours < 24)
          throw invalidArgument(
            `Minimum allowed retention period is 24 hours. Requested retention period (${hours} hours) is too short.`,
          );
        if (hours < stream.retentionHours)
          throw invalidArgument(
            `Requested retention period (${hours} hours) for stream ${stream.name} can not be shorter than existing retention period (${stream.retentionHours} hours). Use DecreaseRetentionPeriod API.`,
          );
        await saveStream(tx, { ...stream, retentionHours: hours });
      }),

    DecreaseStreamRetentionPeriod: (input, context) =>
      withStream(input, context, async (tx, stream) => {
        const hours = input.RetentionPeriodHours;
        if (hours < 24)
          throw invalidArgument(
            `Minimum allowed retention period is 24 hours. Requested retention period (${hours} hours) is too short.`,
          );
        if (hours > stream.retentionHours)
          throw invalidArgument(
            `Requested retention period (${hours} hours) for stream ${stream.name} can not be longer than existing retention period (${stream.retentionHours} hours). Use IncreaseRetentionPeriod API.`,
          );
        await saveStream(tx, { ...stream, retentionHours: hours });
      }),

    SplitShard: (input, context) =>
      withStream(input, context, async (tx, stream) => {
        const shard = await openShard(tx, stream, input.ShardToSplit);
        const key = BigInt(input.NewStartingHashKey);
        if (key <= shard.hashStart || key > shard.hashEnd)
          throw invalidArgument(
            `NewStartingHashKey ${input.NewStartingHashKey} used in SplitShard() on shard ${shard.shardId} in stream ${stream.name} under account ${stream.account} is not both greater than one plus the shard's StartingHashKey ${shard.hashStart} and less than the shard's EndingHashKey ${shard.hashEnd}.`,
          );
        await reshard(
          tx,
          stream,
          [shard],
          [
            { range: [shard.hashStart, key - 1n], parent: shard.shardId },
            { range: [key, shard.hashEnd], parent: shard.shardId },
          ],
        );
      }),

    MergeShards: (input, context) =>
      withStream(input, context, async (tx, stream) => {
        const shard = await openShard(tx, stream, input.ShardToMerge);
        const adjacent = await openShard(tx, stream, input.AdjacentShardToMerge);
        if (shard.hashEnd + 1n !== adjacent.hashStart && adjacent.hashEnd + 1n !== shard.hashStart)
          throw invalidArgument(
            `Shards ${shard.shardId} and ${adjacent.shardId} in stream ${stream.name} under account ${stream.account} are not an adjacent pair of shards eligible for merging`,
          );
        const [first, second] = shard.hashStart < adjacent.hashStart ? [shard, adjacent] : [adjacent, shard];
        const start = first.hashStart;
        const end = second.hashEnd;
        await reshard(
          tx,
          stream,
          [shard, adjacent],
          [{ range: [start, end], parent: shard.shardId, adjacentParent: adjacent.shardId }],
        );
      }),

    UpdateShardCount: (input, context) =>
      withStream(input, context, async (tx, stream) => {
        const open = (await openShardsOf(tx, stream.id)).sort((a, b) => (a.hashStart < b.hashStart ? -1 : 1));
        const target = input.TargetShardCount;
        if (target > open.length * 2)
          throw invalidArgument(
            `UpdateShardCount cannot scale up over double your current open shard count. Current open shard count: ${open.length} Target shard count: ${target}`,
          );
        if (target * 2 < open.length)
          throw invalidArgument(
            `UpdateShardCount cannot scale down below half your current open shard count. Current open shard count: ${open.length} Target shard count: ${target}`,
          );
        if (target !== open.length) {
          // The new shards split the key space evenly; each names the (up to two) old shards its range starts in.
          const children = evenRanges(target).map((range) => {
            const overlapping = open.filter(
              (shard) => shard.hashStart <= range[1] && shard.hashEnd >= range[0],
            );
            return {
              range,
              parent: overlapping[0]!.shardId,
              ...(overlapping[1] ? { adjacentParent: overlapping[1].shardId } : {}),
            };
          });
          await reshard(tx, stream, open, children);
        }
        return {
          StreamName: stream.name,
          StreamARN: streamArn(stream),
          CurrentShardCount: open.length,
          TargetShardCount: target,
        };
      }),

    UpdateStreamMode: (input, context) =>
      withStream({ StreamARN: input.StreamARN }, context, async (tx, stream) => {
        const busy = notActive(stream);
        if (busy) throw busy;
        await saveStream(tx, {
          ...stream,
          mode: input.StreamModeDetails.StreamMode,
          warmMibps:
            input.StreamModeDetails.StreamMode === 'ON_DEMAND' ? input.WarmThroughputMiBps : undefined,
        });
      }),

    UpdateStreamWarmThroughput: (input, context) =>
      withStream(input, context, async (tx, stream) => {
        if (stream.mode !== 'ON_DEMAND')
          throw invalidArgument(
            `Warm throughput can only be set on a stream in ON_DEMAND mode; ${stream.name} is PROVISIONED.`,
          );
        await saveStream(tx, { ...stream, warmMibps: input.WarmThroughputMiBps });
        return {
          StreamARN: streamArn(stream),
          StreamName: stream.name,
          WarmThroughput: { TargetMiBps: input.WarmThroughputMiBps, CurrentMiBps: input.WarmThroughputMiBps },
        };
      }),

    UpdateMaxRecordSize: (input, context) =>
      withStream(input, context, async (tx, stream) => {
        await saveStream(tx, { ...stream, maxRecordKib: input.MaxRecordSizeInKiB });
      }),

    AddTagsToStream: (input, context) =>
      withStream(input, context, async (tx, stream) => {
        await saveStream(tx, {
          ...stream,
          tags: addTags(stream.tags, input.Tags, `stream ${stream.name} under account ${stream.account}`),
        });
      }),

    RemoveTagsFromStream: (input, context) =>
      withStream(input, context, async (tx, stream) => {
        const tags = { ...stream.tags };
        for (const key of input.TagKeys) delete tags[key];
        await saveStream(tx, { ...stream, tags });
      }),

    ListTagsForStream: (input, context) =>
      readStream(input, context, async (_tx, stream) => {
        const limit = input.Limit ?? MAX_TAGS;
        const keys = Object.keys(stream.tags)
          .sort()
          .filter((key) => input.ExclusiveStartTagKey === undefined || key > input.ExclusiveStartTagKey);
        return {
          Tags: keys.slice(0, limit).map((key) => ({ Key: key, Value: stream.tags[key]! })),
          HasMoreTags: keys.length > limit,
        };
      }),

    TagResource: (input) =>
      store.write(async (tx) => {
        const { stream, consumer } = await resource(tx, input.ResourceARN);
        if (consumer) {
          const tags = addTags(consumer.tags, input.Tags, `consumer ${input.ResourceARN}`);
          await tx.run('UPDATE kin_consumers SET tags = ? WHERE id = ?', [JSON.stringify(tags), consumer.id]);
        } else {
          await saveStream(tx, {
            ...stream,
            tags: addTags(stream.tags, input.Tags, `stream ${stream.name} under account ${stream.account}`),
          });
        }
      }),

    UntagResource: (input) =>
      store.write(async (tx) => {
        const { stream, consumer } = await resource(tx, input.ResourceARN);
        const tags = { ...(consumer ? consumer.tags : stream.tags) };
        for (const key of input.TagKeys) delete tags[key];
        if (consumer)
          await tx.run('UPDATE kin_consumers SET tags = ? WHERE id = ?', [JSON.stringify(tags), consumer.id]);
        else await saveStream(tx, { ...stream, tags });
      }),

    ListTagsForResource: (input) =>
      store.read(async (tx) => {
        const { stream, consumer } = await resource(tx, input.ResourceARN);
        const tags = consumer ? consumer.tags : stream.tags;
        return {
          Tags: Object.keys(tags)
            .sort()
            .map((key) => ({ Key: key, Value: tags[key]! })),
        };
      }),

    EnableEnhancedMonitoring: (input, context) => setMetrics(input, context, true),
    DisableEnhancedMonitoring: (input, context) => setMetrics(input, context, false),

    StartStreamEncryption: (input, context) =>
      withStream(input, context, async (tx, stream) => {
        const busy = notActive(stream);
        if (busy) throw busy;
        if (input.EncryptionType !== 'KMS') throw invalidArgument('EncryptionType must be KMS.');
        await saveStream(tx, { ...stream, encryption: 'KMS', keyId: input.KeyId });
      }),

    StopStreamEncryption: (input, context) =>
      withStream(input, context, async (tx, stream) => {
        const busy = notActive(stream);
        if (busy) throw busy;
        await saveStream(tx, { ...stream, encryption: 'NONE', keyId: undefined });
      }),

    async DescribeLimits(_input, context) {
      return store.read(async (tx) => {
        const scope = { account: context.accountId, region: context.region };
        const row = await tx.get<{ count: number | string }>(
          "SELECT COUNT(*) AS count FROM kin_streams WHERE account = ? AND region = ? AND mode = 'ON_DEMAND'",
          [scope.account, scope.region],
        );
        return {
          ShardLimit: SHARD_LIMIT,
          OpenShardCount: await openShardCount(tx, scope),
          OnDemandStreamCount: Number(row?.count ?? 0),
          OnDemandStreamCountLimit: ON_DEMAND_STREAM_LIMIT,
        };
      });
    },

    DescribeAccountSettings: (_input, context) => ({
      MinimumThroughputBillingCommitment: accountSettings.get(context.accountId) ?? { Status: 'DISABLED' },
    }),

    UpdateAccountSettings(input, context) {
      const now = new Date(clock.now());
      const setting: Kinesis.MinimumThroughputBillingCommitmentOutput =
        input.MinimumThroughputBillingCommitment.Status === 'ENABLED'
          ? {
              Status: 'ENABLED',
              StartedAt: now,
              EarliestAllowedEndAt: new Date(now.getTime() + 365 * 86_400_000),
            }
          : { Status: 'DISABLED', EndedAt: now };
      accountSettings.set(context.accountId, setting);
      return { MinimumThroughputBillingCommitment: setting };
    },

    PutResourcePolicy: (input) =>
      store.write(async (tx) => {
        await resource(tx, input.ResourceARN);
        await tx.run('DELETE FROM kin_policies WHERE arn = ?', [input.ResourceARN]);
        await tx.run('INSERT INTO kin_policies (arn, policy) VALUES (?, ?)', [
          input.ResourceARN,
          input.Policy,
        ]);
      }),

    GetResourcePolicy: (input) =>
      store.read(async (tx) => {
        await resource(tx, input.ResourceARN);
        const row = await tx.get<{ policy: string }>('SELECT policy FROM kin_policies WHERE arn = ?', [
          input.ResourceARN,
        ]);
        return { Policy: row?.policy ?? '{}' };
      }),

    DeleteResourcePolicy: (input) =>
      store.write(async (tx) => {
        await resource(tx, input.ResourceARN);
        await tx.run('DELETE FROM kin_policies WHERE arn = ?', [input.ResourceARN]);
      }),

    RegisterStreamConsumer: (input, context) =>
      withStream({ StreamARN: input.StreamARN }, context, async (tx, stream) => {
        if (await findConsumer(tx, stream.id, input.ConsumerName))
          throw inUse(
            `Consumer ${input.ConsumerName} under stream ${stream.name} under account ${stream.account} already exists.`,
          );
        const existing = await consumersOf(tx, stream.id);
        if (existing.length >= 20)
          throw limitExceeded(
            `Stream ${stream.name} under account ${stream.account} has reached its limit of 20 registered consumers.`,
          );
        const now = clock.now();
        const arn = consumerArn(stream, input.ConsumerName, now);
        await tx.run(
          "INSERT INTO kin_consumers (stream_id, name, arn, status, tags, created_at) VALUES (?, ?, ?, 'ACTIVE', ?, ?)",
          [stream.id, input.ConsumerName, arn, JSON.stringify(input.Tags ?? {}), now],
        );
        return {
          Consumer: {
            ConsumerName: input.ConsumerName,
            ConsumerARN: arn,
            ConsumerStatus: 'ACTIVE',
            ConsumerCreationTimestamp: new Date(now),
          },
        };
      }),

    DeregisterStreamConsumer: (input, context) =>
      store.write(async (tx) => {
        const { stream, consumer } = await consumerOf(tx, input, context);
        await tx.run('DELETE FROM kin_consumers WHERE id = ?', [consumer.id]);
        await tx.run('DELETE FROM kin_policies WHERE arn = ?', [consumer.arn]);
        subscriptions.consumerGone(consumer.arn);
        void stream;
      }),

    DescribeStreamConsumer: (input, context) =>
      store.read(async (tx) => {
        const { stream, consumer } = await consumerOf(tx, input, context);
        return { ConsumerDescription: { ...describeConsumer(consumer), StreamARN: streamArn(stream) } };
      }),

    ListStreamConsumers: (input, context) =>
      readStream({ StreamARN: input.StreamARN }, context, async (tx, stream) => {
        const limit = input.MaxResults ?? 100;
        let after: string | undefined;
        if (input.NextToken !== undefined)
          after = untoken(input.NextToken, (value): value is string => typeof value === 'string');
        const consumers = (await consumersOf(tx, stream.id)).filter(
          (consumer) => after === undefined || consumer.name > after,
        );
        const page = consumers.slice(0, limit);
        return {
          Consumers: page.map(describeConsumer),
          ...(consumers.length > limit ? { NextToken: token(page[page.length - 1]!.name) } : {}),
        };
      }),

    SubscribeToShard: (input, context) => subscriptions.subscribe(input, context),
  };
}

/** The consumer a Describe/Deregister call names: by ConsumerARN, or StreamARN + ConsumerName. */
async function consumerOf(
  tx: Tx,
  input: { StreamARN?: string; ConsumerName?: string; ConsumerARN?: string },
  context: RequestContext,
) {
  if (input.ConsumerARN !== undefined) {
    const { streamArn: owner, name } = parseConsumerArn(input.ConsumerARN);
    const stream = await requireStream(tx, streamRef({ StreamARN: owner }, context));
    const consumer = await findConsumerByArn(tx, input.ConsumerARN);
    if (!consumer) throw consumerNotFound(name, stream);
    return { stream, consumer };
  }
  if (input.StreamARN === undefined || input.ConsumerName === undefined)
    throw invalidArgument('Either ConsumerARN or both ConsumerName and StreamARN must be provided.');
  const stream = await requireStream(tx, streamRef({ StreamARN: input.StreamARN }, context));
  const consumer = await findConsumer(tx, stream.id, input.ConsumerName);
  if (!consumer) throw consumerNotFound(input.ConsumerName, stream);
  return { stream, consumer };
}

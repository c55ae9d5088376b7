// Kinesis Data Streams with @aws-sdk/client-kinesis (its default HTTP/2 handler, h2c on eddy's
// port): streams, records routed by partition key, iterators of every type, GetRecords, resharding,
// retention and expiry on the server's clock, tags, limits and AWS's errors; boto3 and a Java-style
// CBOR request for the other clients.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  AddTagsToStreamCommand,
  CreateStreamCommand,
  DecreaseStreamRetentionPeriodCommand,
  DeleteStreamCommand,
  DescribeLimitsCommand,
  DescribeStreamCommand,
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  EnableEnhancedMonitoringCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type GetShardIteratorCommandInput,
  IncreaseStreamRetentionPeriodCommand,
  KinesisClient,
  ListShardsCommand,
  ListStreamConsumersCommand,
  ListStreamsCommand,
  ListTagsForResourceCommand,
  ListTagsForStreamCommand,
  MergeShardsCommand,
  PutRecordCommand,
  PutRecordsCommand,
  RegisterStreamConsumerCommand,
  RemoveTagsFromStreamCommand,
  SplitShardCommand,
  StartStreamEncryptionCommand,
  SubscribeToShardCommand,
  type SubscribeToShardEventStream,
  UpdateShardCountCommand,
} from '@aws-sdk/client-kinesis';
import { decodeCbor, encodeCbor } from '../src/edge/codecs/cbor.ts';
import { ManualClock } from '../src/runtime/index.ts';
import { boto3 } from './boto3.ts';
import { startTestEddy, TEST_ACCOUNT, TEST_REGION, type TestEddy } from './harness.ts';

const clock = new ManualClock(Date.UTC(2026, 5, 1, 12, 0, 0));
let eddy: TestEddy;
let kinesis: KinesisClient;

before(async () => {
  eddy = await startTestEddy({ clock });
  kinesis = eddy.client(KinesisClient);
});
after(async () => {
  kinesis?.destroy();
  await eddy?.stop();
});

const arnOf = (name: string) => `arn:aws:kinesis:${TEST_REGION}:${TEST_ACCOUNT}:stream/${name}`;
const rejects = async (promise: Promise<unknown>, name: string, message?: RegExp) => {
  await assert.rejects(promise, (error: Error) => {
    assert.equal(error.name, name, error.message);
    if (message) assert.match(error.message, message);
    return true;
  });
};
const iterator = async (input: Omit<GetShardIteratorCommandInput, 'ShardId'> & { ShardId?: string }) =>
  (await kinesis.send(new GetShardIteratorCommand({ ShardId: 'shardId-000000000000', ...input })))
    .ShardIterator!;
const text = (data: Uint8Array | undefined) => Buffer.from(data ?? []).toString();

describe('streams', () => {
  it('creates provisioned and on-demand streams, describes, lists and deletes them', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'life', ShardCount: 3, Tags: { team: 'a' } }));
    await kinesis.send(
      new CreateStreamCommand({ StreamName: 'life-od', StreamModeDetails: { StreamMode: 'ON_DEMAND' } }),
    );
    const { StreamDescription: described } = await kinesis.send(
      new DescribeStreamCommand({ StreamName: 'life' }),
    );
    assert.equal(described?.StreamStatus, 'ACTIVE');
    assert.equal(described?.StreamARN, arnOf('life'));
    assert.equal(described?.RetentionPeriodHours, 24);
    assert.equal(described?.Shards?.length, 3);
    assert.equal(described?.Shards?.[0]?.HashKeyRange?.StartingHashKey, '0');
    assert.equal(described?.Shards?.[2]?.HashKeyRange?.EndingHashKey, ((1n << 128n) - 1n).toString());
    // Consecutive ranges cover the key space.
    for (let index = 1; index < 3; index++)
      assert.equal(
        BigInt(described!.Shards![index]!.HashKeyRange!.StartingHashKey!),
        BigInt(described!.Shards![index - 1]!.HashKeyRange!.EndingHashKey!) + 1n,
      );
    assert.match(described?.Shards?.[0]?.SequenceNumberRange?.StartingSequenceNumber ?? '', /^\d{56}$/);
    const { StreamDescriptionSummary: summary } = await kinesis.send(
      new DescribeStreamSummaryCommand({ StreamARN: arnOf('life-od') }),
    );
    assert.equal(summary?.StreamModeDetails?.StreamMode, 'ON_DEMAND');
    assert.equal(summary?.OpenShardCount, 4);
    const listed = await kinesis.send(new ListStreamsCommand({}));
    assert.ok(listed.StreamNames?.includes('life') && listed.StreamNames.includes('life-od'));
    const paged = await kinesis.send(new ListStreamsCommand({ Limit: 1 }));
    assert.equal(paged.HasMoreStreams, true);
    const next = await kinesis.send(new ListStreamsCommand({ NextToken: paged.NextToken!, Limit: 100 }));
    assert.ok(!next.StreamNames?.includes(paged.StreamNames![0]!));

    await rejects(
      kinesis.send(new CreateStreamCommand({ StreamName: 'life', ShardCount: 1 })),
      'ResourceInUseException',
      /Stream life under account 000000000000 already exists/,
    );
    await kinesis.send(new DeleteStreamCommand({ StreamARN: arnOf('life-od') }));
    await rejects(
      kinesis.send(new DescribeStreamCommand({ StreamName: 'life-od' })),
      'ResourceNotFoundException',
      /Stream life-od under account 000000000000 not found/,
    );
    await rejects(kinesis.send(new DescribeStreamCommand({})), 'InvalidArgumentException');
    await rejects(
      kinesis.send(new CreateStreamCommand({ StreamName: 'bad name!', ShardCount: 1 })),
      'ValidationException',
      /streamName/,
    );
    const limits = await kinesis.send(new DescribeLimitsCommand({}));
    assert.equal(limits.ShardLimit, 500);
    assert.ok((limits.OpenShardCount ?? 0) >= 3);
    await rejects(
      kinesis.send(new CreateStreamCommand({ StreamName: 'too-big', ShardCount: 600 })),
      'LimitExceededException',
    );
  });

  it('tags, retention, encryption and enhanced monitoring', async () => {
    await kinesis.send(new AddTagsToStreamCommand({ StreamName: 'life', Tags: { env: 'dev' } }));
    await kinesis.send(new RemoveTagsFromStreamCommand({ StreamARN: arnOf('life'), TagKeys: ['team'] }));
    const tags = await kinesis.send(new ListTagsForStreamCommand({ StreamName: 'life' }));
    assert.deepEqual(tags.Tags, [{ Key: 'env', Value: 'dev' }]);
    assert.equal(tags.HasMoreTags, false);
    const byArn = await kinesis.send(new ListTagsForResourceCommand({ ResourceARN: arnOf('life') }));
    assert.deepEqual(byArn.Tags, [{ Key: 'env', Value: 'dev' }]);

    await kinesis.send(
      new IncreaseStreamRetentionPeriodCommand({ StreamName: 'life', RetentionPeriodHours: 48 }),
    );
    await rejects(
      kinesis.send(
        new IncreaseStreamRetentionPeriodCommand({ StreamName: 'life', RetentionPeriodHours: 30 }),
      ),
      'InvalidArgumentException',
      /can not be shorter than existing retention period \(48 hours\)/,
    );
    await rejects(
      kinesis.send(
        new IncreaseStreamRetentionPeriodCommand({ StreamName: 'life', RetentionPeriodHours: 9000 }),
      ),
      'InvalidArgumentException',
      /Maximum allowed retention period is 8760 hours/,
    );
    await kinesis.send(
      new DecreaseStreamRetentionPeriodCommand({ StreamName: 'life', RetentionPeriodHours: 24 }),
    );
    await rejects(
      kinesis.send(
        new DecreaseStreamRetentionPeriodCommand({ StreamName: 'life', RetentionPeriodHours: 12 }),
      ),
      'InvalidArgumentException',
      /Minimum allowed retention period is 24 hours/,
    );
    await kinesis.send(
      new StartStreamEncryptionCommand({
        StreamName: 'life',
        EncryptionType: 'KMS',
        KeyId: 'alias/aws/kinesis',
      }),
    );
    const monitoring = await kinesis.send(
      new EnableEnhancedMonitoringCommand({ StreamName: 'life', ShardLevelMetrics: ['IncomingBytes'] }),
    );
    assert.deepEqual(monitoring.DesiredShardLevelMetrics, ['IncomingBytes']);
    const { StreamDescriptionSummary: summary } = await kinesis.send(
      new DescribeStreamSummaryCommand({ StreamName: 'life' }),
    );
    assert.equal(summary?.EncryptionType, 'KMS');
    assert.equal(summary?.KeyId, 'alias/aws/kinesis');
    assert.deepEqual(summary?.EnhancedMonitoring, [{ ShardLevelMetrics: ['IncomingBytes'] }]);
  });
});

describe('records', () => {
  before(async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'clicks', ShardCount: 4 }));
  });

  it('routes each record by the MD5 of its partition key, or its ExplicitHashKey', async () => {
    const { StreamDescription } = await kinesis.send(new DescribeStreamCommand({ StreamName: 'clicks' }));
    const shards = StreamDescription!.Shards!;
    const owner = (hash: bigint) =>
      shards.find(
        (shard) =>
          BigInt(shard.HashKeyRange!.StartingHashKey!) <= hash &&
          hash <= BigInt(shard.HashKeyRange!.EndingHashKey!),
      )!.ShardId;
    for (const key of ['alice', 'bob', 'carol', 'dave', 'eve']) {
      const hash = BigInt(`0x${createHash('md5').update(key).digest('hex')}`);
      const put = await kinesis.send(
        new PutRecordCommand({ StreamName: 'clicks', PartitionKey: key, Data: Buffer.from(key) }),
      );
      assert.equal(put.ShardId, owner(hash), key);
      assert.match(put.SequenceNumber!, /^\d{56}$/);
    }
    const explicit = await kinesis.send(
      new PutRecordCommand({
        StreamARN: arnOf('clicks'),
        PartitionKey: 'x',
        ExplicitHashKey: ((1n << 128n) - 1n).toString(),
        Data: Buffer.from('last'),
      }),
    );
    assert.equal(explicit.ShardId, 'shardId-000000000003');
    await rejects(
      kinesis.send(
        new PutRecordCommand({
          StreamName: 'clicks',
          PartitionKey: 'x',
          ExplicitHashKey: (1n << 128n).toString(),
          Data: Buffer.from(''),
        }),
      ),
      'InvalidArgumentException',
      /ExplicitHashKey must be in the range/,
    );
    await rejects(
      kinesis.send(new PutRecordCommand({ StreamName: 'nope', PartitionKey: 'x', Data: Buffer.from('') })),
      'ResourceNotFoundException',
    );
    await rejects(
      kinesis.send(
        new PutRecordCommand({ StreamName: 'clicks', PartitionKey: 'x', Data: Buffer.alloc(1024 * 1024) }),
      ),
      'InvalidArgumentException',
      /must not exceed 1048576 bytes/,
    );
  });

  it('reads a shard in order with every iterator type; sequence numbers only grow', async () => {
    const put = await kinesis.send(
      new PutRecordsCommand({
        StreamName: 'clicks',
        Records: Array.from({ length: 5 }, (_, index) => ({
          PartitionKey: 'one-key',
          Data: Buffer.from(`r${index}`),
        })),
      }),
    );
    assert.equal(put.FailedRecordCount, 0);
    const shardId = put.Records![0]!.ShardId!;
    const sequences = put.Records!.map((record) => BigInt(record.SequenceNumber!));
    for (let index = 1; index < sequences.length; index++)
      assert.ok(sequences[index]! > sequences[index - 1]!);

    const all = await kinesis.send(
      new GetRecordsCommand({
        ShardIterator: await iterator({
          StreamName: 'clicks',
          ShardId: shardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      }),
    );
    const mine = all.Records!.filter((record) => record.PartitionKey === 'one-key');
    assert.deepEqual(
      mine.map((record) => text(record.Data)),
      ['r0', 'r1', 'r2', 'r3', 'r4'],
    );
    assert.equal(all.MillisBehindLatest, 0);
    assert.ok(all.NextShardIterator);
    assert.ok(mine[0]!.ApproximateArrivalTimestamp instanceof Date);
    assert.equal(mine[0]!.ApproximateArrivalTimestamp!.getTime(), clock.now());

    const at = await kinesis.send(
      new GetRecordsCommand({
        ShardIterator: await iterator({
          StreamName: 'clicks',
          ShardId: shardId,
          ShardIteratorType: 'AT_SEQUENCE_NUMBER',
          StartingSequenceNumber: put.Records![2]!.SequenceNumber,
        }),
      }),
    );
    assert.deepEqual(
      at.Records!.map((record) => text(record.Data)),
      ['r2', 'r3', 'r4'],
    );
    const afterSeq = await kinesis.send(
      new GetRecordsCommand({
        ShardIterator: await iterator({
          StreamName: 'clicks',
          ShardId: shardId,
          ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
          StartingSequenceNumber: put.Records![2]!.SequenceNumber,
        }),
        Limit: 1,
      }),
    );
    assert.deepEqual(
      afterSeq.Records!.map((record) => text(record.Data)),
      ['r3'],
    );
    assert.ok(afterSeq.MillisBehindLatest !== undefined);
    const rest = await kinesis.send(new GetRecordsCommand({ ShardIterator: afterSeq.NextShardIterator! }));
    assert.deepEqual(
      rest.Records!.map((record) => text(record.Data)),
      ['r4'],
    );

    const latest = await iterator({ StreamName: 'clicks', ShardId: shardId, ShardIteratorType: 'LATEST' });
    clock.advance(1000);
    await kinesis.send(
      new PutRecordCommand({ StreamName: 'clicks', PartitionKey: 'one-key', Data: Buffer.from('new') }),
    );
    const fromLatest = await kinesis.send(new GetRecordsCommand({ ShardIterator: latest }));
    assert.deepEqual(
      fromLatest.Records!.map((record) => text(record.Data)),
      ['new'],
    );
    const byTime = await kinesis.send(
      new GetRecordsCommand({
        ShardIterator: await iterator({
          StreamName: 'clicks',
          ShardId: shardId,
          ShardIteratorType: 'AT_TIMESTAMP',
          Timestamp: new Date(clock.now()),
        }),
      }),
    );
    assert.deepEqual(
      byTime.Records!.map((record) => text(record.Data)),
      ['new'],
    );

    await rejects(
      iterator({
        StreamName: 'clicks',
        ShardId: 'shardId-000000000000',
        ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        StartingSequenceNumber:
          put.Records!.find((record) => record.ShardId !== 'shardId-000000000000')?.SequenceNumber ??
          '49000009000000000000000000000000000000000000000000000001',
      }),
      'InvalidArgumentException',
      /Invalid StartingSequenceNumber/,
    );
    await rejects(
      iterator({ StreamName: 'clicks', ShardId: 'shardId-000000000099', ShardIteratorType: 'LATEST' }),
      'ResourceNotFoundException',
    );
    await rejects(
      kinesis.send(new GetRecordsCommand({ ShardIterator: 'garbage' })),
      'InvalidArgumentException',
    );
  });

  it('iterators expire after five minutes; records past retention are gone', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'short', ShardCount: 1 }));
    await kinesis.send(
      new PutRecordCommand({ StreamName: 'short', PartitionKey: 'k', Data: Buffer.from('old') }),
    );
    const old = await iterator({ StreamName: 'short', ShardIteratorType: 'TRIM_HORIZON' });
    clock.advance(5 * 60 * 1000 + 1);
    await rejects(
      kinesis.send(new GetRecordsCommand({ ShardIterator: old })),
      'ExpiredIteratorException',
      /Iterator expired/,
    );
    clock.advance(24 * 3_600_000);
    await kinesis.send(
      new PutRecordCommand({ StreamName: 'short', PartitionKey: 'k', Data: Buffer.from('fresh') }),
    );
    const now = await kinesis.send(
      new GetRecordsCommand({
        ShardIterator: await iterator({ StreamName: 'short', ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    assert.deepEqual(
      now.Records!.map((record) => text(record.Data)),
      ['fresh'],
    );
  });

  it('PutRecords answers per record; past a shard limit a record gets ProvisionedThroughputExceededException', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'hot', ShardCount: 1 }));
    const big = Buffer.alloc(300 * 1024, 1);
    const put = await kinesis.send(
      new PutRecordsCommand({
        StreamName: 'hot',
        Records: Array.from({ length: 5 }, () => ({ PartitionKey: 'k', Data: big })),
      }),
    );
    // 1 MiB a second: three 300 KiB records fit, the next two do not.
    assert.equal(put.FailedRecordCount, 2);
    assert.equal(put.Records![3]!.ErrorCode, 'ProvisionedThroughputExceededException');
    assert.match(
      put.Records![3]!.ErrorMessage!,
      /Rate exceeded for shard shardId-000000000000 in stream hot under account 000000000000/,
    );
    assert.ok(put.Records![0]!.SequenceNumber);
    await rejects(
      kinesis.send(new PutRecordCommand({ StreamName: 'hot', PartitionKey: 'k', Data: big })),
      'ProvisionedThroughputExceededException',
    );
    clock.advance(1000);
    await kinesis.send(new PutRecordCommand({ StreamName: 'hot', PartitionKey: 'k', Data: big }));
    // Five reads a second per shard.
    const reads = await Promise.allSettled(
      Array.from({ length: 7 }, async () =>
        kinesis.send(
          new GetRecordsCommand({
            ShardIterator: await iterator({ StreamName: 'hot', ShardIteratorType: 'LATEST' }),
          }),
        ),
      ),
    );
    const throttled = reads.filter((read) => read.status === 'rejected');
    assert.equal(throttled.length, 2);
    assert.equal(
      (throttled[0] as PromiseRejectedResult).reason.name,
      'ProvisionedThroughputExceededException',
    );
    clock.advance(1000);
  });
});

describe('resharding', () => {
  it('splits, merges and updates the shard count; readers follow parents to children', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'grow', ShardCount: 2 }));
    await kinesis.send(
      new PutRecordCommand({
        StreamName: 'grow',
        PartitionKey: 'k',
        ExplicitHashKey: '5',
        Data: Buffer.from('before'),
      }),
    );
    await kinesis.send(
      new SplitShardCommand({
        StreamName: 'grow',
        ShardToSplit: 'shardId-000000000000',
        NewStartingHashKey: '1000',
      }),
    );
    const { Shards } = await kinesis.send(new ListShardsCommand({ StreamName: 'grow' }));
    assert.deepEqual(
      Shards!.map((shard) => shard.ShardId),
      ['shardId-000000000000', 'shardId-000000000001', 'shardId-000000000002', 'shardId-000000000003'],
    );
    assert.ok(Shards![0]!.SequenceNumberRange!.EndingSequenceNumber);
    assert.equal(Shards![2]!.ParentShardId, 'shardId-000000000000');
    assert.deepEqual(Shards![2]!.HashKeyRange, { StartingHashKey: '0', EndingHashKey: '999' });
    const put = await kinesis.send(
      new PutRecordCommand({
        StreamName: 'grow',
        PartitionKey: 'k',
        ExplicitHashKey: '5',
        Data: Buffer.from('after'),
      }),
    );
    assert.equal(put.ShardId, 'shardId-000000000002');
    assert.ok(BigInt(put.SequenceNumber!) > BigInt(Shards![0]!.SequenceNumberRange!.EndingSequenceNumber!));

    // The parent's end: its records, no next iterator, its children.
    const parent = await kinesis.send(
      new GetRecordsCommand({
        ShardIterator: await iterator({ StreamName: 'grow', ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    assert.deepEqual(
      parent.Records!.map((record) => text(record.Data)),
      ['before'],
    );
    assert.equal(parent.NextShardIterator, undefined);
    assert.deepEqual(
      parent.ChildShards!.map((child) => child.ShardId),
      ['shardId-000000000002', 'shardId-000000000003'],
    );

    const open = await kinesis.send(
      new ListShardsCommand({ StreamName: 'grow', ShardFilter: { Type: 'AT_LATEST' } }),
    );
    assert.equal(open.Shards!.length, 3);
    const paged = await kinesis.send(new ListShardsCommand({ StreamName: 'grow', MaxResults: 2 }));
    assert.ok(paged.NextToken);
    await rejects(
      kinesis.send(new ListShardsCommand({ StreamName: 'grow', NextToken: paged.NextToken })),
      'InvalidArgumentException',
      /NextToken and StreamName cannot be provided together/,
    );
    const second = await kinesis.send(new ListShardsCommand({ NextToken: paged.NextToken }));
    assert.deepEqual(
      second.Shards!.map((shard) => shard.ShardId),
      ['shardId-000000000002', 'shardId-000000000003'],
    );

    await kinesis.send(
      new MergeShardsCommand({
        StreamName: 'grow',
        ShardToMerge: 'shardId-000000000002',
        AdjacentShardToMerge: 'shardId-000000000003',
      }),
    );
    const merged = (
      await kinesis.send(new ListShardsCommand({ StreamName: 'grow', ShardFilter: { Type: 'AT_LATEST' } }))
    ).Shards!;
    assert.deepEqual(
      merged.map((shard) => shard.ShardId),
      ['shardId-000000000001', 'shardId-000000000004'],
    );
    assert.equal(merged[1]!.AdjacentParentShardId, 'shardId-000000000003');
    await rejects(
      kinesis.send(
        new MergeShardsCommand({
          StreamName: 'grow',
          ShardToMerge: 'shardId-000000000002',
          AdjacentShardToMerge: 'shardId-000000000001',
        }),
      ),
      'ResourceInUseException',
    );
    await rejects(
      kinesis.send(
        new SplitShardCommand({
          StreamName: 'grow',
          ShardToSplit: 'shardId-000000000001',
          NewStartingHashKey: '1',
        }),
      ),
      'InvalidArgumentException',
      /NewStartingHashKey/,
    );

    const updated = await kinesis.send(
      new UpdateShardCountCommand({
        StreamName: 'grow',
        TargetShardCount: 4,
        ScalingType: 'UNIFORM_SCALING',
      }),
    );
    assert.equal(updated.CurrentShardCount, 2);
    const four = (
      await kinesis.send(new ListShardsCommand({ StreamName: 'grow', ShardFilter: { Type: 'AT_LATEST' } }))
    ).Shards!;
    assert.equal(four.length, 4);
    assert.ok(four.every((shard) => shard.ParentShardId));
    await rejects(
      kinesis.send(
        new UpdateShardCountCommand({
          StreamName: 'grow',
          TargetShardCount: 9,
          ScalingType: 'UNIFORM_SCALING',
        }),
      ),
      'InvalidArgumentException',
      /cannot scale up over double/,
    );
  });
});

describe('consumers', () => {
  it('registers a consumer and pushes records over SubscribeToShard', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'fan', ShardCount: 1 }));
    const { Consumer } = await kinesis.send(
      new RegisterStreamConsumerCommand({ StreamARN: arnOf('fan'), ConsumerName: 'app' }),
    );
    assert.equal(Consumer?.ConsumerStatus, 'ACTIVE');
    assert.match(
      Consumer!.ConsumerARN!,
      /^arn:aws:kinesis:us-east-1:000000000000:stream\/fan\/consumer\/app:\d+$/,
    );
    const described = await kinesis.send(
      new DescribeStreamConsumerCommand({ ConsumerARN: Consumer!.ConsumerARN! }),
    );
    assert.equal(described.ConsumerDescription?.StreamARN, arnOf('fan'));
    const listed = await kinesis.send(new ListStreamConsumersCommand({ StreamARN: arnOf('fan') }));
    assert.deepEqual(
      listed.Consumers?.map((consumer) => consumer.ConsumerName),
      ['app'],
    );
    await rejects(
      kinesis.send(new DeleteStreamCommand({ StreamName: 'fan' })),
      'ResourceInUseException',
      /has registered consumers/,
    );

    await kinesis.send(
      new PutRecordCommand({ StreamName: 'fan', PartitionKey: 'k', Data: Buffer.from('pushed') }),
    );
    const subscription = await kinesis.send(
      new SubscribeToShardCommand({
        ConsumerARN: Consumer!.ConsumerARN!,
        ShardId: 'shardId-000000000000',
        StartingPosition: { Type: 'TRIM_HORIZON' },
      }),
    );
    const events = subscription.EventStream![Symbol.asyncIterator]();
    const first = (await events.next()).value as SubscribeToShardEventStream;
    assert.deepEqual(
      first.SubscribeToShardEvent?.Records?.map((record) => text(record.Data)),
      ['pushed'],
    );
    assert.match(first.SubscribeToShardEvent!.ContinuationSequenceNumber!, /^\d{56}$/);
    await kinesis.send(
      new PutRecordCommand({ StreamName: 'fan', PartitionKey: 'k', Data: Buffer.from('live') }),
    );
    let live: string[] = [];
    while (live.length === 0) {
      const event = (await events.next()).value as SubscribeToShardEventStream;
      live = event.SubscribeToShardEvent!.Records!.map((record) => text(record.Data));
    }
    assert.deepEqual(live, ['live']);
    await events.return?.();
    await kinesis.send(new DeleteStreamCommand({ StreamName: 'fan', EnforceConsumerDeletion: true }));
  });
});

describe('other clients', () => {
  it('boto3 creates a stream, puts and reads a record', async () => {
    const results = await boto3(eddy.url, [
      { service: 'kinesis', operation: 'CreateStream', params: { StreamName: 'py', ShardCount: 1 } },
      {
        service: 'kinesis',
        operation: 'PutRecord',
        params: { StreamName: 'py', PartitionKey: 'p', Data: 'from python' },
      },
      {
        service: 'kinesis',
        operation: 'GetShardIterator',
        params: { StreamName: 'py', ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' },
      },
      { service: 'kinesis', operation: 'DescribeStream', params: { StreamName: 'missing' } },
    ]);
    assert.ok(
      results.slice(0, 3).every((result) => result.ok),
      JSON.stringify(results),
    );
    const missing = results[3] as { ok: false; code: string; message: string; status: number };
    assert.equal(missing.code, 'ResourceNotFoundException');
    assert.equal(missing.message, 'Stream missing under account 000000000000 not found.');
    assert.equal(missing.status, 400);
    const shardIterator = (results[2] as unknown as { response: { ShardIterator: string } }).response
      .ShardIterator;
    const [read] = await boto3(eddy.url, [
      { service: 'kinesis', operation: 'GetRecords', params: { ShardIterator: shardIterator } },
    ]);
    assert.ok(read?.ok);
    const records = (read.response as { Records: Array<{ Data: string }> }).Records;
    assert.deepEqual(
      records.map((record) => record.Data),
      ['from python'],
    );
  });

  it('the aws CLI lists and describes streams', async () => {
    const listed = await eddy.aws(['kinesis', 'list-streams']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.ok((JSON.parse(listed.stdout) as { StreamNames: string[] }).StreamNames.includes('clicks'));
    const put = await eddy.aws([
      'kinesis',
      'put-record',
      '--stream-name',
      'clicks',
      '--partition-key',
      'cli',
      '--data',
      Buffer.from('from the cli').toString('base64'),
    ]);
    assert.equal(put.code, 0, put.stderr);
    assert.match((JSON.parse(put.stdout) as { SequenceNumber: string }).SequenceNumber, /^\d{56}$/);
    const missing = await eddy.aws(['kinesis', 'describe-stream-summary', '--stream-name', 'nope']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /ResourceNotFoundException/);
  });

  it('answers a Java-style CBOR request (application/x-amz-cbor-1.1) in CBOR', async () => {
    const post = async (target: string, body: unknown) => {
      const response = await fetch(eddy.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-cbor-1.1',
          'x-amz-target': `Kinesis_20131202.${target}`,
        },
        body: Buffer.from(encodeCbor(body)),
      });
      assert.equal(response.headers.get('content-type'), 'application/x-amz-cbor-1.1');
      return {
        status: response.status,
        body: decodeCbor(new Uint8Array(await response.arrayBuffer())) as Record<string, unknown>,
      };
    };
    await kinesis.send(new CreateStreamCommand({ StreamName: 'java', ShardCount: 1 }));
    const put = await post('PutRecord', {
      StreamName: 'java',
      PartitionKey: 'j',
      Data: new TextEncoder().encode('cbor data'),
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.equal(put.body.ShardId, 'shardId-000000000000');
    const it = await post('GetShardIterator', {
      StreamName: 'java',
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'AT_TIMESTAMP',
      Timestamp: clock.now() - 1000, // epoch milliseconds, as the Java SDK writes them
    });
    const got = await post('GetRecords', { ShardIterator: it.body.ShardIterator });
    const records = got.body.Records as Array<{ Data: Uint8Array; ApproximateArrivalTimestamp: number }>;
    assert.equal(Buffer.from(records[0]!.Data).toString(), 'cbor data');
    assert.equal(records[0]!.ApproximateArrivalTimestamp, clock.now());
    const missing = await post('DescribeStream', { StreamName: 'none' });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.__type, 'ResourceNotFoundException');
  });
});

// Streams and shards as rows, read and written inside a caller's transaction.
import type { Kinesis, RequestContext } from '../../contract/index.ts';
import { formatArn, parseArn } from '../../runtime/index.ts';
import type { Tx } from '../../store/index.ts';
import { invalidArgument, streamNotFound } from './errors.ts';
import { formatSequence, shardIdOf } from './keys.ts';

export interface Scope {
  account: string;
  region: string;
}

export interface StreamRecord extends Scope {
  id: number;
  name: string;
  status: Kinesis.StreamStatus;
  mode: Kinesis.StreamMode;
  retentionHours: number;
  encryption: Kinesis.EncryptionType;
  keyId: string | undefined;
  metrics: Kinesis.MetricsName[];
  tags: Record<string, string>;
  nextShard: number;
  maxRecordKib: number;
  warmMibps: number | undefined;
  createdAt: number;
}

export interface ShardRecord {
  index: number;
  shardId: string;
  parent: string | undefined;
  adjacentParent: string | undefined;
  hashStart: bigint;
  hashEnd: bigint;
  /** The counter the shard's next record takes (the first record takes 1; 0 is before them all). */
  nextSeq: number;
  /** Once the shard is closed (split, merged, resharded): the first counter it never holds. */
  endSeq: number | undefined;
  createdAt: number;
  closedAt: number | undefined;
}

interface StreamRow {
  id: number | string;
  account: string;
  region: string;
  name: string;
  status: string;
  mode: string;
  retention_hours: number;
  encryption: string;
  key_id: string | null;
  metrics: string;
  tags: string;
  next_shard: number;
  max_record_kib: number;
  warm_mibps: number | null;
  created_at: number | string;
}

interface ShardRow {
  idx: number;
  parent: string | null;
  adjacent_parent: string | null;
  hash_start: string;
  hash_end: string;
  next_seq: number | string;
  end_seq: number | string | null;
  created_at: number | string;
  closed_at: number | string | null;
}

const fromStreamRow = (row: StreamRow): StreamRecord => ({
  id: Number(row.id),
  account: row.account,
  region: row.region,
  name: row.name,
  status: row.status as Kinesis.StreamStatus,
  mode: row.mode as Kinesis.StreamMode,
  retentionHours: Number(row.retention_hours),
  encryption: row.encryption as Kinesis.EncryptionType,
  keyId: row.key_id ?? undefined,
  metrics: JSON.parse(row.metrics) as Kinesis.MetricsName[],
  tags: JSON.parse(row.tags) as Record<string, string>,
  nextShard: Number(row.next_shard),
  maxRecordKib: Number(row.max_record_kib),
  warmMibps: row.warm_mibps === null ? undefined : Number(row.warm_mibps),
  createdAt: Number(row.created_at),
});

const fromShardRow = (row: ShardRow): ShardRecord => ({
  index: Number(row.idx),
  shardId: shardIdOf(Number(row.idx)),
  parent: row.parent ?? undefined,
  adjacentParent: row.adjacent_parent ?? undefined,
  hashStart: BigInt(row.hash_start),
  hashEnd: BigInt(row.hash_end),
  nextSeq: Number(row.next_seq),
  endSeq: row.end_seq === null ? undefined : Number(row.end_seq),
  createdAt: Number(row.created_at),
  closedAt: row.closed_at === null ? undefined : Number(row.closed_at),
});

export const streamArn = (stream: StreamRecord): string =>
  formatArn({
    service: 'kinesis',
    region: stream.region,
    accountId: stream.account,
    resource: `stream/${stream.name}`,
  });

/** The stream an input names, by StreamARN or StreamName (the ARN wins: it carries the account). */
export function streamRef(
  input: { StreamName?: string | undefined; StreamARN?: string | undefined },
  context: Pick<RequestContext, 'accountId' | 'region'>,
): Scope & { name: string } {
  if (input.StreamARN !== undefined) {
    const arn = parseArn(input.StreamARN);
    const name = arn?.resource.startsWith('stream/') ? arn.resource.slice('stream/'.length) : undefined;
    if (arn?.service !== 'kinesis' || !name || name.includes('/'))
      throw invalidArgument(`StreamARN ${input.StreamARN} is not a Kinesis stream ARN.`);
    if (input.StreamName !== undefined && input.StreamName !== name)
      throw invalidArgument(
        `StreamARN ${input.StreamARN} and StreamName ${input.StreamName} name different streams.`,
      );
    return { account: arn.accountId, region: arn.region, name };
  }
  if (input.StreamName === undefined)
    throw invalidArgument('Either StreamName or StreamARN should be provided.');
  return { account: context.accountId, region: context.region, name: input.StreamName };
}

export async function findStream(tx: Tx, ref: Scope & { name: string }): Promise<StreamRecord | undefined> {
  const row = await tx.get<StreamRow>(
    'SELECT * FROM kin_streams WHERE account = ? AND region = ? AND name = ?',
    [ref.account, ref.region, ref.name],
  );
  return row ? fromStreamRow(row) : undefined;
}

export async function findStreamById(tx: Tx, id: number): Promise<StreamRecord | undefined> {
  const row = await tx.get<StreamRow>('SELECT * FROM kin_streams WHERE id = ?', [id]);
  return row ? fromStreamRow(row) : undefined;
}

export async function requireStream(tx: Tx, ref: Scope & { name: string }): Promise<StreamRecord> {
  const stream = await findStream(tx, ref);
  if (!stream) throw streamNotFound(ref.name, ref.account);
  return stream;
}

export async function listStreams(tx: Tx, scope: Scope): Promise<StreamRecord[]> {
  const rows = await tx.all<StreamRow>(
    'SELECT * FROM kin_streams WHERE account = ? AND region = ? ORDER BY name',
    [scope.account, scope.region],
  );
  return rows.map(fromStreamRow);
}

export async function shardsOf(tx: Tx, streamId: number): Promise<ShardRecord[]> {
  const rows = await tx.all<ShardRow>('SELECT * FROM kin_shards WHERE stream_id = ? ORDER BY idx', [
    streamId,
  ]);
  return rows.map(fromShardRow);
}

export async function openShardsOf(tx: Tx, streamId: number): Promise<ShardRecord[]> {
  const rows = await tx.all<ShardRow>(
    'SELECT * FROM kin_shards WHERE stream_id = ? AND end_seq IS NULL ORDER BY idx',
    [streamId],
  );
  return rows.map(fromShardRow);
}

export async function findShard(tx: Tx, streamId: number, index: number): Promise<ShardRecord | undefined> {
  const row = await tx.get<ShardRow>('SELECT * FROM kin_shards WHERE stream_id = ? AND idx = ?', [
    streamId,
    index,
  ]);
  return row ? fromShardRow(row) : undefined;
}

export async function insertShard(
  tx: Tx,
  streamId: number,
  shard: {
    index: number;
    parent?: string | undefined;
    adjacentParent?: string | undefined;
    range: [bigint, bigint];
  },
  now: number,
): Promise<void> {
  await tx.run(
    `INSERT INTO kin_shards (stream_id, idx, parent, adjacent_parent, hash_start, hash_end, next_seq, end_seq, created_at, closed_at)
     VALUES (?, ?, ?, ?, ?, ?, 1, NULL, ?, NULL)`,
    [
      streamId,
      shard.index,
      shard.parent ?? null,
      shard.adjacentParent ?? null,
      shard.range[0].toString(),
      shard.range[1].toString(),
      now,
    ],
  );
}

/** Closes an open shard: it takes no more records, and its range ends at the last one it took. */
export async function closeShard(tx: Tx, streamId: number, index: number, now: number): Promise<void> {
  await tx.run(
    `UPDATE kin_shards SET end_seq = next_seq, closed_at = ?
     WHERE stream_id = ? AND idx = ? AND end_seq IS NULL`,
    [now, streamId, index],
  );
}

export function describeShard(shard: ShardRecord): Kinesis.Shard {
  return {
    ShardId: shard.shardId,
    ...(shard.parent ? { ParentShardId: shard.parent } : {}),
    ...(shard.adjacentParent ? { AdjacentParentShardId: shard.adjacentParent } : {}),
    HashKeyRange: { StartingHashKey: shard.hashStart.toString(), EndingHashKey: shard.hashEnd.toString() },
    SequenceNumberRange: {
      StartingSequenceNumber: formatSequence(shard.index, 0),
      ...(shard.endSeq !== undefined
        ? { EndingSequenceNumber: formatSequence(shard.index, Math.max(0, shard.endSeq - 1)) }
        : {}),
    },
  };
}

/** The open shards that cover a closed shard's range: its children, for GetRecords' ChildShards. */
export function childShards(shards: ShardRecord[], parent: ShardRecord): Kinesis.ChildShard[] {
  return shards
    .filter((shard) => shard.parent === parent.shardId || shard.adjacentParent === parent.shardId)
    .map((shard) => ({
      ShardId: shard.shardId,
      ParentShards: [shard.parent, shard.adjacentParent].filter((id): id is string => id !== undefined),
      HashKeyRange: { StartingHashKey: shard.hashStart.toString(), EndingHashKey: shard.hashEnd.toString() },
    }));
}

export async function saveStream(tx: Tx, stream: StreamRecord): Promise<void> {
  await tx.run(
    `UPDATE kin_streams SET status = ?, mode = ?, retention_hours = ?, encryption = ?, key_id = ?, metrics = ?,
       tags = ?, next_shard = ?, max_record_kib = ?, warm_mibps = ? WHERE id = ?`,
    [
      stream.status,
      stream.mode,
      stream.retentionHours,
      stream.encryption,
      stream.keyId ?? null,
      JSON.stringify(stream.metrics),
      JSON.stringify(stream.tags),
      stream.nextShard,
      stream.maxRecordKib,
      stream.warmMibps ?? null,
      stream.id,
    ],
  );
}

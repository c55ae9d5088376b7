// Records: PutRecord/PutRecords commit them before answering, each taking the next number of its
// shard's counter in the same transaction; shard iterators are self-contained tokens (any node can
// read them), valid for five minutes; GetRecords reads a shard from an iterator's position.
import type { Kinesis } from '../../contract/index.ts';
import type { Clock } from '../../runtime/index.ts';
import type { Store, Tx } from '../../store/index.ts';
import {
  expiredIterator,
  invalidArgument,
  shardNotFound,
  streamNotFound,
  throughputExceeded,
} from './errors.ts';
import { formatSequence, hashKeyOf, MAX_HASH_KEY, parseSequence, shardIdOf, shardIndexOf } from './keys.ts';
import type { ShardLimits } from './limits.ts';
import {
  childShards,
  findShard,
  findStreamById,
  openShardsOf,
  requireStream,
  type Scope,
  type ShardRecord,
  type StreamRecord,
  shardsOf,
} from './streams.ts';

export const ITERATOR_LIFETIME_MS = 5 * 60 * 1000;
const MAX_PUT_BYTES = 5 * 1024 * 1024;
const MAX_GET_BYTES = 10 * 1024 * 1024;
const MAX_GET_RECORDS = 10_000;

export interface PutEntry {
  Data: Uint8Array;
  PartitionKey: string;
  ExplicitHashKey?: string | undefined;
}

/** One stored record, as GetRecords and the Pipes source see it. */
export interface StoredRecord {
  counter: number;
  SequenceNumber: string;
  PartitionKey: string;
  Data: Uint8Array;
  ApproximateArrivalTimestamp: Date;
}

interface RecordRow {
  seq: number | string;
  partition_key: string;
  data: Uint8Array;
  arrival: number | string;
}

/** Where an iterator points: the stream (by id, so a recreated stream does not match) and a counter. */
export interface Position {
  account: string;
  region: string;
  stream: string;
  streamId: number;
  shard: number;
  counter: number;
}

export function encodeIterator(position: Position, issuedAt: number): string {
  const parts = [
    1,
    position.account,
    position.region,
    position.stream,
    position.streamId,
    position.shard,
    position.counter,
    issuedAt,
  ];
  return Buffer.from(JSON.stringify(parts)).toString('base64');
}

export function decodeIterator(token: string): { position: Position; issuedAt: number } {
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
  } catch {
    parts = undefined;
  }
  if (
    !Array.isArray(parts) ||
    parts.length !== 8 ||
    parts[0] !== 1 ||
    !parts.slice(4).every((part) => Number.isSafeInteger(part)) ||
    !parts.slice(1, 4).every((part) => typeof part === 'string')
  ) {
    throw invalidArgument(`Invalid ShardIterator.`);
  }
  const [, account, region, stream, streamId, shard, counter, issuedAt] = parts as [
    number,
    string,
    string,
    string,
    number,
    number,
    number,
    number,
  ];
  return { position: { account, region, stream, streamId, shard, counter }, issuedAt };
}

const recordBytes = (entry: PutEntry) => entry.Data.length + Buffer.byteLength(entry.PartitionKey);

/** The oldest arrival a stream still keeps, on the runtime clock. */
export const trimHorizon = (stream: StreamRecord, now: number) => now - stream.retentionHours * 3_600_000;

class ShardClosedWhilePutting extends Error {}

export class Records {
  /** Called after a write that added records to a stream committed (SubscribeToShard, pipes wake up). */
  private readonly listeners = new Set<(streamId: number) => void>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly limits: ShardLimits,
  ) {}

  onRecords(listener: (streamId: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Writes records to their shards; an entry the shard has no budget for gets its ErrorCode instead.
   * Returns one result per entry, in order.
   */
  async put(
    ref: Scope & { name: string },
    entries: PutEntry[],
  ): Promise<{ stream: StreamRecord; results: Kinesis.PutRecordsResultEntry[] }> {
    let total = 0;
    for (const entry of entries) total += recordBytes(entry);
    if (entries.length > 1 && total > MAX_PUT_BYTES) throw invalidArgument(`Records size exceeds 5 MB limit`);
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.store.write((tx) => this.putIn(tx, ref, entries));
      } catch (error) {
        // Another node closed a shard between reading it and taking its counter: place the records again.
        if (!(error instanceof ShardClosedWhilePutting) || attempt >= 3) throw error;
      }
    }
  }

  private async putIn(tx: Tx, ref: Scope & { name: string }, entries: PutEntry[]) {
    const stream = await requireStream(tx, ref);
    if (stream.status === 'CREATING' || stream.status === 'DELETING')
      throw streamNotFound(ref.name, ref.account);
    const shards = (await openShardsOf(tx, stream.id)).sort((a, b) => (a.hashStart < b.hashStart ? -1 : 1));
    const maxBytes = stream.maxRecordKib * 1024;
    const placed: Array<ShardRecord | undefined> = [];
    const results: Kinesis.PutRecordsResultEntry[] = [];
    const counts = new Map<number, number>();
    for (const entry of entries) {
      if (recordBytes(entry) > maxBytes)
        throw invalidArgument(
          `The size of a record (data blob and partition key) must not exceed ${maxBytes} bytes for stream ${stream.name} under account ${stream.account}.`,
        );
      let hash: bigint;
      if (entry.ExplicitHashKey !== undefined) {
        hash = BigInt(entry.ExplicitHashKey);
        if (hash > MAX_HASH_KEY)
          throw invalidArgument(
            `Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was ${entry.ExplicitHashKey}`,
          );
      } else hash = hashKeyOf(entry.PartitionKey);
      const shard = findByHash(shards, hash);
      if (!shard) throw new Error(`no open shard of ${stream.name} holds hash key ${hash}`);
      if (!this.limits.write(stream.id, shard.index, recordBytes(entry))) {
        placed.push(undefined);
        results.push({
          ErrorCode: 'ProvisionedThroughputExceededException',
          ErrorMessage: `Rate exceeded for shard ${shard.shardId} in stream ${stream.name} under account ${stream.account}.`,
        });
        continue;
      }
      placed.push(shard);
      results.push({});
      counts.set(shard.index, (counts.get(shard.index) ?? 0) + 1);
    }
    const next = new Map<number, number>();
    for (const [index, count] of counts) {
      const row = await tx.get<{ next_seq: number | string }>(
        'UPDATE kin_shards SET next_seq = next_seq + ? WHERE stream_id = ? AND idx = ? AND end_seq IS NULL RETURNING next_seq',
        [count, stream.id, index],
      );
      if (!row) throw new ShardClosedWhilePutting();
      next.set(index, Number(row.next_seq) - count);
    }
    const now = this.clock.now();
    const rows: Array<[number, number, string, Uint8Array]> = [];
    entries.forEach((entry, position) => {
      const shard = placed[position];
      if (!shard) return;
      const counter = next.get(shard.index)!;
      next.set(shard.index, counter + 1);
      results[position] = { ShardId: shard.shardId, SequenceNumber: formatSequence(shard.index, counter) };
      rows.push([shard.index, counter, entry.PartitionKey, entry.Data]);
    });
    for (let start = 0; start < rows.length; start += 100) {
      const chunk = rows.slice(start, start + 100);
      const params: Array<string | number | Uint8Array> = [];
      for (const [shard, counter, key, data] of chunk) params.push(stream.id, shard, counter, key, data, now);
      await tx.run(
        `INSERT INTO kin_records (stream_id, shard, seq, partition_key, data, arrival) VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}`,
        params,
      );
    }
    if (rows.length > 0) {
      tx.whenSettled((committed) => {
        if (committed) for (const listener of this.listeners) listener(stream.id);
      });
    }
    return { stream, results };
  }

  /** GetShardIterator: the position a type of iterator starts at. */
  async iterator(
    ref: Scope & { name: string },
    shardId: string,
    type: Kinesis.ShardIteratorType,
    sequenceNumber: string | undefined,
    timestamp: Date | undefined,
  ): Promise<string> {
    const now = this.clock.now();
    return this.store.read(async (tx) => {
      const stream = await requireStream(tx, ref);
      const index = shardIndexOf(shardId);
      const shard = index === undefined ? undefined : await findShard(tx, stream.id, index);
      if (!shard) throw shardNotFound(shardId, stream.name, stream.account);
      const counter = await this.startCounter(tx, stream, shard, type, sequenceNumber, timestamp, now);
      return encodeIterator(
        {
          account: stream.account,
          region: stream.region,
          stream: stream.name,
          streamId: stream.id,
          shard: shard.index,
          counter,
        },
        now,
      );
    });
  }

  /** The counter an iterator of `type` starts at (shared with SubscribeToShard's StartingPosition and pipes). */
  async startCounter(
    tx: Tx,
    stream: StreamRecord,
    shard: ShardRecord,
    type: Kinesis.ShardIteratorType,
    sequenceNumber: string | undefined,
    timestamp: Date | undefined,
    now: number,
  ): Promise<number> {
    switch (type) {
      case 'TRIM_HORIZON':
        return 0;
      case 'LATEST':
        return shard.endSeq ?? shard.nextSeq;
      case 'AT_TIMESTAMP': {
        if (!timestamp)
          throw invalidArgument(
            'Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.',
          );
        if (timestamp.getTime() > now)
          throw invalidArgument(
            `The timestampInMillis parameter cannot be greater than the currentTimestampInMillis. timestampInMillis: ${timestamp.getTime()}, currentTimestampInMillis: ${now}`,
          );
        const row = await tx.get<{ seq: number | string | null }>(
          'SELECT MIN(seq) AS seq FROM kin_records WHERE stream_id = ? AND shard = ? AND arrival >= ?',
          [stream.id, shard.index, timestamp.getTime()],
        );
        return row?.seq === null || row?.seq === undefined
          ? (shard.endSeq ?? shard.nextSeq)
          : Number(row.seq);
      }
      default: {
        if (sequenceNumber === undefined)
          throw invalidArgument(
            `Must specify StartingSequenceNumber for iterator of type ${type}. Current request has no StartingSequenceNumber.`,
          );
        const parsed = parseSequence(sequenceNumber);
        if (!parsed)
          throw invalidArgument(
            `StartingSequenceNumber ${sequenceNumber} used in GetShardIterator on shard ${shard.shardId} in stream ${stream.name} under account ${stream.account} is invalid.`,
          );
        if (parsed.shard !== shard.index)
          throw invalidArgument(
            `Invalid StartingSequenceNumber. It encodes ${shardIdOf(parsed.shard)}, while it was used in a call to a shard with ${shard.shardId}`,
          );
        return type === 'AFTER_SEQUENCE_NUMBER' ? parsed.counter + 1 : parsed.counter;
      }
    }
  }

  /** Reads up to `limit` records of a shard from `counter` on, within the stream's retention. */
  async read(
    tx: Tx,
    stream: StreamRecord,
    shard: number,
    counter: number,
    limit: number,
    now: number,
    maxBytes = MAX_GET_BYTES,
  ): Promise<{ records: StoredRecord[]; bytes: number; more: boolean }> {
    const rows = await tx.all<RecordRow>(
      `SELECT seq, partition_key, data, arrival FROM kin_records
       WHERE stream_id = ? AND shard = ? AND seq >= ? AND arrival >= ? ORDER BY seq LIMIT ?`,
      [stream.id, shard, counter, trimHorizon(stream, now), limit + 1],
    );
    const records: StoredRecord[] = [];
    let bytes = 0;
    for (const row of rows) {
      if (records.length >= limit) break;
      const size = row.data.length + Buffer.byteLength(row.partition_key);
      if (records.length > 0 && bytes + size > maxBytes) break;
      bytes += size;
      const seq = Number(row.seq);
      records.push({
        counter: seq,
        SequenceNumber: formatSequence(shard, seq),
        PartitionKey: row.partition_key,
        Data: row.data,
        ApproximateArrivalTimestamp: new Date(Number(row.arrival)),
      });
    }
    return { records, bytes, more: rows.length > records.length };
  }

  async getRecords(input: Kinesis.GetRecordsInput): Promise<Kinesis.GetRecordsOutput> {
    const { position, issuedAt } = decodeIterator(input.ShardIterator);
    const now = this.clock.now();
    if (now - issuedAt > ITERATOR_LIFETIME_MS)
      throw expiredIterator(
        `Iterator expired. The iterator was created at time ${new Date(issuedAt).toUTCString()} while right now it is ${new Date(now).toUTCString()} which is further in the future than the tolerated delay of ${ITERATOR_LIFETIME_MS} milliseconds.`,
      );
    const limit = Math.min(input.Limit ?? MAX_GET_RECORDS, MAX_GET_RECORDS);
    return this.store.read(async (tx) => {
      const stream = await findStreamById(tx, position.streamId);
      if (!stream || stream.name !== position.stream || stream.account !== position.account)
        throw shardNotFound(shardIdOf(position.shard), position.stream, position.account);
      const shard = await findShard(tx, stream.id, position.shard);
      if (!shard) throw shardNotFound(shardIdOf(position.shard), stream.name, stream.account);
      if (!this.limits.read(stream.id, shard.index))
        throw throughputExceeded(
          `Rate exceeded for Shard - ${stream.account}:${stream.name}:${shard.shardId}`,
        );
      const { records, bytes, more } = await this.read(tx, stream, shard.index, position.counter, limit, now);
      this.limits.readBytes(stream.id, shard.index, bytes);
      const last = records[records.length - 1];
      const counter = last ? last.counter + 1 : position.counter;
      const output: Kinesis.GetRecordsOutput = {
        Records: records.map(({ counter: _, ...record }) => record),
        MillisBehindLatest: more && last ? Math.max(0, now - last.ApproximateArrivalTimestamp.getTime()) : 0,
      };
      if (shard.endSeq !== undefined && counter >= shard.endSeq && !more) {
        output.ChildShards = childShards(await shardsOf(tx, stream.id), shard);
      } else {
        output.NextShardIterator = encodeIterator({ ...position, counter }, now);
      }
      return output;
    });
  }

  /** Deletes what is past each stream's retention (reads already skip it): run now and then. */
  async trim(): Promise<number> {
    const now = this.clock.now();
    const streams = await this.store.read((tx) =>
      tx.all<{ id: number | string; retention_hours: number }>('SELECT id, retention_hours FROM kin_streams'),
    );
    let deleted = 0;
    for (const stream of streams) {
      const horizon = now - Number(stream.retention_hours) * 3_600_000;
      const { changes } = await this.store.write((tx) =>
        tx.run('DELETE FROM kin_records WHERE stream_id = ? AND arrival < ?', [Number(stream.id), horizon]),
      );
      deleted += changes;
    }
    return deleted;
  }
}

function findByHash(shards: ShardRecord[], hash: bigint): ShardRecord | undefined {
  let low = 0;
  let high = shards.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const shard = shards[middle]!;
    if (hash < shard.hashStart) high = middle - 1;
    else if (hash > shard.hashEnd) low = middle + 1;
    else return shard;
  }
  return undefined;
}

// SubscribeToShard (enhanced fan-out): an event stream over HTTP/2 that pushes a shard's records to
// a registered consumer as they arrive, for five minutes; each event carries the continuation
// sequence number to subscribe again from. One subscription per consumer and shard at a time.
import type { Kinesis, RequestContext } from '../../contract/index.ts';
import type { Clock } from '../../runtime/index.ts';
import type { Store } from '../../store/index.ts';
import { consumerNotFound, findConsumerByArn, parseConsumerArn } from './consumers.ts';
import { inUse, shardNotFound } from './errors.ts';
import { formatSequence, shardIndexOf } from './keys.ts';
import type { Records } from './records.ts';
import {
  childShards,
  findShard,
  findStreamById,
  requireStream,
  type StreamRecord,
  shardsOf,
  streamRef,
} from './streams.ts';

export const SUBSCRIPTION_MS = 5 * 60 * 1000;
/** How often an idle subscription sends an empty event (and looks for records written by other nodes). */
const HEARTBEAT_MS = 5000;
const POLL_MS = 1000;

export class Subscriptions {
  private readonly active = new Map<string, AbortController>();
  private readonly wakers = new Map<number, Set<() => void>>();
  private stopping = false;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly records: Records,
  ) {
    records.onRecords((streamId) => {
      for (const wake of this.wakers.get(streamId) ?? []) wake();
    });
  }

  async subscribe(
    input: Kinesis.SubscribeToShardInput,
    context: RequestContext,
  ): Promise<Kinesis.SubscribeToShardOutput> {
    const { streamArn } = parseConsumerArn(input.ConsumerARN);
    const now = this.clock.now();
    const { stream, counter, shardIndex } = await this.store.read(async (tx) => {
      const stream = await requireStream(tx, streamRef({ StreamARN: streamArn }, context));
      const consumer = await findConsumerByArn(tx, input.ConsumerARN);
      if (!consumer) throw consumerNotFound(parseConsumerArn(input.ConsumerARN).name, stream);
      const index = shardIndexOf(input.ShardId);
      const shard = index === undefined ? undefined : await findShard(tx, stream.id, index);
      if (!shard) throw shardNotFound(input.ShardId, stream.name, stream.account);
      const position = input.StartingPosition;
      const counter = await this.records.startCounter(
        tx,
        stream,
        shard,
        position.Type,
        position.SequenceNumber,
        position.Timestamp,
        now,
      );
      return { stream, counter, shardIndex: shard.index };
    });
    const key = `${input.ConsumerARN} ${input.ShardId}`;
    if (this.active.has(key))
      throw inUse(
        `Another active subscription exists for this consumer: ${input.ConsumerARN} on shard ${input.ShardId}`,
      );
    const abort = new AbortController();
    this.active.set(key, abort);
    const signal = AbortSignal.any([abort.signal, context.signal]);
    return { EventStream: this.events(stream, shardIndex, counter, signal, key, input.ConsumerARN) };
  }

  private async *events(
    stream: StreamRecord,
    shard: number,
    start: number,
    signal: AbortSignal,
    key: string,
    consumer: string,
  ): AsyncIterable<Kinesis.SubscribeToShardEventStream> {
    const ends = Date.now() + SUBSCRIPTION_MS;
    let counter = start;
    let lastSent = 0;
    try {
      while (!signal.aborted && !this.stopping && Date.now() < ends) {
        const now = this.clock.now();
        const read = await this.store.read(async (tx) => {
          const current = await findStreamById(tx, stream.id);
          const shardRow = current ? await findShard(tx, stream.id, shard) : undefined;
          const owner = await findConsumerByArn(tx, consumer);
          if (!current || !shardRow || !owner) return undefined;
          const got = await this.records.read(tx, current, shard, counter, 10_000, now, 1024 * 1024);
          const last = got.records[got.records.length - 1];
          const next = last ? last.counter + 1 : counter;
          const ended = shardRow.endSeq !== undefined && next >= shardRow.endSeq && !got.more;
          return {
            ...got,
            next,
            ended,
            children: ended ? childShards(await shardsOf(tx, stream.id), shardRow) : undefined,
          };
        });
        if (!read) return;
        const last = read.records[read.records.length - 1];
        if (read.records.length > 0 || read.ended || Date.now() - lastSent >= HEARTBEAT_MS) {
          counter = read.next;
          lastSent = Date.now();
          yield {
            SubscribeToShardEvent: {
              Records: read.records.map(({ counter: _, ...record }) => record),
              ContinuationSequenceNumber: formatSequence(shard, Math.max(0, counter - 1)),
              MillisBehindLatest:
                read.more && last ? Math.max(0, now - last.ApproximateArrivalTimestamp.getTime()) : 0,
              ...(read.children ? { ChildShards: read.children } : {}),
            },
          };
          if (read.ended) return;
        }
        if (!read.more) await this.wait(stream.id, signal, Math.min(POLL_MS, ends - Date.now()));
      }
    } finally {
      this.active.delete(key);
    }
  }

  private wait(streamId: number, signal: AbortSignal, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wakers = this.wakers.get(streamId) ?? new Set();
      this.wakers.set(streamId, wakers);
      const done = () => {
        clearTimeout(timer);
        wakers.delete(done);
        if (wakers.size === 0) this.wakers.delete(streamId);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      wakers.add(done);
      signal.addEventListener('abort', done);
    });
  }

  /** A deleted consumer's subscriptions end. */
  consumerGone(consumerArn: string): void {
    for (const [key, abort] of this.active) if (key.startsWith(`${consumerArn} `)) abort.abort();
  }

  /** A deleted stream's subscriptions notice on their next look; wake them now. */
  streamDeleted(): void {
    for (const wakers of this.wakers.values()) for (const wake of wakers) wake();
  }

  stop(): void {
    this.stopping = true;
    for (const abort of this.active.values()) abort.abort();
  }
}

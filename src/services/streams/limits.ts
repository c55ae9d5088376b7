// Per-shard throughput limits, as Kinesis enforces them: each shard takes up to 1 MiB or 1,000
// records a second, and serves 5 GetRecords calls and 2 MiB a second. Token buckets on the runtime
// clock, kept by each node for the calls it answers (several nodes each allow a shard's full rate).
import type { Clock } from '../../runtime/index.ts';

const MIB = 1024 * 1024;

class Bucket {
  private tokens: number;
  private at: number;
  constructor(
    private readonly perSecond: number,
    now: number,
  ) {
    this.tokens = perSecond;
    this.at = now;
  }

  private refill(now: number): void {
    if (now > this.at) {
      this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.at) / 1000) * this.perSecond);
    }
    this.at = now;
  }

  /** Whether `amount` fits now; takes it when it does. */
  take(amount: number, now: number): boolean {
    this.refill(now);
    if (this.tokens < amount) return false;
    this.tokens -= amount;
    return true;
  }

  /** Whether anything is left (a read may overdraw: one GetRecords can return 10 MiB). */
  positive(now: number): boolean {
    this.refill(now);
    return this.tokens > 0;
  }

  spend(amount: number): void {
    this.tokens -= amount;
  }
}

interface ShardBuckets {
  writeRecords: Bucket;
  writeBytes: Bucket;
  readCalls: Bucket;
  readBytes: Bucket;
}

export class ShardLimits {
  private readonly shards = new Map<string, ShardBuckets>();

  constructor(
    readonly enabled: boolean,
    private readonly clock: Clock,
  ) {}

  private buckets(streamId: number, shard: number): ShardBuckets {
    const key = `${streamId}/${shard}`;
    let buckets = this.shards.get(key);
    if (!buckets) {
      const now = this.clock.now();
      buckets = {
        writeRecords: new Bucket(1000, now),
        writeBytes: new Bucket(MIB, now),
        readCalls: new Bucket(5, now),
        readBytes: new Bucket(2 * MIB, now),
      };
      if (this.shards.size > 100_000) this.shards.clear();
      this.shards.set(key, buckets);
    }
    return buckets;
  }

  /** Takes one record of `bytes` from the shard's write budget; false when it is spent. */
  write(streamId: number, shard: number, bytes: number): boolean {
    if (!this.enabled) return true;
    const now = this.clock.now();
    const buckets = this.buckets(streamId, shard);
    if (!buckets.writeRecords.take(1, now)) return false;
    if (!buckets.writeBytes.take(bytes, now)) {
      buckets.writeRecords.spend(-1);
      return false;
    }
    return true;
  }

  /** Takes one GetRecords call from the shard's read budget; false when it is spent. */
  read(streamId: number, shard: number): boolean {
    if (!this.enabled) return true;
    const now = this.clock.now();
    const buckets = this.buckets(streamId, shard);
    if (!buckets.readBytes.positive(now)) return false;
    return buckets.readCalls.take(1, now);
  }

  /** Records what a GetRecords call returned against the shard's read bytes. */
  readBytes(streamId: number, shard: number, bytes: number): void {
    if (this.enabled) this.buckets(streamId, shard).readBytes.spend(bytes);
  }
}

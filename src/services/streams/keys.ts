// Hash keys, sequence numbers and shard ids as Kinesis shapes them.
//
// A partition key's MD5 digest, read as a 128-bit unsigned integer, is its hash key; the shard
// whose range holds it takes the record. A sequence number is 56 decimal digits: `49`, the shard's
// index in its stream (6 digits) and the shard's own counter (48 digits), so numbers grow within a
// shard, a child shard's are above its parents', and each names the shard it belongs to.
import { createHash } from 'node:crypto';

export const MAX_HASH_KEY = (1n << 128n) - 1n;

export function hashKeyOf(partitionKey: string): bigint {
  return BigInt(`0x${createHash('md5').update(partitionKey, 'utf8').digest('hex')}`);
}

export const shardIdOf = (index: number): string => `shardId-${String(index).padStart(12, '0')}`;

export function shardIndexOf(shardId: string): number | undefined {
  const match = /^shardId-(\d{12})$/.exec(shardId);
  return match ? Number(match[1]) : undefined;
}

export function formatSequence(shard: number, counter: number): string {
  return `49${String(shard).padStart(6, '0')}${String(counter).padStart(48, '0')}`;
}

export function parseSequence(text: string): { shard: number; counter: number } | undefined {
  const match = /^49(\d{6})(\d{48})$/.exec(text);
  if (!match) return undefined;
  const counter = Number(match[2]);
  return Number.isSafeInteger(counter) ? { shard: Number(match[1]), counter } : undefined;
}

/** Hash-key ranges of `count` shards splitting the whole key space evenly, as CreateStream makes them. */
export function evenRanges(count: number, from = 0n, to = MAX_HASH_KEY): Array<[bigint, bigint]> {
  const size = (to - from + 1n) / BigInt(count);
  const ranges: Array<[bigint, bigint]> = [];
  for (let index = 0; index < count; index++) {
    const start = from + size * BigInt(index);
    const end = index === count - 1 ? to : start + size - 1n;
    ranges.push([start, end]);
  }
  return ranges;
}

// Identifiers: request ids and resource ids in the shapes AWS uses.
import { randomBytes, randomUUID } from 'node:crypto';

export function newRequestId(): string {
  return randomUUID();
}

export function newUuid(): string {
  return randomUUID();
}

/** Lower-case hex of `bytes` random bytes (ECS task ids use 16: 32 hex digits). */
export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/**
 * A version 7 UUID: the first 48 bits are `nowMs`, the rest random. Ids made later sort later, so
 * an index on them grows at one end (a random UUID lands on a random page of it at every insert).
 */
export function newTimeOrderedUuid(nowMs: number): string {
  const time = Math.max(0, Math.floor(nowMs)).toString(16).padStart(12, '0').slice(-12);
  const random = randomUUID(); // xxxxxxxx-xxxx-4xxx-vxxx-xxxxxxxxxxxx, the variant already set
  return `${time.slice(0, 8)}-${time.slice(8)}-7${random.slice(15)}`;
}

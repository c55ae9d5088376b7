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

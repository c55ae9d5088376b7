// Receipt handles name the queue, the message row and the receive that handed it out; a handle
// acts on its message only while that receive still holds it (the row's `receipt` is its token).
import type { Queue } from '../registry.ts';
import { ReceiptInvalid } from './errors.ts';

export interface Receipt {
  queueId: number;
  seq: number;
  /** The receive's token (waiters.ts, newReceiptToken). */
  token: string;
}

export function encodeReceipt(queueId: number, seq: number, token: string): string {
  return Buffer.from(`${queueId}:${seq}:${token}`).toString('base64url');
}

export function decodeReceipt(handle: string): Receipt | undefined {
  if (handle.length === 0 || handle.length > 1024 || !/^[A-Za-z0-9_-]+$/.test(handle)) return undefined;
  const match = /^(\d{1,15}):(\d{1,15}):([0-9a-f]{16})$/.exec(
    Buffer.from(handle, 'base64url').toString('latin1'),
  );
  if (!match) return undefined;
  return { queueId: Number(match[1]), seq: Number(match[2]), token: match[3]! };
}

/** The receipt a handle names, if this engine handed it out for this queue. */
export function receiptOf(queue: Queue, handle: string): Receipt | ReceiptInvalid {
  const receipt = decodeReceipt(handle);
  return receipt && receipt.queueId === queue.id ? receipt : new ReceiptInvalid(handle);
}

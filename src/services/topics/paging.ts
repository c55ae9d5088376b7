// SNS's list operations page by 100; the token is the index to resume at, opaque to clients.
import { invalidParameter } from './errors.ts';

export const PAGE = 100;

export function page<T>(
  items: T[],
  token: string | undefined,
  size = PAGE,
): { items: T[]; NextToken?: string } {
  const start = token === undefined ? 0 : Number.parseInt(Buffer.from(token, 'base64url').toString(), 10);
  if (!Number.isInteger(start) || start < 0) throw invalidParameter('NextToken');
  const slice = items.slice(start, start + size);
  return start + size < items.length
    ? { items: slice, NextToken: Buffer.from(String(start + size)).toString('base64url') }
    : { items: slice };
}

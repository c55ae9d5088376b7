// NextToken/Limit paging over a sorted list; the token is the index to resume at. The model bounds
// Limit (1 to 100), and the edge checks it.
import { validation } from './errors.ts';

export function page<T>(
  items: T[],
  input: { NextToken?: string | undefined; Limit?: number | undefined },
): { items: T[]; NextToken?: string } {
  const token = input.NextToken;
  const start = token === undefined ? 0 : Number.parseInt(Buffer.from(token, 'base64url').toString(), 10);
  if (!Number.isInteger(start) || start < 0) throw validation('The NextToken is not valid.');
  const size = input.Limit ?? 100;
  const slice = items.slice(start, start + size);
  return start + size < items.length
    ? { items: slice, NextToken: Buffer.from(String(start + size)).toString('base64url') }
    : { items: slice };
}

// List paging as ECS does it: an opaque nextToken and a maxResults of 1–100 (defaults differ per list).
import { invalidParameter } from './errors.ts';

export function pageSize(maxResults: number | undefined, fallback: number): number {
  if (maxResults === undefined) return fallback;
  if (maxResults < 1 || maxResults > 100) throw invalidParameter('maxResults must be between 1 and 100.');
  return maxResults;
}

/** The position a nextToken carries: the sort key of the last item returned. */
export function readToken(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  try {
    const position = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof position.after === 'string') return position.after;
  } catch {
    // falls through to the error
  }
  throw invalidParameter('Invalid nextToken.');
}

export function writeToken(after: string): string {
  return Buffer.from(JSON.stringify({ after }), 'utf8').toString('base64url');
}

/** One page of items sorted by `key` (ascending unless `descending`), starting after the token's position. */
export function page<T>(
  items: T[],
  key: (item: T) => string,
  nextToken: string | undefined,
  size: number,
  descending = false,
): { items: T[]; nextToken: string | undefined } {
  const after = readToken(nextToken);
  const beyond = (item: T) => (descending ? key(item) < after! : key(item) > after!);
  const rest = after === undefined ? items : items.filter(beyond);
  const taken = rest.slice(0, size);
  return {
    items: taken,
    nextToken: rest.length > size && taken.length > 0 ? writeToken(key(taken.at(-1)!)) : undefined,
  };
}

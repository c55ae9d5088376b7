// Step Functions' paging: `maxResults` 0–1000 (0 means the default, 100) and an opaque
// `nextToken` that carries the sort key of the last item returned.
import { ServiceError } from '../../contract/index.ts';

export function pageSize(maxResults: number | undefined): number {
  return maxResults === undefined || maxResults === 0 ? 100 : maxResults;
}

export function writeToken(after: unknown): string {
  return Buffer.from(JSON.stringify({ after }), 'utf8').toString('base64url');
}

/** The position a token carries, or InvalidToken as Step Functions words a bad page token. */
export function readToken<T>(
  token: string | undefined,
  check: (value: unknown) => value is T,
): T | undefined {
  if (token === undefined) return undefined;
  try {
    const position = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown };
    if (check(position.after)) return position.after;
  } catch {
    // falls through to the error
  }
  throw new ServiceError('InvalidToken', `Invalid Token: 'Invalid token: ${token.slice(0, 64)}'`);
}

export const isString = (value: unknown): value is string => typeof value === 'string';
export const isNumber = (value: unknown): value is number => typeof value === 'number';
export const isPair = (value: unknown): value is [number, string] =>
  Array.isArray(value) && typeof value[0] === 'number' && typeof value[1] === 'string';

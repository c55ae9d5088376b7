// Positions in a log and the tokens that carry them. Events are ordered by (timestamp, seq); a
// position is the pair, printed as 56 digits like AWS's `f/3758…` tokens and event ids.
import { invalidToken } from './errors.ts';

export interface Position {
  ts: number;
  seq: number;
}

/** Before every event: nothing sorts below timestamp 0, seq 0. */
export const ORIGIN: Position = { ts: 0, seq: 0 };

const TS_DIGITS = 20;
const SEQ_DIGITS = 36;

export const positionDigits = (position: Position) =>
  String(position.ts).padStart(TS_DIGITS, '0') + String(position.seq).padStart(SEQ_DIGITS, '0');

function parseDigits(digits: string): Position | undefined {
  if (!/^\d{56}$/.test(digits)) return undefined;
  const ts = Number(digits.slice(0, TS_DIGITS));
  const seq = Number(digits.slice(TS_DIGITS));
  return Number.isSafeInteger(ts) && Number.isSafeInteger(seq) ? { ts, seq } : undefined;
}

/** FilterLogEvents' eventId: unique and stable, so `aws logs tail --follow` can drop what it printed. */
export const eventId = positionDigits;

export interface StreamToken {
  /** `f`: the events after the position; `b`: the events before it. */
  direction: 'f' | 'b';
  position: Position;
}

export const formatStreamToken = (token: StreamToken) =>
  `${token.direction}/${positionDigits(token.position)}`;

/** Parses a GetLogEvents token, or throws InvalidParameterException. */
export function parseStreamToken(text: string): StreamToken {
  const direction = text.slice(0, 2);
  const position = parseDigits(text.slice(2));
  if ((direction !== 'f/' && direction !== 'b/') || !position) throw invalidToken();
  return { direction: direction === 'f/' ? 'f' : 'b', position };
}

/** An opaque paging token for a JSON-able keyset position. */
export const formatPageToken = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Reads a paging token back, checked by `accept`; anything else is InvalidParameterException. */
export function parsePageToken<T>(text: string, accept: (value: unknown) => value is T): T {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw invalidToken();
  }
  if (!accept(value)) throw invalidToken();
  return value;
}

export const isPosition = (value: unknown): value is Position =>
  typeof value === 'object' &&
  value !== null &&
  Number.isSafeInteger((value as Position).ts) &&
  Number.isSafeInteger((value as Position).seq);

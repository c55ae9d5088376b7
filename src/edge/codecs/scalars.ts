// Scalar values shared by every codec: numbers, booleans, timestamps and blobs in and out.
import type { ResolvedShape } from '../../contract/index.ts';
import { InputProblemError } from './types.ts';

const INTEGER_TYPES = new Set(['integer', 'long', 'short', 'byte', 'biginteger']);
const FLOAT_TYPES = new Set(['float', 'double', 'bigdecimal']);

export function isNumberType(shape: ResolvedShape): boolean {
  return INTEGER_TYPES.has(shape.type) || FLOAT_TYPES.has(shape.type);
}

export function typeProblem(member: string, expected: string, value: unknown): InputProblemError {
  return new InputProblemError({ kind: 'type', member, expected, value });
}

/** A scalar given as text (Query parameters, headers, URI labels, XML text). */
export function scalarFromText(shape: ResolvedShape, text: string, member: string): unknown {
  switch (shape.type) {
    case 'integer':
    case 'long':
    case 'short':
    case 'byte':
    case 'biginteger': {
      if (!/^[-+]?\d+$/.test(text.trim())) throw typeProblem(member, 'an integer', text);
      return Number(text);
    }
    case 'float':
    case 'double':
    case 'bigdecimal': {
      const value = Number(text);
      if (text.trim() === '' || Number.isNaN(value)) throw typeProblem(member, 'a number', text);
      return value;
    }
    case 'boolean':
      if (text === 'true') return true;
      if (text === 'false') return false;
      throw typeProblem(member, 'a boolean', text);
    case 'timestamp':
      return parseTimestamp(text, member);
    case 'blob':
      return Buffer.from(text, 'base64');
    default:
      return text;
  }
}

/** Timestamps arrive as epoch seconds or as ISO-8601 / RFC-822 text. */
export function parseTimestamp(value: string | number, member: string): Date {
  const date =
    typeof value === 'number' || /^-?\d+(\.\d+)?$/.test(value)
      ? new Date(Number(value) * 1000)
      : new Date(value);
  if (Number.isNaN(date.getTime())) throw typeProblem(member, 'a timestamp', value);
  return date;
}

/** Handlers return timestamps as Date, or as epoch milliseconds. */
export function toDate(value: unknown): Date {
  return value instanceof Date ? value : new Date(Number(value));
}

export function formatTimestamp(
  value: unknown,
  format: 'iso8601' | 'unixTimestamp' | 'rfc822',
): string | number {
  const date = toDate(value);
  if (format === 'unixTimestamp') return date.getTime() / 1000;
  if (format === 'rfc822') return date.toUTCString();
  return date.toISOString();
}

export function toBase64(value: unknown): string {
  if (typeof value === 'string') return Buffer.from(value).toString('base64');
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  return '';
}

/** A scalar as text, for Query XML, headers and REST XML. */
export function scalarToText(
  shape: ResolvedShape,
  value: unknown,
  timestampFormat: 'iso8601' | 'rfc822' = 'iso8601',
): string {
  switch (shape.type) {
    case 'timestamp':
      return String(formatTimestamp(value, shape.timestampFormat ?? timestampFormat));
    case 'blob':
      return toBase64(value);
    default:
      return String(value);
  }
}

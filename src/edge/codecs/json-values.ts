// Model-driven conversion between JSON documents and handler values (AWS JSON 1.0/1.1 and REST-JSON bodies).

import type { Shape, ShapeResolver } from '../../contract/index.ts';
import { ServiceError } from '../../contract/index.ts';
import { formatTimestamp, parseTimestamp, toBase64, typeProblem } from './scalars.ts';
import { InputProblemError } from './types.ts';

function memberPath(parent: string, name: string): string {
  return parent === '' ? name : `${parent}.${name}`;
}

/** Decodes and checks a JSON value against its shape: types, and required members. */
export function decodeJson(resolver: ShapeResolver, ref: Shape, value: unknown, path: string): unknown {
  const shape = resolver.resolve(ref);
  if (shape.document) return value;
  switch (shape.type) {
    case 'structure': {
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        throw typeProblem(path, 'an object', value);
      return decodeJsonMembers(
        resolver,
        shape.members ?? {},
        shape.required ?? [],
        value as Record<string, unknown>,
        path,
      );
    }
    case 'list': {
      if (!Array.isArray(value)) throw typeProblem(path, 'a list', value);
      return value.map((item, index) =>
        decodeJson(resolver, shape.member ?? {}, item, memberPath(path, String(index + 1))),
      );
    }
    case 'map': {
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        throw typeProblem(path, 'a map', value);
      const result: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        if (item !== null) result[key] = decodeJson(resolver, shape.value ?? {}, item, memberPath(path, key));
      }
      return result;
    }
    case 'boolean':
      if (typeof value !== 'boolean') throw typeProblem(path, 'a boolean', value);
      return value;
    case 'integer':
    case 'long':
    case 'short':
    case 'byte':
    case 'biginteger':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw typeProblem(path, 'an integer', value);
      return value;
    case 'float':
    case 'double':
    case 'bigdecimal':
      if (typeof value !== 'number') throw typeProblem(path, 'a number', value);
      return value;
    case 'timestamp':
      if (typeof value !== 'number' && typeof value !== 'string')
        throw typeProblem(path, 'a timestamp', value);
      return parseTimestamp(value, path);
    case 'blob':
      if (typeof value !== 'string') throw typeProblem(path, 'base64 text', value);
      return Buffer.from(value, 'base64');
    default:
      if (typeof value !== 'string') throw typeProblem(path, 'a string', value);
      return value;
  }
}

/** Decodes the members of a structure read from JSON; absent and null members are left out. */
export function decodeJsonMembers(
  resolver: ShapeResolver,
  members: Record<string, Shape>,
  required: readonly string[],
  source: Record<string, unknown>,
  path: string,
): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [name, ref] of Object.entries(members)) {
    const raw = source[ref.locationName ?? name];
    if (raw === undefined || raw === null) continue;
    result[name] = decodeJson(resolver, ref, raw, memberPath(path, name));
  }
  for (const name of required) {
    if (result[name] === undefined)
      throw new InputProblemError({ kind: 'missing', member: memberPath(path, name) });
  }
  return result;
}

/** Encodes a handler value as JSON by its shape; undefined and null members are omitted. */
export function encodeJson(resolver: ShapeResolver, ref: Shape, value: unknown): unknown {
  const shape = resolver.resolve(ref);
  if (shape.document) return value;
  switch (shape.type) {
    case 'structure':
      return encodeJsonMembers(resolver, shape.members ?? {}, value as Record<string, unknown>);
    case 'list':
      return (value as unknown[]).map((item) => encodeJson(resolver, shape.member ?? {}, item));
    case 'map': {
      const result: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
        if (item !== undefined && item !== null) result[key] = encodeJson(resolver, shape.value ?? {}, item);
      }
      return result;
    }
    case 'timestamp':
      return formatTimestamp(value, shape.timestampFormat ?? 'unixTimestamp');
    case 'blob':
      return toBase64(value);
    default:
      return value;
  }
}

export function encodeJsonMembers(
  resolver: ShapeResolver,
  members: Record<string, Shape>,
  value: Record<string, unknown>,
): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [name, ref] of Object.entries(members)) {
    const item = value[name];
    if (item === undefined || item === null) continue;
    result[ref.locationName ?? name] = encodeJson(resolver, ref, item);
  }
  return result;
}

/** Parses a JSON request body that must be an object; an empty body is `{}`. */
export function parseJsonObject(body: Buffer): Record<string, unknown> {
  const text = body.toString('utf8').trim();
  if (text === '') return {};
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new ServiceError(
      'SerializationException',
      `The request body is not valid JSON: ${(error as Error).message}`,
    );
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new ServiceError('SerializationException', 'The request body must be a JSON object.');
  }
  return document as Record<string, unknown>;
}

// Smithy RPC v2 CBOR: `POST /service/{ServiceName}/operation/{Operation}` with `smithy-protocol:
// rpc-v2-cbor`; input and output are CBOR maps shaped by the model (timestamps as tag 1 epoch
// seconds, blobs as byte strings), errors a map with `__type` and `message`.

import type { Input, Shape, ShapeResolver } from '../../contract/index.ts';
import { ServiceError } from '../../contract/index.ts';
import { CborError, decodeCbor, encodeCbor } from './cbor.ts';
import { jsonRpcCodec } from './json-rpc.ts';
import { typeProblem } from './scalars.ts';
import { type Codec, InputProblemError } from './types.ts';

const PATH = /^\/service\/([^/]+)\/operation\/([^/]+)$/;

/** The service and operation a request's path names, when it is an RPC v2 path. */
export function rpcV2Target(rawPath: string): { service: string; operation: string } | undefined {
  const match = PATH.exec(rawPath);
  if (!match) return undefined;
  return { service: decodeURIComponent(match[1] ?? ''), operation: decodeURIComponent(match[2] ?? '') };
}

const memberPath = (parent: string, name: string) => (parent === '' ? name : `${parent}.${name}`);

function isMap(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Uint8Array) &&
    !(value instanceof Date)
  );
}

/** Checks a decoded CBOR value against its shape and turns it into the handler's value. */
export function fromCbor(resolver: ShapeResolver, ref: Shape, value: unknown, path: string): unknown {
  const shape = resolver.resolve(ref);
  if (shape.document) return value;
  switch (shape.type) {
    case 'structure': {
      if (!isMap(value)) throw typeProblem(path, 'a map', value);
      const result: Record<string, unknown> = {};
      for (const [name, member] of Object.entries(shape.members ?? {})) {
        const item = value[name];
        if (item === undefined || item === null) continue;
        result[name] = fromCbor(resolver, member, item, memberPath(path, name));
      }
      for (const name of shape.required ?? [])
        if (result[name] === undefined)
          throw new InputProblemError({ kind: 'missing', member: memberPath(path, name) });
      return result;
    }
    case 'list':
      if (!Array.isArray(value)) throw typeProblem(path, 'a list', value);
      return value.map((item, index) =>
        fromCbor(resolver, shape.member ?? {}, item, memberPath(path, String(index + 1))),
      );
    case 'map': {
      if (!isMap(value)) throw typeProblem(path, 'a map', value);
      const result: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value))
        if (item !== null && item !== undefined)
          result[key] = fromCbor(resolver, shape.value ?? {}, item, memberPath(path, key));
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
      if (value instanceof Date) return value;
      if (typeof value === 'number') return new Date(value * 1000);
      throw typeProblem(path, 'a timestamp', value);
    case 'blob':
      if (!(value instanceof Uint8Array)) throw typeProblem(path, 'a byte string', value);
      return value;
    default:
      if (typeof value !== 'string') throw typeProblem(path, 'a string', value);
      return value;
  }
}

/** A handler's value as CBOR wants it: Dates for timestamps, bytes for blobs, by the model. */
export function toCbor(resolver: ShapeResolver, ref: Shape, value: unknown): unknown {
  const shape = resolver.resolve(ref);
  if (shape.document || value === undefined || value === null) return value;
  switch (shape.type) {
    case 'structure': {
      const result: Record<string, unknown> = {};
      const source = value as Record<string, unknown>;
      for (const [name, member] of Object.entries(shape.members ?? {})) {
        const item = source[name];
        if (item !== undefined && item !== null) result[name] = toCbor(resolver, member, item);
      }
      return result;
    }
    case 'list':
      return (value as unknown[]).map((item) => toCbor(resolver, shape.member ?? {}, item));
    case 'map': {
      const result: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value as Record<string, unknown>))
        if (item !== undefined && item !== null) result[key] = toCbor(resolver, shape.value ?? {}, item);
      return result;
    }
    case 'timestamp':
      return value instanceof Date ? value : new Date(Number(value));
    case 'blob':
      return typeof value === 'string' ? new TextEncoder().encode(value) : value;
    default:
      return value;
  }
}

const HEADERS = { 'content-type': 'application/cbor', 'smithy-protocol': 'rpc-v2-cbor' };

export const rpcV2CborCodec: Codec = {
  protocol: 'rpc-v2-cbor',

  operationOf(request, service) {
    const target = rpcV2Target(request.rawPath);
    const metadata = service.definition.model.metadata;
    if (!target || request.method !== 'POST') return undefined;
    if (target.service !== metadata.targetPrefix && target.service !== metadata.serviceId.replace(/ /g, ''))
      return undefined;
    return Object.hasOwn(service.definition.model.operations, target.operation)
      ? target.operation
      : undefined;
  },

  requestedOperation(request) {
    return rpcV2Target(request.rawPath)?.operation;
  },

  decodeInput(request, service, operation): Input {
    const inputShape = service.definition.model.operations[operation]?.input;
    let document: unknown = {};
    if (request.body.length > 0) {
      try {
        document = decodeCbor(request.body);
      } catch (error) {
        if (!(error instanceof CborError)) throw error;
        throw new ServiceError(
          'SerializationException',
          `The request body is not valid CBOR: ${error.message}`,
        );
      }
    }
    if (!inputShape) return {};
    if (!isMap(document))
      throw new ServiceError('SerializationException', 'The request body must be a CBOR map.');
    return fromCbor(service.resolver, inputShape, document, '') as Input;
  },

  encodeOutput(service, operation, output, meta) {
    const outputShape = service.definition.model.operations[operation]?.output;
    const body = outputShape ? toCbor(service.resolver, outputShape, output) : {};
    return {
      status: 200,
      headers: { ...HEADERS, 'x-amzn-requestid': meta.requestId },
      body: Buffer.from(encodeCbor(body)),
    };
  },

  encodeError(service, error, meta) {
    const metadata = service?.definition.model.metadata;
    const headers: Record<string, string> = { ...HEADERS, 'x-amzn-requestid': meta.requestId };
    if (metadata?.awsQueryCompatible) {
      const queryCode = error.queryCode ?? service?.definition.queryErrorCodes?.[error.code] ?? error.code;
      headers['x-amzn-query-error'] = `${queryCode};${error.senderFault ? 'Sender' : 'Receiver'}`;
    }
    const namespace = metadata ? `com.amazonaws.${metadata.endpointPrefix}#` : '';
    return {
      status: error.status,
      headers,
      body: Buffer.from(
        encodeCbor({ __type: `${namespace}${error.code}`, message: error.message, ...error.fields }),
      ),
    };
  },

  inputError: (problem) => jsonRpcCodec.inputError(problem),
  unknownOperation: (name, service) => jsonRpcCodec.unknownOperation(name, service),
};

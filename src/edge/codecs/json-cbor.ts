// AWS JSON 1.1 with CBOR bodies (`application/x-amz-cbor-1.1`), as the Java SDK and the KCL send
// Kinesis calls: the operation still comes from `X-Amz-Target`, the input and output are CBOR maps
// shaped by the model. Unlike RPC v2 CBOR, timestamps are epoch milliseconds (a bare integer, or
// tag 1 holding milliseconds, which is what the Java SDK writes), and errors are CBOR maps with
// `__type` and `message`.

import type { Input } from '../../contract/index.ts';
import { ServiceError } from '../../contract/index.ts';
import { CborError, decodeCbor, encodeCbor } from './cbor.ts';
import { jsonRpcCodec } from './json-rpc.ts';
import { fromCbor, toCbor } from './rpc-v2-cbor.ts';
import type { Codec, EdgeRequest } from './types.ts';

export const AMZ_CBOR = 'application/x-amz-cbor-1.1';

/** Whether a JSON-protocol request carries a CBOR body. */
export function isAmzCbor(request: EdgeRequest): boolean {
  const type = request.headers['content-type'];
  return typeof type === 'string' && type.startsWith(AMZ_CBOR);
}

/** Maps every Date in a decoded or encoded value (blobs are Uint8Arrays, never Dates). */
function mapDates(value: unknown, map: (date: Date) => unknown): unknown {
  if (value instanceof Date) return map(value);
  if (Array.isArray(value)) return value.map((item) => mapDates(item, map));
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) result[key] = mapDates(item, map);
    return result;
  }
  return value;
}

export const jsonCborCodec: Codec = {
  protocol: 'json',
  operationOf: (request, service) => jsonRpcCodec.operationOf(request, service),
  requestedOperation: (request) => jsonRpcCodec.requestedOperation(request),

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
    if (document === null || typeof document !== 'object' || Array.isArray(document))
      throw new ServiceError('SerializationException', 'The request body must be a CBOR map.');
    // fromCbor reads numbers and tag 1 as seconds; here both were milliseconds.
    const decoded = fromCbor(service.resolver, inputShape, document, '');
    return mapDates(decoded, (date) => new Date(date.getTime() / 1000)) as Input;
  },

  encodeOutput(service, operation, output, meta) {
    const outputShape = service.definition.model.operations[operation]?.output;
    const body = outputShape ? toCbor(service.resolver, outputShape, output) : {};
    return {
      status: 200,
      headers: { 'content-type': AMZ_CBOR, 'x-amzn-requestid': meta.requestId },
      body: Buffer.from(encodeCbor(mapDates(body, (date) => date.getTime()))),
    };
  },

  encodeError(_service, error, meta) {
    return {
      status: error.status,
      headers: { 'content-type': AMZ_CBOR, 'x-amzn-requestid': meta.requestId },
      body: Buffer.from(encodeCbor({ __type: error.code, message: error.message, ...error.fields })),
    };
  },

  inputError: (problem) => jsonRpcCodec.inputError(problem),
  unknownOperation: (name, service) => jsonRpcCodec.unknownOperation(name, service),
};

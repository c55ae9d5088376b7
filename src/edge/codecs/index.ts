// The protocol codecs, one per AWS wire protocol.
import type { Protocol } from '../../contract/index.ts';
import { isAmzCbor, jsonCborCodec } from './json-cbor.ts';
import { jsonRpcCodec } from './json-rpc.ts';
import { queryCodec } from './query.ts';
import { restJsonCodec, restXmlCodec } from './rest.ts';
import { rpcV2CborCodec } from './rpc-v2-cbor.ts';
import type { Codec, EdgeRequest } from './types.ts';

export { targetOf } from './json-rpc.ts';
export { queryParameters } from './query.ts';
export { rpcV2Target } from './rpc-v2-cbor.ts';
export type {
  Codec,
  CodecService,
  EdgeRequest,
  EdgeResponse,
  ResponseMeta,
  StreamedRequestBody,
} from './types.ts';
export { InputProblemError } from './types.ts';

export const codecs: Record<Protocol, Codec> = {
  json: jsonRpcCodec,
  query: queryCodec,
  'rest-json': restJsonCodec,
  'rest-xml': restXmlCodec,
  'rpc-v2-cbor': rpcV2CborCodec,
};

/** The codec for a routed request: JSON-protocol requests with a CBOR body (the Java SDK's Kinesis calls) get the CBOR form. */
export function codecFor(protocol: Protocol, request: EdgeRequest): Codec {
  return protocol === 'json' && isAmzCbor(request) ? jsonCborCodec : codecs[protocol];
}

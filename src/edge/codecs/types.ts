// The request and response as codecs see them, and the interface every protocol codec implements.
import type { IncomingHttpHeaders } from 'node:http';
import type {
  Input,
  InputProblem,
  Protocol,
  RequestBody,
  ServiceDefinition,
  ServiceError,
  ShapeResolver,
} from '../../contract/index.ts';

export interface EdgeRequest {
  method: string;
  /**
   * The path, still percent-encoded: as sent, or with the bucket a virtual-hosted request named in
   * its host put in front (`bucket.localhost/key` → `/bucket/key`).
   */
  rawPath: string;
  /** The path as sent, when `rawPath` is not it: what the signature signed. */
  signedPath?: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The body, read whole; empty when it is streamed instead. */
  body: Buffer;
  /** The body, when the operation's payload is a streaming blob: read by the handler as it arrives. */
  stream?: StreamedRequestBody;
}

/** A streamed body, with the hook codecs bind trailing headers (aws-chunked trailers) through. */
export interface StreamedRequestBody extends RequestBody {
  /** Calls `bind` with the headers the body brings at its end, before its readers see the end. */
  onEndHeaders(bind: (headers: Record<string, string>) => void): void;
}

export interface EdgeResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
  /** An event-stream answer: written chunk by chunk after the head, instead of `body`. */
  stream?: AsyncIterable<Uint8Array>;
}

export interface ResponseMeta {
  requestId: string;
  operation: string;
}

/** One service as a codec needs it: its definition plus a resolver for its shapes. */
export interface CodecService {
  definition: ServiceDefinition;
  resolver: ShapeResolver;
}

/** Thrown while decoding input; the server turns it into the service's error for that problem. */
export class InputProblemError extends Error {
  constructor(readonly problem: InputProblem) {
    super(
      problem.kind === 'constraints'
        ? `${problem.violations.length} constraint(s) broken`
        : `${problem.kind} ${problem.member}`,
    );
  }
}

export interface Codec {
  readonly protocol: Protocol;
  /** The operation this request asks for, or undefined when it names none this service has. */
  operationOf(request: EdgeRequest, service: CodecService): string | undefined;
  /** The name the request gave for its operation, for the "unknown operation" message. */
  requestedOperation(request: EdgeRequest): string | undefined;
  decodeInput(request: EdgeRequest, service: CodecService, operation: string): Input;
  encodeOutput(
    service: CodecService,
    operation: string,
    output: Record<string, unknown>,
    meta: ResponseMeta,
  ): EdgeResponse;
  encodeError(service: CodecService | undefined, error: ServiceError, meta: ResponseMeta): EdgeResponse;
  /** The protocol's own error for an input problem, used when the service has none of its own. */
  inputError(problem: InputProblem): ServiceError;
  /** The protocol's error for a request naming an operation the service does not have. */
  unknownOperation(name: string | undefined, service: CodecService): ServiceError;
}

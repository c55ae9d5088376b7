// Streaming blobs (S3's object bodies): what a handler is given for a request body that is not read
// into memory first, and what it may answer with, and the HTTP status an answer can carry.
import type { ChecksumAlgorithm } from '../runtime/index.ts';

/**
 * A streaming blob member, as the generated operation types name it. In an input the edge gives a
 * `RequestBody` (`isRequestBody` tells); a handler's output gives bytes or anything that yields
 * them (a file's read stream), which the edge writes out as they come, with back-pressure.
 */
export type StreamingBlob = Uint8Array | AsyncIterable<Uint8Array>;

/**
 * A request body the edge streams to the handler instead of reading it first: a model's streaming
 * blob payload. The edge has already taken the wire framing off (`aws-chunked`, with its chunk
 * signatures verified when keys are configured); while the body is read it computes the digests
 * asked for, and when it ends it checks what the request said about it (its length, its SHA-256,
 * its Content-MD5, its x-amz-checksum-* header or trailer). A mismatch makes the iteration throw a
 * ServiceError (BadDigest, IncompleteBody, …) instead of ending: a handler commits only what it has
 * read to the end.
 */
export interface RequestBody extends AsyncIterable<Buffer> {
  /** The body's length as the request declared it (Content-Length, x-amz-decoded-content-length). */
  readonly length: number | undefined;
  /** Asks for the digest of `algorithm` over the body, computed as it is read; call before reading. */
  track(algorithm: ChecksumAlgorithm): void;
  /** Once the body has ended: the digest of a tracked algorithm. */
  digest(algorithm: ChecksumAlgorithm): Buffer | undefined;
  /** Once the body has ended: its trailing headers (`aws-chunked` trailers), by lower-case name. */
  readonly trailers: Readonly<Record<string, string>>;
  /** Whether the body was read to its end. */
  readonly consumed: boolean;
}

export function isRequestBody(value: unknown): value is RequestBody {
  return typeof (value as RequestBody | undefined)?.track === 'function';
}

const STATUS = Symbol('eddy.httpStatus');

/** Marks an output to be answered with another HTTP status than the model's (206 Partial Content). */
export function withHttpStatus<T extends object>(output: T, status: number): T {
  Object.defineProperty(output, STATUS, { value: status, enumerable: false });
  return output;
}

/** The status `withHttpStatus` gave an output, if any. */
export function httpStatusOf(output: object): number | undefined {
  return (output as { [STATUS]?: number })[STATUS];
}

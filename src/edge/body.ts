// Request bodies: read whole (most requests), or streamed to the handler (a model's streaming blob
// payload, S3's object bodies) so that gigabytes never sit in memory. Either way the framing AWS's
// SDKs put on a body is taken off (`aws-chunked`, with chunk signatures and trailers), and what
// the request says about its body is checked against it: its length, its SHA-256
// (x-amz-content-sha256), its Content-MD5 and its flexible checksum (x-amz-checksum-*, a header or
// a trailer). A mismatch fails the body with the error S3 answers.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import { type RequestBody, ServiceError } from '../contract/index.ts';
import {
  type ChecksumAlgorithm,
  createChecksum,
  type Hasher,
  isChecksumAlgorithm,
} from '../runtime/index.ts';

/** What verifying `STREAMING-AWS4-HMAC-SHA256-PAYLOAD` chunk signatures needs from the request's signature. */
export interface ChunkSigning {
  signingKey: Buffer;
  amzDate: string;
  scope: string;
  seedSignature: string;
}

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
/** Longest chunk-size or trailer line accepted (a signature line is about 100 bytes). */
const MAX_LINE = 4096;
/** Expected lengths of the base64 checksum values, by algorithm. */
const CHECKSUM_BYTES: Record<ChecksumAlgorithm, number> = {
  CRC32: 4,
  CRC32C: 4,
  CRC64NVME: 8,
  SHA1: 20,
  SHA256: 32,
  SHA512: 64,
  MD5: 16,
};

function headerOf(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

const invalid = (message: string) => new ServiceError('InvalidRequest', message);

/** The algorithm an `x-amz-checksum-<name>` header names, if it is one eddy computes. */
function checksumHeaderAlgorithm(name: string): ChecksumAlgorithm | undefined {
  if (!name.startsWith('x-amz-checksum-')) return undefined;
  const algorithm = name.slice('x-amz-checksum-'.length).toUpperCase();
  if (algorithm === 'TYPE' || algorithm === 'ALGORITHM' || algorithm === 'MODE') return undefined;
  if (!isChecksumAlgorithm(algorithm)) {
    throw invalid(
      `eddy does not compute ${algorithm} checksums; use CRC32, CRC32C, CRC64NVME, SHA1 or SHA256.`,
    );
  }
  return algorithm;
}

/** Whether a body needs the decoder at all: aws-chunked framing, or something to check it against. */
export function needsDecoding(headers: IncomingHttpHeaders): boolean {
  if (headers['content-md5'] !== undefined || headers['x-amz-trailer'] !== undefined) return true;
  const encoding = headerOf(headers, 'content-encoding');
  if (encoding?.includes('aws-chunked')) return true;
  const declared = headerOf(headers, 'x-amz-content-sha256');
  if (declared?.startsWith('STREAMING-')) return true;
  for (const name in headers) if (name.startsWith('x-amz-checksum-')) return true;
  return false;
}

type State = 'size' | 'data' | 'data-end' | 'trailer' | 'done';

/**
 * Takes a request's raw bytes and gives its decoded body; checks it when it ends. `signing` is
 * given when the request's signature was verified and its chunks are signed.
 */
export class BodyDecoder extends Transform {
  /** The decoded body's length as declared, when it was. */
  readonly declaredLength: number | undefined;
  readonly trailers: Record<string, string> = {};
  /** Headers the body brings at its end: its trailers, and the checksum it declared and eddy computed. */
  readonly endHeaders: Record<string, string> = {};
  received = 0;
  ended = false;
  /** Called when the body ended and passed its checks, before its readers see the end. */
  readonly onEnd: Array<(endHeaders: Record<string, string>) => void> = [];

  private readonly chunked: boolean;
  private readonly signedChunks: boolean;
  private readonly signedTrailer: boolean;
  private readonly hashers = new Map<ChecksumAlgorithm, Hasher>();
  private readonly digests = new Map<ChecksumAlgorithm, Buffer>();
  /** Checksums the request gave in headers, to compare at the end. */
  private readonly given = new Map<ChecksumAlgorithm, string>();
  private readonly trailerChecksums: ChecksumAlgorithm[] = [];
  private readonly declaredAlgorithm: ChecksumAlgorithm | undefined;
  private readonly contentMd5: string | undefined;
  private readonly payloadSha256: string | undefined;
  private payloadHash: ReturnType<typeof createHash> | undefined;

  private state: State = 'size';
  private line = '';
  private remaining = 0;
  private chunkSignature: string | undefined;
  private chunkHash: ReturnType<typeof createHash> | undefined;
  private previousSignature: string | undefined;

  private signing: ChunkSigning | undefined;

  constructor(headers: IncomingHttpHeaders) {
    super();
    const declared = headerOf(headers, 'x-amz-content-sha256');
    const encoding = headerOf(headers, 'content-encoding');
    this.chunked = encoding?.includes('aws-chunked') === true || declared?.startsWith('STREAMING-') === true;
    this.signedChunks = declared?.startsWith('STREAMING-AWS4-HMAC-SHA256-PAYLOAD') === true;
    this.signedTrailer = declared === 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER';
    if (declared !== undefined && /^[0-9a-f]{64}$/i.test(declared) && declared !== EMPTY_SHA256) {
      this.payloadSha256 = declared.toLowerCase();
      this.payloadHash = createHash('sha256');
    }
    const lengthHeader = this.chunked
      ? headerOf(headers, 'x-amz-decoded-content-length')
      : headerOf(headers, 'content-length');
    if (lengthHeader !== undefined) {
      const length = Number(lengthHeader);
      if (!Number.isSafeInteger(length) || length < 0)
        throw invalid(`The declared length '${lengthHeader}' is not a number of bytes.`);
      this.declaredLength = length;
    } else if (!this.chunked && headers['transfer-encoding'] === undefined) {
      this.declaredLength = 0;
    }

    for (const name of Object.keys(headers)) {
      const algorithm = checksumHeaderAlgorithm(name);
      if (!algorithm) continue;
      if (this.given.size > 0) throw invalid('Expecting a single x-amz-checksum- header.');
      const value = headerOf(headers, name)!;
      checkChecksumValue(algorithm, value, name);
      this.given.set(algorithm, value);
      this.track(algorithm);
    }
    const trailer = headerOf(headers, 'x-amz-trailer');
    if (trailer !== undefined) {
      for (const name of trailer.split(',').map((part) => part.trim().toLowerCase())) {
        const algorithm = checksumHeaderAlgorithm(name);
        if (!algorithm) continue;
        if (this.given.size > 0 || this.trailerChecksums.length > 0)
          throw invalid('Expecting a single x-amz-checksum- header.');
        this.trailerChecksums.push(algorithm);
        this.track(algorithm);
      }
    }
    const sdkAlgorithm = headerOf(headers, 'x-amz-sdk-checksum-algorithm')?.toUpperCase();
    if (sdkAlgorithm !== undefined) {
      if (!isChecksumAlgorithm(sdkAlgorithm))
        throw invalid(`Checksum algorithm '${sdkAlgorithm}' is not one eddy computes.`);
      this.declaredAlgorithm = sdkAlgorithm;
      this.track(sdkAlgorithm);
    }
    const md5 = headerOf(headers, 'content-md5');
    if (md5 !== undefined) {
      if (Buffer.from(md5, 'base64').length !== 16 || !/^[A-Za-z0-9+/]+=*$/.test(md5)) {
        throw new ServiceError('InvalidDigest', 'The Content-MD5 you specified is not valid.');
      }
      this.contentMd5 = md5;
      this.track('MD5');
    }
  }

  /** Verifies each chunk's signature (STREAMING-AWS4-HMAC-SHA256-PAYLOAD) against the request's, once verified. */
  verifyChunksWith(signing: ChunkSigning): void {
    if (!this.signedChunks) return;
    this.signing = signing;
    this.previousSignature = signing.seedSignature;
  }

  track(algorithm: ChecksumAlgorithm): void {
    if (this.received > 0) throw new Error('a digest must be asked for before the body is read');
    if (!this.hashers.has(algorithm)) this.hashers.set(algorithm, createChecksum(algorithm));
  }

  digest(algorithm: ChecksumAlgorithm): Buffer | undefined {
    return this.digests.get(algorithm);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      if (this.chunked) this.decodeChunked(chunk);
      else this.accept(chunk);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      if (this.chunked && this.state !== 'done' && this.state !== 'trailer') {
        throw new ServiceError('IncompleteBody', 'The aws-chunked body ended before its last chunk.');
      }
      if (this.chunked && this.state === 'trailer' && this.line !== '') this.trailerLine(this.line);
      this.finish();
      this.ended = true;
      for (const listener of this.onEnd) listener(this.endHeaders);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  /** Decoded bytes: hashed, counted, passed on. */
  private accept(data: Buffer): void {
    if (data.length === 0) return;
    this.received += data.length;
    if (this.declaredLength !== undefined && this.received > this.declaredLength) {
      throw new ServiceError(
        'IncompleteBody',
        `The body is longer than the ${this.declaredLength} bytes its request declared.`,
      );
    }
    for (const hasher of this.hashers.values()) hasher.update(data);
    this.payloadHash?.update(data);
    this.chunkHash?.update(data);
    this.push(data);
  }

  private decodeChunked(input: Buffer): void {
    let at = 0;
    while (at < input.length) {
      switch (this.state) {
        case 'size':
        case 'trailer': {
          const newline = input.indexOf(10, at);
          const end = newline < 0 ? input.length : newline;
          this.line += input.toString('latin1', at, end);
          if (this.line.length > MAX_LINE) throw invalid('An aws-chunked line is too long.');
          at = end;
          if (newline < 0) break;
          at++;
          const line = this.line.endsWith('\r') ? this.line.slice(0, -1) : this.line;
          this.line = '';
          if (this.state === 'size') this.sizeLine(line);
          else if (line === '') this.state = 'done';
          else this.trailerLine(line);
          break;
        }
        case 'data': {
          const take = Math.min(this.remaining, input.length - at);
          this.accept(input.subarray(at, at + take));
          this.remaining -= take;
          at += take;
          if (this.remaining === 0) {
            this.state = 'data-end';
            this.line = '';
          }
          break;
        }
        case 'data-end': {
          // The CRLF after a chunk's data.
          const byte = input[at++]!;
          this.line += String.fromCharCode(byte);
          if (byte === 10) {
            if (this.line !== '\r\n' && this.line !== '\n')
              throw invalid('An aws-chunked chunk is longer than its size.');
            this.line = '';
            this.verifyChunk();
            this.state = 'size';
          } else if (this.line.length > 2) throw invalid('An aws-chunked chunk is longer than its size.');
          break;
        }
        case 'done':
          // Bytes after the final CRLF: ignored, as S3 does.
          return;
      }
    }
  }

  private sizeLine(line: string): void {
    const [sizeText = '', ...extensions] = line.split(';');
    if (!/^[0-9a-fA-F]{1,16}$/.test(sizeText.trim()))
      throw invalid(`'${line.slice(0, 40)}' is not an aws-chunked chunk size.`);
    const size = Number.parseInt(sizeText.trim(), 16);
    this.chunkSignature = undefined;
    for (const extension of extensions) {
      const [key, value] = extension.split('=');
      if (key?.trim() === 'chunk-signature') this.chunkSignature = value?.trim();
    }
    if (this.signedChunks && this.signing) {
      if (!this.chunkSignature)
        throw new ServiceError('SignatureDoesNotMatch', 'A chunk carries no chunk-signature.', {
          status: 403,
        });
      this.chunkHash = createHash('sha256');
    }
    if (size === 0) {
      this.verifyChunk();
      this.state = 'trailer';
      return;
    }
    this.remaining = size;
    this.state = 'data';
  }

  /** Checks the chunk just read against its signature (when chunks are signed and keys configured). */
  private verifyChunk(): void {
    if (!this.signedChunks || !this.signing || !this.chunkHash) return;
    const signing = this.signing;
    const stringToSign = [
      'AWS4-HMAC-SHA256-PAYLOAD',
      signing.amzDate,
      signing.scope,
      this.previousSignature,
      EMPTY_SHA256,
      this.chunkHash.digest('hex'),
    ].join('\n');
    this.chunkHash = undefined;
    const expected = createHmac('sha256', signing.signingKey).update(stringToSign).digest();
    const provided = Buffer.from(this.chunkSignature ?? '', 'hex');
    if (provided.length !== expected.length || !timingSafeEqual(provided, expected)) {
      throw new ServiceError(
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
        { status: 403 },
      );
    }
    this.previousSignature = this.chunkSignature;
  }

  private trailerLine(line: string): void {
    const colon = line.indexOf(':');
    if (colon <= 0) throw invalid(`'${line.slice(0, 40)}' is not an aws-chunked trailer.`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'x-amz-trailer-signature') {
      this.verifyTrailer(value);
      return;
    }
    this.trailers[name] = value;
  }

  private verifyTrailer(signature: string): void {
    if (!this.signedTrailer || !this.signing) return;
    const signing = this.signing;
    const canonical = Object.entries(this.trailers)
      .map(([name, value]) => `${name}:${value}\n`)
      .join('');
    const stringToSign = [
      'AWS4-HMAC-SHA256-TRAILER',
      signing.amzDate,
      signing.scope,
      this.previousSignature,
      createHash('sha256').update(canonical).digest('hex'),
    ].join('\n');
    const expected = createHmac('sha256', signing.signingKey).update(stringToSign).digest();
    const provided = Buffer.from(signature, 'hex');
    if (provided.length !== expected.length || !timingSafeEqual(provided, expected)) {
      throw new ServiceError('SignatureDoesNotMatch', 'The trailer signature does not match.', {
        status: 403,
      });
    }
  }

  /** The body ended: digests, and every check the request asked for. */
  private finish(): void {
    if (this.declaredLength !== undefined && this.received !== this.declaredLength) {
      throw new ServiceError(
        'IncompleteBody',
        'You did not provide the number of bytes specified by the Content-Length HTTP header.',
      );
    }
    for (const [algorithm, hasher] of this.hashers) this.digests.set(algorithm, hasher.digest());
    if (this.payloadHash) {
      const computed = this.payloadHash.digest('hex');
      if (computed !== this.payloadSha256) {
        throw new ServiceError(
          'XAmzContentSHA256Mismatch',
          "The provided 'x-amz-content-sha256' header does not match what was computed.",
          { fields: { ClientComputedContentSHA256: this.payloadSha256, S3ComputedContentSHA256: computed } },
        );
      }
    }
    if (this.contentMd5 !== undefined) {
      const computed = this.digests.get('MD5')!.toString('base64');
      if (computed !== this.contentMd5) {
        throw new ServiceError('BadDigest', 'The Content-MD5 you specified did not match what we received.', {
          fields: {
            ExpectedDigest: Buffer.from(this.contentMd5, 'base64').toString('hex'),
            CalculatedDigest: computed,
          },
        });
      }
    }
    for (const algorithm of this.trailerChecksums) {
      const name = `x-amz-checksum-${algorithm.toLowerCase()}`;
      const value = this.trailers[name];
      if (value === undefined) throw invalid(`The trailer ${name} the request declared did not come.`);
      checkChecksumValue(algorithm, value, name);
      this.given.set(algorithm, value);
    }
    for (const [algorithm, value] of this.given) {
      if (this.digests.get(algorithm)!.toString('base64') !== value) {
        throw new ServiceError(
          'BadDigest',
          `The ${algorithm} you specified did not match the calculated checksum.`,
        );
      }
    }
    Object.assign(this.endHeaders, this.trailers);
    const declared = this.declaredAlgorithm;
    if (declared) {
      const name = `x-amz-checksum-${declared.toLowerCase()}`;
      this.endHeaders[name] ??= this.digests.get(declared)!.toString('base64');
    }
  }
}

function checkChecksumValue(algorithm: ChecksumAlgorithm, value: string, name: string): void {
  if (
    !/^[A-Za-z0-9+/]+=*$/.test(value) ||
    Buffer.from(value, 'base64').length !== CHECKSUM_BYTES[algorithm]
  ) {
    throw invalid(`Value for ${name} header is invalid.`);
  }
}

/** The client went away before its body ended. */
export class ClientGoneError extends Error {
  constructor() {
    super('the client closed the connection before its request body ended');
  }
}

/**
 * A streamed body as the handler gets it. Nothing is read until the handler iterates: a request
 * refused first (no such bucket) never asks the client to send its body (`Expect: 100-continue`).
 */
export class StreamedBody implements RequestBody {
  private started = false;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    readonly decoder: BodyDecoder,
    private readonly expectsContinue: boolean,
  ) {}

  get length(): number | undefined {
    return this.decoder.declaredLength;
  }

  get trailers(): Readonly<Record<string, string>> {
    return this.decoder.trailers;
  }

  get consumed(): boolean {
    return this.decoder.ended;
  }

  /** Whether reading has begun. */
  get reading(): boolean {
    return this.started;
  }

  track(algorithm: ChecksumAlgorithm): void {
    this.decoder.track(algorithm);
  }

  digest(algorithm: ChecksumAlgorithm): Buffer | undefined {
    return this.decoder.digest(algorithm);
  }

  /** Calls `bind` with the headers the body brings at its end (trailers), before the iteration ends. */
  onEndHeaders(bind: (headers: Record<string, string>) => void): void {
    this.decoder.onEnd.push(bind);
  }

  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    this.start();
    return this.decoder[Symbol.asyncIterator]();
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    const { req, decoder } = this;
    if (this.expectsContinue && !this.res.headersSent) this.res.writeContinue();
    req.once('close', () => {
      if (!req.complete) decoder.destroy(new ClientGoneError());
    });
    decoder.once('error', () => {
      // A body refused half-way: the rest is not read, and the connection closes after the answer.
      req.unpipe(decoder);
      req.resume();
    });
    req.pipe(decoder);
  }
}

/** Reads a body whole, decoding and checking it when its headers ask; refuses more than `maxBytes`. */
export async function readWhole(
  req: IncomingMessage,
  decoder: BodyDecoder | undefined,
  maxBytes: number,
  tooLarge: () => Error,
): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  const source: AsyncIterable<Buffer> = decoder ? req.pipe(decoder) : req;
  if (decoder) {
    req.once('close', () => {
      if (!req.complete) decoder.destroy(new ClientGoneError());
    });
  }
  try {
    for await (const chunk of source) {
      size += chunk.length;
      if (size > maxBytes) throw tooLarge();
      chunks.push(chunk);
    }
  } catch (error) {
    if (decoder) req.unpipe(decoder);
    req.resume();
    throw error;
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

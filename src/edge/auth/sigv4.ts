// AWS Signature Version 4: parses the signature of a request (header or presigned query) and verifies it.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { AccessKey } from '../../runtime/index.ts';
import type { EdgeRequest } from '../codecs/index.ts';

const ALGORITHM = 'AWS4-HMAC-SHA256';
const MAX_SKEW_MS = 15 * 60 * 1000;
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

export type AuthFailure =
  | 'missing'
  | 'incomplete'
  | 'unknown-key'
  | 'bad-signature'
  | 'expired'
  | 'expired-token';

export class AuthError extends Error {
  constructor(
    readonly failure: AuthFailure,
    message: string,
  ) {
    super(message);
  }
}

export interface SignatureParts {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  amzDate: string;
  presigned: boolean;
  /** Seconds a presigned URL stays valid. */
  expiresSeconds?: number;
}

function header(request: EdgeRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/**
 * The signature parts of a request, undefined when it is not signed at all. Throws `incomplete`
 * when it is signed but a part is missing or malformed.
 */
export function readSignature(request: EdgeRequest): SignatureParts | undefined {
  const authorization = header(request, 'authorization');
  if (authorization !== undefined) {
    if (!authorization.startsWith(`${ALGORITHM} `)) {
      throw new AuthError('incomplete', `Authorization header requires the ${ALGORITHM} algorithm.`);
    }
    const fields = new Map<string, string>();
    for (const part of authorization.slice(ALGORITHM.length + 1).split(',')) {
      const [key, ...value] = part.trim().split('=');
      if (key) fields.set(key, value.join('='));
    }
    const missing = ['Credential', 'SignedHeaders', 'Signature'].filter((key) => !fields.get(key));
    const amzDate = header(request, 'x-amz-date') ?? '';
    if (!amzDate) missing.push('X-Amz-Date');
    if (missing.length > 0) {
      throw new AuthError(
        'incomplete',
        `Authorization header requires ${missing.map((key) => `'${key}'`).join(', ')} parameter${missing.length > 1 ? 's' : ''}. Authorization=${authorization.replace(/Signature=\w+/, 'Signature=…')}`,
      );
    }
    return signatureParts(fields.get('Credential')!, {
      signedHeaders: fields.get('SignedHeaders')!.split(';'),
      signature: fields.get('Signature')!,
      amzDate,
      presigned: false,
    });
  }
  const credential = request.query.get('X-Amz-Credential');
  if (credential === null) return undefined;
  const missing = ['X-Amz-Algorithm', 'X-Amz-Date', 'X-Amz-SignedHeaders', 'X-Amz-Signature'].filter(
    (key) => !request.query.get(key),
  );
  if (missing.length > 0) {
    throw new AuthError(
      'incomplete',
      `AWS query-string parameters must include ${missing.map((key) => `'${key}'`).join(', ')}.`,
    );
  }
  if (request.query.get('X-Amz-Algorithm') !== ALGORITHM) {
    throw new AuthError('incomplete', `X-Amz-Algorithm only supports ${ALGORITHM}.`);
  }
  const expires = request.query.get('X-Amz-Expires');
  return signatureParts(credential, {
    signedHeaders: request.query.get('X-Amz-SignedHeaders')!.split(';'),
    signature: request.query.get('X-Amz-Signature')!,
    amzDate: request.query.get('X-Amz-Date')!,
    presigned: true,
    ...(expires !== null ? { expiresSeconds: Number(expires) } : {}),
  });
}

/** The parts of a signature: its credential scope, read from `credential`, and the rest. */
function signatureParts(
  credential: string,
  rest: Omit<SignatureParts, 'accessKeyId' | 'date' | 'region' | 'service'>,
): SignatureParts {
  const parts = credential.split('/');
  const [accessKeyId, date, region, service, terminator] = parts;
  if (parts.length !== 5 || !accessKeyId || !date || !region || !service || terminator !== 'aws4_request') {
    throw new AuthError(
      'incomplete',
      `Credential should be scoped to a valid region, service and terminator 'aws4_request': '${credential}'.`,
    );
  }
  return { accessKeyId, date, region, service, ...rest };
}

/** RFC 3986 encoding as SigV4 wants it: everything but unreserved characters. */
function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, '%20'));
  } catch {
    return text;
  }
}

function canonicalQuery(rawQuery: string, presigned: boolean): string {
  const pairs: Array<[string, string]> = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const equals = part.indexOf('=');
    const key = safeDecode(equals < 0 ? part : part.slice(0, equals));
    const value = equals < 0 ? '' : safeDecode(part.slice(equals + 1));
    if (presigned && key === 'X-Amz-Signature') continue;
    pairs.push([encodeRfc3986(key), encodeRfc3986(value)]);
  }
  pairs.sort(([keyA, valueA], [keyB, valueB]) =>
    keyA < keyB ? -1 : keyA > keyB ? 1 : valueA < valueB ? -1 : valueA > valueB ? 1 : 0,
  );
  return pairs.map(([key, value]) => `${key}=${value}`).join('&');
}

/** Non-S3 services sign the path as sent encoded once more; S3 signs it as sent. */
function canonicalPaths(rawPath: string, service: string): string[] {
  const path = rawPath === '' ? '/' : rawPath;
  const encodedAgain = path.split('/').map(encodeRfc3986).join('/');
  if (encodedAgain === path) return [path];
  return service === 's3' ? [path, encodedAgain] : [encodedAgain, path];
}

/** How many derived keys a cache keeps: one per secret, day, region and service in use. */
const SIGNING_KEYS_KEPT = 1000;

/**
 * SigV4 signing keys derived from a secret for a day, region and service (four HMACs), kept so a
 * request pays one HMAC for its signature instead of five. Held by the edge that verifies with it;
 * when full, the key derived longest ago goes (a day's keys replace the day before's).
 */
export class SigningKeyCache {
  private readonly keys = new Map<string, Buffer>();

  constructor(private readonly capacity = SIGNING_KEYS_KEPT) {}

  get size(): number {
    return this.keys.size;
  }

  key(secret: string, date: string, region: string, service: string): Buffer {
    const cacheKey = `${secret}\n${date}\n${region}\n${service}`;
    let key = this.keys.get(cacheKey);
    if (!key) {
      const hmac = (k: string | Buffer, data: string) => createHmac('sha256', k).update(data).digest();
      key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
      if (this.keys.size >= this.capacity) {
        const oldest = this.keys.keys().next();
        if (!oldest.done) this.keys.delete(oldest.value);
      }
      this.keys.set(cacheKey, key);
    }
    return key;
  }
}

function parseAmzDate(amzDate: string): number {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!match) return Number.NaN;
  const [, year, month, day, hour, minute, second] = match.map(Number) as number[];
  return Date.UTC(year!, month! - 1, day!, hour!, minute!, second!);
}

function formatAmzDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

export interface VerifyOptions {
  keys: readonly AccessKey[];
  now: number;
  signingKeys: SigningKeyCache;
}

/** What a verified signature gives: the key, and what verifying its body's signed chunks needs. */
export interface VerifiedSignature {
  key: AccessKey;
  signingKey: Buffer;
  scope: string;
}

/** A presigned URL is good from its date (within the allowed skew) for X-Amz-Expires seconds. */
export function checkPresignedWindow(parts: SignatureParts, now: number): void {
  const signedAt = parseAmzDate(parts.amzDate);
  if (Number.isNaN(signedAt)) {
    throw new AuthError('incomplete', `Date must be in ISO-8601 'basic format'. Got '${parts.amzDate}'.`);
  }
  const expires = parts.expiresSeconds ?? 900;
  if (!Number.isInteger(expires) || expires < 1 || expires > 604_800) {
    throw new AuthError(
      'incomplete',
      'X-Amz-Expires must be a whole number of seconds from 1 to 604800 (seven days).',
    );
  }
  if (now > signedAt + expires * 1000) throw new AuthError('expired', 'Request has expired');
  if (signedAt - now > MAX_SKEW_MS) throw new AuthError('expired', 'Request is not yet valid');
}

/**
 * Verifies a signed request against the configured keys. A body read whole is hashed here; a
 * streamed one (`request.stream`) is signed by the hash its x-amz-content-sha256 header declares,
 * which the body decoder checks as the body arrives.
 */
export function verifySignature(
  request: EdgeRequest,
  rawQuery: string,
  parts: SignatureParts,
  options: VerifyOptions,
): VerifiedSignature {
  const key = options.keys.find((candidate) => candidate.accessKeyId === parts.accessKeyId);
  if (!key) throw new AuthError('unknown-key', 'The security token included in the request is invalid.');

  const signedAt = parseAmzDate(parts.amzDate);
  if (Number.isNaN(signedAt)) {
    throw new AuthError('incomplete', `Date must be in ISO-8601 'basic format'. Got '${parts.amzDate}'.`);
  }
  if (parts.presigned) {
    checkPresignedWindow(parts, options.now);
  } else if (Math.abs(options.now - signedAt) > MAX_SKEW_MS) {
    const direction = signedAt < options.now ? 'earlier' : 'later';
    const bound = signedAt < options.now ? options.now - MAX_SKEW_MS : options.now + MAX_SKEW_MS;
    throw new AuthError(
      'expired',
      `Signature expired: ${parts.amzDate} is now ${direction} than ${formatAmzDate(bound)} (${formatAmzDate(options.now)} ${signedAt < options.now ? '-' : '+'} 15 min.)`,
    );
  }

  const declaredHash = parts.presigned ? undefined : header(request, 'x-amz-content-sha256');
  let payloadHashes: string[];
  if (request.stream) {
    if (declaredHash) payloadHashes = [declaredHash];
    else if (parts.presigned) payloadHashes = [UNSIGNED_PAYLOAD];
    else throw new AuthError('incomplete', 'Missing required header for this request: x-amz-content-sha256');
  } else {
    const bodyHash = createHash('sha256').update(request.body).digest('hex');
    if (
      declaredHash &&
      declaredHash !== UNSIGNED_PAYLOAD &&
      !declaredHash.startsWith('STREAMING-') &&
      declaredHash !== bodyHash
    ) {
      throw new AuthError(
        'bad-signature',
        'The provided x-amz-content-sha256 header does not match what was computed.',
      );
    }
    payloadHashes = declaredHash
      ? [declaredHash]
      : parts.presigned
        ? [UNSIGNED_PAYLOAD, bodyHash]
        : [bodyHash];
  }

  const canonicalHeaders = parts.signedHeaders
    .map((name) => `${name}:${(header(request, name) ?? '').trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const scope = `${parts.date}/${parts.region}/${parts.service}/aws4_request`;
  const keyBytes = options.signingKeys.key(key.secretAccessKey, parts.date, parts.region, parts.service);
  const provided = Buffer.from(parts.signature, 'hex');
  const query = canonicalQuery(rawQuery, parts.presigned);

  for (const path of canonicalPaths(request.signedPath ?? request.rawPath, parts.service)) {
    for (const payloadHash of payloadHashes) {
      const canonicalRequest = [
        request.method,
        path,
        query,
        canonicalHeaders,
        parts.signedHeaders.join(';'),
        payloadHash,
      ].join('\n');
      const stringToSign = [
        ALGORITHM,
        parts.amzDate,
        scope,
        createHash('sha256').update(canonicalRequest).digest('hex'),
      ].join('\n');
      const expected = createHmac('sha256', keyBytes).update(stringToSign).digest();
      if (provided.length === expected.length && timingSafeEqual(provided, expected))
        return { key, signingKey: keyBytes, scope };
    }
  }
  throw new AuthError(
    'bad-signature',
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  );
}

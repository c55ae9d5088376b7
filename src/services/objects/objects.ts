// Objects: bytes streamed to a blob, then one committed row; reads stream the blob back, whole or a
// range, under the conditional headers; listings page through keys in byte order.
import {
  type Handler,
  isRequestBody,
  type RequestBody,
  type RequestContext,
  ServiceError,
  withHttpStatus,
} from '../../contract/index.ts';
import {
  type ChecksumAlgorithm,
  createChecksum,
  isChecksumAlgorithm,
  type Runtime,
} from '../../runtime/index.ts';
import type { Tx } from '../../store/index.ts';
import type { BlobStore, Segment } from './blobs.ts';
import type { Bucket, BucketRegistry } from './buckets.ts';
import { invalidArgument, invalidRequest, noSuchKey, preconditionFailed } from './errors.ts';
import type { Notifier } from './notifications.ts';

/** Largest single PUT S3 accepts. */
export const MAX_PUT_BYTES = 5 * 1024 ** 3;

/** What is kept of an object beyond its key, size and ETag. */
export interface ObjectMeta {
  contentType?: string;
  contentEncoding?: string;
  contentDisposition?: string;
  contentLanguage?: string;
  cacheControl?: string;
  expires?: number;
  metadata?: Record<string, string>;
  storageClass?: string;
  websiteRedirect?: string;
  checksum?: { algorithm: ChecksumAlgorithm; value: string; type: 'FULL_OBJECT' | 'COMPOSITE' };
  partsCount?: number;
}

export interface ObjectRecord {
  id: number;
  key: string;
  size: number;
  etag: string;
  lastModified: number;
  meta: ObjectMeta;
  segments: Segment[];
  tags: Array<{ Key: string; Value: string }> | undefined;
}

interface ObjectRow {
  id: number;
  key: string;
  size: number;
  etag: string;
  last_modified: number;
  meta: string;
  segments: string;
  tags: string | null;
}

export function toRecord(row: ObjectRow): ObjectRecord {
  return {
    id: Number(row.id),
    key: row.key,
    size: Number(row.size),
    etag: row.etag,
    lastModified: Number(row.last_modified),
    meta: JSON.parse(row.meta) as ObjectMeta,
    segments: JSON.parse(row.segments) as Segment[],
    tags: row.tags ? (JSON.parse(row.tags) as ObjectRecord['tags']) : undefined,
  };
}

export async function readObject(tx: Tx, bucket: Bucket, key: string): Promise<ObjectRecord | undefined> {
  const row = await tx.get<ObjectRow>('SELECT * FROM s3_objects WHERE bucket_id = ? AND key = ?', [
    bucket.id,
    key,
  ]);
  return row && toRecord(row);
}

/** S3 keys are 1 to 1024 bytes of UTF-8. */
export function checkKey(key: string): void {
  if (Buffer.byteLength(key) > 1024)
    throw new ServiceError('KeyTooLongError', 'Your key is too long', {
      fields: { Size: Buffer.byteLength(key), MaxSizeAllowed: 1024 },
    });
  if (key === '') throw invalidArgument('The key must not be empty.');
}

/** The metadata a PutObject, CopyObject (REPLACE) or CreateMultipartUpload gives. */
export function metaFromInput(input: Record<string, unknown>): ObjectMeta {
  const text = (name: string) => (typeof input[name] === 'string' ? (input[name] as string) : undefined);
  const meta: ObjectMeta = {};
  const set = <K extends keyof ObjectMeta>(key: K, value: ObjectMeta[K] | undefined) => {
    if (value !== undefined) meta[key] = value;
  };
  set('contentType', text('ContentType'));
  set(
    'contentEncoding',
    text('ContentEncoding')
      ?.replace(/(^|,\s*)aws-chunked(?=,|$)/, '')
      .replace(/^,\s*/, '') || undefined,
  );
  set('contentDisposition', text('ContentDisposition'));
  set('contentLanguage', text('ContentLanguage'));
  set('cacheControl', text('CacheControl'));
  set('storageClass', text('StorageClass'));
  set('websiteRedirect', text('WebsiteRedirectLocation'));
  if (input.Expires instanceof Date) meta.expires = input.Expires.getTime();
  const metadata = input.Metadata as Record<string, string> | undefined;
  if (metadata && Object.keys(metadata).length > 0) meta.metadata = metadata;
  return meta;
}

/** The object's headers as GetObject and HeadObject answer them. */
export function objectHeaders(object: ObjectRecord, checksums: boolean): Record<string, unknown> {
  const { meta } = object;
  const out: Record<string, unknown> = {
    ETag: object.etag,
    LastModified: new Date(object.lastModified),
    ContentLength: object.size,
    ContentType: meta.contentType ?? 'binary/octet-stream',
    AcceptRanges: 'bytes',
  };
  if (meta.contentEncoding) out.ContentEncoding = meta.contentEncoding;
  if (meta.contentDisposition) out.ContentDisposition = meta.contentDisposition;
  if (meta.contentLanguage) out.ContentLanguage = meta.contentLanguage;
  if (meta.cacheControl) out.CacheControl = meta.cacheControl;
  if (meta.expires !== undefined) out.ExpiresString = new Date(meta.expires).toUTCString();
  if (meta.metadata) out.Metadata = meta.metadata;
  if (meta.storageClass && meta.storageClass !== 'STANDARD') out.StorageClass = meta.storageClass;
  if (meta.websiteRedirect) out.WebsiteRedirectLocation = meta.websiteRedirect;
  if (meta.partsCount) out.PartsCount = meta.partsCount;
  if (object.tags && object.tags.length > 0) out.TagCount = object.tags.length;
  if (checksums && meta.checksum) {
    const suffix = meta.checksum.type === 'COMPOSITE' ? `-${meta.partsCount ?? 1}` : '';
    out[`Checksum${meta.checksum.algorithm}`] = `${meta.checksum.value}${suffix}`;
    out.ChecksumType = meta.checksum.type;
  }
  return out;
}

/** The checksum members S3 answers writes with. */
export function checksumOutput(meta: ObjectMeta): Record<string, unknown> {
  if (!meta.checksum) return {};
  const suffix = meta.checksum.type === 'COMPOSITE' ? `-${meta.partsCount ?? 1}` : '';
  return {
    [`Checksum${meta.checksum.algorithm}`]: `${meta.checksum.value}${suffix}`,
    ChecksumType: meta.checksum.type,
  };
}

/** The checksum algorithm a write names: x-amz-sdk-checksum-algorithm, or the x-amz-checksum-* it carries. */
export function requestedAlgorithm(
  input: Record<string, unknown>,
  body?: RequestBody,
): ChecksumAlgorithm | undefined {
  const declared =
    typeof input.ChecksumAlgorithm === 'string' ? input.ChecksumAlgorithm.toUpperCase() : undefined;
  if (declared !== undefined) {
    if (!isChecksumAlgorithm(declared))
      throw invalidRequest(`Checksum algorithm ${declared} is not supported.`);
    return declared;
  }
  for (const name of ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256', 'SHA512', 'MD5'] as const) {
    if (typeof input[`Checksum${name}`] === 'string') return name;
  }
  const trailer = body && Object.keys(body.trailers).find((name) => name.startsWith('x-amz-checksum-'));
  const named = trailer?.slice('x-amz-checksum-'.length).toUpperCase();
  return named && isChecksumAlgorithm(named) ? named : undefined;
}

/** A request body as bytes to stream: the edge's streamed body, or bytes given whole. */
export function bodyOf(value: unknown): RequestBody {
  if (isRequestBody(value)) return value;
  const bytes = value instanceof Uint8Array ? Buffer.from(value) : Buffer.alloc(0);
  const digests = new Map<ChecksumAlgorithm, Buffer>();
  const tracked = new Set<ChecksumAlgorithm>();
  let consumed = false;
  return {
    length: bytes.length,
    trailers: {},
    get consumed() {
      return consumed;
    },
    track: (algorithm) => {
      tracked.add(algorithm);
    },
    digest: (algorithm) => digests.get(algorithm),
    async *[Symbol.asyncIterator]() {
      for (const algorithm of tracked) {
        const hasher = createChecksum(algorithm);
        hasher.update(bytes);
        digests.set(algorithm, hasher.digest());
      }
      consumed = true;
      if (bytes.length > 0) yield bytes;
    },
  };
}

/** Streams a request body into a blob; its MD5 (the ETag) and the checksum asked for come with it. */
export async function storeBody(
  blobs: BlobStore,
  body: RequestBody,
  algorithm: ChecksumAlgorithm | undefined,
  maxBytes: number,
): Promise<{ segment: Segment; md5: string; checksum: string | undefined }> {
  if (body.length !== undefined && body.length > maxBytes) {
    throw new ServiceError('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', {
      fields: { ProposedSize: body.length, MaxSizeAllowed: maxBytes },
    });
  }
  body.track('MD5');
  if (algorithm) body.track(algorithm);
  let written = 0;
  const segment = await blobs.write(body, (chunk) => {
    written += chunk.length;
    if (written > maxBytes)
      throw new ServiceError('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', {
        fields: { MaxSizeAllowed: maxBytes },
      });
  });
  return {
    segment,
    md5: body.digest('MD5')!.toString('hex'),
    checksum: algorithm ? body.digest(algorithm)?.toString('base64') : undefined,
  };
}

/** Conditions on the object a read or copy is about (If-Match, If-None-Match, and the dates). */
export function checkConditions(
  object: ObjectRecord,
  conditions: {
    ifMatch?: unknown;
    ifNoneMatch?: unknown;
    ifModifiedSince?: unknown;
    ifUnmodifiedSince?: unknown;
  },
  notModified: 'NotModified' | 'PreconditionFailed',
): void {
  const matches = (list: unknown) =>
    String(list)
      .split(',')
      .map((tag) => tag.trim())
      .some((tag) => tag === '*' || tag === object.etag || `"${tag}"` === object.etag);
  const modified = Math.floor(object.lastModified / 1000) * 1000;
  const ifMatch = conditions.ifMatch !== undefined ? matches(conditions.ifMatch) : undefined;
  if (ifMatch === false) throw preconditionFailed('If-Match');
  if (
    ifMatch === undefined &&
    conditions.ifUnmodifiedSince instanceof Date &&
    modified > conditions.ifUnmodifiedSince.getTime()
  )
    throw preconditionFailed('If-Unmodified-Since');
  const fail = (condition: string) => {
    if (notModified === 'PreconditionFailed') throw preconditionFailed(condition);
    throw new ServiceError('NotModified', 'Not Modified', {
      status: 304,
      headers: { etag: object.etag, 'last-modified': new Date(object.lastModified).toUTCString() },
    });
  };
  const ifNoneMatch = conditions.ifNoneMatch !== undefined ? matches(conditions.ifNoneMatch) : undefined;
  if (ifNoneMatch === true) fail('If-None-Match');
  if (
    ifNoneMatch === undefined &&
    conditions.ifModifiedSince instanceof Date &&
    modified <= conditions.ifModifiedSince.getTime()
  )
    fail('If-Modified-Since');
}

/** A Range header as S3 reads it: one range of bytes; undefined for the whole object. */
export function parseRange(header: unknown, size: number): { start: number; end: number } | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0) throw invalidRange(size);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
    if (match[2] !== '' && Number(match[2]) < start) return undefined;
  }
  if (start >= size) throw invalidRange(size);
  return { start, end };
}

function invalidRange(size: number): ServiceError {
  return new ServiceError('InvalidRange', 'The requested range is not satisfiable', {
    status: 416,
    fields: { RangeRequested: 'bytes', ActualObjectSize: size },
    headers: { 'content-range': `bytes */${size}` },
  });
}

/** S3's URL encoding of keys and prefixes in listings (EncodingType=url). */
const urlEncode = (text: string) => encodeURIComponent(text).replace(/%2F/g, '/');

/** After every key that starts with `prefix`: a bound no real key reaches. */
const AFTER_ALL = '\u{10FFFF}';

export interface Listing {
  contents: ObjectRecord[];
  prefixes: string[];
  truncated: boolean;
  /** The last key or common prefix given: where the next page starts after. */
  last: string | undefined;
}

export async function listKeys(
  runtime: Runtime,
  bucket: Bucket,
  options: { prefix: string; delimiter: string; after: string; max: number },
): Promise<Listing> {
  const { prefix, delimiter, max } = options;
  const contents: ObjectRecord[] = [];
  const prefixes: string[] = [];
  let cursor = options.after > prefix ? options.after : '';
  // A marker that is a common prefix given before: the keys rolled up into it are past too.
  if (
    delimiter &&
    cursor.endsWith(delimiter) &&
    cursor.startsWith(prefix) &&
    cursor.indexOf(delimiter, prefix.length) === cursor.length - delimiter.length
  )
    cursor += AFTER_ALL;
  let last: string | undefined;
  if (max === 0) return { contents, prefixes, truncated: false, last };
  for (;;) {
    const rows = await runtime.store.read((tx) =>
      tx.all<ObjectRow>(
        `SELECT * FROM s3_objects WHERE bucket_id = ? AND key > ? AND key >= ? AND key < ?
         ORDER BY key LIMIT 1000`,
        [bucket.id, cursor, prefix, prefix + AFTER_ALL],
      ),
    );
    if (rows.length === 0) return { contents, prefixes, truncated: false, last };
    let jumped = false;
    for (const row of rows) {
      const key = row.key;
      if (contents.length + prefixes.length >= max) return { contents, prefixes, truncated: true, last };
      const at = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
      if (at >= 0) {
        const common = key.slice(0, at + delimiter.length);
        prefixes.push(common);
        last = common;
        cursor = common + AFTER_ALL;
        jumped = true;
        break;
      }
      contents.push(toRecord(row));
      last = key;
      cursor = key;
    }
    if (!jumped && rows.length < 1000) return { contents, prefixes, truncated: false, last };
  }
}

function listedObject(object: ObjectRecord, encode: (text: string) => string, owner?: string) {
  return {
    Key: encode(object.key),
    LastModified: new Date(object.lastModified),
    ETag: object.etag,
    Size: object.size,
    StorageClass: object.meta.storageClass ?? 'STANDARD',
    ...(object.meta.checksum
      ? { ChecksumAlgorithm: [object.meta.checksum.algorithm], ChecksumType: object.meta.checksum.type }
      : {}),
    ...(owner ? { Owner: { ID: owner, DisplayName: 'eddy' } } : {}),
  };
}

export interface ObjectsDeps {
  runtime: Runtime;
  buckets: BucketRegistry;
  blobs: BlobStore;
  notifier: Notifier;
}

/** Replaces (or creates) the object at `key` in `tx`; returns the blobs the one it replaced used. */
export async function putRecord(
  tx: Tx,
  bucket: Bucket,
  key: string,
  record: Omit<ObjectRecord, 'id' | 'key' | 'tags'> & { tags?: ObjectRecord['tags'] },
): Promise<{ replaced: ObjectRecord | undefined }> {
  const replaced = await readObject(tx, bucket, key);
  const values = [
    record.size,
    record.etag,
    record.lastModified,
    JSON.stringify(record.meta),
    JSON.stringify(record.segments),
    record.tags && record.tags.length > 0 ? JSON.stringify(record.tags) : null,
  ];
  if (replaced) {
    await tx.run(
      'UPDATE s3_objects SET size = ?, etag = ?, last_modified = ?, meta = ?, segments = ?, tags = ? WHERE id = ?',
      [...values, replaced.id],
    );
  } else {
    await tx.run(
      `INSERT INTO s3_objects (bucket_id, key, size, etag, last_modified, meta, segments, tags)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [bucket.id, key, ...values],
    );
  }
  return { replaced };
}

/** Tags from an x-amz-tagging header (`a=1&b=2`). */
export function tagsFromHeader(header: unknown): ObjectRecord['tags'] {
  if (typeof header !== 'string' || header === '') return undefined;
  const tags = [...new URLSearchParams(header)].map(([Key, Value]) => ({ Key, Value }));
  checkTags(tags);
  return tags;
}

export function checkTags(tags: Array<{ Key: string; Value: string }>): void {
  if (tags.length > 10) throw new ServiceError('BadRequest', 'Object tags cannot be greater than 10');
  const keys = new Set<string>();
  for (const tag of tags) {
    if (tag.Key.length < 1 || tag.Key.length > 128)
      throw new ServiceError('InvalidTag', 'The TagKey you have provided is invalid');
    if ((tag.Value ?? '').length > 256)
      throw new ServiceError('InvalidTag', 'The TagValue you have provided is too long');
    if (keys.has(tag.Key))
      throw new ServiceError('InvalidTag', 'Cannot provide multiple Tags with the same key');
    keys.add(tag.Key);
  }
}

export function objectHandlers(deps: ObjectsDeps): Record<string, Handler> {
  const { runtime, buckets, blobs, notifier } = deps;
  const now = () => runtime.clock.now();

  /** Commits a new object at `key`; the blobs it replaced go once the commit is done. */
  const commit = async (
    context: RequestContext,
    bucket: Bucket,
    key: string,
    record: Omit<ObjectRecord, 'id' | 'key' | 'tags'> & { tags?: ObjectRecord['tags'] },
    reason: string,
    condition?: (existing: ObjectRecord | undefined) => void,
  ) => {
    const replaced = await runtime.store.write(async (tx) => {
      if (condition) condition(await readObject(tx, bucket, key));
      const { replaced } = await putRecord(tx, bucket, key, record);
      await notifier.created(tx, context, bucket, { key, size: record.size, etag: record.etag }, reason);
      return replaced;
    });
    if (replaced) await blobs.remove(replaced.segments.map((segment) => segment.blob));
    notifier.kick();
  };

  const get = async (input: Record<string, unknown>, context: RequestContext, head: boolean) => {
    const bucket = buckets.get(String(input.Bucket), context);
    const key = String(input.Key);
    const object = await runtime.store.read((tx) => readObject(tx, bucket, key));
    if (!object) {
      if (head) throw new ServiceError('NotFound', 'Not Found', { status: 404 });
      throw noSuchKey(key);
    }
    checkConditions(
      object,
      {
        ifMatch: input.IfMatch,
        ifNoneMatch: input.IfNoneMatch,
        ifModifiedSince: input.IfModifiedSince,
        ifUnmodifiedSince: input.IfUnmodifiedSince,
      },
      'NotModified',
    );
    const output = objectHeaders(object, input.ChecksumMode === 'ENABLED');
    for (const [member, header] of [
      ['ResponseContentType', 'ContentType'],
      ['ResponseContentLanguage', 'ContentLanguage'],
      ['ResponseContentDisposition', 'ContentDisposition'],
      ['ResponseContentEncoding', 'ContentEncoding'],
      ['ResponseCacheControl', 'CacheControl'],
    ] as const) {
      if (typeof input[member] === 'string') output[header] = input[member];
    }
    if (input.ResponseExpires instanceof Date) output.ExpiresString = input.ResponseExpires.toUTCString();
    const range = parseRange(input.Range, object.size);
    if (range) {
      output.ContentLength = range.end - range.start + 1;
      output.ContentRange = `bytes ${range.start}-${range.end}/${object.size}`;
      // A range's bytes have no checksum of their own to show.
      for (const name of Object.keys(output)) if (name.startsWith('Checksum')) delete output[name];
    }
    if (head) return range ? withHttpStatus(output, 206) : output;
    const start = range?.start ?? 0;
    const end = range?.end ?? object.size - 1;
    output.Body = object.size === 0 ? Buffer.alloc(0) : blobs.read(object.segments, start, end);
    return range ? withHttpStatus(output, 206) : output;
  };

  return {
    PutObject: async (input, context) => {
      const bucket = buckets.get(String(input.Bucket), context);
      const key = String(input.Key);
      checkKey(key);
      const body = bodyOf(input.Body);
      const tags = tagsFromHeader(input.Tagging);
      const meta = metaFromInput(input);
      // A precondition is checked before the body is read, and again in the commit (a race).
      const condition = (existing: ObjectRecord | undefined) => {
        if (input.IfNoneMatch !== undefined && existing) throw preconditionFailed('If-None-Match');
        if (input.IfMatch !== undefined) {
          if (!existing) throw noSuchKey(key);
          checkConditions(existing, { ifMatch: input.IfMatch }, 'PreconditionFailed');
        }
      };
      if (input.IfMatch !== undefined || input.IfNoneMatch !== undefined)
        condition(await runtime.store.read((tx) => readObject(tx, bucket, key)));
      const algorithm = requestedAlgorithm(input, body);
      const stored = await storeBody(blobs, body, algorithm, MAX_PUT_BYTES);
      // The trailer may name the algorithm only now, after the body.
      const named = algorithm ?? requestedAlgorithm(input, body);
      const value = named
        ? ((input[`Checksum${named}`] as string | undefined) ?? stored.checksum)
        : undefined;
      if (named && value) meta.checksum = { algorithm: named, value, type: 'FULL_OBJECT' };
      const etag = `"${stored.md5}"`;
      try {
        await commit(
          context,
          bucket,
          key,
          { size: stored.segment.size, etag, lastModified: now(), meta, segments: [stored.segment], tags },
          'PutObject',
          input.IfMatch !== undefined || input.IfNoneMatch !== undefined ? condition : undefined,
        );
      } catch (error) {
        await blobs.remove([stored.segment.blob]);
        throw error;
      }
      return { ETag: etag, ...checksumOutput(meta), Size: stored.segment.size };
    },

    GetObject: (input, context) => get(input, context, false),
    HeadObject: (input, context) => get(input, context, true),

    DeleteObject: async (input, context) => {
      const bucket = buckets.get(String(input.Bucket), context);
      const key = String(input.Key);
      const removed = await runtime.store.write(async (tx) => {
        const existing = await readObject(tx, bucket, key);
        if (input.IfMatch !== undefined) {
          if (!existing) throw noSuchKey(key);
          checkConditions(existing, { ifMatch: input.IfMatch }, 'PreconditionFailed');
        }
        if (!existing) return undefined;
        await tx.run('DELETE FROM s3_objects WHERE id = ?', [existing.id]);
        await notifier.removed(tx, context, bucket, key, 'DeleteObject');
        return existing;
      });
      if (removed) {
        await blobs.remove(removed.segments.map((segment) => segment.blob));
        notifier.kick();
      }
    },

    DeleteObjects: async (input, context) => {
      const bucket = buckets.get(String(input.Bucket), context);
      const request = input.Delete as { Objects?: Array<{ Key: string }>; Quiet?: boolean } | undefined;
      const keys = request?.Objects ?? [];
      if (keys.length > 1000)
        throw new ServiceError(
          'MalformedXML',
          'The XML you provided was not well-formed or did not validate against our published schema',
        );
      const removed = await runtime.store.write(async (tx) => {
        const gone: ObjectRecord[] = [];
        for (const { Key } of keys) {
          const existing = await readObject(tx, bucket, Key);
          if (!existing) continue;
          await tx.run('DELETE FROM s3_objects WHERE id = ?', [existing.id]);
          await notifier.removed(tx, context, bucket, Key, 'DeleteObjects');
          gone.push(existing);
        }
        return gone;
      });
      await blobs.remove(removed.flatMap((object) => object.segments.map((segment) => segment.blob)));
      notifier.kick();
      return { Deleted: request?.Quiet ? [] : keys.map(({ Key }) => ({ Key })), Errors: [] };
    },

    CopyObject: async (input, context) => {
      const bucket = buckets.get(String(input.Bucket), context);
      const key = String(input.Key);
      checkKey(key);
      const { sourceBucket, sourceKey } = copySource(input.CopySource);
      const from = buckets.get(sourceBucket, context);
      const source = await runtime.store.read((tx) => readObject(tx, from, sourceKey));
      if (!source) throw noSuchKey(sourceKey);
      checkConditions(
        source,
        {
          ifMatch: input.CopySourceIfMatch,
          ifNoneMatch: input.CopySourceIfNoneMatch,
          ifModifiedSince: input.CopySourceIfModifiedSince,
          ifUnmodifiedSince: input.CopySourceIfUnmodifiedSince,
        },
        'PreconditionFailed',
      );
      const replace = input.MetadataDirective === 'REPLACE';
      if (from.id === bucket.id && sourceKey === key && !replace && input.StorageClass === undefined) {
        throw invalidRequest(
          "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
        );
      }
      const meta: ObjectMeta = replace ? metaFromInput(input) : { ...source.meta };
      if (source.meta.checksum) meta.checksum = source.meta.checksum;
      if (source.meta.partsCount) meta.partsCount = source.meta.partsCount;
      if (!replace && typeof input.StorageClass === 'string') meta.storageClass = input.StorageClass;
      const tags = input.TaggingDirective === 'REPLACE' ? tagsFromHeader(input.Tagging) : source.tags;
      const segments = await Promise.all(source.segments.map((segment) => blobs.copy(segment)));
      const lastModified = now();
      try {
        await commit(
          context,
          bucket,
          key,
          { size: source.size, etag: source.etag, lastModified, meta, segments, tags },
          'CopyObject',
        );
      } catch (error) {
        await blobs.remove(segments.map((segment) => segment.blob));
        throw error;
      }
      return {
        CopyObjectResult: {
          ETag: source.etag,
          LastModified: new Date(lastModified),
          ...checksumOutput(meta),
        },
      };
    },

    ListObjectsV2: async (input, context) => {
      const bucket = buckets.get(String(input.Bucket), context);
      const prefix = typeof input.Prefix === 'string' ? input.Prefix : '';
      const delimiter = typeof input.Delimiter === 'string' ? input.Delimiter : '';
      const max = typeof input.MaxKeys === 'number' ? Math.min(input.MaxKeys, 1000) : 1000;
      if (max < 0) throw invalidArgument('maxKeys should be non-negative', 'max-keys', String(input.MaxKeys));
      let after = typeof input.StartAfter === 'string' ? input.StartAfter : '';
      if (typeof input.ContinuationToken === 'string') {
        const decoded = Buffer.from(input.ContinuationToken, 'base64url').toString('utf8');
        if (!decoded.startsWith('k:'))
          throw invalidArgument(
            'The continuation token provided is incorrect',
            'continuation-token',
            input.ContinuationToken,
          );
        after = decoded.slice(2);
      }
      const listing = await listKeys(runtime, bucket, { prefix, delimiter, after, max });
      const encode = input.EncodingType === 'url' ? urlEncode : (text: string) => text;
      return {
        Name: bucket.name,
        Prefix: encode(prefix),
        ...(delimiter ? { Delimiter: encode(delimiter) } : {}),
        MaxKeys: max,
        KeyCount: listing.contents.length + listing.prefixes.length,
        IsTruncated: listing.truncated,
        ...(input.ContinuationToken !== undefined ? { ContinuationToken: input.ContinuationToken } : {}),
        ...(listing.truncated && listing.last !== undefined
          ? { NextContinuationToken: Buffer.from(`k:${listing.last}`).toString('base64url') }
          : {}),
        ...(typeof input.StartAfter === 'string' ? { StartAfter: encode(input.StartAfter) } : {}),
        ...(input.EncodingType === 'url' ? { EncodingType: 'url' } : {}),
        Contents: listing.contents.map((object) =>
          listedObject(object, encode, input.FetchOwner ? bucket.account : undefined),
        ),
        CommonPrefixes: listing.prefixes.map((common) => ({ Prefix: encode(common) })),
      };
    },

    ListObjects: async (input, context) => {
      const bucket = buckets.get(String(input.Bucket), context);
      const prefix = typeof input.Prefix === 'string' ? input.Prefix : '';
      const delimiter = typeof input.Delimiter === 'string' ? input.Delimiter : '';
      const max = typeof input.MaxKeys === 'number' ? Math.min(input.MaxKeys, 1000) : 1000;
      const marker = typeof input.Marker === 'string' ? input.Marker : '';
      const listing = await listKeys(runtime, bucket, { prefix, delimiter, after: marker, max });
      const encode = input.EncodingType === 'url' ? urlEncode : (text: string) => text;
      return {
        Name: bucket.name,
        Prefix: encode(prefix),
        Marker: encode(marker),
        ...(delimiter ? { Delimiter: encode(delimiter) } : {}),
        MaxKeys: max,
        IsTruncated: listing.truncated,
        ...(listing.truncated && delimiter && listing.last !== undefined
          ? { NextMarker: encode(listing.last) }
          : {}),
        ...(input.EncodingType === 'url' ? { EncodingType: 'url' } : {}),
        Contents: listing.contents.map((object) => listedObject(object, encode, bucket.account)),
        CommonPrefixes: listing.prefixes.map((common) => ({ Prefix: encode(common) })),
      };
    },

    GetObjectTagging: async (input, context) => {
      const bucket = buckets.get(String(input.Bucket), context);
      const object = await runtime.store.read((tx) => readObject(tx, bucket, String(input.Key)));
      if (!object) throw noSuchKey(String(input.Key));
      return { TagSet: object.tags ?? [] };
    },

    PutObjectTagging: async (input, context) => {
      const bucket = buckets.get(String(input.Bucket), context);
      const tags = (
        (input.Tagging as { TagSet?: Array<{ Key: string; Value: string }> } | undefined)?.TagSet ?? []
      ).map(({ Key, Value }) => ({ Key, Value: Value ?? '' }));
      checkTags(tags);
      await setTags(runtime, bucket, String(input.Key), tags);
      return {};
    },

    DeleteObjectTagging: async (input, context) => {
      const bucket = buckets.get(String(input.Bucket), context);
      await setTags(runtime, bucket, String(input.Key), []);
    },

    GetObjectAttributes: async (input, context) => {
      const bucket = buckets.get(String(input.Bucket), context);
      const object = await runtime.store.read((tx) => readObject(tx, bucket, String(input.Key)));
      if (!object) throw noSuchKey(String(input.Key));
      const wanted = new Set((input.ObjectAttributes as string[] | undefined) ?? []);
      const checksum = object.meta.checksum;
      return {
        LastModified: new Date(object.lastModified),
        ...(wanted.has('ETag') ? { ETag: object.etag.replace(/"/g, '') } : {}),
        ...(wanted.has('ObjectSize') ? { ObjectSize: object.size } : {}),
        ...(wanted.has('StorageClass') ? { StorageClass: object.meta.storageClass ?? 'STANDARD' } : {}),
        ...(wanted.has('Checksum') && checksum
          ? { Checksum: { [`Checksum${checksum.algorithm}`]: checksum.value, ChecksumType: checksum.type } }
          : {}),
        ...(wanted.has('ObjectParts') && object.meta.partsCount
          ? { ObjectParts: { TotalPartsCount: object.meta.partsCount } }
          : {}),
      };
    },
  };
}

async function setTags(
  runtime: Runtime,
  bucket: Bucket,
  key: string,
  tags: Array<{ Key: string; Value: string }>,
) {
  const changed = await runtime.store.write((tx) =>
    tx.run('UPDATE s3_objects SET tags = ? WHERE bucket_id = ? AND key = ?', [
      tags.length > 0 ? JSON.stringify(tags) : null,
      bucket.id,
      key,
    ]),
  );
  if (changed.changes === 0) throw noSuchKey(key);
}

/** x-amz-copy-source: `bucket/key`, URL-encoded, maybe with a leading slash and `?versionId=`. */
export function copySource(header: unknown): { sourceBucket: string; sourceKey: string } {
  const text = String(header ?? '').replace(/^\//, '');
  const [path = ''] = text.split('?versionId=');
  const slash = path.indexOf('/');
  if (slash <= 0 || slash === path.length - 1)
    throw invalidArgument(
      'Copy Source must mention the source bucket and key: sourcebucket/sourcekey',
      'x-amz-copy-source',
      text,
    );
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    throw invalidArgument('Invalid copy source encoding', 'x-amz-copy-source', text);
  }
  const at = decoded.indexOf('/');
  return { sourceBucket: decoded.slice(0, at), sourceKey: decoded.slice(at + 1) };
}

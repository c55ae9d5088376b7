// Multipart uploads: each part is a blob of its own; completing an upload commits one object row
// whose segments are the chosen parts' blobs (no bytes are copied), and drops the rest.
import { createHash, randomBytes } from 'node:crypto';
import { type Handler, ServiceError } from '../../contract/index.ts';
import { type ChecksumAlgorithm, combineCrc, createChecksum, isCrc } from '../../runtime/index.ts';
import type { Segment } from './blobs.ts';
import { invalidArgument, invalidRequest, malformedXml, noSuchKey, noSuchUpload } from './errors.ts';
import {
  bodyOf,
  checkConditions,
  checkKey,
  checksumOutput,
  copySource,
  metaFromInput,
  type ObjectMeta,
  type ObjectsDeps,
  putRecord,
  readObject,
  requestedAlgorithm,
  storeBody,
  tagsFromHeader,
} from './objects.ts';

const MIN_PART_BYTES = 5 * 1024 * 1024;
const MAX_PART_BYTES = 5 * 1024 ** 3;
const MAX_PARTS = 10_000;

interface UploadRow {
  id: string;
  bucket_id: number;
  key: string;
  initiated: number;
  meta: string;
}

interface UploadMeta {
  meta: ObjectMeta;
  tags?: Array<{ Key: string; Value: string }>;
  algorithm?: ChecksumAlgorithm;
  checksumType?: 'FULL_OBJECT' | 'COMPOSITE';
}

interface PartRow {
  upload_id: string;
  part_number: number;
  size: number;
  etag: string;
  checksum: string | null;
  blob: string;
  last_modified: number;
}

export function multipartHandlers(deps: ObjectsDeps): Record<string, Handler> {
  const { runtime, buckets, blobs, notifier } = deps;

  const uploadOf = async (bucketId: number, key: string, uploadId: unknown) => {
    const row = await runtime.store.read((tx) =>
      tx.get<UploadRow>('SELECT * FROM s3_uploads WHERE id = ? AND bucket_id = ? AND key = ?', [
        String(uploadId),
        bucketId,
        key,
      ]),
    );
    if (!row) throw noSuchUpload(String(uploadId));
    return { row, meta: JSON.parse(row.meta) as UploadMeta };
  };

  const checkPartNumber = (value: unknown) => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < 1 || number > MAX_PARTS)
      throw invalidArgument(
        'Part number must be an integer between 1 and 10000, inclusive',
        'partNumber',
        String(value),
      );
    return number;
  };

  /** Records a part's blob in place of any earlier one with its number; the upload must still exist. */
  const savePart = async (
    uploadId: string,
    number: number,
    segment: Segment,
    etag: string,
    checksum: string | undefined,
  ) => {
    const replaced = await runtime.store.write(async (tx) => {
      if (!(await tx.get('SELECT 1 AS x FROM s3_uploads WHERE id = ?', [uploadId])))
        throw noSuchUpload(uploadId);
      const old = await tx.get<{ blob: string }>(
        'SELECT blob FROM s3_parts WHERE upload_id = ? AND part_number = ?',
        [uploadId, number],
      );
      await tx.run(
        `INSERT INTO s3_parts (upload_id, part_number, size, etag, checksum, blob, last_modified) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (upload_id, part_number) DO UPDATE SET size = excluded.size, etag = excluded.etag,
           checksum = excluded.checksum, blob = excluded.blob, last_modified = excluded.last_modified`,
        [uploadId, number, segment.size, etag, checksum ?? null, segment.blob, runtime.clock.now()],
      );
      return old?.blob;
    });
    if (replaced) await blobs.remove([replaced]);
  };

  return {
    CreateMultipartUpload: async (input, context) => {
      const bucket = buckets.get(String(input.Bucket), context);
      const key = String(input.Key);
      checkKey(key);
      const algorithm = requestedAlgorithm(input);
      const type =
        input.ChecksumType === 'FULL_OBJECT'
          ? 'FULL_OBJECT'
          : input.ChecksumType === 'COMPOSITE'
            ? 'COMPOSITE'
            : undefined;
      if (type === 'FULL_OBJECT' && algorithm && !isCrc(algorithm))
        throw invalidRequest(
          `The FULL_OBJECT checksum type cannot be used with the ${algorithm} checksum algorithm.`,
        );
      if (type === 'COMPOSITE' && algorithm === 'CRC64NVME')
        throw invalidRequest(
          'The COMPOSITE checksum type cannot be used with the CRC64NVME checksum algorithm.',
        );
      const upload: UploadMeta = {
        meta: metaFromInput(input),
        ...(tagsFromHeader(input.Tagging) ? { tags: tagsFromHeader(input.Tagging) } : {}),
        ...(algorithm
          ? { algorithm, checksumType: type ?? (algorithm === 'CRC64NVME' ? 'FULL_OBJECT' : 'COMPOSITE') }
          : {}),
      };
      const uploadId = randomBytes(32).toString('base64url');
      await runtime.store.write((tx) =>
        tx.run('INSERT INTO s3_uploads (id, bucket_id, key, initiated, meta) VALUES (?, ?, ?, ?, ?)', [
          uploadId,
          bucket.id,
          key,
          runtime.clock.now(),
          JSON.stringify(upload),
        ]),
      );
      return {
        Bucket: bucket.name,
        Key: key,
        UploadId: uploadId,
        ...(upload.algorithm
          ? { ChecksumAlgorithm: upload.algorithm, ChecksumType: upload.checksumType }
          : {}),
      };
    },

    UploadPart: async (input, context) => {
      const bucket = buckets.get(String(input.Bucket), context);
      const key = String(input.Key);
      const number = checkPartNumber(input.PartNumber);
      const { row, meta } = await uploadOf(bucket.id, key, input.UploadId);
      const body = bodyOf(input.Body);
      const algorithm = meta.algorithm ?? requestedAlgorithm(input, body);
      const stored = await storeBody(blobs, body, algorithm, MAX_PART_BYTES);
      const checksum = algorithm
        ? ((input[`Checksum${algorithm}`] as string | undefined) ?? stored.checksum)
        : undefined;
      const etag = `"${stored.md5}"`;
      try {
        await savePart(row.id, number, stored.segment, etag, checksum);
      } catch (error) {
        await blobs.remove([stored.segment.blob]);
        throw error;
      }
      return { ETag: etag, ...(algorithm && checksum ? { [`Checksum${algorithm}`]: checksum } : {}) };
    },

    UploadPartCopy: async (input, context) => {
      const bucket = buckets.get(String(input.Bucket), context);
      const key = String(input.Key);
      const number = checkPartNumber(input.PartNumber);
      const { row, meta } = await uploadOf(bucket.id, key, input.UploadId);
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
      let start = 0;
      let end = source.size - 1;
      if (input.CopySourceRange !== undefined) {
        const range = /^bytes=(\d+)-(\d+)$/.exec(String(input.CopySourceRange));
        if (!range || Number(range[2]) < Number(range[1]) || Number(range[2]) >= source.size)
          throw invalidArgument(
            'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy',
            'x-amz-copy-source-range',
            String(input.CopySourceRange),
          );
        start = Number(range[1]);
        end = Number(range[2]);
      }
      const md5 = createHash('md5');
      const hasher = meta.algorithm ? createChecksum(meta.algorithm) : undefined;
      const segment = await blobs.write(blobs.read(source.segments, start, end), (chunk) => {
        md5.update(chunk);
        hasher?.update(chunk);
      });
      const etag = `"${md5.digest('hex')}"`;
      const checksum = hasher?.digest().toString('base64');
      try {
        await savePart(row.id, number, segment, etag, checksum);
      } catch (error) {
        await blobs.remove([segment.blob]);
        throw error;
      }
      return {
        CopyPartResult: {
          ETag: etag,
          LastModified: new Date(runtime.clock.now()),
          ...(meta.algorithm && checksum ? { [`Checksum${meta.algorithm}`]: checksum } : {}),
        },
      };
    },

    CompleteMultipartUpload: async (input, context) => {
      const bucket = buckets.get(String(input.Bucket), context);
      const key = String(input.Key);
      const { row, meta: upload } = await uploadOf(bucket.id, key, input.UploadId);
      const given =
        (input.MultipartUpload as { Parts?: Array<Record<string, unknown>> } | undefined)?.Parts ?? [];
      if (given.length === 0) throw malformedXml();
      const stored = await runtime.store.read((tx) =>
        tx.all<PartRow>('SELECT * FROM s3_parts WHERE upload_id = ? ORDER BY part_number', [row.id]),
      );
      const byNumber = new Map(stored.map((part) => [Number(part.part_number), part]));
      const chosen: PartRow[] = [];
      let previous = 0;
      for (const part of given) {
        const number = Number(part.PartNumber);
        if (number <= previous)
          throw new ServiceError(
            'InvalidPartOrder',
            'The list of parts was not in ascending order. Parts must be ordered by part number.',
            {
              fields: { UploadId: row.id },
            },
          );
        previous = number;
        const found = byNumber.get(number);
        const etag = String(part.ETag ?? '').replace(/"/g, '');
        if (!found || found.etag.replace(/"/g, '') !== etag)
          throw new ServiceError(
            'InvalidPart',
            "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not have matched the part's entity tag.",
            { fields: { UploadId: row.id, PartNumber: number, ETag: part.ETag } },
          );
        if (upload.algorithm) {
          const sent = part[`Checksum${upload.algorithm}`];
          if (typeof sent === 'string' && found.checksum && sent !== found.checksum)
            throw new ServiceError(
              'InvalidPart',
              `The ${upload.algorithm} checksum of part ${number} does not match the uploaded part.`,
            );
        }
        chosen.push(found);
      }
      for (const part of chosen.slice(0, -1)) {
        if (Number(part.size) < MIN_PART_BYTES)
          throw new ServiceError(
            'EntityTooSmall',
            'Your proposed upload is smaller than the minimum allowed object size.',
            {
              fields: {
                ProposedSize: Number(part.size),
                MinSizeAllowed: MIN_PART_BYTES,
                PartNumber: part.part_number,
                ETag: part.etag,
              },
            },
          );
      }
      const md5s = Buffer.concat(chosen.map((part) => Buffer.from(part.etag.replace(/"/g, ''), 'hex')));
      const etag = `"${createHash('md5').update(md5s).digest('hex')}-${chosen.length}"`;
      const size = chosen.reduce((sum, part) => sum + Number(part.size), 0);
      const meta: ObjectMeta = { ...upload.meta, partsCount: chosen.length };
      const algorithm = upload.algorithm;
      if (algorithm && chosen.every((part) => part.checksum)) {
        const digests = chosen.map((part) => Buffer.from(part.checksum!, 'base64'));
        if (upload.checksumType === 'FULL_OBJECT') {
          let whole: Buffer = digests[0]!;
          chosen.slice(1).forEach((part, index) => {
            whole = combineCrc(algorithm, whole, digests[index + 1]!, Number(part.size));
          });
          meta.checksum = { algorithm, value: whole.toString('base64'), type: 'FULL_OBJECT' };
        } else {
          const composite = createChecksum(algorithm);
          composite.update(Buffer.concat(digests));
          meta.checksum = { algorithm, value: composite.digest().toString('base64'), type: 'COMPOSITE' };
        }
        const expected = input[`Checksum${algorithm}`];
        if (
          typeof expected === 'string' &&
          meta.checksum.type === 'FULL_OBJECT' &&
          expected !== meta.checksum.value
        )
          throw new ServiceError(
            'BadDigest',
            `The ${algorithm} you specified for the multipart upload did not match the calculated checksum.`,
          );
      }
      const segments = chosen.map((part) => ({ blob: part.blob, size: Number(part.size) }));
      const used = new Set(segments.map((segment) => segment.blob));
      const { replaced, dropped } = await runtime.store.write(async (tx) => {
        if (!(await tx.get('SELECT 1 AS x FROM s3_uploads WHERE id = ?', [row.id])))
          throw noSuchUpload(row.id);
        const all = await tx.all<{ blob: string }>('SELECT blob FROM s3_parts WHERE upload_id = ?', [row.id]);
        const { replaced } = await putRecord(tx, bucket, key, {
          size,
          etag,
          lastModified: runtime.clock.now(),
          meta,
          segments,
          ...(upload.tags ? { tags: upload.tags } : {}),
        });
        await tx.run('DELETE FROM s3_parts WHERE upload_id = ?', [row.id]);
        await tx.run('DELETE FROM s3_uploads WHERE id = ?', [row.id]);
        await notifier.created(tx, context, bucket, { key, size, etag }, 'CompleteMultipartUpload');
        return { replaced, dropped: all.map((part) => part.blob).filter((blob) => !used.has(blob)) };
      });
      await blobs.remove([...dropped, ...(replaced?.segments.map((segment) => segment.blob) ?? [])]);
      return {
        Location: `${context.baseUrl}/${bucket.name}/${encodeURI(key)}`,
        Bucket: bucket.name,
        Key: key,
        ETag: etag,
        ...checksumOutput(meta),
      };
    },

    AbortMultipartUpload: async (input, context) => {
      const bucket = buckets.get(String(input.Bucket), context);
      const key = String(input.Key);
      const { row } = await uploadOf(bucket.id, key, input.UploadId);
      const parts = await runtime.store.write(async (tx) => {
        const all = await tx.all<{ blob: string }>('SELECT blob FROM s3_parts WHERE upload_id = ?', [row.id]);
        await tx.run('DELETE FROM s3_parts WHERE upload_id = ?', [row.id]);
        await tx.run('DELETE FROM s3_uploads WHERE id = ?', [row.id]);
        return all;
      });
      await blobs.remove(parts.map((part) => part.blob));
    },

    ListParts: async (input, context) => {
      const bucket = buckets.get(String(input.Bucket), context);
      const key = String(input.Key);
      const { row, meta } = await uploadOf(bucket.id, key, input.UploadId);
      const max = typeof input.MaxParts === 'number' ? Math.min(input.MaxParts, 1000) : 1000;
      const marker =
        typeof input.PartNumberMarker === 'number'
          ? input.PartNumberMarker
          : Number(input.PartNumberMarker ?? 0);
      const parts = await runtime.store.read((tx) =>
        tx.all<PartRow>(
          'SELECT * FROM s3_parts WHERE upload_id = ? AND part_number > ? ORDER BY part_number LIMIT ?',
          [row.id, marker, max + 1],
        ),
      );
      const page = parts.slice(0, max);
      return {
        Bucket: bucket.name,
        Key: key,
        UploadId: row.id,
        PartNumberMarker: marker,
        MaxParts: max,
        IsTruncated: parts.length > max,
        ...(parts.length > max ? { NextPartNumberMarker: Number(page.at(-1)!.part_number) } : {}),
        StorageClass: 'STANDARD',
        Initiator: { ID: bucket.account, DisplayName: 'eddy' },
        Owner: { ID: bucket.account, DisplayName: 'eddy' },
        ...(meta.algorithm ? { ChecksumAlgorithm: meta.algorithm, ChecksumType: meta.checksumType } : {}),
        Parts: page.map((part) => ({
          PartNumber: Number(part.part_number),
          LastModified: new Date(Number(part.last_modified)),
          ETag: part.etag,
          Size: Number(part.size),
          ...(meta.algorithm && part.checksum ? { [`Checksum${meta.algorithm}`]: part.checksum } : {}),
        })),
      };
    },

    ListMultipartUploads: async (input, context) => {
      const bucket = buckets.get(String(input.Bucket), context);
      const prefix = typeof input.Prefix === 'string' ? input.Prefix : '';
      const max = typeof input.MaxUploads === 'number' ? Math.min(input.MaxUploads, 1000) : 1000;
      const keyMarker = typeof input.KeyMarker === 'string' ? input.KeyMarker : '';
      const idMarker = typeof input.UploadIdMarker === 'string' ? input.UploadIdMarker : '';
      const rows = await runtime.store.read((tx) =>
        tx.all<UploadRow>(
          `SELECT * FROM s3_uploads WHERE bucket_id = ? AND (key > ? OR (key = ? AND id > ?)) ORDER BY key, id`,
          [bucket.id, keyMarker, keyMarker, idMarker],
        ),
      );
      const matching = rows.filter((upload) => upload.key.startsWith(prefix));
      const delimiter = typeof input.Delimiter === 'string' ? input.Delimiter : '';
      const uploads: UploadRow[] = [];
      const prefixes: string[] = [];
      for (const upload of matching) {
        if (uploads.length + prefixes.length >= max) break;
        const at = delimiter ? upload.key.indexOf(delimiter, prefix.length) : -1;
        if (at >= 0) {
          const common = upload.key.slice(0, at + delimiter.length);
          if (!prefixes.includes(common)) prefixes.push(common);
        } else uploads.push(upload);
      }
      const truncated =
        matching.length > uploads.length + prefixes.length && uploads.length + prefixes.length >= max;
      const last = uploads.at(-1);
      return {
        Bucket: bucket.name,
        KeyMarker: keyMarker,
        UploadIdMarker: idMarker,
        Prefix: prefix,
        ...(delimiter ? { Delimiter: delimiter } : {}),
        MaxUploads: max,
        IsTruncated: truncated,
        ...(truncated && last ? { NextKeyMarker: last.key, NextUploadIdMarker: last.id } : {}),
        Uploads: uploads.map((upload) => {
          const meta = JSON.parse(upload.meta) as UploadMeta;
          return {
            UploadId: upload.id,
            Key: upload.key,
            Initiated: new Date(Number(upload.initiated)),
            StorageClass: meta.meta.storageClass ?? 'STANDARD',
            Owner: { ID: bucket.account, DisplayName: 'eddy' },
            Initiator: { ID: bucket.account, DisplayName: 'eddy' },
            ...(meta.algorithm ? { ChecksumAlgorithm: meta.algorithm, ChecksumType: meta.checksumType } : {}),
          };
        }),
        CommonPrefixes: prefixes.map((common) => ({ Prefix: common })),
      };
    },
  };
}

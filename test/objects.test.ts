// S3 through @aws-sdk/client-s3 as users run it (default checksums on, path style and virtual hosts):
// buckets, objects, conditional and ranged reads, listings, copies, multipart uploads, errors.
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { after, before, describe, test } from 'node:test';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketLocationCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutBucketCorsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startTestEddy, type TestEddy } from './harness.ts';

let eddy: TestEddy;
let s3: S3Client;

before(async () => {
  eddy = await startTestEddy();
  s3 = eddy.client(S3Client, { forcePathStyle: true });
});
after(() => eddy.stop());

async function rejection(
  promise: Promise<unknown>,
): Promise<Error & { $metadata: { httpStatusCode: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { $metadata: { httpStatusCode: number } };
  }
  assert.fail('expected a rejection');
}

/** A client whose `bucket.localhost` hosts reach eddy (no resolver here knows `*.localhost`). */
function virtualHostClient(): S3Client {
  const agent = new Agent({
    lookup: (_host, options, callback) => {
      if ((options as { all?: boolean }).all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
      else (callback as (e: null, a: string, f: number) => void)(null, '127.0.0.1', 4);
    },
  });
  return new S3Client({
    endpoint: `http://localhost:${eddy.port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpAgent: agent }),
  });
}

describe('buckets', () => {
  test('create, head, locate, list and delete', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'photos' }));
    await s3.send(new HeadBucketCommand({ Bucket: 'photos' }));
    const location = await s3.send(new GetBucketLocationCommand({ Bucket: 'photos' }));
    assert.equal(location.LocationConstraint ?? '', '');
    const listed = await s3.send(new ListBucketsCommand({}));
    assert.ok(listed.Buckets?.some((bucket) => bucket.Name === 'photos'));
    const again = await rejection(s3.send(new CreateBucketCommand({ Bucket: 'photos' })));
    assert.equal(again.name, 'BucketAlreadyOwnedByYou');
    assert.equal(again.$metadata.httpStatusCode, 409);
    await s3.send(new PutObjectCommand({ Bucket: 'photos', Key: 'a', Body: 'x' }));
    const notEmpty = await rejection(s3.send(new DeleteBucketCommand({ Bucket: 'photos' })));
    assert.equal(notEmpty.name, 'BucketNotEmpty');
    await s3.send(new DeleteObjectCommand({ Bucket: 'photos', Key: 'a' }));
    await s3.send(new DeleteBucketCommand({ Bucket: 'photos' }));
    const gone = await rejection(s3.send(new HeadBucketCommand({ Bucket: 'photos' })));
    assert.equal(gone.$metadata.httpStatusCode, 404);
  });

  test('location constraints and names', async () => {
    const west = eddy.client(S3Client, { forcePathStyle: true, region: 'eu-west-1' });
    await west.send(
      new CreateBucketCommand({
        Bucket: 'west-bucket',
        CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
      }),
    );
    const location = await west.send(new GetBucketLocationCommand({ Bucket: 'west-bucket' }));
    assert.equal(location.LocationConstraint, 'eu-west-1');
    const mismatch = await rejection(
      west.send(
        new CreateBucketCommand({
          Bucket: 'other-west',
          CreateBucketConfiguration: { LocationConstraint: 'us-west-2' },
        }),
      ),
    );
    assert.equal(mismatch.name, 'IllegalLocationConstraintException');
    const explicit = await rejection(
      s3.send(
        new CreateBucketCommand({
          Bucket: 'east-explicit',
          CreateBucketConfiguration: { LocationConstraint: 'us-east-1' as never },
        }),
      ),
    );
    assert.equal(explicit.name, 'InvalidLocationConstraint');
    for (const name of ['ab', 'Upper', 'has_underscore', '192.168.1.1', 'a..b', '-start']) {
      const bad = await rejection(s3.send(new CreateBucketCommand({ Bucket: name })));
      assert.equal(bad.name, 'InvalidBucketName', name);
    }
  });
});

describe('objects', () => {
  before(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'media' }));
  });

  test('put and get with metadata, checksums on, streamed bodies', async () => {
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: 'media',
        Key: 'dir/a file+1.txt',
        Body: 'hello world',
        ContentType: 'text/plain',
        CacheControl: 'max-age=60',
        ContentDisposition: 'attachment',
        Metadata: { owner: 'eddy', 'x-y': 'z' },
      }),
    );
    assert.equal(put.ETag, '"5eb63bbbe01eeed093cb22bb8f5acdc3"');
    assert.ok(put.ChecksumCRC32);
    const got = await s3.send(
      new GetObjectCommand({ Bucket: 'media', Key: 'dir/a file+1.txt', ChecksumMode: 'ENABLED' }),
    );
    assert.equal(await got.Body?.transformToString(), 'hello world');
    assert.equal(got.ContentType, 'text/plain');
    assert.equal(got.CacheControl, 'max-age=60');
    assert.equal(got.ContentDisposition, 'attachment');
    assert.deepEqual(got.Metadata, { owner: 'eddy', 'x-y': 'z' });
    assert.equal(got.ETag, put.ETag);
    assert.equal(got.ChecksumCRC32, put.ChecksumCRC32);
    assert.equal(got.ContentLength, 11);

    // A stream body goes aws-chunked with its CRC32 in a trailer.
    const { Readable } = await import('node:stream');
    await s3.send(
      new PutObjectCommand({
        Bucket: 'media',
        Key: 'streamed',
        Body: Readable.from([Buffer.from('hello '), Buffer.from('stream')]),
        ContentLength: 12,
      }),
    );
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: 'media', Key: 'streamed', ChecksumMode: 'ENABLED' }),
    );
    assert.equal(head.ContentLength, 12);
    assert.ok(head.ChecksumCRC32);
    const streamed = await s3.send(new GetObjectCommand({ Bucket: 'media', Key: 'streamed' }));
    assert.equal(await streamed.Body?.transformToString(), 'hello stream');
  });

  test('other checksum algorithms, and a wrong one is BadDigest', async () => {
    for (const algorithm of ['CRC32C', 'SHA1', 'SHA256', 'CRC64NVME'] as const) {
      const put = await s3.send(
        new PutObjectCommand({
          Bucket: 'media',
          Key: `sum-${algorithm}`,
          Body: 'checked',
          ChecksumAlgorithm: algorithm,
        }),
      );
      const head = await s3.send(
        new HeadObjectCommand({ Bucket: 'media', Key: `sum-${algorithm}`, ChecksumMode: 'ENABLED' }),
      );
      assert.equal(head[`Checksum${algorithm}`], put[`Checksum${algorithm}`], algorithm);
      assert.ok(head[`Checksum${algorithm}`], algorithm);
    }
    const wrong = await rejection(
      s3.send(new PutObjectCommand({ Bucket: 'media', Key: 'bad', Body: 'data', ChecksumCRC32: 'AAAAAA==' })),
    );
    assert.equal(wrong.name, 'BadDigest');
    const md5 = await rejection(
      s3.send(
        new PutObjectCommand({
          Bucket: 'media',
          Key: 'bad',
          Body: 'data',
          ContentMD5: '1B2M2Y8AsgTpgAmY7PhCfg==',
        }),
      ),
    );
    assert.equal(md5.name, 'BadDigest');
    const missing = await rejection(s3.send(new HeadObjectCommand({ Bucket: 'media', Key: 'bad' })));
    assert.equal(missing.$metadata.httpStatusCode, 404);
  });

  test('ranges, conditions and response overrides', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'media', Key: 'digits', Body: '0123456789' }));
    const part = await s3.send(new GetObjectCommand({ Bucket: 'media', Key: 'digits', Range: 'bytes=2-5' }));
    assert.equal(await part.Body?.transformToString(), '2345');
    assert.equal(part.ContentRange, 'bytes 2-5/10');
    assert.equal(part.$metadata.httpStatusCode, 206);
    const tail = await s3.send(new GetObjectCommand({ Bucket: 'media', Key: 'digits', Range: 'bytes=-3' }));
    assert.equal(await tail.Body?.transformToString(), '789');
    const outside = await rejection(
      s3.send(new GetObjectCommand({ Bucket: 'media', Key: 'digits', Range: 'bytes=20-' })),
    );
    assert.equal(outside.name, 'InvalidRange');
    assert.equal(outside.$metadata.httpStatusCode, 416);

    const { ETag, LastModified } = await s3.send(new HeadObjectCommand({ Bucket: 'media', Key: 'digits' }));
    const notModified = await rejection(
      s3.send(new GetObjectCommand({ Bucket: 'media', Key: 'digits', IfNoneMatch: ETag })),
    );
    assert.equal(notModified.$metadata.httpStatusCode, 304);
    const failed = await rejection(
      s3.send(new GetObjectCommand({ Bucket: 'media', Key: 'digits', IfMatch: '"nope"' })),
    );
    assert.equal(failed.$metadata.httpStatusCode, 412);
    const since = await rejection(
      s3.send(
        new GetObjectCommand({
          Bucket: 'media',
          Key: 'digits',
          IfModifiedSince: new Date(LastModified!.getTime() + 1000),
        }),
      ),
    );
    assert.equal(since.$metadata.httpStatusCode, 304);
    const unmodified = await rejection(
      s3.send(
        new GetObjectCommand({
          Bucket: 'media',
          Key: 'digits',
          IfUnmodifiedSince: new Date(LastModified!.getTime() - 5000),
        }),
      ),
    );
    assert.equal(unmodified.$metadata.httpStatusCode, 412);
    const matched = await s3.send(new GetObjectCommand({ Bucket: 'media', Key: 'digits', IfMatch: ETag }));
    assert.equal(await matched.Body?.transformToString(), '0123456789');
    const overridden = await s3.send(
      new GetObjectCommand({
        Bucket: 'media',
        Key: 'digits',
        ResponseContentType: 'application/x-digits',
        ResponseContentDisposition: 'inline; filename="d.txt"',
      }),
    );
    assert.equal(overridden.ContentType, 'application/x-digits');
    assert.equal(overridden.ContentDisposition, 'inline; filename="d.txt"');
    await overridden.Body?.transformToString();

    const exists = await rejection(
      s3.send(new PutObjectCommand({ Bucket: 'media', Key: 'digits', Body: 'x', IfNoneMatch: '*' })),
    );
    assert.equal(exists.$metadata.httpStatusCode, 412);
  });

  test('errors are S3 XML with the right status', async () => {
    const response = await fetch(`${eddy.url}/media/no/such/key`);
    assert.equal(response.status, 404);
    const text = await response.text();
    assert.match(text, /<Code>NoSuchKey<\/Code>/);
    assert.match(text, /<Key>no\/such\/key<\/Key>/);
    assert.match(text, /<RequestId>/);
    const noBucket = await rejection(s3.send(new GetObjectCommand({ Bucket: 'nobucket', Key: 'k' })));
    assert.equal(noBucket.name, 'NoSuchBucket');
    const long = await rejection(
      s3.send(new PutObjectCommand({ Bucket: 'media', Key: 'k'.repeat(1025), Body: 'x' })),
    );
    assert.equal(long.name, 'KeyTooLongError');
  });

  test('listings: prefix, delimiter, pages, start-after, url encoding, v1', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'listing' }));
    const keys = ['a.txt', 'b/1.txt', 'b/2.txt', 'b/c/3.txt', 'c d.txt', 'd/4.txt', 'é.txt'];
    for (const Key of keys) await s3.send(new PutObjectCommand({ Bucket: 'listing', Key, Body: Key }));
    const all = await s3.send(new ListObjectsV2Command({ Bucket: 'listing' }));
    assert.deepEqual(
      all.Contents?.map((object) => object.Key),
      keys,
    );
    assert.equal(all.KeyCount, keys.length);
    const top = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', Delimiter: '/' }));
    assert.deepEqual(
      top.Contents?.map((object) => object.Key),
      ['a.txt', 'c d.txt', 'é.txt'],
    );
    assert.deepEqual(
      top.CommonPrefixes?.map((common) => common.Prefix),
      ['b/', 'd/'],
    );
    const inB = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'b/', Delimiter: '/' }));
    assert.deepEqual(
      inB.Contents?.map((object) => object.Key),
      ['b/1.txt', 'b/2.txt'],
    );
    assert.deepEqual(
      inB.CommonPrefixes?.map((common) => common.Prefix),
      ['b/c/'],
    );
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: 'listing', Delimiter: '/', MaxKeys: 2, ContinuationToken: token }),
      );
      seen.push(
        ...(page.Contents ?? []).map((o) => o.Key!),
        ...(page.CommonPrefixes ?? []).map((c) => c.Prefix!),
      );
      token = page.NextContinuationToken;
      assert.equal(page.IsTruncated, token !== undefined);
    } while (token);
    assert.deepEqual(seen.sort(), ['a.txt', 'b/', 'c d.txt', 'd/', 'é.txt'].sort());
    const after = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', StartAfter: 'b/c/3.txt' }));
    assert.deepEqual(
      after.Contents?.map((object) => object.Key),
      ['c d.txt', 'd/4.txt', 'é.txt'],
    );
    const encoded = await fetch(`${eddy.url}/listing?list-type=2&encoding-type=url&prefix=c`, {
      headers: {
        authorization:
          'AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00',
        'x-amz-date': '20250101T000000Z',
      },
    });
    assert.match(await encoded.text(), /<Key>c%20d.txt<\/Key>/);
    const v1 = await s3.send(new ListObjectsCommand({ Bucket: 'listing', Delimiter: '/', MaxKeys: 2 }));
    assert.equal(v1.IsTruncated, true);
    assert.deepEqual(
      v1.Contents?.map((object) => object.Key),
      ['a.txt'],
    );
    assert.equal(v1.NextMarker, 'b/');
    const v1next = await s3.send(
      new ListObjectsCommand({ Bucket: 'listing', Delimiter: '/', Marker: v1.NextMarker }),
    );
    assert.deepEqual(
      v1next.Contents?.map((object) => object.Key),
      ['c d.txt', 'é.txt'],
    );
    assert.deepEqual(
      v1next.CommonPrefixes?.map((common) => common.Prefix),
      ['d/'],
    );

    const deleted = await s3.send(
      new DeleteObjectsCommand({
        Bucket: 'listing',
        Delete: { Objects: [{ Key: 'a.txt' }, { Key: 'missing' }] },
      }),
    );
    assert.deepEqual(
      deleted.Deleted?.map((d) => d.Key),
      ['a.txt', 'missing'],
    );
    const left = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', MaxKeys: 1 }));
    assert.equal(left.Contents?.[0]?.Key, 'b/1.txt');
  });

  test('copy: metadata kept or replaced, to itself only with REPLACE, conditional', async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket: 'media',
        Key: 'original',
        Body: 'copy me',
        ContentType: 'text/x',
        Metadata: { a: '1' },
        Tagging: 't=1',
      }),
    );
    const copied = await s3.send(
      new CopyObjectCommand({ Bucket: 'media', Key: 'copied', CopySource: 'media/original' }),
    );
    assert.ok(copied.CopyObjectResult?.ETag);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'media', Key: 'copied' }));
    assert.equal(await got.Body?.transformToString(), 'copy me');
    assert.equal(got.ContentType, 'text/x');
    assert.deepEqual(got.Metadata, { a: '1' });
    const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: 'media', Key: 'copied' }));
    assert.deepEqual(tags.TagSet, [{ Key: 't', Value: '1' }]);
    const self = await rejection(
      s3.send(new CopyObjectCommand({ Bucket: 'media', Key: 'original', CopySource: 'media/original' })),
    );
    assert.equal(self.name, 'InvalidRequest');
    await s3.send(
      new CopyObjectCommand({
        Bucket: 'media',
        Key: 'original',
        CopySource: 'media/original',
        MetadataDirective: 'REPLACE',
        Metadata: { b: '2' },
      }),
    );
    const replaced = await s3.send(new HeadObjectCommand({ Bucket: 'media', Key: 'original' }));
    assert.deepEqual(replaced.Metadata, { b: '2' });
    const conditional = await rejection(
      s3.send(
        new CopyObjectCommand({
          Bucket: 'media',
          Key: 'c2',
          CopySource: 'media/original',
          CopySourceIfMatch: '"x"',
        }),
      ),
    );
    assert.equal(conditional.$metadata.httpStatusCode, 412);
  });

  test('virtual-hosted requests address the same buckets', async () => {
    const virtual = virtualHostClient();
    await virtual.send(new PutObjectCommand({ Bucket: 'media', Key: 'vhost/key.txt', Body: 'by host' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'media', Key: 'vhost/key.txt' }));
    assert.equal(await got.Body?.transformToString(), 'by host');
    const listed = await virtual.send(new ListObjectsV2Command({ Bucket: 'media', Prefix: 'vhost/' }));
    assert.deepEqual(
      listed.Contents?.map((object) => object.Key),
      ['vhost/key.txt'],
    );
    virtual.destroy();
  });

  test('presigned GET and PUT, which expire', async () => {
    const putUrl = await getSignedUrl(s3, new PutObjectCommand({ Bucket: 'media', Key: 'signed.txt' }), {
      expiresIn: 60,
    });
    const put = await fetch(putUrl, { method: 'PUT', body: 'presigned body' });
    assert.equal(put.status, 200, await put.clone().text());
    const getUrl = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'media', Key: 'signed.txt' }), {
      expiresIn: 60,
    });
    assert.equal(await (await fetch(getUrl)).text(), 'presigned body');
    const old = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'media', Key: 'signed.txt' }), {
      expiresIn: 1,
      signingDate: new Date(Date.now() - 10_000),
    });
    const expired = await fetch(old);
    assert.equal(expired.status, 403);
    const body = await expired.text();
    assert.match(body, /<Code>AccessDenied<\/Code>/);
    assert.match(body, /Request has expired/);
  });

  test('CORS preflight from the bucket rules', async () => {
    await s3.send(
      new PutBucketCorsCommand({
        Bucket: 'media',
        CORSConfiguration: {
          CORSRules: [
            {
              AllowedOrigins: ['https://app.example'],
              AllowedMethods: ['PUT', 'GET'],
              AllowedHeaders: ['*'],
              MaxAgeSeconds: 600,
            },
          ],
        },
      }),
    );
    const allowed = await fetch(`${eddy.url}/media/upload.bin`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'PUT',
        'access-control-request-headers': 'content-type',
      },
    });
    assert.equal(allowed.status, 200);
    assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://app.example');
    assert.equal(allowed.headers.get('access-control-max-age'), '600');
    const refused = await fetch(`${eddy.url}/media/upload.bin`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'PUT' },
    });
    assert.equal(refused.status, 403);
  });
});

describe('multipart uploads', () => {
  before(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'parts' })).catch(() => undefined);
  });

  test('upload, list, copy a part, complete: md5-of-parts ETag and a composite checksum', async () => {
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({
        Bucket: 'parts',
        Key: 'big.bin',
        ContentType: 'application/x-big',
        ChecksumAlgorithm: 'CRC32',
      }),
    );
    const first = Buffer.alloc(5 * 1024 * 1024, 1);
    const second = Buffer.from('the last part');
    const one = await s3.send(
      new UploadPartCommand({
        Bucket: 'parts',
        Key: 'big.bin',
        UploadId,
        PartNumber: 1,
        Body: first,
        ChecksumAlgorithm: 'CRC32',
      }),
    );
    await s3.send(new PutObjectCommand({ Bucket: 'parts', Key: 'source', Body: second }));
    const two = await s3.send(
      new UploadPartCopyCommand({
        Bucket: 'parts',
        Key: 'big.bin',
        UploadId,
        PartNumber: 2,
        CopySource: 'parts/source',
      }),
    );
    const parts = await s3.send(new ListPartsCommand({ Bucket: 'parts', Key: 'big.bin', UploadId }));
    assert.deepEqual(
      parts.Parts?.map((part) => [part.PartNumber, part.Size]),
      [
        [1, first.length],
        [2, second.length],
      ],
    );
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'parts' }));
    assert.deepEqual(
      uploads.Uploads?.map((upload) => upload.UploadId),
      [UploadId],
    );
    const order = await rejection(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'parts',
          Key: 'big.bin',
          UploadId,
          MultipartUpload: {
            Parts: [
              { PartNumber: 2, ETag: two.CopyPartResult?.ETag },
              { PartNumber: 1, ETag: one.ETag },
            ],
          },
        }),
      ),
    );
    assert.equal(order.name, 'InvalidPartOrder');
    const wrongPart = await rejection(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'parts',
          Key: 'big.bin',
          UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"0000"' }] },
        }),
      ),
    );
    assert.equal(wrongPart.name, 'InvalidPart');
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'parts',
        Key: 'big.bin',
        UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: one.ETag, ChecksumCRC32: one.ChecksumCRC32 },
            {
              PartNumber: 2,
              ETag: two.CopyPartResult?.ETag,
              ChecksumCRC32: two.CopyPartResult?.ChecksumCRC32,
            },
          ],
        },
      }),
    );
    assert.match(done.ETag ?? '', /^"[0-9a-f]{32}-2"$/);
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: 'parts', Key: 'big.bin', ChecksumMode: 'ENABLED' }),
    );
    assert.equal(head.ContentLength, first.length + second.length);
    assert.equal(head.ContentType, 'application/x-big');
    assert.match(head.ChecksumCRC32 ?? '', /-2$/);
    const tail = await s3.send(
      new GetObjectCommand({
        Bucket: 'parts',
        Key: 'big.bin',
        Range: `bytes=${first.length - 2}-${first.length + 2}`,
      }),
    );
    assert.deepEqual(
      Buffer.from(await tail.Body!.transformToByteArray()),
      Buffer.from([1, 1, 0x74, 0x68, 0x65]),
    );
    const whole = await s3.send(new GetObjectCommand({ Bucket: 'parts', Key: 'big.bin' }));
    assert.equal((await whole.Body!.transformToByteArray()).length, first.length + second.length);
    const gone = await rejection(
      s3.send(new ListPartsCommand({ Bucket: 'parts', Key: 'big.bin', UploadId })),
    );
    assert.equal(gone.name, 'NoSuchUpload');
  });

  test('small parts are EntityTooSmall; abort removes the upload', async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'parts', Key: 'small' }));
    const a = await s3.send(
      new UploadPartCommand({ Bucket: 'parts', Key: 'small', UploadId, PartNumber: 1, Body: 'a' }),
    );
    const b = await s3.send(
      new UploadPartCommand({ Bucket: 'parts', Key: 'small', UploadId, PartNumber: 2, Body: 'b' }),
    );
    const small = await rejection(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'parts',
          Key: 'small',
          UploadId,
          MultipartUpload: {
            Parts: [
              { PartNumber: 1, ETag: a.ETag },
              { PartNumber: 2, ETag: b.ETag },
            ],
          },
        }),
      ),
    );
    assert.equal(small.name, 'EntityTooSmall');
    await s3.send(new AbortMultipartUploadCommand({ Bucket: 'parts', Key: 'small', UploadId }));
    const gone = await rejection(
      s3.send(new AbortMultipartUploadCommand({ Bucket: 'parts', Key: 'small', UploadId })),
    );
    assert.equal(gone.name, 'NoSuchUpload');
  });
});

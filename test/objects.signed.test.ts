// With keys configured: S3 header signatures over streamed bodies, signed aws-chunked bodies
// (STREAMING-AWS4-HMAC-SHA256-PAYLOAD) whose chunk signatures are verified, and a tampered chunk refused.
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startTestEddy, type TestEddy } from './harness.ts';

const KEY = { accessKeyId: 'AKIDOBJECTS', secretAccessKey: 'objects-secret', accountId: '111122223333' };
let eddy: TestEddy;

before(async () => {
  eddy = await startTestEddy({ accessKeys: [KEY] });
  await eddy.client(S3Client, { forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: 'signed' }));
});
after(() => eddy.stop());

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/** A PUT of `chunks` as a signed aws-chunked body, signed by hand as the SigV4 streaming spec says. */
function signedChunkedPut(
  key: string,
  chunks: Buffer[],
  tamper = false,
): Promise<{ status: number; body: string }> {
  const amzDate = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const date = amzDate.slice(0, 8);
  const scope = `${date}/us-east-1/s3/aws4_request`;
  const signingKey = hmac(
    hmac(hmac(hmac(`AWS4${KEY.secretAccessKey}`, date), 'us-east-1'), 's3'),
    'aws4_request',
  );
  const decodedLength = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const host = `127.0.0.1:${eddy.port}`;
  const headers: Record<string, string> = {
    host,
    'content-encoding': 'aws-chunked',
    'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
    'x-amz-date': amzDate,
    'x-amz-decoded-content-length': String(decodedLength),
  };
  const signed = Object.keys(headers).sort();
  const canonical = [
    'PUT',
    `/signed/${key}`,
    '',
    signed.map((name) => `${name}:${headers[name]}\n`).join(''),
    signed.join(';'),
    'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
  ].join('\n');
  const seed = hmac(signingKey, ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n')).toString(
    'hex',
  );
  let previous = seed;
  const parts: Buffer[] = [];
  for (const chunk of [...chunks, Buffer.alloc(0)]) {
    const signature = hmac(
      signingKey,
      ['AWS4-HMAC-SHA256-PAYLOAD', amzDate, scope, previous, sha256(''), sha256(chunk)].join('\n'),
    ).toString('hex');
    previous = signature;
    const data = tamper && chunk.length > 0 ? Buffer.from(chunk.toString().toUpperCase()) : chunk;
    parts.push(
      Buffer.from(`${chunk.length.toString(16)};chunk-signature=${signature}\r\n`),
      data,
      Buffer.from('\r\n'),
    );
  }
  const body = Buffer.concat(parts);
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${KEY.accessKeyId}/${scope}, SignedHeaders=${signed.join(';')}, Signature=${seed}`;
  headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const sent = request(
      { host: '127.0.0.1', port: eddy.port, method: 'PUT', path: `/signed/${key}`, headers },
      (res) => {
        let text = '';
        res.on('data', (piece: Buffer) => {
          text += piece.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    sent.on('error', reject);
    sent.end(body);
  });
}

test('the SDK signs streamed uploads; a wrong secret is SignatureDoesNotMatch', async () => {
  const s3 = eddy.client(S3Client, { forcePathStyle: true });
  await s3.send(new PutObjectCommand({ Bucket: 'signed', Key: 'sdk.txt', Body: 'signed body' }));
  const got = await s3.send(new GetObjectCommand({ Bucket: 'signed', Key: 'sdk.txt' }));
  assert.equal(await got.Body?.transformToString(), 'signed body');
  const wrong = eddy.client(S3Client, {
    forcePathStyle: true,
    credentials: { accessKeyId: KEY.accessKeyId, secretAccessKey: 'wrong' },
  });
  const refused = await wrong
    .send(new PutObjectCommand({ Bucket: 'signed', Key: 'x', Body: 'x' }))
    .catch((e: Error) => e);
  assert.equal((refused as Error).name, 'SignatureDoesNotMatch');
});

test('signed aws-chunked bodies: every chunk signature checked', async () => {
  const ok = await signedChunkedPut('chunked.txt', [
    Buffer.from('first chunk, '),
    Buffer.from('second chunk'),
  ]);
  assert.equal(ok.status, 200, ok.body);
  const got = await eddy
    .client(S3Client, { forcePathStyle: true })
    .send(new GetObjectCommand({ Bucket: 'signed', Key: 'chunked.txt' }));
  assert.equal(await got.Body?.transformToString(), 'first chunk, second chunk');

  const tampered = await signedChunkedPut('tampered.txt', [Buffer.from('honest data')], true);
  assert.equal(tampered.status, 403);
  assert.match(tampered.body, /<Code>SignatureDoesNotMatch<\/Code>/);
  const missing = await eddy
    .client(S3Client, { forcePathStyle: true })
    .send(new GetObjectCommand({ Bucket: 'signed', Key: 'tampered.txt' }))
    .catch((e: Error) => e);
  assert.equal((missing as Error).name, 'NoSuchKey', 'nothing of a refused body is kept');
});

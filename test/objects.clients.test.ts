// The aws CLI (s3 cp/ls/sync and s3api) and boto3's transfer manager (multipart upload_file and
// download_file) against eddy's S3; and a 200 MiB object streamed in and out of a real eddy process
// whose memory stays modest.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { type EddyProcess, spawnEddy, startTestEddy, type TestEddy, tempDataDir } from './harness.ts';

let eddy: TestEddy;
const work = tempDataDir();

before(async () => {
  eddy = await startTestEddy();
});
after(() => eddy.stop());

function python(script: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'python3',
      ['-c', script, ...args],
      {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, AWS_CONFIG_FILE: '/dev/null' },
        timeout: 120_000,
      },
      (error, stdout, stderr) => (error ? reject(new Error(stderr || error.message)) : resolve(stdout)),
    );
  });
}

test('aws s3 and s3api: mb, cp, ls, sync, head-object, rm', async () => {
  const ok = async (args: string[]) => {
    const result = await eddy.aws(args);
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  };
  await ok(['s3', 'mb', 's3://cli-bucket']);
  const dir = join(work, 'sync');
  mkdirSync(join(dir, 'sub'), { recursive: true });
  writeFileSync(join(dir, 'one.txt'), 'one');
  writeFileSync(join(dir, 'sub', 'two.txt'), 'two two');
  await ok(['s3', 'cp', join(dir, 'one.txt'), 's3://cli-bucket/copied/one.txt']);
  await ok(['s3', 'sync', dir, 's3://cli-bucket/synced']);
  const listed = await ok(['s3', 'ls', '--recursive', 's3://cli-bucket']);
  assert.match(listed, /copied\/one\.txt/);
  assert.match(listed, /synced\/sub\/two\.txt/);
  const top = await ok(['s3', 'ls', 's3://cli-bucket/']);
  assert.match(top, /PRE copied\//);
  const head = JSON.parse(
    await ok(['s3api', 'head-object', '--bucket', 'cli-bucket', '--key', 'synced/sub/two.txt']),
  ) as {
    ContentLength: number;
    ETag: string;
  };
  assert.equal(head.ContentLength, 7);
  assert.equal(head.ETag, `"${createHash('md5').update('two two').digest('hex')}"`);
  await ok(['s3', 'cp', 's3://cli-bucket/synced/one.txt', join(work, 'back.txt')]);
  assert.equal(readFileSync(join(work, 'back.txt'), 'utf8'), 'one');
  // A second sync finds nothing to send.
  assert.equal((await ok(['s3', 'sync', dir, 's3://cli-bucket/synced'])).trim(), '');
  await ok(['s3', 'rm', '--recursive', 's3://cli-bucket/synced']);
  const after = await ok(['s3', 'ls', '--recursive', 's3://cli-bucket']);
  assert.doesNotMatch(after, /synced/);
  const missing = await eddy.aws([
    's3api',
    'get-object',
    '--bucket',
    'cli-bucket',
    '--key',
    'nope',
    join(work, 'x'),
  ]);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /NoSuchKey/);
});

test('boto3: upload_file in parts with its transfer manager, download_file back', async () => {
  const file = join(work, 'twenty.bin');
  const data = Buffer.alloc(20 * 1024 * 1024);
  for (let i = 0; i < data.length; i += 4096) data.writeUInt32LE(i, i);
  writeFileSync(file, data);
  const script = `
import sys, json, boto3, botocore
from boto3.s3.transfer import TransferConfig
s3 = boto3.client('s3', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='test',
    aws_secret_access_key='test', config=botocore.config.Config(retries={'max_attempts': 1}))
s3.create_bucket(Bucket='boto-bucket')
config = TransferConfig(multipart_threshold=8 * 1024 * 1024, multipart_chunksize=8 * 1024 * 1024)
s3.upload_file(sys.argv[2], 'boto-bucket', 'big/twenty.bin', Config=config)
head = s3.head_object(Bucket='boto-bucket', Key='big/twenty.bin', ChecksumMode='ENABLED')
s3.download_file('boto-bucket', 'big/twenty.bin', sys.argv[3], Config=config)
print(json.dumps({'etag': head['ETag'], 'length': head['ContentLength'], 'parts': head.get('PartsCount'),
    'checksum': head.get('ChecksumCRC32'), 'type': head.get('ChecksumType')}))
`;
  const out = JSON.parse(await python(script, [eddy.url, file, join(work, 'twenty.back')])) as Record<
    string,
    unknown
  >;
  assert.match(String(out.etag), /^"[0-9a-f]{32}-3"$/);
  assert.equal(out.length, data.length);
  assert.ok(readFileSync(join(work, 'twenty.back')).equals(data));
});

test('a 200 MiB object streams in and out with modest memory', { timeout: 180_000 }, async () => {
  const dataDir = tempDataDir();
  const node: EddyProcess = await spawnEddy(['--port', '0', '--data-dir', dataDir]);
  try {
    const s3 = node.client(S3Client, { forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: 'large' }));
    const size = 200 * 1024 * 1024;
    const chunk = Buffer.alloc(1024 * 1024, 7);
    const rss = () => {
      const status = readFileSync(`/proc/${node.child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) * 1024;
    };
    const before = rss();
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rss());
    }, 50);
    const body = Readable.from(
      (function* () {
        for (let i = 0; i < size / chunk.length; i++) yield chunk;
      })(),
    );
    await s3.send(
      new PutObjectCommand({ Bucket: 'large', Key: 'blob.bin', Body: body, ContentLength: size }),
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: 'large', Key: 'blob.bin' }));
    let received = 0;
    for await (const piece of got.Body as AsyncIterable<Buffer>) received += piece.length;
    clearInterval(sampler);
    assert.equal(received, size);
    const growth = peak - before;
    assert.ok(
      growth < 96 * 1024 * 1024,
      `eddy's RSS grew by ${Math.round(growth / 1048576)} MiB for a 200 MiB object`,
    );
    s3.destroy();
  } finally {
    await node.kill();
  }
});

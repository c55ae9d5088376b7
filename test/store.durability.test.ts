// Acknowledged means on disk: with EDDY_DURABILITY=disk every SendMessage is answered only after
// an fsync of the SQLite WAL that its commit went into, seen from outside with strace on a real
// eddy process. With EDDY_DURABILITY=process the same sends are answered with no fsync,
// which shows the check can tell the two apart.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { spawnEddy, tempDataDir } from './harness.ts';

const SENDS = 10;

/** Attaches strace to every thread of `pid`; resolves once it is attached. */
async function traceSyncsAndWrites(pid: number, output: string): Promise<ChildProcess> {
  const strace = spawn(
    'strace',
    ['-f', '-y', '-s', '16', '-e', 'trace=fsync,fdatasync,write,writev', '-o', output, '-p', String(pid)],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    strace.once('error', (error) => reject(new Error(`strace could not start: ${error.message}`)));
    strace.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (/attached/.test(stderr)) resolve();
    });
    strace.once('exit', (code) => reject(new Error(`strace ended (${code}): ${stderr}`)));
  });
  return strace;
}

/** For each answered HTTP request in the trace, in order: how many WAL fsyncs ran since the one before. */
function walSyncsBeforeEachAnswer(trace: string): number[] {
  const counts: number[] = [];
  let syncs = 0;
  for (const line of trace.split('\n')) {
    if (/f(data)?sync\(\d+<[^>]*eddy\.db-wal>.*= 0$/.test(line)) syncs += 1;
    else if (/writev?\(\d+<(TCP|socket).*HTTP\/1\.1 200/.test(line)) {
      counts.push(syncs);
      syncs = 0;
    }
  }
  return counts;
}

async function answeredSends(durability: 'disk' | 'process'): Promise<number[]> {
  const dataDir = tempDataDir();
  // The embedded store: the WAL is eddy's own file here (PostgreSQL's durability is its server's).
  const eddy = await spawnEddy(['--port', '0', '--data-dir', dataDir, '--durability', durability], {
    env: { EDDY_STORE: '' },
  });
  const sqs = eddy.client(SQSClient);
  const traceFile = join(dataDir, 'strace.txt');
  try {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'durable' }));
    const strace = await traceSyncsAndWrites(eddy.child.pid!, traceFile);
    for (let i = 0; i < SENDS; i++) {
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: `message ${i}` }));
    }
    await new Promise((resolve) => {
      strace.once('exit', resolve);
      strace.kill('SIGINT');
    });
    return walSyncsBeforeEachAnswer(readFileSync(traceFile, 'utf8'));
  } finally {
    sqs.destroy();
    await eddy.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

test('durability disk: every send is answered after an fsync of the WAL its commit is in', async () => {
  const counts = await answeredSends('disk');
  assert.equal(counts.length, SENDS, `answers seen in the trace: ${counts.length}`);
  assert.ok(
    counts.every((syncs) => syncs >= 1),
    `WAL fsyncs before each answer: ${counts.join(', ')}`,
  );
});

test('durability process: the same sends are answered without an fsync', async () => {
  const counts = await answeredSends('process');
  assert.equal(counts.length, SENDS, `answers seen in the trace: ${counts.length}`);
  assert.deepEqual(counts, new Array(SENDS).fill(0));
});

// Pipes survive kill -9: a Kinesis → SQS pipe killed mid-stream resumes from its checkpoint in the
// store after the restart, and every record reaches the target (at least once, none lost).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CreateStreamCommand, KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { CreatePipeCommand, PipesClient } from '@aws-sdk/client-pipes';
import { SQSClient } from '@aws-sdk/client-sqs';
import { spawnEddy, TEST_ACCOUNT, TEST_REGION, tempDataDir } from './harness.ts';
import { distinctBodies, queueWithArn } from './helpers.ts';

const put = (kinesis: KinesisClient, from: number, count: number) =>
  kinesis.send(
    new PutRecordsCommand({
      StreamName: 'crash-clicks',
      Records: Array.from({ length: count }, (_, index) => ({
        PartitionKey: `k${(from + index) % 7}`,
        Data: Buffer.from(JSON.stringify({ n: from + index })),
      })),
    }),
  );

test('a pipe killed with SIGKILL resumes from its checkpoint and loses no record', async () => {
  const dataDir = tempDataDir();
  let node = await spawnEddy(['--port', '0', '--data-dir', dataDir]);
  let clients = [node.client(KinesisClient), node.client(PipesClient), node.client(SQSClient)] as const;
  try {
    const [kinesis, pipes, sqs] = clients;
    await kinesis.send(new CreateStreamCommand({ StreamName: 'crash-clicks', ShardCount: 2 }));
    const target = await queueWithArn(sqs, 'crash-pipe-target');
    await pipes.send(
      new CreatePipeCommand({
        Name: 'crash',
        Source: `arn:aws:kinesis:${TEST_REGION}:${TEST_ACCOUNT}:stream/crash-clicks`,
        Target: target.arn,
        RoleArn: `arn:aws:iam::${TEST_ACCOUNT}:role/pipes`,
        SourceParameters: { KinesisStreamParameters: { StartingPosition: 'TRIM_HORIZON', BatchSize: 5 } },
        TargetParameters: { InputTemplate: '<$.data.n>' },
      }),
    );
    await put(kinesis, 0, 100);
    const before = await distinctBodies(sqs, target.url, 10);
    assert.ok(before.size >= 10);
    for (const client of clients) client.destroy();
    await node.kill('SIGKILL');

    node = await spawnEddy(['--port', '0', '--data-dir', dataDir]);
    clients = [node.client(KinesisClient), node.client(PipesClient), node.client(SQSClient)] as const;
    await put(clients[0], 100, 50);
    // At least once: records of the batch in flight at the kill may come twice; every one comes.
    const all = new Set(before);
    const deadline = Date.now() + 30_000;
    while (all.size < 150 && Date.now() < deadline)
      for (const body of await distinctBodies(clients[2], target.url, 1, { timeoutMs: 1000 })) all.add(body);
    assert.equal(all.size, 150);
    assert.deepEqual(
      [...all].map(Number).sort((a, b) => a - b),
      Array.from({ length: 150 }, (_, index) => index),
    );
  } finally {
    for (const client of clients) client.destroy();
    await node.kill('SIGKILL');
  }
});

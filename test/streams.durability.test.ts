// Kinesis durability and sharing: a record PutRecord acknowledged survives kill -9 and sequence
// numbers go on growing after the restart; two nodes sharing one store hand out distinct, growing
// sequence numbers for one shard; a rule on the bus puts records through the `kinesis` deliverer.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import {
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  PutRecordCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { createScratchSchema, type ScratchSchema } from '../src/store/index.ts';
import { spawnEddy, startTestEddy, TEST_ACCOUNT, TEST_REGION, TEST_STORE, tempDataDir } from './harness.ts';
import { eventually } from './helpers.ts';

const schemas: ScratchSchema[] = [];
after(async () => {
  for (const schema of schemas) await schema.drop();
});

async function readAll(kinesis: KinesisClient, stream: string) {
  const { ShardIterator } = await kinesis.send(
    new GetShardIteratorCommand({
      StreamName: stream,
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'TRIM_HORIZON',
    }),
  );
  return (await kinesis.send(new GetRecordsCommand({ ShardIterator }))).Records ?? [];
}

test('acknowledged records survive kill -9; sequence numbers never go back', async () => {
  const dataDir = tempDataDir();
  let node = await spawnEddy(['--port', '0', '--data-dir', dataDir]);
  let kinesis = node.client(KinesisClient);
  try {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'durable', ShardCount: 1 }));
    const acknowledged: string[] = [];
    for (let index = 0; index < 20; index++) {
      const put = await kinesis.send(
        new PutRecordCommand({ StreamName: 'durable', PartitionKey: 'k', Data: Buffer.from(`r${index}`) }),
      );
      acknowledged.push(put.SequenceNumber!);
    }
    kinesis.destroy();
    await node.kill('SIGKILL');
    node = await spawnEddy(['--port', '0', '--data-dir', dataDir]);
    kinesis = node.client(KinesisClient);
    const records = await readAll(kinesis, 'durable');
    assert.deepEqual(
      records.map((record) => record.SequenceNumber),
      acknowledged,
    );
    const next = await kinesis.send(
      new PutRecordCommand({ StreamName: 'durable', PartitionKey: 'k', Data: Buffer.from('after') }),
    );
    assert.ok(BigInt(next.SequenceNumber!) > BigInt(acknowledged[acknowledged.length - 1]!));
  } finally {
    kinesis.destroy();
    await node.kill('SIGKILL');
  }
});

test('two nodes sharing PostgreSQL hand out distinct, growing sequence numbers', {
  skip: TEST_STORE !== 'postgres' && !process.env.EDDY_TEST_PG_URL,
}, async () => {
  const schema = await createScratchSchema();
  schemas.push(schema);
  const a = await startTestEddy({ config: { store: schema.url, nodeId: 'kin-a' } });
  const b = await startTestEddy({ config: { store: schema.url, nodeId: 'kin-b' } });
  const kinesisA = a.client(KinesisClient);
  const kinesisB = b.client(KinesisClient);
  try {
    await kinesisA.send(new CreateStreamCommand({ StreamName: 'shared', ShardCount: 1 }));
    const puts = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        (index % 2 ? kinesisA : kinesisB).send(
          new PutRecordsCommand({
            StreamName: 'shared',
            Records: Array.from({ length: 10 }, (_, n) => ({
              PartitionKey: `k${n}`,
              Data: Buffer.from(`${index}-${n}`),
            })),
          }),
        ),
      ),
    );
    const sequences = puts.flatMap((put) => put.Records!.map((record) => record.SequenceNumber!));
    assert.equal(new Set(sequences).size, 200);
    const records = await readAll(kinesisB, 'shared');
    assert.equal(records.length, 200);
    const read = records.map((record) => BigInt(record.SequenceNumber!));
    for (let index = 1; index < read.length; index++) assert.ok(read[index]! > read[index - 1]!);
  } finally {
    kinesisA.destroy();
    kinesisB.destroy();
    await a.stop();
    await b.stop();
  }
});

test('a rule puts matching events on a stream (KinesisParameters.PartitionKeyPath)', async () => {
  const eddy = await startTestEddy();
  const kinesis = eddy.client(KinesisClient);
  const events = eddy.client(EventBridgeClient);
  try {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'from-rules', ShardCount: 1 }));
    await events.send(
      new PutRuleCommand({ Name: 'to-stream', EventPattern: JSON.stringify({ source: ['shop'] }) }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: 'to-stream',
        Targets: [
          {
            Id: 'stream',
            Arn: `arn:aws:kinesis:${TEST_REGION}:${TEST_ACCOUNT}:stream/from-rules`,
            KinesisParameters: { PartitionKeyPath: '$.detail.customer' },
          },
        ],
      }),
    );
    await events.send(
      new PutEventsCommand({
        Entries: [{ Source: 'shop', DetailType: 'Order', Detail: '{"customer": "c-42"}' }],
      }),
    );
    const records = await eventually(async () => {
      const got = await readAll(kinesis, 'from-rules');
      return got.length > 0 ? got : undefined;
    });
    assert.equal(records[0]!.PartitionKey, 'c-42');
    const event = JSON.parse(Buffer.from(records[0]!.Data!).toString()) as {
      source: string;
      detail: unknown;
    };
    assert.equal(event.source, 'shop');
    assert.deepEqual(event.detail, { customer: 'c-42' });
  } finally {
    kinesis.destroy();
    events.destroy();
    await eddy.stop();
  }
});

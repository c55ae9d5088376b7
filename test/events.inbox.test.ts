// Upgrading from an eddy that matched events after their commit: events still waiting in a bus's
// inbox table (evb_events) when it stopped are matched and delivered by the next start.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startTestEddy, storeOf, TEST_REGION, tempDataDir } from './harness.ts';
import { receiveAll } from './helpers.ts';

test('events left in the inbox table by an earlier eddy are delivered at start', async () => {
  const dataDir = tempDataDir();
  const first = await startTestEddy({ dataDir });
  const sqs = first.client(SQSClient);
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'inbox-left' }));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const events = first.client(EventBridgeClient);
  await events.send(new PutRuleCommand({ Name: 'orders', EventPattern: '{"source": ["shop"]}' }));
  await events.send(
    new PutTargetsCommand({
      Rule: 'orders',
      Targets: [{ Id: 'queue', Arn: Attributes!.QueueArn, InputPath: '$.detail' }],
    }),
  );
  events.destroy();
  sqs.destroy();
  await first.stop();

  const db = await storeOf(dataDir);
  const bus = (await db.read((tx) =>
    tx.get<{ id: number; account: string }>("SELECT id, account FROM evb_buses WHERE name = 'default'"),
  ))!;
  const rows: Array<[number, string, string, string, number]> = [];
  for (const [index, source] of ['shop', 'elsewhere', 'shop'].entries()) {
    const envelope = {
      version: '0',
      id: `left-${index}`,
      'detail-type': 'Order',
      source,
      account: bus.account,
      time: '2026-12-01T00:00:00Z',
      region: TEST_REGION,
      resources: [],
      detail: { order: index },
    };
    const busArn = `arn:aws:events:${TEST_REGION}:${bus.account}:event-bus/default`;
    rows.push([bus.id, envelope.id, JSON.stringify(envelope), JSON.stringify([busArn]), Date.now()]);
  }
  await db.write(async (tx) => {
    for (const row of rows) {
      await tx.run(
        'INSERT INTO evb_events (bus_id, event_id, envelope, bus_path, received_at) VALUES (?, ?, ?, ?, ?)',
        row,
      );
    }
  });
  await db.close();

  const second = await startTestEddy({ dataDir });
  try {
    const after = second.client(SQSClient);
    const bodies = (await receiveAll(after, QueueUrl!, 2)).map((message) => message.Body!);
    assert.deepEqual(bodies.sort(), ['{"order":0}', '{"order":2}']);
    const trace = await (await fetch(`${second.url}/_eddy/events/left-1`)).json();
    assert.deepEqual((trace as { matchedRules: string[] }).matchedRules, []);
    const left = await storeOf(dataDir);
    const count = await left.read((tx) => tx.get<{ n: number }>('SELECT COUNT(*) AS n FROM evb_events'));
    assert.equal(count?.n, 0);
    await left.close();
    after.destroy();
  } finally {
    await second.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

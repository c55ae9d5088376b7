// The event bus across a real kill -9: every event PutEvents accepted is delivered, before the kill
// or after the restart, and keeps its trace.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import {
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { EventTrace } from '../src/services/events/traces.ts';
import { type EddyProcess, spawnEddy, TEST_REGION, tempDataDir } from './harness.ts';
import { distinctBodies } from './helpers.ts';

const EVENTS = 3000;

test('kill -9 right after PutEvents: every accepted event is delivered after the restart', async () => {
  const dataDir = tempDataDir();
  let second: EddyProcess | undefined;
  try {
    const first = await spawnEddy(['--port', '0', '--data-dir', dataDir]);
    const events = first.client(EventBridgeClient);
    const sqs = first.client(SQSClient);
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'crash-events' }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    await events.send(new PutRuleCommand({ Name: 'all-orders', EventPattern: '{"source": ["shop"]}' }));
    await events.send(
      new PutTargetsCommand({
        Rule: 'all-orders',
        Targets: [{ Id: 'queue', Arn: Attributes!.QueueArn, InputPath: '$.detail' }],
      }),
    );

    const accepted = new Set<string>();
    const eventIds: string[] = [];
    const batches = Array.from({ length: EVENTS / 10 }, (_, batch) => batch);
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let batch = batches.shift(); batch !== undefined; batch = batches.shift()) {
          const entries = Array.from({ length: 10 }, (_, index) => ({
            Source: 'shop',
            DetailType: 'Order',
            Detail: JSON.stringify({ order: batch * 10 + index }),
          }));
          const { FailedEntryCount, Entries } = await events.send(new PutEventsCommand({ Entries: entries }));
          assert.equal(FailedEntryCount, 0);
          eventIds.push(...(Entries ?? []).map((entry) => entry.EventId!));
          for (const entry of entries) accepted.add(entry.Detail);
        }
      }),
    );
    assert.equal(await first.kill('SIGKILL'), null);
    events.destroy();
    sqs.destroy();

    second = await spawnEddy(['--port', '0', '--data-dir', dataDir]);
    const sqsAfter = second.client(SQSClient);
    const { QueueUrl: url } = await sqsAfter.send(new GetQueueUrlCommand({ QueueName: 'crash-events' }));
    const delivered = await distinctBodies(sqsAfter, url!, accepted.size, { timeoutMs: 30_000 });
    sqsAfter.destroy();
    const missing = [...accepted].filter((detail) => !delivered.has(detail));
    assert.deepEqual(missing, [], `${missing.length} accepted events were not delivered`);

    // Traces are kept with the events: those delivered before the kill are still there after it.
    for (const eventId of eventIds.filter((_, index) => index % 10 === 0)) {
      const response = await fetch(`${second.url}/_eddy/events/${eventId}`);
      assert.equal(response.status, 200, `no trace for ${eventId}`);
      const trace = (await response.json()) as EventTrace;
      assert.deepEqual(trace.matchedRules, [`arn:aws:events:${TEST_REGION}:000000000000:rule/all-orders`]);
      assert.ok(
        trace.attempts.some((attempt) => attempt.outcome === 'delivered'),
        `${eventId}: ${JSON.stringify(trace.attempts)}`,
      );
    }
  } finally {
    await second?.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
});

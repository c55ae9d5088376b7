// What a request allocates dies young. V8 moves an object to the old generation once it has
// survived two scavenges; a request answered in a millisecond never should. When something in
// eddy's code ties requests to the heap, each one is promoted and every scavenge copies it: a
// per-request hidden class did that at 5 KB a call (a getter in an object literal, properties after
// a leading spread). This counts the bytes V8 reports promoted (--trace-gc-nvp) per call.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { spawnEddy, TEST_STORE } from './harness.ts';

const WARM_UP_ROUNDS = 300;
const MEASURED_ROUNDS = 800;
/**
 * A call that leaves nothing behind promotes tens of bytes; one tied to the heap, kilobytes. On
 * PostgreSQL the driver (node-postgres) promotes some of its own per query — about 300 bytes for
 * one prepared query, 1.3 KB for the group commit's combined control statements, measured without
 * eddy — so the bar there is the driver's share above SQLite's, and still catches a request tied
 * to the heap (5 KB a call did that).
 */
const MAX_PROMOTED_PER_CALL = TEST_STORE === 'postgres' ? 3072 : 1024;

/** Bytes promoted and the number of scavenges in `--trace-gc-nvp` output. */
function promotedIn(trace: string): { bytes: number; scavenges: number } {
  let bytes = 0;
  let scavenges = 0;
  for (const line of trace.split('\n')) {
    if (!line.includes(' gc=s ')) continue;
    scavenges += 1;
    bytes += Number(/ promoted=(\d+)/.exec(line)?.[1] ?? 0);
  }
  return { bytes, scavenges };
}

test('calls of SQS, EventBridge and SNS leave under 1 KB each in the old generation', async () => {
  const eddy = await spawnEddy(['--port', '0', '--in-memory'], {
    nodeArgs: ['--max-semi-space-size=4', '--trace-gc-nvp'],
  });
  const sqs = eddy.client(SQSClient);
  const events = eddy.client(EventBridgeClient);
  const sns = eddy.client(SNSClient);
  try {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'gc' }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    const queueArn = Attributes!.QueueArn!;
    await events.send(new PutRuleCommand({ Name: 'gc', EventPattern: JSON.stringify({ source: ['gc'] }) }));
    await events.send(new PutTargetsCommand({ Rule: 'gc', Targets: [{ Id: 'queue', Arn: queueArn }] }));
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'gc' }));
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: queueArn }));

    // One after another: at most one request is in flight when a scavenge comes.
    const round = async () => {
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'a message' }));
      await events.send(
        new PutEventsCommand({ Entries: [{ Source: 'gc', DetailType: 'tick', Detail: '{"n":1}' }] }),
      );
      await sns.send(new PublishCommand({ TopicArn, Message: 'a notification' }));
    };
    for (let index = 0; index < WARM_UP_ROUNDS; index++) await round(); // code compiled, caches full
    const mark = eddy.output().length;
    for (let index = 0; index < MEASURED_ROUNDS; index++) await round();
    const { bytes, scavenges } = promotedIn(eddy.output().slice(mark));

    const calls = MEASURED_ROUNDS * 4;
    assert.ok(scavenges >= 5, `${scavenges} scavenges in ${calls} calls: too few to measure`);
    const perCall = bytes / calls;
    assert.ok(
      perCall < MAX_PROMOTED_PER_CALL,
      `${perCall.toFixed(0)} bytes promoted per call (${bytes} in ${scavenges} scavenges)`,
    );
  } finally {
    sqs.destroy();
    events.destroy();
    sns.destroy();
    await eddy.kill();
  }
});

// EventBridge Scheduler on two eddy processes sharing PostgreSQL: schedules made on a node that is
// then killed with SIGKILL fire on the other node, each exactly once. A cluster is PostgreSQL's,
// so this runs on a scratch schema of the test database whatever EDDY_TEST_STORE says.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { CreateQueueCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createScratchSchema, type ScratchSchema } from '../src/store/index.ts';
import { type EddyProcess, spawnEddy, TEST_ACCOUNT, TEST_REGION } from './harness.ts';
import { drain } from './helpers.ts';

const schemas: ScratchSchema[] = [];
const running: EddyProcess[] = [];
after(async () => {
  for (const node of running) await node.kill('SIGKILL');
  for (const schema of schemas) await schema.drop();
});

test("a killed node's schedules fire on the node left, once each", async (t) => {
  const schema = await createScratchSchema();
  schemas.push(schema);
  const env = { EDDY_STORE: schema.url };
  const a = await spawnEddy(['--port', '0'], { env: { ...env, EDDY_NODE_ID: 'node-a' } });
  running.push(a);
  const b = await spawnEddy(['--port', '0'], { env: { ...env, EDDY_NODE_ID: 'node-b' } });
  running.push(b);

  const sqsA = a.client(SQSClient);
  await sqsA.send(new CreateQueueCommand({ QueueName: 'cluster-scheduled' }));
  sqsA.destroy();
  const scheduler = a.client(SchedulerClient);
  const due = new Date(Math.ceil((Date.now() + 5000) / 1000) * 1000);
  const stamp = due.toISOString().slice(0, 19);
  for (let i = 0; i < 5; i++) {
    await scheduler.send(
      new CreateScheduleCommand({
        Name: `on-a-${i}`,
        ScheduleExpression: `at(${stamp})`,
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: {
          Arn: `arn:aws:sqs:${TEST_REGION}:${TEST_ACCOUNT}:cluster-scheduled`,
          RoleArn: `arn:aws:iam::${TEST_ACCOUNT}:role/s`,
          Input: String(i),
        },
      }),
    );
  }
  scheduler.destroy();
  assert.ok(Date.now() < due.getTime(), 'the schedules were made before they were due');
  await a.kill('SIGKILL');
  const killedAt = Date.now();

  const sqs = b.client(SQSClient);
  let url: string | undefined;
  while (!url && Date.now() - killedAt < 5000) {
    url = await sqs
      .send(new GetQueueUrlCommand({ QueueName: 'cluster-scheduled' }))
      .then((answer) => answer.QueueUrl)
      .catch(() => undefined);
    if (!url) await sleep(50);
  }
  assert.ok(url, 'node b knows the queue');
  const bodies: string[] = [];
  while (bodies.length < 5 && Date.now() - killedAt < 20_000) {
    bodies.push(...(await drain(sqs, url, { delete: true })).map((message) => message.Body!));
    await sleep(100);
  }
  t.diagnostic(`all fired ${Date.now() - due.getTime()} ms after they were due`);
  await sleep(2500); // a heartbeat later: nothing fires them again
  bodies.push(...(await drain(sqs, url, { delete: true })).map((message) => message.Body!));
  assert.deepEqual(bodies.sort(), ['0', '1', '2', '3', '4']);
  sqs.destroy();
});

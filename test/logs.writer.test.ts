// The log writer behind the targets port (how tasks' awslogs output is stored): lines delivered to a
// log group ARN are batched into few commits, create groups and streams as asked, keep their order,
// fail clearly for missing groups and bad names, and are all committed when eddy stops.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  GetLogEventsCommand,
  type OutputLogEvent,
} from '@aws-sdk/client-cloudwatch-logs';
import { DeliveryError } from '../src/runtime/index.ts';
import { type LogLineParameters, logGroupArn, logsService } from '../src/services/logs/index.ts';
import { startTestEddy, TEST_ACCOUNT, TEST_REGION, type TestEddy, tempDataDir } from './harness.ts';

const arnOf = (group: string) => logGroupArn(TEST_REGION, TEST_ACCOUNT, group);

function deliver(eddy: TestEddy, group: string, line: string, parameters: LogLineParameters) {
  return eddy.runtime.targets.deliver(arnOf(group), { body: line, parameters: { ...parameters } });
}

async function readAll(logs: CloudWatchLogsClient, group: string, stream: string): Promise<OutputLogEvent[]> {
  const all: OutputLogEvent[] = [];
  let token: string | undefined;
  for (;;) {
    const page = await logs.send(
      new GetLogEventsCommand({
        logGroupName: group,
        logStreamName: stream,
        startFromHead: true,
        ...(token ? { nextToken: token } : {}),
      }),
    );
    all.push(...(page.events ?? []));
    if (page.nextForwardToken === token) return all;
    token = page.nextForwardToken;
  }
}

describe('the targets-port writer', () => {
  let eddy: TestEddy;
  let logs: CloudWatchLogsClient;

  before(async () => {
    eddy = await startTestEddy();
    logs = eddy.client(CloudWatchLogsClient);
  });
  after(() => eddy.stop());

  test('many lines share few commits, land in order, and create the group and stream', async () => {
    const commitsBefore = eddy.runtime.store.info().commits;
    const lines = Array.from({ length: 3000 }, (_, index) => `line ${index}`);
    const streamName = 'web/app/0123456789abcdef';
    await Promise.all(
      lines.map((line) => deliver(eddy, '/ecs/orders', line, { stream: streamName, createGroup: true })),
    );
    const commits = eddy.runtime.store.info().commits - commitsBefore;
    assert.ok(commits <= 5, `3000 lines took ${commits} commits`);
    const events = await readAll(logs, '/ecs/orders', streamName);
    assert.deepEqual(
      events.map((event) => event.message),
      lines,
    );
    const { logStreams } = await logs.send(new DescribeLogStreamsCommand({ logGroupName: '/ecs/orders' }));
    assert.deepEqual(
      logStreams?.map((stream) => stream.logStreamName),
      [streamName],
    );
  });

  test('explicit timestamps, long lines split at the event limit, empty lines skipped', async () => {
    const at = Date.now() - 60_000;
    const long = 'é'.repeat(600_000); // 1,200,000 bytes: more than one event holds
    await Promise.all([
      deliver(eddy, 'writer-shapes', 'first', { stream: 's', timestamp: at, createGroup: true }),
      deliver(eddy, 'writer-shapes', '', { stream: 's', createGroup: true }),
      deliver(eddy, 'writer-shapes', long, { stream: 's', timestamp: at + 1, createGroup: true }),
    ]);
    const events = await readAll(logs, 'writer-shapes', 's');
    assert.equal(events.length, 3);
    assert.equal(events[0]?.message, 'first');
    assert.equal(events[0]?.timestamp, at);
    const joined = (events[1]?.message ?? '') + (events[2]?.message ?? '');
    assert.equal(joined, long);
    assert.ok(Buffer.byteLength(events[1]?.message ?? '') <= 1_048_550);
  });

  test('a missing group fails its own lines only; existing groups need no createGroup', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'writer-existing' }));
    const [missing, existing] = await Promise.allSettled([
      deliver(eddy, 'writer-missing', 'lost', { stream: 's' }),
      deliver(eddy, 'writer-existing', 'kept', { stream: 's' }),
    ]);
    assert.equal(existing.status, 'fulfilled');
    assert.equal(missing.status, 'rejected');
    const error = (missing as PromiseRejectedResult).reason as DeliveryError;
    assert.ok(error instanceof DeliveryError);
    assert.equal(error.code, 'ResourceNotFoundException');
    assert.equal(error.retryable, false);
    const groups = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'writer-missing' }));
    assert.deepEqual(groups.logGroups, []);
    assert.deepEqual(
      (await readAll(logs, 'writer-existing', 's')).map((event) => event.message),
      ['kept'],
    );
  });

  test('bad ARNs and stream names are refused at once', async () => {
    await assert.rejects(
      eddy.runtime.targets.deliver(`arn:aws:logs:${TEST_REGION}:${TEST_ACCOUNT}:destination:x`, {
        body: 'x',
        parameters: { stream: 's' },
      }),
      (error: DeliveryError) => error.code === 'InvalidParameterException',
    );
    await assert.rejects(
      deliver(eddy, 'writer-existing', 'x', { stream: 'bad:stream' }),
      (error: DeliveryError) => error.code === 'InvalidParameterException' && !error.retryable,
    );
  });
});

test('every line handed over before stop is committed, even with a long flush delay', async () => {
  const dataDir = tempDataDir();
  try {
    const first = await startTestEddy({
      dataDir,
      services: [
        (runtime) =>
          logsService(runtime, {
            flushDelayMs: 3_600_000,
            maxPendingLines: 1_000_000,
            maxPendingBytes: 1 << 30,
          }),
      ],
    });
    const commitsBefore = first.runtime.store.info().commits;
    const delivered = Array.from({ length: 500 }, (_, index) =>
      deliver(first, '/ecs/stopping', `line ${index}`, { stream: 'task/1', createGroup: true }),
    );
    let settled = false;
    void Promise.all(delivered).then(() => {
      settled = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(settled, false, 'nothing is committed before the flush');
    assert.equal(first.runtime.store.info().commits, commitsBefore);
    await first.stop();
    await Promise.all(delivered);
    await assert.rejects(
      deliver(first, '/ecs/stopping', 'too late', { stream: 'task/1' }),
      (error: DeliveryError) => error.code === 'ServiceUnavailableException' && error.retryable,
    );

    const second = await startTestEddy({ dataDir });
    try {
      const events = await readAll(second.client(CloudWatchLogsClient), '/ecs/stopping', 'task/1');
      assert.equal(events.length, 500);
      assert.equal(events.at(-1)?.message, 'line 499');
    } finally {
      await second.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

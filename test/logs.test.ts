// CloudWatch Logs through @aws-sdk/client-cloudwatch-logs and the aws CLI against a real server:
// groups, streams, events, tokens, filter patterns, retention, tags, limits and errors.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteLogGroupCommand,
  DeleteLogStreamCommand,
  DeleteRetentionPolicyCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  type InputLogEvent,
  ListTagsForResourceCommand,
  ListTagsLogGroupCommand,
  PutLogEventsCommand,
  PutRetentionPolicyCommand,
  TagLogGroupCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { startTestEddy, TEST_ACCOUNT, TEST_REGION, type TestEddy } from './harness.ts';

let eddy: TestEddy;
let logs: CloudWatchLogsClient;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

before(async () => {
  eddy = await startTestEddy();
  logs = eddy.client(CloudWatchLogsClient);
});
after(() => eddy.stop());

/** Expects `promise` to fail with an AWS error of this name and HTTP status, whose message matches. */
async function rejects(promise: Promise<unknown>, name: string, message?: RegExp, status = 400) {
  await assert.rejects(promise, (error: Error & { $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(error.name, name, error.message);
    assert.equal(error.$metadata?.httpStatusCode, status);
    if (message) assert.match(error.message, message);
    return true;
  });
}

async function groupWithStream(group: string, stream = 'main') {
  await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
  await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
}

const put = (group: string, stream: string, logEvents: InputLogEvent[]) =>
  logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents }));

const messages = (events: Array<{ message?: string }> | undefined) =>
  (events ?? []).map((event) => event.message);

describe('log groups', () => {
  test('create, describe with every field, and delete', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/app/orders', tags: { team: 'core' } }));
    const { logGroups } = await logs.send(
      new DescribeLogGroupsCommand({ logGroupNamePrefix: '/app/orders' }),
    );
    assert.equal(logGroups?.length, 1);
    const group = logGroups![0]!;
    assert.equal(group.logGroupName, '/app/orders');
    assert.equal(group.arn, `arn:aws:logs:${TEST_REGION}:${TEST_ACCOUNT}:log-group:/app/orders:*`);
    assert.equal(group.logGroupArn, `arn:aws:logs:${TEST_REGION}:${TEST_ACCOUNT}:log-group:/app/orders`);
    assert.equal(group.storedBytes, 0);
    assert.equal(group.retentionInDays, undefined);
    assert.equal(group.logGroupClass, 'STANDARD');
    assert.ok(Math.abs(group.creationTime! - Date.now()) < 60_000);
    await logs.send(new DeleteLogGroupCommand({ logGroupName: '/app/orders' }));
    const after = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/app/orders' }));
    assert.deepEqual(after.logGroups, []);
    await rejects(
      logs.send(new DeleteLogGroupCommand({ logGroupName: '/app/orders' })),
      'ResourceNotFoundException',
      /The specified log group does not exist/,
    );
  });

  test('names: duplicates, the character set, and the reserved aws/ prefix', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'dup' }));
    await rejects(
      logs.send(new CreateLogGroupCommand({ logGroupName: 'dup' })),
      'ResourceAlreadyExistsException',
      /already exists/,
    );
    await rejects(
      logs.send(new CreateLogGroupCommand({ logGroupName: 'bad:name' })),
      'InvalidParameterException',
      /1 validation error detected: Value 'bad:name' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern/,
    );
    await rejects(
      logs.send(new CreateLogGroupCommand({ logGroupName: 'x'.repeat(513) })),
      'InvalidParameterException',
      /at 'logGroupName' failed to satisfy constraint: Member must have length less than or equal to 512/,
    );
    await rejects(
      logs.send(new CreateLogGroupCommand({ logGroupName: 'aws/mine' })),
      'InvalidParameterException',
      /can't start with the string aws\//,
    );
    await rejects(
      logs.send(new CreateLogGroupCommand({ logGroupName: 'ok', logGroupClass: 'GOLD' as 'STANDARD' })),
      'InvalidParameterException',
      /at 'logGroupClass' failed to satisfy constraint: Member must satisfy enum value set/,
    );
  });

  test('prefix, case-insensitive pattern, and paging in name order', async () => {
    for (const name of ['/page/e', '/page/a', '/page/c', '/page/B', '/page/d'])
      await logs.send(new CreateLogGroupCommand({ logGroupName: name }));
    const names: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await logs.send(
        new DescribeLogGroupsCommand({
          logGroupNamePrefix: '/page/',
          limit: 2,
          ...(nextToken ? { nextToken } : {}),
        }),
      );
      names.push(...(page.logGroups ?? []).map((group) => group.logGroupName!));
      nextToken = page.nextToken;
      pages++;
    } while (nextToken);
    assert.deepEqual(names, ['/page/B', '/page/a', '/page/c', '/page/d', '/page/e']);
    assert.equal(pages, 3);
    const byPattern = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePattern: 'PAGE/b' }));
    assert.deepEqual(
      byPattern.logGroups?.map((group) => group.logGroupName),
      ['/page/B'],
    );
    await rejects(
      logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/page', logGroupNamePattern: 'page' })),
      'InvalidParameterException',
      /mutually exclusive/,
    );
    await rejects(
      logs.send(new DescribeLogGroupsCommand({ limit: 51 })),
      'InvalidParameterException',
      /Value '51' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 50/,
    );
    await rejects(
      logs.send(new DescribeLogGroupsCommand({ nextToken: 'garbage' })),
      'InvalidParameterException',
      /nextToken/,
    );
  });

  test('a missing required member is InvalidParameterException naming it', async () => {
    await rejects(
      logs.send(
        new PutLogEventsCommand({
          logGroupName: 'g',
          logStreamName: 's',
          logEvents: [{ message: 'x' }],
        } as never),
      ),
      'InvalidParameterException',
      /Value null at 'logEvents\.1\.member\.timestamp' failed to satisfy constraint: Member must not be null/,
    );
  });
});

describe('log streams', () => {
  test('create, duplicates, missing group, delete', async () => {
    await groupWithStream('streams-basic', 'one');
    await rejects(
      logs.send(new CreateLogStreamCommand({ logGroupName: 'streams-basic', logStreamName: 'one' })),
      'ResourceAlreadyExistsException',
      /log stream already exists/,
    );
    await rejects(
      logs.send(new CreateLogStreamCommand({ logGroupName: 'no-such-group', logStreamName: 'one' })),
      'ResourceNotFoundException',
      /log group does not exist/,
    );
    await rejects(
      logs.send(new CreateLogStreamCommand({ logGroupName: 'streams-basic', logStreamName: 'a:b' })),
      'InvalidParameterException',
      /at 'logStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: \[\^:\*\]\*/,
    );
    await logs.send(new DeleteLogStreamCommand({ logGroupName: 'streams-basic', logStreamName: 'one' }));
    await rejects(
      logs.send(new DeleteLogStreamCommand({ logGroupName: 'streams-basic', logStreamName: 'one' })),
      'ResourceNotFoundException',
      /log stream does not exist/,
    );
  });

  test('ordering by name or last event time, descending, prefix, paging, event timestamps', async () => {
    const group = 'streams-order';
    await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
    const now = Date.now();
    const lastEvents: Record<string, number> = { b: now - 3000, a: now - 1000, c: now - 2000 };
    for (const [name, ts] of Object.entries(lastEvents)) {
      await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: name }));
      await put(group, name, [
        { timestamp: ts - 500, message: `${name} first` },
        { timestamp: ts, message: `${name} last` },
      ]);
    }
    await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: 'empty' }));
    const list = async (
      input: Omit<ConstructorParameters<typeof DescribeLogStreamsCommand>[0], 'logGroupName'>,
    ) => (await logs.send(new DescribeLogStreamsCommand({ logGroupName: group, ...input }))).logStreams ?? [];

    assert.deepEqual(
      (await list({})).map((stream) => stream.logStreamName),
      ['a', 'b', 'c', 'empty'],
    );
    assert.deepEqual(
      (await list({ descending: true })).map((stream) => stream.logStreamName),
      ['empty', 'c', 'b', 'a'],
    );
    assert.deepEqual(
      (await list({ orderBy: 'LastEventTime', descending: true })).map((stream) => stream.logStreamName),
      ['a', 'c', 'b', 'empty'],
    );
    assert.deepEqual(
      (await list({ logStreamNamePrefix: 'e' })).map((stream) => stream.logStreamName),
      ['empty'],
    );
    const [a] = await list({ logStreamNamePrefix: 'a' });
    assert.equal(a?.firstEventTimestamp, lastEvents.a! - 500);
    assert.equal(a?.lastEventTimestamp, lastEvents.a);
    assert.ok(a?.lastIngestionTime && Math.abs(a.lastIngestionTime - Date.now()) < 60_000);
    assert.equal(a?.arn, `arn:aws:logs:${TEST_REGION}:${TEST_ACCOUNT}:log-group:${group}:log-stream:a`);
    assert.match(a?.uploadSequenceToken ?? '', /^\d{56}$/);

    const paged: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await logs.send(
        new DescribeLogStreamsCommand({
          logGroupName: group,
          orderBy: 'LastEventTime',
          limit: 1,
          ...(nextToken ? { nextToken } : {}),
        }),
      );
      paged.push(...(page.logStreams ?? []).map((stream) => stream.logStreamName!));
      nextToken = page.nextToken;
    } while (nextToken);
    assert.deepEqual(paged, ['empty', 'b', 'c', 'a']);

    await rejects(
      logs.send(
        new DescribeLogStreamsCommand({
          logGroupName: group,
          orderBy: 'LastEventTime',
          logStreamNamePrefix: 'a',
        }),
      ),
      'InvalidParameterException',
      /Cannot order by LastEventTime with a logStreamNamePrefix/,
    );
    await rejects(
      logs.send(new DescribeLogStreamsCommand({ logGroupName: 'no-such-group' })),
      'ResourceNotFoundException',
    );
    const byArn = await logs.send(
      new DescribeLogStreamsCommand({
        logGroupIdentifier: `arn:aws:logs:${TEST_REGION}:${TEST_ACCOUNT}:log-group:${group}`,
        limit: 1,
      }),
    );
    assert.equal(byArn.logStreams?.[0]?.logStreamName, 'a');
  });
});

describe('PutLogEvents', () => {
  test('stores events, counts bytes, and ignores sequence tokens', async () => {
    await groupWithStream('put-basic');
    const now = Date.now();
    const first = await logs.send(
      new PutLogEventsCommand({
        logGroupName: 'put-basic',
        logStreamName: 'main',
        sequenceToken: 'not-a-real-token',
        logEvents: [
          { timestamp: now - 10, message: 'hello' },
          { timestamp: now, message: 'wörld' },
        ],
      }),
    );
    assert.match(first.nextSequenceToken ?? '', /^\d{56}$/);
    assert.equal(first.rejectedLogEventsInfo, undefined);
    const again = await put('put-basic', 'main', [{ timestamp: now, message: 'again' }]);
    assert.notEqual(again.nextSequenceToken, first.nextSequenceToken);
    const { logGroups } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'put-basic' }));
    assert.equal(logGroups?.[0]?.storedBytes, 5 + 6 + 5);
    const { events } = await logs.send(
      new GetLogEventsCommand({ logGroupName: 'put-basic', logStreamName: 'main', startFromHead: true }),
    );
    assert.deepEqual(messages(events), ['hello', 'wörld', 'again']);
    assert.equal(events?.[0]?.timestamp, now - 10);
    assert.ok(events?.[0]?.ingestionTime && events[0].ingestionTime >= now - 10);
  });

  test('too new, too old and expired events are rejected, the rest stored', async () => {
    await groupWithStream('put-rejects');
    const now = Date.now();
    const result = await put('put-rejects', 'main', [
      { timestamp: now - 15 * DAY, message: 'too old' },
      { timestamp: now - HOUR, message: 'kept 1' },
      { timestamp: now, message: 'kept 2' },
      { timestamp: now + 3 * HOUR, message: 'too new' },
    ]);
    assert.deepEqual(result.rejectedLogEventsInfo, {
      tooOldLogEventEndIndex: 1,
      tooNewLogEventStartIndex: 3,
    });
    const { events } = await logs.send(
      new GetLogEventsCommand({ logGroupName: 'put-rejects', logStreamName: 'main', startFromHead: true }),
    );
    assert.deepEqual(messages(events), ['kept 1', 'kept 2']);

    await logs.send(new PutRetentionPolicyCommand({ logGroupName: 'put-rejects', retentionInDays: 1 }));
    const expired = await put('put-rejects', 'main', [
      { timestamp: now - 2 * DAY, message: 'past retention' },
      { timestamp: now, message: 'kept 3' },
    ]);
    assert.deepEqual(expired.rejectedLogEventsInfo, { expiredLogEventEndIndex: 1 });
  });

  test('batch rules fail the whole batch with AWS’s messages', async () => {
    await groupWithStream('put-limits');
    const now = Date.now();
    await rejects(
      put('put-limits', 'main', [
        { timestamp: now, message: 'b' },
        { timestamp: now - 1, message: 'a' },
      ]),
      'InvalidParameterException',
      /^Log events in a single PutLogEvents request must be in chronological order\.$/,
    );
    await rejects(
      put('put-limits', 'main', [
        { timestamp: now - 26 * HOUR, message: 'a' },
        { timestamp: now, message: 'b' },
      ]),
      'InvalidParameterException',
      /cannot span more than 24 hours/,
    );
    await rejects(
      put('put-limits', 'main', [{ timestamp: now, message: 'x'.repeat(1_048_551) }]),
      'InvalidParameterException',
      /^Log event too large: 1048577 bytes exceeds limit of 1048576$/,
    );
    // 2 events of 524,263 bytes: 2 × (524,263 + 26) = 1,048,578 bytes.
    await rejects(
      put('put-limits', 'main', [
        { timestamp: now, message: 'x'.repeat(524_263) },
        { timestamp: now, message: 'y'.repeat(524_263) },
      ]),
      'InvalidParameterException',
      /^Upload too large: 1048578 bytes exceeds limit of 1048576$/,
    );
    // Exactly at the limit is accepted.
    const exact = await put('put-limits', 'main', [
      { timestamp: now, message: 'x'.repeat(524_262) },
      { timestamp: now, message: 'y'.repeat(524_262) },
    ]);
    assert.equal(exact.rejectedLogEventsInfo, undefined);
    await rejects(
      put(
        'put-limits',
        'main',
        Array.from({ length: 10_001 }, () => ({ timestamp: now, message: 'm' })),
      ),
      'InvalidParameterException',
      /at 'logEvents' failed to satisfy constraint: Member must have length less than or equal to 10000/,
    );
    const full = await put(
      'put-limits',
      'main',
      Array.from({ length: 10_000 }, (_, index) => ({ timestamp: now, message: `m${index}` })),
    );
    assert.equal(full.rejectedLogEventsInfo, undefined);
    await rejects(
      put('put-limits', 'main', [{ timestamp: now, message: '' }]),
      'InvalidParameterException',
      /at 'logEvents\.1\.member\.message' failed to satisfy constraint: Member must have length greater than or equal to 1/,
    );
    await rejects(
      put('put-limits', 'missing', [{ timestamp: now, message: 'm' }]),
      'ResourceNotFoundException',
      /log stream does not exist/,
    );
    await rejects(
      put('no-such-group', 'main', [{ timestamp: now, message: 'm' }]),
      'ResourceNotFoundException',
      /log group does not exist/,
    );
  });
});

describe('GetLogEvents', () => {
  const group = 'get-tokens';
  let base: number;

  before(async () => {
    await groupWithStream(group);
    base = Date.now() - HOUR;
    await put(
      group,
      'main',
      Array.from({ length: 5 }, (_, index) => ({ timestamp: base + index * 1000, message: `e${index}` })),
    );
  });

  const get = (input: Omit<ConstructorParameters<typeof GetLogEventsCommand>[0], 'logStreamName'>) =>
    logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: 'main', ...input }));

  test('from the head: forward pages, and the same token once nothing is left', async () => {
    const first = await get({ startFromHead: true, limit: 2 });
    assert.deepEqual(messages(first.events), ['e0', 'e1']);
    assert.match(first.nextForwardToken!, /^f\/\d{56}$/);
    assert.match(first.nextBackwardToken!, /^b\/\d{56}$/);
    const second = await get({ nextToken: first.nextForwardToken, limit: 2 });
    assert.deepEqual(messages(second.events), ['e2', 'e3']);
    const third = await get({ nextToken: second.nextForwardToken, limit: 2 });
    assert.deepEqual(messages(third.events), ['e4']);
    const end = await get({ nextToken: third.nextForwardToken, limit: 2 });
    assert.deepEqual(end.events, []);
    assert.equal(end.nextForwardToken, third.nextForwardToken);
    // New events appear to a reader that kept the token.
    await put(group, 'main', [{ timestamp: base + 10_000, message: 'e5' }]);
    const more = await get({ nextToken: end.nextForwardToken });
    assert.deepEqual(messages(more.events), ['e5']);
    // Back from the second page.
    const back = await get({ nextToken: second.nextBackwardToken, limit: 5 });
    assert.deepEqual(messages(back.events), ['e0', 'e1']);
    const start = await get({ nextToken: back.nextBackwardToken });
    assert.deepEqual(start.events, []);
    assert.equal(start.nextBackwardToken, back.nextBackwardToken);
  });

  test('by default the latest events come back, and the backward token pages toward the start', async () => {
    const latest = await get({ limit: 2 });
    assert.deepEqual(messages(latest.events), ['e4', 'e5']);
    const earlier = await get({ nextToken: latest.nextBackwardToken, limit: 2 });
    assert.deepEqual(messages(earlier.events), ['e2', 'e3']);
    const none = await get({ nextToken: latest.nextForwardToken });
    assert.deepEqual(none.events, []);
    assert.equal(none.nextForwardToken, latest.nextForwardToken);
  });

  test('startTime is inclusive, endTime exclusive', async () => {
    const window = await get({ startFromHead: true, startTime: base + 1000, endTime: base + 3000 });
    assert.deepEqual(messages(window.events), ['e1', 'e2']);
  });

  test('bad tokens, limits and missing streams', async () => {
    await rejects(get({ nextToken: 'f/123' }), 'InvalidParameterException', /nextToken/);
    await rejects(get({ limit: 10_001 }), 'InvalidParameterException', /at 'limit'/);
    await rejects(
      logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: 'nope' })),
      'ResourceNotFoundException',
      /log stream does not exist/,
    );
    await rejects(
      logs.send(
        new GetLogEventsCommand({ logGroupName: group, logGroupIdentifier: group, logStreamName: 'main' }),
      ),
      'InvalidParameterException',
      /mutually exclusive/,
    );
  });
});

describe('FilterLogEvents', () => {
  const group = 'filter-group';
  let base: number;

  before(async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
    base = Date.now() - HOUR;
    const lines: Record<string, string[]> = {
      'web/1': ['GET /index 200', 'ERROR timeout talking to db', '{"level":"warn","latency":900}'],
      'web/2': ['GET /cart 500', 'WARN slow response', '{"level":"error","latency":50,"user":{"id":7}}'],
      'worker/1': ['ERROR job 42 failed', 'job 43 done', 'Exiting with ERRORCODE: -1'],
    };
    for (const [stream, messagesOf] of Object.entries(lines)) {
      await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
      const offset = stream === 'web/1' ? 0 : stream === 'web/2' ? 1 : 2;
      await put(
        group,
        stream,
        messagesOf.map((message, index) => ({ timestamp: base + index * 10 + offset, message })),
      );
    }
  });

  const filter = async (
    input: Omit<ConstructorParameters<typeof FilterLogEventsCommand>[0], 'logGroupName'>,
  ) => logs.send(new FilterLogEventsCommand({ logGroupName: group, ...input }));

  test('interleaves every stream in timestamp order, with stream names and stable event ids', async () => {
    const { events, searchedLogStreams, nextToken } = await filter({});
    assert.equal(events?.length, 9);
    assert.deepEqual(
      events?.slice(0, 3).map((event) => event.logStreamName),
      ['web/1', 'web/2', 'worker/1'],
    );
    assert.equal(nextToken, undefined);
    assert.deepEqual(searchedLogStreams, []);
    const ids = new Set(events?.map((event) => event.eventId));
    assert.equal(ids.size, 9);
    const again = await filter({});
    assert.deepEqual(
      again.events?.map((event) => event.eventId),
      events?.map((event) => event.eventId),
    );
  });

  test('filter patterns: terms, OR, exclusion, JSON', async () => {
    assert.deepEqual(messages((await filter({ filterPattern: 'ERROR' })).events), [
      'ERROR job 42 failed',
      'ERROR timeout talking to db',
      'Exiting with ERRORCODE: -1',
    ]);
    assert.deepEqual(messages((await filter({ filterPattern: 'ERROR -Exiting' })).events), [
      'ERROR job 42 failed',
      'ERROR timeout talking to db',
    ]);
    assert.deepEqual(messages((await filter({ filterPattern: '?WARN ?500' })).events), [
      'GET /cart 500',
      'WARN slow response',
    ]);
    assert.deepEqual(messages((await filter({ filterPattern: '"job 42"' })).events), ['ERROR job 42 failed']);
    assert.deepEqual(
      messages((await filter({ filterPattern: '{ $.latency > 100 || $.user.id = 7 }' })).events),
      ['{"level":"warn","latency":900}', '{"level":"error","latency":50,"user":{"id":7}}'],
    );
    assert.deepEqual(messages((await filter({ filterPattern: '[method, path, status = 5*]' })).events), [
      'GET /cart 500',
    ]);
    await rejects(
      filter({ filterPattern: 'user@example.com' }),
      'InvalidParameterException',
      /Invalid character\(s\) in term/,
    );
  });

  test('stream selection and inclusive time bounds', async () => {
    assert.deepEqual(
      new Set((await filter({ logStreamNamePrefix: 'web/' })).events?.map((event) => event.logStreamName)),
      new Set(['web/1', 'web/2']),
    );
    assert.deepEqual(
      messages((await filter({ logStreamNames: ['worker/1'], filterPattern: 'job' })).events),
      ['ERROR job 42 failed', 'job 43 done'],
    );
    const bounded = await filter({ startTime: base + 10, endTime: base + 11 });
    assert.deepEqual(messages(bounded.events), ['ERROR timeout talking to db', 'WARN slow response']);
    await rejects(
      filter({ logStreamNames: ['web/1'], logStreamNamePrefix: 'web' }),
      'InvalidParameterException',
      /mutually exclusive/,
    );
  });

  test('pages with nextToken until it is absent', async () => {
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await filter({ limit: 4, ...(nextToken ? { nextToken } : {}) });
      seen.push(...messages(page.events).map(String));
      nextToken = page.nextToken;
      pages++;
    } while (nextToken);
    assert.equal(seen.length, 9);
    assert.equal(new Set(seen).size, 9);
    assert.ok(pages >= 3 && pages <= 4, `pages: ${pages}`);
  });

  test('by group ARN (without the trailing :*, which the identifier’s pattern refuses)', async () => {
    const arn = `arn:aws:logs:${TEST_REGION}:${TEST_ACCOUNT}:log-group:${group}`;
    const { events } = await logs.send(
      new FilterLogEventsCommand({ logGroupIdentifier: arn, filterPattern: 'done' }),
    );
    assert.deepEqual(messages(events), ['job 43 done']);
    await rejects(
      logs.send(new FilterLogEventsCommand({ logGroupIdentifier: `${arn}:*` })),
      'InvalidParameterException',
      /at 'logGroupIdentifier' failed to satisfy constraint/,
    );
    await rejects(
      logs.send(
        new FilterLogEventsCommand({
          logGroupIdentifier: `arn:aws:logs:eu-west-1:${TEST_ACCOUNT}:log-group:${group}`,
        }),
      ),
      'ResourceNotFoundException',
    );
  });
});

describe('retention', () => {
  test('setting a policy purges older events and their bytes; deleting it keeps the rest', async () => {
    await groupWithStream('retained');
    const now = Date.now();
    await put('retained', 'main', [
      { timestamp: now - 5 * DAY, message: 'five days old' },
      { timestamp: now - 4 * DAY, message: 'four days old' },
    ]);
    await put('retained', 'main', [{ timestamp: now - HOUR, message: 'recent' }]);
    await logs.send(new PutRetentionPolicyCommand({ logGroupName: 'retained', retentionInDays: 3 }));
    const { events } = await logs.send(
      new GetLogEventsCommand({ logGroupName: 'retained', logStreamName: 'main', startFromHead: true }),
    );
    assert.deepEqual(messages(events), ['recent']);
    const { logGroups } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'retained' }));
    assert.equal(logGroups?.[0]?.retentionInDays, 3);
    assert.equal(logGroups?.[0]?.storedBytes, 'recent'.length);
    await logs.send(new DeleteRetentionPolicyCommand({ logGroupName: 'retained' }));
    const cleared = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'retained' }));
    assert.equal(cleared.logGroups?.[0]?.retentionInDays, undefined);
    await rejects(
      logs.send(new PutRetentionPolicyCommand({ logGroupName: 'retained', retentionInDays: 2 })),
      'InvalidParameterException',
      /Value '2' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: \[1, 3, 5/,
    );
    await rejects(
      logs.send(new PutRetentionPolicyCommand({ logGroupName: 'no-such-group', retentionInDays: 1 })),
      'ResourceNotFoundException',
    );
  });
});

describe('tags', () => {
  test('by ARN and by group name', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'tagged', tags: { a: '1' } }));
    const arn = `arn:aws:logs:${TEST_REGION}:${TEST_ACCOUNT}:log-group:tagged`;
    await logs.send(new TagResourceCommand({ resourceArn: arn, tags: { b: '2' } }));
    assert.deepEqual((await logs.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags, {
      a: '1',
      b: '2',
    });
    await logs.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['a'] }));
    await logs.send(new TagLogGroupCommand({ logGroupName: 'tagged', tags: { c: '3' } }));
    assert.deepEqual((await logs.send(new ListTagsLogGroupCommand({ logGroupName: 'tagged' }))).tags, {
      b: '2',
      c: '3',
    });
    const many = Object.fromEntries(Array.from({ length: 49 }, (_, index) => [`k${index}`, 'v']));
    await rejects(
      logs.send(new TagResourceCommand({ resourceArn: arn, tags: many })),
      'TooManyTagsException',
      /no more than 50 tags/,
    );
    await rejects(
      logs.send(new ListTagsForResourceCommand({ resourceArn: `${arn}-missing` })),
      'ResourceNotFoundException',
    );
  });
});

describe('aws CLI', () => {
  test('create, put, get-log-events, filter-log-events, describe', async () => {
    const cli = async (args: string[]) => {
      const result = await eddy.aws(['logs', ...args]);
      assert.equal(result.code, 0, result.stderr);
      return result.stdout.trim() === '' ? {} : (JSON.parse(result.stdout) as Record<string, unknown>);
    };
    await cli(['create-log-group', '--log-group-name', 'cli-group']);
    await cli(['create-log-stream', '--log-group-name', 'cli-group', '--log-stream-name', 'cli-stream']);
    const now = Date.now();
    await cli([
      'put-log-events',
      '--log-group-name',
      'cli-group',
      '--log-stream-name',
      'cli-stream',
      '--log-events',
      `timestamp=${now - 1},message=starting`,
      `timestamp=${now},message=ERROR boom`,
    ]);
    const got = (await cli([
      'get-log-events',
      '--log-group-name',
      'cli-group',
      '--log-stream-name',
      'cli-stream',
      '--start-from-head',
    ])) as { events: Array<{ message: string }>; nextForwardToken: string };
    assert.deepEqual(
      got.events.map((event) => event.message),
      ['starting', 'ERROR boom'],
    );
    const filtered = (await cli([
      'filter-log-events',
      '--log-group-name',
      'cli-group',
      '--filter-pattern',
      'ERROR',
    ])) as { events: Array<{ message: string; logStreamName: string }> };
    assert.deepEqual(
      filtered.events.map((event) => [event.logStreamName, event.message]),
      [['cli-stream', 'ERROR boom']],
    );
    const described = (await cli(['describe-log-groups', '--log-group-name-prefix', 'cli-'])) as {
      logGroups: Array<{ logGroupName: string; storedBytes: number }>;
    };
    assert.deepEqual(
      described.logGroups.map((group) => [group.logGroupName, group.storedBytes]),
      [['cli-group', 'starting'.length + 'ERROR boom'.length]],
    );
    const missing = await eddy.aws(['logs', 'describe-log-streams', '--log-group-name', 'cli-missing']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /ResourceNotFoundException/);
  });
});

// Live Tail through @aws-sdk/client-cloudwatch-logs: StartLiveTail's event stream (AWS's
// event-stream framing over HTTP/1.1) starts with sessionStart, then carries the events committed
// after it, filtered by stream and pattern, until the client goes away.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CloudWatchLogsClient,
  CreateLogStreamCommand,
  StartLiveTailCommand,
  type StartLiveTailResponseStream,
} from '@aws-sdk/client-cloudwatch-logs';
import { groupArnOf, groupWithEvents, putEvents, rejects } from './fixtures/logs.ts';
import { startTestEddy, type TestEddy } from './harness.ts';

let eddy: TestEddy;
let logs: CloudWatchLogsClient;
/** The SDK sends StartLiveTail to a `stream-` host prefix that only AWS's DNS resolves. */
let tail: CloudWatchLogsClient;

before(async () => {
  eddy = await startTestEddy();
  logs = eddy.client(CloudWatchLogsClient);
  tail = eddy.client(CloudWatchLogsClient, { disableHostPrefix: true });
});
after(async () => {
  tail.destroy();
  await eddy.stop();
});

describe('StartLiveTail', () => {
  test('sessionStart, then the matching events committed after it', async () => {
    await groupWithEvents(logs, 'tail/app', ['ERROR from before the session']);
    await logs.send(new CreateLogStreamCommand({ logGroupName: 'tail/app', logStreamName: 'other' }));
    const abort = new AbortController();
    const { responseStream } = await tail.send(
      new StartLiveTailCommand({
        logGroupIdentifiers: [groupArnOf('tail/app')],
        logStreamNames: ['main'],
        logEventFilterPattern: 'ERROR',
      }),
      { abortSignal: abort.signal },
    );
    const events = responseStream![Symbol.asyncIterator]();
    const start = (await events.next()).value as StartLiveTailResponseStream;
    assert.ok(start.sessionStart?.sessionId);
    assert.deepEqual(start.sessionStart?.logGroupIdentifiers, [groupArnOf('tail/app')]);
    assert.equal(start.sessionStart?.logEventFilterPattern, 'ERROR');

    await putEvents(logs, 'tail/app', 'other', ['ERROR on another stream']);
    await putEvents(logs, 'tail/app', 'main', ['ERROR one', 'fine', 'ERROR two']);
    const seen: string[] = [];
    while (seen.length < 2) {
      const update = (await events.next()).value as StartLiveTailResponseStream;
      assert.equal(update.sessionUpdate?.sessionMetadata?.sampled, false);
      for (const result of update.sessionUpdate?.sessionResults ?? []) {
        assert.equal(result.logStreamName, 'main');
        assert.equal(result.logGroupIdentifier, groupArnOf('tail/app'));
        assert.ok(result.ingestionTime);
        seen.push(result.message!);
      }
    }
    assert.deepEqual(seen, ['ERROR one', 'ERROR two']);
    abort.abort();
  });

  test('what AWS refuses: a missing group, streams with several groups, names and prefixes together', async () => {
    await groupWithEvents(logs, 'tail/second');
    await rejects(
      tail.send(new StartLiveTailCommand({ logGroupIdentifiers: [groupArnOf('tail/none')] })),
      'ResourceNotFoundException',
    );
    await rejects(
      tail.send(
        new StartLiveTailCommand({
          logGroupIdentifiers: [groupArnOf('tail/app'), groupArnOf('tail/second')],
          logStreamNames: ['main'],
        }),
      ),
      'InvalidParameterException',
    );
    await rejects(
      tail.send(
        new StartLiveTailCommand({
          logGroupIdentifiers: [groupArnOf('tail/second')],
          logStreamNames: ['main'],
          logStreamNamePrefixes: ['m'],
        }),
      ),
      'InvalidParameterException',
      /mutually exclusive/,
    );
  });
});

// Retention over time: the minutely sweep deletes events once they age past the group's retention,
// driven by a manual clock so nothing sleeps (the sweep runs after the clock moved: it is polled for).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DescribeLogGroupsCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
  PutRetentionPolicyCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { ManualClock } from '../src/runtime/index.ts';
import { startTestEddy } from './harness.ts';
import { eventually } from './helpers.ts';

const DAY = 86_400_000;

test('the sweep purges events that aged past the retention period, and only those', async () => {
  const clock = new ManualClock(Date.UTC(2025, 0, 1));
  const eddy = await startTestEddy({ clock, inMemory: true });
  try {
    const logs = eddy.client(CloudWatchLogsClient);
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'aging' }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: 'aging', logStreamName: 's' }));
    const start = clock.now();
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: 'aging',
        logStreamName: 's',
        logEvents: [
          { timestamp: start - 12 * 3_600_000, message: 'older' },
          { timestamp: start, message: 'newer' },
        ],
      }),
    );
    await logs.send(new PutRetentionPolicyCommand({ logGroupName: 'aging', retentionInDays: 1 }));
    const read = async () =>
      (
        await logs.send(
          new GetLogEventsCommand({ logGroupName: 'aging', logStreamName: 's', startFromHead: true }),
        )
      ).events?.map((event) => event.message);
    assert.deepEqual(await read(), ['older', 'newer']);

    // 13 hours on, 'older' is 25 hours old: past a 1-day retention; 'newer' is not.
    await eddy.advance(13 * 3_600_000);
    await eventually(async () => {
      assert.deepEqual(await read(), ['newer']);
      return true;
    });
    const { logGroups } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'aging' }));
    assert.equal(logGroups?.[0]?.storedBytes, 'newer'.length);

    await eddy.advance(DAY);
    await eventually(async () => {
      assert.deepEqual(await read(), []);
      return true;
    });
  } finally {
    await eddy.stop();
  }
});

// A Step Functions execution survives an eddy restart: a Wait, an activity task handed out before
// the restart, and the durable timers go on from what was committed. Then one flow with the AWS CLI.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import {
  CreateActivityCommand,
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetActivityTaskCommand,
  GetExecutionHistoryCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { ManualClock } from '../src/runtime/index.ts';
import { startTestEddy, TEST_ACCOUNT, tempDataDir } from './harness.ts';
import { eventually } from './helpers.ts';

const T0 = Date.UTC(2026, 4, 1, 9, 0, 0);
const ROLE = `arn:aws:iam::${TEST_ACCOUNT}:role/sfn`;

test('an execution goes on after a restart: its Wait fires, its activity task is still its own', async () => {
  const dataDir = tempDataDir();
  const first = await startTestEddy({ clock: new ManualClock(T0), dataDir });
  let executionArn: string;
  let activityArn: string;
  let token: string;
  try {
    const sfn = first.client(SFNClient, { disableHostPrefix: true });
    ({ activityArn } = (await sfn.send(new CreateActivityCommand({ name: 'after-restart' }))) as {
      activityArn: string;
    });
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({
        name: 'survivor',
        roleArn: ROLE,
        definition: JSON.stringify({
          StartAt: 'Work',
          States: {
            Work: { Type: 'Task', Resource: activityArn, ResultPath: '$.work', Next: 'Nap' },
            Nap: { Type: 'Wait', Seconds: 600, Next: 'Done' },
            Done: { Type: 'Pass', End: true },
          },
        }),
      }),
    );
    ({ executionArn } = (await sfn.send(
      new StartExecutionCommand({ stateMachineArn, input: '{"job": 7}' }),
    )) as { executionArn: string });
    const task = await sfn.send(new GetActivityTaskCommand({ activityArn, workerName: 'w' }));
    token = task.taskToken!;
    sfn.destroy();
  } finally {
    await first.stop();
  }

  // Back up: the worker finishes the task it got before the restart; the Wait runs on the new clock.
  const clock = new ManualClock(T0 + 60_000);
  const second = await startTestEddy({ clock, dataDir });
  try {
    const sfn = second.client(SFNClient, { disableHostPrefix: true });
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token!, output: '{"done": true}' }));
    assert.equal(
      (await sfn.send(new DescribeExecutionCommand({ executionArn: executionArn! }))).status,
      'RUNNING',
    );
    await second.stop();

    // Down again while it waits, and up after the Wait's end: the timer fires at start-up.
    const third = await startTestEddy({ clock: new ManualClock(T0 + 3_600_000), dataDir });
    try {
      const again = third.client(SFNClient, { disableHostPrefix: true });
      await third.advance(0);
      const done = await eventually(async () => {
        const described = await again.send(new DescribeExecutionCommand({ executionArn: executionArn! }));
        return described.status !== 'RUNNING' && described;
      });
      assert.equal(done.status, 'SUCCEEDED');
      assert.deepEqual(JSON.parse(done.output!), { job: 7, work: { done: true } });
      const { events } = await again.send(new GetExecutionHistoryCommand({ executionArn: executionArn! }));
      assert.deepEqual(
        events!.map((event) => event.type),
        [
          'ExecutionStarted',
          'TaskStateEntered',
          'ActivityScheduled',
          'ActivityStarted',
          'ActivitySucceeded',
          'TaskStateExited',
          'WaitStateEntered',
          'WaitStateExited',
          'PassStateEntered',
          'PassStateExited',
          'ExecutionSucceeded',
        ],
      );
      again.destroy();
    } finally {
      await third.stop();
    }
    sfn.destroy();
  } finally {
    await second.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('the AWS CLI runs a flow: create, start, describe, history', async () => {
  const eddy = await startTestEddy();
  try {
    const definition = JSON.stringify({
      StartAt: 'Hello',
      States: {
        Hello: { Type: 'Pass', Parameters: { 'greeting.$': "States.Format('hello {}', $.who)" }, End: true },
      },
    });
    const created = await eddy.aws([
      'stepfunctions',
      'create-state-machine',
      '--name',
      'cli-flow',
      '--definition',
      definition,
      '--role-arn',
      ROLE,
    ]);
    assert.equal(created.code, 0, created.stderr);
    const { stateMachineArn } = JSON.parse(created.stdout) as { stateMachineArn: string };
    const started = await eddy.aws([
      'stepfunctions',
      'start-execution',
      '--state-machine-arn',
      stateMachineArn,
      '--input',
      '{"who": "cli"}',
    ]);
    assert.equal(started.code, 0, started.stderr);
    const { executionArn } = JSON.parse(started.stdout) as { executionArn: string };
    const described = await eventually(async () => {
      const result = await eddy.aws(['stepfunctions', 'describe-execution', '--execution-arn', executionArn]);
      const parsed = JSON.parse(result.stdout) as { status: string; output?: string };
      return parsed.status === 'SUCCEEDED' && parsed;
    });
    assert.deepEqual(JSON.parse(described.output!), { greeting: 'hello cli' });
    const history = await eddy.aws([
      'stepfunctions',
      'get-execution-history',
      '--execution-arn',
      executionArn,
    ]);
    assert.equal(history.code, 0, history.stderr);
    const { events } = JSON.parse(history.stdout) as { events: Array<{ type: string }> };
    assert.equal(events.at(-1)?.type, 'ExecutionSucceeded');
    const missing = await eddy.aws([
      'stepfunctions',
      'describe-state-machine',
      '--state-machine-arn',
      `${stateMachineArn}-missing`,
    ]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /StateMachineDoesNotExist/);
  } finally {
    await eddy.stop();
  }
});

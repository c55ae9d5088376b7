// Step Functions executions on a manual clock: Pass, Choice, Wait, Parallel, Map, Fail, Retry and
// Catch; the history's event types, ids and previous ids; name idempotency; listing with a status
// filter and paging; StopExecution; activities with a worker loop; callback tokens; express
// executions with StartSyncExecution.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateActivityCommand,
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  DescribeStateMachineForExecutionCommand,
  GetActivityTaskCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ManualClock } from '../src/runtime/index.ts';
import { startTestEddy, TEST_ACCOUNT, type TestEddy } from './harness.ts';
import { eventually } from './helpers.ts';

const ROLE = `arn:aws:iam::${TEST_ACCOUNT}:role/sfn`;
const clock = new ManualClock(Date.UTC(2026, 3, 1, 10, 0, 0));
let eddy: TestEddy;
let sfn: SFNClient;

before(async () => {
  eddy = await startTestEddy({ clock });
  sfn = eddy.client(SFNClient, { disableHostPrefix: true });
});
after(async () => {
  sfn?.destroy();
  await eddy?.stop();
});

let machines = 0;
async function machine(definition: object, type: 'STANDARD' | 'EXPRESS' = 'STANDARD'): Promise<string> {
  const { stateMachineArn } = await sfn.send(
    new CreateStateMachineCommand({
      name: `m-${++machines}`,
      definition: JSON.stringify(definition),
      roleArn: ROLE,
      type,
    }),
  );
  return stateMachineArn!;
}

async function start(arn: string, input: unknown = {}, name?: string): Promise<string> {
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({ stateMachineArn: arn, input: JSON.stringify(input), name }),
  );
  return executionArn!;
}

const describeExecution = (executionArn: string) => sfn.send(new DescribeExecutionCommand({ executionArn }));

async function ended(executionArn: string): Promise<DescribeExecutionCommandOutput> {
  return eventually(async () => {
    const described = await describeExecution(executionArn);
    return described.status !== 'RUNNING' && described;
  });
}

async function history(executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 50 }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

/**
 * Moves the manual clock by `ms` in steps: each step fires what fell due in it (a timer that falls
 * due after another one in the same step fires on the next `advance`).
 */
async function wait(ms: number): Promise<void> {
  let left = ms;
  while (left > 0) {
    const step = Math.min(left, 30_000);
    await eddy.advance(step);
    left -= step;
  }
  await eddy.advance(0);
  await eddy.advance(0);
}

const types = (events: HistoryEvent[]) => events.map((event) => event.type);

describe('executions', () => {
  it('runs Pass and Choice to success, with AWS history events', async () => {
    const arn = await machine({
      StartAt: 'Set',
      States: {
        Set: { Type: 'Pass', Result: { n: 3 }, ResultPath: '$.value', Next: 'Pick' },
        Pick: {
          Type: 'Choice',
          Choices: [{ Variable: '$.value.n', NumericGreaterThan: 2, Next: 'Big' }],
          Default: 'Small',
        },
        Big: { Type: 'Pass', Parameters: { 'size.$': "States.Format('big {}', $.value.n)" }, End: true },
        Small: { Type: 'Fail', Error: 'TooSmall' },
      },
    });
    const executionArn = await start(arn, { keep: true });
    const done = await ended(executionArn);
    assert.equal(done.status, 'SUCCEEDED');
    assert.deepEqual(JSON.parse(done.output!), { size: 'big 3' });
    assert.equal(done.input, '{"keep":true}');
    const events = await history(executionArn);
    assert.deepEqual(types(events), [
      'ExecutionStarted',
      'PassStateEntered',
      'PassStateExited',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);
    assert.deepEqual(
      events.map((event) => event.id),
      [1, 2, 3, 4, 5, 6, 7, 8],
    );
    assert.deepEqual(
      events.map((event) => event.previousEventId),
      [0, 1, 2, 3, 4, 5, 6, 7],
    );
    assert.equal(events[0]!.executionStartedEventDetails?.roleArn, ROLE);
    assert.equal(events[1]!.stateEnteredEventDetails?.name, 'Set');
    assert.deepEqual(JSON.parse(events[2]!.stateExitedEventDetails!.output!), {
      keep: true,
      value: { n: 3 },
    });
    const reversed = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 2 }),
    );
    assert.deepEqual(types(reversed.events!), ['ExecutionSucceeded', 'PassStateExited']);
    const bare = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn, includeExecutionData: false }),
    );
    assert.equal(bare.events![1]!.stateEnteredEventDetails?.input, undefined);
    const forExecution = await sfn.send(new DescribeStateMachineForExecutionCommand({ executionArn }));
    assert.equal(forExecution.stateMachineArn, arn);
    assert.match(forExecution.definition!, /"Pick"/);
  });

  it('fails at a Fail state with its error and cause', async () => {
    const arn = await machine({
      StartAt: 'F',
      States: { F: { Type: 'Fail', Error: 'Boom', Cause: 'it broke' } },
    });
    const done = await ended(await start(arn));
    assert.equal(done.status, 'FAILED');
    assert.equal(done.error, 'Boom');
    assert.equal(done.cause, 'it broke');
  });

  it('waits on the durable clock', async () => {
    const arn = await machine({
      StartAt: 'W',
      States: { W: { Type: 'Wait', Seconds: 3600, Next: 'Done' }, Done: { Type: 'Succeed' } },
    });
    const executionArn = await start(arn, { x: 1 });
    await wait(3_599_000);
    assert.equal((await describeExecution(executionArn)).status, 'RUNNING');
    await wait(1000);
    const done = await ended(executionArn);
    assert.equal(done.status, 'SUCCEEDED');
    assert.deepEqual(types(await history(executionArn)), [
      'ExecutionStarted',
      'WaitStateEntered',
      'WaitStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
  });

  it('runs Parallel branches and a Map over items', async () => {
    const arn = await machine({
      StartAt: 'Both',
      States: {
        Both: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'L', States: { L: { Type: 'Pass', Result: 'left', End: true } } },
            { StartAt: 'R', States: { R: { Type: 'Pass', Result: 'right', End: true } } },
          ],
          ResultPath: '$.both',
          Next: 'Each',
        },
        Each: {
          Type: 'Map',
          ItemsPath: '$.items',
          MaxConcurrency: 2,
          ItemProcessor: {
            StartAt: 'Double',
            States: { Double: { Type: 'Pass', Parameters: { 'v.$': 'States.MathAdd($, $)' }, End: true } },
          },
          ResultPath: '$.doubled',
          End: true,
        },
      },
    });
    const executionArn = await start(arn, { items: [1, 2, 3, 4, 5] });
    const done = await ended(executionArn);
    assert.equal(done.status, 'SUCCEEDED', done.cause);
    const output = JSON.parse(done.output!);
    assert.deepEqual(output.both, ['left', 'right']);
    assert.deepEqual(output.doubled, [{ v: 2 }, { v: 4 }, { v: 6 }, { v: 8 }, { v: 10 }]);
    const events = await history(executionArn);
    const kinds = types(events);
    assert.ok(kinds.includes('ParallelStateStarted'));
    assert.ok(kinds.includes('ParallelStateSucceeded'));
    assert.equal(kinds.filter((kind) => kind === 'MapIterationStarted').length, 5);
    assert.equal(kinds.filter((kind) => kind === 'MapIterationSucceeded').length, 5);
    assert.equal(
      events.find((event) => event.type === 'MapStateStarted')?.mapStateStartedEventDetails?.length,
      5,
    );
    assert.equal(kinds.at(-1), 'ExecutionSucceeded');
  });

  it('retries with back-off on the clock, then catches', async () => {
    const activity = await sfn.send(new CreateActivityCommand({ name: 'flaky' }));
    const arn = await machine({
      StartAt: 'Work',
      States: {
        Work: {
          Type: 'Task',
          Resource: activity.activityArn,
          Retry: [{ ErrorEquals: ['Flaky'], IntervalSeconds: 10, MaxAttempts: 1, BackoffRate: 2 }],
          Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Handled' }],
          End: true,
        },
        Handled: { Type: 'Pass', End: true },
      },
    });
    const executionArn = await start(arn, { job: 1 });
    const first = await sfn.send(
      new GetActivityTaskCommand({ activityArn: activity.activityArn, workerName: 'w1' }),
    );
    assert.deepEqual(JSON.parse(first.input!), { job: 1 });
    await sfn.send(new SendTaskFailureCommand({ taskToken: first.taskToken, error: 'Flaky', cause: 'once' }));
    // The retry is 10 s away.
    await wait(9000);
    assert.equal((await describeExecution(executionArn)).status, 'RUNNING');
    await wait(1000);
    const second = await sfn.send(
      new GetActivityTaskCommand({ activityArn: activity.activityArn, workerName: 'w1' }),
    );
    assert.ok(second.taskToken);
    await sfn.send(
      new SendTaskFailureCommand({ taskToken: second.taskToken, error: 'Flaky', cause: 'twice' }),
    );
    const done = await ended(executionArn);
    assert.equal(done.status, 'SUCCEEDED');
    assert.deepEqual(JSON.parse(done.output!), { job: 1, error: { Error: 'Flaky', Cause: 'twice' } });
    const kinds = types(await history(executionArn));
    assert.equal(kinds.filter((kind) => kind === 'ActivityScheduled').length, 2);
    assert.equal(kinds.filter((kind) => kind === 'ActivityFailed').length, 2);
    assert.ok(kinds.includes('ActivityStarted'));
    // A closed token answers TaskTimedOut; a made-up one InvalidToken.
    await assert.rejects(
      sfn.send(new SendTaskSuccessCommand({ taskToken: second.taskToken, output: '{}' })),
      (error: Error) => error.name === 'TaskTimedOut',
    );
    await assert.rejects(
      sfn.send(new SendTaskSuccessCommand({ taskToken: 'made-up', output: '{}' })),
      (error: Error) => error.name === 'InvalidToken',
    );
  });

  it('times out a task without heartbeats (HeartbeatSeconds) and a state (TimeoutSeconds)', async () => {
    const activity = await sfn.send(new CreateActivityCommand({ name: 'slow' }));
    const arn = await machine({
      StartAt: 'Work',
      States: {
        Work: {
          Type: 'Task',
          Resource: activity.activityArn,
          HeartbeatSeconds: 30,
          TimeoutSeconds: 100,
          End: true,
        },
      },
    });
    const executionArn = await start(arn);
    const task = await sfn.send(new GetActivityTaskCommand({ activityArn: activity.activityArn }));
    await wait(20_000);
    await sfn.send(new SendTaskHeartbeatCommand({ taskToken: task.taskToken }));
    await wait(20_000);
    assert.equal((await describeExecution(executionArn)).status, 'RUNNING');
    await wait(11_000);
    const done = await ended(executionArn);
    assert.equal(done.status, 'FAILED');
    assert.equal(done.error, 'States.HeartbeatTimeout');
    assert.ok(types(await history(executionArn)).includes('ActivityTimedOut'));
  });

  it('an activity worker loop serves many executions; GetActivityTask waits for work', async () => {
    const activity = await sfn.send(new CreateActivityCommand({ name: 'squares' }));
    const arn = await machine({
      StartAt: 'Square',
      States: { Square: { Type: 'Task', Resource: activity.activityArn, End: true } },
    });
    // A worker already waiting is answered when work arrives.
    const waiting = sfn.send(
      new GetActivityTaskCommand({ activityArn: activity.activityArn, workerName: 'early' }),
    );
    const executions = [];
    for (let n = 1; n <= 5; n++) executions.push(await start(arn, { n }));
    const worker = async (first: Promise<{ taskToken?: string; input?: string }>) => {
      let task = await first;
      let served = 0;
      while (task.taskToken) {
        const { n } = JSON.parse(task.input!) as { n: number };
        await sfn.send(
          new SendTaskSuccessCommand({
            taskToken: task.taskToken,
            output: JSON.stringify({ square: n * n }),
          }),
        );
        served++;
        if (served === 5) break;
        task = await sfn.send(
          new GetActivityTaskCommand({ activityArn: activity.activityArn, workerName: 'early' }),
        );
      }
    };
    await worker(waiting);
    const outputs = [];
    for (const executionArn of executions)
      outputs.push(JSON.parse((await ended(executionArn)).output!).square);
    assert.deepEqual(outputs, [1, 4, 9, 16, 25]);
  });

  it('starts idempotently by name, lists with a status filter, stops', async () => {
    const arn = await machine({ StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 100000, End: true } } });
    const a = await start(arn, { a: 1 }, 'same');
    assert.equal(await start(arn, { a: 1 }, 'same'), a);
    await assert.rejects(start(arn, { a: 2 }, 'same'), (error: Error) => {
      assert.equal(error.name, 'ExecutionAlreadyExists');
      assert.equal(error.message, `Execution Already Exists: '${a}'`);
      return true;
    });
    const b = await start(arn, {}, 'other');
    const c = await start(arn, {}, 'third');
    const stopped = await sfn.send(
      new StopExecutionCommand({ executionArn: b, error: 'Halt', cause: 'enough' }),
    );
    assert.ok(stopped.stopDate);
    const described = await describeExecution(b);
    assert.equal(described.status, 'ABORTED');
    assert.equal(described.error, 'Halt');
    assert.deepEqual(types(await history(b)).slice(-2), ['WaitStateAborted', 'ExecutionAborted']);
    const running = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: arn, statusFilter: 'RUNNING' }),
    );
    assert.deepEqual(running.executions?.map((execution) => execution.executionArn).sort(), [a, c].sort());
    const seen: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(
        new ListExecutionsCommand({ stateMachineArn: arn, maxResults: 1, nextToken }),
      );
      seen.push(...page.executions!.map((execution) => execution.executionArn!));
      nextToken = page.nextToken;
    } while (nextToken);
    assert.deepEqual(seen.sort(), [a, b, c].sort());
    await assert.rejects(
      sfn.send(new StartExecutionCommand({ stateMachineArn: arn, input: 'nope' })),
      (error: Error) => error.name === 'InvalidExecutionInput',
    );
    const missing = `arn:aws:states:us-east-1:${TEST_ACCOUNT}:execution:m-1:none`;
    await assert.rejects(describeExecution(missing), (error: Error) => {
      assert.equal(error.name, 'ExecutionDoesNotExist');
      assert.equal(error.message, `Execution Does Not Exist: '${missing}'`);
      return true;
    });
  });

  it('waits for a callback token sent through SQS (sqs:sendMessage.waitForTaskToken)', async () => {
    const sqs = eddy.client(SQSClient);
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'callbacks' }));
    const arn = await machine({
      StartAt: 'Hand',
      States: {
        Hand: {
          Type: 'Task',
          Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
          Parameters: { QueueUrl, MessageBody: { 'token.$': '$$.Task.Token', 'job.$': '$.job' } },
          End: true,
        },
      },
    });
    const executionArn = await start(arn, { job: 'j1' });
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 0 }));
    const body = JSON.parse(Messages![0]!.Body!) as { token: string; job: string };
    assert.equal(body.job, 'j1');
    assert.equal((await describeExecution(executionArn)).status, 'RUNNING');
    await sfn.send(new SendTaskSuccessCommand({ taskToken: body.token, output: '{"ok":true}' }));
    assert.deepEqual(JSON.parse((await ended(executionArn)).output!), { ok: true });
    assert.deepEqual(types(await history(executionArn)), [
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSubmitted',
      'TaskSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    await assert.rejects(
      sfn.send(new SendTaskSuccessCommand({ taskToken: body.token, output: '{}' })),
      (error: Error) => error.name === 'TaskTimedOut',
    );
    sqs.destroy();
  });

  it('runs express executions synchronously and keeps no history of them', async () => {
    const arn = await machine(
      { StartAt: 'P', States: { P: { Type: 'Pass', Parameters: { 'got.$': '$.x' }, End: true } } },
      'EXPRESS',
    );
    const result = await sfn.send(new StartSyncExecutionCommand({ stateMachineArn: arn, input: '{"x": 7}' }));
    assert.equal(result.status, 'SUCCEEDED');
    assert.deepEqual(JSON.parse(result.output!), { got: 7 });
    assert.match(result.executionArn!, /:express:/);
    await assert.rejects(
      sfn.send(new ListExecutionsCommand({ stateMachineArn: arn })),
      (error: Error) => error.name === 'StateMachineTypeNotSupported',
    );
    const failing = await machine({ StartAt: 'F', States: { F: { Type: 'Fail', Error: 'E' } } }, 'EXPRESS');
    const failed = await sfn.send(new StartSyncExecutionCommand({ stateMachineArn: failing }));
    assert.equal(failed.status, 'FAILED');
    assert.equal(failed.error, 'E');
    const standard = await machine({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } });
    await assert.rejects(
      sfn.send(new StartSyncExecutionCommand({ stateMachineArn: standard })),
      (error: Error) => error.name === 'StateMachineTypeNotSupported',
    );
  });
});

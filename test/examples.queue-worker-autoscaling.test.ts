// The queue-worker autoscaling example end to end on the manual clock: a bursty producer fills the
// queue faster than one worker drains it; the step policy adds a task per 300-second cooldown up to
// the maximum of 4 (real worker processes start), the workers work the backlog off, and the empty
// queue scales the service back in, one task per cooldown, to the minimum of 1 (processes stop).
// Then the same service with target tracking on backlog per task: out in proportion, in one step.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ECSClient } from '@aws-sdk/client-ecs';
import {
  COOLDOWN_SECONDS,
  MAX_TASKS,
  MIN_TASKS,
  type QueueWorkerAutoscaling,
  setUpQueueWorkerAutoscaling,
} from '../examples/queue-worker-autoscaling/autoscaling.ts';
import { ManualClock } from '../src/runtime/index.ts';
import { startTestEddy, type TestEddy } from './harness.ts';
import { stopEveryTask } from './helpers.ts';

const T0 = Date.parse('2026-12-07T12:00:00Z');
const MINUTE = 60_000;
const COOLDOWN_MINUTES = COOLDOWN_SECONDS / 60;

let eddy: TestEddy;
let example: QueueWorkerAutoscaling | undefined;
before(async () => {
  eddy = await startTestEddy({ clock: new ManualClock(T0 + 5_000) });
});
after(async () => {
  await example?.close();
  if (eddy) await stopEveryTask(eddy.client(ECSClient));
  await eddy?.stop();
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Real time passes (processes start, stop and work for real) while the manual clock ticks by seconds. */
async function until(what: string, done: () => Promise<boolean>, timeoutMs = 40_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline)
      assert.fail(`${what} never happened: ${JSON.stringify(await example!.state())}`);
    await eddy.advance(1_000);
    await pause(50);
  }
}

/** One manual minute: the queue's metrics are sampled, the alarms evaluated, the policies invoked. */
async function minute(): Promise<number> {
  await eddy.advance(MINUTE);
  await pause(150);
  return (await example!.state()).desired;
}

test('examples/queue-worker-autoscaling: step scaling on queue depth, out to 4 tasks and back in to 1', async () => {
  example = await setUpQueueWorkerAutoscaling(eddy.url, { workMs: 200, run: 'test' });
  await until('the first worker running', async () => (await example!.state()).running === MIN_TASKS);

  // The bursty producer: 25 jobs a minute for 14 minutes, more than one worker (5 jobs a second
  // in real time, a few hundred milliseconds a manual minute) can keep up with.
  const desired: number[] = [];
  for (let i = 0; i < 14; i++) {
    await example.burst(25);
    desired.push(await minute());
  }
  assert.equal(Math.max(...desired), MAX_TASKS, `desired counts ${desired}`);
  const firstOut = desired.indexOf(MIN_TASKS + 1);
  assert.ok(firstOut >= 0 && firstOut <= 2, `scaled out within two minutes of the burst: ${desired}`);
  // One task more per cooldown: the alarm stays in ALARM every minute, the policy waits 300 s.
  assert.equal(desired.indexOf(3) - firstOut, COOLDOWN_MINUTES, `2 → 3 after the cooldown: ${desired}`);
  assert.equal(
    desired.indexOf(4) - desired.indexOf(3),
    COOLDOWN_MINUTES,
    `3 → 4 after the cooldown: ${desired}`,
  );
  await until('4 workers running', async () => (await example!.state()).running === MAX_TASKS);

  const outs = (await example.activities()).map((activity) => activity.Description);
  assert.deepEqual(outs, [
    'Setting desired count to 4.',
    'Setting desired count to 3.',
    'Setting desired count to 2.',
  ]);
  const [newest] = await example.activities();
  assert.equal(
    newest?.Cause,
    `monitor alarm ${example.serviceName}-upper in state ALARM triggered policy ${example.serviceName}-scale-out`,
  );
  assert.ok(
    (await example.activities(true)).some((activity) =>
      activity.NotScaledReasons?.some((reason) => reason.Code === 'InCooldown'),
    ),
    'the minutes within a cooldown are recorded as not scaled',
  );
  assert.ok(
    (await example.state()).events.some((event) =>
      event.includes(`has set its desired count to 4: monitor alarm ${example!.serviceName}-upper`),
    ),
    'the scaling is in the service events',
  );

  // The producer stops; four workers work the backlog off.
  await until(
    'the backlog worked off',
    async () => {
      const { visible, inFlight } = await example!.state();
      return visible === 0 && inFlight === 0;
    },
    90_000,
  );

  // The empty queue breaches the lower alarm every minute: one task less per cooldown, down to 1.
  const after: number[] = [];
  for (let i = 0; i < 3 * COOLDOWN_MINUTES + 3; i++) after.push(await minute());
  assert.equal(after.at(-1), MIN_TASKS, `desired counts ${after}`);
  assert.equal(Math.min(...after), MIN_TASKS, `never below the minimum: ${after}`);
  assert.equal(after.indexOf(2) - after.indexOf(3), COOLDOWN_MINUTES, `3 → 2 after the cooldown: ${after}`);
  assert.equal(after.indexOf(1) - after.indexOf(2), COOLDOWN_MINUTES, `2 → 1 after the cooldown: ${after}`);
  await until('the service back at one worker', async () => (await example!.state()).running === MIN_TASKS);
  assert.deepEqual(await example.alarms(), [
    [`${example.serviceName}-lower`, 'ALARM'],
    [`${example.serviceName}-upper`, 'OK'],
  ]);
  const ins = (await example.activities()).slice(0, 3).map((activity) => activity.Description);
  assert.deepEqual(ins, [
    'Setting desired count to 1.',
    'Setting desired count to 2.',
    'Setting desired count to 3.',
  ]);
});

test('examples/queue-worker-autoscaling: backlog per task, target tracking out to 4 at once and back to 1', async () => {
  await example?.close();
  example = await setUpQueueWorkerAutoscaling(eddy.url, {
    workMs: 200,
    run: 'tracking',
    policy: 'backlog-per-task',
  });
  assert.equal(example.targetValue, 10, '2 s acceptable latency ÷ 0.2 s a job');
  await until('the first worker running', async () => (await example!.state()).running === MIN_TASKS);
  const [high, low] = await example.alarms();
  assert.match(high?.[0] ?? '', /^TargetTracking-service\/default\/scaled-workers-tracking-AlarmHigh-/);
  assert.match(low?.[0] ?? '', /^TargetTracking-service\/default\/scaled-workers-tracking-AlarmLow-/);

  // The bursty producer again; each minute the running task count is published beside it.
  const desired: number[] = [];
  for (let i = 0; i < 8; i++) {
    await example.burst(25);
    await example.publishTaskCount();
    desired.push(await minute());
  }
  // 3 one-minute datapoints over 10 jobs a task come first; then ceil(1 × backlog ÷ 10) ≥ 4: the
  // maximum at once, where step scaling took a cooldown per task.
  const out = desired.indexOf(MAX_TASKS);
  assert.ok(out >= 3, `three datapoints over the target came first: ${desired}`);
  assert.deepEqual(desired.slice(0, out), Array(out).fill(MIN_TASKS), `straight from 1 to 4: ${desired}`);
  await until('4 workers running', async () => (await example!.state()).running === MAX_TASKS);
  const [scaledOut] = await example.activities();
  assert.equal(scaledOut?.Description, 'Setting desired count to 4.');
  assert.match(
    scaledOut?.Cause ?? '',
    /^monitor alarm TargetTracking-.*-AlarmHigh-.* in state ALARM triggered policy /,
  );

  await until(
    'the backlog worked off',
    async () => {
      const { visible, inFlight } = await example!.state();
      return visible === 0 && inFlight === 0;
    },
    90_000,
  );
  // 15 one-minute datapoints under 90 % of the target, then in proportion: ceil(4 × 0 ÷ 10) → the minimum.
  const after: number[] = [];
  for (let i = 0; i < 20; i++) {
    await example.publishTaskCount();
    after.push(await minute());
  }
  assert.equal(after.at(-1), MIN_TASKS, `desired counts ${after}`);
  const back = after.indexOf(MIN_TASKS);
  assert.ok(back >= 14, `fifteen datapoints under the target came first: ${after}`);
  assert.deepEqual(after.slice(0, back), Array(back).fill(MAX_TASKS), `straight from 4 to 1: ${after}`);
  await until('the service back at one worker', async () => (await example!.state()).running === MIN_TASKS);
});

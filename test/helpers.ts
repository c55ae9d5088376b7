// Helpers the tests share, beside harness.ts: waiting for something asynchronous within a generous
// bound (never a fixed sleep), and the SQS and ECS calls many test files make.
//
// Time: a test of time runs eddy on a ManualClock (`startTestEddy({ clock })`) and moves it with
// `eddy.advance(ms)`; nothing there waits on the wall clock. `eventually` polls in real time, but
// only for work that is merely asynchronous (a delivery, a process starting); its bound is a
// failure's timeout, not a measurement, so it is generous and costs nothing when the test passes.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DeleteServiceCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  type ECSClient,
  ListClustersCommand,
  ListServicesCommand,
  ListTasksCommand,
  StopTaskCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  type QueueAttributeName,
  ReceiveMessageCommand,
  type ReceiveMessageCommandInput,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { EventTrace } from '../src/services/events/traces.ts';

/** How long `eventually` waits by default before it fails. */
export const EVENTUALLY_MS = 10_000;

export interface EventuallyOptions {
  /** Fail after this long; `EVENTUALLY_MS` by default. */
  timeoutMs?: number;
  /** Pause between two probes. */
  intervalMs?: number;
  /** What was awaited, for the failure's message; a function is called with the last value. */
  what?: string | ((last: unknown) => string);
}

/**
 * Calls `probe` until it returns something other than `undefined` or `false` without throwing, and
 * resolves with that. A probe may assert: its last error is the failure when time runs out.
 */
export async function eventually<T>(
  probe: () => T | Promise<T>,
  options: EventuallyOptions = {},
): Promise<Exclude<T, undefined | false>> {
  const { timeoutMs = EVENTUALLY_MS, intervalMs = 20, what } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let last: unknown;
    let failure: unknown;
    try {
      last = await probe();
      if (last !== undefined && last !== false) return last as Exclude<T, undefined | false>;
    } catch (error) {
      failure = error;
    }
    if (Date.now() > deadline) {
      const said = typeof what === 'function' ? what(last) : (what ?? 'the condition');
      if (failure instanceof Error) {
        failure.message = `not so within ${timeoutMs} ms (${said}): ${failure.message}`;
        throw failure;
      }
      throw new Error(`not so within ${timeoutMs} ms: ${said}; last seen ${JSON.stringify(last)}`);
    }
    await sleep(intervalMs);
  }
}

/** Resolves with what `promise` resolves with, or fails if it has not settled within `timeoutMs`. */
export async function settlesWithin<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not settled within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Tracks whether a promise has settled yet, for "this long poll is still waiting". */
export function tracked<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let done = false;
  const watched = promise.finally(() => {
    done = true;
  });
  // The test awaits `promise` later; an early rejection must not count as unhandled meanwhile.
  watched.catch(() => {});
  return { promise: watched, settled: () => done };
}

// --- SQS ----------------------------------------------------------------------------------------

/** CreateQueue; resolves with the queue's URL. */
export async function createQueue(
  sqs: SQSClient,
  name: string,
  attributes: Record<string, string> = {},
): Promise<string> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  assert.ok(QueueUrl);
  return QueueUrl;
}

/** CreateQueue, then its QueueArn: what a subscription or rule target needs. */
export async function queueWithArn(
  sqs: SQSClient,
  name: string,
  attributes: Record<string, string> = {},
): Promise<{ url: string; arn: string }> {
  const url = await createQueue(sqs, name, attributes);
  const arn = (await attributesOf(sqs, url, ['QueueArn'])).QueueArn;
  assert.ok(arn);
  return { url, arn };
}

export async function attributesOf(
  sqs: SQSClient,
  url: string,
  names: string[] = ['All'],
): Promise<Record<string, string>> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: names as QueueAttributeName[] }),
  );
  return Attributes ?? {};
}

/** The three approximate counts of a queue, as numbers. */
export async function counts(
  sqs: SQSClient,
  url: string,
): Promise<{ visible: number; notVisible: number; delayed: number }> {
  const attributes = await attributesOf(sqs, url, [
    'ApproximateNumberOfMessages',
    'ApproximateNumberOfMessagesNotVisible',
    'ApproximateNumberOfMessagesDelayed',
  ]);
  return {
    visible: Number(attributes.ApproximateNumberOfMessages),
    notVisible: Number(attributes.ApproximateNumberOfMessagesNotVisible),
    delayed: Number(attributes.ApproximateNumberOfMessagesDelayed),
  };
}

export type ReceiveOptions = Partial<Omit<ReceiveMessageCommandInput, 'QueueUrl'>>;

/** One short poll (WaitTimeSeconds 0) for up to 10 messages, unless `options` say otherwise. */
export async function receive(sqs: SQSClient, url: string, options: ReceiveOptions = {}): Promise<Message[]> {
  const { Messages } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, ...options }),
  );
  return Messages ?? [];
}

export interface ReceiveAllOptions {
  /** Give up after this long (the test then asserts on what came); `EVENTUALLY_MS` by default. */
  timeoutMs?: number;
  /** Passed on to each ReceiveMessage; message attributes are all asked for by default. */
  receive?: ReceiveOptions;
  /** Delete what arrives (a drain), so a later look at the queue starts empty. */
  delete?: boolean;
}

/**
 * Short-polls until `expected` messages arrived (or `expected` says what came is enough) or the bound
 * passed, and resolves with what came; the test asserts on it. Short polls, so it works on a
 * ManualClock as well as on the real one.
 */
export async function receiveAll(
  sqs: SQSClient,
  url: string,
  expected: number | ((got: Message[]) => boolean),
  options: ReceiveAllOptions = {},
): Promise<Message[]> {
  const messages: Message[] = [];
  const enough = typeof expected === 'number' ? () => messages.length >= expected : () => expected(messages);
  const deadline = Date.now() + (options.timeoutMs ?? EVENTUALLY_MS);
  while (!enough()) {
    const batch = await receive(sqs, url, { MessageAttributeNames: ['All'], ...options.receive });
    if (options.delete && batch.length > 0) await deleteAll(sqs, url, batch);
    messages.push(...batch);
    if (batch.length > 0) continue;
    if (Date.now() > deadline) break;
    await sleep(20);
  }
  return messages;
}

/**
 * Receives (and with `delete`, deletes) until a receive comes back empty: what the queue holds
 * visible now, in the order received. Nothing waits; for messages still on their way use receiveAll.
 */
export async function drain(
  sqs: SQSClient,
  url: string,
  options: { receive?: ReceiveOptions; delete?: boolean } = {},
): Promise<Message[]> {
  const all: Message[] = [];
  for (let round = 0; round < 100; round++) {
    const batch = await receive(sqs, url, options.receive);
    if (batch.length === 0) break;
    if (options.delete) await deleteAll(sqs, url, batch);
    all.push(...batch);
  }
  return all;
}

/**
 * Receives and deletes until `expected` distinct bodies came (or the bound passed), and resolves with
 * them: for at-least-once deliveries, where a repeat must not count twice.
 */
export async function distinctBodies(
  sqs: SQSClient,
  url: string,
  expected: number,
  options: { timeoutMs?: number } = {},
): Promise<Set<string>> {
  const bodies = new Set<string>();
  const deadline = Date.now() + (options.timeoutMs ?? EVENTUALLY_MS);
  while (bodies.size < expected) {
    const batch = await receive(sqs, url);
    if (batch.length > 0) await deleteAll(sqs, url, batch);
    for (const message of batch) bodies.add(message.Body ?? '');
    if (batch.length > 0) continue;
    if (Date.now() > deadline) break;
    await sleep(20);
  }
  return bodies;
}

async function deleteAll(sqs: SQSClient, url: string, messages: Message[]): Promise<void> {
  const { Failed = [] } = await sqs.send(
    new DeleteMessageBatchCommand({
      QueueUrl: url,
      Entries: messages.map((message, index) => ({
        Id: String(index),
        ReceiptHandle: message.ReceiptHandle!,
      })),
    }),
  );
  assert.deepEqual(Failed, [], 'every message received was deleted');
}

/**
 * How many ReceiveMessage calls wait in a long poll right now, from /_eddy/metrics. A receive is
 * counted from the moment it waits for messages, so a test can send (or move a ManualClock) knowing
 * the poll is listening.
 */
export async function waitingReceives(eddy: { url: string }): Promise<number> {
  const text = await (await fetch(`${eddy.url}/_eddy/metrics`)).text();
  const line = text.split('\n').find((entry) => entry.startsWith('eddy_sqs_waiting_receives'));
  assert.ok(line, 'eddy_sqs_waiting_receives is among the metrics');
  return Number(line.split(' ').at(-1));
}

/** Resolves once exactly `count` receives wait in a long poll on this server. */
export function receivesWaiting(eddy: { url: string }, count: number): Promise<true> {
  return eventually(async () => (await waitingReceives(eddy)) === count || undefined, {
    what: `${count} long polls waiting`,
  });
}

// --- ECS ----------------------------------------------------------------------------------------

/** Polls DescribeTasks until the task satisfies `done`; fails with the task as last seen. */
export async function taskWhen(
  ecs: ECSClient,
  arn: string,
  done: (task: Task) => boolean,
  options: { timeoutMs?: number; include?: 'TAGS'[] } = {},
): Promise<Task> {
  return eventually(
    async () => {
      const { tasks } = await ecs.send(
        new DescribeTasksCommand({ tasks: [arn], ...(options.include ? { include: options.include } : {}) }),
      );
      const task = tasks?.[0];
      assert.ok(task, `DescribeTasks knows ${arn}`);
      if (!done(task)) throw new Error(`task never got there: ${JSON.stringify(task)}`);
      return task;
    },
    { timeoutMs: options.timeoutMs ?? 20_000, intervalMs: 50, what: 'the task' },
  );
}

/**
 * Ends what a test file left running: every service deleted, every task stopped and its processes
 * gone. A task's process holds pipes to the test's process, which would otherwise wait for it to
 * end by itself (a `sleep 60` kept a file alive a minute after its last test).
 */
export async function stopEveryTask(ecs: ECSClient): Promise<void> {
  const { clusterArns = [] } = await ecs.send(new ListClustersCommand({}));
  for (const cluster of clusterArns) {
    const { serviceArns = [] } = await ecs.send(new ListServicesCommand({ cluster }));
    if (serviceArns.length > 0) {
      const { services = [] } = await ecs.send(
        new DescribeServicesCommand({ cluster, services: serviceArns }),
      );
      for (const service of services.filter((candidate) => candidate.status === 'ACTIVE'))
        await ecs.send(new DeleteServiceCommand({ cluster, service: service.serviceArn, force: true }));
    }
    await eventually(
      async () => {
        const { taskArns: running = [] } = await ecs.send(
          new ListTasksCommand({ cluster, desiredStatus: 'RUNNING' }),
        );
        for (const task of running)
          await ecs.send(new StopTaskCommand({ cluster, task, reason: 'the test file ended' }));
        if (running.length > 0) return false;
        const { taskArns: ending = [] } = await ecs.send(
          new ListTasksCommand({ cluster, desiredStatus: 'STOPPED', maxResults: 100 }),
        );
        for (let at = 0; at < ending.length; at += 100) {
          const { tasks = [] } = await ecs.send(
            new DescribeTasksCommand({ cluster, tasks: ending.slice(at, at + 100) }),
          );
          if (tasks.some((task) => task.lastStatus !== 'STOPPED')) return false;
        }
        return true;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: `every task of ${cluster} stopped` },
    );
  }
}

/** What the eddy at `url` recorded of an accepted event: rules matched, every delivery attempt. */
export async function traceOf(url: string, eventId: string): Promise<EventTrace> {
  return (await fetch(`${url}/_eddy/events/${eventId}`)).json() as Promise<EventTrace>;
}

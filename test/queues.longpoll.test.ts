// SQS long polling through @aws-sdk/client-sqs against a real eddy server. On a ManualClock a
// WaitTimeSeconds never runs out by itself, so a poll that answers while the clock stands still was
// answered by what happened (a send, a delay ending), and one that answers when the clock reaches its
// bound waited exactly that long. One test runs on the system clock, to show the same in real time.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { ManualClock } from '../src/runtime/index.ts';
import { assertAwsError, md5, uniqueName } from './fixtures/queues.ts';
import { startTestEddy, type TestEddy } from './harness.ts';
import {
  counts,
  createQueue,
  EVENTUALLY_MS,
  eventually,
  receive,
  receivesWaiting,
  settlesWithin,
  tracked,
  waitingReceives,
} from './helpers.ts';

let eddy: TestEddy;
let sqs: SQSClient;
let live: TestEddy;
let liveSqs: SQSClient;
const clock = new ManualClock(Date.UTC(2025, 0, 1));

before(async () => {
  eddy = await startTestEddy({ clock });
  sqs = eddy.client(SQSClient);
  live = await startTestEddy();
  liveSqs = live.client(SQSClient);
});
after(async () => {
  await eddy?.stop();
  await live?.stop();
});

const bodies = (messages: { Body?: string }[] | undefined) => (messages ?? []).map((m) => m.Body);

describe('long polling', () => {
  test('a long poll answers as soon as a message arrives', async () => {
    const url = await createQueue(sqs, uniqueName('longpoll'));
    const startedAt = clock.now();
    const polling = sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20 }));
    await receivesWaiting(eddy, 1);
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'wake up' }));
    const { Messages } = await settlesWithin(polling, EVENTUALLY_MS, 'the long poll');
    assert.deepEqual(bodies(Messages), ['wake up']);
    assert.equal(clock.now(), startedAt, 'the clock stood still: the arrival answered, not the 20 s');
  });

  test('on the system clock a long poll answers on arrival, well before WaitTimeSeconds, and an empty one after it', async () => {
    const url = await createQueue(liveSqs, uniqueName('longpoll-live'));
    const started = Date.now();
    const polling = liveSqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20 }));
    await receivesWaiting(live, 1);
    await liveSqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'wake up' }));
    const { Messages } = await polling;
    const elapsed = Date.now() - started;
    assert.deepEqual(bodies(Messages), ['wake up']);
    assert.ok(elapsed < 10_000, `answered after ${elapsed} ms, long before the 20 s WaitTimeSeconds`);

    // The message is in flight now: the queue shows nothing, and a 1 s poll ends empty after 1 s.
    const emptyStarted = Date.now();
    const empty = await liveSqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 }));
    const waited = Date.now() - emptyStarted;
    assert.deepEqual(empty.Messages ?? [], []);
    assert.ok(waited >= 900, `waited ${waited} ms, its 1 s WaitTimeSeconds`);
    assert.ok(waited < 10_000, `waited ${waited} ms, not far past its 1 s WaitTimeSeconds`);
  });

  test('each message sent wakes one of the long polls waiting, and every message is received', async () => {
    const url = await createQueue(sqs, uniqueName('longpoll-many'));
    const answered: string[][] = [];
    const polls = Array.from({ length: 3 }, () =>
      sqs
        .send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 3 }))
        .then(({ Messages = [] }) => answered.push(Messages.map((m) => m.Body!))),
    );
    await receivesWaiting(eddy, 3);
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'first' }));
    await eventually(() => answered.length > 0);
    await receivesWaiting(eddy, 2);
    assert.deepEqual(answered, [['first']], 'one poll answered, two still wait');
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'second' }));
    await eventually(() => answered.length > 1);
    await receivesWaiting(eddy, 1);
    assert.deepEqual(answered, [['first'], ['second']]);
    await eddy.advance(2_999);
    assert.equal(await waitingReceives(eddy), 1, 'the third still waits 1 ms before its 3 s end');
    await eddy.advance(1);
    await settlesWithin(Promise.all(polls), EVENTUALLY_MS, 'the three long polls');
    assert.deepEqual(answered, [['first'], ['second'], []], 'the third waited its 3 s');
  });

  test('messages sent to a waiting long poll are handed to it in flight, as any received message is', async () => {
    const url = await createQueue(sqs, uniqueName('longpoll-handed'));
    const polling = sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        WaitTimeSeconds: 5,
        MaxNumberOfMessages: 2,
        VisibilityTimeout: 60,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    await receivesWaiting(eddy, 1);
    const sentAt = clock.now();
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: ['one', 'two', 'three'].map((body) => ({
          Id: body,
          MessageBody: body,
          MessageAttributes: { kind: { DataType: 'String', StringValue: body } },
        })),
      }),
    );
    const { Messages = [] } = await settlesWithin(polling, EVENTUALLY_MS, 'the long poll');
    assert.deepEqual(
      Messages.map((m) => [m.Body, m.MessageAttributes?.kind?.StringValue]),
      [
        ['one', 'one'],
        ['two', 'two'],
      ],
      'MaxNumberOfMessages of the batch, in order',
    );
    for (const message of Messages) {
      assert.equal(message.MD5OfBody, md5(message.Body!));
      assert.equal(message.Attributes?.ApproximateReceiveCount, '1');
      const firstReceived = Number(message.Attributes?.ApproximateFirstReceiveTimestamp);
      assert.equal(firstReceived, sentAt, 'first received when it was sent: handed over on arrival');
    }
    assert.deepEqual(await counts(sqs, url), { visible: 1, notVisible: 2, delayed: 0 });
    assert.deepEqual(
      bodies(await receive(sqs, url)),
      ['three'],
      'the rest waits in the queue; the two handed over are in flight for 60 s',
    );
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: Messages[0]!.ReceiptHandle }));
    assert.deepEqual(await counts(sqs, url), { visible: 0, notVisible: 2, delayed: 0 });
  });

  test('a long poll whose client hangs up stops waiting: a message sent after it stays visible', async () => {
    const url = await createQueue(sqs, uniqueName('longpoll-hangup'));
    const hangUp = new AbortController();
    const polling = sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20 }), {
      abortSignal: hangUp.signal,
    });
    await receivesWaiting(eddy, 1);
    hangUp.abort();
    await assert.rejects(polling, (error: Error) => error.name === 'AbortError');
    await receivesWaiting(eddy, 0); // the server saw the socket close
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'after the hang-up' }));
    assert.deepEqual(
      await counts(sqs, url),
      { visible: 1, notVisible: 0, delayed: 0 },
      'not handed to the poll that was left',
    );
    const [message] = await receive(sqs, url, { MessageSystemAttributeNames: ['All'] });
    assert.equal(message?.Body, 'after the hang-up');
    assert.equal(message?.Attributes?.ApproximateReceiveCount, '1');
  });

  test('a long poll with no message returns empty after WaitTimeSeconds; the queue attribute sets the default', async () => {
    const url = await createQueue(sqs, uniqueName('longpoll-empty'), { ReceiveMessageWaitTimeSeconds: '1' });
    const explicit = tracked(sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 2 })));
    await receivesWaiting(eddy, 1);
    await eddy.advance(1_999);
    assert.equal(await waitingReceives(eddy), 1, 'still waiting 1 ms before its 2 s');
    assert.equal(explicit.settled(), false);
    await eddy.advance(1);
    const { Messages } = await settlesWithin(explicit.promise, EVENTUALLY_MS, 'the 2 s poll');
    assert.deepEqual(Messages ?? [], []);

    const byDefault = tracked(sqs.send(new ReceiveMessageCommand({ QueueUrl: url })));
    await receivesWaiting(eddy, 1);
    await eddy.advance(999);
    assert.equal(await waitingReceives(eddy), 1, 'the queue default of 1 s: still waiting at 999 ms');
    assert.equal(byDefault.settled(), false);
    await eddy.advance(1);
    const defaulted = await settlesWithin(byDefault.promise, EVENTUALLY_MS, 'the poll on the queue default');
    assert.deepEqual(defaulted.Messages ?? [], []);

    // The clock does not move: only a poll that does not wait can answer.
    const short = await settlesWithin(
      sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 0 })),
      EVENTUALLY_MS,
      'WaitTimeSeconds 0 is a short poll',
    );
    assert.deepEqual(short.Messages ?? [], []);
    await assertAwsError(
      sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 21 })),
      'InvalidParameterValue',
      /WaitTimeSeconds/,
    );
  });

  test('a long poll wakes for a delayed message when its delay ends', async () => {
    const url = await createQueue(sqs, uniqueName('longpoll-delay'));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'delayed', DelaySeconds: 1 }));
    const polling = tracked(sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 5 })));
    await receivesWaiting(eddy, 1);
    await eddy.advance(999);
    assert.equal(await waitingReceives(eddy), 1, 'still delayed 1 ms before its end: the poll waits');
    assert.equal(polling.settled(), false);
    await eddy.advance(1);
    const { Messages } = await settlesWithin(polling.promise, EVENTUALLY_MS, 'the long poll');
    assert.deepEqual(bodies(Messages), ['delayed']);
  });
});

// EventBridge archives and replays through @aws-sdk/client-eventbridge and @aws-sdk/client-sqs against
// a real server: what archives keep and count, replays of a time window to SQS targets with
// `replay-name` set (only through the chosen rules), cancelling, the active-replay limit, retention,
// a replay that continues after a restart, and the errors AWS returns.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import {
  CancelReplayCommand,
  CreateArchiveCommand,
  CreateEventBusCommand,
  DeleteArchiveCommand,
  DescribeArchiveCommand,
  DescribeReplayCommand,
  type DescribeReplayResponse,
  DescribeRuleCommand,
  DisableRuleCommand,
  EventBridgeClient,
  IllegalStatusException,
  InvalidEventPatternException,
  LimitExceededException,
  ListArchivesCommand,
  ListReplaysCommand,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  type PutEventsRequestEntry,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  StartReplayCommand,
  UpdateArchiveCommand,
} from '@aws-sdk/client-eventbridge';
import { type Message, SQSClient } from '@aws-sdk/client-sqs';
import { ManualClock } from '../src/runtime/index.ts';
import { startTestEddy, type TestEddy, tempDataDir } from './harness.ts';
import { drain, eventually, queueWithArn, receiveAll } from './helpers.ts';

const ACCOUNT_ARN = 'arn:aws:events:us-east-1:000000000000';
const busArn = (name: string) => `${ACCOUNT_ARN}:event-bus/${name}`;
const archiveArn = (name: string) => `${ACCOUNT_ARN}:archive/${name}`;
const MINUTE = 60_000;
const isValidation = (error: Error) => error.name === 'ValidationException';

interface Harness {
  eddy: TestEddy;
  events: EventBridgeClient;
  sqs: SQSClient;
}

function clients(eddy: TestEddy): Harness {
  return { eddy, events: eddy.client(EventBridgeClient), sqs: eddy.client(SQSClient) };
}

const queue = ({ sqs }: Harness, name: string) => queueWithArn(sqs, name);

type Body = Record<string, unknown>;
const parsed = (messages: Message[]) => messages.map((message) => JSON.parse(message.Body!) as Body);

/** Receives and deletes `expected` messages, waiting (bounded) for them; resolves with their bodies. */
const drainQueue = async ({ sqs }: Harness, url: string, expected: number) =>
  parsed(await receiveAll(sqs, url, expected, { delete: true }));

/**
 * What a queue holds right now, received and deleted. A replay's deliveries to a queue commit in
 * the transaction of its batch, so once a replay is done (or its timers have run) this is all of them.
 */
const holding = async ({ sqs }: Harness, url: string) => parsed(await drain(sqs, url, { delete: true }));

async function ruleTo(
  { events }: Harness,
  bus: string,
  name: string,
  pattern: Record<string, unknown>,
  queueArn: string,
) {
  const { RuleArn } = await events.send(
    new PutRuleCommand({ Name: name, EventBusName: bus, EventPattern: JSON.stringify(pattern) }),
  );
  await events.send(
    new PutTargetsCommand({ Rule: name, EventBusName: bus, Targets: [{ Id: 'q', Arn: queueArn }] }),
  );
  return RuleArn!;
}

async function put({ events }: Harness, entries: PutEventsRequestEntry[]) {
  const result = await events.send(new PutEventsCommand({ Entries: entries }));
  assert.equal(result.FailedEntryCount, 0);
  return result.Entries!.map((entry) => entry.EventId!);
}

/** Polls DescribeReplay until the replay left STARTING/RUNNING/CANCELLING. */
function replayFinished({ events }: Harness, name: string): Promise<DescribeReplayResponse> {
  return eventually(
    async () => {
      const replay = await events.send(new DescribeReplayCommand({ ReplayName: name }));
      return ['STARTING', 'RUNNING', 'CANCELLING'].includes(replay.State!) ? undefined : replay;
    },
    { what: `replay ${name} finished` },
  );
}

let live: Harness;
const clock = new ManualClock(Date.UTC(2025, 0, 1));
let timed: Harness;

/** Runs whatever the manual clock's timers have due now (replay batches, retention sweeps). */
const runTimers = (ms = 0) => timed.eddy.advance(ms);

before(async () => {
  live = clients(await startTestEddy({ config: { deliveryRetry: { firstMs: 20, capMs: 100 } } }));
  timed = clients(await startTestEddy({ clock }));
});
after(async () => {
  await live?.eddy.stop();
  await timed?.eddy.stop();
});

describe('archives', () => {
  test('an archive keeps only the events its pattern matches, counts them and their size', async () => {
    await live.events.send(new CreateEventBusCommand({ Name: 'shop' }));
    const created = await live.events.send(
      new CreateArchiveCommand({
        ArchiveName: 'orders',
        EventSourceArn: busArn('shop'),
        EventPattern: JSON.stringify({ source: ['shop.orders'] }),
        Description: 'order events',
        RetentionDays: 7,
      }),
    );
    assert.equal(created.ArchiveArn, archiveArn('orders'));
    assert.equal(created.State, 'ENABLED');
    assert.ok(created.CreationTime instanceof Date);
    await live.events.send(
      new CreateArchiveCommand({ ArchiveName: 'everything', EventSourceArn: busArn('shop') }),
    );

    const detail = JSON.stringify({ n: 1 });
    await put(live, [
      { EventBusName: 'shop', Source: 'shop.orders', DetailType: 'Placed', Detail: detail },
      { EventBusName: 'shop', Source: 'shop.orders', DetailType: 'Paid', Detail: detail },
      { EventBusName: 'shop', Source: 'shop.stock', DetailType: 'Moved', Detail: detail },
      // Another bus: neither archive listens to it.
      { Source: 'shop.orders', DetailType: 'Placed', Detail: detail },
    ]);

    const orders = await live.events.send(new DescribeArchiveCommand({ ArchiveName: 'orders' }));
    assert.equal(orders.EventCount, 2);
    assert.equal(orders.ArchiveName, 'orders');
    assert.equal(orders.EventSourceArn, busArn('shop'));
    assert.equal(orders.EventPattern, JSON.stringify({ source: ['shop.orders'] }));
    assert.equal(orders.Description, 'order events');
    assert.equal(orders.RetentionDays, 7);
    assert.equal(orders.State, 'ENABLED');
    const everything = await live.events.send(new DescribeArchiveCommand({ ArchiveName: 'everything' }));
    assert.equal(everything.EventCount, 3);
    assert.equal(everything.RetentionDays, 0);
    assert.ok(orders.SizeBytes! > 100 && everything.SizeBytes! > orders.SizeBytes!);

    const { Archives = [] } = await live.events.send(
      new ListArchivesCommand({ EventSourceArn: busArn('shop') }),
    );
    assert.deepEqual(
      Archives.map((archive) => [archive.ArchiveName, archive.EventCount]),
      [
        ['everything', 3],
        ['orders', 2],
      ],
    );
    const first = await live.events.send(new ListArchivesCommand({ Limit: 1 }));
    assert.equal(first.Archives?.length, 1);
    assert.ok(first.NextToken);
    const byPrefix = await live.events.send(new ListArchivesCommand({ NamePrefix: 'ord' }));
    assert.deepEqual(
      byPrefix.Archives?.map((archive) => archive.ArchiveName),
      ['orders'],
    );
    const byState = await live.events.send(new ListArchivesCommand({ State: 'DISABLED' }));
    assert.deepEqual(byState.Archives, []);
  });

  test('archives are updated and deleted; bad input gets AWS errors', async () => {
    await live.events.send(
      new CreateArchiveCommand({ ArchiveName: 'changing', EventSourceArn: busArn('default') }),
    );
    await assert.rejects(
      live.events.send(
        new CreateArchiveCommand({ ArchiveName: 'changing', EventSourceArn: busArn('default') }),
      ),
      (error: Error) =>
        error instanceof ResourceAlreadyExistsException &&
        error.message === 'Archive changing already exists.',
    );
    await assert.rejects(
      live.events.send(new CreateArchiveCommand({ ArchiveName: 'x', EventSourceArn: busArn('nope') })),
      (error: Error) =>
        error instanceof ResourceNotFoundException && error.message === 'Event bus nope does not exist.',
    );
    await assert.rejects(
      live.events.send(
        new CreateArchiveCommand({ ArchiveName: 'bad name!', EventSourceArn: busArn('default') }),
      ),
      (error: Error) => isValidation(error) && /at 'archiveName'/.test(error.message),
    );
    await assert.rejects(
      live.events.send(
        new CreateArchiveCommand({ ArchiveName: 'a'.repeat(49), EventSourceArn: busArn('default') }),
      ),
      (error: Error) => isValidation(error) && /length less than or equal to 48/.test(error.message),
    );
    await assert.rejects(
      live.events.send(
        new CreateArchiveCommand({
          ArchiveName: 'neg',
          EventSourceArn: busArn('default'),
          RetentionDays: -1,
        }),
      ),
      (error: Error) =>
        isValidation(error) && /'retentionDays'.*greater than or equal to 0/.test(error.message),
    );
    await assert.rejects(
      live.events.send(new CreateArchiveCommand({ ArchiveName: 'arn', EventSourceArn: 'not-an-arn' })),
      (error: Error) => isValidation(error) && /at 'eventSourceArn'/.test(error.message),
    );
    await assert.rejects(
      live.events.send(
        new CreateArchiveCommand({
          ArchiveName: 'pattern',
          EventSourceArn: busArn('default'),
          EventPattern: '{"source": "not-a-list"}',
        }),
      ),
      InvalidEventPatternException,
    );
    await assert.rejects(
      live.events.send(new ListArchivesCommand({ NamePrefix: 'c', State: 'ENABLED' })),
      (error: Error) =>
        isValidation(error) &&
        error.message ===
          'At most one filter is allowed for ListArchives. Use either : State, EventSourceArn, or NamePrefix.',
    );
    await assert.rejects(
      live.events.send(new ListArchivesCommand({ EventSourceArn: busArn('nope') })),
      ResourceNotFoundException,
    );

    const updated = await live.events.send(
      new UpdateArchiveCommand({
        ArchiveName: 'changing',
        Description: 'now described',
        RetentionDays: 30,
        EventPattern: JSON.stringify({ source: ['only.this'] }),
      }),
    );
    assert.equal(updated.ArchiveArn, archiveArn('changing'));
    const described = await live.events.send(new DescribeArchiveCommand({ ArchiveName: 'changing' }));
    assert.equal(described.Description, 'now described');
    assert.equal(described.RetentionDays, 30);
    await put(live, [
      { Source: 'only.this', DetailType: 'x', Detail: '{}' },
      { Source: 'not.that', DetailType: 'x', Detail: '{}' },
    ]);
    const counted = await live.events.send(new DescribeArchiveCommand({ ArchiveName: 'changing' }));
    assert.equal(counted.EventCount, 1);

    await live.events.send(new DeleteArchiveCommand({ ArchiveName: 'changing' }));
    await assert.rejects(
      live.events.send(new DescribeArchiveCommand({ ArchiveName: 'changing' })),
      (error: Error) =>
        error instanceof ResourceNotFoundException && error.message === 'Archive changing does not exist.',
    );
    await assert.rejects(
      live.events.send(new DeleteArchiveCommand({ ArchiveName: 'changing' })),
      ResourceNotFoundException,
    );
    await assert.rejects(
      live.events.send(new UpdateArchiveCommand({ ArchiveName: 'changing', Description: 'x' })),
      ResourceNotFoundException,
    );
  });
});

describe('the managed rule of an archive', () => {
  test('Events-Archive-NAME shows the archive pattern, ManagedBy and its target, refuses changes, and goes with the archive', async () => {
    const { events } = live;
    await events.send(new CreateEventBusCommand({ Name: 'ledger' }));
    await events.send(
      new CreateArchiveCommand({
        ArchiveName: 'ledger-orders',
        EventSourceArn: busArn('ledger'),
        EventPattern: JSON.stringify({ source: ['orders'] }),
      }),
    );
    const rule = await events.send(
      new DescribeRuleCommand({ Name: 'Events-Archive-ledger-orders', EventBusName: 'ledger' }),
    );
    assert.equal(rule.ManagedBy, 'prod.vhs.events.aws.internal');
    assert.equal(rule.State, 'ENABLED');
    assert.deepEqual(JSON.parse(rule.EventPattern!), {
      source: ['orders'],
      'replay-name': [{ exists: false }],
    });
    const { Rules = [] } = await events.send(new ListRulesCommand({ EventBusName: 'ledger' }));
    assert.deepEqual(
      Rules.map((listed) => listed.Name),
      ['Events-Archive-ledger-orders'],
    );
    const { Targets = [] } = await events.send(
      new ListTargetsByRuleCommand({ Rule: 'Events-Archive-ledger-orders', EventBusName: 'ledger' }),
    );
    assert.equal(Targets.length, 1);
    assert.equal(Targets[0]!.Id, 'Events-Archive-ledger-orders');
    assert.equal(Targets[0]!.Arn, 'arn:aws:events:us-east-1:::');
    assert.equal(
      JSON.parse(Targets[0]!.InputTransformer!.InputTemplate!)['archive-arn'],
      archiveArn('ledger-orders'),
    );

    // The rule is EventBridge's: a user cannot change it or take it apart.
    for (const change of [
      new PutRuleCommand({
        Name: 'Events-Archive-ledger-orders',
        EventBusName: 'ledger',
        EventPattern: '{"source":["x"]}',
      }),
      new DisableRuleCommand({ Name: 'Events-Archive-ledger-orders', EventBusName: 'ledger' }),
      new RemoveTargetsCommand({
        Rule: 'Events-Archive-ledger-orders',
        EventBusName: 'ledger',
        Ids: ['Events-Archive-ledger-orders'],
      }),
    ]) {
      await assert.rejects(events.send(change as never), { name: 'ManagedRuleException' });
    }

    // Accepted events still reach the archive once, not through the rule's target as well.
    await events.send(
      new PutEventsCommand({
        Entries: [{ Source: 'orders', DetailType: 'created', Detail: '{}', EventBusName: 'ledger' }],
      }),
    );
    await eventually(
      async () =>
        (await events.send(new DescribeArchiveCommand({ ArchiveName: 'ledger-orders' }))).EventCount === 1,
      {
        what: 'the event archived',
      },
    );

    await events.send(
      new UpdateArchiveCommand({
        ArchiveName: 'ledger-orders',
        EventPattern: JSON.stringify({ source: ['refunds'] }),
      }),
    );
    const updated = await events.send(
      new DescribeRuleCommand({ Name: 'Events-Archive-ledger-orders', EventBusName: 'ledger' }),
    );
    assert.deepEqual(JSON.parse(updated.EventPattern!), {
      source: ['refunds'],
      'replay-name': [{ exists: false }],
    });

    await events.send(new DeleteArchiveCommand({ ArchiveName: 'ledger-orders' }));
    const after = await events.send(new ListRulesCommand({ EventBusName: 'ledger' }));
    assert.deepEqual(after.Rules, []);
  });
});

describe('replays', () => {
  let chosenRule: string;
  let queues: Record<'chosen' | 'other' | 'liveOnly', { url: string; arn: string }>;
  const now = Date.now();
  const times = [now - 10 * MINUTE, now - 5 * MINUTE, now - 3 * MINUTE, now - MINUTE].map(
    (time) => new Date(Math.floor(time / 1000) * 1000),
  );

  before(async () => {
    await live.events.send(new CreateEventBusCommand({ Name: 'payments' }));
    queues = {
      chosen: await queue(live, 'replay-chosen'),
      other: await queue(live, 'replay-other'),
      liveOnly: await queue(live, 'replay-live-only'),
    };
    chosenRule = await ruleTo(live, 'payments', 'chosen', { source: ['pay'] }, queues.chosen.arn);
    await ruleTo(live, 'payments', 'other', { source: ['pay'] }, queues.other.arn);
    await ruleTo(
      live,
      'payments',
      'live-only',
      { source: ['pay'], 'replay-name': [{ exists: false }] },
      queues.liveOnly.arn,
    );
    await live.events.send(
      new CreateArchiveCommand({ ArchiveName: 'payments-archive', EventSourceArn: busArn('payments') }),
    );
    await put(
      live,
      times.map((Time, index) => ({
        EventBusName: 'payments',
        Source: 'pay',
        DetailType: 'Paid',
        Detail: JSON.stringify({ index }),
        Time,
      })),
    );
    // The live deliveries, out of the way.
    for (const { url } of Object.values(queues)) assert.equal((await drainQueue(live, url, 4)).length, 4);
  });

  test('a replay re-delivers its window with replay-name set, only through the FilterArns rules', async () => {
    const started = await live.events.send(
      new StartReplayCommand({
        ReplayName: 'chosen-only',
        Description: 'the middle of the window',
        EventSourceArn: archiveArn('payments-archive'),
        EventStartTime: new Date(times[1]!.getTime() - 1000),
        EventEndTime: new Date(times[3]!.getTime() - 1000),
        Destination: { Arn: busArn('payments'), FilterArns: [chosenRule] },
      }),
    );
    assert.equal(started.ReplayArn, `${ACCOUNT_ARN}:replay/chosen-only`);
    assert.equal(started.State, 'STARTING');
    assert.ok(started.ReplayStartTime instanceof Date);

    const replay = await replayFinished(live, 'chosen-only');
    assert.equal(replay.State, 'COMPLETED');
    assert.equal(replay.EventLastReplayedTime?.getTime(), times[2]!.getTime());
    assert.ok(replay.ReplayEndTime instanceof Date);
    assert.equal(replay.EventSourceArn, archiveArn('payments-archive'));
    assert.deepEqual(replay.Destination, { Arn: busArn('payments'), FilterArns: [chosenRule] });
    assert.equal(replay.Description, 'the middle of the window');

    const replayed = await drainQueue(live, queues.chosen.url, 2);
    assert.deepEqual(
      replayed.map((event) => [event['replay-name'], (event.detail as { index: number }).index]).sort(),
      [
        ['chosen-only', 1],
        ['chosen-only', 2],
      ],
    );
    assert.deepEqual(Object.keys(replayed[0]!), [
      'version',
      'id',
      'detail-type',
      'source',
      'account',
      'time',
      'region',
      'replay-name',
      'resources',
      'detail',
    ]);
    assert.equal(
      replayed[0]!.time,
      times[(replayed[0]!.detail as { index: number }).index]!.toISOString().replace('.000', ''),
    );
    assert.deepEqual(await holding(live, queues.other.url), []);
    assert.deepEqual(await holding(live, queues.liveOnly.url), []);

    // Replayed events are never archived again.
    const archive = await live.events.send(new DescribeArchiveCommand({ ArchiveName: 'payments-archive' }));
    assert.equal(archive.EventCount, 4);
  });

  test('without FilterArns a replay reaches every rule its events match', async () => {
    await live.events.send(
      new StartReplayCommand({
        ReplayName: 'all-rules',
        EventSourceArn: archiveArn('payments-archive'),
        EventStartTime: new Date(times[0]!.getTime() - 1000),
        EventEndTime: new Date(now + MINUTE),
        Destination: { Arn: busArn('payments') },
      }),
    );
    assert.equal((await replayFinished(live, 'all-rules')).State, 'COMPLETED');
    assert.equal((await drainQueue(live, queues.chosen.url, 4)).length, 4);
    const other = await drainQueue(live, queues.other.url, 4);
    assert.equal(other.length, 4);
    assert.ok(other.every((event) => event['replay-name'] === 'all-rules'));
    // The rule that asks for live events only (`replay-name` must not exist) gets none.
    assert.deepEqual(await holding(live, queues.liveOnly.url), []);

    const { Replays = [] } = await live.events.send(new ListReplaysCommand({ NamePrefix: 'all' }));
    assert.deepEqual(
      Replays.map((replay) => [replay.ReplayName, replay.State, replay.EventSourceArn]),
      [['all-rules', 'COMPLETED', archiveArn('payments-archive')]],
    );
    const byArchive = await live.events.send(
      new ListReplaysCommand({ EventSourceArn: archiveArn('payments-archive'), Limit: 1 }),
    );
    assert.equal(byArchive.Replays?.length, 1);
    assert.ok(byArchive.NextToken);
    const completed = await live.events.send(new ListReplaysCommand({ State: 'COMPLETED' }));
    assert.equal(completed.Replays?.length, 2);
  });

  test('StartReplay, DescribeReplay and CancelReplay refuse what AWS refuses', async () => {
    const window = { EventStartTime: new Date(now - 20 * MINUTE), EventEndTime: new Date(now) };
    const start = (input: Partial<ConstructorParameters<typeof StartReplayCommand>[0]>) =>
      live.events.send(
        new StartReplayCommand({
          ReplayName: 'refused',
          EventSourceArn: archiveArn('payments-archive'),
          Destination: { Arn: busArn('payments') },
          ...window,
          ...input,
        }),
      );
    await assert.rejects(
      start({ ReplayName: 'all-rules' }),
      (error: Error) =>
        error instanceof ResourceAlreadyExistsException &&
        error.message === 'Replay all-rules already exists.',
    );
    await assert.rejects(
      start({ EventSourceArn: archiveArn('missing') }),
      (error: Error) =>
        isValidation(error) &&
        error.message === 'Parameter EventSourceArn is not valid. Reason: Archive missing does not exist.',
    );
    await assert.rejects(
      start({ Destination: { Arn: busArn('shop') } }),
      (error: Error) =>
        isValidation(error) &&
        error.message ===
          'Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted.',
    );
    await assert.rejects(
      start({ Destination: { Arn: busArn('gone') } }),
      (error: Error) =>
        error instanceof ResourceNotFoundException && error.message === 'Event bus gone does not exist.',
    );
    await assert.rejects(
      start({ EventEndTime: window.EventStartTime }),
      (error: Error) =>
        isValidation(error) &&
        error.message ===
          'Parameter EventEndTime is not valid. Reason: EventStartTime must be before EventEndTime.',
    );
    await assert.rejects(
      start({ Destination: { Arn: busArn('payments'), FilterArns: [`${ACCOUNT_ARN}:rule/payments/none`] } }),
      ResourceNotFoundException,
    );
    await assert.rejects(
      start({ ReplayName: 'no spaces' }),
      (error: Error) => isValidation(error) && /at 'replayName'/.test(error.message),
    );
    await assert.rejects(
      live.events.send(new DescribeReplayCommand({ ReplayName: 'never' })),
      (error: Error) =>
        error instanceof ResourceNotFoundException && error.message === 'Replay never does not exist.',
    );
    await assert.rejects(
      live.events.send(new CancelReplayCommand({ ReplayName: 'all-rules' })),
      (error: Error) =>
        error instanceof IllegalStatusException &&
        error.message === 'Replay all-rules is not in a valid state for this operation.',
    );
    await assert.rejects(
      live.events.send(new ListReplaysCommand({ State: 'DONE' as never })),
      (error: Error) => isValidation(error) && /enum value set/.test(error.message),
    );
  });
});

describe('replays on a manual clock', () => {
  let target: { url: string; arn: string };
  const window = {
    EventStartTime: new Date(Date.UTC(2024, 11, 31)),
    EventEndTime: new Date(Date.UTC(2025, 0, 2)),
  };

  before(async () => {
    target = await queue(timed, 'timed-target');
    await ruleTo(timed, 'default', 'timed-rule', { source: ['clocked'] }, target.arn);
    await timed.events.send(
      new CreateArchiveCommand({ ArchiveName: 'timed', EventSourceArn: busArn('default'), RetentionDays: 1 }),
    );
    await put(timed, [{ Source: 'clocked', DetailType: 'tick', Detail: '{}' }]);
    assert.equal((await drainQueue(timed, target.url, 1)).length, 1);
  });

  test('a cancelled replay stops before its next batch', async () => {
    await timed.events.send(
      new StartReplayCommand({
        ReplayName: 'to-cancel',
        EventSourceArn: archiveArn('timed'),
        Destination: { Arn: busArn('default') },
        ...window,
      }),
    );
    const cancelling = await timed.events.send(new CancelReplayCommand({ ReplayName: 'to-cancel' }));
    assert.equal(cancelling.State, 'CANCELLING');
    assert.equal(cancelling.ReplayArn, `${ACCOUNT_ARN}:replay/to-cancel`);
    await assert.rejects(
      timed.events.send(new CancelReplayCommand({ ReplayName: 'to-cancel' })),
      IllegalStatusException,
    );
    await runTimers();
    const cancelled = await timed.events.send(new DescribeReplayCommand({ ReplayName: 'to-cancel' }));
    assert.equal(cancelled.State, 'CANCELLED');
    assert.equal(cancelled.EventLastReplayedTime, undefined);
    assert.deepEqual(await holding(timed, target.url), []);
  });

  test('at most 10 replays are active at once', async () => {
    for (let index = 0; index < 10; index++) {
      await timed.events.send(
        new StartReplayCommand({
          ReplayName: `busy-${index}`,
          EventSourceArn: archiveArn('timed'),
          Destination: { Arn: busArn('default') },
          ...window,
        }),
      );
    }
    await assert.rejects(
      timed.events.send(
        new StartReplayCommand({
          ReplayName: 'one-too-many',
          EventSourceArn: archiveArn('timed'),
          Destination: { Arn: busArn('default') },
          ...window,
        }),
      ),
      LimitExceededException,
    );
    const running = await timed.events.send(new ListReplaysCommand({ State: 'STARTING' }));
    assert.equal(running.Replays?.length, 10);
    await runTimers();
    const done = await timed.events.send(new ListReplaysCommand({ NamePrefix: 'busy-' }));
    assert.ok(done.Replays?.every((replay) => replay.State === 'COMPLETED'));
    assert.equal((await drainQueue(timed, target.url, 10)).length, 10);
  });

  test('a replay whose archive is deleted fails with the reason', async () => {
    await timed.events.send(
      new CreateArchiveCommand({ ArchiveName: 'doomed', EventSourceArn: busArn('default') }),
    );
    await timed.events.send(
      new StartReplayCommand({
        ReplayName: 'orphaned',
        EventSourceArn: archiveArn('doomed'),
        Destination: { Arn: busArn('default') },
        ...window,
      }),
    );
    await timed.events.send(new DeleteArchiveCommand({ ArchiveName: 'doomed' }));
    await runTimers();
    const failed = await timed.events.send(new DescribeReplayCommand({ ReplayName: 'orphaned' }));
    assert.equal(failed.State, 'FAILED');
    assert.equal(failed.StateReason, 'Archive doomed does not exist.');
    assert.ok(failed.ReplayEndTime instanceof Date);
  });

  test('events older than the retention are swept out of the archive', async () => {
    const before = await timed.events.send(new DescribeArchiveCommand({ ArchiveName: 'timed' }));
    assert.equal(before.EventCount, 1);
    for (let hour = 0; hour < 26; hour++) await runTimers(3_600_000);
    const after = await timed.events.send(new DescribeArchiveCommand({ ArchiveName: 'timed' }));
    assert.equal(after.EventCount, 0);
    assert.equal(after.SizeBytes, 0);
  });
});

test('a replay started before a restart completes after it', async () => {
  const dataDir = tempDataDir();
  const stopped = new ManualClock(Date.UTC(2025, 5, 1));
  const first = clients(await startTestEddy({ dataDir, clock: stopped }));
  const target = await queue(first, 'restart-target');
  await ruleTo(first, 'default', 'restart-rule', { source: ['durable'] }, target.arn);
  await first.events.send(
    new CreateArchiveCommand({ ArchiveName: 'kept', EventSourceArn: busArn('default') }),
  );
  await put(first, [
    { Source: 'durable', DetailType: 'a', Detail: '{}' },
    { Source: 'durable', DetailType: 'b', Detail: '{}' },
  ]);
  assert.equal((await drainQueue(first, target.url, 2)).length, 2);
  await first.events.send(
    new StartReplayCommand({
      ReplayName: 'across-restart',
      EventSourceArn: archiveArn('kept'),
      EventStartTime: new Date(Date.UTC(2025, 4, 31)),
      EventEndTime: new Date(Date.UTC(2025, 5, 2)),
      Destination: { Arn: busArn('default') },
    }),
  );
  await first.eddy.stop();

  const second = clients(await startTestEddy({ dataDir }));
  try {
    const replay = await replayFinished(second, 'across-restart');
    assert.equal(replay.State, 'COMPLETED');
    const replayed = await drainQueue(second, target.url, 2);
    assert.deepEqual(
      replayed.map((event) => event['replay-name']),
      ['across-restart', 'across-restart'],
    );
  } finally {
    await second.eddy.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

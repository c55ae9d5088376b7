// The event bus through @aws-sdk/client-eventbridge and @aws-sdk/client-sqs against a real server:
// buses, rules, targets, delivery to queues with input transformation, retries and dead letters.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  FilterLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateEventBusCommand,
  DeleteEventBusCommand,
  DeleteRuleCommand,
  DescribeEventBusCommand,
  DescribeRuleCommand,
  DisableRuleCommand,
  EnableRuleCommand,
  EventBridgeClient,
  InvalidEventPatternException,
  LimitExceededException,
  ListEventBusesCommand,
  ListRuleNamesByTargetCommand,
  ListRulesCommand,
  ListTagsForResourceCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  TagResourceCommand,
  TestEventPatternCommand,
  UpdateEventBusCommand,
} from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DeliveryError, ManualClock } from '../src/runtime/index.ts';
import type { EventTrace } from '../src/services/events/traces.ts';
import { startTestEddy, TEST_ACCOUNT, TEST_REGION, type TestEddy } from './harness.ts';
import { eventually, queueWithArn, receiveAll, traceOf as traceAt } from './helpers.ts';

let eddy: TestEddy;
let events: EventBridgeClient;
let sqs: SQSClient;
/** A test-only target kind: fails the first `failures` deliveries of each event, then accepts. */
const flaky = { failures: 2, seen: new Map<string, number>() };

const queue = (name: string, attributes: Record<string, string> = {}) => queueWithArn(sqs, name, attributes);

const isValidation = (error: Error) => error.name === 'ValidationException';
const traceOf = (id: string): Promise<EventTrace> => traceAt(eddy.url, id);

const put = (
  entries: Array<{ Source: string; DetailType: string; Detail: string; EventBusName?: string; Time?: Date }>,
) => events.send(new PutEventsCommand({ Entries: entries }));

before(async () => {
  // Retries run on the clock: first after deliveryRetry.firstMs (1 s here), doubling, ±20 %.
  eddy = await startTestEddy({
    clock: new ManualClock(Date.UTC(2025, 0, 1)),
    config: { deliveryRetry: { firstMs: 1_000, capMs: 60_000 } },
    beforeStart(runtime) {
      runtime.targets.register('lambda', async (_arn, delivery) => {
        const id = (JSON.parse(delivery.body) as { id: string }).id;
        const attempts = (flaky.seen.get(id) ?? 0) + 1;
        flaky.seen.set(id, attempts);
        if (attempts <= flaky.failures)
          throw new DeliveryError('ServiceUnavailable', `attempt ${attempts} fails`, true);
        return {};
      });
    },
  });
  events = eddy.client(EventBridgeClient);
  sqs = eddy.client(SQSClient);
});
after(() => eddy.stop());

describe('buses', () => {
  test('the default bus exists; custom buses are created, described, updated, listed and deleted', async () => {
    const described = await events.send(new DescribeEventBusCommand({}));
    assert.equal(described.Name, 'default');
    assert.equal(described.Arn, 'arn:aws:events:us-east-1:000000000000:event-bus/default');
    const { EventBusArn } = await events.send(
      new CreateEventBusCommand({
        Name: 'orders',
        Description: 'order events',
        Tags: [{ Key: 'team', Value: 'a' }],
      }),
    );
    assert.equal(EventBusArn, 'arn:aws:events:us-east-1:000000000000:event-bus/orders');
    await assert.rejects(
      events.send(new CreateEventBusCommand({ Name: 'orders' })),
      ResourceAlreadyExistsException,
    );
    await events.send(new UpdateEventBusCommand({ Name: 'orders', Description: 'changed' }));
    const orders = await events.send(new DescribeEventBusCommand({ Name: EventBusArn }));
    assert.equal(orders.Description, 'changed');
    assert.ok(orders.CreationTime instanceof Date);
    const { EventBuses } = await events.send(new ListEventBusesCommand({ NamePrefix: 'ord' }));
    assert.deepEqual(
      EventBuses?.map((bus) => bus.Name),
      ['orders'],
    );
    const { Tags } = await events.send(new ListTagsForResourceCommand({ ResourceARN: EventBusArn }));
    assert.deepEqual(Tags, [{ Key: 'team', Value: 'a' }]);
    await events.send(new DeleteEventBusCommand({ Name: 'orders' }));
    await assert.rejects(
      events.send(new DescribeEventBusCommand({ Name: 'orders' })),
      ResourceNotFoundException,
    );
    await assert.rejects(events.send(new DeleteEventBusCommand({ Name: 'default' })), isValidation);
  });
});

describe('rules and targets', () => {
  test('rules are put, described, listed, disabled and deleted with AWS errors', async () => {
    const { RuleArn } = await events.send(
      new PutRuleCommand({
        Name: 'r1',
        EventPattern: JSON.stringify({ source: ['com.flix'] }),
        Description: 'd',
      }),
    );
    assert.equal(RuleArn, 'arn:aws:events:us-east-1:000000000000:rule/r1');
    const rule = await events.send(new DescribeRuleCommand({ Name: 'r1' }));
    assert.equal(rule.State, 'ENABLED');
    assert.equal(rule.EventBusName, 'default');
    await events.send(new DisableRuleCommand({ Name: 'r1' }));
    assert.equal((await events.send(new DescribeRuleCommand({ Name: 'r1' }))).State, 'DISABLED');
    await events.send(new EnableRuleCommand({ Name: 'r1' }));
    const { Rules } = await events.send(new ListRulesCommand({ NamePrefix: 'r1' }));
    assert.deepEqual(
      Rules?.map((item) => item.Name),
      ['r1'],
    );
    await assert.rejects(
      events.send(new PutRuleCommand({ Name: 'bad', EventPattern: '{"source": ["a"] "x": 1}' })),
      InvalidEventPatternException,
    );
    await assert.rejects(events.send(new PutRuleCommand({ Name: 'neither' })), isValidation);
    await assert.rejects(
      events.send(new DescribeRuleCommand({ Name: 'missing' })),
      ResourceNotFoundException,
    );

    const target = await queue('rule-target');
    await events.send(new PutTargetsCommand({ Rule: 'r1', Targets: [{ Id: 't1', Arn: target.arn }] }));
    const { Targets } = await events.send(new ListTargetsByRuleCommand({ Rule: 'r1' }));
    assert.deepEqual(
      Targets?.map((item) => item.Id),
      ['t1'],
    );
    const { RuleNames } = await events.send(new ListRuleNamesByTargetCommand({ TargetArn: target.arn }));
    assert.deepEqual(RuleNames, ['r1']);
    await assert.rejects(events.send(new DeleteRuleCommand({ Name: 'r1' })), isValidation);
    const six = Array.from({ length: 6 }, (_, index) => ({ Id: `t${index}`, Arn: target.arn }));
    await assert.rejects(
      events.send(new PutTargetsCommand({ Rule: 'r1', Targets: six })),
      LimitExceededException,
    );
    const invalid = await events.send(
      new PutTargetsCommand({
        Rule: 'r1',
        Targets: [{ Id: 'bad', Arn: target.arn, Input: '{}', InputPath: '$.detail' }],
      }),
    );
    assert.equal(invalid.FailedEntryCount, 1);
    assert.equal(invalid.FailedEntries?.[0]?.ErrorCode, 'ValidationException');
    // An ARN that is no ARN fails the request, not an entry.
    await assert.rejects(
      events.send(
        new PutTargetsCommand({
          Rule: 'r1',
          Targets: [
            { Id: 'fine', Arn: target.arn },
            { Id: 'x', Arn: 'not-an-arn' },
          ],
        }),
      ),
      (error: Error) =>
        isValidation(error) &&
        error.message === 'Parameter not-an-arn is not valid. Reason: Provided Arn is not in correct format.',
    );
    await events.send(new RemoveTargetsCommand({ Rule: 'r1', Ids: ['t1'] }));
    await events.send(new DeleteRuleCommand({ Name: 'r1' }));
    const ruleArn = `arn:aws:events:${TEST_REGION}:${TEST_ACCOUNT}:rule/r1`;
    await assert.rejects(
      events.send(new TagResourceCommand({ ResourceARN: ruleArn, Tags: [{ Key: 'k', Value: 'v' }] })),
      (error: Error) =>
        error.name === 'ResourceNotFoundException' &&
        error.message === 'Rule r1 does not exist on EventBus default.',
    );
    await events.send(
      new TagResourceCommand({
        ResourceARN: (await events.send(new DescribeEventBusCommand({}))).Arn,
        Tags: [{ Key: 'k', Value: 'v' }],
      }),
    );
  });

  test('TestEventPattern answers with the pattern module', async () => {
    const event = JSON.stringify({
      id: '1',
      account: '123456789012',
      source: 'com.flix',
      time: '2026-01-01T00:00:00Z',
      region: 'us-east-1',
      'detail-type': 'ChannelCreated',
      resources: [],
      detail: { data: { region: 'AU' } },
    });
    const pattern = (regions: string[]) =>
      JSON.stringify({ source: ['com.flix'], detail: { data: { region: regions } } });
    assert.equal(
      (await events.send(new TestEventPatternCommand({ EventPattern: pattern(['AU', 'NZ']), Event: event })))
        .Result,
      true,
    );
    assert.equal(
      (await events.send(new TestEventPatternCommand({ EventPattern: pattern(['EU']), Event: event })))
        .Result,
      false,
    );
  });
});

describe('delivery', () => {
  test('PutEvents reports per-entry results and delivers the envelope to matching rules only', async () => {
    const target = await queue('flix-au');
    await events.send(
      new PutRuleCommand({
        Name: 'au-channels',
        EventPattern: JSON.stringify({ source: ['com.flix'], detail: { data: { region: ['AU', 'NZ'] } } }),
      }),
    );
    await events.send(
      new PutTargetsCommand({ Rule: 'au-channels', Targets: [{ Id: 'q', Arn: target.arn }] }),
    );
    const result = await put([
      {
        Source: 'com.flix',
        DetailType: 'ChannelCreated',
        Detail: JSON.stringify({ data: { region: 'AU', name: 'one' } }),
      },
      {
        Source: 'com.flix',
        DetailType: 'ChannelCreated',
        Detail: JSON.stringify({ data: { region: 'EU', name: 'two' } }),
      },
      { Source: 'com.flix', DetailType: 'ChannelCreated', Detail: '[1, 2]' },
      { Source: 'aws.ec2', DetailType: 'x', Detail: '{}' },
    ]);
    assert.equal(result.FailedEntryCount, 2);
    assert.equal(result.Entries?.[2]?.ErrorCode, 'MalformedDetail');
    assert.equal(result.Entries?.[3]?.ErrorCode, 'NotAuthorizedForSourceException');
    const [message, ...rest] = await receiveAll(sqs, target.url, 1);
    assert.equal(rest.length, 0);
    const envelope = JSON.parse(message!.Body!);
    assert.equal(envelope.id, result.Entries?.[0]?.EventId);
    assert.equal(envelope['detail-type'], 'ChannelCreated');
    assert.equal(envelope.source, 'com.flix');
    assert.equal(envelope.account, '000000000000');
    assert.equal(envelope.region, 'us-east-1');
    assert.deepEqual(envelope.resources, []);
    assert.deepEqual(envelope.detail, { data: { region: 'AU', name: 'one' } });
    assert.match(envelope.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const trace = await traceOf(envelope.id);
    assert.deepEqual(trace.matchedRules, ['arn:aws:events:us-east-1:000000000000:rule/au-channels']);
    assert.equal(trace.attempts[0]?.outcome, 'delivered');
  });

  test('Input, InputPath and InputTransformer shape what each target receives', async () => {
    const constant = await queue('shape-constant');
    const path = await queue('shape-path');
    const template = await queue('shape-template');
    await events.send(
      new PutRuleCommand({ Name: 'shapes', EventPattern: JSON.stringify({ source: ['shapes'] }) }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: 'shapes',
        Targets: [
          { Id: 'constant', Arn: constant.arn, Input: '{"fixed":1}' },
          { Id: 'path', Arn: path.arn, InputPath: '$.detail.order' },
          {
            Id: 'template',
            Arn: template.arn,
            InputTransformer: {
              InputPathsMap: { id: '$.detail.order.id', total: '$.detail.order.total' },
              InputTemplate: '{"order": "<id>", "total": <total>, "rule": "<aws.events.rule-name>"}',
            },
          },
        ],
      }),
    );
    await put([
      {
        Source: 'shapes',
        DetailType: 'OrderPlaced',
        Detail: JSON.stringify({ order: { id: 'o-1', total: 12.5 } }),
      },
    ]);
    assert.equal((await receiveAll(sqs, constant.url, 1))[0]?.Body, '{"fixed":1}');
    assert.deepEqual(JSON.parse((await receiveAll(sqs, path.url, 1))[0]!.Body!), { id: 'o-1', total: 12.5 });
    assert.deepEqual(JSON.parse((await receiveAll(sqs, template.url, 1))[0]!.Body!), {
      order: 'o-1',
      total: 12.5,
      rule: 'shapes',
    });
  });

  test('FIFO queue targets get the message group from SqsParameters', async () => {
    const fifo = await queue('ordered.fifo', { FifoQueue: 'true' });
    await events.send(
      new PutRuleCommand({ Name: 'to-fifo', EventPattern: JSON.stringify({ source: ['fifo'] }) }),
    );
    const missing = await events.send(
      new PutTargetsCommand({ Rule: 'to-fifo', Targets: [{ Id: 'f', Arn: fifo.arn }] }),
    );
    assert.equal(missing.FailedEntryCount, 1);
    await events.send(
      new PutTargetsCommand({
        Rule: 'to-fifo',
        Targets: [{ Id: 'f', Arn: fifo.arn, SqsParameters: { MessageGroupId: 'g1' } }],
      }),
    );
    await put([1, 2, 3].map((n) => ({ Source: 'fifo', DetailType: 'n', Detail: JSON.stringify({ n }) })));
    const received = await receiveAll(sqs, fifo.url, 3);
    assert.deepEqual(
      received.map((message) => JSON.parse(message.Body!).detail.n),
      [1, 2, 3],
    );
  });

  test('a failing target is retried with back-off until it accepts', async () => {
    await events.send(
      new PutRuleCommand({ Name: 'flaky', EventPattern: JSON.stringify({ source: ['flaky'] }) }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: 'flaky',
        Targets: [{ Id: 'fn', Arn: 'arn:aws:lambda:us-east-1:000000000000:function:flaky' }],
      }),
    );
    const { Entries } = await put([{ Source: 'flaky', DetailType: 't', Detail: '{}' }]);
    const id = Entries![0]!.EventId!;
    // Each attempt is traced in the transaction that schedules the next retry: the clock moves only
    // once it shows, or the retry would be scheduled from the moved time.
    const attemptsTraced = (count: number) =>
      eventually(async () => (await traceOf(id)).attempts.length === count);
    await attemptsTraced(1);
    // The first retry comes 1 s (±20 %) after the first attempt, the second twice as long after it.
    await eddy.advance(799);
    assert.equal(flaky.seen.get(id), 1, 'no retry before 0.8 s');
    await eddy.advance(401);
    await attemptsTraced(2);
    assert.equal(flaky.seen.get(id), 2);
    await eddy.advance(1_599);
    assert.equal(flaky.seen.get(id), 2, 'the second retry waits at least 1.6 s: the back-off doubled');
    await eddy.advance(801);
    await attemptsTraced(3);
    assert.equal(flaky.seen.get(id), 3);
    const trace = await traceOf(id);
    assert.deepEqual(
      trace.attempts.map((attempt: { outcome: string }) => attempt.outcome),
      ['retrying', 'retrying', 'delivered'],
    );
  });

  test('when retries run out the event goes to the dead-letter queue with the error attached', async () => {
    const dlq = await queue('rule-dlq');
    await events.send(
      new PutRuleCommand({ Name: 'doomed', EventPattern: JSON.stringify({ source: ['doomed'] }) }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: 'doomed',
        Targets: [
          {
            Id: 'gone',
            Arn: 'arn:aws:sqs:us-east-1:000000000000:no-such-queue',
            DeadLetterConfig: { Arn: dlq.arn },
            RetryPolicy: { MaximumRetryAttempts: 2 },
          },
        ],
      }),
    );
    const { Entries } = await put([{ Source: 'doomed', DetailType: 't', Detail: '{"x":1}' }]);
    const [message] = await receiveAll(sqs, dlq.url, 1);
    assert.equal(JSON.parse(message!.Body!).id, Entries![0]!.EventId);
    const attributes = message!.MessageAttributes!;
    assert.equal(attributes.RULE_ARN?.StringValue, 'arn:aws:events:us-east-1:000000000000:rule/doomed');
    assert.equal(attributes.TARGET_ARN?.StringValue, 'arn:aws:sqs:us-east-1:000000000000:no-such-queue');
    assert.equal(attributes.ERROR_CODE?.StringValue, 'QueueDoesNotExist');
    assert.ok(attributes.ERROR_MESSAGE?.StringValue);
  });

  test('a rule can send events on to another bus', async () => {
    await events.send(new CreateEventBusCommand({ Name: 'downstream' }));
    const target = await queue('downstream-q');
    await events.send(
      new PutRuleCommand({
        Name: 'on-downstream',
        EventBusName: 'downstream',
        EventPattern: JSON.stringify({ source: ['relay'] }),
      }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: 'on-downstream',
        EventBusName: 'downstream',
        Targets: [{ Id: 'q', Arn: target.arn }],
      }),
    );
    await events.send(
      new PutRuleCommand({ Name: 'relay', EventPattern: JSON.stringify({ source: ['relay'] }) }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: 'relay',
        Targets: [{ Id: 'bus', Arn: 'arn:aws:events:us-east-1:000000000000:event-bus/downstream' }],
      }),
    );
    const { Entries } = await put([{ Source: 'relay', DetailType: 't', Detail: '{}' }]);
    const [message] = await receiveAll(sqs, target.url, 1);
    assert.equal(JSON.parse(message!.Body!).id, Entries![0]!.EventId);
  });

  test('a log group target gets each event in a stream named by its id, stamped with its time', async () => {
    const logs = eddy.client(CloudWatchLogsClient);
    const group = '/aws/events/audit';
    await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
    await events.send(
      new PutRuleCommand({ Name: 'audit', EventPattern: JSON.stringify({ source: ['audit'] }) }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: 'audit',
        Targets: [{ Id: 'log', Arn: `arn:aws:logs:us-east-1:000000000000:log-group:${group}:*` }],
      }),
    );
    const time = new Date(Date.UTC(2024, 11, 31, 23, 0, 7)); // an hour before the test's clock
    const { Entries } = await put([
      { Source: 'audit', DetailType: 'login', Detail: '{"user":"ada"}', Time: time },
    ]);
    const eventId = Entries![0]!.EventId!;
    const written = await eventually(async () => {
      await eddy.advance(100); // the log writer commits its batch on the clock
      const found = await logs.send(new FilterLogEventsCommand({ logGroupName: group }));
      return found.events?.length ? found.events : false;
    });
    assert.equal(written.length, 1);
    assert.equal(written[0]!.logStreamName, eventId);
    assert.equal(written[0]!.timestamp, time.getTime());
    const envelope = JSON.parse(written[0]!.message!);
    assert.equal(envelope.id, eventId);
    assert.deepEqual(envelope.detail, { user: 'ada' });
    logs.destroy();
  });
});

// ListRuleNamesByTarget: the rules of one bus that send to a target, by name, a page at a time.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  CreateEventBusCommand,
  EventBridgeClient,
  ListRuleNamesByTargetCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { startTestEddy, TEST_ACCOUNT, type TestEddy } from './harness.ts';

let eddy: TestEddy;
let events: EventBridgeClient;

before(async () => {
  eddy = await startTestEddy();
  events = eddy.client(EventBridgeClient);
});
after(() => eddy.stop());

const QUEUE = `arn:aws:sqs:us-east-1:${TEST_ACCOUNT}:names-target`;
const OTHER_QUEUE = `arn:aws:sqs:us-east-1:${TEST_ACCOUNT}:elsewhere`;

test('names the rules of the bus that target the ARN, sorted, a page of Limit at a time', async () => {
  await events.send(new CreateEventBusCommand({ Name: 'named' }));
  for (const [index, arn] of [QUEUE, QUEUE, OTHER_QUEUE, QUEUE, QUEUE, QUEUE].entries()) {
    const Name = `rule-${index}`;
    await events.send(
      new PutRuleCommand({ Name, EventBusName: 'named', EventPattern: JSON.stringify({ source: ['x'] }) }),
    );
    await events.send(
      new PutTargetsCommand({ Rule: Name, EventBusName: 'named', Targets: [{ Id: 't', Arn: arn }] }),
    );
  }
  const pages: string[][] = [];
  let NextToken: string | undefined;
  do {
    const page = await events.send(
      new ListRuleNamesByTargetCommand({ TargetArn: QUEUE, EventBusName: 'named', Limit: 2, NextToken }),
    );
    pages.push(page.RuleNames ?? []);
    NextToken = page.NextToken;
  } while (NextToken);
  assert.deepEqual(pages, [['rule-0', 'rule-1'], ['rule-3', 'rule-4'], ['rule-5']]);
  assert.deepEqual(
    (await events.send(new ListRuleNamesByTargetCommand({ TargetArn: OTHER_QUEUE, EventBusName: 'named' })))
      .RuleNames,
    ['rule-2'],
  );
  assert.deepEqual(
    (await events.send(new ListRuleNamesByTargetCommand({ TargetArn: QUEUE }))).RuleNames,
    [],
    'the default bus has no such rule',
  );
});

// A bus's resource policy through PutPermission and RemovePermission, as EventBridge shapes it and
// DescribeEventBus shows it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateEventBusCommand,
  DescribeEventBusCommand,
  EventBridgeClient,
  ListEventBusesCommand,
  PutPermissionCommand,
  RemovePermissionCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-eventbridge';
import { startTestEddy, TEST_ACCOUNT, type TestEddy } from './harness.ts';

let eddy: TestEddy;
let events: EventBridgeClient;

before(async () => {
  eddy = await startTestEddy();
  events = eddy.client(EventBridgeClient);
});
after(() => eddy.stop());

const OTHER = '111122223333';

async function policyOf(Name: string) {
  const { Policy } = await events.send(new DescribeEventBusCommand({ Name }));
  return Policy === undefined ? undefined : (JSON.parse(Policy) as Record<string, unknown>);
}

async function rejectsWith(promise: Promise<unknown>, name: string, message: string) {
  await assert.rejects(promise, (error: Error) => {
    assert.equal(error.name, name);
    assert.equal(error.message, message);
    return true;
  });
}

describe('PutPermission', () => {
  test('adds a statement per StatementId; the same id again replaces it; * and organizations too', async () => {
    const { EventBusArn } = await events.send(new CreateEventBusCommand({ Name: 'shared' }));
    const put = (input: object) =>
      events.send(new PutPermissionCommand({ EventBusName: 'shared', Action: 'events:PutEvents', ...input }));
    await put({ Principal: TEST_ACCOUNT, StatementId: 'mine' });
    await put({ Principal: OTHER, StatementId: 'theirs' });
    await put({ Principal: OTHER, StatementId: 'mine' });
    await put({
      Principal: '*',
      StatementId: 'org',
      Condition: { Type: 'StringEquals', Key: 'aws:PrincipalOrgID', Value: 'o-1234567890' },
    });
    const statement = (Sid: string, Principal: unknown, extra: object = {}) => ({
      Sid,
      Effect: 'Allow',
      Principal,
      Action: 'events:PutEvents',
      Resource: EventBusArn,
      ...extra,
    });
    assert.deepEqual(await policyOf('shared'), {
      Version: '2012-10-17',
      Statement: [
        statement('mine', { AWS: `arn:aws:iam::${OTHER}:root` }),
        statement('theirs', { AWS: `arn:aws:iam::${OTHER}:root` }),
        statement('org', '*', { Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-1234567890' } } }),
      ],
    });
    const { EventBuses } = await events.send(new ListEventBusesCommand({ NamePrefix: 'shared' }));
    assert.deepEqual(JSON.parse(EventBuses?.[0]?.Policy ?? '{}'), await policyOf('shared'));
  });

  test('a whole policy document replaces every statement, on the default bus too', async () => {
    await events.send(
      new PutPermissionCommand({ Action: 'events:PutEvents', Principal: OTHER, StatementId: 'a' }),
    );
    const document = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'service',
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'events:ListRules',
          Resource: '*',
        },
      ],
    };
    await events.send(new PutPermissionCommand({ Policy: JSON.stringify(document) }));
    assert.deepEqual(await policyOf('default'), document);
    await rejectsWith(
      events.send(new PutPermissionCommand({ Policy: '{"Statement": [' })),
      'ValidationException',
      'Parameter Policy is not valid. Reason: Policy is not valid JSON.',
    );
  });

  test('refuses other actions, a condition without *, and a bus that does not exist', async () => {
    await rejectsWith(
      events.send(new PutPermissionCommand({ Action: 'events:PutRule', Principal: OTHER, StatementId: 'x' })),
      'ValidationException',
      "Provided value in parameter 'action' is not supported.",
    );
    await rejectsWith(
      events.send(
        new PutPermissionCommand({
          Action: 'events:PutEvents',
          Principal: OTHER,
          StatementId: 'x',
          Condition: { Type: 'StringEquals', Key: 'aws:PrincipalOrgID', Value: 'o-1' },
        }),
      ),
      'ValidationException',
      "Value of the parameter 'principal' must be '*' when the parameter 'condition' is set.",
    );
    await assert.rejects(
      events.send(
        new PutPermissionCommand({ Action: 'events:PutEvents', Principal: 'someone', StatementId: 'x' }),
      ),
      (error: Error) => error.name === 'ValidationException' && /at 'principal'/.test(error.message),
    );
    await rejectsWith(
      events.send(
        new PutPermissionCommand({
          EventBusName: 'nowhere',
          Action: 'events:PutEvents',
          Principal: '*',
          StatementId: 'x',
        }),
      ),
      'ResourceNotFoundException',
      'Event bus nowhere does not exist.',
    );
  });
});

describe('RemovePermission', () => {
  test('takes one statement away, or all of them', async () => {
    await events.send(new CreateEventBusCommand({ Name: 'closing' }));
    for (const [StatementId, Principal] of [
      ['first', TEST_ACCOUNT],
      ['second', OTHER],
    ] as const) {
      await events.send(
        new PutPermissionCommand({
          EventBusName: 'closing',
          Action: 'events:PutEvents',
          Principal,
          StatementId,
        }),
      );
    }
    await events.send(new RemovePermissionCommand({ EventBusName: 'closing', StatementId: 'first' }));
    assert.deepEqual(
      ((await policyOf('closing'))!.Statement as Array<{ Sid: string }>).map((statement) => statement.Sid),
      ['second'],
    );
    const before = (await events.send(new DescribeEventBusCommand({ Name: 'closing' }))).LastModifiedTime;
    await events.send(new RemovePermissionCommand({ EventBusName: 'closing', RemoveAllPermissions: true }));
    const after = await events.send(new DescribeEventBusCommand({ Name: 'closing' }));
    assert.equal(after.Policy, undefined);
    assert.ok(after.LastModifiedTime! >= before!);
  });

  test('refuses a statement id that is not there, with a policy or without', async () => {
    await events.send(new CreateEventBusCommand({ Name: 'open' }));
    const remove = () =>
      events.send(new RemovePermissionCommand({ EventBusName: 'open', StatementId: 'non-existing-sid' }));
    await rejectsWith(remove(), 'ResourceNotFoundException', 'EventBus does not have a policy.');
    await events.send(
      new PutPermissionCommand({
        EventBusName: 'open',
        Action: 'events:PutEvents',
        Principal: OTHER,
        StatementId: 's',
      }),
    );
    await rejectsWith(
      remove(),
      'ResourceNotFoundException',
      'Statement with the provided id does not exist.',
    );
    await events.send(new RemovePermissionCommand({ EventBusName: 'open', RemoveAllPermissions: true }));
    await assert.rejects(
      events.send(new RemovePermissionCommand({ EventBusName: 'open', RemoveAllPermissions: true })),
      ResourceNotFoundException,
    );
  });
});

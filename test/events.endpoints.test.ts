// Global endpoints through @aws-sdk/client-eventbridge: kept with their routing, replication and
// buses, shown ACTIVE; and partner event sources, of which eddy's accounts have none.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ActivateEventSourceCommand,
  CreateEndpointCommand,
  type CreateEndpointCommandInput,
  CreateEventBusCommand,
  CreatePartnerEventSourceCommand,
  DeactivateEventSourceCommand,
  DeleteEndpointCommand,
  DeletePartnerEventSourceCommand,
  DescribeEndpointCommand,
  DescribeEventSourceCommand,
  DescribePartnerEventSourceCommand,
  EventBridgeClient,
  ListEndpointsCommand,
  ListEventSourcesCommand,
  ListPartnerEventSourceAccountsCommand,
  ListPartnerEventSourcesCommand,
  PutPartnerEventsCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  UpdateEndpointCommand,
} from '@aws-sdk/client-eventbridge';
import { startTestEddy, TEST_ACCOUNT, type TestEddy } from './harness.ts';

let eddy: TestEddy;
let events: EventBridgeClient;

before(async () => {
  eddy = await startTestEddy();
  events = eddy.client(EventBridgeClient);
});
after(() => eddy.stop());

const bus = (region: string, name = 'orders') => ({
  EventBusArn: `arn:aws:events:${region}:${TEST_ACCOUNT}:event-bus/${name}`,
});
const HEALTH_CHECK = 'arn:aws:route53:::healthcheck/5a3a6f26-7f5e-4a49-bb5b-1d1c5b1a2f00';
const ROLE = `arn:aws:iam::${TEST_ACCOUNT}:role/replication`;

function endpoint(Name: string, extra: Partial<CreateEndpointCommandInput> = {}): CreateEndpointCommandInput {
  return {
    Name,
    RoutingConfig: {
      FailoverConfig: { Primary: { HealthCheck: HEALTH_CHECK }, Secondary: { Route: 'us-west-2' } },
    },
    EventBuses: [bus('us-east-1'), bus('us-west-2')],
    RoleArn: ROLE,
    ...extra,
  };
}

async function rejectsWith(promise: Promise<unknown>, name: string, message: string | RegExp) {
  await assert.rejects(promise, (error: Error) => {
    assert.equal(error.name, name);
    if (typeof message === 'string') assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  });
}

describe('global endpoints', () => {
  test('are created, described, listed, updated and deleted', async () => {
    const created = await events.send(new CreateEndpointCommand(endpoint('orders-endpoint')));
    assert.equal(created.Arn, `arn:aws:events:us-east-1:${TEST_ACCOUNT}:endpoint/orders-endpoint`);
    assert.equal(created.State, 'ACTIVE');
    assert.deepEqual(created.ReplicationConfig, { State: 'ENABLED' });
    const described = await events.send(new DescribeEndpointCommand({ Name: 'orders-endpoint' }));
    assert.match(described.EndpointId!, /^[a-z0-9]{10}\.[a-z0-9]{3}$/);
    assert.equal(described.EndpointUrl, `https://${described.EndpointId}.endpoint.events.amazonaws.com`);
    assert.deepEqual(described.EventBuses, [bus('us-east-1'), bus('us-west-2')]);
    assert.equal(described.RoutingConfig?.FailoverConfig?.Primary?.HealthCheck, HEALTH_CHECK);
    assert.ok(described.CreationTime instanceof Date);

    await events.send(
      new CreateEndpointCommand(
        endpoint('payments-endpoint', {
          EventBuses: [bus('us-east-1', 'payments'), bus('us-west-2', 'payments')],
          ReplicationConfig: { State: 'DISABLED' },
          RoleArn: undefined,
        }),
      ),
    );
    const { Endpoints } = await events.send(new ListEndpointsCommand({}));
    assert.deepEqual(
      Endpoints?.map((item) => item.Name),
      ['orders-endpoint', 'payments-endpoint'],
    );
    const page = await events.send(new ListEndpointsCommand({ NamePrefix: 'pay', MaxResults: 1 }));
    assert.deepEqual(
      page.Endpoints?.map((item) => item.Name),
      ['payments-endpoint'],
    );
    assert.deepEqual(
      (await events.send(new ListEndpointsCommand({ HomeRegion: 'eu-west-1' }))).Endpoints,
      [],
    );

    const updated = await events.send(
      new UpdateEndpointCommand({ Name: 'orders-endpoint', Description: 'orders, twice over' }),
    );
    assert.equal(updated.EndpointId, described.EndpointId);
    const again = await events.send(new DescribeEndpointCommand({ Name: 'orders-endpoint' }));
    assert.equal(again.Description, 'orders, twice over');
    assert.ok(again.LastModifiedTime! >= described.LastModifiedTime!);

    await events.send(new DeleteEndpointCommand({ Name: 'orders-endpoint' }));
    await rejectsWith(
      events.send(new DescribeEndpointCommand({ Name: 'orders-endpoint' })),
      'ResourceNotFoundException',
      'Endpoint orders-endpoint does not exist.',
    );
    await assert.rejects(
      events.send(new DeleteEndpointCommand({ Name: 'orders-endpoint' })),
      ResourceNotFoundException,
    );
  });

  test('refuse a name in use, buses that do not pair up, and replication without a role', async () => {
    await events.send(new CreateEndpointCommand(endpoint('taken')));
    await assert.rejects(
      events.send(new CreateEndpointCommand(endpoint('taken'))),
      ResourceAlreadyExistsException,
    );
    await rejectsWith(
      events.send(
        new CreateEndpointCommand(
          endpoint('mixed', { EventBuses: [bus('us-east-1'), bus('us-west-2', 'other')] }),
        ),
      ),
      'ValidationException',
      'Parameter EventBuses is not valid. Reason: The event buses must have the same name.',
    );
    await rejectsWith(
      events.send(
        new CreateEndpointCommand(
          endpoint('elsewhere', { EventBuses: [bus('eu-west-1'), bus('us-west-2')] }),
        ),
      ),
      'ValidationException',
      /^Parameter EventBuses is not valid\. Reason: One event bus must be in us-east-1/,
    );
    await rejectsWith(
      events.send(new CreateEndpointCommand(endpoint('roleless', { RoleArn: undefined }))),
      'ValidationException',
      'Parameter RoleArn is not valid. Reason: RoleArn is required when replication is ENABLED.',
    );
    await assert.rejects(
      events.send(new CreateEndpointCommand(endpoint('one-bus', { EventBuses: [bus('us-east-1')] }))),
      (error: Error) => error.name === 'ValidationException' && /at 'eventBuses'/.test(error.message),
    );
    await rejectsWith(
      events.send(new UpdateEndpointCommand({ Name: 'never-made' })),
      'ResourceNotFoundException',
      'Endpoint never-made does not exist.',
    );
  });
});

describe('partner event sources', () => {
  const SOURCE = 'aws.partner/example.com/123/orders';

  test('an account shares none: lists are empty, a named one does not exist', async () => {
    assert.deepEqual((await events.send(new ListEventSourcesCommand({}))).EventSources, []);
    await rejectsWith(
      events.send(new DescribeEventSourceCommand({ Name: SOURCE })),
      'ResourceNotFoundException',
      `Event source ${SOURCE} does not exist.`,
    );
    for (const Command of [ActivateEventSourceCommand, DeactivateEventSourceCommand]) {
      await rejectsWith(
        events.send(new Command({ Name: SOURCE })),
        'ResourceNotFoundException',
        `Event source ${SOURCE} or event bus ${SOURCE} does not exist.`,
      );
    }
    await rejectsWith(
      events.send(new CreateEventBusCommand({ Name: SOURCE, EventSourceName: SOURCE })),
      'ResourceNotFoundException',
      `Event source ${SOURCE} does not exist.`,
    );
    await rejectsWith(
      events.send(new CreateEventBusCommand({ Name: SOURCE })),
      'ResourceNotFoundException',
      `Event source ${SOURCE} does not exist.`,
    );
    await rejectsWith(
      events.send(new CreateEventBusCommand({ Name: 'aws.mine' })),
      'ValidationException',
      "EventBus name starting with 'aws.' is not valid.",
    );
    await rejectsWith(
      events.send(new CreateEventBusCommand({ Name: 'team/orders' })),
      'ValidationException',
      "EventBus name containing '/' is only valid for a partner event bus.",
    );
    // The default bus of a Region nobody used yet is there all the same.
    const elsewhere = eddy.client(EventBridgeClient, { region: 'ap-southeast-2' });
    await rejectsWith(
      elsewhere.send(new CreateEventBusCommand({ Name: 'default' })),
      'ResourceAlreadyExistsException',
      'Event bus default already exists.',
    );
    elsewhere.destroy();
  });

  test('an account is no SaaS partner: it has created none and may create none', async () => {
    assert.deepEqual(
      (await events.send(new ListPartnerEventSourcesCommand({ NamePrefix: 'aws.partner/example.com/' })))
        .PartnerEventSources,
      [],
    );
    for (const send of [
      () => events.send(new DescribePartnerEventSourceCommand({ Name: SOURCE })),
      () => events.send(new ListPartnerEventSourceAccountsCommand({ EventSourceName: SOURCE })),
      () => events.send(new DeletePartnerEventSourceCommand({ Name: SOURCE, Account: TEST_ACCOUNT })),
    ]) {
      await rejectsWith(send(), 'ResourceNotFoundException', `Event source ${SOURCE} does not exist.`);
    }
    await rejectsWith(
      events.send(new CreatePartnerEventSourceCommand({ Name: SOURCE, Account: TEST_ACCOUNT })),
      'AccessDeniedException',
      'You do not have sufficient access to perform this action.',
    );
    const put = await events.send(
      new PutPartnerEventsCommand({ Entries: [{ Source: SOURCE, DetailType: 'order', Detail: '{}' }] }),
    );
    assert.equal(put.FailedEntryCount, 1);
    assert.deepEqual(put.Entries, [
      { ErrorCode: 'ResourceNotFoundException', ErrorMessage: `Event source ${SOURCE} does not exist.` },
    ]);
  });
});

// Policies through @aws-sdk/client-cloudwatch-logs: resource policies (account- and resource-scoped,
// revision ids), data protection (masking at ingestion, unmask, the account's policy adding to the
// group's), account policies by type, and field index policies with DescribeFieldIndexes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DeleteAccountPolicyCommand,
  DeleteDataProtectionPolicyCommand,
  DeleteIndexPolicyCommand,
  DeleteResourcePolicyCommand,
  DescribeAccountPoliciesCommand,
  DescribeFieldIndexesCommand,
  DescribeIndexPoliciesCommand,
  DescribeLogGroupsCommand,
  DescribeResourcePoliciesCommand,
  FilterLogEventsCommand,
  GetDataProtectionPolicyCommand,
  GetLogEventsCommand,
  ListLogGroupsCommand,
  PutAccountPolicyCommand,
  PutDataProtectionPolicyCommand,
  PutIndexPolicyCommand,
  PutResourcePolicyCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { ACCOUNT, groupArnOf, groupWithEvents, putEvents, rejects } from './fixtures/logs.ts';
import { startTestEddy, type TestEddy } from './harness.ts';

let eddy: TestEddy;
let logs: CloudWatchLogsClient;

before(async () => {
  eddy = await startTestEddy();
  logs = eddy.client(CloudWatchLogsClient);
});
after(() => eddy.stop());

const route53 = (resource: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Route53LogsToCloudWatchLogs',
        Effect: 'Allow',
        Principal: { Service: ['route53.amazonaws.com'] },
        Action: 'logs:PutLogEvents',
        Resource: resource,
      },
    ],
  });

describe('resource policies', () => {
  test('account-scoped: put, replace, describe, the limit of 10, delete', async () => {
    const { resourcePolicy } = await logs.send(
      new PutResourcePolicyCommand({ policyName: 'route53', policyDocument: route53('*') }),
    );
    assert.equal(resourcePolicy?.policyName, 'route53');
    assert.equal(resourcePolicy?.policyScope, 'ACCOUNT');
    assert.equal(resourcePolicy?.revisionId, undefined);
    await logs.send(
      new PutResourcePolicyCommand({ policyName: 'route53', policyDocument: route53('arn:*') }),
    );
    const { resourcePolicies } = await logs.send(new DescribeResourcePoliciesCommand({}));
    assert.deepEqual(
      resourcePolicies?.map((policy) => [policy.policyName, policy.policyDocument]),
      [['route53', route53('arn:*')]],
    );
    for (let index = 2; index <= 10; index++)
      await logs.send(
        new PutResourcePolicyCommand({ policyName: `p${index}`, policyDocument: route53('*') }),
      );
    await rejects(
      logs.send(new PutResourcePolicyCommand({ policyName: 'p11', policyDocument: route53('*') })),
      'LimitExceededException',
    );
    await rejects(
      logs.send(new PutResourcePolicyCommand({ policyName: 'bad', policyDocument: 'not json' })),
      'InvalidParameterException',
    );
    for (let index = 2; index <= 10; index++)
      await logs.send(new DeleteResourcePolicyCommand({ policyName: `p${index}` }));
    await logs.send(new DeleteResourcePolicyCommand({ policyName: 'route53' }));
    await rejects(
      logs.send(new DeleteResourcePolicyCommand({ policyName: 'route53' })),
      'ResourceNotFoundException',
      /Policy with name \[route53\] does not exist/,
    );
  });

  test('resource-scoped: one per group, guarded by its revision id', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'rp/app' }));
    const resourceArn = groupArnOf('rp/app');
    const created = await logs.send(
      new PutResourcePolicyCommand({ policyName: 'rp', resourceArn, policyDocument: route53(resourceArn) }),
    );
    assert.equal(created.resourcePolicy?.policyScope, 'RESOURCE');
    assert.equal(created.resourcePolicy?.resourceArn, resourceArn);
    assert.ok(created.revisionId);
    await rejects(
      logs.send(
        new PutResourcePolicyCommand({
          resourceArn,
          policyDocument: route53('*'),
          expectedRevisionId: 'stale',
        }),
      ),
      'OperationAbortedException',
    );
    const updated = await logs.send(
      new PutResourcePolicyCommand({
        resourceArn,
        policyDocument: route53('*'),
        expectedRevisionId: created.revisionId,
      }),
    );
    assert.notEqual(updated.revisionId, created.revisionId);
    const described = await logs.send(new DescribeResourcePoliciesCommand({ resourceArn }));
    assert.equal(described.resourcePolicies?.[0]?.revisionId, updated.revisionId);
    const byScope = await logs.send(new DescribeResourcePoliciesCommand({ policyScope: 'RESOURCE' }));
    assert.deepEqual(
      byScope.resourcePolicies?.map((policy) => policy.resourceArn),
      [resourceArn],
    );
    await logs.send(new DeleteResourcePolicyCommand({ resourceArn, expectedRevisionId: updated.revisionId }));
    assert.deepEqual(
      (await logs.send(new DescribeResourcePoliciesCommand({ resourceArn }))).resourcePolicies,
      [],
    );
    await rejects(
      logs.send(
        new PutResourcePolicyCommand({ resourceArn: groupArnOf('rp/none'), policyDocument: route53('*') }),
      ),
      'ResourceNotFoundException',
    );
  });
});

const protection = (identifiers: string[], custom?: Array<{ Name: string; Regex: string }>) =>
  JSON.stringify({
    Name: 'data-protection-policy',
    Version: '2021-06-01',
    ...(custom ? { Configuration: { CustomDataIdentifier: custom } } : {}),
    Statement: [
      { Sid: 'audit', DataIdentifier: identifiers, Operation: { Audit: { FindingsDestination: {} } } },
      { Sid: 'redact', DataIdentifier: identifiers, Operation: { Deidentify: { MaskConfig: {} } } },
    ],
  });
const EMAIL = 'arn:aws:dataprotection::aws:data-identifier/EmailAddress';

describe('data protection', () => {
  test('events ingested after the policy are masked for every reader unless they unmask', async () => {
    await groupWithEvents(logs, 'dp/app', ['before: jane@example.com']);
    const policy = protection([EMAIL, 'EmployeeId'], [{ Name: 'EmployeeId', Regex: 'EMP-\\d{6}' }]);
    const put = await logs.send(
      new PutDataProtectionPolicyCommand({ logGroupIdentifier: 'dp/app', policyDocument: policy }),
    );
    assert.equal(put.policyDocument, policy);
    await putEvents(
      logs,
      'dp/app',
      'main',
      ['mail jane@example.com as EMP-123456', 'nothing here'],
      Date.now() - 1000,
    );
    const read = async (unmask: boolean) =>
      (
        await logs.send(
          new GetLogEventsCommand({
            logGroupName: 'dp/app',
            logStreamName: 'main',
            startFromHead: true,
            unmask,
          }),
        )
      ).events?.map((event) => event.message);
    assert.deepEqual(await read(false), [
      'before: jane@example.com',
      'mail **************** as **********',
      'nothing here',
    ]);
    assert.deepEqual(await read(true), [
      'before: jane@example.com',
      'mail jane@example.com as EMP-123456',
      'nothing here',
    ]);
    const filtered = await logs.send(
      new FilterLogEventsCommand({ logGroupName: 'dp/app', filterPattern: 'mail' }),
    );
    assert.deepEqual(
      filtered.events?.map((event) => event.message),
      ['mail **************** as **********'],
    );
    const { logGroups } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'dp/app' }));
    assert.equal(logGroups?.[0]?.dataProtectionStatus, 'ACTIVATED');
    const got = await logs.send(
      new GetDataProtectionPolicyCommand({ logGroupIdentifier: groupArnOf('dp/app') }),
    );
    assert.equal(got.policyDocument, policy);
    await logs.send(new DeleteDataProtectionPolicyCommand({ logGroupIdentifier: 'dp/app' }));
    assert.equal(
      (await logs.send(new GetDataProtectionPolicyCommand({ logGroupIdentifier: 'dp/app' }))).policyDocument,
      undefined,
    );
    await rejects(
      logs.send(new DeleteDataProtectionPolicyCommand({ logGroupIdentifier: 'dp/app' })),
      'ResourceNotFoundException',
    );
  });

  test('policies eddy cannot apply are refused, not accepted and ignored', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'dp/refused' }));
    const put = (policyDocument: string) =>
      logs.send(new PutDataProtectionPolicyCommand({ logGroupIdentifier: 'dp/refused', policyDocument }));
    await rejects(put('{}'), 'InvalidParameterException', /exactly two statements/);
    await rejects(
      put(protection(['arn:aws:dataprotection::aws:data-identifier/DriversLicense-US'])),
      'InvalidParameterException',
      /does not detect the data identifier/,
    );
  });

  test('the account’s data protection policy adds to every group’s', async () => {
    await groupWithEvents(logs, 'dp/account');
    const policy = protection(['arn:aws:dataprotection::aws:data-identifier/IpAddress']);
    const { accountPolicy } = await logs.send(
      new PutAccountPolicyCommand({
        policyName: 'mask-ips',
        policyType: 'DATA_PROTECTION_POLICY',
        policyDocument: policy,
      }),
    );
    assert.equal(accountPolicy?.accountId, ACCOUNT);
    assert.equal(accountPolicy?.scope, 'ALL');
    await putEvents(logs, 'dp/account', 'main', ['from 10.1.2.3'], Date.now() - 1000);
    const { events } = await logs.send(
      new GetLogEventsCommand({ logGroupName: 'dp/account', logStreamName: 'main' }),
    );
    assert.deepEqual(
      events?.map((event) => event.message),
      ['from ********'],
    );
    const { logGroups } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'dp/account' }));
    assert.deepEqual(logGroups?.[0]?.inheritedProperties, ['ACCOUNT_DATA_PROTECTION']);
    await rejects(
      logs.send(
        new PutAccountPolicyCommand({
          policyName: 'second',
          policyType: 'DATA_PROTECTION_POLICY',
          policyDocument: policy,
        }),
      ),
      'LimitExceededException',
    );
    await logs.send(
      new DeleteAccountPolicyCommand({ policyName: 'mask-ips', policyType: 'DATA_PROTECTION_POLICY' }),
    );
  });
});

describe('account policies', () => {
  test('by type: put, describe by name, delete', async () => {
    const document = JSON.stringify({ Fields: ['RequestId'] });
    await logs.send(
      new PutAccountPolicyCommand({
        policyName: 'index-app',
        policyType: 'FIELD_INDEX_POLICY',
        policyDocument: document,
        selectionCriteria: 'LogGroupNamePrefix IN ["idx/"]',
      }),
    );
    const { accountPolicies } = await logs.send(
      new DescribeAccountPoliciesCommand({ policyType: 'FIELD_INDEX_POLICY' }),
    );
    assert.deepEqual(
      accountPolicies?.map((policy) => [policy.policyName, policy.selectionCriteria, policy.policyDocument]),
      [['index-app', 'LogGroupNamePrefix IN ["idx/"]', document]],
    );
    assert.deepEqual(
      (await logs.send(new DescribeAccountPoliciesCommand({ policyType: 'SUBSCRIPTION_FILTER_POLICY' })))
        .accountPolicies,
      [],
    );
    await rejects(
      logs.send(
        new PutAccountPolicyCommand({
          policyName: 'x',
          policyType: 'FIELD_INDEX_POLICY',
          policyDocument: '{}',
        }),
      ),
      'InvalidParameterException',
    );
    await rejects(
      logs.send(new DeleteAccountPolicyCommand({ policyName: 'none', policyType: 'FIELD_INDEX_POLICY' })),
      'ResourceNotFoundException',
    );
  });
});

describe('field indexes', () => {
  test('a group’s own policy, or the account’s that selects it; the fields’ first and last events', async () => {
    const start = Date.now() - 60_000;
    await groupWithEvents(logs, 'idx/app', ['{"RequestId":"a","n":1}', 'plain text', '{"RequestId":"b"}'], {
      start,
    });
    const fromAccount = await logs.send(
      new DescribeIndexPoliciesCommand({ logGroupIdentifiers: ['idx/app'] }),
    );
    assert.equal(fromAccount.indexPolicies?.[0]?.source, 'ACCOUNT');
    assert.equal(fromAccount.indexPolicies?.[0]?.policyName, 'index-app');
    const document = JSON.stringify({ Fields: ['RequestId', 'n'] });
    await logs.send(new PutIndexPolicyCommand({ logGroupIdentifier: 'idx/app', policyDocument: document }));
    const own = await logs.send(new DescribeIndexPoliciesCommand({ logGroupIdentifiers: ['idx/app'] }));
    assert.deepEqual(
      own.indexPolicies?.map((policy) => [policy.source, policy.policyDocument]),
      [['LOG_GROUP', document]],
    );
    const { fieldIndexes } = await logs.send(
      new DescribeFieldIndexesCommand({ logGroupIdentifiers: ['idx/app'] }),
    );
    assert.deepEqual(
      fieldIndexes?.map((index) => [index.fieldIndexName, index.firstEventTime, index.lastEventTime]),
      [
        ['RequestId', start, start + 2],
        ['n', start, start],
      ],
    );
    const listed = await logs.send(new ListLogGroupsCommand({ fieldIndexNames: ['RequestId'] }));
    assert.deepEqual(
      listed.logGroups?.map((group) => group.logGroupName),
      ['idx/app'],
    );
    await logs.send(new DeleteIndexPolicyCommand({ logGroupIdentifier: 'idx/app' }));
    await rejects(
      logs.send(new DeleteIndexPolicyCommand({ logGroupIdentifier: 'idx/app' })),
      'ResourceNotFoundException',
    );
    await rejects(
      logs.send(
        new PutIndexPolicyCommand({ logGroupIdentifier: 'idx/app', policyDocument: '{"Fields": 1}' }),
      ),
      'InvalidParameterException',
    );
  });
});

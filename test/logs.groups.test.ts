// Log group settings and listings through @aws-sdk/client-cloudwatch-logs: deletion protection, KMS
// key association, bearer-token ingestion, ListLogGroups' pattern and filters, and DescribeLogGroups
// by identifiers.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  AssociateKmsKeyCommand,
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteLogGroupCommand,
  DeleteLogStreamCommand,
  DescribeLogGroupsCommand,
  DisassociateKmsKeyCommand,
  ListLogGroupsCommand,
  type ListLogGroupsCommandInput,
  PutBearerTokenAuthenticationCommand,
  PutLogGroupDeletionProtectionCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { ACCOUNT, groupArnOf, REGION, rejects } from './fixtures/logs.ts';
import { startTestEddy, type TestEddy } from './harness.ts';

let eddy: TestEddy;
let logs: CloudWatchLogsClient;

before(async () => {
  eddy = await startTestEddy();
  logs = eddy.client(CloudWatchLogsClient);
});
after(() => eddy.stop());

const describeOne = async (name: string) =>
  (await logs.send(new DescribeLogGroupsCommand({ logGroupIdentifiers: [name] }))).logGroups?.[0];

describe('deletion protection', () => {
  test('set at creation or later, it blocks deleting the group and its streams until it is off', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'dp/app', deletionProtectionEnabled: true }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: 'dp/app', logStreamName: 's' }));
    assert.equal((await describeOne('dp/app'))?.deletionProtectionEnabled, true);
    const blocked =
      /Cannot delete log group with deletion protection enabled\. Disable deletion protection first\./;
    await rejects(
      logs.send(new DeleteLogGroupCommand({ logGroupName: 'dp/app' })),
      'ValidationException',
      blocked,
    );
    await rejects(
      logs.send(new DeleteLogStreamCommand({ logGroupName: 'dp/app', logStreamName: 's' })),
      'ValidationException',
      blocked,
    );
    await logs.send(
      new PutLogGroupDeletionProtectionCommand({
        logGroupIdentifier: groupArnOf('dp/app'),
        deletionProtectionEnabled: false,
      }),
    );
    assert.equal((await describeOne('dp/app'))?.deletionProtectionEnabled, false);
    await logs.send(new DeleteLogGroupCommand({ logGroupName: 'dp/app' }));
    await rejects(
      logs.send(
        new PutLogGroupDeletionProtectionCommand({
          logGroupIdentifier: 'dp/app',
          deletionProtectionEnabled: true,
        }),
      ),
      'ResourceNotFoundException',
      /log group does not exist/,
    );
  });
});

describe('KMS keys and bearer tokens', () => {
  const key = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

  test('a group’s key is stored and shown until it is disassociated', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'kms/app' }));
    await logs.send(new AssociateKmsKeyCommand({ logGroupName: 'kms/app', kmsKeyId: key }));
    assert.equal((await describeOne('kms/app'))?.kmsKeyId, key);
    await logs.send(new DisassociateKmsKeyCommand({ resourceIdentifier: groupArnOf('kms/app') }));
    assert.equal((await describeOne('kms/app'))?.kmsKeyId, undefined);
    await rejects(
      logs.send(new AssociateKmsKeyCommand({ logGroupName: 'kms/none', kmsKeyId: key })),
      'ResourceNotFoundException',
    );
    await rejects(
      logs.send(
        new AssociateKmsKeyCommand({
          logGroupName: 'kms/app',
          resourceIdentifier: groupArnOf('kms/app'),
          kmsKeyId: key,
        }),
      ),
      'InvalidParameterException',
      /mutually exclusive/,
    );
    await rejects(logs.send(new DisassociateKmsKeyCommand({})), 'InvalidParameterException');
  });

  test('bearer-token authentication is shown on the group', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'bearer/app' }));
    assert.equal((await describeOne('bearer/app'))?.bearerTokenAuthenticationEnabled, undefined);
    await logs.send(
      new PutBearerTokenAuthenticationCommand({
        logGroupIdentifier: 'bearer/app',
        bearerTokenAuthenticationEnabled: true,
      }),
    );
    assert.equal((await describeOne('bearer/app'))?.bearerTokenAuthenticationEnabled, true);
  });
});

describe('listing groups', () => {
  before(async () => {
    for (const name of ['/aws/lambda/orders', '/aws/lambda/payments', '/ecs/orders', 'discovery-x'])
      await logs.send(
        new CreateLogGroupCommand({
          logGroupName: name,
          tags: { team: name.includes('orders') ? 'orders' : 'other' },
          ...(name === 'discovery-x' ? { logGroupClass: 'INFREQUENT_ACCESS' } : {}),
        }),
      );
  });

  const names = async (input: ListLogGroupsCommandInput) =>
    (await logs.send(new ListLogGroupsCommand(input))).logGroups?.map((group) => group.logGroupName);

  test('ListLogGroups: ^prefixes and substrings joined by |, case-sensitive', async () => {
    assert.deepEqual(await names({ logGroupNamePattern: '^/aws/lambda|discovery' }), [
      '/aws/lambda/orders',
      '/aws/lambda/payments',
      'discovery-x',
    ]);
    assert.deepEqual(await names({ logGroupNamePattern: 'orders' }), ['/aws/lambda/orders', '/ecs/orders']);
    assert.deepEqual(await names({ logGroupNamePattern: 'ORDERS' }), []);
    const { logGroups } = await logs.send(new ListLogGroupsCommand({ logGroupNamePattern: '^/ecs' }));
    assert.deepEqual(logGroups, [
      { logGroupName: '/ecs/orders', logGroupArn: groupArnOf('/ecs/orders'), logGroupClass: 'STANDARD' },
    ]);
  });

  test('ListLogGroups: class, tags, data sources, and pages', async () => {
    assert.deepEqual(await names({ logGroupClass: 'INFREQUENT_ACCESS' }), ['discovery-x']);
    assert.deepEqual(await names({ logGroupTags: [{ key: 'team', values: ['orders'] }] }), [
      '/aws/lambda/orders',
      '/ecs/orders',
    ]);
    // eddy's groups receive no AWS-vended logs: none has a data source.
    assert.deepEqual(await names({ dataSources: [{ name: 'amazon_vpc', type: 'flow' }] }), []);
    const seen: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await logs.send(
        new ListLogGroupsCommand({ limit: 1, logGroupNamePattern: '^/aws|^/ecs|disc', nextToken }),
      );
      assert.ok((page.logGroups?.length ?? 0) <= 1);
      seen.push(...(page.logGroups ?? []).map((group) => group.logGroupName!));
      nextToken = page.nextToken;
    } while (nextToken);
    assert.deepEqual(seen, ['/aws/lambda/orders', '/aws/lambda/payments', '/ecs/orders', 'discovery-x']);
    await rejects(
      logs.send(new ListLogGroupsCommand({ logGroupNamePattern: 'ab' })),
      'InvalidParameterException',
    );
  });

  test('DescribeLogGroups by identifiers: names and ARNs, not with a prefix', async () => {
    const { logGroups } = await logs.send(
      new DescribeLogGroupsCommand({
        logGroupIdentifiers: ['/ecs/orders', groupArnOf('discovery-x'), 'missing'],
      }),
    );
    assert.deepEqual(
      logGroups?.map((group) => group.logGroupName),
      ['/ecs/orders', 'discovery-x'],
    );
    await rejects(
      logs.send(
        new DescribeLogGroupsCommand({ logGroupIdentifiers: ['/ecs/orders'], logGroupNamePrefix: '/ecs' }),
      ),
      'InvalidParameterException',
    );
  });
});

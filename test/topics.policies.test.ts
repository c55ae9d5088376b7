// A topic's access policy through AddPermission and RemovePermission, shaped as SNS shapes it, and
// its data protection policy, kept and shown.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  AddPermissionCommand,
  CreateTopicCommand,
  GetDataProtectionPolicyCommand,
  GetTopicAttributesCommand,
  InvalidParameterException,
  NotFoundException,
  PutDataProtectionPolicyCommand,
  RemovePermissionCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import { startTestEddy, TEST_ACCOUNT, type TestEddy } from './harness.ts';

let eddy: TestEddy;
let sns: SNSClient;

before(async () => {
  eddy = await startTestEddy();
  sns = eddy.client(SNSClient);
});
after(() => eddy.stop());

async function policyOf(TopicArn: string) {
  const { Attributes } = await sns.send(new GetTopicAttributesCommand({ TopicArn }));
  return JSON.parse(Attributes!.Policy!) as {
    Version: string;
    Id: string;
    Statement: Array<{ Sid: string }>;
  };
}

const DEFAULT_STATEMENT = (arn: string) => ({
  Sid: '__default_statement_ID',
  Effect: 'Allow',
  Principal: { AWS: '*' },
  Action: [
    'SNS:GetTopicAttributes',
    'SNS:SetTopicAttributes',
    'SNS:AddPermission',
    'SNS:RemovePermission',
    'SNS:DeleteTopic',
    'SNS:Subscribe',
    'SNS:ListSubscriptionsByTopic',
    'SNS:Publish',
  ],
  Resource: arn,
  Condition: { StringEquals: { 'AWS:SourceOwner': TEST_ACCOUNT } },
});

describe('AddPermission and RemovePermission', () => {
  test('add statements to the topic policy as SNS writes them, and take them away', async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'shared' }));
    const arn = TopicArn!;
    await sns.send(
      new AddPermissionCommand({
        TopicArn,
        Label: 'one',
        AWSAccountId: ['111122223333'],
        ActionName: ['Publish'],
      }),
    );
    await sns.send(
      new AddPermissionCommand({
        TopicArn,
        Label: 'many',
        AWSAccountId: ['111122223333', '444455556666'],
        ActionName: ['Publish', 'Subscribe'],
      }),
    );
    assert.deepEqual(await policyOf(arn), {
      Version: '2008-10-17',
      Id: '__default_policy_ID',
      Statement: [
        DEFAULT_STATEMENT(arn),
        {
          Sid: 'one',
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::111122223333:root' },
          Action: 'SNS:Publish',
          Resource: arn,
        },
        {
          Sid: 'many',
          Effect: 'Allow',
          Principal: { AWS: ['arn:aws:iam::111122223333:root', 'arn:aws:iam::444455556666:root'] },
          Action: ['SNS:Publish', 'SNS:Subscribe'],
          Resource: arn,
        },
      ],
    });

    await sns.send(new RemovePermissionCommand({ TopicArn, Label: 'one' }));
    assert.deepEqual(
      (await policyOf(arn)).Statement.map((statement) => statement.Sid),
      ['__default_statement_ID', 'many'],
    );
    // Removing a label that is not there leaves the policy as it is.
    await sns.send(new RemovePermissionCommand({ TopicArn, Label: 'one' }));
    assert.equal((await policyOf(arn)).Statement.length, 2);
  });

  test('refuse a label in use, an action outside SNS, and a topic that does not exist', async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'guarded' }));
    const add = (Label: string, ActionName: string[], arn = TopicArn) =>
      sns.send(new AddPermissionCommand({ TopicArn: arn, Label, AWSAccountId: [TEST_ACCOUNT], ActionName }));
    await add('test', ['Publish']);
    await assert.rejects(add('test', ['AddPermission']), (error: Error) => {
      assert.ok(error instanceof InvalidParameterException);
      assert.equal(error.message, 'Invalid parameter: Statement already exists');
      return true;
    });
    await assert.rejects(add('other', ['InvalidAction']), (error: Error) => {
      assert.ok(error instanceof InvalidParameterException);
      assert.equal(error.message, 'Invalid parameter: Policy statement action out of service scope!');
      return true;
    });
    await assert.rejects(add('other', ['Publish'], `${TopicArn}-missing`), (error: Error) => {
      assert.ok(error instanceof NotFoundException);
      assert.equal(error.message, 'Topic does not exist');
      return true;
    });
    await assert.rejects(
      sns.send(new RemovePermissionCommand({ TopicArn: `${TopicArn}-missing`, Label: 'test' })),
      NotFoundException,
    );
  });
});

describe('data protection policies', () => {
  const policy = JSON.stringify({
    Name: 'data_protection_policy',
    Description: 'Deny e-mail addresses',
    Version: '2021-06-01',
    Statement: [
      {
        Sid: 'deny-email',
        DataDirection: 'Inbound',
        Principal: ['*'],
        DataIdentifier: ['arn:aws:dataprotection::aws:data-identifier/EmailAddress'],
        Operation: { Deny: {} },
      },
    ],
  });

  test('are kept and shown, given at creation or put later; not among the topic attributes', async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'protected' }));
    assert.equal(
      (await sns.send(new GetDataProtectionPolicyCommand({ ResourceArn: TopicArn }))).DataProtectionPolicy,
      undefined,
    );
    await sns.send(
      new PutDataProtectionPolicyCommand({ ResourceArn: TopicArn, DataProtectionPolicy: policy }),
    );
    const { DataProtectionPolicy } = await sns.send(
      new GetDataProtectionPolicyCommand({ ResourceArn: TopicArn }),
    );
    assert.deepEqual(JSON.parse(DataProtectionPolicy!), JSON.parse(policy));
    const { Attributes } = await sns.send(new GetTopicAttributesCommand({ TopicArn }));
    assert.equal(Attributes?.DataProtectionPolicy, undefined);

    const created = await sns.send(
      new CreateTopicCommand({ Name: 'born-protected', DataProtectionPolicy: policy }),
    );
    assert.equal(
      (await sns.send(new GetDataProtectionPolicyCommand({ ResourceArn: created.TopicArn })))
        .DataProtectionPolicy,
      policy,
    );
  });

  test('refuse what is not a JSON object, and topics that do not exist', async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'protected-badly' }));
    await assert.rejects(
      sns.send(new PutDataProtectionPolicyCommand({ ResourceArn: TopicArn, DataProtectionPolicy: '[1' })),
      InvalidParameterException,
    );
    await assert.rejects(
      sns.send(
        new GetDataProtectionPolicyCommand({ ResourceArn: 'arn:aws:sns:us-east-1:000000000000:nowhere' }),
      ),
      NotFoundException,
    );
  });
});

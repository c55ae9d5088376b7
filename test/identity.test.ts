// STS through @aws-sdk/client-sts and the AWS CLI against a real eddy with access keys configured:
// who the caller is, temporary credentials that other services accept until they expire (on the
// manual clock), and that are refused when tampered with.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  GetCallerIdentityCommand,
  GetFederationTokenCommand,
  GetSessionTokenCommand,
  STSClient,
} from '@aws-sdk/client-sts';
import { ManualClock } from '../src/runtime/index.ts';
import { startTestEddy, type TestEddy } from './harness.ts';

const KEY = {
  accessKeyId: 'AKIAEDDYTESTKEY00001',
  secretAccessKey: 'test-secret-key',
  accountId: '123456789012',
};
const ROLE = 'arn:aws:iam::210987654321:role/app/worker';
let eddy: TestEddy;
let sts: STSClient;
const clock = new ManualClock(Date.now());

before(async () => {
  eddy = await startTestEddy({ clock, accessKeys: [KEY] });
  sts = eddy.client(STSClient, { credentials: KEY });
});
after(() => eddy?.stop());

/** A client signing with temporary credentials. */
function withSession<C>(
  Client: new (config: never) => C,
  credentials: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string },
): C {
  return eddy.client(Client as never, {
    credentials: {
      accessKeyId: credentials.AccessKeyId!,
      secretAccessKey: credentials.SecretAccessKey!,
      sessionToken: credentials.SessionToken!,
    },
  }) as C;
}

describe('STS', () => {
  test("GetCallerIdentity names the key's account and its root", async () => {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    assert.equal(identity.Account, KEY.accountId);
    assert.equal(identity.Arn, `arn:aws:iam::${KEY.accountId}:root`);
    assert.equal(identity.UserId, KEY.accountId);
  });

  test('a tampered secret or token is refused', async () => {
    const { Credentials } = await sts.send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
    const wrongSecret = withSession(STSClient, { ...Credentials, SecretAccessKey: 'not-the-secret' });
    await assert.rejects(
      wrongSecret.send(new GetCallerIdentityCommand({})),
      (error: Error) => error.name === 'SignatureDoesNotMatch',
    );
    const wrongToken = withSession(STSClient, {
      ...Credentials,
      SessionToken: `${Credentials!.SessionToken}x`,
    });
    await assert.rejects(
      wrongToken.send(new GetCallerIdentityCommand({})),
      (error: Error) => error.name === 'InvalidClientTokenId',
    );
    const session = withSession(STSClient, Credentials!);
    assert.equal(
      (await session.send(new GetCallerIdentityCommand({}))).Arn,
      `arn:aws:iam::${KEY.accountId}:root`,
    );
    for (const client of [wrongSecret, wrongToken, session]) client.destroy();
  });

  test('federation tokens and web identities name their users', async () => {
    const federated = await sts.send(new GetFederationTokenCommand({ Name: 'ada' }));
    assert.equal(federated.FederatedUser?.Arn, `arn:aws:sts::${KEY.accountId}:federated-user/ada`);
    const claims = {
      sub: 'user-42',
      aud: 'my-app',
      iss: 'https://idp.example.com',
      exp: Math.floor(clock.now() / 1000) + 600,
    };
    const jwt = `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;
    // The SDK sends this call unsigned (the model's `authtype: none`): an eddy that verifies every
    // other request's signature serves it, and its credentials then work there.
    const web = await sts.send(
      new AssumeRoleWithWebIdentityCommand({ RoleArn: ROLE, RoleSessionName: 'web', WebIdentityToken: jwt }),
    );
    assert.equal(web.SubjectFromWebIdentityToken, 'user-42');
    assert.equal(web.Audience, 'my-app');
    assert.equal(web.Provider, 'idp.example.com');
    const asRole = withSession(STSClient, web.Credentials!);
    assert.equal(
      (await asRole.send(new GetCallerIdentityCommand({}))).Arn,
      'arn:aws:sts::210987654321:assumed-role/worker/web',
    );
    asRole.destroy();
    const unsigned = await fetch(`${eddy.url}/?Action=GetCallerIdentity&Version=2011-06-15`);
    assert.equal(unsigned.status, 403, 'an operation that takes credentials still needs them');
    assert.match(await unsigned.text(), /<Code>MissingAuthenticationToken<\/Code>/);

    const open = await startTestEddy({ clock });
    const openSts = open.client(STSClient);
    await assert.rejects(
      openSts.send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: ROLE,
          RoleSessionName: 'web',
          WebIdentityToken: 'nope',
        }),
      ),
      (error: Error) => /InvalidIdentityToken/.test(error.name),
    );
    openSts.destroy();
    await open.stop();
  });

  test('bad input: a role ARN that is none, a session name out of its pattern, a policy that is no JSON', async () => {
    await assert.rejects(
      sts.send(
        new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::123456789012:user/bob', RoleSessionName: 'x1' }),
      ),
      (error: Error) => error.name === 'ValidationError' && /IAM role ARN/.test(error.message),
    );
    await assert.rejects(
      sts.send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'has space' })),
      (error: Error) => error.name === 'ValidationError',
    );
    await assert.rejects(
      sts.send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'p1', Policy: '{not json' })),
      (error: Error) => error.name === 'MalformedPolicyDocumentException',
    );
  });

  test('the AWS CLI asks who it is', async () => {
    const result = await eddy.aws(['sts', 'get-caller-identity', '--output', 'json'], {
      accessKeyId: KEY.accessKeyId,
      secretAccessKey: KEY.secretAccessKey,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout).Account, KEY.accountId);
  });

  // Last: it moves the clock past the credentials' expiry.
  test('AssumeRole gives credentials that work elsewhere, as the role, until they expire', async () => {
    const assumed = await sts.send(
      new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'job-7', DurationSeconds: 900 }),
    );
    assert.match(assumed.Credentials!.AccessKeyId!, /^ASIA[A-Z2-7]{16}$/);
    assert.equal(assumed.AssumedRoleUser?.Arn, 'arn:aws:sts::210987654321:assumed-role/worker/job-7');
    assert.match(assumed.AssumedRoleUser!.AssumedRoleId!, /^AROA[A-Z2-7]{17}:job-7$/);
    const lasts = assumed.Credentials!.Expiration!.getTime() - clock.now();
    assert.ok(lasts > 898_000 && lasts <= 900_000, `lasts ${lasts} ms`);

    const asRole = withSession(STSClient, assumed.Credentials!);
    const identity = await asRole.send(new GetCallerIdentityCommand({}));
    assert.equal(identity.Account, '210987654321');
    assert.equal(identity.Arn, 'arn:aws:sts::210987654321:assumed-role/worker/job-7');
    const sqs = withSession(SQSClient, assumed.Credentials!);
    await sqs.send(new ListQueuesCommand({}));

    // Role chaining is limited to an hour; GetSessionToken is refused to a session.
    await assert.rejects(
      asRole.send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'again', DurationSeconds: 7200 })),
      (error: Error) => error.name === 'ValidationError' && /role chaining/.test(error.message),
    );
    await assert.rejects(
      asRole.send(new GetSessionTokenCommand({})),
      (error: Error) => error.name === 'AccessDenied',
    );

    clock.advance(901_000);
    await assert.rejects(sqs.send(new ListQueuesCommand({})), (error: Error) =>
      /expired/i.test(error.message),
    );
    await assert.rejects(
      asRole.send(new GetCallerIdentityCommand({})),
      (error: Error) => error.name === 'ExpiredToken',
    );
    asRole.destroy();
    sqs.destroy();
  });
});

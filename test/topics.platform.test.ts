// Mobile push through @aws-sdk/client-sns: platform applications and endpoints are kept with SNS's
// rules and words; eddy never delivers to a push platform, so a publish to an endpoint is refused.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreatePlatformApplicationCommand,
  CreatePlatformEndpointCommand,
  DeleteEndpointCommand,
  DeletePlatformApplicationCommand,
  EndpointDisabledException,
  GetEndpointAttributesCommand,
  GetPlatformApplicationAttributesCommand,
  ListEndpointsByPlatformApplicationCommand,
  ListPlatformApplicationsCommand,
  NotFoundException,
  PublishCommand,
  SetEndpointAttributesCommand,
  SetPlatformApplicationAttributesCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import { startTestEddy, TEST_ACCOUNT, TEST_REGION, type TestEddy } from './harness.ts';

let eddy: TestEddy;
let sns: SNSClient;

before(async () => {
  eddy = await startTestEddy();
  sns = eddy.client(SNSClient);
});
after(() => eddy.stop());

const CREDENTIALS = { PlatformPrincipal: 'client-id', PlatformCredential: 'client-secret' };

async function application(Name: string, Platform = 'ADM', Attributes: Record<string, string> = CREDENTIALS) {
  const { PlatformApplicationArn } = await sns.send(
    new CreatePlatformApplicationCommand({ Name, Platform, Attributes }),
  );
  return PlatformApplicationArn!;
}

async function rejectsWith(promise: Promise<unknown>, name: string, message: string) {
  await assert.rejects(promise, (error: Error) => {
    assert.equal(error.name, name);
    assert.equal(error.message, message);
    return true;
  });
}

describe('platform applications', () => {
  test('are created, shown without their credentials, updated, listed and deleted', async () => {
    const arn = await application('my-app');
    assert.equal(arn, `arn:aws:sns:${TEST_REGION}:${TEST_ACCOUNT}:app/ADM/my-app`);
    const fcm = await application('fcm-app', 'GCM', { PlatformCredential: '{"type":"service_account"}' });
    assert.equal(
      (await sns.send(new GetPlatformApplicationAttributesCommand({ PlatformApplicationArn: arn })))
        .Attributes?.Enabled,
      'true',
    );
    await sns.send(
      new SetPlatformApplicationAttributesCommand({
        PlatformApplicationArn: arn,
        Attributes: { SuccessFeedbackSampleRate: '50', PlatformCredential: 'rotated' },
      }),
    );
    const { Attributes } = await sns.send(
      new GetPlatformApplicationAttributesCommand({ PlatformApplicationArn: arn }),
    );
    assert.deepEqual(Attributes, { Enabled: 'true', SuccessFeedbackSampleRate: '50' });
    const { PlatformApplications } = await sns.send(new ListPlatformApplicationsCommand({}));
    assert.deepEqual(PlatformApplications, [
      { PlatformApplicationArn: arn, Attributes: { Enabled: 'true', SuccessFeedbackSampleRate: '50' } },
      { PlatformApplicationArn: fcm, Attributes: { Enabled: 'true' } },
    ]);
    await sns.send(new DeletePlatformApplicationCommand({ PlatformApplicationArn: fcm }));
    await sns.send(new DeletePlatformApplicationCommand({ PlatformApplicationArn: fcm }));
    assert.deepEqual(
      (await sns.send(new ListPlatformApplicationsCommand({}))).PlatformApplications?.map(
        (app) => app.PlatformApplicationArn,
      ),
      [arn],
    );
  });

  test('refuse bad names, platforms, credentials and ARNs in SNS words', async () => {
    const create = (Name: string, Platform: string, Attributes: Record<string, string>) =>
      sns.send(new CreatePlatformApplicationCommand({ Name, Platform, Attributes }));
    await rejectsWith(
      create('@name', 'ADM', CREDENTIALS),
      'InvalidParameterException',
      "Invalid parameter: @name Reason: must contain only characters 'a'-'z', 'A'-'Z', '0'-'9', '_', '-', and '.'",
    );
    await rejectsWith(
      create('a'.repeat(257), 'ADM', CREDENTIALS),
      'InvalidParameterException',
      `Invalid parameter: ${'a'.repeat(257)} Reason: must be at most 256 characters long`,
    );
    await rejectsWith(
      create('app', 'AAA', CREDENTIALS),
      'InvalidParameterException',
      'Invalid parameter: Platform Reason: AAA is not supported',
    );
    await rejectsWith(
      create('app', 'ADM', { PlatformPrincipal: 'dummy' }),
      'InvalidParameterException',
      'Invalid parameter: Attributes Reason: PlatformPrincipal attribute provided without PlatformCredential',
    );
    await rejectsWith(
      create('app', 'ADM', { PlatformCredential: 'dummy' }),
      'InvalidParameterException',
      'Invalid parameter: Attributes Reason: PlatformCredential attribute provided without PlatformPrincipal',
    );
    await rejectsWith(
      create('app', 'ADM', {}),
      'ValidationError',
      "1 validation error detected: Value null at 'attributes' failed to satisfy constraint: Member must not be null",
    );
    await rejectsWith(
      sns.send(new GetPlatformApplicationAttributesCommand({ PlatformApplicationArn: 'invalid-arn' })),
      'InvalidParameterException',
      'Invalid parameter: PlatformApplicationArn Reason: An ARN must have at least 6 elements, not 1',
    );
    await rejectsWith(
      sns.send(
        new GetPlatformApplicationAttributesCommand({
          PlatformApplicationArn: `arn:aws:sns:${TEST_REGION}:${TEST_ACCOUNT}:app/ADM/NonExistingApp`,
        }),
      ),
      'NotFoundException',
      'PlatformApplication does not exist',
    );
  });
});

describe('platform endpoints', () => {
  test('are created idempotently per token, shown, updated, listed and deleted', async () => {
    const app = await application('endpoints-app');
    const create = (Token: string, extra: object = {}) =>
      sns.send(new CreatePlatformEndpointCommand({ PlatformApplicationArn: app, Token, ...extra }));
    const { EndpointArn } = await create('token-1');
    assert.match(
      EndpointArn!,
      new RegExp(`^arn:aws:sns:${TEST_REGION}:${TEST_ACCOUNT}:endpoint/ADM/endpoints-app/[0-9a-f-]{36}$`),
    );
    assert.equal((await create('token-1')).EndpointArn, EndpointArn);
    await rejectsWith(
      create('token-1', { Attributes: { Enabled: 'false' } }),
      'InvalidParameterException',
      `Invalid parameter: Token Reason: Endpoint ${EndpointArn} already exists with the same Token, but different attributes.`,
    );
    // CustomUserData may be given twice; the attribute wins over the parameter.
    const second = await create('token-2', { CustomUserData: 'bar', Attributes: { CustomUserData: 'foo' } });
    assert.deepEqual(
      (await sns.send(new GetEndpointAttributesCommand({ EndpointArn: second.EndpointArn }))).Attributes,
      { CustomUserData: 'foo', Enabled: 'true', Token: 'token-2' },
    );

    await sns.send(new SetEndpointAttributesCommand({ EndpointArn, Attributes: { Enabled: 'false' } }));
    assert.deepEqual((await sns.send(new GetEndpointAttributesCommand({ EndpointArn }))).Attributes, {
      Enabled: 'false',
      Token: 'token-1',
    });
    const { Endpoints } = await sns.send(
      new ListEndpointsByPlatformApplicationCommand({ PlatformApplicationArn: app }),
    );
    assert.deepEqual(
      Endpoints?.map((endpoint) => endpoint.EndpointArn),
      [EndpointArn, second.EndpointArn],
    );
    await sns.send(new DeleteEndpointCommand({ EndpointArn }));
    await sns.send(new DeleteEndpointCommand({ EndpointArn }));
    await assert.rejects(sns.send(new GetEndpointAttributesCommand({ EndpointArn })), NotFoundException);
  });

  test('refuse bad attributes, unknown applications and endpoints; go with their application', async () => {
    const app = await application('strict-app');
    const attempt = (Attributes: Record<string, string>) =>
      sns.send(new CreatePlatformEndpointCommand({ PlatformApplicationArn: app, Token: 't', Attributes }));
    await rejectsWith(
      attempt({ PlatformCredential: 'x' }),
      'InvalidParameterException',
      'Invalid parameter: Attributes Reason: Invalid attribute name: PlatformCredential',
    );
    await rejectsWith(
      attempt({ CustomUserData: 'A'.repeat(2050) }),
      'InvalidParameterException',
      'Invalid parameter: Attributes Reason: Invalid value for attribute: CustomUserData: must be at most 2048 bytes long in UTF-8 encoding',
    );
    const missingApp = `arn:aws:sns:${TEST_REGION}:${TEST_ACCOUNT}:app/ADM/non_existent_app`;
    await rejectsWith(
      sns.send(new CreatePlatformEndpointCommand({ PlatformApplicationArn: missingApp, Token: 't' })),
      'NotFoundException',
      'PlatformApplication does not exist',
    );
    const missingEndpoint = `arn:aws:sns:${TEST_REGION}:${TEST_ACCOUNT}:endpoint/ADM/fakeapp/0f7d5971-aa8b-4bd5-b585-0826e9f93a66`;
    await rejectsWith(
      sns.send(
        new SetEndpointAttributesCommand({ EndpointArn: missingEndpoint, Attributes: { Enabled: 'false' } }),
      ),
      'NotFoundException',
      'Endpoint does not exist',
    );
    await rejectsWith(
      sns.send(
        new SetEndpointAttributesCommand({
          EndpointArn: `arn:aws:sns:${TEST_REGION}:${TEST_ACCOUNT}:endpoint/ADM/fakeapp`,
          Attributes: { Enabled: 'false' },
        }),
      ),
      'InvalidParameterException',
      'Invalid parameter: EndpointArn Reason: Wrong number of slashes in relative portion of the ARN.',
    );

    const { EndpointArn } = await sns.send(
      new CreatePlatformEndpointCommand({ PlatformApplicationArn: app, Token: 'kept' }),
    );
    await sns.send(new DeletePlatformApplicationCommand({ PlatformApplicationArn: app }));
    await rejectsWith(
      sns.send(new ListEndpointsByPlatformApplicationCommand({ PlatformApplicationArn: app })),
      'NotFoundException',
      'PlatformApplication does not exist',
    );
    await assert.rejects(sns.send(new GetEndpointAttributesCommand({ EndpointArn })), NotFoundException);
  });

  test('a publish to an endpoint: delivered to the outbox, or unknown, or disabled', async () => {
    const app = await application('push-app', 'APNS');
    const { EndpointArn } = await sns.send(
      new CreatePlatformEndpointCommand({ PlatformApplicationArn: app, Token: 'device' }),
    );
    const publish = (TargetArn: string) => sns.send(new PublishCommand({ TargetArn, Message: 'hello' }));
    assert.ok((await publish(EndpointArn!)).MessageId);
    await sns.send(new SetEndpointAttributesCommand({ EndpointArn, Attributes: { Enabled: 'false' } }));
    await rejectsWith(publish(EndpointArn!), 'EndpointDisabledException', 'Endpoint is disabled');
    await assert.rejects(publish(EndpointArn!), EndpointDisabledException);
    await rejectsWith(
      publish(
        `arn:aws:sns:${TEST_REGION}:${TEST_ACCOUNT}:endpoint/APNS/abcdef/0f7d5971-aa8b-4bd5-b585-0826e9f93a66`,
      ),
      'InvalidParameterException',
      'Invalid parameter: TargetArn Reason: No endpoint found for the target arn specified',
    );
  });
});

// SigV4 with configured keys: the SDKs' own signers and the aws CLI, accepted and refused.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { EventBridgeClient, ListArchivesCommand } from '@aws-sdk/client-eventbridge';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { type Recorder, testServices } from './fixtures/services.ts';
import { startTestEddy, type TestEddy } from './harness.ts';

const KEY = { accessKeyId: 'AKIDEDDYTEST', secretAccessKey: 'right-secret', accountId: '111122223333' };
const WRONG_SECRET = { accessKeyId: KEY.accessKeyId, secretAccessKey: 'wrong-secret' };
const UNKNOWN_KEY = { accessKeyId: 'AKIDNOBODY', secretAccessKey: 'whatever' };

const recorder: Recorder = { calls: new Map() };
let eddy: TestEddy;

before(async () => {
  eddy = await startTestEddy({ services: testServices(recorder), inMemory: true, accessKeys: [KEY] });
});
after(() => eddy.stop());

async function failure(
  promise: Promise<unknown>,
): Promise<{ name: string; status: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    const failed = error as Error & { $metadata: { httpStatusCode: number } };
    return { name: failed.name, status: failed.$metadata.httpStatusCode, message: failed.message };
  }
  assert.fail('expected the request to be refused');
}

describe('JSON protocol', () => {
  test('a correctly signed request passes; account and region come from the key and the scope', async () => {
    const client = eddy.client(EventBridgeClient, { region: 'eu-west-1' });
    await client.send(new ListArchivesCommand({}));
    assert.deepEqual(
      {
        accountId: recorder.calls.get('ListArchives')?.accountId,
        region: recorder.calls.get('ListArchives')?.region,
      },
      { accountId: '111122223333', region: 'eu-west-1' },
    );
  });

  test('a wrong secret is InvalidSignatureException, an unknown key UnrecognizedClientException', async () => {
    const wrong = await failure(
      eddy.client(EventBridgeClient, { credentials: WRONG_SECRET }).send(new ListArchivesCommand({})),
    );
    assert.deepEqual([wrong.name, wrong.status], ['InvalidSignatureException', 403]);
    assert.match(wrong.message, /signature we calculated does not match/);
    const unknown = await failure(
      eddy.client(EventBridgeClient, { credentials: UNKNOWN_KEY }).send(new ListArchivesCommand({})),
    );
    assert.deepEqual([unknown.name, unknown.status], ['UnrecognizedClientException', 403]);
  });

  test('a signature older than 15 minutes has expired', async () => {
    const client = eddy.client(EventBridgeClient, { systemClockOffset: -20 * 60 * 1000 });
    const expired = await failure(client.send(new ListArchivesCommand({})));
    assert.equal(expired.name, 'InvalidSignatureException');
    assert.match(expired.message, /^Signature expired: \d{8}T\d{6}Z is now earlier than/);
  });

  test('unsigned and half-signed requests are refused', async () => {
    const unsigned = await fetch(eddy.url, {
      method: 'POST',
      headers: { 'x-amz-target': 'AWSEvents.ListArchives', 'content-type': 'application/x-amz-json-1.1' },
      body: '{}',
    });
    assert.equal(unsigned.status, 403);
    assert.equal(
      ((await unsigned.json()) as { __type: string }).__type,
      'MissingAuthenticationTokenException',
    );

    const incomplete = await fetch(eddy.url, {
      method: 'POST',
      headers: {
        'x-amz-target': 'AWSEvents.ListArchives',
        'content-type': 'application/x-amz-json-1.1',
        authorization: `AWS4-HMAC-SHA256 Credential=${KEY.accessKeyId}/20250101/us-east-1/events/aws4_request`,
      },
      body: '{}',
    });
    assert.equal(incomplete.status, 400);
    const body = (await incomplete.json()) as { __type: string; message: string };
    assert.equal(body.__type, 'IncompleteSignatureException');
    assert.match(body.message, /'SignedHeaders'/);
  });

  test('a body changed after signing no longer matches', async () => {
    const client = eddy.client(EventBridgeClient);
    client.middlewareStack.add(
      (next) => async (args) => {
        // Same length as the signed '{}', so only the signature can tell.
        const request = args.request as { body: string };
        request.body = '[]';
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low', name: 'tamper' },
    );
    const tampered = await failure(client.send(new ListArchivesCommand({})));
    assert.equal(tampered.name, 'InvalidSignatureException');
  });
});

describe('Query protocol', () => {
  test('signed requests pass; bad ones get SignatureDoesNotMatch and InvalidClientTokenId', async () => {
    await eddy.client(SNSClient).send(new ListTopicsCommand({}));
    const wrong = await failure(
      eddy.client(SNSClient, { credentials: WRONG_SECRET }).send(new ListTopicsCommand({})),
    );
    assert.deepEqual([wrong.name, wrong.status], ['SignatureDoesNotMatch', 403]);
    const unknown = await failure(
      eddy.client(SNSClient, { credentials: UNKNOWN_KEY }).send(new ListTopicsCommand({})),
    );
    assert.deepEqual([unknown.name, unknown.status], ['InvalidClientTokenId', 403]);
  });
});

describe('REST protocols', () => {
  test('REST-JSON signs its path and query string', async () => {
    const listed = await eddy
      .client(SchedulerClient)
      .send(new ListSchedulesCommand({ NextToken: 'a b/c+=', MaxResults: 3 }));
    assert.equal(listed.Schedules?.length, 1);
    const wrong = await failure(
      eddy.client(SchedulerClient, { credentials: WRONG_SECRET }).send(new ListSchedulesCommand({})),
    );
    assert.equal(wrong.name, 'InvalidSignatureException');
  });

  test('S3 header signatures and presigned URLs, with keys that need encoding', async () => {
    const client = eddy.client(S3Client, { forcePathStyle: true });
    const got = await client.send(new GetObjectCommand({ Bucket: 'media', Key: 'dir/a file+(1).txt' }));
    assert.equal(await got.Body?.transformToString(), 'contents of dir/a file+(1).txt');

    const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: 'media', Key: 'dir/a file.txt' }), {
      expiresIn: 60,
    });
    const presigned = await fetch(url);
    assert.equal(presigned.status, 200, await presigned.clone().text());
    assert.equal(await presigned.text(), 'contents of dir/a file.txt');

    const tampered = await fetch(
      url.replace(
        /X-Amz-Signature=([0-9a-f])/,
        (_, first: string) => `X-Amz-Signature=${first === '0' ? '1' : '0'}`,
      ),
    );
    assert.equal(tampered.status, 403);
    assert.match(await tampered.text(), /<Code>SignatureDoesNotMatch<\/Code>/);
  });
});

test('the aws CLI signs with the configured key and is refused with a wrong one', async () => {
  const ok = await eddy.aws(['events', 'list-archives'], KEY);
  assert.equal(ok.code, 0, ok.stderr);
  const refused = await eddy.aws(['events', 'list-archives'], WRONG_SECRET);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /InvalidSignatureException/);
});

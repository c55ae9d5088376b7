// Standard SNS verifiers accept eddy's messages: the `sns-validator` package fetches the signing
// certificate from SigningCertURL over HTTPS (eddy's HTTPS port, its certificate trusted the way a
// user would: as an extra CA) and checks SignatureVersion 1 and 2 signatures.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { globalAgent } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import MessageValidator from 'sns-validator';
import { startTestEddy, type TestEddy } from './harness.ts';
import { eventually } from './helpers.ts';

let eddy: TestEddy;
let sns: SNSClient;
let tlsHost: string;

before(async () => {
  eddy = await startTestEddy({ config: { tlsPort: 0 } });
  sns = eddy.client(SNSClient);
  const tlsUrl = new URL(eddy.runtime.endpoint.tlsUrl!);
  tlsHost = tlsUrl.host;
  // What NODE_EXTRA_CA_CERTS=DATA_DIR/tls/eddy.crt does for a whole process.
  globalAgent.options.ca = readFileSync(`${eddy.dataDir}/tls/eddy.crt`, 'utf8');
});
after(async () => {
  globalAgent.options.ca = undefined;
  sns?.destroy();
  await eddy?.stop();
});

type SnsMessage = Record<string, string>;

function validate(validator: MessageValidator, message: SnsMessage): Promise<SnsMessage> {
  return new Promise((resolve, reject) =>
    validator.validate(message, (error, valid) => (error ? reject(error) : resolve(valid as SnsMessage))),
  );
}

/** An HTTP subscriber that keeps every message it is sent. */
async function subscriber() {
  const messages: SnsMessage[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      messages.push(JSON.parse(body) as SnsMessage);
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    messages,
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    async next(count: number): Promise<SnsMessage> {
      return eventually(() => messages[count - 1], { what: `message ${count} arrived` });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

for (const version of ['1', '2']) {
  test(`sns-validator accepts the confirmation and notifications (SignatureVersion ${version})`, async () => {
    const hook = await subscriber();
    try {
      const { TopicArn } = await sns.send(
        new CreateTopicCommand({ Name: `validated-v${version}`, Attributes: { SignatureVersion: version } }),
      );
      await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: hook.endpoint }));
      const escaped = tlsHost.replace(/[.[\]]/g, '\\$&');
      const validator = new MessageValidator(new RegExp(`^${escaped}$`));

      const confirmation = await hook.next(1);
      assert.equal(confirmation.Type, 'SubscriptionConfirmation');
      assert.ok(confirmation.SigningCertURL!.startsWith(`https://${tlsHost}/`));
      await validate(validator, confirmation);
      assert.equal((await fetch(confirmation.SubscribeURL!)).status, 200);

      await sns.send(new PublishCommand({ TopicArn, Message: 'signed by eddy', Subject: 'hello' }));
      const notification = await hook.next(2);
      assert.equal(notification.SignatureVersion, version);
      assert.equal((await validate(validator, notification)).Message, 'signed by eddy');

      // A message changed on the way is refused.
      await assert.rejects(validate(validator, { ...notification, Message: 'tampered' }), /signature/i);
      // And the default validator refuses eddy's host: it trusts only amazonaws.com.
      await assert.rejects(validate(new MessageValidator(), notification), /certificate/i);
    } finally {
      await hook.close();
    }
  });
}

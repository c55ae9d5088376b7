// SNS's deliveries that leave AWS — texts, email (plain and JSON) and mobile push — land in eddy's
// outbox, read through GET /_eddy/topics/outbox and `eddy topics outbox`; email also reaches a
// configured SMTP server. Written from the SNS Developer Guide: sms and application subscriptions
// are confirmed at once, email ones once their owner follows the confirmation link.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  ConfirmSubscriptionCommand,
  CreatePlatformApplicationCommand,
  CreatePlatformEndpointCommand,
  CreateTopicCommand,
  ListSubscriptionsByTopicCommand,
  PublishCommand,
  SetEndpointAttributesCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import { type OutboxEntry, topics } from '../src/cli/topics.ts';
import { startTestEddy, type TestEddy } from './harness.ts';

let eddy: TestEddy;
let sns: SNSClient;

before(async () => {
  eddy = await startTestEddy();
  sns = eddy.client(SNSClient);
});
after(() => eddy.stop());

async function outbox(url: string, query = ''): Promise<OutboxEntry[]> {
  const response = await fetch(`${url}/_eddy/topics/outbox${query}`);
  assert.equal(response.status, 200, await response.clone().text());
  return ((await response.json()) as { entries: OutboxEntry[] }).entries;
}

/** The entries after `since` (an id), once `count` of them are there. */
async function newEntries(url: string, since: number, count: number): Promise<OutboxEntry[]> {
  for (let tries = 0; ; tries++) {
    const entries = await outbox(url, `?after=${since}`);
    if (entries.length >= count || tries > 100) return entries;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const lastId = async (url: string) => (await outbox(url, '?limit=1000')).at(-1)?.id ?? 0;

async function topic(Name: string): Promise<string> {
  return (await sns.send(new CreateTopicCommand({ Name }))).TopicArn!;
}

describe('texts', () => {
  test('a publish to a phone number lands in the outbox; its sms member wins; bad numbers are refused', async () => {
    const since = await lastId(eddy.url);
    const { MessageId } = await sns.send(
      new PublishCommand({ PhoneNumber: '+15555550100', Message: 'code 1234' }),
    );
    await sns.send(
      new PublishCommand({
        PhoneNumber: '15555550100',
        MessageStructure: 'json',
        Message: JSON.stringify({ default: 'long text', sms: 'short text' }),
      }),
    );
    const entries = await newEntries(eddy.url, since, 2);
    assert.deepEqual(
      entries.map(({ protocol, destination, message, messageType }) => ({
        protocol,
        destination,
        message,
        messageType,
      })),
      [
        { protocol: 'sms', destination: '+15555550100', message: 'code 1234', messageType: 'Notification' },
        { protocol: 'sms', destination: '15555550100', message: 'short text', messageType: 'Notification' },
      ],
    );
    assert.equal(entries[0]!.messageId, MessageId);
    await assert.rejects(
      sns.send(new PublishCommand({ PhoneNumber: '555-0100', Message: 'x' })),
      (error: Error) => {
        assert.equal(error.name, 'InvalidParameterException');
        assert.equal(
          error.message,
          'Invalid parameter: PhoneNumber Reason: 555-0100 is not valid to publish',
        );
        return true;
      },
    );
  });

  test('an sms subscription is confirmed at once and gets the topic’s messages', async () => {
    const TopicArn = await topic('texts');
    const { SubscriptionArn } = await sns.send(
      new SubscribeCommand({ TopicArn, Protocol: 'sms', Endpoint: '+15555550101' }),
    );
    assert.match(SubscriptionArn ?? '', /^arn:aws:sns:.*:texts:/);
    await assert.rejects(
      sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sms', Endpoint: 'call me' })),
      /Invalid parameter: Endpoint Reason: call me is not a phone number in E.164 format/,
    );
    const since = await lastId(eddy.url);
    await sns.send(new PublishCommand({ TopicArn, Message: 'disk at 99%' }));
    const [entry] = await newEntries(eddy.url, since, 1);
    assert.equal(entry?.protocol, 'sms');
    assert.equal(entry?.destination, '+15555550101');
    assert.equal(entry?.message, 'disk at 99%');
    assert.equal(entry?.topicArn, TopicArn);
    assert.equal(entry?.subscriptionArn, SubscriptionArn);
  });
});

describe('email', () => {
  test('a subscription waits for its owner, who follows the link the outbox holds; then mail arrives', async () => {
    const TopicArn = await topic('mail');
    const since = await lastId(eddy.url);
    const subscribed = await sns.send(
      new SubscribeCommand({ TopicArn, Protocol: 'email', Endpoint: 'dev@example.com' }),
    );
    assert.equal(subscribed.SubscriptionArn, 'pending confirmation');
    const [confirmation] = await newEntries(eddy.url, since, 1);
    assert.equal(confirmation?.messageType, 'SubscriptionConfirmation');
    assert.equal(confirmation?.subject, 'AWS Notification - Subscription Confirmation');
    const link = /https?:\/\/\S+Action=ConfirmSubscription\S+/.exec(confirmation?.message ?? '')?.[0];
    assert.ok(link, confirmation?.message);

    // Nothing is mailed before the confirmation.
    await sns.send(new PublishCommand({ TopicArn, Message: 'too early' }));
    const clicked = await fetch(link);
    assert.equal(clicked.status, 200);
    const { Subscriptions } = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }));
    assert.match(Subscriptions?.[0]?.SubscriptionArn ?? '', /^arn:aws:sns:.*:mail:/);

    const afterConfirmation = await lastId(eddy.url);
    await sns.send(new PublishCommand({ TopicArn, Subject: 'Disk full', Message: 'host-1 at 99%' }));
    const entries = await newEntries(eddy.url, since, 2);
    assert.deepEqual(
      entries.map((entry) => entry.messageType),
      ['SubscriptionConfirmation', 'Notification'],
      'the early message was not mailed',
    );
    const [mail] = await newEntries(eddy.url, afterConfirmation, 1);
    assert.equal(mail?.destination, 'dev@example.com');
    assert.equal(mail?.subject, 'Disk full');
    assert.match(mail?.message ?? '', /^host-1 at 99%\n\n--\nIf you wish to stop receiving notifications/);
    assert.match(mail?.message ?? '', /Action=Unsubscribe&Version=2010-03-31&SubscriptionArn=/);
  });

  test('email-json gets the signed JSON document; its token confirms through ConfirmSubscription', async () => {
    const TopicArn = await topic('mail-json');
    const since = await lastId(eddy.url);
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'email-json', Endpoint: 'ops@example.com' }));
    const [confirmation] = await newEntries(eddy.url, since, 1);
    const document = JSON.parse(confirmation!.message) as Record<string, string>;
    assert.equal(document.Type, 'SubscriptionConfirmation');
    assert.ok(document.SubscribeURL);
    await sns.send(new ConfirmSubscriptionCommand({ TopicArn, Token: document.Token! }));

    await sns.send(new PublishCommand({ TopicArn, Message: 'as json' }));
    const [, notification] = await newEntries(eddy.url, since, 2);
    const delivered = JSON.parse(notification!.message) as Record<string, string>;
    assert.equal(delivered.Type, 'Notification');
    assert.equal(delivered.Message, 'as json');
    assert.equal(delivered.TopicArn, TopicArn);
    assert.ok(delivered.Signature && delivered.SigningCertURL);
    await assert.rejects(
      sns.send(new SubscribeCommand({ TopicArn, Protocol: 'email', Endpoint: 'not-an-address' })),
      /Invalid parameter: Email address/,
    );
  });
});

describe('mobile push', () => {
  test('a publish to an endpoint, or through a topic, carries its platform’s member; disabled ones refuse', async () => {
    const { PlatformApplicationArn } = await sns.send(
      new CreatePlatformApplicationCommand({
        Name: 'app',
        Platform: 'APNS',
        Attributes: { PlatformPrincipal: 'certificate', PlatformCredential: 'key' },
      }),
    );
    const { EndpointArn } = await sns.send(
      new CreatePlatformEndpointCommand({ PlatformApplicationArn, Token: 'device-token' }),
    );
    const TopicArn = await topic('push');
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'application', Endpoint: EndpointArn }));
    const since = await lastId(eddy.url);
    const apns = JSON.stringify({ aps: { alert: 'hello' } });
    await sns.send(new PublishCommand({ TargetArn: EndpointArn, Message: 'direct' }));
    await sns.send(
      new PublishCommand({
        TopicArn,
        MessageStructure: 'json',
        Message: JSON.stringify({ default: 'fallback', APNS: apns }),
      }),
    );
    const entries = await newEntries(eddy.url, since, 2);
    assert.deepEqual(
      entries.map(({ protocol, destination, message }) => ({ protocol, destination, message })),
      [
        { protocol: 'application', destination: EndpointArn, message: 'direct' },
        { protocol: 'application', destination: EndpointArn, message: apns },
      ],
    );
    await sns.send(new SetEndpointAttributesCommand({ EndpointArn, Attributes: { Enabled: 'false' } }));
    await assert.rejects(sns.send(new PublishCommand({ TargetArn: EndpointArn, Message: 'x' })), {
      name: 'EndpointDisabledException',
    });
  });
});

describe('eddy topics outbox', () => {
  test('prints the entries of a protocol, as text or JSON', async () => {
    await sns.send(new PublishCommand({ PhoneNumber: '+15555550199', Message: 'from the CLI test' }));
    const env = { EDDY_ENDPOINT: eddy.url };
    const printed: string[] = [];
    const left = await topics(['outbox', '--protocol', 'sms'], env, (text) => printed.push(text));
    assert.equal(left, '');
    const text = printed.join('');
    assert.match(text, /Z {2}sms → \+15555550199\n {2}from the CLI test\n/);
    assert.doesNotMatch(text, / email → /);

    const json: string[] = [];
    await topics(['outbox', '--json'], env, (line) => json.push(line));
    const parsed = json.map((line) => JSON.parse(line) as OutboxEntry);
    assert.ok(parsed.some((entry) => entry.message === 'from the CLI test'));
    await assert.rejects(topics(['outbox', '--protocol', 'fax'], env), /--protocol is one of sms, email/);
  });
});

/** A mail catcher: speaks just enough SMTP, keeps what it was given, refuses one recipient. */
function mailCatcher(refused: string) {
  const mails: Array<{ from: string; to: string; data: string }> = [];
  const server: Server = createServer((socket) => {
    socket.setEncoding('utf8');
    let buffer = '';
    let inData = false;
    let mail = { from: '', to: '', data: '' };
    socket.write('220 catcher ESMTP\r\n');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end === -1) return;
          mails.push({ ...mail, data: buffer.slice(0, end) });
          buffer = buffer.slice(end + 5);
          inData = false;
          mail = { from: '', to: '', data: '' };
          socket.write('250 queued\r\n');
          continue;
        }
        const eol = buffer.indexOf('\r\n');
        if (eol === -1) return;
        const line = buffer.slice(0, eol);
        buffer = buffer.slice(eol + 2);
        if (line.startsWith('EHLO')) socket.write('250-catcher\r\n250 8BITMIME\r\n');
        else if (line.startsWith('MAIL FROM:')) {
          mail.from = line.slice(10);
          socket.write('250 ok\r\n');
        } else if (line.startsWith('RCPT TO:')) {
          if (line.includes(refused)) socket.write('550 5.1.1 no such mailbox\r\n');
          else {
            mail.to = line.slice(8);
            socket.write('250 ok\r\n');
          }
        } else if (line === 'DATA') {
          inData = true;
          socket.write('354 go ahead\r\n');
        } else if (line === 'QUIT') socket.end('221 bye\r\n');
        else socket.write('502 not here\r\n');
      }
    });
  });
  return { server, mails };
}

describe('SMTP', () => {
  test('with EDDY_SMTP_URL, email also goes to the server, and the outbox says whether it took it', async () => {
    const catcher = mailCatcher('nobody@example.com');
    catcher.server.listen(0, '127.0.0.1');
    await once(catcher.server, 'listening');
    const port = (catcher.server.address() as AddressInfo).port;
    const mailing = await startTestEddy({ config: { smtpUrl: `smtp://127.0.0.1:${port}` } });
    try {
      const client = mailing.client(SNSClient);
      const { TopicArn } = await client.send(new CreateTopicCommand({ Name: 'smtp' }));
      await client.send(new SubscribeCommand({ TopicArn, Protocol: 'email', Endpoint: 'dev@example.com' }));
      await client.send(
        new SubscribeCommand({ TopicArn, Protocol: 'email', Endpoint: 'nobody@example.com' }),
      );
      for (let tries = 0; catcher.mails.length < 1 && tries < 200; tries++)
        await new Promise((resolve) => setTimeout(resolve, 20));
      const [mail] = catcher.mails;
      assert.equal(mail?.from, '<no-reply@sns.amazonaws.com>');
      assert.equal(mail?.to, '<dev@example.com>');
      assert.match(mail?.data ?? '', /\r\nSubject: AWS Notification - Subscription Confirmation\r\n/);
      assert.match(mail?.data ?? '', /Action=ConfirmSubscription/);

      let entries: OutboxEntry[] = [];
      for (let tries = 0; tries < 200; tries++) {
        entries = await outbox(mailing.url);
        if (entries.length === 2 && entries.every((entry) => entry.smtp !== undefined)) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const outcome = Object.fromEntries(entries.map((entry) => [entry.destination, entry.smtp]));
      assert.equal(outcome['dev@example.com'], 'sent');
      assert.match(
        outcome['nobody@example.com'] ?? '',
        /^not sent: the SMTP server answered RCPT TO with 550 /,
      );
    } finally {
      await mailing.stop();
      catcher.server.close();
    }
  });
});

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { ManualClock, silentLogger } from '../../runtime/index.ts';
import { openTestStore, type TestStore } from '../../store/index.ts';
import { Outbox, type OutboxMessage } from './outbox.ts';
import { topicMigrations } from './schema.ts';
import { formatMail } from './smtp.ts';

const databases: TestStore[] = [];
after(async () => {
  for (const database of databases) await database.dispose();
});

const text = (n: number): OutboxMessage => ({
  protocol: 'sms',
  destination: '+15555550100',
  message: `code ${n}`,
  messageId: `m-${n}`,
  messageType: 'Notification',
});

test('the outbox keeps the latest entries, in order, and they survive a restart', async () => {
  const database = await openTestStore();
  databases.push(database);
  const clock = new ManualClock(Date.UTC(2026, 11, 8));
  await database.store.migrate(topicMigrations);
  const outbox = new Outbox(database.store, clock, silentLogger, undefined, 3);
  for (let n = 1; n <= 5; n++) await outbox.add(text(n));
  await outbox.add({ ...text(6), protocol: 'email', destination: 'dev@example.com', subject: 'Hi' });
  assert.deepEqual(
    (await outbox.list()).map((entry) => entry.message),
    ['code 4', 'code 5', 'code 6'],
    'bounded: the oldest went',
  );
  assert.deepEqual(
    (await outbox.list({ protocol: 'sms' })).map((entry) => entry.messageId),
    ['m-4', 'm-5'],
  );
  const [fourth] = await outbox.list({ limit: 1 });
  assert.deepEqual(
    (await outbox.list({ after: fourth!.id })).map((entry) => entry.messageId),
    ['m-5', 'm-6'],
  );
  await database.store.close();

  const reopened = database.open();
  const again = new Outbox(reopened, clock, silentLogger, undefined, 3);
  const entries = await again.list();
  assert.equal(entries.length, 3);
  assert.deepEqual(entries[2], {
    id: entries[2]!.id,
    at: '2026-12-08T00:00:00.000Z',
    protocol: 'email',
    destination: 'dev@example.com',
    subject: 'Hi',
    message: 'code 6',
    messageId: 'm-6',
    messageType: 'Notification',
  });
  await reopened.close();
});

test('a mail is written with CRLF line ends, dot-stuffed, its subject header-safe', () => {
  const written = formatMail(
    {
      from: 'no-reply@sns.amazonaws.com',
      to: 'dev@example.com',
      subject: 'Disk füll\r\nBcc: evil@example.com',
      text: 'line one\n.hidden dot\nlast',
      messageId: 'abc',
    },
    new Date(Date.UTC(2026, 11, 8)),
  );
  assert.ok(written.endsWith('\r\nlast\r\n.\r\n'));
  assert.match(written, /\r\n\.\.hidden dot\r\n/);
  assert.match(written, /\r\nSubject: =\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=\r\n/);
  assert.doesNotMatch(written, /\r\nBcc:/);
  assert.equal(
    Buffer.from(/Subject: =\?UTF-8\?B\?([^?]+)\?=/.exec(written)![1]!, 'base64').toString(),
    'Disk füll Bcc: evil@example.com',
  );
});

// SQS queues as resources, through @aws-sdk/client-sqs (AWS JSON 1.0) against a real eddy server:
// CreateQueue (names, idempotency, attribute checks), GetQueueUrl, ListQueues, DeleteQueue, tags and
// permissions. Written from the Amazon SQS API Reference; time runs on a ManualClock.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  AddPermissionCommand,
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  ListQueueTagsCommand,
  RemovePermissionCommand,
  SendMessageCommand,
  SQSClient,
  TagQueueCommand,
  UntagQueueCommand,
} from '@aws-sdk/client-sqs';
import { ManualClock } from '../src/runtime/index.ts';
import { ACCOUNT, assertAwsError, queueArn, uniqueName } from './fixtures/queues.ts';
import { startTestEddy, type TestEddy } from './harness.ts';
import { attributesOf, createQueue, receive } from './helpers.ts';

let eddy: TestEddy;
let sqs: SQSClient;
const clock = new ManualClock(Date.UTC(2025, 0, 1));

before(async () => {
  eddy = await startTestEddy({ clock });
  sqs = eddy.client(SQSClient);
});
after(() => eddy?.stop());

describe('queue lifecycle', () => {
  test('CreateQueue returns http://host:port/account/name and GetQueueUrl finds it', async () => {
    const name = uniqueName('life');
    const url = await createQueue(sqs, name);
    assert.equal(url, `${eddy.url}/${ACCOUNT}/${name}`);
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    assert.equal(QueueUrl, url);
    const owned = await sqs.send(
      new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: ACCOUNT }),
    );
    assert.equal(owned.QueueUrl, url);
  });

  test('behind a load balancer, queue URLs name the configured public URL, not the node', async () => {
    const behind = await startTestEddy({ config: { publicUrl: 'https://queues.example.com:8443' } });
    const client = behind.client(SQSClient);
    try {
      const name = uniqueName('public');
      const url = await createQueue(client, name);
      assert.equal(url, `https://queues.example.com:8443/${ACCOUNT}/${name}`);
      const { QueueUrls } = await client.send(new ListQueuesCommand({ QueueNamePrefix: name }));
      assert.deepEqual(QueueUrls, [url]);
      // The URL it handed out addresses the queue when the load balancer forwards it here.
      await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'via the balancer' }));
      assert.equal((await receive(client, url))[0]?.Body, 'via the balancer');
    } finally {
      client.destroy();
      await behind.stop();
    }
  });

  test('GetQueueUrl of an unknown queue is QueueDoesNotExist', async () => {
    await assertAwsError(
      sqs.send(new GetQueueUrlCommand({ QueueName: 'no-such-queue' })),
      'QueueDoesNotExist',
    );
  });

  test('a queue URL with another host but a known account and name resolves', async () => {
    const name = uniqueName('otherhost');
    await createQueue(sqs, name);
    const foreign = `http://sqs.us-east-1.amazonaws.com/${ACCOUNT}/${name}`;
    await sqs.send(new SendMessageCommand({ QueueUrl: foreign, MessageBody: 'via another host' }));
    const messages = await receive(sqs, `${eddy.url}/${ACCOUNT}/${name}`);
    assert.deepEqual(
      messages.map((m) => m.Body),
      ['via another host'],
    );
  });

  test("a bare queue name given as QueueUrl is the caller's queue of that name", async () => {
    const name = uniqueName('bare');
    await createQueue(sqs, name);
    await sqs.send(new SendMessageCommand({ QueueUrl: name, MessageBody: 'by name' }));
    const messages = await receive(sqs, `${eddy.url}/${ACCOUNT}/${name}`);
    assert.deepEqual(
      messages.map((m) => m.Body),
      ['by name'],
    );
    await assertAwsError(
      sqs.send(new SendMessageCommand({ QueueUrl: 'no-such-bare-queue', MessageBody: 'x' })),
      'QueueDoesNotExist',
    );
  });

  test('CreateQueue is idempotent with equal attributes, QueueNameExists with different ones', async () => {
    const name = uniqueName('idem');
    const url = await createQueue(sqs, name, { VisibilityTimeout: '60', DelaySeconds: '5' });
    assert.equal(await createQueue(sqs, name, { VisibilityTimeout: '60', DelaySeconds: '5' }), url);
    // Only attributes named in the request are compared; none named means no conflict.
    assert.equal(await createQueue(sqs, name), url);
    assert.equal(await createQueue(sqs, name, { VisibilityTimeout: '60' }), url);
    await assertAwsError(
      sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '61' } })),
      'QueueNameExists',
    );
    // A default value given explicitly equals the existing queue's default.
    const plain = uniqueName('idem-default');
    const plainUrl = await createQueue(sqs, plain);
    assert.equal(
      await createQueue(sqs, plain, { VisibilityTimeout: '30', MessageRetentionPeriod: '345600' }),
      plainUrl,
    );
    // The failed create changed nothing.
    assert.equal((await attributesOf(sqs, url, ['VisibilityTimeout'])).VisibilityTimeout, '60');
  });

  test('queue names: up to 80 of [A-Za-z0-9_-], FIFO names end in .fifo', async () => {
    const eighty = 'q'.repeat(80);
    assert.equal(await createQueue(sqs, eighty), `${eddy.url}/${ACCOUNT}/${eighty}`);
    await assertAwsError(
      sqs.send(new CreateQueueCommand({ QueueName: 'q'.repeat(81) })),
      'InvalidParameterValue',
    );
    for (const bad of ['has space', 'dots.in.name', 'slash/name', 'star*', 'é', '']) {
      await assertAwsError(sqs.send(new CreateQueueCommand({ QueueName: bad })), 'InvalidParameterValue');
    }
    const fifo80 = `${'f'.repeat(75)}.fifo`;
    await createQueue(sqs, fifo80, { FifoQueue: 'true' });
    await assertAwsError(
      sqs.send(
        new CreateQueueCommand({ QueueName: `${'f'.repeat(76)}.fifo`, Attributes: { FifoQueue: 'true' } }),
      ),
      'InvalidParameterValue',
    );
    // FifoQueue=true needs the .fifo suffix, and a .fifo name needs FifoQueue=true.
    await assertAwsError(
      sqs.send(new CreateQueueCommand({ QueueName: 'not-suffixed', Attributes: { FifoQueue: 'true' } })),
      'InvalidParameterValue',
    );
    await assertAwsError(
      sqs.send(new CreateQueueCommand({ QueueName: 'suffixed.fifo' })),
      'InvalidParameterValue',
    );
    // Names are case-sensitive: two queues.
    const lower = await createQueue(sqs, 'casequeue');
    const upper = await createQueue(sqs, 'CaseQueue');
    assert.notEqual(lower, upper);
  });

  test('CreateQueue rejects unknown attributes and out-of-range values', async () => {
    await assertAwsError(
      sqs.send(new CreateQueueCommand({ QueueName: uniqueName('bad'), Attributes: { Bogus: '1' } as never })),
      'InvalidAttributeName',
    );
    const outOfRange: Record<string, string> = {
      VisibilityTimeout: '43201',
      DelaySeconds: '901',
      MaximumMessageSize: '1023',
      MessageRetentionPeriod: '59',
      ReceiveMessageWaitTimeSeconds: '21',
    };
    for (const [attribute, value] of Object.entries(outOfRange)) {
      await assertAwsError(
        sqs.send(
          new CreateQueueCommand({ QueueName: uniqueName('bad'), Attributes: { [attribute]: value } }),
        ),
        'InvalidAttributeValue',
      );
    }
    await assertAwsError(
      sqs.send(
        new CreateQueueCommand({
          QueueName: uniqueName('bad'),
          Attributes: { MaximumMessageSize: '1048577' },
        }),
      ),
      'InvalidAttributeValue',
    );
    await assertAwsError(
      sqs.send(
        new CreateQueueCommand({
          QueueName: uniqueName('bad'),
          Attributes: { MessageRetentionPeriod: '1209601' },
        }),
      ),
      'InvalidAttributeValue',
    );
  });

  test('DeleteQueue removes the queue; recreating the name within 60 s is QueueDeletedRecently', async () => {
    const name = uniqueName('deleted');
    const url = await createQueue(sqs, name);
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'gone with the queue' }));
    await sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
    await assertAwsError(sqs.send(new GetQueueUrlCommand({ QueueName: name })), 'QueueDoesNotExist');
    await assertAwsError(
      sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' })),
      'QueueDoesNotExist',
    );
    await assertAwsError(sqs.send(new CreateQueueCommand({ QueueName: name })), 'QueueDeletedRecently');
    await eddy.advance(61_000);
    assert.equal(await createQueue(sqs, name), url);
    assert.deepEqual(await receive(sqs, url), [], 'the old messages did not come back');
  });

  test('ListQueues filters by prefix and pages with MaxResults and NextToken', async () => {
    const prefix = uniqueName('list');
    const urls: string[] = [];
    for (let i = 0; i < 5; i++) urls.push(await createQueue(sqs, `${prefix}-${i}`));
    await createQueue(sqs, uniqueName('other'));

    const all = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: prefix }));
    assert.deepEqual([...(all.QueueUrls ?? [])].sort(), [...urls].sort());
    assert.equal(all.NextToken, undefined, 'no NextToken without MaxResults');

    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await sqs.send(
        new ListQueuesCommand({ QueueNamePrefix: prefix, MaxResults: 2, NextToken: token }),
      );
      assert.ok((page.QueueUrls ?? []).length <= 2);
      seen.push(...(page.QueueUrls ?? []));
      token = page.NextToken;
      pages += 1;
      assert.ok(pages <= 5, 'pagination terminates');
    } while (token);
    assert.deepEqual([...seen].sort(), [...urls].sort());
    assert.equal(pages, 3);

    const none = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'zzz-no-queue-has-this' }));
    assert.deepEqual(none.QueueUrls ?? [], []);
    await assertAwsError(sqs.send(new ListQueuesCommand({ MaxResults: 0 })), 'InvalidParameterValue');
    await assertAwsError(sqs.send(new ListQueuesCommand({ MaxResults: 1001 })), 'InvalidParameterValue');
  });

  test('ListQueues without a prefix lists every queue', async () => {
    const name = uniqueName('everyone');
    const url = await createQueue(sqs, name);
    const { QueueUrls } = await sqs.send(new ListQueuesCommand({}));
    assert.ok(QueueUrls?.includes(url));
  });
});

describe('tags and permissions', () => {
  test('TagQueue, ListQueueTags and UntagQueue; tags given at creation', async () => {
    const url = await createQueue(sqs, uniqueName('tags'));
    assert.deepEqual((await sqs.send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags ?? {}, {});
    await sqs.send(new TagQueueCommand({ QueueUrl: url, Tags: { team: 'a', env: 'test' } }));
    await sqs.send(new TagQueueCommand({ QueueUrl: url, Tags: { team: 'b' } }));
    assert.deepEqual((await sqs.send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags, {
      team: 'b',
      env: 'test',
    });
    await sqs.send(new UntagQueueCommand({ QueueUrl: url, TagKeys: ['env', 'not-there'] }));
    assert.deepEqual((await sqs.send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags, { team: 'b' });

    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({ QueueName: uniqueName('tags-at-create'), tags: { Owner: 'me' } }),
    );
    assert.deepEqual((await sqs.send(new ListQueueTagsCommand({ QueueUrl }))).Tags, { Owner: 'me' });
  });

  test('AddPermission adds a statement to the Policy; RemovePermission takes it out', async () => {
    const name = uniqueName('perm');
    const url = await createQueue(sqs, name);
    await sqs.send(
      new AddPermissionCommand({
        QueueUrl: url,
        Label: 'AliceSend',
        AWSAccountIds: ['111122223333'],
        Actions: ['SendMessage', 'ReceiveMessage'],
      }),
    );
    const policy = JSON.parse((await attributesOf(sqs, url, ['Policy'])).Policy ?? '{}') as {
      Statement?: Array<{ Sid?: string; Effect?: string; Resource?: string; Action?: string | string[] }>;
    };
    const statement = policy.Statement?.find((s) => s.Sid === 'AliceSend');
    assert.ok(statement, 'a statement with the label as Sid');
    assert.equal(statement.Effect, 'Allow');
    assert.equal(statement.Resource, queueArn(name));
    assert.deepEqual([statement.Action ?? []].flat().sort(), ['SQS:ReceiveMessage', 'SQS:SendMessage']);
    await assertAwsError(
      sqs.send(
        new AddPermissionCommand({
          QueueUrl: url,
          Label: 'AliceSend',
          AWSAccountIds: ['111122223333'],
          Actions: ['*'],
        }),
      ),
      'InvalidParameterValue',
    );
    await sqs.send(new RemovePermissionCommand({ QueueUrl: url, Label: 'AliceSend' }));
    const after = (await attributesOf(sqs, url, ['Policy'])).Policy;
    if (after) {
      const left = JSON.parse(after) as { Statement?: Array<{ Sid?: string }> };
      assert.ok(!left.Statement?.some((s) => s.Sid === 'AliceSend'));
    }
    await assertAwsError(
      sqs.send(new RemovePermissionCommand({ QueueUrl: url, Label: 'AliceSend' })),
      'InvalidParameterValue',
    );
  });
});

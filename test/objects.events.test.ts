// Object events: "Object Created" / "Object Deleted" on the default bus to a rule's queue, and S3's
// Records[] messages to a queue with prefix/suffix filters, after its s3:TestEvent.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetBucketNotificationConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { CreateQueueCommand, type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startTestEddy, type TestEddy } from './harness.ts';

/** A parsed JSON message, read by path in the assertions. */
// biome-ignore lint/suspicious/noExplicitAny: event bodies are read by path in assertions.
type Json = Record<string, any>;

import { eventually } from './helpers.ts';

let eddy: TestEddy;
let s3: S3Client;
let sqs: SQSClient;

before(async () => {
  eddy = await startTestEddy();
  s3 = eddy.client(S3Client, { forcePathStyle: true });
  sqs = eddy.client(SQSClient);
});
after(() => eddy.stop());

async function drain(queueUrl: string, count: number): Promise<Message[]> {
  const messages: Message[] = [];
  await eventually(
    async () => {
      const got = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      messages.push(...(got.Messages ?? []));
      return messages.length >= count;
    },
    { what: `${count} messages` },
  );
  return messages;
}

test('EventBridge: Object Created and Object Deleted reach a rule on the default bus', async () => {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'object-events' }));
  const events = eddy.client(EventBridgeClient);
  await events.send(
    new PutRuleCommand({
      Name: 'uploads',
      EventPattern: JSON.stringify({
        source: ['aws.s3'],
        'detail-type': ['Object Created', 'Object Deleted'],
        detail: { bucket: { name: ['inbox'] }, object: { key: [{ prefix: 'in/' }] } },
      }),
    }),
  );
  await events.send(
    new PutTargetsCommand({
      Rule: 'uploads',
      Targets: [{ Id: 'q', Arn: 'arn:aws:sqs:us-east-1:000000000000:object-events' }],
    }),
  );
  await s3.send(new CreateBucketCommand({ Bucket: 'inbox' }));
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: 'inbox',
      NotificationConfiguration: { EventBridgeConfiguration: {} },
    }),
  );
  const shown = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'inbox' }));
  assert.deepEqual(shown.EventBridgeConfiguration, {});

  await s3.send(new PutObjectCommand({ Bucket: 'inbox', Key: 'in/report.csv', Body: 'a,b\n1,2\n' }));
  await s3.send(new PutObjectCommand({ Bucket: 'inbox', Key: 'elsewhere.txt', Body: 'not matched' }));
  const { UploadId } = await s3.send(
    new CreateMultipartUploadCommand({ Bucket: 'inbox', Key: 'in/big.bin' }),
  );
  const part = await s3.send(
    new UploadPartCommand({ Bucket: 'inbox', Key: 'in/big.bin', UploadId, PartNumber: 1, Body: 'one part' }),
  );
  await s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: 'inbox',
      Key: 'in/big.bin',
      UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
    }),
  );
  await s3.send(new DeleteObjectCommand({ Bucket: 'inbox', Key: 'in/report.csv' }));

  const messages = await drain(QueueUrl!, 3);
  const bodies = messages.map((message) => JSON.parse(message.Body!) as Json);
  const created = bodies.find(
    (body) => body.detail.object.key === 'in/report.csv' && body['detail-type'] === 'Object Created',
  )!;
  assert.equal(created.source, 'aws.s3');
  assert.equal(created.account, '000000000000');
  assert.equal(created.region, 'us-east-1');
  assert.deepEqual(created.resources, ['arn:aws:s3:::inbox']);
  assert.equal(created.detail.version, '0');
  assert.deepEqual(created.detail.bucket, { name: 'inbox' });
  assert.equal(created.detail.object.size, 8);
  assert.match(created.detail.object.etag, /^[0-9a-f]{32}$/);
  assert.match(created.detail.object.sequencer, /^[0-9A-F]+$/);
  assert.equal(created.detail.reason, 'PutObject');
  assert.equal(created.detail.requester, '000000000000');
  assert.ok(created.detail['request-id']);
  assert.ok(created.detail['source-ip-address']);
  const multipart = bodies.find((body) => body.detail.object.key === 'in/big.bin')!;
  assert.equal(multipart.detail.reason, 'CompleteMultipartUpload');
  assert.match(multipart.detail.object.etag, /-1$/);
  const deleted = bodies.find((body) => body['detail-type'] === 'Object Deleted')!;
  assert.equal(deleted.detail.reason, 'DeleteObject');
  assert.equal(deleted.detail['deletion-type'], 'Permanently Deleted');
  assert.equal(bodies.length, 3, 'elsewhere.txt matched no rule');
});

test('queue notifications: the test event, Records[] with filters and urlencoded keys', async () => {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'classic' }));
  await s3.send(new CreateBucketCommand({ Bucket: 'classic-bucket' }));
  const refused = await s3
    .send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: 'classic-bucket',
        NotificationConfiguration: {
          QueueConfigurations: [
            { QueueArn: 'arn:aws:sqs:us-east-1:000000000000:nowhere', Events: ['s3:ObjectCreated:*'] },
          ],
        },
      }),
    )
    .catch((error: Error) => error);
  assert.equal((refused as Error).name, 'InvalidArgument');
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: 'classic-bucket',
      NotificationConfiguration: {
        QueueConfigurations: [
          {
            Id: 'images',
            QueueArn: 'arn:aws:sqs:us-east-1:000000000000:classic',
            Events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:Delete'],
            Filter: {
              Key: {
                FilterRules: [
                  { Name: 'prefix', Value: 'img/' },
                  { Name: 'suffix', Value: '.jpg' },
                ],
              },
            },
          },
        ],
      },
    }),
  );
  const [testEvent] = await drain(QueueUrl!, 1);
  const test = JSON.parse(testEvent!.Body!) as Record<string, string>;
  assert.equal(test.Event, 's3:TestEvent');
  assert.equal(test.Bucket, 'classic-bucket');

  await s3.send(new PutObjectCommand({ Bucket: 'classic-bucket', Key: 'img/a cat.jpg', Body: 'meow' }));
  await s3.send(new PutObjectCommand({ Bucket: 'classic-bucket', Key: 'img/a cat.png', Body: 'no' }));
  await s3.send(new PutObjectCommand({ Bucket: 'classic-bucket', Key: 'doc/a.jpg', Body: 'no' }));
  await s3.send(new DeleteObjectCommand({ Bucket: 'classic-bucket', Key: 'img/a cat.jpg' }));
  const messages = await drain(QueueUrl!, 2);
  const records = messages.map((message) => (JSON.parse(message.Body!) as { Records: Json[] }).Records[0]!);
  assert.deepEqual(records.map((record) => record.eventName).sort(), [
    'ObjectCreated:Put',
    'ObjectRemoved:Delete',
  ]);
  const put = records.find((record) => record.eventName === 'ObjectCreated:Put')!;
  assert.equal(put.eventVersion, '2.1');
  assert.equal(put.eventSource, 'aws:s3');
  assert.equal(put.s3.configurationId, 'images');
  assert.equal(put.s3.bucket.name, 'classic-bucket');
  assert.equal(put.s3.bucket.arn, 'arn:aws:s3:::classic-bucket');
  assert.equal(put.s3.object.key, 'img/a+cat.jpg');
  assert.equal(put.s3.object.size, 4);
  assert.ok(put.s3.object.sequencer);
  const more = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
  assert.equal(more.Messages, undefined, 'the filtered keys sent nothing');
});

// Codec round-trips through the real SDK clients, one service per AWS protocol.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  DeleteRuleCommand,
  DescribeEventBusCommand,
  EventBridgeClient,
  ListArchivesCommand,
  ListEventBusesCommand,
  ListReplaysCommand,
  PutEventsCommand,
  PutRuleCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import {
  CreateTopicCommand,
  DeleteTopicCommand,
  GetTopicAttributesCommand,
  ListTopicsCommand,
  PublishCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import { GetQueueUrlCommand, ListQueuesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type InternalRoute, loadModel, ServiceError } from '../src/contract/index.ts';
import { CREATED, type Recorder, testServices } from './fixtures/services.ts';
import { startTestEddy, TEST_STORE, type TestEddy } from './harness.ts';

const recorder: Recorder = { calls: new Map() };
let eddy: TestEddy;

before(async () => {
  const internalRoutes: InternalRoute[] = [
    {
      method: 'GET',
      path: 'things/:id',
      handle: ({ params, query }) => ({ body: { id: params.id, q: query.get('q') } }),
    },
    {
      method: 'POST',
      path: 'things',
      handle: ({ body }) => {
        if (!body) throw new ServiceError('ValidationException', 'a thing needs a body');
        return { status: 201, body };
      },
    },
  ];
  const withRoutes = () => ({
    definition: { name: 'internal', model: loadModel('kinesis-2013-12-02'), handlers: {}, internalRoutes },
    migrations: [],
  });
  eddy = await startTestEddy({ services: [...testServices(recorder), withRoutes], inMemory: true });
});
after(() => eddy.stop());

function inputOf(operation: string): Record<string, unknown> {
  const call = recorder.calls.get(operation);
  assert.ok(call, `${operation} was not called`);
  return call.input;
}

async function rejection(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  assert.fail('expected the call to fail');
}

async function post(headers: Record<string, string>, body: string) {
  const response = await fetch(eddy.url, { method: 'POST', headers, body });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

describe('AWS JSON 1.1 (EventBridge)', () => {
  test('decodes input and encodes timestamps as the SDK expects', async () => {
    const client = eddy.client(EventBridgeClient);
    const buses = await client.send(new ListEventBusesCommand({}));
    assert.equal(buses.EventBuses?.[0]?.Name, 'default');
    const archives = await client.send(new ListArchivesCommand({}));
    assert.deepEqual(archives.Archives?.[0]?.CreationTime, CREATED);
    assert.equal(archives.Archives?.[0]?.SizeBytes, 2 ** 40);
    assert.match(buses.$metadata.requestId ?? '', /^[0-9a-f-]{36}$/);

    const time = new Date('2025-02-03T04:05:06.000Z');
    const put = await client.send(
      new PutEventsCommand({
        Entries: [{ Source: 'com.flix', DetailType: 'x', Detail: '{"a":1}', Time: time }, { Source: 's2' }],
      }),
    );
    assert.deepEqual(
      put.Entries?.map((entry) => entry.EventId),
      ['event-0', 'event-1'],
    );
    const entries = inputOf('PutEvents').Entries as Array<Record<string, unknown>>;
    assert.equal(entries[0]?.Source, 'com.flix');
    assert.deepEqual(entries[0]?.Time, time);
  });

  test('a ServiceError arrives as the named exception with its message', async () => {
    const error = await rejection(
      eddy.client(EventBridgeClient).send(new DescribeEventBusCommand({ Name: 'nope' })),
    );
    assert.equal(error.name, 'ResourceNotFoundException');
    assert.equal(error.message, 'Event bus nope does not exist.');
    assert.equal((error.$metadata as { httpStatusCode: number }).httpStatusCode, 400);
  });

  test('a missing required member is a ValidationException naming it', async () => {
    const error = await rejection(eddy.client(EventBridgeClient).send(new PutRuleCommand({} as never)));
    assert.equal(error.name, 'ValidationException');
    assert.match(error.message, /'name'.*must not be null/);
  });

  test('a handler bug is a 500 InternalFailure with the request id, and the server keeps serving', async () => {
    const error = await rejection(eddy.client(EventBridgeClient).send(new DeleteRuleCommand({ Name: 'r' })));
    assert.equal(error.name, 'InternalFailure');
    const metadata = error.$metadata as { httpStatusCode: number; requestId: string };
    assert.equal(metadata.httpStatusCode, 500);
    assert.ok(error.message.includes(metadata.requestId), 'the message carries the request id');
    assert.doesNotMatch(error.message, /a bug in a handler|at /);
    await eddy.client(EventBridgeClient).send(new ListEventBusesCommand({}));
  });

  test('an operation of the model without a handler says eddy does not implement it', async () => {
    const error = await rejection(eddy.client(EventBridgeClient).send(new ListReplaysCommand({})));
    assert.equal(error.name, 'NotImplemented');
    assert.match(error.message, /ListReplays/);
  });

  test('wrong member types, malformed JSON and unknown operations get the protocol errors', async () => {
    const headers = {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'AWSEvents.ListEventBuses',
    };
    const wrongType = await post(headers, '{"Limit":"ten"}');
    assert.equal(wrongType.status, 400);
    assert.deepEqual(JSON.parse(wrongType.text).__type, 'SerializationException');
    assert.match(JSON.parse(wrongType.text).message, /'Limit' must be an integer/);

    const malformed = await post(headers, '{"Limit":');
    assert.equal(malformed.status, 400);
    assert.equal(JSON.parse(malformed.text).__type, 'SerializationException');

    const unknown = await post({ ...headers, 'x-amz-target': 'AWSEvents.NoSuchThing' }, '{}');
    assert.equal(unknown.status, 400);
    assert.equal(JSON.parse(unknown.text).__type, 'UnknownOperationException');
    assert.match(JSON.parse(unknown.text).message, /NoSuchThing/);
    assert.ok(unknown.headers.get('x-amzn-requestid'));

    const noService = await post({ ...headers, 'x-amz-target': 'NoSuchService_20200101.Do' }, '{}');
    assert.equal(noService.status, 400);
    assert.equal(JSON.parse(noService.text).__type, 'UnknownServiceException');
  });
});

describe('AWS JSON 1.0, Query-compatible (SQS model)', () => {
  test('round-trips through the SDK, which verifies the body MD5', async () => {
    const client = eddy.client(SQSClient);
    const listed = await client.send(new ListQueuesCommand({}));
    assert.equal(listed.QueueUrls?.length, 2);
    const sent = await client.send(
      new SendMessageCommand({ QueueUrl: 'http://x/000000000000/a', MessageBody: 'héllo ✓' }),
    );
    assert.equal(sent.MessageId, 'm-1');
    assert.equal(inputOf('SendMessage').MessageBody, 'héllo ✓');
  });

  test('errors carry the Query code in x-amzn-query-error', async () => {
    const error = await rejection(eddy.client(SQSClient).send(new GetQueueUrlCommand({ QueueName: 'nope' })));
    assert.equal(error.name, 'QueueDoesNotExist');
    assert.equal(error.Code, 'AWS.SimpleQueueService.NonExistentQueue');
    assert.equal(error.message, 'The specified queue nope does not exist.');
  });

  test('the aws CLI reads answers and Query-compatible errors', async () => {
    const listed = await eddy.aws(['sqs', 'list-queues']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(JSON.parse(listed.stdout).QueueUrls, [
      'http://127.0.0.1/000000000000/a',
      'http://127.0.0.1/000000000000/b',
    ]);
    const missing = await eddy.aws(['sqs', 'get-queue-url', '--queue-name', 'nope']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /AWS\.SimpleQueueService\.NonExistentQueue/);
  });
});

describe('AWS Query with XML responses (SNS)', () => {
  test('lists, maps and nested structures survive the round trip', async () => {
    const client = eddy.client(SNSClient);
    const topics = await client.send(new ListTopicsCommand({ NextToken: 'page-1' }));
    assert.deepEqual(
      topics.Topics?.map((topic) => topic.TopicArn),
      ['arn:aws:sns:us-east-1:000000000000:one', 'arn:aws:sns:us-east-1:000000000000:two'],
    );
    assert.equal(topics.NextToken, 'page-2');
    assert.equal(inputOf('ListTopics').NextToken, 'page-1');

    const created = await client.send(
      new CreateTopicCommand({
        Name: 'orders',
        Attributes: { DisplayName: 'Orders', FifoTopic: 'false' },
        Tags: [{ Key: 'team', Value: 'core' }],
      }),
    );
    assert.equal(created.TopicArn, 'arn:aws:sns:us-east-1:000000000000:orders');
    assert.deepEqual(inputOf('CreateTopic'), {
      Name: 'orders',
      Attributes: { DisplayName: 'Orders', FifoTopic: 'false' },
      Tags: [{ Key: 'team', Value: 'core' }],
    });

    const attributes = await client.send(new GetTopicAttributesCommand({ TopicArn: created.TopicArn }));
    assert.deepEqual(attributes.Attributes, { DisplayName: 'Shown <&> name', Policy: '{"a":1}' });

    await client.send(
      new PublishCommand({
        TopicArn: created.TopicArn,
        Message: 'hi',
        MessageAttributes: {
          color: { DataType: 'String', StringValue: 'red' },
          raw: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 255]) },
        },
      }),
    );
    const published = inputOf('Publish').MessageAttributes as Record<
      string,
      { DataType: string; BinaryValue?: Buffer }
    >;
    assert.equal(published.color?.DataType, 'String');
    assert.deepEqual([...(published.raw?.BinaryValue ?? [])], [1, 2, 255]);
  });

  test('errors are ErrorResponse XML the SDK decodes by code', async () => {
    const error = await rejection(eddy.client(SNSClient).send(new DeleteTopicCommand({ TopicArn: 'arn:x' })));
    assert.equal(error.name, 'NotFoundException');
    assert.equal(error.message, 'Topic does not exist');
    const missing = await rejection(eddy.client(SNSClient).send(new CreateTopicCommand({} as never)));
    assert.equal(missing.name, 'MissingParameter');
    assert.match(missing.message, /parameter Name/);
  });

  test('unknown actions and the aws CLI', async () => {
    const unknown = await post(
      { 'content-type': 'application/x-www-form-urlencoded' },
      'Action=NoSuchAction&Version=2010-03-31',
    );
    assert.equal(unknown.status, 400);
    assert.match(unknown.text, /<Code>InvalidAction<\/Code>/);
    assert.match(unknown.text, /<RequestId>[0-9a-f-]{36}<\/RequestId>/);

    const listed = await eddy.aws(['sns', 'list-topics', '--no-paginate']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.equal(JSON.parse(listed.stdout).Topics.length, 2);
  });
});

describe('REST-JSON (Scheduler)', () => {
  test('binds URI labels, query strings and JSON bodies', async () => {
    const client = eddy.client(SchedulerClient);
    const start = new Date('2030-01-01T00:00:00.000Z');
    const created = await client.send(
      new CreateScheduleCommand({
        Name: 'nightly.report-1',
        ScheduleExpression: 'cron(0 2 * * ? *)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        StartDate: start,
        Target: {
          Arn: 'arn:aws:sqs:us-east-1:000000000000:q',
          RoleArn: 'arn:aws:iam::000000000000:role/r',
          Input: '{}',
        },
      }),
    );
    assert.match(created.ScheduleArn ?? '', /schedule\/default\/nightly\.report-1$/);
    const input = inputOf('CreateSchedule');
    assert.equal(input.Name, 'nightly.report-1');
    assert.deepEqual(input.StartDate, start);
    assert.deepEqual(input.FlexibleTimeWindow, { Mode: 'OFF' });
    assert.equal(typeof input.ClientToken, 'string', 'the idempotency token arrives');

    const got = await client.send(new GetScheduleCommand({ Name: 'nightly.report-1', GroupName: 'team' }));
    assert.equal(got.GroupName, 'team');
    assert.deepEqual(got.CreationDate, CREATED);

    const listed = await client.send(new ListSchedulesCommand({ NamePrefix: 'night', MaxResults: 5 }));
    assert.equal(listed.Schedules?.[0]?.Name, 's1');
    assert.deepEqual(inputOf('ListSchedules'), { NamePrefix: 'night', MaxResults: 5 });
  });

  test('errors use x-amzn-errortype and the status the handler chose', async () => {
    const error = await rejection(
      eddy.client(SchedulerClient).send(new DeleteScheduleCommand({ Name: 'gone' })),
    );
    assert.equal(error.name, 'ResourceNotFoundException');
    assert.equal((error.$metadata as { httpStatusCode: number }).httpStatusCode, 404);
    assert.equal(error.message, 'Schedule gone does not exist.');
  });
});

describe('REST-XML (S3)', () => {
  test('payloads, headers, greedy labels and XML bodies', async () => {
    const client = eddy.client(S3Client, { forcePathStyle: true });
    await client.send(
      new CreateBucketCommand({
        Bucket: 'media',
        CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
      }),
    );
    assert.deepEqual(inputOf('CreateBucket').CreateBucketConfiguration, { LocationConstraint: 'eu-west-1' });

    const put = await client.send(
      new PutObjectCommand({
        Bucket: 'media',
        Key: 'dir/a file+1.txt',
        Body: 'payload bytes',
        ContentType: 'text/plain',
        Metadata: { owner: 'eddy' },
      }),
    );
    assert.equal(put.ETag, '"etag-1"');
    const putInput = inputOf('PutObject');
    assert.equal(putInput.Key, 'dir/a file+1.txt');
    assert.equal(Buffer.from(putInput.Body as Buffer).toString(), 'payload bytes');
    assert.deepEqual(putInput.Metadata, { owner: 'eddy' });

    const got = await client.send(new GetObjectCommand({ Bucket: 'media', Key: 'dir/a file+1.txt' }));
    assert.equal(await got.Body?.transformToString(), 'contents of dir/a file+1.txt');
    assert.equal(got.ContentType, 'text/plain');
    assert.deepEqual(got.Metadata, { owner: 'eddy' });
    assert.deepEqual(got.LastModified, CREATED);

    const listed = await client.send(new ListObjectsV2Command({ Bucket: 'media' }));
    assert.deepEqual(
      listed.Contents?.map((object) => [object.Key, object.Size]),
      [
        ['a.txt', 3],
        ['dir/b.txt', 5],
      ],
    );
    assert.equal(listed.KeyCount, 2);
    assert.equal(listed.IsTruncated, false);
  });

  test('errors are <Error> XML the SDK maps to its exception classes', async () => {
    const client = eddy.client(S3Client, { forcePathStyle: true });
    const error = await rejection(client.send(new GetObjectCommand({ Bucket: 'media', Key: 'missing' })));
    assert.ok(error instanceof NoSuchKey);
    assert.equal(error.message, 'The specified key does not exist.');
  });

  test('a REST-XML body that is not well-formed XML is MalformedXML', async () => {
    const response = await fetch(`${eddy.url}/media`, {
      method: 'PUT',
      headers: {
        authorization:
          'AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00',
        'x-amz-date': '20250101T000000Z',
        'content-type': 'application/xml',
      },
      body: '<CreateBucketConfiguration><LocationConstraint>eu-west-1</CreateBucketConfiguration>',
    });
    assert.equal(response.status, 400);
    assert.match(await response.text(), /<Code>MalformedXML<\/Code>/);
  });
});

describe('a service eddy does not serve', () => {
  // Each client reads the refusal in its own service's protocol: REST-XML for Route 53 and
  // CloudFront, REST-JSON for Lambda, JSON for DynamoDB, Query for IAM. None may land in S3's routes.
  for (const [args, named] of [
    [['route53', 'list-hosted-zones'], 'route53'],
    [['cloudfront', 'list-distributions'], 'cloudfront'],
    [['lambda', 'list-functions'], 'lambda'],
    [['dynamodb', 'list-tables'], 'DynamoDB_20120810'],
    [['iam', 'list-users'], 'iam'],
  ] as const) {
    test(`aws ${args.join(' ')} reads UnknownServiceException naming '${named}'`, async () => {
      const result = await eddy.aws([...args]);
      assert.notEqual(result.code, 0);
      assert.match(
        result.stderr,
        /An error occurred \(UnknownServiceException\) when calling the \w+ operation/,
      );
      assert.match(result.stderr, new RegExp(`: eddy does not serve '${named}'\\. Served: `));
    });
  }
});

describe("eddy's own endpoints", () => {
  test('health names the version, services and store', async () => {
    const health = (await (await fetch(`${eddy.url}/_eddy/health`)).json()) as Record<string, unknown>;
    assert.equal(health.status, 'ok');
    assert.match(String(health.version), /^\d+\.\d+\.\d+/);
    assert.deepEqual(health.services, ['events', 'sqs', 'sns', 'scheduler', 's3', 'internal']);
    assert.equal((health.store as { kind: string }).kind, TEST_STORE);
  });

  test('metrics count requests by service, operation and status', async () => {
    await eddy.client(EventBridgeClient).send(new ListEventBusesCommand({}));
    const text = await (await fetch(`${eddy.url}/_eddy/metrics`)).text();
    assert.match(
      text,
      /eddy_requests_total\{service="events",operation="ListEventBuses",status="200"\} [1-9]/,
    );
    assert.match(
      text,
      /eddy_request_duration_seconds_bucket\{le="\+Inf",service="events",operation="ListEventBuses"\} [1-9]/,
    );
  });
});

test('services add JSON endpoints under /_eddy/', async () => {
  const got = await fetch(`${eddy.url}/_eddy/things/a%20b?q=1`);
  assert.deepEqual(await got.json(), { id: 'a b', q: '1' });
  const posted = await fetch(`${eddy.url}/_eddy/things`, { method: 'POST', body: '{"x":1}' });
  assert.equal(posted.status, 201);
  assert.deepEqual(await posted.json(), { x: 1 });
  const refused = await fetch(`${eddy.url}/_eddy/things`, { method: 'POST' });
  assert.equal(refused.status, 400);
  assert.deepEqual(await refused.json(), { code: 'ValidationException', message: 'a thing needs a body' });
  assert.equal((await fetch(`${eddy.url}/_eddy/things`, { method: 'DELETE' })).status, 405);
  assert.equal((await fetch(`${eddy.url}/_eddy/nothing`)).status, 404);
  const metrics = await (await fetch(`${eddy.url}/_eddy/metrics`)).text();
  assert.match(metrics, /operation="\/_eddy\/things\/:id",status="200"/);
});

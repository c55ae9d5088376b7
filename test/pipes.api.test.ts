// EventBridge Pipes with @aws-sdk/client-pipes against a real eddy: the API and lifecycle, and pipes
// from SQS, Kinesis and a real RabbitMQ broker (127.0.0.1:5672, guest/guest) through filters,
// InputTemplates and batching to SQS, an event bus and a Kinesis stream; failed batches are
// retried and dead-lettered, never lost; a message leaves its source only after the target took it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ECSClient, ListTasksCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import {
  CreateStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import {
  CreatePipeCommand,
  DeletePipeCommand,
  DescribePipeCommand,
  ListPipesCommand,
  ListTagsForResourceCommand,
  PipesClient,
  StartPipeCommand,
  StopPipeCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdatePipeCommand,
} from '@aws-sdk/client-pipes';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  DeleteQueueCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import amqp from 'amqplib';
import { startTestEddy, TEST_ACCOUNT, TEST_REGION, type TestEddy } from './harness.ts';
import { eventually, queueWithArn, receive, receiveAll, stopEveryTask } from './helpers.ts';

const AMQP_URL = process.env.EDDY_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const BROKER_ARN = `arn:aws:mq:${TEST_REGION}:${TEST_ACCOUNT}:broker:orders:b-0a1b2c3d-eddy-test`;
const ROLE = `arn:aws:iam::${TEST_ACCOUNT}:role/pipes`;
const run = `${process.pid}-${Date.now()}`;

let eddy: TestEddy;
let pipes: PipesClient;
let sqs: SQSClient;
let kinesis: KinesisClient;
let events: EventBridgeClient;

before(async () => {
  eddy = await startTestEddy({ config: { mqBrokers: { 'b-0a1b2c3d-eddy-test': AMQP_URL } } });
  pipes = eddy.client(PipesClient);
  sqs = eddy.client(SQSClient);
  kinesis = eddy.client(KinesisClient);
  events = eddy.client(EventBridgeClient);
});
after(async () => {
  for (const client of [pipes, sqs, kinesis, events]) client?.destroy();
  await eddy?.stop();
});

const rejects = async (promise: Promise<unknown>, name: string, message?: RegExp) => {
  await assert.rejects(promise, (error: Error) => {
    assert.equal(error.name, name, error.message);
    if (message) assert.match(error.message, message);
    return true;
  });
};
const bodies = async (url: string, count: number) =>
  (await receiveAll(sqs, url, count, { timeoutMs: 20_000, delete: true })).map((message) => message.Body!);

describe('the Pipes API', () => {
  it('creates, describes, lists, updates, stops, starts, tags and deletes a pipe', async () => {
    const source = await queueWithArn(sqs, 'pipe-api-source');
    const target = await queueWithArn(sqs, 'pipe-api-target');
    const created = await pipes.send(
      new CreatePipeCommand({
        Name: 'api',
        Source: source.arn,
        Target: target.arn,
        RoleArn: ROLE,
        DesiredState: 'STOPPED',
        Tags: { team: 'a' },
      }),
    );
    assert.equal(created.CurrentState, 'CREATING');
    assert.equal(created.Arn, `arn:aws:pipes:${TEST_REGION}:${TEST_ACCOUNT}:pipe/api`);
    const described = await pipes.send(new DescribePipeCommand({ Name: 'api' }));
    assert.equal(described.CurrentState, 'STOPPED');
    assert.equal(described.DesiredState, 'STOPPED');
    assert.equal(described.Source, source.arn);
    assert.deepEqual(described.Tags, { team: 'a' });
    await rejects(
      pipes.send(
        new CreatePipeCommand({ Name: 'api', Source: source.arn, Target: target.arn, RoleArn: ROLE }),
      ),
      'ConflictException',
      /already exists/,
    );

    assert.equal((await pipes.send(new StartPipeCommand({ Name: 'api' }))).CurrentState, 'STARTING');
    assert.equal((await pipes.send(new DescribePipeCommand({ Name: 'api' }))).CurrentState, 'RUNNING');
    assert.equal((await pipes.send(new StopPipeCommand({ Name: 'api' }))).CurrentState, 'STOPPING');
    assert.equal((await pipes.send(new DescribePipeCommand({ Name: 'api' }))).CurrentState, 'STOPPED');
    const updated = await pipes.send(
      new UpdatePipeCommand({
        Name: 'api',
        RoleArn: ROLE,
        Description: 'changed',
        SourceParameters: { SqsQueueParameters: { BatchSize: 5 } },
      }),
    );
    assert.equal(updated.CurrentState, 'UPDATING');
    const after = await pipes.send(new DescribePipeCommand({ Name: 'api' }));
    assert.equal(after.Description, 'changed');
    assert.equal(after.SourceParameters?.SqsQueueParameters?.BatchSize, 5);

    await pipes.send(new TagResourceCommand({ resourceArn: created.Arn!, tags: { env: 'dev' } }));
    await pipes.send(new UntagResourceCommand({ resourceArn: created.Arn!, tagKeys: ['team'] }));
    assert.deepEqual((await pipes.send(new ListTagsForResourceCommand({ resourceArn: created.Arn! }))).tags, {
      env: 'dev',
    });
    const listed = await pipes.send(new ListPipesCommand({ NamePrefix: 'ap' }));
    assert.deepEqual(
      listed.Pipes?.map((pipe) => pipe.Name),
      ['api'],
    );

    assert.equal((await pipes.send(new DeletePipeCommand({ Name: 'api' }))).CurrentState, 'DELETING');
    await rejects(
      pipes.send(new DescribePipeCommand({ Name: 'api' })),
      'NotFoundException',
      /Pipe api does not exist/,
    );
  });

  it('answers bad input with ValidationException, and a missing source with CREATE_FAILED', async () => {
    const target = await queueWithArn(sqs, 'pipe-bad-target');
    await rejects(
      pipes.send(
        new CreatePipeCommand({
          Name: 'bad-filter',
          Source: target.arn,
          Target: target.arn,
          RoleArn: ROLE,
          SourceParameters: { FilterCriteria: { Filters: [{ Pattern: '{"body": "not a list"}' }] } },
        }),
      ),
      'ValidationException',
      /filter pattern/,
    );
    await rejects(
      pipes.send(
        new CreatePipeCommand({
          Name: 'bad-source',
          Source: 'arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/x',
          Target: target.arn,
          RoleArn: ROLE,
        }),
      ),
      'ValidationException',
    );
    await pipes.send(
      new CreatePipeCommand({
        Name: 'no-queue',
        Source: `arn:aws:sqs:${TEST_REGION}:${TEST_ACCOUNT}:absent`,
        Target: target.arn,
        RoleArn: ROLE,
      }),
    );
    const failed = await pipes.send(new DescribePipeCommand({ Name: 'no-queue' }));
    assert.equal(failed.CurrentState, 'CREATE_FAILED');
    assert.match(failed.StateReason ?? '', /does not exist/);
    await pipes.send(new DeletePipeCommand({ Name: 'no-queue' }));
  });
});

describe('SQS sources', () => {
  it('filters, templates and batches messages to a queue, deleting them from the source', async () => {
    const source = await queueWithArn(sqs, 'pipe-sqs-source');
    const target = await queueWithArn(sqs, 'pipe-sqs-target');
    await pipes.send(
      new CreatePipeCommand({
        Name: 'sqs-to-sqs',
        Source: source.arn,
        Target: target.arn,
        RoleArn: ROLE,
        SourceParameters: {
          SqsQueueParameters: { BatchSize: 10, MaximumBatchingWindowInSeconds: 1 },
          FilterCriteria: { Filters: [{ Pattern: '{"body": {"kind": ["order"]}}' }] },
        },
        TargetParameters: {
          InputTemplate: '{"order": <$.body.id>, "note": "id <$.body.id> via <aws.pipes.pipe-name>"}',
        },
      }),
    );
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: source.url,
        Entries: [
          { Id: '1', MessageBody: JSON.stringify({ kind: 'order', id: 1 }) },
          { Id: '2', MessageBody: JSON.stringify({ kind: 'refund', id: 2 }) },
          { Id: '3', MessageBody: JSON.stringify({ kind: 'order', id: 3 }) },
        ],
      }),
    );
    const got = (await bodies(target.url, 2)).map(
      (body) => JSON.parse(body) as { order: number; note: string },
    );
    assert.deepEqual(got.map((body) => body.order).sort(), [1, 3]);
    assert.equal(got.find((body) => body.order === 1)?.note, 'id 1 via sqs-to-sqs');
    // Every message left the source, the filtered-out one too.
    await eventually(async () => {
      const left = await receive(sqs, source.url, { WaitTimeSeconds: 0, VisibilityTimeout: 0 });
      assert.equal(left.length, 0);
      return true;
    });
    await pipes.send(new DeletePipeCommand({ Name: 'sqs-to-sqs' }));
  });

  it('keeps messages whose target failed, and the queue redrive dead-letters them', async () => {
    const dlq = await queueWithArn(sqs, 'pipe-fail-dlq');
    const source = await queueWithArn(sqs, 'pipe-fail-source', {
      VisibilityTimeout: '1',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 2 }),
    });
    const target = await queueWithArn(sqs, 'pipe-fail-target');
    await pipes.send(
      new CreatePipeCommand({ Name: 'fails', Source: source.arn, Target: target.arn, RoleArn: ROLE }),
    );
    // The target is gone: every delivery fails.
    await sqs.send(new DeleteQueueCommand({ QueueUrl: target.url }));
    await sqs.send(new SendMessageCommand({ QueueUrl: source.url, MessageBody: 'poison' }));
    const dead = await bodies(dlq.url, 1);
    assert.deepEqual(dead, ['poison']);
    await pipes.send(new DeletePipeCommand({ Name: 'fails' }));
  });

  it('puts events on a bus, where a rule routes them', async () => {
    const source = await queueWithArn(sqs, 'pipe-bus-source');
    const ruleTarget = await queueWithArn(sqs, 'pipe-bus-rule-target');
    await events.send(
      new PutRuleCommand({ Name: 'from-pipe', EventPattern: JSON.stringify({ source: ['shop.pipe'] }) }),
    );
    await events.send(
      new PutTargetsCommand({ Rule: 'from-pipe', Targets: [{ Id: 'q', Arn: ruleTarget.arn }] }),
    );
    await pipes.send(
      new CreatePipeCommand({
        Name: 'to-bus',
        Source: source.arn,
        Target: `arn:aws:events:${TEST_REGION}:${TEST_ACCOUNT}:event-bus/default`,
        RoleArn: ROLE,
        TargetParameters: {
          InputTemplate: '{"id": <$.body.id>}',
          EventBridgeEventBusParameters: { Source: 'shop.pipe', DetailType: 'Order placed' },
        },
      }),
    );
    await sqs.send(new SendMessageCommand({ QueueUrl: source.url, MessageBody: '{"id": 7}' }));
    const [routed] = await bodies(ruleTarget.url, 1);
    const event = JSON.parse(routed!) as { source: string; 'detail-type': string; detail: { id: number } };
    assert.equal(event.source, 'shop.pipe');
    assert.equal(event['detail-type'], 'Order placed');
    assert.deepEqual(event.detail, { id: 7 });
    await pipes.send(new DeletePipeCommand({ Name: 'to-bus' }));
  });
});

describe('other targets', () => {
  it('publishes to an SNS topic and runs an ECS task with the batch', async () => {
    const sns = eddy.client(SNSClient);
    const ecs = eddy.client(ECSClient);
    try {
      const source = await queueWithArn(sqs, 'pipe-other-source');
      const subscriber = await queueWithArn(sqs, 'pipe-topic-subscriber');
      const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'pipe-topic' }));
      await sns.send(
        new SubscribeCommand({
          TopicArn,
          Protocol: 'sqs',
          Endpoint: subscriber.arn,
          Attributes: { RawMessageDelivery: 'true' },
        }),
      );
      const { taskDefinition } = await ecs.send(
        new RegisterTaskDefinitionCommand({
          family: 'pipe-job',
          networkMode: 'awsvpc',
          requiresCompatibilities: ['FARGATE'],
          cpu: '256',
          memory: '512',
          containerDefinitions: [{ name: 'job', image: 'job', command: [process.execPath, '-e', ''] }],
        }),
      );
      await pipes.send(
        new CreatePipeCommand({
          Name: 'to-topic',
          Source: source.arn,
          Target: TopicArn!,
          RoleArn: ROLE,
          TargetParameters: { InputTemplate: '{"topic": <$.body.n>}' },
        }),
      );
      await sqs.send(new SendMessageCommand({ QueueUrl: source.url, MessageBody: '{"n": 1}' }));
      assert.deepEqual(await bodies(subscriber.url, 1), ['{"topic": 1}']);
      await pipes.send(new DeletePipeCommand({ Name: 'to-topic' }));

      await pipes.send(
        new CreatePipeCommand({
          Name: 'to-task',
          Source: source.arn,
          Target: `arn:aws:ecs:${TEST_REGION}:${TEST_ACCOUNT}:cluster/default`,
          RoleArn: ROLE,
          TargetParameters: {
            EcsTaskParameters: {
              TaskDefinitionArn: taskDefinition!.taskDefinitionArn!,
              LaunchType: 'FARGATE',
              NetworkConfiguration: { awsvpcConfiguration: { Subnets: ['subnet-0example'] } },
            },
          },
        }),
      );
      await sqs.send(new SendMessageCommand({ QueueUrl: source.url, MessageBody: '{"n": 2}' }));
      await eventually(async () => {
        const lists = await Promise.all(
          (['RUNNING', 'STOPPED'] as const).map((desiredStatus) =>
            ecs.send(new ListTasksCommand({ desiredStatus })),
          ),
        );
        return lists.flatMap((list) => list.taskArns ?? []).length === 1;
      });
      await pipes.send(new DeletePipeCommand({ Name: 'to-task' }));
    } finally {
      await stopEveryTask(ecs);
      sns.destroy();
      ecs.destroy();
    }
  });
});

describe('Kinesis sources and targets', () => {
  it('reads every shard from TRIM_HORIZON in order per key, and writes to a Kinesis target', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'pipe-clicks', ShardCount: 2 }));
    await kinesis.send(new CreateStreamCommand({ StreamName: 'pipe-out', ShardCount: 1 }));
    const target = await queueWithArn(sqs, 'pipe-kinesis-target');
    const streamArn = `arn:aws:kinesis:${TEST_REGION}:${TEST_ACCOUNT}:stream/pipe-clicks`;
    await kinesis.send(
      new PutRecordsCommand({
        StreamName: 'pipe-clicks',
        Records: Array.from({ length: 6 }, (_, index) => ({
          PartitionKey: `user-${index % 3}`,
          Data: Buffer.from(
            JSON.stringify({ user: index % 3, n: index, page: index % 2 ? '/buy' : '/home' }),
          ),
        })),
      }),
    );
    await pipes.send(
      new CreatePipeCommand({
        Name: 'clicks',
        Source: streamArn,
        Target: target.arn,
        RoleArn: ROLE,
        SourceParameters: {
          KinesisStreamParameters: { StartingPosition: 'TRIM_HORIZON', BatchSize: 10 },
          FilterCriteria: { Filters: [{ Pattern: '{"data": {"page": ["/buy"]}}' }] },
        },
        TargetParameters: {
          InputTemplate: '{"user": <$.data.user>, "n": <$.data.n>, "seq": "<$.sequenceNumber>"}',
        },
      }),
    );
    await pipes.send(
      new CreatePipeCommand({
        Name: 'clicks-copy',
        Source: streamArn,
        Target: `arn:aws:kinesis:${TEST_REGION}:${TEST_ACCOUNT}:stream/pipe-out`,
        RoleArn: ROLE,
        SourceParameters: { KinesisStreamParameters: { StartingPosition: 'TRIM_HORIZON' } },
        TargetParameters: { KinesisStreamParameters: { PartitionKey: '$.partitionKey' } },
      }),
    );
    const got = (await bodies(target.url, 3)).map((body) => JSON.parse(body) as { user: number; n: number });
    assert.deepEqual(got.map((body) => body.n).sort(), [1, 3, 5]);
    await eventually(async () => {
      const { ShardIterator } = await kinesis.send(
        new GetShardIteratorCommand({
          StreamName: 'pipe-out',
          ShardId: 'shardId-000000000000',
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      const { Records } = await kinesis.send(new GetRecordsCommand({ ShardIterator }));
      assert.equal(Records?.length, 6);
      const first = JSON.parse(Buffer.from(Records![0]!.Data!).toString()) as { eventSource: string };
      assert.equal(first.eventSource, 'aws:kinesis');
      return true;
    });
    await pipes.send(new DeletePipeCommand({ Name: 'clicks' }));
    await pipes.send(new DeletePipeCommand({ Name: 'clicks-copy' }));
  });

  it('dead-letters a batch its target keeps refusing after MaximumRetryAttempts, and goes on', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'pipe-poison', ShardCount: 1 }));
    const dlq = await queueWithArn(sqs, 'pipe-kinesis-dlq');
    await pipes.send(
      new CreatePipeCommand({
        Name: 'poison',
        Source: `arn:aws:kinesis:${TEST_REGION}:${TEST_ACCOUNT}:stream/pipe-poison`,
        Target: `arn:aws:sqs:${TEST_REGION}:${TEST_ACCOUNT}:never-there`,
        RoleArn: ROLE,
        SourceParameters: {
          KinesisStreamParameters: {
            StartingPosition: 'TRIM_HORIZON',
            MaximumRetryAttempts: 1,
            DeadLetterConfig: { Arn: dlq.arn },
          },
        },
      }),
    );
    await kinesis.send(
      new PutRecordsCommand({
        StreamName: 'pipe-poison',
        Records: [{ PartitionKey: 'k', Data: Buffer.from('x') }],
      }),
    );
    const [dead] = await bodies(dlq.url, 1);
    const info = (JSON.parse(dead!) as { KinesisBatchInfo: { shardId: string; batchSize: number } })
      .KinesisBatchInfo;
    assert.equal(info.shardId, 'shardId-000000000000');
    assert.equal(info.batchSize, 1);
    await pipes.send(new DeletePipeCommand({ Name: 'poison' }));
  });
});

describe('RabbitMQ sources (Amazon MQ)', () => {
  it('consumes a queue on a real broker, acking only what the target took', async () => {
    const queueName = `eddy-pipes-${run}`;
    const connection = await amqp.connect(AMQP_URL);
    const channel = await connection.createChannel();
    await channel.assertQueue(queueName, { durable: false, autoDelete: false });
    try {
      const target = await queueWithArn(sqs, 'pipe-rabbit-target.fifo', {
        FifoQueue: 'true',
        ContentBasedDeduplication: 'true',
      });
      await pipes.send(
        new CreatePipeCommand({
          Name: 'orders',
          Source: BROKER_ARN,
          Target: target.arn,
          RoleArn: ROLE,
          SourceParameters: {
            RabbitMQBrokerParameters: {
              Credentials: { BasicAuth: `arn:aws:secretsmanager:${TEST_REGION}:${TEST_ACCOUNT}:secret:mq` },
              QueueName: queueName,
              BatchSize: 5,
            },
          },
          TargetParameters: {
            InputTemplate: '<$.data>',
            SqsQueueParameters: { MessageGroupId: 'orders' },
          },
        }),
      );
      for (let index = 0; index < 3; index++)
        channel.sendToQueue(queueName, Buffer.from(JSON.stringify({ order: index })), {
          contentType: 'application/json',
        });
      const got = (await bodies(target.url, 3)).map((body) => JSON.parse(body) as { order: number });
      assert.deepEqual(
        got.map((body) => body.order),
        [0, 1, 2],
      );
      await eventually(async () => {
        const { messageCount } = await channel.checkQueue(queueName);
        assert.equal(messageCount, 0);
        return true;
      });
      await pipes.send(new DeletePipeCommand({ Name: 'orders' }));
    } finally {
      await channel.deleteQueue(queueName);
      await connection.close();
    }
  });

  it('reports a broker eddy does not know, or cannot reach, on the pipe', async () => {
    const target = await queueWithArn(sqs, 'pipe-rabbit-unknown');
    await pipes.send(
      new CreatePipeCommand({
        Name: 'unknown-broker',
        Source: `arn:aws:mq:${TEST_REGION}:${TEST_ACCOUNT}:broker:nowhere:b-ffff`,
        Target: target.arn,
        RoleArn: ROLE,
        SourceParameters: {
          RabbitMQBrokerParameters: {
            Credentials: { BasicAuth: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:x' },
            QueueName: 'q',
          },
        },
      }),
    );
    const described = await pipes.send(new DescribePipeCommand({ Name: 'unknown-broker' }));
    assert.equal(described.CurrentState, 'CREATE_FAILED');
    assert.match(described.StateReason ?? '', /EDDY_MQ_BROKERS/);
    await pipes.send(new DeletePipeCommand({ Name: 'unknown-broker' }));
  });
});

// SQS bad input against a real eddy server: the named errors of the API reference through the SDK,
// hand-written JSON and Query requests for what the SDK would not send, and a fuzz test that throws
// random and mutated requests at the server (every answer a 4xx AWS error or a 2xx, never a 5xx) and
// checks it keeps serving.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ListDeadLetterSourceQueuesCommand,
  ListQueuesCommand,
  ListQueueTagsCommand,
  PurgeQueueCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
  TagQueueCommand,
  UntagQueueCommand,
} from '@aws-sdk/client-sqs';
import { ACCOUNT, type AwsError, assertAwsError, uniqueName } from './fixtures/queues.ts';
import { startTestEddy, type TestEddy } from './harness.ts';

let eddy: TestEddy;
let sqs: SQSClient;
let queueUrl: string;
let fifoUrl: string;

before(async () => {
  eddy = await startTestEddy();
  sqs = eddy.client(SQSClient);
  queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('errors') }))).QueueUrl!;
  fifoUrl = (
    await sqs.send(
      new CreateQueueCommand({ QueueName: uniqueName('errors', true), Attributes: { FifoQueue: 'true' } }),
    )
  ).QueueUrl!;
});
after(() => eddy?.stop());

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

async function postJson(operation: string, body: string): Promise<Answer> {
  const response = await fetch(eddy.url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `AmazonSQS.${operation}` },
    body,
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

async function postQuery(params: Record<string, string>, path = '/'): Promise<Answer> {
  const response = await fetch(new URL(path, eddy.url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** The error code of a JSON 1.0 error answer: the query-compatible header, else the __type's name. */
function jsonErrorCode(answer: Answer): string {
  const header = answer.headers.get('x-amzn-query-error');
  if (header) return header.split(';')[0]!;
  const body = JSON.parse(answer.text) as { __type?: string };
  return (body.__type ?? '').split('#').at(-1)!;
}

function jsonErrorMessage(answer: Answer): string {
  const body = JSON.parse(answer.text) as { message?: string; Message?: string };
  return body.message ?? body.Message ?? '';
}

function xmlTag(xml: string, tag: string): string | undefined {
  return new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1];
}

describe('named errors through the SDK', () => {
  test('every operation on an unknown queue is QueueDoesNotExist', async () => {
    const missing = `${eddy.url}/${ACCOUNT}/no-such-queue`;
    const calls: Array<[string, () => Promise<unknown>]> = [
      ['SendMessage', () => sqs.send(new SendMessageCommand({ QueueUrl: missing, MessageBody: 'x' }))],
      [
        'SendMessageBatch',
        () =>
          sqs.send(
            new SendMessageBatchCommand({ QueueUrl: missing, Entries: [{ Id: 'a', MessageBody: 'x' }] }),
          ),
      ],
      ['ReceiveMessage', () => sqs.send(new ReceiveMessageCommand({ QueueUrl: missing }))],
      ['DeleteMessage', () => sqs.send(new DeleteMessageCommand({ QueueUrl: missing, ReceiptHandle: 'h' }))],
      [
        'DeleteMessageBatch',
        () =>
          sqs.send(
            new DeleteMessageBatchCommand({ QueueUrl: missing, Entries: [{ Id: 'a', ReceiptHandle: 'h' }] }),
          ),
      ],
      [
        'ChangeMessageVisibility',
        () =>
          sqs.send(
            new ChangeMessageVisibilityCommand({
              QueueUrl: missing,
              ReceiptHandle: 'h',
              VisibilityTimeout: 1,
            }),
          ),
      ],
      [
        'ChangeMessageVisibilityBatch',
        () =>
          sqs.send(
            new ChangeMessageVisibilityBatchCommand({
              QueueUrl: missing,
              Entries: [{ Id: 'a', ReceiptHandle: 'h', VisibilityTimeout: 1 }],
            }),
          ),
      ],
      [
        'GetQueueAttributes',
        () => sqs.send(new GetQueueAttributesCommand({ QueueUrl: missing, AttributeNames: ['All'] })),
      ],
      [
        'SetQueueAttributes',
        () =>
          sqs.send(new SetQueueAttributesCommand({ QueueUrl: missing, Attributes: { DelaySeconds: '1' } })),
      ],
      ['PurgeQueue', () => sqs.send(new PurgeQueueCommand({ QueueUrl: missing }))],
      ['DeleteQueue', () => sqs.send(new DeleteQueueCommand({ QueueUrl: missing }))],
      ['TagQueue', () => sqs.send(new TagQueueCommand({ QueueUrl: missing, Tags: { a: 'b' } }))],
      ['UntagQueue', () => sqs.send(new UntagQueueCommand({ QueueUrl: missing, TagKeys: ['a'] }))],
      ['ListQueueTags', () => sqs.send(new ListQueueTagsCommand({ QueueUrl: missing }))],
      [
        'ListDeadLetterSourceQueues',
        () => sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: missing })),
      ],
    ];
    for (const [operation, call] of calls) {
      const error = await assertAwsError(call(), 'QueueDoesNotExist').catch((e: Error) => {
        throw new Error(`${operation}: ${e.message}`);
      });
      assert.ok(error instanceof QueueDoesNotExist, `${operation} throws the modeled exception`);
      assert.equal(
        (error as AwsError).Code,
        'AWS.SimpleQueueService.NonExistentQueue',
        `${operation}: the query-compatible code`,
      );
      assert.equal(error.message, 'The specified queue does not exist.');
    }
  });

  test('a queue URL of another account is QueueDoesNotExist', async () => {
    const name = queueUrl.split('/').at(-1)!;
    await assertAwsError(
      sqs.send(new SendMessageCommand({ QueueUrl: `${eddy.url}/111111111111/${name}`, MessageBody: 'x' })),
      'QueueDoesNotExist',
    );
  });

  test('parameter range errors name the parameter', async () => {
    const cases: Array<[string, () => Promise<unknown>, RegExp]> = [
      [
        'MaxNumberOfMessages',
        () => sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 11 })),
        /MaxNumberOfMessages/,
      ],
      [
        'WaitTimeSeconds',
        () => sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: -1 })),
        /WaitTimeSeconds/,
      ],
      [
        'VisibilityTimeout',
        () => sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, VisibilityTimeout: -1 })),
        /VisibilityTimeout/,
      ],
      [
        'DelaySeconds',
        () => sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'x', DelaySeconds: -1 })),
        /DelaySeconds/,
      ],
      ['MaxResults', () => sqs.send(new ListQueuesCommand({ MaxResults: 5000 })), /MaxResults/],
    ];
    for (const [, call, message] of cases) await assertAwsError(call(), 'InvalidParameterValue', message);
  });

  test('TagQueue without tags and UntagQueue without keys are refused', async () => {
    const tagging = await assertAwsError(
      sqs.send(new TagQueueCommand({ QueueUrl: queueUrl, Tags: {} })),
      'MissingParameter',
    );
    assert.equal(tagging.message, 'The request must contain the parameter Tags.');
    await assertAwsError(
      sqs.send(new UntagQueueCommand({ QueueUrl: queueUrl, TagKeys: [] })),
      'InvalidParameterValue',
    );
  });

  test('an unknown queue attribute is InvalidAttributeName naming it', async () => {
    await assertAwsError(
      sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['NoSuchThing' as 'All'] }),
      ),
      'InvalidAttributeName',
      /NoSuchThing/,
    );
  });

  test('a FIFO-only parameter on a standard queue and vice versa', async () => {
    // Per-message delay on FIFO is rejected (tested in queues.fifo); a deduplication id on a
    // standard queue is a parameter that is not valid for this queue type.
    await assertAwsError(
      sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'x', MessageDeduplicationId: 'd' })),
      'InvalidParameterValue',
      /MessageDeduplicationId/,
    );
    await assertAwsError(
      sqs.send(new SendMessageCommand({ QueueUrl: fifoUrl, MessageBody: 'x', MessageGroupId: 'g' })),
      'InvalidParameterValue',
    );
  });
});

describe('hand-written requests', () => {
  test('JSON: a missing required member is MissingParameter naming it', async () => {
    const noBody = await postJson('SendMessage', JSON.stringify({ QueueUrl: queueUrl }));
    assert.equal(noBody.status, 400);
    assert.equal(jsonErrorCode(noBody), 'MissingParameter');
    assert.match(jsonErrorMessage(noBody), /MessageBody/);
    const noUrl = await postJson('ReceiveMessage', '{}');
    assert.equal(noUrl.status, 400);
    assert.equal(jsonErrorCode(noUrl), 'MissingParameter');
    assert.match(jsonErrorMessage(noUrl), /QueueUrl/);
  });

  test('JSON: an unknown queue is QueueDoesNotExist with the query-compatible header', async () => {
    const answer = await postJson(
      'ReceiveMessage',
      JSON.stringify({ QueueUrl: `${eddy.url}/${ACCOUNT}/nope` }),
    );
    assert.equal(answer.status, 400);
    assert.equal(answer.headers.get('x-amzn-query-error'), 'AWS.SimpleQueueService.NonExistentQueue;Sender');
    assert.equal(
      (JSON.parse(answer.text) as { __type: string }).__type,
      'com.amazonaws.sqs#QueueDoesNotExist',
    );
  });

  test('JSON: malformed bodies and unknown operations are 4xx errors', async () => {
    for (const body of ['{', 'null', '[]', '"str"', '{"QueueUrl": 5}']) {
      const answer = await postJson('SendMessage', body);
      assert.ok(answer.status >= 400 && answer.status < 500, `${body}: ${answer.status}`);
    }
    const unknown = await postJson('FlyToTheMoon', '{}');
    assert.ok(unknown.status >= 400 && unknown.status < 500, `unknown operation: ${unknown.status}`);
  });

  test('Query: errors are XML with Type, Code, Message and RequestId', async () => {
    const missing = await postQuery({ Action: 'SendMessage', Version: '2012-11-05', QueueUrl: queueUrl });
    assert.equal(missing.status, 400);
    assert.equal(xmlTag(missing.text, 'Code'), 'MissingParameter');
    assert.equal(xmlTag(missing.text, 'Type'), 'Sender');
    assert.match(xmlTag(missing.text, 'Message') ?? '', /MessageBody/);
    assert.ok(xmlTag(missing.text, 'RequestId'));

    const nonexistent = await postQuery({ Action: 'GetQueueUrl', Version: '2012-11-05', QueueName: 'nope' });
    assert.equal(nonexistent.status, 400);
    assert.equal(xmlTag(nonexistent.text, 'Code'), 'AWS.SimpleQueueService.NonExistentQueue');

    const badAction = await postQuery({ Action: 'FlyToTheMoon', Version: '2012-11-05' });
    assert.equal(badAction.status, 400);
    assert.equal(xmlTag(badAction.text, 'Code'), 'InvalidAction');
  });

  test('Query: the queue URL path addresses the queue', async () => {
    const path = new URL(queueUrl).pathname;
    const sent = await postQuery(
      { Action: 'SendMessage', Version: '2012-11-05', MessageBody: 'by path' },
      path,
    );
    assert.equal(sent.status, 200, sent.text);
    assert.match(sent.text, /<MessageId>/);
    const received = await postQuery(
      { Action: 'ReceiveMessage', Version: '2012-11-05', VisibilityTimeout: '0' },
      path,
    );
    assert.match(received.text, /by path/);
  });
});

// A small deterministic generator, so a failing case can be replayed from the seed in the message.
function prng(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const OPERATIONS = [
  'CreateQueue',
  'GetQueueUrl',
  'ListQueues',
  'DeleteQueue',
  'GetQueueAttributes',
  'SetQueueAttributes',
  'SendMessage',
  'SendMessageBatch',
  'ReceiveMessage',
  'DeleteMessage',
  'DeleteMessageBatch',
  'ChangeMessageVisibility',
  'ChangeMessageVisibilityBatch',
  'PurgeQueue',
  'TagQueue',
  'UntagQueue',
  'ListQueueTags',
  'AddPermission',
  'RemovePermission',
  'ListDeadLetterSourceQueues',
  'StartMessageMoveTask',
  'ListMessageMoveTasks',
  'CancelMessageMoveTask',
];

describe('fuzz', () => {
  test('random and mutated requests get 4xx AWS errors (or 2xx), never 5xx, and the server keeps serving', async () => {
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
    const random = prng(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const fuzzQueue = (await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('fuzz') }))).QueueUrl!;
    const strings = [
      '',
      'x',
      fuzzQueue,
      fifoUrl,
      `${eddy.url}/${ACCOUNT}/`,
      `${eddy.url}/../../etc/passwd`,
      'http://',
      '\u0000',
      '\uD800',
      '💥'.repeat(50),
      'a'.repeat(2000),
      '-1',
      '1e309',
      'NaN',
      'All',
      '.*',
      '{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:x","maxReceiveCount":"1"}',
      'arn:aws:sqs:us-east-1:000000000000:nope',
      "' OR 1=1; --",
      '<xml>&amp;</xml>',
    ];
    const scalar = (): unknown =>
      pick<() => unknown>([
        () => pick(strings),
        () => Math.floor(random() * 2_000_000) - 1_000_000,
        () => random() * 1e12,
        () => pick([true, false, null]),
        () => pick([Number.MAX_SAFE_INTEGER, -0, 2 ** 53 + 1]),
      ])();
    const value = (depth: number): unknown => {
      if (depth > 2 || random() < 0.6) return scalar();
      if (random() < 0.5) return Array.from({ length: Math.floor(random() * 12) }, () => value(depth + 1));
      return Object.fromEntries(
        Array.from({ length: Math.floor(random() * 5) }, () => [
          pick(['Id', 'MessageBody', 'ReceiptHandle', 'DataType', 'StringValue', 'BinaryValue', 'k', '']),
          value(depth + 1),
        ]),
      );
    };
    const template = (): Record<string, unknown> => ({
      QueueUrl: fuzzQueue,
      QueueName: uniqueName('fz'),
      MessageBody: 'fuzz',
      ReceiptHandle: 'AQEB',
      VisibilityTimeout: 5,
      MaxNumberOfMessages: 2,
      WaitTimeSeconds: 0,
      AttributeNames: ['All'],
      MessageAttributeNames: ['All'],
      Attributes: { DelaySeconds: '0' },
      MessageAttributes: { a: { DataType: 'String', StringValue: 'v' } },
      Entries: [{ Id: 'a', MessageBody: 'b', ReceiptHandle: 'h', VisibilityTimeout: 1 }],
      Tags: { k: 'v' },
      TagKeys: ['k'],
      Label: 'L',
      AWSAccountIds: [ACCOUNT],
      Actions: ['SendMessage'],
      SourceArn: 'arn:aws:sqs:us-east-1:000000000000:nope',
      TaskHandle: 'eyJ0YXNrSWQiOiJ4In0=',
      MaxResults: 3,
    });
    const mutate = (body: Record<string, unknown>) => {
      const keys = Object.keys(body);
      for (let i = Math.floor(random() * 4); i >= 0; i--) {
        const key = pick(keys);
        const roll = random();
        if (roll < 0.3) delete body[key];
        else if (roll < 0.85) body[key] = value(0);
        else body[pick(['Extra', 'queueurl', '__proto__', 'constructor'])] = value(0);
      }
      return body;
    };

    const failures: string[] = [];
    const check = (label: string, answer: Answer, protocol: 'json' | 'query') => {
      if (answer.status >= 500) {
        failures.push(`${label} → ${answer.status} ${answer.text.slice(0, 200)}`);
        return;
      }
      if (answer.status >= 200 && answer.status < 300) return;
      if (answer.status < 400) {
        failures.push(`${label} → unexpected ${answer.status}`);
        return;
      }
      if (protocol === 'json') {
        let code = '';
        try {
          code = jsonErrorCode(answer);
        } catch {
          failures.push(`${label} → ${answer.status} body is not a JSON error: ${answer.text.slice(0, 200)}`);
          return;
        }
        if (!code)
          failures.push(
            `${label} → ${answer.status} JSON error without a code: ${answer.text.slice(0, 200)}`,
          );
      } else if (!xmlTag(answer.text, 'Code')) {
        failures.push(`${label} → ${answer.status} not an XML error: ${answer.text.slice(0, 200)}`);
      }
    };

    for (let i = 0; i < 250; i++) {
      const operation = pick(OPERATIONS);
      const roll = random();
      let body: string;
      if (roll < 0.1) body = pick(['', '{', '}{', 'null', '[1,2]', '"x"', '{"QueueUrl":', '\u0000\u0001']);
      else if (roll < 0.2) body = JSON.stringify(value(0));
      else body = JSON.stringify(mutate(template()));
      check(`json #${i} ${operation} ${body.slice(0, 120)}`, await postJson(operation, body), 'json');
    }
    for (let i = 0; i < 250; i++) {
      const params: Record<string, string> = { Action: random() < 0.9 ? pick(OPERATIONS) : String(scalar()) };
      if (random() < 0.8) params.Version = '2012-11-05';
      const keys = [
        'QueueUrl',
        'QueueName',
        'MessageBody',
        'ReceiptHandle',
        'VisibilityTimeout',
        'MaxNumberOfMessages',
        'WaitTimeSeconds',
        'AttributeName.1',
        'MessageAttributeName.1',
        'Attribute.1.Name',
        'Attribute.1.Value',
        'MessageAttribute.1.Name',
        'MessageAttribute.1.Value.DataType',
        'MessageAttribute.1.Value.StringValue',
        'MessageAttribute.1.Value.BinaryValue',
        'SendMessageBatchRequestEntry.1.Id',
        'SendMessageBatchRequestEntry.1.MessageBody',
        'SendMessageBatchRequestEntry.1000000.Id',
        'DeleteMessageBatchRequestEntry.1.Id',
        'DeleteMessageBatchRequestEntry.1.ReceiptHandle',
        'ChangeMessageVisibilityBatchRequestEntry.1.Id',
        'Tag.1.Key',
        'Tag.1.Value',
        'TagKey.1',
        'Label',
        'AWSAccountId.1',
        'ActionName.1',
        'SourceArn',
        'TaskHandle',
        'MaxResults',
        'NextToken',
      ];
      for (let k = Math.floor(random() * 8); k > 0; k--) params[pick(keys)] = String(scalar());
      if (random() < 0.7) params.QueueUrl = fuzzQueue;
      const path = random() < 0.3 ? new URL(fuzzQueue).pathname : pick(['/', `/${ACCOUNT}/nope`, '/x/y/z']);
      check(
        `query #${i} ${path} ${JSON.stringify(params).slice(0, 160)}`,
        await postQuery(params, path),
        'query',
      );
    }
    assert.deepEqual(failures, [], `fuzz seed ${seed} (rerun with FUZZ_SEED=${seed})`);

    const sent = await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'still serving' }));
    assert.ok(sent.MessageId);
    const { QueueUrls } = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'errors' }));
    assert.ok((QueueUrls ?? []).length >= 1);
  });
});

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  defaultAttributes,
  validateAttributes as validateQueueAttributes,
  validateQueueName,
} from './attributes.ts';
import { decodeReceipt, encodeReceipt } from './engine/index.ts';
import { validateAttributes } from './handlers/send-rules.ts';
import { firstInvalidCharacter, md5OfAttributes, selectAttributes } from './messages.ts';

describe('message rules', () => {
  it('allows the documented body characters and names the first invalid one', () => {
    assert.equal(firstInvalidCharacter('tab\there\nnew\rline 😀 \ud7ff \ue000'), undefined);
    assert.equal(firstInvalidCharacter('bell\u0007'), 0x7);
    assert.equal(firstInvalidCharacter('lone \ud800 surrogate'), 0xd800);
    assert.equal(firstInvalidCharacter('\ufffe'), 0xfffe);
  });

  it('digests attributes by AWS algorithm, independent of their order', () => {
    // Digest computed by hand from the documented encoding for {a: String "x"}.
    const bytes = Buffer.concat([
      Buffer.from([0, 0, 0, 1]),
      Buffer.from('a'),
      Buffer.from([0, 0, 0, 6]),
      Buffer.from('String'),
      Buffer.from([1]),
      Buffer.from([0, 0, 0, 1]),
      Buffer.from('x'),
    ]);
    assert.equal(
      md5OfAttributes({ a: { DataType: 'String', StringValue: 'x' } }),
      createHash('md5').update(bytes).digest('hex'),
    );
    const two = {
      b: { DataType: 'Binary', BinaryValue: 'AQI=' },
      a: { DataType: 'Number', StringValue: '1' },
    };
    const swapped = { a: two.a, b: two.b };
    assert.equal(md5OfAttributes(two), md5OfAttributes(swapped));
    assert.equal(md5OfAttributes({}), undefined);
  });

  it('validates attribute names, types and values with AWS messages', () => {
    assert.equal(validateAttributes({ ok: { DataType: 'String', StringValue: 'abc' } }), 2 + 6 + 3);
    assert.throws(
      () => validateAttributes({ 'AWS.x': { DataType: 'String', StringValue: 'v' } }),
      /attribute name/,
    );
    assert.throws(() => validateAttributes({ a: { DataType: 'Text', StringValue: 'v' } }), /type of message/);
    assert.throws(() => validateAttributes({ a: { DataType: 'Number', StringValue: 'ten' } }), /to a number/);
    assert.throws(() => validateAttributes({ a: { DataType: 'String', StringValue: '' } }), /non-empty/);
    const eleven = Object.fromEntries(
      Array.from({ length: 11 }, (_, index) => [`a${index}`, { DataType: 'String', StringValue: 'v' }]),
    );
    assert.throws(() => validateAttributes(eleven), /exceeds the allowed maximum \[10\]/);
  });

  it('selects attributes by name, All, .* and prefix.*', () => {
    const stored = {
      'order.id': { DataType: 'String', StringValue: '1' },
      'order.total': { DataType: 'Number', StringValue: '2' },
      trace: { DataType: 'String', StringValue: 't' },
    };
    assert.deepEqual(Object.keys(selectAttributes(stored, ['All'])), Object.keys(stored));
    assert.deepEqual(Object.keys(selectAttributes(stored, ['.*'])), Object.keys(stored));
    assert.deepEqual(Object.keys(selectAttributes(stored, ['order.*'])), ['order.id', 'order.total']);
    assert.deepEqual(Object.keys(selectAttributes(stored, ['trace', 'missing'])), ['trace']);
    assert.deepEqual(selectAttributes(stored, undefined), {});
  });

  it('round-trips receipt handles and rejects forged ones', () => {
    const handle = encodeReceipt(7, 12345, '0123456789abcdef');
    assert.deepEqual(decodeReceipt(handle), { queueId: 7, seq: 12345, token: '0123456789abcdef' });
    assert.equal(decodeReceipt('not a handle'), undefined);
    assert.equal(decodeReceipt(Buffer.from('7:1:short').toString('base64url')), undefined);
    assert.equal(decodeReceipt(''), undefined);
  });
});

describe('queue attribute rules', () => {
  it('has the documented defaults', () => {
    assert.deepEqual(defaultAttributes(false), {
      SqsManagedSseEnabled: 'true',
      DelaySeconds: '0',
      MaximumMessageSize: '1048576',
      MessageRetentionPeriod: '345600',
      ReceiveMessageWaitTimeSeconds: '0',
      VisibilityTimeout: '30',
      KmsDataKeyReusePeriodSeconds: '300',
    });
    assert.equal(defaultAttributes(true).DeduplicationScope, 'queue');
  });

  it('checks ranges, names and FIFO-only attributes', () => {
    const standard = { fifo: false, creating: true };
    assert.deepEqual(validateQueueAttributes({ VisibilityTimeout: '60' }, standard), {
      VisibilityTimeout: '60',
    });
    assert.throws(() => validateQueueAttributes({ VisibilityTimeout: '43201' }, standard), /from 0 to 43200/);
    assert.throws(() => validateQueueAttributes({ DelaySeconds: 'soon' }, standard), /DelaySeconds/);
    assert.throws(() => validateQueueAttributes({ Colour: 'red' }, standard), /Unknown Attribute Colour/);
    assert.throws(
      () => validateQueueAttributes({ ContentBasedDeduplication: 'true' }, standard),
      /Unknown Attribute/,
    );
    assert.throws(() => validateQueueAttributes({ QueueArn: 'x' }, standard), /Unknown Attribute QueueArn/);
    assert.throws(
      () =>
        validateQueueAttributes(
          {
            RedrivePolicy:
              '{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:d","maxReceiveCount":0}',
          },
          standard,
        ),
      /maxReceiveCount/,
    );
    assert.throws(
      () =>
        validateQueueAttributes(
          { DeduplicationScope: 'queue', FifoThroughputLimit: 'perMessageGroupId' },
          { fifo: true, creating: true },
        ),
      /perMessageGroupId/,
    );
  });

  it('checks queue names', () => {
    assert.deepEqual(validateQueueName('a'.repeat(80), undefined), { fifo: false });
    assert.deepEqual(validateQueueName(`${'a'.repeat(75)}.fifo`, 'true'), { fifo: true });
    assert.throws(() => validateQueueName('a'.repeat(81), undefined), /1 to 80/);
    assert.throws(() => validateQueueName('has space', undefined), /alphanumeric/);
    assert.throws(() => validateQueueName('plain', 'true'), /\.fifo/);
  });
});

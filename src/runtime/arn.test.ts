import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatArn, parseArn } from './arn.ts';

test('formats and parses an ARN whose resource holds colons and slashes', () => {
  const text = formatArn({
    service: 'states',
    region: 'us-east-1',
    accountId: '000000000000',
    resource: 'execution:machine:run-1',
  });
  assert.equal(text, 'arn:aws:states:us-east-1:000000000000:execution:machine:run-1');
  assert.deepEqual(parseArn(text), {
    partition: 'aws',
    service: 'states',
    region: 'us-east-1',
    accountId: '000000000000',
    resource: 'execution:machine:run-1',
  });
});

test('rejects text that is not an ARN', () => {
  assert.equal(parseArn('queue-name'), undefined);
  assert.equal(parseArn('arn:aws:sqs'), undefined);
  assert.equal(parseArn('urn:aws:sqs:us-east-1:0:q'), undefined);
});

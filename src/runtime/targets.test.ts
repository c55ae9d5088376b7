import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type DeliveryError, Targets } from './targets.ts';

test('delivers by the service named in the ARN', async () => {
  const targets = new Targets();
  const received: string[] = [];
  targets.register('sqs', async (arn, delivery) => {
    received.push(`${arn} ${delivery.body}`);
    return { id: 'm-1' };
  });
  assert.deepEqual(await targets.deliver('arn:aws:sqs:us-east-1:000000000000:q', { body: 'hi' }), {
    id: 'm-1',
  });
  assert.deepEqual(received, ['arn:aws:sqs:us-east-1:000000000000:q hi']);
  assert.equal(targets.supports('arn:aws:sqs:us-east-1:000000000000:q'), true);
  assert.equal(targets.supports('arn:aws:lambda:us-east-1:000000000000:function:f'), false);
});

test('refuses what it cannot deliver, as a non-retryable DeliveryError', async () => {
  const targets = new Targets();
  await assert.rejects(targets.deliver('not-an-arn', { body: '' }), (error: DeliveryError) => {
    assert.equal(error.code, 'InvalidArn');
    assert.equal(error.retryable, false);
    return true;
  });
  await assert.rejects(
    targets.deliver('arn:aws:lambda:us-east-1:000000000000:function:f', { body: '' }),
    /does not deliver to lambda/,
  );
  assert.throws(() => {
    targets.register('sqs', async () => ({}));
    targets.register('sqs', async () => ({}));
  }, /already registered/);
});

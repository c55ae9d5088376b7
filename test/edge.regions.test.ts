// Regions: a region AWS does not have is refused with a clear error (EDDY_REGIONS adds custom
// ones), and a queue looked up in the wrong region says where a queue of that name is.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CreateQueueCommand, GetQueueUrlCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { AWS_REGIONS } from '../src/runtime/index.ts';
import { startTestEddy, type TestEddy } from './harness.ts';

let eddy: TestEddy;
before(async () => {
  eddy = await startTestEddy({ config: { regions: [...AWS_REGIONS, 'home-lab-1'] } });
});
after(() => eddy?.stop());

test('a made-up region is refused with InvalidRegion naming it and the setting', async () => {
  const sqs = eddy.client(SQSClient, { region: 'eu-fake-1' });
  try {
    await assert.rejects(
      sqs.send(new ListQueuesCommand({})),
      (error: Error & { $metadata?: { httpStatusCode?: number } }) => {
        assert.equal(error.name, 'InvalidRegion');
        assert.equal(error.$metadata?.httpStatusCode, 400);
        assert.match(error.message, /'eu-fake-1' is not an AWS Region.*EDDY_REGIONS=eu-fake-1/);
        return true;
      },
    );
  } finally {
    sqs.destroy();
  }
});

test('a region the configuration adds is served', async () => {
  const sqs = eddy.client(SQSClient, { region: 'home-lab-1' });
  try {
    await sqs.send(new CreateQueueCommand({ QueueName: 'lab' }));
    const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({}));
    assert.equal(QueueUrls.length, 1);
  } finally {
    sqs.destroy();
  }
});

test('QueueDoesNotExist names the regions where the caller has a queue of that name', async () => {
  const home = eddy.client(SQSClient, { region: 'us-east-1' });
  const away = eddy.client(SQSClient, { region: 'eu-west-1' });
  try {
    await home.send(new CreateQueueCommand({ QueueName: 'orders' }));
    await assert.rejects(away.send(new GetQueueUrlCommand({ QueueName: 'orders' })), (error: Error) => {
      assert.equal(error.name, 'QueueDoesNotExist');
      assert.match(error.message, /does not exist in eu-west-1\. A queue named orders exists in us-east-1/);
      return true;
    });
    await assert.rejects(away.send(new GetQueueUrlCommand({ QueueName: 'nowhere' })), {
      name: 'QueueDoesNotExist',
      message: 'The specified queue does not exist.',
    });
  } finally {
    home.destroy();
    away.destroy();
  }
});

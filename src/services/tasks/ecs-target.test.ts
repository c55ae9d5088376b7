import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeliveryError } from '../../runtime/index.ts';
import { overridesFrom, runTaskRequest } from './ecs-target.ts';

const cluster = 'arn:aws:ecs:us-east-1:000000000000:cluster/jobs';

test('a delivered JSON object of overrides becomes the task’s overrides; anything else does not', () => {
  const overrides = { containerOverrides: [{ name: 'app', environment: [{ name: 'ID', value: '7' }] }] };
  assert.deepEqual(overridesFrom(JSON.stringify(overrides)), overrides);
  assert.equal(overridesFrom(JSON.stringify({ version: '0', source: 'shop', detail: {} })), undefined);
  assert.equal(overridesFrom('plain text'), undefined);
  assert.equal(overridesFrom('[1]'), undefined);
});

test('EcsParameters map onto RunTask, with the rule as startedBy and a token per event', () => {
  const delivery = {
    body: '{"containerOverrides":[{"name":"app","command":["go"]}]}',
    deduplicationId: 'event-1',
    sourceArn: 'arn:aws:events:us-east-1:000000000000:rule/nightly',
    parameters: {
      EcsParameters: {
        TaskDefinitionArn: 'arn:aws:ecs:us-east-1:000000000000:task-definition/job:3',
        TaskCount: 2,
        LaunchType: 'FARGATE',
        NetworkConfiguration: { awsvpcConfiguration: { Subnets: ['s-1'], AssignPublicIp: 'DISABLED' } },
        Tags: [{ Key: 'k', Value: 'v' }],
      },
    },
  };
  const request = runTaskRequest(cluster, delivery);
  assert.equal(request.cluster, cluster);
  assert.equal(request.taskDefinition, 'arn:aws:ecs:us-east-1:000000000000:task-definition/job:3');
  assert.equal(request.count, 2);
  assert.equal(request.launchType, 'FARGATE');
  assert.deepEqual(request.networkConfiguration, {
    awsvpcConfiguration: { subnets: ['s-1'], assignPublicIp: 'DISABLED' },
  });
  assert.deepEqual(request.tags, [{ key: 'k', value: 'v' }]);
  assert.deepEqual(request.overrides, { containerOverrides: [{ name: 'app', command: ['go'] }] });
  assert.equal(request.startedBy, 'events-rule/nightly');
  assert.equal(
    request.clientToken,
    runTaskRequest(cluster, delivery).clientToken,
    'a retry reuses the token',
  );
  assert.notEqual(
    request.clientToken,
    runTaskRequest(cluster, { ...delivery, deduplicationId: 'event-2' }).clientToken,
  );
  assert.throws(
    () => runTaskRequest(cluster, { body: '{}' }),
    (error: Error) => error instanceof DeliveryError && /TaskDefinitionArn/.test(error.message),
  );
});

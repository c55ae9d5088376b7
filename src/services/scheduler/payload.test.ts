import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeliveryError } from '../../runtime/index.ts';
import { deliveryFor, substitute } from './payload.ts';

const context = {
  scheduleArn: 'arn:aws:scheduler:us-east-1:000000000000:schedule/default/s',
  scheduledTime: Date.UTC(2026, 1, 28, 10, 0, 0),
  executionId: 'e-1',
  attempt: 2,
};
const ROLE = 'arn:aws:iam::000000000000:role/r';

describe('scheduler payloads', () => {
  it('substitutes every context attribute, as often as it appears', () => {
    assert.equal(
      substitute(
        '<aws.scheduler.schedule-arn>|<aws.scheduler.scheduled-time>|<aws.scheduler.execution-id>|<aws.scheduler.attempt-number>|<aws.scheduler.attempt-number>|<aws.scheduler.other>',
        context,
      ),
      `${context.scheduleArn}|2026-02-28T10:00:00Z|e-1|2|2|<aws.scheduler.other>`,
    );
  });

  it('shapes a queue message, a bus event and a RunTask', () => {
    const sqs = deliveryFor(
      {
        Arn: 'arn:aws:sqs:us-east-1:000000000000:q.fifo',
        RoleArn: ROLE,
        SqsParameters: { MessageGroupId: 'g' },
      },
      context,
    );
    assert.deepEqual(sqs, {
      sourceArn: context.scheduleArn,
      deduplicationId: 'e-1',
      body: '{}',
      groupId: 'g',
    });
    const bus = deliveryFor(
      {
        Arn: 'arn:aws:events:us-east-1:000000000000:event-bus/default',
        RoleArn: ROLE,
        Input: '{"n":<aws.scheduler.attempt-number>}',
        EventBridgeParameters: { DetailType: 'T', Source: 's' },
      },
      context,
    );
    const event = JSON.parse(bus.body) as Record<string, unknown>;
    assert.equal(event['detail-type'], 'T');
    assert.deepEqual(event.detail, { n: 2 });
    assert.equal(event.time, '2026-02-28T10:00:00Z');
    const ecs = deliveryFor(
      {
        Arn: 'arn:aws:ecs:us-east-1:000000000000:cluster/default',
        RoleArn: ROLE,
        EcsParameters: { TaskDefinitionArn: 'td', Tags: [{ team: 'a' }] },
      },
      context,
    );
    assert.deepEqual(ecs.parameters, {
      EcsParameters: { TaskDefinitionArn: 'td', Tags: [{ Key: 'team', Value: 'a' }] },
    });
  });

  it('refuses an event bus Input that is not a JSON object', () => {
    assert.throws(
      () =>
        deliveryFor(
          {
            Arn: 'arn:aws:events:us-east-1:000000000000:event-bus/default',
            RoleArn: ROLE,
            Input: 'plain text',
            EventBridgeParameters: { DetailType: 'T', Source: 's' },
          },
          context,
        ),
      (error: unknown) => error instanceof DeliveryError && /JSON object/.test(error.message),
    );
  });
});

// What a schedule's target receives: its Input with the context attributes substituted, shaped for
// the target's kind (a queue's message, a topic's message, a bus's event, a cluster's RunTask).
import type { Scheduler } from '../../contract/index.ts';
import { type Delivery, DeliveryError, parseArn } from '../../runtime/index.ts';

export interface InvocationContext {
  scheduleArn: string;
  scheduledTime: number;
  executionId: string;
  attempt: number;
}

/** Input with `<aws.scheduler.…>` context attributes replaced, as Scheduler does for templated targets. */
export function substitute(input: string, context: InvocationContext): string {
  const values: Record<string, string> = {
    'schedule-arn': context.scheduleArn,
    'scheduled-time': new Date(context.scheduledTime).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'execution-id': context.executionId,
    'attempt-number': String(context.attempt),
  };
  return input.replace(
    /<aws\.scheduler\.(schedule-arn|scheduled-time|execution-id|attempt-number)>/g,
    (_, name: string) => values[name]!,
  );
}

/** The delivery for one attempt at a target. */
export function deliveryFor(target: Scheduler.Target, context: InvocationContext): Delivery {
  const input = substitute(target.Input ?? '', context);
  const arn = parseArn(target.Arn);
  const base = { sourceArn: context.scheduleArn, deduplicationId: context.executionId };
  if (arn?.service === 'events' && arn.resource.startsWith('event-bus/')) {
    return { ...base, body: JSON.stringify(eventFor(target, input, context, arn.accountId, arn.region)) };
  }
  if (arn?.service === 'ecs') {
    const ecs = target.EcsParameters;
    const tags = ecs?.Tags?.flatMap((map) => Object.entries(map).map(([Key, Value]) => ({ Key, Value })));
    return {
      ...base,
      body: input,
      parameters: { EcsParameters: { ...ecs, ...(tags ? { Tags: tags } : {}) } },
    };
  }
  const groupId = target.SqsParameters?.MessageGroupId;
  // A queue refuses an empty message; Scheduler sends an empty JSON object when there is no Input.
  return { ...base, body: input === '' ? '{}' : input, ...(groupId ? { groupId } : {}) };
}

/** PutEvents as Scheduler calls it: the Input is the detail, DetailType and Source from EventBridgeParameters. */
function eventFor(
  target: Scheduler.Target,
  input: string,
  context: InvocationContext,
  account: string,
  region: string,
): Record<string, unknown> {
  let detail: unknown = {};
  if (input !== '') {
    try {
      detail = JSON.parse(input);
    } catch {
      detail = undefined;
    }
  }
  if (detail === null || typeof detail !== 'object' || Array.isArray(detail))
    throw new DeliveryError(
      'ValidationException',
      'The Input of an event bus target must be a JSON object.',
      false,
    );
  return {
    version: '0',
    id: context.executionId,
    'detail-type': target.EventBridgeParameters?.DetailType ?? 'Scheduled Event',
    source: target.EventBridgeParameters?.Source ?? 'aws.scheduler',
    account,
    time: new Date(context.scheduledTime).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [context.scheduleArn],
    detail,
  };
}

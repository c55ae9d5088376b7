// Sending a batch to a pipe's target through the targets port. Targets that take messages one by
// one in AWS's batching (SQS, SNS, Kinesis, an event bus, CloudWatch Logs) get one delivery per
// event, in order; the others (ECS RunTask, Step Functions, API destinations) get the batch as one
// JSON array, as Pipes invokes them. A batch is accepted only when every delivery was.
import { newUuid, parseArn, type Targets } from '../../runtime/index.ts';
import type { PipeRecord } from './records.ts';
import { pipeArn } from './records.ts';
import { applyTemplate, type PipeContext, viewOf } from './shaping.ts';

const ONE_BY_ONE = new Set(['sqs', 'sns', 'kinesis', 'events', 'logs']);

export function contextOf(pipe: PipeRecord): PipeContext {
  return {
    pipeName: pipe.name,
    pipeArn: pipeArn(pipe),
    sourceArn: pipe.definition.Source,
    targetArn: pipe.definition.Target,
  };
}

/** What a target gets for one event: the filled InputTemplate, or the event as JSON. */
function payloadOf(pipe: PipeRecord, event: Record<string, unknown>, now: number): string {
  const template = pipe.definition.TargetParameters?.InputTemplate;
  if (template === undefined) return JSON.stringify(event);
  return applyTemplate(template, event, viewOf(event), contextOf(pipe), now);
}

function fill(text: string | undefined, event: Record<string, unknown>): string | undefined {
  if (text === undefined || !text.startsWith('$.')) return text;
  const view = viewOf(event);
  let value: unknown = view;
  for (const part of text.slice(2).split('.'))
    value = value && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
  return value === undefined || value === null
    ? undefined
    : typeof value === 'string'
      ? value
      : JSON.stringify(value);
}

export async function deliverBatch(
  targets: Targets,
  pipe: PipeRecord,
  events: Record<string, unknown>[],
  now: number,
): Promise<void> {
  if (events.length === 0) return;
  const target = pipe.definition.Target;
  const service = parseArn(target)?.service ?? '';
  const parameters = pipe.definition.TargetParameters ?? {};
  const sourceArn = pipeArn(pipe);
  if (!ONE_BY_ONE.has(service)) {
    const payloads = events.map((event) => payloadOf(pipe, event, now));
    const body = events.length === 1 && service !== 'ecs' ? payloads[0]! : `[${payloads.join(',')}]`;
    await targets.deliver(target, {
      body,
      sourceArn,
      parameters: {
        ...(parameters.EcsTaskParameters ? { EcsParameters: parameters.EcsTaskParameters } : {}),
        ...(parameters.HttpParameters ? { HttpParameters: parameters.HttpParameters } : {}),
        ...(parameters.StepFunctionStateMachineParameters
          ? { StepFunctionStateMachineParameters: parameters.StepFunctionStateMachineParameters }
          : {}),
      },
    });
    return;
  }
  for (const event of events) {
    const payload = payloadOf(pipe, event, now);
    if (service === 'events') {
      const bus = parameters.EventBridgeEventBusParameters ?? {};
      let detail: unknown;
      try {
        detail = JSON.parse(payload);
      } catch {
        detail = payload;
      }
      const envelope = {
        version: '0',
        id: newUuid(),
        'detail-type': fill(bus.DetailType, event) ?? 'Event from aws:pipes',
        source: fill(bus.Source, event) ?? `Pipe ${pipe.name}`,
        account: pipe.account,
        time: fill(bus.Time, event) ?? new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        region: pipe.region,
        resources: bus.Resources ?? [sourceArn],
        detail,
      };
      await targets.deliver(target, { body: JSON.stringify(envelope), sourceArn });
      continue;
    }
    const sqs = parameters.SqsQueueParameters;
    const groupId = fill(sqs?.MessageGroupId, event);
    const deduplicationId = fill(sqs?.MessageDeduplicationId, event);
    const partitionKey = fill(parameters.KinesisStreamParameters?.PartitionKey, event);
    await targets.deliver(target, {
      body: payload,
      sourceArn,
      ...(groupId !== undefined ? { groupId } : {}),
      ...(deduplicationId !== undefined ? { deduplicationId } : {}),
      parameters: {
        ...(partitionKey !== undefined ? { PartitionKey: partitionKey } : {}),
        ...(service === 'logs'
          ? { stream: parameters.CloudWatchLogsParameters?.LogStreamName ?? pipe.name, createGroup: false }
          : {}),
      },
    });
  }
}

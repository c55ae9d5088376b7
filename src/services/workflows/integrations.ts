// What Task states run: activities (a worker takes the task with GetActivityTask), and the
// optimized service integrations, with Step Functions' PascalCase parameters and results:
//   sqs:sendMessage (+ .waitForTaskToken)   through the targets port, in the step's own commit
//   sns:publish (+ .waitForTaskToken)       through the targets port
//   events:putEvents (+ .waitForTaskToken)  through the targets port, to a bus
//   ecs:runTask (+ .sync, .waitForTaskToken) through the integrations port (the tasks service)
//   states:startExecution (+ .sync, .sync:2, .waitForTaskToken)  this service's own executions
import { createHash, randomUUID } from 'node:crypto';
import type { Json, JsonObject } from '../../asl/index.ts';
import {
  type Delivery,
  DeliveryError,
  type EcsTask,
  IntegrationError,
  type MessageAttribute,
  type Runtime,
} from '../../runtime/index.ts';
import type { Tx } from '../../store/index.ts';
import type { Dispatcher, Engine, Invocation, Outcome } from './engine.ts';
import type { ExecutionRecord } from './executions.ts';
import type { TaskRow } from './task-rows.ts';

/** Starts a child execution for `states:startExecution`, in the parent's transaction. */
export type StartChild = (
  tx: Tx,
  parent: ExecutionRecord,
  request: { stateMachineArn: string; input: string; name?: string; parentToken?: string },
) => Promise<ExecutionRecord>;

/** Stops an execution (a `.sync` child whose parent stopped). */
export type StopChild = (executionArn: string) => Promise<void>;

/** The activity exists (activities.ts), and waking its pollers once a task is queued. */
export interface ActivityQueue {
  exists(tx: Tx, arn: string): Promise<boolean>;
  queued(tx: Tx, arn: string): Promise<void>;
}

const SERVICE_PREFIX: Record<string, string> = { sqs: 'SQS', sns: 'SNS', events: 'EventBridge', ecs: 'ECS' };

/** A service's error as Step Functions names it: `SQS.QueueDoesNotExistException`. */
function serviceError(service: string, code: string, message: string): Outcome {
  const prefix = SERVICE_PREFIX[service] ?? service.toUpperCase();
  const name = code.endsWith('Exception') ? code : `${code}Exception`;
  return { kind: 'failed', error: `${prefix}.${name}`, cause: message };
}

const sdkMetadata = () => ({
  SdkHttpMetadata: { HttpHeaders: { 'Content-Type': 'application/x-amz-json-1.0' }, HttpStatusCode: 200 },
  SdkResponseMetadata: { RequestId: randomUUID() },
});

const asObject = (value: Json): JsonObject =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {};
const asText = (value: Json | undefined): string | undefined =>
  value === undefined ? undefined : typeof value === 'string' ? value : JSON.stringify(value);

/** ECS's camelCase request from Step Functions' PascalCase parameters. */
export function camelKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key.charAt(0).toLowerCase() + key.slice(1), camelKeys(item)]),
  );
}

/** Step Functions' PascalCase result from a service's camelCase one; dates as epoch milliseconds. */
export function pascalKeys(value: unknown): Json {
  if (value instanceof Date) return value.getTime();
  if (Array.isArray(value)) return value.map(pascalKeys);
  if (value === null || typeof value !== 'object') return (value ?? null) as Json;
  const result: JsonObject = {};
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined) continue;
    result[key.charAt(0).toUpperCase() + key.slice(1)] = pascalKeys(item);
  }
  return result;
}

/** A queue's ARN from its URL (`http://host/ACCOUNT/NAME`), in the execution's Region. */
function queueArnOf(url: string, execution: ExecutionRecord): string | undefined {
  try {
    const parts = new URL(url).pathname.split('/').filter(Boolean);
    if (parts.length !== 2) return undefined;
    const host = new URL(url).hostname;
    const region = /^sqs\.([a-z0-9-]+)\.amazonaws/.exec(host)?.[1] ?? execution.region;
    return `arn:aws:sqs:${region}:${parts[0]}:${parts[1]}`;
  } catch {
    return undefined;
  }
}

function messageAttributes(value: Json | undefined): Record<string, MessageAttribute> | undefined {
  if (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value))
    return undefined;
  const attributes: Record<string, MessageAttribute> = {};
  for (const [name, raw] of Object.entries(value)) {
    const attribute = asObject(raw);
    attributes[name] = {
      DataType: String(attribute.DataType ?? 'String'),
      ...(attribute.StringValue !== undefined ? { StringValue: String(attribute.StringValue) } : {}),
      ...(typeof attribute.BinaryValue === 'string'
        ? { BinaryValue: new Uint8Array(Buffer.from(attribute.BinaryValue, 'base64')) }
        : {}),
    };
  }
  return attributes;
}

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

/**
 * How a stopped ECS task ends a `.sync` state: it fails (States.TaskFailed, the task as its cause)
 * when the task failed to start or a container exited with a code other than 0.
 */
export function ecsOutcome(task: EcsTask): Outcome {
  const output = pascalKeys(task);
  const containers = (task.containers as Array<{ exitCode?: number }> | undefined) ?? [];
  const nonZero = containers.some(
    (container) => container.exitCode !== undefined && container.exitCode !== 0,
  );
  if (task.stopCode === 'TaskFailedToStart' || nonZero)
    return { kind: 'failed', error: 'States.TaskFailed', cause: JSON.stringify(output) };
  return { kind: 'succeeded', output };
}

export class Integrations implements Dispatcher {
  constructor(
    private readonly runtime: Runtime,
    private readonly activities: ActivityQueue,
    private readonly startChild: StartChild,
    private readonly stopChild: StopChild,
  ) {}

  async inTransaction(tx: Tx, invocation: Invocation, engine: Engine): Promise<Outcome | undefined> {
    const { info } = invocation;
    if (info.kind === 'activity') {
      if (!(await this.activities.exists(tx, invocation.resource)))
        return {
          kind: 'failed',
          error: 'States.Runtime',
          cause: `Activity does not exist: '${invocation.resource}'`,
        };
      await this.activities.queued(tx, invocation.resource);
      return { kind: 'waiting' };
    }
    if (info.kind !== 'service') return undefined;
    const parameters = asObject(invocation.parameters);
    if (info.service === 'sqs' && info.action === 'sendMessage') {
      const prepared = this.sqsDelivery(invocation, parameters);
      if ('kind' in prepared) return prepared;
      try {
        const taken = this.runtime.targets.deliverIn(tx, prepared.arn, prepared.delivery);
        if (!taken) return undefined;
        const receipt = await taken;
        return this.afterSend(invocation, {
          MD5OfMessageBody: md5(prepared.delivery.body),
          MessageId: receipt.id ?? null,
          ...sdkMetadata(),
        });
      } catch (error) {
        if (error instanceof DeliveryError) return serviceError('sqs', error.code, error.message);
        throw error;
      }
    }
    if (info.service === 'states' && info.action === 'startExecution') {
      const sync = info.pattern === 'sync' || info.pattern === 'sync:2';
      const child = await this.startChild(tx, invocation.execution, {
        stateMachineArn: String(parameters.StateMachineArn ?? ''),
        input: asText(parameters.Input) ?? '{}',
        ...(typeof parameters.Name === 'string' ? { name: parameters.Name } : {}),
        ...(sync ? { parentToken: invocation.token } : {}),
      });
      void engine;
      const started = { ExecutionArn: child.arn, StartDate: child.startedAt, ...sdkMetadata() };
      if (info.pattern === 'request-response') return { kind: 'succeeded', output: started };
      if (child.status !== 'RUNNING' && sync) return childOutcome(child, info.pattern === 'sync:2');
      return { kind: 'waiting', submitted: started, ref: child.arn };
    }
    return undefined;
  }

  async invoke(invocation: Invocation): Promise<Outcome> {
    const { info } = invocation;
    const parameters = asObject(invocation.parameters);
    if (info.kind === 'service') {
      switch (`${info.service}:${info.action}`) {
        case 'sqs:sendMessage': {
          const prepared = this.sqsDelivery(invocation, parameters);
          if ('kind' in prepared) return prepared;
          return this.deliver('sqs', prepared.arn, prepared.delivery, (id) =>
            this.afterSend(invocation, {
              MD5OfMessageBody: md5(prepared.delivery.body),
              MessageId: id,
              ...sdkMetadata(),
            }),
          );
        }
        case 'sns:publish':
          return this.publish(invocation, parameters);
        case 'events:putEvents':
          return this.putEvents(invocation, parameters);
        case 'ecs:runTask':
          return this.runTask(invocation, parameters);
      }
    }
    return {
      kind: 'failed',
      error: 'States.TaskFailed',
      cause: `eddy does not run the resource '${invocation.resource}': it serves activities and the sqs, sns, events, ecs and states integrations.`,
    };
  }

  cancel(row: TaskRow, execution: ExecutionRecord): void {
    if (!row.ref) return;
    const scope = { account: execution.account, region: execution.region };
    if (row.kind === 'ecs:runTask' && row.resource.endsWith('.sync')) {
      const port = this.runtime.integrations.get('ecs:runTask');
      port
        ?.stop(scope, row.ref, 'Task stopped by Step Functions: its execution or state ended')
        .catch((error: unknown) =>
          this.runtime.log.warn({ err: error, task: row.ref }, 'stopping an ECS task failed'),
        );
    }
    if (row.kind === 'states:startExecution' && /\.sync(:2)?$/.test(row.resource)) {
      this.stopChild(row.ref).catch((error: unknown) =>
        this.runtime.log.warn({ err: error, execution: row.ref }, 'stopping a child execution failed'),
      );
    }
  }

  /** `.waitForTaskToken`: sent, and now the token is awaited; otherwise the send's response is the result. */
  private afterSend(invocation: Invocation, response: JsonObject): Outcome {
    return invocation.info.pattern === 'waitForTaskToken'
      ? { kind: 'waiting', submitted: response }
      : { kind: 'succeeded', output: response };
  }

  private sqsDelivery(
    invocation: Invocation,
    parameters: JsonObject,
  ): { arn: string; delivery: Delivery } | Outcome {
    const url = parameters.QueueUrl;
    const arn = typeof url === 'string' ? queueArnOf(url, invocation.execution) : undefined;
    if (!arn)
      return serviceError(
        'sqs',
        'InvalidAddress',
        `The address ${String(url)} is not valid for this endpoint.`,
      );
    const body = asText(parameters.MessageBody);
    if (body === undefined)
      return serviceError('sqs', 'MissingParameter', 'The request must contain the parameter MessageBody.');
    const attributes = messageAttributes(parameters.MessageAttributes);
    return {
      arn,
      delivery: {
        body,
        ...(attributes ? { attributes } : {}),
        ...(typeof parameters.MessageGroupId === 'string' ? { groupId: parameters.MessageGroupId } : {}),
        ...(typeof parameters.MessageDeduplicationId === 'string'
          ? { deduplicationId: parameters.MessageDeduplicationId }
          : {}),
        sourceArn: invocation.execution.arn,
      },
    };
  }

  private async deliver(
    service: string,
    arn: string,
    delivery: Delivery,
    done: (id: string | null) => Outcome,
  ): Promise<Outcome> {
    try {
      const receipt = await this.runtime.targets.deliver(arn, delivery);
      return done(receipt.id ?? null);
    } catch (error) {
      if (error instanceof DeliveryError) return serviceError(service, error.code, error.message);
      throw error;
    }
  }

  private publish(invocation: Invocation, parameters: JsonObject): Promise<Outcome> | Outcome {
    const topicArn = parameters.TopicArn ?? parameters.TargetArn;
    if (typeof topicArn !== 'string')
      return serviceError(
        'sns',
        'InvalidParameter',
        'Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter',
      );
    const message = asText(parameters.Message);
    if (message === undefined)
      return serviceError(
        'sns',
        'InvalidParameter',
        'Invalid parameter: Message Reason: no value for required parameter',
      );
    const attributes = messageAttributes(parameters.MessageAttributes);
    return this.deliver(
      'sns',
      topicArn,
      {
        body: message,
        ...(attributes ? { attributes } : {}),
        ...(typeof parameters.MessageGroupId === 'string' ? { groupId: parameters.MessageGroupId } : {}),
        ...(typeof parameters.MessageDeduplicationId === 'string'
          ? { deduplicationId: parameters.MessageDeduplicationId }
          : {}),
        sourceArn: invocation.execution.arn,
      },
      (id) => this.afterSend(invocation, { MessageId: id, ...sdkMetadata() }),
    );
  }

  private async putEvents(invocation: Invocation, parameters: JsonObject): Promise<Outcome> {
    const entries = Array.isArray(parameters.Entries) ? parameters.Entries : [];
    if (entries.length === 0)
      return serviceError('events', 'Validation', 'Entries must contain between 1 and 10 entries.');
    const { execution } = invocation;
    const results: JsonObject[] = [];
    let failed = 0;
    for (const raw of entries) {
      const entry = asObject(raw);
      const bus = typeof entry.EventBusName === 'string' ? entry.EventBusName : 'default';
      const busArn = bus.startsWith('arn:')
        ? bus
        : `arn:aws:events:${execution.region}:${execution.account}:event-bus/${bus}`;
      const id = randomUUID();
      const detail =
        typeof entry.Detail === 'string' ? (JSON.parse(entry.Detail) as Json) : (entry.Detail ?? {});
      const envelope = {
        version: '0',
        id,
        'detail-type': entry.DetailType ?? null,
        source: entry.Source ?? null,
        account: execution.account,
        time: new Date(this.runtime.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        region: execution.region,
        resources: Array.isArray(entry.Resources) ? entry.Resources : [],
        detail,
      };
      try {
        await this.runtime.targets.deliver(busArn, {
          body: JSON.stringify(envelope),
          sourceArn: execution.arn,
        });
        results.push({ EventId: id });
      } catch (error) {
        if (!(error instanceof DeliveryError)) throw error;
        failed += 1;
        results.push({ ErrorCode: error.code, ErrorMessage: error.message });
      }
    }
    const response = { Entries: results, FailedEntryCount: failed, ...sdkMetadata() };
    if (failed > 0)
      return { kind: 'failed', error: 'EventBridge.FailedEntry', cause: JSON.stringify(response) };
    return this.afterSend(invocation, response);
  }

  private async runTask(invocation: Invocation, parameters: JsonObject): Promise<Outcome> {
    const port = this.runtime.integrations.get('ecs:runTask');
    if (!port)
      return {
        kind: 'failed',
        error: 'States.TaskFailed',
        cause: 'The tasks service (Amazon ECS) is not running.',
      };
    const { execution } = invocation;
    const request = camelKeys(parameters) as Record<string, unknown>;
    request.startedBy ??= 'AWS Step Functions';
    // A call made again after a crash answers with the task the first one started.
    request.clientToken = createHash('sha256').update(invocation.token).digest('hex').slice(0, 64);
    let response: { tasks: EcsTask[]; failures: unknown[] };
    try {
      response = await port.run({ account: execution.account, region: execution.region }, request);
    } catch (error) {
      if (error instanceof IntegrationError) return serviceError('ecs', error.code, error.message);
      throw error;
    }
    const output = pascalKeys({ failures: response.failures, tasks: response.tasks });
    const task = response.tasks[0];
    if (invocation.info.pattern === 'request-response') return { kind: 'succeeded', output };
    if (!task) return { kind: 'failed', error: 'States.TaskFailed', cause: JSON.stringify(output) };
    return { kind: 'waiting', submitted: output, ref: String(task.taskArn) };
  }
}

/** The result of a `states:startExecution.sync` task, from its child's end. */
export function childOutcome(child: ExecutionRecord, parsedOutput: boolean): Outcome {
  const described: JsonObject = {
    ExecutionArn: child.arn,
    Input: parsedOutput ? (JSON.parse(child.input) as Json) : child.input,
    InputDetails: { Included: true },
    Name: child.name,
    StartDate: child.startedAt,
    StateMachineArn: child.versionArn ?? child.machineArn,
    Status: child.status,
    StopDate: child.stoppedAt ?? null,
    RedriveCount: child.redriveCount,
  };
  if (child.status === 'SUCCEEDED') {
    described.Output = parsedOutput ? (JSON.parse(child.output ?? 'null') as Json) : (child.output ?? null);
    described.OutputDetails = { Included: true };
    return { kind: 'succeeded', output: described };
  }
  if (child.error !== undefined) described.Error = child.error;
  if (child.cause !== undefined) described.Cause = child.cause;
  return { kind: 'failed', error: 'States.TaskFailed', cause: JSON.stringify(described) };
}

// The logs service: Amazon CloudWatch Logs (AWS JSON 1.1, `Logs_20140328.*`) — log groups, streams,
// events, retention, tags, GetLogEvents/FilterLogEvents with filter patterns — and the in-process
// writer other services (tasks' `awslogs` driver) use to store log lines without HTTP.
//
// ## Writing log lines through the targets port
//
//   runtime.targets.deliver(logGroupArn(region, account, group), {
//     body: line,                                   // one log line, without its newline
//     parameters: { stream, timestamp?, createGroup? } satisfies LogLineParameters,
//   })
//
// - The ARN is the group's: `arn:aws:logs:REGION:ACCOUNT:log-group:NAME` (a trailing `:*` is accepted).
// - `stream` is created when missing. The group is created when missing only with `createGroup: true`
//   (ECS's `awslogs-create-group`); otherwise the delivery fails with DeliveryError
//   `ResourceNotFoundException` (not retryable), as the awslogs driver fails on a missing group.
// - `timestamp` (ms since the epoch) defaults to the time the line was handed over. Lines are stored
//   in the order they were handed over; readers see them ordered by timestamp, then that order.
// - An empty line stores nothing (CloudWatch Logs cannot hold an empty event); a line longer than an
//   event's 1 MB is split into several events, like Docker's awslogs driver does.
// - The promise resolves once the line is committed. Lines are batched: many lines (of any streams)
//   share one transaction, committed after at most 100 ms, at once when 5,000 lines or 512 KiB are
//   waiting, and when eddy stops. Callers should hand lines over without awaiting each one, and await
//   the last promise of a task (commits are in order) before they report the task STOPPED: then no
//   line handed over is lost. A line not yet committed when eddy is killed (kill -9) is lost, like
//   the driver's in-memory buffer on a crashed host.
// - Bad names fail at once with DeliveryError `InvalidParameterException`; after stop(), deliveries
//   fail with a retryable `ServiceUnavailableException`.

import type { ServiceModule } from '../../contract/index.ts';
import { loadModel, ServiceError, violationMessage } from '../../contract/index.ts';
import { DeliveryError, formatArn, parseArn, type Runtime } from '../../runtime/index.ts';
import { accountPolicyHandlers } from './account-policies.ts';
import { anomalyDetectorHandlers } from './anomaly-detectors.ts';
import type { LogsHandlers } from './api.ts';
import { dataProtectionHandlers, maskerIn } from './data-protection.ts';
import { dataSourceHandlers } from './data-sources.ts';
import { deliveryHandlers } from './deliveries.ts';
import { destinationHandlers } from './destinations.ts';
import { LOG_GROUP_NAME_PATTERN, LOG_STREAM_NAME_PATTERN } from './errors.ts';
import { eventHandlers } from './event-handlers.ts';
import { LogEvents } from './events.ts';
import { groupHandlers } from './groups.ts';
import { indexPolicyHandlers } from './index-policies.ts';
import { integrationHandlers } from './integrations.ts';
import { LiveTail } from './live-tail.ts';
import { logRecordHandlers } from './log-records.ts';
import { lookupTableHandlers } from './lookup-tables.ts';
import { MetricData } from './metric-data.ts';
import { metricFilterHandlers } from './metric-filters.ts';
import { Queries } from './queries.ts';
import { queryDefinitionHandlers } from './query-definitions.ts';
import { LogRegistry } from './registry.ts';
import { resourcePolicyHandlers } from './resource-policies.ts';
import { Resources } from './resources.ts';
import { Retention } from './retention.ts';
import { scheduledQueryHandlers } from './scheduled-queries.ts';
import { logsMigrations } from './schema.ts';
import { streamHandlers } from './streams.ts';
import { SubscriptionDestinations, subscriptionFilterHandlers } from './subscription-filters.ts';
import { SubscriptionPump } from './subscriptions.ts';
import { tagHandlers } from './tags.ts';
import { transferTaskHandlers } from './transfer-tasks.ts';
import { transformerHandlers, transformerIn } from './transformers.ts';
import { DEFAULT_WRITER_OPTIONS, LogWriter, type WriterOptions } from './writer.ts';

export { compileFilterPattern, FilterPatternError, type LogFilter } from './filter.ts';

/** What a delivery to a log group ARN carries in `Delivery.parameters`. */
export interface LogLineParameters {
  stream: string;
  timestamp?: number;
  createGroup?: boolean;
}

export const logGroupArn = (region: string, account: string, group: string) =>
  formatArn({ service: 'logs', region, accountId: account, resource: `log-group:${group}` });

const GROUP_NAME = new RegExp(`^${LOG_GROUP_NAME_PATTERN}$`);
const STREAM_NAME = new RegExp(`^${LOG_STREAM_NAME_PATTERN}$`);

function lineTarget(arn: string, parameters: Record<string, unknown> | undefined) {
  const parsed = parseArn(arn);
  const resource = parsed?.resource ?? '';
  const group = resource.startsWith('log-group:')
    ? resource.slice('log-group:'.length).replace(/:\*$/, '')
    : '';
  if (!parsed || group.length < 1 || group.length > 512 || !GROUP_NAME.test(group))
    throw new DeliveryError('InvalidParameterException', `'${arn}' is not a log group ARN.`, false);
  const stream = parameters?.stream;
  if (typeof stream !== 'string' || stream.length < 1 || stream.length > 512 || !STREAM_NAME.test(stream))
    throw new DeliveryError(
      'InvalidParameterException',
      `'${String(stream)}' is not a log stream name.`,
      false,
    );
  const timestamp = parameters?.timestamp;
  if (
    timestamp !== undefined &&
    (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp) || timestamp < 0)
  )
    throw new DeliveryError(
      'InvalidParameterException',
      'A log line timestamp is milliseconds since the epoch.',
      false,
    );
  return {
    target: {
      account: parsed.accountId,
      region: parsed.region,
      group,
      stream,
      createGroup: parameters?.createGroup === true,
    },
    timestamp: timestamp as number | undefined,
  };
}

/** Turns the edge's member path (`logEvents.1.timestamp`) into AWS's (`logEvents.1.member.timestamp`). */
const awsMemberPath = (path: string) =>
  path
    .split('.')
    .map((part) => (/^\d+$/.test(part) ? `${part}.member` : part.charAt(0).toLowerCase() + part.slice(1)))
    .join('.');

export function logsService(
  runtime: Runtime,
  writerOptions: WriterOptions = DEFAULT_WRITER_OPTIONS,
): ServiceModule {
  const { store, clock } = runtime;
  const registry = new LogRegistry(store);
  const resources = new Resources(store);
  const events = new LogEvents(runtime.store);
  const retention = new Retention(registry, events, runtime.clock, runtime.log);
  const writer = new LogWriter(runtime.store, registry, events, runtime.clock, writerOptions);
  const subscriptions = new SubscriptionPump(store, resources, runtime.targets, clock, runtime.log);
  const destinations = new SubscriptionDestinations(resources, runtime.targets, clock);
  const queries = new Queries(store, registry, resources, clock, runtime.log);
  const liveTail = new LiveTail(store, registry, clock);
  const metricData = new MetricData(store, resources, runtime.cloudMetrics);
  events.onAppend = (tx, group, appended) => metricData.record(tx, group, appended);
  events.onCommitted = () => {
    subscriptions.wake();
    liveTail.wake();
  };
  events.maskerFor = (tx, group) =>
    maskerIn(tx, resources, { accountId: group.account, region: group.region }, group);
  events.transformerFor = (tx, group) =>
    transformerIn(tx, resources, { accountId: group.account, region: group.region }, group);

  runtime.targets.register('logs', async (arn, delivery) => {
    const { target, timestamp } = lineTarget(arn, delivery.parameters);
    await writer.append(target, delivery.body, timestamp);
    return {};
  });

  const handlers: LogsHandlers = {
    ...groupHandlers(registry, resources, store, retention, clock),
    ...streamHandlers(registry, clock),
    ...tagHandlers(registry, resources, store),
    ...eventHandlers(registry, events, store, clock),
    ...metricFilterHandlers(registry, resources, store, clock, metricData),
    ...subscriptionFilterHandlers(registry, resources, store, destinations, clock),
    ...destinationHandlers(resources, clock),
    ...resourcePolicyHandlers(registry, resources, store, clock),
    ...queryDefinitionHandlers(resources, store, clock),
    ...dataProtectionHandlers(registry, resources, clock),
    ...accountPolicyHandlers(resources, store, destinations, clock),
    ...indexPolicyHandlers(registry, resources, store, clock),
    ...queries.handlers(),
    ...liveTail.handlers(),
    ...logRecordHandlers(registry, store, clock),
    ...transformerHandlers(registry, resources, clock),
    ...deliveryHandlers(registry, resources, clock),
    ...anomalyDetectorHandlers(registry, resources, clock),
    ...lookupTableHandlers(resources, store, clock),
    ...scheduledQueryHandlers(resources, store, clock),
    ...integrationHandlers(),
    ...transferTaskHandlers(registry),
    ...dataSourceHandlers(),
  };

  return {
    definition: {
      name: 'logs',
      model: loadModel('logs-2014-03-28'),
      handlers,
      inputError(problem) {
        // CloudWatch Logs reports broken constraints and a missing member as InvalidParameterException;
        // type errors keep the codec's.
        if (problem.kind === 'constraints')
          return new ServiceError('InvalidParameterException', violationMessage(problem.violations));
        if (problem.kind !== 'missing') return undefined;
        return new ServiceError(
          'InvalidParameterException',
          `1 validation error detected: Value null at '${awsMemberPath(problem.member)}' failed to satisfy constraint: Member must not be null`,
        );
      },
    },
    migrations: logsMigrations,
    async start() {
      await queries.start();
      await metricData.start();
      retention.start();
      subscriptions.start();
    },
    async stop() {
      liveTail.stop();
      await writer.stop();
      await subscriptions.stop();
      await queries.stop();
      await retention.stop();
    },
  };
}

// The queues service: Amazon SQS on AWS JSON 1.0 and the Query protocol, durable in the store.

import type { ServiceModule } from '../../contract/index.ts';
import { ServiceError, violationMessage } from '../../contract/index.ts';
import { type Delivery, DeliveryError, type MessageAttribute, type Runtime } from '../../runtime/index.ts';
import { MessageEngine, type Receipt, ReceiptInvalid, receiptOf } from './engine/index.ts';
import { QUERY_ERROR_CODES } from './errors.ts';
import { MessagePreparer, queueHandlers } from './handlers/index.ts';
import { QueueMetrics } from './metrics.ts';
import { loadQueuesModel } from './model.ts';
import { MoveTasks } from './move-tasks.ts';
import { QueueRegistry } from './registry.ts';
import { queueMigrations } from './schema.ts';

/** How often expired messages are swept from the store and queue depths are sampled. */
const MINUTE_MS = 60_000;

export function queuesService(runtime: Runtime): ServiceModule {
  const registry = new QueueRegistry(runtime.store, () => runtime.clock.now());
  const engine = new MessageEngine(runtime.store, runtime.clock, registry);
  const moveTasks = new MoveTasks(runtime, registry, engine);
  const preparer = new MessagePreparer();
  const metrics = new QueueMetrics(runtime, registry, engine);
  let cancelMinutely: (() => void) | undefined;

  const everyMinute = () => {
    cancelMinutely = runtime.clock.setAlarm(runtime.clock.now() + MINUTE_MS, () => {
      engine
        .sweep()
        .then(() => metrics.sample())
        .catch((error: unknown) => runtime.log.error({ err: error }, 'the minutely queue sweep failed'))
        .finally(everyMinute);
    });
  };

  // Other services (rules, topics, schedules) deliver to queues by ARN.
  // Other services' deliveries: a queue that does not exist or a message SQS would refuse is a
  // failure no retry can fix.
  const prepareDelivery = (arn: string, delivery: Delivery) => {
    const queue = registry.fromArn(arn);
    if (!queue) throw new DeliveryError('QueueDoesNotExist', `Queue ${arn} does not exist.`, false);
    try {
      const prepared = preparer.prepare(queue, {
        body: delivery.body,
        attributes: delivery.attributes,
        groupId: queue.fifo ? (delivery.groupId ?? 'default') : delivery.groupId,
        dedupId: queue.fifo ? delivery.deduplicationId : undefined,
      });
      return { queue, prepared, sender: delivery.sourceArn ?? queue.account };
    } catch (error) {
      if (error instanceof ServiceError) throw new DeliveryError(error.code, error.message, false);
      throw error;
    }
  };
  runtime.targets.register(
    'sqs',
    async (arn, delivery) => {
      const { queue, prepared, sender } = prepareDelivery(arn, delivery);
      const [result] = await engine.send(queue, [prepared], sender);
      return { id: result?.MessageId };
    },
    async (tx, arn, delivery) => {
      const { queue, prepared, sender } = prepareDelivery(arn, delivery);
      const [result] = await engine.sendIn(tx, queue, [prepared], sender);
      return { id: result?.MessageId };
    },
  );

  // Pipes receive from queues by ARN (the sources port), and delete only what their target took.
  const queueOf = (arn: string) => {
    const queue = registry.fromArn(arn);
    if (!queue) throw new DeliveryError('QueueDoesNotExist', `Queue ${arn} does not exist.`, false);
    return queue;
  };
  const receiptsOf = (queue: ReturnType<typeof queueOf>, handles: string[]): Receipt[] =>
    handles.flatMap((handle) => {
      const receipt = receiptOf(queue, handle);
      return receipt instanceof ReceiptInvalid ? [] : [receipt];
    });
  runtime.sources.registerQueue('sqs', {
    exists: (arn) => registry.fromArn(arn) !== undefined,
    async receive(arn, options) {
      const messages = await engine.receive(queueOf(arn), {
        maxMessages: Math.min(10, Math.max(1, options.max)),
        waitTimeSeconds: options.waitSeconds,
        visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
        attributeNames: ['All'],
        messageAttributeNames: ['All'],
        attemptId: undefined,
        signal: options.signal,
      });
      return messages.map((message) => ({
        messageId: message.MessageId,
        receiptHandle: message.ReceiptHandle,
        body: message.Body,
        md5OfBody: message.MD5OfBody,
        attributes: { ...(message.Attributes ?? {}) } as Record<string, string>,
        messageAttributes: (message.MessageAttributes ?? {}) as Record<string, MessageAttribute>,
      }));
    },
    async delete(arn, handles) {
      const queue = queueOf(arn);
      await engine.delete(queue, receiptsOf(queue, handles));
    },
    async release(arn, handles, seconds) {
      const queue = queueOf(arn);
      await engine.changeVisibility(
        queue,
        receiptsOf(queue, handles).map((receipt) => ({ receipt, visibilityTimeout: seconds })),
      );
    },
  });

  runtime.metrics.gauge(
    'eddy_sqs_waiting_receives',
    'ReceiveMessage calls waiting (long polling).',
    [],
    () => [{ labels: {}, value: engine.waiters.count() }],
  );

  return {
    definition: {
      name: 'sqs',
      model: loadQueuesModel(),
      protocols: ['json', 'query'],
      handlers: queueHandlers({ registry, engine, moveTasks, preparer }),
      queryErrorCodes: QUERY_ERROR_CODES,
      queryPathMember: 'QueueUrl',
      inputError(problem) {
        if (problem.kind === 'constraints')
          return new ServiceError('InvalidParameterValue', violationMessage(problem.violations));
        if (problem.kind === 'missing') {
          return new ServiceError(
            'MissingParameter',
            `The request must contain the parameter ${problem.member}.`,
          );
        }
        return new ServiceError(
          'InvalidParameterValue',
          `Value ${String(problem.value)} for parameter ${problem.member} is invalid. Reason: Must be ${problem.expected}.`,
        );
      },
    },
    migrations: queueMigrations,
    async start() {
      await registry.load();
      // Other nodes on the same PostgreSQL (queues/002-signals): a send there wakes long polls
      // here; a queue created or changed there is loaded here. An empty key: signals were missed.
      runtime.cluster.onSignal('sqs', (key) =>
        key === '' ? engine.waiters.wakeAll() : engine.waiters.notify(Number(key)),
      );
      runtime.cluster.onSignal('sqs-queues', () => {
        registry.load().catch(() => undefined);
      });
      everyMinute();
    },
    async stop() {
      cancelMinutely?.();
      engine.waiters.wakeAll();
      await metrics.flushCounts();
    },
  };
}

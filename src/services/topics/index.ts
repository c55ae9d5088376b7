// Topics: Amazon SNS on the Query protocol, with filter policies, FIFO topics, signed HTTP/S
// delivery with retry policies, and dead-letter queues.

import type { ServiceModule } from '../../contract/index.ts';
import { loadModel, ServiceError } from '../../contract/index.ts';
import { DeliveryError, type Runtime } from '../../runtime/index.ts';
import { Deliveries } from './delivery.ts';
import { topicHandlers } from './handlers.ts';
import type { PublishInput } from './message.ts';
import { TopicRegistry } from './registry.ts';
import { topicMigrations } from './schema.ts';
import { createSigningKey, type SigningKey } from './signing.ts';

export function topicsService(runtime: Runtime): ServiceModule {
  const registry = new TopicRegistry(runtime.store, () => runtime.clock.now());
  let signingKey: SigningKey | undefined;
  // Made on first need (it takes a moment) and kept in the store, so eddy starts fast.
  const signingKeyNow = () => {
    if (!signingKey) {
      signingKey = createSigningKey('sns.eddy.local', new Date(runtime.clock.now()));
      const { privateKeyPem, certificatePem } = signingKey;
      void runtime.store.write((tx) =>
        tx.run(
          'INSERT INTO sns_signing_key (id, private_key, certificate) VALUES (1, ?, ?) ON CONFLICT (id) DO NOTHING',
          [privateKeyPem, certificatePem],
        ),
      );
    }
    return signingKey;
  };
  const deliveries = new Deliveries(runtime, registry, signingKeyNow);
  const { handlers, publish } = topicHandlers({
    registry,
    deliveries,
    store: runtime.store,
    clock: runtime.clock,
  });

  // Rules and schedules deliver to topics by ARN: the body becomes the message.
  runtime.targets.register('sns', async (arn, delivery) => {
    const topic = registry.findTopic(arn);
    if (!topic) throw new DeliveryError('NotFound', `Topic ${arn} does not exist.`, false);
    const input: PublishInput = {
      Message: delivery.body,
      ...(topic.fifo
        ? { MessageGroupId: delivery.groupId ?? 'default', MessageDeduplicationId: delivery.deduplicationId }
        : {}),
    };
    try {
      return { id: (await publish(topic, input)).MessageId };
    } catch (error) {
      if (error instanceof ServiceError) throw new DeliveryError(error.code, error.message, false);
      throw error;
    }
  });

  return {
    definition: {
      name: 'sns',
      model: loadModel('sns-2010-03-31'),
      handlers,
      inputError(problem) {
        if (problem.kind === 'constraints') return undefined;
        if (problem.kind === 'missing') {
          return new ServiceError(
            'InvalidParameter',
            `Invalid parameter: ${problem.member} Reason: no value for required parameter`,
          );
        }
        return new ServiceError(
          'InvalidParameter',
          `Invalid parameter: ${problem.member} Reason: must be ${problem.expected}`,
        );
      },
      internalRoutes: [
        {
          method: 'GET',
          path: 'sns/SimpleNotificationService-eddy.pem',
          handle: () => ({ body: signingKeyNow().certificatePem, contentType: 'application/x-pem-file' }),
        },
      ],
    },
    migrations: topicMigrations,
    async start() {
      await registry.load();
      signingKey = await loadSigningKey(runtime);
      await deliveries.resume();
    },
    async stop() {
      await deliveries.stop();
    },
  };
}

/** The installation's key, when a previous run made one. */
async function loadSigningKey(runtime: Runtime): Promise<SigningKey | undefined> {
  const row = await runtime.store.read((tx) =>
    tx.get<{ private_key: string; certificate: string }>(
      'SELECT private_key, certificate FROM sns_signing_key WHERE id = 1',
    ),
  );
  return row && { privateKeyPem: row.private_key, certificatePem: row.certificate };
}

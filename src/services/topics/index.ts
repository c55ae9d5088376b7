// Topics: Amazon SNS on the Query protocol, with filter policies, FIFO topics, signed HTTP/S
// delivery with retry policies, and dead-letter queues; platform applications and the account's
// SMS settings are kept and shown. Texts, email and push land in the outbox (eddy sends neither
// texts nor pushes; email also goes to an SMTP server when EDDY_SMTP_URL names one).

import type { Handlers, ServiceModel, ServiceModule, Sns } from '../../contract/index.ts';
import { loadModel, ServiceError, violationMessage } from '../../contract/index.ts';
import { DeliveryError, type Runtime } from '../../runtime/index.ts';
import { Deliveries } from './delivery.ts';
import { topicHandlers } from './handlers.ts';
import type { PublishInput } from './message.ts';
import { OUTBOX_PROTOCOLS, Outbox, type OutboxProtocol } from './outbox.ts';
import { PlatformApplications } from './platform.ts';
import { Publisher } from './publish.ts';
import { TopicRegistry } from './registry.ts';
import { topicMigrations } from './schema.ts';
import { createSigningKey, type SigningKey } from './signing.ts';
import { Sms } from './sms.ts';

/** Required top-level members that are lists, maps or structures: SNS's front end words their absence itself. */
function structuredRequiredMembers(model: ServiceModel): Set<string> {
  const names = new Set<string>();
  for (const operation of Object.values(model.operations)) {
    const input = model.shapes[operation.input?.shape ?? ''];
    for (const name of input?.required ?? []) {
      const type = model.shapes[input?.members?.[name]?.shape ?? '']?.type;
      if (type === 'list' || type === 'map' || type === 'structure') names.add(name);
    }
  }
  return names;
}

export function topicsService(runtime: Runtime): ServiceModule {
  const model = loadModel('sns-2010-03-31');
  const structured = structuredRequiredMembers(model);
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
  const outbox = new Outbox(runtime.store, runtime.clock, runtime.log, runtime.config.smtpUrl);
  const deliveries = new Deliveries(runtime, registry, signingKeyNow, outbox);
  const publisher = new Publisher(registry, deliveries, runtime.store, runtime.clock, outbox);
  const platform = new PlatformApplications(runtime.store, () => runtime.clock.now());
  const handlers: Handlers<Sns.Operations> = {
    ...topicHandlers(registry, publisher),
    ...publisher.handlers(platform),
    ...platform.handlers(),
    ...new Sms(runtime.store, runtime.log).handlers(),
  };

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
      return { id: (await publisher.publish(topic, input)).MessageId };
    } catch (error) {
      if (error instanceof ServiceError) throw new DeliveryError(error.code, error.message, false);
      throw error;
    }
  });

  return {
    definition: {
      name: 'sns',
      model,
      handlers,
      inputError(problem) {
        if (problem.kind === 'constraints') return undefined;
        if (problem.kind === 'missing' && structured.has(problem.member)) {
          // `Attributes` left out (or sent empty) is the front end's ValidationError, not InvalidParameter.
          const member = problem.member.charAt(0).toLowerCase() + problem.member.slice(1);
          return new ServiceError(
            'ValidationError',
            violationMessage([{ member, value: null, rule: 'Member must not be null' }]),
          );
        }
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
          path: 'topics/outbox',
          handle: async ({ query }) => {
            const protocol = query.get('protocol') ?? undefined;
            if (protocol !== undefined && !(OUTBOX_PROTOCOLS as readonly string[]).includes(protocol)) {
              throw new ServiceError(
                'ValidationException',
                `protocol must be one of ${OUTBOX_PROTOCOLS.join(', ')}, got '${protocol}'`,
              );
            }
            const entries = await outbox.list({
              ...(protocol ? { protocol: protocol as OutboxProtocol } : {}),
              ...(query.has('after') ? { after: Number(query.get('after')) || 0 } : {}),
              ...(query.has('limit') ? { limit: Number(query.get('limit')) || 100 } : {}),
            });
            return { body: { entries } };
          },
        },
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

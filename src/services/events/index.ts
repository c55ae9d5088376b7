// The event bus: Amazon EventBridge's buses, rules and targets, with durable, retried delivery.

import type { EventBridge, Handlers, ServiceModule } from '../../contract/index.ts';
import { loadModel, ServiceError } from '../../contract/index.ts';
import { DeliveryError, type Runtime } from '../../runtime/index.ts';
import { ApiInvoker } from './api-invoker.ts';
import { archiveHandlers } from './archive-handlers.ts';
import { Archives } from './archives.ts';
import { connectionHandlers } from './connection-handlers.ts';
import { Connections } from './connections.ts';
import { Dispatcher } from './dispatcher.ts';
import { GlobalEndpoints } from './endpoints.ts';
import { eventSourceHandlers } from './event-sources.ts';
import { explainEvent } from './explain.ts';
import { eventHandlers } from './handlers.ts';
import { permissionHandlers } from './permissions.ts';
import { EventRegistry } from './registry.ts';
import { Replays } from './replays.ts';
import { RuleSchedules } from './scheduled-rules.ts';
import { eventMigrations } from './schema.ts';

/** How often traces beyond the most recent ones are forgotten. */
const TRACE_PRUNE_MS = 60_000;

export function eventsService(runtime: Runtime): ServiceModule {
  const registry = new EventRegistry(
    runtime.store,
    () => runtime.clock.now(),
    RuleSchedules.check,
    runtime.config.eventQuotas,
  );
  const dispatcher = new Dispatcher(runtime, registry, {
    baseMs: runtime.config.deliveryRetry.firstMs,
    capMs: runtime.config.deliveryRetry.capMs,
  });
  const schedules = new RuleSchedules(runtime, registry, dispatcher);
  const archives = new Archives(runtime);
  dispatcher.observeAccepted((tx, events, receivedAt) => archives.capture(tx, events, receivedAt));
  const replays = new Replays(runtime, registry, dispatcher);
  const connections = new Connections(runtime.store, () => runtime.clock.now());
  const invoker = new ApiInvoker(connections, () => runtime.clock.now());
  const endpoints = new GlobalEndpoints(runtime.store, () => runtime.clock.now());
  const handlers: Handlers<EventBridge.Operations> = {
    ...eventHandlers(registry, dispatcher, schedules, runtime.clock),
    ...permissionHandlers(registry),
    ...archiveHandlers(registry, archives, replays),
    ...connectionHandlers(connections, invoker),
    ...endpoints.handlers(),
    ...eventSourceHandlers(),
  };

  // A rule may target another bus: the event is put on it, unless it has been there already.
  // API destinations share the `events` ARN service with buses.
  runtime.targets.register('events', async (arn, delivery) => {
    if (arn.includes(':api-destination/')) return invoker.deliver(arn, delivery);
    const bus = await registry.busByArn(arn);
    if (!bus) throw new DeliveryError('ResourceNotFoundException', `Event bus ${arn} does not exist.`, false);
    const path = (delivery.parameters?.busPath as string[] | undefined) ?? [];
    if (path.includes(bus.arn)) return {};
    let eventId: string;
    try {
      eventId = (JSON.parse(delivery.body) as { id: string }).id;
    } catch {
      throw new DeliveryError('MalformedDetail', 'A bus target must receive the whole event as JSON.', false);
    }
    await dispatcher.accept([{ bus, eventId, envelope: delivery.body, busPath: [...path, bus.arn] }]);
    return { id: eventId };
  });

  let cancelPrune: (() => void) | undefined;
  let cancelFlush: (() => void) | undefined;
  // The rules' AWS/Events counts reach the store once a minute.
  const flushLater = () => {
    cancelFlush = runtime.clock.setAlarm(runtime.clock.now() + 60_000, () => {
      dispatcher.ruleMetrics
        .flush()
        .catch((error: unknown) => runtime.log.warn({ err: error }, 'writing AWS/Events metrics failed'))
        .finally(flushLater);
    });
  };
  const pruneLater = () => {
    cancelPrune = runtime.clock.setAlarm(runtime.clock.now() + TRACE_PRUNE_MS, () => {
      dispatcher.traces
        .prune()
        .catch((error: unknown) => runtime.log.error({ err: error }, 'pruning event traces failed'))
        .finally(pruneLater);
    });
  };

  return {
    definition: {
      name: 'events',
      model: loadModel('events-2015-10-07'),
      handlers,
      inputError(problem) {
        if (problem.kind === 'constraints') return undefined;
        if (problem.kind === 'missing') {
          return new ServiceError(
            'ValidationException',
            `1 validation error detected: Value null at '${problem.member}' failed to satisfy constraint: Member must not be null`,
          );
        }
        return new ServiceError(
          'ValidationException',
          `1 validation error detected: Value '${String(problem.value)}' at '${problem.member}' failed to satisfy constraint: Member must be ${problem.expected}`,
        );
      },
      internalRoutes: [
        {
          method: 'POST',
          path: 'events/explain',
          handle: async (request) => {
            const { bus: busName, event, account, region } = (request.body ?? {}) as Record<string, unknown>;
            const eventJson = typeof event === 'string' ? event : JSON.stringify(event);
            let parsed: unknown;
            try {
              parsed = JSON.parse(eventJson ?? '');
            } catch {
              parsed = undefined;
            }
            if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
              throw new ServiceError('ValidationException', "'event' must be the event as a JSON object.");
            }
            const bus = await registry.bus(
              typeof account === 'string' ? account : runtime.config.defaultAccountId,
              typeof region === 'string' ? region : runtime.config.defaultRegion,
              typeof busName === 'string' ? busName : undefined,
            );
            return { body: { bus: bus.arn, rules: explainEvent(bus, eventJson!) } };
          },
        },
        {
          method: 'GET',
          path: 'events/:eventId',
          handle: async (request) => {
            const trace = await dispatcher.traces.get(request.params.eventId ?? '');
            if (!trace)
              throw new ServiceError('ResourceNotFoundException', 'No trace is kept for this event id.', {
                status: 404,
              });
            return { body: trace };
          },
        },
      ],
    },
    migrations: eventMigrations,
    async start() {
      await registry.load();
      await archives.load();
      await connections.load();
      await dispatcher.resume();
      pruneLater();
      flushLater();
    },
    async stop() {
      cancelPrune?.();
      cancelFlush?.();
      await dispatcher.stop();
      await dispatcher.ruleMetrics
        .flush()
        .catch((error: unknown) => runtime.log.warn({ err: error }, 'writing AWS/Events metrics failed'));
    },
  };
}

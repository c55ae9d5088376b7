// Assembles eddy: store, runtime, services and the edge, started and stopped in order.
import type { AddressInfo } from 'node:net';
import { createEdge, type Edge } from './edge/index.ts';
import {
  type Clock,
  CloudMetrics,
  type Config,
  createLogger,
  type Logger,
  MetricsRegistry,
  type Runtime,
  systemClock,
  Targets,
  TimerService,
  timerMigrations,
} from './runtime/index.ts';
import { type ServiceFactory, type ServiceModule, serviceFactories } from './services/index.ts';
import { openStore, type Store } from './store/index.ts';
import { version } from './version.ts';

export interface StartOptions {
  config: Config;
  clock?: Clock;
  log?: Logger;
  /** Services to run; all of eddy's by default. Tests add their own. */
  services?: ServiceFactory[];
  /** Called before the timers start, so extra timer kinds can be registered. */
  beforeStart?: (runtime: Runtime) => void;
}

export interface RunningEddy {
  runtime: Runtime;
  /** `http://host:port` the server listens on. */
  url: string;
  port: number;
  services: ServiceModule[];
  stop(): Promise<void>;
}

export async function startEddy(options: StartOptions): Promise<RunningEddy> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const log = options.log ?? createLogger(config.logLevel);
  const startedAt = clock.now();
  const store: Store = openStore({ dataDir: config.dataDir, inMemory: config.inMemory });
  const metrics = new MetricsRegistry();
  const timers = new TimerService(store, clock, log);
  const runtime: Runtime = {
    config,
    clock,
    store,
    timers,
    log,
    metrics,
    cloudMetrics: new CloudMetrics(),
    targets: new Targets(),
    endpoint: { url: `http://${config.host}:${config.port}` },
  };

  let edge: Edge | undefined;
  const services: ServiceModule[] = [];
  try {
    services.push(...(options.services ?? serviceFactories).map((factory) => factory(runtime)));
    await store.migrate([...timerMigrations, ...services.flatMap((service) => service.migrations)]);
    options.beforeStart?.(runtime);
    for (const service of services) await service.start?.();
    await timers.start();

    edge = createEdge({
      services: services.map((service) => service.definition),
      accessKeys: config.accessKeys,
      defaultAccountId: config.defaultAccountId,
      defaultRegion: config.defaultRegion,
      clock,
      log,
      metrics,
      health: () => ({
        status: 'ok',
        version,
        uptimeSeconds: Math.round((clock.now() - startedAt) / 1000),
        services: services.map((service) => service.definition.name),
        store: store.info(),
      }),
    });
    const server = edge.server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await timers.stop();
    for (const service of services) await service.stop?.().catch(() => undefined);
    await store.close();
    throw error;
  }

  const port = (edge.server.address() as AddressInfo).port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  runtime.endpoint.url = `http://${host}:${port}`;
  let stopping: Promise<void> | undefined;
  return {
    runtime,
    url: `http://${host}:${port}`,
    port,
    services,
    stop() {
      stopping ??= (async () => {
        await edge.close();
        await timers.stop();
        for (const service of [...services].reverse()) await service.stop?.();
        await store.close();
      })();
      return stopping;
    },
  };
}

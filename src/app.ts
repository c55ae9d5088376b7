// Assembles eddy: store, runtime, services and the edge, started and stopped in order.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { ServiceFactory, ServiceModule } from './contract/index.ts';
import { createEdge, type Edge } from './edge/index.ts';
import {
  type Clock,
  CloudMetrics,
  Cluster,
  type Config,
  clusterMigrations,
  createLogger,
  createSelfSignedCertificate,
  Integrations,
  type KeyAndCertificate,
  type Logger,
  MetricsRegistry,
  newNodeId,
  type Runtime,
  ScalableResources,
  Sessions,
  Sources,
  systemClock,
  Targets,
  TimerService,
  timerMigrations,
} from './runtime/index.ts';
import { serviceFactories } from './services/index.ts';
import { openStore, type Store, StoreUnavailableError } from './store/index.ts';
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
  /** `https://host:port` when the HTTPS port is on, and the file holding its certificate. */
  tlsUrl?: string;
  tlsCertificatePath?: string;
  services: ServiceModule[];
  stop(): Promise<void>;
}

export async function startEddy(options: StartOptions): Promise<RunningEddy> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const log = options.log ?? createLogger(config.logLevel, process.stdout, config.logFormat);
  const startedAt = clock.now();
  const nodeId = config.nodeId ?? newNodeId(config.port);
  const store: Store = openStore({
    dataDir: config.dataDir,
    inMemory: config.inMemory,
    durability: config.durability,
    sqliteDriver: config.sqliteDriver,
    url: config.store,
    applicationName: `eddy/${nodeId}`,
  });
  const metrics = new MetricsRegistry();
  // Several nodes on one store: each fires the timers it owns; alone, every timer is its own.
  const timers = new TimerService(store, clock, log, store.signals ? nodeId : undefined);
  const endpoint = { url: `http://${config.host}:${config.port}` };
  const cluster = new Cluster(store, log, { nodeId, version, url: () => endpoint.url });
  cluster.onTakeover(() => timers.rearm());
  const runtime: Runtime = {
    config,
    clock,
    store,
    timers,
    cluster,
    log,
    metrics,
    cloudMetrics: new CloudMetrics(),
    scalable: new ScalableResources(),
    targets: new Targets(),
    sources: new Sources(),
    integrations: new Integrations(),
    sessions: new Sessions(config.accessKeys),
    endpoint,
  };

  const tls = config.tlsPort === undefined ? undefined : tlsIdentity(config, clock);
  let edge: Edge | undefined;
  const services: ServiceModule[] = [];
  try {
    services.push(...(options.services ?? serviceFactories).map((factory) => factory(runtime)));
    await store.migrate([
      ...timerMigrations,
      ...clusterMigrations,
      ...services.flatMap((service) => service.migrations),
    ]);
    options.beforeStart?.(runtime);
    for (const service of services) await service.start?.();
    await cluster.start();
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
        node: nodeId,
        nodes: cluster.nodes(),
      }),
      ...(tls ? { tls: tls.identity } : {}),
      isUnavailable: (error) => error instanceof StoreUnavailableError,
      sessions: runtime.sessions,
      requestLog: config.requestLog,
      regions: config.regions,
      ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
      // Virtual-hosted S3: `bucket.localhost`, `bucket.s3.localhost`, `bucket.<public host>`.
      virtualHostDomains: [
        'localhost',
        's3.localhost',
        ...(config.publicUrl ? [new URL(config.publicUrl).hostname] : []),
      ],
    });
    await listen(edge.server, config.port, config.host);
    if (edge.tlsServer) await listen(edge.tlsServer, config.tlsPort ?? 0, config.host);
  } catch (error) {
    await timers.stop();
    await cluster.stop().catch(() => undefined);
    for (const service of services) await service.stop?.().catch(() => undefined);
    await store.close();
    throw error;
  }

  const port = (edge.server.address() as AddressInfo).port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  // Behind a load balancer, links handed to clients (queue URLs) name it, not this node.
  endpoint.url = config.publicUrl ?? `http://${host}:${port}`;
  if (edge.tlsServer) {
    runtime.endpoint.tlsUrl = `https://${host}:${(edge.tlsServer.address() as AddressInfo).port}`;
  }
  let stopping: Promise<void> | undefined;
  return {
    runtime,
    url: `http://${host}:${port}`,
    port,
    ...(runtime.endpoint.tlsUrl ? { tlsUrl: runtime.endpoint.tlsUrl } : {}),
    ...(tls?.path ? { tlsCertificatePath: tls.path } : {}),
    services,
    stop() {
      stopping ??= (async () => {
        await edge.close();
        await timers.stop();
        await cluster.stop();
        for (const service of [...services].reverse()) await service.stop?.();
        await store.close();
      })();
      return stopping;
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * The HTTPS port's key and self-signed certificate: kept in DATA_DIR/tls so clients that trust it
 * once (NODE_EXTRA_CA_CERTS, a CA bundle) keep trusting it; made fresh for an in-memory server.
 */
function tlsIdentity(config: Config, clock: Clock): { identity: KeyAndCertificate; path?: string } {
  const altNames = [...new Set(['localhost', '127.0.0.1', '::1', config.host])];
  const make = () =>
    createSelfSignedCertificate({ commonName: 'eddy', altNames, now: new Date(clock.now()) });
  if (config.inMemory) return { identity: make() };
  const directory = join(config.dataDir, 'tls');
  const keyPath = join(directory, 'eddy.key');
  const certificatePath = join(directory, 'eddy.crt');
  if (existsSync(keyPath) && existsSync(certificatePath)) {
    return {
      identity: {
        privateKeyPem: readFileSync(keyPath, 'utf8'),
        certificatePem: readFileSync(certificatePath, 'utf8'),
      },
      path: certificatePath,
    };
  }
  const identity = make();
  mkdirSync(directory, { recursive: true });
  writeFileSync(keyPath, identity.privateKeyPem, { mode: 0o600 });
  writeFileSync(certificatePath, identity.certificatePem);
  return { identity, path: certificatePath };
}

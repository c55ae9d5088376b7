// The runtime every service is given: clock, durable timers, store, logs, metrics, config.
import type { Store } from '../store/index.ts';
import type { Clock } from './clock.ts';
import type { CloudMetrics } from './cloud-metrics.ts';
import type { Cluster } from './cluster.ts';
import type { Config } from './config.ts';
import type { Integrations } from './integrations.ts';
import type { Logger } from './log.ts';
import type { MetricsRegistry } from './metrics.ts';
import type { ScalableResources } from './scalable.ts';
import type { Sessions } from './sessions.ts';
import type { Sources } from './sources.ts';
import type { Targets } from './targets.ts';
import type { TimerService } from './timers.ts';

export { type Arn, formatArn, parseArn } from './arn.ts';
export {
  CHECKSUM_ALGORITHMS,
  type ChecksumAlgorithm,
  checksumOf,
  combineCrc,
  createChecksum,
  type Hasher,
  isChecksumAlgorithm,
  isCrc,
} from './checksums.ts';
export { type Clock, ManualClock, systemClock } from './clock.ts';
export {
  aggregate,
  CloudMetrics,
  type Datapoint,
  type MetricQuery,
  type MetricSource,
  type Statistic,
} from './cloud-metrics.ts';
export {
  Cluster,
  type ClusterOptions,
  clusterMigrations,
  HEARTBEAT_MS,
  LEASE_MS,
  type NodeInfo,
  newNodeId,
} from './cluster.ts';
export {
  type AccessKey,
  type Config,
  ConfigError,
  type ConfigFlags,
  isLoopback,
  loadConfig,
} from './config.ts';
export { newRequestId, newTimeOrderedUuid, newUuid, randomHex } from './ids.ts';
export {
  type EcsRunTask,
  type EcsTask,
  IntegrationError,
  type IntegrationPorts,
  type IntegrationScope,
  Integrations,
} from './integrations.ts';
export { createLogger, type Logger, prettyLine, silentLogger } from './log.ts';
export { MetricsRegistry } from './metrics.ts';
export { extend } from './objects.ts';
export { AWS_REGIONS } from './regions.ts';
export {
  type Capacity,
  type ScalableDimensionHandler,
  ScalableResources,
  type ScalableScope,
} from './scalable.ts';
export { awsStyleId, type SessionClaims, type SessionCredentials, Sessions } from './sessions.ts';
export {
  type QueueSource,
  type SourceMessage,
  Sources,
  type StreamRead,
  type StreamSource,
  type StreamSourceRecord,
  type StreamSourceShard,
  type StreamStart,
} from './sources.ts';
export {
  type Deliverer,
  type Delivery,
  DeliveryError,
  type DeliveryReceipt,
  type MessageAttribute,
  Targets,
  type TransactionalDeliverer,
} from './targets.ts';
export { type Timer, type TimerHandler, TimerService, timerMigrations } from './timers.ts';
export { type CertificateOptions, createSelfSignedCertificate, type KeyAndCertificate } from './x509.ts';

export interface Runtime {
  config: Config;
  clock: Clock;
  store: Store;
  timers: TimerService;
  /**
   * The nodes sharing the store: signals between them (wake-ups), singletons under a lease, the
   * living nodes. With SQLite, this node alone.
   */
  cluster: Cluster;
  log: Logger;
  metrics: MetricsRegistry;
  /** Service metrics in CloudWatch's shape (queue depth, messages sent), read by Auto Scaling. */
  cloudMetrics: CloudMetrics;
  /** Resources Application Auto Scaling can resize, by scalable dimension (ECS services' desired count). */
  scalable: ScalableResources;
  /** Delivery to any resource by ARN; each service registers the ARNs it owns. */
  targets: Targets;
  /** Reading from another service's queue or stream by ARN (Pipes' sources); each registers what it owns. */
  sources: Sources;
  /** Actions one service performs for another and reports the end of (ECS tasks for Step Functions). */
  integrations: Integrations;
  /** Temporary credentials: STS issues them, the edge verifies them. */
  sessions: Sessions;
  /**
   * Where eddy answers (`http://host:port`, and `https://host:port` when the HTTPS port is on),
   * known once the ports are open; links in messages use it.
   */
  endpoint: { url: string; tlsUrl?: string };
}

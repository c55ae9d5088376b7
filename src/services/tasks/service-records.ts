// ECS services as eddy keeps them: one row per service with its whole record as JSON (deployments,
// task sets, events); the scheduler reads them all. Timestamps are epoch milliseconds.
import { randomInt } from 'node:crypto';
import type { Ecs } from '../../contract/index.ts';
import type { Store } from '../../store/index.ts';
import { invalidParameter } from './errors.ts';
import type { CapacityProviderItem, NetworkConfiguration, Tag } from './types.ts';

export interface DeploymentConfiguration {
  maximumPercent: number;
  minimumHealthyPercent: number;
  deploymentCircuitBreaker?: Ecs.DeploymentCircuitBreaker;
}

/** What a deployment runs: the part of a service a new deployment rolls out. */
export interface Workload {
  taskDefinition: string;
  launchType?: Ecs.LaunchType;
  capacityProviderStrategy?: CapacityProviderItem[];
  networkConfiguration?: NetworkConfiguration;
  platformVersion?: string;
}

export interface Deployment extends Workload {
  id: string;
  status: 'PRIMARY' | 'ACTIVE';
  desiredCount: number;
  pendingCount: number;
  runningCount: number;
  failedTasks: number;
  createdAt: number;
  updatedAt: number;
  rolloutState: Ecs.DeploymentRolloutState;
  rolloutStateReason: string;
  /** The service deployment (DescribeServiceDeployments) this deployment carries out. */
  serviceDeploymentArn?: string;
  /** The service revision it runs. */
  serviceRevisionArn?: string;
}

/** A task set of a service with the EXTERNAL deployment controller. */
export interface TaskSetRecord extends Workload {
  id: string;
  taskSetArn: string;
  status: 'PRIMARY' | 'ACTIVE' | 'DRAINING';
  externalId?: string;
  scale: { value: number; unit: 'PERCENT' };
  computedDesiredCount: number;
  pendingCount: number;
  runningCount: number;
  stabilityStatus: Ecs.StabilityStatus;
  stabilityStatusAt: number;
  createdAt: number;
  updatedAt: number;
  tags: Tag[];
  clientToken?: string;
}

export interface ServiceEvent {
  id: string;
  createdAt: number;
  message: string;
}

export interface ServiceRecord extends Partial<Workload> {
  serviceArn: string;
  serviceName: string;
  clusterArn: string;
  clusterName: string;
  account: string;
  region: string;
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  desiredCount: number;
  /** Absent for an EXTERNAL service that was created without one. */
  taskDefinition?: string;
  deploymentController?: Ecs.DeploymentControllerType;
  deploymentConfiguration: DeploymentConfiguration;
  deployments: Deployment[];
  taskSets?: TaskSetRecord[];
  events: ServiceEvent[];
  createdAt: number;
  createdBy: string;
  clientToken?: string;
  tags: Tag[];
  propagateTags?: Ecs.PropagateTags;
  enableECSManagedTags: boolean;
  enableExecuteCommand?: boolean;
  schedulingStrategy?: Ecs.SchedulingStrategy;
  serviceConnectConfiguration?: Ecs.ServiceConnectConfiguration;
  healthCheckGracePeriodSeconds?: number;
  /** Not in the API: consecutive failed tasks and when starting may resume (the throttle). */
  consecutiveFailures: number;
  throttledUntil: number;
  /** Tasks already counted as failed, so a stopped task is counted once. */
  countedFailures: string[];
  steady: boolean;
}

export const serviceGroup = (name: string) => `service:${name}`;
/** ECS's deployment and task set ids: `ecs-svc/` and 19 digits. */
export const newDeploymentId = () =>
  `ecs-svc/${randomInt(1e9, 1e10 - 1)}${randomInt(1e9, 1e10 - 1)}`.slice(0, 27);

export const workloadOf = (source: Partial<Workload>): Workload => ({
  taskDefinition: source.taskDefinition ?? '',
  ...(source.launchType ? { launchType: source.launchType } : {}),
  ...(source.capacityProviderStrategy ? { capacityProviderStrategy: source.capacityProviderStrategy } : {}),
  ...(source.networkConfiguration ? { networkConfiguration: source.networkConfiguration } : {}),
  ...(source.platformVersion ? { platformVersion: source.platformVersion } : {}),
});

/** A new PRIMARY deployment of what the service now names. */
export function newDeployment(
  service: ServiceRecord,
  now: number,
  links: { serviceDeploymentArn?: string; serviceRevisionArn?: string } = {},
): Deployment {
  return {
    id: newDeploymentId(),
    status: 'PRIMARY',
    ...workloadOf(service),
    desiredCount: service.desiredCount,
    pendingCount: 0,
    runningCount: 0,
    failedTasks: 0,
    createdAt: now,
    updatedAt: now,
    rolloutState: 'IN_PROGRESS',
    rolloutStateReason: 'ECS deployment ecs-svc in progress.',
    ...links,
  };
}

/** How many failed tasks trip the circuit breaker: half the desired count, at least 3, at most 200. */
export const circuitBreakerThreshold = (desiredCount: number) =>
  Math.min(200, Math.max(3, Math.ceil(desiredCount / 2)));

export function checkDeploymentConfiguration(
  configuration: Ecs.DeploymentConfiguration | undefined,
): DeploymentConfiguration {
  const maximumPercent = configuration?.maximumPercent ?? 200;
  const minimumHealthyPercent = configuration?.minimumHealthyPercent ?? 100;
  if (!Number.isInteger(maximumPercent) || maximumPercent < 100 || maximumPercent > 200)
    throw invalidParameter('deploymentConfiguration.maximumPercent must be between 100 and 200.');
  if (!Number.isInteger(minimumHealthyPercent) || minimumHealthyPercent < 0 || minimumHealthyPercent > 100)
    throw invalidParameter('deploymentConfiguration.minimumHealthyPercent must be between 0 and 100.');
  return {
    maximumPercent,
    minimumHealthyPercent,
    ...(configuration?.deploymentCircuitBreaker
      ? { deploymentCircuitBreaker: configuration.deploymentCircuitBreaker }
      : {}),
  };
}

export class ServiceStore {
  constructor(private readonly store: Store) {}

  async all(): Promise<ServiceRecord[]> {
    const rows = await this.store.read((tx) =>
      tx.all<{ body: string }>('SELECT body FROM ecs_services ORDER BY arn'),
    );
    return rows.map((row) => JSON.parse(row.body) as ServiceRecord);
  }

  async find(arn: string): Promise<ServiceRecord | undefined> {
    const row = await this.store.read((tx) =>
      tx.get<{ body: string }>('SELECT body FROM ecs_services WHERE arn = ?', [arn]),
    );
    return row ? (JSON.parse(row.body) as ServiceRecord) : undefined;
  }

  async save(service: ServiceRecord): Promise<void> {
    await this.store.write((tx) =>
      tx.run(
        `INSERT INTO ecs_services (arn, cluster_arn, status, body) VALUES (?, ?, ?, ?)
         ON CONFLICT (arn) DO UPDATE SET status = excluded.status, body = excluded.body`,
        [service.serviceArn, service.clusterArn, service.status, JSON.stringify(service)],
      ),
    );
  }
}

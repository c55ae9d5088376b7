// Service deployments and service revisions (DescribeServiceDeployments, ListServiceDeployments,
// DescribeServiceRevisions): every new deployment of a service records the revision it rolls out
// (task definition, launch type or capacity providers, network, images) and a service deployment
// from the revisions running before to that one, which the scheduler takes to SUCCESSFUL,
// STOPPED or through a rollback. While one is under way its task counts are read live from the
// service; a finished one keeps the counts it ended with.
import { randomBytes, randomInt } from 'node:crypto';
import type { Ecs } from '../../contract/index.ts';
import { formatArn } from '../../runtime/index.ts';
import type { Store, Tx } from '../../store/index.ts';
import { dateOf } from './api.ts';
import type { TaskDefinitions } from './definitions.ts';
import {
  circuitBreakerThreshold,
  type Deployment,
  type ServiceRecord,
  type Workload,
  workloadOf,
} from './service-records.ts';

export interface RevisionRecord extends Workload {
  serviceRevisionArn: string;
  serviceArn: string;
  clusterArn: string;
  containerImages: Ecs.ContainerImage[];
  serviceConnectConfiguration?: Ecs.ServiceConnectConfiguration;
  createdAt: number;
}

export interface ServiceDeploymentRecord {
  serviceDeploymentArn: string;
  serviceArn: string;
  clusterArn: string;
  createdAt: number;
  startedAt: number;
  finishedAt?: number;
  stoppedAt?: number;
  updatedAt: number;
  sourceServiceRevisions: Ecs.ServiceRevisionSummary[];
  targetServiceRevision: Ecs.ServiceRevisionSummary;
  status: Ecs.ServiceDeploymentStatus;
  statusReason?: string;
  deploymentConfiguration: Ecs.DeploymentConfiguration;
  rollback?: { reason: string; startedAt: number; serviceRevisionArn: string };
  circuitBreaker: { enabled: boolean; failureCount: number; threshold: number };
}

const UNDER_WAY: Ecs.ServiceDeploymentStatus[] = [
  'PENDING',
  'IN_PROGRESS',
  'ROLLBACK_REQUESTED',
  'ROLLBACK_IN_PROGRESS',
  'STOP_REQUESTED',
];
export const isUnderWay = (record: ServiceDeploymentRecord) => UNDER_WAY.includes(record.status);

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const newDeploymentKey = () => [...randomBytes(21)].map((byte) => ALPHABET[byte % ALPHABET.length]).join('');
const newRevisionKey = () => `${randomInt(1e9, 1e10 - 1)}${randomInt(1e8, 1e9 - 1)}`;

function arnOf(service: ServiceRecord, kind: 'service-deployment' | 'service-revision', key: string) {
  return formatArn({
    service: 'ecs',
    region: service.region,
    accountId: service.account,
    resource: `${kind}/${service.clusterName}/${service.serviceName}/${key}`,
  });
}

/** A deployment's task counts as a revision summary. */
const summary = (arn: string, deployment: Deployment | undefined): Ecs.ServiceRevisionSummary => ({
  arn,
  requestedTaskCount: deployment?.desiredCount ?? 0,
  runningTaskCount: deployment?.runningCount ?? 0,
  pendingTaskCount: deployment?.pendingCount ?? 0,
});

export class ServiceDeployments {
  constructor(
    private readonly store: Store,
    private readonly definitions: TaskDefinitions,
  ) {}

  /**
   * Records the revision a new deployment of `service` rolls out and its service deployment (from
   * the deployments running now); stops one still under way. Returns the links for the deployment.
   */
  async begin(service: ServiceRecord, now: number) {
    const workload = workloadOf(service);
    const stored = await this.definitions.find(
      { account: service.account, region: service.region },
      workload.taskDefinition,
    );
    const revision: RevisionRecord = {
      serviceRevisionArn: arnOf(service, 'service-revision', newRevisionKey()),
      serviceArn: service.serviceArn,
      clusterArn: service.clusterArn,
      ...workload,
      containerImages: (stored?.definition.containerDefinitions ?? []).map((container) => ({
        containerName: container.name,
        image: container.image,
      })),
      ...(service.serviceConnectConfiguration
        ? { serviceConnectConfiguration: service.serviceConnectConfiguration }
        : {}),
      createdAt: now,
    };
    const breaker = service.deploymentConfiguration.deploymentCircuitBreaker;
    const record: ServiceDeploymentRecord = {
      serviceDeploymentArn: arnOf(service, 'service-deployment', newDeploymentKey()),
      serviceArn: service.serviceArn,
      clusterArn: service.clusterArn,
      createdAt: now,
      startedAt: now,
      updatedAt: now,
      sourceServiceRevisions: service.deployments
        .filter((deployment) => deployment.serviceRevisionArn !== undefined)
        .map((deployment) => summary(deployment.serviceRevisionArn!, deployment)),
      targetServiceRevision: summary(revision.serviceRevisionArn, undefined),
      status: 'IN_PROGRESS',
      deploymentConfiguration: service.deploymentConfiguration,
      circuitBreaker: {
        enabled: breaker?.enable === true,
        failureCount: 0,
        threshold: circuitBreakerThreshold(service.desiredCount),
      },
    };
    for (const earlier of await this.ofService(service.serviceArn)) {
      if (isUnderWay(earlier))
        await this.finish(
          service,
          earlier.serviceDeploymentArn,
          'STOPPED',
          'Superseded by a newer service deployment.',
          now,
        );
    }
    await this.store.write(async (tx) => {
      await tx.run('INSERT INTO ecs_service_revisions (arn, service_arn, body) VALUES (?, ?, ?)', [
        revision.serviceRevisionArn,
        service.serviceArn,
        JSON.stringify(revision),
      ]);
      await this.put(tx, record);
    });
    return {
      serviceDeploymentArn: record.serviceDeploymentArn,
      serviceRevisionArn: revision.serviceRevisionArn,
    };
  }

  /**
   * Moves a service deployment on: SUCCESSFUL (ROLLBACK_SUCCESSFUL after a rollback), STOPPED,
   * ROLLBACK_IN_PROGRESS (with where it rolls back to) or ROLLBACK_FAILED; counts are kept as they end.
   */
  async finish(
    service: ServiceRecord,
    arn: string,
    outcome: 'SUCCESSFUL' | 'STOPPED' | 'FAILED' | 'ROLLBACK',
    reason: string | undefined,
    now: number,
    rollbackTo?: string,
  ): Promise<void> {
    const record = await this.get(arn);
    if (!record || !isUnderWay(record)) return;
    const rollingBack = record.status === 'ROLLBACK_IN_PROGRESS';
    const next = this.live(record, service);
    next.updatedAt = now;
    if (reason !== undefined) next.statusReason = reason;
    if (outcome === 'ROLLBACK' && rollbackTo !== undefined && !rollingBack) {
      next.status = 'ROLLBACK_IN_PROGRESS';
      next.rollback = {
        reason: reason ?? 'Rollback requested.',
        startedAt: now,
        serviceRevisionArn: rollbackTo,
      };
    } else if (outcome === 'SUCCESSFUL') {
      next.status = rollingBack ? 'ROLLBACK_SUCCESSFUL' : 'SUCCESSFUL';
      next.finishedAt = now;
    } else {
      next.status = rollingBack ? 'ROLLBACK_FAILED' : 'STOPPED';
      next.stoppedAt = now;
      next.finishedAt = now;
    }
    await this.store.write((tx) => this.put(tx, next));
  }

  async get(arn: string): Promise<ServiceDeploymentRecord | undefined> {
    const row = await this.store.read((tx) =>
      tx.get<{ body: string }>('SELECT body FROM ecs_service_deployments WHERE arn = ?', [arn]),
    );
    return row ? (JSON.parse(row.body) as ServiceDeploymentRecord) : undefined;
  }

  /** A service's deployments, newest first. */
  async ofService(serviceArn: string): Promise<ServiceDeploymentRecord[]> {
    const rows = await this.store.read((tx) =>
      tx.all<{ body: string }>(
        'SELECT body FROM ecs_service_deployments WHERE service_arn = ? ORDER BY created_at DESC, arn',
        [serviceArn],
      ),
    );
    return rows.map((row) => JSON.parse(row.body) as ServiceDeploymentRecord);
  }

  async revision(arn: string): Promise<RevisionRecord | undefined> {
    const row = await this.store.read((tx) =>
      tx.get<{ body: string }>('SELECT body FROM ecs_service_revisions WHERE arn = ?', [arn]),
    );
    return row ? (JSON.parse(row.body) as RevisionRecord) : undefined;
  }

  /** A record with the service's current counts while it is under way (as it ended otherwise). */
  live(record: ServiceDeploymentRecord, service: ServiceRecord | undefined): ServiceDeploymentRecord {
    if (!service || !isUnderWay(record)) return structuredClone(record);
    const byRevision = (arn: string | undefined) =>
      service.deployments.find((deployment) => deployment.serviceRevisionArn === arn);
    const target = service.deployments.find(
      (deployment) =>
        deployment.serviceDeploymentArn === record.serviceDeploymentArn &&
        deployment.serviceRevisionArn === record.targetServiceRevision.arn,
    );
    return {
      ...structuredClone(record),
      sourceServiceRevisions: record.sourceServiceRevisions.map((source) =>
        summary(source.arn!, byRevision(source.arn)),
      ),
      targetServiceRevision: summary(record.targetServiceRevision.arn!, target),
      circuitBreaker: {
        ...record.circuitBreaker,
        failureCount: service.deployments
          .filter((deployment) => deployment.serviceDeploymentArn === record.serviceDeploymentArn)
          .reduce((sum, deployment) => sum + deployment.failedTasks, 0),
        threshold: circuitBreakerThreshold(service.desiredCount),
      },
    };
  }

  private async put(tx: Tx, record: ServiceDeploymentRecord) {
    await tx.run(
      `INSERT INTO ecs_service_deployments (arn, service_arn, created_at, status, body) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (arn) DO UPDATE SET status = excluded.status, body = excluded.body`,
      [
        record.serviceDeploymentArn,
        record.serviceArn,
        record.createdAt,
        record.status,
        JSON.stringify(record),
      ],
    );
  }
}

export function presentServiceDeployment(record: ServiceDeploymentRecord): Ecs.ServiceDeployment {
  const breaker = record.circuitBreaker;
  return {
    serviceDeploymentArn: record.serviceDeploymentArn,
    serviceArn: record.serviceArn,
    clusterArn: record.clusterArn,
    createdAt: new Date(record.createdAt),
    startedAt: new Date(record.startedAt),
    finishedAt: dateOf(record.finishedAt),
    stoppedAt: dateOf(record.stoppedAt),
    updatedAt: new Date(record.updatedAt),
    sourceServiceRevisions: record.sourceServiceRevisions,
    targetServiceRevision: record.targetServiceRevision,
    status: record.status,
    statusReason: record.statusReason,
    deploymentConfiguration: record.deploymentConfiguration,
    ...(record.rollback
      ? {
          rollback: {
            reason: record.rollback.reason,
            startedAt: new Date(record.rollback.startedAt),
            serviceRevisionArn: record.rollback.serviceRevisionArn,
          },
        }
      : {}),
    deploymentCircuitBreaker: {
      status: !breaker.enabled
        ? 'DISABLED'
        : breaker.failureCount >= breaker.threshold
          ? 'TRIGGERED'
          : isUnderWay(record)
            ? 'MONITORING'
            : 'MONITORING_COMPLETE',
      failureCount: breaker.failureCount,
      threshold: breaker.threshold,
    },
    alarms: { status: 'DISABLED' },
  };
}

export function presentRevision(revision: RevisionRecord): Ecs.ServiceRevision {
  return {
    serviceRevisionArn: revision.serviceRevisionArn,
    serviceArn: revision.serviceArn,
    clusterArn: revision.clusterArn,
    taskDefinition: revision.taskDefinition,
    capacityProviderStrategy: revision.capacityProviderStrategy,
    launchType: revision.launchType,
    platformVersion: revision.platformVersion ?? (revision.launchType === 'EC2' ? undefined : 'LATEST'),
    platformFamily: 'Linux',
    networkConfiguration: revision.networkConfiguration,
    containerImages: revision.containerImages,
    guardDutyEnabled: false,
    serviceConnectConfiguration: revision.serviceConnectConfiguration,
    createdAt: new Date(revision.createdAt),
  };
}

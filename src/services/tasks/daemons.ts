// ECS Managed Daemons as eddy keeps them: a daemon runs one task on every EC2 instance of its
// Managed Instances capacity providers. eddy launches no EC2 instances, so a daemon here runs no
// task, and each of its deployments (on create, update and delete) has no instance to roll
// through: it is SUCCESSFUL as soon as it starts, as ECS's would be with no instances.
import { randomBytes, randomInt } from 'node:crypto';
import type { Ecs } from '../../contract/index.ts';
import { formatArn } from '../../runtime/index.ts';
import type { Store } from '../../store/index.ts';
import { dateOf } from './api.ts';
import type { Tag } from './types.ts';

export interface DaemonRecord {
  daemonArn: string;
  daemonName: string;
  clusterArn: string;
  clusterName: string;
  account: string;
  region: string;
  /** DELETED (not in the API) once a deletion is done: the daemon is gone, its deployments stay. */
  status: Ecs.DaemonStatus | 'DELETED';
  daemonTaskDefinitionArn: string;
  capacityProviderArns: string[];
  deploymentConfiguration: Ecs.DaemonDeploymentConfiguration;
  propagateTags: Ecs.DaemonPropagateTags;
  enableECSManagedTags: boolean;
  enableExecuteCommand: boolean;
  tags: Tag[];
  clientToken?: string;
  revisionArn: string;
  deploymentArn: string;
  createdAt: number;
  updatedAt: number;
}

export interface DaemonRevisionRecord {
  daemonRevisionArn: string;
  clusterArn: string;
  daemonArn: string;
  daemonTaskDefinitionArn: string;
  capacityProviderArns: string[];
  containerImages: Ecs.DaemonContainerImage[];
  propagateTags: Ecs.DaemonPropagateTags;
  enableECSManagedTags: boolean;
  enableExecuteCommand: boolean;
  createdAt: number;
}

export interface DaemonDeploymentRecord {
  daemonDeploymentArn: string;
  daemonArn: string;
  clusterArn: string;
  status: Ecs.DaemonDeploymentStatus;
  statusReason?: string;
  targetRevision?: { arn: string; capacityProviderArns: string[] };
  sourceRevisions: Array<{ arn: string; capacityProviderArns: string[] }>;
  deploymentConfiguration: Ecs.DaemonDeploymentConfiguration;
  createdAt: number;
  startedAt: number;
  finishedAt: number;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const deploymentKey = () => [...randomBytes(16)].map((byte) => ALPHABET[byte % ALPHABET.length]).join('');
const revisionKey = () => `${randomInt(1e9, 1e10 - 1)}${randomInt(1e8, 1e9 - 1)}`;

export const daemonArnOf = (scope: { account: string; region: string }, cluster: string, name: string) =>
  formatArn({
    service: 'ecs',
    region: scope.region,
    accountId: scope.account,
    resource: `daemon/${cluster}/${name}`,
  });

const childArn = (daemon: DaemonRecord, kind: 'daemon-deployment' | 'daemon-revision', key: string) =>
  formatArn({
    service: 'ecs',
    region: daemon.region,
    accountId: daemon.account,
    resource: `${kind}/${daemon.clusterName}/${daemon.daemonName}/${key}`,
  });

export class Daemons {
  constructor(private readonly store: Store) {}

  async find(arn: string): Promise<DaemonRecord | undefined> {
    const row = await this.store.read((tx) =>
      tx.get<{ body: string }>('SELECT body FROM ecs_daemons WHERE arn = ?', [arn]),
    );
    return row ? (JSON.parse(row.body) as DaemonRecord) : undefined;
  }

  /** The daemons of an account and region that still exist, by ARN. */
  async list(scope: { account: string; region: string }): Promise<DaemonRecord[]> {
    const rows = await this.store.read((tx) =>
      tx.all<{ body: string }>(
        "SELECT body FROM ecs_daemons WHERE account = ? AND region = ? AND status <> 'DELETED' ORDER BY arn",
        [scope.account, scope.region],
      ),
    );
    return rows.map((row) => JSON.parse(row.body) as DaemonRecord);
  }

  async save(daemon: DaemonRecord): Promise<void> {
    await this.store.write((tx) =>
      tx.run(
        `INSERT INTO ecs_daemons (arn, account, region, status, body) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (arn) DO UPDATE SET status = excluded.status, body = excluded.body`,
        [daemon.daemonArn, daemon.account, daemon.region, daemon.status, JSON.stringify(daemon)],
      ),
    );
  }

  /**
   * A new revision of what the daemon now names (none when it is being deleted) and the deployment
   * to it; with no instances to roll through, the deployment is SUCCESSFUL at once.
   */
  async deploy(daemon: DaemonRecord, images: Ecs.DaemonContainerImage[], now: number, deleting = false) {
    const source = daemon.revisionArn
      ? [{ arn: daemon.revisionArn, capacityProviderArns: daemon.capacityProviderArns }]
      : [];
    const revision: DaemonRevisionRecord | undefined = deleting
      ? undefined
      : {
          daemonRevisionArn: childArn(daemon, 'daemon-revision', revisionKey()),
          clusterArn: daemon.clusterArn,
          daemonArn: daemon.daemonArn,
          daemonTaskDefinitionArn: daemon.daemonTaskDefinitionArn,
          capacityProviderArns: daemon.capacityProviderArns,
          containerImages: images,
          propagateTags: daemon.propagateTags,
          enableECSManagedTags: daemon.enableECSManagedTags,
          enableExecuteCommand: daemon.enableExecuteCommand,
          createdAt: now,
        };
    const deployment: DaemonDeploymentRecord = {
      daemonDeploymentArn: childArn(daemon, 'daemon-deployment', deploymentKey()),
      daemonArn: daemon.daemonArn,
      clusterArn: daemon.clusterArn,
      status: 'SUCCESSFUL',
      statusReason: 'No container instances to deploy to.',
      ...(revision
        ? {
            targetRevision: {
              arn: revision.daemonRevisionArn,
              capacityProviderArns: revision.capacityProviderArns,
            },
          }
        : {}),
      sourceRevisions: source,
      deploymentConfiguration: daemon.deploymentConfiguration,
      createdAt: now,
      startedAt: now,
      finishedAt: now,
    };
    await this.store.write(async (tx) => {
      if (revision)
        await tx.run('INSERT INTO ecs_daemon_revisions (arn, daemon_arn, body) VALUES (?, ?, ?)', [
          revision.daemonRevisionArn,
          daemon.daemonArn,
          JSON.stringify(revision),
        ]);
      await tx.run(
        'INSERT INTO ecs_daemon_deployments (arn, daemon_arn, created_at, status, body) VALUES (?, ?, ?, ?, ?)',
        [
          deployment.daemonDeploymentArn,
          daemon.daemonArn,
          now,
          deployment.status,
          JSON.stringify(deployment),
        ],
      );
    });
    return {
      revisionArn: revision?.daemonRevisionArn ?? daemon.revisionArn,
      deploymentArn: deployment.daemonDeploymentArn,
    };
  }

  async deployment(arn: string): Promise<DaemonDeploymentRecord | undefined> {
    const row = await this.store.read((tx) =>
      tx.get<{ body: string }>('SELECT body FROM ecs_daemon_deployments WHERE arn = ?', [arn]),
    );
    return row ? (JSON.parse(row.body) as DaemonDeploymentRecord) : undefined;
  }

  /** A daemon's deployments, newest first. */
  async deployments(daemonArn: string): Promise<DaemonDeploymentRecord[]> {
    const rows = await this.store.read((tx) =>
      tx.all<{ body: string }>(
        'SELECT body FROM ecs_daemon_deployments WHERE daemon_arn = ? ORDER BY created_at DESC, arn',
        [daemonArn],
      ),
    );
    return rows.map((row) => JSON.parse(row.body) as DaemonDeploymentRecord);
  }

  async revision(arn: string): Promise<DaemonRevisionRecord | undefined> {
    const row = await this.store.read((tx) =>
      tx.get<{ body: string }>('SELECT body FROM ecs_daemon_revisions WHERE arn = ?', [arn]),
    );
    return row ? (JSON.parse(row.body) as DaemonRevisionRecord) : undefined;
  }
}

/** A revision's providers: no instance runs or drains on any of them here. */
const revisionDetail = (revision: { arn: string; capacityProviderArns: string[] }) => ({
  arn: revision.arn,
  capacityProviders: revision.capacityProviderArns.map((arn) => ({
    arn,
    runningInstanceCount: 0,
    drainingInstanceCount: 0,
  })),
  totalRunningInstanceCount: 0,
  totalDrainingInstanceCount: 0,
});

export function presentDaemon(daemon: DaemonRecord): Ecs.DaemonDetail {
  return {
    daemonArn: daemon.daemonArn,
    clusterArn: daemon.clusterArn,
    status: daemon.status === 'DELETED' ? 'DELETE_IN_PROGRESS' : daemon.status,
    currentRevisions: [
      {
        arn: daemon.revisionArn,
        capacityProviders: daemon.capacityProviderArns.map((arn) => ({ arn, runningCount: 0 })),
        totalRunningCount: 0,
      },
    ],
    deploymentArn: daemon.deploymentArn,
    createdAt: new Date(daemon.createdAt),
    updatedAt: new Date(daemon.updatedAt),
  };
}

export function presentDaemonDeployment(record: DaemonDeploymentRecord): Ecs.DaemonDeployment {
  return {
    daemonDeploymentArn: record.daemonDeploymentArn,
    clusterArn: record.clusterArn,
    status: record.status,
    statusReason: record.statusReason,
    ...(record.targetRevision ? { targetDaemonRevision: revisionDetail(record.targetRevision) } : {}),
    sourceDaemonRevisions: record.sourceRevisions.map(revisionDetail),
    circuitBreaker: { failureCount: 0, status: 'MONITORING_COMPLETE', threshold: 3 },
    alarms: {
      status: record.deploymentConfiguration.alarms?.enable ? 'MONITORING_COMPLETE' : 'DISABLED',
      alarmNames: record.deploymentConfiguration.alarms?.alarmNames ?? [],
      triggeredAlarmNames: [],
    },
    deploymentConfiguration: record.deploymentConfiguration,
    createdAt: new Date(record.createdAt),
    startedAt: new Date(record.startedAt),
    finishedAt: dateOf(record.finishedAt),
  };
}

export function presentDaemonRevision(revision: DaemonRevisionRecord): Ecs.DaemonRevision {
  return {
    daemonRevisionArn: revision.daemonRevisionArn,
    clusterArn: revision.clusterArn,
    daemonArn: revision.daemonArn,
    daemonTaskDefinitionArn: revision.daemonTaskDefinitionArn,
    createdAt: new Date(revision.createdAt),
    containerImages: revision.containerImages,
    propagateTags: revision.propagateTags,
    enableECSManagedTags: revision.enableECSManagedTags,
    enableExecuteCommand: revision.enableExecuteCommand,
  };
}

// The records the tasks service keeps: the API's own shapes where they fit (contract's Ecs types),
// with timestamps as epoch milliseconds (they are stored as JSON) and what eddy needs beside them.
import type { Ecs } from '../../contract/index.ts';

export type Tag = Ecs.Tag;
export type KeyValue = Ecs.KeyValuePair;
export type CapacityProviderItem = Ecs.CapacityProviderStrategyItem;
export type NetworkConfiguration = Ecs.NetworkConfiguration;
export type TaskOverrides = Ecs.TaskOverride;
export type ContainerOverride = Ecs.ContainerOverride;

export interface Cluster {
  clusterArn: string;
  clusterName: string;
  status: 'ACTIVE' | 'INACTIVE';
  tags: Tag[];
  settings: Ecs.ClusterSetting[];
  configuration?: Ecs.ClusterConfiguration;
  capacityProviders: string[];
  defaultCapacityProviderStrategy: CapacityProviderItem[];
  serviceConnectDefaults?: Ecs.ClusterServiceConnectDefaults;
}

/** A container definition once registered: it has a name and an image. */
export type ContainerDefinition = Ecs.ContainerDefinition & { name: string; image: string };

/** A task definition as registered, before it has an ARN, revision and status. */
export interface DefinitionBody
  extends Omit<
    Ecs.TaskDefinition,
    | 'taskDefinitionArn'
    | 'revision'
    | 'status'
    | 'registeredAt'
    | 'deregisteredAt'
    | 'registeredBy'
    | 'family'
    | 'containerDefinitions'
    | 'compatibilities'
  > {
  family: string;
  containerDefinitions: ContainerDefinition[];
  compatibilities: Ecs.Compatibility[];
}

export interface TaskDefinition extends DefinitionBody {
  taskDefinitionArn: string;
  revision: number;
  status: Ecs.TaskDefinitionStatus;
  registeredAt: number;
  registeredBy: string;
  deregisteredAt?: number;
}

export type TaskStatus =
  | 'PROVISIONING'
  | 'PENDING'
  | 'ACTIVATING'
  | 'RUNNING'
  | 'DEACTIVATING'
  | 'STOPPING'
  | 'DEPROVISIONING'
  | 'STOPPED';

export interface ContainerRecord {
  containerArn: string;
  taskArn: string;
  name: string;
  image: string;
  lastStatus: 'PENDING' | 'RUNNING' | 'STOPPED';
  exitCode?: number;
  reason?: string;
  /** The runner's handle for the running container (the process id, the container id). */
  runtimeId?: string;
  cpu: string;
  memory?: string;
  memoryReservation?: string;
  networkInterfaces: Ecs.NetworkInterface[];
  /** Not in the API: what eddy needs to run and stop it. */
  essential: boolean;
  stopTimeoutSeconds: number;
  metadataToken: string;
  startedAt?: number;
  finishedAt?: number;
}

export interface TaskRecord {
  taskArn: string;
  account: string;
  region: string;
  clusterArn: string;
  taskDefinitionArn: string;
  family: string;
  revision: number;
  launchType: Ecs.LaunchType;
  capacityProviderName?: string;
  platformVersion: string;
  platformFamily: string;
  availabilityZone: string;
  cpu?: string;
  memory?: string;
  group: string;
  startedBy?: string;
  overrides: TaskOverrides;
  tags: Tag[];
  attachments: Ecs.Attachment[];
  enableExecuteCommand: boolean;
  lastStatus: TaskStatus;
  desiredStatus: 'RUNNING' | 'STOPPED';
  healthStatus: Ecs.HealthStatus;
  connectivity?: Ecs.Connectivity;
  stopCode?: Ecs.TaskStopCode;
  stoppedReason?: string;
  version: number;
  createdAt: number;
  pullStartedAt?: number;
  pullStoppedAt?: number;
  connectivityAt?: number;
  startedAt?: number;
  stoppingAt?: number;
  executionStoppedAt?: number;
  stoppedAt?: number;
  updatedAt: number;
  clientToken?: string;
  containers: ContainerRecord[];
  /** Which runner runs it (`process`, `container`). */
  runner: string;
  /** The eddy node that runs it, where several nodes share the store. */
  nodeId?: string;
  /** Not in the API: when an interrupted Spot task's notice runs out (kept so a restart honours it). */
  spotNoticeDeadline?: number;
  /** Scale-in protection (UpdateTaskProtection): until when it holds; absent when off. */
  protectedUntil?: number;
}

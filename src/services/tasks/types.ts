// The records the tasks service keeps, in the shapes ECS's API returns them (timestamps as ms).

export interface Tag {
  key?: string;
  value?: string;
}

export interface KeyValue {
  name?: string;
  value?: string;
}

export interface CapacityProviderItem {
  capacityProvider: string;
  weight?: number;
  base?: number;
}

export interface Cluster {
  clusterArn: string;
  clusterName: string;
  status: 'ACTIVE' | 'INACTIVE';
  tags: Tag[];
  settings: Array<{ name?: string; value?: string }>;
  configuration?: Record<string, unknown>;
  capacityProviders: string[];
  defaultCapacityProviderStrategy: CapacityProviderItem[];
}

export interface LogConfiguration {
  logDriver: string;
  options?: Record<string, string>;
  secretOptions?: unknown[];
}

export interface ContainerDefinition {
  name: string;
  image: string;
  cpu?: number;
  memory?: number;
  memoryReservation?: number;
  essential?: boolean;
  entryPoint?: string[];
  command?: string[];
  environment?: KeyValue[];
  stopTimeout?: number;
  logConfiguration?: LogConfiguration;
  [other: string]: unknown;
}

/** A task definition as registered, before it has an ARN, revision and status. */
export interface DefinitionBody {
  family: string;
  containerDefinitions: ContainerDefinition[];
  networkMode?: string;
  requiresCompatibilities?: string[];
  compatibilities: string[];
  cpu?: string;
  memory?: string;
  executionRoleArn?: string;
  taskRoleArn?: string;
  [other: string]: unknown;
}

export interface TaskDefinition extends DefinitionBody {
  taskDefinitionArn: string;
  revision: number;
  status: 'ACTIVE' | 'INACTIVE' | 'DELETE_IN_PROGRESS';
  registeredAt: number;
  registeredBy: string;
  deregisteredAt?: number;
  [other: string]: unknown;
}

export interface ContainerOverride {
  name?: string;
  command?: string[];
  environment?: KeyValue[];
  cpu?: number;
  memory?: number;
  memoryReservation?: number;
  [other: string]: unknown;
}

export interface TaskOverrides {
  containerOverrides?: ContainerOverride[];
  cpu?: string;
  memory?: string;
  taskRoleArn?: string;
  executionRoleArn?: string;
  [other: string]: unknown;
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
  networkInterfaces: Array<{ attachmentId: string; privateIpv4Address: string }>;
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
  launchType: string;
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
  attachments: Array<Record<string, unknown>>;
  enableExecuteCommand: boolean;
  lastStatus: TaskStatus;
  desiredStatus: 'RUNNING' | 'STOPPED';
  healthStatus: string;
  connectivity?: string;
  stopCode?: string;
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
  /** Not in the API: when an interrupted Spot task's notice runs out (kept so a restart honours it). */
  spotNoticeDeadline?: number;
}

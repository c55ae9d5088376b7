// RunTask: checks the request as ECS does (launch type or capacity providers, what Fargate needs,
// overrides within 8 KiB), commits the new tasks as PROVISIONING, and hands them to the supervisor.
// A client token makes a retried request return the tasks it started the first time.
import type { Ecs } from '../../contract/index.ts';
import { newUuid, randomHex } from '../../runtime/index.ts';
import { checkNoMix, FARGATE_PROVIDERS, providerNameOf } from './capacity-providers.ts';
import type { Clusters } from './clusters.ts';
import { containerSpec, type SpecContext } from './container-spec.ts';
import type { TaskDefinitions } from './definitions.ts';
import { clientException, ecsError, invalidParameter } from './errors.ts';
import { checkNetworkConfiguration, checkStrategy, distribute } from './fargate.ts';
import { containerArn, type Scope, taskArn } from './names.ts';
import type { Supervisor } from './supervisor.ts';
import { checkTags } from './tags.ts';
import type { TaskStore } from './task-store.ts';
import type { ContainerRecord, TaskDefinition, TaskOverrides, TaskRecord } from './types.ts';

export type RunTaskInput = Ecs.RunTaskRequest;

export interface RunTaskOutput {
  tasks: TaskRecord[];
  failures: Array<{ arn?: string; reason: string; detail?: string }>;
}

const PLATFORM_VERSIONS = ['LATEST', '1.4.0', '1.3.0'];
const MAX_OVERRIDES_LENGTH = 8192;
const DEFAULT_STOP_TIMEOUT_SECONDS = 30;

export interface RunTaskDeps {
  clusters: Clusters;
  definitions: TaskDefinitions;
  tasks: TaskStore;
  supervisor: Supervisor;
  now: () => number;
  specContext: () => SpecContext;
}

export async function runTask(deps: RunTaskDeps, scope: Scope, input: RunTaskInput): Promise<RunTaskOutput> {
  const cluster = await deps.clusters.get(scope, input.cluster);
  if (input.clientToken !== undefined) {
    if (input.clientToken.length < 1 || input.clientToken.length > 64)
      throw invalidParameter('clientToken must be from 1 to 64 characters long.');
    const earlier = await deps.tasks.byClientToken(scope, input.clientToken);
    if (earlier.length > 0) return { tasks: earlier, failures: [] };
  }
  const count = input.count ?? 1;
  if (count < 1 || count > 10) throw invalidParameter('count must be between 1 and 10.');
  const found = await deps.definitions.find(scope, input.taskDefinition);
  if (!found) throw clientException('TaskDefinition not found.');
  const { definition } = found;
  if (definition.status !== 'ACTIVE') throw clientException('TaskDefinition is inactive');

  if (input.launchType !== undefined && input.capacityProviderStrategy !== undefined) {
    throw invalidParameter(
      'Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.',
    );
  }
  const strategy = (
    input.capacityProviderStrategy ??
    (input.launchType === undefined ? cluster.defaultCapacityProviderStrategy : [])
  ).map((item) => ({ ...item, capacityProvider: providerNameOf(item.capacityProvider) }));
  if (input.capacityProviderStrategy !== undefined && strategy.length === 0)
    throw invalidParameter('capacityProviderStrategy must not be empty.');
  // FARGATE and FARGATE_SPOT serve every cluster here; the account's own providers only theirs.
  checkStrategy(strategy, [...FARGATE_PROVIDERS, ...cluster.capacityProviders]);
  checkNoMix(strategy.map((item) => item.capacityProvider));
  const onFargate = strategy.length > 0 && FARGATE_PROVIDERS.includes(strategy[0]!.capacityProvider);
  const launchType: Ecs.LaunchType =
    strategy.length > 0 ? (onFargate ? 'FARGATE' : 'EC2') : (input.launchType ?? 'EC2');

  if (launchType === 'FARGATE') {
    if (!definition.compatibilities.includes('FARGATE'))
      throw invalidParameter('Task definition does not support launch_type FARGATE.');
    if (input.platformVersion !== undefined && !PLATFORM_VERSIONS.includes(input.platformVersion))
      throw ecsError('PlatformUnknownException', 'The specified platform does not exist.');
  }
  checkNetworkConfiguration(definition.networkMode, input.networkConfiguration);
  const overrides = checkOverrides(definition, input.overrides ?? {});
  if ((input.startedBy ?? '').length > 128)
    throw invalidParameter('startedBy must be at most 128 characters.');
  if ((input.group ?? '').length > 255) throw invalidParameter('group must be at most 255 characters.');
  const tags = [
    ...(input.propagateTags === 'TASK_DEFINITION' ? found.tags : []),
    ...checkTags(input.tags),
    ...(input.enableECSManagedTags ? [{ key: 'aws:ecs:clusterName', value: cluster.clusterName }] : []),
  ];

  if (launchType !== 'FARGATE') {
    // eddy registers no container instances (and an EC2-backed capacity provider never gets any):
    // only Fargate capacity exists, as on a Fargate-only cluster.
    return {
      tasks: [],
      failures: [{ arn: cluster.clusterArn, reason: 'No Container Instances were found in your cluster.' }],
    };
  }

  const providers = strategy.length > 0 ? distribute(strategy, count) : [];
  const subnet = input.networkConfiguration?.awsvpcConfiguration?.subnets?.[0];
  const now = deps.now();
  const created = Array.from({ length: count }, (_, index) => {
    const id = randomHex(16);
    const arn = taskArn(scope, cluster.clusterName, id);
    const attachmentId = newUuid();
    const containers: ContainerRecord[] = definition.containerDefinitions.map((container) => {
      const override = overrides.containerOverrides?.find((item) => item.name === container.name);
      const memory = override?.memory ?? container.memory;
      const memoryReservation = override?.memoryReservation ?? container.memoryReservation;
      return {
        containerArn: containerArn(scope, cluster.clusterName, id, newUuid()),
        taskArn: arn,
        name: container.name,
        image: container.image,
        lastStatus: 'PENDING',
        cpu: String(override?.cpu ?? container.cpu ?? 0),
        ...(memory !== undefined ? { memory: String(memory) } : {}),
        ...(memoryReservation !== undefined ? { memoryReservation: String(memoryReservation) } : {}),
        networkInterfaces: subnet ? [{ attachmentId, privateIpv4Address: '127.0.0.1' }] : [],
        essential: container.essential !== false,
        stopTimeoutSeconds: container.stopTimeout ?? DEFAULT_STOP_TIMEOUT_SECONDS,
        metadataToken: randomHex(16),
      };
    });
    const task: TaskRecord = {
      taskArn: arn,
      account: scope.account,
      region: scope.region,
      clusterArn: cluster.clusterArn,
      taskDefinitionArn: definition.taskDefinitionArn,
      family: definition.family,
      revision: definition.revision,
      launchType,
      ...(providers[index] ? { capacityProviderName: providers[index] } : {}),
      platformVersion: '1.4.0',
      platformFamily: 'Linux',
      availabilityZone: `${scope.region}a`,
      ...((overrides.cpu ?? definition.cpu) ? { cpu: overrides.cpu ?? definition.cpu } : {}),
      ...((overrides.memory ?? definition.memory) ? { memory: overrides.memory ?? definition.memory } : {}),
      group: input.group ?? `family:${definition.family}`,
      ...(input.startedBy !== undefined ? { startedBy: input.startedBy } : {}),
      overrides: {
        containerOverrides: definition.containerDefinitions.map((container) => ({
          name: container.name,
          ...overrides.containerOverrides?.find((item) => item.name === container.name),
        })),
        inferenceAcceleratorOverrides: [],
        ...withoutContainers(overrides),
      },
      tags,
      attachments: subnet ? [eniAttachment(attachmentId, subnet)] : [],
      enableExecuteCommand: input.enableExecuteCommand ?? false,
      lastStatus: 'PROVISIONING',
      desiredStatus: 'RUNNING',
      healthStatus: 'UNKNOWN',
      version: 1,
      createdAt: now,
      updatedAt: now,
      ...(input.clientToken !== undefined ? { clientToken: input.clientToken } : {}),
      containers,
      runner: deps.specContext().runnerKind,
      ...(deps.supervisor.node ? { nodeId: deps.supervisor.node.id } : {}),
    };
    return task;
  });
  await deps.tasks.save(created);
  const context = deps.specContext();
  for (const task of created) {
    const specs = new Map(
      task.containers.map((container) => {
        const containerDefinition = definition.containerDefinitions.find(
          (item) => item.name === container.name,
        )!;
        const override = overrides.containerOverrides?.find((item) => item.name === container.name);
        return [container.name, containerSpec(task, container, containerDefinition, override, context)];
      }),
    );
    deps.supervisor.launch(structuredClone(task), specs);
  }
  return { tasks: created, failures: [] };
}

function withoutContainers(overrides: TaskOverrides): TaskOverrides {
  const { containerOverrides: _containers, ...rest } = overrides;
  return rest;
}

/** Overrides name containers of the definition and stay within ECS's 8192 characters of JSON. */
function checkOverrides(definition: TaskDefinition, overrides: TaskOverrides): TaskOverrides {
  if (JSON.stringify(overrides).length > MAX_OVERRIDES_LENGTH)
    throw invalidParameter(`Container Overrides length must be at most ${MAX_OVERRIDES_LENGTH}`);
  for (const override of overrides.containerOverrides ?? []) {
    if (!definition.containerDefinitions.some((container) => container.name === override.name))
      throw invalidParameter(
        `Override for container named ${override.name ?? 'null'} is not a container in the TaskDefinition.`,
      );
    for (const variable of override.environment ?? []) {
      if (!variable.name)
        throw invalidParameter('Environment variable names in container overrides must not be empty.');
    }
  }
  return overrides;
}

function eniAttachment(id: string, subnet: string): Record<string, unknown> {
  return {
    id,
    type: 'ElasticNetworkInterface',
    status: 'PRECREATED',
    details: [
      { name: 'subnetId', value: subnet },
      { name: 'networkInterfaceId', value: `eni-${randomHex(8).slice(0, 17)}` },
      { name: 'privateIPv4Address', value: '127.0.0.1' },
    ],
  };
}

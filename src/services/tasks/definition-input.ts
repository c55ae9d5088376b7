// RegisterTaskDefinition's input checked as ECS checks it, and turned into the task definition ECS
// returns: defaults filled in, cpu and memory as numbers of units, the compatibilities it meets.
import { clientException } from './errors.ts';
import { checkFargateDefinition, parseCpu, parseMemory } from './fargate.ts';
import { RESOURCE_NAME } from './names.ts';
import type { ContainerDefinition, DefinitionBody } from './types.ts';

const NETWORK_MODES = ['bridge', 'host', 'awsvpc', 'none'];
const COMPATIBILITIES = ['EC2', 'FARGATE', 'EXTERNAL', 'MANAGED_INSTANCES'];
const LOG_DRIVERS = [
  'json-file',
  'syslog',
  'journald',
  'gelf',
  'fluentd',
  'awslogs',
  'splunk',
  'awsfirelens',
];
/** Fargate gives a container at most this long between SIGTERM and SIGKILL. */
const FARGATE_MAX_STOP_TIMEOUT = 120;

export interface RegisterInput {
  family: string;
  containerDefinitions: ContainerDefinition[];
  networkMode?: string;
  requiresCompatibilities?: string[];
  cpu?: string;
  memory?: string;
  executionRoleArn?: string;
  taskRoleArn?: string;
  [other: string]: unknown;
}

export type CheckedDefinition = DefinitionBody;

export function checkDefinition(input: RegisterInput): CheckedDefinition {
  const { family, containerDefinitions, tags: _tags, ...rest } = input;
  if (!RESOURCE_NAME.test(family)) {
    throw clientException(
      'Family name can contain only letters (uppercase and lowercase), numbers, hyphens, and underscores, and be 1-255 characters long.',
    );
  }
  if (containerDefinitions.length === 0) throw clientException('Container list cannot be empty.');
  if (input.networkMode !== undefined && !NETWORK_MODES.includes(input.networkMode))
    throw clientException(
      `Invalid networkMode '${input.networkMode}': must be one of ${NETWORK_MODES.join(', ')}.`,
    );
  for (const compatibility of input.requiresCompatibilities ?? []) {
    if (!COMPATIBILITIES.includes(compatibility))
      throw clientException(
        `Invalid requiresCompatibilities value '${compatibility}': must be one of ${COMPATIBILITIES.join(', ')}.`,
      );
  }
  const cpu = input.cpu === undefined ? undefined : parseCpu(input.cpu);
  if (input.cpu !== undefined && cpu === undefined) throw clientException("Invalid 'cpu' setting for task.");
  const memory = input.memory === undefined ? undefined : parseMemory(input.memory);
  if (input.memory !== undefined && memory === undefined)
    throw clientException("Invalid 'memory' setting for task.");

  const fargate = (input.requiresCompatibilities ?? []).includes('FARGATE');
  const containers = containerDefinitions.map((container) => checkContainer(container, memory, fargate));
  const names = new Set<string>();
  for (const container of containers) {
    if (names.has(container.name)) throw clientException('Duplicate container names are not allowed.');
    names.add(container.name);
  }
  if (!containers.some((container) => container.essential))
    throw clientException('Task definition must have at least one essential container.');

  const taskLevel = { networkMode: input.networkMode, cpu, memory };
  if (fargate) {
    checkFargateDefinition(taskLevel);
    if (!input.executionRoleArn && containers.some((c) => c.logConfiguration?.logDriver === 'awslogs'))
      throw clientException(
        'Fargate requires task definition to have execution role ARN to support log driver awslogs.',
      );
  }
  const compatibilities = ['EC2'];
  if (fargateCompatible(taskLevel)) compatibilities.push('FARGATE');
  if ((input.requiresCompatibilities ?? []).includes('EXTERNAL')) compatibilities.push('EXTERNAL');
  return {
    ...rest,
    family,
    containerDefinitions: containers,
    ...(cpu !== undefined ? { cpu: String(cpu) } : {}),
    ...(memory !== undefined ? { memory: String(memory) } : {}),
    volumes: (input.volumes as unknown[] | undefined) ?? [],
    placementConstraints: (input.placementConstraints as unknown[] | undefined) ?? [],
    compatibilities,
  };
}

function fargateCompatible(taskLevel: { networkMode?: string; cpu?: number; memory?: number }): boolean {
  try {
    checkFargateDefinition(taskLevel);
    return true;
  } catch {
    return false;
  }
}

function checkContainer(
  container: ContainerDefinition,
  taskMemory: number | undefined,
  fargate: boolean,
): ContainerDefinition {
  if (!container.name) throw clientException('Container.name should not be null or empty.');
  if (!RESOURCE_NAME.test(container.name)) {
    throw clientException(
      `Container name '${container.name}' can contain only letters (uppercase and lowercase), numbers, hyphens, and underscores, and be 1-255 characters long.`,
    );
  }
  if (!container.image) throw clientException('Container.image should not be null or empty.');
  if (
    taskMemory === undefined &&
    container.memory === undefined &&
    container.memoryReservation === undefined
  ) {
    throw clientException(
      `Invalid setting for container '${container.name}'. At least one of 'memory' or 'memoryReservation' must be specified.`,
    );
  }
  if (container.memory !== undefined && container.memory < 6)
    throw clientException(
      `Invalid 'memory' setting for container '${container.name}'. The minimum is 6 MiB.`,
    );
  if (
    container.memory !== undefined &&
    container.memoryReservation !== undefined &&
    container.memoryReservation > container.memory
  ) {
    throw clientException(
      `Invalid setting for container '${container.name}'. 'memoryReservation' must be less than or equal to 'memory'.`,
    );
  }
  const stopTimeout = container.stopTimeout;
  if (stopTimeout !== undefined && (stopTimeout < 0 || (fargate && stopTimeout > FARGATE_MAX_STOP_TIMEOUT))) {
    throw clientException(
      `Invalid 'stopTimeout' setting for container '${container.name}': it must be from 0${fargate ? ` to ${FARGATE_MAX_STOP_TIMEOUT}` : ''} seconds.`,
    );
  }
  const driver = container.logConfiguration?.logDriver;
  if (container.logConfiguration && (!driver || !LOG_DRIVERS.includes(driver)))
    throw clientException(`Log driver '${driver ?? ''}' is not one of ${LOG_DRIVERS.join(', ')}.`);
  for (const variable of container.environment ?? []) {
    if (!variable.name)
      throw clientException(`Environment variable names in container '${container.name}' must not be empty.`);
  }
  return {
    ...container,
    cpu: container.cpu ?? 0,
    essential: container.essential ?? true,
    environment: container.environment ?? [],
    portMappings: (container.portMappings as unknown[] | undefined) ?? [],
    mountPoints: (container.mountPoints as unknown[] | undefined) ?? [],
    volumesFrom: (container.volumesFrom as unknown[] | undefined) ?? [],
  };
}

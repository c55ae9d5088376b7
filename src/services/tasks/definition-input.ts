// RegisterTaskDefinition's input checked as ECS checks it, and turned into the task definition ECS
// returns: defaults filled in, cpu and memory as numbers of units, the compatibilities it meets.
import type { Ecs } from '../../contract/index.ts';
import { clientException } from './errors.ts';
import { checkFargateDefinition, parseCpu, parseMemory } from './fargate.ts';
import { RESOURCE_NAME } from './names.ts';
import type { ContainerDefinition, DefinitionBody } from './types.ts';

/** Fargate gives a container at most this long between SIGTERM and SIGKILL. */
const FARGATE_MAX_STOP_TIMEOUT = 120;

export type RegisterInput = Ecs.RegisterTaskDefinitionRequest;

export function checkDefinition(input: RegisterInput): DefinitionBody {
  const { family, containerDefinitions, tags: _tags, ...rest } = input;
  if (!RESOURCE_NAME.test(family)) {
    throw clientException(
      'Family name can contain only letters (uppercase and lowercase), numbers, hyphens, and underscores, and be 1-255 characters long.',
    );
  }
  if (containerDefinitions.length === 0) throw clientException('Container list cannot be empty.');
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
  const compatibilities: Ecs.Compatibility[] = ['EC2'];
  if (fargateCompatible(taskLevel)) compatibilities.push('FARGATE');
  if ((input.requiresCompatibilities ?? []).includes('EXTERNAL')) compatibilities.push('EXTERNAL');
  return {
    ...rest,
    family,
    containerDefinitions: containers,
    ...(cpu !== undefined ? { cpu: String(cpu) } : {}),
    ...(memory !== undefined ? { memory: String(memory) } : {}),
    volumes: input.volumes ?? [],
    placementConstraints: input.placementConstraints ?? [],
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
  container: Ecs.ContainerDefinition,
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
  const { name, image } = container;
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
  for (const variable of container.environment ?? []) {
    if (!variable.name)
      throw clientException(`Environment variable names in container '${container.name}' must not be empty.`);
  }
  return {
    ...container,
    name,
    image,
    cpu: container.cpu ?? 0,
    essential: container.essential ?? true,
    environment: container.environment ?? [],
    portMappings: container.portMappings ?? [],
    mountPoints: container.mountPoints ?? [],
    volumesFrom: container.volumesFrom ?? [],
  };
}

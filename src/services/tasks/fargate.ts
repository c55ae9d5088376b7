// What Fargate requires: task-level cpu/memory from its table of sizes, the awsvpc network mode
// with subnets, and capacity provider strategies over FARGATE and FARGATE_SPOT.
import { clientException, invalidParameter } from './errors.ts';
import type { CapacityProviderItem, NetworkConfiguration } from './types.ts';

const GIB = 1024;

/** Fargate's task sizes: CPU units → the memory (MiB) allowed with them. */
const SIZES: Array<[number, number[]]> = [
  [256, [512, 1024, 2048]],
  [512, range(1 * GIB, 4 * GIB, GIB)],
  [1024, range(2 * GIB, 8 * GIB, GIB)],
  [2048, range(4 * GIB, 16 * GIB, GIB)],
  [4096, range(8 * GIB, 30 * GIB, GIB)],
  [8192, range(16 * GIB, 60 * GIB, 4 * GIB)],
  [16384, range(32 * GIB, 120 * GIB, 8 * GIB)],
];

function range(from: number, to: number, step: number): number[] {
  const values: number[] = [];
  for (let value = from; value <= to; value += step) values.push(value);
  return values;
}

/** Task-level cpu as ECS accepts it ("1024", "1 vCPU", "0.25 vcpu"), in CPU units; undefined if unreadable. */
export function parseCpu(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(vcpu)?\s*$/i.exec(text);
  if (!match) return undefined;
  const units = match[2] ? Number(match[1]) * 1024 : Number(match[1]);
  return Number.isInteger(units) && units > 0 ? units : undefined;
}

/** Task-level memory as ECS accepts it ("2048", "2 GB", "0.5gb"), in MiB; undefined if unreadable. */
export function parseMemory(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(gb)?\s*$/i.exec(text);
  if (!match) return undefined;
  const mib = match[2] ? Number(match[1]) * 1024 : Number(match[1]);
  return Number.isInteger(mib) && mib > 0 ? mib : undefined;
}

export function isFargateSize(cpu: number, memory: number): boolean {
  return SIZES.some(([units, memories]) => units === cpu && memories.includes(memory));
}

/** Checks a FARGATE task definition's task-level settings, with ECS's messages. */
export function checkFargateDefinition(definition: {
  networkMode?: string;
  cpu?: number;
  memory?: number;
}): void {
  if (definition.networkMode !== 'awsvpc')
    throw clientException('Fargate only supports network mode ‘awsvpc’.');
  if (definition.cpu === undefined)
    throw clientException("Fargate requires that 'cpu' be defined at the task level.");
  if (definition.memory === undefined)
    throw clientException("Fargate requires that 'memory' be defined at the task level.");
  if (!isFargateSize(definition.cpu, definition.memory)) {
    throw clientException(
      `No Fargate configuration exists for given values: ${definition.cpu} CPU, ${definition.memory} memory. See the Amazon ECS documentation for the valid values.`,
    );
  }
}

/** RunTask's networkConfiguration against the task definition's network mode. */
export function checkNetworkConfiguration(
  networkMode: string | undefined,
  configuration: NetworkConfiguration | undefined,
): void {
  const awsvpc = configuration?.awsvpcConfiguration;
  if (networkMode !== 'awsvpc') {
    if (awsvpc)
      throw invalidParameter(
        'Network Configuration is not valid for the given networkMode of this task definition.',
      );
    return;
  }
  if (!awsvpc)
    throw invalidParameter("Network Configuration must be provided when networkMode 'awsvpc' is specified.");
  const subnets = awsvpc.subnets ?? [];
  if (subnets.length === 0) throw invalidParameter('subnets can not be empty.');
  if (subnets.length > 16) throw invalidParameter('subnets can have at most 16 items.');
  if ((awsvpc.securityGroups ?? []).length > 5)
    throw invalidParameter('securityGroups can have at most 5 items.');
}

/** Checks a capacity provider strategy as RunTask gets it (the model bounds each weight and base). */
export function checkStrategy(strategy: CapacityProviderItem[], associated: string[]): void {
  if (strategy.length > 20) throw invalidParameter('capacityProviderStrategy can have at most 20 items.');
  const names = new Set<string>();
  let withBase = 0;
  for (const item of strategy) {
    if (!associated.includes(item.capacityProvider))
      throw invalidParameter(
        'The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again.',
      );
    if (names.has(item.capacityProvider))
      throw invalidParameter(
        `Capacity provider ${item.capacityProvider} appears more than once in the strategy.`,
      );
    names.add(item.capacityProvider);
    if ((item.base ?? 0) > 0) withBase += 1;
  }
  if (withBase > 1)
    throw invalidParameter(
      'Only one capacity provider in a capacity provider strategy can have a base defined.',
    );
  if (strategy.length > 0 && strategy.every((item) => (item.weight ?? 0) === 0))
    throw invalidParameter(
      'At least one capacity provider in the strategy must have a weight greater than zero.',
    );
}

/**
 * Which provider each of `count` tasks lands on: the base first, then the rest split by weight,
 * each next task going to the provider furthest below its share.
 */
export function distribute(strategy: CapacityProviderItem[], count: number): string[] {
  const result: string[] = [];
  const based = strategy.find((item) => (item.base ?? 0) > 0);
  while (based && result.length < Math.min(count, based.base ?? 0)) {
    result.push(based.capacityProvider);
  }
  const weighted = strategy.filter((item) => (item.weight ?? 0) > 0);
  const totalWeight = weighted.reduce((sum, item) => sum + (item.weight ?? 0), 0);
  const beyondBase = new Map<string, number>(weighted.map((item) => [item.capacityProvider, 0]));
  while (result.length < count) {
    const done = [...beyondBase.values()].reduce((sum, value) => sum + value, 0) + 1;
    let best = weighted[0]!;
    let bestDeficit = Number.NEGATIVE_INFINITY;
    for (const item of weighted) {
      const deficit =
        (done * (item.weight ?? 0)) / totalWeight - (beyondBase.get(item.capacityProvider) ?? 0);
      if (deficit > bestDeficit) {
        best = item;
        bestDeficit = deficit;
      }
    }
    beyondBase.set(best.capacityProvider, (beyondBase.get(best.capacityProvider) ?? 0) + 1);
    result.push(best.capacityProvider);
  }
  return result;
}

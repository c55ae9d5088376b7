// The event bus's ECS target kind: a rule whose target is a cluster ARN runs a task with the
// target's EcsParameters. What the rule delivers (its Input or InputTransformer output) becomes the
// task's overrides when it is a JSON object of them, as EventBridge passes it to RunTask.
import { createHash } from 'node:crypto';
import type { Ecs } from '../../contract/index.ts';
import { ServiceError } from '../../contract/index.ts';
import { type Delivery, DeliveryError, type DeliveryReceipt, parseArn } from '../../runtime/index.ts';
import type { RunTaskInput, RunTaskOutput } from './run-task.ts';
import type { CapacityProviderItem, NetworkConfiguration, TaskOverrides } from './types.ts';

interface EcsParameters {
  TaskDefinitionArn?: string;
  TaskCount?: number;
  LaunchType?: Ecs.LaunchType;
  NetworkConfiguration?: {
    awsvpcConfiguration?: {
      Subnets?: string[];
      SecurityGroups?: string[];
      AssignPublicIp?: Ecs.AssignPublicIp;
    };
  };
  PlatformVersion?: string;
  Group?: string;
  CapacityProviderStrategy?: CapacityProviderItem[];
  EnableECSManagedTags?: boolean;
  EnableExecuteCommand?: boolean;
  PropagateTags?: Ecs.PropagateTags;
  Tags?: Array<{ Key?: string; Value?: string }>;
}

const OVERRIDE_KEYS = [
  'containerOverrides',
  'cpu',
  'memory',
  'taskRoleArn',
  'executionRoleArn',
  'ephemeralStorage',
];

/** The overrides a delivered body carries, or undefined when it is not a JSON object of them. */
export function overridesFrom(body: string): TaskOverrides | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((key) => OVERRIDE_KEYS.includes(key))
    ? (value as TaskOverrides)
    : undefined;
}

/** Turns a delivery to `arn:aws:ecs:…:cluster/NAME` into a RunTask request. */
export function runTaskRequest(arn: string, delivery: Delivery): RunTaskInput {
  const parsed = parseArn(arn);
  if (!parsed?.resource.startsWith('cluster/'))
    throw new DeliveryError('InvalidParameterException', `'${arn}' is not an ECS cluster ARN.`, false);
  const parameters = (delivery.parameters?.EcsParameters ?? {}) as EcsParameters;
  if (!parameters.TaskDefinitionArn)
    throw new DeliveryError(
      'InvalidParameterException',
      'EcsParameters.TaskDefinitionArn is required.',
      false,
    );
  const awsvpc = parameters.NetworkConfiguration?.awsvpcConfiguration;
  const network: NetworkConfiguration | undefined = awsvpc
    ? {
        awsvpcConfiguration: {
          subnets: awsvpc.Subnets ?? [],
          ...(awsvpc.SecurityGroups ? { securityGroups: awsvpc.SecurityGroups } : {}),
          ...(awsvpc.AssignPublicIp ? { assignPublicIp: awsvpc.AssignPublicIp } : {}),
        },
      }
    : undefined;
  const rule = delivery.sourceArn ? parseArn(delivery.sourceArn)?.resource.split('/').at(-1) : undefined;
  const overrides = overridesFrom(delivery.body);
  // One event's retried delivery must not start its tasks twice.
  const token = delivery.deduplicationId
    ? createHash('sha256')
        .update(`${delivery.sourceArn ?? ''}|${arn}|${delivery.deduplicationId}`)
        .digest('hex')
        .slice(0, 64)
    : undefined;
  return {
    cluster: arn,
    taskDefinition: parameters.TaskDefinitionArn,
    count: parameters.TaskCount ?? 1,
    ...(parameters.LaunchType ? { launchType: parameters.LaunchType } : {}),
    ...(parameters.CapacityProviderStrategy
      ? { capacityProviderStrategy: parameters.CapacityProviderStrategy }
      : {}),
    ...(network ? { networkConfiguration: network } : {}),
    ...(parameters.PlatformVersion ? { platformVersion: parameters.PlatformVersion } : {}),
    ...(parameters.Group ? { group: parameters.Group } : {}),
    ...(parameters.PropagateTags ? { propagateTags: parameters.PropagateTags } : {}),
    ...(parameters.EnableECSManagedTags !== undefined
      ? { enableECSManagedTags: parameters.EnableECSManagedTags }
      : {}),
    ...(parameters.EnableExecuteCommand !== undefined
      ? { enableExecuteCommand: parameters.EnableExecuteCommand }
      : {}),
    ...(parameters.Tags ? { tags: parameters.Tags.map((tag) => ({ key: tag.Key, value: tag.Value })) } : {}),
    ...(overrides ? { overrides } : {}),
    ...(rule ? { startedBy: `events-rule/${rule}` } : {}),
    ...(token ? { clientToken: token } : {}),
  };
}

/** Runs the task a delivery asks for; ECS's refusals are failures that retrying will not cure. */
export async function deliverToCluster(
  arn: string,
  delivery: Delivery,
  run: (account: string, region: string, input: RunTaskInput) => Promise<RunTaskOutput>,
): Promise<DeliveryReceipt> {
  const parsed = parseArn(arn);
  const request = runTaskRequest(arn, delivery);
  let result: RunTaskOutput;
  try {
    result = await run(parsed!.accountId, parsed!.region, request);
  } catch (error) {
    if (error instanceof ServiceError) throw new DeliveryError(error.code, error.message, false);
    throw error;
  }
  const failure = result.failures[0];
  if (failure) throw new DeliveryError('ECSFailure', failure.reason, false);
  return { id: result.tasks[0]?.taskArn };
}

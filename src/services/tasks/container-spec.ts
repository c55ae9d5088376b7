// What a task's container is given to run: its entryPoint and command,
// and the environment a Fargate task gets — its definition's and overrides' variables, the region,
// credentials, eddy as the endpoint of every AWS SDK, and the task metadata endpoint.

import type { ContainerSpec } from '../../runners/index.ts';
import type { AccessKey } from '../../runtime/index.ts';
import { parseCpu, parseMemory } from './fargate.ts';
import type {
  ContainerDefinition,
  ContainerOverride,
  ContainerRecord,
  KeyValue,
  TaskRecord,
} from './types.ts';

/** Variables of eddy's own environment a local process needs, as an image would supply them. */
const HOST_VARIABLES = ['PATH', 'HOME', 'LANG', 'TMPDIR', 'SHELL', 'USER', 'TZ'];

export interface SpecContext {
  runnerKind: string;
  endpointUrl: string;
  accessKeys: readonly AccessKey[];
  /** eddy's own environment, read for the process runner's base variables. */
  hostEnvironment: NodeJS.ProcessEnv;
}

/** The credentials a task of `account` signs with: a configured key of that account, or in open mode the account id. */
export function taskCredentials(account: string, accessKeys: readonly AccessKey[]) {
  if (accessKeys.length === 0) return { accessKeyId: account, secretAccessKey: 'eddy' };
  return accessKeys.find((key) => key.accountId === account);
}

export const metadataUri = (endpointUrl: string, token: string) =>
  `${endpointUrl}/_eddy/tasks/metadata/${token}`;

const toRecord = (variables: KeyValue[] | undefined) =>
  Object.fromEntries((variables ?? []).map((variable) => [variable.name ?? '', variable.value ?? '']));

export function containerSpec(
  task: TaskRecord,
  container: ContainerRecord,
  definition: ContainerDefinition,
  override: ContainerOverride | undefined,
  context: SpecContext,
): ContainerSpec {
  const base: Record<string, string> = {};
  // A process "image" is this machine: it brings eddy's PATH and HOME, as an image brings its ENV.
  if (context.runnerKind === 'process') {
    for (const name of HOST_VARIABLES) {
      const value = context.hostEnvironment[name];
      if (value !== undefined) base[name] = value;
    }
  }
  const credentials = taskCredentials(task.account, context.accessKeys);
  const platform: Record<string, string> = {
    AWS_REGION: task.region,
    AWS_DEFAULT_REGION: task.region,
    AWS_ENDPOINT_URL: context.endpointUrl,
    AWS_EXECUTION_ENV: task.launchType === 'FARGATE' ? 'AWS_ECS_FARGATE' : 'AWS_ECS_EC2',
    ...(credentials
      ? { AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey }
      : {}),
  };
  const metadata = metadataUri(context.endpointUrl, container.metadataToken);
  const environment = {
    ...base,
    ...platform,
    ...toRecord(definition.environment),
    ...toRecord(override?.environment),
    ECS_CONTAINER_METADATA_URI_V4: metadata,
    ECS_CONTAINER_METADATA_URI: metadata,
  };
  // A container without its own limits is held to the task's, as Fargate holds the whole task.
  const memory = override?.memory ?? definition.memory ?? parseMemory(task.memory ?? '');
  const cpu = override?.cpu || definition.cpu || parseCpu(task.cpu ?? '');
  return {
    name: `${task.taskArn.split('/').at(-1)}-${container.name}`,
    image: definition.image,
    ...(definition.entryPoint?.length ? { entryPoint: definition.entryPoint } : {}),
    command: override?.command ?? definition.command ?? [],
    environment,
    ...(cpu ? { cpu } : {}),
    ...(memory ? { memoryMiB: memory } : {}),
  };
}

// The task metadata endpoint (v4) a container reads at ECS_CONTAINER_METADATA_URI_V4: the
// container's own metadata, and the task's under `/task`, in the shapes the ECS agent serves.
import { type InternalRoute, ServiceError } from '../../contract/index.ts';
import type { Supervisor } from './supervisor.ts';
import type { ContainerRecord, TaskRecord } from './types.ts';

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const KNOWN: Record<string, string> = { PENDING: 'PENDING', RUNNING: 'RUNNING', STOPPED: 'STOPPED' };

function containerMetadata(task: TaskRecord, container: ContainerRecord) {
  const [family, revision] = task.taskDefinitionArn.split('/').at(-1)!.split(':');
  return {
    DockerId: container.runtimeId,
    Name: container.name,
    DockerName: `ecs-${family}-${revision}-${container.name}`,
    Image: container.image,
    Labels: {
      'com.amazonaws.ecs.cluster': task.clusterArn,
      'com.amazonaws.ecs.container-name': container.name,
      'com.amazonaws.ecs.task-arn': task.taskArn,
      'com.amazonaws.ecs.task-definition-family': family,
      'com.amazonaws.ecs.task-definition-version': revision,
    },
    DesiredStatus: task.desiredStatus,
    KnownStatus: KNOWN[container.lastStatus] ?? container.lastStatus,
    Limits: { CPU: Number(container.cpu), ...(container.memory ? { Memory: Number(container.memory) } : {}) },
    CreatedAt: iso(task.createdAt),
    StartedAt: iso(container.startedAt),
    FinishedAt: iso(container.finishedAt),
    ExitCode: container.exitCode,
    Type: 'NORMAL',
    ContainerARN: container.containerArn,
    Networks: [{ NetworkMode: 'awsvpc', IPv4Addresses: ['127.0.0.1'] }],
  };
}

function taskMetadata(task: TaskRecord) {
  const [family, revision] = task.taskDefinitionArn.split('/').at(-1)!.split(':');
  return {
    Cluster: task.clusterArn,
    TaskARN: task.taskArn,
    Family: family,
    Revision: revision,
    DesiredStatus: task.desiredStatus,
    KnownStatus: task.lastStatus,
    Limits: {
      ...(task.cpu ? { CPU: Number(task.cpu) / 1024 } : {}),
      ...(task.memory ? { Memory: Number(task.memory) } : {}),
    },
    PullStartedAt: iso(task.pullStartedAt),
    PullStoppedAt: iso(task.pullStoppedAt),
    AvailabilityZone: task.availabilityZone,
    LaunchType: task.launchType,
    Containers: task.containers.map((container) => containerMetadata(task, container)),
  };
}

export function metadataRoutes(supervisor: Supervisor): InternalRoute[] {
  const lookup = (token: string | undefined) => {
    const found = supervisor.byMetadataToken(token ?? '');
    if (!found)
      throw new ServiceError('NotFound', 'No running task container has this metadata address.', {
        status: 404,
      });
    return found;
  };
  return [
    {
      method: 'GET',
      path: 'tasks/metadata/:token',
      handle: (request) => {
        const { task, container } = lookup(request.params.token);
        return { body: containerMetadata(task, container) };
      },
    },
    {
      method: 'GET',
      path: 'tasks/metadata/:token/task',
      handle: (request) => ({ body: taskMetadata(lookup(request.params.token).task) }),
    },
  ];
}

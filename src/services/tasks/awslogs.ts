// Where a container's output goes. With the `awslogs` log driver: CloudWatch Logs, group
// `awslogs-group`, stream `awslogs-stream-prefix/container-name/task-id`, as ECS names it. Without a
// log configuration: eddy's own group per cluster (`/eddy/ecs/CLUSTER`, stream
// `container-name/task-id`), so `eddy tasks logs` and CloudWatch Logs clients show it. Lines reach
// the logs service through the targets port.
import { DeliveryError, formatArn, type Logger, type Targets } from '../../runtime/index.ts';
import type { TaskDefinitions } from './definitions.ts';
import { taskIdOf } from './names.ts';
import type { TaskLogSink } from './supervisor.ts';
import type { TaskRecord } from './types.ts';

interface Destination {
  groupArn: string;
  stream: string;
  createGroup: boolean;
}

/** The log group a cluster's tasks write to when a container has no log configuration. */
export function defaultTaskLogGroup(clusterArn: string): string {
  return `/eddy/ecs/${clusterArn.split('/').at(-1)}`;
}

export function awslogsSink(targets: Targets, definitions: TaskDefinitions, log: Logger): TaskLogSink {
  // Per task: where each container's lines go (undefined: not awslogs), looked up once. Lines wait on
  // the same promise, so they are handed over in the order they were written.
  const destinations = new Map<string, Promise<Map<string, Destination | undefined>>>();
  const warned = new Set<string>();

  const lookUp = async (task: TaskRecord) => {
    const stored = await definitions.find(
      { account: task.account, region: task.region },
      task.taskDefinitionArn,
    );
    const byContainer = new Map<string, Destination | undefined>();
    const taskId = taskIdOf(task.taskArn).id;
    for (const container of stored?.definition.containerDefinitions ?? []) {
      const configuration = container.logConfiguration;
      if (!configuration) {
        byContainer.set(container.name, {
          groupArn: formatArn({
            service: 'logs',
            region: task.region,
            accountId: task.account,
            resource: `log-group:${defaultTaskLogGroup(task.clusterArn)}`,
          }),
          stream: `${container.name}/${taskId}`,
          createGroup: true,
        });
        continue;
      }
      const options = configuration.options ?? {};
      const group = options['awslogs-group'];
      // Another driver (splunk, fluentd, …) has nowhere to go here: its lines stay in eddy's debug log.
      if (configuration.logDriver !== 'awslogs' || !group) continue;
      const prefix = options['awslogs-stream-prefix'];
      byContainer.set(container.name, {
        groupArn: formatArn({
          service: 'logs',
          region: options['awslogs-region'] ?? task.region,
          accountId: task.account,
          resource: `log-group:${group}`,
        }),
        stream: prefix ? `${prefix}/${container.name}/${taskId}` : taskId,
        createGroup: options['awslogs-create-group'] === 'true',
      });
    }
    return byContainer;
  };

  return (task, container, stream, line) => {
    let pending = destinations.get(task.taskArn);
    if (!pending) {
      pending = lookUp(task);
      destinations.set(task.taskArn, pending);
      // Bounded: the oldest tasks' entries go first (a stopped task writes no more lines).
      if (destinations.size > 10_000) destinations.delete(destinations.keys().next().value!);
    }
    void pending
      .then((byContainer) => {
        const destination = byContainer.get(container.name);
        if (!destination) {
          log.debug({ task: task.taskArn, container: container.name, stream }, line);
          return;
        }
        return targets.deliver(destination.groupArn, {
          body: line,
          parameters: { stream: destination.stream, createGroup: destination.createGroup },
        });
      })
      .catch((error: unknown) => {
        // Once per task: a missing group would otherwise be reported for every line.
        if (warned.has(task.taskArn)) return;
        warned.add(task.taskArn);
        const reason = error instanceof DeliveryError ? `${error.code}: ${error.message}` : String(error);
        log.warn({ task: task.taskArn, container: container.name }, `lines are not stored (${reason})`);
      });
  };
}

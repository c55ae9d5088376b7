// What ECS offers through the container agent and the SSM agent: DiscoverPollEndpoint and the
// state change reports (SubmitTaskStateChange, SubmitContainerStateChange,
// SubmitAttachmentStateChanges), which only the agent of a registered container instance sends,
// and ExecuteCommand, which needs the SSM agent in the task. eddy registers no container instances
// and runs no exec agent in tasks: these answer as ECS does for an account without instances and
// for a task whose exec agent isn't running.
import { type EcsHandlers, scopeOf } from './api.ts';
import type { Clusters } from './clusters.ts';
import { clientException, invalidParameter } from './errors.ts';
import { findTask } from './task-handlers.ts';
import type { TaskStore } from './task-store.ts';

/** AWS's answer when a task has no exec agent to talk to (ECS Exec not enabled, or not running). */
export const EXEC_NOT_RUNNING =
  'The execute command failed because execute command was not enabled when the task was run or the execute command agent isn’t running. Wait and try again or run a new task with execute command enabled and try again.';

export function agentHandlers(deps: { clusters: Clusters; tasks: TaskStore; endpoint: { url: string } }) {
  const { clusters, tasks } = deps;

  /** A state change report names a task of the cluster; no agent of eddy's runs one. */
  const report = async (
    context: Parameters<EcsHandlers['SubmitTaskStateChange']>[1],
    cluster?: string,
    text?: string,
  ) => {
    const scope = scopeOf(context);
    const { clusterName } = await clusters.get(scope, cluster);
    const task = text === undefined ? undefined : await findTask(tasks, scope, clusterName, text);
    if (!task) throw invalidParameter('The referenced task was not found.');
    throw clientException(
      `The task ${task.taskArn} runs on ${task.launchType} capacity, not on a container instance: only the agent of the container instance that runs a task reports its state changes.`,
    );
  };

  return {
    async DiscoverPollEndpoint(input, context) {
      await clusters.get(scopeOf(context), input.cluster);
      if (input.containerInstance !== undefined)
        throw invalidParameter('The referenced container instance was not found.');
      // Where this deployment's agents would poll: eddy itself (it serves no agent websocket).
      const url = `${deps.endpoint.url}/`;
      return { endpoint: url, telemetryEndpoint: url, serviceConnectEndpoint: url };
    },

    async SubmitTaskStateChange(input, context) {
      return report(context, input.cluster, input.task);
    },

    async SubmitContainerStateChange(input, context) {
      return report(context, input.cluster, input.task);
    },

    async SubmitAttachmentStateChanges(input, context) {
      await clusters.get(scopeOf(context), input.cluster);
      if (input.attachments.length === 0) throw invalidParameter('attachments can not be empty.');
      throw invalidParameter(
        `The attachment ${input.attachments[0]!.attachmentArn} was not found: only a container instance's agent reports attachment changes.`,
      );
    },

    async ExecuteCommand(input, context) {
      const scope = scopeOf(context);
      const cluster = await clusters.get(scope, input.cluster);
      const task = await findTask(tasks, scope, cluster.clusterName, input.task);
      if (!task) throw invalidParameter('The referenced task was not found.');
      if (input.container !== undefined && !task.containers.some((item) => item.name === input.container))
        throw invalidParameter(`The container ${input.container} was not found in the task.`);
      // eddy's tasks never run the SSM agent ECS Exec talks to, enabled or not.
      throw invalidParameter(EXEC_NOT_RUNNING);
    },
  } satisfies Partial<EcsHandlers>;
}

// Task scale-in protection (GetTaskProtection, UpdateTaskProtection): kept on the task as the
// time it runs out, on the injected clock; the service scheduler leaves a protected task running
// through scale-in and deployments. Only tasks of a service can be protected.
import type { Ecs } from '../../contract/index.ts';
import type { Clock } from '../../runtime/index.ts';
import { type EcsHandlers, scopeOf } from './api.ts';
import type { Clusters } from './clusters.ts';
import { invalidParameter } from './errors.ts';
import type { Supervisor } from './supervisor.ts';
import { findTask } from './task-handlers.ts';
import type { TaskStore } from './task-store.ts';
import type { TaskRecord } from './types.ts';

/** Protection lasts two hours unless asked otherwise, and at most 48. */
const DEFAULT_MINUTES = 120;
const MAX_MINUTES = 2880;

export interface ProtectionDeps {
  clusters: Clusters;
  tasks: TaskStore;
  supervisor: Supervisor;
  clock: Clock;
}

export function taskProtectionHandlers(deps: ProtectionDeps) {
  const { clusters, tasks, supervisor, clock } = deps;

  const protection = (task: TaskRecord): Ecs.ProtectedTask => {
    const on = task.protectedUntil !== undefined && task.protectedUntil > clock.now();
    return {
      taskArn: task.taskArn,
      protectionEnabled: on,
      ...(on ? { expirationDate: new Date(task.protectedUntil!) } : {}),
    };
  };

  /** The named tasks of a cluster that can be protected, and failures for the others. */
  const select = async (
    context: Parameters<EcsHandlers['GetTaskProtection']>[1],
    cluster: string,
    texts: string[],
  ) => {
    const scope = scopeOf(context);
    const { clusterName } = await clusters.get(scope, cluster);
    const found: TaskRecord[] = [];
    const failures: Ecs.Failure[] = [];
    for (const text of texts) {
      const task = await findTask(tasks, scope, clusterName, text);
      if (!task) failures.push({ arn: text, reason: 'MISSING' });
      else if (!task.group.startsWith('service:') || task.lastStatus === 'STOPPED')
        failures.push({
          arn: task.taskArn,
          reason: 'TASK_NOT_VALID',
          detail: 'Only running tasks that belong to a service can be protected.',
        });
      else found.push(task);
    }
    return { found, failures };
  };

  return {
    async GetTaskProtection(input, context) {
      const texts = input.tasks ?? [];
      if (texts.length > 100) throw invalidParameter('tasks can have at most 100 items.');
      const { found, failures } = await select(context, input.cluster, texts);
      return { protectedTasks: found.map(protection), failures };
    },

    async UpdateTaskProtection(input, context) {
      if (input.tasks.length === 0) throw invalidParameter('tasks must not be empty.');
      if (input.tasks.length > 10) throw invalidParameter('tasks can have at most 10 items.');
      const minutes = input.expiresInMinutes ?? DEFAULT_MINUTES;
      if (input.protectionEnabled && (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_MINUTES))
        throw invalidParameter(`expiresInMinutes must be between 1 and ${MAX_MINUTES}.`);
      const { found, failures } = await select(context, input.cluster, input.tasks);
      const until = input.protectionEnabled ? clock.now() + minutes * 60_000 : undefined;
      const updated: TaskRecord[] = [];
      for (const task of found) {
        const apply = (current: TaskRecord) => {
          if (until === undefined) delete current.protectedUntil;
          else current.protectedUntil = until;
        };
        if (!(await supervisor.amend(task.taskArn, apply))) {
          apply(task);
          await tasks.save([task]);
        }
        updated.push({
          ...task,
          ...(until === undefined ? { protectedUntil: undefined } : { protectedUntil: until }),
        });
      }
      return { protectedTasks: updated.map(protection), failures };
    },
  } satisfies Partial<EcsHandlers>;
}

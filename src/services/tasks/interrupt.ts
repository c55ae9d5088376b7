// POST /_eddy/tasks/interrupt: a Fargate Spot interruption on demand, so users can test their
// shutdown handling (the TerminationNotice event, SIGTERM, then the stop when the notice runs out).
import { type InternalRoute, ServiceError } from '../../contract/index.ts';
import type { Supervisor } from './supervisor.ts';
import type { TaskStore } from './task-store.ts';

const refuse = (message: string, status = 400) =>
  new ServiceError('InvalidParameterException', message, { status });

export function interruptRoute(
  supervisor: Supervisor,
  tasks: TaskStore,
  defaultNoticeSeconds: number,
): InternalRoute {
  return {
    method: 'POST',
    path: 'tasks/interrupt',
    async handle(request) {
      const { task: taskArn, noticeSeconds = defaultNoticeSeconds } = (request.body ?? {}) as {
        task?: unknown;
        noticeSeconds?: unknown;
      };
      if (typeof taskArn !== 'string') throw refuse("'task' must be the task's ARN.");
      if (typeof noticeSeconds !== 'number' || noticeSeconds < 0)
        throw refuse("'noticeSeconds' must be a number of seconds.");
      const task = await tasks.get(taskArn);
      if (!task) throw refuse(`The task ${taskArn} was not found.`, 404);
      if (task.capacityProviderName !== 'FARGATE_SPOT') {
        throw refuse(
          `Only tasks on FARGATE_SPOT capacity are interrupted; this one runs on ${task.capacityProviderName ?? task.launchType}.`,
        );
      }
      const interrupted = await supervisor.interrupt(taskArn, noticeSeconds * 1000);
      if (!interrupted) throw refuse(`The task ${taskArn} is already stopping (${task.lastStatus}).`, 409);
      return { body: { taskArn, stopCode: interrupted.stopCode, noticeSeconds } };
    },
  };
}

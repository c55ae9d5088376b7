// Amazon EventBridge Scheduler: one-time and recurring schedules in time zones, invoking templated
// targets through the targets port with retries and dead letters, every invocation a durable timer.
import type { Handlers, Scheduler, ServiceModule } from '../../contract/index.ts';
import { loadModel, ServiceError } from '../../contract/index.ts';
import type { Runtime } from '../../runtime/index.ts';
import { schedulerHandlers } from './handlers.ts';
import { Invocations, nextTime } from './invocations.ts';
import { DEFAULT_GROUP, findSchedule, scheduleArn } from './records.ts';
import { schedulerMigrations } from './schema.ts';

export function schedulerService(runtime: Runtime): ServiceModule {
  const invocations = new Invocations(runtime);
  const handlers: Handlers<Scheduler.Operations> = schedulerHandlers({
    store: runtime.store,
    clock: runtime.clock,
    invocations,
    supports: (arn) => runtime.targets.supports(arn),
  });
  return {
    definition: {
      name: 'scheduler',
      model: loadModel('scheduler-2021-06-30'),
      handlers,
      inputError(problem) {
        if (problem.kind === 'constraints') return undefined;
        if (problem.kind === 'missing') {
          return new ServiceError(
            'ValidationException',
            `1 validation error detected: Value null at '${problem.member}' failed to satisfy constraint: Member must not be null`,
          );
        }
        return new ServiceError(
          'ValidationException',
          `1 validation error detected: Value '${String(problem.value)}' at '${problem.member}' failed to satisfy constraint: Member must be ${problem.expected}`,
        );
      },
      internalRoutes: [
        {
          // What `eddy scheduler next NAME` prints: the schedule's next fire times from eddy's clock.
          method: 'GET',
          path: 'scheduler/next',
          handle: async ({ query }) => {
            const scope = {
              account: query.get('account') ?? runtime.config.defaultAccountId,
              region: query.get('region') ?? runtime.config.defaultRegion,
            };
            const name = query.get('name') ?? '';
            const count = Math.min(1000, Math.max(1, Number(query.get('count') ?? '10') || 10));
            const schedule = await runtime.store.read((tx) =>
              findSchedule(tx, scope, query.get('group') ?? DEFAULT_GROUP, name),
            );
            if (!schedule)
              throw new ServiceError('ResourceNotFoundException', `Schedule ${name} does not exist.`, {
                status: 404,
              });
            const times: string[] = [];
            let after = runtime.clock.now() - 1;
            while (times.length < count) {
              const next = nextTime(schedule, after);
              if (next === undefined) break;
              times.push(new Date(next).toISOString());
              after = next;
            }
            return {
              body: {
                schedule: scheduleArn(schedule),
                state: schedule.state,
                expression: schedule.definition.ScheduleExpression,
                zone: schedule.definition.ScheduleExpressionTimezone ?? 'UTC',
                times,
              },
            };
          },
        },
      ],
    },
    migrations: schedulerMigrations,
    async stop() {
      await invocations.stop();
    },
  };
}

// Amazon EventBridge Scheduler: one-time and recurring schedules in time zones, invoking templated
// targets through the targets port with retries and dead letters, every invocation a durable timer.
import type { Handlers, Scheduler, ServiceModule } from '../../contract/index.ts';
import { loadModel, ServiceError } from '../../contract/index.ts';
import type { Runtime } from '../../runtime/index.ts';
import { schedulerHandlers } from './handlers.ts';
import { Invocations } from './invocations.ts';
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
    },
    migrations: schedulerMigrations,
    async stop() {
      await invocations.stop();
    },
  };
}

// The tasks service: Amazon ECS (AWS JSON 1.1, `AmazonEC2ContainerServiceV20141113.*`) — clusters,
// task definitions and tasks that run for real on a runner (a local process by default), with
// "ECS Task State Change" events on the default bus, a task metadata endpoint, and the event
// bus's ECS target kind (`arn:aws:ecs:…:cluster/NAME`) through the targets port.

import type { ServiceModule } from '../../contract/index.ts';
import { loadModel, ServiceError, violationMessage } from '../../contract/index.ts';
import type { Runner } from '../../runners/index.ts';
import type { Runtime } from '../../runtime/index.ts';
import { awslogsSink } from './awslogs.ts';
import { clusterHandlers, definitionHandlers } from './cluster-handlers.ts';
import { Clusters } from './clusters.ts';
import { TaskDefinitions } from './definitions.ts';
import { EcsServices } from './ecs-services.ts';
import { deliverToCluster } from './ecs-target.ts';
import { interruptRoute } from './interrupt.ts';
import { metadataRoutes } from './metadata.ts';
import { type RunTaskDeps, runTask } from './run-task.ts';
import { chooseRunner } from './runner-choice.ts';
import { tasksMigrations } from './schema.ts';
import { serviceHandlers } from './service-handlers.ts';
import { StateEvents } from './state-events.ts';
import { Supervisor, type TaskLogSink } from './supervisor.ts';
import { taskHandlers } from './task-handlers.ts';
import { TaskStore } from './task-store.ts';

export { taskStateEnvelope } from './state-events.ts';

/** How often stopped tasks past their hour and deleted task definitions are forgotten. */
const SWEEP_MS = 5 * 60_000;

export interface TasksOptions {
  /** The runner to use instead of the configured one (tests). */
  runner?: Runner;
  /** Where containers' output lines go; eddy's own log (debug) by default. */
  logSink?: TaskLogSink;
}

export function tasksService(runtime: Runtime, options: TasksOptions = {}): ServiceModule {
  const now = () => runtime.clock.now();
  const runner = options.runner ?? chooseRunner(runtime.config);
  const clusters = new Clusters(runtime.store, now);
  const definitions = new TaskDefinitions(runtime.store, now);
  const tasks = new TaskStore(runtime.store, now);
  const logSink: TaskLogSink = options.logSink ?? awslogsSink(runtime.targets, definitions, runtime.log);
  const stateEvents = new StateEvents(runtime.targets, runtime.log);
  const supervisor = new Supervisor(runner, tasks, stateEvents, runtime.clock, runtime.log, logSink);
  const deps: RunTaskDeps = {
    clusters,
    definitions,
    tasks,
    supervisor,
    now,
    specContext: () => ({
      runnerKind: runner.kind,
      endpointUrl: runtime.endpoint.url,
      accessKeys: runtime.config.accessKeys,
      hostEnvironment: process.env,
    }),
  };
  const services = new EcsServices({
    store: runtime.store,
    clusters,
    definitions,
    tasks,
    supervisor,
    clock: runtime.clock,
    log: runtime.log,
    runTask: (scope, input) => runTask(deps, scope, input),
    events: stateEvents,
  });
  let cancelSweep: (() => void) | undefined;
  const sweepLater = () => {
    cancelSweep = runtime.clock.setAlarm(now() + SWEEP_MS, () => {
      tasks
        .sweep()
        .then(() => definitions.purgeDeleted())
        .catch((error: unknown) => runtime.log.error({ err: error }, 'the tasks sweep failed'))
        .finally(sweepLater);
    });
  };

  runtime.targets.register('ecs', (arn, delivery) =>
    deliverToCluster(arn, delivery, (account, region, input) => runTask(deps, { account, region }, input)),
  );

  return {
    definition: {
      name: 'ecs',
      model: loadModel('ecs-2014-11-13'),
      handlers: {
        ...clusterHandlers(clusters, tasks),
        ...definitionHandlers(definitions),
        ...taskHandlers(deps),
        ...serviceHandlers(services, clusters, definitions, now),
      },
      inputError(problem) {
        // ECS has no ValidationException: its front end's constraint checks answer InvalidParameterException.
        if (problem.kind === 'constraints')
          return new ServiceError('InvalidParameterException', violationMessage(problem.violations));
        if (problem.kind === 'missing') {
          return new ServiceError('InvalidParameterException', `${problem.member} can not be null.`);
        }
        return undefined;
      },
      internalRoutes: [
        ...metadataRoutes(supervisor),
        interruptRoute(supervisor, tasks, runtime.config.tasks?.spotNoticeSeconds ?? 120),
      ],
    },
    migrations: tasksMigrations,
    async start() {
      // Not fatal: the other services work without tasks, and each task then fails with the reason.
      await runner
        .check?.()
        .catch((error: unknown) => runtime.log.warn(`tasks cannot run: ${(error as Error).message}`));
      for (const caveat of runner.caveats ?? []) runtime.log.info(`${runner.kind} runner: ${caveat}`);
      await supervisor.resume();
      services.start();
      sweepLater();
    },
    async stop() {
      cancelSweep?.();
      await services.stop();
      await supervisor.stop();
    },
  };
}

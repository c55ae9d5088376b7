// The tasks service: Amazon ECS (AWS JSON 1.1, `AmazonEC2ContainerServiceV20141113.*`) — clusters,
// task definitions, tasks that run for real on a runner (a local process by default), services
// with deployments and task sets, capacity providers, account settings and daemons, with "ECS Task State
// Change" events on the default bus, a task metadata endpoint, and the event bus's ECS target kind
// (`arn:aws:ecs:…:cluster/NAME`) through the targets port. docs/operations/ecs.md lists every
// operation and the file that implements it.

import type { ServiceModule } from '../../contract/index.ts';
import { loadModel, ServiceError, violationMessage } from '../../contract/index.ts';
import type { Runner } from '../../runners/index.ts';
import { IntegrationError, type Runtime } from '../../runtime/index.ts';
import type { Tx } from '../../store/index.ts';
import { AccountSettings, accountSettingHandlers } from './account-settings.ts';
import { agentHandlers } from './agent-apis.ts';
import { type EcsHandlers, presentTask } from './api.ts';
import { awslogsSink } from './awslogs.ts';
import { capacityProviderHandlers } from './capacity-provider-handlers.ts';
import { CapacityProviders } from './capacity-providers.ts';
import { clusterHandlers, clusterPresenter, type ServiceCounts } from './cluster-handlers.ts';
import { Clusters } from './clusters.ts';
import { containerInstanceHandlers } from './container-instances.ts';
import { daemonHandlers } from './daemon-handlers.ts';
import { DaemonDefinitions, daemonDefinitionHandlers } from './daemon-task-definitions.ts';
import { Daemons } from './daemons.ts';
import { definitionHandlers } from './definition-handlers.ts';
import { TaskDefinitions } from './definitions.ts';
import { EcsServices } from './ecs-services.ts';
import { deliverToCluster } from './ecs-target.ts';
import { expressGatewayHandlers } from './express-gateway.ts';
import { interruptRoute } from './interrupt.ts';
import { metadataRoutes } from './metadata.ts';
import { type RunTaskDeps, type RunTaskInput, runTask } from './run-task.ts';
import { chooseRunner } from './runner-choice.ts';
import { scalableServices } from './scalable-services.ts';
import { tasksMigrations } from './schema.ts';
import { serviceDeploymentHandlers } from './service-deployment-handlers.ts';
import { ServiceDeployments } from './service-deployments.ts';
import { serviceHandlers } from './service-handlers.ts';
import { ServiceStore } from './service-records.ts';
import { StateEvents } from './state-events.ts';
import { Supervisor, type TaskLogSink } from './supervisor.ts';
import { tagHandlers } from './tag-handlers.ts';
import { taskHandlers } from './task-handlers.ts';
import { taskProtectionHandlers } from './task-protection.ts';
import { taskSetHandlers } from './task-set-handlers.ts';
import { TaskStore } from './task-store.ts';

export { taskStateEnvelope } from './state-events.ts';

const STOP_SIGNAL = 'ecs-stop';
const SCHEDULER_LEASE = 'ecs-service-scheduler';
/** How often a node looks whether it has taken the scheduler's lease (its passes then run on the clock). */
const LEASE_CHECK_MS = 1000;

/** How often stopped tasks past their hour and deleted task definitions are forgotten. */
const SWEEP_MS = 5 * 60_000;

export interface TasksOptions {
  /** The runner to use instead of the configured one (tests). */
  runner?: Runner;
  /** Where containers' output lines go; eddy's own log (debug) by default. */
  logSink?: TaskLogSink;
}

export function tasksService(runtime: Runtime, options: TasksOptions = {}): ServiceModule {
  const { store, clock } = runtime;
  const now = () => clock.now();
  const runner = options.runner ?? chooseRunner(runtime.config);
  const clusters = new Clusters(store, now);
  const definitions = new TaskDefinitions(store, now);
  const tasks = new TaskStore(store, now);
  const capacityProviders = new CapacityProviders(store);
  const accountSettings = new AccountSettings(store);
  const deployments = new ServiceDeployments(store, definitions);
  const daemons = new Daemons(store);
  const daemonDefinitions = new DaemonDefinitions(store, now);
  const logSink: TaskLogSink = options.logSink ?? awslogsSink(runtime.targets, definitions, runtime.log);
  const stateEvents = new StateEvents(runtime.targets, runtime.log);
  const { cluster } = runtime;
  const node = cluster.shared
    ? { id: cluster.nodeId, notify: (tx: Tx, nodeId: string) => cluster.signal(tx, STOP_SIGNAL, nodeId) }
    : undefined;
  const supervisor = new Supervisor(runner, tasks, stateEvents, clock, runtime.log, logSink, node);
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
    records: new ServiceStore(store),
    deployments,
    tasks,
    supervisor,
    clock,
    log: runtime.log,
    runTask: (scope, input) => runTask(deps, scope, input),
    events: stateEvents,
    schedules: () => !cluster.shared || cluster.holds(SCHEDULER_LEASE),
  });
  const serviceCounts = async (clusterArn: string): Promise<ServiceCounts> => {
    const counts: ServiceCounts = { active: 0, activeEc2: 0, draining: 0, drainingEc2: 0 };
    for (const service of await services.all()) {
      if (service.clusterArn !== clusterArn) continue;
      const ec2 = service.launchType === 'EC2';
      if (service.status === 'ACTIVE') {
        counts.active += 1;
        if (ec2) counts.activeEc2 += 1;
      } else if (service.status === 'DRAINING') {
        counts.draining += 1;
        if (ec2) counts.drainingEc2 += 1;
      }
    }
    return counts;
  };
  const lookup = { services, clusters, definitions };
  let runnerSummary = `${runner.kind} runner`;
  let cancelSweep: (() => void) | undefined;
  const sweepLater = () => {
    cancelSweep = clock.setAlarm(now() + SWEEP_MS, () => {
      tasks
        .sweep()
        .then(() => definitions.purgeDeleted())
        .catch((error: unknown) => runtime.log.error({ err: error }, 'the tasks sweep failed'))
        .finally(sweepLater);
    });
  };

  const logFailure = (what: string) => (error: unknown) => runtime.log.error({ err: error }, what);
  // A stop for one of this node's tasks (or, with an empty key, signals that may have been missed).
  cluster.onSignal(STOP_SIGNAL, (nodeId) => {
    if (nodeId === '' || nodeId === cluster.nodeId)
      supervisor.takeForwardedStops().catch(logFailure('taking forwarded stops failed'));
  });
  cluster.onNodesGone((nodeIds) => {
    supervisor
      .stopLost(nodeIds)
      .then(() => services.kick())
      .catch(logFailure('stopping the tasks of a lost node failed'));
  });
  // One node schedules the services (its tasks run there); another takes over if it dies.
  if (cluster.shared) cluster.singleton(SCHEDULER_LEASE, () => services.resume(), LEASE_CHECK_MS);

  runtime.targets.register('ecs', (arn, delivery) =>
    deliverToCluster(arn, delivery, (account, region, input) => runTask(deps, { account, region }, input)),
  );

  // Step Functions' ecs:runTask integration (`.sync` waits for the task to stop) through the
  // integrations port: ECS's own request and DescribeTasks shapes cross it.
  runtime.integrations.register('ecs:runTask', {
    async run(scope, request) {
      try {
        const result = await runTask(deps, scope, request as RunTaskInput);
        return { tasks: result.tasks.map((task) => presentTask(task, true)), failures: result.failures };
      } catch (error) {
        if (error instanceof ServiceError) throw new IntegrationError(error.code, error.message);
        throw error;
      }
    },
    async describe(scope, taskArn) {
      const task = await tasks.get(taskArn);
      return task && task.account === scope.account ? presentTask(task, true) : undefined;
    },
    async stop(_scope, taskArn, reason) {
      await supervisor.requestStop(taskArn, 'UserInitiated', reason.slice(0, 255));
    },
    onStopped(listener) {
      stateEvents.onStopped((task) => listener(presentTask(task, true)));
    },
  });

  // Application Auto Scaling resizes services through the scalable-resources port.
  runtime.scalable.register('ecs:service:DesiredCount', scalableServices(services));

  // Every operation of the model, each typed by it: tsc reports one missing or mistyped.
  const handlers: EcsHandlers = {
    ...clusterHandlers({ clusters, tasks, capacityProviders, accountSettings, serviceCounts }),
    ...capacityProviderHandlers({
      capacityProviders,
      clusters,
      tasks,
      services: () => services.all(),
      daemonProviders: async (scope) =>
        (await daemons.list(scope)).flatMap((daemon) => daemon.capacityProviderArns),
      present: clusterPresenter({ tasks, serviceCounts }),
    }),
    ...accountSettingHandlers(accountSettings),
    ...definitionHandlers(definitions),
    ...taskHandlers(deps),
    ...taskProtectionHandlers({ clusters, tasks, supervisor, clock }),
    ...serviceHandlers({ ...lookup, deployments, now }),
    ...serviceDeploymentHandlers({ ...lookup, deployments, now }),
    ...taskSetHandlers({ ...lookup, now }),
    ...tagHandlers({
      clusters,
      definitions,
      tasks,
      supervisor,
      services,
      capacityProviders,
      daemons,
      daemonDefinitions,
    }),
    ...containerInstanceHandlers({ clusters, definitions }),
    ...agentHandlers({ clusters, tasks, endpoint: runtime.endpoint }),
    ...daemonDefinitionHandlers({
      definitions: daemonDefinitions,
      now,
      inUse: async (scope, arn) =>
        (await daemons.list(scope)).some((daemon) => daemon.daemonTaskDefinitionArn === arn),
    }),
    ...daemonHandlers({ daemons, definitions: daemonDefinitions, clusters, capacityProviders, now }),
    ...expressGatewayHandlers({ clusters }),
  };

  return {
    definition: {
      name: 'ecs',
      model: loadModel('ecs-2014-11-13'),
      handlers,
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
    summary: () => runnerSummary,
    async start() {
      // Not fatal: the other services work without tasks, and each task then fails with the reason.
      const unusable = await runner.check?.().then(
        () => undefined,
        (error: unknown) => (error as Error).message,
      );
      if (unusable) runtime.log.warn(`tasks cannot run: ${unusable}`);
      runnerSummary = unusable
        ? `${runner.kind} runner, which cannot run tasks: ${unusable}`
        : [`${runner.describe?.() ?? `${runner.kind} runner`}`, ...(runner.caveats ?? [])].join('; ');
      await supervisor.resume();
      await supervisor.takeForwardedStops();
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

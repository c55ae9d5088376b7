// CreateTaskSet, DescribeTaskSets, UpdateTaskSet, UpdateServicePrimaryTaskSet and DeleteTaskSet:
// the task set API of services with the EXTERNAL deployment controller.
import type { Ecs, RequestContext } from '../../contract/index.ts';
import { type EcsHandlers, scopeOf } from './api.ts';
import { checkNoMix, FARGATE_PROVIDERS, providerNameOf } from './capacity-providers.ts';
import { ecsError, invalidParameter } from './errors.ts';
import { checkStrategy } from './fargate.ts';
import { activeDefinition, type ServiceLookup, serviceNotActive, serviceOf } from './service-api.ts';
import { newDeploymentId, type ServiceRecord, type TaskSetRecord } from './service-records.ts';
import { checkTags } from './tags.ts';
import { computedDesiredCount, presentTaskSet, taskSetArn } from './task-sets.ts';

const taskSetNotFound = () => ecsError('TaskSetNotFoundException', 'The specified task set does not exist.');

function checkScale(scale: Ecs.Scale | undefined): { value: number; unit: 'PERCENT' } {
  const value = scale?.value ?? 100;
  if (value < 0 || value > 100)
    throw invalidParameter('The scale value of a task set must be between 0 and 100.');
  return { value, unit: 'PERCENT' };
}

export function taskSetHandlers(deps: ServiceLookup & { now: () => number }) {
  const { services, clusters, now } = deps;

  /** The EXTERNAL service a request names, ACTIVE, and the task set it names if any. */
  const external = async (request: { cluster?: string; service?: string }, context: RequestContext) => {
    const service = await serviceOf(deps, request, context);
    if (service.deploymentController !== 'EXTERNAL')
      throw invalidParameter(
        'Amazon ECS only supports task set management on services configured to use external deployment controllers.',
      );
    if (service.status !== 'ACTIVE') throw serviceNotActive();
    return service;
  };
  const setOf = (service: ServiceRecord, text: string) => {
    const set = (service.taskSets ?? []).find(
      (candidate) =>
        (candidate.id === text || candidate.taskSetArn === text) && candidate.status !== 'DRAINING',
    );
    if (!set) throw taskSetNotFound();
    return set;
  };
  /** Saves the service and lets the scheduler act on it. */
  const commit = async (service: ServiceRecord) => {
    await services.save(service);
    services.kick();
  };

  return {
    async CreateTaskSet(input, context) {
      return services.exclusive(async () => {
        const service = await external(input, context);
        const scope = scopeOf(context);
        const cluster = await clusters.get(scope, input.cluster);
        const existing = (service.taskSets ?? []).find(
          (set) => input.clientToken !== undefined && set.clientToken === input.clientToken,
        );
        if (existing) return { taskSet: presentTaskSet(service, existing, true) };
        if (input.launchType !== undefined && input.capacityProviderStrategy !== undefined)
          throw invalidParameter(
            'Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.',
          );
        const strategy = input.capacityProviderStrategy?.map((item) => ({
          ...item,
          capacityProvider: providerNameOf(item.capacityProvider),
        }));
        if (strategy) {
          checkStrategy(strategy, [...FARGATE_PROVIDERS, ...cluster.capacityProviders]);
          checkNoMix(strategy.map((item) => item.capacityProvider));
        }
        const id = newDeploymentId();
        const at = now();
        const set: TaskSetRecord = {
          id,
          taskSetArn: taskSetArn(service, id),
          // The first task set of a service serves its traffic until another is made primary.
          status: (service.taskSets ?? []).some((other) => other.status === 'PRIMARY') ? 'ACTIVE' : 'PRIMARY',
          ...(input.externalId !== undefined ? { externalId: input.externalId } : {}),
          taskDefinition: await activeDefinition(deps, scope, input.taskDefinition),
          ...(input.launchType !== undefined ? { launchType: input.launchType } : {}),
          ...(strategy ? { capacityProviderStrategy: strategy } : {}),
          ...(input.networkConfiguration ? { networkConfiguration: input.networkConfiguration } : {}),
          ...(input.platformVersion !== undefined ? { platformVersion: input.platformVersion } : {}),
          scale: checkScale(input.scale),
          computedDesiredCount: 0,
          pendingCount: 0,
          runningCount: 0,
          stabilityStatus: 'STABILIZING',
          stabilityStatusAt: at,
          createdAt: at,
          updatedAt: at,
          tags: checkTags(input.tags),
          ...(input.clientToken !== undefined ? { clientToken: input.clientToken } : {}),
        };
        set.computedDesiredCount = computedDesiredCount(service, set);
        service.taskSets = [...(service.taskSets ?? []), set];
        service.steady = false;
        await commit(service);
        return { taskSet: presentTaskSet(service, set, true) };
      });
    },

    async DescribeTaskSets(input, context) {
      const service = await serviceOf(deps, input, context);
      if (service.deploymentController !== 'EXTERNAL')
        throw invalidParameter(
          'Amazon ECS only supports task set management on services configured to use external deployment controllers.',
        );
      const withTags = (input.include ?? []).includes('TAGS');
      const sets = service.taskSets ?? [];
      if (input.taskSets === undefined)
        return { taskSets: sets.map((set) => presentTaskSet(service, set, withTags)), failures: [] };
      const found: Ecs.TaskSet[] = [];
      const failures: Ecs.Failure[] = [];
      for (const text of input.taskSets) {
        const set = sets.find((candidate) => candidate.id === text || candidate.taskSetArn === text);
        if (set) found.push(presentTaskSet(service, set, withTags));
        else failures.push({ arn: text, reason: 'MISSING' });
      }
      return { taskSets: found, failures };
    },

    async UpdateTaskSet(input, context) {
      return services.exclusive(async () => {
        const scale = checkScale(input.scale);
        const service = await external(input, context);
        const set = setOf(service, input.taskSet);
        set.scale = scale;
        set.computedDesiredCount = computedDesiredCount(service, set);
        set.updatedAt = now();
        service.steady = false;
        await commit(service);
        return { taskSet: presentTaskSet(service, set, false) };
      });
    },

    async UpdateServicePrimaryTaskSet(input, context) {
      return services.exclusive(async () => {
        const service = await external(input, context);
        const primary = setOf(service, input.primaryTaskSet);
        for (const set of service.taskSets ?? []) {
          if (set.status === 'DRAINING') continue;
          const status = set === primary ? 'PRIMARY' : 'ACTIVE';
          if (set.status !== status) {
            set.status = status;
            set.updatedAt = now();
          }
        }
        await commit(service);
        return { taskSet: presentTaskSet(service, primary, false) };
      });
    },

    async DeleteTaskSet(input, context) {
      return services.exclusive(async () => {
        const service = await external(input, context);
        const set = setOf(service, input.taskSet);
        if (set.status === 'PRIMARY' && input.force !== true)
          throw invalidParameter('The primary task set cannot be deleted unless force is set.');
        if (set.scale.value > 0 && set.runningCount + set.pendingCount > 0 && input.force !== true)
          throw invalidParameter(
            'The task set cannot be deleted while it is scaled above 0 unless force is set.',
          );
        set.status = 'DRAINING';
        set.computedDesiredCount = 0;
        set.updatedAt = now();
        await commit(service);
        return { taskSet: presentTaskSet(service, set, false) };
      });
    },
  } satisfies Partial<EcsHandlers>;
}

// CreateService, UpdateService, DeleteService, DescribeServices and ListServices.
import type { Handler, Input, RequestContext } from '../../contract/index.ts';
import type { Clusters } from './clusters.ts';
import type { TaskDefinitions } from './definitions.ts';
import {
  checkDeploymentConfiguration,
  type DeploymentConfiguration,
  type EcsServices,
  newDeployment,
  type ServiceRecord,
} from './ecs-services.ts';
import { clientException, ecsError, invalidParameter } from './errors.ts';
import type { NetworkConfiguration } from './fargate.ts';
import { RESOURCE_NAME, type Scope, serviceArn } from './names.ts';
import { page, pageSize } from './paging.ts';
import { checkTags } from './tags.ts';
import type { CapacityProviderItem, Tag } from './types.ts';

const scopeOf = (context: RequestContext): Scope => ({ account: context.accountId, region: context.region });
const serviceNotFound = () => ecsError('ServiceNotFoundException', 'Service not found.');
const serviceNotActive = () => ecsError('ServiceNotActiveException', 'Service was not ACTIVE.');

function describe(service: ServiceRecord, withTags: boolean) {
  const running = service.deployments.reduce((sum, deployment) => sum + deployment.runningCount, 0);
  const pending = service.deployments.reduce((sum, deployment) => sum + deployment.pendingCount, 0);
  return {
    serviceArn: service.serviceArn,
    serviceName: service.serviceName,
    clusterArn: service.clusterArn,
    status: service.status,
    desiredCount: service.desiredCount,
    runningCount: running,
    pendingCount: pending,
    launchType: service.launchType,
    capacityProviderStrategy: service.capacityProviderStrategy,
    platformVersion: service.platformVersion ?? (service.launchType === 'EC2' ? undefined : 'LATEST'),
    platformFamily: 'Linux',
    taskDefinition: service.taskDefinition,
    deploymentConfiguration: service.deploymentConfiguration,
    deployments: service.deployments.map((deployment) => ({
      id: deployment.id,
      status: deployment.status,
      taskDefinition: deployment.taskDefinition,
      desiredCount: deployment.desiredCount,
      pendingCount: deployment.pendingCount,
      runningCount: deployment.runningCount,
      failedTasks: deployment.failedTasks,
      createdAt: new Date(deployment.createdAt),
      updatedAt: new Date(deployment.updatedAt),
      launchType: deployment.launchType,
      capacityProviderStrategy: deployment.capacityProviderStrategy,
      networkConfiguration: deployment.networkConfiguration,
      rolloutState: deployment.rolloutState,
      rolloutStateReason: deployment.rolloutStateReason,
    })),
    events: service.events.map((event) => ({ ...event, createdAt: new Date(event.createdAt) })),
    createdAt: new Date(service.createdAt),
    createdBy: service.createdBy,
    networkConfiguration: service.networkConfiguration,
    schedulingStrategy: 'REPLICA',
    enableECSManagedTags: service.enableECSManagedTags,
    propagateTags: service.propagateTags ?? 'NONE',
    ...(withTags ? { tags: service.tags } : {}),
  };
}

export function serviceHandlers(
  services: EcsServices,
  clusters: Clusters,
  definitions: TaskDefinitions,
  now: () => number,
): Record<string, Handler> {
  const serviceArnOf = (scope: Scope, clusterName: string, nameOrArn: string) =>
    nameOrArn.startsWith('arn:') ? nameOrArn : serviceArn(scope, clusterName, nameOrArn);

  /** The service a request names, in the cluster it names; ServiceNotFoundException when there is none. */
  async function serviceOf(input: Input, context: RequestContext, member = 'service') {
    const scope = scopeOf(context);
    const cluster = await clusters.get(scope, input.cluster as string | undefined);
    const service = await services.find(serviceArnOf(scope, cluster.clusterName, input[member] as string));
    if (!service || service.clusterArn !== cluster.clusterArn) throw serviceNotFound();
    return service;
  }

  async function activeDefinition(scope: Scope, reference: string) {
    const found = await definitions.find(scope, reference);
    if (!found) throw clientException('TaskDefinition not found.');
    if (found.definition.status !== 'ACTIVE') throw clientException('TaskDefinition is inactive');
    return found.definition.taskDefinitionArn;
  }

  return {
    async CreateService(input, context) {
      const scope = scopeOf(context);
      const cluster = await clusters.get(scope, input.cluster as string | undefined);
      const serviceName = input.serviceName as string;
      if (!RESOURCE_NAME.test(serviceName))
        throw invalidParameter(
          'Service name must be up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens.',
        );
      if ((input.schedulingStrategy ?? 'REPLICA') !== 'REPLICA')
        throw invalidParameter('eddy runs REPLICA services only: DAEMON needs container instances.');
      if (input.taskDefinition === undefined) throw invalidParameter('TaskDefinition can not be blank.');
      const desiredCount = (input.desiredCount as number | undefined) ?? 0;
      if (!Number.isInteger(desiredCount) || desiredCount < 0)
        throw invalidParameter('desiredCount must be a whole number of at least 0.');
      const arn = serviceArn(scope, cluster.clusterName, serviceName);
      const existing = await services.find(arn);
      if (existing && existing.status !== 'INACTIVE') {
        if (input.clientToken !== undefined && existing.clientToken === input.clientToken)
          return { service: describe(existing, false) };
        throw invalidParameter('Creation of service was not idempotent.');
      }
      const service: ServiceRecord = {
        serviceArn: arn,
        serviceName,
        clusterArn: cluster.clusterArn,
        clusterName: cluster.clusterName,
        account: scope.account,
        region: scope.region,
        status: 'ACTIVE',
        desiredCount,
        taskDefinition: await activeDefinition(scope, input.taskDefinition as string),
        ...(input.launchType !== undefined ? { launchType: input.launchType as string } : {}),
        ...(input.capacityProviderStrategy !== undefined
          ? { capacityProviderStrategy: input.capacityProviderStrategy as CapacityProviderItem[] }
          : {}),
        ...(input.networkConfiguration !== undefined
          ? { networkConfiguration: input.networkConfiguration as NetworkConfiguration }
          : {}),
        ...(input.platformVersion !== undefined ? { platformVersion: input.platformVersion as string } : {}),
        deploymentConfiguration: checkDeploymentConfiguration(
          input.deploymentConfiguration as Partial<DeploymentConfiguration> | undefined,
        ),
        deployments: [],
        events: [],
        createdAt: now(),
        createdBy: `arn:aws:iam::${scope.account}:root`,
        ...(input.clientToken !== undefined ? { clientToken: input.clientToken as string } : {}),
        tags: checkTags(input.tags as Tag[] | undefined),
        ...(input.propagateTags !== undefined ? { propagateTags: input.propagateTags as string } : {}),
        enableECSManagedTags: input.enableECSManagedTags === true,
        consecutiveFailures: 0,
        throttledUntil: 0,
        countedFailures: [],
        steady: false,
      };
      service.deployments = [newDeployment(service, now())];
      await services.save(service);
      services.kick();
      return { service: describe(service, false) };
    },

    async UpdateService(input, context) {
      const service = await serviceOf(input, context);
      if (service.status !== 'ACTIVE') throw serviceNotActive();
      const scope = scopeOf(context);
      let redeploy = input.forceNewDeployment === true;
      if (input.desiredCount !== undefined) {
        const desiredCount = input.desiredCount as number;
        if (!Number.isInteger(desiredCount) || desiredCount < 0)
          throw invalidParameter('desiredCount must be a whole number of at least 0.');
        service.desiredCount = desiredCount;
        service.steady = false;
      }
      if (input.taskDefinition !== undefined) {
        const arn = await activeDefinition(scope, input.taskDefinition as string);
        redeploy ||= arn !== service.taskDefinition;
        service.taskDefinition = arn;
      }
      if (input.deploymentConfiguration !== undefined) {
        service.deploymentConfiguration = checkDeploymentConfiguration({
          ...service.deploymentConfiguration,
          ...(input.deploymentConfiguration as Partial<DeploymentConfiguration>),
        });
      }
      if (input.networkConfiguration !== undefined) {
        service.networkConfiguration = input.networkConfiguration as NetworkConfiguration;
        redeploy = true;
      }
      if (input.platformVersion !== undefined) {
        service.platformVersion = input.platformVersion as string;
        redeploy = true;
      }
      if (redeploy) {
        for (const deployment of service.deployments) deployment.status = 'ACTIVE';
        service.deployments = [newDeployment(service, now()), ...service.deployments];
        service.consecutiveFailures = 0;
        service.throttledUntil = 0;
        service.steady = false;
      }
      await services.save(service);
      services.kick();
      return { service: describe(service, false) };
    },

    async DeleteService(input, context) {
      const service = await serviceOf(input, context);
      if (service.status !== 'ACTIVE') throw serviceNotActive();
      if (service.desiredCount > 0 && input.force !== true)
        throw invalidParameter('The service cannot be stopped while it is scaled above 0.');
      service.status = 'DRAINING';
      service.desiredCount = 0;
      await services.save(service);
      services.kick();
      return { service: describe(service, false) };
    },

    async DescribeServices(input, context) {
      const scope = scopeOf(context);
      const cluster = await clusters.get(scope, input.cluster as string | undefined);
      const names = (input.services as string[] | undefined) ?? [];
      if (names.length === 0 || names.length > 10)
        throw invalidParameter('services must name 1 to 10 services.');
      const withTags = ((input.include as string[] | undefined) ?? []).includes('TAGS');
      const found = [];
      const failures = [];
      for (const name of names) {
        const arn = serviceArnOf(scope, cluster.clusterName, name);
        const service = await services.find(arn);
        if (service && service.clusterArn === cluster.clusterArn) found.push(describe(service, withTags));
        else failures.push({ arn, reason: 'MISSING' });
      }
      return { services: found, failures };
    },

    async ListServices(input, context) {
      const scope = scopeOf(context);
      const cluster = await clusters.get(scope, input.cluster as string | undefined);
      const matching = (await services.all()).filter(
        (service) =>
          service.clusterArn === cluster.clusterArn &&
          service.status !== 'INACTIVE' &&
          (input.launchType === undefined || service.launchType === input.launchType) &&
          (input.schedulingStrategy === undefined || input.schedulingStrategy === 'REPLICA'),
      );
      const { items, nextToken } = page(
        matching.map((service) => service.serviceArn),
        (arn) => arn,
        input.nextToken as string | undefined,
        pageSize(input.maxResults as number | undefined, 10),
      );
      return { serviceArns: items, nextToken };
    },
  };
}

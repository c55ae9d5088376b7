// CreateService, UpdateService, DeleteService, DescribeServices, ListServices and
// ListServicesByNamespace. A new task definition, network or capacity change starts a deployment
// (and records its service deployment); the scheduler does the rest.
import type { Ecs } from '../../contract/index.ts';
import { type EcsHandlers, rootArn, scopeOf } from './api.ts';
import { checkNoMix, FARGATE_PROVIDERS, providerNameOf } from './capacity-providers.ts';
import { ecsError, invalidParameter } from './errors.ts';
import { checkStrategy } from './fargate.ts';
import { RESOURCE_NAME, serviceArn } from './names.ts';
import { page, pageSize } from './paging.ts';
import {
  activeDefinition,
  presentService,
  type ServiceLookup,
  serviceArnOf,
  serviceNotActive,
  serviceOf,
} from './service-api.ts';
import type { ServiceDeployments } from './service-deployments.ts';
import { checkDeploymentConfiguration, newDeployment, type ServiceRecord } from './service-records.ts';
import { checkTags } from './tags.ts';
import type { Cluster } from './types.ts';

export interface ServiceHandlerDeps extends ServiceLookup {
  deployments: ServiceDeployments;
  now: () => number;
}

const BOTH =
  'Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.';

/** A service's capacity provider strategy: providers the cluster may use, Fargate or not, never both. */
function checkServiceStrategy(cluster: Cluster, strategy: Ecs.CapacityProviderStrategyItem[] | undefined) {
  if (strategy === undefined) return undefined;
  const items = strategy.map((item) => ({
    ...item,
    capacityProvider: providerNameOf(item.capacityProvider),
  }));
  checkStrategy(items, [...FARGATE_PROVIDERS, ...cluster.capacityProviders]);
  checkNoMix(items.map((item) => item.capacityProvider));
  return items;
}

/** Service Connect needs a namespace: the one given, or the cluster's default. */
function serviceConnect(cluster: Cluster, configuration: Ecs.ServiceConnectConfiguration | undefined) {
  if (!configuration?.enabled) return configuration;
  const namespace = configuration.namespace ?? cluster.serviceConnectDefaults?.namespace;
  if (!namespace)
    throw invalidParameter(
      'Service Connect requires a namespace: specify serviceConnectConfiguration.namespace or set the cluster’s serviceConnectDefaults.',
    );
  return { ...configuration, namespace };
}

export function serviceHandlers(deps: ServiceHandlerDeps) {
  const { services, clusters, now } = deps;

  /** Starts a new deployment of what the service now names, recording its service deployment. */
  const deploy = async (service: ServiceRecord) => {
    const links = await deps.deployments.begin(service, now());
    for (const deployment of service.deployments) deployment.status = 'ACTIVE';
    service.deployments = [newDeployment(service, now(), links), ...service.deployments];
    service.consecutiveFailures = 0;
    service.throttledUntil = 0;
    service.steady = false;
  };

  return {
    async CreateService(input, context) {
      return services.exclusive(async () => {
        const scope = scopeOf(context);
        const cluster = await clusters.get(scope, input.cluster);
        const { serviceName } = input;
        if (!RESOURCE_NAME.test(serviceName))
          throw invalidParameter(
            'Service name must be up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens.',
          );
        const controller = input.deploymentController?.type ?? 'ECS';
        if (controller === 'CODE_DEPLOY')
          throw invalidParameter(
            'The CODE_DEPLOY deployment controller needs AWS CodeDeploy and a load balancer, which eddy does not serve. Use the ECS or EXTERNAL deployment controller.',
          );
        const daemon = input.schedulingStrategy === 'DAEMON';
        if (daemon && (input.launchType === 'FARGATE' || input.capacityProviderStrategy !== undefined))
          throw invalidParameter(
            'The DAEMON scheduling strategy does not support Fargate: it runs one task per container instance.',
          );
        if (daemon && controller === 'EXTERNAL')
          throw invalidParameter(
            'The DAEMON scheduling strategy does not support the EXTERNAL deployment controller.',
          );
        if (controller === 'ECS' && input.taskDefinition === undefined)
          throw invalidParameter('TaskDefinition can not be blank.');
        if (input.launchType !== undefined && input.capacityProviderStrategy !== undefined)
          throw invalidParameter(BOTH);
        // DAEMON runs a task on each container instance: eddy has none, so it runs none.
        const desiredCount = daemon ? 0 : (input.desiredCount ?? 0);
        if (!Number.isInteger(desiredCount) || desiredCount < 0)
          throw invalidParameter('desiredCount must be a whole number of at least 0.');
        const arn = serviceArn(scope, cluster.clusterName, serviceName);
        const existing = await services.find(arn);
        if (existing && existing.status !== 'INACTIVE') {
          if (input.clientToken !== undefined && existing.clientToken === input.clientToken)
            return { service: presentService(existing, false) };
          throw invalidParameter('Creation of service was not idempotent.');
        }
        const capacityProviderStrategy = checkServiceStrategy(cluster, input.capacityProviderStrategy);
        const service: ServiceRecord = {
          serviceArn: arn,
          serviceName,
          clusterArn: cluster.clusterArn,
          clusterName: cluster.clusterName,
          account: scope.account,
          region: scope.region,
          status: 'ACTIVE',
          desiredCount,
          ...(input.taskDefinition !== undefined
            ? { taskDefinition: await activeDefinition(deps, scope, input.taskDefinition) }
            : {}),
          ...(input.launchType !== undefined
            ? { launchType: input.launchType }
            : daemon
              ? { launchType: 'EC2' }
              : {}),
          ...(capacityProviderStrategy ? { capacityProviderStrategy } : {}),
          ...(input.networkConfiguration !== undefined
            ? { networkConfiguration: input.networkConfiguration }
            : {}),
          ...(input.platformVersion !== undefined ? { platformVersion: input.platformVersion } : {}),
          deploymentController: controller,
          deploymentConfiguration: checkDeploymentConfiguration(input.deploymentConfiguration),
          deployments: [],
          ...(controller === 'EXTERNAL' ? { taskSets: [] } : {}),
          events: [],
          createdAt: now(),
          createdBy: rootArn(scope.account),
          ...(input.clientToken !== undefined ? { clientToken: input.clientToken } : {}),
          tags: checkTags(input.tags),
          ...(input.propagateTags !== undefined ? { propagateTags: input.propagateTags } : {}),
          enableECSManagedTags: input.enableECSManagedTags === true,
          enableExecuteCommand: input.enableExecuteCommand === true,
          schedulingStrategy: daemon ? 'DAEMON' : 'REPLICA',
          ...(input.serviceConnectConfiguration
            ? { serviceConnectConfiguration: serviceConnect(cluster, input.serviceConnectConfiguration) }
            : {}),
          ...(input.healthCheckGracePeriodSeconds !== undefined
            ? { healthCheckGracePeriodSeconds: input.healthCheckGracePeriodSeconds }
            : {}),
          consecutiveFailures: 0,
          throttledUntil: 0,
          countedFailures: [],
          steady: false,
        };
        if (controller === 'ECS') await deploy(service);
        await services.save(service);
        services.kick();
        return { service: presentService(service, false) };
      });
    },

    async UpdateService(input, context) {
      return services.exclusive(async () => {
        const service = await serviceOf(deps, input, context);
        if (service.status !== 'ACTIVE') throw serviceNotActive();
        const scope = scopeOf(context);
        const cluster = await clusters.get(scope, input.cluster);
        const external = service.deploymentController === 'EXTERNAL';
        const workloadChange =
          input.taskDefinition ??
          input.networkConfiguration ??
          input.platformVersion ??
          input.capacityProviderStrategy;
        if (external && (workloadChange !== undefined || input.forceNewDeployment))
          throw invalidParameter(
            'Unable to update the task definition, network, platform or capacity of a service with the EXTERNAL deployment controller. Use the task set operations instead.',
          );
        let redeploy = input.forceNewDeployment === true;
        if (input.desiredCount !== undefined) {
          if (!Number.isInteger(input.desiredCount) || input.desiredCount < 0)
            throw invalidParameter('desiredCount must be a whole number of at least 0.');
          if (service.schedulingStrategy === 'DAEMON')
            throw invalidParameter(
              'The desired count of a service with the DAEMON scheduling strategy cannot be changed.',
            );
          service.desiredCount = input.desiredCount;
          service.steady = false;
        }
        if (input.taskDefinition !== undefined) {
          const arn = await activeDefinition(deps, scope, input.taskDefinition);
          redeploy ||= arn !== service.taskDefinition;
          service.taskDefinition = arn;
        }
        if (input.deploymentConfiguration !== undefined) {
          service.deploymentConfiguration = checkDeploymentConfiguration({
            ...service.deploymentConfiguration,
            ...input.deploymentConfiguration,
          });
        }
        if (input.networkConfiguration !== undefined) {
          service.networkConfiguration = input.networkConfiguration;
          redeploy = true;
        }
        if (input.platformVersion !== undefined) {
          service.platformVersion = input.platformVersion;
          redeploy = true;
        }
        if (input.capacityProviderStrategy !== undefined) {
          if (service.launchType !== undefined && input.capacityProviderStrategy.length > 0)
            throw invalidParameter(BOTH);
          service.capacityProviderStrategy = checkServiceStrategy(cluster, input.capacityProviderStrategy);
          redeploy = true;
        }
        if (input.serviceConnectConfiguration !== undefined) {
          service.serviceConnectConfiguration = serviceConnect(cluster, input.serviceConnectConfiguration);
          redeploy = true;
        }
        if (input.enableExecuteCommand !== undefined)
          service.enableExecuteCommand = input.enableExecuteCommand;
        if (input.enableECSManagedTags !== undefined)
          service.enableECSManagedTags = input.enableECSManagedTags;
        if (input.propagateTags !== undefined) service.propagateTags = input.propagateTags;
        if (input.healthCheckGracePeriodSeconds !== undefined)
          service.healthCheckGracePeriodSeconds = input.healthCheckGracePeriodSeconds;
        if (redeploy && !external) await deploy(service);
        await services.save(service);
        services.kick();
        return { service: presentService(service, false) };
      });
    },

    async DeleteService(input, context) {
      return services.exclusive(async () => {
        const service = await serviceOf(deps, input, context);
        if (service.status !== 'ACTIVE') throw serviceNotActive();
        if (service.desiredCount > 0 && input.force !== true)
          throw invalidParameter('The service cannot be stopped while it is scaled above 0.');
        service.status = 'DRAINING';
        service.desiredCount = 0;
        await services.save(service);
        services.kick();
        return { service: presentService(service, false) };
      });
    },

    async DescribeServices(input, context) {
      const scope = scopeOf(context);
      const cluster = await clusters.get(scope, input.cluster);
      const names = input.services;
      if (names.length === 0 || names.length > 10)
        throw invalidParameter('services must name 1 to 10 services.');
      const withTags = (input.include ?? []).includes('TAGS');
      const found: Ecs.Service[] = [];
      const failures: Ecs.Failure[] = [];
      for (const name of names) {
        const arn = serviceArnOf(scope, cluster.clusterName, name);
        const service = await services.find(arn);
        if (service && service.clusterArn === cluster.clusterArn)
          found.push(presentService(service, withTags));
        else failures.push({ arn, reason: 'MISSING' });
      }
      return { services: found, failures };
    },

    async ListServices(input, context) {
      const scope = scopeOf(context);
      const cluster = await clusters.get(scope, input.cluster);
      const matching = (await services.all()).filter(
        (service) =>
          service.clusterArn === cluster.clusterArn &&
          service.status !== 'INACTIVE' &&
          (input.launchType === undefined || service.launchType === input.launchType) &&
          (input.schedulingStrategy === undefined ||
            input.schedulingStrategy === (service.schedulingStrategy ?? 'REPLICA')),
      );
      const { items, nextToken } = page(
        matching.map((service) => service.serviceArn),
        (arn) => arn,
        input.nextToken,
        pageSize(input.maxResults, 10),
      );
      return { serviceArns: items, nextToken };
    },

    async ListServicesByNamespace(input, context) {
      const scope = scopeOf(context);
      const inScope = (await services.all()).filter(
        (service) => service.account === scope.account && service.region === scope.region,
      );
      const named = (namespace: string | undefined) =>
        namespace !== undefined && namespace === input.namespace;
      const matching = inScope.filter(
        (service) => service.status !== 'INACTIVE' && named(service.serviceConnectConfiguration?.namespace),
      );
      // eddy has no Cloud Map: a namespace exists while a cluster or a service names it.
      const known =
        matching.length > 0 ||
        (await clusters.list(scope)).some((cluster) => named(cluster.serviceConnectDefaults?.namespace));
      if (!known) throw ecsError('NamespaceNotFoundException', 'The specified namespace wasn’t found.');
      const { items, nextToken } = page(
        matching.map((service) => service.serviceArn),
        (arn) => arn,
        input.nextToken,
        pageSize(input.maxResults, 10),
      );
      return { serviceArns: items, nextToken };
    },
  } satisfies Partial<EcsHandlers>;
}

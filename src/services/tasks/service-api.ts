// What the service operations share: finding the service a request names (in the cluster it
// names), the task definition it may use, and the service as DescribeServices shows it.
import type { Ecs, RequestContext } from '../../contract/index.ts';
import { scopeOf } from './api.ts';
import type { Clusters } from './clusters.ts';
import type { TaskDefinitions } from './definitions.ts';
import type { EcsServices } from './ecs-services.ts';
import { clientException, ecsError } from './errors.ts';
import { type Scope, serviceArn } from './names.ts';
import type { ServiceRecord } from './service-records.ts';
import { presentTaskSet } from './task-sets.ts';

export const serviceNotFound = () => ecsError('ServiceNotFoundException', 'Service not found.');
export const serviceNotActive = () => ecsError('ServiceNotActiveException', 'Service was not ACTIVE.');

export const serviceArnOf = (scope: Scope, clusterName: string, nameOrArn: string) =>
  nameOrArn.startsWith('arn:') ? nameOrArn : serviceArn(scope, clusterName, nameOrArn);

export interface ServiceLookup {
  services: EcsServices;
  clusters: Clusters;
  definitions: TaskDefinitions;
}

/** The service a request names in the cluster it names; ServiceNotFoundException when there is none. */
export async function serviceOf(
  deps: ServiceLookup,
  request: { cluster?: string; service?: string },
  context: RequestContext,
): Promise<ServiceRecord> {
  const scope = scopeOf(context);
  const cluster = await deps.clusters.get(scope, request.cluster);
  const service = await deps.services.find(serviceArnOf(scope, cluster.clusterName, request.service ?? ''));
  if (!service || service.clusterArn !== cluster.clusterArn) throw serviceNotFound();
  return service;
}

/** The ARN of the ACTIVE task definition a reference names, or ECS's ClientException. */
export async function activeDefinition(
  deps: ServiceLookup,
  scope: Scope,
  reference: string,
): Promise<string> {
  const found = await deps.definitions.find(scope, reference);
  if (!found) throw clientException('TaskDefinition not found.');
  if (found.definition.status !== 'ACTIVE') throw clientException('TaskDefinition is inactive');
  return found.definition.taskDefinitionArn;
}

export function presentService(service: ServiceRecord, withTags: boolean): Ecs.Service {
  const external = service.deploymentController === 'EXTERNAL';
  const counted = external ? (service.taskSets ?? []) : service.deployments;
  const running = counted.reduce((sum, item) => sum + item.runningCount, 0);
  const pending = counted.reduce((sum, item) => sum + item.pendingCount, 0);
  const primary = service.deployments[0];
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
    platformVersion: external
      ? undefined
      : (service.platformVersion ?? (service.launchType === 'EC2' ? undefined : 'LATEST')),
    platformFamily: external ? undefined : 'Linux',
    taskDefinition: service.taskDefinition,
    deploymentConfiguration: service.deploymentConfiguration,
    ...(external
      ? { taskSets: (service.taskSets ?? []).map((set) => presentTaskSet(service, set, false)) }
      : {}),
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
      platformVersion: deployment.platformVersion ?? (deployment.launchType === 'EC2' ? undefined : 'LATEST'),
      platformFamily: 'Linux',
      networkConfiguration: deployment.networkConfiguration,
      rolloutState: deployment.rolloutState,
      rolloutStateReason: deployment.rolloutStateReason,
      serviceConnectConfiguration: service.serviceConnectConfiguration,
    })),
    ...(primary?.serviceDeploymentArn ? { currentServiceDeployment: primary.serviceDeploymentArn } : {}),
    currentServiceRevisions: service.deployments
      .filter((deployment) => deployment.serviceRevisionArn !== undefined)
      .map((deployment) => ({
        arn: deployment.serviceRevisionArn,
        requestedTaskCount: deployment.desiredCount,
        runningTaskCount: deployment.runningCount,
        pendingTaskCount: deployment.pendingCount,
      })),
    events: service.events.map((event) => ({ ...event, createdAt: new Date(event.createdAt) })),
    createdAt: new Date(service.createdAt),
    createdBy: service.createdBy,
    networkConfiguration: service.networkConfiguration,
    healthCheckGracePeriodSeconds: service.healthCheckGracePeriodSeconds,
    schedulingStrategy: service.schedulingStrategy ?? 'REPLICA',
    deploymentController: { type: service.deploymentController ?? 'ECS' },
    enableECSManagedTags: service.enableECSManagedTags,
    propagateTags: service.propagateTags ?? 'NONE',
    enableExecuteCommand: service.enableExecuteCommand === true,
    ...(withTags ? { tags: service.tags } : {}),
  };
}

// ECS services as Application Auto Scaling sees them (`ecs:service:DesiredCount`, resource id
// `service/CLUSTER/SERVICE`): their desired and running counts, and a desired count set with the
// scaling activity's cause noted in the service's events, as ECS notes it.
import type { ScalableDimensionHandler, ScalableScope } from '../../runtime/index.ts';
import type { EcsServices } from './ecs-services.ts';
import type { ServiceRecord } from './service-records.ts';

function parseResourceId(resourceId: string): { cluster: string; service: string } | undefined {
  const match = /^service\/([^/]+)\/([^/]+)$/.exec(resourceId);
  return match ? { cluster: match[1] as string, service: match[2] as string } : undefined;
}

async function find(
  services: EcsServices,
  scope: ScalableScope,
  resourceId: string,
): Promise<ServiceRecord | undefined> {
  const id = parseResourceId(resourceId);
  if (!id) return undefined;
  return (await services.all()).find(
    (service) =>
      service.account === scope.account &&
      service.region === scope.region &&
      service.clusterName === id.cluster &&
      service.serviceName === id.service &&
      service.status === 'ACTIVE',
  );
}

export function scalableServices(services: EcsServices): ScalableDimensionHandler {
  return {
    async capacity(scope, resourceId) {
      const service = await find(services, scope, resourceId);
      if (!service) return undefined;
      const running = service.deployments.reduce((sum, deployment) => sum + deployment.runningCount, 0);
      return { desired: service.desiredCount, running };
    },
    async setDesired(scope, resourceId, desired, cause) {
      await services.exclusive(async () => {
        const service = await find(services, scope, resourceId);
        if (!service) throw new Error(`ECS service ${resourceId} does not exist.`);
        if (service.desiredCount === desired) return;
        service.desiredCount = desired;
        service.steady = false;
        services.note(service, `has set its desired count to ${desired}: ${cause}`);
        await services.save(service);
      });
      services.kick();
    },
  };
}

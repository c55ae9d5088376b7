// ECS Express Mode (CreateExpressGatewayService, DescribeExpressGatewayService,
// UpdateExpressGatewayService, DeleteExpressGatewayService): ECS provisions an Application Load
// Balancer, target groups, security groups, certificates and scaling policies around a service.
// eddy serves none of those, so creating one answers as a Region without the feature does, and
// the others answer as an account without Express services does.
import { type EcsHandlers, scopeOf } from './api.ts';
import type { Clusters } from './clusters.ts';
import { ecsError } from './errors.ts';
import { serviceNotFound } from './service-api.ts';

export function expressGatewayHandlers(deps: { clusters: Clusters }) {
  return {
    async CreateExpressGatewayService(input, context) {
      await deps.clusters.get(scopeOf(context), input.cluster);
      throw ecsError(
        'UnsupportedFeatureException',
        'Express gateway services are not supported in this Region: they need Application Load Balancers, which this endpoint does not provide.',
      );
    },

    async DescribeExpressGatewayService() {
      throw ecsError('ResourceNotFoundException', 'The specified Express service wasn’t found.');
    },

    async UpdateExpressGatewayService() {
      throw serviceNotFound();
    },

    async DeleteExpressGatewayService() {
      throw serviceNotFound();
    },
  } satisfies Partial<EcsHandlers>;
}

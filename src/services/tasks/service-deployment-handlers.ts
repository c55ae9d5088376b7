// DescribeServiceDeployments, ListServiceDeployments, DescribeServiceRevisions,
// StopServiceDeployment (a rollback to the revision that ran before) and
// ContinueServiceDeployment (eddy runs no deployment lifecycle hooks, so none is ever waiting).
import type { Ecs } from '../../contract/index.ts';
import { parseArn } from '../../runtime/index.ts';
import { type EcsHandlers, scopeOf } from './api.ts';
import { ecsError, invalidParameter } from './errors.ts';
import type { Scope } from './names.ts';
import { page, pageSize } from './paging.ts';
import { type ServiceLookup, serviceOf } from './service-api.ts';
import {
  isUnderWay,
  presentRevision,
  presentServiceDeployment,
  type ServiceDeploymentRecord,
  type ServiceDeployments,
} from './service-deployments.ts';
import { newDeployment } from './service-records.ts';

const MAX_ARNS = 20;
const deploymentNotFound = () =>
  ecsError('ServiceDeploymentNotFoundException', 'The service deployment does not exist.');

const inScope = (scope: Scope, arn: string) => {
  const parsed = parseArn(arn);
  return parsed?.accountId === scope.account && parsed.region === scope.region;
};

export function serviceDeploymentHandlers(
  deps: ServiceLookup & { deployments: ServiceDeployments; now: () => number },
) {
  const { services, deployments } = deps;

  /** A service deployment of the caller's account and region, with its live counts. */
  const find = async (scope: Scope, arn: string): Promise<ServiceDeploymentRecord | undefined> => {
    if (!inScope(scope, arn)) return undefined;
    const record = await deployments.get(arn);
    return record ? deployments.live(record, await services.find(record.serviceArn)) : undefined;
  };

  return {
    async DescribeServiceDeployments(input, context) {
      const scope = scopeOf(context);
      const arns = input.serviceDeploymentArns;
      if (arns.length === 0 || arns.length > MAX_ARNS)
        throw invalidParameter(`serviceDeploymentArns must name 1 to ${MAX_ARNS} service deployments.`);
      const found: Ecs.ServiceDeployment[] = [];
      const failures: Ecs.Failure[] = [];
      for (const arn of arns) {
        const record = await find(scope, arn);
        if (record) found.push(presentServiceDeployment(record));
        else failures.push({ arn, reason: 'MISSING' });
      }
      return { serviceDeployments: found, failures };
    },

    async ListServiceDeployments(input, context) {
      const service = await serviceOf(deps, input, context);
      const statuses = input.status ?? [];
      const after = input.createdAt?.after?.getTime();
      const before = input.createdAt?.before?.getTime();
      const matching = (await deployments.ofService(service.serviceArn))
        .map((record) => deployments.live(record, service))
        .filter(
          (record) =>
            (statuses.length === 0 || statuses.includes(record.status)) &&
            (after === undefined || record.createdAt >= after) &&
            (before === undefined || record.createdAt <= before),
        );
      // Newest first: the key counts down as creation times count up.
      const key = (record: ServiceDeploymentRecord) =>
        `${String(Number.MAX_SAFE_INTEGER - record.createdAt).padStart(16, '0')}|${record.serviceDeploymentArn}`;
      const { items, nextToken } = page(matching, key, input.nextToken, pageSize(input.maxResults, 20));
      return {
        serviceDeployments: items.map((record) => ({
          serviceDeploymentArn: record.serviceDeploymentArn,
          serviceArn: record.serviceArn,
          clusterArn: record.clusterArn,
          startedAt: new Date(record.startedAt),
          createdAt: new Date(record.createdAt),
          ...(record.finishedAt !== undefined ? { finishedAt: new Date(record.finishedAt) } : {}),
          targetServiceRevisionArn: record.targetServiceRevision.arn,
          status: record.status,
          statusReason: record.statusReason,
        })),
        nextToken,
      };
    },

    async DescribeServiceRevisions(input, context) {
      const scope = scopeOf(context);
      const arns = input.serviceRevisionArns;
      if (arns.length === 0 || arns.length > MAX_ARNS)
        throw invalidParameter(`serviceRevisionArns must name 1 to ${MAX_ARNS} service revisions.`);
      const found: Ecs.ServiceRevision[] = [];
      const failures: Ecs.Failure[] = [];
      for (const arn of arns) {
        const revision = inScope(scope, arn) ? await deployments.revision(arn) : undefined;
        if (revision) found.push(presentRevision(revision));
        else failures.push({ arn, reason: 'MISSING' });
      }
      return { serviceRevisions: found, failures };
    },

    async StopServiceDeployment(input, context) {
      const scope = scopeOf(context);
      const arn = input.serviceDeploymentArn;
      return services.exclusive(async () => {
        const record = await find(scope, arn);
        if (!record) throw deploymentNotFound();
        if (!isUnderWay(record) || record.status === 'ROLLBACK_IN_PROGRESS')
          throw ecsError(
            'ConflictException',
            `The service deployment is ${record.status} and cannot be stopped.`,
          );
        const service = await services.find(record.serviceArn);
        const sourceArn = record.sourceServiceRevisions[0]?.arn;
        const source = sourceArn === undefined ? undefined : await deployments.revision(sourceArn);
        if (service?.status !== 'ACTIVE' || !source)
          throw invalidParameter('The service deployment has no earlier service revision to roll back to.');
        // Roll back: a new primary deployment of the revision that ran before, in this service deployment.
        const now = deps.now();
        Object.assign(service, {
          taskDefinition: source.taskDefinition,
          launchType: source.launchType,
          capacityProviderStrategy: source.capacityProviderStrategy,
          networkConfiguration: source.networkConfiguration,
          platformVersion: source.platformVersion,
        });
        for (const deployment of service.deployments) deployment.status = 'ACTIVE';
        service.deployments = [
          newDeployment(service, now, {
            serviceDeploymentArn: arn,
            serviceRevisionArn: source.serviceRevisionArn,
          }),
          ...service.deployments,
        ];
        service.steady = false;
        services.note(
          service,
          `service deployment stopped by request: rolling back to ${source.serviceRevisionArn}.`,
        );
        await services.save(service);
        await deployments.finish(
          service,
          arn,
          'ROLLBACK',
          'Rollback requested by the user.',
          now,
          source.serviceRevisionArn,
        );
        services.kick();
        return { serviceDeploymentArn: arn };
      });
    },

    async ContinueServiceDeployment(input, context) {
      const record = await find(scopeOf(context), input.serviceDeploymentArn);
      if (!record) throw deploymentNotFound();
      throw invalidParameter(
        `The lifecycle hook ${input.hookId} is not waiting in this service deployment: eddy runs no deployment lifecycle hooks.`,
      );
    },
  } satisfies Partial<EcsHandlers>;
}

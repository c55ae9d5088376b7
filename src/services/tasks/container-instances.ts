// Container instances and what hangs on them: RegisterContainerInstance, ListContainerInstances,
// DescribeContainerInstances, DeregisterContainerInstance, UpdateContainerAgent,
// UpdateContainerInstancesState, StartTask and the attributes (PutAttributes, ListAttributes,
// DeleteAttributes, whose only target type is the container instance). eddy runs tasks on
// Fargate capacity only and registers no EC2 instances, so each answers as ECS answers an account
// whose clusters have none: empty lists, MISSING failures, not-found errors.
import type { Ecs } from '../../contract/index.ts';
import { formatArn, parseArn } from '../../runtime/index.ts';
import { type EcsHandlers, scopeOf } from './api.ts';
import type { Clusters } from './clusters.ts';
import type { TaskDefinitions } from './definitions.ts';
import { clientException, ecsError, invalidParameter } from './errors.ts';
import type { Scope } from './names.ts';
import { pageSize, readToken } from './paging.ts';

/** ECS takes at most this many attributes in one call, and names them with these characters. */
const MAX_ATTRIBUTES = 10;
const ATTRIBUTE_NAME = /^[A-Za-z0-9_.@/\\: -]{1,128}$/;

/** A container instance named by id or ARN, as the ARN ECS reports it under. */
export function containerInstanceArn(scope: Scope, clusterName: string, text: string): string {
  const parsed = parseArn(text);
  if (parsed?.service === 'ecs' && parsed.resource.startsWith('container-instance/')) return text;
  return formatArn({
    service: 'ecs',
    region: scope.region,
    accountId: scope.account,
    resource: `container-instance/${clusterName}/${text}`,
  });
}

const instanceNotFound = () => invalidParameter('The referenced container instance was not found.');

export function containerInstanceHandlers(deps: { clusters: Clusters; definitions: TaskDefinitions }) {
  const { clusters } = deps;
  /** The ACTIVE cluster a request names (ClusterNotFoundException otherwise). */
  const clusterOf = (context: Parameters<EcsHandlers['ListContainerInstances']>[1], cluster?: string) =>
    clusters.get(scopeOf(context), cluster);

  /** The attributes a request names, checked; each names its target, which never exists here. */
  const checkAttributes = (attributes: Ecs.Attribute[]) => {
    if (attributes.length === 0) throw invalidParameter('attributes must not be empty.');
    if (attributes.length > MAX_ATTRIBUTES)
      throw ecsError(
        'AttributeLimitExceededException',
        `You can apply up to ${MAX_ATTRIBUTES} custom attributes for each resource in one call.`,
      );
    for (const attribute of attributes) {
      if (!ATTRIBUTE_NAME.test(attribute.name))
        throw invalidParameter(
          `Attribute name '${attribute.name}' can contain up to 128 letters, numbers, hyphens, underscores, periods, at signs, slashes, back slashes, colons and spaces.`,
        );
      if (attribute.targetId === undefined)
        throw invalidParameter(`Attribute '${attribute.name}' must name its target (targetId).`);
    }
    const first = attributes[0]!;
    return ecsError('TargetNotFoundException', `Could not find the target ${first.targetId}.`);
  };

  return {
    async RegisterContainerInstance(input, context) {
      await clusterOf(context, input.cluster);
      // The agent proves its EC2 instance with a signed identity document; eddy runs no instances.
      if (!input.instanceIdentityDocument)
        throw clientException('An instance identity document is required to register a container instance.');
      throw clientException(
        'The instance identity document could not be verified: it does not come from an Amazon EC2 instance of this account.',
      );
    },

    async ListContainerInstances(input, context) {
      await clusterOf(context, input.cluster);
      pageSize(input.maxResults, 100);
      readToken(input.nextToken);
      return { containerInstanceArns: [] };
    },

    async DescribeContainerInstances(input, context) {
      const scope = scopeOf(context);
      const cluster = await clusterOf(context, input.cluster);
      if (input.containerInstances.length === 0)
        throw invalidParameter('containerInstances can not be empty.');
      if (input.containerInstances.length > 100)
        throw invalidParameter('containerInstances can have at most 100 items.');
      return {
        containerInstances: [],
        failures: input.containerInstances.map((text) => ({
          arn: containerInstanceArn(scope, cluster.clusterName, text),
          reason: 'MISSING',
        })),
      };
    },

    async DeregisterContainerInstance(input, context) {
      await clusterOf(context, input.cluster);
      throw instanceNotFound();
    },

    async UpdateContainerAgent(input, context) {
      await clusterOf(context, input.cluster);
      throw instanceNotFound();
    },

    async UpdateContainerInstancesState(input, context) {
      const scope = scopeOf(context);
      const cluster = await clusterOf(context, input.cluster);
      if (input.containerInstances.length === 0)
        throw invalidParameter('containerInstances can not be empty.');
      if (input.containerInstances.length > 10)
        throw invalidParameter('containerInstances can have at most 10 items.');
      if (input.status !== 'ACTIVE' && input.status !== 'DRAINING')
        throw invalidParameter('Container instances can only be set to ACTIVE or DRAINING.');
      return {
        containerInstances: [],
        failures: input.containerInstances.map((text) => ({
          arn: containerInstanceArn(scope, cluster.clusterName, text),
          reason: 'MISSING',
        })),
      };
    },

    async StartTask(input, context) {
      const scope = scopeOf(context);
      const cluster = await clusterOf(context, input.cluster);
      if (input.containerInstances.length === 0)
        throw invalidParameter('containerInstances can not be empty.');
      if (input.containerInstances.length > 10)
        throw invalidParameter('containerInstances can have at most 10 items.');
      const found = await deps.definitions.find(scope, input.taskDefinition);
      if (!found) throw clientException('TaskDefinition not found.');
      if (found.definition.status !== 'ACTIVE') throw clientException('TaskDefinition is inactive');
      return {
        tasks: [],
        failures: input.containerInstances.map((text) => ({
          arn: containerInstanceArn(scope, cluster.clusterName, text),
          reason: 'MISSING',
        })),
      };
    },

    async PutAttributes(input, context) {
      await clusterOf(context, input.cluster);
      throw checkAttributes(input.attributes);
    },

    async DeleteAttributes(input, context) {
      await clusterOf(context, input.cluster);
      throw checkAttributes(input.attributes);
    },

    async ListAttributes(input, context) {
      await clusterOf(context, input.cluster);
      if (input.attributeValue !== undefined && input.attributeName === undefined)
        throw invalidParameter('attributeName must be specified when attributeValue is.');
      pageSize(input.maxResults, 100);
      readToken(input.nextToken);
      return { attributes: [] };
    },
  } satisfies Partial<EcsHandlers>;
}

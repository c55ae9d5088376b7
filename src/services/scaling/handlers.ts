// Application Auto Scaling's operations: scalable targets, scaling policies (step scaling and
// target tracking with the alarms it owns), scaling activities and tags.
import { randomBytes, randomUUID } from 'node:crypto';
import type { ApplicationAutoScaling as Aas, Handlers, RequestContext } from '../../contract/index.ts';
import { DeliveryError, formatArn, type Runtime } from '../../runtime/index.ts';
import { stepProblem } from './adjustments.ts';
import { limitExceeded, notFound, validation } from './errors.ts';
import { deleteAlarms, putAlarms, trackingAlarms } from './policy-alarms.ts';
import type { PolicyRecord, ScalingRecords, Scope, TargetKey, TargetRecord } from './records.ts';
import type { Scaler } from './scaler.ts';

export type ScalingHandlers = Pick<
  Handlers<Aas.Operations>,
  | 'RegisterScalableTarget'
  | 'DeregisterScalableTarget'
  | 'DescribeScalableTargets'
  | 'PutScalingPolicy'
  | 'DescribeScalingPolicies'
  | 'DeleteScalingPolicy'
  | 'DescribeScalingActivities'
  | 'TagResource'
  | 'UntagResource'
  | 'ListTagsForResource'
>;

const MAX_POLICIES_PER_TARGET = 50;
const SERVICE_LINKED_ROLE =
  'aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService';

const scopeOf = (context: RequestContext): Scope => ({ account: context.accountId, region: context.region });

const describeKey = (key: TargetKey) =>
  `service namespace: ${key.namespace}, resource ID: ${key.resourceId}, scalable dimension: ${key.dimension}`;

function pageOf<T>(items: T[], maxResults: number | undefined, token: string | undefined, max: number) {
  const size = maxResults ?? max;
  if (size < 1 || size > max) throw validation(`MaxResults must be between 1 and ${max}.`);
  let offset = 0;
  if (token !== undefined) {
    offset = Number(Buffer.from(token, 'base64').toString('utf8'));
    if (!Number.isInteger(offset) || offset < 0) throw validation('The NextToken is not valid.');
  }
  const page = items.slice(offset, offset + size);
  const next =
    offset + size < items.length ? Buffer.from(String(offset + size)).toString('base64') : undefined;
  return { page, next };
}

function presentTarget(target: TargetRecord): Aas.ScalableTarget {
  return {
    ServiceNamespace: target.key.namespace as Aas.ServiceNamespace,
    ResourceId: target.key.resourceId,
    ScalableDimension: target.key.dimension as Aas.ScalableDimension,
    MinCapacity: target.minCapacity,
    MaxCapacity: target.maxCapacity,
    RoleARN: target.roleArn,
    CreationTime: new Date(target.createdAt),
    SuspendedState: {
      DynamicScalingInSuspended: target.suspended.DynamicScalingInSuspended ?? false,
      DynamicScalingOutSuspended: target.suspended.DynamicScalingOutSuspended ?? false,
      ScheduledScalingSuspended: target.suspended.ScheduledScalingSuspended ?? false,
    },
    ScalableTargetARN: target.arn,
  };
}

function presentPolicy(policy: PolicyRecord): Aas.ScalingPolicy {
  return {
    PolicyARN: policy.arn,
    PolicyName: policy.name,
    ServiceNamespace: policy.key.namespace as Aas.ServiceNamespace,
    ResourceId: policy.key.resourceId,
    ScalableDimension: policy.key.dimension as Aas.ScalableDimension,
    PolicyType: policy.type,
    ...(policy.step ? { StepScalingPolicyConfiguration: policy.step } : {}),
    ...(policy.targetTracking ? { TargetTrackingScalingPolicyConfiguration: policy.targetTracking } : {}),
    Alarms: policy.alarms,
    CreationTime: new Date(policy.createdAt),
  };
}

function checkStep(
  config: Aas.StepScalingPolicyConfiguration | undefined,
): Aas.StepScalingPolicyConfiguration {
  if (!config)
    throw validation('StepScalingPolicyConfiguration is required for a policy of type StepScaling.');
  if (!config.AdjustmentType) throw validation('AdjustmentType is required for a step scaling policy.');
  const problem = stepProblem(config.StepAdjustments ?? []);
  if (problem) throw validation(problem);
  if (config.MinAdjustmentMagnitude !== undefined && config.AdjustmentType !== 'PercentChangeInCapacity')
    throw validation(
      'MinAdjustmentMagnitude may only be specified when AdjustmentType is PercentChangeInCapacity.',
    );
  if (config.Cooldown !== undefined && config.Cooldown < 0)
    throw validation('Cooldown must not be negative.');
  return config;
}

function checkTracking(
  config: Aas.TargetTrackingScalingPolicyConfiguration | undefined,
): Aas.TargetTrackingScalingPolicyConfiguration {
  if (!config)
    throw validation(
      'TargetTrackingScalingPolicyConfiguration is required for a policy of type TargetTrackingScaling.',
    );
  const predefined = config.PredefinedMetricSpecification;
  const customized = config.CustomizedMetricSpecification;
  if ((predefined === undefined) === (customized === undefined))
    throw validation(
      'Exactly one of PredefinedMetricSpecification and CustomizedMetricSpecification must be specified.',
    );
  if (predefined) {
    const type = predefined.PredefinedMetricType;
    if (type === 'ALBRequestCountPerTarget')
      throw validation(
        predefined.ResourceLabel
          ? `The load balancer in ResourceLabel ${predefined.ResourceLabel} does not exist: eddy serves no load balancers.`
          : 'ResourceLabel is required for the predefined metric type ALBRequestCountPerTarget.',
      );
    if (type === 'ECSServiceAverageCPUUtilization' || type === 'ECSServiceAverageMemoryUtilization')
      throw validation(
        `eddy does not publish the AWS/ECS metric behind ${type} yet: track a CustomizedMetricSpecification instead.`,
      );
    throw validation(`The predefined metric type ${type} is not valid for ecs:service:DesiredCount.`);
  }
  if (customized) {
    const single = customized.MetricName !== undefined || customized.Namespace !== undefined;
    if (single && customized.Metrics)
      throw validation('Specify either MetricName and Namespace or Metrics, not both.');
    if (!single && !customized.Metrics)
      throw validation('CustomizedMetricSpecification must specify a metric.');
    if (single && (!customized.MetricName || !customized.Namespace))
      throw validation('CustomizedMetricSpecification needs both MetricName and Namespace.');
    if (customized.Metrics && customized.Metrics.filter((q) => q.ReturnData !== false).length !== 1)
      throw validation('Exactly one of the Metrics must return data.');
  }
  if (!(config.TargetValue > 0)) throw validation('TargetValue must be greater than 0.');
  return config;
}

export function scalingHandlers(runtime: Runtime, records: ScalingRecords, scaler: Scaler): ScalingHandlers {
  const { store, clock } = runtime;

  const keyOf = (input: {
    ServiceNamespace: string;
    ResourceId: string;
    ScalableDimension: string;
  }): TargetKey => {
    const key = {
      namespace: input.ServiceNamespace,
      resourceId: input.ResourceId,
      dimension: input.ScalableDimension,
    };
    if (!runtime.scalable.get(key.dimension) || !key.dimension.startsWith(`${key.namespace}:`))
      throw validation(
        `eddy scales ${runtime.scalable.dimensions().join(', ') || 'nothing yet'}; ${key.namespace} ${key.dimension} is not one of them.`,
      );
    if (key.dimension === 'ecs:service:DesiredCount' && !/^service\/[^/]+\/[^/]+$/.test(key.resourceId))
      throw validation(
        `Unsupported resource ID ${key.resourceId}: an ECS service's is service/CLUSTER/SERVICE.`,
      );
    return key;
  };
  const targetOf = async (scope: Scope, key: TargetKey) => {
    const target = await records.target(scope, key);
    if (!target) throw notFound(`No scalable target registered for ${describeKey(key)}`);
    return target;
  };
  const dropAlarms = async (alarms: Aas.Alarm[]) => {
    try {
      await deleteAlarms(runtime.targets, alarms);
    } catch (error) {
      if (!(error instanceof DeliveryError)) throw error;
      runtime.log.warn({ err: error }, 'a target tracking alarm could not be deleted');
    }
  };

  return {
    async RegisterScalableTarget(input, context) {
      const scope = scopeOf(context);
      const key = keyOf(input);
      const capacity = await runtime.scalable.get(key.dimension)?.capacity(scope, key.resourceId);
      if (!capacity) throw validation(`ECS service doesn't exist: ${key.resourceId}`);
      const existing = await records.target(scope, key);
      if (!existing && (input.MinCapacity === undefined || input.MaxCapacity === undefined))
        throw validation('MinCapacity and MaxCapacity are required to register a new scalable target.');
      const minCapacity = input.MinCapacity ?? existing?.minCapacity ?? 0;
      const maxCapacity = input.MaxCapacity ?? existing?.maxCapacity ?? 0;
      if (minCapacity < 0) throw validation('MinCapacity must not be negative.');
      if (minCapacity > maxCapacity)
        throw validation('Minimum capacity cannot be greater than maximum capacity');
      const target: TargetRecord = {
        key,
        arn:
          existing?.arn ??
          formatArn({
            service: 'application-autoscaling',
            region: scope.region,
            accountId: scope.account,
            resource: `scalable-target/${randomBytes(16).toString('hex')}`,
          }),
        minCapacity,
        maxCapacity,
        roleArn:
          input.RoleARN ?? existing?.roleArn ?? `arn:aws:iam::${scope.account}:role/${SERVICE_LINKED_ROLE}`,
        createdAt: existing?.createdAt ?? clock.now(),
        suspended: { ...existing?.suspended, ...input.SuspendedState },
        tags: { ...existing?.tags, ...input.Tags },
        ...(existing?.lastScaling ? { lastScaling: existing.lastScaling } : {}),
      };
      await store.write((tx) => records.saveTargetIn(tx, scope, target));
      await scaler.enforceLimits(scope, target);
      return { ScalableTargetARN: target.arn };
    },

    async DeregisterScalableTarget(input, context) {
      const scope = scopeOf(context);
      const key = keyOf(input);
      await targetOf(scope, key);
      const policies = (await records.policies(scope, key.namespace)).filter(
        (policy) => policy.key.resourceId === key.resourceId && policy.key.dimension === key.dimension,
      );
      await store.write((tx) => records.deleteTargetIn(tx, scope, key));
      await dropAlarms(policies.flatMap((policy) => policy.alarms));
      return {};
    },

    async DescribeScalableTargets(input, context) {
      const targets = (await records.targets(scopeOf(context), input.ServiceNamespace)).filter(
        (target) =>
          (!input.ResourceIds || input.ResourceIds.includes(target.key.resourceId)) &&
          (input.ScalableDimension === undefined || target.key.dimension === input.ScalableDimension),
      );
      const { page, next } = pageOf(targets, input.MaxResults, input.NextToken, 50);
      return { ScalableTargets: page.map(presentTarget), ...(next ? { NextToken: next } : {}) };
    },

    async PutScalingPolicy(input, context) {
      const scope = scopeOf(context);
      const key = keyOf(input);
      await targetOf(scope, key);
      const type = input.PolicyType ?? 'StepScaling';
      if (type === 'PredictiveScaling')
        throw validation('eddy does not forecast load: PredictiveScaling policies are not supported.');
      const all = (await records.policies(scope, key.namespace)).filter(
        (policy) => policy.key.resourceId === key.resourceId && policy.key.dimension === key.dimension,
      );
      const existing = all.find((policy) => policy.name === input.PolicyName);
      if (!existing && all.length >= MAX_POLICIES_PER_TARGET)
        throw limitExceeded(
          `A scalable target may have at most ${MAX_POLICIES_PER_TARGET} scaling policies.`,
        );
      const arn =
        existing?.arn ??
        formatArn({
          service: 'autoscaling',
          region: scope.region,
          accountId: scope.account,
          resource: `scalingPolicy:${randomUUID()}:resource/${key.namespace}/${key.resourceId}:policyName/${input.PolicyName}`,
        });
      const policy: PolicyRecord = {
        arn,
        name: input.PolicyName,
        key,
        type,
        alarms: [],
        createdAt: existing?.createdAt ?? clock.now(),
      };
      if (type === 'StepScaling') policy.step = checkStep(input.StepScalingPolicyConfiguration);
      else {
        policy.targetTracking = checkTracking(input.TargetTrackingScalingPolicyConfiguration);
        const owned = trackingAlarms(scope, key.resourceId, arn, policy.targetTracking, randomUUID());
        try {
          await putAlarms(runtime.targets, owned);
        } catch (error) {
          if (error instanceof DeliveryError)
            throw validation(`The policy's alarms could not be created: ${error.message}`);
          throw error;
        }
        policy.alarms = owned.map((alarm) => ({ AlarmName: alarm.name, AlarmARN: alarm.arn }));
      }
      await store.write((tx) => records.savePolicyIn(tx, scope, policy));
      if (existing) await dropAlarms(existing.alarms);
      return { PolicyARN: arn, Alarms: policy.alarms };
    },

    async DescribeScalingPolicies(input, context) {
      const policies = (await records.policies(scopeOf(context), input.ServiceNamespace)).filter(
        (policy) =>
          (!input.PolicyNames || input.PolicyNames.includes(policy.name)) &&
          (input.ResourceId === undefined || policy.key.resourceId === input.ResourceId) &&
          (input.ScalableDimension === undefined || policy.key.dimension === input.ScalableDimension),
      );
      const { page, next } = pageOf(policies, input.MaxResults, input.NextToken, 50);
      return { ScalingPolicies: page.map(presentPolicy), ...(next ? { NextToken: next } : {}) };
    },

    async DeleteScalingPolicy(input, context) {
      const scope = scopeOf(context);
      const key = keyOf(input);
      const policy = (await records.policies(scope, key.namespace)).find(
        (candidate) =>
          candidate.name === input.PolicyName &&
          candidate.key.resourceId === key.resourceId &&
          candidate.key.dimension === key.dimension,
      );
      if (!policy)
        throw notFound(`No scaling policy found for ${describeKey(key)}, policy name: ${input.PolicyName}`);
      await store.write((tx) => records.deletePolicyIn(tx, policy.arn));
      await dropAlarms(policy.alarms);
      return {};
    },

    async DescribeScalingActivities(input, context) {
      const activities = await records.activities(scopeOf(context), input.ServiceNamespace, {
        ...(input.ResourceId !== undefined ? { resourceId: input.ResourceId } : {}),
        ...(input.ScalableDimension !== undefined ? { dimension: input.ScalableDimension } : {}),
        includeNotScaled: input.IncludeNotScaledActivities === true,
      });
      const { page, next } = pageOf(activities, input.MaxResults, input.NextToken, 50);
      return { ScalingActivities: page, ...(next ? { NextToken: next } : {}) };
    },

    async TagResource(input, context) {
      const scope = scopeOf(context);
      const target = await records.targetByArn(scope, input.ResourceARN);
      if (!target) throw notFound(`No scalable target found for ${input.ResourceARN}`);
      const tags = { ...target.tags, ...input.Tags };
      if (Object.keys(tags).length > 50) throw validation('A scalable target may have at most 50 tags.');
      await store.write((tx) => records.saveTargetIn(tx, scope, { ...target, tags }));
      return {};
    },

    async UntagResource(input, context) {
      const scope = scopeOf(context);
      const target = await records.targetByArn(scope, input.ResourceARN);
      if (!target) throw notFound(`No scalable target found for ${input.ResourceARN}`);
      const tags = Object.fromEntries(
        Object.entries(target.tags).filter(([name]) => !input.TagKeys.includes(name)),
      );
      await store.write((tx) => records.saveTargetIn(tx, scope, { ...target, tags }));
      return {};
    },

    async ListTagsForResource(input, context) {
      const target = await records.targetByArn(scopeOf(context), input.ResourceARN);
      if (!target) throw notFound(`No scalable target found for ${input.ResourceARN}`);
      return { Tags: target.tags };
    },
  };
}

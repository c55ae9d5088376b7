// What a scaling policy does when its alarm invokes it (an alarm action delivered to the policy's
// ARN through the targets port): step scaling places the breach among its steps relative to the
// alarm's threshold, target tracking sizes the target in proportion to its metric, both within the
// target's min and max, its suspensions and the cooldowns; the new desired count is set through the
// scalable-resources port and the activity is recorded with AWS's Description, Cause and message.
import { randomUUID } from 'node:crypto';
import type { ApplicationAutoScaling as Aas } from '../../contract/index.ts';
import { DeliveryError, type Logger, type Runtime } from '../../runtime/index.ts';
import { adjusted, clamp, stepFor, trackedCapacity } from './adjustments.ts';
import type { PolicyRecord, ScalingRecords, Scope, TargetRecord } from './records.ts';

const DEFAULT_COOLDOWN_S = 300;

/** What an alarm action carries (CloudWatch's notification, plus the datapoints it evaluated). */
export interface AlarmNotification {
  AlarmName?: string;
  NewStateValue?: string;
  NewStateReasonData?: string | null;
  Trigger?: { Threshold?: number; ComparisonOperator?: string };
}

/** The newest value the alarm evaluated, from its reason data. */
function breachValue(notification: AlarmNotification): number | undefined {
  if (!notification.NewStateReasonData) return undefined;
  try {
    const data = JSON.parse(notification.NewStateReasonData) as { recentDatapoints?: number[] };
    return data.recentDatapoints?.at(-1);
  } catch {
    return undefined;
  }
}

interface Decision {
  desired?: number;
  /** Why nothing changes, when nothing does. */
  notScaled?: { code: string; message: string };
}

export class Scaler {
  /** The last not-scaled reason per target, so an alarm that repeats each minute records it once. */
  private readonly lastNotScaled = new Map<string, string>();
  private readonly log: Logger;

  constructor(
    private readonly runtime: Runtime,
    private readonly records: ScalingRecords,
  ) {
    this.log = runtime.log;
  }

  async onAlarm(policyArn: string, notification: AlarmNotification): Promise<void> {
    const found = await this.records.policyByArn(policyArn);
    if (!found) throw new DeliveryError('ObjectNotFoundException', `No scaling policy ${policyArn}.`, false);
    const { scope, policy } = found;
    const target = await this.records.target(scope, policy.key);
    if (!target)
      throw new DeliveryError('ObjectNotFoundException', `No scalable target for ${policyArn}.`, false);
    const handler = this.runtime.scalable.get(policy.key.dimension);
    const capacity = await handler?.capacity(scope, policy.key.resourceId);
    const cause = `monitor alarm ${notification.AlarmName ?? '?'} in state ${notification.NewStateValue ?? 'ALARM'} triggered policy ${policy.name}`;
    if (!handler || !capacity) {
      await this.record(scope, target, cause, {
        notScaled: {
          code: 'FailedResourceAccess',
          message: `The resource ${policy.key.resourceId} does not exist.`,
        },
      });
      return;
    }
    const now = this.runtime.clock.now();
    const decision =
      policy.type === 'StepScaling'
        ? this.step(policy, target, capacity.desired, notification, now)
        : this.tracking(policy, target, capacity.desired, notification, now);
    if (decision.desired === undefined || decision.desired === capacity.desired) {
      await this.record(scope, target, cause, {
        notScaled: decision.notScaled ?? {
          code: 'NoChange',
          message: `The desired count stays ${capacity.desired}.`,
        },
      });
      return;
    }
    const desired = decision.desired;
    await handler.setDesired(scope, policy.key.resourceId, desired, cause);
    const direction = desired > capacity.desired ? 'out' : 'in';
    await this.record(
      scope,
      target,
      cause,
      { desired },
      {
        at: now,
        direction,
        change: Math.abs(desired - capacity.desired),
        policyArn: policy.arn,
      },
    );
  }

  private step(
    policy: PolicyRecord,
    target: TargetRecord,
    current: number,
    notification: AlarmNotification,
    now: number,
  ): Decision {
    const config = policy.step ?? {};
    const value = breachValue(notification);
    const threshold = notification.Trigger?.Threshold;
    if (value === undefined || threshold === undefined)
      return {
        notScaled: {
          code: 'NoBreachValue',
          message: 'The alarm gave no datapoint to place among the steps.',
        },
      };
    const below = (notification.Trigger?.ComparisonOperator ?? '').startsWith('LessThan');
    const step = stepFor(config.StepAdjustments ?? [], value - threshold, below);
    if (!step)
      return {
        notScaled: {
          code: 'NoStepAdjustment',
          message: `No step adjustment holds the breach ${value - threshold}.`,
        },
      };
    const wanted = adjusted(
      current,
      config.AdjustmentType ?? 'ChangeInCapacity',
      step.ScalingAdjustment,
      config.MinAdjustmentMagnitude,
    );
    let desired = clamp(wanted, target.minCapacity, target.maxCapacity);
    const limits = this.limits(target, current, desired);
    if (limits) return limits;
    const cooldownMs = (config.Cooldown ?? DEFAULT_COOLDOWN_S) * 1000;
    const last = target.lastScaling;
    const cooling = last !== undefined && now < last.at + cooldownMs;
    if (desired > current && cooling && last?.direction === 'out') {
      // Within a scale-out's cooldown only a larger scale-out goes ahead, by what it adds.
      const extra = desired - current - last.change;
      if (extra <= 0)
        return {
          notScaled: {
            code: 'InCooldown',
            message: `The scale-out of ${last.change} at ${new Date(last.at).toISOString()} is in its ${cooldownMs / 1000}-second cooldown.`,
          },
        };
      desired = current + extra;
    }
    if (desired < current && cooling)
      return {
        notScaled: {
          code: 'InCooldown',
          message: `No scale-in within the ${cooldownMs / 1000}-second cooldown of the scaling at ${new Date(last?.at ?? now).toISOString()}.`,
        },
      };
    return { desired };
  }

  private tracking(
    policy: PolicyRecord,
    target: TargetRecord,
    current: number,
    notification: AlarmNotification,
    now: number,
  ): Decision {
    const config = policy.targetTracking;
    const value = breachValue(notification);
    if (!config || value === undefined)
      return { notScaled: { code: 'NoMetricValue', message: 'The alarm gave no datapoint to track.' } };
    if (current === 0)
      return {
        notScaled: {
          code: 'CurrentCapacityIsZero',
          message:
            'Target tracking cannot size a service at 0 tasks from a per-task metric: scale out from zero with a step scaling policy.',
        },
      };
    const high = (notification.Trigger?.ComparisonOperator ?? '').startsWith('GreaterThan');
    if (!high && config.DisableScaleIn)
      return { notScaled: { code: 'ScaleInDisabled', message: 'The policy has DisableScaleIn.' } };
    let desired = clamp(
      trackedCapacity(current, value, config.TargetValue),
      target.minCapacity,
      target.maxCapacity,
    );
    if (high) desired = Math.max(desired, current);
    else desired = Math.min(desired, current);
    const limits = this.limits(target, current, desired);
    if (limits) return limits;
    const last = target.lastScaling;
    const outCooldown = (config.ScaleOutCooldown ?? DEFAULT_COOLDOWN_S) * 1000;
    const inCooldown = (config.ScaleInCooldown ?? DEFAULT_COOLDOWN_S) * 1000;
    if (last && desired > current && last.direction === 'out' && now < last.at + outCooldown)
      return {
        notScaled: {
          code: 'InCooldown',
          message: `The scale-out cooldown of ${outCooldown / 1000} seconds runs.`,
        },
      };
    if (last && desired < current && now < last.at + (last.direction === 'out' ? outCooldown : inCooldown))
      return {
        notScaled: { code: 'InCooldown', message: 'No scale-in within the last scaling\u2019s cooldown.' },
      };
    return { desired };
  }

  /** Suspensions and min/max leave nothing to do: say which. */
  private limits(target: TargetRecord, current: number, desired: number): Decision | undefined {
    if (desired > current && target.suspended.DynamicScalingOutSuspended)
      return {
        notScaled: { code: 'ScaleOutSuspended', message: 'Dynamic scale-out is suspended for this target.' },
      };
    if (desired < current && target.suspended.DynamicScalingInSuspended)
      return {
        notScaled: { code: 'ScaleInSuspended', message: 'Dynamic scale-in is suspended for this target.' },
      };
    if (desired === current && current >= target.maxCapacity)
      return {
        notScaled: {
          code: 'AlreadyAtMaxCapacity',
          message: `The capacity is at its maximum, ${target.maxCapacity}.`,
        },
      };
    if (desired === current && current <= target.minCapacity)
      return {
        notScaled: {
          code: 'AlreadyAtMinCapacity',
          message: `The capacity is at its minimum, ${target.minCapacity}.`,
        },
      };
    return undefined;
  }

  /** Sets capacity outside a policy (a new min or max the current count lies outside of). */
  async enforceLimits(scope: Scope, target: TargetRecord): Promise<void> {
    const handler = this.runtime.scalable.get(target.key.dimension);
    const capacity = await handler?.capacity(scope, target.key.resourceId);
    if (!handler || !capacity) return;
    const desired = clamp(capacity.desired, target.minCapacity, target.maxCapacity);
    if (desired === capacity.desired) return;
    const cause = `${desired > capacity.desired ? 'minimum' : 'maximum'} capacity was set to ${desired}`;
    await handler.setDesired(scope, target.key.resourceId, desired, cause);
    await this.record(scope, target, cause, { desired });
  }

  private async record(
    scope: Scope,
    target: TargetRecord,
    cause: string,
    outcome: { desired?: number; notScaled?: { code: string; message: string } },
    lastScaling?: TargetRecord['lastScaling'],
  ): Promise<void> {
    const now = this.runtime.clock.now();
    const targetId = `${scope.account}/${scope.region}/${target.arn}`;
    if (outcome.notScaled) {
      const said = `${cause}|${outcome.notScaled.code}`;
      if (this.lastNotScaled.get(targetId) === said) return;
      this.lastNotScaled.set(targetId, said);
      this.log.debug({ target: target.key.resourceId, reason: outcome.notScaled }, 'not scaled');
    } else this.lastNotScaled.delete(targetId);
    const activity: Aas.ScalingActivity = {
      ActivityId: randomUUID(),
      ServiceNamespace: target.key.namespace as Aas.ServiceNamespace,
      ResourceId: target.key.resourceId,
      ScalableDimension: target.key.dimension as Aas.ScalableDimension,
      Description:
        outcome.desired !== undefined ? `Setting desired count to ${outcome.desired}.` : 'Not scaling.',
      Cause: cause,
      StartTime: new Date(now),
      EndTime: new Date(now),
      StatusCode: 'Successful',
      StatusMessage:
        outcome.desired !== undefined
          ? `Successfully set desired count to ${outcome.desired}. Change successfully fulfilled by ${target.key.namespace}.`
          : (outcome.notScaled?.message ?? ''),
      ...(outcome.notScaled ? { NotScaledReasons: [{ Code: outcome.notScaled.code }] } : {}),
    };
    const fresh = lastScaling ? ((await this.records.target(scope, target.key)) ?? target) : undefined;
    await this.runtime.store.write(async (tx) => {
      await this.records.addActivityIn(tx, scope, target.key, activity, outcome.desired !== undefined);
      if (fresh) await this.records.saveTargetIn(tx, scope, { ...fresh, lastScaling });
    });
  }
}

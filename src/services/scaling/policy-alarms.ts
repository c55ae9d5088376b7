// The alarms a target tracking policy creates and owns, as AWS names and shapes them: AlarmHigh
// (3 of 3 one-minute datapoints above the target scale out) and AlarmLow (15 of 15 below 90 % of it
// scale in, unless scale-in is disabled). They live in CloudWatch, reached through the targets port.
import type { ApplicationAutoScaling as Aas, CloudWatch } from '../../contract/index.ts';
import { formatArn, type Targets } from '../../runtime/index.ts';
import type { Scope } from './records.ts';

const SCALE_IN_RATIO = 0.9;

function metricOf(spec: Aas.CustomizedMetricSpecification): Partial<CloudWatch.PutMetricAlarmInput> {
  if (spec.Metrics)
    return {
      Metrics: spec.Metrics.map((query) => ({
        Id: query.Id,
        ...(query.Expression !== undefined ? { Expression: query.Expression } : {}),
        ...(query.Label !== undefined ? { Label: query.Label } : {}),
        ...(query.ReturnData !== undefined ? { ReturnData: query.ReturnData } : {}),
        ...(query.MetricStat
          ? {
              MetricStat: {
                Metric: query.MetricStat.Metric,
                Stat: query.MetricStat.Stat,
                Period: 60,
                ...(query.MetricStat.Unit ? { Unit: query.MetricStat.Unit as CloudWatch.StandardUnit } : {}),
              },
            }
          : {}),
      })),
    };
  return {
    Namespace: spec.Namespace,
    MetricName: spec.MetricName,
    Dimensions: spec.Dimensions ?? [],
    Statistic: spec.Statistic ?? 'Average',
    Period: 60,
    ...(spec.Unit ? { Unit: spec.Unit as CloudWatch.StandardUnit } : {}),
  };
}

export interface OwnedAlarm {
  name: string;
  arn: string;
  input: CloudWatch.PutMetricAlarmInput;
}

export function trackingAlarms(
  scope: Scope,
  resourceId: string,
  policyArn: string,
  config: Aas.TargetTrackingScalingPolicyConfiguration,
  suffix: string,
): OwnedAlarm[] {
  const spec = config.CustomizedMetricSpecification ?? {};
  const base = {
    ...metricOf(spec),
    AlarmDescription: `DO NOT EDIT OR DELETE. For TargetTrackingScaling policy ${policyArn}.`,
    ActionsEnabled: true,
    AlarmActions: [policyArn],
  };
  const alarms: Array<Omit<OwnedAlarm, 'arn'>> = [
    {
      name: `TargetTracking-${resourceId}-AlarmHigh-${suffix}`,
      input: {
        ...base,
        AlarmName: '',
        EvaluationPeriods: 3,
        DatapointsToAlarm: 3,
        Threshold: config.TargetValue,
        ComparisonOperator: 'GreaterThanThreshold',
      },
    },
  ];
  if (!config.DisableScaleIn)
    alarms.push({
      name: `TargetTracking-${resourceId}-AlarmLow-${suffix}`,
      input: {
        ...base,
        AlarmName: '',
        EvaluationPeriods: 15,
        DatapointsToAlarm: 15,
        Threshold: config.TargetValue * SCALE_IN_RATIO,
        ComparisonOperator: 'LessThanThreshold',
      },
    });
  return alarms.map((alarm) => ({
    ...alarm,
    input: { ...alarm.input, AlarmName: alarm.name },
    arn: formatArn({
      service: 'cloudwatch',
      region: scope.region,
      accountId: scope.account,
      resource: `alarm:${alarm.name}`,
    }),
  }));
}

export async function putAlarms(targets: Targets, alarms: readonly OwnedAlarm[]): Promise<void> {
  for (const alarm of alarms)
    await targets.deliver(alarm.arn, {
      body: JSON.stringify(alarm.input),
      parameters: { Operation: 'PutMetricAlarm' },
    });
}

export async function deleteAlarms(targets: Targets, alarms: readonly Aas.Alarm[]): Promise<void> {
  for (const alarm of alarms)
    await targets.deliver(alarm.AlarmARN, { body: '', parameters: { Operation: 'DeleteAlarms' } });
}

// PutMetricAlarm, DescribeAlarms(ForMetric), DeleteAlarms, SetAlarmState, DescribeAlarmHistory,
// Enable/DisableAlarmActions and the alarms' tags.
import type { CloudWatch, Handlers } from '../../contract/index.ts';
import { type Clock, parseArn } from '../../runtime/index.ts';
import type { Store } from '../../store/index.ts';
import { type AlarmRecord, type AlarmStore, alarmArn, presentAlarm } from './alarms.ts';
import { dimensionsKey, type Scope } from './datapoints.ts';
import { invalidCombination, invalidValue, limitExceeded, missingParameter, notFound } from './errors.ts';
import type { AlarmEvaluator } from './evaluator.ts';
import { offsetOf, pageToken, scopeOf } from './metric-handlers.ts';
import { checkPeriod, checkQueries, checkStatistic } from './queries.ts';

type AlarmOperations = Pick<
  Handlers<CloudWatch.Operations>,
  | 'PutMetricAlarm'
  | 'DescribeAlarms'
  | 'DescribeAlarmsForMetric'
  | 'DeleteAlarms'
  | 'SetAlarmState'
  | 'DescribeAlarmHistory'
  | 'EnableAlarmActions'
  | 'DisableAlarmActions'
  | 'TagResource'
  | 'UntagResource'
  | 'ListTagsForResource'
>;

const MISSING_DATA = ['breaching', 'notBreaching', 'ignore', 'missing'];
const ACTION_SERVICES = new Set(['sns', 'autoscaling', 'lambda', 'ssm', 'events']);
const MAX_ACTIONS = 5;
const MAX_TAGS = 50;

function checkActions(
  actions: readonly string[] | undefined,
  member: string,
  supports: (arn: string) => boolean,
) {
  if (!actions) return;
  if (actions.length > MAX_ACTIONS)
    throw limitExceeded(`The collection ${member} must not have a size greater than ${MAX_ACTIONS}.`);
  for (const arn of actions) {
    const parsed = parseArn(arn);
    if (!parsed || !ACTION_SERVICES.has(parsed.service)) throw invalidValue(`Invalid arn syntax: ${arn}`);
    if (!supports(arn))
      throw invalidValue(
        `eddy cannot deliver the action ${arn}: no eddy service serves ${parsed.service} yet.`,
      );
  }
}

function checkAlarm(input: CloudWatch.PutMetricAlarmInput, supports: (arn: string) => boolean): void {
  const single = input.MetricName !== undefined || input.Namespace !== undefined;
  if (single && input.Metrics)
    throw invalidCombination(
      'The parameters MetricName and Metrics are mutually exclusive and you have specified both.',
    );
  if (!single && !input.Metrics) throw missingParameter('The parameter MetricName or Metrics is required.');
  if (input.EvaluationPeriods === undefined)
    throw missingParameter('The parameter EvaluationPeriods is required.');
  if (input.EvaluationPeriods < 1) throw invalidValue('The parameter EvaluationPeriods must be at least 1.');
  if (input.ComparisonOperator === undefined)
    throw missingParameter('The parameter ComparisonOperator is required.');
  if (input.ComparisonOperator.includes('Lower') || input.ComparisonOperator.includes('Upper'))
    throw invalidValue(
      `eddy does not build anomaly detection bands: ComparisonOperator ${input.ComparisonOperator} needs one.`,
    );
  if (input.ThresholdMetricId !== undefined)
    throw invalidValue('eddy does not build anomaly detection bands: ThresholdMetricId needs one.');
  if (input.Threshold === undefined) throw missingParameter('The parameter Threshold is required.');
  if (input.DatapointsToAlarm !== undefined && input.DatapointsToAlarm > input.EvaluationPeriods)
    throw invalidValue('DatapointsToAlarm must be less than or equal to EvaluationPeriods.');
  if (input.TreatMissingData !== undefined && !MISSING_DATA.includes(input.TreatMissingData))
    throw invalidValue(
      `The value ${input.TreatMissingData} for parameter TreatMissingData is invalid. Valid values are ${MISSING_DATA.join(', ')}.`,
    );
  if (single) {
    if (!input.MetricName || !input.Namespace)
      throw missingParameter(`The parameter ${input.MetricName ? 'Namespace' : 'MetricName'} is required.`);
    if (input.Period === undefined) throw missingParameter('The parameter Period is required.');
    checkPeriod(input.Period, 'Period');
    if (input.Statistic === undefined && input.ExtendedStatistic === undefined)
      throw missingParameter('The parameter Statistic or ExtendedStatistic is required.');
    if (input.Statistic !== undefined && input.ExtendedStatistic !== undefined)
      throw invalidCombination('The parameters Statistic and ExtendedStatistic are mutually exclusive.');
    if (input.ExtendedStatistic !== undefined) checkStatistic(input.ExtendedStatistic, 'ExtendedStatistic');
    if (input.Period * input.EvaluationPeriods > 7 * 86_400)
      throw invalidValue('The evaluation period (Period × EvaluationPeriods) must not exceed 7 days.');
  } else {
    const metrics = input.Metrics ?? [];
    checkQueries(metrics, 'Metrics');
    if (metrics.filter((query) => query.ReturnData !== false).length !== 1)
      throw invalidValue('Exactly one element of the Metrics list must return data.');
    const periods = new Set(metrics.flatMap((query) => (query.MetricStat ? [query.MetricStat.Period] : [])));
    if (periods.size > 1) throw invalidValue('All MetricStat periods of an alarm must be the same.');
    if (input.Period !== undefined)
      throw invalidCombination('The parameters Period and Metrics are mutually exclusive.');
  }
  checkActions(input.AlarmActions, 'AlarmActions', supports);
  checkActions(input.OKActions, 'OKActions', supports);
  checkActions(input.InsufficientDataActions, 'InsufficientDataActions', supports);
  if ((input.Tags?.length ?? 0) > MAX_TAGS) throw invalidValue(`An alarm may have at most ${MAX_TAGS} tags.`);
}

function matchesMetric(alarm: AlarmRecord, input: CloudWatch.DescribeAlarmsForMetricInput): boolean {
  const { config } = alarm;
  return (
    config.MetricName === input.MetricName &&
    config.Namespace === input.Namespace &&
    (input.Statistic === undefined || config.Statistic === input.Statistic) &&
    (input.ExtendedStatistic === undefined || config.ExtendedStatistic === input.ExtendedStatistic) &&
    (input.Period === undefined || config.Period === input.Period) &&
    (input.Unit === undefined || config.Unit === input.Unit) &&
    (input.Dimensions === undefined || dimensionsKey(input.Dimensions) === dimensionsKey(config.Dimensions))
  );
}

export interface AlarmDeps {
  store: Store;
  alarms: AlarmStore;
  evaluator: AlarmEvaluator;
  clock: Clock;
  supports: (arn: string) => boolean;
}

/** Creates or updates an alarm (PutMetricAlarm, and the alarms target tracking policies own). */
export async function putMetricAlarm(
  deps: AlarmDeps,
  scope: Scope,
  input: CloudWatch.PutMetricAlarmInput,
): Promise<void> {
  const { store, alarms, clock } = deps;
  checkAlarm(input, deps.supports);
  const now = clock.now();
  const existing = await alarms.get(scope, input.AlarmName);
  const { Tags, ...config } = input;
  const alarm: AlarmRecord = existing
    ? { ...existing, config, configUpdatedAt: now, tags: Tags ?? existing.tags }
    : {
        config,
        arn: alarmArn(scope, input.AlarmName),
        state: 'INSUFFICIENT_DATA',
        stateReason: 'Unchecked: Initial alarm creation',
        stateUpdatedAt: now,
        transitionedAt: now,
        configUpdatedAt: now,
        tags: Tags ?? [],
      };
  await store.write(async (tx) => {
    await alarms.saveIn(tx, scope, alarm);
    await alarms.historyIn(
      tx,
      scope,
      input.AlarmName,
      now,
      'ConfigurationUpdate',
      `Alarm "${input.AlarmName}" ${existing ? 'updated' : 'created'}`,
      { version: '1.0', type: existing ? 'Update' : 'Create', updatedAlarm: presentAlarm(alarm) },
    );
  });
}

export function alarmHandlers(deps: AlarmDeps): AlarmOperations {
  const { store, alarms, evaluator, clock } = deps;
  const alarmOf = async (scope: ReturnType<typeof scopeOf>, arn: string) => {
    const parsed = parseArn(arn);
    const name = parsed?.resource.startsWith('alarm:') ? parsed.resource.slice('alarm:'.length) : undefined;
    const alarm = name === undefined ? undefined : await alarms.get(scope, name);
    if (!alarm) throw notFound(`The resource ${arn} does not exist.`);
    return alarm;
  };
  const setActions = async (names: string[], scope: ReturnType<typeof scopeOf>, enabled: boolean) => {
    const found = (await Promise.all(names.map((name) => alarms.get(scope, name)))).filter(
      (alarm): alarm is AlarmRecord => alarm !== undefined,
    );
    await store.write(async (tx) => {
      for (const alarm of found) {
        await alarms.saveIn(tx, scope, { ...alarm, config: { ...alarm.config, ActionsEnabled: enabled } });
      }
    });
  };

  return {
    async PutMetricAlarm(input, context) {
      await putMetricAlarm(deps, scopeOf(context), input);
    },

    async DescribeAlarms(input, context) {
      if (input.AlarmNames && input.AlarmNamePrefix !== undefined)
        throw invalidCombination('The parameters AlarmNames and AlarmNamePrefix are mutually exclusive.');
      if (input.ChildrenOfAlarmName !== undefined || input.ParentsOfAlarmName !== undefined)
        return { MetricAlarms: [], CompositeAlarms: [] };
      const wantsMetric = !input.AlarmTypes || input.AlarmTypes.includes('MetricAlarm');
      const all = wantsMetric ? await alarms.list(scopeOf(context)) : [];
      const matching = all.filter(
        (alarm) =>
          (!input.AlarmNames || input.AlarmNames.includes(alarm.config.AlarmName)) &&
          (input.AlarmNamePrefix === undefined || alarm.config.AlarmName.startsWith(input.AlarmNamePrefix)) &&
          (input.StateValue === undefined || alarm.state === input.StateValue) &&
          (input.ActionPrefix === undefined ||
            [
              ...(alarm.config.AlarmActions ?? []),
              ...(alarm.config.OKActions ?? []),
              ...(alarm.config.InsufficientDataActions ?? []),
            ].some((arn) => arn.startsWith(input.ActionPrefix ?? ''))),
      );
      const size = input.MaxRecords ?? 50;
      const offset = offsetOf(input.NextToken);
      return {
        MetricAlarms: matching.slice(offset, offset + size).map(presentAlarm),
        CompositeAlarms: [],
        ...(offset + size < matching.length ? { NextToken: pageToken(offset + size) } : {}),
      };
    },

    async DescribeAlarmsForMetric(input, context) {
      const all = await alarms.list(scopeOf(context));
      return { MetricAlarms: all.filter((alarm) => matchesMetric(alarm, input)).map(presentAlarm) };
    },

    async DeleteAlarms(input, context) {
      const scope = scopeOf(context);
      const missing: string[] = [];
      for (const name of input.AlarmNames) if (!(await alarms.get(scope, name))) missing.push(name);
      if (missing.length > 0) throw notFound(`The following alarms were not found: ${missing.join(', ')}`);
      await store.write(async (tx) => {
        for (const name of input.AlarmNames) await alarms.deleteIn(tx, scope, name);
      });
    },

    async SetAlarmState(input, context) {
      const scope = scopeOf(context);
      const alarm = await alarms.get(scope, input.AlarmName);
      if (!alarm) throw notFound(`Alarm ${input.AlarmName} not found`);
      if (input.StateReasonData !== undefined) {
        try {
          JSON.parse(input.StateReasonData);
        } catch {
          throw invalidValue('The parameter StateReasonData must be valid JSON.');
        }
      }
      if (alarm.state === input.StateValue) return;
      await evaluator.change(
        scope,
        alarm,
        {
          state: input.StateValue,
          reason: input.StateReason,
          ...(input.StateReasonData ? { reasonData: input.StateReasonData } : {}),
        },
        clock.now(),
      );
    },

    async DescribeAlarmHistory(input, context) {
      if (input.AlarmTypes && !input.AlarmTypes.includes('MetricAlarm')) return { AlarmHistoryItems: [] };
      const items = await alarms.history(scopeOf(context), {
        ...(input.AlarmName !== undefined ? { name: input.AlarmName } : {}),
        ...(input.HistoryItemType !== undefined ? { type: input.HistoryItemType } : {}),
        ...(input.StartDate ? { start: input.StartDate.getTime() } : {}),
        ...(input.EndDate ? { end: input.EndDate.getTime() } : {}),
      });
      if (input.ScanBy === 'TimestampAscending') items.reverse();
      const size = input.MaxRecords ?? 100;
      const offset = offsetOf(input.NextToken);
      return {
        AlarmHistoryItems: items.slice(offset, offset + size),
        ...(offset + size < items.length ? { NextToken: pageToken(offset + size) } : {}),
      };
    },

    async EnableAlarmActions(input, context) {
      await setActions(input.AlarmNames, scopeOf(context), true);
    },

    async DisableAlarmActions(input, context) {
      await setActions(input.AlarmNames, scopeOf(context), false);
    },

    async TagResource(input, context) {
      const scope = scopeOf(context);
      const alarm = await alarmOf(scope, input.ResourceARN);
      const tags = new Map(alarm.tags.map((tag) => [tag.Key, tag.Value]));
      for (const tag of input.Tags) tags.set(tag.Key, tag.Value);
      if (tags.size > MAX_TAGS) throw limitExceeded(`A resource may have at most ${MAX_TAGS} tags.`);
      const updated = { ...alarm, tags: [...tags].map(([Key, Value]) => ({ Key, Value })) };
      await store.write((tx) => alarms.saveIn(tx, scope, updated));
      return {};
    },

    async UntagResource(input, context) {
      const scope = scopeOf(context);
      const alarm = await alarmOf(scope, input.ResourceARN);
      const updated = { ...alarm, tags: alarm.tags.filter((tag) => !input.TagKeys.includes(tag.Key)) };
      await store.write((tx) => alarms.saveIn(tx, scope, updated));
      return {};
    },

    async ListTagsForResource(input, context) {
      return { Tags: (await alarmOf(scopeOf(context), input.ResourceARN)).tags };
    },
  };
}

// The alarm evaluator: once a minute (a durable timer, so it fires once in a cluster) every alarm
// looks at its last EvaluationPeriods complete periods. A change of state is committed with its
// history, then the state's actions run (SNS topics, scaling policies through the targets port) and
// a "CloudWatch Alarm State Change" event goes to the default bus. While an alarm stays in ALARM,
// its scaling-policy actions run again every minute, as CloudWatch re-invokes Auto Scaling; the
// policy's cooldown decides whether that scales again.
import type { CloudWatch } from '../../contract/index.ts';
import { formatArn, type Logger, parseArn, type Runtime } from '../../runtime/index.ts';
import type { Tx } from '../../store/index.ts';
import { type AlarmRecord, type AlarmStore, presentAlarm } from './alarms.ts';
import { type MetricStore, MINUTE_MS, type Scope, statisticOf } from './datapoints.ts';
import { type Evaluated, evaluateAlarm } from './evaluation.ts';
import { runQueries } from './queries.ts';

const TIMER_KIND = 'cloudwatch-evaluate';
const TIMER_KEY = 'alarms';
/** Old data and history are pruned once an hour. */
const PRUNE_EVERY_MS = 60 * MINUTE_MS;

export interface StateChange {
  state: CloudWatch.StateValue;
  reason: string;
  reasonData?: string;
}

const nextMinute = (now: number) => Math.floor(now / MINUTE_MS) * MINUTE_MS + MINUTE_MS;

export class AlarmEvaluator {
  private lastPrune = 0;
  private round: Promise<void> = Promise.resolve();
  private readonly log: Logger;

  constructor(
    private readonly runtime: Runtime,
    private readonly alarms: AlarmStore,
    private readonly metrics: MetricStore,
  ) {
    this.log = runtime.log;
    runtime.timers.on(TIMER_KIND, async (timer, tx) => {
      await runtime.timers.scheduleIn(tx, TIMER_KIND, TIMER_KEY, nextMinute(timer.dueAt));
      tx.whenSettled((committed) => {
        if (committed) this.round = this.round.then(() => this.evaluateAll(timer.dueAt));
      });
    });
  }

  async start(): Promise<void> {
    if (!(await this.runtime.timers.get(TIMER_KIND, TIMER_KEY)))
      await this.runtime.timers.schedule(TIMER_KIND, TIMER_KEY, nextMinute(this.runtime.clock.now()));
  }

  /** Waits for the round under way (tests, and stopping). */
  settled(): Promise<void> {
    return this.round;
  }

  private async evaluateAll(at: number): Promise<void> {
    try {
      for (const { scope, alarm } of await this.alarms.everywhere()) {
        try {
          await this.evaluate(scope, alarm, at);
        } catch (error) {
          this.log.warn({ err: error, alarm: alarm.arn }, 'an alarm could not be evaluated');
        }
      }
      if (at - this.lastPrune >= PRUNE_EVERY_MS) {
        this.lastPrune = at;
        await this.metrics.prune(at);
        await this.alarms.pruneHistory(at);
      }
    } catch (error) {
      this.log.error({ err: error }, 'the alarm evaluation round failed');
    }
  }

  /** The alarm's last EvaluationPeriods complete periods, oldest first. */
  async points(scope: Scope, config: AlarmRecord['config'], at: number) {
    const period = config.Period ?? config.Metrics?.find((m) => m.MetricStat)?.MetricStat?.Period ?? 60;
    const periodMs = period * 1000;
    const periods = config.EvaluationPeriods ?? 1;
    const end = Math.floor(at / periodMs) * periodMs;
    const start = end - periods * periodMs;
    const values = new Map<number, number>();
    if (config.Metrics) {
      const results = await runQueries(this.metrics, scope, config.Metrics, start, end);
      const returned = results.find((result) => result.returned);
      returned?.timestamps.forEach((t, i) => {
        values.set(t, returned.values[i] as number);
      });
    } else {
      const aggregates = await this.metrics.periods(
        scope,
        {
          namespace: config.Namespace ?? '',
          metricName: config.MetricName ?? '',
          dimensions: config.Dimensions ?? [],
        },
        start,
        end,
        period,
        config.Unit,
      );
      for (const aggregate of aggregates)
        values.set(aggregate.timestamp, statisticOf(aggregate, config.Statistic ?? 'Average') ?? 0);
    }
    const points: Array<{ timestamp: number; value: number | undefined }> = [];
    for (let t = start; t < end; t += periodMs) points.push({ timestamp: t, value: values.get(t) });
    return { points, period, start, end };
  }

  async evaluate(scope: Scope, alarm: AlarmRecord, at: number): Promise<void> {
    const { config } = alarm;
    const { points, period, start } = await this.points(scope, config, at);
    const evaluated = evaluateAlarm(
      {
        comparison: config.ComparisonOperator ?? 'GreaterThanThreshold',
        threshold: config.Threshold ?? 0,
        evaluationPeriods: config.EvaluationPeriods ?? 1,
        datapointsToAlarm: config.DatapointsToAlarm ?? config.EvaluationPeriods ?? 1,
        treatMissingData: config.TreatMissingData ?? 'missing',
      },
      points,
      alarm.state,
    );
    const reasonData = reasonDataOf(config, evaluated, period, start, at);
    if (evaluated.state !== alarm.state) {
      await this.change(scope, alarm, { state: evaluated.state, reason: evaluated.reason, reasonData }, at);
      return;
    }
    // Still in ALARM: scaling policies are asked again (their cooldown decides).
    if (alarm.state === 'ALARM' && (config.ActionsEnabled ?? true)) {
      const repeated = (config.AlarmActions ?? []).filter((arn) => parseArn(arn)?.service === 'autoscaling');
      if (repeated.length > 0)
        await this.act(scope, { ...alarm, stateReasonData: reasonData }, alarm.state, repeated, at, false);
    }
  }

  /** Commits a state change with its history, then runs the new state's actions and emits the event. */
  async change(scope: Scope, alarm: AlarmRecord, change: StateChange, at: number): Promise<void> {
    const old = alarm.state;
    const updated: AlarmRecord = {
      ...alarm,
      state: change.state,
      stateReason: change.reason,
      stateReasonData: change.reasonData,
      stateUpdatedAt: at,
      transitionedAt: old === change.state ? alarm.transitionedAt : at,
    };
    await this.runtime.store.write(async (tx: Tx) => {
      await this.alarms.saveIn(tx, scope, updated);
      await this.alarms.historyIn(
        tx,
        scope,
        alarm.config.AlarmName,
        at,
        'StateUpdate',
        `Alarm updated from ${old} to ${change.state}`,
        {
          version: '1.0',
          oldState: { stateValue: old, stateReason: alarm.stateReason },
          newState: {
            stateValue: change.state,
            stateReason: change.reason,
            ...(change.reasonData ? { stateReasonData: JSON.parse(change.reasonData) } : {}),
          },
        },
      );
    });
    await this.emitEvent(scope, alarm, updated, at);
    if (!(alarm.config.ActionsEnabled ?? true)) return;
    const actions =
      change.state === 'ALARM'
        ? alarm.config.AlarmActions
        : change.state === 'OK'
          ? alarm.config.OKActions
          : alarm.config.InsufficientDataActions;
    await this.act(scope, updated, old, actions ?? [], at, true);
  }

  private async act(
    scope: Scope,
    alarm: AlarmRecord,
    oldState: CloudWatch.StateValue,
    actions: readonly string[],
    at: number,
    record: boolean,
  ): Promise<void> {
    if (actions.length === 0) return;
    const body = JSON.stringify(notification(scope, alarm, oldState, at));
    for (const arn of actions) {
      let summary: string;
      try {
        await this.runtime.targets.deliver(arn, { body, sourceArn: alarm.arn });
        summary = `Successfully executed action ${arn}`;
      } catch (error) {
        summary = `Failed to execute action ${arn}. Received error: "${(error as Error).message}"`;
        this.log.warn({ err: error, alarm: alarm.arn, action: arn }, 'an alarm action failed');
        record = true;
      }
      if (record)
        await this.runtime.store.write((tx) =>
          this.alarms.historyIn(tx, scope, alarm.config.AlarmName, at, 'Action', summary, {
            actionState: summary.startsWith('Successfully') ? 'Succeeded' : 'Failed',
            notificationResource: arn,
            stateUpdateTimestamp: alarm.stateUpdatedAt,
          }),
        );
    }
  }

  private async emitEvent(scope: Scope, before: AlarmRecord, after: AlarmRecord, at: number): Promise<void> {
    const bus = formatArn({
      service: 'events',
      region: scope.region,
      accountId: scope.account,
      resource: 'event-bus/default',
    });
    if (!this.runtime.targets.supports(bus)) return;
    const state = (alarm: AlarmRecord) => ({
      value: alarm.state,
      reason: alarm.stateReason,
      ...(alarm.stateReasonData ? { reasonData: alarm.stateReasonData } : {}),
      timestamp: new Date(alarm.stateUpdatedAt).toISOString().replace('Z', '+0000'),
    });
    const presented = presentAlarm(after);
    const envelope = {
      version: '0',
      id: crypto.randomUUID(),
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      account: scope.account,
      time: new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: scope.region,
      resources: [after.arn],
      detail: {
        alarmName: after.config.AlarmName,
        state: state(after),
        previousState: state(before),
        configuration: {
          ...(after.config.AlarmDescription ? { description: after.config.AlarmDescription } : {}),
          metrics: after.config.Metrics ?? [
            {
              id: 'm1',
              metricStat: {
                metric: {
                  namespace: presented.Namespace,
                  name: presented.MetricName,
                  dimensions: Object.fromEntries((presented.Dimensions ?? []).map((d) => [d.Name, d.Value])),
                },
                period: presented.Period,
                stat: presented.Statistic,
              },
              returnData: true,
            },
          ],
        },
      },
    };
    try {
      await this.runtime.targets.deliver(bus, { body: JSON.stringify(envelope), sourceArn: after.arn });
    } catch (error) {
      this.log.warn({ err: error, alarm: after.arn }, 'the default event bus refused an alarm event');
    }
  }
}

function reasonDataOf(
  config: AlarmRecord['config'],
  evaluated: Evaluated,
  period: number,
  start: number,
  at: number,
): string {
  const present = evaluated.points.filter((p) => p.value !== undefined);
  return JSON.stringify({
    version: '1.0',
    queryDate: new Date(at).toISOString(),
    startDate: new Date(start).toISOString(),
    ...(config.Statistic ? { statistic: config.Statistic } : {}),
    period,
    recentDatapoints: present.map((p) => p.value),
    threshold: config.Threshold ?? 0,
    evaluatedDatapoints: present
      .slice()
      .reverse()
      .map((p) => ({ timestamp: new Date(p.timestamp).toISOString(), value: p.value })),
  });
}

/** The message SNS topics (and scaling policies) receive, in CloudWatch's notification format. */
export function notification(scope: Scope, alarm: AlarmRecord, oldState: string, at: number) {
  const { config } = alarm;
  return {
    AlarmName: config.AlarmName,
    AlarmDescription: config.AlarmDescription ?? null,
    AWSAccountId: scope.account,
    AlarmConfigurationUpdatedTimestamp: new Date(alarm.configUpdatedAt).toISOString(),
    NewStateValue: alarm.state,
    NewStateReason: alarm.stateReason,
    StateChangeTime: new Date(at).toISOString(),
    Region: scope.region,
    AlarmArn: alarm.arn,
    OldStateValue: oldState,
    OKActions: config.OKActions ?? [],
    AlarmActions: config.AlarmActions ?? [],
    InsufficientDataActions: config.InsufficientDataActions ?? [],
    Trigger: {
      MetricName: config.MetricName,
      Namespace: config.Namespace,
      StatisticType: 'Statistic',
      Statistic: config.Statistic?.toUpperCase(),
      Unit: config.Unit ?? null,
      Dimensions: (config.Dimensions ?? []).map((d) => ({ value: d.Value, name: d.Name })),
      ...(config.Metrics ? { Metrics: config.Metrics } : {}),
      Period: config.Period,
      EvaluationPeriods: config.EvaluationPeriods,
      DatapointsToAlarm: config.DatapointsToAlarm ?? config.EvaluationPeriods,
      ComparisonOperator: config.ComparisonOperator,
      Threshold: config.Threshold,
      TreatMissingData: config.TreatMissingData ?? 'missing',
      EvaluateLowSampleCountPercentile: '',
    },
    // eddy adds what the evaluation saw, so a scaling policy can place the value among its steps.
    NewStateReasonData: alarm.stateReasonData ?? null,
  };
}

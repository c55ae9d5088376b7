// Metrics: Amazon CloudWatch (AWS JSON 1.0 and Query, `GraniteServiceVersion20100801`) — custom
// metrics put with PutMetricData and the metrics other eddy services record (AWS/SQS, metric
// filters) through runtime.cloudMetrics, read by GetMetricStatistics and GetMetricData (metric
// math), and metric alarms evaluated once a minute whose actions reach SNS topics and Auto Scaling
// policies through the targets port. docs/operations/cloudwatch.md lists what is done and not.
import type { CloudWatch, Handlers, ServiceModule } from '../../contract/index.ts';
import { loadModel, ServiceError, violationMessage } from '../../contract/index.ts';
import type { Runtime } from '../../runtime/index.ts';
import { absentHandlers } from './absent.ts';
import { type AlarmDeps, alarmHandlers } from './alarm-handlers.ts';
import { AlarmStore } from './alarms.ts';
import { dashboardHandlers } from './dashboards.ts';
import { MetricStore } from './datapoints.ts';
import { QUERY_ERROR_CODES } from './errors.ts';
import { AlarmEvaluator } from './evaluator.ts';
import { manageAlarm } from './managed-alarms.ts';
import { metricHandlers } from './metric-handlers.ts';
import { metricsMigrations } from './schema.ts';

export function metricsService(runtime: Runtime): ServiceModule {
  const metrics = new MetricStore(runtime.store, runtime.cloudMetrics);
  const alarms = new AlarmStore(runtime.store);
  const evaluator = new AlarmEvaluator(runtime, alarms, metrics);
  const alarmDeps: AlarmDeps = {
    store: runtime.store,
    alarms,
    evaluator,
    clock: runtime.clock,
    supports: (arn) => runtime.targets.supports(arn),
  };
  // Every operation of the model: tsc reports one missing or mistyped.
  const handlers: Handlers<CloudWatch.Operations> = {
    ...metricHandlers(metrics, runtime.clock),
    ...alarmHandlers(alarmDeps),
    ...dashboardHandlers(runtime.store, runtime.clock),
    ...absentHandlers(alarms),
  };
  runtime.targets.register('cloudwatch', (arn, delivery) => manageAlarm(alarmDeps, arn, delivery));
  return {
    definition: {
      name: 'cloudwatch',
      model: loadModel('cloudwatch-2010-08-01'),
      protocols: ['rpc-v2-cbor', 'json', 'query'],
      handlers,
      queryErrorCodes: QUERY_ERROR_CODES,
      inputError(problem) {
        if (problem.kind === 'missing')
          return new ServiceError(
            'MissingRequiredParameterException',
            `The parameter ${problem.member} is required.`,
          );
        if (problem.kind === 'type')
          return new ServiceError(
            'InvalidParameterValueException',
            `The value for parameter ${problem.member} must be ${problem.expected}.`,
          );
        return new ServiceError('InvalidParameterValueException', violationMessage(problem.violations));
      },
    },
    migrations: metricsMigrations,
    async start() {
      await evaluator.start();
    },
    async stop() {
      await evaluator.settled();
    },
  };
}

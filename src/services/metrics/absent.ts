// What eddy's CloudWatch does not have — anomaly detectors, Contributor Insights rules, metric
// streams, composite alarms, alarm mute rules, OpenTelemetry enrichment, widget images — answered
// as an account without any: lists are empty, a named one is not found, and creating one is
// refused with a message saying eddy does not provide it.
import type { CloudWatch, Handlers } from '../../contract/index.ts';
import { ServiceError } from '../../contract/index.ts';
import type { AlarmStore } from './alarms.ts';
import { invalidValue } from './errors.ts';
import { scopeOf } from './metric-handlers.ts';

type Absent = Omit<
  Handlers<CloudWatch.Operations>,
  | 'PutMetricData'
  | 'GetMetricStatistics'
  | 'GetMetricData'
  | 'ListMetrics'
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
  | 'PutDashboard'
  | 'GetDashboard'
  | 'ListDashboards'
  | 'DeleteDashboards'
>;

const notFound = (message: string) => new ServiceError('ResourceNotFoundException', message, { status: 404 });
const refused = (what: string) => invalidValue(`eddy does not provide ${what}.`);
const noSuchRules = (names: string[]) => ({
  Failures: names.map((name) => ({
    FailureResource: name,
    ExceptionType: 'ResourceNotFound',
    FailureCode: '404',
    FailureDescription: `Rule ${name} does not exist.`,
  })),
});

export function absentHandlers(alarms: AlarmStore): Absent {
  return {
    async DescribeAnomalyDetectors() {
      return { AnomalyDetectors: [] };
    },
    async PutAnomalyDetector() {
      throw refused('anomaly detection models');
    },
    async DeleteAnomalyDetector() {
      throw notFound('The anomaly detector does not exist.');
    },
    async DescribeInsightRules() {
      return { InsightRules: [] };
    },
    async PutInsightRule() {
      throw refused('Contributor Insights rules');
    },
    async PutManagedInsightRules() {
      throw refused('Contributor Insights rules');
    },
    async ListManagedInsightRules() {
      return { ManagedRules: [] };
    },
    async DeleteInsightRules(input) {
      return noSuchRules(input.RuleNames);
    },
    async EnableInsightRules(input) {
      return noSuchRules(input.RuleNames);
    },
    async DisableInsightRules(input) {
      return noSuchRules(input.RuleNames);
    },
    async GetInsightRuleReport(input) {
      throw notFound(`Rule ${input.RuleName} does not exist.`);
    },
    async DescribeAlarmContributors(input, context) {
      if (!(await alarms.get(scopeOf(context), input.AlarmName)))
        throw notFound(`Alarm ${input.AlarmName} does not exist.`);
      return { AlarmContributors: [] };
    },
    async ListMetricStreams() {
      return { Entries: [] };
    },
    async GetMetricStream(input) {
      throw notFound(`Metric stream ${input.Name} does not exist.`);
    },
    async PutMetricStream() {
      throw refused('metric streams');
    },
    async DeleteMetricStream() {
      return {};
    },
    async StartMetricStreams(input) {
      throw invalidValue(`Metric streams ${input.Names.join(', ')} do not exist.`);
    },
    async StopMetricStreams(input) {
      throw invalidValue(`Metric streams ${input.Names.join(', ')} do not exist.`);
    },
    async PutCompositeAlarm() {
      throw refused('composite alarms yet: use metric alarms, with metric math for combined conditions');
    },
    async ListAlarmMuteRules() {
      return { AlarmMuteRuleSummaries: [] };
    },
    async GetAlarmMuteRule(input) {
      throw notFound(`Alarm mute rule ${input.AlarmMuteRuleName} does not exist.`);
    },
    async PutAlarmMuteRule() {
      throw refused('alarm mute rules');
    },
    async DeleteAlarmMuteRule(input) {
      throw notFound(`Alarm mute rule ${input.AlarmMuteRuleName} does not exist.`);
    },
    async GetOTelEnrichment() {
      return { Status: 'Stopped' };
    },
    async StartOTelEnrichment() {
      throw refused('OpenTelemetry enrichment');
    },
    async StopOTelEnrichment() {
      return {};
    },
    async GetMetricWidgetImage() {
      throw refused('rendered metric widget images');
    },
  };
}

// An alarm's state from its last EvaluationPeriods datapoints, pure: DatapointsToAlarm of them must
// breach, and TreatMissingData says what a period without data counts as.
import type { CloudWatch } from '../../contract/index.ts';

export interface AlarmRule {
  comparison: CloudWatch.ComparisonOperator;
  threshold: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  treatMissingData: string;
}

export interface Evaluated {
  state: CloudWatch.StateValue;
  reason: string;
  /** The newest value looked at (what a step scaling policy compares with its threshold). */
  value: number | undefined;
  /** The periods looked at, oldest first, for the reason's data. */
  points: Array<{ timestamp: number; value: number | undefined }>;
}

const WORDS: Record<string, string> = {
  GreaterThanOrEqualToThreshold: 'greater than or equal to',
  GreaterThanThreshold: 'greater than',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'less than or equal to',
};

export function breaches(comparison: string, value: number, threshold: number): boolean {
  switch (comparison) {
    case 'GreaterThanOrEqualToThreshold':
      return value >= threshold;
    case 'GreaterThanThreshold':
      return value > threshold;
    case 'LessThanThreshold':
      return value < threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= threshold;
    default:
      return false;
  }
}

/** `14/12/26 13:05:00`, as CloudWatch's reasons print times. */
function shortTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(2, 4)} ${iso.slice(11, 19)}`;
}

/**
 * `points` are the last evaluationPeriods periods, oldest first; `value` undefined where a period
 * has no data. `current` is kept when the data decides nothing (TreatMissingData ignore).
 */
export function evaluateAlarm(
  rule: AlarmRule,
  points: Array<{ timestamp: number; value: number | undefined }>,
  current: CloudWatch.StateValue,
): Evaluated {
  const present = points.filter((p): p is { timestamp: number; value: number } => p.value !== undefined);
  const newest = present.at(-1)?.value;
  const words = WORDS[rule.comparison] ?? rule.comparison;
  if (present.length === 0) {
    switch (rule.treatMissingData) {
      case 'breaching':
        return {
          state: 'ALARM',
          reason: `Threshold Crossed: no datapoints were received for ${points.length} period${points.length === 1 ? '' : 's'} and ${points.length} missing datapoint${points.length === 1 ? ' was' : 's were'} treated as [Breaching].`,
          value: undefined,
          points,
        };
      case 'notBreaching':
        return {
          state: 'OK',
          reason: `Threshold Crossed: no datapoints were received for ${points.length} period${points.length === 1 ? '' : 's'} and ${points.length} missing datapoint${points.length === 1 ? ' was' : 's were'} treated as [NonBreaching].`,
          value: undefined,
          points,
        };
      case 'ignore':
        return { state: current, reason: '', value: undefined, points };
      default:
        return {
          state: 'INSUFFICIENT_DATA',
          reason: `Insufficient Data: ${points.length} datapoint${points.length === 1 ? ' was' : 's were'} unknown.`,
          value: undefined,
          points,
        };
    }
  }
  const missing = points.length - present.length;
  let breaching = present.filter((p) => breaches(rule.comparison, p.value, rule.threshold)).length;
  if (rule.treatMissingData === 'breaching') breaching += missing;
  const listed = present
    .slice(-5)
    .reverse()
    .map((p) => `${p.value} (${shortTime(p.timestamp)})`)
    .join(', ');
  const inAlarm = breaching >= rule.datapointsToAlarm;
  const count = inAlarm ? breaching : present.length;
  const subject =
    rule.evaluationPeriods === 1
      ? `1 datapoint [${listed}] was`
      : `${count} out of the last ${rule.evaluationPeriods} datapoints [${listed}] were`;
  const reason = inAlarm
    ? `Threshold Crossed: ${subject} ${words} the threshold (${rule.threshold}) (minimum ${rule.datapointsToAlarm} datapoint${rule.datapointsToAlarm === 1 ? '' : 's'} for OK -> ALARM transition).`
    : `Threshold Crossed: ${subject} not ${words} the threshold (${rule.threshold}) (minimum ${rule.datapointsToAlarm} datapoint${rule.datapointsToAlarm === 1 ? '' : 's'} for ALARM -> OK transition).`;
  return { state: inAlarm ? 'ALARM' : 'OK', reason, value: newest, points };
}

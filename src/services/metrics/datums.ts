// PutMetricData's datums checked against CloudWatch's rules and folded into per-minute samples: a
// Value, a StatisticSet, or Values with their Counts (a histogram of up to 150 distinct values).
import type { CloudWatch } from '../../contract/index.ts';
import { dimensionsKey, MINUTE_MS, type MinuteSample } from './datapoints.ts';
import { invalidCombination, invalidValue } from './errors.ts';

const MAX_VALUES = 150;
/** CloudWatch refuses values beyond ±2^360 and, for base-10, below 10^-130 in magnitude. */
const LIMIT = 2 ** 360;
const TINY = 1e-130;
/** Datapoints may be up to two weeks old and up to two hours ahead. */
const OLDEST_MS = 14 * 24 * 60 * MINUTE_MS;
const AHEAD_MS = 2 * 60 * MINUTE_MS;

function checkValue(value: number, member: string): void {
  if (!Number.isFinite(value) || Math.abs(value) > LIMIT || (value !== 0 && Math.abs(value) < TINY))
    throw invalidValue(`The value ${value} for parameter ${member} is invalid.`);
}

/** Reserved namespaces: `AWS/…` belongs to AWS's own services. */
export function checkNamespace(namespace: string): void {
  if (namespace.startsWith('AWS/')) throw invalidValue(`The value AWS/ for parameter Namespace is invalid.`);
}

export function samplesOf(
  namespace: string,
  datums: readonly CloudWatch.MetricDatum[],
  now: number,
): MinuteSample[] {
  checkNamespace(namespace);
  const samples: MinuteSample[] = [];
  datums.forEach((datum, index) => {
    const member = `MetricData.member.${index + 1}`;
    const at = datum.Timestamp ? datum.Timestamp.getTime() : now;
    if (at < now - OLDEST_MS || at > now + AHEAD_MS)
      throw invalidValue(
        `The parameter ${member}.Timestamp must specify a time no more than two weeks in the past and no more than two hours in the future.`,
      );
    if (
      datum.StorageResolution !== undefined &&
      datum.StorageResolution !== 1 &&
      datum.StorageResolution !== 60
    )
      throw invalidValue(
        `The value ${datum.StorageResolution} for parameter ${member}.StorageResolution is invalid. Valid values are 1 and 60.`,
      );
    const names = new Set<string>();
    for (const dimension of datum.Dimensions ?? []) {
      if (names.has(dimension.Name))
        throw invalidValue(`No Metric may specify the same dimension name twice: ${dimension.Name}.`);
      names.add(dimension.Name);
    }
    const given = [
      datum.Value !== undefined,
      datum.StatisticValues !== undefined,
      datum.Values !== undefined,
    ];
    if (given.filter(Boolean).length > 1)
      throw invalidCombination(
        `The parameters ${member}.Value, ${member}.StatisticValues and ${member}.Values are mutually exclusive and you have specified more than one.`,
      );
    const base = {
      namespace,
      metricName: datum.MetricName,
      dimensions: dimensionsKey(datum.Dimensions),
      minute: Math.floor(at / MINUTE_MS) * MINUTE_MS,
      unit: datum.Unit ?? 'None',
    };
    if (datum.StatisticValues) {
      const set = datum.StatisticValues;
      for (const [name, value] of Object.entries(set)) checkValue(value, `${member}.StatisticValues.${name}`);
      if (set.SampleCount <= 0)
        throw invalidValue(
          `The value ${set.SampleCount} for parameter ${member}.StatisticValues.SampleCount is invalid.`,
        );
      if (set.Minimum > set.Maximum)
        throw invalidValue(
          `The parameter ${member}.StatisticValues.Minimum must be less than or equal to ${member}.StatisticValues.Maximum.`,
        );
      samples.push({ ...base, sum: set.Sum, count: set.SampleCount, min: set.Minimum, max: set.Maximum });
      return;
    }
    if (datum.Values) {
      if (datum.Values.length > MAX_VALUES)
        throw invalidValue(
          `The collection ${member}.Values must not have a size greater than ${MAX_VALUES}.`,
        );
      if (datum.Counts && datum.Counts.length !== datum.Values.length)
        throw invalidValue(`The parameters ${member}.Values and ${member}.Counts must be of the same size.`);
      if (datum.Values.length === 0) return;
      let sum = 0;
      let count = 0;
      let min = Number.POSITIVE_INFINITY;
      let max = Number.NEGATIVE_INFINITY;
      datum.Values.forEach((value, i) => {
        checkValue(value, `${member}.Values.member.${i + 1}`);
        const weight = datum.Counts?.[i] ?? 1;
        if (!(weight >= 0))
          throw invalidValue(
            `The value ${weight} for parameter ${member}.Counts.member.${i + 1} is invalid.`,
          );
        if (weight === 0) return;
        sum += value * weight;
        count += weight;
        min = Math.min(min, value);
        max = Math.max(max, value);
      });
      if (count > 0) samples.push({ ...base, sum, count, min, max });
      return;
    }
    if (datum.Counts) throw invalidCombination(`The parameter ${member}.Counts needs ${member}.Values.`);
    if (datum.Value === undefined)
      throw invalidCombination(
        `The parameter ${member} must specify one of Value, StatisticValues or Values.`,
      );
    checkValue(datum.Value, `${member}.Value`);
    samples.push({ ...base, sum: datum.Value, count: 1, min: datum.Value, max: datum.Value });
  });
  return samples;
}

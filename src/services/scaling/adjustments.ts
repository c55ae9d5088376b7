// The arithmetic of scaling, pure: which step of a step policy a breach falls in, what its
// adjustment makes of the current capacity, and the capacity target tracking wants.
import type { ApplicationAutoScaling as Aas } from '../../contract/index.ts';

/**
 * The step whose interval holds `delta` (metric − alarm threshold). Above the threshold a lower
 * bound is inclusive and an upper bound exclusive; below it, the other way round — so a "≤ 0" step
 * holds a breach exactly at a LessThanOrEqual alarm's threshold.
 */
export function stepFor(
  steps: readonly Aas.StepAdjustment[],
  delta: number,
  below: boolean,
): Aas.StepAdjustment | undefined {
  return steps.find((step) => {
    const lower = step.MetricIntervalLowerBound ?? Number.NEGATIVE_INFINITY;
    const upper = step.MetricIntervalUpperBound ?? Number.POSITIVE_INFINITY;
    return below ? lower < delta && delta <= upper : lower <= delta && delta < upper;
  });
}

/** The capacity an adjustment asks for, before the target's min and max are applied. */
export function adjusted(
  current: number,
  type: Aas.AdjustmentType,
  adjustment: number,
  minAdjustmentMagnitude?: number,
): number {
  if (type === 'ExactCapacity') return adjustment;
  if (type === 'ChangeInCapacity') return current + adjustment;
  const raw = (current * adjustment) / 100;
  // AWS: a change between -1 and 1 is rounded away from zero, a larger one toward it.
  let change = Math.abs(raw) < 1 && raw !== 0 ? Math.sign(raw) : Math.trunc(raw);
  if (minAdjustmentMagnitude !== undefined && change !== 0 && Math.abs(change) < minAdjustmentMagnitude)
    change = Math.sign(change) * minAdjustmentMagnitude;
  return current + change;
}

export const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));

/** Checks a step policy's intervals as AWS does: no gaps, no overlaps, at most one unbounded each way. */
export function stepProblem(steps: readonly Aas.StepAdjustment[]): string | undefined {
  if (steps.length === 0) return 'StepAdjustments must not be empty for a step scaling policy.';
  const sorted = [...steps].sort(
    (a, b) =>
      (a.MetricIntervalLowerBound ?? Number.NEGATIVE_INFINITY) -
      (b.MetricIntervalLowerBound ?? Number.NEGATIVE_INFINITY),
  );
  for (const step of sorted) {
    if (
      step.MetricIntervalLowerBound === undefined &&
      step.MetricIntervalUpperBound === undefined &&
      steps.length > 1
    )
      return 'A step adjustment without bounds must be the only one.';
    if (
      step.MetricIntervalLowerBound !== undefined &&
      step.MetricIntervalUpperBound !== undefined &&
      step.MetricIntervalLowerBound >= step.MetricIntervalUpperBound
    )
      return 'MetricIntervalLowerBound must be less than MetricIntervalUpperBound.';
  }
  for (let i = 1; i < sorted.length; i++) {
    const previous = sorted[i - 1] as Aas.StepAdjustment;
    const step = sorted[i] as Aas.StepAdjustment;
    if (previous.MetricIntervalUpperBound !== step.MetricIntervalLowerBound)
      return 'Step adjustments must not overlap nor leave gaps: each step\u2019s upper bound is the next one\u2019s lower bound.';
  }
  return undefined;
}

/** Target tracking: the capacity that brings the metric to the target, in proportion. */
export function trackedCapacity(current: number, metric: number, target: number): number {
  return Math.ceil((current * metric) / target - 1e-9);
}

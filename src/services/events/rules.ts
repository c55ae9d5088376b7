// The rules a rule and its targets must keep beyond what the model says (the edge checks names,
// lengths, enums and ranges): a pattern or a schedule, schedules on the default bus only, target
// ARNs and their parameters, and at most five targets.
import type { EventBridge } from '../../contract/index.ts';
import { parseArn } from '../../runtime/index.ts';
import { eventsError, validation } from './errors.ts';
import { validatePattern } from './matcher.ts';
import type { Bus, Target } from './resources.ts';
import { checkTargetInput } from './transform.ts';

const TARGETS_PER_RULE = 5;

export interface RuleSettings {
  eventPattern?: string | undefined;
  schedule?: string | undefined;
  state?: EventBridge.RuleState | undefined;
  description?: string | undefined;
  roleArn?: string | undefined;
  tags?: Record<string, string> | undefined;
}

/** Throws AWS's error for settings a rule on `bus` may not have. */
export function checkRule(
  bus: Bus,
  settings: RuleSettings,
  checkSchedule: (expression: string) => string | undefined,
): void {
  if (settings.eventPattern === undefined && settings.schedule === undefined) {
    throw validation('Parameter(s) EventPattern or ScheduleExpression must be specified.');
  }
  if (settings.eventPattern !== undefined) validatePattern(settings.eventPattern);
  if (settings.schedule !== undefined) {
    if (bus.name !== 'default')
      throw validation('ScheduleExpression is supported only on the default event bus.');
    const problem = checkSchedule(settings.schedule);
    if (problem) throw validation(`Parameter ScheduleExpression is not valid. ${problem}`);
  }
}

/** Why PutTargets fails this target (a per-target failure, as AWS reports it), or undefined. */
export function targetProblem(target: Target): string | undefined {
  const dlq = target.DeadLetterConfig?.Arn;
  if (dlq !== undefined && parseArn(dlq)?.service !== 'sqs')
    return 'DeadLetterConfig.Arn must be the ARN of an SQS queue.';
  if (parseArn(target.Arn)?.resource.endsWith('.fifo') && !target.SqsParameters?.MessageGroupId) {
    return 'Parameter(s) SqsParameters must be specified for target: ' + target.Id + '.';
  }
  return checkTargetInput(target);
}

/** A target ARN that is no ARN at all fails the whole PutTargets request, not just its entry. */
export function checkTargetArns(targets: Target[]): void {
  const malformed = targets.find((target) => !parseArn(target.Arn));
  if (malformed)
    throw validation(
      `Parameter ${malformed.Arn} is not valid. Reason: Provided Arn is not in correct format.`,
    );
}

/** A rule holds at most five targets, counting those it has and those being put. */
export function checkTargetCount(ids: Set<string>): void {
  if (ids.size > TARGETS_PER_RULE)
    throw eventsError('LimitExceededException', 'The requested resource exceeds the maximum number allowed.');
}

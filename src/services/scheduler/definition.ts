// CreateSchedule/UpdateSchedule input checked against the rules a model cannot say, in AWS's words,
// and turned into the definition a schedule row keeps.
import type { Scheduler } from '../../contract/index.ts';
import { parseArn } from '../../runtime/index.ts';
import {
  isTimeZone,
  nextOccurrence,
  parseScheduleExpression,
  type ScheduleExpression,
  ScheduleExpressionError,
} from '../../schedules/index.ts';
import { validation } from './errors.ts';
import type { ScheduleDefinition } from './records.ts';

/** How far in the past a StartDate may be, as AWS allows. */
const START_DATE_SLACK_MS = 5 * 60_000;

type ScheduleInput = Scheduler.CreateScheduleInput | Scheduler.UpdateScheduleInput;

export interface DefinitionChecks {
  now: number;
  /** Whether eddy can deliver to the target's ARN. */
  supports: (arn: string) => boolean;
}

export function parseExpression(expression: string): ScheduleExpression {
  try {
    return parseScheduleExpression(expression);
  } catch (error) {
    if (error instanceof ScheduleExpressionError)
      throw validation(`Invalid Schedule Expression ${expression}. ${error.message}`);
    throw error;
  }
}

export function scheduleDefinition(input: ScheduleInput, checks: DefinitionChecks): ScheduleDefinition {
  const expression = parseExpression(input.ScheduleExpression);
  const zone = input.ScheduleExpressionTimezone;
  if (zone !== undefined && !isTimeZone(zone))
    throw validation(`Invalid ScheduleExpressionTimezone ${zone}: it is not an IANA time zone name.`);
  const start = input.StartDate?.getTime();
  const end = input.EndDate?.getTime();
  if (start !== undefined && start < checks.now - START_DATE_SLACK_MS)
    throw validation('The StartDate you specify cannot be earlier than 5 minutes ago.');
  if (end !== undefined && end <= checks.now)
    throw validation('The EndDate you specify cannot be in the past.');
  if (start !== undefined && end !== undefined && end <= start)
    throw validation('The StartDate must come before the EndDate.');
  if (
    expression.kind === 'at' &&
    nextOccurrence(expression, checks.now - 1, zone ? { zone } : {}) === undefined
  )
    throw validation(
      `The at() time in ${input.ScheduleExpression} is in the past (or skipped by a clock change).`,
    );
  checkWindow(input.FlexibleTimeWindow);
  checkTarget(input.Target, checks);
  return {
    ScheduleExpression: input.ScheduleExpression,
    ...(zone !== undefined ? { ScheduleExpressionTimezone: zone } : {}),
    ...(start !== undefined ? { StartDate: start } : {}),
    ...(end !== undefined ? { EndDate: end } : {}),
    ...(input.Description !== undefined ? { Description: input.Description } : {}),
    ...(input.KmsKeyArn !== undefined ? { KmsKeyArn: input.KmsKeyArn } : {}),
    FlexibleTimeWindow: input.FlexibleTimeWindow,
    ActionAfterCompletion: input.ActionAfterCompletion ?? 'NONE',
    Target: input.Target,
    anchor: start ?? checks.now,
  };
}

function checkWindow(window: Scheduler.FlexibleTimeWindow): void {
  if (window.Mode === 'FLEXIBLE' && window.MaximumWindowInMinutes === undefined)
    throw validation('MaximumWindowInMinutes is required when FlexibleTimeWindow Mode is FLEXIBLE.');
  if (window.Mode === 'OFF' && window.MaximumWindowInMinutes !== undefined)
    throw validation('MaximumWindowInMinutes must not be set when FlexibleTimeWindow Mode is OFF.');
}

function checkTarget(target: Scheduler.Target, checks: DefinitionChecks): void {
  const arn = parseArn(target.Arn);
  if (!arn) throw validation(`Invalid Target Arn ${target.Arn}: it is not an ARN.`);
  if (arn.service === 'scheduler' && arn.resource.startsWith('aws-sdk:'))
    throw validation(
      `Universal targets (${target.Arn}) are not supported by eddy yet; use a templated target (SQS, SNS, EventBridge, ECS).`,
    );
  if (!checks.supports(target.Arn))
    throw validation(`eddy does not deliver to ${arn.service} targets yet (${target.Arn}).`);
  if (arn.service === 'events' && arn.resource.startsWith('event-bus/') && !target.EventBridgeParameters)
    throw validation('EventBridgeParameters (DetailType and Source) are required for an event bus target.');
  if (arn.service === 'ecs' && !target.EcsParameters)
    throw validation('EcsParameters (TaskDefinitionArn) are required for an ECS cluster target.');
  if (
    target.SqsParameters?.MessageGroupId !== undefined &&
    !(arn.service === 'sqs' && arn.resource.endsWith('.fifo'))
  )
    throw validation('SqsParameters.MessageGroupId applies only to FIFO queue targets.');
  if (
    arn.service === 'sqs' &&
    arn.resource.endsWith('.fifo') &&
    target.SqsParameters?.MessageGroupId === undefined
  )
    throw validation('SqsParameters.MessageGroupId is required for a FIFO queue target.');
}

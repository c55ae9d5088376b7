// Queue attributes: which exist, their defaults, their ranges, and what each kind of queue accepts.
// Pure: validation answers with the SQS error a client would get, naming the attribute and the rule.
import { parseArn } from '../../runtime/index.ts';
import { sqsError } from './errors.ts';

export const MAX_MESSAGE_SIZE = 1_048_576;

/** Settable attributes with an integer range, and their defaults. */
const INTEGER_ATTRIBUTES: Record<string, { min: number; max: number; default: number }> = {
  DelaySeconds: { min: 0, max: 900, default: 0 },
  MaximumMessageSize: { min: 1024, max: MAX_MESSAGE_SIZE, default: MAX_MESSAGE_SIZE },
  MessageRetentionPeriod: { min: 60, max: 1_209_600, default: 345_600 },
  ReceiveMessageWaitTimeSeconds: { min: 0, max: 20, default: 0 },
  VisibilityTimeout: { min: 0, max: 43_200, default: 30 },
  KmsDataKeyReusePeriodSeconds: { min: 60, max: 86_400, default: 300 },
};

const COMMON_ATTRIBUTES = new Set([
  ...Object.keys(INTEGER_ATTRIBUTES),
  'Policy',
  'RedrivePolicy',
  'RedriveAllowPolicy',
  'KmsMasterKeyId',
  'SqsManagedSseEnabled',
]);
const FIFO_ATTRIBUTES = new Set([
  'FifoQueue',
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
]);

/** Attributes computed from the queue's state; readable, never settable. */
export const READ_ONLY_ATTRIBUTES = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
  'QueueArn',
] as const;

export type QueueAttributes = Record<string, string>;

export interface RedrivePolicy {
  deadLetterTargetArn: string;
  maxReceiveCount: number;
}

export interface RedriveAllowPolicy {
  redrivePermission: 'allowAll' | 'denyAll' | 'byQueue';
  sourceQueueArns?: string[];
}

/** The attributes a new queue has before the caller's are applied. */
export function defaultAttributes(fifo: boolean): QueueAttributes {
  const attributes: QueueAttributes = { SqsManagedSseEnabled: 'true' };
  for (const [name, range] of Object.entries(INTEGER_ATTRIBUTES)) attributes[name] = String(range.default);
  if (fifo) {
    Object.assign(attributes, {
      FifoQueue: 'true',
      ContentBasedDeduplication: 'false',
      DeduplicationScope: 'queue',
      FifoThroughputLimit: 'perQueue',
    });
  }
  return attributes;
}

/** Every attribute name GetQueueAttributes knows, for `All` and for InvalidAttributeName. */
export function knownAttributeNames(fifo: boolean): string[] {
  return [...COMMON_ATTRIBUTES, ...READ_ONLY_ATTRIBUTES, ...(fifo ? FIFO_ATTRIBUTES : [])];
}

const invalidValue = (name: string, rule: string) =>
  sqsError('InvalidAttributeValue', `Invalid value for the parameter ${name}. Reason: ${rule}`);

/**
 * Validates attributes given to CreateQueue or SetQueueAttributes and returns them normalised.
 * `creating` allows FifoQueue (which only CreateQueue may set).
 */
export function validateAttributes(
  given: Record<string, string>,
  options: { fifo: boolean; creating: boolean },
): QueueAttributes {
  const result: QueueAttributes = {};
  for (const [name, value] of Object.entries(given)) {
    if (READ_ONLY_ATTRIBUTES.includes(name as (typeof READ_ONLY_ATTRIBUTES)[number])) {
      throw sqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
    }
    if (name === 'FifoQueue' && value === 'false' && !options.fifo && options.creating) continue;
    if (FIFO_ATTRIBUTES.has(name) && !options.fifo) {
      throw sqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
    }
    if (!COMMON_ATTRIBUTES.has(name) && !FIFO_ATTRIBUTES.has(name)) {
      throw sqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
    }
    result[name] = validateValue(name, value, options);
  }
  const scope = result.DeduplicationScope;
  const limit = result.FifoThroughputLimit;
  if (limit === 'perMessageGroupId' && scope === 'queue') {
    throw invalidValue(
      'FifoThroughputLimit',
      'The perMessageGroupId value is allowed only when the value for DeduplicationScope is messageGroup.',
    );
  }
  return result;
}

function validateValue(name: string, value: string, options: { fifo: boolean; creating: boolean }): string {
  const range = INTEGER_ATTRIBUTES[name];
  if (range) {
    const number = /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
    if (!Number.isInteger(number) || number < range.min || number > range.max) {
      throw invalidValue(name, `Must be an integer from ${range.min} to ${range.max}.`);
    }
    return String(number);
  }
  switch (name) {
    case 'FifoQueue':
      if (value !== 'true' && value !== 'false') throw invalidValue(name, 'Must be true or false.');
      if (!options.creating) throw invalidValue(name, 'FifoQueue can only be set when the queue is created.');
      if (value === 'false' && options.fifo) {
        throw invalidValue(
          name,
          'The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix.',
        );
      }
      return value;
    case 'ContentBasedDeduplication':
    case 'SqsManagedSseEnabled':
      if (value !== 'true' && value !== 'false') throw invalidValue(name, 'Must be true or false.');
      return value;
    case 'DeduplicationScope':
      if (value !== 'queue' && value !== 'messageGroup')
        throw invalidValue(name, 'Must be queue or messageGroup.');
      return value;
    case 'FifoThroughputLimit':
      if (value !== 'perQueue' && value !== 'perMessageGroupId') {
        throw invalidValue(name, 'Must be perQueue or perMessageGroupId.');
      }
      return value;
    case 'Policy':
      if (value !== '') parseJsonAttribute(name, value);
      return value;
    case 'RedrivePolicy':
      // Kept as SQS shows it: maxReceiveCount a number even when it was sent as a string.
      return value === '' ? value : JSON.stringify(parseRedrivePolicy(value));
    case 'RedriveAllowPolicy':
      if (value !== '') parseRedriveAllowPolicy(value);
      return value;
    default:
      return value;
  }
}

function parseJsonAttribute(name: string, value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw invalidValue(name, 'Must be a JSON object.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalidValue(name, 'Must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}

export function parseRedrivePolicy(value: string): RedrivePolicy {
  const parsed = parseJsonAttribute('RedrivePolicy', value);
  const arn = parsed.deadLetterTargetArn;
  if (typeof arn !== 'string' || parseArn(arn)?.service !== 'sqs') {
    throw invalidValue(
      'RedrivePolicy',
      'Dead letter target must be the ARN of an SQS queue (deadLetterTargetArn).',
    );
  }
  const count = Number(parsed.maxReceiveCount);
  if (!Number.isInteger(count) || count < 1 || count > 1000) {
    throw invalidValue('RedrivePolicy', 'Value maxReceiveCount must be an integer from 1 to 1000.');
  }
  for (const key of Object.keys(parsed)) {
    if (key !== 'deadLetterTargetArn' && key !== 'maxReceiveCount') {
      throw invalidValue(
        'RedrivePolicy',
        `Unknown key ${key}; only deadLetterTargetArn and maxReceiveCount are allowed.`,
      );
    }
  }
  return { deadLetterTargetArn: arn, maxReceiveCount: count };
}

export function parseRedriveAllowPolicy(value: string): RedriveAllowPolicy {
  const parsed = parseJsonAttribute('RedriveAllowPolicy', value);
  const permission = parsed.redrivePermission;
  if (permission !== 'allowAll' && permission !== 'denyAll' && permission !== 'byQueue') {
    throw invalidValue('RedriveAllowPolicy', 'redrivePermission must be allowAll, denyAll or byQueue.');
  }
  const sources = parsed.sourceQueueArns;
  if (permission === 'byQueue') {
    if (!Array.isArray(sources) || sources.length === 0 || sources.length > 10) {
      throw invalidValue('RedriveAllowPolicy', 'byQueue requires sourceQueueArns with 1 to 10 queue ARNs.');
    }
    if (!sources.every((source) => typeof source === 'string')) {
      throw invalidValue('RedriveAllowPolicy', 'sourceQueueArns must be a list of queue ARNs.');
    }
    return { redrivePermission: permission, sourceQueueArns: sources as string[] };
  }
  if (sources !== undefined) {
    throw invalidValue(
      'RedriveAllowPolicy',
      `sourceQueueArns is allowed only when redrivePermission is byQueue.`,
    );
  }
  return { redrivePermission: permission };
}

/** Queue names: 1–80 characters of `[A-Za-z0-9_-]`, FIFO names ending in `.fifo` (counted). */
export function validateQueueName(name: string, fifoAttribute: string | undefined): { fifo: boolean } {
  const fifo = name.endsWith('.fifo');
  const base = fifo ? name.slice(0, -5) : name;
  if (name.length === 0 || name.length > 80 || !/^[A-Za-z0-9_-]+$/.test(base)) {
    throw sqsError(
      'InvalidParameterValue',
      'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length',
    );
  }
  if (fifo && fifoAttribute !== 'true') {
    throw sqsError(
      'InvalidParameterValue',
      'The name of a FIFO queue must have FifoQueue set to true (QueueName ends with .fifo).',
    );
  }
  if (!fifo && fifoAttribute === 'true') {
    throw sqsError(
      'InvalidParameterValue',
      'The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix. The queue name has 1 to 80 characters.',
    );
  }
  return { fifo };
}

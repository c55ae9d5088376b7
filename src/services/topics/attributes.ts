// The rules for topic and subscription attributes and subscription endpoints, in SNS's words.
// The registry calls them before anything is stored.
import { parseArn } from '../../runtime/index.ts';
import { invalidParameter } from './errors.ts';
import type { FilterScope } from './filter.ts';

const TOPIC_ATTRIBUTES = new Set([
  'DisplayName',
  'Policy',
  'DeliveryPolicy',
  'FifoTopic',
  'ContentBasedDeduplication',
  'KmsMasterKeyId',
  'SignatureVersion',
  'TracingConfig',
  'ArchivePolicy',
  'FifoThroughputScope',
]);
const SUBSCRIPTION_ATTRIBUTES = new Set([
  'DeliveryPolicy',
  'FilterPolicy',
  'FilterPolicyScope',
  'RawMessageDelivery',
  'RedrivePolicy',
  'SubscriptionRoleArn',
  'ReplayPolicy',
]);
export const PROTOCOLS = new Set(['sqs', 'http', 'https', 'email', 'email-json', 'sms', 'application']);
/** Protocols whose subscriptions wait for the endpoint's owner to confirm them. */
export const CONFIRMED_PROTOCOLS = new Set(['http', 'https', 'email', 'email-json']);
/** A phone number in E.164 form (the leading + optional, as SNS accepts it). */
export const E164 = /^\+?[1-9]\d{1,14}$/;
const EMAIL_ADDRESS = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const BOOLEAN_ATTRIBUTES = new Set(['FifoTopic', 'ContentBasedDeduplication', 'RawMessageDelivery']);

/** SNS reads boolean attributes case-insensitively: `True`, from tools that stringify booleans, is true. */
export function normalizedAttribute(name: string, value: string): string {
  return BOOLEAN_ATTRIBUTES.has(name) && /^(true|false)$/i.test(value) ? value.toLowerCase() : value;
}

export function normalizedAttributes(attributes: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [name, normalizedAttribute(name, value)]),
  );
}

export function checkTopicAttribute(name: string, value: string, fifo: boolean): void {
  if (!TOPIC_ATTRIBUTES.has(name)) throw invalidParameter(`Attributes Reason: Unknown attribute ${name}`);
  const bad = (reason: string) => invalidParameter(`Attributes Reason: ${name}: ${reason}`);
  switch (name) {
    case 'FifoTopic':
    case 'ContentBasedDeduplication':
      if (value !== 'true' && value !== 'false') throw bad('must be true or false');
      if (name === 'ContentBasedDeduplication' && value === 'true' && !fifo) {
        throw invalidParameter(
          'Attributes Reason: Content-based deduplication can only be set for FIFO topics',
        );
      }
      return;
    case 'SignatureVersion':
      if (value !== '1' && value !== '2') throw bad('must be 1 or 2');
      return;
    case 'TracingConfig':
      if (value !== 'PassThrough' && value !== 'Active') throw bad('must be PassThrough or Active');
      return;
    case 'DisplayName':
      if (value.length > 100) throw bad('must be at most 100 characters');
      return;
    case 'Policy':
    case 'DeliveryPolicy':
    case 'ArchivePolicy':
      if (value === '') return;
      try {
        if (typeof JSON.parse(value) !== 'object') throw new Error('not an object');
      } catch {
        throw bad('must be a JSON object');
      }
      if (name === 'ArchivePolicy' && !fifo)
        throw invalidParameter('Attributes Reason: ArchivePolicy is only supported for FIFO topics');
      return;
  }
}

export const scopeOf = (attributes: Record<string, string>): FilterScope =>
  attributes.FilterPolicyScope === 'MessageBody' ? 'MessageBody' : 'MessageAttributes';

export function checkEndpoint(fifoTopic: boolean, protocol: string, endpoint: string): void {
  if (protocol === 'sqs') {
    const arn = parseArn(endpoint);
    if (arn?.service !== 'sqs') throw invalidParameter('SQS endpoint ARN');
    // A FIFO topic takes standard queues too (since 2023; they get no ordering); a standard topic
    // cannot feed a FIFO queue.
    if (!fifoTopic && arn.resource.endsWith('.fifo')) {
      throw invalidParameter(
        'Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics',
      );
    }
    return;
  }
  if (fifoTopic)
    throw invalidParameter(
      'Invalid parameter: Endpoint Reason: FIFO SNS Topics currently only support FIFO SQS Queues as endpoints',
    );
  if (protocol === 'email' || protocol === 'email-json') {
    if (!EMAIL_ADDRESS.test(endpoint)) throw invalidParameter('Email address');
    return;
  }
  if (protocol === 'sms') {
    if (!E164.test(endpoint))
      throw invalidParameter(`Endpoint Reason: ${endpoint} is not a phone number in E.164 format`);
    return;
  }
  if (protocol === 'application') {
    const arn = parseArn(endpoint);
    if (arn?.service !== 'sns' || !arn.resource.startsWith('endpoint/'))
      throw invalidParameter('Endpoint Reason: an application subscription needs a platform endpoint ARN');
    return;
  }
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw invalidParameter('Endpoint must be a URL');
  }
  if (url.protocol !== `${protocol}:`) {
    throw invalidParameter(
      `Endpoint must match the protocol: a ${protocol} subscription needs a ${protocol}:// URL`,
    );
  }
}

export function checkSubscriptionAttribute(name: string, value: string, protocol: string): void {
  if (!SUBSCRIPTION_ATTRIBUTES.has(name))
    throw invalidParameter(`AttributeName Reason: Unknown attribute ${name}`);
  switch (name) {
    case 'RawMessageDelivery':
      if (value !== 'true' && value !== 'false')
        throw invalidParameter(
          'Attributes Reason: RawMessageDelivery: Invalid value [' + value + ']. Must be true or false.',
        );
      return;
    case 'FilterPolicyScope':
      if (value !== 'MessageAttributes' && value !== 'MessageBody') {
        throw invalidParameter(
          `Attributes Reason: FilterPolicyScope: Invalid value [${value}]. Please use either MessageBody or MessageAttributes`,
        );
      }
      return;
    case 'FilterPolicy':
      return;
    case 'RedrivePolicy': {
      let parsed: { deadLetterTargetArn?: unknown } | undefined;
      try {
        parsed = JSON.parse(value) as { deadLetterTargetArn?: unknown };
      } catch {
        throw invalidParameter('RedrivePolicy: Invalid RedrivePolicy: it must be a JSON object.');
      }
      if (
        typeof parsed?.deadLetterTargetArn !== 'string' ||
        parseArn(parsed.deadLetterTargetArn)?.service !== 'sqs'
      ) {
        throw invalidParameter('RedrivePolicy: deadLetterTargetArn is missing or is not an SQS queue ARN');
      }
      return;
    }
    case 'DeliveryPolicy':
      if (protocol === 'sqs')
        throw invalidParameter('DeliveryPolicy: Delivery protocol [sqs] does not support delivery policies.');
      return;
  }
}

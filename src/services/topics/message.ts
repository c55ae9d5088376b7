// Published messages: SNS's rules for bodies, subjects, structures and attributes, and the JSON
// envelopes subscribers receive. Pure apart from the signature, which takes the key.
import { extend } from '../../runtime/index.ts';
import { invalidParameter } from './errors.ts';
import type { PublishedAttribute } from './filter.ts';
import { type SigningKey, sign } from './signing.ts';

export const MAX_MESSAGE_BYTES = 262_144;

export interface PublishInput {
  Message: string;
  Subject?: string | undefined;
  MessageStructure?: string | undefined;
  MessageAttributes?: Record<string, PublishedAttribute> | undefined;
  MessageGroupId?: string | undefined;
  MessageDeduplicationId?: string | undefined;
}

/** A message as stored for delivery: everything the envelope needs, fixed at publish time. */
export interface StoredMessage {
  type: 'Notification' | 'SubscriptionConfirmation';
  messageId: string;
  topicArn: string;
  /** The body, or per-protocol bodies when MessageStructure is json. */
  message: string;
  perProtocol?: Record<string, string>;
  subject?: string;
  timestamp: string;
  attributes: Record<string, { DataType: string; StringValue?: string; BinaryValue?: string }>;
  groupId?: string;
  dedupId?: string;
  sequenceNumber?: string;
  token?: string;
}

const ATTRIBUTE_NAME = /^(?!\.)(?!.*\.\.)(?!.*\.$)[A-Za-z0-9_.-]{1,256}$/;

/** Validates a publish and returns its size in bytes as SNS counts it (body and attributes). */
export function checkPublish(input: PublishInput, fifo: boolean, contentBasedDeduplication: boolean): void {
  if (input.Message === undefined || input.Message === '') throw invalidParameter('Empty message');
  if (input.Subject !== undefined) {
    if (input.Subject.length === 0 || input.Subject.length > 100 || !/^[\x20-\x7e]+$/.test(input.Subject)) {
      throw invalidParameter('Subject');
    }
  }
  if (input.MessageStructure !== undefined) {
    if (input.MessageStructure !== 'json') throw invalidParameter('MessageStructure');
    let parsed: unknown;
    try {
      parsed = JSON.parse(input.Message);
    } catch {
      throw invalidParameter('Message Structure - JSON message body failed to parse');
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw invalidParameter('Message Structure - JSON message body failed to parse');
    }
    const defaultEntry = (parsed as Record<string, unknown>).default;
    if (typeof defaultEntry !== 'string')
      throw invalidParameter('Message Structure - No default entry in JSON message body');
  }
  let size = Buffer.byteLength(input.Message);
  for (const [name, attribute] of Object.entries(input.MessageAttributes ?? {})) {
    if (!ATTRIBUTE_NAME.test(name) || /^(aws|amazon)\./i.test(name)) {
      throw invalidParameter(`MessageAttributes: Message attribute name '${name}' is invalid.`);
    }
    const type = attribute.DataType;
    const base = type.split('.', 1)[0];
    if (base !== 'String' && base !== 'Number' && base !== 'Binary') {
      throw invalidParameter(
        `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
      );
    }
    if (base === 'Binary' ? attribute.BinaryValue === undefined : attribute.StringValue === undefined) {
      throw invalidParameter(
        `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${type}'.`,
      );
    }
    if (base === 'Number' && !Number.isFinite(Number(attribute.StringValue))) {
      throw invalidParameter(`Could not cast message attribute '${name}' value to number.`);
    }
    // A String.Array whose value is no JSON array is accepted: only filter policies read it as an array.
    size +=
      Buffer.byteLength(name) +
      Buffer.byteLength(type) +
      (attribute.BinaryValue?.length ?? Buffer.byteLength(attribute.StringValue ?? ''));
  }
  if (size > MAX_MESSAGE_BYTES)
    throw invalidParameter(
      `Message too long: messages and their attributes must be at most ${MAX_MESSAGE_BYTES} bytes`,
    );
  if (fifo) {
    if (input.MessageGroupId === undefined)
      throw invalidParameter('The MessageGroupId parameter is required for FIFO topics');
    if (input.MessageDeduplicationId === undefined && !contentBasedDeduplication) {
      throw invalidParameter(
        'The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
      );
    }
  } else if (input.MessageDeduplicationId !== undefined) {
    throw invalidParameter(
      'MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type',
    );
  }
  for (const [field, value] of [
    ['MessageGroupId', input.MessageGroupId],
    ['MessageDeduplicationId', input.MessageDeduplicationId],
  ] as const) {
    if (value !== undefined && !/^[\x21-\x7e]{1,128}$/.test(value)) {
      throw invalidParameter(
        `${field} Reason: ${field} can only include alphanumeric and punctuation characters. 1 to 128 in length.`,
      );
    }
  }
}

/** A `MessageStructure=json` message's members by protocol (checked by checkPublish); undefined for a plain one. */
export function perProtocolOf(input: PublishInput): Record<string, string> | undefined {
  return input.MessageStructure === 'json'
    ? (JSON.parse(input.Message) as Record<string, string>)
    : undefined;
}

/** What a protocol receives: its member of a json structure, else its `default`, else the message. */
export function memberFor(
  perProtocol: Record<string, string> | undefined,
  protocol: string,
  message: string,
): string {
  return perProtocol?.[protocol] ?? perProtocol?.default ?? message;
}

export function bodyFor(message: StoredMessage, protocol: string): string {
  return memberFor(message.perProtocol, protocol, message.message);
}

export interface EnvelopeUrls {
  signingCertUrl: string;
  unsubscribeUrl: string;
  subscribeUrl?: string;
}

/** The JSON document SNS delivers (non-raw), signed. Key order follows SNS's. */
export function envelope(
  message: StoredMessage,
  body: string,
  key: SigningKey,
  signatureVersion: string,
  urls: EnvelopeUrls,
): Record<string, unknown> {
  const fields: Record<string, string | undefined> = {
    Type: message.type,
    MessageId: message.messageId,
    ...(message.token !== undefined ? { Token: message.token } : {}),
    ...(message.sequenceNumber !== undefined ? { SequenceNumber: message.sequenceNumber } : {}),
    TopicArn: message.topicArn,
    ...(message.subject !== undefined ? { Subject: message.subject } : {}),
    Message: body,
    ...(urls.subscribeUrl !== undefined ? { SubscribeURL: urls.subscribeUrl } : {}),
    Timestamp: message.timestamp,
  };
  const document: Record<string, unknown> = extend(fields, {
    SignatureVersion: signatureVersion,
    Signature: sign(fields, key, signatureVersion),
    SigningCertURL: urls.signingCertUrl,
    ...(message.type === 'Notification' ? { UnsubscribeURL: urls.unsubscribeUrl } : {}),
  });
  const attributes = Object.entries(message.attributes);
  if (attributes.length > 0) {
    document.MessageAttributes = Object.fromEntries(
      attributes.map(([name, value]) => [
        name,
        { Type: value.DataType, Value: value.StringValue ?? value.BinaryValue },
      ]),
    );
  }
  return document;
}

// The rules a message to send must keep, in AWS's words: body characters, message and system
// attributes, size, delay, FIFO group and deduplication ids. A message that keeps them becomes a
// PreparedMessage with its digests, which the engine stores as it is. SendMessage(Batch) and
// other services' deliveries (index.ts) prepare through the same MessagePreparer.
import { createHash } from 'node:crypto';
import type { PreparedMessage } from '../engine/index.ts';
import { invalidParameter, sqsError } from '../errors.ts';
import {
  firstInvalidCharacter,
  type MessageAttributes,
  md5Hex,
  md5OfAttributes,
  type StoredAttributes,
  toStored,
} from '../messages.ts';
import type { Queue } from '../registry.ts';

const MAX_ATTRIBUTES = 10;
const ATTRIBUTE_NAME = /^(?!\.)(?!.*\.\.)(?!.*\.$)[A-Za-z0-9_.-]{1,256}$/;
const RESERVED_PREFIXES = ['aws.', 'amazon.'];
const DEDUP_ID = /^[\x21-\x7e]{1,128}$/;

export interface SendEntry {
  body: string;
  delaySeconds?: number | undefined;
  attributes?: MessageAttributes | undefined;
  /** As sent: any name may arrive, only AWSTraceHeader is allowed. */
  systemAttributes?: MessageAttributes | undefined;
  groupId?: string | undefined;
  dedupId?: string | undefined;
}

/** A message body's and attributes' checks and digests, whatever queue it goes to. */
interface MessageContent {
  body: string;
  /** The attributes as given (compared by identity). */
  attributesGiven: MessageAttributes | undefined;
  attributes: StoredAttributes;
  size: number;
  md5Body: string;
  md5Attributes: string | undefined;
}

export class MessagePreparer {
  private lastContent: MessageContent | undefined;

  /** The bytes a message counts towards its batch's limit, valid or not (its entry may fail for other reasons). */
  sizeOf(entry: SendEntry): number {
    try {
      return this.content(entry.body, entry.attributes).size;
    } catch {
      return Buffer.byteLength(entry.body);
    }
  }

  /** Checks one message for a queue; throws the error its batch entry (or request) gets. */
  prepare(queue: Queue, entry: SendEntry): PreparedMessage {
    const content = this.content(entry.body, entry.attributes);
    const system = entry.systemAttributes ?? {};
    validateAttributes(system, true);
    const size = content.size;
    if (size > queue.settings.maximumMessageSize) {
      throw invalidParameter(
        `One or more parameters are invalid. Reason: Message must be shorter than ${queue.settings.maximumMessageSize} bytes.`,
      );
    }
    if (entry.delaySeconds !== undefined && (entry.delaySeconds < 0 || entry.delaySeconds > 900)) {
      throw invalidParameter(
        `Value ${entry.delaySeconds} for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.`,
      );
    }
    let { groupId, dedupId } = entry;
    if (groupId !== undefined && !DEDUP_ID.test(groupId)) {
      throw invalidParameter(
        `Value ${groupId} for parameter MessageGroupId is invalid. Reason: MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length.`,
      );
    }
    if (dedupId !== undefined && !DEDUP_ID.test(dedupId)) {
      throw invalidParameter(
        `Value ${dedupId} for parameter MessageDeduplicationId is invalid. Reason: MessageDeduplicationId can only include alphanumeric and punctuation characters. 1 to 128 in length.`,
      );
    }
    if (queue.fifo) {
      if (groupId === undefined) {
        throw sqsError('MissingParameter', 'The request must contain the parameter MessageGroupId.');
      }
      if (entry.delaySeconds !== undefined && entry.delaySeconds !== 0) {
        throw invalidParameter(
          `Value ${entry.delaySeconds} for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.`,
        );
      }
      if (dedupId === undefined) {
        if (!queue.settings.contentBasedDeduplication) {
          throw invalidParameter(
            'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
          );
        }
        dedupId = createHash('sha256').update(entry.body).digest('hex');
      }
    } else if (dedupId !== undefined) {
      throw invalidParameter(
        `Value ${dedupId} for parameter MessageDeduplicationId is invalid. Reason: The request include parameter that is not valid for this queue type.`,
      );
    }
    const storedSystem = toStored(system);
    return {
      body: entry.body,
      attributes: content.attributes,
      system: storedSystem,
      md5Body: content.md5Body,
      md5Attributes: content.md5Attributes,
      md5System: md5OfAttributes(storedSystem),
      delaySeconds: entry.delaySeconds ?? queue.settings.delaySeconds,
      groupId,
      dedupId,
      size,
    };
  }

  /**
   * A body's and its attributes' checks and digests. A fan-out (a topic, a rule) hands every queue
   * the same body and attributes object in a row, so the last one is remembered.
   */
  private content(body: string, attributes: MessageAttributes | undefined): MessageContent {
    const last = this.lastContent;
    if (last && last.attributesGiven === attributes && last.body === body) return last;
    validateBody(body);
    const given = attributes ?? {};
    const size = Buffer.byteLength(body) + validateAttributes(given);
    const stored = toStored(given);
    this.lastContent = {
      body,
      attributesGiven: attributes,
      attributes: stored,
      size,
      md5Body: md5Hex(body),
      md5Attributes: md5OfAttributes(stored),
    };
    return this.lastContent;
  }
}

export function validateBody(body: string, field = 'MessageBody'): void {
  if (body.length === 0) {
    throw sqsError('MissingParameter', `The request must contain the parameter ${field}.`);
  }
  const invalid = firstInvalidCharacter(body);
  if (invalid !== undefined) {
    throw sqsError(
      'InvalidMessageContents',
      `Invalid binary character '#x${invalid.toString(16).toUpperCase()}' was found in the message body, the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF`,
    );
  }
}

/** Validates message (or system) attributes and returns their size in bytes as AWS counts it. */
export function validateAttributes(attributes: MessageAttributes, system = false): number {
  const names = Object.keys(attributes);
  if (names.length > MAX_ATTRIBUTES) {
    throw sqsError(
      'InvalidParameterValue',
      `Number of message attributes [${names.length}] exceeds the allowed maximum [${MAX_ATTRIBUTES}].`,
    );
  }
  let size = 0;
  for (const name of names) {
    const value = attributes[name]!;
    if (system) {
      if (name !== 'AWSTraceHeader') {
        throw sqsError('InvalidParameterValue', `Message system attribute name '${name}' is invalid.`);
      }
      if (value.DataType !== 'String') {
        throw sqsError(
          'InvalidParameterValue',
          `Message system attribute ${name} must have DataType String.`,
        );
      }
    } else {
      if (
        !ATTRIBUTE_NAME.test(name) ||
        RESERVED_PREFIXES.some((prefix) => name.toLowerCase().startsWith(prefix))
      ) {
        throw sqsError(
          'InvalidParameterValue',
          `Message (user) attribute name '${name}' is invalid. Attribute names can contain A-Z, a-z, 0-9, underscore (_), hyphen (-) and period (.), must not start or end with a period, must not have consecutive periods, and must not start with AWS. or Amazon.`,
        );
      }
    }
    const type = value.DataType;
    const baseType = type.split('.', 1)[0];
    if (baseType !== 'String' && baseType !== 'Number' && baseType !== 'Binary') {
      throw sqsError(
        'InvalidParameterValue',
        `The type of message (user) attribute '${name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`,
      );
    }
    if (type.length > 256) {
      throw sqsError(
        'InvalidParameterValue',
        `Message (user) attribute '${name}' type must be at most 256 characters.`,
      );
    }
    if (value.StringListValues?.length || value.BinaryListValues?.length) {
      throw sqsError(
        'InvalidParameterValue',
        `Message (user) attribute '${name}': StringListValues and BinaryListValues are not supported.`,
      );
    }
    if (baseType === 'Binary') {
      if (value.BinaryValue === undefined || value.StringValue !== undefined) {
        throw sqsError(
          'InvalidParameterValue',
          `Message (user) attribute '${name}' must contain a non-empty value of message attribute type '${type}'.`,
        );
      }
      size += value.BinaryValue.length;
    } else {
      if (value.StringValue === undefined || value.StringValue === '' || value.BinaryValue !== undefined) {
        throw sqsError(
          'InvalidParameterValue',
          `Message (user) attribute '${name}' must contain a non-empty message attribute value for message attribute type '${type}'.`,
        );
      }
      if (baseType === 'Number') validateNumber(name, value.StringValue);
      const invalid = firstInvalidCharacter(value.StringValue);
      if (invalid !== undefined) {
        throw sqsError(
          'InvalidParameterValue',
          `Message (user) attribute '${name}' contains the invalid character '#x${invalid.toString(16).toUpperCase()}'.`,
        );
      }
      size += Buffer.byteLength(value.StringValue);
    }
    size += Buffer.byteLength(name) + Buffer.byteLength(type);
  }
  return size;
}

/** Numbers: up to 38 significant digits, between -10^128 and 10^126. */
function validateNumber(name: string, text: string): void {
  const match = /^[+-]?(\d*)(?:\.(\d*))?(?:[eE][+-]?\d+)?$/.exec(text.trim());
  const digits = match ? `${match[1] ?? ''}${match[2] ?? ''}`.replace(/^0+/, '') : '';
  const value = Number(text);
  if (
    !match ||
    (match[1] === '' && (match[2] ?? '') === '') ||
    !Number.isFinite(value) ||
    digits.length > 38
  ) {
    throw sqsError(
      'InvalidParameterValue',
      `Can't cast the value of message (user) attribute '${name}' to a number.`,
    );
  }
  if (value !== 0 && (Math.abs(value) > 1e126 || Math.abs(value) < 1e-128)) {
    throw sqsError(
      'InvalidParameterValue',
      `The value of message (user) attribute '${name}' is outside the range of Number (-10^128 to 10^126).`,
    );
  }
}

// Messages: body and attribute rules, sizes, and the MD5 digests AWS documents (SDKs verify them).
// Pure: no store, no clock.
import { createHash } from 'node:crypto';
import { sqsError } from './errors.ts';

export interface MessageAttributeValue {
  DataType: string;
  StringValue?: string;
  BinaryValue?: Uint8Array;
  StringListValues?: string[];
  BinaryListValues?: Uint8Array[];
}

export type MessageAttributes = Record<string, MessageAttributeValue>;

/** Attributes as stored: binary values in base64 so the row stays text. */
export type StoredAttributes = Record<
  string,
  { DataType: string; StringValue?: string; BinaryValue?: string }
>;

const MAX_ATTRIBUTES = 10;
const ATTRIBUTE_NAME = /^(?!\.)(?!.*\.\.)(?!.*\.$)[A-Za-z0-9_.-]{1,256}$/;
const RESERVED_PREFIXES = ['aws.', 'amazon.'];

/** The characters a body may hold: #x9 #xA #xD #x20–#xD7FF #xE000–#xFFFD #x10000–#x10FFFF. */
export function firstInvalidCharacter(text: string): number | undefined {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code >= 0x20 && code <= 0xd7ff) continue;
    if (code === 0x9 || code === 0xa || code === 0xd) continue;
    if (code >= 0xe000 && code <= 0xfffd) continue;
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        index++;
        continue;
      }
    }
    return code;
  }
  return undefined;
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

export function md5Hex(data: string | Uint8Array): string {
  return createHash('md5').update(data).digest('hex');
}

/**
 * AWS's digest of message attributes: for each attribute in name order, the name, the data type
 * and the value, each prefixed by its 4-byte big-endian length, with a transport byte (1 string,
 * 2 binary) before the value.
 */
export function md5OfAttributes(attributes: StoredAttributes): string | undefined {
  const names = Object.keys(attributes).sort();
  if (names.length === 0) return undefined;
  const hash = createHash('md5');
  const lengthPrefixed = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length).update(bytes);
  };
  for (const name of names) {
    const value = attributes[name]!;
    lengthPrefixed(Buffer.from(name, 'utf8'));
    lengthPrefixed(Buffer.from(value.DataType, 'utf8'));
    if (value.BinaryValue !== undefined) {
      hash.update(Buffer.from([2]));
      lengthPrefixed(Buffer.from(value.BinaryValue, 'base64'));
    } else {
      hash.update(Buffer.from([1]));
      lengthPrefixed(Buffer.from(value.StringValue ?? '', 'utf8'));
    }
  }
  return hash.digest('hex');
}

export function toStored(attributes: MessageAttributes | undefined): StoredAttributes {
  const stored: StoredAttributes = {};
  for (const [name, value] of Object.entries(attributes ?? {})) {
    stored[name] =
      value.BinaryValue !== undefined
        ? { DataType: value.DataType, BinaryValue: Buffer.from(value.BinaryValue).toString('base64') }
        : { DataType: value.DataType, StringValue: value.StringValue ?? '' };
  }
  return stored;
}

export function fromStored(stored: StoredAttributes): MessageAttributes {
  const attributes: MessageAttributes = {};
  for (const [name, value] of Object.entries(stored)) {
    attributes[name] =
      value.BinaryValue !== undefined
        ? { DataType: value.DataType, BinaryValue: Buffer.from(value.BinaryValue, 'base64') }
        : { DataType: value.DataType, StringValue: value.StringValue ?? '' };
  }
  return attributes;
}

/** Picks the attributes a receive asked for: names, `All`/`.*`, and `prefix.*`. */
export function selectAttributes(
  stored: StoredAttributes,
  requested: readonly string[] | undefined,
): StoredAttributes {
  if (!requested || requested.length === 0) return {};
  if (requested.includes('All') || requested.includes('.*')) return stored;
  const selected: StoredAttributes = {};
  for (const [name, value] of Object.entries(stored)) {
    const wanted = requested.some((pattern) =>
      pattern.endsWith('.*') ? name.startsWith(pattern.slice(0, -1)) : pattern === name,
    );
    if (wanted) selected[name] = value;
  }
  return selected;
}

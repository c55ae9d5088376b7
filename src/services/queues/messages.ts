// Messages' form: attributes as sent and as stored, the characters a body may hold, and the MD5
// digests AWS documents (SDKs verify them). Pure: no store, no clock, no errors (the rules that
// refuse a message, in AWS's words, are handlers/send-rules.ts).
import { createHash } from 'node:crypto';

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

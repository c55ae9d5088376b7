// CBOR (RFC 8949), generic: every major type, definite and indefinite lengths, half/single/double
// floats, and tag 1 (epoch time) as a Date; other tags keep their number. No service knowledge:
// rpc-v2-cbor.ts maps these values onto a model's shapes. Malformed input throws CborError.

export class CborError extends Error {}

/** A tagged item other than tag 1, kept as CBOR gave it. */
export class CborTag {
  constructor(
    readonly tag: number,
    readonly value: unknown,
  ) {}
}

const MAX_DEPTH = 128;
const BREAK = Symbol('break');

class Reader {
  offset = 0;
  constructor(private readonly bytes: Uint8Array) {}

  private need(count: number): void {
    if (count < 0 || this.offset + count > this.bytes.length)
      throw new CborError(`CBOR ends early: ${count} more byte(s) needed at offset ${this.offset}.`);
  }

  byte(): number {
    this.need(1);
    return this.bytes[this.offset++] as number;
  }

  view(count: number): DataView {
    this.need(count);
    const view = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.offset, count);
    this.offset += count;
    return view;
  }

  slice(count: number): Uint8Array {
    this.need(count);
    const out = this.bytes.slice(this.offset, this.offset + count);
    this.offset += count;
    return out;
  }

  get done(): boolean {
    return this.offset >= this.bytes.length;
  }
}

/** The argument of an initial byte: the value itself, or -1 for an indefinite length. */
function argument(reader: Reader, info: number): number {
  if (info < 24) return info;
  if (info === 24) return reader.byte();
  if (info === 25) return reader.view(2).getUint16(0);
  if (info === 26) return reader.view(4).getUint32(0);
  if (info === 27) {
    const big = reader.view(8).getBigUint64(0);
    if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new CborError('A CBOR integer is too large for eddy.');
    return Number(big);
  }
  if (info === 31) return -1;
  throw new CborError(`Reserved CBOR additional information ${info}.`);
}

function halfToNumber(half: number): number {
  const exponent = (half >> 10) & 0x1f;
  const fraction = half & 0x3ff;
  const sign = half & 0x8000 ? -1 : 1;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function readChunks(reader: Reader, major: number, depth: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (;;) {
    const item = readItem(reader, depth + 1, true);
    if (item === BREAK) return chunks;
    if (major === 2 && item instanceof Uint8Array) chunks.push(item);
    else if (major === 3 && typeof item === 'string') chunks.push(new TextEncoder().encode(item));
    else throw new CborError('An indefinite-length string holds a chunk of another type.');
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

function readItem(reader: Reader, depth: number, breakAllowed = false): unknown {
  if (depth > MAX_DEPTH) throw new CborError(`CBOR nests deeper than ${MAX_DEPTH} levels.`);
  const initial = reader.byte();
  const major = initial >> 5;
  const info = initial & 0x1f;
  if (initial === 0xff) {
    if (!breakAllowed) throw new CborError('An unexpected CBOR break.');
    return BREAK;
  }
  switch (major) {
    case 0:
      return argument(reader, info);
    case 1:
      return -1 - argument(reader, info);
    case 2:
    case 3: {
      const length = argument(reader, info);
      const bytes = length < 0 ? concat(readChunks(reader, major, depth)) : reader.slice(length);
      if (major === 2) return bytes;
      try {
        return utf8.decode(bytes);
      } catch {
        throw new CborError('A CBOR text string is not valid UTF-8.');
      }
    }
    case 4: {
      const length = argument(reader, info);
      const items: unknown[] = [];
      if (length < 0) {
        for (
          let item = readItem(reader, depth + 1, true);
          item !== BREAK;
          item = readItem(reader, depth + 1, true)
        )
          items.push(item);
      } else for (let i = 0; i < length; i++) items.push(readItem(reader, depth + 1));
      return items;
    }
    case 5: {
      const length = argument(reader, info);
      const map: Record<string, unknown> = {};
      const entry = (key: unknown) => {
        if (typeof key !== 'string')
          throw new CborError('eddy reads CBOR maps whose keys are text strings only.');
        Object.defineProperty(map, key, {
          value: readItem(reader, depth + 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      };
      if (length < 0) {
        for (
          let key = readItem(reader, depth + 1, true);
          key !== BREAK;
          key = readItem(reader, depth + 1, true)
        )
          entry(key);
      } else for (let i = 0; i < length; i++) entry(readItem(reader, depth + 1));
      return map;
    }
    case 6: {
      const tag = argument(reader, info);
      if (tag < 0) throw new CborError('A CBOR tag cannot have an indefinite length.');
      const value = readItem(reader, depth + 1);
      if (tag === 1) {
        if (typeof value !== 'number') throw new CborError('CBOR tag 1 (epoch time) must hold a number.');
        return new Date(value * 1000);
      }
      return new CborTag(tag, value);
    }
    default: {
      if (info === 20) return false;
      if (info === 21) return true;
      if (info === 22) return null;
      if (info === 23) return undefined;
      if (info === 25) return halfToNumber(reader.view(2).getUint16(0));
      if (info === 26) return reader.view(4).getFloat32(0);
      if (info === 27) return reader.view(8).getFloat64(0);
      if (info < 20) return undefined;
      if (info === 24) {
        reader.byte();
        return undefined;
      }
      throw new CborError(`Reserved CBOR simple value ${info}.`);
    }
  }
}

/** Decodes exactly one CBOR item filling the whole input. */
export function decodeCbor(bytes: Uint8Array): unknown {
  const reader = new Reader(bytes);
  const value = readItem(reader, 0);
  if (!reader.done) throw new CborError(`${bytes.length - reader.offset} byte(s) follow the CBOR item.`);
  return value;
}

class Writer {
  private buffer = new Uint8Array(256);
  private view = new DataView(this.buffer.buffer);
  length = 0;

  private ensure(count: number): void {
    if (this.length + count <= this.buffer.length) return;
    const grown = new Uint8Array(Math.max(this.buffer.length * 2, this.length + count));
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
    this.view = new DataView(grown.buffer);
  }

  head(major: number, value: number): void {
    this.ensure(9);
    const top = major << 5;
    if (value < 24) this.buffer[this.length++] = top | value;
    else if (value < 0x100) {
      this.buffer[this.length++] = top | 24;
      this.buffer[this.length++] = value;
    } else if (value < 0x10000) {
      this.buffer[this.length++] = top | 25;
      this.view.setUint16(this.length, value);
      this.length += 2;
    } else if (value < 0x100000000) {
      this.buffer[this.length++] = top | 26;
      this.view.setUint32(this.length, value);
      this.length += 4;
    } else {
      this.buffer[this.length++] = top | 27;
      this.view.setBigUint64(this.length, BigInt(value));
      this.length += 8;
    }
  }

  float(value: number): void {
    this.ensure(9);
    this.buffer[this.length++] = 0xfb;
    this.view.setFloat64(this.length, value);
    this.length += 8;
  }

  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  simple(byte: number): void {
    this.ensure(1);
    this.buffer[this.length++] = byte;
  }

  result(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

function writeNumber(writer: Writer, value: number): void {
  if (Number.isSafeInteger(value) && !Object.is(value, -0)) {
    if (value >= 0) writer.head(0, value);
    else writer.head(1, -1 - value);
  } else writer.float(value);
}

function writeItem(writer: Writer, value: unknown): void {
  if (value === null || value === undefined) {
    writer.simple(value === null ? 0xf6 : 0xf7);
    return;
  }
  if (typeof value === 'boolean') {
    writer.simple(value ? 0xf5 : 0xf4);
    return;
  }
  if (typeof value === 'number') {
    writeNumber(writer, value);
    return;
  }
  if (typeof value === 'bigint') {
    writeNumber(writer, Number(value));
    return;
  }
  if (typeof value === 'string') {
    const bytes = new TextEncoder().encode(value);
    writer.head(3, bytes.length);
    writer.raw(bytes);
    return;
  }
  if (value instanceof Uint8Array) {
    writer.head(2, value.length);
    writer.raw(value);
    return;
  }
  if (value instanceof Date) {
    writer.head(6, 1);
    writeNumber(writer, value.getTime() / 1000);
    return;
  }
  if (value instanceof CborTag) {
    writer.head(6, value.tag);
    writeItem(writer, value.value);
    return;
  }
  if (Array.isArray(value)) {
    writer.head(4, value.length);
    for (const item of value) writeItem(writer, item);
    return;
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, item]) => item !== undefined);
  writer.head(5, entries.length);
  for (const [key, item] of entries) {
    writeItem(writer, key);
    writeItem(writer, item);
  }
}

/** Encodes a value: objects become maps (undefined members left out), Dates tag 1, Uint8Arrays byte strings. */
export function encodeCbor(value: unknown): Uint8Array {
  const writer = new Writer();
  writeItem(writer, value);
  return writer.result();
}

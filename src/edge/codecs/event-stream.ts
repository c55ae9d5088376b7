// AWS's event-stream framing (`application/vnd.amazon.eventstream`), for outputs whose member is an
// event stream (CloudWatch Logs' StartLiveTail): each event is one binary message — a prelude (total
// and headers lengths, and their CRC32), string headers (`:message-type`, `:event-type` or
// `:exception-type`, `:content-type`), a JSON payload of the event's members, and a CRC32 of it all.
import type { Shape, ShapeResolver } from '../../contract/index.ts';
import { encodeJson } from './json-values.ts';

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let index = 0; index < 256; index++) {
    let value = index;
    for (let bit = 0; bit < 8; bit++) value = value & 1 ? 0xedb88320 ^ (value >>> 1) : value >>> 1;
    table[index] = value >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** One message: string headers (type 7) and a payload. */
export function eventMessage(headers: Record<string, string>, payload: Buffer): Buffer {
  const encoded = Object.entries(headers).map(([name, value]) => {
    const key = Buffer.from(name);
    const text = Buffer.from(value);
    const header = Buffer.alloc(1 + key.length + 1 + 2 + text.length);
    header.writeUInt8(key.length, 0);
    key.copy(header, 1);
    header.writeUInt8(7, 1 + key.length);
    header.writeUInt16BE(text.length, 2 + key.length);
    text.copy(header, 4 + key.length);
    return header;
  });
  const headerBytes = Buffer.concat(encoded);
  const total = 12 + headerBytes.length + payload.length + 4;
  const message = Buffer.alloc(total);
  message.writeUInt32BE(total, 0);
  message.writeUInt32BE(headerBytes.length, 4);
  message.writeUInt32BE(crc32(message.subarray(0, 8)), 8);
  headerBytes.copy(message, 12);
  payload.copy(message, 12 + headerBytes.length);
  message.writeUInt32BE(crc32(message.subarray(0, total - 4)), total - 4);
  return message;
}

/** The output member that is an event stream, if the output shape has one. */
export function eventStreamMember(
  resolver: ShapeResolver,
  outputRef: Shape | undefined,
): { name: string; ref: Shape } | undefined {
  if (!outputRef) return undefined;
  const output = resolver.resolve(outputRef);
  for (const [name, ref] of Object.entries(output.members ?? {}))
    if (resolver.resolve(ref).eventstream) return { name, ref };
  return undefined;
}

/**
 * Encodes a handler's events — each an object with one member of the stream's union set — as
 * messages: a modeled exception member becomes an exception message, the others events.
 */
export async function* encodeEventStream(
  resolver: ShapeResolver,
  streamRef: Shape,
  events: AsyncIterable<Record<string, unknown>>,
): AsyncIterable<Buffer> {
  const members = resolver.resolve(streamRef).members ?? {};
  for await (const event of events) {
    for (const [name, value] of Object.entries(event)) {
      const ref = members[name];
      if (!ref || value === undefined) continue;
      const payload = Buffer.from(JSON.stringify(encodeJson(resolver, ref, value)));
      const isException = resolver.resolve(ref).exception === true;
      yield eventMessage(
        isException
          ? { ':message-type': 'exception', ':exception-type': name, ':content-type': 'application/json' }
          : { ':message-type': 'event', ':event-type': name, ':content-type': 'application/json' },
        payload,
      );
    }
  }
}

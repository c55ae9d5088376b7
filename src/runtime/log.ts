// Logs (pino): one JSON line per event, with the request id where there is one. In a terminal the
// same events read as short human lines instead (`pretty`), so a newcomer sees what happens.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { LogFormat, LogLevel } from './config.ts';

export type Logger = pino.Logger;

export function createLogger(
  level: LogLevel,
  destination: NodeJS.WritableStream = process.stdout,
  format: LogFormat = 'json',
): Logger {
  return pino(
    { name: 'eddy', level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime },
    format === 'pretty' ? prettyStream(destination) : destination,
  );
}

export const silentLogger: Logger = pino({ level: 'silent' });

const LEVEL_NAMES: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};
/** Fields every line has, or that the human form shows on its own. */
const SHOWN = new Set(['level', 'time', 'name', 'msg', 'err']);

/**
 * One pino JSON line as a person reads it: `16:42:01 WARN  message key=value`, with an error's
 * stack indented below. Lines that are not JSON pass through.
 */
export function prettyLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const time = typeof entry.time === 'string' ? entry.time.slice(11, 19) : '';
  const level = LEVEL_NAMES[entry.level as number] ?? String(entry.level);
  const fields = Object.entries(entry)
    .filter(([key]) => !SHOWN.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  const message = [String(entry.msg ?? ''), ...fields].filter((part) => part !== '').join(' ');
  const error = entry.err as { stack?: string; message?: string } | undefined;
  const detail = error ? `\n    ${(error.stack ?? error.message ?? '').split('\n').join('\n    ')}` : '';
  return `${time} ${level} ${message}${detail}\n`;
}

function prettyStream(destination: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      // pino writes one whole line per call.
      destination.write(prettyLine(chunk.toString('utf8').trimEnd()));
      done();
    },
  });
}

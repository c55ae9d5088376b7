// Structured logs (pino): one JSON line per event, with the request id where there is one.
import { pino } from 'pino';
import type { LogLevel } from './config.ts';

export type Logger = pino.Logger;

export function createLogger(level: LogLevel, destination: NodeJS.WritableStream = process.stdout): Logger {
  return pino(
    { name: 'eddy', level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime },
    destination,
  );
}

export const silentLogger: Logger = pino({ level: 'silent' });

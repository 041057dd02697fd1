import { pino, type Logger } from 'pino';

export type { Logger };

/** A JSON logger for one service; level from the config. */
export function createLogger(name: string, level: string): Logger {
  return pino({ name, level, base: { service: name }, timestamp: pino.stdTimeFunctions.isoTime });
}

import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** A JSON logger for one service; level from the config; stdout unless a destination is given. */
export function createLogger(name: string, level: string, destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    name,
    level,
    base: { service: name },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Defence in depth: credentials must never reach a log line, even if someone logs a request
    // with its headers or a body with a password or token in it.
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', 'password', '*.password', 'token', '*.token'],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

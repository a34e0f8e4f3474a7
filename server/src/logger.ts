import pino, { type Logger, type DestinationStream } from 'pino';

export type { Logger };

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/**
 * Structured logs: a fixed message plus a metadata object. Anything that looks like a credential is
 * redacted by key, wherever it sits in the object.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'ci-exposure' },
      redact: {
        paths: [
          'token', '*.token', '*.*.token', 'botToken', '*.botToken', 'adminToken', '*.adminToken',
          'authorization', '*.authorization', 'headers.authorization', 'req.headers.authorization',
          'secret', '*.secret', 'password', '*.password', 'actionSecret', '*.actionSecret',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

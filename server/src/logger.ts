import { format } from 'node:util';
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

/**
 * Sends console.log/info/warn/error (written by libraries, e.g. @mattermost/client's WebSocketClient)
 * to the structured log at debug/warn level, so that the process's stdout stays one JSON object a line.
 */
export function routeConsoleToLogger(logger: Logger): void {
  const child = logger.child({ source: 'library console' });
  const toDebug = (...args: unknown[]): void => child.debug(format(...args));
  const toWarn = (...args: unknown[]): void => child.warn(format(...args));
  /* eslint-disable no-console -- replacing, not writing to, the console */
  console.log = toDebug;
  console.info = toDebug;
  console.debug = toDebug;
  console.warn = toWarn;
  console.error = toWarn;
  /* eslint-enable no-console */
}

import type { FastifyInstance } from 'fastify';
import type { Config } from './config';
import { buildHttpApp } from './http/app';
import { createLogger, type Logger } from './logger';

export interface RunningBridge {
  app: FastifyInstance;
  logger: Logger;
  /** The address actually bound (port 0 picks a free one). */
  url: string;
  close(): Promise<void>;
}

/** Composition root: config → adapters → start. */
export async function startBridge(config: Config, logger: Logger = createLogger(config.log.level)): Promise<RunningBridge> {
  const app = buildHttpApp({ logger });
  await app.listen({ host: config.listen.host, port: config.listen.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.listen.port;
  const url = `http://${config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host}:${port}`;
  logger.info({ url }, 'bridge listening');
  return {
    app,
    logger,
    url,
    close: async () => {
      await app.close();
    },
  };
}

import formbody from '@fastify/formbody';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../logger';
import { VERSION } from '../version';

/** Whether the bridge can serve Mattermost's calls (it has a bot token), and why not. */
export interface Readiness {
  ready: boolean;
  reason?: string;
}

export interface HttpDeps {
  logger: Logger;
  /** Read on each /healthz and /readyz request (default: ready). */
  readiness?: () => Readiness;
}

/** Builds the HTTP surface of the bridge. Routes are added by the features that own them. */
export function buildHttpApp(deps: HttpDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
  });
  // Slash commands arrive form-encoded (CONTRACTS §1.3).
  void app.register(formbody);

  const readiness = deps.readiness ?? ((): Readiness => ({ ready: true }));
  // Liveness: the process answers (200 while it runs), and says whether it is ready.
  app.get('/healthz', async () => ({ status: 'ok', version: VERSION, ...readiness() }));
  // Readiness: 503 until the bridge can serve slash commands and buttons (a load balancer or probe waits).
  app.get('/readyz', async (_request, reply) => {
    const r = readiness();
    return reply.code(r.ready ? 200 : 503).send({ version: VERSION, ...r });
  });

  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ error: 'not_found', message: `no route for ${request.method} ${request.url.split('?')[0]}` });
  });

  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      void reply.code(500).send({ error: 'internal', message: 'internal error; see the bridge log' });
      return;
    }
    void reply.code(status).send({ error: 'bad_request', message: error.message });
  });

  return app;
}

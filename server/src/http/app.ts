import formbody from '@fastify/formbody';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../logger';
import { VERSION } from '../version';

/** Whether the bridge can serve Mattermost's calls (it has a bot token), and why not. */
export interface Readiness {
  ready: boolean;
  reason?: string;
}

/** A part of the bridge that can work or not while the process stays alive (e.g. the WebSocket). */
export interface HealthCheck {
  healthy: boolean;
  /** When the current state began (ms since the epoch). */
  since: number;
  /** Why it is degraded. */
  reason?: string;
  details?: Record<string, string | number | boolean>;
}

export interface HttpDeps {
  logger: Logger;
  /** Read on each /healthz and /readyz request (default: ready). */
  readiness?: () => Readiness;
  /**
   * Named health checks, read on each /healthz request; an entry may be added after the app is built.
   * Any unhealthy one makes /healthz say `degraded` (still 200: the process is alive).
   */
  checks?: Record<string, () => HealthCheck>;
}

interface CheckReport {
  status: 'ok' | 'degraded';
  since: string;
  reason?: string;
  [detail: string]: string | number | boolean | undefined;
}

function runChecks(checks: Record<string, () => HealthCheck>): Record<string, CheckReport> {
  const out: Record<string, CheckReport> = {};
  for (const [name, check] of Object.entries(checks)) {
    let c: HealthCheck;
    try {
      c = check();
    } catch (err) {
      c = { healthy: false, since: Date.now(), reason: `health check failed: ${err instanceof Error ? err.message : String(err)}` };
    }
    out[name] = { ...c.details, status: c.healthy ? 'ok' : 'degraded', since: new Date(c.since).toISOString(), ...(c.reason !== undefined ? { reason: c.reason } : {}) };
  }
  return out;
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
  const checks = deps.checks ?? {};
  // Liveness: the process answers (200 while it runs), says whether it is ready and whether a part is
  // degraded (`status: "degraded"`, each check with its reason and since when).
  app.get('/healthz', async () => {
    const report = runChecks(checks);
    const degraded = Object.values(report).some((c) => c.status !== 'ok');
    return { status: degraded ? 'degraded' : 'ok', version: VERSION, ...readiness(), checks: report };
  });
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

// /healthz and /readyz with health checks (src/http/app.ts): alive (200) even when degraded; readiness
// is only about serving Mattermost's calls.
import { buildHttpApp, type HealthCheck } from '../../src/http/app';
import { createLogger } from '../../src/logger';

describe('/healthz checks', () => {
  it('reports each check; one unhealthy (or throwing) check makes the bridge degraded, still 200 and ready', async () => {
    const checks: Record<string, () => HealthCheck> = {};
    const app = buildHttpApp({ logger: createLogger('silent'), readiness: () => ({ ready: true }), checks });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const get = async (path: string): Promise<{ statusCode: number; json: () => unknown }> => {
      const res = await fetch(`${base}${path}`);
      const body: unknown = await res.json();
      return { statusCode: res.status, json: () => body };
    };
    try {
      const ok = await get('/healthz');
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toEqual({ status: 'ok', version: expect.stringMatching(/^\d+\.\d+\.\d+/), ready: true, checks: {} });

      checks.websocket = () => ({ healthy: true, since: Date.UTC(2026, 0, 2, 3, 4, 5), details: { state: 'connected', reconnects: 2 } });
      expect((await get('/healthz')).json()).toMatchObject({
        status: 'ok',
        checks: { websocket: { status: 'ok', since: '2026-01-02T03:04:05.000Z', state: 'connected', reconnects: 2 } },
      });

      checks.websocket = () => ({ healthy: false, since: Date.UTC(2026, 0, 2, 3, 4, 5), reason: 'websocket disconnected, reconnecting: closed (1006)', details: { status: 'shadowed' } });
      checks.broken = () => {
        throw new Error('boom');
      };
      const degraded = await get('/healthz');
      expect(degraded.statusCode).toBe(200);
      expect(degraded.json()).toEqual({
        status: 'degraded',
        version: expect.any(String),
        ready: true,
        checks: {
          websocket: { status: 'degraded', since: '2026-01-02T03:04:05.000Z', reason: 'websocket disconnected, reconnecting: closed (1006)' },
          broken: { status: 'degraded', since: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), reason: 'health check failed: boom' },
        },
      });
      const ready = await get('/readyz');
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toEqual({ version: expect.any(String), ready: true });
    } finally {
      await app.close();
    }
  });
});

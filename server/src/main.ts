import type { FastifyInstance } from 'fastify';
import type { Config } from './config';
import { buildHttpApp, type HealthCheck, type Readiness } from './http/app';
import { createBridgeMetrics, type BridgeMetrics } from './http/metrics';
import { registerRoutes } from './http/routes';
import { createLogger, type Logger } from './logger';
import { connectMattermost, type MattermostOptions, type MattermostSide } from './mattermost/connect';
import { createResponseSender } from './mattermost/response-url';
import { BOT_TOKEN_SETTING, openStore, type Store } from './store';

export interface RunningBridge {
  app: FastifyInstance;
  logger: Logger;
  /** The address actually bound (port 0 picks a free one). */
  url: string;
  store: Store;
  metrics: BridgeMetrics;
  close(): Promise<void>;
}

/** What tests and the benchmark may replace; production uses the defaults. */
export interface BridgeOptions extends MattermostOptions {
  clock?: () => number;
  /** Wraps the opened store (tests inject crashes between a send and its record). */
  wrapStore?: (store: Store) => Store;
}

/** Background work the bridge waits for on shutdown; a failure is logged, never thrown. */
function backgroundTasks(logger: Logger): { track: (task: Promise<unknown>) => void; drain: () => Promise<void> } {
  const tasks = new Set<Promise<unknown>>();
  return {
    track: (task) => {
      const tracked = task.catch((err: unknown) => logger.error({ error: err instanceof Error ? err.message : String(err) }, 'background task failed'));
      tasks.add(tracked);
      void tracked.finally(() => tasks.delete(tracked));
    },
    drain: async () => {
      while (tasks.size > 0) await Promise.all([...tasks]);
    },
  };
}

/** Composition root: config → store, HTTP, Mattermost adapters, use cases → start. */
export async function startBridge(config: Config, logger: Logger = createLogger(config.log.level), options: BridgeOptions = {}): Promise<RunningBridge> {
  const clock = options.clock ?? Date.now;
  const opened = await openStore({ dataDir: config.dataDir, url: config.store.url });
  const store = options.wrapStore ? options.wrapStore(opened) : opened;
  const secret = await store.actionSecret();
  const metrics = createBridgeMetrics();
  const background = backgroundTasks(logger);
  let readiness: Readiness = { ready: false, reason: 'starting' };
  const checks: Record<string, () => HealthCheck> = {};
  let side: MattermostSide | undefined;

  const app = buildHttpApp({ logger, readiness: () => readiness, checks });
  registerRoutes(app, {
    handlers: () => side?.handlers,
    store,
    metrics,
    secret,
    logger,
    respond: createResponseSender(config.mattermost.siteUrl, logger),
    directMessage: (userId, text) => {
      background.track(store.enqueue(null, [{ kind: 'dm', userId, message: text }], clock()).then(() => side?.notifier.tick()));
    },
    background: background.track,
  });
  metrics.registry.gauge('cix_incidents_open', 'Open incidents.', async () => (await store.listIncidents('open')).length);
  metrics.registry.gauge('cix_outbox_pending', 'Messages waiting to be sent (retrying).', () => store.pendingOutboxCount());

  await app.listen({ host: config.listen.host, port: config.listen.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.listen.port;
  const url = `http://${config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host}:${port}`;
  const publicUrl = config.publicUrl ?? url;

  const token = config.mattermost.botToken ?? (await store.getSetting(BOT_TOKEN_SETTING));
  if (token) {
    side = await connectMattermost({ config, token, publicUrl, store, secret, metrics, logger, clock, background: background.track, options });
    if (side.health) checks.websocket = side.health;
    readiness = { ready: true };
  } else {
    logger.warn({}, 'no bot token (run `ci-exposure setup`): only /healthz, /readyz and /metrics are served');
    readiness = { ready: false, reason: 'no bot token: run `ci-exposure setup` (or set mattermost.botToken)' };
  }

  logger.info({ url, publicUrl, ready: token !== undefined, store: store.engine }, 'bridge listening');
  return {
    app,
    logger,
    url,
    store,
    metrics,
    close: async () => {
      side?.stopListening();
      await app.close();
      await side?.notifier.stop();
      await background.drain();
      await side?.idle();
      await store.close();
    },
  };
}

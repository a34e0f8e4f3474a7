import type { FastifyInstance } from 'fastify';
import type { Config } from './config';
import { buildHttpApp, type Readiness } from './http/app';
import { createBridgeMetrics, type BridgeMetrics } from './http/metrics';
import { registerRoutes } from './http/routes';
import { createEngineLookup } from './incidents/engine-lookup';
import type { LookupPort } from './incidents/lookup';
import { Notifier } from './incidents/notifier';
import { recordPin } from './incidents/pins';
import { IncidentService } from './incidents/service';
import { createLogger, type Logger } from './logger';
import { ChecklistSync } from './mattermost/checklist-sync';
import { MattermostClient, type RetryPolicy } from './mattermost/client';
import { createResponseSender } from './mattermost/response-url';
import { listenWebSocket, type WebSocketListener } from './mattermost/websocket';
import { BOT_TOKEN_SETTING, openStore, type Store } from './store/sqlite';

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
export interface BridgeOptions {
  clock?: () => number;
  /** The exposure lookup (default: the engine over `scan.paths` and `scan.cache`). */
  lookup?: LookupPort;
  /** Period of the overdue check and outbox pass (ms, default 10 s). */
  notifierIntervalMs?: number;
  retry?: RetryPolicy;
  /** Outbox retry base delay (ms). */
  outboxRetryMs?: number;
  /** WebSocket listener (pinned messages); default on. */
  websocket?: boolean;
}

/** Composition root: config → adapters → start. */
export async function startBridge(config: Config, logger: Logger = createLogger(config.log.level), options: BridgeOptions = {}): Promise<RunningBridge> {
  const clock = options.clock ?? Date.now;
  const store = openStore(config.dataDir);
  const secret = store.actionSecret();
  const metrics = createBridgeMetrics();
  const tasks = new Set<Promise<unknown>>();
  const background = (task: Promise<unknown>): void => {
    const tracked = task.catch((err: unknown) => logger.error({ error: err instanceof Error ? err.message : String(err) }, 'background task failed'));
    tasks.add(tracked);
    void tracked.finally(() => tasks.delete(tracked));
  };

  let readiness: Readiness = { ready: false, reason: 'starting' };
  const app = buildHttpApp({ logger, readiness: () => readiness });
  let service: IncidentService | undefined;
  let notifier: Notifier | undefined;
  const respond = createResponseSender(config.mattermost.siteUrl, logger);
  registerRoutes(app, {
    service: () => service,
    store,
    metrics,
    secret,
    logger,
    respond,
    directMessage: (userId, text) => {
      store.enqueue(null, [{ kind: 'dm', userId, message: text }], clock());
      void notifier?.tick();
    },
    background,
  });
  metrics.registry.gauge('cix_incidents_open', 'Open incidents.', () => store.listIncidents('open').length);
  metrics.registry.gauge('cix_outbox_pending', 'Messages waiting to be sent (retrying).', () => store.pendingOutboxCount());

  await app.listen({ host: config.listen.host, port: config.listen.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.listen.port;
  const url = `http://${config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host}:${port}`;
  const publicUrl = config.publicUrl ?? url;

  const token = config.mattermost.botToken ?? store.getSetting(BOT_TOKEN_SETTING);
  let sync: ChecklistSync | undefined;
  let ws: WebSocketListener | undefined;
  if (token) {
    const chat = new MattermostClient({
      siteUrl: config.mattermost.siteUrl,
      token,
      logger,
      ...(options.retry ? { retry: options.retry } : {}),
      metrics: {
        request: (method, status) => metrics.mattermostRequest({ method, status: String(status) }),
        retry: () => metrics.mattermostRetry(),
      },
    });
    let me: Promise<string> | undefined;
    const botUserId = (): Promise<string> => {
      me ??= chat.getMe().then(
        (u) => u.id,
        (err: unknown) => {
          me = undefined;
          throw err;
        },
      );
      return me;
    };
    const liveSync = new ChecklistSync({
      chat,
      load: (id) => store.getIncident(id),
      actionUrl: `${publicUrl}/actions`,
      secret,
      clock,
      logger,
      onPatch: (ok) => metrics.checklistPatch({ result: ok ? 'ok' : 'error' }),
    });
    sync = liveSync;
    const liveNotifier = new Notifier({
      store,
      chat,
      botUserId,
      stakeholderChannel: config.mattermost.stakeholderChannel,
      clock,
      logger,
      onIncidentChanged: (id) => void liveSync.request(id),
      onSent: (kind, ok) => metrics.notification({ kind, result: ok ? 'sent' : 'error' }),
      ...(options.notifierIntervalMs !== undefined ? { intervalMs: options.notifierIntervalMs } : {}),
      ...(options.outboxRetryMs !== undefined ? { retryBaseMs: options.outboxRetryMs } : {}),
    });
    notifier = liveNotifier;
    const lookup = options.lookup ?? createEngineLookup(config);
    service = new IncidentService({
      store,
      chat,
      lookup,
      sync: liveSync,
      kickOutbox: () => void liveNotifier.tick(),
      clock,
      logger,
      settings: {
        securityTeam: config.mattermost.securityTeam,
        startUsers: config.permissions.startUsers,
        startTeams: config.permissions.startTeams,
        actionUrl: `${publicUrl}/actions`,
        dialogUrl: `${publicUrl}/dialogs`,
        secret,
      },
      onIncident: (event) => metrics.incidents({ event }),
      background,
    });
    liveNotifier.start();
    // Re-render every open checklist once: a restart may have happened between a change and its patch.
    for (const incident of store.listIncidents('open')) void liveSync.request(incident.id);
    if (options.websocket !== false) {
      ws = listenWebSocket({
        url: chat.websocketUrl(),
        token,
        logger,
        onPost: (_event, post) => void recordPin(store, post, clock()),
        // Pins made while the bridge was away: read each open incident's pinned posts on (re)connection.
        onConnect: () =>
          background(
            (async () => {
              for (const incident of store.listIncidents('open')) {
                if (!incident.channelId) continue;
                for (const post of await chat.getPinnedPosts(incident.channelId)) recordPin(store, post, clock());
              }
            })(),
          ),
      });
    }
    readiness = { ready: true };
  } else {
    logger.warn({}, 'no bot token (run `ci-exposure setup`): only /healthz, /readyz and /metrics are served');
    readiness = { ready: false, reason: 'no bot token: run `ci-exposure setup` (or set mattermost.botToken)' };
  }

  logger.info({ url, publicUrl, ready: token !== undefined }, 'bridge listening');
  return {
    app,
    logger,
    url,
    store,
    metrics,
    close: async () => {
      ws?.close();
      await app.close();
      await notifier?.stop();
      while (tasks.size > 0) await Promise.all([...tasks]);
      await sync?.idle();
      sync?.close();
      store.close();
    },
  };
}

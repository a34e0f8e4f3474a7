/**
 * The Mattermost side of the bridge, assembled once the bot has a token: the REST client, the chat
 * adapter, the checklist synchroniser, the notifier (outbox and reminders), the use cases with their
 * slash-command face, and the WebSocket (pins, with a resync over REST after anything missed).
 */
import type { Config } from '../config';
import type { HealthCheck } from '../http/app';
import type { BridgeMetrics } from '../http/metrics';
import { createEngineLookup } from './engine-lookup';
import type { LookupPort } from '../incidents/lookup';
import { Notifier } from '../incidents/notifier';
import { recordPin } from '../incidents/pins';
import { secretEvidenceFromEnv } from '../evidence';
import type { EvidencePort } from '../incidents/ports';
import { RecheckSchedule } from '../incidents/recheck-schedule';
import { checklistTemplates } from '../incidents/templates';
import { IncidentUseCases } from '../incidents/use-cases';
import type { Logger } from '../logger';
import type { Store } from '../store';
import { ChecklistSync } from './checklist-sync';
import { MattermostClient, type RetryPolicy } from './client';
import { SlashCommands } from './commands';
import { MattermostIncidentChat } from './incident-chat';
import { withOwnerContacts } from './owner-contacts';
import { listenWebSocket, type WebSocketListener } from './websocket';

export interface MattermostOptions {
  /** The exposure lookup (default: the engine over `scan.paths`, `scan.sources` and `scan.cache`). */
  lookup?: LookupPort;
  /** Period of the overdue check and outbox pass (ms, default 10 s). */
  notifierIntervalMs?: number;
  retry?: RetryPolicy;
  /** Outbox retry base delay (ms). */
  outboxRetryMs?: number;
  /** How long a claimed outbox message is reserved for this bridge (ms, default `outbox.leaseSeconds`). */
  outboxLeaseMs?: number;
  /** WebSocket listener (pinned messages); default on. */
  websocket?: boolean;
  /**
   * Evidence from the CI platforms (secrets rotated). Default: each secret asked of the platform that keeps
   * it (evidence/index.ts) — GitHub with GITHUB_TOKEN, CircleCI with CIRCLECI_TOKEN, GitLab (no change time:
   * manual, says why) — from `evidenceEnv`; without any token those sub-items are manual.
   */
  evidence?: EvidencePort;
  /** Where the default evidence reads tokens and base URLs (GITHUB_TOKEN, GITHUB_API_URL, CIRCLECI_TOKEN, CIRCLECI_URL, GITLAB_TOKEN, GITLAB_URL); default process.env. */
  evidenceEnv?: Readonly<Record<string, string | undefined>>;
  /** Interval of the scheduled re-check (ms; default `evidence.recheckMinutes`; 0: off). */
  recheckIntervalMs?: number;
}

export interface MattermostDeps {
  config: Config;
  token: string;
  publicUrl: string;
  store: Store;
  secret: Buffer;
  metrics: BridgeMetrics;
  logger: Logger;
  clock: () => number;
  background: (task: Promise<unknown>) => void;
  options: MattermostOptions;
}

export interface MattermostSide {
  handlers: { commands: SlashCommands; useCases: IncidentUseCases };
  notifier: Notifier;
  /** The WebSocket's health for /healthz (undefined when the WebSocket is off). */
  health?: () => HealthCheck;
  stopListening(): void;
  /** Waits for the checklist posts to be patched, then stops retrying. */
  idle(): Promise<void>;
}

export async function connectMattermost(d: MattermostDeps): Promise<MattermostSide> {
  const { config, store, secret, metrics, logger, clock, options } = d;
  const client = new MattermostClient({
    siteUrl: config.mattermost.siteUrl,
    token: d.token,
    logger,
    ...(options.retry ? { retry: options.retry } : {}),
    metrics: { request: (method, status) => metrics.mattermostRequest({ method, status: String(status) }), retry: () => metrics.mattermostRetry() },
  });
  const actionUrl = `${d.publicUrl}/actions`;
  const recheckMs = options.recheckIntervalMs ?? config.evidence.recheckMinutes * 60_000;
  // What the checklist says about the schedule, in minutes (a test's short interval shows as a fraction).
  const recheckMinutes = Math.round((recheckMs / 60_000) * 100) / 100;
  const chat = new MattermostIncidentChat({ client, actionUrl, secret, logger, stakeholderChannel: config.mattermost.stakeholderChannel, recheckMinutes });
  const sync = new ChecklistSync({
    chat: client,
    load: (id) => store.getIncident(id),
    actionUrl,
    secret,
    recheckMinutes,
    clock,
    logger,
    onPatch: (ok) => metrics.checklistPatch({ result: ok ? 'ok' : 'error' }),
  });
  const notifier = new Notifier({
    store,
    transport: chat,
    clock,
    logger,
    onIncidentChanged: (id) => void sync.request(id),
    onSent: (kind, ok) => metrics.notification({ kind, result: ok ? 'sent' : 'error' }),
    onGivenUp: async (record, error) => {
      // Reported where people look: the incident channel (a channel post that failed cannot be).
      const incident = record.incidentId ? await store.getIncident(record.incidentId) : undefined;
      if (!incident?.channelId || record.message.kind === 'channel-post') return;
      const what = record.message.kind === 'dm' ? 'a direct message' : 'the stakeholder update';
      await chat.notice(
        incident.channelId,
        `:warning: The bridge could not send ${what} after several attempts (Mattermost kept failing: ${error.slice(0, 200)}). Message:\n> ${record.message.message.replace(/\n/g, '\n> ')}`,
      );
    },
    ...(options.notifierIntervalMs !== undefined ? { intervalMs: options.notifierIntervalMs } : {}),
    ...(options.outboxRetryMs !== undefined ? { retryBaseMs: options.outboxRetryMs } : {}),
    leaseMs: options.outboxLeaseMs ?? config.outbox.leaseSeconds * 1000,
  });
  // Owners told (`owners.directMessages`): the answer's evidence names their Mattermost users.
  const lookup = withOwnerContacts(options.lookup ?? createEngineLookup(config), config.owners, (username) => chat.findUser(username), (err) =>
    logger.warn({ error: err instanceof Error ? err.message : String(err) }, 'code owners not looked up: nobody told'),
  );
  const useCases = new IncidentUseCases({
    store,
    chat,
    lookup,
    evidence: options.evidence ?? secretEvidenceFromEnv(options.evidenceEnv ?? process.env, config.scan.sources),
    view: sync,
    kickOutbox: () => void notifier.tick(),
    clock,
    logger,
    settings: {
      securityTeam: config.mattermost.securityTeam,
      startUsers: config.permissions.startUsers,
      startTeams: config.permissions.startTeams,
      template: checklistTemplates(config.checklist),
    },
    onIncident: (event) => metrics.incidents({ event }),
    background: d.background,
  });
  const commands = new SlashCommands({ useCases, lookup, client, secret, dialogUrl: `${d.publicUrl}/dialogs`, clock, logger, background: d.background, recheckMinutes });
  notifier.start();
  const schedule = new RecheckSchedule({ run: (ms) => useCases.scheduledRechecks(ms), background: d.background, logger, intervalMs: recheckMs });
  schedule.start();
  // Re-render every open checklist once: a restart may have happened between a change and its patch
  // (and posts of an older bridge version carry buttons this one no longer accepts).
  for (const incident of await store.listIncidents('open')) void sync.request(incident.id);

  let ws: WebSocketListener | undefined;
  if (options.websocket !== false) {
    // Pins made while the bridge could not see them: read each open incident's pinned posts.
    const resyncPins = async (): Promise<void> => {
      for (const incident of await store.listIncidents('open')) {
        if (!incident.channelId) continue;
        for (const post of await client.getPinnedPosts(incident.channelId)) await recordPin(store, post, clock());
      }
    };
    ws = listenWebSocket({
      url: client.websocketUrl(),
      token: d.token,
      logger,
      onPost: (_event, post) => d.background(recordPin(store, post, clock())),
      // After the first hello and whenever the server says events were missed. Tracked so close() waits
      // for it; the listener logs and retries a failure.
      onResync: () => {
        const task = resyncPins();
        d.background(task.catch(() => undefined));
        return task;
      },
    });
  }
  const listener = ws;
  return {
    handlers: { commands, useCases },
    notifier,
    ...(listener ? { health: () => listener.health() } : {}),
    stopListening: () => {
      schedule.stop();
      listener?.close();
    },
    idle: async () => {
      await sync.idle();
      sync.close();
    },
  };
}

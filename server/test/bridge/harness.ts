// Test harness: a Mattermost simulator, the bridge set up against it with `runSetup`, and helpers to
// wait for what the bridge does. Tests drive the bridge only through simulator requests.
import { createServer } from 'node:net';
import { join } from 'node:path';
import { configSchema, type ChecklistConfigInput, type Config } from '../../src/config';
import type { LookupPort, LookupResult } from '../../src/incidents/lookup';
import { createLogger, type Logger } from '../../src/logger';
import { createEngineLookup, type EngineLookupOptions } from '../../src/mattermost/engine-lookup';
import { startBridge, type BridgeOptions, type RunningBridge } from '../../src/main';
import { runSetup } from '../../src/setup-command';
import { startSimulator, type Post, type Simulator } from '../simulator';
import { makeTempDir } from '../helpers/tmp';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function waitForAsync<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A lookup port for tests that do not exercise the engine: fixed counts, one row with hostile strings. */
export function fakeLookup(options: { delayMs?: number; fail?: boolean } = {}): LookupPort {
  return {
    describe: (arg) => {
      if (arg === 'codecov-bash-uploader-2021') return { ok: true, info: { target: { type: 'indicator', id: arg }, kind: 'script', title: 'Codecov bash uploader' } };
      if (arg.startsWith('gha:')) return { ok: true, info: { target: { type: 'component', spec: arg }, kind: 'action', title: arg.slice(4) } };
      return { ok: false, error: `unknown incident "${arg}"` };
    },
    catalog: () => [{ id: 'codecov-bash-uploader-2021', title: 'Codecov bash uploader', kind: 'script' }],
    run: async (target): Promise<LookupResult> => {
      if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
      if (options.fail) throw new Error('checkouts folder missing');
      const id = target.type === 'indicator' ? target.id : target.spec;
      const summary = { repos: 2, jobs: 5, affected: 1, unresolved: 0, errors: 0, byVerdict: { critical: 1, high: 0, medium: 0, low: 0 } };
      return {
        indicator: { id, title: 'Codecov bash uploader' },
        summary,
        markdown: '# report\n',
        json: '{"findings":[]}',
        reportProps: {
          version: 1,
          kind: 'report',
          indicator: { id, title: 'Codecov bash uploader' },
          summary,
          totalRows: 1,
          rows: [
            {
              repo: 'acme/@channel-app',
              file: '.github/workflows/ci.yml',
              line: 3,
              platform: 'github-actions',
              workflow: 'ci',
              job: 'build [x](http://evil.example)',
              verdict: 'critical',
              secrets: ['NPM_TOKEN'],
              tamper: [],
              chain: [],
              reasons: [],
              advice: [],
            },
          ],
        },
      };
    },
  };
}

export interface Harness {
  sim: Simulator;
  bridge: RunningBridge;
  dataDir: string;
  teamId: string;
  townSquare: string;
  config: Config;
  /** Restarts the bridge on the same port with the same store. */
  restart(options?: BridgeOptions): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions extends BridgeOptions {
  logger?: Logger;
  /** The real engine over the configured `scan` settings, with this environment (tokens, base URLs) and providers. */
  engine?: EngineLookupOptions;
  config?: Partial<{
    securityTeam: string[];
    stakeholderChannel: string;
    startUsers: string[];
    startTeams: string[];
    scanPaths: string[];
    scanCache: string;
    /** `scan.sources`, `scan.dataDir`, `scan.timeoutMinutes` as written in the file. */
    scanSources: string[];
    scanDataDir: string;
    scanTimeoutMinutes: number;
    /** The `checklist` section as written in the file, e.g. `{ due: { 'initial-assessment': '2s' } }`. */
    checklist: ChecklistConfigInput;
    /** The `owners` section (owners told by direct message). */
    owners: { directMessages: boolean; map: Record<string, string | string[]> };
  }>;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const { dir, cleanup } = makeTempDir('cix-bridge-');
  const sim = await startSimulator();
  const team = sim.createTeam('sec', 'Security');
  for (const name of ['alice', 'bob', 'carol', 'dave']) sim.createUser(name, { teams: ['sec'] });
  sim.createTeam('responders', 'Responders');
  sim.createUser('rita', { teams: ['sec', 'responders'] });
  const town = sim.createChannel('sec', 'town-square', { creator: 'alice', type: 'O', members: ['bob', 'carol', 'dave', 'rita'] });
  sim.createChannel('sec', 'stakeholders', { creator: 'alice', type: 'O', members: ['bob'] });
  const port = await freePort();
  const dataDir = join(dir, 'data');
  const config = configSchema.parse({
    listen: { host: '127.0.0.1', port },
    mattermost: {
      siteUrl: sim.url,
      teams: ['sec'],
      securityTeam: options.config?.securityTeam ?? ['bob'],
      ...(options.config?.stakeholderChannel ? { stakeholderChannel: options.config.stakeholderChannel } : {}),
    },
    permissions: { startUsers: options.config?.startUsers ?? [], startTeams: options.config?.startTeams ?? [] },
    dataDir,
    scan: {
      paths: options.config?.scanPaths ?? [],
      ...(options.config?.scanCache ? { cache: options.config.scanCache } : {}),
      ...(options.config?.scanSources ? { sources: options.config.scanSources } : {}),
      ...(options.config?.scanDataDir ? { dataDir: options.config.scanDataDir } : {}),
      ...(options.config?.scanTimeoutMinutes ? { timeoutMinutes: options.config.scanTimeoutMinutes } : {}),
    },
    log: { level: 'silent' },
    ...(options.config?.checklist ? { checklist: options.config.checklist } : {}),
    ...(options.config?.owners ? { owners: options.config.owners } : {}),
  });
  await runSetup({ siteUrl: sim.url, adminToken: sim.adminToken, publicUrl: `http://127.0.0.1:${port}`, teams: ['sec'], memberTeams: config.permissions.startTeams, dataDir });
  // The bot must see the stakeholder channel to post there.
  sim.addToChannel(sim.channel('stakeholders')?.id ?? '', 'ci-exposure');
  const { config: _c, logger: givenLogger, engine, ...bridgeOptions } = options;
  if (engine) bridgeOptions.lookup = createEngineLookup(config, engine);
  const logger = givenLogger ?? createLogger('silent');
  const defaults: BridgeOptions = { lookup: fakeLookup(), websocket: false, notifierIntervalMs: 50, outboxRetryMs: 20, retry: { attempts: 4, baseDelayMs: 10, maxDelayMs: 200 }, evidenceEnv: {} };
  let current: BridgeOptions = { ...defaults, ...bridgeOptions };
  const h: Harness = {
    sim,
    bridge: await startBridge(config, logger, current),
    dataDir,
    teamId: team.id,
    townSquare: town.id,
    config,
    restart: async (next) => {
      await h.bridge.close();
      current = { ...current, ...next };
      h.bridge = await startBridge(config, logger, current);
    },
    close: async () => {
      await h.bridge.close();
      await sim.close();
      cleanup();
    },
  };
  return h;
}

/** The incident channel created by the last start, its pinned checklist post. */
export async function startedIncident(h: Harness, name: RegExp): Promise<{ channelId: string; post: Post }> {
  const channel = await waitFor('the incident channel', () => {
    const posts = h.sim.posts();
    const post = posts.find((p) => p.type === 'custom_cix_checklist' && p.is_pinned && name.test(String(p.message)));
    return post ? { channelId: post.channel_id, post } : undefined;
  });
  return channel;
}

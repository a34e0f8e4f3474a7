/**
 * `ci-exposure setup`: run once by an administrator, safe to run again. Ensures the bot account and its
 * token, the bot's membership of each team, and the `/ci-exposure` custom slash command in each team
 * (registered with the ADMIN token: a bot gets 403, §7), pointing at `<public-url>/slash`. Tokens go to
 * the store file (mode 0600), never to the output. A second run changes nothing that is already right
 * and repairs what is missing. When the configuration file is missing, a successful run writes it from
 * the flags (site URL, public URL, teams, data folder; never a token).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_CONFIG_FILE, initialConfigText, loadConfig, type Config } from './config';
import { UserError } from './errors';
import { MattermostClient, MattermostError, type MmCommand, type RetryPolicy } from './mattermost/client';
import { BOT_TOKEN_SETTING, openStore } from './store';

export const BOT_USERNAME = 'ci-exposure';
export const TRIGGER = 'ci-exposure';

export interface SetupOptions {
  siteUrl: string;
  adminToken: string;
  publicUrl: string;
  teams: string[];
  /** Teams the bot only joins (no command): the teams of `permissions.startTeams`, whose members it checks. */
  memberTeams?: string[];
  dataDir: string;
  /** `store.url` of the configuration: PostgreSQL shared by several bridges (default: SQLite in dataDir). */
  storeUrl?: string | undefined;
  retry?: RetryPolicy;
}

export function desiredCommand(teamId: string, publicUrl: string): Record<string, unknown> {
  return {
    team_id: teamId,
    trigger: TRIGGER,
    method: 'P',
    url: `${publicUrl.replace(/\/+$/, '')}/slash`,
    auto_complete: true,
    auto_complete_desc: 'CI supply-chain incidents: start, checklist, exposure lookup',
    auto_complete_hint: '[start|scan|status|check|recheck|assign|owner|update|timeline|close|list|help]',
    display_name: 'CI Exposure',
    description: 'CI supply-chain incident response',
  };
}

function differs(existing: MmCommand, desired: Record<string, unknown>): boolean {
  const e: Record<string, unknown> = existing;
  return Object.entries(desired).some(([k, v]) => e[k] !== v);
}

function explain(err: unknown, what: string): never {
  if (err instanceof MattermostError) {
    if (err.status === 401) throw new UserError(`${what}: Mattermost refused the admin token (HTTP 401)`);
    if (err.status === 403) throw new UserError(`${what}: the admin token lacks permission (HTTP 403 ${err.id}); use a system admin's token`);
    if (err.status === 404) throw new UserError(`${what}: not found (${err.id || 'HTTP 404'})`);
    throw new UserError(`${what}: ${err.message}`);
  }
  throw err;
}

async function step<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    explain(err, what);
  }
}

/** Runs the set-up; returns one line per thing checked (what was created, repaired or unchanged). */
export async function runSetup(options: SetupOptions): Promise<string[]> {
  if (options.teams.length === 0) throw new UserError('setup: give at least one --team NAME (or mattermost.teams in the configuration)');
  const lines: string[] = [];
  const retry = options.retry ? { retry: options.retry } : {};
  const admin = new MattermostClient({ siteUrl: options.siteUrl, token: options.adminToken, ...retry });
  await step('checking the admin token', () => admin.getMe());

  const store = await openStore({ dataDir: options.dataDir, url: options.storeUrl });
  try {
    // The bot account.
    let botId: string;
    const existing = await step('looking up the bot account', () => admin.findUserByUsername(BOT_USERNAME));
    if (!existing) {
      const bot = await step('creating the bot account', () =>
        admin.createBot({ username: BOT_USERNAME, display_name: 'CI Exposure', description: 'CI supply-chain incident response (bridge)' }),
      );
      botId = bot.user_id;
      lines.push(`bot @${BOT_USERNAME}: created`);
    } else if (existing.is_bot === false) {
      throw new UserError(`setup: a user named ${BOT_USERNAME} exists and is not a bot; rename or remove it first`);
    } else if ((existing.delete_at ?? 0) > 0) {
      await step('enabling the bot account', () => admin.enableBot(existing.id));
      botId = existing.id;
      lines.push(`bot @${BOT_USERNAME}: re-enabled`);
    } else {
      botId = existing.id;
      lines.push(`bot @${BOT_USERNAME}: unchanged`);
    }

    // Its access token: kept when it still works.
    const stored = await store.getSetting(BOT_TOKEN_SETTING);
    let tokenWorks = false;
    if (stored) {
      try {
        const me = await new MattermostClient({ siteUrl: options.siteUrl, token: stored, ...retry }).getMe();
        tokenWorks = me.id === botId;
      } catch (err) {
        if (!(err instanceof MattermostError && err.status === 401)) explain(err, 'checking the stored bot token');
      }
    }
    if (tokenWorks) {
      lines.push('bot token: unchanged');
    } else {
      const token = await step('creating the bot access token', () => admin.createUserAccessToken(botId, 'ci-exposure bridge'));
      await store.setSetting(BOT_TOKEN_SETTING, token.token);
      lines.push(`bot token: ${stored ? 'replaced (the stored one no longer worked)' : 'created'}; stored in ${store.location}`);
    }

    const join = async (teamName: string): Promise<string> => {
      const team = await step(`team ${teamName}`, () => admin.getTeamByName(teamName));
      if (await step(`team ${teamName}: checking the bot's membership`, () => admin.isTeamMember(team.id, botId))) {
        lines.push(`team ${teamName}: bot already a member`);
      } else {
        await step(`team ${teamName}: adding the bot`, () => admin.addToTeam(team.id, botId));
        lines.push(`team ${teamName}: bot added`);
      }
      return team.id;
    };
    for (const teamName of (options.memberTeams ?? []).filter((t) => !options.teams.includes(t))) await join(teamName);

    // Each team: membership and the slash command.
    for (const teamName of options.teams) {
      const team = { id: await join(teamName) };
      const desired = desiredCommand(team.id, options.publicUrl);
      const commands = await step(`team ${teamName}: listing commands`, () => admin.listTeamCommands(team.id));
      const current = commands.find((c) => c.trigger === TRIGGER && !c.delete_at);
      let command: MmCommand;
      if (!current) {
        command = await step(`team ${teamName}: registering /${TRIGGER}`, () => admin.createCommand(desired));
        lines.push(`team ${teamName}: /${TRIGGER} registered → ${String(desired.url)}`);
      } else if (differs(current, desired)) {
        command = await step(`team ${teamName}: updating /${TRIGGER}`, () => admin.updateCommand({ ...current, ...desired }));
        lines.push(`team ${teamName}: /${TRIGGER} updated → ${String(desired.url)}`);
      } else {
        command = current;
        lines.push(`team ${teamName}: /${TRIGGER} unchanged`);
      }
      await store.upsertCommand({ teamId: team.id, teamName, commandId: command.id, token: command.token });
    }
    return lines;
  } finally {
    await store.close();
  }
}

export interface SetupCliOptions {
  siteUrl?: string;
  adminToken?: string;
  publicUrl?: string;
  team?: string[];
  dataDir?: string;
  config?: string;
}

const httpUrl = (value: string | undefined, flag: string): string => {
  if (!value) throw new UserError(`setup: ${flag} URL is required`);
  if (!/^https?:\/\/[^\s/]+/i.test(value)) throw new UserError(`setup: ${flag} must be an http(s) URL, got "${value}"`);
  return value.replace(/\/+$/, '');
};

/**
 * `ci-exposure setup …` as typed: flags first, then the configuration file for the rest. When the file
 * (`--config`, default ./ci-exposure.yaml) does not exist, a successful set-up writes it from the flags.
 */
export async function setupFromCli(opts: SetupCliOptions, cwd: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const shown = opts.config ?? `./${DEFAULT_CONFIG_FILE}`;
  const file = resolve(cwd, opts.config ?? DEFAULT_CONFIG_FILE);
  const config: Config | undefined = existsSync(file) ? loadConfig({ file: opts.config, cwd, env }).config : undefined;
  const adminToken = opts.adminToken ?? env.CIX_ADMIN_TOKEN;
  if (!adminToken) throw new UserError('setup: --admin-token TOKEN is required (a system admin\'s personal access token)');
  const teams = opts.team && opts.team.length > 0 ? opts.team : (config?.mattermost.teams ?? []);
  const siteUrl = httpUrl(opts.siteUrl ?? config?.mattermost.siteUrl, '--site-url');
  const publicUrl = httpUrl(opts.publicUrl ?? config?.publicUrl, '--public-url');
  // Checked before anything changes in Mattermost: the file written at the end must load back.
  const text = config ? undefined : initialConfigText({ siteUrl, publicUrl, teams, dataDir: opts.dataDir });
  const lines = await runSetup({
    siteUrl,
    publicUrl,
    adminToken,
    teams,
    memberTeams: config?.permissions.startTeams ?? [],
    dataDir: resolve(cwd, opts.dataDir ?? config?.dataDir ?? env.CIX_DATA_DIR ?? 'data'),
    storeUrl: config?.store.url ?? env.CIX_STORE_URL,
  });
  if (text !== undefined) {
    try {
      // 'wx': never replace a file that appeared meanwhile. It holds no secret: readable by others.
      writeFileSync(file, text, { flag: 'wx', mode: 0o644 });
    } catch (err) {
      throw new UserError(`setup: done, but the configuration file ${shown} cannot be written: ${(err as Error).message}`);
    }
    lines.push(`configuration file ${shown}: written (mattermost.siteUrl, mattermost.teams, publicUrl${opts.dataDir !== undefined ? ', dataDir' : ''})`);
  }
  return lines;
}

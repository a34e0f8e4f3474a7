import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { UserError } from './errors';

/**
 * One configuration for the bridge: a YAML file (`--config`, default `./ci-exposure.yaml`) with
 * `CIX_*` environment variables on top. Validated once; a missing or wrong setting is one line that
 * names the setting and where it came from.
 */

const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

const httpUrl = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//i.test(u), { message: 'must be an http(s) URL' })
  .transform((u) => u.replace(/\/+$/, ''));

export const configSchema = z
  .object({
    listen: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        port: z.coerce.number().int().min(0).max(65535).default(8787),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 8787 }),
    /** The URL at which Mattermost reaches this bridge (slash command, buttons, dialogs). */
    publicUrl: httpUrl.optional(),
    mattermost: z
      .object({
        siteUrl: httpUrl,
        /** Bot token; normally stored by `ci-exposure setup` in the store, this overrides it. */
        botToken: z.string().min(1).optional(),
        /** Teams in which the bridge works (names). */
        teams: z.array(z.string().min(1)).default([]),
        /** Users (usernames) added to every incident channel: the security team. */
        securityTeam: z.array(z.string().min(1)).default([]),
        /** Channel (team-name/channel-name) that receives start, status updates and close. */
        stakeholderChannel: z.string().min(1).optional(),
      })
      .strict(),
    permissions: z
      .object({
        /** Usernames allowed to start an incident; empty together with startTeams means everybody. */
        startUsers: z.array(z.string().min(1)).default([]),
        /** Team names whose members may start an incident. */
        startTeams: z.array(z.string().min(1)).default([]),
      })
      .strict()
      .default({ startUsers: [], startTeams: [] }),
    dataDir: z.string().min(1).default('data'),
    scan: z
      .object({
        /** Folders holding repository checkouts (one checkout, or `<owner>/<repo>` checkouts). */
        paths: z.array(z.string().min(1)).default([]),
        /** Component cache directory (see README, "Component cache"). */
        cache: z.string().min(1).optional(),
      })
      .strict()
      .default({ paths: [] }),
    log: z
      .object({ level: logLevel.default('info') })
      .strict()
      .default({ level: 'info' }),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;

/** Environment overrides: variable → setting path. Documented in README ("Configuration"). */
export const ENV_OVERRIDES: ReadonlyArray<readonly [string, readonly string[], 'string' | 'list']> = [
  ['CIX_LISTEN_HOST', ['listen', 'host'], 'string'],
  ['CIX_LISTEN_PORT', ['listen', 'port'], 'string'],
  ['CIX_PUBLIC_URL', ['publicUrl'], 'string'],
  ['CIX_MATTERMOST_SITE_URL', ['mattermost', 'siteUrl'], 'string'],
  ['CIX_MATTERMOST_BOT_TOKEN', ['mattermost', 'botToken'], 'string'],
  ['CIX_MATTERMOST_TEAMS', ['mattermost', 'teams'], 'list'],
  ['CIX_MATTERMOST_SECURITY_TEAM', ['mattermost', 'securityTeam'], 'list'],
  ['CIX_MATTERMOST_STAKEHOLDER_CHANNEL', ['mattermost', 'stakeholderChannel'], 'string'],
  ['CIX_PERMISSIONS_START_USERS', ['permissions', 'startUsers'], 'list'],
  ['CIX_PERMISSIONS_START_TEAMS', ['permissions', 'startTeams'], 'list'],
  ['CIX_DATA_DIR', ['dataDir'], 'string'],
  ['CIX_SCAN_PATHS', ['scan', 'paths'], 'list'],
  ['CIX_SCAN_CACHE', ['scan', 'cache'], 'string'],
  ['CIX_LOG_LEVEL', ['log', 'level'], 'string'],
];

export const DEFAULT_CONFIG_FILE = 'ci-exposure.yaml';

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node: Record<string, unknown> = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) {
      node[key] = {};
    }
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

export interface LoadConfigOptions {
  /** Path given with --config; undefined means the default file. */
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface LoadedConfig {
  config: Config;
  file: string;
}

/** Loads and validates; throws UserError (exit 2) with a single clear line on any problem. */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const shown = options.file ?? `./${DEFAULT_CONFIG_FILE}`;
  const file = resolve(cwd, options.file ?? DEFAULT_CONFIG_FILE);

  if (!existsSync(file)) {
    throw new UserError(
      `configuration file ${shown} not found: create it (see README, "Configuration") or pass --config FILE`,
    );
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`configuration file ${shown} cannot be read: ${(err as Error).message}`);
  }

  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const firstError = doc.errors[0];
  if (firstError) {
    const pos = lineCounter.linePos(firstError.pos[0]);
    const reason = firstError.message.split('\n')[0] ?? firstError.code;
    throw new UserError(`configuration file ${shown}:${pos.line}:${pos.col}: invalid YAML: ${reason}`);
  }
  const raw: unknown = doc.toJS({ maxAliasCount: 100 }) ?? {};
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new UserError(`configuration file ${shown}: must be a mapping of settings (see README, "Configuration")`);
  }
  const merged = raw as Record<string, unknown>;

  const fromEnv = new Map<string, string>();
  for (const [name, path, kind] of ENV_OVERRIDES) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    const parsed = kind === 'list' ? value.split(',').map((v) => v.trim()).filter((v) => v !== '') : value;
    setPath(merged, path, parsed);
    fromEnv.set(path.join('.'), name);
  }

  const result = configSchema.safeParse(merged);
  if (!result.success) {
    const issue = result.error.issues[0];
    const setting = issue && issue.path.length > 0 ? issue.path.join('.') : '(top level)';
    let message = issue?.message ?? 'invalid';
    if (issue?.code === 'unrecognized_keys') {
      message = `unknown setting ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    } else if (issue?.code === 'invalid_type' && /received undefined/.test(issue.message)) {
      message = 'required setting is missing';
    }
    const envName = fromEnv.get(setting);
    const where = envName ? `environment variable ${envName}` : `configuration file ${shown}`;
    throw new UserError(`${where}: setting "${setting}": ${message}`);
  }
  return { config: result.data, file };
}

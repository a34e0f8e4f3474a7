import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { checkJenkinsLibraries, resolveSourceSpec, sourceEnv, type SourceEnv } from '@ci-exposure/engine';
import { Document, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { UserError } from './errors';
import { checklistProblems, type IncidentKind } from './incidents/templates';

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

const CREDENTIALS_HINT =
  'a source URL must not carry credentials (user:password@ or a token parameter): give tokens in the environment (GITHUB_TOKEN, GITLAB_TOKEN, CIRCLECI_TOKEN)';

/** Does a source spec carry a credential (`https://user:secret@host/…`, `?private_token=…`)? */
function carriesCredentials(spec: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\/[^/?#@]*:[^/?#@]*@/i.test(spec) || /[?&](private_token|access_token|token|job_token)=/i.test(spec);
}

const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;
const DURATION_HINT = 'must be a duration such as 90s, 15m, 8h or 1h30m, a number of minutes, or none';

/**
 * A duration in milliseconds: `90s`, `15m`, `8h`, `2d`, combined largest unit first (`1h30m`), or a
 * number of minutes. Undefined when the value is none of these or not positive.
 */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') {
    return Number.isFinite(value) && value > 0 ? Math.round(value * 60_000) : undefined;
  }
  const match = DURATION.exec(value.trim());
  if (!match || value.trim() === '') return undefined;
  const [days = 0, hours = 0, minutes = 0, seconds = 0] = match.slice(1).map((v) => (v === undefined ? 0 : Number(v)));
  const ms = (((days * 24 + hours) * 60 + minutes) * 60 + seconds) * 1000;
  return ms > 0 && Number.isSafeInteger(ms) ? ms : undefined;
}

/** A due time: milliseconds after the start, or null for `none` (the milestone has no due time). */
const dueTime = z.union([z.number(), z.string()]).transform((value, ctx): number | null => {
  if (value === 'none') return null;
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `${DURATION_HINT} (got ${JSON.stringify(value)})` });
    return z.NEVER;
  }
  return ms;
});

const dueTimes = z.record(z.string(), dueTime);

const kindChecklist = z
  .object({
    /** Due times of this kind's milestones, by milestone id (over checklist.due). */
    due: dueTimes.optional(),
    /** This kind's milestones in order, replacing the built-in list: an id, or {id, title}. */
    milestones: z.array(z.union([z.string(), z.object({ id: z.string(), title: z.string() }).strict()])).optional(),
  })
  .strict()
  .optional();

const checklistKinds = {
  action: kindChecklist,
  orb: kindChecklist,
  script: kindChecklist,
  image: kindChecklist,
  package: kindChecklist,
  platform: kindChecklist,
} satisfies Record<IncidentKind, typeof kindChecklist>;

/** Overrides of the checklist templates (incidents/templates); ids are checked against them. */
const checklistSection = z
  .object({
    /** Due times by milestone id, for every kind. */
    due: dueTimes.optional(),
    kinds: z.object(checklistKinds).strict().optional(),
  })
  .strict()
  .superRefine((section, ctx) => {
    const [first] = checklistProblems(section);
    if (first) ctx.addIssue({ code: 'custom', path: first.path, message: first.message });
  });

export type ChecklistConfigInput = z.input<typeof checklistSection>;

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
    /**
     * Outbox (notices, DMs, stakeholder posts): how long a bridge keeps a message it took to send before
     * another bridge may take it (a bridge that dies mid-send hands its messages on after this).
     */
    outbox: z
      .object({ leaseSeconds: z.coerce.number().int().min(5).max(3600).default(60) })
      .strict()
      .default({ leaseSeconds: 60 }),
    /** The shared store: `postgres://…` for several bridges on one PostgreSQL; unset: SQLite in dataDir. */
    store: z
      .object({
        url: z
          .string()
          .regex(/^postgres(ql)?:\/\/\S+$/i, { message: 'must be a postgres:// URL (leave store.url out for the embedded SQLite store)' })
          .optional(),
      })
      .strict()
      .default({}),
    scan: z
      .object({
        /** Folders holding repository checkouts (one checkout, or `<owner>/<repo>` checkouts): local sources. */
        paths: z.array(z.string().min(1)).default([]),
        /**
         * The organisation's sources, as `ci-exposure scan` takes them: a folder, a git URL, `github:ORG`,
         * `gitlab:GROUP` / `gitlab:https://HOST/GROUP`, `circleci:VCS/ORG`. Credentials come from the
         * environment only (GITHUB_TOKEN, GITLAB_TOKEN, CIRCLECI_TOKEN): a URL carrying one is refused.
         */
        sources: z.array(z.string().min(1).refine((spec) => !carriesCredentials(spec), { message: CREDENTIALS_HINT })).default([]),
        /**
         * Which repository holds each Jenkins shared library (as Jenkins' Global Pipeline Libraries: name,
         * git URL, default version), so that a Jenkinsfile's `@Library('name@ref')` is fetched. Credentials
         * come from the environment or the git setup, never from a URL here.
         */
        jenkinsLibraries: z
          .array(
            z
              .object({
                name: z.string().min(1),
                url: z.string().min(1).refine((url) => !carriesCredentials(url), { message: CREDENTIALS_HINT }),
                defaultVersion: z.string().min(1).optional(),
                implicit: z.boolean().optional(),
              })
              .strict(),
          )
          .optional(),
        /** Component cache directory (see README, "Component cache"). */
        cache: z.string().min(1).optional(),
        /** Git mirrors and fetched components (default `<dataDir>/sources`). */
        dataDir: z.string().min(1).optional(),
        /** How long one lookup may take; past it the report says partial and what was not done. */
        timeoutMinutes: z.coerce.number().positive().max(24 * 60).default(15),
        /**
         * Read run history for affected jobs inside the incident window (GitHub Actions: runs, jobs, the
         * commit each action resolved to from the job logs) — needs GITHUB_TOKEN with Actions read.
         */
        evidence: z
          .union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')])
          .default(false),
      })
      .strict()
      .default({ paths: [], sources: [], timeoutMinutes: 15, evidence: false }),
    log: z
      .object({ level: logLevel.default('info') })
      .strict()
      .default({ level: 'info' }),
    /** Checklist templates: due times and milestone lists (see README, "Configuration"). */
    checklist: checklistSection.default({}),
    /**
     * Owners told: per affected repository, each of its CODEOWNERS owners mapped here to Mattermost users is
     * sent one direct message with that repository's findings (first answer, and a re-check that changes
     * them). `map`: CODEOWNERS handle (`@org/team`, `@user`, e-mail) → Mattermost username(s). Default off.
     */
    owners: z
      .object({
        directMessages: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]).default(false),
        map: z.record(z.string().min(1), z.union([z.string().min(1), z.array(z.string().min(1)).min(1)])).default({}),
      })
      .strict()
      .default({ directMessages: false, map: {} }),
    /** The self-checking checklist: how often open incidents are re-checked (minutes; 0: never). */
    evidence: z
      .object({ recheckMinutes: z.coerce.number().min(0).max(7 * 24 * 60).default(30) })
      .strict()
      .default({ recheckMinutes: 30 }),
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
  ['CIX_STORE_URL', ['store', 'url'], 'string'],
  ['CIX_OUTBOX_LEASE_SECONDS', ['outbox', 'leaseSeconds'], 'string'],
  ['CIX_SCAN_PATHS', ['scan', 'paths'], 'list'],
  ['CIX_SCAN_SOURCES', ['scan', 'sources'], 'list'],
  ['CIX_SCAN_CACHE', ['scan', 'cache'], 'string'],
  ['CIX_SCAN_DATA_DIR', ['scan', 'dataDir'], 'string'],
  ['CIX_SCAN_TIMEOUT_MINUTES', ['scan', 'timeoutMinutes'], 'string'],
  ['CIX_SCAN_EVIDENCE', ['scan', 'evidence'], 'string'],
  ['CIX_LOG_LEVEL', ['log', 'level'], 'string'],
  ['CIX_EVIDENCE_RECHECK_MINUTES', ['evidence', 'recheckMinutes'], 'string'],
  ['CIX_OWNERS_DIRECT_MESSAGES', ['owners', 'directMessages'], 'string'],
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
    throw new UserError(`${whereFrom(fromEnv, setting, shown)}: setting "${setting}": ${message}`);
  }
  const [problem] = sourceProblems(result.data, sourceEnv(env));
  if (problem) throw new UserError(`${whereFrom(fromEnv, problem.setting, shown)}: setting "${problem.setting}": ${problem.message}`);
  return { config: result.data, file };
}

/** The environment variable a setting (or an item of a list setting) came from, or the file. */
function whereFrom(fromEnv: ReadonlyMap<string, string>, setting: string, shown: string): string {
  const envName = [...fromEnv].find(([path]) => setting === path || setting.startsWith(`${path}.`))?.[1];
  return envName ? `environment variable ${envName}` : `configuration file ${shown}`;
}

/** Where git mirrors and fetched components are kept: `scan.dataDir`, default `<dataDir>/sources`. */
export function sourcesDataDir(config: Pick<Config, 'dataDir' | 'scan'>): string {
  return config.scan.dataDir ?? join(config.dataDir, 'sources');
}

/**
 * Each configured source read by the engine's own parser (the one `ci-exposure scan` uses), so that a
 * spec it would refuse stops the bridge at start rather than failing every lookup: `scan.sources.N` that
 * is no source, `scan.paths.N` that is not a local path. Messages never hold a credential (the engine's
 * do not; a URL with one was refused by the schema).
 */
export function sourceProblems(config: Pick<Config, 'dataDir' | 'scan'>, env: SourceEnv): Array<{ setting: string; message: string }> {
  const options = { dataDir: sourcesDataDir(config) };
  const problems: Array<{ setting: string; message: string }> = [];
  config.scan.sources.forEach((spec, i) => {
    const r = resolveSourceSpec(spec, env, options);
    if (r.kind === 'error') problems.push({ setting: `scan.sources.${i}`, message: r.message });
  });
  const libraries = checkJenkinsLibraries(config.scan.jenkinsLibraries ?? [], (i: number) => `scan.jenkinsLibraries.${i}`);
  if (!libraries.ok) problems.push({ setting: `scan.jenkinsLibraries.${libraries.index}`, message: libraries.problem });
  config.scan.paths.forEach((path, i) => {
    const r = resolveSourceSpec(path, env, options);
    if (r.kind !== 'local') problems.push({ setting: `scan.paths.${i}`, message: `not a local folder: ${r.kind === 'error' ? r.message : path} (git URLs and providers go in scan.sources)` });
  });
  return problems;
}

/** What `ci-exposure setup` knows from its flags when it writes a missing configuration file. */
export interface InitialSettings {
  siteUrl: string;
  publicUrl: string;
  teams: readonly string[];
  /** Written only when given (a --data-dir flag); otherwise the default applies. */
  dataDir?: string | undefined;
}

/**
 * The text of a new configuration file holding exactly these settings (never a token). Throws a
 * UserError naming the setting when a value would not load back.
 */
export function initialConfigText(settings: InitialSettings): string {
  const raw = {
    mattermost: { siteUrl: settings.siteUrl, teams: [...settings.teams] },
    publicUrl: settings.publicUrl,
    ...(settings.dataDir !== undefined ? { dataDir: settings.dataDir } : {}),
  };
  const checked = configSchema.safeParse(raw);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new UserError(`setup: cannot write the configuration: setting "${issue?.path.join('.') ?? ''}": ${issue?.message ?? 'invalid'}`);
  }
  const doc = new Document(raw);
  doc.commentBefore =
    ' CI Exposure bridge configuration, written by `ci-exposure setup` from its flags.\n' +
    ' Every setting is described in the README ("Configuration"). Tokens are not kept here:\n' +
    " the bot token is in the bridge's store.";
  return doc.toString();
}

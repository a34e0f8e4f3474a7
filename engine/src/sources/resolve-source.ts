/**
 * IMPERATIVE SHELL: a source spec as the user writes it — wherever `ci-exposure scan` takes a PATH — to
 * a RepoSource:
 *
 *   PATH                                  a checkout or a folder of checkouts (local-source.ts)
 *   https://…/x.git, ssh://…, git://…,    a git repository, mirrored into the data directory
 *   file:///…, user@host:x.git, git+URL   (git/git-source.ts)
 *   github:ORG, github:OWNER/REPO         the providers, through SOURCE_PROVIDERS below
 *   gitlab:GROUP, gitlab:https://HOST/GROUP
 *   circleci:VCS/ORG
 *
 * Providers plug in through the registry: a `SourceProvider` names its prefix, makes a RepoSource from
 * the rest of the spec (credentials and base URLs only from the SourceEnv: GITHUB_TOKEN, GITLAB_TOKEN,
 * CIRCLECI_TOKEN, GITHUB_API_URL, GITLAB_URL, CIRCLECI_URL), and may offer ComponentFetchers for the
 * fetch loop (fetch-loop.ts). A spec whose provider is not registered is a usage error that says so.
 */
import { circleciProvider } from './circleci/provider';
import { gitSource } from './git/git-source';
import { parseGitSpec } from './git/git-url';
import { githubProvider } from './github/provider';
import { gitlabProvider } from './gitlab/provider';
import { jenkinsLibraryFetchers, type JenkinsLibraryMapping } from './jenkins';
import { pathKind } from './local-dir';
import { KNOWN_PREFIXES, prefixOf, URL_FORM } from './spec-kind';
import { localSource } from './local-source';
import type { ComponentFetcher, RepoSource, TimeWindow } from './source';

/** The environment variables a source may read: tokens and base URLs, nothing else. */
export const SOURCE_ENV_NAMES = ['GITHUB_TOKEN', 'GITLAB_TOKEN', 'CIRCLECI_TOKEN', 'GITHUB_API_URL', 'GITLAB_URL', 'CIRCLECI_URL'] as const;
export type SourceEnv = Readonly<Partial<Record<(typeof SOURCE_ENV_NAMES)[number], string>>>;

/** Only the names sources read, from an environment (process.env): nothing else reaches a provider. */
export function sourceEnv(env: Readonly<Record<string, string | undefined>>): SourceEnv {
  const out: Partial<Record<(typeof SOURCE_ENV_NAMES)[number], string>> = {};
  for (const name of SOURCE_ENV_NAMES) {
    const value = env[name];
    if (value !== undefined && value !== '') out[name] = value;
  }
  return out;
}

export interface SourceOptions {
  /** The data directory (mirrors, component store, the providers' own caches). */
  dataDir: string;
  /**
   * The incident window of the scan, when it has one. Fetchers read moving refs as of its end where the
   * provider keeps that history (CircleCI orbs: the newest version published by then); where it does not
   * (a GitHub or GitLab branch), they read it as it is today and say so in their outcome's `note`.
   */
  window?: TimeWindow;
  /** Which repository holds each Jenkins shared library (`--jenkins-library`; sources/jenkins/mapping.ts). */
  jenkinsLibraries?: readonly JenkinsLibraryMapping[];
}

/** What a provider's `create` answers: a source, or a usage error in one line (never a credential). */
export type CreatedSource = RepoSource | { error: string };

export interface SourceProvider {
  /** The spec prefix before the first `:` (`github` for `github:acme`). */
  prefix: string;
  /** The spec forms, for messages and help: `github:ORG | github:OWNER/REPO`. */
  usage: string;
  /** A RepoSource for the spec after `<prefix>:`. */
  create(rest: string, env: SourceEnv, options: SourceOptions): CreatedSource;
  /** The component fetchers it offers (actions, orbs, includes…), used by every scan that fetches. */
  fetchers?(env: SourceEnv, options: SourceOptions): ComponentFetcher[];
}

/**
 * The registered providers. ADD YOURS HERE, one line each (import its factory above):
 *   github:   `githubProvider` from './github/…'
 *   gitlab:   `gitlabProvider` from './gitlab/…'
 *   circleci: `circleciProvider` from './circleci/…'
 */
export const SOURCE_PROVIDERS: readonly SourceProvider[] = [githubProvider, gitlabProvider, circleciProvider];


export type ResolvedSource = { kind: 'local'; path: string } | { kind: 'remote'; source: RepoSource } | { kind: 'error'; message: string };


/**
 * One spec to a source: a git URL, a registered provider's spec, or a local path. Local paths are
 * returned as paths (the caller reads them together: several paths are one local source).
 */
export function resolveSourceSpec(spec: string, env: SourceEnv, options: SourceOptions, providers: readonly SourceProvider[] = SOURCE_PROVIDERS): ResolvedSource {
  const git = parseGitSpec(spec);
  if (git !== undefined) {
    const source = gitSource(spec, { dataDir: options.dataDir });
    return source === undefined ? { kind: 'error', message: `not a git URL: ${spec}` } : { kind: 'remote', source };
  }
  if (URL_FORM.test(spec) && !spec.startsWith('git+')) {
    return { kind: 'error', message: `not a git URL: ${spec} (a URL is read with git when it ends in .git, or written git+URL)` };
  }
  if (spec.startsWith('git+')) return { kind: 'error', message: `not a git URL: ${spec.slice(4)} (git+https://…, git+ssh://…, git+file:///…)` };
  const prefix = prefixOf(spec);
  if (prefix !== undefined) {
    const provider = providers.find((p) => p.prefix === prefix);
    if (provider !== undefined) {
      const created = provider.create(spec.slice(prefix.length + 1), env, options);
      return 'error' in created ? { kind: 'error', message: created.error } : { kind: 'remote', source: created };
    }
    if (KNOWN_PREFIXES.includes(prefix)) return { kind: 'error', message: `no ${prefix} source registered: ${spec} cannot be read by this build` };
    const kind = pathKind(spec);
    if (kind === 'missing' || kind === 'not-a-directory') {
      const forms = ['PATH', 'a git URL', ...providers.map((p) => p.usage)].join(', ');
      return { kind: 'error', message: `unknown source "${spec}" (one of ${forms})` };
    }
  }
  return { kind: 'local', path: spec };
}

export interface ResolvedSources {
  sources: RepoSource[];
  /** Local paths that are not folders (a usage error for the CLI). */
  missing: string[];
  /** Specs that could not be made into a source (a usage error). */
  errors: string[];
  /** Does any spec read a remote source (components are then fetched by default)? */
  remote: boolean;
}

/** Every spec of a command line: local paths together as one source, each remote spec its own. */
export function resolveSources(specs: readonly string[], env: SourceEnv, options: SourceOptions, providers: readonly SourceProvider[] = SOURCE_PROVIDERS): ResolvedSources {
  const local: string[] = [];
  const missing: string[] = [];
  const errors: string[] = [];
  const sources: RepoSource[] = [];
  for (const spec of specs) {
    const r = resolveSourceSpec(spec, env, options, providers);
    if (r.kind === 'error') errors.push(r.message);
    else if (r.kind === 'remote') sources.push(r.source);
    else {
      const kind = pathKind(r.path);
      if (kind === 'missing' || kind === 'not-a-directory') missing.push(r.path);
      else local.push(r.path);
    }
  }
  const remote = sources.length > 0;
  if (local.length > 0) sources.unshift(localSource(local));
  return { sources, missing, errors, remote };
}

/** The fetchers of every registered provider (a git URL's actions are fetched from GitHub as well). */
export function providerFetchers(env: SourceEnv, options: SourceOptions, providers: readonly SourceProvider[] = SOURCE_PROVIDERS): ComponentFetcher[] {
  // Jenkins shared libraries come from the repositories the user mapped them to (no provider prefix).
  return [...providers.flatMap((p) => p.fetchers?.(env, options) ?? []), ...jenkinsLibraryFetchers(options)];
}

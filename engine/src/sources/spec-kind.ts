/**
 * What kind of source a command-line spec is, told without the providers (resolve-source.ts reads specs
 * with these rules): a scan of local folders only need not load the GitHub, GitLab and CircleCI clients.
 */
import { parseGitSpec } from './git/git-url';

/** Prefixes that name a provider (whether registered or not): such a spec is never a local path. */
export const KNOWN_PREFIXES: readonly string[] = ['github', 'gitlab', 'circleci'];

/** A URL (`scheme://…`): a git URL, or an error, never a local path. */
export const URL_FORM = /^[a-z][a-z0-9+.-]*:\/\//i;

/** `github` from `github:acme`; undefined for a path, a URL or a Windows drive (`C:`). */
export function prefixOf(spec: string): string | undefined {
  const m = /^([a-z][a-z0-9-]+):(?!\/\/)/i.exec(spec);
  return m?.[1]?.toLowerCase();
}

/**
 * Whether resolveSourceSpec can only read `spec` as a local path (it is then local when it is a folder, an
 * error when it is not): not a git URL, not a URL, not `git+…`, and no provider's prefix — the known ones,
 * and `prefixes` (those of the providers registered, when others are).
 */
export function isPathSpec(spec: string, prefixes: readonly string[] = []): boolean {
  if (parseGitSpec(spec) !== undefined || URL_FORM.test(spec) || spec.startsWith('git+')) return false;
  const prefix = prefixOf(spec);
  return prefix === undefined || (!KNOWN_PREFIXES.includes(prefix) && !prefixes.includes(prefix));
}

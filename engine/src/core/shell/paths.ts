/**
 * Paths named in shell text, as places in the repository: `./scripts/cover.sh` run from `ci/` is
 * `ci/scripts/cover.sh`; `$GITHUB_WORKSPACE/x.sh` is `x.sh`; `/usr/bin/x`, `~/x` and `$RUNNER_TEMP/x` are
 * outside the repository; `$DIR/x.sh` with `DIR` unknown cannot be placed. Pure.
 */
import { SUB_MARK } from './lexer';

/** Where a path leads: a repository-relative path (`''` is the root), outside the repository, or not known. */
export type RepoPath = { kind: 'repo'; path: string } | { kind: 'outside' } | { kind: 'unknown'; why: string };

/** The directory a command runs in: repository-relative, or not known (and why). */
export type Cwd = { path: string } | { unknown: string };

/** Stands for the repository root inside values the analyser computes (`$0`, `$(dirname "$0")`, `$(pwd)`). */
export const ROOT = '\u0002';

/** Variables (and GitHub expressions) that hold the repository checkout on the CI platforms. */
const ROOT_PREFIX = /^(?:\$\{\{\s*github\.workspace\s*\}\}|\$\{?(?:GITHUB_WORKSPACE|CI_PROJECT_DIR|CIRCLE_WORKING_DIRECTORY|BITBUCKET_CLONE_DIR|WORKSPACE)\}?)(?=\/|$)/;

/** Places that are not the repository: the home and temporary folders, the tool cache, a remote action's own folder. */
const OUTSIDE_PREFIX =
  /^(?:[/~]|\$\{\{\s*(?:github\.action_path|runner\.temp|runner\.tool_cache)\s*\}\}|\$\{?(?:HOME|RUNNER_TEMP|RUNNER_TOOL_CACHE|TMPDIR|GITHUB_ACTION_PATH|AGENT_TEMPDIRECTORY|AGENT_TOOLSDIRECTORY)\}?(?=\/|$))/;

/** `a/./b/../c` → `a/c`; undefined when `..` climbs above the start. */
export function normaliseRepoPath(path: string): string | undefined {
  const out: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length === 0) return undefined;
      out.pop();
    } else {
      out.push(seg);
    }
  }
  return out.join('/');
}

/** `dir` joined with the relative `rel`, normalised; undefined when it leaves the repository. */
export function joinRepoPath(dir: string, rel: string): string | undefined {
  return normaliseRepoPath(dir === '' ? rel : `${dir}/${rel}`);
}

/** The directory part of a repository-relative path (`''` for a file at the root). */
export function dirOf(path: string): string {
  const at = path.lastIndexOf('/');
  return at < 0 ? '' : path.slice(0, at);
}

/** The first variable or substitution a path depends on, to say why it cannot be placed. */
function dependsOn(p: string): string {
  if (p.includes(SUB_MARK)) return 'a command substitution';
  const v = /\$\{\{[^}]*\}\}|\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*|\$./.exec(p);
  return v ? v[0] : 'a value';
}

/**
 * Where path `p` (after variable substitution) leads when the command runs in `cwd`. A path the
 * analyser anchored at ROOT is repository-relative whatever `cwd`.
 */
export function resolveRepoPath(p: string, cwd: Cwd): RepoPath {
  let text = p.trim();
  let base: string | undefined;
  if (text.startsWith(ROOT)) {
    base = '';
    text = text.slice(ROOT.length);
  } else {
    const root = ROOT_PREFIX.exec(text);
    if (root) {
      base = '';
      text = text.slice(root[0].length);
    }
  }
  if (base === undefined && OUTSIDE_PREFIX.test(text)) return { kind: 'outside' };
  if (text.includes('$') || text.includes('`') || text.includes(SUB_MARK)) {
    return { kind: 'unknown', why: `the path depends on ${dependsOn(text)}, which is not known when reading` };
  }
  if (base === undefined) {
    if ('unknown' in cwd) return { kind: 'unknown', why: cwd.unknown };
    base = cwd.path;
  }
  const joined = joinRepoPath(base, text.replace(/^\/+/, ''));
  if (joined === undefined) return { kind: 'unknown', why: `${p.replace(ROOT, '<repository>')} points outside the repository` };
  return { kind: 'repo', path: joined };
}

/** A repository path as the analyser writes values (anchored, so that later `cd`s do not move it). */
export function anchored(path: string): string {
  return path === '' ? ROOT : `${ROOT}/${path}`;
}

/**
 * IMPERATIVE SHELL: a git URL as a RepoSource. The repository is mirrored with the real `git` into the
 * data directory (`<data-dir>/git/<name>-<hash>.git`: `git clone --mirror --filter=blob:none`, blobs
 * fetched only when read; `git fetch --prune` refreshes a mirror already there) and only its pipeline
 * files are read, from the tree of each commit needed (`git ls-tree`, `git cat-file`; nothing is checked
 * out). The other files a job runs are read on demand at the same commit.
 *
 * Versions, on the default branch's first-parent history (when a commit reached the branch: a merge
 * counts at the merge), dated by committer date:
 *  - no window: today's head;
 *  - a window: the commit current at the window's start (`git log -1 --before=START`), every commit
 *    inside the window that changed a pipeline file (`--since=START --until=END -- <pathspecs>`: the
 *    platforms' discovery globs, and the files the window-start version brought in through includes and
 *    loads), and today's head when a pipeline file changed after the window. Each says when it was live
 *    and which version replaced it, so that a workflow deleted inside the window is found in the version
 *    before its deletion and reported as "live until its removal by <commit> at <time>".
 * A clone or fetch that fails is a RepoFailure with git's message (credentials removed).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { VersionInfo } from '../../core/model';
import type { RepoFailure, RepoSource, RepoVersion, SourceProgress, TimeWindow } from '../source';
import { type GitSpec, parseGitSpec, redactUrl } from './git-url';
import { git } from './run-git';
import { commitFileReader, listTree, pipelinePathspecs, readPipelineFiles, type TreeReadOptions } from './tree-files';

export interface GitSourceOptions extends TreeReadOptions {
  /** The data directory (default `./.ci-exposure`); mirrors live in its `git/` folder. */
  dataDir: string;
}

/** A commit on the default branch and its committer date (ms). */
interface Dated {
  commit: string;
  at: number;
}

/** Where the mirror of `spec` lives in the data directory. */
export function mirrorPath(dataDir: string, spec: GitSpec): string {
  const hash = createHash('sha256').update(spec.url).digest('hex').slice(0, 12);
  const name = spec.repo.replace(/[^A-Za-z0-9._-]+/g, '+').slice(0, 80);
  return join(dataDir, 'git', `${name}-${hash}.git`);
}

/** Clones the mirror, or refreshes it when it is there. Resolves to why not, or undefined. */
export async function syncMirror(spec: GitSpec, dir: string): Promise<string | undefined> {
  if (existsSync(join(dir, 'HEAD'))) {
    const r = await git(['fetch', '--prune', '--quiet', 'origin'], { gitDir: dir });
    return r.ok ? undefined : `git fetch failed: ${r.reason}`;
  }
  mkdirSync(join(dir, '..'), { recursive: true });
  // Cloned beside and renamed: an interrupted clone is never taken for a mirror.
  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  const r = await git(['clone', '--mirror', '--quiet', '--filter=blob:none', '--', spec.url, partial]);
  if (!r.ok) {
    rmSync(partial, { recursive: true, force: true });
    return `git clone failed: ${r.reason}`;
  }
  renameSync(partial, dir);
  return undefined;
}

const seconds = (ms: number): string => `@${Math.floor(ms / 1000)}`;

function parseDated(out: Buffer): Dated[] {
  return out
    .toString('utf8')
    .split('\n')
    .map((l) => /^([0-9a-f]{40,64}) (\d+)$/.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ commit: m[1] as string, at: Number(m[2]) * 1000 }));
}

/** `git log --first-parent --format='%H %ct' …` on the default branch. */
async function commits(gitDir: string, args: readonly string[], pathspecs?: readonly string[]): Promise<Dated[] | string> {
  const r = await git(['log', '--first-parent', '--format=%H %ct', ...args, 'HEAD', ...(pathspecs === undefined ? [] : ['--', ...pathspecs])], { gitDir });
  return r.ok ? parseDated(r.stdout) : `git log failed: ${r.reason}`;
}

/** A git repository as a RepoSource. Undefined when `specText` is not a git URL. */
export function gitSource(specText: string, options: GitSourceOptions): RepoSource | undefined {
  const parsed = parseGitSpec(specText);
  if (parsed === undefined) return undefined;
  const spec: GitSpec = parsed;
  const dir = mirrorPath(options.dataDir, spec);
  const id = redactUrl(specText);

  async function* versions(window: TimeWindow | undefined, progress?: SourceProgress): AsyncIterable<RepoVersion | RepoFailure> {
    progress?.listed(1, 1);
    const failed = (reason: string): RepoFailure => ({ repo: spec.repo, reason, failure: true });
    const synced = await syncMirror(spec, dir);
    if (synced !== undefined) {
      yield failed(synced);
      progress?.read(spec.repo);
      return;
    }
    const plan = await planVersions(dir, window);
    if (typeof plan === 'string') {
      yield failed(plan);
      progress?.read(spec.repo);
      return;
    }
    for (const version of plan) {
      const listed = listTree(dir, version.commit);
      if ('reason' in listed) {
        yield failed(listed.reason);
        continue;
      }
      const read = readPipelineFiles(dir, listed.tree, spec.repo, options);
      yield { repo: spec.repo, files: read.files, reader: commitFileReader(dir, listed.tree, options), version, errors: read.errors };
    }
    progress?.read(spec.repo);
  }

  return { id, versions };
}

/**
 * The versions to read (see the header), oldest first, or why they could not be listed. An empty
 * repository (no commit) has none.
 */
export async function planVersions(gitDir: string, window: TimeWindow | undefined): Promise<VersionInfo[] | string> {
  const head = await commits(gitDir, ['-1']);
  if (typeof head === 'string') return head.includes('does not have any commits') || head.includes("unknown revision or path not in the working tree") ? [] : head;
  const tip = head[0];
  if (tip === undefined) return [];
  /** When the pipeline files at `commit` took that form: the last commit at or before it that changed one. */
  const since = async (commit: string, extra: readonly string[]): Promise<number | undefined> => {
    const r = await git(['log', '--first-parent', '--format=%H %ct', '-1', commit, '--', ...pipelinePathspecs(extra)], { gitDir });
    return r.ok ? parseDated(r.stdout)[0]?.at : undefined;
  };
  const headVersion = async (): Promise<VersionInfo> => {
    const from = await since(tip.commit, []);
    return { commit: tip.commit, committedAt: tip.at, role: 'head', ...(from === undefined ? {} : { liveFrom: from }) };
  };
  if (window === undefined) return [await headVersion()];

  const before = await commits(gitDir, ['-1', `--before=${seconds(window.start)}`]);
  if (typeof before === 'string') return before;
  const start = before[0];
  // Files the window-start version brings in beyond the discovery globs (GitLab local includes, Jenkins loads): their changes count too.
  let extra: string[] = [];
  if (start !== undefined) {
    const listed = listTree(gitDir, start.commit);
    if ('reason' in listed) return listed.reason;
    extra = readPipelineFiles(gitDir, listed.tree, '').files.map((f) => f.path);
  }
  const pathspecs = pipelinePathspecs(extra);
  const inWindow = await commits(gitDir, ['--reverse', `--since=${seconds(window.start)}`, `--until=${seconds(window.end)}`], pathspecs);
  if (typeof inWindow === 'string') return inWindow;
  const after = await commits(gitDir, ['--reverse', `--since=${seconds(window.end + 1000)}`], pathspecs);
  if (typeof after === 'string') return after;

  const chain: Array<{ dated: Dated; role: VersionInfo['role']; liveFrom?: number }> = [];
  if (start !== undefined) {
    const from = await since(start.commit, extra);
    chain.push({ dated: start, role: 'window-start', ...(from === undefined ? {} : { liveFrom: from }) });
  }
  for (const c of inWindow) if (c.commit !== start?.commit && c.at >= window.start && c.at <= window.end) chain.push({ dated: c, role: 'in-window', liveFrom: c.at });
  const replacement = after.find((c) => c.at > window.end);
  const out: VersionInfo[] = chain.map((c, i) => {
    const next = chain[i + 1]?.dated ?? replacement;
    return {
      commit: c.dated.commit,
      committedAt: c.dated.at,
      role: c.role,
      ...(c.liveFrom === undefined ? {} : { liveFrom: c.liveFrom }),
      ...(next === undefined ? {} : { liveUntil: next.at, replacedBy: next.commit }),
    };
  });
  // Today's head when its pipeline files differ from the last version of the window (or nothing was live in it).
  if (out.length === 0 || (replacement !== undefined && !out.some((v) => v.commit === tip.commit))) {
    out.push(await headVersion());
  }
  return out;
}

export { parseGitSpec };

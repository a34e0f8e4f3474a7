/**
 * IMPERATIVE SHELL: a GitLab group as a RepoSource — `gitlab:GROUP` (GITLAB_URL, default gitlab.com) or
 * `gitlab:https://gitlab.example.com/group/sub` (a self-hosted instance by URL).
 *
 * Projects: `GET /groups/:id/projects?include_subgroups=true&with_shared=false` — every project of the
 * group and its subgroups at any depth, and only those (GitLab adds projects of other namespaces shared
 * into the group unless `with_shared=false`). Archived projects are listed and scanned like the others.
 * Per project: `GET /projects/:id` (default branch, `ci_config_path`), then the versions:
 *
 *   head          `commits?ref_name=<default>&first_parent=true&per_page=1`
 *   window-start  the same with `until=<window start>`: the commit current when the window opened
 *   in-window     `commits?…&since=<start>&until=<end>&path=<p>` for each pipeline path `p` read in any
 *                 version (and each folder discovery looks in), repeated while new versions name new
 *                 paths — only when the window has any commit at all (one call says)
 *
 * Each version's files are read by version-files.ts; its other files through a round reader
 * (repo-files.ts). `liveUntil`/`replacedBy` name the next version read: exact inside the window, an upper
 * bound for the step to today's head (commits after the window are not listed). A project GitLab refuses
 * (403, rate limit exhausted…) is one RepoFailure with GitLab's answer; the others go on.
 */
import type { RepoFilePrefetcher, RepoSource, RepoVersion, RepoFailure, SourceProgress, TimeWindow } from '../source';
import { GitLabClient, type GitLabClientOptions, encodePathParam } from './client';
import { gitlabFilePrefetcher, gitlabRepoFiles } from './repo-files';
import { type Commit, commitSchema, type GroupProject, groupProjectSchema, projectSchema } from './schemas';
import { parseGitLabSpec } from './parse-spec';
import { readVersionFiles, type VersionFilesOptions } from './version-files';

export type GitLabEnv = Readonly<Record<string, string | undefined>>;

export interface GitLabSourceOptions extends VersionFilesOptions, Omit<GitLabClientOptions, 'baseUrl' | 'token'> {
  /** Projects read at the same time (default 4). */
  concurrency?: number;
}

/** The commit id of a version of an empty repository (no default branch, no commits). */
export const EMPTY_REPOSITORY = 'empty';
/** Most rounds of "new paths named by the in-window versions" per project. */
const MAX_WATCH_ROUNDS = 5;

type Item = RepoVersion | RepoFailure;

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Runs `work` over `items`, `n` at a time, yielding each result as it completes. */
async function* pool<T, R>(items: readonly T[], n: number, work: (t: T) => Promise<R>): AsyncGenerator<R> {
  const running = new Map<number, Promise<[number, R]>>();
  let next = 0;
  const start = (): void => {
    const i = next++;
    running.set(
      i,
      work(items[i] as T).then((r): [number, R] => [i, r]),
    );
  };
  while (next < items.length && running.size < n) start();
  while (running.size > 0) {
    const [i, r] = await Promise.race(running.values());
    running.delete(i);
    if (next < items.length) start();
    yield r;
  }
}

class GitLabSource implements RepoSource {
  readonly client: GitLabClient;
  /** Shared by the readers of every version (repo-files.ts), so the fetch loop reads them together. */
  private readonly prefetcher: RepoFilePrefetcher;

  constructor(
    readonly id: string,
    private readonly group: string,
    baseUrl: string,
    token: string | undefined,
    private readonly options: GitLabSourceOptions,
  ) {
    const clientOptions: GitLabClientOptions = { ...options, baseUrl };
    if (token) clientOptions.token = token;
    this.client = new GitLabClient(clientOptions);
    this.prefetcher = gitlabFilePrefetcher(`gitlab:${new URL(baseUrl).host}`, options.concurrency ?? 4);
  }

  async *versions(window: TimeWindow | undefined, progress?: SourceProgress): AsyncIterable<Item> {
    const listing = await this.client.list(`/groups/${encodePathParam(this.group)}/projects`, { include_subgroups: true, with_shared: false, order_by: 'id', sort: 'asc' }, groupProjectSchema, (count, total) =>
      progress?.listed(count, total),
    );
    if (!listing.ok) {
      yield { repo: this.group, reason: `listing the projects of GitLab group ${this.group}: ${listing.reason}`, failure: true };
      return;
    }
    progress?.listed(listing.data.length, listing.data.length);
    for await (const items of pool(listing.data, Math.max(1, this.options.concurrency ?? 4), (p) => this.project(p, window))) {
      yield* items;
      const repo = items[0]?.repo;
      if (repo !== undefined) progress?.read(repo);
    }
  }

  private async project(listed: GroupProject, window: TimeWindow | undefined): Promise<Item[]> {
    const repo = listed.path_with_namespace;
    const fail = (reason: string): Item[] => [{ repo, reason, failure: true }];
    try {
      const got = await this.client.get(`/projects/${listed.id}`, {}, projectSchema);
      if (!got.ok) return fail(got.reason);
      const project = got.data;
      const branch = project.default_branch;
      if (!branch) return [{ repo, files: [], version: { commit: EMPTY_REPOSITORY, role: 'head' } }];
      const commits = (query: Record<string, string | undefined>) =>
        this.client.list(`/projects/${project.id}/repository/commits`, { ref_name: branch, first_parent: true, ...query }, commitSchema);
      const latest = async (query: Record<string, string | undefined>): Promise<{ ok: true; commit?: Commit } | { ok: false; reason: string }> => {
        const r = await this.client.get(`/projects/${project.id}/repository/commits`, { ref_name: branch, first_parent: true, per_page: 1, ...query }, commitSchema.array());
        return r.ok ? (r.data[0] ? { ok: true, commit: r.data[0] } : { ok: true }) : r;
      };

      const head = await latest({});
      if (!head.ok) return fail(head.reason);
      if (!head.commit) return [{ repo, files: [], version: { commit: EMPTY_REPOSITORY, role: 'head' } }];

      const chosen = new Map<string, { commit: Commit; role: 'window-start' | 'in-window' | 'head' }>();
      if (window) {
        const start = await latest({ until: iso(window.start) });
        if (!start.ok) return fail(start.reason);
        if (start.commit) chosen.set(start.commit.id, { commit: start.commit, role: 'window-start' });
      }
      if (!chosen.has(head.commit.id)) chosen.set(head.commit.id, { commit: head.commit, role: 'head' });

      const read = new Map<string, RepoVersion>();
      const readOne = async (commit: Commit, role: 'window-start' | 'in-window' | 'head'): Promise<string[] | string> => {
        const files = await readVersionFiles(this.client, project.id, repo, commit.id, project.ci_config_path, this.options);
        if (!files.ok) return files.reason;
        const version: RepoVersion = {
          repo,
          files: files.files,
          reader: gitlabRepoFiles(this.client, project.id, commit.id, files.files, this.options, this.prefetcher),
          version: { commit: commit.id, committedAt: Date.parse(commit.committed_date), role },
        };
        if (files.errors.length > 0) version.errors = files.errors;
        read.set(commit.id, version);
        return files.watch;
      };

      const watch = new Set<string>();
      for (const { commit, role } of chosen.values()) {
        const w = await readOne(commit, role);
        if (typeof w === 'string') return fail(w);
        w.forEach((p) => watch.add(p));
      }

      if (window) {
        const any = await latest({ since: iso(window.start), until: iso(window.end) });
        if (!any.ok) return fail(any.reason);
        const asked = new Set<string>();
        for (let round = 0; any.commit && round < MAX_WATCH_ROUNDS; round++) {
          const fresh = [...watch].filter((p) => !asked.has(p));
          if (fresh.length === 0) break;
          for (const path of fresh) {
            asked.add(path);
            const touched = await commits({ since: iso(window.start), until: iso(window.end), path });
            if (!touched.ok) return fail(touched.reason);
            for (const c of touched.data) {
              const known = read.get(c.id);
              if (known) {
                // Today's head inside the window, or … it is a version of the window either way.
                if (known.version.role === 'head') known.version.role = 'in-window';
                continue;
              }
              const w = await readOne(c, 'in-window');
              if (typeof w === 'string') return fail(w);
              w.forEach((p) => watch.add(p));
            }
          }
        }
      }

      const versions = [...read.values()].sort((a, b) => (a.version.committedAt ?? 0) - (b.version.committedAt ?? 0));
      versions.forEach((v, i) => {
        v.version.liveFrom = v.version.committedAt;
        const next = versions[i + 1];
        if (next) {
          v.version.liveUntil = next.version.committedAt;
          v.version.replacedBy = next.version.commit;
        }
      });
      return versions;
    } catch (err) {
      // A bug must not lose the other projects; the message is ours (never a token).
      return fail(`internal error reading the project: ${(err as Error).message}`);
    }
  }
}

/**
 * The RepoSource of `spec` (`gitlab:GROUP` or `gitlab:https://host/group`). The token is `GITLAB_TOKEN`
 * (scope `read_api`), sent as `PRIVATE-TOKEN` to that instance only. Throws on a spec that is not one.
 */
export function createGitLabSource(spec: string, env: GitLabEnv, options: GitLabSourceOptions = {}): RepoSource & { readonly client: GitLabClient } {
  const parsed = parseGitLabSpec(spec, env);
  if (!parsed.ok) throw new Error(parsed.message);
  return new GitLabSource(spec, parsed.group, parsed.baseUrl, env.GITLAB_TOKEN?.trim() || undefined, options);
}

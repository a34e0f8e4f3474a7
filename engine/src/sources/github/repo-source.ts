/**
 * IMPERATIVE SHELL: GitHub as a RepoSource — `github:ORG` (every repository of the organisation, forks
 * and archived ones included) or `github:OWNER/REPO`.
 *
 *   list (GraphQL, 100 repositories per page, each node ALSO reading its pipeline files at HEAD)
 *     → further rounds for files the first round named (local actions, includes, `*.Jenkinsfile`),
 *       batched across repositories (≤ maxObjectsPerQuery objects per call)
 *     → with a window: one history query per ≤ maxReposPerQuery repositories (aliases), per repository
 *       the default branch's commit at the window's start (`history(first: 1, until:)`) and every commit
 *       in the window that touched a pipeline path (`history(since:, until:, path:)`, one alias per path)
 *     → the files at each of those commits, batched like the head's
 *     → per repository: RepoVersions (window-start, in-window…, head when different), or a RepoFailure.
 *
 * Head only without a window. A call GitHub refuses after the client's bounded retries (rate limits,
 * secondary limits, 5xx) turns the repositories it was about into RepoFailures with GitHub's reason; the
 * other repositories go on. Memory is bounded by a listing page.
 */
import { z } from 'zod';
import type { PlatformModule, ScanError, SourceFile } from '../../core/model';
import { PLATFORMS } from '../../core/platforms';
import { parseUses } from '../../core/platforms/github-actions/parse';
import type { RepoFailure, RepoFilePrefetcher, RepoSource, RepoVersion, SourceProgress, TimeWindow, VersionInfo } from '../source';
import { clientOptionsFromEnv, GitHubApiError, GitHubClient, type GitHubClientOptions, type GraphQLErrorInfo } from './client';
import { DEFAULT_READ_LIMITS, gqlString, planFromDiscovery, type PathPlan, type ReadLimits, RevisionFiles } from './pipeline-files';
import { githubFilePrefetcher, GitHubRepoFileReader, prefetchRepoFiles } from './repo-files';

export type GitHubSpec = { kind: 'org'; org: string } | { kind: 'repo'; owner: string; name: string };

const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const NAME = /^[A-Za-z0-9._-]{1,100}$/;

/** `github:ORG` / `github:OWNER/REPO` → what to read; undefined when it is not a GitHub source spec. */
export function parseGitHubSpec(spec: string): GitHubSpec | undefined {
  const m = /^github:([^/]+)(?:\/([^/]+))?$/.exec(spec.trim());
  if (!m) return undefined;
  const [, owner = '', name] = m;
  if (!OWNER.test(owner)) return undefined;
  if (name === undefined) return { kind: 'org', org: owner };
  if (!NAME.test(name) || name === '.' || name === '..') return undefined;
  return { kind: 'repo', owner, name: name.replace(/\.git$/, '') };
}

export interface GitHubSourceOptions extends GitHubClientOptions {
  /** A client to share (with the fetcher); default: one made from the options and the environment. */
  client?: GitHubClient;
  /** Repositories per listing page (1–100, default 100). */
  pageSize?: number;
  /** Most `object` fields per file-reading GraphQL call (default 400). */
  maxObjectsPerQuery?: number;
  /** Repositories per history call (default 50). */
  maxReposPerQuery?: number;
  limits?: Partial<ReadLimits>;
  /** The platforms whose files are read (default: every registered platform). */
  platforms?: readonly PlatformModule[];
}

export interface GitHubRepoSource extends RepoSource {
  readonly client: GitHubClient;
  /** Fetches the files the scan asked the versions' readers for and did not have (see repo-files.ts). */
  prefetchFiles(versions: readonly RepoVersion[]): Promise<number>;
}

const CommitNodeSchema = z.object({ oid: z.string(), committedDate: z.string() });
const HeadSchema = z
  .object({
    name: z.string(),
    target: z.object({ oid: z.string(), committedDate: z.string().optional() }).nullable(),
  })
  .nullable();
const RepoNodeSchema = z.looseObject({ name: z.string(), nameWithOwner: z.string(), defaultBranchRef: HeadSchema });
const ListingSchema = z.object({
  organization: z
    .object({
      repositories: z.object({
        totalCount: z.number(),
        pageInfo: z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() }),
        nodes: z.array(RepoNodeSchema.nullable()),
      }),
    })
    .nullable(),
});
const OneRepoSchema = z.object({ repository: RepoNodeSchema.nullable() });
const HistoryConnSchema = z.object({ pageInfo: z.object({ hasNextPage: z.boolean() }).optional(), nodes: z.array(CommitNodeSchema.nullable()) });
const HistoryRepoSchema = z
  .object({ defaultBranchRef: z.object({ target: z.record(z.string(), z.unknown()).nullable() }).nullable() })
  .nullable();

/** Most listed repositories kept waiting for a fuller call. */
const MAX_CARRIED = 1000;

/** One repository being read. */
interface Entry {
  owner: string;
  name: string;
  full: string;
  head?: { oid: string; committedAt?: number };
  headFiles?: RevisionFiles;
  failure?: string;
  /** Window versions in order (window-start, in-window…), with their files. */
  versions: Array<{ info: VersionInfo; files: RevisionFiles }>;
  extraErrors: ScanError[];
}

function dateMs(iso: string | undefined): number | undefined {
  if (iso === undefined) return undefined;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : undefined;
}

function reasonOf(err: unknown): string {
  return err instanceof GitHubApiError ? err.message : `GitHub call failed: ${(err as Error).message}`;
}

/** `uses: ./x` and `uses: $/x` of a GitHub workflow or action file: the local files it names. */
function localUsesOf(isGithubFile: (path: string) => boolean): (file: SourceFile) => string[] {
  return (file) => {
    if (!isGithubFile(file.path) || !file.text.includes('uses:')) return [];
    const out: string[] = [];
    for (const m of file.text.matchAll(/^[ \t-]*uses:[ \t]*(['"]?)([^'"\s#]+)\1/gm)) {
      const ref = parseUses(m[2] as string);
      if (ref?.kind === 'gha-local-action') out.push(ref.path === '' ? 'action.yml' : `${ref.path}/action.yml`, ref.path === '' ? 'action.yaml' : `${ref.path}/action.yaml`);
      else if (ref?.kind === 'gha-local-workflow') out.push(ref.path);
    }
    return out;
  };
}

class GitHubSourceImpl implements GitHubRepoSource {
  readonly client: GitHubClient;
  private readonly plan: PathPlan;
  private readonly pageSize: number;
  private readonly maxObjects: number;
  private readonly maxRepos: number;
  private readonly limits: ReadLimits;
  private readonly localUses: (file: SourceFile) => string[];
  private readonly prefetcher: RepoFilePrefetcher;

  constructor(
    readonly id: string,
    private readonly spec: GitHubSpec,
    options: GitHubSourceOptions,
  ) {
    this.client = options.client ?? new GitHubClient(options);
    this.prefetcher = githubFilePrefetcher(this.client);
    const platforms = options.platforms ?? PLATFORMS;
    this.plan = planFromDiscovery(platforms.map((p) => p.discovery));
    this.pageSize = Math.min(100, Math.max(1, options.pageSize ?? 100));
    this.maxObjects = Math.max(1, options.maxObjectsPerQuery ?? 400);
    this.maxRepos = Math.max(1, options.maxReposPerQuery ?? 50);
    this.limits = { ...DEFAULT_READ_LIMITS, ...options.limits };
    const gha = platforms.find((p) => p.id === 'github-actions');
    this.localUses = localUsesOf(gha ? (path) => gha.matches(path) || planFromDiscovery([gha.discovery]).wanted(path) : () => false);
  }

  private newFiles(full: string, rev: string): RevisionFiles {
    return new RevisionFiles(full, rev, this.plan, this.localUses, this.limits);
  }

  /** The Repository fields of a listing node: metadata and the first round of the head's files. */
  private repoFragment(): string {
    const first = this.newFiles('x/x', 'HEAD').selection('p');
    return `fragment RepoPipelines on Repository {
  name
  nameWithOwner
  isArchived
  isFork
  defaultBranchRef { name target { oid ... on Commit { committedDate } } }
${first}
}`;
  }

  /** An entry from a listing node; its head's first round decoded. */
  private entryFrom(node: z.infer<typeof RepoNodeSchema>): Entry {
    const [owner = '', name = ''] = node.nameWithOwner.split('/');
    const entry: Entry = { owner, name, full: node.nameWithOwner, versions: [], extraErrors: [] };
    const target = node.defaultBranchRef?.target;
    if (target) {
      entry.head = { oid: target.oid, committedAt: dateMs(target.committedDate) };
      entry.headFiles = this.newFiles(entry.full, 'HEAD');
      entry.headFiles.selection('p');
      entry.headFiles.take('p', node as Record<string, unknown>);
    }
    return entry;
  }

  async *versions(window: TimeWindow | undefined, progress?: SourceProgress): AsyncIterable<RepoVersion | RepoFailure> {
    if (this.spec.kind === 'repo') {
      const { owner, name } = this.spec;
      const full = `${owner}/${name}`;
      let entry: Entry;
      try {
        const query = `query RepoPipelines($owner: String!, $name: String!) {\n  repository(owner: $owner, name: $name) { ...RepoPipelines }\n  rateLimit { cost remaining resetAt }\n}\n${this.repoFragment()}`;
        const { data, errors } = await this.client.graphql(query, { owner, name }, OneRepoSchema);
        if (!data.repository) {
          yield { repo: full, reason: `GitHub: ${errors.map((e) => e.message).join('; ') || 'no such repository'}`, failure: true };
          return;
        }
        entry = this.entryFrom(data.repository);
      } catch (err) {
        yield { repo: full, reason: reasonOf(err), failure: true };
        return;
      }
      progress?.listed(1, 1);
      yield* this.finish([entry], window, progress);
      return;
    }

    const org = this.spec.org;
    const query = `query OrgPipelines($org: String!, $cursor: String, $first: Int!) {
  organization(login: $org) {
    repositories(first: $first, after: $cursor, orderBy: { field: NAME, direction: ASC }) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { ...RepoPipelines }
    }
  }
  rateLimit { cost remaining resetAt }
}
${this.repoFragment()}`;
    let cursor: string | null = null;
    let listed = 0;
    const carry: Entry[] = [];
    for (;;) {
      let page: z.infer<typeof ListingSchema>;
      let errors: GraphQLErrorInfo[];
      try {
        ({ data: page, errors } = await this.client.graphql(query, { org, cursor, first: this.pageSize }, ListingSchema));
      } catch (err) {
        yield { repo: org, reason: `listing the repositories of ${org}${listed > 0 ? ` after ${listed}` : ''}: ${reasonOf(err)}`, failure: true };
        return;
      }
      const conn = page.organization?.repositories;
      if (!conn) {
        yield { repo: org, reason: `GitHub: ${errors.map((e) => e.message).join('; ') || `no organisation ${org}`}`, failure: true };
        return;
      }
      const entries: Entry[] = [];
      conn.nodes.forEach((node, i) => {
        if (!node) return;
        const entry = this.entryFrom(node);
        const own = errors.filter((e) => e.path?.[3] === i);
        if (own.length > 0) entry.failure = `GitHub: ${own.map((e) => e.message).join('; ')}`;
        entries.push(entry);
      });
      const lost = errors.filter((e) => e.path?.[2] === 'nodes' && conn.nodes[e.path[3] as number] === null);
      for (const e of lost) yield { repo: `${org}/?`, reason: `GitHub: ${e.message}`, failure: true };
      listed += entries.length;
      progress?.listed(listed, conn.totalCount);
      // Pages are finished together until their further reads fill a call (or enough repositories wait),
      // so that a small second page does not cost calls of its own.
      carry.push(...entries);
      const last = !conn.pageInfo.hasNextPage || conn.pageInfo.endCursor === null;
      const pending = carry.reduce((n, e) => n + (e.headFiles?.objectCount() ?? 0), 0);
      if (last || pending >= this.maxObjects || carry.length >= MAX_CARRIED) {
        yield* this.finish(carry.splice(0), window, progress);
      }
      if (last) return;
      cursor = conn.pageInfo.endCursor;
    }
  }

  /** Reads the rest of a page's repositories (further rounds, window versions) and yields them. */
  private async *finish(entries: Entry[], window: TimeWindow | undefined, progress?: SourceProgress): AsyncIterable<RepoVersion | RepoFailure> {
    await this.rounds(entries.flatMap((e) => (e.headFiles && !e.failure ? [{ entry: e, files: e.headFiles }] : [])));
    if (window) {
      await this.history(entries.filter((e) => e.head && !e.failure), window);
      await this.rounds(entries.flatMap((e) => (e.failure ? [] : e.versions.filter((v) => v.files !== e.headFiles).map((v) => ({ entry: e, files: v.files })))));
    }
    for (const entry of entries) {
      if (entry.failure) {
        yield { repo: entry.full, reason: entry.failure, failure: true };
      } else if (entry.head && entry.headFiles) {
        const seq = [...entry.versions];
        if (!seq.some((v) => v.info.commit === entry.head?.oid)) {
          seq.push({ info: { commit: entry.head.oid, committedAt: entry.head.committedAt, role: 'head' }, files: entry.headFiles });
        }
        const out: RepoVersion[] = seq.map((v, i) => {
          const reader = new GitHubRepoFileReader(entry.owner, entry.name, v.info.commit, this.prefetcher, this.limits.maxFileBytes);
          for (const f of v.files.files) reader.settle(f.path, { text: f.text });
          const errors = i === 0 ? [...entry.extraErrors, ...v.files.errors] : v.files.errors;
          return { repo: entry.full, files: v.files.files, reader, version: v.info, errors };
        });
        yield* out;
      }
      // An empty repository (no default branch) has no pipeline: nothing to scan, nothing to report.
      progress?.read(entry.full);
    }
  }

  /** Runs file-reading rounds for these revisions until none has anything pending, many per call. */
  private async rounds(states: Array<{ entry: Entry; files: RevisionFiles }>): Promise<void> {
    for (;;) {
      const live = states.filter((s) => !s.entry.failure && s.files.hasPending());
      if (live.length === 0) return;
      let i = 0;
      while (i < live.length) {
        const batch: typeof live = [];
        let objects = 0;
        while (i < live.length && (batch.length === 0 || objects + (live[i] as (typeof live)[number]).files.objectCount() <= this.maxObjects)) {
          const s = live[i++] as (typeof live)[number];
          objects += s.files.objectCount();
          batch.push(s);
        }
        const fields = batch.map((s, j) => `s${j}: repository(owner: ${gqlString(s.entry.owner)}, name: ${gqlString(s.entry.name)}) {\n${s.files.selection('p')}\n}`);
        const query = `query PipelineFiles {\n${fields.join('\n')}\nrateLimit { cost remaining resetAt }\n}`;
        try {
          const { data, errors } = await this.client.graphql(query, {}, z.record(z.string(), z.unknown()));
          batch.forEach((s, j) => {
            const own = errors.filter((e) => e.path?.[0] === `s${j}`);
            const node = z.record(z.string(), z.unknown()).nullable().safeParse(data[`s${j}`]);
            if (own.length > 0 || !node.success || node.data === null) {
              s.entry.failure = `GitHub: ${own.map((e) => e.message).join('; ') || `no answer for ${s.entry.full}`}`;
              return;
            }
            s.files.take('p', node.data);
          });
        } catch (err) {
          for (const s of batch) s.entry.failure = reasonOf(err);
        }
      }
    }
  }

  /** The paths whose history makes versions: the platforms' paths plus what the head named outside them. */
  private historyPaths(entry: Entry): string[] {
    const base = [...this.plan.historyPaths];
    const covered = (p: string): boolean => base.some((b) => p === b || p.startsWith(`${b}/`));
    const extra = (entry.headFiles?.paths() ?? []).filter((p) => !covered(p));
    const MAX = 40;
    if (base.length + extra.length > MAX) {
      entry.extraErrors.push({
        repo: entry.full,
        file: extra[MAX - base.length] ?? '.',
        line: 1,
        code: 'history-incomplete',
        message: `more than ${MAX} pipeline paths; changes in the window to the rest were not looked for`,
      });
    }
    return [...base, ...extra].slice(0, MAX);
  }

  /** The window-start commit and the in-window pipeline changes of each repository (batched), as versions. */
  private async history(entries: Entry[], window: TimeWindow): Promise<void> {
    const since = new Date(window.start).toISOString();
    const until = new Date(window.end).toISOString();
    for (let i = 0; i < entries.length; i += this.maxRepos) {
      const batch = entries.slice(i, i + this.maxRepos);
      const pathsOf = batch.map((e) => this.historyPaths(e));
      const fields = batch.map((e, j) => {
        const hist = (pathsOf[j] as string[])
          .map((p, k) => `c${k}: history(first: 100, since: ${gqlString(since)}, until: ${gqlString(until)}, path: ${gqlString(p)}) { pageInfo { hasNextPage } nodes { oid committedDate } }`)
          .join('\n');
        return `s${j}: repository(owner: ${gqlString(e.owner)}, name: ${gqlString(e.name)}) {
  defaultBranchRef { target { ... on Commit {
    start: history(first: 1, until: ${gqlString(since)}) { nodes { oid committedDate } }
${hist}
  } } }
}`;
      });
      const query = `query PipelineHistory {\n${fields.join('\n')}\nrateLimit { cost remaining resetAt }\n}`;
      try {
        const { data, errors } = await this.client.graphql(query, {}, z.record(z.string(), z.unknown()));
        batch.forEach((e, j) => {
          const own = errors.filter((x) => x.path?.[0] === `s${j}`);
          const repo = HistoryRepoSchema.safeParse(data[`s${j}`]);
          if (own.length > 0 || !repo.success || repo.data === null) {
            e.failure = `GitHub: ${own.map((x) => x.message).join('; ') || `no history answer for ${e.full}`}`;
            return;
          }
          this.buildVersions(e, repo.data.defaultBranchRef?.target ?? {}, pathsOf[j] as string[], window);
        });
      } catch (err) {
        for (const e of batch) e.failure = reasonOf(err);
      }
    }
  }

  private buildVersions(entry: Entry, target: Record<string, unknown>, paths: string[], window: TimeWindow): void {
    const conn = (key: string): z.infer<typeof HistoryConnSchema> | undefined => {
      const c = HistoryConnSchema.safeParse(target[key]);
      return c.success ? c.data : undefined;
    };
    const start = conn('start')?.nodes[0] ?? undefined;
    const changes = new Map<string, { oid: string; at: number }>();
    paths.forEach((p, k) => {
      const c = conn(`c${k}`);
      if (!c) {
        entry.extraErrors.push({ repo: entry.full, file: p, line: 1, code: 'history-unreadable', message: `GitHub gave no history of ${p}; changes to it in the window were not looked for` });
        return;
      }
      if (c.pageInfo?.hasNextPage === true) {
        entry.extraErrors.push({ repo: entry.full, file: p, line: 1, code: 'history-incomplete', message: `more than 100 commits changed ${p} in the window; only the newest 100 were read` });
      }
      for (const n of c.nodes) {
        const at = dateMs(n?.committedDate);
        if (n && at !== undefined && n.oid !== start?.oid && at >= window.start && at <= window.end) changes.set(n.oid, { oid: n.oid, at });
      }
    });
    const seq: Array<{ oid: string; at: number | undefined; role: VersionInfo['role'] }> = [];
    if (start) seq.push({ oid: start.oid, at: dateMs(start.committedDate), role: 'window-start' });
    seq.push(...[...changes.values()].sort((a, b) => a.at - b.at || a.oid.localeCompare(b.oid)).map((c) => ({ ...c, role: 'in-window' as const })));
    entry.versions = seq.map((v, i) => {
      const next = seq[i + 1];
      const info: VersionInfo = { commit: v.oid, role: v.role };
      if (v.at !== undefined) {
        info.committedAt = v.at;
        info.liveFrom = v.at;
      }
      if (next) {
        info.replacedBy = next.oid;
        if (next.at !== undefined) info.liveUntil = next.at;
      }
      const files = v.oid === entry.head?.oid && entry.headFiles ? entry.headFiles : this.newFiles(entry.full, v.oid);
      return { info, files };
    });
  }

  async prefetchFiles(versions: readonly RepoVersion[]): Promise<number> {
    const readers = versions.flatMap((v) => (v.reader instanceof GitHubRepoFileReader ? [v.reader] : []));
    return prefetchRepoFiles(this.client, readers);
  }
}

/**
 * The GitHub RepoSource for `spec` (`github:ORG` or `github:OWNER/REPO`); the token and base URL come from
 * `env` (GITHUB_TOKEN, GITHUB_API_URL, GITHUB_GRAPHQL_URL) unless the options name them.
 */
export function createGitHubSource(spec: string, env: Readonly<Record<string, string | undefined>>, options: GitHubSourceOptions = {}): GitHubRepoSource {
  const parsed = parseGitHubSpec(spec);
  if (!parsed) throw new Error(`not a GitHub source: ${spec} (expected github:ORG or github:OWNER/REPO)`);
  return new GitHubSourceImpl(spec, parsed, { ...clientOptionsFromEnv(env), ...options });
}

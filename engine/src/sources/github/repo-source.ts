/**
 * IMPERATIVE SHELL: GitHub as a RepoSource — `github:ORG` (every repository of the organisation, forks
 * and archived ones included) or `github:OWNER/REPO`.
 *
 *   list (GraphQL, 100 repositories per page, each node ALSO reading its pipeline files at HEAD and, with
 *   a window, the default branch's commit at the window's start (`history(first: 1, until:)`, with its
 *   root tree's entries) and every commit in the window that touched a platform path
 *   (`history(since:, until:, path:)`, one alias per path) — ≈100,000 of GitHub's 500,000 nodes a call)
 *     → further rounds for files the first round named (local actions, includes, `*.Jenkinsfile`),
 *       batched across repositories (≤ maxObjectsPerQuery objects per call), together with the files of
 *       the in-window commits
 *     → history of the paths the head read outside the platforms' paths (GitLab local includes,
 *       `*.Jenkinsfile`), for the few repositories that have any (≤ maxReposPerQuery per call)
 *     → the files at the window-start commit — unless every top-level entry the head's reading asked
 *       under has the same object id there (the same `.github` tree, the same `.gitlab-ci.yml` blob…):
 *       then they are the head's files, nothing is read again
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
import {
  DEFAULT_READ_LIMITS,
  gqlString,
  planFromDiscovery,
  type PathPlan,
  ROOT_ENTRIES_SELECTION,
  type ReadLimits,
  type RootEntries,
  RootEntriesSchema,
  RevisionFiles,
} from './pipeline-files';
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
  /** Repositories per history call for the paths a head read outside the platforms' paths (default 50). */
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

const CommitNodeSchema = z.object({ oid: z.string(), committedDate: z.string(), tree: z.object({ entries: RootEntriesSchema.nullable() }).optional() });
const HeadSchema = z
  .object({
    name: z.string(),
    target: z.looseObject({ oid: z.string(), committedDate: z.string().optional(), tree: z.object({ entries: RootEntriesSchema.nullable() }).optional() }).nullable(),
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

/** Most listed repositories kept waiting for fuller calls; beyond, partial calls are made. */
const MAX_CARRIED = 1000;

/** One repository being read. */
interface Entry {
  owner: string;
  name: string;
  full: string;
  head?: { oid: string; committedAt?: number };
  headFiles?: RevisionFiles;
  /** The head's root tree entries (with a window). */
  headRoot?: RootEntries;
  /** The history answers (`start`, `c<k>` aliases of the head commit) and the paths `c<k>` are about. */
  hist?: { target: Record<string, unknown>; paths: string[] };
  failure?: string;
  /** Where its reading stands: head (+ in-window) files → history of extra paths → the rest → done. */
  stage: 'files' | 'history' | 'rest' | 'done';
  /** The paths the head read outside the platforms' paths whose history is asked (stage `history`). */
  extra?: string[];
  /** Window versions in order (window-start, in-window…), with their files (and root entries when known). */
  versions: Array<{ info: VersionInfo; files: RevisionFiles; root?: RootEntries }>;
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

  /**
   * The Repository fields of a listing node: metadata, the first round of the head's files and, with a
   * window, the history of the platforms' paths (see the header).
   */
  private repoFragment(window: TimeWindow | undefined): string {
    const first = this.newFiles('x/x', 'HEAD').selection('p');
    const history = window ? `\n${this.historySelection(window, this.plan.historyPaths, 0, true)}\n${ROOT_ENTRIES_SELECTION}` : '';
    return `fragment RepoPipelines on Repository {
  name
  nameWithOwner
  isArchived
  isFork
  defaultBranchRef { name target { oid ... on Commit { committedDate${history} } } }
${first}
}`;
  }

  /** History aliases inside a `Commit`: `start` (when asked) and `c<from+k>` for each path. */
  private historySelection(window: TimeWindow, paths: readonly string[], from: number, start: boolean): string {
    const since = gqlString(new Date(window.start).toISOString());
    const until = gqlString(new Date(window.end).toISOString());
    const out = paths.map((p, k) => `c${from + k}: history(first: 100, since: ${since}, until: ${until}, path: ${gqlString(p)}) { pageInfo { hasNextPage } nodes { oid committedDate } }`);
    if (start) out.unshift(`start: history(first: 1, until: ${since}) { nodes { oid committedDate ${ROOT_ENTRIES_SELECTION} } }`);
    return out.join('\n');
  }

  /** An entry from a listing node; its head's first round decoded. */
  private entryFrom(node: z.infer<typeof RepoNodeSchema>, window: TimeWindow | undefined): Entry {
    const [owner = '', name = ''] = node.nameWithOwner.split('/');
    const entry: Entry = { owner, name, full: node.nameWithOwner, stage: 'files', versions: [], extraErrors: [] };
    const target = node.defaultBranchRef?.target;
    if (target) {
      entry.head = { oid: target.oid, committedAt: dateMs(target.committedDate) };
      entry.headFiles = this.newFiles(entry.full, 'HEAD');
      entry.headFiles.selection('p');
      entry.headFiles.take('p', node as Record<string, unknown>);
      if (window) {
        entry.headRoot = target.tree?.entries ?? undefined;
        entry.hist = { target, paths: [...this.plan.historyPaths] };
        this.buildVersions(entry, window);
      }
    }
    return entry;
  }

  async *versions(window: TimeWindow | undefined, progress?: SourceProgress): AsyncIterable<RepoVersion | RepoFailure> {
    if (this.spec.kind === 'repo') {
      const { owner, name } = this.spec;
      const full = `${owner}/${name}`;
      let entry: Entry;
      try {
        const query = `query RepoPipelines($owner: String!, $name: String!) {\n  repository(owner: $owner, name: $name) { ...RepoPipelines }\n  rateLimit { cost remaining resetAt }\n}\n${this.repoFragment(window)}`;
        const { data, errors } = await this.client.graphql(query, { owner, name }, OneRepoSchema);
        if (!data.repository) {
          yield { repo: full, reason: `GitHub: ${errors.map((e) => e.message).join('; ') || 'no such repository'}`, failure: true };
          return;
        }
        entry = this.entryFrom(data.repository, window);
        if (errors.length > 0) entry.failure = `GitHub: ${errors.map((e) => e.message).join('; ')}`;
      } catch (err) {
        yield { repo: full, reason: reasonOf(err), failure: true };
        return;
      }
      progress?.listed(1, 1);
      yield* this.drain([entry], window, progress, () => true);
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
${this.repoFragment(window)}`;
    let cursor: string | null = null;
    let listed = 0;
    const queue: Entry[] = [];
    for (;;) {
      let page: z.infer<typeof ListingSchema>;
      let errors: GraphQLErrorInfo[];
      try {
        ({ data: page, errors } = await this.client.graphql(query, { org, cursor, first: this.pageSize }, ListingSchema));
      } catch (err) {
        yield { repo: org, reason: `listing the repositories of ${org}${listed > 0 ? ` after ${listed}` : ''}: ${reasonOf(err)}`, failure: true };
        yield* this.drain(queue, window, progress, () => true);
        return;
      }
      const conn = page.organization?.repositories;
      if (!conn) {
        yield { repo: org, reason: `GitHub: ${errors.map((e) => e.message).join('; ') || `no organisation ${org}`}`, failure: true };
        yield* this.drain(queue, window, progress, () => true);
        return;
      }
      const entries: Entry[] = [];
      conn.nodes.forEach((node, i) => {
        if (!node) return;
        const entry = this.entryFrom(node, window);
        const own = errors.filter((e) => e.path?.[3] === i);
        if (own.length > 0) entry.failure = `GitHub: ${own.map((e) => e.message).join('; ')}`;
        entries.push(entry);
      });
      const lost = errors.filter((e) => e.path?.[2] === 'nodes' && conn.nodes[e.path[3] as number] === null);
      for (const e of lost) yield { repo: `${org}/?`, reason: `GitHub: ${e.message}`, failure: true };
      listed += entries.length;
      progress?.listed(listed, conn.totalCount);
      // The pages' further reads share calls (see `drain`): a call is made when it is full.
      queue.push(...entries);
      const last = !conn.pageInfo.hasNextPage || conn.pageInfo.endCursor === null;
      yield* this.drain(queue, window, progress, () => last || queue.length >= MAX_CARRIED);
      if (last) return;
      cursor = conn.pageInfo.endCursor;
    }
  }

  /**
   * The revisions of an entry whose next reads can be asked now: in stage `files` the head's and the
   * in-window versions'; in stage `rest` every version's but the head's (the window-start's included).
   */
  private ready(e: Entry): RevisionFiles[] {
    if (e.failure || !e.headFiles || (e.stage !== 'files' && e.stage !== 'rest')) return [];
    const out: RevisionFiles[] = e.stage === 'files' && e.headFiles.hasPending() ? [e.headFiles] : [];
    for (const v of e.versions) {
      if (v.files !== e.headFiles && v.files.hasPending() && (e.stage === 'rest' || v.info.role !== 'window-start')) out.push(v.files);
    }
    return out;
  }

  /** Moves an entry on once what its stage waited for is read (see `drain`). */
  private advance(e: Entry, window: TimeWindow | undefined): void {
    if (e.stage === 'done' || e.stage === 'history') return;
    if (e.failure || !e.headFiles) {
      e.stage = 'done';
      return;
    }
    if (this.ready(e).length > 0) return;
    if (e.stage === 'rest' || !window) {
      e.stage = 'done';
      return;
    }
    // The head is read: the paths it read outside the platforms' paths need their own history first.
    const extra = this.extraPaths(e);
    if (extra.length > 0 && e.hist) {
      e.extra = extra;
      e.stage = 'history';
      return;
    }
    this.toRest(e);
  }

  /** The window-start version takes the head's files when it has the same pipeline objects; then stage `rest`. */
  private toRest(e: Entry): void {
    const start = e.versions[0];
    if (start?.info.role === 'window-start' && start.files !== e.headFiles && start.root && e.headRoot && e.headFiles?.sameAs(e.headRoot, start.root)) {
      start.files.adopt(e.headFiles);
    }
    e.stage = 'rest';
    if (this.ready(e).length === 0) e.stage = 'done';
  }

  /**
   * Reads what the queued repositories need, a call at a time, and yields them in listing order as they
   * are complete. A call is made only when it is full (`maxObjects` objects, `maxRepos` histories) —
   * reads of different stages and listing pages share calls — unless `flush()` says the rest must be
   * read now (the last page, or too many repositories waiting): then partial calls too, until the
   * front of the queue is done.
   */
  private async *drain(queue: Entry[], window: TimeWindow | undefined, progress: SourceProgress | undefined, flush: () => boolean): AsyncIterable<RepoVersion | RepoFailure> {
    for (;;) {
      for (const e of queue) this.advance(e, window);
      while (queue[0]?.stage === 'done') yield* this.emit(queue.shift() as Entry, progress);
      if (queue.length === 0) return;
      const now = flush();
      const waiting = queue.filter((e) => e.stage === 'history');
      if (window && (waiting.length >= this.maxRepos || (now && waiting.length > 0))) {
        await this.historyCall(waiting.slice(0, this.maxRepos), window);
        continue;
      }
      const revs = queue.flatMap((entry) => this.ready(entry).map((files) => ({ entry, files })));
      const objects = revs.reduce((n, r) => n + r.files.objectCount(), 0);
      if (revs.length === 0 || (objects < this.maxObjects && !now)) return;
      const batch: typeof revs = [];
      let n = 0;
      for (const r of revs) {
        const c = r.files.objectCount();
        if (batch.length > 0 && n + c > this.maxObjects) continue;
        batch.push(r);
        n += c;
        if (n >= this.maxObjects) break;
      }
      await this.filesCall(batch);
    }
  }

  /** A complete repository: its versions (window-start, in-window…, head when different), or its failure. */
  private *emit(entry: Entry, progress: SourceProgress | undefined): Iterable<RepoVersion | RepoFailure> {
    if (entry.failure) {
      yield { repo: entry.full, reason: entry.failure, failure: true };
    } else if (entry.head && entry.headFiles) {
      const seq = [...entry.versions];
      if (!seq.some((v) => v.info.commit === entry.head?.oid)) {
        seq.push({ info: { commit: entry.head.oid, committedAt: entry.head.committedAt, role: 'head' }, files: entry.headFiles });
      }
      for (const [i, v] of seq.entries()) {
        const reader = new GitHubRepoFileReader(entry.owner, entry.name, v.info.commit, this.prefetcher, this.limits.maxFileBytes);
        for (const f of v.files.files) reader.settle(f.path, { text: f.text });
        const errors = i === 0 ? [...entry.extraErrors, ...v.files.errors] : v.files.errors;
        yield { repo: entry.full, files: v.files.files, reader, version: v.info, errors };
      }
    }
    // An empty repository (no default branch) has no pipeline: nothing to scan, nothing to report.
    progress?.read(entry.full);
  }

  /** One file-reading call: the pending reads of these revisions (one alias each). */
  private async filesCall(batch: Array<{ entry: Entry; files: RevisionFiles }>): Promise<void> {
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

  /** The paths the head read outside the platforms' paths (their history was not in the listing). */
  private extraPaths(entry: Entry): string[] {
    const base = this.plan.historyPaths;
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
    return extra.slice(0, Math.max(0, MAX - base.length));
  }

  /** One history call: the in-window history of these repositories' extra paths; their versions rebuilt. */
  private async historyCall(batch: Entry[], window: TimeWindow): Promise<void> {
    const todo = batch.flatMap((entry) => (entry.hist && entry.extra ? [{ entry, paths: entry.extra, hist: entry.hist }] : []));
    const fields = todo.map(
      ({ entry, paths, hist }, j) =>
        `s${j}: repository(owner: ${gqlString(entry.owner)}, name: ${gqlString(entry.name)}) {\n  defaultBranchRef { target { ... on Commit {\n${this.historySelection(window, paths, hist.paths.length, false)}\n  } } }\n}`,
    );
    const query = `query PipelineHistory {\n${fields.join('\n')}\nrateLimit { cost remaining resetAt }\n}`;
    try {
      const { data, errors } = await this.client.graphql(query, {}, z.record(z.string(), z.unknown()));
      todo.forEach(({ entry, paths, hist }, j) => {
        const own = errors.filter((x) => x.path?.[0] === `s${j}`);
        const repo = HistoryRepoSchema.safeParse(data[`s${j}`]);
        if (own.length > 0 || !repo.success || repo.data === null) {
          entry.failure = `GitHub: ${own.map((x) => x.message).join('; ') || `no history answer for ${entry.full}`}`;
          return;
        }
        hist.target = { ...hist.target, ...(repo.data.defaultBranchRef?.target ?? {}) };
        hist.paths = [...hist.paths, ...paths];
        this.buildVersions(entry, window);
      });
    } catch (err) {
      for (const { entry } of todo) entry.failure = reasonOf(err);
    }
    for (const e of batch) {
      if (e.failure) e.stage = 'done';
      else this.toRest(e);
    }
  }

  /** The versions from the history answers; a version already built keeps its files. */
  private buildVersions(entry: Entry, window: TimeWindow): void {
    const target = entry.hist?.target ?? {};
    const paths = entry.hist?.paths ?? [];
    const conn = (key: string): z.infer<typeof HistoryConnSchema> | undefined => {
      const c = HistoryConnSchema.safeParse(target[key]);
      return c.success ? c.data : undefined;
    };
    const start = conn('start')?.nodes[0] ?? undefined;
    const changes = new Map<string, { oid: string; at: number }>();
    const errors: ScanError[] = [];
    paths.forEach((p, k) => {
      const c = conn(`c${k}`);
      if (!c) {
        errors.push({ repo: entry.full, file: p, line: 1, code: 'history-unreadable', message: `GitHub gave no history of ${p}; changes to it in the window were not looked for` });
        return;
      }
      if (c.pageInfo?.hasNextPage === true) {
        errors.push({ repo: entry.full, file: p, line: 1, code: 'history-incomplete', message: `more than 100 commits changed ${p} in the window; only the newest 100 were read` });
      }
      for (const n of c.nodes) {
        const at = dateMs(n?.committedDate);
        if (n && at !== undefined && n.oid !== start?.oid && at >= window.start && at <= window.end) changes.set(n.oid, { oid: n.oid, at });
      }
    });
    // History errors replace the ones of an earlier build (the paths are a superset).
    entry.extraErrors = [...entry.extraErrors.filter((e) => e.code !== 'history-unreadable' && !(e.code === 'history-incomplete' && e.message.startsWith('more than 100'))), ...errors];
    const seq: Array<{ oid: string; at: number | undefined; role: VersionInfo['role'] }> = [];
    if (start) seq.push({ oid: start.oid, at: dateMs(start.committedDate), role: 'window-start' });
    seq.push(...[...changes.values()].sort((a, b) => a.at - b.at || a.oid.localeCompare(b.oid)).map((c) => ({ ...c, role: 'in-window' as const })));
    const before = new Map(entry.versions.map((v) => [v.info.commit, v]));
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
      const files = before.get(v.oid)?.files ?? (v.oid === entry.head?.oid && entry.headFiles ? entry.headFiles : this.newFiles(entry.full, v.oid));
      const root = v.role === 'window-start' ? (start?.tree?.entries ?? undefined) : undefined;
      return { info, files, ...(root ? { root } : {}) };
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

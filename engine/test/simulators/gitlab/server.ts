/**
 * A GitLab REST API v4 simulator: an in-process HTTP server on 127.0.0.1 (a free port), seeded by a test
 * with groups (and subgroups), projects, dated commits with the files each commit adds, changes or
 * deletes, tags and branches, CI/CD variables (with values, as GitLab returns them), pipelines with their
 * jobs, and each job's log (`/jobs/:job_id/trace`, text/plain).
 *
 * It follows the contract written down in contract.ts: routes under `[prefix]/api/v4`, `PRIVATE-TOKEN` or
 * `Authorization: Bearer` (and the `private_token` query parameter), offset pagination headers (`Link`,
 * `x-next-page`, … — `x-total`, `x-total-pages` and `rel="last"` left out above 10,000 records),
 * `RateLimit-*` headers on every response and a plain-text 429 with `Retry-After` and `RateLimit-ResetTime`.
 * Path parameters are single URL segments: a project path or a file path with an unencoded `/` matches no
 * route (404), as on GitLab. It is stricter than GitLab in one way, on purpose: an undeclared query
 * parameter is a 400 (GitLab ignores it silently), so that a misspelt parameter fails a test.
 * Entities carry exactly the documented fields, so a client cannot come to depend on others.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_PER_PAGE, ERRORS, GROUP_PROJECTS_ORDER_BY, MAX_COUNTED, MAX_PER_PAGE, PARAMS, PIPELINES_ORDER_BY, RETRY_LATER, VISIBILITIES } from './contract';

export type Visibility = (typeof VISIBILITIES)[number];

export interface SimVariableSeed {
  key: string;
  value: string;
  masked?: boolean;
  protected?: boolean;
  environmentScope?: string;
}

/** A job of a seeded pipeline. */
export interface SimJobSeed {
  name: string;
  stage: string;
  /** Default `success`. */
  status?: string;
  /** ISO 8601; null: never started. Default: the pipeline's `createdAt`. */
  startedAt?: string | null;
  /** An earlier attempt (listed only with `include_retried=true`). */
  retried?: boolean;
  /**
   * Its log (`GET /projects/:id/jobs/:job_id/trace`, text/plain). Default: a runner's preamble for a job
   * that started, nothing for one that did not; `null`: erased or expired (GitLab answers 200 with an
   * empty body).
   */
  trace?: string | null;
}

/** A seeded pipeline run. */
export interface SimPipelineSeed {
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601; default `createdAt`. */
  updatedAt?: string;
  /** Default `success`. */
  status?: string;
  /** Default `push`; `parent_pipeline` for a child pipeline (listed only when asked for by `source`). */
  source?: string;
  ref?: string;
  jobs: SimJobSeed[];
}

export interface SimCommitSeed {
  /** ISO 8601 commit date. */
  date: string;
  message?: string;
  /** Files this commit adds or changes (text), or deletes (null). */
  files: Record<string, string | null>;
}

export interface SimProjectSeed {
  /** Full path, `group/sub/project`; missing ancestor groups are created. */
  path: string;
  /** Default `main`; `null`: an empty repository (no commits allowed). */
  defaultBranch?: string | null;
  visibility?: Visibility;
  /** `public_jobs` (`GET /projects/:id`): non-members see the jobs and their logs; default true (GitLab's). */
  publicJobs?: boolean;
  archived?: boolean;
  ciConfigPath?: string;
  /** Oldest first; the default branch's history, linear. */
  commits: SimCommitSeed[];
  /** Tag or other branch name → index of the commit in `commits`. */
  refs?: Record<string, number>;
  /** Which of `refs` are branches (`GET /repository/branches/:branch`); the default branch always is, the others are tags. */
  branches?: string[];
  /** `GET /repository/commits` answers 403 (GitLab's answer when the token may not read the repository's history). */
  commitsForbidden?: boolean;
  /** Every call under `/projects/:id` answers 403. */
  forbidden?: boolean;
  /** Full paths of groups this project is shared into (listed with `with_shared=true`, GitLab's default). */
  sharedInto?: string[];
  variables?: SimVariableSeed[];
  /** Pipeline runs (any order). */
  pipelines?: SimPipelineSeed[];
}

export interface SimGroupSeed {
  path: string;
  variables?: SimVariableSeed[];
}

export interface GitLabSeed {
  groups?: SimGroupSeed[];
  projects: SimProjectSeed[];
}

export interface SimulatorOptions {
  /** Accepted tokens; absent: every request is allowed (as for public data). */
  tokens?: string[];
  /** A relative URL root (`/gitlab`), as on self-hosted instances under a path. */
  prefix?: string;
  /** Requests per minute before a 429 (default 2,000). */
  rateLimitPerMinute?: number;
}

export interface SimRequest {
  method: string;
  /** The raw path (encoded as sent), without the query. */
  path: string;
  query: Record<string, string>;
  auth: 'private-token' | 'bearer' | 'query' | 'none';
  status: number;
}

export interface GitLabSimulator {
  /** The instance URL (with the prefix), without `/api/v4`. */
  readonly url: string;
  readonly requests: SimRequest[];
  /** The next `count` requests answer 429 with `Retry-After: retryAfterSeconds`. */
  throttle(count: number, retryAfterSeconds: number): void;
  close(): Promise<void>;
}

interface Group {
  id: number;
  path: string;
  name: string;
  variables: SimVariableSeed[];
}

interface Commit {
  id: string;
  date: string;
  message: string;
  changed: string[];
  tree: Map<string, string>;
  parent?: string;
}

interface Project {
  id: number;
  path: string;
  name: string;
  namespace: Group;
  seed: SimProjectSeed;
  commits: Commit[];
}

type Query = Record<string, string>;

class HttpError {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

function blobId(text: string): string {
  return sha1(`blob ${Buffer.byteLength(text)}\0${text}`);
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Grape's answer to a parameter that fails validation. */
function invalid(name: string): HttpError {
  return new HttpError(400, { error: `${name} is invalid` });
}

function checkParams(query: Query, allowed: readonly string[], route: string): void {
  for (const name of Object.keys(query)) {
    if (name === 'private_token') continue;
    if (!allowed.includes(name)) {
      throw new HttpError(400, { error: `${name} is not a parameter of GET ${route} (this simulator rejects undeclared parameters; GitLab ignores them)` });
    }
  }
}

function bool(query: Query, name: string): boolean | undefined {
  const v = query[name];
  if (v === undefined) return undefined;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw invalid(name);
}

function int(query: Query, name: string): number | undefined {
  const v = query[name];
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw invalid(name);
  return Number(v);
}

function date(query: Query, name: string): number | undefined {
  const v = query[name];
  if (v === undefined) return undefined;
  const t = Date.parse(v);
  if (!ISO_8601.test(v) || Number.isNaN(t)) throw invalid(name);
  return t;
}

function oneOf<T extends string>(query: Query, name: string, values: readonly T[]): T | undefined {
  const v = query[name];
  if (v === undefined) return undefined;
  if (!(values as readonly string[]).includes(v)) throw new HttpError(400, { error: `${name} does not have a valid value` });
  return v as T;
}

/** Builds the seeded state: groups (ancestors created), projects with their commits and trees. */
function build(seed: GitLabSeed): { groups: Map<string, Group>; projects: Project[] } {
  const groups = new Map<string, Group>();
  let nextGroup = 1;
  const ensure = (path: string): Group => {
    const found = groups.get(path);
    if (found) return found;
    const parts = path.split('/');
    if (parts.length > 1) ensure(parts.slice(0, -1).join('/'));
    const group: Group = { id: nextGroup++, path, name: parts[parts.length - 1] as string, variables: [] };
    groups.set(path, group);
    return group;
  };
  for (const g of seed.groups ?? []) ensure(g.path).variables.push(...(g.variables ?? []));
  let nextProject = 1000;
  const projects = seed.projects.map((p): Project => {
    const parts = p.path.split('/');
    if (parts.length < 2) throw new Error(`simulator seed: project ${p.path} needs a group`);
    if (p.defaultBranch === null && p.commits.length > 0) throw new Error(`simulator seed: empty project ${p.path} has commits`);
    const commits: Commit[] = [];
    let tree = new Map<string, string>();
    p.commits.forEach((c, i) => {
      if (Number.isNaN(Date.parse(c.date))) throw new Error(`simulator seed: bad date ${c.date}`);
      tree = new Map(tree);
      for (const [file, text] of Object.entries(c.files)) {
        if (text === null) tree.delete(file);
        else tree.set(file, text);
      }
      const parent = commits[commits.length - 1]?.id;
      const commit: Commit = { id: sha1(`${p.path}\0${i}\0${c.date}\0${c.message ?? ''}`), date: new Date(c.date).toISOString(), message: c.message ?? `commit ${i}`, changed: Object.keys(c.files), tree };
      if (parent !== undefined) commit.parent = parent;
      commits.push(commit);
    });
    return { id: nextProject++, path: p.path, name: parts[parts.length - 1] as string, namespace: ensure(parts.slice(0, -1).join('/')), seed: p, commits };
  });
  return { groups, projects };
}

export async function startGitLabSimulator(seed: GitLabSeed, options: SimulatorOptions = {}): Promise<GitLabSimulator> {
  const { groups, projects } = build(seed);
  const prefix = (options.prefix ?? '').replace(/\/+$/, '');
  const limit = options.rateLimitPerMinute ?? 2000;
  const requests: SimRequest[] = [];
  let throttled = 0;
  let throttleSeconds = 1;
  let windowStart = Math.floor(Date.now() / 60_000) * 60_000;
  let observed = 0;

  const findGroup = (id: string): Group => {
    const g = /^\d+$/.test(id) ? [...groups.values()].find((x) => x.id === Number(id)) : groups.get(id);
    if (!g) throw new HttpError(404, ERRORS.group);
    return g;
  };
  const findProject = (id: string): Project => {
    const p = /^\d+$/.test(id) ? projects.find((x) => x.id === Number(id)) : projects.find((x) => x.path === id);
    if (!p) throw new HttpError(404, ERRORS.project);
    if (p.seed.forbidden) throw new HttpError(403, ERRORS.forbidden);
    return p;
  };
  /** The commit a ref names: HEAD, a branch, a tag, a full or short (≥7) commit id. */
  const resolveRef = (p: Project, ref: string | undefined): Commit | undefined => {
    if (p.commits.length === 0) return undefined;
    const branch = p.seed.defaultBranch ?? 'main';
    if (ref === undefined || ref === 'HEAD' || ref === branch) return p.commits[p.commits.length - 1];
    const index = p.seed.refs?.[ref];
    if (index !== undefined) return p.commits[index];
    if (/^[0-9a-f]{7,40}$/.test(ref)) return p.commits.find((c) => c.id.startsWith(ref));
    return undefined;
  };
  const history = (p: Project, head: Commit): Commit[] => p.commits.slice(0, p.commits.indexOf(head) + 1).reverse();

  const projectEntity = (p: Project, full: boolean): Record<string, unknown> => {
    const last = p.commits[p.commits.length - 1];
    const base: Record<string, unknown> = {
      id: p.id,
      name: p.name,
      path: p.name,
      path_with_namespace: p.path,
      default_branch: p.seed.defaultBranch === null ? null : (p.seed.defaultBranch ?? 'main'),
      visibility: p.seed.visibility ?? 'private',
      archived: p.seed.archived ?? false,
      web_url: `https://gitlab.example/${p.path}`,
      last_activity_at: last?.date ?? '2020-01-01T00:00:00.000Z',
      namespace: { id: p.namespace.id, full_path: p.namespace.path, kind: 'group' },
    };
    if (full) {
      base.ci_config_path = p.seed.ciConfigPath ?? null;
      base.ci_job_token_scope_enabled = false;
      base.public_jobs = p.seed.publicJobs ?? true;
    }
    return base;
  };
  const commitEntity = (p: Project, c: Commit): Record<string, unknown> => ({
    id: c.id,
    short_id: c.id.slice(0, 8),
    title: c.message.split('\n')[0],
    message: c.message,
    author_name: 'Sim Author',
    authored_date: c.date,
    committer_name: 'Sim Author',
    committed_date: c.date,
    created_at: c.date,
    parent_ids: c.parent === undefined ? [] : [c.parent],
    web_url: `https://gitlab.example/${p.path}/-/commit/${c.id}`,
  });
  const variableEntity = (v: SimVariableSeed): Record<string, unknown> => ({
    key: v.key,
    value: v.value,
    variable_type: 'env_var',
    protected: v.protected ?? false,
    masked: v.masked ?? false,
    hidden: false,
    raw: false,
    environment_scope: v.environmentScope ?? '*',
    description: null,
  });

  interface Ctx {
    req: IncomingMessage;
    rawPath: string;
    query: Query;
    headers: Record<string, string>;
  }

  /** Offset pagination with GitLab's headers; returns the page's items. */
  const paginate = <T>(ctx: Ctx, items: T[]): T[] => {
    const page = Math.max(1, int(ctx.query, 'page') ?? 1);
    const perPage = Math.min(MAX_PER_PAGE, Math.max(1, int(ctx.query, 'per_page') ?? DEFAULT_PER_PAGE));
    const total = items.length;
    const totalPages = Math.max(1, Math.ceil(total / perPage));
    const counted = total <= MAX_COUNTED;
    const link = (n: number): string => {
      const q = new URLSearchParams(ctx.query);
      q.set('page', String(n));
      q.set('per_page', String(perPage));
      return `http://${ctx.req.headers.host ?? '127.0.0.1'}${ctx.rawPath}?${q.toString()}`;
    };
    const links: string[] = [];
    if (page > 1) links.push(`<${link(page - 1)}>; rel="prev"`);
    if (page < totalPages) links.push(`<${link(page + 1)}>; rel="next"`);
    links.push(`<${link(1)}>; rel="first"`);
    if (counted) links.push(`<${link(totalPages)}>; rel="last"`);
    ctx.headers['link'] = links.join(', ');
    ctx.headers['x-page'] = String(page);
    ctx.headers['x-per-page'] = String(perPage);
    ctx.headers['x-next-page'] = page < totalPages ? String(page + 1) : '';
    ctx.headers['x-prev-page'] = page > 1 ? String(page - 1) : '';
    if (counted) {
      ctx.headers['x-total'] = String(total);
      ctx.headers['x-total-pages'] = String(totalPages);
    }
    return items.slice((page - 1) * perPage, page * perPage);
  };

  const groupProjects = (ctx: Ctx, id: string): unknown => {
    const q = ctx.query;
    checkParams(q, PARAMS.groupProjects, '/groups/:id/projects');
    for (const b of ['active', 'simple', 'owned', 'starred', 'with_issues_enabled', 'with_merge_requests_enabled', 'include_ancestor_groups', 'with_custom_attributes', 'with_security_reports']) bool(q, b);
    int(q, 'min_access_level');
    const archived = bool(q, 'archived');
    const withShared = bool(q, 'with_shared') ?? true;
    const subgroups = bool(q, 'include_subgroups') ?? false;
    const visibility = oneOf(q, 'visibility', VISIBILITIES);
    const orderBy = oneOf(q, 'order_by', GROUP_PROJECTS_ORDER_BY) ?? 'created_at';
    const sort = oneOf(q, 'sort', ['asc', 'desc'] as const) ?? 'desc';
    const group = findGroup(id);
    let list = projects.filter((p) => p.namespace === group || (subgroups && p.namespace.path.startsWith(`${group.path}/`)) || (withShared && (p.seed.sharedInto ?? []).includes(group.path)));
    if (archived !== undefined) list = list.filter((p) => (p.seed.archived ?? false) === archived);
    if (visibility !== undefined) list = list.filter((p) => (p.seed.visibility ?? 'private') === visibility);
    const search = q.search;
    if (search !== undefined) list = list.filter((p) => p.name.includes(search) || p.path.includes(search));
    const key = (p: Project): string | number => (orderBy === 'name' || orderBy === 'path' ? p.name : p.id);
    list.sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      const c = ka < kb ? -1 : ka > kb ? 1 : 0;
      return sort === 'asc' ? c : -c;
    });
    return paginate(ctx, list).map((p) => projectEntity(p, false));
  };

  const file = (ctx: Ctx, p: Project, path: string, raw: boolean): unknown => {
    checkParams(ctx.query, raw ? PARAMS.fileRaw : PARAMS.file, raw ? '/projects/:id/repository/files/:file_path/raw' : '/projects/:id/repository/files/:file_path');
    const ref = ctx.query.ref;
    if (!raw && ref === undefined) throw new HttpError(400, { error: 'ref is missing' });
    const commit = resolveRef(p, ref);
    if (!commit) throw new HttpError(404, ERRORS.commit);
    const text = commit.tree.get(path);
    if (text === undefined) throw new HttpError(404, ERRORS.file);
    if (raw) return { raw: text };
    const last = history(p, commit).find((c) => c.changed.includes(path)) ?? commit;
    return {
      file_name: path.split('/').pop(),
      file_path: path,
      size: Buffer.byteLength(text),
      encoding: 'base64',
      content: Buffer.from(text, 'utf8').toString('base64'),
      content_sha256: createHash('sha256').update(text).digest('hex'),
      ref,
      blob_id: blobId(text),
      commit_id: commit.id,
      last_commit_id: last.id,
      execute_filemode: false,
    };
  };

  const tree = (ctx: Ctx, p: Project): unknown => {
    const q = ctx.query;
    checkParams(q, PARAMS.tree, '/projects/:id/repository/tree');
    const recursive = bool(q, 'recursive') ?? false;
    const keyset = oneOf(q, 'pagination', ['keyset'] as const) === 'keyset';
    const commit = resolveRef(p, q.ref);
    if (!commit) throw new HttpError(404, ERRORS.tree);
    const dir = (q.path ?? '').replace(/^\/+|\/+$/g, '');
    const under = dir === '' ? '' : `${dir}/`;
    const dirs = new Set<string>();
    const blobs: string[] = [];
    for (const path of commit.tree.keys()) {
      if (!path.startsWith(under)) continue;
      const rest = path.slice(under.length).split('/');
      for (let i = 1; i < rest.length; i++) {
        if (!recursive && i > 1) break;
        dirs.add(under + rest.slice(0, i).join('/'));
      }
      if (recursive || rest.length === 1) blobs.push(path);
    }
    if (dir !== '' && dirs.size === 0 && blobs.length === 0) throw new HttpError(404, ERRORS.tree);
    const entries = [
      ...[...dirs].sort().map((path) => ({ id: sha1(`tree\0${commit.id}\0${path}`), name: path.split('/').pop(), type: 'tree', path, mode: '040000' })),
      ...blobs.sort().map((path) => ({ id: blobId(commit.tree.get(path) as string), name: path.split('/').pop(), type: 'blob', path, mode: '100644' })),
    ];
    if (!keyset) return paginate(ctx, entries);
    // Keyset: the next page only in `Link: <…>; rel="next"` (GitLab 17.1+), absent at the end.
    const perPage = Math.min(MAX_PER_PAGE, Math.max(1, int(q, 'per_page') ?? DEFAULT_PER_PAGE));
    const token = q.page_token;
    const from = token === undefined ? 0 : entries.findIndex((e) => e.path === token) + 1;
    const page = entries.slice(from, from + perPage);
    const last = page[page.length - 1];
    if (from + perPage < entries.length && last) {
      const next = new URLSearchParams(q);
      next.set('page_token', last.path);
      ctx.headers['link'] = `<http://${ctx.req.headers.host ?? '127.0.0.1'}${ctx.rawPath}?${next.toString()}>; rel="next"`;
    }
    return page;
  };

  const branch = (ctx: Ctx, p: Project, name: string): unknown => {
    checkParams(ctx.query, PARAMS.branch, '/projects/:id/repository/branches/:branch');
    const isDefault = name === (p.seed.defaultBranch ?? 'main');
    const head = isDefault || (p.seed.branches ?? []).includes(name) ? resolveRef(p, name) : undefined;
    if (!head) throw new HttpError(404, ERRORS.branch);
    return {
      name,
      merged: false,
      protected: isDefault,
      default: isDefault,
      developers_can_push: false,
      developers_can_merge: false,
      can_push: true,
      web_url: `https://gitlab.example/${p.path}/-/tree/${name}`,
      commit: commitEntity(p, head),
    };
  };

  const commits = (ctx: Ctx, p: Project): unknown => {
    const q = ctx.query;
    checkParams(q, PARAMS.commits, '/projects/:id/repository/commits');
    if (p.seed.commitsForbidden) throw new HttpError(403, ERRORS.forbidden);
    for (const b of ['first_parent', 'all', 'with_stats', 'trailers']) bool(q, b);
    const since = date(q, 'since');
    const until = date(q, 'until');
    if (p.commits.length === 0) return paginate(ctx, []);
    // [U] GitLab's answer for an unknown ref_name.
    const head = resolveRef(p, q.ref_name);
    if (!head) throw new HttpError(404, ERRORS.revision);
    const path = q.path?.replace(/^\/+|\/+$/g, '');
    const list = history(p, head).filter((c) => {
      const t = Date.parse(c.date);
      if (since !== undefined && t < since) return false;
      if (until !== undefined && t > until) return false;
      return path === undefined || c.changed.some((f) => f === path || f.startsWith(`${path}/`));
    });
    return paginate(ctx, list).map((c) => commitEntity(p, c));
  };

  const variables = (ctx: Ctx, list: SimVariableSeed[], route: string): unknown => {
    checkParams(ctx.query, PARAMS.variables, route);
    return paginate(ctx, list).map(variableEntity);
  };

  // Pipelines: ids numbered across the instance, as GitLab does; `iid` per project.
  let nextPipeline = 5000;
  let nextJob = 90000;
  const pipelineStore = new Map<number, Array<{ id: number; iid: number; seed: SimPipelineSeed; jobs: Array<{ id: number; seed: SimJobSeed }> }>>();
  for (const p of projects) {
    pipelineStore.set(
      p.id,
      (p.seed.pipelines ?? []).map((seedPipeline, i) => ({ id: nextPipeline++, iid: i + 1, seed: seedPipeline, jobs: seedPipeline.jobs.map((j) => ({ id: nextJob++, seed: j })) })),
    );
  }
  const pipelines = (ctx: Ctx, p: Project): unknown => {
    const q = ctx.query;
    checkParams(q, PARAMS.pipelines, '/projects/:id/pipelines');
    const after = date(q, 'updated_after');
    const before = date(q, 'updated_before');
    const createdAfter = date(q, 'created_after');
    const createdBefore = date(q, 'created_before');
    bool(q, 'yaml_errors');
    const orderBy = oneOf(q, 'order_by', PIPELINES_ORDER_BY) ?? 'id';
    const sort = oneOf(q, 'sort', ['asc', 'desc'] as const) ?? 'desc';
    const source = q.source;
    const list = (pipelineStore.get(p.id) ?? []).filter((pl) => {
      const updated = Date.parse(pl.seed.updatedAt ?? pl.seed.createdAt);
      const created = Date.parse(pl.seed.createdAt);
      if (after !== undefined && updated < after) return false;
      if (before !== undefined && updated > before) return false;
      if (createdAfter !== undefined && created < createdAfter) return false;
      if (createdBefore !== undefined && created > createdBefore) return false;
      if (q.ref !== undefined && (pl.seed.ref ?? 'main') !== q.ref) return false;
      if (q.status !== undefined && (pl.seed.status ?? 'success') !== q.status) return false;
      const plSource = pl.seed.source ?? 'push';
      // Child pipelines are left out unless asked for by source (GitLab's documented behaviour).
      return source === undefined ? plSource !== 'parent_pipeline' : plSource === source;
    });
    const key = (pl: { id: number; seed: SimPipelineSeed }): number | string => (orderBy === 'updated_at' ? Date.parse(pl.seed.updatedAt ?? pl.seed.createdAt) : orderBy === 'id' ? pl.id : String(pl.seed[orderBy === 'ref' ? 'ref' : 'status'] ?? ''));
    list.sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      const c = ka < kb ? -1 : ka > kb ? 1 : a.id - b.id;
      return sort === 'asc' ? c : -c;
    });
    return paginate(ctx, list).map((pl) => ({
      id: pl.id,
      iid: pl.iid,
      project_id: p.id,
      status: pl.seed.status ?? 'success',
      source: pl.seed.source ?? 'push',
      ref: pl.seed.ref ?? 'main',
      sha: p.commits[p.commits.length - 1]?.id ?? sha1(`${p.path}\0pipeline${pl.id}`),
      name: null,
      web_url: `https://gitlab.example/${p.path}/-/pipelines/${pl.id}`,
      created_at: new Date(pl.seed.createdAt).toISOString(),
      updated_at: new Date(pl.seed.updatedAt ?? pl.seed.createdAt).toISOString(),
    }));
  };
  const pipelineJobs = (ctx: Ctx, p: Project, pipelineId: string): unknown => {
    const q = ctx.query;
    checkParams(q, PARAMS.pipelineJobs, '/projects/:id/pipelines/:pipeline_id/jobs');
    const retried = bool(q, 'include_retried') ?? false;
    const pl = /^\d+$/.test(pipelineId) ? pipelineStore.get(p.id)?.find((x) => x.id === Number(pipelineId)) : undefined;
    if (!pl) throw new HttpError(404, ERRORS.pipeline);
    const scopes = new URLSearchParams(ctx.req.url?.split('?')[1] ?? '').getAll('scope[]');
    const jobs = pl.jobs.filter((j) => (retried || !j.seed.retried) && (scopes.length === 0 || scopes.includes(j.seed.status ?? 'success')));
    const sha = p.commits[p.commits.length - 1]?.id ?? sha1(`${p.path}\0pipeline${pl.id}`);
    return paginate(ctx, jobs).map((j) => {
      const started = j.seed.startedAt === undefined ? pl.seed.createdAt : j.seed.startedAt;
      return {
        id: j.id,
        name: j.seed.name,
        stage: j.seed.stage,
        status: j.seed.status ?? 'success',
        ref: pl.seed.ref ?? 'main',
        tag: false,
        allow_failure: false,
        failure_reason: j.seed.status === 'failed' ? 'script_failure' : null,
        created_at: new Date(pl.seed.createdAt).toISOString(),
        started_at: started === null ? null : new Date(started).toISOString(),
        finished_at: started === null ? null : new Date(Date.parse(started) + 60_000).toISOString(),
        duration: started === null ? null : 60,
        queued_duration: started === null ? null : 1,
        web_url: `https://gitlab.example/${p.path}/-/jobs/${j.id}`,
        tag_list: [],
        pipeline: { id: pl.id, project_id: p.id, ref: pl.seed.ref ?? 'main', sha, status: pl.seed.status ?? 'success' },
        runner: started === null ? null : { id: 1, description: 'shared-runner', is_shared: true, name: 'shared-runner' },
        user: { id: 1, username: 'dev' },
        commit: { id: sha },
        artifacts: [],
      };
    });
  };

  /** `GET /projects/:id/jobs/:job_id/trace`: the job's log as text; 404 for a job not in the project. */
  const jobTrace = (ctx: Ctx, p: Project, jobId: string): unknown => {
    checkParams(ctx.query, PARAMS.jobTrace, '/projects/:id/jobs/:job_id/trace');
    const job = /^\d+$/.test(jobId) ? (pipelineStore.get(p.id) ?? []).flatMap((pl) => pl.jobs).find((j) => j.id === Number(jobId)) : undefined;
    if (!job) throw new HttpError(404, ERRORS.job);
    const started = job.seed.startedAt !== null;
    const text = job.seed.trace === undefined ? (started ? `Running with gitlab-runner 17.0.0\nExecuting "step_script" stage of the job script\nJob succeeded\n` : '') : (job.seed.trace ?? '');
    return { raw: text };
  };

  const route = (ctx: Ctx, segments: string[]): unknown => {
    const [top, id, ...rest] = segments;
    if (top === 'groups' && id !== undefined) {
      if (rest.length === 1 && rest[0] === 'projects') return groupProjects(ctx, id);
      if (rest.length === 1 && rest[0] === 'variables') return variables(ctx, findGroup(id).variables, '/groups/:id/variables');
    }
    if (top === 'projects' && id !== undefined) {
      if (rest.length === 0) {
        checkParams(ctx.query, PARAMS.project, '/projects/:id');
        return projectEntity(findProject(id), true);
      }
      if (rest.length === 1 && rest[0] === 'variables') return variables(ctx, findProject(id).seed.variables ?? [], '/projects/:id/variables');
      if (rest.length === 1 && rest[0] === 'pipelines') return pipelines(ctx, findProject(id));
      if (rest.length === 3 && rest[0] === 'pipelines' && rest[2] === 'jobs' && rest[1] !== undefined) return pipelineJobs(ctx, findProject(id), rest[1]);
      if (rest.length === 3 && rest[0] === 'jobs' && rest[2] === 'trace' && rest[1] !== undefined) return jobTrace(ctx, findProject(id), rest[1]);
      if (rest[0] === 'repository') {
        const [, what, filePath, tail] = rest;
        if (what === 'tree' && rest.length === 2) return tree(ctx, findProject(id));
        if (what === 'commits' && rest.length === 2) return commits(ctx, findProject(id));
        if (what === 'branches' && filePath !== undefined && rest.length === 3) return branch(ctx, findProject(id), filePath);
        if (what === 'files' && filePath !== undefined && rest.length === 3) return file(ctx, findProject(id), filePath, false);
        if (what === 'files' && filePath !== undefined && rest.length === 4 && tail === 'raw') return file(ctx, findProject(id), filePath, true);
      }
    }
    throw new HttpError(404, ERRORS.noRoute);
  };

  const rateHeaders = (): Record<string, string> => ({
    'ratelimit-limit': String(limit),
    'ratelimit-name': 'throttle_authenticated_api',
    'ratelimit-observed': String(observed),
    'ratelimit-remaining': String(Math.max(0, limit - observed)),
    'ratelimit-reset': String(Math.ceil((windowStart + 60_000) / 1000)),
  });

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const rawUrl = req.url ?? '/';
    const qAt = rawUrl.indexOf('?');
    const rawPath = qAt >= 0 ? rawUrl.slice(0, qAt) : rawUrl;
    const query: Query = Object.fromEntries(new URLSearchParams(qAt >= 0 ? rawUrl.slice(qAt + 1) : ''));
    const privateToken = req.headers['private-token'];
    const authorization = req.headers['authorization'];
    const bearer = typeof authorization === 'string' && /^Bearer /i.test(authorization) ? authorization.slice(7).trim() : undefined;
    const token = typeof privateToken === 'string' ? privateToken : (bearer ?? query.private_token);
    const auth: SimRequest['auth'] = typeof privateToken === 'string' ? 'private-token' : bearer !== undefined ? 'bearer' : query.private_token !== undefined ? 'query' : 'none';
    const record: SimRequest = { method: req.method ?? 'GET', path: rawPath, query, auth, status: 0 };
    requests.push(record);

    const now = Date.now();
    if (now >= windowStart + 60_000) {
      windowStart = Math.floor(now / 60_000) * 60_000;
      observed = 0;
    }
    observed++;
    const headers: Record<string, string> = rateHeaders();
    const send = (status: number, body: unknown): void => {
      record.status = status;
      if (typeof body === 'object' && body !== null && 'raw' in body && Object.keys(body).length === 1) {
        res.writeHead(status, { ...headers, 'content-type': 'text/plain; charset=utf-8' });
        res.end(String((body as { raw: unknown }).raw));
        return;
      }
      res.writeHead(status, { ...headers, 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };

    const over = observed > limit;
    if (throttled > 0 || over) {
      const seconds = throttled > 0 ? throttleSeconds : Math.max(1, Math.ceil((windowStart + 60_000 - now) / 1000));
      if (throttled > 0) throttled--;
      headers['retry-after'] = String(seconds);
      headers['ratelimit-resettime'] = new Date(now + seconds * 1000).toUTCString();
      record.status = 429;
      res.writeHead(429, { ...headers, 'content-type': 'text/plain' });
      res.end(RETRY_LATER);
      return;
    }
    const base = `${prefix}/api/v4/`;
    if (!rawPath.startsWith(base)) return send(404, ERRORS.noRoute);
    if (options.tokens !== undefined && (token === undefined || !options.tokens.includes(token))) return send(401, ERRORS.unauthorized);
    if (req.method !== 'GET') return send(405, { error: '405 Not Allowed' });
    let segments: string[];
    try {
      segments = rawPath.slice(base.length).split('/').map(decodeURIComponent);
    } catch {
      return send(400, { error: 'the path is not valid URL encoding' });
    }
    try {
      send(200, route({ req, rawPath, query, headers }, segments));
    } catch (err) {
      if (err instanceof HttpError) return send(err.status, err.body);
      send(500, { message: '500 Internal Server Error' });
    }
  };

  const server: Server = createServer(handle);
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    requests,
    throttle(count, retryAfterSeconds) {
      throttled = count;
      throttleSeconds = retryAfterSeconds;
    },
    close: () =>
      new Promise<void>((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  };
}

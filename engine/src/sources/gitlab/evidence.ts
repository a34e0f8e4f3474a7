/**
 * IMPERATIVE SHELL: evidence from GitLab about what HAPPENED, next to what the configuration allowed
 * (the GitLab twin of sources/github/evidence.ts).
 *
 *   pipelinesInWindow(project, window)   GET /projects/:id/pipelines?updated_after=START&updated_before=END+slack
 *                                        (and again with `source=parent_pipeline`: child pipelines are left
 *                                        out of the default listing), filtered again here by time
 *   jobsOf(project, pipeline)            GET /projects/:id/pipelines/:pid/jobs?include_retried=true (every attempt)
 *   jobRuns(query)                       → FindingRuns: ran / not-run / unavailable. A job ran in the window
 *                                        when it started inside it; matched by name (`name`, a parallel
 *                                        instance `name 2/3`, a matrix instance `name: [a, b]`) and stage
 *   variableInventory(project)           CI/CD variable KEYS of the project and of every ancestor group
 *   secretRotatedSince(...)              always `unknown`: GitLab keeps no timestamp for a variable
 *
 * GitLab answers variables WITH their values: the zod schema below names only key, variable_type,
 * protected, masked, hidden and environment_scope, so the value is dropped by the parse itself and never
 * reaches a result, a reason or a report.
 *
 * Fail closed: "not-run" is said only when the listing was complete AND the project has a pipeline older
 * than the window (the history reaches back that far); otherwise the answer is `unavailable` with why
 * (no token, provider error, no older pipeline: history deleted or expired). GitLab has no step-level
 * API (steps exist only inside the job log, not read here), so a run says nothing about which commit of
 * a component it used: `resolution` is not set and `resolutionReason` says so.
 */
import { z } from 'zod';
import type { FindingRuns } from '../../core/model';
import { encodePathParam, type GitLabClient } from './client';

/** An incident window, ms since the epoch (inclusive). */
export interface EvidenceWindow {
  start: number;
  end: number;
}

export interface GitLabJobRunQuery {
  /** The project's full path, `group/sub/project`. */
  project: string;
  /** The job's key in the pipeline (Finding.jobId). */
  jobName: string;
  /** The job's stage, when known: a job of that name in another stage is not it. */
  stage?: string;
  window: EvidenceWindow;
}

const isDate = (s: string): boolean => !Number.isNaN(Date.parse(s));

export const pipelineSchema = z.object({
  id: z.number().int(),
  status: z.string(),
  source: z.string().optional(),
  ref: z.string().nullish(),
  sha: z.string().nullish(),
  web_url: z.string().optional(),
  created_at: z.string().refine(isDate, 'not a date'),
  updated_at: z.string().refine(isDate, 'not a date'),
});
export type GitLabPipeline = z.infer<typeof pipelineSchema>;

export const jobSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  stage: z.string(),
  status: z.string(),
  started_at: z.string().nullish(),
  web_url: z.string().optional(),
});
export type GitLabJob = z.infer<typeof jobSchema>;

/**
 * A CI/CD variable as read: NOT its value. GitLab returns `value` (and `description`, `raw`); naming only
 * these fields drops them at the parsing boundary.
 */
export const variableSchema = z.object({
  key: z.string(),
  variable_type: z.string(),
  protected: z.boolean(),
  masked: z.boolean(),
  hidden: z.boolean().optional(),
  environment_scope: z.string(),
});

const projectNamespaceSchema = z.object({
  id: z.number().int(),
  path_with_namespace: z.string(),
  namespace: z.object({ full_path: z.string(), kind: z.string() }),
});

/** Jobs that never started (or were skipped) did not run, whatever their pipeline did. */
const NEVER_STARTED = new Set(['created', 'pending', 'waiting_for_resource', 'preparing', 'scheduled', 'manual', 'skipped']);
/** A pipeline updated up to this long after the window may still hold a job started inside it. */
export const DEFAULT_SLACK_MS = 24 * 60 * 60 * 1000;
const STEP_NOTE = 'GitLab has no step-level data (steps exist only in the job log, which is not read): which commit of a component a run used is not known';

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Does the API's job name belong to the configured job? Equal, a `parallel: N` instance (`name 2/3`), or
 * a `parallel: matrix` instance (`name: [a, b]`).
 */
export function gitlabJobNameMatches(configured: string, actual: string): boolean {
  if (actual === configured) return true;
  if (actual.startsWith(`${configured} `) && /^\d+\/\d+$/.test(actual.slice(configured.length + 1))) return true;
  return actual.startsWith(`${configured}: [`) && actual.endsWith(']');
}

export interface GitLabEvidenceOptions {
  /** How long after the window a pipeline may have been updated and still hold a job started in it (default 24 h). */
  slackMs?: number;
}

/** GitLab evidence over one client, remembering listings per project and window. */
export class GitLabEvidence {
  private readonly pipelinesCache = new Map<string, Promise<GitLabPipeline[]>>();
  private readonly jobsCache = new Map<string, Promise<GitLabJob[]>>();
  private readonly olderCache = new Map<string, Promise<boolean>>();
  private readonly slackMs: number;

  constructor(
    private readonly client: GitLabClient,
    private readonly hasToken: boolean,
    options: GitLabEvidenceOptions = {},
  ) {
    this.slackMs = options.slackMs ?? DEFAULT_SLACK_MS;
  }

  private async must<T>(p: Promise<{ ok: true; data: T } | { ok: false; status: number; reason: string }>): Promise<T> {
    const r = await p;
    if (!r.ok) throw new Error(r.reason);
    return r.data;
  }

  /** Pipelines (parent and child) updated between the window's start and its end plus the slack. */
  pipelinesInWindow(project: string, window: EvidenceWindow): Promise<GitLabPipeline[]> {
    const key = `${project.toLowerCase()}\u0000${window.start}\u0000${window.end}`;
    let p = this.pipelinesCache.get(key);
    if (!p) {
      p = (async () => {
        const path = `/projects/${encodePathParam(project)}/pipelines`;
        const query = { updated_after: iso(window.start), updated_before: iso(window.end + this.slackMs) };
        const [own, children] = await Promise.all([this.must(this.client.list(path, query, pipelineSchema)), this.must(this.client.list(path, { ...query, source: 'parent_pipeline' }, pipelineSchema))]);
        const byId = new Map<number, GitLabPipeline>();
        for (const pl of [...own, ...children]) {
          // Older instances may ignore the filter: filter again (a pipeline created after the window holds no job of it).
          if (Date.parse(pl.updated_at) >= window.start && Date.parse(pl.created_at) <= window.end) byId.set(pl.id, pl);
        }
        return [...byId.values()];
      })();
      this.pipelinesCache.set(key, p);
    }
    return p;
  }

  /** Every job of a pipeline, retried attempts included. */
  jobsOf(project: string, pipelineId: number): Promise<GitLabJob[]> {
    const key = `${project.toLowerCase()}\u0000${pipelineId}`;
    let p = this.jobsCache.get(key);
    if (!p) {
      p = this.must(this.client.list(`/projects/${encodePathParam(project)}/pipelines/${pipelineId}/jobs`, { include_retried: true }, jobSchema));
      this.jobsCache.set(key, p);
    }
    return p;
  }

  /** Does the project's pipeline history reach back before the window (one pipeline updated before its start)? */
  private historyReaches(project: string, start: number): Promise<boolean> {
    const key = `${project.toLowerCase()}\u0000${start}`;
    let p = this.olderCache.get(key);
    if (!p) {
      p = this.must(this.client.get(`/projects/${encodePathParam(project)}/pipelines`, { updated_before: iso(start), per_page: 1 }, z.array(pipelineSchema))).then((list) => list.length > 0);
      this.olderCache.set(key, p);
    }
    return p;
  }

  /** Did the job run (start) inside the window? */
  async jobRuns(q: GitLabJobRunQuery): Promise<FindingRuns> {
    const none = (state: FindingRuns['state'], reason?: string): FindingRuns => ({ state, count: 0, urls: [], resolved: [], logs: [], ...(reason === undefined ? {} : { reason }) });
    if (!this.hasToken) return none('unavailable', 'no GitLab token (GITLAB_TOKEN): run history needs read_api');
    const matched: Array<{ pipeline: GitLabPipeline; job: GitLabJob; started: number }> = [];
    try {
      for (const pipeline of await this.pipelinesInWindow(q.project, q.window)) {
        for (const job of await this.jobsOf(q.project, pipeline.id)) {
          if (!gitlabJobNameMatches(q.jobName, job.name)) continue;
          if (q.stage !== undefined && job.stage !== q.stage) continue;
          if (NEVER_STARTED.has(job.status) || job.started_at === null || job.started_at === undefined) continue;
          const started = Date.parse(job.started_at);
          if (Number.isFinite(started) && started >= q.window.start && started <= q.window.end) matched.push({ pipeline, job, started });
        }
      }
    } catch (err) {
      return none('unavailable', `run history unavailable: ${(err as Error).message}`);
    }
    if (matched.length === 0) {
      try {
        if (!(await this.historyReaches(q.project, q.window.start))) {
          return none('unavailable', `GitLab lists no pipeline of ${q.project} from before the window: its history may have been deleted or expired, so "did not run" cannot be told`);
        }
      } catch (err) {
        return none('unavailable', `run history unavailable: ${(err as Error).message}`);
      }
      return none('not-run');
    }
    matched.sort((a, b) => b.started - a.started || b.job.id - a.job.id);
    const times = matched.map((m) => m.started);
    return {
      state: 'ran',
      count: matched.length,
      first: iso(Math.min(...times)),
      last: iso(Math.max(...times)),
      urls: matched.slice(0, 5).map((m) => m.job.web_url ?? m.pipeline.web_url ?? `${q.project} job ${m.job.id}`),
      resolved: [],
      resolutionReason: STEP_NOTE,
      logs: [],
    };
  }
}

// ───────────────────────── variables (keys only) ─────────────────────────

/** A CI/CD variable by key: where it is kept and how it is guarded. Never a value. */
export interface VariableKey {
  key: string;
  scope: 'project' | 'group';
  /** The project's or group's full path. */
  where: string;
  variableType: string;
  protected: boolean;
  masked: boolean;
  hidden?: boolean;
  environmentScope: string;
}

export interface VariableInventory {
  project: string;
  variables: VariableKey[];
  /** What could not be listed (role too low, provider error): the inventory is partial. */
  unavailable: string[];
}

function asKeys(list: Array<z.infer<typeof variableSchema>>, scope: VariableKey['scope'], where: string): VariableKey[] {
  return list.map((v) => ({
    key: v.key,
    scope,
    where,
    variableType: v.variable_type,
    protected: v.protected,
    masked: v.masked,
    ...(v.hidden === undefined ? {} : { hidden: v.hidden }),
    environmentScope: v.environment_scope,
  }));
}

/** The ancestor groups of a namespace, nearest first: `a/b/c` → `a/b/c`, `a/b`, `a`. */
export function ancestorGroups(fullPath: string): string[] {
  const parts = fullPath.split('/');
  return parts.map((_, i) => parts.slice(0, parts.length - i).join('/'));
}

/**
 * The CI/CD variable keys a project's jobs can read: the project's own and those of every group above
 * it (inherited by its jobs). Whatever cannot be listed is named in `unavailable` (reading variables
 * needs the Maintainer role on the project and Owner on a group).
 */
export async function variableInventory(client: GitLabClient, project: string): Promise<VariableInventory> {
  const inv: VariableInventory = { project, variables: [], unavailable: [] };
  const own = await client.list(`/projects/${encodePathParam(project)}/variables`, {}, variableSchema);
  if (own.ok) inv.variables.push(...asKeys(own.data, 'project', project));
  else inv.unavailable.push(`variables of project ${project}: ${own.reason}`);
  const meta = await client.get(`/projects/${encodePathParam(project)}`, {}, projectNamespaceSchema);
  if (!meta.ok) {
    inv.unavailable.push(`groups of project ${project}: ${meta.reason}`);
    return inv;
  }
  if (meta.data.namespace.kind !== 'group') return inv;
  for (const group of ancestorGroups(meta.data.namespace.full_path)) {
    const r = await client.list(`/groups/${encodePathParam(group)}/variables`, {}, variableSchema);
    if (r.ok) inv.variables.push(...asKeys(r.data, 'group', group));
    else inv.unavailable.push(`variables of group ${group}: ${r.reason}`);
  }
  return inv;
}

export type RotationEvidence =
  | { state: 'verified'; changedAt: string; where: string }
  | { state: 'not-yet'; changedAt: string; where: string }
  | { state: 'unknown'; reason: string };

/**
 * Was the variable changed after the incident started? GitLab cannot say: its API keeps no created or
 * updated time for a CI/CD variable (only audit events might), so the answer is always `unknown` and the
 * checklist item stays manual. The name is checked against the inventory so that the reason says where
 * the variable is kept, or that it was not found.
 */
export function secretRotatedSince(name: string, inventory: VariableInventory | undefined): RotationEvidence {
  const hits = inventory?.variables.filter((v) => v.key === name) ?? [];
  const where = hits.map((v) => `${v.scope} ${v.where}${v.environmentScope === '*' ? '' : ` (environment ${v.environmentScope})`}`).join(', ');
  const base = 'GitLab keeps no timestamp for CI/CD variables: whether it was rotated must be checked by a person';
  return { state: 'unknown', reason: hits.length > 0 ? `${base} (${name} is kept in ${where})` : base };
}

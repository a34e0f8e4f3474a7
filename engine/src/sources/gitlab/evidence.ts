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
 *   readTrace(project, job)              GET /projects/:id/jobs/:job_id/trace (text/plain) for the newest
 *                                        `readLogs` runs asked, streamed up to 64 MB (not read past it: the
 *                                        reading says `truncated`): the sha256 of the bytes read, the payload-print lines (by
 *                                        position only, as on GitHub: github/evidence.ts scanLogText) and the
 *                                        lines naming one of the indicator's malicious commits. 404/410, or an
 *                                        empty trace (GitLab answers 200 with an empty body for an erased or
 *                                        expired log), is "log gone"
 *   visibility(project)                  GET /projects/:id: `visibility` and `public_jobs` (client, once per project)
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
 * API, and its job log does not say which commit an include or a component resolved to (they are read
 * when the pipeline is created): a log that names one of the indicator's malicious commits makes the
 * resolution `malicious`; one that does not leaves it `unavailable` — never `clean`.
 */
import { z } from 'zod';
import type { FindingRuns, LogReading } from '../../core/model';
import { isDoubleBase64, scanLogText } from '../github/evidence';
import { encodePathParam, sizeText, type GitLabClient, type ProjectVisibility } from './client';

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
  /** Traces read, newest runs first (default 0: none; the rest are counted, not read). */
  readLogs?: number;
  /** The indicator's malicious commits (full SHAs) of a GitLab include or component: does a log name one? */
  maliciousShas?: readonly string[];
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
/** With logs read: what a GitLab log can and cannot say. */
const LOG_NOTE = 'GitLab logs do not say which commit an include or component resolved to (it is read when the pipeline is created)';
/** A trace is read (and hashed) up to this many bytes, not past it (the reading says so). */
export const MAX_TRACE_BYTES = 64 * 1024 * 1024;
/** Traces read per query, at most, whatever is asked. */
export const MAX_TRACES_PER_QUERY = 20;

/** A trace GitLab no longer gives (404/410, or the empty body of an erased or expired log). */
export class TraceGoneError extends Error {
  constructor(
    readonly jobId: number,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The lines of a log that name one of `shas` (the full SHA, or its 8-character short form as a word),
 * at most 20, each cut to 500 characters with any double-base64 blob in it replaced by its length.
 */
export function linesNaming(text: string, shas: readonly string[]): Array<{ line: number; text: string }> {
  const wanted = shas.map((s) => s.toLowerCase()).filter((s) => /^[0-9a-f]{40}$/.test(s));
  if (wanted.length === 0) return [];
  const out: Array<{ line: number; text: string }> = [];
  const short = new RegExp(`(^|[^0-9a-f])(${wanted.map((sha) => sha.slice(0, 8)).join('|')})([^0-9a-f]|$)`);
  const lines = text.split('\n');
  for (let i = 0; i < lines.length && out.length < 20; i++) {
    const line = (lines[i] ?? '').replace(/\r$/, '');
    const lower = line.toLowerCase();
    const hit = wanted.some((sha) => lower.includes(sha)) || short.test(lower);
    if (!hit) continue;
    const kept = line
      .split(/(\s+)/)
      .map((token) => (isDoubleBase64(token) ? `[double-base64 blob, ${token.length} characters]` : token))
      .join('');
    out.push({ line: i + 1, text: kept.slice(0, 500) });
  }
  return out;
}

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
  /** The clock of a log reading's `readAt` (default Date.now). */
  now?: () => number;
  /** Bytes of a trace read, at most (default 64 MB): a longer log is read and hashed up to here. */
  maxTraceBytes?: number;
}

/** GitLab evidence over one client, remembering listings per project and window. */
export class GitLabEvidence {
  private readonly pipelinesCache = new Map<string, Promise<GitLabPipeline[]>>();
  private readonly jobsCache = new Map<string, Promise<GitLabJob[]>>();
  private readonly olderCache = new Map<string, Promise<boolean>>();
  private readonly traceCache = new Map<string, Promise<LogReading>>();
  private readonly slackMs: number;
  private readonly now: () => number;
  private readonly maxTraceBytes: number;

  constructor(
    private readonly client: GitLabClient,
    private readonly hasToken: boolean,
    options: GitLabEvidenceOptions = {},
  ) {
    this.slackMs = options.slackMs ?? DEFAULT_SLACK_MS;
    this.now = options.now ?? Date.now;
    this.maxTraceBytes = options.maxTraceBytes ?? MAX_TRACE_BYTES;
  }

  /** The project's visibility and whether non-members see its job logs (the client asks once per project). */
  visibility(project: string): Promise<ProjectVisibility> {
    if (!this.hasToken) return Promise.resolve({ ok: false, reason: 'no GitLab token (GITLAB_TOKEN)' });
    return this.client.projectVisibility(project);
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

  /**
   * One job's log (`GET /projects/:id/jobs/:job_id/trace`): its sha256 and the lines kept — never the log.
   * Rejects with a TraceGoneError when GitLab no longer gives it, with GitLab's answer otherwise.
   */
  readTrace(project: string, jobId: number, url: string, maliciousShas: readonly string[] = []): Promise<LogReading> {
    const key = `${project.toLowerCase()}\u0000${jobId}\u0000${maliciousShas.join(',')}`;
    let p = this.traceCache.get(key);
    if (!p) {
      p = (async (): Promise<LogReading> => {
        // Streamed: read up to the cap, never past it; the hash is of the raw bytes read.
        const raw = await this.client.getRaw(this.client.url(`/projects/${encodePathParam(project)}/jobs/${jobId}/trace`), { maxBytes: this.maxTraceBytes, truncate: true });
        if (!raw.ok) {
          if (raw.status === 404 || raw.status === 410) throw new TraceGoneError(jobId, raw.status, `the log of job ${jobId} is gone (HTTP ${raw.status}: expired or deleted)`);
          throw new Error(`the log of job ${jobId} could not be read: ${raw.reason}`);
        }
        // GitLab answers an erased or expired log with 200 and an empty body (`build.trace.raw || ''`).
        if (raw.bytes === 0) throw new TraceGoneError(jobId, 410, `the log of job ${jobId} is gone (GitLab gave an empty log: erased or expired)`);
        // A cut line (at the cap) is not scanned: it may be half of a payload blob or of a commit.
        const text = raw.truncated ? raw.body.slice(0, Math.max(0, raw.body.lastIndexOf('\n') + 1)) : raw.body;
        return {
          jobId,
          url,
          readAt: new Date(this.now()).toISOString(),
          sha256: raw.sha256,
          bytes: raw.bytes,
          lines: linesNaming(text, maliciousShas),
          payloadLines: scanLogText(text).payloadLines,
          ...(raw.truncated ? { truncated: true } : {}),
        };
      })();
      this.traceCache.set(key, p);
    }
    return p;
  }

  /** Did the job run (start) inside the window? With `readLogs`, what the newest runs' logs say. */
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
    const urlOf = (m: { pipeline: GitLabPipeline; job: GitLabJob }): string => m.job.web_url ?? m.pipeline.web_url ?? `${q.project} job ${m.job.id}`;
    const runs: FindingRuns = {
      state: 'ran',
      count: matched.length,
      first: iso(Math.min(...times)),
      last: iso(Math.max(...times)),
      urls: matched.slice(0, 5).map(urlOf),
      resolved: [],
      resolutionReason: STEP_NOTE,
      logs: [],
    };
    const toRead = matched.slice(0, Math.min(Math.max(0, q.readLogs ?? 0), MAX_TRACES_PER_QUERY));
    if (toRead.length === 0) return runs;
    const shas = q.maliciousShas ?? [];
    const problems: string[] = [LOG_NOTE];
    if (matched.length > toRead.length) problems.push(`${matched.length - toRead.length} of ${matched.length} job logs not read (the newest ${toRead.length} were)`);
    for (const m of toRead) {
      try {
        const reading = await this.readTrace(q.project, m.job.id, urlOf(m), shas);
        runs.logs.push(reading);
        if (reading.truncated === true) problems.push(`the log of job ${m.job.id} is larger than ${sizeText(this.maxTraceBytes)}: not read past ${sizeText(this.maxTraceBytes)} (its hash is of the first ${sizeText(reading.bytes)})`);
      } catch (err) {
        if (err instanceof TraceGoneError) (runs.gone ??= []).push({ jobId: m.job.id, url: urlOf(m), status: err.status });
        problems.push((err as Error).message);
      }
    }
    // A payload seen is seen; none seen is said only when every log read was read whole.
    if (runs.logs.some((l) => l.payloadLines.length > 0)) runs.payloadInLog = true;
    else if (runs.logs.length > 0 && runs.logs.every((l) => l.truncated !== true)) runs.payloadInLog = false;
    if (shas.length > 0) {
      // Only lines naming a malicious commit are kept.
      const named = runs.logs.some((l) => l.lines.length > 0);
      runs.resolution = named ? 'malicious' : 'unavailable';
      if (!named) problems.push(`no log read names a malicious commit (${shas.map((s) => s.slice(0, 12)).join(', ')})`);
    }
    runs.resolutionReason = problems.join('; ');
    return runs;
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

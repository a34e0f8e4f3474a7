/**
 * IMPERATIVE SHELL: evidence from GitHub about what HAPPENED, next to what the configuration allowed.
 *
 *   runsInWindow(repo, window)      GET /repos/{o}/{r}/actions/runs?created=A..B   (split in halves while a
 *                                   listing reaches GitHub's 1,000-result cap)
 *   jobsOf(run)                     GET /repos/{o}/{r}/actions/runs/{id}/jobs?filter=all (every attempt)
 *   readJobLog(job)                 GET /repos/{o}/{r}/actions/jobs/{id}/logs → 302 → signed URL, fetched
 *                                   WITHOUT the token, streamed and scanned line by line (one line held at
 *                                   a time): only the runner's `Download action repository 'o/r@ref'
 *                                   (SHA:…)` lines are kept, with the log's sha256. Up to 64 MB
 *                                   (`maxLogBytes`): a longer log is not read past it, the reading says
 *                                   `truncated` and its hash is of the bytes read (as GitLab's traces)
 *   jobRuns(query)                  → RunEvidence: ran / not-run / unavailable, which commit each action
 *                                   resolved to, compared with the indicator's malicious SHAs
 *   secretInventory / secretRotatedSince   Actions secret NAMES and `updated_at` (never values: GitHub
 *                                   returns none; Actions *variables*, which carry values, are never asked)
 *   workflowTokenDefault(repo|org)  GET /repos/{o}/{r}/actions/permissions/workflow (or /orgs/{org}/…): the
 *                                   GITHUB_TOKEN's default for jobs without `permissions:` (read | write)
 *                                   and whether Actions may approve pull requests
 *
 * Fail closed: "unavailable" (no token, logs expired or deleted, provider error) is its own answer and is
 * never read as "did not run"; a log that cannot be read leaves the resolved commit unknown, never clean.
 * A double-base64 blob in a log (the tj-actions / reviewdog payload print) is reported by line number and
 * length only: the blob is the secrets, encoded, and is never kept.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { FindingRuns, LogReading, ResolvedAction } from '../../core/model';
import { sizeText } from '../gitlab/client';
import { GitHubApiError, type GitHubClient } from './client';

/** An incident window, ms since the epoch (inclusive). */
export interface EvidenceWindow {
  start: number;
  end: number;
}

export interface JobRunQuery {
  /** `owner/name`. */
  repo: string;
  /** The workflow file, `.github/workflows/ci.yml`. */
  workflowPath: string;
  /** The job's display name (`name:` or its key); matrix jobs run as `name (x, y)`. */
  jobName: string;
  /**
   * A job of a reusable workflow: the display names of the jobs that called it, outermost first. GitHub
   * lists it in the caller's run as `<caller job> / <job>` (one ` / ` per level), a caller with a matrix as
   * `<caller job> (<matrix values>) / <job>`. Absent or empty: a job of the workflow itself.
   */
  callers?: readonly string[];
  /**
   * The job calls a reusable workflow (`jobs.<id>.uses`): it never runs under its own name, only as
   * `<job> / <called job>` (any called job, at any depth).
   */
  callsWorkflow?: boolean;
  window: EvidenceWindow;
  /** The compromised components (`owner/repo` or `owner/repo/path`) whose resolved commit is asked. */
  actions: readonly string[];
  /** The indicator's malicious commits (full SHAs). */
  maliciousShas: readonly string[];
}

/** A job's runs in the window (the core's FindingRuns: reports read it from findings). */
export type RunEvidence = FindingRuns;

const RunSchema = z.object({
  id: z.number(),
  path: z.string(),
  created_at: z.string(),
  html_url: z.string(),
});
const RunsPageSchema = z.object({ total_count: z.number(), workflow_runs: z.array(RunSchema) });
const JobSchema = z.object({
  id: z.number(),
  name: z.string(),
  html_url: z.string().nullable(),
  created_at: z.string(),
  started_at: z.string(),
  run_attempt: z.number().optional(),
});
const JobsPageSchema = z.object({ total_count: z.number(), jobs: z.array(JobSchema) });

export type WorkflowRun = z.infer<typeof RunSchema>;
export type WorkflowJob = z.infer<typeof JobSchema>;

/** GitHub answers at most this many results for a filtered runs listing. */
export const RUN_LISTING_CAP = 1000;
/** A window shorter than this is not split further (then the cap is reported, not hidden). */
const MIN_SPLIT_MS = 1000;
/** Logs read per job query, at most (the rest are counted, not read). */
const MAX_LOGS_PER_QUERY = 50;
/** A log longer than this is read (and hashed) up to here, not past it, and the reading says so. */
export const MAX_LOG_BYTES = 64 * 1024 * 1024;

const DOWNLOAD_LINE = /Download action repository '([^'@\s]+)@([^'\s]+)' \(SHA:([0-9a-f]{40})\)/;

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function splitRepo(repo: string): { owner: string; name: string } {
  const [owner = '', name = ''] = repo.split('/');
  return { owner: encodeURIComponent(owner), name: encodeURIComponent(name) };
}

/** Why a call failed, for a report: GitHub's words and status, never a credential. */
export function unavailableReason(err: unknown): string {
  if (err instanceof GitHubApiError) return err.message;
  return `GitHub could not be asked: ${(err as Error).message}`;
}

/**
 * Does the API's job name belong to the configured job? Equal, or a matrix instance `name (x, y)`; a
 * name with an expression (`${{ … }}`) matches with the expression as a wildcard. (One level: jobPathMatches.)
 */
export function jobNameMatches(configured: string, actual: string): boolean {
  return jobPathMatches({ jobName: configured }, actual);
}

/** A configured name as a pattern: literal, `${{ … }}` as a wildcard, and an optional matrix suffix ` (x, y)`. */
function namePattern(configured: string): string {
  const literal = configured
    .split(/\$\{\{[^}]*\}\}/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*?');
  return `${literal}(?: \\(.*?\\))?`;
}

/** Where a job is in its run's job names: its own name, the callers above it, whether it calls a workflow. */
export interface JobPath {
  jobName: string;
  callers?: readonly string[];
  callsWorkflow?: boolean;
}

/**
 * Does the API's job name belong to the job at `path`? Each level is matched as jobNameMatches does
 * (equal, a matrix instance, an expression as a wildcard), the levels joined by ` / `: a called job as
 * `<caller> / <job>` (a caller with a matrix: `<caller> (x, y) / <job>`), a calling job as `<job> / <any>`.
 */
export function jobPathMatches(path: JobPath, actual: string): boolean {
  const levels = [...(path.callers ?? []), path.jobName].map(namePattern);
  const tail = path.callsWorkflow === true ? ' / .+' : '';
  return new RegExp(`^${levels.join(' / ')}${tail}$`).test(actual);
}

/** Is this a double-base64 blob (base64 text that decodes to base64 text)? */
export function isDoubleBase64(token: string): boolean {
  if (token.length < 40 || token.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(token)) return false;
  const once = Buffer.from(token, 'base64').toString('latin1').replace(/\s+/g, '');
  return once.length >= 24 && once.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(once);
}

type KeptLines = { lines: Array<{ line: number; text: string }>; payloadLines: Array<{ line: number; length: number }> };

/**
 * Scans a log as it streams, line by line, holding only the line being read: the download lines and
 * where double-base64 blobs are (line and length, never the blob).
 */
export class LogLineScanner {
  readonly kept: KeptLines = { lines: [], payloadLines: [] };
  private pending = '';
  private lineNo = 0;

  /** The next piece of the log's text. */
  push(text: string): void {
    let from = 0;
    for (let nl = text.indexOf('\n', from); nl !== -1; nl = text.indexOf('\n', from)) {
      this.scanLine(this.pending + text.slice(from, nl));
      this.pending = '';
      from = nl + 1;
    }
    this.pending += text.slice(from);
  }

  /** The log ended: its last line (without a newline) is scanned. */
  end(): KeptLines {
    this.scanLine(this.pending);
    this.pending = '';
    return this.kept;
  }

  /** The log was cut (at a byte cap): its last, partial line is not scanned — it may be half of a blob or of a commit. */
  cut(): KeptLines {
    this.pending = '';
    return this.kept;
  }

  private scanLine(raw: string): void {
    this.lineNo++;
    const line = raw.replace(/\r$/, '');
    if (DOWNLOAD_LINE.test(line)) this.kept.lines.push({ line: this.lineNo, text: line.slice(0, 500) });
    for (const token of line.split(/\s+/)) {
      if (isDoubleBase64(token)) {
        this.kept.payloadLines.push({ line: this.lineNo, length: token.length });
        break;
      }
    }
  }
}

/** The kept parts of one log text: the download lines and where double-base64 blobs are. */
export function scanLogText(text: string): KeptLines {
  const scanner = new LogLineScanner();
  scanner.push(text);
  return scanner.end();
}

/** Which component a downloaded `owner/repo` is: `owner/repo/path` components are downloaded as `owner/repo`. */
function concerns(action: string, components: readonly string[]): boolean {
  const a = action.toLowerCase();
  return components.some((c) => c.toLowerCase().split('/').slice(0, 2).join('/') === a);
}

export interface EvidenceClientOptions {
  /** Fetches the signed log URL (default: global fetch); never given the token. */
  fetchLog?: (url: string) => Promise<Response>;
  now?: () => number;
  /** Bytes of a job log read, at most (default 64 MB): a longer log is read and hashed up to here. */
  maxLogBytes?: number;
}

/**
 * GitHub evidence over one client, remembering listings per repository and window so that several
 * findings of one repository cost one listing.
 */
export class GitHubEvidence {
  private readonly runsCache = new Map<string, Promise<WorkflowRun[]>>();
  private readonly jobsCache = new Map<string, Promise<WorkflowJob[]>>();
  private readonly logCache = new Map<number, Promise<LogReading>>();
  private readonly fetchLog: (url: string) => Promise<Response>;
  private readonly now: () => number;
  private readonly maxLogBytes: number;

  constructor(
    private readonly client: GitHubClient,
    private readonly hasToken: boolean,
    options: EvidenceClientOptions = {},
  ) {
    this.fetchLog = options.fetchLog ?? ((url) => fetch(url, { redirect: 'follow' }));
    this.now = options.now ?? Date.now;
    this.maxLogBytes = options.maxLogBytes ?? MAX_LOG_BYTES;
  }

  /** The workflow runs created inside the window (all of them: halves while a listing hits the cap). */
  runsInWindow(repo: string, window: EvidenceWindow): Promise<WorkflowRun[]> {
    const key = `${repo.toLowerCase()}\u0000${window.start}\u0000${window.end}`;
    let p = this.runsCache.get(key);
    if (!p) {
      p = this.listRuns(repo, window.start, window.end);
      this.runsCache.set(key, p);
    }
    return p;
  }

  private async listRuns(repo: string, start: number, end: number): Promise<WorkflowRun[]> {
    const { owner, name } = splitRepo(repo);
    const created = `${isoSeconds(start)}..${isoSeconds(end)}`;
    const out: WorkflowRun[] = [];
    for (let page = 1; ; page++) {
      const body = await this.client.restJson(`/repos/${owner}/${name}/actions/runs?created=${encodeURIComponent(created)}&per_page=100&page=${page}`, RunsPageSchema);
      if (page === 1 && body.total_count >= RUN_LISTING_CAP) {
        if (end - start < MIN_SPLIT_MS * 2) {
          throw new GitHubApiError('bad-response', `more than ${RUN_LISTING_CAP} workflow runs of ${repo} were created within ${created}: the listing cannot be complete`);
        }
        const mid = start + Math.floor((end - start) / 2 / 1000) * 1000;
        const [a, b] = await Promise.all([this.listRuns(repo, start, mid), this.listRuns(repo, mid + 1000, end)]);
        return [...b, ...a];
      }
      out.push(...body.workflow_runs);
      if (body.workflow_runs.length < 100 || out.length >= body.total_count) return out;
    }
  }

  /** Every job of a run, every attempt (`filter=all`). */
  jobsOf(repo: string, runId: number): Promise<WorkflowJob[]> {
    const key = `${repo.toLowerCase()}\u0000${runId}`;
    let p = this.jobsCache.get(key);
    if (!p) {
      p = (async () => {
        const { owner, name } = splitRepo(repo);
        const out: WorkflowJob[] = [];
        for (let page = 1; ; page++) {
          const body = await this.client.restJson(`/repos/${owner}/${name}/actions/runs/${runId}/jobs?filter=all&per_page=100&page=${page}`, JobsPageSchema);
          out.push(...body.jobs);
          if (body.jobs.length < 100 || out.length >= body.total_count) return out;
        }
      })();
      this.jobsCache.set(key, p);
    }
    return p;
  }

  /**
   * Reads one job's log through its signed URL, streamed up to `maxLogBytes` and never past it (a longer
   * log: `truncated`, hashed and scanned up to the cap, its cut last line not scanned); rejects with
   * GitHub's answer (404/410: gone).
   */
  readJobLog(repo: string, jobId: number, url: string): Promise<LogReading> {
    let p = this.logCache.get(jobId);
    if (!p) {
      p = (async () => {
        const { owner, name } = splitRepo(repo);
        const location = await this.client.restLocation(`/repos/${owner}/${name}/actions/jobs/${jobId}/logs`);
        const res = await this.fetchLog(location);
        if (!res.ok) {
          await res.body?.cancel().catch(() => undefined);
          throw new GitHubApiError(res.status === 404 || res.status === 410 ? 'not-found' : 'bad-response', `the log download answered HTTP ${res.status}`, res.status);
        }
        const hash = createHash('sha256');
        const reader = res.body?.getReader();
        const decoder = new TextDecoder();
        const scanner = new LogLineScanner();
        let bytes = 0;
        let truncated = false;
        while (reader && !truncated) {
          const chunk = await reader.read();
          if (chunk.done) break;
          let value = chunk.value;
          const room = this.maxLogBytes - bytes;
          if (value.byteLength > room) {
            value = value.subarray(0, room);
            truncated = true;
            await reader.cancel().catch(() => undefined);
          }
          bytes += value.byteLength;
          hash.update(value);
          scanner.push(decoder.decode(value, { stream: !truncated }));
        }
        let kept: KeptLines;
        if (truncated) kept = scanner.cut();
        else {
          scanner.push(decoder.decode());
          kept = scanner.end();
        }
        return { jobId, url, readAt: new Date(this.now()).toISOString(), sha256: hash.digest('hex'), bytes, ...kept, ...(truncated ? { truncated: true } : {}) };
      })();
      this.logCache.set(jobId, p);
    }
    return p;
  }

  /** Did the job run in the window, and on which commit of the compromised components? */
  async jobRuns(q: JobRunQuery): Promise<RunEvidence> {
    const none = (state: RunEvidence['state'], reason?: string): RunEvidence => ({ state, count: 0, urls: [], resolved: [], logs: [], ...(reason === undefined ? {} : { reason }) });
    if (!this.hasToken) return none('unavailable', 'no GitHub token (GITHUB_TOKEN): run history needs Actions read access');
    let matched: Array<{ run: WorkflowRun; job: WorkflowJob }>;
    try {
      const runs = (await this.runsInWindow(q.repo, q.window)).filter((r) => r.path.replace(/@.*$/, '') === q.workflowPath);
      matched = [];
      for (const run of runs) {
        for (const job of await this.jobsOf(q.repo, run.id)) if (jobPathMatches(q, job.name)) matched.push({ run, job });
      }
    } catch (err) {
      return none('unavailable', `run history unavailable: ${unavailableReason(err)}`);
    }
    if (matched.length === 0) return none('not-run');
    matched.sort((a, b) => Date.parse(b.job.started_at) - Date.parse(a.job.started_at) || b.job.id - a.job.id);
    const times = matched.map((m) => Date.parse(m.job.started_at)).filter(Number.isFinite);
    const evidence: RunEvidence = {
      state: 'ran',
      count: matched.length,
      first: new Date(Math.min(...times)).toISOString(),
      last: new Date(Math.max(...times)).toISOString(),
      urls: matched.slice(0, 5).map((m) => m.job.html_url ?? m.run.html_url),
      resolved: [],
      logs: [],
    };
    const problems: string[] = [];
    const notes: string[] = [];
    const toRead = matched.slice(0, MAX_LOGS_PER_QUERY);
    if (matched.length > toRead.length) problems.push(`${matched.length - toRead.length} of ${matched.length} job logs not read (at most ${MAX_LOGS_PER_QUERY})`);
    const resolved = new Map<string, ResolvedAction>();
    let sawMalicious = false;
    const malicious = new Set(q.maliciousShas.map((s) => s.toLowerCase()));
    for (const { job, run } of toRead) {
      let reading: LogReading;
      try {
        reading = await this.readJobLog(q.repo, job.id, job.html_url ?? run.html_url);
      } catch (err) {
        const gone = err instanceof GitHubApiError && (err.status === 404 || err.status === 410);
        problems.push(gone ? `the log of job ${job.id} is gone (HTTP ${err.status}: expired or deleted)` : `the log of job ${job.id} could not be read: ${unavailableReason(err)}`);
        if (gone) (evidence.gone ??= []).push({ jobId: job.id, url: job.html_url ?? run.html_url, status: err.status ?? 410 });
        continue;
      }
      evidence.logs.push(reading);
      // Said, but not a problem for the commit: the runner writes the download lines at the log's start.
      if (reading.truncated === true) notes.push(`the log of job ${job.id} is larger than ${sizeText(this.maxLogBytes)}: not read past ${sizeText(this.maxLogBytes)} (its hash is of the first ${sizeText(reading.bytes)})`);
      let named = false;
      for (const { text } of reading.lines) {
        const m = DOWNLOAD_LINE.exec(text);
        if (!m) continue;
        const action = `${m[1] ?? ''}@${m[2] ?? ''}`;
        const sha = (m[3] ?? '').toLowerCase();
        const hit = { action, sha, malicious: malicious.has(sha) };
        resolved.set(`${action}\u0000${sha}`, hit);
        if (concerns(m[1] ?? '', q.actions)) {
          named = true;
          if (hit.malicious) sawMalicious = true;
        }
      }
      if (!named && q.actions.length > 0) problems.push(`the log of job ${job.id} names no commit for ${q.actions.join(', ')}`);
    }
    evidence.resolved = [...resolved.values()];
    // A payload seen is seen; none seen is said only when every log read was read whole.
    if (evidence.logs.some((l) => l.payloadLines.length > 0)) evidence.payloadInLog = true;
    else if (evidence.logs.length > 0 && evidence.logs.every((l) => l.truncated !== true)) evidence.payloadInLog = false;
    if (q.actions.length > 0) evidence.resolution = sawMalicious ? 'malicious' : problems.length === 0 ? 'clean' : 'unavailable';
    if (problems.length + notes.length > 0) evidence.resolutionReason = [...problems, ...notes].join('; ');
    return evidence;
  }
}

// ───────────────────────── secrets (names only) ─────────────────────────

const SecretSchema = z.object({ name: z.string(), created_at: z.string(), updated_at: z.string() });
const SecretsPageSchema = z.object({ total_count: z.number(), secrets: z.array(SecretSchema) });
const OrgSecretSchema = SecretSchema.extend({ visibility: z.enum(['all', 'private', 'selected']), selected_repositories_url: z.string().optional() });
const OrgSecretsPageSchema = z.object({ total_count: z.number(), secrets: z.array(OrgSecretSchema) });
const VisibilitySchema = z.object({ repository: z.object({ visibility: z.enum(['PUBLIC', 'PRIVATE', 'INTERNAL']) }).nullable() });

export type SecretScope = 'repository' | 'environment' | 'organisation';

/** A stored secret by name: where, when it last changed. Never a value. */
export interface SecretName {
  name: string;
  scope: SecretScope;
  /** The environment's name (`environment`) or the organisation (`organisation`). */
  where: string;
  createdAt: string;
  updatedAt: string;
  /** Organisation secrets: which repositories may use it. */
  visibility?: 'all' | 'private' | 'selected';
}

export interface SecretInventory {
  repo: string;
  visibility?: 'public' | 'private' | 'internal';
  secrets: SecretName[];
  /** What could not be listed (scope missing, provider error): the inventory is partial. */
  unavailable: string[];
}

async function pages<T>(client: GitHubClient, path: string, schema: z.ZodType<{ total_count: number; secrets: T[] }>): Promise<T[]> {
  const out: T[] = [];
  for (let page = 1; ; page++) {
    const body = await client.restJson(`${path}?per_page=100&page=${page}`, schema);
    out.push(...body.secrets);
    if (body.secrets.length < 100 || out.length >= body.total_count) return out;
  }
}

/**
 * The Actions secret names a repository's jobs can read: its own, its environments' (those named), and
 * the organisation's shared with it (`/actions/organization-secrets`, `repo` scope), plus — with
 * `admin:org` — every organisation secret with its visibility. Whatever cannot be listed is named in
 * `unavailable`.
 */
export async function secretInventory(client: GitHubClient, repo: string, environments: readonly string[] = [], org?: string): Promise<SecretInventory> {
  const { owner, name } = splitRepo(repo);
  const inv: SecretInventory = { repo, secrets: [], unavailable: [] };
  const asNames = (list: Array<z.infer<typeof SecretSchema>>, scope: SecretScope, where: string): SecretName[] => list.map((s) => ({ name: s.name, scope, where, createdAt: s.created_at, updatedAt: s.updated_at }));
  try {
    const { data } = await client.graphql('query($owner:String!,$name:String!){repository(owner:$owner,name:$name){visibility}}', { owner: decodeURIComponent(owner), name: decodeURIComponent(name) }, VisibilitySchema);
    if (data.repository) inv.visibility = data.repository.visibility.toLowerCase() as 'public' | 'private' | 'internal';
  } catch (err) {
    inv.unavailable.push(`repository visibility: ${unavailableReason(err)}`);
  }
  try {
    inv.secrets.push(...asNames(await pages(client, `/repos/${owner}/${name}/actions/secrets`, SecretsPageSchema), 'repository', repo));
  } catch (err) {
    inv.unavailable.push(`repository secrets: ${unavailableReason(err)}`);
  }
  for (const env of environments) {
    try {
      inv.secrets.push(...asNames(await pages(client, `/repos/${owner}/${name}/environments/${encodeURIComponent(env)}/secrets`, SecretsPageSchema), 'environment', env));
    } catch (err) {
      inv.unavailable.push(`secrets of environment ${env}: ${unavailableReason(err)}`);
    }
  }
  const orgName = org ?? decodeURIComponent(owner);
  if (org !== undefined) {
    try {
      const all = await pages(client, `/orgs/${encodeURIComponent(org)}/actions/secrets`, OrgSecretsPageSchema);
      inv.secrets.push(...all.map((s) => ({ name: s.name, scope: 'organisation' as const, where: orgName, createdAt: s.created_at, updatedAt: s.updated_at, visibility: s.visibility })));
    } catch (err) {
      inv.unavailable.push(`organisation secrets of ${org}: ${unavailableReason(err)}`);
    }
  } else {
    try {
      inv.secrets.push(...asNames(await pages(client, `/repos/${owner}/${name}/actions/organization-secrets`, SecretsPageSchema), 'organisation', orgName));
    } catch (err) {
      inv.unavailable.push(`organisation secrets shared with ${repo}: ${unavailableReason(err)}`);
    }
  }
  return inv;
}

/** Where a secret the configuration names is looked for: repository (then the organisation's), or one environment. */
export interface SecretWhere {
  repo: string;
  scope: 'repository' | 'environment' | 'organisation';
  /** The environment (scope `environment`). */
  environment?: string;
}

export type RotationEvidence =
  | { state: 'verified'; changedAt: string; where: string }
  | { state: 'not-yet'; changedAt: string; where: string }
  | { state: 'unknown'; reason: string };

/**
 * Was the secret `name` changed (`updated_at`) after `since`? As GitHub resolves a name for a job: an
 * environment's secret, else the repository's, else the organisation's shared with the repository.
 * A name found nowhere, or a listing that failed, is `unknown` — never `not-yet`.
 */
export async function secretRotatedSince(client: GitHubClient | undefined, name: string, where: SecretWhere, since: number): Promise<RotationEvidence> {
  if (!client) return { state: 'unknown', reason: 'no GitHub token (GITHUB_TOKEN)' };
  const { owner, name: repoName } = splitRepo(where.repo);
  const lookups: Array<{ label: string; path: string }> = [];
  if (where.scope === 'environment') {
    if (where.environment === undefined) return { state: 'unknown', reason: 'no environment named' };
    lookups.push({ label: `environment ${where.environment} of ${where.repo}`, path: `/repos/${owner}/${repoName}/environments/${encodeURIComponent(where.environment)}/secrets` });
  }
  if (where.scope !== 'organisation') lookups.push({ label: `repository ${where.repo}`, path: `/repos/${owner}/${repoName}/actions/secrets` });
  lookups.push({ label: `organisation secrets shared with ${where.repo}`, path: `/repos/${owner}/${repoName}/actions/organization-secrets` });
  for (const l of lookups) {
    let list: Array<z.infer<typeof SecretSchema>>;
    try {
      list = await pages(client, l.path, SecretsPageSchema);
    } catch (err) {
      return { state: 'unknown', reason: `${l.label}: ${unavailableReason(err)}` };
    }
    const hit = list.find((s) => s.name.toUpperCase() === name.toUpperCase());
    if (!hit) continue;
    const changed = Date.parse(hit.updated_at);
    if (!Number.isFinite(changed)) return { state: 'unknown', reason: `${l.label}: ${name} has no readable updated_at` };
    return changed > since ? { state: 'verified', changedAt: hit.updated_at, where: l.label } : { state: 'not-yet', changedAt: hit.updated_at, where: l.label };
  }
  return { state: 'unknown', reason: `no Actions secret named ${name} in ${lookups.map((l) => l.label).join(', ')}` };
}

// ───────────────────────── the workflow token's default ─────────────────────────

const WorkflowPermissionsSchema = z.object({ default_workflow_permissions: z.enum(['read', 'write']), can_approve_pull_request_reviews: z.boolean() });

/** The default, or why it was not read (`status`: GitHub's HTTP status, when it answered one). */
export type WorkflowTokenDefault = { ok: true; value: 'read' | 'write'; canApprovePullRequests: boolean } | { ok: false; reason: string; status?: number };

/**
 * The default permission of GITHUB_TOKEN for jobs that set no `permissions:` — of a repository
 * (`owner/name`) or, with `{ org }`, of an organisation (`admin:org`). Needs the `repo` scope (classic tokens); a
 * refusal is `{ ok: false }` with GitHub's words.
 */
export async function workflowTokenDefault(client: GitHubClient | undefined, target: string | { org: string }): Promise<WorkflowTokenDefault> {
  if (!client) return { ok: false, reason: 'no GitHub token (GITHUB_TOKEN)' };
  let path: string;
  if (typeof target === 'string') {
    const { owner, name } = splitRepo(target);
    path = `/repos/${owner}/${name}/actions/permissions/workflow`;
  } else {
    path = `/orgs/${encodeURIComponent(target.org)}/actions/permissions/workflow`;
  }
  try {
    const body = await client.restJson(path, WorkflowPermissionsSchema);
    return { ok: true, value: body.default_workflow_permissions, canApprovePullRequests: body.can_approve_pull_request_reviews };
  } catch (err) {
    const status = err instanceof GitHubApiError ? err.status : undefined;
    return { ok: false, reason: unavailableReason(err), ...(status === undefined ? {} : { status }) };
  }
}

/**
 * The GitHub simulator's Actions part: workflow runs (with their jobs and job logs) and Actions secret
 * NAMES, seeded by a test. Routes (all GET, answers checked by server.ts against api.github.com.json):
 *
 *   /repos/{o}/{r}/actions/runs?created=A..B&per_page&page   newest first; a filtered listing gives at most
 *                                                             1,000 results (total_count capped as well)
 *   /repos/{o}/{r}/actions/runs/{run_id}/jobs?filter&per_page&page   `filter=latest` (default) hides earlier attempts
 *   /repos/{o}/{r}/actions/jobs/{job_id}/logs                 302 to a signed log URL (served without
 *                                                             credentials), or the seeded 404/410
 *   /repos/{o}/{r}/actions/secrets, /repos/{o}/{r}/actions/organization-secrets,
 *   /repos/{o}/{r}/environments/{env}/secrets, /orgs/{org}/actions/secrets
 *   /repos/{o}/{r}/actions/permissions/workflow, /orgs/{org}/actions/permissions/workflow   the GITHUB_TOKEN's
 *                                                             default (seeded; unseeded: 404; a seeded status: that
 *                                                             refusal, e.g. 403 for a token without the scope)
 *
 * Actions *variables* are not served: they carry values, and nothing of this project may ask for them.
 */
import { createHash } from 'node:crypto';

export interface SimJobSeed {
  name: string;
  /** ISO start; default the run's creation + 10 s. */
  startedAt?: string;
  conclusion?: 'success' | 'failure' | 'cancelled' | 'skipped';
  /**
   * The job's log text, or the status its logs endpoint answers (404: deleted, 410: expired), or a log
   * produced lazily as it is served (`generate`: its pieces, written as the reader takes them — a large
   * log without a large literal).
   */
  log?: string | { status: 404 | 410 } | SimGeneratedLog;
  runAttempt?: number;
}

/** A log produced piece by piece while it is downloaded (each call starts it again from the beginning). */
export interface SimGeneratedLog {
  generate: () => Iterable<string>;
}

/** A signed log download's answer: a text, or pieces produced as they are written. */
export type SimLogAnswer = { jobId: number; status: number; text: string } | { jobId: number; status: 200; pieces: Iterable<string> };

export interface SimRunSeed {
  /** `.github/workflows/ci.yml`. */
  path: string;
  name?: string;
  createdAt: string;
  headSha?: string;
  event?: string;
  jobs?: SimJobSeed[];
}

export interface SimSecretSeed {
  name: string;
  createdAt: string;
  updatedAt: string;
}

export interface SimOrgSecretSeed extends SimSecretSeed {
  visibility: 'all' | 'private' | 'selected';
  /** `owner/name` of the repositories a `selected` secret is shared with. */
  repositories?: string[];
}

/** A repository's or organisation's GITHUB_TOKEN default, or the status its endpoint refuses with. */
export type SimWorkflowPermissionsSeed = { defaultPermissions: 'read' | 'write'; canApprovePullRequestReviews: boolean } | { status: 403 | 404 };

/** A route's answer: JSON checked against operation `op`, a redirect, or an undocumented error. */
export type ActionsAnswer =
  | { kind: 'json'; op: string; status: number; body: unknown; link?: string }
  | { kind: 'redirect'; op: string; location: string }
  | { kind: 'undocumented'; op: string; status: number; body: unknown }
  | { kind: 'bad-request'; message: string };

interface Run {
  id: number;
  owner: string;
  repo: string;
  seed: SimRunSeed;
  number: number;
  jobs: Array<{ id: number; seed: SimJobSeed }>;
}

const LIMIT = 1000;

function iso(t: number): string {
  return new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function sha(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

const USER_URLS = ['avatar_url', 'events_url', 'followers_url', 'following_url', 'gists_url', 'html_url', 'organizations_url', 'received_events_url', 'repos_url', 'starred_url', 'subscriptions_url', 'url'] as const;
const REPO_URLS = [
  'archive_url', 'assignees_url', 'blobs_url', 'branches_url', 'collaborators_url', 'comments_url', 'commits_url', 'compare_url', 'contents_url',
  'contributors_url', 'deployments_url', 'downloads_url', 'events_url', 'forks_url', 'git_commits_url', 'git_refs_url', 'git_tags_url', 'hooks_url',
  'issue_comment_url', 'issue_events_url', 'issues_url', 'keys_url', 'labels_url', 'languages_url', 'merges_url', 'milestones_url',
  'notifications_url', 'pulls_url', 'releases_url', 'stargazers_url', 'statuses_url', 'subscribers_url', 'subscription_url', 'tags_url',
  'teams_url', 'trees_url',
] as const;

/** Parses GitHub's `created` qualifier as this simulator supports it: `A..B` (inclusive ISO instants). */
function parseCreated(value: string): { from: number; to: number } | undefined {
  const m = /^(.+)\.\.(.+)$/.exec(value);
  if (!m) return undefined;
  const from = Date.parse(m[1] ?? '');
  const to = Date.parse(m[2] ?? '');
  return Number.isFinite(from) && Number.isFinite(to) ? { from, to } : undefined;
}

export class ActionsSim {
  /** Every `created` window the runs listing was asked for (tests assert the splitting). */
  readonly runQueries: string[] = [];
  /** Log downloads that carried an Authorization header (must stay empty: signed URLs need none). */
  readonly logRequestsWithCredentials: string[] = [];
  /** Bytes of each job's log written to a download (job id → bytes): a reader that stops early shows here. */
  readonly logBytesServed = new Map<number, number>();
  private readonly runs: Run[] = [];
  private readonly repoSecrets = new Map<string, SimSecretSeed[]>();
  private readonly envSecrets = new Map<string, SimSecretSeed[]>();
  private readonly orgSecrets = new Map<string, SimOrgSecretSeed[]>();
  private readonly workflowPermissions = new Map<string, SimWorkflowPermissionsSeed>();
  private nextId = 1000;

  constructor(private readonly isPrivate: (full: string) => boolean | undefined) {}

  addRun(full: string, seed: SimRunSeed): { runId: number; jobIds: number[] } {
    const [owner = '', repo = ''] = full.split('/');
    const id = this.nextId++;
    const number = this.runs.filter((r) => `${r.owner}/${r.repo}` === full).length + 1;
    const jobs = (seed.jobs ?? []).map((j) => ({ id: this.nextId++, seed: j }));
    this.runs.push({ id, owner, repo, seed, number, jobs });
    return { runId: id, jobIds: jobs.map((j) => j.id) };
  }

  setRepoSecrets(full: string, secrets: SimSecretSeed[]): void {
    this.repoSecrets.set(full.toLowerCase(), secrets);
  }

  setEnvironmentSecrets(full: string, env: string, secrets: SimSecretSeed[]): void {
    this.envSecrets.set(`${full.toLowerCase()}\u0000${env}`, secrets);
  }

  setOrgSecrets(org: string, secrets: SimOrgSecretSeed[]): void {
    this.orgSecrets.set(org.toLowerCase(), secrets);
  }

  /** The default workflow permission of a repository (`owner/name`) or an organisation (`org`). */
  setWorkflowPermissions(fullOrOrg: string, seed: SimWorkflowPermissionsSeed): void {
    this.workflowPermissions.set(fullOrOrg.toLowerCase(), seed);
  }

  /** The signed log download (no credentials), or undefined when `path` is not one. */
  logText(path: string, authorization: string | undefined): SimLogAnswer | undefined {
    const m = /^\/_signed\/job-logs\/(\d+)$/.exec(path);
    if (!m) return undefined;
    if (authorization !== undefined) this.logRequestsWithCredentials.push(path);
    const jobId = Number(m[1]);
    const job = this.runs.flatMap((r) => r.jobs).find((j) => j.id === jobId);
    const log = job?.seed.log;
    if (typeof log === 'string') return { jobId, status: 200, text: log };
    if (log !== undefined && 'generate' in log) return { jobId, status: 200, pieces: log.generate() };
    return { jobId, status: 404, text: 'BlobNotFound' };
  }

  route(url: URL, path: string, apiUrl: string, base: string): ActionsAnswer | undefined {
    const params = url.searchParams;
    const page = Number(params.get('page') ?? '1');
    const perPage = Number(params.get('per_page') ?? '30');
    const allowed = (names: string[]): string | undefined => [...params.keys()].find((k) => !names.includes(k));
    const paging = (): string | undefined => {
      if (!Number.isInteger(page) || page < 1 || !Number.isInteger(perPage) || perPage < 1 || perPage > 100) return 'page/per_page out of range';
      return undefined;
    };
    const slice = <T>(all: T[]): T[] => all.slice((page - 1) * perPage, page * perPage);
    const link = (total: number): string | undefined => {
      const last = Math.max(1, Math.ceil(total / perPage));
      if (page >= last) return undefined;
      const next = new URL(url.toString());
      next.searchParams.set('page', String(page + 1));
      return `<${apiUrl}${path}?${next.searchParams.toString()}>; rel="next"`;
    };

    let m = /^\/repos\/([^/]+)\/([^/]+)\/actions\/runs$/.exec(path);
    if (m) {
      const op = '/repos/{owner}/{repo}/actions/runs';
      const extra = allowed(['created', 'per_page', 'page']) ?? paging();
      if (extra) return { kind: 'bad-request', message: `simulator: ${extra}` };
      const created = params.get('created');
      const window = created === null ? undefined : parseCreated(created);
      if (created !== null && !window) return { kind: 'bad-request', message: `simulator: created=${created} is not A..B` };
      if (created !== null) this.runQueries.push(created);
      const all = this.runsOf(m[1] ?? '', m[2] ?? '')
        .filter((r) => !window || (Date.parse(r.seed.createdAt) >= window.from && Date.parse(r.seed.createdAt) <= window.to))
        .sort((a, b) => Date.parse(b.seed.createdAt) - Date.parse(a.seed.createdAt) || b.id - a.id);
      // A filtered listing answers at most 1,000 results.
      const visible = window ? all.slice(0, LIMIT) : all;
      const total = visible.length;
      return { kind: 'json', op, status: 200, body: { total_count: total, workflow_runs: slice(visible).map((r) => this.runBody(r, apiUrl)) }, ...optionalLink(link(total)) };
    }
    m = /^\/repos\/([^/]+)\/([^/]+)\/actions\/runs\/(\d+)\/jobs$/.exec(path);
    if (m) {
      const op = '/repos/{owner}/{repo}/actions/runs/{run_id}/jobs';
      const extra = allowed(['filter', 'per_page', 'page']) ?? paging();
      if (extra) return { kind: 'bad-request', message: `simulator: ${extra}` };
      const filter = params.get('filter') ?? 'latest';
      if (filter !== 'latest' && filter !== 'all') return { kind: 'bad-request', message: `simulator: filter=${filter}` };
      const run = this.runsOf(m[1] ?? '', m[2] ?? '').find((r) => r.id === Number(m?.[3]));
      if (!run) return notFound(op);
      const latest = Math.max(1, ...run.jobs.map((j) => j.seed.runAttempt ?? 1));
      const jobs = run.jobs.filter((j) => filter === 'all' || (j.seed.runAttempt ?? 1) === latest);
      return { kind: 'json', op, status: 200, body: { total_count: jobs.length, jobs: slice(jobs).map((j) => this.jobBody(run, j, apiUrl)) }, ...optionalLink(link(jobs.length)) };
    }
    m = /^\/repos\/([^/]+)\/([^/]+)\/actions\/jobs\/(\d+)\/logs$/.exec(path);
    if (m) {
      const op = '/repos/{owner}/{repo}/actions/jobs/{job_id}/logs';
      if (allowed([])) return { kind: 'bad-request', message: 'simulator: the logs endpoint takes no query parameters' };
      const job = this.runsOf(m[1] ?? '', m[2] ?? '')
        .flatMap((r) => r.jobs)
        .find((j) => j.id === Number(m?.[3]));
      if (!job) return notFound(op);
      const log = job.seed.log;
      if (log === undefined || (typeof log !== 'string' && !('generate' in log))) {
        const status = log?.status ?? 404;
        // Not in the description (it documents only the 302); GitHub answers a basic error.
        return { kind: 'undocumented', op, status, body: { message: status === 410 ? 'Gone' : 'Not Found', documentation_url: 'https://docs.github.com/rest/actions/workflow-jobs#download-job-logs-for-a-workflow-run', status: String(status) } };
      }
      return { kind: 'redirect', op, location: `${base}/_signed/job-logs/${job.id}?sig=${sha(String(job.id)).slice(0, 12)}` };
    }
    m = /^\/repos\/([^/]+)\/([^/]+)\/actions\/(secrets|organization-secrets)$/.exec(path);
    if (m) {
      const full = `${m[1] ?? ''}/${m[2] ?? ''}`;
      const op = `/repos/{owner}/{repo}/actions/${m[3] ?? ''}`;
      const extra = allowed(['per_page', 'page']) ?? paging();
      if (extra) return { kind: 'bad-request', message: `simulator: ${extra}` };
      if (this.isPrivate(full) === undefined) return notFound(op);
      const list = m[3] === 'secrets' ? (this.repoSecrets.get(full.toLowerCase()) ?? []) : this.orgSecretsFor(full);
      return { kind: 'json', op, status: 200, body: { total_count: list.length, secrets: slice(list).map(secretBody) }, ...optionalLink(link(list.length)) };
    }
    m = /^\/repos\/([^/]+)\/([^/]+)\/environments\/([^/]+)\/secrets$/.exec(path);
    if (m) {
      const full = `${m[1] ?? ''}/${m[2] ?? ''}`;
      const op = '/repos/{owner}/{repo}/environments/{environment_name}/secrets';
      const extra = allowed(['per_page', 'page']) ?? paging();
      if (extra) return { kind: 'bad-request', message: `simulator: ${extra}` };
      const list = this.envSecrets.get(`${full.toLowerCase()}\u0000${decodeURIComponent(m[3] ?? '')}`);
      if (!list) return notFound(op);
      return { kind: 'json', op, status: 200, body: { total_count: list.length, secrets: slice(list).map(secretBody) }, ...optionalLink(link(list.length)) };
    }
    m = /^\/(?:repos\/([^/]+)\/([^/]+)|orgs\/([^/]+))\/actions\/permissions\/workflow$/.exec(path);
    if (m) {
      const op = m[3] === undefined ? '/repos/{owner}/{repo}/actions/permissions/workflow' : '/orgs/{org}/actions/permissions/workflow';
      if (allowed([])) return { kind: 'bad-request', message: 'simulator: the workflow permissions endpoint takes no query parameters' };
      const key = m[3] === undefined ? `${decodeURIComponent(m[1] ?? '')}/${decodeURIComponent(m[2] ?? '')}` : decodeURIComponent(m[3]);
      const seed = this.workflowPermissions.get(key.toLowerCase());
      if (!seed) return notFound(op);
      if ('status' in seed) {
        // The description documents only the 200; GitHub answers a basic error.
        return { kind: 'undocumented', op, status: seed.status, body: { message: 'Resource not accessible by personal access token', documentation_url: 'https://docs.github.com/rest/actions/permissions', status: String(seed.status) } };
      }
      return { kind: 'json', op, status: 200, body: { default_workflow_permissions: seed.defaultPermissions, can_approve_pull_request_reviews: seed.canApprovePullRequestReviews } };
    }
    m = /^\/orgs\/([^/]+)\/actions\/secrets$/.exec(path);
    if (m) {
      const op = '/orgs/{org}/actions/secrets';
      const extra = allowed(['per_page', 'page']) ?? paging();
      if (extra) return { kind: 'bad-request', message: `simulator: ${extra}` };
      const list = this.orgSecrets.get((m[1] ?? '').toLowerCase());
      if (!list) return notFound(op);
      const org = m[1] ?? '';
      return {
        kind: 'json',
        op,
        status: 200,
        body: {
          total_count: list.length,
          secrets: slice(list).map((s) => ({
            ...secretBody(s),
            visibility: s.visibility,
            ...(s.visibility === 'selected' ? { selected_repositories_url: `${apiUrl}/orgs/${org}/actions/secrets/${s.name}/repositories` } : {}),
          })),
        },
        ...optionalLink(link(list.length)),
      };
    }
    return undefined;
  }

  private runsOf(owner: string, repo: string): Run[] {
    const key = `${decodeURIComponent(owner)}/${decodeURIComponent(repo)}`.toLowerCase();
    return this.runs.filter((r) => `${r.owner}/${r.repo}`.toLowerCase() === key);
  }

  private orgSecretsFor(full: string): SimSecretSeed[] {
    const org = (full.split('/')[0] ?? '').toLowerCase();
    const priv = this.isPrivate(full) === true;
    return (this.orgSecrets.get(org) ?? []).filter((s) => s.visibility === 'all' || (s.visibility === 'private' && priv) || (s.visibility === 'selected' && (s.repositories ?? []).some((r) => r.toLowerCase() === full.toLowerCase())));
  }

  private repoBody(owner: string, name: string, apiUrl: string): Record<string, unknown> {
    const repoApi = `${apiUrl}/repos/${owner}/${name}`;
    const user: Record<string, unknown> = { login: owner, id: 1, node_id: 'O_1', gravatar_id: '', site_admin: false, type: 'Organization' };
    for (const k of USER_URLS) user[k] = `${apiUrl}/users/${owner}/${k}`;
    const body: Record<string, unknown> = {
      id: 2,
      node_id: `R_${owner}_${name}`,
      name,
      full_name: `${owner}/${name}`,
      owner: user,
      private: this.isPrivate(`${owner}/${name}`) ?? true,
      html_url: `https://github.com/${owner}/${name}`,
      description: null,
      fork: false,
      url: repoApi,
    };
    for (const k of REPO_URLS) body[k] = `${repoApi}/${k}`;
    return body;
  }

  private runBody(r: Run, apiUrl: string): Record<string, unknown> {
    const runApi = `${apiUrl}/repos/${r.owner}/${r.repo}/actions/runs/${r.id}`;
    const head = r.seed.headSha ?? sha(`head ${r.id}`);
    const repo = this.repoBody(r.owner, r.repo, apiUrl);
    return {
      id: r.id,
      node_id: `WFR_${r.id}`,
      name: r.seed.name ?? r.seed.path.split('/').pop(),
      head_branch: 'main',
      head_sha: head,
      path: r.seed.path,
      display_title: `run ${r.number}`,
      run_number: r.number,
      run_attempt: Math.max(1, ...r.jobs.map((j) => j.seed.runAttempt ?? 1)),
      event: r.seed.event ?? 'push',
      status: 'completed',
      conclusion: 'success',
      workflow_id: 7,
      url: runApi,
      html_url: `https://github.com/${r.owner}/${r.repo}/actions/runs/${r.id}`,
      pull_requests: [],
      created_at: r.seed.createdAt,
      updated_at: r.seed.createdAt,
      run_started_at: r.seed.createdAt,
      jobs_url: `${runApi}/jobs`,
      logs_url: `${runApi}/logs`,
      check_suite_url: `${apiUrl}/repos/${r.owner}/${r.repo}/check-suites/${r.id}`,
      artifacts_url: `${runApi}/artifacts`,
      cancel_url: `${runApi}/cancel`,
      rerun_url: `${runApi}/rerun`,
      workflow_url: `${apiUrl}/repos/${r.owner}/${r.repo}/actions/workflows/7`,
      head_commit: { id: head, tree_id: sha(`tree ${head}`), message: 'change', timestamp: r.seed.createdAt, author: null, committer: null },
      repository: repo,
      head_repository: repo,
    };
  }

  private jobBody(r: Run, j: { id: number; seed: SimJobSeed }, apiUrl: string): Record<string, unknown> {
    const started = j.seed.startedAt ?? iso(Date.parse(r.seed.createdAt) + 10_000);
    return {
      id: j.id,
      run_id: r.id,
      run_url: `${apiUrl}/repos/${r.owner}/${r.repo}/actions/runs/${r.id}`,
      run_attempt: j.seed.runAttempt ?? 1,
      node_id: `CR_${j.id}`,
      head_sha: r.seed.headSha ?? sha(`head ${r.id}`),
      url: `${apiUrl}/repos/${r.owner}/${r.repo}/actions/jobs/${j.id}`,
      html_url: `https://github.com/${r.owner}/${r.repo}/actions/runs/${r.id}/job/${j.id}`,
      status: 'completed',
      conclusion: j.seed.conclusion ?? 'success',
      created_at: r.seed.createdAt,
      started_at: started,
      completed_at: iso(Date.parse(started) + 60_000),
      name: j.seed.name,
      steps: [{ name: 'Set up job', status: 'completed', conclusion: 'success', number: 1, started_at: started, completed_at: started }],
      check_run_url: `${apiUrl}/repos/${r.owner}/${r.repo}/check-runs/${j.id}`,
      labels: ['ubuntu-latest'],
      runner_id: 1,
      runner_name: 'GitHub Actions 1',
      runner_group_id: 1,
      runner_group_name: 'GitHub Actions',
      workflow_name: r.seed.name ?? r.seed.path.split('/').pop() ?? null,
      head_branch: 'main',
    };
  }
}

function secretBody(s: SimSecretSeed): Record<string, unknown> {
  return { name: s.name, created_at: s.createdAt, updated_at: s.updatedAt };
}

function notFound(op: string): ActionsAnswer {
  return { kind: 'undocumented', op, status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' } };
}

function optionalLink(link: string | undefined): { link?: string } {
  return link === undefined ? {} : { link };
}

/**
 * IMPERATIVE SHELL: run evidence for every platform, one path for the CLI (`scan --evidence`) and the
 * bridge (`scan.evidence`). Each affected finding gets `runs` — did its job run in the incident window —
 * from the platform that runs it, and each result's summary counts the affected jobs that ran:
 *
 *   github-actions   GitHubEvidence (github/evidence.ts): runs, jobs, the commit each action resolved to
 *                    from the job logs. A job of a reusable workflow (`workflow_call`) is matched through
 *                    its callers (below); a job that calls one (`jobs.x.uses`) as `<job> / <called job>`.
 *   gitlab-ci        GitLabEvidence (gitlab/evidence.ts): pipelines and jobs; the newest runs' logs for the
 *                    payload print and the indicator's malicious include/component commits. The project is
 *                    the repository's path on the instance of the `gitlab:` source it was read from.
 *                    A public project (`public_jobs` not off) whose log printed the payload: `publicLog`;
 *                    an internal one: a reason line (every signed-in user of the instance could read the
 *                    log), not the public flag.
 *   (github-actions: `publicLog` from the repository's visibility, `visibilityOf`; an internal repository:
 *   a reason line — every member of the enterprise could read the log.)
 *   circleci         CircleCiEvidence (circleci/evidence.ts): pipelines → workflows → jobs, and the contexts
 *                    the matched runs used (`runs.contexts`, job details), compared with those the
 *                    configuration names: a context the configuration does not name = it changed. The project
 *                    slug: `gh/OWNER/REPO` for a repository read from GitHub, `VCS/ORG/NAME` for one read
 *                    from a `circleci:VCS/ORG` source (circleciSlug).
 *   jenkins          unavailable: run history is not read from Jenkins.
 *
 * Fail closed: a platform without a provider (or without a token: the providers say so themselves), a
 * repository whose project on the platform is not known, a reusable workflow with no caller among the
 * scanned repositories — each is `unavailable` with its reason, never `not-run`. The verdicts are then
 * the core's projection of the runs (core/exposure/run-verdict.ts `withRunVerdicts`): only a job the
 * platform says did not run becomes `not-run`, its static exposure kept next to it; `not-run` is not
 * "not affected".
 *
 * Reusable workflows. GitHub lists a called workflow's jobs in the CALLER's run, named
 * `<caller job name> / <called job name>` (nested calls: one ` / ` per level; a caller with a matrix:
 * `<caller job name> (<matrix values>) / <called job name>`), matched level by level by
 * github/evidence.ts `jobPathMatches` (JobRunQuery `callers`, `callsWorkflow`). The callers are read from
 * the scan itself: a finding whose chain starts at `uses: ./.github/workflows/x.yml` (same repository) or
 * `uses: OWNER/REPO/.github/workflows/x.yml@ref` is a job that calls x.yml. Its caller workflow's runs in
 * the window are listed and the composed name matched. Callers outside the scanned repositories are not
 * seen: a reusable workflow none of whose callers was scanned stays unavailable, and one that did not run
 * through the callers seen says so in `reason`.
 */
import type { Finding, FindingRuns, Indicator, Platform, ScanResult } from '../../core/model';
import { withRunVerdicts } from '../../core/exposure/run-verdict';
import { isPublicLog, PUBLIC_LOG_TEXT } from '../../core/report/common';
import { parseCircleCiSpec } from '../circleci/source';
import type { CircleCiEvidence } from '../circleci/evidence';
import type { GitHubEvidence } from '../github/evidence';
import { attachSecretFacts, type SecretFactSources } from '../secret-facts';
import type { GitLabEvidence } from '../gitlab/evidence';
import type { TimeWindow } from '../source';

export type Visibility = 'public' | 'private' | 'internal';
/** A repository's visibility as the platform's inventory says it; undefined when not known. */
export type VisibilityOf = (repo: string) => Promise<Visibility | undefined>;

/** GitLab evidence for the instance of a `gitlab:` source spec (undefined: the default instance), or why none. */
export type GitLabEvidenceFor = (sourceSpec: string | undefined) => GitLabEvidence | { reason: string };

export interface EvidenceProviders {
  github?: { evidence: GitHubEvidence; visibilityOf?: VisibilityOf };
  gitlab?: { evidenceFor: GitLabEvidenceFor };
  circleci?: { evidence: CircleCiEvidence };
  /** What credentials the affected jobs really had (secret-facts.ts); absent: not read. */
  facts?: Omit<SecretFactSources, 'circleciSlugOf'>;
}

export interface AttachOptions {
  /**
   * The source specs each repository was read from (`github:acme`, `gitlab:https://host/group`,
   * `circleci:gh/acme`): which GitLab instance and which CircleCI project it is. Absent: not known (GitLab:
   * the default instance; CircleCI: unavailable).
   */
  origins?: ReadonlyMap<string, readonly string[]>;
  /** Only findings of these platforms get runs (the others are left as they are). Default: every platform. */
  platforms?: readonly Platform[];
}

/** GitLab logs read per affected job (the newest runs). */
export const GITLAB_LOGS_PER_JOB = 5;
/** Most levels of reusable-workflow calls followed (GitHub allows four nested levels under the caller). */
const MAX_CALL_DEPTH = 4;

function unavailable(reason: string): FindingRuns {
  return { state: 'unavailable', count: 0, urls: [], resolved: [], logs: [], reason };
}

function jobKey(f: Finding): string {
  return `${f.repo}\u0000${f.jobFile}\u0000${f.jobId}`;
}

// ───────────────────────── where a repository lives on each platform ─────────────────────────

/**
 * The CircleCI project slug of a repository, from the sources it was read from: `gh/OWNER/REPO` from a
 * `github:` source, `VCS/ORG/NAME` from `circleci:VCS/ORG` (`circleci:VCS/ORG/PROJECT`: that slug).
 * A `circleci:circleci/ORG-ID` organisation (GitHub App, GitLab) names projects by opaque ids the
 * repository's name does not give: not known. Pure.
 */
export function circleciSlug(repo: string, origins: readonly string[] | undefined): { slug: string } | { reason: string } {
  if (origins === undefined || origins.length === 0) return { reason: `which source ${repo} was read from is not known, so its CircleCI project is not known` };
  for (const origin of origins) {
    if (origin.startsWith('github:') && /^[^/]+\/[^/]+$/.test(repo)) return { slug: `gh/${repo}` };
    if (!origin.startsWith('circleci:')) continue;
    const spec = parseCircleCiSpec(origin);
    if ('error' in spec) continue;
    if (spec.kind === 'project') return { slug: spec.slug };
    if (spec.vcs !== 'circleci' && /^[^/]+\/[^/]+$/.test(repo)) return { slug: `${spec.vcs}/${repo}` };
  }
  return { reason: `the CircleCI project of ${repo} is not known from its source (${origins.join(', ')}): CircleCI names it by a slug (gh/OWNER/REPO, or opaque ids for circleci/ORG-ID organisations)` };
}

/** The `gitlab:` source a repository was read from (undefined: not known, the default instance), or why it is not on GitLab. Pure. */
export function gitlabOrigin(repo: string, origins: readonly string[] | undefined): { spec: string | undefined } | { reason: string } {
  if (origins === undefined || origins.length === 0) return { spec: undefined };
  const spec = origins.find((o) => o.startsWith('gitlab:'));
  if (spec !== undefined) return { spec };
  return { reason: `${repo} was not read from GitLab (${origins.join(', ')}): its GitLab project is not known` };
}

// ───────────────────────── GitHub: direct, calling and called jobs ─────────────────────────

/** The `owner/repo` and workflow path a job's own `uses:` of a workflow points to, from its first chain link. */
function calledWorkflow(f: Finding): { repo: string; path: string } | undefined {
  const link = f.chain[0];
  if (!link) return undefined;
  if (link.kind === 'gha-local-workflow') return { repo: f.repo, path: link.ref.trim().replace(/^\.\//, '') };
  if (link.kind === 'gha-reusable-workflow') {
    const m = /^([^/\s]+)\/([^/\s]+)\/([^@\s]+)(@\S*)?$/.exec(link.ref.trim());
    if (m?.[1] !== undefined && m[2] !== undefined && m[3] !== undefined) return { repo: `${m[1]}/${m[2]}`, path: m[3] };
  }
  return undefined;
}

/** Where a job's runs are listed: a workflow of a repository, under a name prefix (`caller / `…). */
interface RunTarget {
  repo: string;
  workflowPath: string;
  prefix: string[];
}

/**
 * The workflows whose runs hold a job's runs: its own (when it has a trigger of its own), and — for a
 * reusable workflow — each caller's, recursively. `missing`: why no caller was found.
 */
function runTargets(f: Finding, all: readonly Finding[], depth: number): { targets: RunTarget[]; missing: string[] } {
  const targets: RunTarget[] = [];
  const missing: string[] = [];
  const triggers = f.exposure.triggers;
  if (!triggers.includes('workflow_call') || triggers.some((t) => t !== 'workflow_call')) targets.push({ repo: f.repo, workflowPath: f.jobFile, prefix: [] });
  if (!triggers.includes('workflow_call')) return { targets, missing };
  const seen = new Set<string>();
  const callers = all.filter((c) => {
    if (c.platform !== 'github-actions' || seen.has(jobKey(c))) return false;
    const called = calledWorkflow(c);
    const hit = called !== undefined && called.repo.toLowerCase() === f.repo.toLowerCase() && called.path === f.jobFile;
    if (hit) seen.add(jobKey(c));
    return hit;
  });
  if (callers.length === 0) missing.push(`no workflow among the scanned repositories calls ${f.jobFile} of ${f.repo} (a reusable workflow: its runs are listed under its callers' workflows)`);
  else if (depth >= MAX_CALL_DEPTH) missing.push(`the calls of ${f.jobFile} of ${f.repo} nest deeper than ${MAX_CALL_DEPTH} levels`);
  else {
    for (const c of callers) {
      const up = runTargets(c, all, depth + 1);
      missing.push(...up.missing);
      targets.push(...up.targets.map((t) => ({ ...t, prefix: [...t.prefix, c.job] })));
    }
  }
  return { targets, missing };
}

/** Several listings of one job's runs as one answer: ran if any ran; not-run only when all say so. */
export function mergeRuns(list: readonly FindingRuns[], notes: readonly string[] = []): FindingRuns {
  const [only] = list;
  if (list.length === 1 && only && notes.length === 0) return only;
  const ran = list.filter((r) => r.state === 'ran');
  const unknown = list.filter((r) => r.state === 'unavailable').map((r) => r.reason ?? 'run history unavailable');
  if (ran.length === 0) {
    if (unknown.length > 0 || list.length === 0) return unavailable([...unknown, ...notes].join('; ') || 'run history unavailable');
    return { state: 'not-run', count: 0, urls: [], resolved: [], logs: [], ...(notes.length > 0 ? { reason: notes.join('; ') } : {}) };
  }
  const firsts = ran.map((r) => Date.parse(r.first ?? '')).filter(Number.isFinite);
  const lasts = ran.map((r) => Date.parse(r.last ?? '')).filter(Number.isFinite);
  const resolved = new Map(ran.flatMap((r) => r.resolved).map((a) => [`${a.action}\u0000${a.sha}`, a]));
  const gone = ran.flatMap((r) => r.gone ?? []);
  const withResolution = ran.filter((r) => r.resolution !== undefined);
  const reasons = [...new Set([...ran.map((r) => r.resolutionReason).filter((r): r is string => r !== undefined), ...unknown.map((u) => `runs not known: ${u}`)])];
  const out: FindingRuns = {
    state: 'ran',
    count: ran.reduce((n, r) => n + r.count, 0),
    ...(firsts.length > 0 ? { first: new Date(Math.min(...firsts)).toISOString() } : {}),
    ...(lasts.length > 0 ? { last: new Date(Math.max(...lasts)).toISOString() } : {}),
    urls: ran.flatMap((r) => r.urls).slice(0, 5),
    resolved: [...resolved.values()],
    logs: ran.flatMap((r) => r.logs),
    ...(gone.length > 0 ? { gone } : {}),
  };
  if (withResolution.length > 0) {
    out.resolution = withResolution.some((r) => r.resolution === 'malicious')
      ? 'malicious'
      : withResolution.length === ran.length && unknown.length === 0 && withResolution.every((r) => r.resolution === 'clean')
        ? 'clean'
        : 'unavailable';
  }
  if (reasons.length > 0) out.resolutionReason = reasons.join('; ');
  if (ran.some((r) => r.payloadInLog !== undefined)) out.payloadInLog = ran.some((r) => r.payloadInLog === true);
  return out;
}

async function githubRuns(f: Finding, indicator: Indicator | undefined, window: TimeWindow, evidence: GitHubEvidence, all: readonly Finding[]): Promise<FindingRuns> {
  if (!f.jobFile.startsWith('.github/workflows/')) return unavailable(`the job is defined in ${f.jobFile}, not a workflow file: its runs are not matched`);
  const components = (indicator?.components ?? []).filter((c) => c.kind === 'gha-action');
  const { targets, missing } = runTargets(f, all, 0);
  if (targets.length === 0) return unavailable(missing.join('; '));
  // A job that calls a reusable workflow runs as `<job> / <called job>`, never under its own name alone;
  // a called job as `<caller job> / <job>`, a caller with a matrix as `<caller job> (x, y) / <job>`.
  const callsWorkflow = calledWorkflow(f) !== undefined;
  const answers = await Promise.all(
    targets.map((t) =>
      evidence.jobRuns({
        repo: t.repo,
        workflowPath: t.workflowPath,
        jobName: f.job,
        callers: t.prefix,
        callsWorkflow,
        window,
        actions: components.map((c) => c.id),
        maliciousShas: components.flatMap((c) => c.maliciousShas),
      }),
    ),
  );
  // Said with a not-run or unavailable answer (a run found is found, whoever else called it).
  const callers = [...new Set(targets.filter((t) => t.prefix.length > 0).map((t) => `${t.workflowPath} of ${t.repo}`))];
  const seen = callers.length > 0 ? [`matched through the callers among the scanned repositories (${callers.join(', ')}): callers outside them are not seen`] : [];
  return mergeRuns(answers, [...seen, ...missing]);
}

async function gitlabRuns(f: Finding, indicator: Indicator | undefined, window: TimeWindow, provider: EvidenceProviders['gitlab'], origins: readonly string[] | undefined): Promise<FindingRuns> {
  if (!provider) return unavailable('run history is not read from GitLab in this scan (no GitLab evidence provider)');
  const origin = gitlabOrigin(f.repo, origins);
  if ('reason' in origin) return unavailable(origin.reason);
  const evidence = provider.evidenceFor(origin.spec);
  if ('reason' in evidence) return unavailable(evidence.reason);
  const shas = (indicator?.components ?? []).filter((c) => c.kind === 'gitlab-include').flatMap((c) => c.maliciousShas);
  return evidence.jobRuns({ project: f.repo, jobName: f.jobId, window, readLogs: GITLAB_LOGS_PER_JOB, ...(shas.length > 0 ? { maliciousShas: shas } : {}) });
}

async function circleciRuns(f: Finding, window: TimeWindow, provider: EvidenceProviders['circleci'], origins: readonly string[] | undefined): Promise<FindingRuns> {
  if (!provider) return unavailable('run history is not read from CircleCI in this scan (no CircleCI evidence provider)');
  const slug = circleciSlug(f.repo, origins);
  if ('reason' in slug) return unavailable(slug.reason);
  const details = await provider.evidence.jobRunDetails({ slug: slug.slug, jobName: f.jobId, workflow: f.workflow, window });
  return details.contexts === undefined ? details.runs : { ...details.runs, contexts: details.contexts };
}

/** Which version of the configuration a finding was read from, for a sentence. */
function versionText(f: Finding): string {
  const commits = (f.versions ?? []).map((v) => v.commit).filter((c) => c !== 'worktree');
  const [only] = commits;
  if (commits.length === 1 && only !== undefined) return `at ${only.slice(0, 12)}`;
  if (commits.length > 1) return `in the ${commits.length} versions scanned`;
  return 'scanned';
}

/**
 * The contexts the runs in the window used (CircleCI job details), said on the finding, and compared with
 * those its configuration names: a run that used a context the configuration does not name ran another
 * configuration — the configuration changed (or the job was re-run from an older one).
 */
function withRunContexts(f: Finding, runs: FindingRuns): Finding {
  const used = runs.contexts;
  if (runs.state !== 'ran' || used === undefined) return { ...f, runs };
  const list = (names: readonly string[]): string => names.map((n) => `\`${n}\``).join(', ');
  const reasons = [used.length === 0 ? 'The runs in the window used no context (read from CircleCI).' : `The runs in the window used ${used.length === 1 ? 'context' : 'contexts'} ${list(used)} (read from CircleCI).`];
  const named = new Set(f.exposure.contexts);
  const unnamed = used.filter((c) => !named.has(c));
  if (unnamed.length > 0) {
    reasons.push(
      `The configuration ${versionText(f)} does not name ${unnamed.length === 1 ? 'context' : 'contexts'} ${list(unnamed)}, which runs in the window used: the configuration changed (the job ran with another configuration than the one scanned) — ${unnamed.length === 1 ? 'its' : 'their'} variables reached the job too.`,
    );
  }
  return { ...f, runs, reasons: [...f.reasons, ...reasons] };
}

function runsOf(f: Finding, indicator: Indicator | undefined, window: TimeWindow, providers: EvidenceProviders, options: AttachOptions, all: readonly Finding[]): Promise<FindingRuns> {
  const origins = options.origins?.get(f.repo);
  switch (f.platform) {
    case 'github-actions':
      if (!providers.github) return Promise.resolve(unavailable('run history is not read from GitHub in this scan (no GitHub evidence provider)'));
      if (origins !== undefined && origins.length > 0 && origins.every((o) => o.startsWith('gitlab:'))) return Promise.resolve(unavailable(`${f.repo} was read from GitLab (${origins.join(', ')}), not GitHub: its GitHub Actions runs are not known`));
      return githubRuns(f, indicator, window, providers.github.evidence, all);
    case 'gitlab-ci':
      return gitlabRuns(f, indicator, window, providers.gitlab, origins);
    case 'circleci':
      return circleciRuns(f, window, providers.circleci, origins);
    case 'jenkins':
      return Promise.resolve(unavailable('run history is not read from Jenkins'));
    default: {
      const never: never = f.platform;
      return Promise.resolve(unavailable(`run history is not read from ${String(never)}`));
    }
  }
}

/** Who can read a repository's job logs, as far as the platform says: public, or why not (a note), or not known. */
interface LogAudience {
  visibility: Visibility | undefined;
  /** Said on the finding when the logs are not public although the repository is (GitLab `public_jobs` off). */
  note?: string;
}

/** Who, beyond the repository's members, can open an internal repository's logs on each platform. */
const INTERNAL_READERS: Partial<Record<Platform, string>> = {
  'gitlab-ci': 'every signed-in user of the GitLab instance',
  'github-actions': 'every member of the enterprise',
};

/**
 * A public repository whose job ran in the window with the payload printed to its log: `publicLog` on the
 * runs and the urgency as the finding's first reason. An internal one: the urgency as the first reason
 * (readable by every signed-in user of the instance, or every member of the enterprise — not by anyone:
 * no `publicLog`). Visibility not known: the finding as it is.
 */
function withPublicLog(f: Finding, runs: FindingRuns, audience: LogAudience): Finding {
  const internalReaders = INTERNAL_READERS[f.platform];
  if (audience.visibility === 'internal' && internalReaders !== undefined && runs.state === 'ran' && runs.payloadInLog === true) {
    return {
      ...f,
      runs,
      reasons: [`${f.repo} is internal and a run in the window printed the payload to its log: the secrets were readable by ${internalReaders} who opened the log, not only its members.`, ...f.reasons, ...(audience.note === undefined ? [] : [audience.note])],
    };
  }
  if (!isPublicLog(runs, audience.visibility)) return { ...f, runs, ...(audience.note === undefined ? {} : { reasons: [...f.reasons, audience.note] }) };
  return {
    ...f,
    runs: { ...runs, publicLog: true },
    reasons: [`${f.repo} is public and a run in the window printed the payload to its log: ${PUBLIC_LOG_TEXT}, not only the payload's author.`, ...f.reasons],
  };
}

/**
 * Who can read a GitLab project's job logs: `visibility` public with `public_jobs` on (or not given: GitLab's
 * default is on) is public; internal with it on: every signed-in user; either with `public_jobs` off is
 * members only. Not readable: not known.
 */
async function gitlabAudience(f: Finding, provider: EvidenceProviders['gitlab'], origins: readonly string[] | undefined): Promise<LogAudience> {
  if (!provider) return { visibility: undefined };
  const origin = gitlabOrigin(f.repo, origins);
  if ('reason' in origin) return { visibility: undefined };
  const evidence = provider.evidenceFor(origin.spec);
  if ('reason' in evidence) return { visibility: undefined };
  const v = await evidence.visibility(f.repo).catch(() => undefined);
  if (v?.ok !== true) return { visibility: undefined };
  if (v.visibility === 'public' && v.publicJobs === false) {
    return { visibility: 'private', note: `${f.repo} is public, but its job logs are visible to project members only (public_jobs off, read from GitLab): the payload's print was not readable by anyone.` };
  }
  if (v.visibility === 'internal' && v.publicJobs === false) {
    return { visibility: 'private', note: `${f.repo} is internal, but its job logs are visible to project members only (public_jobs off, read from GitLab): the payload's print was not readable by every signed-in user.` };
  }
  return { visibility: v.visibility };
}

/**
 * The results with `runs` on their affected findings (every platform, or `options.platforms`), `summary.ran`
 * and the run verdicts (`not-run`, `summary.notRun`: withRunVerdicts).
 */
export async function attachEvidence(
  results: readonly ScanResult[],
  indicators: readonly Indicator[],
  window: TimeWindow,
  providers: EvidenceProviders,
  options: AttachOptions = {},
): Promise<ScanResult[]> {
  const visibilityOf = providers.github?.visibilityOf;
  const visibilities = new Map<string, Promise<Visibility | undefined>>();
  const visibility = (repo: string): Promise<Visibility | undefined> => {
    if (!visibilityOf) return Promise.resolve(undefined);
    let v = visibilities.get(repo);
    if (!v) {
      v = visibilityOf(repo).catch(() => undefined);
      visibilities.set(repo, v);
    }
    return v;
  };
  /** The finding with its runs, and what they change: the public-log urgency, the contexts CircleCI runs used. */
  const withRuns = async (f: Finding, runs: FindingRuns): Promise<Finding> => {
    if (f.platform === 'circleci') return withRunContexts(f, runs);
    if (runs.state !== 'ran' || runs.payloadInLog !== true) return { ...f, runs };
    if (f.platform === 'github-actions') return withPublicLog(f, runs, { visibility: await visibility(f.repo) });
    if (f.platform === 'gitlab-ci') return withPublicLog(f, runs, await gitlabAudience(f, providers.gitlab, options.origins?.get(f.repo)));
    return { ...f, runs };
  };
  const all = results.flatMap((r) => r.findings);
  const out: ScanResult[] = [];
  for (const result of results) {
    const indicator = indicators.find((i) => i.id === result.indicator.id);
    const perJob = new Map<string, Promise<FindingRuns>>();
    const findings: Finding[] = [];
    for (const f of result.findings) {
      if (!f.affected || (options.platforms !== undefined && !options.platforms.includes(f.platform))) {
        findings.push(f);
        continue;
      }
      let p = perJob.get(jobKey(f));
      if (!p) {
        p = runsOf(f, indicator, window, providers, options, all);
        perJob.set(jobKey(f), p);
      }
      findings.push(await withRuns(f, await p));
    }
    const ran = new Set(findings.filter((f) => f.runs?.state === 'ran').map(jobKey)).size;
    out.push({ ...result, findings, summary: { ...result.summary, ran } });
  }
  if (providers.facts === undefined) return withRunVerdicts(out);
  const circleciSlugOf = (repo: string): string | undefined => {
    const s = circleciSlug(repo, options.origins?.get(repo));
    return 'slug' in s ? s.slug : undefined;
  };
  return withRunVerdicts(await attachSecretFacts(out, { ...providers.facts, circleciSlugOf }));
}

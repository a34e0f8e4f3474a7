/**
 * IMPERATIVE SHELL: `--evidence` for GitHub — each affected GitHub Actions finding gets `runs` (did its
 * job run in the window, on which commit of the compromised action; evidence.ts), and each result's
 * summary counts the affected jobs that ran. The static verdict stays as it is: a job that did not run is
 * still listed with its exposure.
 *
 * Not matched (so `unavailable`, never `not-run`): a job of a reusable workflow (`workflow_call`: its runs
 * are listed under its callers' workflow files) and a job defined outside `.github/workflows/`.
 */
import type { Finding, FindingRuns, Indicator, ScanResult } from '../../core/model';
import { isPublicLog, PUBLIC_LOG_TEXT } from '../../core/report/common';
import type { TimeWindow } from '../source';
import type { GitHubEvidence } from './evidence';

function unavailable(reason: string): FindingRuns {
  return { state: 'unavailable', count: 0, urls: [], resolved: [], logs: [], reason };
}

function jobKey(f: Finding): string {
  return `${f.repo}\u0000${f.jobFile}\u0000${f.jobId}`;
}

async function runsOf(f: Finding, indicator: Indicator | undefined, window: TimeWindow, evidence: GitHubEvidence): Promise<FindingRuns> {
  if (!f.jobFile.startsWith('.github/workflows/')) return unavailable(`the job is defined in ${f.jobFile}, not a workflow file: its runs are not matched`);
  if (f.exposure.triggers.includes('workflow_call')) return unavailable('a reusable workflow: its runs are listed under the workflows that call it, which are not matched yet');
  const components = (indicator?.components ?? []).filter((c) => c.kind === 'gha-action');
  return evidence.jobRuns({
    repo: f.repo,
    workflowPath: f.jobFile,
    jobName: f.job,
    window,
    actions: components.map((c) => c.id),
    maliciousShas: components.flatMap((c) => c.maliciousShas),
  });
}

/** A repository's visibility as the platform's inventory says it; undefined when not known. */
export type VisibilityOf = (repo: string) => Promise<'public' | 'private' | 'internal' | undefined>;

/**
 * A public repository whose job ran in the window with the payload printed to its log: `publicLog` on the
 * runs and the urgency as the finding's first reason. Visibility not known: the finding as it is.
 */
function withPublicLog(f: Finding, runs: FindingRuns, visibility: 'public' | 'private' | 'internal' | undefined): Finding {
  if (!isPublicLog(runs, visibility)) return { ...f, runs };
  return {
    ...f,
    runs: { ...runs, publicLog: true },
    reasons: [`${f.repo} is public and a run in the window printed the payload to its log: ${PUBLIC_LOG_TEXT}, not only the payload's author.`, ...f.reasons],
  };
}

/** The results with `runs` on their affected GitHub Actions findings and `summary.ran`. */
export async function attachRuns(
  results: readonly ScanResult[],
  indicators: readonly Indicator[],
  window: TimeWindow,
  evidence: GitHubEvidence,
  visibilityOf?: VisibilityOf,
): Promise<ScanResult[]> {
  const visibilities = new Map<string, Promise<'public' | 'private' | 'internal' | undefined>>();
  const visibility = (repo: string): Promise<'public' | 'private' | 'internal' | undefined> => {
    if (!visibilityOf) return Promise.resolve(undefined);
    let v = visibilities.get(repo);
    if (!v) {
      v = visibilityOf(repo).catch(() => undefined);
      visibilities.set(repo, v);
    }
    return v;
  };
  const out: ScanResult[] = [];
  for (const result of results) {
    const indicator = indicators.find((i) => i.id === result.indicator.id);
    const perJob = new Map<string, Promise<FindingRuns>>();
    const findings: Finding[] = [];
    for (const f of result.findings) {
      if (!f.affected || f.platform !== 'github-actions') {
        findings.push(f);
        continue;
      }
      let p = perJob.get(jobKey(f));
      if (!p) {
        p = runsOf(f, indicator, window, evidence);
        perJob.set(jobKey(f), p);
      }
      const runs = await p;
      findings.push(runs.state === 'ran' && runs.payloadInLog ? withPublicLog(f, runs, await visibility(f.repo)) : { ...f, runs });
    }
    const ran = new Set(findings.filter((f) => f.runs?.state === 'ran').map(jobKey)).size;
    out.push({ ...result, findings, summary: { ...result.summary, ran } });
  }
  return out;
}

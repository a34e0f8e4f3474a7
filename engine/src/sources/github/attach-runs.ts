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

/** The results with `runs` on their affected GitHub Actions findings and `summary.ran`. */
export async function attachRuns(results: readonly ScanResult[], indicators: readonly Indicator[], window: TimeWindow, evidence: GitHubEvidence): Promise<ScanResult[]> {
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
      findings.push({ ...f, runs: await p });
    }
    const ran = new Set(findings.filter((f) => f.runs?.state === 'ran').map(jobKey)).size;
    out.push({ ...result, findings, summary: { ...result.summary, ran } });
  }
  return out;
}

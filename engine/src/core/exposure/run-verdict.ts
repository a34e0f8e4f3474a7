/**
 * The run verdict (issue 11): static reachability is not exposure. An affected job the platform says did
 * not run inside the incident window gets the verdict `not-run` — still listed, with its static exposure
 * kept in `exposureVerdict` — because a workflow that never ran during a two-hour window ran no
 * compromised code in it. Only `runs.state === 'not-run'` does this:
 *   ran          the static verdict stands (the job ran: its exposure is real)
 *   unavailable  the static verdict stands: run history that could not be read (no token, retention
 *                passed, provider error) is never read as "did not run"
 *   no runs      the static verdict stands (no evidence was asked for, or the platform gives none)
 * A use that is not affected keeps its verdict whatever its runs say, and so does a platform breach (its
 * chain starts at the platform): every secret stored on the platform is exposed, whichever job ran.
 *
 * A pure projection of (static exposure, runs) → verdict: applying it again changes nothing, and a finding
 * whose evidence changed (a re-check found a run) gets its static verdict back. `summary.affected` still
 * counts `not-run` jobs (they are listed); `summary.notRun` counts them, when there is run evidence.
 * The findings keep their order; the renderers sort (report/common.ts `bySeverity`: a job that ran, or whose
 * runs are not known, comes before every `not-run` one, whatever its static verdict).
 */
import type { ExposureVerdict, Finding, ScanResult, ScanSummary } from '../model';

/** The finding's static exposure (`exposureVerdict` once replaced); undefined for a `not-run` that lost it. */
export function staticVerdict(f: Pick<Finding, 'verdict' | 'exposureVerdict'>): ExposureVerdict | undefined {
  if (f.exposureVerdict !== undefined) return f.exposureVerdict;
  return f.verdict === 'not-run' ? undefined : f.verdict;
}

/** One finding with its run verdict (the same object when nothing changes). */
export function withRunVerdict(f: Finding): Finding {
  const exposure = staticVerdict(f);
  // A `not-run` verdict without its static exposure cannot be undone: leave it listed as it is.
  if (exposure === undefined) return f;
  if (f.affected && f.runs?.state === 'not-run' && f.chain[0]?.kind !== 'platform') {
    return f.verdict === 'not-run' && f.exposureVerdict === exposure ? f : { ...f, verdict: 'not-run', exposureVerdict: exposure };
  }
  if (f.verdict === exposure && f.exposureVerdict === undefined) return f;
  const { exposureVerdict: _kept, ...rest } = f;
  return { ...rest, verdict: exposure };
}

function jobKey(f: Finding): string {
  return `${f.repo}\u0000${f.platform}\u0000${f.jobFile}\u0000${f.jobId}`;
}

/** Affected jobs every affected use of which did not run; undefined when no affected finding has run evidence. */
function notRunJobs(findings: readonly Finding[]): number | undefined {
  const affected = findings.filter((f) => f.affected);
  if (!affected.some((f) => f.runs !== undefined)) return undefined;
  const jobs = new Map<string, boolean>();
  for (const f of affected) jobs.set(jobKey(f), (jobs.get(jobKey(f)) ?? true) && f.verdict === 'not-run');
  return [...jobs.values()].filter(Boolean).length;
}

function withNotRun(summary: ScanSummary, notRun: number | undefined): ScanSummary {
  if (notRun === undefined) {
    if (summary.notRun === undefined) return summary;
    const { notRun: _gone, ...rest } = summary;
    return rest;
  }
  return summary.notRun === notRun ? summary : { ...summary, notRun };
}

/** Every result with its run verdicts: call it after run evidence is attached to the findings. Pure, idempotent. */
export function withRunVerdicts(results: readonly ScanResult[]): ScanResult[] {
  return results.map((r) => {
    const findings = r.findings.map(withRunVerdict);
    return { ...r, findings, summary: withNotRun(r.summary, notRunJobs(findings)) };
  });
}

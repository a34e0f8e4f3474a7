/**
 * IMPERATIVE SHELL: `attachRuns`, the GitHub-only form of evidence/attach.ts `attachEvidence` (kept for
 * its callers): each affected GitHub Actions finding gets `runs` (did its job run in the window, on which
 * commit of the compromised action; evidence.ts), and each result's summary counts the affected jobs that
 * ran. Findings of other platforms are left as they are. A job that did not run gets the verdict
 * `not-run` (core/exposure/run-verdict.ts), still listed with its static exposure.
 *
 * Not matched (so `unavailable`, never `not-run`): a job defined outside `.github/workflows/`, and a job
 * of a reusable workflow (`workflow_call`) none of whose callers is among the scanned results (its runs
 * are listed under its callers' workflows, matched as `<caller job> / <job>`).
 */
import type { Indicator, ScanResult } from '../../core/model';
import { attachEvidence, type VisibilityOf } from '../evidence/attach';
import type { TimeWindow } from '../source';
import type { GitHubEvidence } from './evidence';

export type { VisibilityOf } from '../evidence/attach';

/** The results with `runs` on their affected GitHub Actions findings and `summary.ran`. */
export function attachRuns(
  results: readonly ScanResult[],
  indicators: readonly Indicator[],
  window: TimeWindow,
  evidence: GitHubEvidence,
  visibilityOf?: VisibilityOf,
): Promise<ScanResult[]> {
  return attachEvidence(results, indicators, window, { github: { evidence, ...(visibilityOf === undefined ? {} : { visibilityOf }) } }, { platforms: ['github-actions'] });
}

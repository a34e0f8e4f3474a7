/**
 * ScanResult → the typed report props the bridge posts (contract `reportPropsSchema`), built from the
 * engine's report helpers (Mattermost post props are the bridge's rendering): one row per affected job,
 * its uses as a file:line list (`uses`; `file`/`line` are the first of them), its own key (`jobId`) next
 * to its display name; reasons and advice of its most severe use (a public log that carried the payload is
 * its first reason); its runs in the window (`runs`) when the lookup read them (CircleCI: with the contexts
 * those runs used, `runs.contexts`). A job that did not run in
 * the window (verdict `not-run`, engine `withRunVerdicts`) carries its static exposure (`exposureVerdict`)
 * and comes after the jobs that ran; `summary.byVerdict['not-run']` counts those jobs, `summary.ran` the
 * affected jobs that ran (with run evidence). Pure.
 */
import { CONTRACT_VERSION, type ReportProps, type ReportRow, type ReportRuns } from '@ci-exposure/contract';
import { countByVerdict, incompleteReasons, type JobRow, jobRows, rowTexts, secretNames, tamperText, type ScanResult } from '@ci-exposure/engine';

/** Rows carried in a post; the full report travels as the attached JSON file. */
export const REPORT_ROWS = 25;

/**
 * The job's runs in the window as a row carries them (a job's uses share its runs; a use flagged with a
 * public log wins). Undefined when the lookup read no run history for it.
 */
function rowRuns(r: JobRow): ReportRuns | undefined {
  const runs = r.findings.find((f) => f.runs?.publicLog)?.runs ?? r.findings.find((f) => f.runs !== undefined)?.runs;
  if (!runs) return undefined;
  return {
    state: runs.state,
    count: runs.count,
    ...(runs.first === undefined ? {} : { first: runs.first }),
    ...(runs.last === undefined ? {} : { last: runs.last }),
    ...(runs.resolution === undefined ? {} : { resolution: runs.resolution }),
    ...(runs.publicLog ? { publicLog: true } : {}),
    ...(runs.contexts === undefined ? {} : { contexts: [...runs.contexts] }),
  };
}

function toRow(r: JobRow): ReportRow | undefined {
  const [f] = r.findings;
  const [first] = r.uses;
  if (!f || !first) return undefined;
  const runs = rowRuns(r);
  return {
    repo: r.repo,
    file: first.file,
    line: first.line,
    platform: r.platform,
    workflow: r.workflow,
    job: r.job,
    jobId: r.jobId,
    uses: r.uses.map((u) => ({ file: u.file, line: u.line })),
    verdict: r.verdict,
    ...(r.verdict === 'not-run' && r.exposureVerdict !== undefined ? { exposureVerdict: r.exposureVerdict } : {}),
    secrets: rowTexts(r, secretNames),
    tamper: rowTexts(r, (x) => x.tamper.map(tamperText)),
    chain: f.chain.map((l) => ({
      kind: l.kind,
      ref: l.ref,
      ...(l.file === undefined ? {} : { file: l.file }),
      ...(l.line === undefined ? {} : { line: l.line }),
      ...(l.unresolved ? { unresolved: true } : {}),
    })),
    reasons: [...f.reasons],
    advice: [...f.advice],
    ...(runs === undefined ? {} : { runs }),
  };
}

export function toReportProps(result: ScanResult, incidentId?: string): ReportProps {
  const affected = jobRows(result);
  const incomplete = incompleteReasons([result]).map((r) => r.slice(0, 300));
  return {
    version: CONTRACT_VERSION,
    kind: 'report',
    ...(incidentId === undefined ? {} : { incidentId }),
    indicator: { id: result.indicator.id, title: result.indicator.title },
    summary: {
      repos: result.summary.repos,
      jobs: result.summary.jobs,
      affected: result.summary.affected,
      unresolved: result.summary.unresolved,
      errors: result.summary.errors,
      byVerdict: countByVerdict(result),
      ...(result.summary.ran === undefined ? {} : { ran: result.summary.ran }),
    },
    rows: affected
      .slice(0, REPORT_ROWS)
      .map(toRow)
      .filter((r): r is ReportRow => r !== undefined),
    totalRows: affected.length,
    ...(incomplete.length > 0 ? { incomplete: incomplete.slice(0, 20) } : {}),
  };
}

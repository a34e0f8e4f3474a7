/** ScanResult → the typed report props the bridge posts (contract `reportPropsSchema`). Pure. */
import { CONTRACT_VERSION, type ReportProps, type ReportRow } from '../../contract';
import type { Finding, ScanResult } from '../model';
import { countByVerdict, secretNames, sortedFindings, tamperText } from './common';

/** Rows carried in a post; the full report travels as the attached JSON file. */
export const REPORT_ROWS = 25;

function toRow(f: Finding): ReportRow {
  return {
    repo: f.repo,
    file: f.file,
    line: f.line,
    platform: f.platform,
    workflow: f.workflow,
    job: f.job,
    verdict: f.verdict,
    secrets: secretNames(f),
    tamper: f.tamper.map(tamperText),
    chain: f.chain.map((l) => ({
      kind: l.kind,
      ref: l.ref,
      ...(l.file === undefined ? {} : { file: l.file }),
      ...(l.line === undefined ? {} : { line: l.line }),
      ...(l.unresolved ? { unresolved: true } : {}),
    })),
    reasons: [...f.reasons],
    advice: [...f.advice],
  };
}

export function toReportProps(result: ScanResult, incidentId?: string): ReportProps {
  const affected = sortedFindings(result).filter((f) => f.affected);
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
    },
    rows: affected.slice(0, REPORT_ROWS).map(toRow),
    totalRows: affected.length,
  };
}

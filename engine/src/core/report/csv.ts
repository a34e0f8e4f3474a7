/**
 * CSV (RFC 4180, CRLF) of every finding — one row per use, each job's uses together; `job_id` is the
 * job's own key next to its display name `job`, `rule_ids` the rules that fired — then a row per
 * unresolved component (verdict `unresolved`) and per input error (verdict `error`); cells that a
 * spreadsheet would run as a formula are prefixed with `'`. When the repositories were read with their
 * history, two more columns: `versions` (the commits a row holds for, in words) and `still_exposed_now`.
 * With run evidence, `static_verdict`, `ran`, `run_count`, `first_run`, `last_run`, `resolution` and
 * `public_log`: `verdict` is then `not-run` for an affected job that did not run in the window, and
 * `static_verdict` its static exposure (on every finding row: the static verdict, or `none`). Pure.
 */
import { staticVerdict } from '../exposure/run-verdict';
import type { Finding, FindingRuns } from '../model';
import { asList, chainText, findingVersionsText, groupedFindings, hasVersions, mergedInputs, type Results, stillExposedNow, tamperText } from './common';

const HEADER = [
  'indicator',
  'verdict',
  'affected',
  'repo',
  'file',
  'line',
  'platform',
  'workflow',
  'job',
  'job_id',
  'contexts',
  'secrets',
  'permissions',
  'oidc',
  'self_hosted',
  'triggers',
  'tamper',
  'chain',
  'rule_ids',
  'reasons',
  'advice',
] as const;

/** Columns added when the repositories were read with their history. */
const VERSION_HEADER = ['versions', 'still_exposed_now'] as const;

/**
 * Columns added with run evidence (`--evidence`): `ran` is `ran`, `not-run` or `unavailable` (never empty
 * for an unavailable history: a blank would read as "did not run"); empty on rows without evidence.
 */
const RUNS_HEADER = ['static_verdict', 'ran', 'run_count', 'first_run', 'last_run', 'resolution', 'public_log'] as const;

function runsCells(f: Finding): Array<string | number | boolean> {
  const exposure = f.affected ? (staticVerdict(f) ?? f.verdict) : 'none';
  const runs: FindingRuns | undefined = f.runs;
  if (!runs) return [exposure, ...RUNS_HEADER.slice(1).map(() => '')];
  return [exposure, runs.state, runs.count, runs.first ?? '', runs.last ?? '', runs.resolution ?? '', runs.publicLog === true];
}

/** One CSV cell: formula-injection guard, then RFC 4180 quoting. */
export function csvCell(value: string | number | boolean): string {
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function renderCsv(results: Results): string {
  const list = asList(results);
  const versions = hasVersions(list);
  const evidence = list.some((r) => r.findings.some((f) => f.runs !== undefined));
  const rows: string[] = [[...HEADER, ...(versions ? VERSION_HEADER : []), ...(evidence ? RUNS_HEADER : [])].join(',')];
  for (const result of list) {
    for (const f of groupedFindings(result)) {
      const cells = [
        result.indicator.id,
        f.affected ? f.verdict : 'none',
        f.affected,
        f.repo,
        f.file,
        f.line,
        f.platform,
        f.workflow,
        f.job,
        f.jobId,
        f.exposure.contexts.join('; '),
        f.exposure.secrets.join('; '),
        f.exposure.permissions,
        f.exposure.oidc,
        f.exposure.selfHosted,
        f.exposure.triggers.join('; '),
        f.tamper.map(tamperText).join('; '),
        chainText(f.chain),
        f.ruleIds.join('; '),
        f.reasons.join(' '),
        f.advice.join(' '),
        ...(versions ? [findingVersionsText(f.versions), f.versions === undefined ? '' : stillExposedNow(f.versions)] : []),
        ...(evidence ? runsCells(f) : []),
      ];
      rows.push(cells.map(csvCell).join(','));
    }
  }
  // What the scan could not read, as rows of their own (verdict `unresolved` / `error`), once each.
  const inputs = mergedInputs(list);
  const indicators = list.map((r) => r.indicator.id).join('; ');
  const inputRow = (verdict: string, repo: string, file: string, line: number, chain: string, reason: string, met: { versions?: Parameters<typeof findingVersionsText>[0] }): string =>
    [
      ...HEADER.map((h) => {
        const value: Partial<Record<(typeof HEADER)[number], string | number>> = { indicator: indicators, verdict, repo, file, line, chain, reasons: reason };
        return csvCell(value[h] ?? '');
      }),
      ...(versions ? [csvCell(findingVersionsText(met.versions)), ''] : []),
      ...(evidence ? RUNS_HEADER.map(() => '') : []),
    ].join(',');
  for (const u of inputs.unresolved) rows.push(inputRow('unresolved', u.repo, u.file, u.line, u.ref, u.reason, u));
  for (const e of inputs.errors) rows.push(inputRow('error', e.repo, e.file, e.line, '', `${e.code}: ${e.message}`, e));
  return `${rows.join('\r\n')}\r\n`;
}

/**
 * The terminal table: one line per affected job (its uses as a file:line list; `--format json` has one
 * result per use), a summary line per indicator; ANSI colours only when asked. Pure.
 */
import type { ScanResult, Verdict } from '../model';
import {
  asList,
  chainText,
  distinctAffectedJobs,
  findingVersionsText,
  incompleteReasons,
  type JobRow,
  jobRows,
  mergedInputs,
  plural,
  type Results,
  rowTexts,
  rowRunsText,
  rowVersionsText,
  runCountsText,
  scopeNote,
  secretNames,
  tamperText,
  usesText,
  verdictText,
} from './common';

export interface TableOptions {
  /** Colour the verdicts (only when writing to a TTY). */
  color?: boolean;
  /** Also list findings that are not affected (pinned to a safe SHA, outside the affected refs). */
  all?: boolean;
  /** Widest cell, in characters. */
  maxCell?: number;
}

/** `not-run` dim: listed with its static exposure, after the jobs that ran. */
const COLORS: Record<Verdict, string> = { critical: '\u001b[1;31m', high: '\u001b[31m', medium: '\u001b[33m', low: '\u001b[32m', 'not-run': '\u001b[2m' };
const RESET = '\u001b[0m';

/** Removes control characters (a file could carry ANSI escapes) and bounds the width. */
export function cleanCell(text: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, ' ');
  return clean.length > max ? `${clean.slice(0, Math.max(1, max - 1))}…` : clean;
}

/**
 * Whole names up to about `max` characters, then how many more (`AWS_KEY, NPM_TOKEN, +3 more`): a name
 * is never cut in the middle, and the count says what --format json lists in full.
 */
export function namesCell(names: readonly string[], max: number): string {
  if (names.length === 0) return '-';
  const shown: string[] = [];
  let width = 0;
  for (const [i, raw] of names.entries()) {
    const name = cleanCell(raw, max);
    const rest = names.length - i - 1;
    const tail = rest > 0 ? `, +${rest} more`.length : 0;
    if (shown.length > 0 && width + 2 + name.length + tail > max) break;
    shown.push(name);
    width += (shown.length > 1 ? 2 : 0) + name.length;
  }
  const more = names.length - shown.length;
  return more > 0 ? `${shown.join(', ')}, +${more} more` : shown.join(', ');
}

function row(r: JobRow, max: number): string[] {
  const job = r.workflow === r.job ? r.job : `${r.workflow} / ${r.job}`;
  return [
    ...[
      r.affected ? verdictText(r) : 'not affected',
      r.repo,
      usesText(r.uses),
      // The key too when the display name is not it (`${{ matrix.label }}`, `PreCommit` for `pre-commit`).
      r.job === r.jobId ? job : `${job} [${r.jobId}]`,
    ].map((c) => cleanCell(c, max)),
    namesCell(rowTexts(r, secretNames), max),
    ...[rowTexts(r, (f) => f.tamper.map(tamperText)).join('; ') || '-', rowTexts(r, (f) => [chainText(f.chain)]).join('; ')].map((c) => cleanCell(c, max)),
  ];
}

function summaryLine(result: ScanResult): string {
  const s = result.summary;
  return (
    `${plural(s.affected, 'affected job')} of ${plural(s.jobs, 'job')} in ${plural(s.repos, 'repository', 'repositories')} ` +
    `(${plural(s.files, 'pipeline file')}, ${plural(s.unresolved, 'unresolved component')}, ${plural(s.errors, 'error')})` +
    (runCountsText(s) === '' ? '' : `; ${runCountsText(s)}`)
  );
}

/** ` (in 5e01c2d…, live from …)` after an unresolved use or an error met in versions of a repository. */
function inVersions(item: { versions?: ScanResult['findings'][number]['versions'] }): string {
  const text = findingVersionsText(item.versions);
  return text === '' ? '' : ` (in ${cleanCell(text, 300)})`;
}

function inputLines(unresolved: ScanResult['unresolved'], errors: ScanResult['errors']): string[] {
  const lines: string[] = [];
  for (const u of unresolved.slice(0, 20)) {
    lines.push(`unresolved: ${cleanCell(u.repo, 80)} ${cleanCell(u.file, 120)}:${u.line} ${cleanCell(u.ref, 120)}: ${cleanCell(u.reason, 200)}${inVersions(u)}`);
  }
  if (unresolved.length > 20) lines.push(`unresolved: … and ${unresolved.length - 20} more`);
  for (const e of errors.slice(0, 20)) {
    lines.push(`error: ${cleanCell(e.repo, 80)} ${cleanCell(e.file, 120)}:${e.line}: ${e.code}: ${cleanCell(e.message, 200)}${inVersions(e)}`);
  }
  if (errors.length > 20) lines.push(`error: … and ${errors.length - 20} more`);
  return lines;
}

function renderOne(result: ScanResult, opts: Required<TableOptions>, showInputs: boolean): string {
  const lines: string[] = [];
  const title = `== ${cleanCell(result.indicator.id, 80)}: ${cleanCell(result.indicator.title, 160)}`;
  const jobs = [...jobRows(result), ...(opts.all ? jobRows(result, false) : [])];
  const notAffected = result.findings.filter((f) => !f.affected).length;
  const note = scopeNote(result);
  if (!showInputs && jobs.length === 0) {
    return `${title}\n   no affected job${notAffected > 0 ? ` (${plural(notAffected, 'use')} not affected)` : ''}${note ? `\n   (${note})` : ''}`;
  }
  lines.push(title);
  if (note) lines.push(`(${note})`);
  if (jobs.length > 0) {
    const header = ['VERDICT', 'REPO', 'USES (FILE:LINE)', 'JOB', 'SECRETS', 'TAMPER', 'CHAIN'];
    const rows = jobs.map((j) => row(j, opts.maxCell));
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
    const fmt = (cells: string[], verdict?: Verdict): string =>
      cells
        .map((c, i) => {
          const padded = i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0);
          return i === 0 && verdict && opts.color ? `${COLORS[verdict]}${padded}${RESET}` : padded;
        })
        .join('  ')
        .trimEnd();
    lines.push(fmt(header));
    jobs.forEach((j, i) => {
      lines.push(fmt(rows[i] ?? [], j.affected ? j.verdict : undefined));
      // Which versions of the repository the job's uses hold for (a source with history), under its row.
      // Runs first: a public log that carried the payload is the most urgent thing about the job.
      const runs = rowRunsText(j);
      if (runs !== '') lines.push(`  runs: ${cleanCell(runs, 600)}`);
      const versions = rowVersionsText(j);
      if (versions !== '') lines.push(`  versions: ${cleanCell(versions, 400)}`);
    });
  } else {
    lines.push('no job runs this component');
  }
  if (!opts.all && notAffected > 0) lines.push(`(${plural(notAffected, 'use')} not affected, e.g. pinned to a safe SHA: --all lists them)`);
  if (showInputs) lines.push(...inputLines(result.unresolved, result.errors));
  lines.push(summaryLine(result));
  if (showInputs) lines.push(...incompleteLine([result]));
  return lines.join('\n');
}

/** `INCOMPLETE: …` when the scan could not read everything it met (a clean result is then no proof). */
function incompleteLine(list: readonly ScanResult[]): string[] {
  const why = incompleteReasons(list);
  return why.length === 0 ? [] : [`INCOMPLETE: ${why.join('; ')}: what was not read is not known to be clean`];
}

export function renderTable(results: Results, options: TableOptions = {}): string {
  const opts: Required<TableOptions> = { color: options.color ?? false, all: options.all ?? false, maxCell: options.maxCell ?? 60 };
  const list = asList(results);
  const only = list[0];
  if (list.length === 1 && only) return `${renderOne(only, opts, true)}\n`;
  const body = list.map((r) => renderOne(r, opts, false)).join('\n\n');
  const inputs = mergedInputs(list);
  const first = list[0];
  const affected = list.filter((r) => r.summary.affected > 0);
  // A job affected by several incidents is one job: count it once, then list the per-incident counts.
  const distinct = distinctAffectedJobs(list);
  const tail = [
    ...inputLines(inputs.unresolved, inputs.errors),
    `${plural(list.length, 'indicator')} checked over ${plural(first?.summary.repos ?? 0, 'repository', 'repositories')} ` +
      `(${plural(first?.summary.jobs ?? 0, 'job')}, ${plural(inputs.unresolved.length, 'unresolved component')}, ${plural(inputs.errors.length, 'error')}): ` +
      (affected.length > 0
        ? `${plural(distinct, 'job')} affected by at least one (per indicator: ${affected.map((r) => `${r.indicator.id} ${r.summary.affected}`).join(', ')})`
        : 'no affected job'),
    ...incompleteLine(list),
  ];
  return `${body}\n\n${tail.join('\n')}\n`;
}

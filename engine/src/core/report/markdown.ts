/**
 * The Markdown report for Mattermost: one row per affected job, its uses as a file:line list (the JSON
 * report has one result per use). Every string that came from a repository, an indicator file or
 * the command line goes through `escapeMarkdown`: no mention, link, image or HTML survives. Pure.
 */
import type { ScanResult } from '../model';
import {
  asList,
  chainText,
  countByVerdict,
  findingVersionsText,
  incompleteReasons,
  type JobRow,
  jobRows,
  mergedInputs,
  plural,
  type Results,
  rowRunsText,
  rowTexts,
  rowVersionsText,
  runCountsText,
  scopeNote,
  secretNames,
  tamperText,
  usesText,
} from './common';
import { escapeMarkdown as e } from './escape';

/** `**high**`, or `**not-run** (high)`: a job that did not run in the window, with its static exposure. */
function verdictCell(r: JobRow): string {
  return r.verdict === 'not-run' && r.exposureVerdict !== undefined ? `**not-run** (${r.exposureVerdict})` : `**${r.verdict}**`;
}

export interface MarkdownOptions {
  /** Most finding rows per indicator (default 25); the rest are counted. */
  maxRows?: number;
  /** Longest text (default 15,000 characters: a Mattermost post holds 16,383); cut at a line, with a note. */
  maxChars?: number;
}

/** Findings explained (reasons and advice) below the table; the rest are only in the table and the JSON report. */
const WHY_ROWS = 5;

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function cell(text: string, max = 200): string {
  const t = text.length > max ? `${text.slice(0, max - 1)}…` : text;
  return e(t) || '–';
}

/** The job's display name, with its key when that differs (`${{ matrix.label }}`, `PreCommit` for `pre-commit`). */
function jobName(r: JobRow): string {
  return r.job === r.jobId ? r.job : `${r.job} (${r.jobId})`;
}

function jobRow(r: JobRow, versions: boolean): string {
  const chains = rowTexts(r, (f) => [chainText(f.chain.map((l) => ({ ...l, ref: clip(l.ref, 80) })))]);
  return `| ${verdictCell(r)} | ${cell(r.repo)} | ${cell(usesText(r.uses))} | ${cell(jobName(r))} | ${cell(rowTexts(r, secretNames).join(', '))} | ${cell(
    rowTexts(r, (f) => f.tamper.map(tamperText)).join('; '),
  )} | ${cell(chains.join('; '), 300)} |${versions ? ` ${cell(rowVersionsText(r), 400)} |` : ''}`;
}

function section(result: ScanResult, maxRows: number, showInputs: boolean): string {
  const s = result.summary;
  const v = countByVerdict(result);
  const out: string[] = [];
  out.push(`#### CI exposure: ${e(result.indicator.title)} (${e(result.indicator.id)})`);
  out.push(
    `**${plural(s.affected, 'affected job')}** of ${plural(s.jobs, 'job')} in ${plural(s.repos, 'repository', 'repositories')} · ` +
      `critical ${v.critical} · high ${v.high} · medium ${v.medium} · low ${v.low}${v['not-run'] > 0 || s.notRun !== undefined ? ` · not run ${v['not-run']}` : ''} · ` +
      `${plural(s.unresolved, 'unresolved component')} · ${plural(s.errors, 'error')}` +
      (runCountsText(s) === '' ? '' : ` · ${runCountsText(s)}`),
  );
  if (showInputs) out.push(...incompleteBlock([result]));
  const note = scopeNote(result);
  if (note) out.push(`_${e(note)}_`);
  const affected = jobRows(result);
  if (!showInputs && affected.length === 0) return '';
  if (affected.length > 0) {
    out.push('');
    // A Versions column when the repositories were read with their history (which commits each job holds for).
    const versions = affected.some((r) => r.findings.some((f) => f.versions !== undefined));
    out.push(`| Verdict | Repository | Uses (file:line) | Job | Secrets | Tamper | Chain |${versions ? ' Versions |' : ''}`);
    out.push(`| :-- | :-- | :-- | :-- | :-- | :-- | :-- |${versions ? ' :-- |' : ''}`);
    for (const r of affected.slice(0, maxRows)) out.push(jobRow(r, versions));
    if (affected.length > maxRows) out.push(`\n… and ${affected.length - maxRows} more affected jobs (see the JSON report)`);
    out.push('');
    const explained = Math.min(maxRows, WHY_ROWS, affected.length);
    out.push(explained < affected.length ? `**Why, and what to do** (the first ${explained} of ${affected.length}; the JSON report has every finding's reasons)` : '**Why, and what to do**');
    for (const r of affected.slice(0, explained)) {
      // The most severe use speaks for the job; its other uses are in the row.
      const [f] = r.findings;
      if (!f) continue;
      const why = e(clip(f.reasons.join(' '), 700));
      const todo = e(clip(f.advice.slice(0, 3).join(' '), 400));
      const runs = rowRunsText(r);
      out.push(`- ${verdictCell(r)} ${cell(r.repo)} ${cell(jobName(r))}: ${why}${todo ? ` _Advice:_ ${todo}` : ''}${runs ? ` _Runs:_ ${e(clip(runs, 500))}` : ''}`);
    }
  } else {
    out.push('');
    out.push('No job runs this component.');
  }
  const notAffected = result.findings.filter((f) => !f.affected).length;
  if (notAffected > 0) out.push(`\n${plural(notAffected, 'use')} not affected (for example pinned to a safe SHA).`);
  if (showInputs) out.push(...inputsBlock(result.unresolved, result.errors));
  return out.join('\n');
}

/** A warning that nothing found is not proof, when the scan could not read everything it met. */
function incompleteBlock(list: readonly ScanResult[]): string[] {
  const why = incompleteReasons(list);
  return why.length === 0 ? [] : [`:warning: **Incomplete scan:** ${why.join('; ')}. What was not read is not known to be clean.`];
}

/** ` (in 5e01c2d…, live from …)` for what was met in versions of a repository; '' otherwise. */
function inVersions(versions: ScanResult['findings'][number]['versions']): string {
  const text = findingVersionsText(versions);
  return text === '' ? '' : ` (in ${cell(text, 300)})`;
}

function inputsBlock(unresolved: ScanResult['unresolved'], errors: ScanResult['errors']): string[] {
  const out: string[] = [];
  if (unresolved.length > 0) {
    out.push('');
    out.push(`**Unresolved components** (not checked, not assumed clean): ${plural(unresolved.length, 'use')}`);
    for (const u of unresolved.slice(0, 10)) out.push(`- ${cell(u.repo)} ${cell(`${u.file}:${u.line}`)} ${cell(u.ref)}: ${cell(u.reason)}${inVersions(u.versions)}`);
    if (unresolved.length > 10) out.push(`- … and ${unresolved.length - 10} more`);
  }
  if (errors.length > 0) {
    out.push('');
    out.push(`**Input errors**: ${plural(errors.length, 'error')}`);
    for (const err of errors.slice(0, 10)) out.push(`- ${cell(err.repo)} ${cell(`${err.file}:${err.line}`)}: ${cell(`${err.code}: ${err.message}`)}${inVersions(err.versions)}`);
    if (errors.length > 10) out.push(`- … and ${errors.length - 10} more`);
  }
  return out;
}

export function renderMarkdown(results: Results, options: MarkdownOptions = {}): string {
  const maxRows = options.maxRows ?? 25;
  const list = asList(results);
  const only = list[0];
  let text: string;
  if (list.length === 1 && only) {
    text = section(only, maxRows, true);
  } else {
    const sections = list.map((r) => section(r, maxRows, false)).filter((s) => s !== '');
    const quiet = list.filter((r) => !r.findings.some((f) => f.affected)).map((r) => e(r.indicator.id));
    const inputs = mergedInputs(list);
    const tail = [
      `**${plural(list.length, 'incident')} checked.**${quiet.length > 0 ? ` No affected job for: ${quiet.join(', ')}.` : ''}`,
      ...inputsBlock(inputs.unresolved, inputs.errors),
    ];
    const incomplete = incompleteBlock(list);
    text = [...(incomplete.length > 0 ? [incomplete.join('\n')] : []), ...sections, tail.join('\n')].join('\n\n---\n\n');
  }
  return `${truncateLines(text, options.maxChars ?? 15_000)}\n`;
}

/** Cuts at a line boundary so that no escape sequence or table row is split. */
function truncateLines(text: string, max: number): string {
  if (text.length <= max) return text;
  const note = '\n\n_… report truncated to fit a post: the JSON report has every finding._';
  const cut = text.lastIndexOf('\n', max - note.length);
  return `${text.slice(0, Math.max(0, cut))}${note}`;
}

/**
 * `ci-exposure scan` and `ci-exposure indicators`: the imperative shell around the pure engine. Reads
 * the repositories and the indicator(s), calls `scanMany` (each repository parsed and resolved once,
 * matched per indicator), renders, returns the exit code (EXIT):
 * 0 nothing affected, 1 something affected, 2 usage or configuration error (a UserError),
 * 3 nothing affected found but the scan is incomplete (no pipeline file, input errors, unresolved components).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { UserError } from './errors';
import { componentCacheSource } from '../sources/component-cache';
import { readLocalPaths } from '../sources/local-dir';
// From the modules themselves, not the indicators' index: a custom indicator file's reader (zod) is loaded
// only when one is given, so that a scan's start-up does not pay for it.
import { CATALOG, catalogIndicator, closeIndicatorIds } from '../core/indicators/catalog';
import { indicatorNotationErrors } from '../core/indicators/notation';
import { parseComponentSpec } from '../core/indicators/spec';
import type { ComponentSource, Indicator, ScanError, ScanResult } from '../core/model';
import { isReportFormat, REPORT_FORMATS, renderReport } from '../core/report';
import { isIncomplete } from '../core/report/common';
import { cleanCell } from '../core/report/table';
import { scanMany } from '../core/scan';
import { type ParallelScanOptions, scanLocalPaths } from '../sources/parallel-scan';
import { VERSION } from './version';

export interface ScanCommandOptions {
  paths: string[];
  indicator?: string;
  component?: string;
  cache?: string;
  format?: string;
  /** Also list uses that are not affected (pinned to a safe SHA, outside the affected refs). */
  all?: boolean;
  /** ANSI colours in the table (the caller decides: a TTY without NO_COLOR). */
  color?: boolean;
  /** [parallel scan] Worker threads for local folders (`--jobs N`); default: one per two cores (defaultScanJobs) above PARALLEL_ABOVE repositories. */
  jobs?: string | number;
}

export interface CommandIo {
  stdout: (text: string) => void;
}

const MAX_INDICATOR_FILE = 1024 * 1024;

/** The scan's exit codes. */
export const EXIT = { clean: 0, affected: 1, usage: 2, incomplete: 3 } as const;

/**
 * The indicators a scan runs against: one from --indicator or --component, or the whole catalog. Every
 * affected/safe ref entry must be in the ref notation (a file's entries are checked where it is read;
 * the catalog and component specs here too): an entry outside it is a configuration error, never an
 * exact ref that matches nothing.
 */
export async function selectIndicators(opts: Pick<ScanCommandOptions, 'indicator' | 'component'>): Promise<Indicator[]> {
  const indicators = await pickIndicators(opts);
  const problems = indicators.flatMap((i) => indicatorNotationErrors(i));
  if (problems.length > 0) throw new UserError(`scan: ${problems[0] ?? ''}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`);
  return indicators;
}

async function pickIndicators(opts: Pick<ScanCommandOptions, 'indicator' | 'component'>): Promise<Indicator[]> {
  if (opts.indicator !== undefined && opts.component !== undefined) {
    throw new UserError('scan: give --indicator or --component, not both');
  }
  if (opts.component !== undefined) {
    const r = parseComponentSpec(opts.component);
    if (!r.ok) throw new UserError(`scan: ${r.error}`);
    return [r.indicator];
  }
  if (opts.indicator === undefined) return [...CATALOG];
  const byId = catalogIndicator(opts.indicator);
  if (byId) return [byId];
  const looksLikeFile = /\.json$/i.test(opts.indicator) || opts.indicator.includes('/') || opts.indicator.includes('\\');
  if (looksLikeFile || existsSync(opts.indicator)) {
    let st;
    try {
      st = statSync(opts.indicator);
    } catch {
      throw new UserError(`scan: indicator file not found: ${opts.indicator}`);
    }
    if (!st.isFile()) throw new UserError(`scan: indicator ${opts.indicator} is not a file`);
    if (st.size > MAX_INDICATOR_FILE) throw new UserError(`scan: indicator file ${opts.indicator} is larger than ${MAX_INDICATOR_FILE} bytes`);
    const { loadIndicator } = await import('../core/indicators/load');
    const r = loadIndicator(opts.indicator, readFileSync(opts.indicator, 'utf8'));
    if (!r.ok) throw new UserError(`scan: ${r.error}`);
    return [r.indicator];
  }
  const close = closeIndicatorIds(opts.indicator);
  throw new UserError(`scan: unknown indicator "${opts.indicator}"; did you mean ${close.join(', ')}? (\`ci-exposure indicators\` lists them)`);
}

/** A source that has nothing: every remote component is reported as unresolved. */
const NO_CACHE = 'no component cache was given (--cache DIR)';

export const emptySource: ComponentSource = {
  read: () => undefined,
  describe: () => NO_CACHE,
};

// ── [parallel scan] local folders, read and scanned in groups over worker threads (sources/parallel-scan.ts) ──

/** Above this many repositories a local scan uses several threads (one per two cores) unless `--jobs` says otherwise. */
export const PARALLEL_ABOVE = 200;

/** `--jobs N`: 1 to 64 worker threads; undefined when not given. */
export function jobsOption(jobs: string | number | undefined): number | undefined {
  if (jobs === undefined) return undefined;
  const n = Number(jobs);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new UserError(`scan: --jobs takes a whole number from 1 to 64, not ${JSON.stringify(String(jobs))}`);
  return n;
}

/**
 * The scan of local folders only, nothing to fetch: streamed group by group and spread over `--jobs`
 * workers, with the report a single scanMany gives. Read errors come first in the report, as readSources gives them.
 */
export async function scanLocalFolders(
  paths: readonly string[],
  indicators: readonly Indicator[],
  opts: Pick<ScanCommandOptions, 'cache' | 'jobs'>,
  progress?: ParallelScanOptions['progress'],
): Promise<{ scanned: ScanResult[]; errors: ScanError[] }> {
  const jobs = jobsOption(opts.jobs);
  const r = await scanLocalPaths(paths, {
    indicators,
    source: opts.cache === undefined ? { none: NO_CACHE } : { cache: opts.cache },
    ...(jobs === undefined ? { parallelAbove: PARALLEL_ABOVE } : { jobs }),
    ...(progress === undefined ? {} : { progress }),
  });
  return { scanned: r.results, errors: r.readErrors };
}

// ── [parallel scan] end ──

/** Runs the scan and writes the report. Throws UserError for usage/configuration errors. */
export async function runScanCommand(opts: ScanCommandOptions, io: CommandIo): Promise<number> {
  const format = opts.format ?? 'table';
  if (!isReportFormat(format)) throw new UserError(`scan: unknown format "${format}" (one of ${REPORT_FORMATS.join(', ')})`);
  const indicators = await selectIndicators(opts);

  let source: ComponentSource = emptySource;
  if (opts.cache !== undefined) {
    let isDir = false;
    try {
      isDir = statSync(opts.cache).isDirectory();
    } catch {
      isDir = false;
    }
    if (!isDir) throw new UserError(`scan: component cache folder not found: ${opts.cache}`);
    source = componentCacheSource(opts.cache);
  }

  const paths = opts.paths.length > 0 ? opts.paths : ['.'];
  const read = readLocalPaths(paths);
  if (read.missing.length > 0) throw new UserError(`scan: path not found or not a folder: ${read.missing.join(', ')}`);

  const kinds = new Map(indicators.map((i) => [i.id, i.kind]));
  const results: ScanResult[] = scanMany(read.repos, indicators, source).map((r) => {
    const kind = kinds.get(r.indicator.id);
    return {
      ...r,
      indicator: kind === undefined ? r.indicator : { ...r.indicator, kind },
      errors: [...read.errors, ...r.errors],
      summary: { ...r.summary, errors: r.summary.errors + read.errors.length },
    };
  });

  const single = opts.indicator !== undefined || opts.component !== undefined;
  io.stdout(
    renderReport(format, single && results.length === 1 ? (results[0] as ScanResult) : results, {
      color: opts.color ?? false,
      all: opts.all ?? false,
      toolVersion: VERSION,
    }),
  );
  if (results.some((r) => r.summary.affected > 0)) return EXIT.affected;
  return isIncomplete(results) ? EXIT.incomplete : EXIT.clean;
}

/** `ci-exposure indicators`: the catalog as a table or JSON. */
export function runIndicatorsCommand(format: string | undefined, io: CommandIo): number {
  const f = format ?? 'table';
  if (f === 'json') {
    io.stdout(
      `${JSON.stringify(
        CATALOG.map((i) => ({ id: i.id, kind: i.kind, title: i.title, windowStart: i.windowStart, windowEnd: i.windowEnd, windowConfidence: i.windowConfidence, components: i.components })),
        null,
        2,
      )}\n`,
    );
    return 0;
  }
  if (f !== 'table') throw new UserError(`indicators: unknown format "${f}" (table or json)`);
  const rows = CATALOG.map((i) => [i.id, i.kind, `${i.windowStart.slice(0, 16)}Z .. ${i.windowEnd.slice(0, 16)}Z`, cleanCell(i.title, 90)]);
  const header = ['ID', 'KIND', 'WINDOW (UTC)', 'TITLE'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, c) => (c === cells.length - 1 ? cell : cell.padEnd(widths[c] ?? 0)))
      .join('  ')
      .trimEnd();
  io.stdout(`${[line(header), ...rows.map(line)].join('\n')}\n${CATALOG.length} incidents; scan one with \`ci-exposure scan PATH --indicator ID\`\n`);
  return 0;
}

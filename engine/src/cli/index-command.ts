/**
 * `ci-exposure index build PATH…` and `ci-exposure scan … --index`: the component-usage index. `build`
 * reads the repositories as `scan` does (same paths, same reader) and brings the index in the data
 * directory up to date, re-reading only repositories that changed; `scan --index` does the same, then
 * answers the indicator(s) from the index — the same report and exit code as the scan without it.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { queryInventory } from '../core/inventory';
import type { ComponentSource, Indicator, ScanResult } from '../core/model';
import { isReportFormat, REPORT_FORMATS, renderReport } from '../core/report';
import { incompleteReasons } from '../core/report/common';
import { componentCacheSource } from '../sources/component-cache';
import { readLocalPaths } from '../sources/local-dir';
import { localIdentities, type Refreshed, refreshInventory } from '../sources/inventory/refresh';
import { isLocalFolder } from '../sources/local-source';
import { inventoryStore, StoreProblem } from '../sources/inventory/store';
import { UserError } from './errors';
import { emptySource, EXIT, selectIndicators } from './scan-command';
import { VERSION } from './version';

/** The data directory when `--data-dir` is not given. */
export const DEFAULT_DATA_DIR = '.ci-exposure';

export interface IndexIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export interface IndexOptions {
  paths: string[];
  cache?: string;
  dataDir?: string;
  /** scan's `--fetch`: components are not fetched into an index (refused). */
  fetch?: boolean;
}

function componentSource(command: string, cache: string | undefined): ComponentSource {
  if (cache === undefined) return emptySource;
  let isDir = false;
  try {
    isDir = statSync(cache).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) throw new UserError(`${command}: component cache folder not found: ${cache}`);
  return componentCacheSource(cache);
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

interface Indexed {
  refreshed: Refreshed;
  readErrors: ReturnType<typeof readLocalPaths>['errors'];
  source: ComponentSource;
}

/** Reads the paths and brings their index up to date; says on stderr how much was read again and why. */
function refresh(command: string, opts: IndexOptions, io: IndexIo, rebuild?: string): Indexed {
  const paths = opts.paths.length > 0 ? opts.paths : ['.'];
  const remote = paths.filter((p) => !isLocalFolder(p) && /^[a-z][a-z0-9+.-]*:/i.test(p));
  if (remote.length > 0 || opts.fetch === true) {
    throw new UserError(`${command}: the index holds local folders only for now (${remote.length > 0 ? remote.join(', ') : '--fetch'}); scan without --index`);
  }
  const source = componentSource(command, opts.cache);
  const read = readLocalPaths(paths);
  if (read.missing.length > 0) throw new UserError(`${command}: path not found or not a folder: ${read.missing.join(', ')}`);
  const inputs = paths.map((p) => resolve(p));
  const store = inventoryStore(opts.dataDir ?? DEFAULT_DATA_DIR, inputs);
  const refreshed = refreshInventory(store, read.repos, localIdentities(read.repos, read.errors), source, {
    tool: VERSION,
    source: opts.cache === undefined ? 'none' : `cache ${opts.cache}`,
    inputs,
    ...(rebuild === undefined ? {} : { rebuild }),
  });
  if (refreshed.notice !== undefined) io.stderr(`ci-exposure index: ${refreshed.notice}\n`);
  io.stderr(`ci-exposure index: re-scanned ${count(refreshed.rescanned)} of ${count(refreshed.total)} repositories (${store.dir})\n`);
  return { refreshed, readErrors: read.errors, source };
}

/** `ci-exposure index build`: exit 0 once the index is up to date. */
export function runIndexBuild(opts: IndexOptions, io: IndexIo): number {
  const { refreshed } = refresh('index build', opts, io);
  const jobs = refreshed.view.summaries.reduce((n, s) => n + s.jobs, 0);
  io.stdout(`indexed ${count(refreshed.total)} repositories, ${count(jobs)} jobs, ${count(refreshed.view.postings.size)} components and other keys\n`);
  return 0;
}

export interface IndexedScanOptions extends IndexOptions {
  indicator?: string;
  component?: string;
  format?: string;
  all?: boolean;
  color?: boolean;
}

/** `ci-exposure scan … --index`: the scan's report, answered from the (refreshed) index. */
export function runIndexedScan(opts: IndexedScanOptions, io: IndexIo): number {
  const format = opts.format ?? 'table';
  if (!isReportFormat(format)) throw new UserError(`scan: unknown format "${format}" (one of ${REPORT_FORMATS.join(', ')})`);
  const indicators: Indicator[] = selectIndicators(opts);

  let indexed = refresh('scan', opts, io);
  let raw: ScanResult[];
  try {
    raw = queryInventory(indexed.refreshed.view, indicators, indexed.refreshed.load, (ref) => indexed.source.describe(ref));
  } catch (err) {
    if (!(err instanceof StoreProblem)) throw err;
    // A stored model is not as it was written: never answer from it; read everything again.
    indexed = refresh('scan', opts, io, `the index cannot be used (${err.message}): reading every repository`);
    raw = queryInventory(indexed.refreshed.view, indicators, indexed.refreshed.load, (ref) => indexed.source.describe(ref));
  }

  // As runScanCommand: the indicator's kind for the renderers, the read errors first.
  const kinds = new Map(indicators.map((i) => [i.id, i.kind]));
  const results = raw.map((r) => {
    const kind = kinds.get(r.indicator.id);
    return {
      ...r,
      indicator: kind === undefined ? r.indicator : { ...r.indicator, kind },
      errors: [...indexed.readErrors, ...r.errors],
      summary: { ...r.summary, errors: r.summary.errors + indexed.readErrors.length },
    };
  });
  const single = opts.indicator !== undefined || opts.component !== undefined;
  io.stdout(renderReport(format, single && results.length === 1 ? (results[0] as ScanResult) : results, { color: opts.color ?? false, all: opts.all ?? false, toolVersion: VERSION }));
  if (results.some((r) => r.summary.affected > 0)) return EXIT.affected;
  return incompleteReasons(results).length > 0 ? EXIT.incomplete : EXIT.clean;
}

/**
 * Adds `index build` to the program, and `--index` / `--data-dir` to its `scan` command (a scan given
 * `--index` is answered here, before scan's own action). `exit` makes the error that ends a command
 * with an exit code (cli.ts's).
 */
export function registerIndexCommand(program: Command, io: IndexIo & { isTTY?: boolean }, exit: (code: number) => Error): void {
  const index = program.command('index').description('the component-usage index: answer a new indicator without scanning again');
  index
    .command('build')
    .description('index the repositories (re-reading only those that changed since the last build)')
    .argument('[paths...]', 'repository checkouts, or folders of <owner>/<repo> checkouts (default: .)')
    .option('--cache <dir>', 'component cache folder (orb sources, actions, includes)')
    .option('--data-dir <dir>', `where the index is kept (default: ${DEFAULT_DATA_DIR})`)
    .action((paths: string[], opts: { cache?: string; dataDir?: string }) => {
      throw exit(runIndexBuild({ paths, ...opts }, io));
    });

  const scan = program.commands.find((c) => c.name() === 'scan');
  if (!scan) return;
  scan.option('--index', 'answer from the component-usage index in the data directory, re-reading only repositories that changed');
  if (!scan.options.some((o) => o.long === '--data-dir')) scan.option('--data-dir <dir>', `where the index is kept (default: ${DEFAULT_DATA_DIR})`);
  scan.hook('preAction', (cmd) => {
    const opts = cmd.opts<{ index?: boolean; indicator?: string; component?: string; cache?: string; format: string; all?: boolean; dataDir?: string; fetch?: boolean }>();
    if (opts.index !== true) return;
    const color = io.isTTY === true && !process.env.NO_COLOR;
    const { indicator, component, cache, format, all, dataDir, fetch } = opts;
    const rest = { indicator, component, cache, format, all, dataDir, fetch };
    const paths = (cmd.processedArgs[0] as string[] | undefined) ?? [];
    throw exit(runIndexedScan({ paths, ...rest, color }, io));
  });
}

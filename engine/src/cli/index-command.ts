/**
 * `ci-exposure index build SOURCE…` and `ci-exposure scan … --index`: the component-usage index. `build`
 * reads the repositories as `scan` does (same paths, same reader) and brings the index in the data
 * directory up to date, re-reading only repositories that changed; `scan --index` does the same, then
 * answers the indicator(s) from the index — the same report and exit code as the scan without it. Local
 * folders: the listing is reused while its folders' facts hold (listing.ts), and a query of many candidate
 * repositories is shared with a worker thread when a core is idle (parallel-query.ts), started before the
 * freshness check when the index is large.
 *
 * Remote sources (`github:`, `gitlab:`, `circleci:`, git URLs; local folders beside them): the listing
 * and versions are read from the source as `scan` reads them (that is the provider's cost), each version
 * keyed `<source id>/<repo>@<commit> <role>` (refresh.ts versionIdentity). Only versions not in the index
 * (or whose components changed) go through the fetch loop — components fetched into the shared store,
 * the files their jobs run read — and are parsed and resolved again; then every indicator is answered
 * from the index.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { queryInventory } from '../core/inventory';
import type { ComponentRef, ComponentSource, Indicator, RepoInput, ScanError, ScanResult } from '../core/model';
import { isReportFormat, REPORT_FORMATS, renderReport } from '../core/report';
import { isIncomplete } from '../core/report/common';
import { componentCacheSource } from '../sources/component-cache';
import { componentId, componentStore, componentStoreDir, FETCHED_LABEL } from '../sources/component-store';
import { scanWithFetch } from '../sources/fetch-loop';
import { listLocalPaths } from '../sources/local-dir';
import { refreshLocalPaths } from '../sources/inventory/local-refresh';
import { parallelBuilder } from '../sources/inventory/parallel-build';
import { coreIdle, parallelQuery, queryWorker } from '../sources/inventory/parallel-query';
import type { SourceSpec } from '../sources/parallel-scan';
import { localIdentities, planRefresh, type RefreshOptions, type RepoIdentity, type Refreshed, refreshInventory, versionIdentity } from '../sources/inventory/refresh';
import { isLocalFolder } from '../sources/local-source';
import { inventoryStore, StoreProblem } from '../sources/inventory/store';
import { providerFetchers, resolveSources, SOURCE_PROVIDERS, type SourceProvider, sourceEnv } from '../sources/resolve-source';
import type { TimeWindow } from '../sources/source';
import { UserError } from './errors';
import { emptySource, EXIT, jobsOption, selectIndicators } from './scan-command';
import { DEFAULT_DATA_DIR, noteLines, progressReporter, readSources, scanWindow } from './scan-sources';
import { VERSION } from './version';

/** The data directory when `--data-dir` is not given. */

export interface IndexIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** stderr is a terminal (progress of remote sources: a bar). */
  stderrIsTTY?: boolean;
  /** The process environment (remote sources: only the names they read are passed on). */
  env?: Readonly<Record<string, string | undefined>>;
  now?: () => number;
}

export interface IndexOptions {
  paths: string[];
  cache?: string;
  dataDir?: string;
  /** scan's `--fetch` / `--no-fetch` (remote sources; local folders alone are never fetched for). */
  fetch?: boolean;
  /** `START..END` or `none` (remote sources): which versions are indexed; scan's default is the indicator's window. */
  window?: string;
  /** Worker threads for a first build of local folders (default: one per core). */
  jobs?: string | number;
}

/** A first local build reads and indexes in worker threads above this many checkouts (as scan's parallel scan). */
const PARALLEL_ABOVE = 200;
/** `scan --index` starts the query's worker thread before the freshness check above this many indexed repositories. */
const PRESPAWN_ABOVE = 2_000;

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

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

interface Indexed {
  refreshed: Refreshed;
  readErrors: ScanError[];
  source: ComponentSource;
  /** Local folders: the component source as a worker thread opens it (the query may be shared with one). */
  spec?: SourceSpec;
}

/** Does any spec name a remote source (or something only the sources' resolver can judge)? */
function anyRemote(paths: readonly string[]): boolean {
  return paths.some((p) => !isLocalFolder(p) && /^[a-z][a-z0-9+.-]*:|^[^/\\]+@[^/\\]+:/i.test(p));
}

/**
 * The component source of a fetching scan, as the fetch loop layers it (fetch-loop.ts recordingSource):
 * the `--cache` folder, then the store; a component whose fetch failed says the provider's answer.
 */
function layeredSource(base: ComponentSource | undefined, store: ComponentSource | undefined, failures: ReadonlyMap<string, string>): ComponentSource {
  return {
    read: (ref, path) => base?.read(ref, path) ?? store?.read(ref, path),
    describe(ref: ComponentRef) {
      const looked = (base ?? store)?.describe(ref) ?? 'no component cache';
      const id = componentId(ref);
      const failed = id === undefined ? undefined : failures.get(id);
      return failed === undefined ? looked : `could not be fetched by ${failed}; ${looked}`;
    },
  };
}

/**
 * Remote sources: reads every version (progress on stderr), runs the fetch loop over the versions the
 * index does not hold yet (again if fetching changed a component other versions read), indexes them.
 */
async function refreshSources(command: string, opts: IndexOptions, window: TimeWindow | undefined, io: IndexIo, providers: readonly SourceProvider[], rebuild?: string): Promise<Indexed> {
  const specs = opts.paths.length > 0 ? opts.paths : ['.'];
  const dataDir = opts.dataDir ?? DEFAULT_DATA_DIR;
  const env = sourceEnv(io.env ?? {});
  const sourceOptions = window === undefined ? { dataDir } : { dataDir, window };
  const resolved = resolveSources(specs, env, sourceOptions, providers);
  if (resolved.errors.length > 0) throw new UserError(`${command}: ${resolved.errors.join('; ')}`);
  if (resolved.missing.length > 0) throw new UserError(`${command}: path not found or not a folder: ${resolved.missing.join(', ')}`);
  const base = opts.cache === undefined ? undefined : componentSource(command, opts.cache);
  const fetch = opts.fetch ?? resolved.remote;
  // As runSourceScan: a scan of a window keeps its components apart (componentStoreDir).
  const storeDir = componentStoreDir(dataDir, window);
  const store = fetch ? componentStore(storeDir) : undefined;
  const fetchers = store === undefined ? [] : providerFetchers(env, sourceOptions, providers);
  // As runSourceScan: a fetching scan layers cache and store; otherwise the cache (or nothing) alone.
  const baseSource = store === undefined ? (base ?? emptySource) : base;
  const failures = new Map<string, string>();
  const current = (): ComponentSource => layeredSource(baseSource, store?.source(FETCHED_LABEL), failures);

  const reporter = progressReporter(io.stderr, io.stderrIsTTY === true, io.now);
  const inputs = specs.map((p) => (isLocalFolder(p) ? resolve(p) : p));
  const inventory = inventoryStore(dataDir, inputs);
  const options: RefreshOptions = {
    tool: VERSION,
    // Unresolved reasons name the store's folder: another window's store is another component source.
    source: `${store === undefined ? 'no fetch' : `fetch into ${storeDir}`}, ${opts.cache === undefined ? 'no cache' : `cache ${opts.cache}`}`,
    inputs,
    ...(rebuild === undefined ? {} : { rebuild }),
  };
  const readErrors: ScanError[] = [];
  let notes = '';
  let repos: RepoInput[];
  let ids: RepoIdentity[];
  try {
    const read = await readSources(resolved.sources, window, reporter);
    repos = read.repos;
    readErrors.push(...read.errors);
    const unversioned = repos.flatMap((r, i) => (r.version === undefined ? [i] : []));
    const local = localIdentities(
      unversioned.map((i) => repos[i] as RepoInput),
      read.errors,
    );
    const localOf = new Map(unversioned.map((i, k) => [i, local[k] as RepoIdentity]));
    ids = repos.map((r, i) => (r.version === undefined ? (localOf.get(i) as RepoIdentity) : versionIdentity(read.origins[i] ?? '', r.repo, r.version)));

    // Fetch for the stale versions only; fetching may change what a kept version read: plan again until settled.
    const fetchedFor = new Set<number>();
    for (;;) {
      const todo = [...planRefresh(inventory, repos, ids, current(), options).stale].filter((i) => !fetchedFor.has(i));
      if (todo.length === 0) break;
      for (const i of todo) fetchedFor.add(i);
      const r = await scanWithFetch(
        todo.map((i) => repos[i] as RepoInput),
        [],
        {
          ...(store === undefined ? {} : { store, fetchers }),
          ...(baseSource === undefined ? {} : { base: baseSource }),
          onRound: (round, fetched, failed, files) => reporter.stage(`indexing ${count(todo.length)} versions: round ${round}, ${fetched} components fetched, ${failed} failed, ${files} repository files read`),
        },
      );
      for (const f of r.failed) failures.set(f.component, f.reason);
      notes += noteLines(r.notes);
    }
  } finally {
    reporter.done();
  }
  if (notes !== '') io.stderr(notes);
  const source = current();
  const refreshed = refreshInventory(inventory, repos, ids, source, options);
  if (refreshed.notice !== undefined) io.stderr(`ci-exposure index: ${refreshed.notice}\n`);
  io.stderr(`ci-exposure index: re-scanned ${count(refreshed.rescanned)} of ${count(refreshed.total)} repository versions (${inventory.dir})\n`);
  return { refreshed, readErrors, source };
}

/**
 * Local folders: brings their index up to date, reading only the checkouts whose stat facts changed
 * (a first build over worker threads above PARALLEL_ABOVE checkouts); says on stderr how much was read
 * again and why.
 */
async function refresh(command: string, opts: IndexOptions, io: IndexIo, rebuild?: string, onOpened?: (repos: number) => void): Promise<Indexed> {
  const paths = opts.paths.length > 0 ? opts.paths : ['.'];
  const source = componentSource(command, opts.cache);
  // As listLocalPaths: a path that is not a folder is a usage error, said before anything is written.
  const missing = paths.filter((p) => !isFolder(p));
  if (missing.length > 0) throw new UserError(`${command}: path not found or not a folder: ${missing.join(', ')}`);
  // Listed only when the listing kept with the index no longer holds (listing.ts).
  const list = (): ReturnType<typeof listLocalPaths> => {
    const listed = listLocalPaths(paths);
    if (listed.missing.length > 0) throw new UserError(`${command}: path not found or not a folder: ${listed.missing.join(', ')}`);
    return listed;
  };
  const inputs = paths.map((p) => resolve(p));
  const store = inventoryStore(opts.dataDir ?? DEFAULT_DATA_DIR, inputs);
  const spec: SourceSpec = opts.cache === undefined ? { none: emptySource.describe({ kind: 'gha-local-action', path: '.', raw: '.' }) } : { cache: opts.cache };
  const jobs = jobsOption(opts.jobs);
  const buildMany = parallelBuilder({ source: spec, ...(jobs === undefined ? {} : { jobs }) });
  const refreshed = await refreshLocalPaths(store, { paths, list }, source, {
    tool: VERSION,
    source: opts.cache === undefined ? 'none' : `cache ${opts.cache}`,
    inputs,
    ...(rebuild === undefined ? {} : { rebuild }),
    ...(buildMany === undefined ? {} : { buildMany, manyAbove: PARALLEL_ABOVE }),
    ...(onOpened === undefined ? {} : { onOpened }),
  });
  if (refreshed.notice !== undefined) io.stderr(`ci-exposure index: ${refreshed.notice}\n`);
  io.stderr(`ci-exposure index: re-scanned ${count(refreshed.rescanned)} of ${count(refreshed.total)} repositories, read again ${count(refreshed.reread)} (${store.dir})\n`);
  return { refreshed, readErrors: refreshed.readErrors, source, spec };
}

/** Local folders alone, nothing fetched: read as before (sync); anything else through the sources. */
async function refreshAny(
  command: string,
  opts: IndexOptions,
  window: TimeWindow | undefined,
  io: IndexIo,
  providers: readonly SourceProvider[],
  rebuild?: string,
  onOpened?: (repos: number) => void,
): Promise<Indexed> {
  const paths = opts.paths.length > 0 ? opts.paths : ['.'];
  if (anyRemote(paths) || opts.fetch === true) return refreshSources(command, opts, window, io, providers, rebuild);
  return refresh(command, opts, io, rebuild, onOpened);
}

/** `ci-exposure index build`: exit 0 once the index is up to date. */
export async function runIndexBuild(opts: IndexOptions, io: IndexIo, providers: readonly SourceProvider[] = SOURCE_PROVIDERS): Promise<number> {
  const window = opts.window === undefined ? undefined : scanWindow(opts.window, [], false);
  let refreshed: Refreshed;
  try {
    refreshed = (await refreshAny('index build', opts, window, io, providers)).refreshed;
  } catch (err) {
    if (!(err instanceof StoreProblem)) throw err;
    // A pack the index names is not there or not readable: written again from the repositories.
    refreshed = (await refreshAny('index build', opts, window, io, providers, `the index cannot be used (${err.message}): reading every repository`)).refreshed;
  }
  refreshed.close();
  const jobs = refreshed.view.summaries.reduce((n, s) => n + s.jobs, 0);
  const what = refreshed.view.summaries.some((s) => s.version !== undefined) ? 'repository versions' : 'repositories';
  io.stdout(`indexed ${count(refreshed.total)} ${what}, ${count(jobs)} jobs, ${count(refreshed.view.postings.size)} components and other keys\n`);
  return 0;
}

export interface IndexedScanOptions extends IndexOptions {
  indicator?: string;
  component?: string;
  format?: string;
  all?: boolean;
  color?: boolean;
  /** scan's `--evidence` (refused: run history is not in the index). */
  evidence?: boolean;
  /** scan's `--jenkins-library` / `--jenkins-libraries` given (refused: the index does not record libraries' steps). */
  jenkinsLibraries?: boolean;
}

/** `ci-exposure scan … --index`: the scan's report, answered from the (refreshed) index. */
export async function runIndexedScan(opts: IndexedScanOptions, io: IndexIo, providers: readonly SourceProvider[] = SOURCE_PROVIDERS): Promise<number> {
  const format = opts.format ?? 'table';
  if (!isReportFormat(format)) throw new UserError(`scan: unknown format "${format}" (one of ${REPORT_FORMATS.join(', ')})`);
  const indicators: Indicator[] = await selectIndicators(opts);
  if (opts.evidence === true) throw new UserError('scan: --evidence is not answered from the index; scan without --index');
  if (opts.jenkinsLibraries === true) throw new UserError('scan: Jenkins shared libraries (--jenkins-library, --jenkins-libraries) are not followed by the index; scan without --index');
  // As runSourceScan: the versions of the indicator's window (or --window).
  const window = scanWindow(opts.window, indicators, opts.indicator !== undefined);

  const answer = async (rebuild?: string): Promise<{ indexed: Indexed; raw: ScanResult[] }> => {
    // A large index: the query's worker thread starts now, while the index is brought up to date.
    let worker: Worker | undefined;
    try {
      const indexed = await refreshAny('scan', opts, window, io, providers, rebuild, (repos) => {
        if (repos > PRESPAWN_ABOVE && coreIdle()) worker ??= queryWorker();
      });
      const describe = (ref: ComponentRef): string => indexed.source.describe(ref);
      try {
        const raw =
          indexed.spec === undefined
            ? queryInventory(indexed.refreshed.view, indicators, indexed.refreshed.load, describe)
            : await parallelQuery(indexed.refreshed, indicators, describe, { source: indexed.spec, ...(worker === undefined ? {} : { worker }) });
        return { indexed, raw };
      } finally {
        indexed.refreshed.close();
      }
    } finally {
      await worker?.terminate();
    }
  };
  let answered: { indexed: Indexed; raw: ScanResult[] };
  try {
    answered = await answer();
  } catch (err) {
    if (!(err instanceof StoreProblem)) throw err;
    // A stored model or pack is not as it was written: never answer from it; read everything again.
    answered = await answer(`the index cannot be used (${err.message}): reading every repository`);
  }
  const { indexed, raw } = answered;

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
  return isIncomplete(results) ? EXIT.incomplete : EXIT.clean;
}

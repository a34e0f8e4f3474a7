/**
 * `ci-exposure scan SOURCE…`: the scan over RepoSources — local folders, git URLs and the registered
 * providers (`github:ORG`, `gitlab:GROUP`, `circleci:VCS/ORG`; sources/resolve-source.ts) — with the
 * versions of an incident window and components fetched on demand (sources/fetch-loop.ts). The shell:
 * resolves the specs, reads every version of every repository (progress on stderr, never stdout), scans,
 * renders the report on stdout, returns the exit code (scan-command.ts EXIT). A repository a source did
 * not give is a `repo-unavailable` error of the report (partial: exit 3 when nothing affected was found).
 * The files a job runs (scripts, Makefiles) are read from a remote repository between scan rounds
 * (fetch-loop.ts), with or without component fetching. Fetchers get the window: a moving orb ref and a
 * component at a branch read as of its end (a branch whose history the provider refuses stays unresolved
 * with its reason); what they say about it (`branch release of acme/x read as of … (commit …)`) is one
 * stderr line each. A scan of a window keeps its fetched components in a store folder of its own
 * (componentStoreDir), apart from today's.
 */
import { statSync } from 'node:fs';
import type { ComponentSource, Indicator, RepoInput, ScanError, ScanResult } from '../core/model';
import { isReportFormat, REPORT_FORMATS, renderReport } from '../core/report';
import { isIncomplete, REPO_UNAVAILABLE } from '../core/report/common';
import { scanMany } from '../core/scan';
import { mergeVersions } from '../core/versions';
import { componentCacheSource } from '../sources/component-cache';
import { isLocalFolder, localSource, type LocalSource, WORKTREE } from '../sources/local-source';
import type { ResolvedSources, SourceProvider } from '../sources/resolve-source';
import type { JenkinsLibraryMapping } from '../sources/jenkins';
import { isRepoFailure, type RepoSource, type RepoVersion, type SourceProgress, type TimeWindow } from '../sources/source';
import { isPathSpec } from '../sources/spec-kind';
import { UserError } from './errors';
import { emptySource, EXIT, type ScanCommandOptions, scanLocalFolders, selectIndicators } from './scan-command';
import { VERSION } from './version';

/** The default data directory (git mirrors, the component store). */
export const DEFAULT_DATA_DIR = '.ci-exposure';

/** The sources `--evidence` reads run history for (a scan needs one of them). */
const EVIDENCE_SOURCE = /^(github|gitlab|circleci):/i;

/** Which sources each repository was read from (`origins[i]` is the source of `repos[i]`). */
export function originsOf(repos: readonly RepoInput[], origins: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  repos.forEach((r, i) => {
    const origin = origins[i];
    if (origin === undefined) return;
    const list = out.get(r.repo) ?? [];
    if (!list.includes(origin)) list.push(origin);
    out.set(r.repo, list);
  });
  return out;
}

/**
 * The error code of a component read at a branch as it is today in a scan of an incident window. The
 * GitHub and GitLab fetchers no longer do that (a branch is read as of the window's end, or unresolved):
 * their notes are information (noteLines), not this error.
 */
export const BRANCH_READ_TODAY = 'branch-read-today';

/** The stderr lines of the fetchers' notes (a branch read as of the window's end, with its commit). */
export function noteLines(notes: ReadonlyArray<{ note: string }>): string {
  return notes.map((n) => `note: ${n.note}\n`).join('');
}

export interface SourceScanOptions extends ScanCommandOptions {
  /** `START..END` (ISO-8601 dates or times, UTC), or `none` (today's heads only). Default: the indicator's window. */
  window?: string;
  dataDir?: string;
  /** Fetch missing components (default: when a remote source is read). */
  fetch?: boolean;
  /** Run history of the affected jobs in the window (github:, gitlab:, circleci: sources; sources/evidence/attach.ts). */
  evidence?: boolean;
  /** `--jenkins-library NAME=GIT_URL[#DEFAULT_VERSION]`, each (sources/jenkins/mapping.ts). */
  jenkinsLibrary?: string[];
  /** `--jenkins-libraries FILE`: the libraries' repositories, JSON or YAML. */
  jenkinsLibraries?: string;
}

/** The Jenkins library mapping of the command line: the file's libraries, then the options' (which win). */
export async function jenkinsLibraryMapping(opts: Pick<SourceScanOptions, 'jenkinsLibrary' | 'jenkinsLibraries'>): Promise<JenkinsLibraryMapping[]> {
  if (opts.jenkinsLibraries === undefined && (opts.jenkinsLibrary ?? []).length === 0) return [];
  const { checkMappings, mergeMappings, parseLibraryOption, readLibrariesFile } = await import('../sources/jenkins');
  const fromFile = opts.jenkinsLibraries === undefined ? { ok: true as const, libraries: [] } : readLibrariesFile(opts.jenkinsLibraries);
  if (!fromFile.ok) throw new UserError(`scan: --jenkins-libraries ${fromFile.error}`);
  const fromOptions: JenkinsLibraryMapping[] = [];
  for (const text of opts.jenkinsLibrary ?? []) {
    const r = parseLibraryOption(text);
    if (!r.ok) throw new UserError(`scan: ${r.error}`);
    fromOptions.push(r.library);
  }
  const checked = checkMappings(fromOptions, () => '--jenkins-library');
  if (!checked.ok) throw new UserError(`scan: ${checked.error}`);
  return mergeMappings(fromFile.libraries, fromOptions);
}

export interface SourceScanIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** stderr is a terminal: a progress bar; otherwise a plain line every few seconds. */
  stderrIsTTY?: boolean;
  /** The process environment (only the names sources read are passed on). */
  env?: Readonly<Record<string, string | undefined>>;
  /** A clock, for progress (default Date.now). */
  now?: () => number;
}

const DATE = /^(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** `2025-03-14` (the whole day, UTC) or a full ISO time; undefined when it is neither. */
function parseBound(text: string, end: boolean): number | undefined {
  const m = DATE.exec(text.trim());
  if (!m) return undefined;
  const ms = m[2] === undefined ? Date.parse(`${m[1]}T${end ? '23:59:59.999' : '00:00:00.000'}Z`) : Date.parse(text.trim());
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * The window of the scan: `--window START..END`, `none`, or by default the window of the one indicator
 * given with `--indicator` (a `--component` spec has no window: today's heads).
 */
export function scanWindow(option: string | undefined, indicators: readonly Indicator[], fromIndicator: boolean): TimeWindow | undefined {
  if (option === undefined) {
    const [only] = indicators;
    if (!fromIndicator || indicators.length !== 1 || only === undefined) return undefined;
    const start = Date.parse(only.windowStart);
    const end = Date.parse(only.windowEnd);
    return Number.isNaN(start) || Number.isNaN(end) ? undefined : { start, end };
  }
  if (option.trim() === 'none') return undefined;
  const parts = option.split('..');
  const start = parts.length === 2 ? parseBound(parts[0] ?? '', false) : undefined;
  const end = parts.length === 2 ? parseBound(parts[1] ?? '', true) : undefined;
  if (start === undefined || end === undefined) throw new UserError(`scan: bad --window "${option}" (START..END as ISO-8601 dates or times, e.g. 2025-03-14..2025-03-15, or none)`);
  if (end < start) throw new UserError(`scan: --window "${option}" ends before it starts`);
  return { start, end };
}

/** `3,200 / 10,000 repositories · 41 s` (the total when known). */
export function progressText(read: number, total: number | undefined, elapsedMs: number): string {
  const n = (x: number): string => x.toLocaleString('en-US');
  const count = total === undefined ? `${n(read)} ${read === 1 ? 'repository' : 'repositories'}` : `${n(read)} / ${n(total)} repositories`;
  return `${count} · ${Math.floor(elapsedMs / 1000)} s`;
}

export interface ProgressReporter extends SourceProgress {
  /** A stage after reading (`fetching components: round 2, 14 fetched`). */
  stage(text: string): void;
  /** Clears the bar (TTY). */
  done(): void;
}

/** Progress on stderr: a bar redrawn in place on a terminal (at most every 100 ms), else a plain line every 5 s. */
export function progressReporter(write: (text: string) => void, tty: boolean, now: () => number = Date.now): ProgressReporter {
  const started = now();
  let listed = 0;
  let total: number | undefined;
  let read = 0;
  let last = tty ? 0 : started;
  let drawn = false;
  let stage: string | undefined;
  const line = (): string => (stage === undefined ? progressText(read, total ?? (listed > 0 ? listed : undefined), now() - started) : `${stage} · ${Math.floor((now() - started) / 1000)} s`);
  const bar = (): string => {
    const of = total ?? listed;
    if (stage !== undefined || of === 0) return '';
    const filled = Math.min(20, Math.round((read / of) * 20));
    return `[${'#'.repeat(filled)}${'-'.repeat(20 - filled)}] `;
  };
  const tick = (force = false): void => {
    const t = now();
    if (!force && t - last < (tty ? 100 : 5000)) return;
    last = t;
    if (tty) {
      write(`\r\u001b[2K${bar()}${line()}`);
      drawn = true;
    } else write(`ci-exposure: ${line()}\n`);
  };
  return {
    listed(count, all) {
      listed = count;
      if (all !== undefined) total = all;
      tick();
    },
    read() {
      read++;
      tick();
    },
    stage(text) {
      stage = text;
      tick();
    },
    done() {
      if (tty && drawn) write('\r\u001b[2K');
    },
  };
}

/** Sums the progress of several sources (each says its own counts). */
function combined(reporter: ProgressReporter, sources: number): SourceProgress[] {
  const counts = Array.from({ length: sources }, () => ({ listed: 0, total: undefined as number | undefined }));
  return counts.map((c) => ({
    listed(count, total) {
      c.listed = count;
      c.total = total;
      const all = counts.every((x) => x.total !== undefined) ? counts.reduce((s, x) => s + (x.total ?? 0), 0) : undefined;
      reporter.listed(
        counts.reduce((s, x) => s + x.listed, 0),
        all,
      );
    },
    read(repo) {
      reporter.read(repo);
    },
  }));
}

/** A version as the core reads it: a local folder's worktree carries no version (nothing to say about it). */
function asInput(v: RepoVersion): RepoInput {
  const { errors: _errors, version, ...input } = v;
  return version.commit === WORKTREE ? input : { ...input, version };
}

/**
 * Reads every version of every source; a source that fails as a whole is one unavailable entry.
 * `origins[i]`: the id of the source `repos[i]` came from (the index keys versions by it).
 */
export async function readSources(sources: readonly RepoSource[], window: TimeWindow | undefined, reporter: ProgressReporter): Promise<{ repos: RepoInput[]; errors: ScanError[]; origins: string[] }> {
  const repos: RepoInput[] = [];
  const errors: ScanError[] = [];
  const origins: string[] = [];
  const progress = combined(reporter, sources.length);
  for (const [i, source] of sources.entries()) {
    try {
      for await (const item of source.versions(window, progress[i])) {
        if (isRepoFailure(item)) {
          errors.push({ repo: item.repo, file: '.', line: 1, code: REPO_UNAVAILABLE, message: `not read: ${item.reason}` });
          continue;
        }
        repos.push(asInput(item));
        origins.push(source.id);
        const version = item.version.commit === WORKTREE ? undefined : item.version;
        for (const e of item.errors ?? []) errors.push(version === undefined ? e : { ...e, versions: [version] });
      }
    } catch (err) {
      errors.push({ repo: source.id, file: '.', line: 1, code: REPO_UNAVAILABLE, message: `not read: ${(err as Error).message}` });
    }
    errors.push(...((source as Partial<LocalSource>).errors ?? []));
  }
  // A file too large in three versions is one error, with the three versions.
  return { repos, errors: mergeVersions(errors), origins };
}

/** Runs the scan over the given sources and writes the report. Throws UserError for usage/configuration errors. */
export async function runSourceScan(opts: SourceScanOptions, io: SourceScanIo, providers?: readonly SourceProvider[]): Promise<number> {
  const format = opts.format ?? 'table';
  if (!isReportFormat(format)) throw new UserError(`scan: unknown format "${format}" (one of ${REPORT_FORMATS.join(', ')})`);
  const indicators = await selectIndicators(opts);
  const window = scanWindow(opts.window, indicators, opts.indicator !== undefined);
  if (opts.evidence && window === undefined) throw new UserError('scan: --evidence needs an incident window (--indicator with a window, or --window START..END)');
  if (opts.evidence && !opts.paths.some((p) => EVIDENCE_SOURCE.test(p))) throw new UserError('scan: --evidence reads run history from GitHub, GitLab or CircleCI: give a github:, gitlab: or circleci: source');

  let base: ComponentSource | undefined;
  if (opts.cache !== undefined) {
    let isDir = false;
    try {
      isDir = statSync(opts.cache).isDirectory();
    } catch {
      isDir = false;
    }
    if (!isDir) throw new UserError(`scan: component cache folder not found: ${opts.cache}`);
    base = componentCacheSource(opts.cache);
  }

  const dataDir = opts.dataDir ?? DEFAULT_DATA_DIR;
  const specs = opts.paths.length > 0 ? opts.paths : ['.'];
  const jenkinsLibraries = await jenkinsLibraryMapping(opts);
  const sourceOptions = { dataDir, ...(window === undefined ? {} : { window }), ...(jenkinsLibraries.length === 0 ? {} : { jenkinsLibraries }) };
  // Local folders only (no provider prefix, no URL): what resolveSources gives for them, without loading
  // the providers; they, the fetchers and the evidence readers are loaded when a scan needs them.
  const remoteSources = providers !== undefined || !specs.every((s) => isPathSpec(s) && isLocalFolder(s)) ? await import('../sources/resolve-source') : undefined;
  const env = remoteSources?.sourceEnv(io.env ?? {});
  const resolved: ResolvedSources =
    remoteSources === undefined || env === undefined
      ? { sources: [localSource(specs)], missing: [], errors: [], remote: false }
      : remoteSources.resolveSources(specs, env, sourceOptions, providers ?? remoteSources.SOURCE_PROVIDERS);
  // Mapped Jenkins libraries are fetched by default, even for local folders (`--no-fetch` still wins); for
  // local folders only they are all that is fetched, unless `--fetch` asks for every component.
  const fetching = opts.fetch ?? (resolved.remote || jenkinsLibraries.length > 0);
  const librariesOnly = opts.fetch === undefined && !resolved.remote;
  // Libraries every Jenkins pipeline loads (`implicit: true`) are told to the core's Jenkins parser.
  const implicit = jenkinsLibraries.length === 0 ? [] : (await import('../sources/jenkins')).implicitLibraries(jenkinsLibraries);
  const scanOptions = implicit.length === 0 ? undefined : { parse: { jenkinsImplicitLibraries: implicit } };
  if (resolved.errors.length > 0) throw new UserError(`scan: ${resolved.errors.join('; ')}`);
  if (resolved.missing.length > 0) throw new UserError(`scan: path not found or not a folder: ${resolved.missing.join(', ')}`);

  const reporter = progressReporter(io.stderr, io.stderrIsTTY === true, io.now);
  let scanned: ScanResult[];
  let read: { repos: RepoInput[]; errors: ScanError[]; origins?: string[] };
  let notes = '';
  try {
    // [parallel scan] Local folders only, nothing to fetch: streamed in groups, over every core (scan-command.ts).
    // (Not with implicit libraries: the workers' scan does not take them.)
    const local = !fetching && scanOptions === undefined && specs.every(isLocalFolder) ? await scanLocalFolders(specs, indicators, opts, reporter) : undefined;
    read = local ? { repos: [], errors: local.errors } : await readSources(resolved.sources, window, reporter);
    if (local) scanned = local.scanned;
    else if (fetching) {
      const [{ componentStore, componentStoreDir }, { scanWithFetch }, { jenkinsLibraryFetchers }, { providerFetchers, sourceEnv, SOURCE_PROVIDERS }] = await Promise.all([
        import('../sources/component-store'),
        import('../sources/fetch-loop'),
        import('../sources/jenkins'),
        import('../sources/resolve-source'),
      ]);
      const store = componentStore(componentStoreDir(dataDir, window));
      const r = await scanWithFetch(read.repos, indicators, {
        store,
        fetchers: librariesOnly ? jenkinsLibraryFetchers(sourceOptions) : providerFetchers(env ?? sourceEnv(io.env ?? {}), sourceOptions, providers ?? SOURCE_PROVIDERS),
        ...(base === undefined ? {} : { base }),
        ...(scanOptions === undefined ? {} : { scanOptions }),
        onRound: (round, fetched, failed, files) => reporter.stage(`fetching components: round ${round}, ${fetched} fetched, ${failed} failed, ${files} repository files read`),
      });
      scanned = r.results;
      notes = noteLines(r.notes);
    } else if (resolved.remote) {
      // No component is fetched, but the repositories' own files a job runs are still read from them.
      const { scanWithFetch } = await import('../sources/fetch-loop');
      const r = await scanWithFetch(read.repos, indicators, {
        base: base ?? emptySource,
        ...(scanOptions === undefined ? {} : { scanOptions }),
        onRound: (round, _fetched, _failed, files) => reporter.stage(`reading repository files: round ${round}, ${files} read`),
      });
      scanned = r.results;
    } else {
      scanned = scanMany(read.repos, indicators, base ?? emptySource, scanOptions);
    }
  } finally {
    reporter.done();
  }
  if (notes !== '') io.stderr(notes);

  const kinds = new Map(indicators.map((i) => [i.id, i.kind]));
  let results: ScanResult[] = scanned.map((r) => {
    const kind = kinds.get(r.indicator.id);
    return {
      ...r,
      indicator: kind === undefined ? r.indicator : { ...r.indicator, kind },
      errors: [...read.errors, ...r.errors],
      summary: { ...r.summary, errors: r.summary.errors + read.errors.length },
    };
  });

  if (opts.evidence && window !== undefined) {
    // Every platform's run history (sources/evidence/attach.ts): which affected jobs ran in the window.
    const origins = read.origins === undefined ? undefined : originsOf(read.repos, read.origins);
    const [{ attachEvidence }, { evidenceProvidersFromEnv }, { sourceEnv }] = await Promise.all([import('../sources/evidence/attach'), import('../sources/evidence/providers'), import('../sources/resolve-source')]);
    results = await attachEvidence(results, indicators, window, evidenceProvidersFromEnv(env ?? sourceEnv(io.env ?? {})), origins === undefined ? {} : { origins });
  }

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

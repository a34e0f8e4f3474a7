/**
 * The exposure lookup over the real engine (@ci-exposure/engine), as `ci-exposure scan SOURCE…` runs it
 * (the engine's cli/scan-sources.ts):
 *
 *   scan.paths + scan.sources ──resolveSources──▶ RepoSources (folders, git URLs, github:ORG, gitlab:…,
 *   circleci:…) ──versions(window)──▶ every version of every repository (the indicator's window; a
 *   component spec: today's heads) ──scanWithFetch──▶ components fetched on demand into
 *   `<scan.dataDir>/components` when a remote source is read ──▶ the engine's renderers (Markdown, JSON),
 *   report-props.ts (the post props), lookup-evidence.ts (what the checklist reads).
 *
 * A repository a source did not give (provider down, refused, clone failed, folder missing) is a
 * `repo-unavailable` error of the report and listed in `partial` with its reason; the others go on.
 * Bounded in time (`scan.timeoutMinutes`): sources not read by then, and components not fetched, are
 * reported as not done, and the answer is partial. Runs in a worker thread (engine-worker.ts) so that
 * the bridge's event loop stays free; progress crosses the worker boundary as validated messages.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { z } from 'zod';
import { reportPropsSchema } from '@ci-exposure/contract';
import {
  attachEvidence,
  CATALOG,
  catalogIndicator,
  closeIndicatorIds,
  componentCacheSource,
  componentStore,
  componentStoreDir,
  evidenceProvidersFromEnv,
  implicitJenkinsLibraries,
  isRepoFailure,
  mergeVersions,
  parseComponentSpec,
  jenkinsLibraryFetchers,
  providerFetchers,
  renderJson,
  renderMarkdown,
  REPO_UNAVAILABLE,
  resolveSources,
  scanMany,
  scanWindow,
  scanWithFetch,
  sourceEnv,
  WORKTREE,
  type ComponentFetcher,
  type ComponentSource,
  type Indicator,
  type IndicatorKind,
  type JenkinsLibraryMapping,
  type RepoInput,
  type RepoSource,
  type RepoVersion,
  type ScanError,
  type ScanResult,
  type SourceEnv,
  type SourceProgress,
  type SourceProvider,
  type TimeWindow,
} from '@ci-exposure/engine';
import type { Config } from '../config';
import {
  lookupEvidenceSchema,
  lookupPartialSchema,
  lookupProgressSchema,
  type CatalogEntry,
  type Described,
  type LookupPartial,
  type LookupPort,
  type LookupProgress,
  type LookupResult,
  type LookupRunOptions,
} from '../incidents/lookup';
import type { IncidentTarget } from '../incidents/model';
import { runLogsSchema } from '../incidents/run-logs';
import type { IncidentKind } from '../incidents/templates';
import { lookupEvidence } from './lookup-evidence';
import { partialMarkdown, plural } from './partial-report';
import { toReportProps } from './report-props';
import { runLogsOf } from './run-logs';

/** Indicator kinds → checklist templates (a GitLab include is code fetched into the pipeline: a script). */
export function incidentKindOf(kind: IndicatorKind): IncidentKind {
  return kind === 'gitlab' ? 'script' : kind;
}

export function indicatorOf(target: IncidentTarget): Indicator | { error: string } {
  if (target.type === 'indicator') return catalogIndicator(target.id) ?? { error: `unknown incident ${target.id}` };
  const parsed = parseComponentSpec(target.spec);
  return parsed.ok ? parsed.indicator : { error: parsed.error };
}

export function describeTarget(arg: string): Described {
  const known = catalogIndicator(arg);
  if (known) return { ok: true, info: { target: { type: 'indicator', id: known.id }, kind: incidentKindOf(known.kind), title: known.title } };
  if (arg.includes(':')) {
    const parsed = parseComponentSpec(arg);
    if (!parsed.ok) return { ok: false, error: parsed.error };
    return { ok: true, info: { target: { type: 'component', spec: arg }, kind: incidentKindOf(parsed.indicator.kind), title: parsed.indicator.title } };
  }
  const close = closeIndicatorIds(arg);
  return { ok: false, error: `unknown incident "${arg}"${close.length > 0 ? ` (did you mean ${close.join(', ')}?)` : ''}; or give a component spec such as gha:owner/repo@ref` };
}

const NO_CACHE: ComponentSource = {
  read: () => undefined,
  describe: () => 'no component cache is configured (scan.cache)',
};

/** The `scan` settings the lookup reads (the configuration's, or a test's: only `paths` is required). */
export interface LookupScanSettings {
  paths: readonly string[];
  sources?: readonly string[];
  cache?: string | undefined;
  dataDir?: string | undefined;
  timeoutMinutes?: number;
  /** Read run history (GitHub Actions, GitLab CI, CircleCI; `--evidence`) for affected jobs inside the incident window. */
  evidence?: boolean;
  /** Which repository holds each Jenkins shared library (scan.jenkinsLibraries). */
  jenkinsLibraries?: readonly JenkinsLibraryMapping[] | undefined;
}

/** What one lookup runs with, resolved (crosses the worker boundary as is). */
export interface LookupSettings {
  paths: string[];
  sources: string[];
  cache?: string;
  /** Mirrors and fetched components. */
  dataDir: string;
  timeoutMs: number;
  /** Run evidence (GitHub, GitLab, CircleCI): did each affected job run in the window, and what its logs say. */
  evidence?: boolean;
  /** Jenkins shared libraries' repositories: fetched when a Jenkinsfile loads one. */
  jenkinsLibraries?: JenkinsLibraryMapping[];
}

export const lookupSettingsSchema = z.object({
  paths: z.array(z.string()),
  sources: z.array(z.string()),
  cache: z.string().optional(),
  dataDir: z.string(),
  timeoutMs: z.number().positive(),
  evidence: z.boolean().optional(),
  jenkinsLibraries: z.array(z.object({ name: z.string(), url: z.string(), defaultVersion: z.string().optional(), implicit: z.boolean().optional() })).optional(),
});

export const DEFAULT_TIMEOUT_MINUTES = 15;

export function lookupSettings(config: { scan: LookupScanSettings; dataDir?: string }): LookupSettings {
  const s = config.scan;
  return {
    paths: [...s.paths],
    sources: [...(s.sources ?? [])],
    ...(s.cache ? { cache: s.cache } : {}),
    dataDir: s.dataDir ?? join(config.dataDir ?? 'data', 'sources'),
    timeoutMs: (s.timeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES) * 60_000,
    ...(s.evidence ? { evidence: true } : {}),
    ...(s.jenkinsLibraries && s.jenkinsLibraries.length > 0 ? { jenkinsLibraries: s.jenkinsLibraries.map((l) => ({ ...l })) } : {}),
  };
}

/** `15 min`, `90 s`: the time limit in words. */
function limitText(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  return ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms)} ms`;
}

export interface ComputeHooks {
  /** The environment the sources read (tokens, base URLs): only SourceEnv names. */
  env: SourceEnv;
  /** The registered providers (default the engine's). */
  providers?: readonly SourceProvider[];
  onProgress?(progress: LookupProgress): void;
  /** Today's heads only (a re-check), whatever the indicator's window. */
  headsOnly?: boolean;
  now?: () => number;
}

/** Sums the progress of several sources, as the CLI does, and tells it at most every 250 ms (a stage at once). */
function progressCounter(sources: number, hooks: ComputeHooks, now: () => number): { per: SourceProgress[]; stage(text: string): void } {
  const counts = Array.from({ length: sources }, () => ({ listed: 0, total: undefined as number | undefined }));
  let read = 0;
  let stage: string | undefined;
  let last = -Infinity;
  const emit = (force: boolean): void => {
    if (!hooks.onProgress) return;
    const t = now();
    if (!force && t - last < 250) return;
    last = t;
    const listed = counts.reduce((s, c) => s + c.listed, 0);
    const total = counts.every((c) => c.total !== undefined) ? counts.reduce((s, c) => s + (c.total ?? 0), 0) : undefined;
    hooks.onProgress({ read, listed, ...(total === undefined ? {} : { total }), ...(stage === undefined ? {} : { stage }) });
  };
  return {
    per: counts.map((c) => ({
      listed(count, total) {
        c.listed = count;
        c.total = total;
        emit(false);
      },
      read() {
        read++;
        emit(false);
      },
    })),
    stage(text) {
      stage = text;
      emit(true);
    },
  };
}

function unavailable(repo: string, reason: string): ScanError {
  return { repo, file: '.', line: 1, code: REPO_UNAVAILABLE, message: `not read: ${reason}` };
}

/** A version as the core reads it: a local folder's worktree carries no version. */
function asInput(v: RepoVersion): RepoInput {
  const { errors: _errors, version, ...input } = v;
  return version.commit === WORKTREE ? input : { ...input, version };
}

const TIMED_OUT = Symbol('timed out');

/** `promise`, or TIMED_OUT once `deadline` (ms since the epoch) has passed. */
async function beforeDeadline<T>(promise: Promise<T>, deadline: number, now: () => number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<typeof TIMED_OUT>((r) => (timer = setTimeout(() => r(TIMED_OUT), Math.max(0, deadline - now()))));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

interface ReadOutcome {
  repos: RepoInput[];
  errors: ScanError[];
  notDone: string[];
  /** The source specs each repository was read from (run evidence: which GitLab instance, which CircleCI project). */
  origins: Map<string, string[]>;
}

/** Reads every version of every source until the deadline; a source that fails as a whole is one unavailable entry. */
async function readSources(sources: readonly RepoSource[], window: TimeWindow | undefined, per: SourceProgress[], deadline: number, limit: string, now: () => number): Promise<ReadOutcome> {
  const repos: RepoInput[] = [];
  const errors: ScanError[] = [];
  const skipped: string[] = [];
  const origins = new Map<string, string[]>();
  let interrupted: string | undefined;
  for (const [i, source] of sources.entries()) {
    // Once a source was stopped at the time limit, the limit is reached (a timer may fire a millisecond
    // before the clock says so).
    if (interrupted !== undefined || now() >= deadline) {
      skipped.push(source.id);
      errors.push(unavailable(source.id, `the lookup's time limit (${limit}) was reached before this source was read`));
      continue;
    }
    const items = source.versions(window, per[i])[Symbol.asyncIterator]();
    try {
      for (;;) {
        const next = await beforeDeadline(items.next(), deadline, now);
        if (next === TIMED_OUT) {
          interrupted = source.id;
          errors.push(unavailable(source.id, `the lookup's time limit (${limit}) was reached while reading this source: the repositories it had not given yet are not in the report`));
          // Let it stop at its next step; nothing waits for it.
          void Promise.resolve(items.return?.()).catch(() => undefined);
          break;
        }
        if (next.done) break;
        const item = next.value;
        if (isRepoFailure(item)) {
          errors.push(unavailable(item.repo, item.reason));
          continue;
        }
        repos.push(asInput(item));
        const from = origins.get(item.repo) ?? [];
        if (!from.includes(source.id)) origins.set(item.repo, [...from, source.id]);
        const version = item.version.commit === WORKTREE ? undefined : item.version;
        for (const e of item.errors ?? []) errors.push(version === undefined ? e : { ...e, versions: [version] });
      }
    } catch (err) {
      errors.push(unavailable(source.id, err instanceof Error ? err.message : String(err)));
    }
    errors.push(...((source as { errors?: ScanError[] }).errors ?? []));
  }
  const notDone: string[] = [];
  if (interrupted !== undefined) notDone.push(`reading ${interrupted} stopped at the time limit (${limit})`);
  if (skipped.length > 0) notDone.push(`${skipped.length === 1 ? '1 source was' : `${skipped.length} sources were`} not read before the time limit (${limit}): ${skipped.join(', ')}`);
  return { repos, errors: mergeVersions(errors), notDone, origins };
}

/** A fetcher that gives up at the deadline: what it did not fetch stays unresolved, with that reason. */
function bounded(fetcher: ComponentFetcher, deadline: number, limit: string, now: () => number, late: { count: number }): ComponentFetcher {
  const reason = `not fetched: the lookup's time limit (${limit}) was reached`;
  return {
    id: fetcher.id,
    canFetch: (ref) => fetcher.canFetch(ref),
    fetch: async (ref, into) => {
      if (now() >= deadline) {
        late.count++;
        return { ok: false, reason };
      }
      const outcome = await beforeDeadline(fetcher.fetch(ref, into), deadline, now);
      if (outcome !== TIMED_OUT) return outcome;
      late.count++;
      return { ok: false, reason };
    },
  };
}

/** Repositories not read (the `repo-unavailable` errors), with their reasons. */
function notReadOf(errors: readonly ScanError[]): LookupPartial['notRead'] {
  return errors.filter((e) => e.code === REPO_UNAVAILABLE).map((e) => ({ repo: e.repo, reason: e.message.replace(/^not read: /, '') }));
}

/** The whole lookup: sources → versions → scan (fetching components) → the reports. */
export async function computeLookup(settings: LookupSettings, target: IncidentTarget, hooks: ComputeHooks): Promise<LookupResult> {
  const now = hooks.now ?? Date.now;
  const indicator = indicatorOf(target);
  if ('error' in indicator) throw new Error(indicator.error);
  const specs = [...settings.paths, ...settings.sources];
  if (specs.length === 0) throw new Error('no sources are configured (scan.sources or scan.paths)');
  const deadline = now() + settings.timeoutMs;
  const limit = limitText(settings.timeoutMs);
  // The indicator's window; a component spec names none: today's heads.
  const window = hooks.headsOnly ? undefined : scanWindow(undefined, [indicator], target.type === 'indicator');
  // The window goes to the sources and the fetchers, as the CLI's scan does: a branch ref is read as of the
  // window's end (and a tag moved after it stays unresolved), never as it is today.
  const options = { dataDir: settings.dataDir, ...(window === undefined ? {} : { window }), ...(settings.jenkinsLibraries ? { jenkinsLibraries: settings.jenkinsLibraries } : {}) };
  const resolved = resolveSources(specs, hooks.env, options, hooks.providers);
  if (resolved.errors.length > 0) throw new Error(`configured source(s) not usable: ${resolved.errors.join('; ')}`);
  const progress = progressCounter(resolved.sources.length, hooks, now);

  const read = await readSources(resolved.sources, window, progress.per, deadline, limit, now);
  const missing = resolved.missing.map((path) => unavailable(path, 'configured folder not found'));
  const readErrors = [...missing, ...read.errors];

  const base = settings.cache ? componentCacheSource(settings.cache) : undefined;
  let scanned: ScanResult[];
  const late = { count: 0 };
  // Libraries every Jenkins pipeline loads (`implicit`) are told to the core's Jenkins parser.
  const implicit = implicitJenkinsLibraries(settings.jenkinsLibraries ?? []);
  // Mapped Jenkins libraries are fetched for local checkouts too (and, with local checkouts only, nothing else).
  if (resolved.remote || options.jenkinsLibraries !== undefined) {
    progress.stage('fetching components');
    const fetchers = (resolved.remote ? providerFetchers(hooks.env, options, hooks.providers) : jenkinsLibraryFetchers(options)).map((f) => bounded(f, deadline, limit, now, late));
    const r = await scanWithFetch(read.repos, [indicator], {
      // A window's components are kept apart (a branch is read as of the window's end).
      store: componentStore(componentStoreDir(settings.dataDir, window)),
      fetchers,
      ...(base === undefined ? {} : { base }),
      ...(implicit.length === 0 ? {} : { scanOptions: { parse: { jenkinsImplicitLibraries: implicit } } }),
      onRound: (round, fetched, failed) => progress.stage(`fetching components: round ${round}, ${fetched} fetched, ${failed} failed`),
    });
    scanned = r.results;
  } else {
    progress.stage('scanning');
    scanned = scanMany(read.repos, [indicator], base ?? NO_CACHE);
  }
  const [scannedFirst] = scanned;
  if (!scannedFirst) throw new Error('the engine gave no result');
  // Run history in the indicator's window (`scan.evidence`; GitHub, GitLab, CircleCI): which affected jobs
  // ran. A re-check scans today's heads but reads the window's runs again: during an ongoing incident runs
  // are added and logs deleted, and the re-check refreshes them.
  let first = scannedFirst;
  const runWindow = scanWindow(undefined, [indicator], target.type === 'indicator');
  if (settings.evidence && runWindow !== undefined) {
    progress.stage('reading run history');
    [first = scannedFirst] = await attachEvidence([scannedFirst], [indicator], runWindow, evidenceProvidersFromEnv(hooks.env, { now }), { origins: read.origins });
  }
  const result: ScanResult = {
    ...first,
    indicator: { ...first.indicator, kind: indicator.kind },
    errors: [...readErrors, ...first.errors],
    summary: { ...first.summary, errors: first.summary.errors + readErrors.length },
  };

  const notDone = [...read.notDone, ...(late.count > 0 ? [`${plural(late.count, 'component was', 'components were')} not fetched before the time limit (${limit}): unresolved`] : [])];
  const notRead = notReadOf(readErrors);
  const partial: LookupPartial | undefined = notRead.length > 0 || notDone.length > 0 ? { notRead, notDone } : undefined;
  const props = toReportProps(result);
  // What the time limit left undone makes the answer incomplete too (the webapp shows it on the post).
  const reportProps = notDone.length > 0 ? { ...props, incomplete: [...(props.incomplete ?? []), ...notDone].map((r) => r.slice(0, 300)).slice(0, 20) } : props;
  const json = renderJson(result);
  const markdown = renderMarkdown(result, { maxRows: 5000 });
  const runLogs = runLogsOf(result);
  return {
    indicator: { id: result.indicator.id, title: result.indicator.title },
    summary: reportProps.summary,
    markdown: partial ? [...partialMarkdown(partial, 200), '', markdown].join('\n') : markdown,
    json,
    reportProps,
    evidence: lookupEvidence(result, read.repos, json),
    ...(partial ? { partial } : {}),
    ...(runLogs ? { runLogs } : {}),
  };
}

const WORKER_FILE = join(__dirname, 'engine-worker.js');

/** What the worker says: progress as it goes, then one answer. */
export const workerMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('progress'), progress: lookupProgressSchema }),
  z.object({
    type: z.literal('answer'),
    ok: z.literal(true),
    result: z.object({
      indicator: z.object({ id: z.string(), title: z.string() }),
      markdown: z.string(),
      json: z.string(),
      reportProps: reportPropsSchema,
      evidence: lookupEvidenceSchema.optional(),
      partial: lookupPartialSchema.optional(),
      runLogs: runLogsSchema.optional(),
    }),
  }),
  z.object({ type: z.literal('failed'), ok: z.literal(false), error: z.string() }),
]);
export type WorkerMessage = z.infer<typeof workerMessageSchema>;

/** What the bridge sends the worker. `env`: the sources' variables only (tokens stay in this process's memory). */
export const workerRequestSchema = z.object({
  settings: lookupSettingsSchema,
  target: z.discriminatedUnion('type', [z.object({ type: z.literal('indicator'), id: z.string() }), z.object({ type: z.literal('component'), spec: z.string() })]),
  env: z.record(z.string(), z.string()),
  headsOnly: z.boolean(),
});

/** Past the time limit the worker reports what it has; past this grace on top it is stopped. */
const WORKER_GRACE_MS = 60_000;

/** Runs the lookup in a worker thread (compiled build), so the bridge keeps answering meanwhile. */
function inWorker(settings: LookupSettings, target: IncidentTarget, env: SourceEnv, options: LookupRunOptions | undefined): Promise<LookupResult> {
  return new Promise((resolvePromise, reject) => {
    const worker = new Worker(WORKER_FILE);
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      fn();
    };
    const timer = setTimeout(
      () => finish(() => reject(new Error(`the lookup did not finish within its time limit (${limitText(settings.timeoutMs)}, scan.timeoutMinutes) and was stopped`))),
      settings.timeoutMs + WORKER_GRACE_MS,
    );
    worker.on('message', (message: unknown) => {
      const parsed = workerMessageSchema.safeParse(message);
      if (!parsed.success) return finish(() => reject(new Error('the lookup worker answered something unexpected')));
      const m = parsed.data;
      if (m.type === 'progress') {
        if (!settled) options?.onProgress?.(m.progress);
        return;
      }
      if (m.type === 'failed') return finish(() => reject(new Error(m.error)));
      const { evidence, partial, runLogs, ...rest } = m.result;
      finish(() =>
        resolvePromise({ ...rest, summary: rest.reportProps.summary, ...(evidence ? { evidence } : {}), ...(partial ? { partial } : {}), ...(runLogs ? { runLogs } : {}) }),
      );
    });
    worker.once('error', (err) => finish(() => reject(err)));
    worker.once('exit', (code) => finish(() => reject(new Error(`the lookup worker exited with code ${code}`))));
    worker.postMessage({ settings, target, env: { ...env }, headsOnly: options?.headsOnly === true } satisfies z.input<typeof workerRequestSchema>);
  });
}

export interface EngineLookupOptions {
  /** The environment sources read their tokens and base URLs from (default process.env; only SourceEnv names are kept). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Providers other than the engine's (tests); the lookup then runs inline, not in a worker. */
  providers?: readonly SourceProvider[];
}

export function createEngineLookup(config: { scan: LookupScanSettings; dataDir?: string } | Pick<Config, 'scan' | 'dataDir'>, options: EngineLookupOptions = {}): LookupPort {
  const settings = lookupSettings(config);
  const env = sourceEnv(options.env ?? process.env);
  // From the TypeScript sources (tests) there is no compiled worker file: the lookup runs inline.
  const useWorker = existsSync(WORKER_FILE) && options.providers === undefined;
  return {
    describe: describeTarget,
    catalog: (): CatalogEntry[] => CATALOG.map((i) => ({ id: i.id, title: i.title, kind: incidentKindOf(i.kind) })),
    run: async (target, runOptions): Promise<LookupResult> => {
      if (useWorker) return inWorker(settings, target, env, runOptions);
      // Let the caller's reply go out before the (partly synchronous) scan takes the event loop.
      await new Promise((r) => setImmediate(r));
      return computeLookup(settings, target, {
        env,
        ...(options.providers ? { providers: options.providers } : {}),
        ...(runOptions?.onProgress ? { onProgress: runOptions.onProgress } : {}),
        headsOnly: runOptions?.headsOnly === true,
      });
    },
  };
}

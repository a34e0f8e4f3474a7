/**
 * IMPERATIVE SHELL: the scan of local folders in groups of repositories, streamed and spread over worker
 * threads, with the result a single scan gives.
 *
 *   listLocalPaths ──▶ groups of GROUP_SIZE checkouts ──▶ per group (in a worker, or here with jobs 1):
 *   read each checkout, scanMany, drop the files ──▶ results per group ──mergeScanResults──▶ ScanResult[]
 *
 * Memory grows with the results, not with the organisation: a group's files and parsed documents are
 * garbage once its results are back. Groups are merged in listing order, so the output is byte for byte
 * that of readLocalPaths + scanMany over everything (parallel-scan.spec.ts checks it), whatever the number
 * of workers and whichever finishes first.
 */
import { availableParallelism } from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { z } from 'zod';
import type { ComponentSource, Indicator, ScanError, ScanResult } from '../core/model';
import { mergeScanResults, scanMany } from '../core/scan';
import { componentCacheSource } from './component-cache';
import { listLocalPaths, type LocalCheckout, type LocalReadOptions, readListedCheckout } from './local-dir';

/** Repositories per group: small enough to bound memory, large enough that messages cost little. */
export const GROUP_SIZE = 100;

/** Where components come from, as a worker can rebuild it: a cache folder, or none (and why). */
export type SourceSpec = { cache: string } | { none: string };

export interface ParallelScanOptions {
  indicators: readonly Indicator[];
  source: SourceSpec;
  /** Worker threads (default: the machine's available parallelism); 1 scans here, group by group. */
  jobs?: number;
  groupSize?: number;
  read?: LocalReadOptions;
  /** Worker threads only above this many repositories (default 0: whenever there are several groups). */
  parallelAbove?: number;
  /** Told the number of repositories, then each repository once its group is scanned. */
  progress?: { listed(count: number, total?: number): void; read(repo: string): void };
  /** Starts a worker thread running this module with WORKER_MARK as its workerData (tests start it from the TypeScript sources). */
  spawn?: () => Worker;
}

export interface ParallelScanResult {
  /** Per indicator, in the order given. */
  results: ScanResult[];
  /** Reading problems (files, the repository limit), in the order readLocalPaths gives them. */
  readErrors: ScanError[];
  missing: string[];
}

/** What a worker is asked to do: one group of checkouts. */
export interface GroupTask {
  kind: 'cix-scan-group';
  checkouts: LocalCheckout[];
  indicators: Indicator[];
  source: SourceSpec;
  read: LocalReadOptions;
}

interface GroupResult {
  results: ScanResult[];
  readErrors: ScanError[];
}

function sourceOf(spec: SourceSpec): ComponentSource {
  if ('cache' in spec) return componentCacheSource(spec.cache);
  const why = spec.none;
  return { read: () => undefined, describe: () => why };
}

/** Reads and scans one group of checkouts. */
export function scanGroup(task: Omit<GroupTask, 'kind'>): GroupResult {
  const readErrors: ScanError[] = [];
  const repos = task.checkouts.map((c) => {
    const r = readListedCheckout(c, task.read);
    readErrors.push(...r.errors);
    return r.repo;
  });
  return { results: scanMany(repos, task.indicators, sourceOf(task.source)), readErrors };
}

// A worker's answer: checked at the boundary (the results are the engine's own, passed through).
const summarySchema = z.object({ repos: z.number(), files: z.number(), jobs: z.number(), affected: z.number(), unresolved: z.number(), errors: z.number() });
const resultSchema = z.looseObject({
  indicator: z.looseObject({ id: z.string(), title: z.string() }),
  summary: summarySchema,
  findings: z.array(z.unknown()),
  unresolved: z.array(z.unknown()),
  errors: z.array(z.unknown()),
});
const answerSchema = z.union([
  z.object({ ok: z.literal(true), results: z.array(resultSchema), readErrors: z.array(z.unknown()) }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);

/** Marks a worker thread started to scan groups (workerData). */
export const WORKER_MARK = { kind: 'cix-scan-worker' } as const;

function defaultSpawn(): Worker {
  return new Worker(__filename, { workerData: WORKER_MARK });
}

/** One worker thread, asked for one group at a time. */
class GroupWorker {
  private readonly worker: Worker;
  private pending: { resolve: (r: GroupResult) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;

  constructor(spawn: () => Worker) {
    this.worker = spawn();
    this.worker.on('message', (message: unknown) => {
      const p = this.pending;
      this.pending = undefined;
      if (!p) return;
      const answer = answerSchema.safeParse(message);
      if (!answer.success) return p.reject(new Error('a scan worker answered something unexpected'));
      const a = answer.data;
      if (!a.ok) return p.reject(new Error(`a scan worker failed: ${a.error}`));
      // The shapes were checked above; the items are what scanMany returned in the worker.
      p.resolve({ results: a.results as unknown as ScanResult[], readErrors: a.readErrors as ScanError[] });
    });
    const fail = (err: Error): void => {
      this.failure = err;
      const p = this.pending;
      this.pending = undefined;
      p?.reject(err);
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`a scan worker exited with code ${code}`)));
  }

  run(task: GroupTask): Promise<GroupResult> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage(task);
    });
  }

  async close(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}

/**
 * Lists the repositories under `paths` and scans them group by group: in `jobs` worker threads, or
 * here with jobs 1. The result is what readLocalPaths + scanMany give for the same paths.
 */
export async function scanLocalPaths(paths: readonly string[], options: ParallelScanOptions): Promise<ParallelScanResult> {
  const read = options.read ?? {};
  const listed = listLocalPaths(paths, read);
  // From the TypeScript sources (tests) there is no compiled module for a worker to run: groups are scanned
  // here unless the caller says how to start a worker (the report is the same either way).
  const compiled = options.spawn !== undefined || !__filename.endsWith('.ts');
  const jobs = compiled ? Math.max(1, Math.floor(options.jobs ?? availableParallelism())) : 1;
  const size = Math.max(1, Math.floor(options.groupSize ?? GROUP_SIZE));
  const indicators = [...options.indicators];

  // Two checkouts with one id (the same folder given twice) must meet in one scan: then one group.
  const ids = new Set(listed.checkouts.map((c) => c.id));
  const groups: LocalCheckout[][] = [];
  if (ids.size < listed.checkouts.length) groups.push(listed.checkouts);
  else for (let i = 0; i < listed.checkouts.length; i += size) groups.push(listed.checkouts.slice(i, i + size));

  options.progress?.listed(listed.checkouts.length, listed.checkouts.length);
  const finished = (g: number, r: GroupResult): void => {
    done[g] = r;
    for (const c of groups[g] ?? []) options.progress?.read(c.id);
  };
  const done: GroupResult[] = new Array<GroupResult>(groups.length);
  if (jobs === 1 || groups.length <= 1 || listed.checkouts.length <= (options.parallelAbove ?? 0)) {
    groups.forEach((checkouts, g) => finished(g, scanGroup({ checkouts, indicators, source: options.source, read })));
  } else {
    const spawn = options.spawn ?? defaultSpawn;
    let next = 0;
    const lane = async (): Promise<void> => {
      const worker = new GroupWorker(spawn);
      try {
        while (next < groups.length) {
          const g = next++;
          finished(g, await worker.run({ kind: 'cix-scan-group', checkouts: groups[g] as LocalCheckout[], indicators, source: options.source, read }));
        }
      } finally {
        await worker.close();
      }
    };
    await Promise.all(Array.from({ length: Math.min(jobs, groups.length) }, lane));
  }

  const results = groups.length === 0 ? scanMany([], indicators, sourceOf(options.source)) : mergeScanResults(done.map((d) => d.results));
  // Reading errors in listing order; the repository limit's error comes after every repository's.
  return { results, readErrors: [...done.flatMap((d) => d.readErrors), ...listed.errors], missing: listed.missing };
}

const taskSchema = z.object({ kind: z.literal('cix-scan-group'), checkouts: z.array(z.object({ root: z.string(), id: z.string() })) });

/** The worker's side: a group per message, an answer per group. */
function runAsWorker(): void {
  parentPort?.on('message', (message: unknown) => {
    if (!taskSchema.safeParse(message).success) {
      parentPort?.postMessage({ ok: false, error: 'not a scan task' });
      return;
    }
    try {
      const r = scanGroup(message as GroupTask);
      parentPort?.postMessage({ ok: true, results: r.results, readErrors: r.readErrors });
    } catch (err) {
      parentPort?.postMessage({ ok: false, error: (err as Error).message });
    }
  });
}

if (!isMainThread && z.object({ kind: z.literal(WORKER_MARK.kind) }).safeParse(workerData).success) runAsWorker();

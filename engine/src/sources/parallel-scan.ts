/**
 * IMPERATIVE SHELL: the scan of local folders in groups of repositories, streamed and spread over worker
 * threads, with the result a single scan gives.
 *
 *   listLocalPaths ──▶ groups of GROUP_SIZE checkouts ──▶ per group (here, or in one of jobs - 1 workers):
 *   read each checkout, scanMany, drop the files ──▶ results per group ──mergeScanResults──▶ ScanResult[]
 *
 * Memory grows with the results, not with the organisation: a group's files and parsed documents are
 * garbage once its results are back. Groups are merged in listing order, so the output is byte for byte
 * that of readLocalPaths + scanMany over everything (parallel-scan.spec.ts checks it), whatever the number
 * of workers and whichever finishes first.
 *
 * With one scanning thread and a core to spare (spareCore), a reading thread reads the next groups' files
 * while this one scans: the disk's system calls and UTF-8 decoding leave the scan's path (a fifth of its
 * time on an organisation of 2,000 repositories).
 */
import { availableParallelism } from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { ComponentSource, Indicator, ScanError, ScanResult } from '../core/model';
import { mergeScanResults, scanMany } from '../core/scan';
import { componentCacheSource } from './component-cache';
import { readdirSync } from 'node:fs';
import type * as ScanProtocol from './scan-protocol';
import { type CheckoutRead, checkoutInput, listLocalPaths, type LocalCheckout, type LocalReadOptions, pathKind, readCheckoutData, readListedCheckout } from './local-dir';

/**
 * Threads a scan uses by default on a machine with `cores` cores: one per two cores. A scanning thread
 * keeps about one and a half cores busy by itself (V8 compiles and collects garbage on helper threads:
 * on two cores, one thread used 2.8 s of CPU in 1.8 s), so a thread per core only adds contention and a
 * worker's start-up (measured on two cores: --jobs 2 took longer than --jobs 1, with 45 % more CPU).
 */
export function defaultScanJobs(cores: number): number {
  return Math.max(1, Math.floor(cores / 2));
}

/**
 * Whether `jobs` scanning threads leave a core for a reading thread on a machine with `cores` cores: each
 * scanning thread keeps about one and a half cores busy (above), so only past two cores per scanning thread.
 * Measured on two cores with one scanning thread: the reading thread took 150 ms off the scanning thread
 * but added 270 ms of CPU (its start-up, its own compiling and collecting), and the scan took longer.
 */
export function spareCore(jobs: number, cores: number): boolean {
  return cores > 2 * jobs;
}

/** Repositories per group: small enough to bound memory, large enough that messages cost little. */
export const GROUP_SIZE = 100;

/** Where components come from, as a worker can rebuild it: a cache folder, or none (and why). */
export type SourceSpec = { cache: string } | { none: string };

export interface ParallelScanOptions {
  indicators: readonly Indicator[];
  source: SourceSpec;
  /** Threads scanning (default: defaultScanJobs of the machine's available parallelism): this one and jobs - 1 workers; 1 scans here only, group by group. */
  jobs?: number;
  groupSize?: number;
  read?: LocalReadOptions;
  /** Worker threads only above this many repositories (default 0: whenever there are several groups). */
  parallelAbove?: number;
  /** Told the number of repositories, then each repository once its group is scanned. */
  progress?: { listed(count: number, total?: number): void; read(repo: string): void };
  /** With one scanning thread, whether another reads the next groups ahead (default: spareCore). */
  readingThread?: boolean;
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

export interface GroupResult {
  results: ScanResult[];
  readErrors: ScanError[];
}

function sourceOf(spec: SourceSpec): ComponentSource {
  if ('cache' in spec) return componentCacheSource(spec.cache);
  const why = spec.none;
  return { read: () => undefined, describe: () => why };
}

/** What a reading thread is asked: read one group of checkouts (ReadTask answers carry CheckoutReads). */
export interface ReadTask {
  kind: 'cix-read-group';
  checkouts: LocalCheckout[];
  read: LocalReadOptions;
}

/**
 * Reads and scans one group of checkouts. `reads`, when given, are the group's checkouts already read (by
 * a reading thread, in the group's order); a checkout without its read is read here.
 */
export function scanGroup(task: Omit<GroupTask, 'kind'>, reads?: readonly CheckoutRead[]): GroupResult {
  const readErrors: ScanError[] = [];
  const repos = task.checkouts.map((c, i) => {
    const done = reads?.[i];
    const r = done !== undefined && done.repo === c.id ? checkoutInput(c, done, task.read) : readListedCheckout(c, task.read);
    readErrors.push(...r.errors);
    return r.repo;
  });
  return { results: scanMany(repos, task.indicators, sourceOf(task.source)), readErrors };
}

/** Groups a reading thread reads ahead of the one being scanned (their files are what memory holds beyond a group's). */
export const READ_AHEAD = 2;

/**
 * The messages between threads, checked at the boundary (scan-protocol.ts, with zod): loaded with the first
 * thread started, so that a scan on this thread alone does not load zod at all.
 */
type Protocol = typeof ScanProtocol;
let loadedProtocol: Promise<Protocol> | undefined;
const protocol = (): Promise<Protocol> => (loadedProtocol ??= import('./scan-protocol'));

/** Marks a worker thread started to scan groups (workerData). */
export const WORKER_MARK = { kind: 'cix-scan-worker' } as const;

function defaultSpawn(): Worker {
  return new Worker(__filename, { workerData: WORKER_MARK });
}

/** One worker thread, answering the tasks it is given in the order given (a next one can wait in its queue). */
class TaskWorker<Task, Answer> {
  private readonly worker: Worker;
  private readonly pending: Array<{ resolve: (r: Answer) => void; reject: (e: Error) => void }> = [];
  private failure: Error | undefined;

  constructor(spawn: () => Worker, answer: (message: unknown) => Answer | Error) {
    this.worker = spawn();
    this.worker.on('message', (message: unknown) => {
      const p = this.pending.shift();
      if (!p) return;
      const a = answer(message);
      if (a instanceof Error) p.reject(a);
      else p.resolve(a);
    });
    const fail = (err: Error): void => {
      this.failure = err;
      for (const p of this.pending.splice(0)) p.reject(err);
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`a scan worker exited with code ${code}`)));
  }

  run(task: Task): Promise<Answer> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.worker.postMessage(task);
    });
  }

  async close(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}

type GroupWorker = TaskWorker<GroupTask, GroupResult>;
type ReadWorker = TaskWorker<ReadTask, CheckoutRead[]>;
const groupWorker = async (spawn: () => Worker): Promise<GroupWorker> => new TaskWorker(spawn, (await protocol()).groupAnswer);
const readWorker = async (spawn: () => Worker): Promise<ReadWorker> => new TaskWorker(spawn, (await protocol()).readAnswer);

/**
 * Scans the groups on this thread, in order. With a reading thread, group 0 is read here while it starts
 * and the next READ_AHEAD groups are read there while a group is scanned; a group it could not read (it
 * failed, or stopped) is read here: the same reading code, so the same result either way.
 */
async function scanHere(
  groups: readonly LocalCheckout[][],
  reader: ReadWorker | undefined,
  task: Omit<GroupTask, 'kind' | 'checkouts'>,
  finished: (g: number, r: GroupResult) => void,
): Promise<void> {
  const ahead = new Map<number, Promise<CheckoutRead[]>>();
  const request = (g: number): void => {
    const checkouts = groups[g];
    if (reader === undefined || checkouts === undefined || g === 0) return;
    const p = reader.run({ kind: 'cix-read-group', checkouts, read: task.read });
    p.catch(() => undefined); // awaited when its group's turn comes; a failure then means reading it here
    ahead.set(g, p);
  };
  for (let g = 1; g <= READ_AHEAD; g++) request(g);
  for (let g = 0; g < groups.length; g++) {
    let reads: CheckoutRead[] | undefined;
    const pending = ahead.get(g);
    ahead.delete(g);
    if (pending !== undefined) reads = await pending.catch(() => undefined);
    request(g + READ_AHEAD);
    finished(g, scanGroup({ ...task, checkouts: groups[g] as LocalCheckout[] }, reads));
  }
}

/** At most how many repositories `paths` hold, from one listing of each folder (a checkout counts one). */
function repositoriesAtMost(paths: readonly string[]): number {
  let n = 0;
  for (const p of paths) {
    const kind = pathKind(p);
    if (kind === 'checkout') n++;
    else if (kind === 'folder') {
      try {
        n += readdirSync(p).length;
      } catch {
        // Not listable: listLocalPaths says so.
      }
    }
  }
  return n;
}

/**
 * Lists the repositories under `paths` and scans them group by group: in `jobs` worker threads, or
 * here with jobs 1. The result is what readLocalPaths + scanMany give for the same paths.
 */
export async function scanLocalPaths(paths: readonly string[], options: ParallelScanOptions): Promise<ParallelScanResult> {
  const read = options.read ?? {};
  // From the TypeScript sources (tests) there is no compiled module for a worker to run: groups are scanned
  // here unless the caller says how to start a worker (the report is the same either way).
  const compiled = options.spawn !== undefined || !__filename.endsWith('.ts');
  const jobs = compiled ? Math.max(1, Math.floor(options.jobs ?? defaultScanJobs(availableParallelism()))) : 1;
  const size = Math.max(1, Math.floor(options.groupSize ?? GROUP_SIZE));
  const spawn = options.spawn ?? defaultSpawn;
  // With jobs N, this thread scans too, beside N - 1 workers. They load the engine while the repositories
  // are listed, when the folders' first listing says there will be work for them (a worker not needed after
  // all is closed unused).
  // With jobs 1 and a core to spare, a reading thread reads the next groups while this one scans (started
  // as early, for the same reason).
  const reading = compiled && jobs === 1 && (options.readingThread ?? spareCore(jobs, availableParallelism()));
  const early: GroupWorker[] = [];
  let reader: ReadWorker | undefined;
  if (compiled && repositoriesAtMost(paths) > Math.max(size, options.parallelAbove ?? 0)) {
    for (let i = 1; i < jobs; i++) early.push(await groupWorker(spawn));
    if (reading) reader = await readWorker(spawn);
  }
  let listed: ReturnType<typeof listLocalPaths>;
  try {
    listed = listLocalPaths(paths, read);
  } catch (err) {
    await Promise.all([...early.map((w) => w.close()), reader?.close()]);
    throw err;
  }
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
    await Promise.all(early.splice(0).map((w) => w.close()));
    if (groups.length <= 1 || listed.checkouts.length <= (options.parallelAbove ?? 0)) {
      await reader?.close();
      reader = undefined;
    } else if (reading) {
      // The first listing counted too few (folders of owners' folders): the reading thread starts now.
      reader ??= await readWorker(spawn);
    }
    try {
      await scanHere(groups, reader, { indicators, source: options.source, read }, finished);
    } finally {
      await reader?.close();
    }
  } else {
    const workers = Math.min(jobs, groups.length) - 1;
    await Promise.all(early.splice(workers).map((w) => w.close()));
    let next = 0;
    const take = (): number | undefined => (next < groups.length ? next++ : undefined);
    // A worker has its next group waiting while it scans one, so it never waits for this thread.
    const workerLane = async (): Promise<void> => {
      const worker = early.pop() ?? (await groupWorker(spawn));
      const inFlight: Array<Promise<void>> = [];
      const send = (): void => {
        const g = take();
        if (g === undefined) return;
        const done = worker.run({ kind: 'cix-scan-group', checkouts: groups[g] as LocalCheckout[], indicators, source: options.source, read }).then((r) => finished(g, r));
        done.catch(() => undefined); // awaited below; a second group's failure is not left unhandled when the first fails
        inFlight.push(done);
      };
      try {
        send();
        send();
        while (inFlight.length > 0) {
          await inFlight.shift();
          send();
        }
      } finally {
        await worker.close();
      }
    };
    // This thread's lane: a group at a time, letting the workers' answers (and their next groups) through between groups.
    const hereLane = async (): Promise<void> => {
      for (;;) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        const g = take();
        if (g === undefined) return;
        finished(g, scanGroup({ checkouts: groups[g] as LocalCheckout[], indicators, source: options.source, read }));
      }
    };
    await Promise.all([hereLane(), ...Array.from({ length: workers }, workerLane)]);
  }

  const results = groups.length === 0 ? scanMany([], indicators, sourceOf(options.source)) : mergeScanResults(done.map((d) => d.results));
  // Reading errors in listing order; the repository limit's error comes after every repository's.
  return { results, readErrors: [...done.flatMap((d) => d.readErrors), ...listed.errors], missing: listed.missing };
}

/** The worker's side: a group per message (to scan, or only to read), an answer per group. */
async function runAsWorker(): Promise<void> {
  // Messages sent meanwhile wait in the port's queue until the listener below is added.
  const { isReadTask, isScanTask } = await protocol();
  parentPort?.on('message', (message: unknown) => {
    try {
      if (isScanTask(message)) {
        const r = scanGroup(message as GroupTask);
        parentPort?.postMessage({ ok: true, results: r.results, readErrors: r.readErrors });
      } else if (isReadTask(message)) {
        const task = message as ReadTask;
        parentPort?.postMessage({ ok: true, reads: task.checkouts.map((c) => readCheckoutData(c, task.read)) });
      } else {
        parentPort?.postMessage({ ok: false, error: 'not a scan task' });
      }
    } catch (err) {
      parentPort?.postMessage({ ok: false, error: (err as Error).message });
    }
  });
}

const markedAsWorker = (data: unknown): boolean => typeof data === 'object' && data !== null && (data as { kind?: unknown }).kind === WORKER_MARK.kind;
if (!isMainThread && markedAsWorker(workerData)) void runAsWorker();

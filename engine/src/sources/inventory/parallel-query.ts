/**
 * IMPERATIVE SHELL: a query of many candidate repositories shared between this thread and one worker
 * thread (the query is the largest part of a new indicator's answer from the index). The candidates are
 * cut into chunks in scan order; each thread takes the next chunk from a shared counter (so a worker
 * still starting takes none, a fast one takes more), reads their models from the packs (each checked
 * against its SHA-256) and replays them (core/inventory replayRepository). This thread then applies
 * every replay in scan order (queryInventory): the results are those of one thread.
 *
 * Shared only when a core is idle (coreIdle): on a busy machine the worker's start-up costs more than it saves.
 *
 * Fail closed: a model that is not as written, in either thread, is a StoreProblem (the caller rebuilds);
 * a worker that fails otherwise, exits or answers something unexpected leaves its chunks to this thread.
 * Messages are checked with zod both ways.
 */
import { availableParallelism, loadavg } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { z } from 'zod';
import { candidatesOf, queryInventory, type ReplayOp, replayRepository, type RepoSummary } from '../../core/inventory';
import type { ComponentRef, Indicator, ScanResult } from '../../core/model';
import type { SourceSpec } from '../parallel-scan';
import { componentCacheSource } from '../component-cache';
import type { Refreshed } from './refresh';
import { type ModelAt, packReader, readModel, StoreProblem } from './store';

/** Above this many candidate repositories, a worker thread shares the query. */
export const PARALLEL_QUERY_ABOVE = 400;
/** Candidates per chunk. */
export const QUERY_CHUNK = 25;
/** Marks a worker thread started to replay chunks (workerData). */
export const QUERY_WORKER_MARK = { kind: 'cix-query-worker' } as const;

/** Who took a chunk. */
const MAIN = 1;
const WORKER = 2;

interface QueryItem {
  /** Position in the view. */
  i: number;
  /** What replay reads of its summary. */
  summary: Pick<RepoSummary, 'repo' | 'version'>;
  at: ModelAt;
  /** Per indicator: is it a candidate of it? */
  candidate: boolean[];
}

const itemSchema = z.object({
  i: z.number().int(),
  summary: z.object({ repo: z.string(), version: z.looseObject({ commit: z.string() }).optional() }),
  at: z.object({ file: z.string(), offset: z.number().int(), length: z.number().int(), hash: z.string() }),
  candidate: z.array(z.boolean()),
});
const taskSchema = z.object({
  kind: z.literal('cix-query'),
  indicators: z.array(z.looseObject({ id: z.string(), title: z.string(), kind: z.string(), components: z.array(z.unknown()) })),
  source: z.union([z.object({ cache: z.string() }), z.object({ none: z.string() })]),
  chunks: z.array(z.array(itemSchema)),
  /** Int32Array views: [0] the next chunk; [1 + k] who took chunk k. */
  shared: z.instanceof(SharedArrayBuffer),
});
// The replays are the engine's own values made in the worker; their outline is checked here.
const opSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('error'), error: z.looseObject({ repo: z.string(), file: z.string(), line: z.number(), code: z.string(), message: z.string() }), version: z.looseObject({ commit: z.string() }).optional() }),
  z.object({ op: z.literal('unresolved'), repo: z.string(), entries: z.array(z.looseObject({ file: z.string(), line: z.number(), ref: z.string(), reason: z.string() })), version: z.looseObject({ commit: z.string() }).optional() }),
  z.object({ op: z.literal('finding'), finding: z.looseObject({ repo: z.string(), file: z.string(), line: z.number(), job: z.string(), verdict: z.string(), affected: z.boolean() }), affectedJob: z.string().optional() }),
]);
const answerSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('chunk'), k: z.number().int(), ops: z.array(z.array(z.array(opSchema))) }),
  z.object({ kind: z.literal('problem'), message: z.string() }),
  z.object({ kind: z.literal('failed'), message: z.string() }),
  z.object({ kind: z.literal('done') }),
]);

export interface ParallelQueryOptions {
  /** The component source, as the worker opens it (the same `describe` as this thread's). */
  source: SourceSpec;
  /** Candidates above which a worker shares the query (default PARALLEL_QUERY_ABOVE). */
  above?: number;
  chunk?: number;
  /** Starts a worker running this module with QUERY_WORKER_MARK (tests start it from the TypeScript sources). */
  spawn?: () => Worker;
  /** A worker started earlier (queryWorker(), while the index was brought up to date): used or ended. */
  worker?: Worker;
  /** This thread takes chunks too (default); false: the worker takes them all (tests). */
  thisThread?: boolean;
  /** Share only when a core is idle (coreIdle(); default); false: whatever the load (tests). */
  onlyWhenIdle?: boolean;
}

/**
 * Is a core idle for a worker (the 1-minute load average below the cores less one half)? On a busy
 * machine a worker only adds its start-up (module loading, ~0.2 s of CPU) and the copying of its answers:
 * the query then stays in this thread.
 */
export function coreIdle(): boolean {
  return (loadavg()[0] ?? Infinity) < availableParallelism() - 0.5;
}

/** A query worker, started ahead of the query (its start-up then overlaps the freshness check); undefined when workers cannot run here. */
export function queryWorker(spawn?: () => Worker): Worker | undefined {
  const worker = spawn !== undefined ? spawn() : __filename.endsWith('.ts') ? undefined : new Worker(__filename, { workerData: QUERY_WORKER_MARK });
  // Until the query listens: a worker that cannot start is one that takes no chunk.
  worker?.on('error', () => undefined);
  return worker;
}

/**
 * Keeps what the worker's chunks told as they arrive. `until(ready)`: settles when `ready()` holds after
 * an answer, or when the worker stopped (failed, exited, answered something unexpected), with the
 * StoreProblem it met, if any.
 */
function collect(worker: Worker, into: Map<number, ReplayOp[][]>, chunks: readonly QueryItem[][]): { until: (ready: () => boolean) => Promise<{ problem?: string }> } {
  let stopped: { problem?: string } | undefined;
  let waiting: { ready: () => boolean; resolve: (r: { problem?: string }) => void } | undefined;
  const settle = (): void => {
    if (waiting === undefined) return;
    if (stopped !== undefined) waiting.resolve(stopped);
    else if (waiting.ready()) waiting.resolve({});
    else return;
    waiting = undefined;
  };
  const stop = (r: { problem?: string }): void => {
    stopped ??= r;
    settle();
  };
  worker.on('message', (message: unknown) => {
    const a = answerSchema.safeParse(message);
    if (!a.success) return stop({});
    // Checked; the values used are the worker's as sent (zod's copy would put a finding's keys in another order).
    const answer = message as z.infer<typeof answerSchema>;
    if (answer.kind === 'chunk') {
      const items = chunks[answer.k] ?? [];
      if (answer.ops.length !== items.length) return stop({});
      items.forEach((item, n) => into.set(item.i, answer.ops[n] as ReplayOp[][]));
      return settle();
    }
    return stop(answer.kind === 'problem' ? { problem: answer.message } : {});
  });
  worker.on('error', () => stop({}));
  worker.on('exit', () => stop({}));
  return {
    until: (ready) =>
      new Promise((resolve) => {
        waiting = { ready, resolve };
        settle();
      }),
  };
}

/**
 * The results of `indicators` from a refreshed index, equal to queryInventory's: shared with a worker
 * thread when there are more candidates than `above` and workers can run here, else in this thread.
 */
export async function parallelQuery(refreshed: Refreshed, indicators: readonly Indicator[], describe: (ref: ComponentRef) => string, options: ParallelQueryOptions): Promise<ScanResult[]> {
  const { view } = refreshed;
  const sets = indicators.map((indicator) => candidatesOf(view, indicator));
  const all = [...new Set(sets.flatMap((s) => [...s]))].sort((a, b) => a - b);
  const compiled = options.spawn !== undefined || !__filename.endsWith('.ts');
  const items: QueryItem[] = [];
  for (const i of all) {
    const at = refreshed.locate(i);
    const summary = view.summaries[i];
    if (at === undefined || summary === undefined) continue;
    const { repo, version } = summary;
    items.push({ i, summary: version === undefined ? { repo } : { repo, version }, at, candidate: sets.map((s) => s.has(i)) });
  }
  if (!compiled || items.length <= (options.above ?? PARALLEL_QUERY_ABOVE) || (options.onlyWhenIdle !== false && options.worker === undefined && !coreIdle())) {
    if (options.worker !== undefined) await options.worker.terminate();
    return queryInventory(view, indicators, refreshed.load, describe);
  }

  const size = Math.max(1, Math.floor(options.chunk ?? QUERY_CHUNK));
  const chunks: QueryItem[][] = [];
  for (let n = 0; n < items.length; n += size) chunks.push(items.slice(n, n + size));
  const shared = new SharedArrayBuffer(4 * (chunks.length + 1));
  const state = new Int32Array(shared);
  const replays = new Map<number, ReplayOp[][]>();
  const worker = options.worker ?? (queryWorker(options.spawn) as Worker);
  const fromWorker = collect(worker, replays, chunks);
  try {
    worker.postMessage({ kind: 'cix-query', indicators, source: options.source, chunks, shared });
    // This thread takes chunks too (the worker is still starting: the first ones are ours).
    for (let k = options.thisThread === false ? chunks.length : Atomics.add(state, 0, 1); k < chunks.length; k = Atomics.add(state, 0, 1)) {
      Atomics.store(state, k + 1, MAIN);
      for (const it of chunks[k] ?? []) replays.set(it.i, replayRepository(it.summary, refreshed.load(it.i), indicators, describe, (n) => it.candidate[n] === true));
    }
    // Every chunk is taken: those not ours are the worker's (none: it is not needed any more).
    const theirs = chunks.filter((_, k) => Atomics.load(state, k + 1) !== MAIN).flat();
    const { problem } = await fromWorker.until(() => theirs.every((it) => replays.has(it.i)));
    if (problem !== undefined) throw new StoreProblem(problem);
  } finally {
    worker.removeAllListeners();
    await worker.terminate();
  }
  // A chunk the worker took and did not answer (it failed): replayed here.
  return queryInventory(view, indicators, refreshed.load, describe, { matched: 0 }, (i) => replays.get(i));
}

/** The worker's side: chunks taken from the shared counter, a message per chunk, then done. */
function runAsWorker(): void {
  parentPort?.once('message', (message: unknown) => {
    const task = taskSchema.safeParse(message);
    if (!task.success) {
      parentPort?.postMessage({ kind: 'failed', message: 'not a query task' });
      return;
    }
    const { indicators, source, chunks, shared } = task.data;
    const state = new Int32Array(shared);
    const componentSource = 'cache' in source ? componentCacheSource(source.cache) : undefined;
    const none = 'none' in source ? source.none : '';
    const describe = (ref: ComponentRef): string => componentSource?.describe(ref) ?? none;
    const reader = packReader();
    try {
      for (let k = Atomics.add(state, 0, 1); k < chunks.length; k = Atomics.add(state, 0, 1)) {
        Atomics.store(state, k + 1, WORKER);
        const ops = (chunks[k] ?? []).map((it) => replayRepository(it.summary as QueryItem['summary'], readModel(reader, it.at), indicators as unknown as Indicator[], describe, (n) => it.candidate[n] === true));
        parentPort?.postMessage({ kind: 'chunk', k, ops });
      }
      parentPort?.postMessage({ kind: 'done' });
    } catch (err) {
      parentPort?.postMessage(err instanceof StoreProblem ? { kind: 'problem', message: err.message } : { kind: 'failed', message: (err as Error).message });
    } finally {
      reader.close();
    }
  });
}

if (!isMainThread && z.object({ kind: z.literal(QUERY_WORKER_MARK.kind) }).safeParse(workerData).success) runAsWorker();

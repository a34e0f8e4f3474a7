/**
 * IMPERATIVE SHELL: the first build of a local index over worker threads (as parallel-scan.ts spreads
 * a scan): the checkouts cut into groups in listing order, each group read and indexed by one builder in
 * a worker, the groups' entries and tables handed back in listing order. local-refresh.ts merges them by
 * the tables' row identities, so the index written is the one a single builder writes
 * (parallel-build.spec.ts compares manifests and models). Messages are checked with zod both ways.
 */
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { z } from 'zod';
import type { InventoryTables } from '../../core/inventory';
import type { ComponentSource } from '../../core/model';
import { componentCacheSource } from '../component-cache';
import type { SourceSpec } from '../parallel-scan';
import { type BuildMany, type BuiltEntry, buildCheckouts, type KeyedCheckout } from './local-refresh';

/** Checkouts per group. */
export const BUILD_GROUP_SIZE = 100;
/** Marks a worker thread started to index groups (workerData). */
export const BUILD_WORKER_MARK = { kind: 'cix-index-worker' } as const;

export function sourceOfSpec(spec: SourceSpec): ComponentSource {
  if ('cache' in spec) return componentCacheSource(spec.cache);
  const why = spec.none;
  return { read: () => undefined, describe: () => why };
}

interface BuildTask {
  kind: 'cix-index-group';
  checkouts: KeyedCheckout[];
  source: SourceSpec;
  /** The run's start (ns, decimal: a bigint does not cross as JSON-like data everywhere). */
  since: string;
}

type GroupOut = { entries: BuiltEntry[]; tables: InventoryTables };

const taskSchema = z.object({
  kind: z.literal('cix-index-group'),
  checkouts: z.array(z.object({ root: z.string(), id: z.string(), key: z.string() })),
  source: z.union([z.object({ cache: z.string() }), z.object({ none: z.string() })]),
  since: z.string().regex(/^-?\d+$/),
});
// The entries are the engine's own values made in the worker; their outline is checked here.
const answerSchema = z.union([
  z.object({
    ok: z.literal(true),
    entries: z.array(z.looseObject({ key: z.string(), identity: z.string(), root: z.string(), readErrors: z.array(z.unknown()), model: z.looseObject({ repo: z.string() }), summary: z.looseObject({ repo: z.string() }) })),
    tables: z.object({ expansionErrors: z.array(z.unknown()), componentReads: z.array(z.unknown()) }),
  }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);

export interface ParallelBuildOptions {
  source: SourceSpec;
  jobs?: number;
  groupSize?: number;
  /** Starts a worker running this module with BUILD_WORKER_MARK (tests start it from the TypeScript sources). */
  spawn?: () => Worker;
}

/** One worker, one group at a time. */
function runOn(worker: Worker, task: BuildTask): Promise<GroupOut> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (message: unknown): void => {
      done();
      const a = answerSchema.safeParse(message);
      if (!a.success) return reject(new Error('an index worker answered something unexpected'));
      if (!a.data.ok) return reject(new Error(`an index worker failed: ${a.data.error}`));
      resolve({ entries: a.data.entries as unknown as BuiltEntry[], tables: a.data.tables as InventoryTables });
    };
    const onError = (err: Error): void => {
      done();
      reject(err);
    };
    const onExit = (code: number): void => {
      done();
      reject(new Error(`an index worker exited with code ${code}`));
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.postMessage(task);
  });
}

/**
 * A BuildMany over worker threads, or undefined when workers cannot run (from the TypeScript sources
 * without `spawn`, or one job): the caller then builds in this thread.
 */
export function parallelBuilder(options: ParallelBuildOptions): BuildMany | undefined {
  const compiled = options.spawn !== undefined || !__filename.endsWith('.ts');
  const jobs = Math.max(1, Math.floor(options.jobs ?? availableParallelism()));
  if (!compiled || jobs === 1) return undefined;
  const size = Math.max(1, Math.floor(options.groupSize ?? BUILD_GROUP_SIZE));
  const spawn = options.spawn ?? ((): Worker => new Worker(__filename, { workerData: BUILD_WORKER_MARK }));
  return async (checkouts, since) => {
    // The same id listed twice shares one builder, as in one build: then a single group.
    const ids = new Set(checkouts.map((c) => c.id));
    const groups: KeyedCheckout[][] = [];
    if (ids.size < checkouts.length) groups.push([...checkouts]);
    else for (let i = 0; i < checkouts.length; i += size) groups.push(checkouts.slice(i, i + size));
    const out = new Array<GroupOut>(groups.length);
    let next = 0;
    const lane = async (): Promise<void> => {
      const worker = spawn();
      try {
        while (next < groups.length) {
          const g = next++;
          out[g] = await runOn(worker, { kind: 'cix-index-group', checkouts: groups[g] as KeyedCheckout[], source: options.source, since: String(since) });
        }
      } finally {
        worker.removeAllListeners('exit');
        await worker.terminate();
      }
    };
    await Promise.all(Array.from({ length: Math.min(jobs, groups.length) }, lane));
    return out;
  };
}

/** The worker's side: a group per message, an answer per group. */
function runAsWorker(): void {
  parentPort?.on('message', (message: unknown) => {
    const task = taskSchema.safeParse(message);
    if (!task.success) {
      parentPort?.postMessage({ ok: false, error: 'not an index task' });
      return;
    }
    try {
      const { checkouts, source, since } = task.data;
      const r = buildCheckouts(checkouts, sourceOfSpec(source), BigInt(since));
      parentPort?.postMessage({ ok: true, entries: r.entries, tables: r.tables });
    } catch (err) {
      parentPort?.postMessage({ ok: false, error: (err as Error).message });
    }
  });
}

if (!isMainThread && z.object({ kind: z.literal(BUILD_WORKER_MARK.kind) }).safeParse(workerData).success) runAsWorker();

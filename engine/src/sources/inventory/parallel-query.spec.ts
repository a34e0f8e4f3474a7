/**
 * The query shared with a worker thread (parallel-query.ts) answers what one thread answers, for
 * several indicators at once, whichever thread replays which chunk; a pack changed behind the index's
 * back is a StoreProblem from the worker too; a worker that dies leaves its chunks to this thread.
 */
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path, { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { queryInventory } from '../../core/inventory';
import { parseComponentSpec } from '../../core/indicators/spec';
import type { Indicator } from '../../core/model';
import { makeTempDir } from '../../../test/helpers/tmp';
import { componentCacheSource } from '../component-cache';
import { listLocalPaths } from '../local-dir';
import { type LocalRefreshed, refreshLocalPaths } from './local-refresh';
import { parallelQuery, QUERY_WORKER_MARK } from './parallel-query';
import { inventoryStore, StoreProblem } from './store';
import { tsWorker } from '../../../test/helpers/ts-worker';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const EXAMPLES = join(REPO_ROOT, 'examples', 'org', 'acme');
const CACHE = join(REPO_ROOT, 'examples', 'cache');
const source = componentCacheSource(CACHE);
const describeRef = (ref: Parameters<typeof source.describe>[0]): string => source.describe(ref);

/** A worker running parallel-query.ts from the sources. */
function sourceWorker(): Worker {
  return tsWorker(join(__dirname, 'parallel-query.ts'), QUERY_WORKER_MARK);
}

function indicator(spec: string): Indicator {
  const parsed = parseComponentSpec(spec);
  if (!parsed.ok) throw new Error(`bad spec ${spec}`);
  return parsed.indicator;
}

const INDICATORS = ['gha:actions/checkout', 'gha:tj-actions/changed-files@v35', 'orb:codecov/codecov', 'script:https://codecov.io/bash', 'gha:no-such/action'].map(indicator);

describe('the query shared with a worker thread', () => {
  const tmp = makeTempDir('cix-pquery-');
  afterAll(tmp.cleanup);
  const org = join(tmp.dir, 'org');
  for (let i = 0; i < 4; i++) for (const name of readdirSync(EXAMPLES).sort()) cpSync(join(EXAMPLES, name), join(org, `team-${i % 2}`, `${name}-${i}`), { recursive: true });
  const data = join(tmp.dir, 'data');
  const refresh = (): Promise<LocalRefreshed> =>
    refreshLocalPaths(inventoryStore(data, [org]), listLocalPaths([org]), source, { tool: 'test', source: 'cache', inputs: ['org'], racySlackNs: 0n });

  test('the same results as one thread: the worker alone, or both threads by chunks of one', async () => {
    const r = await refresh();
    const one = JSON.stringify(queryInventory(r.view, INDICATORS, r.load, describeRef));
    const parsed = JSON.parse(one) as Array<{ findings: unknown[] }>;
    expect(parsed.map((x) => x.findings.length).reduce((a, b) => a + b, 0)).toBeGreaterThan(10);
    const workerAlone = await parallelQuery(r, INDICATORS, describeRef, { source: { cache: CACHE }, above: 0, onlyWhenIdle: false, chunk: 3, spawn: sourceWorker, thisThread: false });
    expect(JSON.stringify(workerAlone)).toBe(one);
    const both = await parallelQuery(r, INDICATORS, describeRef, { source: { cache: CACHE }, above: 0, onlyWhenIdle: false, chunk: 1, spawn: sourceWorker });
    expect(JSON.stringify(both)).toBe(one);
    r.close();
  }, 60_000);

  test('a worker that dies: its chunks replayed here', async () => {
    const r = await refresh();
    const one = JSON.stringify(queryInventory(r.view, INDICATORS, r.load, describeRef));
    const dies = (): Worker => new Worker('process.exit(3)', { eval: true });
    const answer = await parallelQuery(r, INDICATORS, describeRef, { source: { cache: CACHE }, above: 0, onlyWhenIdle: false, chunk: 2, spawn: dies, thisThread: false });
    expect(JSON.stringify(answer)).toBe(one);
    r.close();
  }, 60_000);

  test('a pack changed behind the index: a StoreProblem from the worker, never an answer', async () => {
    const r = await refresh();
    // One byte of every model changed (the same length: only the SHA-256 tells).
    const at = r.view.summaries.map((_, i) => r.locate(i));
    const file = at[0]?.file ?? '';
    const bytes = readFileSync(file);
    for (const a of at) {
      expect(a?.file).toBe(file);
      const k = (a?.offset ?? 0) + 20;
      bytes[k] = bytes[k] === 0x61 ? 0x62 : 0x61;
    }
    writeFileSync(file, bytes);
    await expect(parallelQuery(r, INDICATORS, describeRef, { source: { cache: CACHE }, above: 0, onlyWhenIdle: false, chunk: 3, spawn: sourceWorker, thisThread: false })).rejects.toThrow(StoreProblem);
    await expect(parallelQuery(r, INDICATORS, describeRef, { source: { cache: CACHE }, above: 0, onlyWhenIdle: false, chunk: 3, spawn: sourceWorker, thisThread: false })).rejects.toThrow(/does not have the content the index recorded/);
    r.close();
  }, 60_000);
});

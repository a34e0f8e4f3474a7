/**
 * Freshness from stat facts (fingerprint.ts, local-refresh.ts): a touched checkout is read again and
 * nothing else; an edit made within the same timestamp tick as the read is caught (git's racy rule);
 * a deleted checkout leaves the answer; a symlink means "always read again"; the first build over worker
 * threads writes the index a single thread writes.
 */
import { appendFileSync, cpSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path, { join } from 'node:path';
import { type Worker } from 'node:worker_threads';
import { queryInventory } from '../../core/inventory';
import type { ScanResult } from '../../core/model';
import { parseComponentSpec } from '../../core/indicators/spec';
import { makeTempDir } from '../../../test/helpers/tmp';
import { componentCacheSource } from '../component-cache';
import { listLocalPaths } from '../local-dir';
import { checkoutFacts, factOf, factsHold, isRacy } from './fingerprint';
import { type LocalRefreshed, refreshLocalPaths } from './local-refresh';
import { BUILD_WORKER_MARK, parallelBuilder } from './parallel-build';
import { inventoryStore } from './store';
import { tsWorker } from '../../../test/helpers/ts-worker';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const EXAMPLES = join(REPO_ROOT, 'examples', 'org', 'acme');
const CACHE = join(REPO_ROOT, 'examples', 'cache');
const source = componentCacheSource(CACHE);
const OPTIONS = { tool: 'test', source: 'cache', inputs: ['org'], racySlackNs: 0n };

/** `<org>/team-<i mod 3>/<example>-<i>`: copies of the example repositories. */
function generateOrg(org: string, copies: number): string[] {
  const repos: string[] = [];
  for (let i = 0; i < copies; i++) {
    for (const name of readdirSync(EXAMPLES).sort()) {
      const rel = `team-${i % 3}/${name}-${i}`;
      cpSync(join(EXAMPLES, name), join(org, rel), { recursive: true });
      repos.push(rel);
    }
  }
  return repos;
}

/** Past the file system's timestamp tick, so that what was written so far is older than the next run's start. */
const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 60));

function refresh(data: string, org: string, extra: Partial<Parameters<typeof refreshLocalPaths>[3]> = {}): Promise<LocalRefreshed> {
  return refreshLocalPaths(inventoryStore(data, [org]), listLocalPaths([org]), source, { ...OPTIONS, ...extra });
}

function answer(r: LocalRefreshed, spec: string): ScanResult {
  const parsed = parseComponentSpec(spec);
  if (!parsed.ok) throw new Error(`bad spec ${spec}`);
  const [result] = queryInventory(r.view, [parsed.indicator], r.load, (ref) => source.describe(ref));
  return result as ScanResult;
}
/** The first workflow file of a checkout (every example but the CircleCI/GitLab/Jenkins ones has one). */
function firstWorkflow(org: string, repos: readonly string[]): { repo: string; file: string } {
  for (const repo of repos) {
    const dir = join(org, repo, '.github', 'workflows');
    let names: string[] = [];
    try {
      names = readdirSync(dir).sort();
    } catch {
      continue;
    }
    if (names[0] !== undefined) return { repo, file: join(dir, names[0]) };
  }
  throw new Error('no workflow in the generated organisation');
}

describe('freshness from stat facts', () => {
  const tmp = makeTempDir('cix-fresh-');
  afterAll(tmp.cleanup);
  const org = join(tmp.dir, 'org');
  const repos = generateOrg(org, 3);

  test('nothing changed: nothing read; one file touched: that checkout alone read again, the same model kept', async () => {
    const data = join(tmp.dir, 'touch');
    await tick();
    const built = await refresh(data, org);
    expect([built.total, built.reread, built.rescanned]).toEqual([24, 24, 24]);
    const again = await refresh(data, org);
    expect([again.total, again.reread, again.rescanned]).toEqual([24, 0, 0]);

    const { file } = firstWorkflow(org, repos);
    const now = new Date();
    utimesSync(file, now, now);
    await tick();
    const touched = await refresh(data, org);
    expect([touched.reread, touched.rescanned]).toEqual([1, 0]);
    // Read again, its facts renewed: nothing next time.
    const after = await refresh(data, org);
    expect([after.reread, after.rescanned]).toEqual([0, 0]);
  });

  test('an edit: that checkout read and indexed again, and the answer follows', async () => {
    const data = join(tmp.dir, 'edit');
    await tick();
    await refresh(data, org);
    const { repo, file } = firstWorkflow(org, repos);
    const before = answer(await refresh(data, org), 'gha:no-such/action');
    expect(before.findings).toHaveLength(0);
    appendFileSync(file, '  added-by-test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: no-such/action@v1\n');
    await tick();
    const edited = await refresh(data, org);
    expect([edited.reread, edited.rescanned]).toEqual([1, 1]);
    const found = answer(edited, 'gha:no-such/action');
    expect(found.findings.map((f) => [f.repo, f.job])).toEqual([[repo, 'added-by-test']]);
  });

  test('a file added to a walked folder (its mtime), or at the root where a literal path was absent', async () => {
    const data = join(tmp.dir, 'add');
    await tick();
    await refresh(data, org);
    const { repo } = firstWorkflow(org, repos);
    writeFileSync(join(org, repo, '.github', 'workflows', 'new.yml'), 'on: push\njobs:\n  n:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: no-such/action@v2\n');
    const other = repos.find((r) => r !== repo) as string;
    writeFileSync(join(org, other, '.gitlab-ci.yml'), 'job:\n  script: echo hi\n');
    await tick();
    const r = await refresh(data, org);
    expect([r.reread, r.rescanned]).toEqual([2, 2]);
    expect([...new Set(answer(r, 'gha:no-such/action').findings.map((f) => f.repo))]).toEqual([repo]);
  });

  test('an edit within the same timestamp tick as the read (same size, mtime set back) is caught', async () => {
    const data = join(tmp.dir, 'racy');
    const { repo, file } = firstWorkflow(org, repos);
    const text = readFileSync(file, 'utf8');
    // Written just now: with the default slack of 2 s its facts are racy, so none are kept for it.
    writeFileSync(file, text);
    const built = await refresh(data, org, { racySlackNs: 2_000_000_000n });
    expect(built.reread).toBe(24);
    // The mechanism: no facts kept for it, whatever its stat says next time.
    const stored = inventoryStore(data, [org]).load();
    expect(stored.kind === 'loaded' && stored.manifest.repos.find((e) => e.key === repo)?.facts).toBeUndefined();
    expect(stored.kind === 'loaded' && stored.manifest.repos.find((e) => e.key === repo)?.identity).toMatch(/^local:/);
    const { mtime } = statSync(file);
    // The same number of bytes, another component; the mtime put back as it was.
    const swapped = text.replace(/uses: ([a-z0-9-]+)\//i, (m, owner: string) => m.replace(owner, 'z'.repeat(owner.length)));
    expect(swapped).not.toBe(text);
    expect(Buffer.byteLength(swapped)).toBe(Buffer.byteLength(text));
    writeFileSync(file, swapped);
    utimesSync(file, mtime, mtime);
    const r = await refresh(data, org, { racySlackNs: 2_000_000_000n });
    expect(r.rescanned).toBe(1);
    expect(r.reread).toBeGreaterThanOrEqual(1);
    const keys = r.view.summaries.find((s) => s.repo === repo)?.keys ?? [];
    expect(keys.some((k) => /^gha:z+\//.test(k))).toBe(true);
    writeFileSync(file, text);
  });

  test('a deleted checkout is gone from the index and the answer', async () => {
    const data = join(tmp.dir, 'delete');
    const copy = join(tmp.dir, 'org-delete');
    cpSync(org, copy, { recursive: true });
    await tick();
    const built = await refresh(data, copy);
    const gone = repos.find((r) => answer(built, 'gha:actions/checkout').findings.some((f) => f.repo === r)) as string;
    expect(gone).toBeDefined();
    rmSync(join(copy, gone), { recursive: true, force: true });
    const r = await refresh(data, copy);
    expect([r.total, r.reread, r.rescanned]).toEqual([23, 0, 0]);
    expect(r.view.summaries.map((s) => s.repo)).not.toContain(gone);
    const result = answer(r, 'gha:actions/checkout');
    expect(result.summary.repos).toBe(23);
    expect(result.findings.some((f) => f.repo === gone)).toBe(false);
  });

  test('a symlink on the way: no facts, read every time', async () => {
    const data = join(tmp.dir, 'link');
    const copy = join(tmp.dir, 'org-link');
    cpSync(org, copy, { recursive: true });
    const { repo, file } = firstWorkflow(copy, repos);
    symlinkSync(file, join(copy, repo, '.github', 'workflows', 'linked.yml'));
    await tick();
    await refresh(data, copy);
    const r = await refresh(data, copy);
    expect([r.reread, r.rescanned]).toEqual([1, 0]);
  });
});

describe('facts (fingerprint.ts)', () => {
  const tmp = makeTempDir('cix-facts-');
  afterAll(tmp.cleanup);

  test('a fact at or after the run start is racy; a checkout with one has no facts', () => {
    const root = join(tmp.dir, 'repo');
    const example = readdirSync(EXAMPLES).sort().find((n) => statSync(join(EXAMPLES, n, '.github', 'workflows'), { throwIfNoEntry: false }) !== undefined) as string;
    cpSync(join(EXAMPLES, example), root, { recursive: true });
    const fact = factOf(root) as string;
    const [, mtime, ctime] = fact.split(':').map((n) => (/^\d+$/.test(n) ? BigInt(n) : 0n));
    const newest = (mtime as bigint) > (ctime as bigint) ? (mtime as bigint) : (ctime as bigint);
    expect(isRacy(fact, newest)).toBe(true);
    expect(isRacy(fact, newest + 1n)).toBe(false);
    expect(isRacy('f:x:y:1:2', 0n)).toBe(true);
    const files = readdirSync(join(root, '.github', 'workflows')).map((n) => ({ path: `.github/workflows/${n}`, text: '' }));
    expect(checkoutFacts(root, files, [], newest)).toBeUndefined();
    const facts = checkoutFacts(root, files, ['scripts/none.sh'], newest + 1n) as string;
    const paths = facts.split('\n').map((l) => l.split('\t')[0]);
    expect(paths).toEqual(expect.arrayContaining(['.', '.github', '.github/workflows', ...files.map((f) => f.path)]));
    expect(paths).not.toContain('scripts/none.sh');
    expect(factsHold(root, facts)).toBe(true);
    expect(factsHold(root, `${facts}\n.github/none\tf:1:1:1:1`)).toBe(false);
  });
});

/** A worker running parallel-build.ts from the sources. */
function sourceWorker(): Worker {
  return tsWorker(join(__dirname, 'parallel-build.ts'), BUILD_WORKER_MARK);
}

describe('the first build over worker threads', () => {
  const tmp = makeTempDir('cix-pbuild-');
  afterAll(tmp.cleanup);
  const org = join(tmp.dir, 'org');
  generateOrg(org, 5);

  function files(data: string): Map<string, string> {
    const base = join(data, 'inventory');
    const [only] = readdirSync(base);
    const dir = join(base, only ?? '');
    const out = new Map<string, string>([['manifest.json', readFileSync(join(dir, 'manifest.json'), 'utf8')]]);
    for (const name of readdirSync(join(dir, 'packs'))) out.set(name, readFileSync(join(dir, 'packs', name), 'utf8'));
    return out;
  }

  test('the same manifest and pack as one thread, whatever the groups', async () => {
    await tick();
    const one = await refresh(join(tmp.dir, 'one'), org);
    const buildMany = parallelBuilder({ source: { cache: CACHE }, jobs: 2, groupSize: 7, spawn: sourceWorker });
    expect(buildMany).toBeDefined();
    const two = await refresh(join(tmp.dir, 'two'), org, { ...(buildMany === undefined ? {} : { buildMany }), manyAbove: 0 });
    expect([one.total, one.rescanned, two.total, two.rescanned]).toEqual([40, 40, 40, 40]);
    const a = files(join(tmp.dir, 'one'));
    const b = files(join(tmp.dir, 'two'));
    expect(a.size).toBe(2); // the manifest and one pack
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [name, text] of a) expect(b.get(name)).toBe(text);
    expect(JSON.stringify(answer(two, 'gha:actions/checkout'))).toBe(JSON.stringify(answer(one, 'gha:actions/checkout')));
    // Facts were recorded in the workers too: a second run reads nothing.
    const again = await refresh(join(tmp.dir, 'two'), org);
    expect([again.reread, again.rescanned]).toEqual([0, 0]);
  }, 60_000);
});

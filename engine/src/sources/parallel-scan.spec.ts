/**
 * The fast scan against the current one, on examples/ and on ../shared/ci-corpus (when present): the
 * current path (readLocalPaths, then scanMany with the full YAML reader) and the new ones (fast reader,
 * repositories read and scanned group by group, here and in worker threads) give the same JSON report,
 * byte for byte — same jobs, verdicts, file:line, chains, unresolved components and errors.
 */
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { CATALOG } from '../core/indicators';
import type { ScanError, ScanResult } from '../core/model';
import { renderJson } from '../core/report';
import { scanMany } from '../core/scan';
import { useFastYaml } from '../core/yaml';
import { componentCacheSource } from './component-cache';
import { readLocalPaths } from './local-dir';
import { jobsOption } from '../cli/scan-command';
import { defaultScanJobs, scanLocalPaths, type SourceSpec, spareCore, WORKER_MARK } from './parallel-scan';
import { tsWorker } from '../../test/helpers/ts-worker';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const EXAMPLES = path.join(REPO_ROOT, 'examples');
const CORPUS = path.join(REPO_ROOT, '..', 'shared', 'ci-corpus');
const NO_CACHE = 'no component cache was given (--cache DIR)';

/** A worker running parallel-scan.ts from the sources. */
function sourceWorker(): Worker {
  return tsWorker(path.join(__dirname, 'parallel-scan.ts'), WORKER_MARK);
}

/** The report the CLI writes: reading errors first. */
function report(results: ScanResult[], readErrors: ScanError[]): string {
  return renderJson(results.map((r) => ({ ...r, errors: [...readErrors, ...r.errors], summary: { ...r.summary, errors: r.summary.errors + readErrors.length } })));
}

/** The path before this change: everything read, then one scanMany, with the full YAML reader. */
function currentPath(paths: string[], source: SourceSpec): string {
  const was = useFastYaml(false);
  try {
    const read = readLocalPaths(paths);
    const src = 'cache' in source ? componentCacheSource(source.cache) : { read: () => undefined, describe: () => NO_CACHE };
    return report(scanMany(read.repos, CATALOG, src), read.errors);
  } finally {
    useFastYaml(was);
  }
}

async function grouped(paths: string[], source: SourceSpec, jobs: number, groupSize: number): Promise<string> {
  const r = await scanLocalPaths(paths, { indicators: CATALOG, source, jobs, groupSize, spawn: sourceWorker });
  return report(r.results, r.readErrors);
}

describe('scanLocalPaths', () => {
  const examples = { paths: [path.join(EXAMPLES, 'org')], source: { cache: path.join(EXAMPLES, 'cache') } };

  it('gives the current report on examples/, here and in workers', async () => {
    const before = currentPath(examples.paths, examples.source);
    const parsed = JSON.parse(before) as Array<{ findings: unknown[]; summary: { repos: number } }>;
    expect(parsed).toHaveLength(CATALOG.length);
    expect(parsed[0]?.summary.repos).toBeGreaterThan(5);
    expect(parsed.reduce((n, r) => n + r.findings.length, 0)).toBeGreaterThan(10);
    expect(await grouped(examples.paths, examples.source, 1, 2)).toBe(before);
    expect(await grouped(examples.paths, examples.source, 2, 2)).toBe(before);
    expect(await grouped(examples.paths, examples.source, 3, 1)).toBe(before);
  }, 60_000);

  it('with one scanning thread, reads the next groups on a reading thread; a reading thread that fails costs nothing but time', async () => {
    const before = currentPath(examples.paths, examples.source);
    let started = 0;
    const counted = (): Worker => {
      started++;
      return sourceWorker();
    };
    const withReader = await scanLocalPaths(examples.paths, { indicators: CATALOG, source: examples.source, jobs: 1, groupSize: 2, spawn: counted, readingThread: true });
    expect(started).toBe(1);
    expect(report(withReader.results, withReader.readErrors)).toBe(before);
    // Without a core to spare, no thread at all.
    const alone = await scanLocalPaths(examples.paths, { indicators: CATALOG, source: examples.source, jobs: 1, groupSize: 2, spawn: counted, readingThread: false });
    expect(started).toBe(1);
    expect(report(alone.results, alone.readErrors)).toBe(before);

    // A thread that answers nothing a reader would (here: it exits at once): every group is read here.
    const broken = (): Worker => new Worker('process.exit(3)', { eval: true });
    const fallback = await scanLocalPaths(examples.paths, { indicators: CATALOG, source: examples.source, jobs: 1, groupSize: 2, spawn: broken, readingThread: true });
    expect(report(fallback.results, fallback.readErrors)).toBe(before);
    // One that answers something else: the same.
    const liar = (): Worker => new Worker("require('node:worker_threads').parentPort.on('message', (m) => require('node:worker_threads').parentPort.postMessage({ ok: true, reads: [{ repo: 'x' }] }))", { eval: true });
    const lied = await scanLocalPaths(examples.paths, { indicators: CATALOG, source: examples.source, jobs: 1, groupSize: 2, spawn: liar, readingThread: true });
    expect(report(lied.results, lied.readErrors)).toBe(before);
  }, 60_000);

  it('takes --jobs from 1 to 64', () => {
    expect(jobsOption(undefined)).toBeUndefined();
    expect(jobsOption('1')).toBe(1);
    expect(jobsOption('64')).toBe(64);
    for (const bad of ['0', '65', '1.5', 'two', '']) expect(() => jobsOption(bad)).toThrow(/--jobs takes a whole number from 1 to 64/);
  });

  it('says which paths are missing, and scans nothing for them', async () => {
    const r = await scanLocalPaths([path.join(EXAMPLES, 'no-such-folder')], { indicators: CATALOG.slice(0, 1), source: { none: NO_CACHE }, jobs: 2 });
    expect(r.missing).toEqual([path.join(EXAMPLES, 'no-such-folder')]);
    expect(r.results[0]?.summary).toEqual({ repos: 0, files: 0, jobs: 0, affected: 0, unresolved: 0, errors: 0 });
  });

  it('keeps the repository limit and its error last, as readLocalPaths does', async () => {
    const read = readLocalPaths(examples.paths, { maxRepos: 3 });
    const r = await scanLocalPaths(examples.paths, { indicators: CATALOG.slice(0, 1), source: examples.source, jobs: 1, groupSize: 2, read: { maxRepos: 3 } });
    expect(r.results[0]?.summary.repos).toBe(3);
    expect(r.readErrors).toEqual(read.errors);
    expect(r.readErrors.at(-1)?.code).toBe('too-many-repos');
  });

  const corpus = existsSync(CORPUS);
  if (!corpus) process.stderr.write('parallel-scan.spec: ../shared/ci-corpus is absent; the corpus comparison is not run\n');

  (corpus ? it : it.skip)(
    'gives the current report on the corpus (its repositories, and one repository per corpus file), here and in workers',
    async () => {
      // Every corpus file in a repository of its own, where its platform reads it.
      const tmp = mkdtempSync(path.join(tmpdir(), 'cix-parallel-'));
      try {
        const walk = (dir: string): string[] =>
          readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : /\.ya?ml$/.test(e.name) ? [path.join(dir, e.name)] : []));
        walk(CORPUS).forEach((file, i) => {
          const rel = path.relative(CORPUS, file).split(path.sep).join('/');
          const lower = rel.toLowerCase();
          const where = lower.includes('circleci') ? '.circleci/config.yml' : lower.includes('gitlab') ? '.gitlab-ci.yml' : `.github/workflows/${path.basename(rel)}`;
          const target = path.join(tmp, `corpus+f${String(i).padStart(4, '0')}`, where);
          mkdirSync(path.dirname(target), { recursive: true });
          writeFileSync(target, readFileSync(file));
        });
        const paths = [path.join(CORPUS, 'repos'), tmp];
        const source = { none: NO_CACHE };
        const before = currentPath(paths, source);
        expect((JSON.parse(before) as Array<{ summary: { repos: number } }>)[0]?.summary.repos).toBeGreaterThan(350);
        expect(await grouped(paths, source, 1, 7)).toBe(before);
        expect(await grouped(paths, source, 2, 40)).toBe(before);
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    },
    120_000,
  );
});

describe('spareCore', () => {
  it('gives a reading thread only past two cores per scanning thread', () => {
    expect(spareCore(1, 2)).toBe(false);
    expect(spareCore(1, 3)).toBe(true);
    expect(spareCore(2, 4)).toBe(false);
    expect(spareCore(1, 64)).toBe(true);
  });
});

describe('defaultScanJobs', () => {
  it('uses one thread per two cores, at least one', () => {
    expect([0, 1, 2, 3, 4, 7, 8, 16].map(defaultScanJobs)).toEqual([1, 1, 1, 1, 2, 3, 4, 8]);
  });
});

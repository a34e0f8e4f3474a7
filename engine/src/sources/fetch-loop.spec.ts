/**
 * The fetch loop with a fake in-memory ComponentFetcher: components fetched round by round (nested ones
 * in later rounds), written into the content-addressed store, reused by the next scan; a failed fetch
 * keeps the component unresolved with the provider's reason; no fetcher, no fetch. The files a job runs
 * from a remote repository come through PendingReaders, read between rounds by their prefetcher in one
 * batch per prefetcher.
 */
import { lstatSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { catalogIndicator, parseComponentSpec } from '../core/indicators';
import type { ComponentRef, Indicator, RepoFileReader, RepoInput } from '../core/model';
import { cacheKey } from '../core/resolve/cache-key';
import { makeTempDir } from '../../test/helpers/tmp';
import { componentStore } from './component-store';
import { scanWithFetch } from './fetch-loop';
import { listLocalPaths, readCheckout } from './local-dir';
import type { ComponentCacheWriter, ComponentFetcher, FetchOutcome, PendingReader, RepoFilePrefetcher } from './source';

const WORKFLOW = `name: CI
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: acme/outer@v1
      - uses: acme/broken@v1
      - uses: other/thing@v1
`;
const OUTER = `name: outer
runs:
  using: composite
  steps:
    - uses: acme/inner@v2
`;
const INNER = `name: inner
runs:
  using: composite
  steps:
    - run: echo hi
      shell: bash
`;

const REPOS: RepoInput[] = [{ repo: 'acme/app', files: [{ path: '.github/workflows/ci.yml', text: WORKFLOW }] }];

function indicator(spec: string): Indicator {
  const r = parseComponentSpec(spec);
  if (!r.ok) throw new Error(r.error);
  return r.indicator;
}

/** A fetcher over a map `owner/repo@ref` → files; `acme/broken` answers 404; it fetches only `acme/*`. */
function fakeFetcher(components: Record<string, Record<string, string>>): ComponentFetcher & { calls: string[] } {
  const calls: string[] = [];
  return {
    id: 'fake',
    calls,
    canFetch: (ref: ComponentRef) => ref.kind === 'gha-action' && ref.owner === 'acme',
    async fetch(ref: ComponentRef, into: ComponentCacheWriter): Promise<FetchOutcome> {
      calls.push(ref.raw);
      await Promise.resolve();
      if (ref.kind !== 'gha-action') return { ok: false, reason: 'not an action' };
      const files = components[`${ref.owner}/${ref.repo}@${ref.ref ?? 'HEAD'}`];
      if (files === undefined) return { ok: false, reason: '404 Not Found (no such repository or ref)' };
      for (const [path, text] of Object.entries(files)) into.write(ref, path, text);
      return { ok: true, files: Object.keys(files).map((path) => cacheKey(ref, path) ?? path) };
    },
  };
}

describe('scanWithFetch', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  beforeEach(() => (tmp = makeTempDir('cix-fetch-')));
  afterEach(() => tmp.cleanup());

  it('fetches nested components round by round, and a failed fetch stays unresolved with the provider’s reason', async () => {
    const store = componentStore(join(tmp.dir, 'components'));
    const fetcher = fakeFetcher({ 'acme/outer@v1': { 'action.yml': OUTER }, 'acme/inner@v2': { 'action.yml': INNER } });
    const rounds: Array<[number, number, number, number]> = [];
    const r = await scanWithFetch(REPOS, [indicator('gha:acme/inner')], { store, fetchers: [fetcher], onRound: (...a) => rounds.push(a) });

    expect(fetcher.calls).toEqual(['acme/outer@v1', 'acme/broken@v1', 'acme/inner@v2']);
    expect(rounds).toEqual([
      [1, 1, 1, 0],
      [2, 2, 1, 0],
    ]);
    expect(r.scans).toBe(3);
    expect(r.fetched).toEqual(['github/acme/outer@v1', 'github/acme/inner@v2']);
    expect(r.failed).toEqual([{ component: 'github/acme/broken@v1', reason: 'fake: 404 Not Found (no such repository or ref)' }]);

    const [result] = r.results;
    expect(result?.findings.map((f) => ({ job: f.jobId, affected: f.affected, chain: f.chain.map((l) => l.ref) }))).toEqual([
      { job: 'build', affected: true, chain: ['acme/outer@v1', 'acme/inner@v2'] },
    ]);
    expect(result?.unresolved.map((u) => [u.ref, u.reason])).toEqual([
      ['acme/broken@v1', expect.stringMatching(/^no action\.yml or action\.yaml: could not be fetched by fake: 404 Not Found \(no such repository or ref\); looked for component cache of fetched components: path github\/acme\/broken@v1 \(used by job build/)],
      ['other/thing@v1', expect.stringMatching(/^no action\.yml or action\.yaml: looked for component cache of fetched components: path github\/other\/thing@v1 \(used by job build/)],
    ]);
  });

  it('stores files by content under objects/ and links the cache-key layout to them; a later scan reuses them', async () => {
    const dir = join(tmp.dir, 'components');
    const same = { 'action.yml': INNER };
    await scanWithFetch(REPOS, [indicator('gha:acme/inner')], { store: componentStore(dir), fetchers: [fakeFetcher({ 'acme/outer@v1': { 'action.yml': OUTER }, 'acme/inner@v2': same })] });
    const outer = join(dir, 'github', 'acme', 'outer@v1', 'action.yml');
    expect(readFileSync(outer, 'utf8')).toBe(OUTER);
    const objects = readdirSync(join(dir, 'objects')).flatMap((d) => readdirSync(join(dir, 'objects', d)));
    expect(objects).toHaveLength(2);
    expect(lstatSync(outer).nlink).toBe(2);

    const again = fakeFetcher({});
    const r = await scanWithFetch(REPOS, [indicator('gha:acme/inner')], { store: componentStore(dir), fetchers: [again] });
    // Only the one that failed before is asked again; the others come from the store.
    expect(again.calls).toEqual(['acme/broken@v1']);
    expect(r.results[0]?.findings.filter((f) => f.affected)).toHaveLength(1);
  });

  it('without fetchers nothing is fetched; past the rounds a nested component is unresolved and says why', async () => {
    const none = await scanWithFetch(REPOS, [indicator('gha:acme/inner')], { store: componentStore(join(tmp.dir, 'a')) });
    expect(none.scans).toBe(1);
    expect(none.results[0]?.unresolved.map((u) => u.ref)).toEqual(['acme/outer@v1', 'acme/broken@v1', 'other/thing@v1']);

    const fetcher = fakeFetcher({ 'acme/outer@v1': { 'action.yml': OUTER }, 'acme/inner@v2': { 'action.yml': INNER } });
    const r = await scanWithFetch(REPOS, [indicator('gha:acme/inner')], { store: componentStore(join(tmp.dir, 'b')), fetchers: [fetcher], maxRounds: 1 });
    expect(fetcher.calls).toEqual(['acme/outer@v1', 'acme/broken@v1']);
    const inner = r.results[0]?.unresolved.find((u) => u.ref === 'acme/inner@v2');
    expect(inner?.reason).toMatch(/^no action\.yml or action\.yaml: not fetched: components nested more than 1 levels deep are not fetched; looked for/);
  });

  it('a fetcher that writes outside its component or throws is a failure, not a crash', async () => {
    const store = componentStore(join(tmp.dir, 'c'));
    const thrower: ComponentFetcher = {
      id: 'bad',
      canFetch: () => true,
      fetch: (ref, into) => {
        into.write(ref, '../../escape.yml', 'x');
        return Promise.resolve({ ok: true, files: [] });
      },
    };
    const r = await scanWithFetch(REPOS, [indicator('gha:acme/inner')], { store, fetchers: [thrower], maxRounds: 1 });
    expect(r.failed.map((f) => f.component).sort()).toEqual(['github/acme/broken@v1', 'github/acme/outer@v1', 'github/other/thing@v1']);
    expect(r.failed[0]?.reason).toMatch(/^bad: .* has no place in the component cache; not written$/);
    expect(readdirSync(tmp.dir).sort()).toEqual(['c']);
  });
});

// ───────────── repository files through PendingReaders ─────────────

const MAKE_WORKFLOW = `name: CI
on: push
jobs:
  coverage:
    runs-on: ubuntu-latest
    steps:
      - run: make coverage
`;
const MAKEFILE = 'coverage:\n\t./scripts/cover.sh --codecov\n';
const COVER = '#!/usr/bin/env bash\nbash <(curl -s https://codecov.io/bash) -f coverage.txt\n';

/** A remote repository's reader over `files` (what the provider holds), filled only by its prefetcher. */
function remoteReader(files: Record<string, string>, prefetcher: RepoFilePrefetcher): PendingReader & { settle(): void } {
  const known = new Map<string, ReturnType<RepoFileReader['read']>>();
  const waiting = new Set<string>();
  return {
    prefetcher,
    read(path) {
      const answer = known.get(path);
      if (answer) return answer;
      waiting.add(path);
      return { code: 'not-fetched', message: `${path} was not fetched yet; not read` };
    },
    pending: () => [...waiting],
    settle() {
      for (const path of waiting) {
        const text = files[path];
        known.set(path, text === undefined ? { missing: true } : { text });
      }
      waiting.clear();
    },
  };
}

/** A prefetcher that records each batch (the pending paths of every reader it was given). */
function recordingPrefetcher(fail?: string): RepoFilePrefetcher & { batches: string[][] } {
  const batches: string[][] = [];
  return {
    id: 'remote',
    batches,
    async fetchPending(readers) {
      batches.push(readers.flatMap((r) => r.pending().map((p) => p)));
      await Promise.resolve();
      if (fail !== undefined) throw new Error(fail);
      for (const r of readers) (r as ReturnType<typeof remoteReader>).settle();
    },
  };
}

describe('scanWithFetch: files a job runs, from remote repositories', () => {
  const codecov = (): Indicator => {
    const i = catalogIndicator('codecov-bash-uploader-2021');
    if (!i) throw new Error('no codecov indicator in the catalog');
    return i;
  };

  it('reads the pending files of every repository in one batch per round, until make → script → curl is followed', async () => {
    const prefetcher = recordingPrefetcher();
    const repos: RepoInput[] = ['acme/one', 'acme/two'].map((repo) => ({
      repo,
      files: [{ path: '.github/workflows/ci.yml', text: MAKE_WORKFLOW }],
      reader: remoteReader({ Makefile: MAKEFILE, 'scripts/cover.sh': COVER }, prefetcher),
    }));
    const rounds: number[][] = [];
    const r = await scanWithFetch(repos, [codecov()], { onRound: (...a) => rounds.push(a) });

    // make looks for GNUmakefile, makefile, then Makefile: the core asks for all three names in one pass
    // (none of them read yet), so the Makefile takes one round; then both scripts.
    expect(prefetcher.batches).toEqual([
      ['GNUmakefile', 'makefile', 'Makefile', 'GNUmakefile', 'makefile', 'Makefile'],
      ['scripts/cover.sh', 'scripts/cover.sh'],
    ]);
    expect(rounds).toEqual([
      [1, 0, 0, 6],
      [2, 0, 0, 8],
    ]);
    expect(r.scans).toBe(3);
    expect(r.files).toEqual({ read: 8, failed: [] });
    const [result] = r.results;
    expect(result?.unresolved).toEqual([]);
    expect(result?.findings.filter((f) => f.affected).map((f) => [f.repo, f.chain.map((l) => l.ref)])).toEqual([
      ['acme/one', ['make coverage', 'scripts/cover.sh', 'bash <(curl -s https://codecov.io/bash) -f coverage.txt']],
      ['acme/two', ['make coverage', 'scripts/cover.sh', 'bash <(curl -s https://codecov.io/bash) -f coverage.txt']],
    ]);
  });

  it('make’s first name wins when several are read in the same round (GNUmakefile over Makefile)', async () => {
    const prefetcher = recordingPrefetcher();
    const clean = 'coverage:\n\techo nothing fetched here\n';
    const repos: RepoInput[] = [
      { repo: 'acme/one', files: [{ path: '.github/workflows/ci.yml', text: MAKE_WORKFLOW }], reader: remoteReader({ GNUmakefile: clean, Makefile: MAKEFILE, 'scripts/cover.sh': COVER }, prefetcher) },
    ];
    const r = await scanWithFetch(repos, [codecov()]);
    expect(prefetcher.batches).toEqual([['GNUmakefile', 'makefile', 'Makefile']]);
    expect(r.scans).toBe(2);
    expect(r.results[0]?.unresolved).toEqual([]);
    expect(r.results[0]?.findings.filter((f) => f.affected)).toEqual([]);
  });

  it('a prefetcher that fails leaves the files unresolved with the reader’s reason, and is not asked again for them', async () => {
    const prefetcher = recordingPrefetcher('provider exploded');
    const repos: RepoInput[] = [{ repo: 'acme/one', files: [{ path: '.github/workflows/ci.yml', text: MAKE_WORKFLOW }], reader: remoteReader({ Makefile: MAKEFILE }, prefetcher) }];
    const r = await scanWithFetch(repos, [codecov()]);
    expect(prefetcher.batches).toEqual([['GNUmakefile', 'makefile', 'Makefile']]);
    expect(r.scans).toBe(2);
    expect(r.files).toEqual({ read: 0, failed: [{ prefetcher: 'remote', reason: 'provider exploded' }] });
    expect(r.results[0]?.findings.filter((f) => f.affected)).toEqual([]);
    expect(r.results[0]?.unresolved.map((u) => [u.ref, u.reason])).toEqual([
      ['make coverage', 'GNUmakefile could not be read (GNUmakefile was not fetched yet; not read) (used by job coverage in .github/workflows/ci.yml: what it runs was not read, so it might hide the indicator)'],
    ]);
  });
});

// ───────────── incremental rescans ─────────────

describe('scanWithFetch: only the repositories a round concerns are scanned again', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  beforeEach(() => (tmp = makeTempDir('cix-incremental-')));
  afterEach(() => tmp.cleanup());

  const examples = join(__dirname, '..', '..', '..', 'examples');
  /** A fetcher serving GitHub actions and reusable workflows from examples/cache (github/<owner>/<repo>@<ref>/…). */
  function cacheFetcher(): ComponentFetcher {
    const walk = (dir: string, prefix = ''): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]));
    return {
      id: 'examples-cache',
      canFetch: (ref) => ref.kind === 'gha-action' || ref.kind === 'gha-reusable-workflow',
      async fetch(ref, into) {
        await Promise.resolve();
        if (ref.kind !== 'gha-action' && ref.kind !== 'gha-reusable-workflow') return { ok: false, reason: 'not GitHub' };
        const dir = join(examples, 'cache', 'github', ref.owner, `${ref.repo}@${ref.ref ?? 'HEAD'}`);
        let paths: string[];
        try {
          paths = walk(dir);
        } catch {
          return { ok: false, reason: '404 Not Found' };
        }
        for (const p of paths) into.write(ref, p, readFileSync(join(dir, p), 'utf8'));
        return { ok: true, files: paths };
      },
    };
  }

  function exampleRepos(): RepoInput[] {
    const { checkouts } = listLocalPaths([join(examples, 'org')]);
    return checkouts.map((c) => readCheckout(c.root, c.id).repo);
  }

  it('gives the results of full rescans, scanning again only what a round fetched for (examples/ and remote repositories)', async () => {
    const prefetcher = recordingPrefetcher();
    const remote: RepoInput[] = ['acme/r1', 'acme/r2'].map((repo) => ({
      repo,
      files: [{ path: '.github/workflows/ci.yml', text: MAKE_WORKFLOW }],
      reader: remoteReader({ Makefile: MAKEFILE, 'scripts/cover.sh': COVER }, prefetcher),
    }));
    // acme/quiet uses nothing fetchable: scanned once.
    const quiet: RepoInput = { repo: 'acme/quiet', files: [{ path: '.github/workflows/ci.yml', text: 'on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo\n' }] };
    const indicators = [catalogIndicator('codecov-bash-uploader-2021'), catalogIndicator('tj-actions-changed-files-2025')].filter((i): i is Indicator => i !== undefined);
    expect(indicators).toHaveLength(2);
    const run = async (incremental: boolean, dir: string) => {
      const repos = [...exampleRepos(), ...remote.map((r) => ({ ...r, reader: remoteReader({ Makefile: MAKEFILE, 'scripts/cover.sh': COVER }, prefetcher) })), quiet];
      return scanWithFetch(repos, indicators, { store: componentStore(join(tmp.dir, dir)), fetchers: [cacheFetcher()], incremental });
    };
    const full = await run(false, 'full');
    const incremental = await run(true, 'incremental');
    const text = (r: typeof full, dir: string): string => JSON.stringify(r.results).split(join(tmp.dir, dir)).join('<store>');
    expect(text(incremental, 'incremental')).toBe(text(full, 'full'));
    expect(incremental.fetched).toEqual(full.fetched);
    expect(incremental.failed).toEqual(full.failed);
    const repoCount = exampleRepos().length + 3;
    expect(full.rescanned).toEqual(full.rescanned.map(() => repoCount));
    expect(incremental.scans).toBe(full.scans);
    expect(incremental.rescanned[0]).toBe(repoCount);
    // 8 repositories of examples/org + acme/r1, acme/r2, acme/quiet; round 1: the 3 examples using the
    // fetched actions and r1, r2 (their Makefile); round 2: r1, r2 (scripts/cover.sh).
    expect(repoCount).toBe(11);
    expect(full.rescanned).toEqual([11, 11, 11]);
    expect(incremental.rescanned).toEqual([11, 5, 2]);
  });
});

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CircleCiSimulator } from '../../../test/simulators/circleci/server';
import { makeTempDir } from '../../../test/helpers/tmp';
import { catalogIndicator } from '../../core/indicators';
import type { ComponentRef, OrbRef } from '../../core/model';
import { cacheKey } from '../../core/resolve/cache-key';
import { scan } from '../../core/scan';
import { componentCacheSource } from '../component-cache';
import { isRepoFailure, type ComponentCacheWriter, type RepoVersion } from '../source';
import { createOrbFetcher, ORB_SOURCE_QUERY, ORB_VERSIONS_QUERY, pickOrbVersion } from './orbs';
import { createCircleCiSource } from './source';

const TOKEN = 'cci-orb-token-77';
const CODECOV_1_1_1 = readFileSync(join(__dirname, '../../core/platforms/circleci/__fixtures__/cache/circleci/orbs/codecov/codecov@1.1.1.yml'), 'utf8');

const orb = (namespace: string, name: string, version?: string): OrbRef => ({ kind: 'orb', namespace, name, version, raw: `${namespace}/${name}${version === undefined ? '' : `@${version}`}` });

/** The component cache on disk, written in the cache-key layout (what the backbone's writer does). */
function dirWriter(root: string): ComponentCacheWriter & { keys: string[] } {
  const keys: string[] = [];
  return {
    keys,
    write(ref: ComponentRef, path: string, text: string): void {
      const key = cacheKey(ref, path);
      if (key === undefined) throw new Error(`no cache key for ${ref.raw}`);
      mkdirSync(dirname(join(root, key)), { recursive: true });
      writeFileSync(join(root, key), text);
      keys.push(key);
    },
  };
}

describe('circleci orb fetcher against the simulator', () => {
  let sim: CircleCiSimulator;
  let tmp: { dir: string; cleanup: () => void };
  beforeEach(async () => {
    sim = await CircleCiSimulator.start({ token: TOKEN });
    tmp = makeTempDir();
    sim.addOrb({
      namespace: 'codecov',
      name: 'codecov',
      versions: [
        { version: '1.0.2', createdAt: '2020-01-10T00:00:00Z', source: 'version: 2.1\n# 1.0.2\n' },
        { version: '1.1.1', createdAt: '2020-06-01T00:00:00Z', source: CODECOV_1_1_1 },
        { version: '1.2.0', createdAt: '2021-02-01T00:00:00Z', source: 'version: 2.1\n# 1.2.0\n' },
        { version: '3.2.4', createdAt: '2022-11-01T00:00:00Z', source: 'version: 2.1\n# 3.2.4\n' },
      ],
    });
    sim.addOrb({ namespace: 'acme', name: 'internal', private: true, versions: [{ version: '0.1.0', createdAt: '2024-01-01T00:00:00Z', source: 'version: 2.1\n# private\n' }] });
  });
  afterEach(async () => {
    await sim.stop();
    tmp.cleanup();
    expect(sim.violations).toEqual([]);
  });

  const fetcher = (asOf?: number, token = TOKEN) => createOrbFetcher({ CIRCLECI_TOKEN: token, CIRCLECI_URL: sim.url }, { asOf });

  it('writes an orb version into the cache at circleci/orbs/<ns>/<name>@<version>.yml, token as the bare Authorization header', async () => {
    const writer = dirWriter(tmp.dir);
    const f = fetcher();
    expect(f.canFetch(orb('codecov', 'codecov', '1.1.1'))).toBe(true);
    expect(f.canFetch({ kind: 'gha-action', owner: 'a', repo: 'b', ref: 'v1', raw: 'a/b@v1' })).toBe(false);
    expect(await f.fetch(orb('codecov', 'codecov', '1.1.1'), writer)).toEqual({ ok: true, files: ['circleci/orbs/codecov/codecov@1.1.1.yml'] });
    expect(readFileSync(join(tmp.dir, 'circleci/orbs/codecov/codecov@1.1.1.yml'), 'utf8')).toBe(CODECOV_1_1_1);
    expect(sim.requests).toHaveLength(1);
    expect(sim.requests[0]).toMatchObject({ method: 'POST', path: '/graphql-unstable', headers: { authorization: TOKEN } });
    // Asked again (an orb element of the same orb): memoised, no second request.
    const element: ComponentRef = { kind: 'orb-element', orb: orb('codecov', 'codecov', '1.1.1'), elementKind: 'command', element: 'upload', raw: 'codecov/upload' };
    expect(await f.fetch(element, writer)).toEqual({ ok: true, files: ['circleci/orbs/codecov/codecov@1.1.1.yml'] });
    expect(sim.requests).toHaveLength(1);
  });

  it('@volatile, no version and @1 resolve from the versions list, as of the window when given', async () => {
    const writer = dirWriter(tmp.dir);
    const asOf = Date.parse('2021-04-15T00:00:00Z');
    expect(await fetcher(asOf).fetch(orb('codecov', 'codecov', 'volatile'), writer)).toEqual({
      ok: true,
      files: ['circleci/orbs/codecov/codecov@volatile.yml', 'circleci/orbs/codecov/codecov@1.2.0.yml'],
    });
    expect(await fetcher(asOf).fetch(orb('codecov', 'codecov', '1.1'), writer)).toEqual({
      ok: true,
      files: ['circleci/orbs/codecov/codecov@1.1.yml', 'circleci/orbs/codecov/codecov@1.1.1.yml'],
    });
    expect(readFileSync(join(tmp.dir, 'circleci/orbs/codecov/codecov@1.1.yml'), 'utf8')).toBe(CODECOV_1_1_1);
    expect(await fetcher().fetch(orb('codecov', 'codecov'), writer)).toEqual({ ok: true, files: ['circleci/orbs/codecov/codecov@volatile.yml', 'circleci/orbs/codecov/codecov@3.2.4.yml'] });
    expect(readFileSync(join(tmp.dir, 'circleci/orbs/codecov/codecov@volatile.yml'), 'utf8')).toBe('version: 2.1\n# 3.2.4\n');
    expect(await fetcher(Date.parse('2019-01-01T00:00:00Z')).fetch(orb('codecov', 'codecov', '1'), writer)).toEqual({
      ok: false,
      reason: 'orb codecov/codecov has no version matching @1 published by 2019-01-01T00:00:00.000Z',
    });
  });

  it('a missing orb or version, or a private orb without the token: { ok: false, reason }', async () => {
    const writer = dirWriter(tmp.dir);
    expect(await fetcher().fetch(orb('codecov', 'codecov', '9.9.9'), writer)).toEqual({ ok: false, reason: "orb codecov/codecov@9.9.9 is not in CircleCI's orb registry (or not visible to the token)" });
    expect(await fetcher().fetch(orb('nobody', 'nothing', 'volatile'), writer)).toEqual({ ok: false, reason: "orb nobody/nothing is not in CircleCI's orb registry (or not visible to the token)" });
    expect(await fetcher(undefined, '').fetch(orb('acme', 'internal', '0.1.0'), writer)).toEqual({ ok: false, reason: "orb acme/internal@0.1.0 is not in CircleCI's orb registry (or not visible to the token)" });
    expect(await fetcher().fetch(orb('acme', 'internal', '0.1.0'), writer)).toEqual({ ok: true, files: ['circleci/orbs/acme/internal@0.1.0.yml'] });
    expect(await fetcher().fetch(orb('codecov', 'codecov', 'main'), writer)).toEqual({ ok: false, reason: 'orb codecov/codecov@main: CircleCI orb versions are X.Y.Z, X.Y, X or volatile' });
    expect(writer.keys).toEqual(['circleci/orbs/acme/internal@0.1.0.yml']);
  });

  it('a registry that keeps refusing is a reason, not a throw', async () => {
    sim.rateLimitNext(3, '0');
    const f = createOrbFetcher({ CIRCLECI_URL: sim.url }, { maxRetries: 2 });
    expect(await f.fetch(orb('codecov', 'codecov', '1.1.1'), dirWriter(tmp.dir))).toEqual({
      ok: false,
      reason: 'CircleCI answered HTTP 429 to the source of orb codecov/codecov@1.1.1 after 2 retries: Rate limit exceeded',
    });
  });

  it('the engine resolves codecov/codecov@1.1.1 through the fetcher and the component cache', async () => {
    sim.addProject({ slug: 'gh/acme/site' });
    const config = readFileSync(join(__dirname, '../../core/platforms/circleci/__fixtures__/codecov-direct.yml'), 'utf8');
    sim.addPipeline({ project: 'gh/acme/site', createdAt: '2021-03-01T00:00:00Z', source: config });
    const indicator = catalogIndicator('codecov-bash-uploader-2021');
    if (!indicator) throw new Error('catalog indicator missing');
    const window = { start: Date.parse(indicator.windowStart), end: Date.parse(indicator.windowEnd) };
    const repos: RepoVersion[] = [];
    for await (const item of createCircleCiSource('circleci:gh/acme', { CIRCLECI_TOKEN: TOKEN, CIRCLECI_URL: sim.url }).versions(window)) {
      if (isRepoFailure(item)) throw new Error(item.reason);
      repos.push(item);
    }
    expect(repos.map((r) => [r.repo, r.version.role])).toEqual([['acme/site', 'in-window']]);

    const cacheDir = join(tmp.dir, 'cache');
    const before = scan(repos, indicator, componentCacheSource(cacheDir));
    const unresolvedOrbs = before.unresolved.filter((u) => u.ref.startsWith('codecov/'));
    expect(unresolvedOrbs.length).toBeGreaterThan(0);
    // Without the orb's source every codecov finding rests on an unresolved link.
    expect(before.findings.length).toBeGreaterThan(0);
    expect(before.findings.every((x) => x.chain.some((l) => l.unresolved === true))).toBe(true);

    // The scan loop's fetch round: every orb the config names.
    const f = fetcher(window.end);
    const writer = dirWriter(cacheDir);
    const outcomes = await Promise.all([orb('codecov', 'codecov', '1.1.1'), orb('circleci', 'node', '5.0.2')].map((o) => f.fetch(o, writer)));
    expect(outcomes).toEqual([
      { ok: true, files: ['circleci/orbs/codecov/codecov@1.1.1.yml'] },
      { ok: false, reason: "orb circleci/node@5.0.2 is not in CircleCI's orb registry (or not visible to the token)" },
    ]);

    const after = scan(repos, indicator, componentCacheSource(cacheDir));
    expect(after.unresolved.filter((u) => u.ref.startsWith('codecov/'))).toEqual([]);
    // Now the chain goes through the orb's source down to the script it fetches, with no unresolved link.
    const affected = after.findings.filter((x) => x.affected).map((x) => [x.repo, x.job, x.verdict, x.chain.map((l) => `${l.kind}:${l.unresolved ? '?' : ''}${l.ref.split(' ')[0] ?? ''}`)]);
    expect(affected).toEqual([
      ['acme/site', 'test-and-package', 'critical', ['orb-element:codecov/upload', 'script-url:curl']],
      ['acme/site', 'coverage', 'low', ['orb-element:codecov/upload', 'script-url:curl']],
    ]);
    expect(after.findings.filter((x) => x.affected).every((x) => x.chain[1]?.ref.includes('https://codecov.io/bash'))).toBe(true);
  });
});

describe('pickOrbVersion / the queries', () => {
  const versions = [
    { version: '1.0.2', createdAt: '2020-01-10T00:00:00Z' },
    { version: '1.10.0', createdAt: '2020-03-01T00:00:00Z' },
    { version: '1.9.9', createdAt: '2020-02-01T00:00:00Z' },
    { version: '2.0.0', createdAt: '2021-01-01T00:00:00Z' },
    { version: 'dev:alpha', createdAt: '2022-01-01T00:00:00Z' },
  ];
  it.each([
    ['volatile', undefined, '2.0.0'],
    ['1', undefined, '1.10.0'],
    ['1.9', undefined, '1.9.9'],
    ['1', Date.parse('2020-02-15T00:00:00Z'), '1.9.9'],
    ['3', undefined, undefined],
    ['volatile', Date.parse('2019-01-01T00:00:00Z'), undefined],
  ])('pickOrbVersion(%s, asOf %s) = %s', (ref, asOf, want) => {
    expect(pickOrbVersion(ref, versions, asOf)).toBe(want);
  });

  it('asks exactly the documented fields', () => {
    expect(ORB_SOURCE_QUERY).toContain('orbVersion(orbVersionRef: $orbVersionRef)');
    expect(ORB_VERSIONS_QUERY).toContain('versions(count: 200)');
  });
});

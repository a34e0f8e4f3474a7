/**
 * The same checks over every registered platform (like renovate's manager index.spec): which files it
 * reads (its `discovery`, through the shell that reads a checkout), a positive and `ok-*` fixture
 * repositories scanned end to end, hostile input, and the parts of the module every platform must state.
 *
 * Each platform keeps its fixtures in `<platform>/__fixtures__/conformance/`: `positive/` (a repository
 * one of whose jobs runs `https://codecov.io/bash`), one or more `ok-…` folders (repositories that must not fire,
 * and must read completely), and optionally `cache/` (a component cache in the `--cache` layout). A new
 * platform that does not bring them fails here.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { componentCacheSource } from '../../sources/component-cache';
import { readLocalPaths } from '../../sources/local-dir';
import { globMatcher } from '../glob';
import { CATALOG } from '../indicators';
import type { ComponentSource, Indicator, ScanError } from '../model';
import { scan } from '../scan';
import { memorySource } from '../testing';
import { PLATFORMS } from '.';

const CODECOV = CATALOG.find((i) => i.id === 'codecov-bash-uploader-2021') as Indicator;

/** A path a glob matches: `**` + `/` → nothing, `*` → `x`, `?` → `y`. */
function sample(glob: string): string {
  return glob.replace(/\*\*\//g, '').replace(/\*\*/g, 'x').replace(/\*/g, 'x').replace(/\?/g, 'y');
}

function expectLocated(e: ScanError): void {
  expect(e.line).toBeGreaterThanOrEqual(1);
  expect(e.code).toMatch(/^[a-z0-9-]+$/);
  expect(e.file.length).toBeGreaterThan(0);
  expect(e.message.length).toBeGreaterThan(3);
}

/** Inputs no platform may crash or hang on; each must give a pipeline or a located error. */
const HOSTILE: Array<[string, string]> = [
  ['empty', ''],
  ['garbage', '\u0001\u0002}{][)(:::---\n\t\t"\'`'],
  ['unterminated quote', 'a: "never closed\n  b: \'nor this\n'],
  ['deep brackets', `${'['.repeat(50_000)}${'{'.repeat(50_000)}`],
  ['deep indentation', Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n')],
  ['long line', `x: ${'a'.repeat(500_000)}`],
  ['many keys', Array.from({ length: 5000 }, (_, i) => `k${i}: {script: [echo], sh: "x", stage: 'y'}`).join('\n')],
  ['groovy-ish', `pipeline { stages { ${'stage("s") { steps { sh "curl x | bash" } } '.repeat(2000)} } }`],
  ['unbalanced', `${'stage("x") {\n'.repeat(5000)}`],
  ['operators', `${'!'.repeat(100_000)}x ${'+ 1 '.repeat(20_000)}`],
];

describe.each(PLATFORMS.map((p) => [p.id, p] as const))('platform %s', (id, platform) => {
  const fixtures = join(__dirname, platform.id, '__fixtures__', 'conformance');

  it('declares which files it reads; `matches` is true for exactly its pipeline globs, which no other platform claims', () => {
    expect(platform.discovery.pipelines.length).toBeGreaterThan(0);
    for (const glob of platform.discovery.pipelines) {
      const path = sample(glob);
      expect([glob, path, platform.matches(path)]).toEqual([glob, path, true]);
      expect([glob, path, platform.matches(`./${path}`)]).toEqual([glob, path, true]);
      for (const other of PLATFORMS) if (other !== platform) expect([other.id, path, other.matches(path)]).toEqual([other.id, path, false]);
    }
    for (const glob of platform.discovery.components ?? []) {
      expect(platform.matches(sample(glob))).toBe(false);
      expect(globMatcher(glob)(sample(glob))).toBe(true);
    }
    expect(platform.matches('README.md')).toBe(false);
    expect(platform.matches(`deep/inside/${sample(platform.discovery.pipelines[0] as string)}/no`)).toBe(false);
  });

  it('states what every job gets anyway, how writes reach other jobs, and what it expands', () => {
    expect(platform.stored.length).toBeGreaterThan(0);
    expect(platform.flows).toBeDefined();
    for (const kind of platform.expands) expect(PLATFORMS.filter((p) => p.expands.includes(kind)).map((p) => p.id)).toEqual([id]);
  });

  describe('fixture repositories, read through the shell (local-dir) and scanned', () => {
    const dirs = existsSync(fixtures) ? readdirSync(fixtures).sort() : [];
    const source = (): ComponentSource => (existsSync(join(fixtures, 'cache')) ? componentCacheSource(join(fixtures, 'cache'), {}, 'cache') : memorySource({}));
    const read = (name: string): ReturnType<typeof readLocalPaths> => readLocalPaths([join(fixtures, name)]);

    it('has a positive and at least one ok-* repository', () => {
      expect(dirs).toContain('positive');
      expect(dirs.filter((d) => d.startsWith('ok-')).length).toBeGreaterThan(0);
    });

    it('positive: its pipeline files are found and read, and a job running the script is affected', () => {
      const r = read('positive');
      expect(r.errors).toEqual([]);
      expect(r.repos).toHaveLength(1);
      const files = r.repos[0]?.files.map((f) => f.path) ?? [];
      expect(files.filter((f) => platform.matches(f)).length).toBeGreaterThan(0);
      const result = scan(r.repos, CODECOV, source());
      expect(result.errors).toEqual([]);
      expect(result.unresolved).toEqual([]);
      const affected = result.findings.filter((f) => f.affected);
      expect(affected.length).toBeGreaterThan(0);
      for (const f of affected) {
        expect(f.platform).toBe(id);
        expect(f.chain[f.chain.length - 1]).toMatchObject({ kind: 'script-url' });
        expect(files).toContain(f.file);
        expect(f.line).toBeGreaterThanOrEqual(1);
      }
    });

    it.each(dirs.filter((d) => d.startsWith('ok-')))('%s: read completely, nothing fires', (name) => {
      const r = read(name);
      expect(r.errors).toEqual([]);
      expect(r.repos[0]?.files.filter((f) => platform.matches(f.path)).length).toBeGreaterThan(0);
      const result = scan(r.repos, CODECOV, source());
      expect(result.summary.jobs).toBeGreaterThan(0);
      expect(result.errors).toEqual([]);
      expect(result.unresolved).toEqual([]);
      expect(result.findings.filter((f) => f.affected)).toEqual([]);
    });
  });

  it.each(HOSTILE)('hostile input (%s): a pipeline or located errors, in bounded time, never a throw', (_name, text) => {
    const path = sample(platform.discovery.pipelines[0] as string);
    const started = Date.now();
    const result = scan([{ repo: 'h/h', files: [{ path, text }] }], CODECOV, memorySource({}));
    expect(Date.now() - started).toBeLessThan(20_000);
    for (const e of result.errors) expectLocated(e);
    // A caught exception (a parser bug) shows as `internal-error` or `…parse-failed`: none is allowed.
    expect(result.errors.filter((e) => e.code === 'internal-error' || e.code.endsWith('parse-failed'))).toEqual([]);
  });
});

/**
 * The index's answers equal scanMany's, in memory: the same result for indicators the index was not
 * built for, including the order-dependent parts (a component's errors are reported by the first
 * repository that uses it — also when that repository left the index), versions of one repository, and
 * the keys that select candidates.
 */
import { createHash } from 'node:crypto';
import { parseComponentSpec } from '../indicators';
import type { Indicator, RepoInput, ScanResult } from '../model';
import { scanMany } from '../scan';
import { memorySource } from '../testing';
import { createInventoryBuilder, type IndexedRepo, indicatorKeys, type InventoryTables, postingsOf, queryInventory, refKey } from '.';

const digest = (t: string): string => createHash('sha256').update(t).digest('hex');

const CONFIG = (orb: string): string => `version: 2.1
orbs:
  broken: acme/broken@1.0.0
  codecov: codecov/codecov@1.1.1
jobs:
  test:
    docker:
      - image: cimg/node:20.1
    steps:
      - checkout
      - broken/run
      - codecov/upload
workflows:
  ci:
    jobs:
      - test:
          context: ${orb}
`;

const source = memorySource({
  'circleci/orbs/acme/broken@1.0.0.yml': 'commands: [this is: not, a map',
  'circleci/orbs/codecov/codecov@1.1.1.yml': 'version: 2.1\ncommands:\n  upload:\n    steps:\n      - run: bash <(curl -s https://codecov.io/bash)\n',
});

function repo(name: string, extra: Partial<RepoInput> = {}): RepoInput {
  return { repo: name, files: [{ path: '.circleci/config.yml', text: CONFIG(`${name}-ctx`) }], ...extra };
}

function indicator(spec: string): Indicator {
  const r = parseComponentSpec(spec);
  if (!r.ok) throw new Error(r.error);
  return r.indicator;
}

/** Stored and read back, as the shell does. */
function roundTrip<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function query(indexed: readonly IndexedRepo[], tables: InventoryTables, indicators: readonly Indicator[]): ScanResult[] {
  const summaries = roundTrip(indexed.map((x) => x.summary));
  const models = roundTrip(indexed.map((x) => x.model));
  return queryInventory({ summaries, tables: roundTrip(tables), postings: postingsOf(summaries) }, indicators, (i) => models[i] as (typeof models)[number], (ref) => source.describe(ref));
}

const INDICATORS = ['orb:codecov/codecov', 'orb:acme/broken', 'script:https://codecov.io/bash', 'image:cimg/node', 'gha:actions/checkout'].map(indicator);

test('equal to scanMany, and a broken component is reported by the first repository that uses it', () => {
  const repos = [repo('acme/a'), repo('acme/b'), repo('acme/c')];
  const builder = createInventoryBuilder(source, { digest });
  const indexed = repos.map((r) => builder.index(r));
  const full = scanMany(repos, INDICATORS, source);
  expect(roundTrip(query(indexed, builder.tables(), INDICATORS))).toEqual(roundTrip(full));
  // The orb's error is reported once, by acme/a; codecov is found in all three.
  const broken = full[1] as ScanResult;
  expect(broken.errors.filter((e) => e.file.includes('acme/broken')).map((e) => e.repo)).toEqual(['acme/a']);
  expect((full[0] as ScanResult).findings.map((f) => f.repo)).toEqual(['acme/a', 'acme/b', 'acme/c']);

  // acme/a leaves: acme/b's stored model (built when acme/a had read the orb) now reports the error itself.
  const rest = scanMany(repos.slice(1), INDICATORS, source);
  expect((rest[1] as ScanResult).errors.filter((e) => e.file.includes('acme/broken')).map((e) => e.repo)).toEqual(['acme/b']);
  expect(roundTrip(query(indexed.slice(1), builder.tables(), INDICATORS))).toEqual(roundTrip(rest));
});

test('versions of one repository: counted once, findings with the versions they hold for, as scanMany', () => {
  const v1 = { commit: 'a'.repeat(40), role: 'window-start' as const, liveFrom: 1, liveUntil: 5, replacedBy: 'b'.repeat(40) };
  const v2 = { commit: 'b'.repeat(40), role: 'head' as const, liveFrom: 5 };
  const repos = [repo('acme/a', { version: v1 }), repo('acme/a', { version: v2 }), repo('acme/b')];
  const builder = createInventoryBuilder(source, { digest });
  const indexed = repos.map((r) => builder.index(r));
  const full = scanMany(repos, INDICATORS, source);
  expect(roundTrip(query(indexed, builder.tables(), INDICATORS))).toEqual(roundTrip(full));
  expect((full[0] as ScanResult).summary.repos).toBe(2);
});

test('what the index records for a repository: keys, reads, the unresolved components', () => {
  const builder = createInventoryBuilder(source, { digest });
  const { summary } = builder.index(repo('acme/a'));
  expect(summary.keys).toEqual([
    'image:cimg/node',
    'label:docker: cimg/node:20.1',
    'orb:acme/broken',
    'orb:codecov/codecov',
    'platform:circleci',
    'script:codecov.io/bash',
    'workflow-file:.circleci/config.yml',
    'workflow-name:.circleci/config.yml',
    'workflow-name:ci',
  ]);
  expect(builder.tables().componentReads.map((r) => [r.ref.raw, r.path])).toEqual([
    ['acme/broken@1.0.0', 'orb.yml'],
    ['codecov/codecov@1.1.1', 'orb.yml'],
  ]);
  expect(summary.componentReads).toEqual([0, 1]);
  expect(summary.jobs).toBe(1);
  expect(summary.files).toBe(1);
  expect(summary.unresolved.map((u) => `${u.line} ${u.ref}: ${u.reason}`)).toEqual([
    '3 acme/broken@1.0.0: the source of orb acme/broken@1.0.0 could not be parsed (used by .circleci/config.yml: what it runs was not read, so it might hide the indicator)',
    '11 broken/run: the source of orb acme/broken@1.0.0 could not be parsed (used by job test in .circleci/config.yml: what it runs was not read, so it might hide the indicator)',
  ]);
});

test('keys: as coarse as the matcher, lower-cased as it compares', () => {
  expect(refKey({ kind: 'gha-action', owner: 'TJ-Actions', repo: 'Changed-Files', path: 'sub', ref: 'v1', raw: '' })).toBe('gha:tj-actions/changed-files');
  expect(refKey({ kind: 'image', name: 'docker.io/library/Node', raw: '' })).toBe('image:node');
  expect(refKey({ kind: 'script-url', url: 'HTTPS://Codecov.io/bash/', how: 'pipe', raw: '' })).toBe('script:codecov.io/bash');
  expect(refKey({ kind: 'gha-local-action', path: 'x', raw: './x' })).toBeUndefined();
  expect(indicatorKeys(indicator('gha:TJ-Actions/changed-files/sub@v1')).exact).toEqual(['gha:tj-actions/changed-files']);
  expect(indicatorKeys(indicator('image:docker.io/library/node:20')).exact).toEqual(['image:node']);
});

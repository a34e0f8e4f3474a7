/**
 * The component-usage index against full scans: for every catalog indicator, custom indicator files and
 * component specs, `scan --index` prints the same JSON report (and exits the same) as `scan` on the
 * examples and on a generated organisation of 504 repositories; re-scans after 1 % changed read only what changed; a
 * corrupt, cut or old index is said so and rebuilt, never answered from.
 */
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../cli/cli';
import { makeTempDir } from '../../../test/helpers/tmp';

const ORG = 'examples/org';
const CACHE = 'examples/cache';
const CUSTOM = 'examples/indicators/acme-ci-templates.json';

/** Specs of components the catalog does not name (a new indicator), and some it does. */
const COMPONENTS = [
  'gha:actions/checkout',
  'gha:tj-actions/changed-files@v35',
  'orb:codecov/codecov',
  'script:https://codecov.io/bash',
  'image:node',
  'gitlab:acme/ci-templates@main',
  'gha:no-such/action',
];

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

/** Scan without and with the index; both reports and exit codes must be equal. Returns the indexed run's stderr. */
async function expectSame(paths: string[], dataDir: string, args: string[]): Promise<{ stderr: string; report: unknown }> {
  const full = await cli(['scan', ...paths, '--cache', CACHE, '--format', 'json', ...args]);
  const indexed = await cli(['scan', ...paths, '--cache', CACHE, '--format', 'json', '--index', '--data-dir', dataDir, ...args]);
  expect(full.stderr).toBe('');
  expect(indexed.code).toBe(full.code);
  const report: unknown = JSON.parse(full.stdout);
  expect(JSON.parse(indexed.stdout)).toEqual(report);
  return { stderr: indexed.stderr, report };
}

function findingsOf(report: unknown): number {
  const list = Array.isArray(report) ? report : [report];
  return list.reduce((n: number, r: { findings: unknown[] }) => n + r.findings.length, 0);
}

/** `<dir>/team-<i mod 7>/<example>-<i>`: copies of the example repositories under varied names. */
function generateOrg(dir: string, copies: number): string[] {
  const examples = readdirSync(join(ORG, 'acme')).sort();
  const repos: string[] = [];
  for (let i = 0; i < copies; i++) {
    for (const name of examples) {
      const rel = `team-${i % 7}/${name}-${i}`;
      cpSync(join(ORG, 'acme', name), join(dir, rel), { recursive: true });
      repos.push(rel);
    }
  }
  return repos;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('the examples', () => {
  const tmp = makeTempDir('cix-index-');
  afterAll(tmp.cleanup);
  const data = join(tmp.dir, 'data');

  test('index build says what it read', async () => {
    const r = await cli(['index', 'build', ORG, '--cache', CACHE, '--data-dir', data]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('ci-exposure index: no index yet: reading every repository\n');
    expect(r.stderr).toContain('ci-exposure index: re-scanned 8 of 8 repositories');
    expect(r.stdout).toMatch(/^indexed 8 repositories, \d+ jobs, \d+ components and other keys\n$/);
    const again = await cli(['index', 'build', ORG, '--cache', CACHE, '--data-dir', data]);
    expect(again.stderr).toMatch(/^ci-exposure index: re-scanned 0 of 8 repositories/);
  });

  test('every catalog indicator at once, as a scan', async () => {
    const { stderr, report } = await expectSame([ORG], data, []);
    expect(stderr).toMatch(/^ci-exposure index: re-scanned 0 of 8 repositories/);
    expect(Array.isArray(report) && report.length).toBe(11);
    expect(findingsOf(report)).toBeGreaterThan(15);
  });

  test('each catalog indicator, the custom indicator file and component specs, as a scan', async () => {
    const ids = JSON.parse((await cli(['indicators', '--format', 'json'])).stdout) as Array<{ id: string }>;
    expect(ids.length).toBe(11);
    let found = 0;
    for (const { id } of ids) found += findingsOf((await expectSame([ORG], data, ['--indicator', id])).report);
    found += findingsOf((await expectSame([ORG], data, ['--indicator', CUSTOM])).report);
    for (const spec of COMPONENTS) found += findingsOf((await expectSame([ORG], data, ['--component', spec, '--all'])).report);
    expect(found).toBeGreaterThan(30);
  });

  test('without a component cache: unresolved components and "incomplete" as a scan', async () => {
    const full = await cli(['scan', ORG, '--format', 'json', '--component', 'gha:actions/checkout']);
    const indexed = await cli(['scan', ORG, '--format', 'json', '--component', 'gha:actions/checkout', '--index', '--data-dir', data]);
    // The index was built with the cache: another source, so everything is read again.
    expect(indexed.stderr).toContain('the index was built with another component source (cache examples/cache): reading every repository');
    expect(indexed.code).toBe(full.code);
    expect(JSON.parse(indexed.stdout)).toEqual(JSON.parse(full.stdout));
    const report = JSON.parse(full.stdout) as { summary: { complete: boolean; unresolved: number } };
    expect(report.summary.complete).toBe(false);
    expect(report.summary.unresolved).toBeGreaterThan(0);
  });
});

describe('a generated organisation of 504 repositories', () => {
  const tmp = makeTempDir('cix-index-org-');
  afterAll(tmp.cleanup);
  const org = join(tmp.dir, 'org');
  const data = join(tmp.dir, 'data');
  const repos = generateOrg(org, 63);

  test('every catalog indicator and component specs, as a scan', async () => {
    expect(repos).toHaveLength(504);
    const built = await cli(['index', 'build', org, '--cache', CACHE, '--data-dir', data]);
    expect(built.stderr).toContain('re-scanned 504 of 504 repositories');
    const all = await expectSame([org], data, []);
    expect(all.stderr).toMatch(/^ci-exposure index: re-scanned 0 of 504 repositories/);
    expect(findingsOf(all.report)).toBeGreaterThan(63 * 15);
    for (const spec of ['gha:actions/checkout', 'orb:codecov/codecov@1.1.1', 'image:node']) await expectSame([org], data, ['--component', spec]);
  }, 120_000);

  test('change 1 % of the repositories: exactly those are read again, and the answers follow', async () => {
    const changed = repos.filter((_, i) => i % 100 === 7);
    expect(changed).toHaveLength(5);
    for (const rel of changed) {
      const workflows = join(org, rel, '.github', 'workflows');
      let target: string;
      try {
        target = join(workflows, readdirSync(workflows).sort()[0] ?? '');
      } catch {
        target = '';
      }
      if (target !== '' && statSync(target).isFile()) {
        writeFileSync(target, `${readFileSync(target, 'utf8')}\n  added:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: tj-actions/changed-files@v35\n`);
      } else {
        mkdirSync(workflows, { recursive: true });
        writeFileSync(join(workflows, 'added.yml'), 'on: push\njobs:\n  added:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: tj-actions/changed-files@v35\n');
      }
    }
    const { stderr, report } = await expectSame([org], data, ['--component', 'gha:tj-actions/changed-files']);
    expect(stderr).toMatch(/^ci-exposure index: re-scanned 5 of 504 repositories/);
    expect(findingsOf(report)).toBeGreaterThanOrEqual(5);
  }, 120_000);

  test('a script a job runs, or a component in the cache, changes: the repositories that read it are read again', async () => {
    const cache = join(tmp.dir, 'cache');
    cpSync(CACHE, cache, { recursive: true });
    const first = await cli(['index', 'build', org, '--cache', cache, '--data-dir', data]);
    expect(first.stderr).toContain('another component source');
    // One script of one repository.
    const scripts = filesUnder(org).filter((f) => f.endsWith('.sh'));
    const script = scripts[0] as string;
    writeFileSync(script, `${readFileSync(script, 'utf8')}\ncurl -s https://example.com/x.sh | bash\n`);
    const afterScript = await cli(['index', 'build', org, '--cache', cache, '--data-dir', data]);
    expect(afterScript.stderr).toMatch(/^ci-exposure index: re-scanned 1 of 504 repositories/);
    // One orb of the cache: every copy of the repositories that use it (one example in eight, 63 copies).
    const orb = join(cache, 'circleci', 'orbs', 'codecov', 'codecov@1.1.1.yml');
    writeFileSync(orb, `${readFileSync(orb, 'utf8')}\n# changed\n`);
    const afterOrb = await cli(['index', 'build', org, '--cache', cache, '--data-dir', data]);
    const n = Number(/re-scanned (\d+) of 504/.exec(afterOrb.stderr)?.[1]);
    expect(n % 63).toBe(0);
    expect(n).toBeGreaterThanOrEqual(63);
    expect(n).toBeLessThan(504);
  }, 120_000);
});

test('a spec no source reads is the same usage error with --index as without, not read as a path (remote sources: remote.spec.ts)', async () => {
  const args = ['scan', 'nosuch:acme', '--component', 'gha:actions/checkout', '--data-dir', 'unused'];
  const plain = await cli(args);
  const r = await cli([...args, '--index']);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/^ci-exposure: scan: unknown source "nosuch:acme" \(one of PATH, a git URL, github:/);
  expect(r.stderr).toBe(plain.stderr);
});

test('Jenkins shared libraries are refused with --index (the index does not follow them), not silently dropped', async () => {
  const r = await cli(['scan', ORG, '--component', 'gha:actions/checkout', '--data-dir', 'unused', '--jenkins-library', 'ci-lib=https://git.example.com/ci-lib.git', '--index']);
  expect(r.code).toBe(2);
  expect(r.stderr).toBe('ci-exposure: scan: Jenkins shared libraries (--jenkins-library, --jenkins-libraries) are not followed by the index; scan without --index\n');
});

describe('a damaged index is said so and rebuilt, never answered from', () => {
  const tmp = makeTempDir('cix-index-bad-');
  afterAll(tmp.cleanup);
  const data = join(tmp.dir, 'data');
  const manifest = (): string => {
    const base = join(data, 'inventory');
    const [only] = readdirSync(base);
    return join(base, only ?? '', 'manifest.json');
  };

  test('cut short, edited, of another format version, or a model changed', async () => {
    await cli(['index', 'build', ORG, '--cache', CACHE, '--data-dir', data]);
    const text = readFileSync(manifest(), 'utf8');
    const [head = '', body = ''] = text.split('\n');
    expect(JSON.parse(head)).toEqual({ format: 'ci-exposure-inventory', version: 3, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });

    writeFileSync(manifest(), text.slice(0, text.length / 2));
    let r = await expectSame([ORG], data, ['--component', 'orb:codecov/codecov']);
    expect(r.stderr).toMatch(/^ci-exposure index: the index cannot be used \(.*manifest\.json does not have the content its first line recorded \(cut short or edited\?\)\): reading every repository\n/);
    expect(r.stderr).toContain('re-scanned 8 of 8 repositories');

    writeFileSync(manifest(), text.slice(0, head.length / 2));
    r = await expectSame([ORG], data, ['--component', 'orb:codecov/codecov']);
    expect(r.stderr).toMatch(/^ci-exposure index: the index cannot be used \(.*manifest\.json is not valid JSON \(cut short or edited\?\)\): reading every repository\n/);

    // An edit that keeps the JSON valid: the SHA-256 of the first line no longer matches.
    const edited = JSON.parse(body) as { repos: Array<{ summary: { keys: unknown } }> };
    (edited.repos[0] as { summary: { keys: unknown } }).summary.keys = 'gha:x/y';
    writeFileSync(manifest(), `${head}\n${JSON.stringify(edited)}`);
    r = await expectSame([ORG], data, ['--component', 'orb:codecov/codecov']);
    expect(r.stderr).toMatch(/manifest\.json does not have the content its first line recorded \(cut short or edited\?\)\): reading every repository/);

    writeFileSync(manifest(), `${JSON.stringify({ ...JSON.parse(head), sha256: 'x' })}\n${body}`);
    r = await expectSame([ORG], data, ['--component', 'orb:codecov/codecov']);
    expect(r.stderr).toMatch(/manifest\.json does not have the expected shape \(sha256: .*\)\): reading every repository/);

    writeFileSync(manifest(), `${JSON.stringify({ ...JSON.parse(head), version: 0 })}\n${body}`);
    r = await expectSame([ORG], data, ['--component', 'orb:codecov/codecov']);
    expect(r.stderr).toMatch(/is format version 0; this version reads 3\): reading every repository/);
  }, 60_000);

  /** The pack of the (rebuilt) index, one file. */
  const pack = (): string => {
    const dir = join(manifest(), '..', 'packs');
    const names = readdirSync(dir);
    expect(names).toHaveLength(1);
    return join(dir, names[0] ?? '');
  };

  test('a pack changed, cut short or gone: found when the query reads it, answered by reading every repository', async () => {
    await cli(['index', 'build', ORG, '--cache', CACHE, '--data-dir', data]);
    // A model's bytes changed behind the manifest's back (same length).
    const bytes = readFileSync(pack());
    const at = bytes.indexOf('"jobs":[');
    expect(at).toBeGreaterThan(0);
    bytes.write('"jobs":[', at + 1, 'utf8'); // shifted by one byte: another text of the same length
    writeFileSync(pack(), bytes);
    let r = await expectSame([ORG], data, ['--component', 'orb:codecov/codecov']);
    expect(findingsOf(r.report)).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/re-scanned 0 of 8 repositories[^\n]*\nci-exposure index: the index cannot be used \(model [0-9a-f]{64} in pack .* does not have the content the index recorded \(changed or cut short\)\): reading every repository\n/);
    expect(r.stderr).toMatch(/re-scanned 8 of 8 repositories[^\n]*\n$/);

    writeFileSync(pack(), readFileSync(pack()).subarray(0, 100));
    r = await expectSame([ORG], data, ['--component', 'orb:codecov/codecov']);
    expect(r.stderr).toMatch(/the index cannot be used \(pack .* is shorter than the index recorded \(cut short\)\): reading every repository\n/);
    expect(r.stderr).toMatch(/re-scanned 8 of 8 repositories[^\n]*\n$/);

    rmSync(pack());
    r = await expectSame([ORG], data, ['--component', 'orb:codecov/codecov']);
    expect(r.stderr).toMatch(/the index cannot be used \(pack .* cannot be read: ENOENT\): reading every repository\n/);
    expect(r.stderr).toMatch(/re-scanned 8 of 8 repositories[^\n]*\n$/);
  }, 60_000);
});

/**
 * The repository reader (the shell side of RepoFileReader) on a real disk: bounded, never out of the
 * repository; and the fixture repository `core/resolve/__fixtures__/repo-files` read by local-dir and
 * scanned by the engine, with the chains the reports show.
 */
import { execFileSync } from 'node:child_process';
import type * as Fs from 'node:fs';
import { mkdirSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { makeTempDir } from '../../test/helpers/tmp';
import { catalogIndicator, parseComponentSpec } from '../core/indicators';
import type { Indicator, ScanResult } from '../core/model';
import { renderJson, renderTable } from '../core/report';
import { scan } from '../core/scan';
import { componentCacheSource } from './component-cache';
import { readLocalPaths } from './local-dir';
import { repoFileReader } from './repo-files';

const nodeFs: typeof Fs = createRequire(__filename)('node:fs');

function write(root: string, rel: string, data: string | Buffer): void {
  const p = join(root, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, data);
}

describe('repoFileReader', () => {
  let tmp: { dir: string; cleanup: () => void };
  let repo: string;
  beforeEach(() => {
    tmp = makeTempDir();
    repo = join(tmp.dir, 'repo');
    write(repo, 'scripts/cover.sh', 'bash <(curl -s https://codecov.io/bash)\n');
    write(tmp.dir, 'outside/secret.sh', 'OUTSIDE\n');
  });
  afterEach(() => tmp.cleanup());

  it('reads a file; a missing file or a directory is missing', () => {
    const reader = repoFileReader(repo);
    expect(reader.read('scripts/cover.sh')).toEqual({ text: 'bash <(curl -s https://codecov.io/bash)\n' });
    expect(reader.read('scripts/none.sh')).toEqual({ missing: true });
    expect(reader.read('scripts')).toEqual({ missing: true });
    expect(reader.read('scripts/cover.sh/x')).toEqual({ missing: true });
  });

  it('refuses paths out of the repository and symlinks that lead out, without opening them', () => {
    symlinkSync(join(tmp.dir, 'outside/secret.sh'), join(repo, 'scripts/linked.sh'));
    symlinkSync(join(tmp.dir, 'outside'), join(repo, 'linkdir'));
    symlinkSync(join(repo, 'scripts/cover.sh'), join(repo, 'inside.sh'));
    const openSpy = jest.spyOn(nodeFs, 'openSync');
    try {
      const reader = repoFileReader(repo);
      expect(reader.read('scripts/linked.sh')).toEqual({ code: 'outside-repo', message: 'scripts/linked.sh is a symlink that points outside the repository; not read' });
      expect(reader.read('linkdir/secret.sh')).toMatchObject({ code: 'outside-repo' });
      expect(reader.read('../outside/secret.sh')).toMatchObject({ code: 'outside-repo' });
      expect(reader.read('/etc/passwd')).toMatchObject({ code: 'outside-repo' });
      expect(reader.read('inside.sh')).toEqual({ text: 'bash <(curl -s https://codecov.io/bash)\n' });
      expect(openSpy.mock.calls.map((c) => String(c[0])).filter((p) => p.includes('outside'))).toEqual([]);
    } finally {
      openSpy.mockRestore();
    }
  });

  it('bounded: too large, not a regular file, binary, and at most maxFiles files', () => {
    write(repo, 'big.sh', '');
    truncateSync(join(repo, 'big.sh'), 2048);
    execFileSync('mkfifo', [join(repo, 'fifo.sh')]);
    write(repo, 'tool', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x01]));
    write(repo, 'a.sh', 'a\n');
    write(repo, 'b.sh', 'b\n');
    const reader = repoFileReader(repo, { maxFileBytes: 1024, maxFiles: 2 });
    expect(reader.read('big.sh')).toEqual({ code: 'too-large', message: 'file is 2048 bytes; files over 1024 bytes are not read' });
    expect(reader.read('fifo.sh')).toEqual({ code: 'not-a-file', message: 'not a regular file; not read' });
    expect(reader.read('tool')).toEqual({ code: 'binary', message: 'not a text file (it has NUL bytes)' });
    expect(reader.read('a.sh')).toEqual({ text: 'a\n' });
    expect(reader.read('b.sh')).toMatchObject({ code: 'too-many-files' });
    // Answers are memoised: asking again reads nothing more.
    expect(reader.read('a.sh')).toEqual({ text: 'a\n' });
  });
});

describe('the repo-files fixture, read from disk and scanned', () => {
  const FIXTURE = join(__dirname, '..', 'core', 'resolve', '__fixtures__', 'repo-files');
  const CACHE = join(__dirname, '..', '..', '..', 'examples', 'cache');

  function scanWith(ind: Indicator): ScanResult {
    const read = readLocalPaths([FIXTURE]);
    expect(read.missing).toEqual([]);
    expect(read.errors).toEqual([]);
    return scan(read.repos, ind, componentCacheSource(CACHE));
  }
  function spec(s: string): Indicator {
    const r = parseComponentSpec(s);
    if (!r.ok) throw new Error(r.error);
    return r.indicator;
  }

  it('script:https://codecov.io/bash: the script chains, each link at its file:line; ok-* jobs do not fire; the missing script is unresolved', () => {
    const result = scanWith(spec('script:https://codecov.io/bash'));
    const byJob = new Map(result.findings.map((f) => [f.job, f]));
    expect([...byJob.keys()].sort()).toEqual(['bash-script', 'download-then-run-later', 'make-coverage', 'script-direct']);
    expect(byJob.get('make-coverage')?.chain).toEqual([
      { kind: 'repo-file', ref: 'make coverage', file: '.github/workflows/ci.yml', line: 18 },
      { kind: 'repo-file', ref: 'scripts/cover.sh', file: 'Makefile', line: 13 },
      { kind: 'script-url', ref: 'bash <(curl -s https://codecov.io/bash) -f coverage.txt', file: 'scripts/cover.sh', line: 7 },
    ]);
    expect(byJob.get('download-then-run-later')).toMatchObject({ file: '.github/workflows/ci.yml', line: 36, chain: [{ kind: 'script-url', file: '.github/workflows/ci.yml', line: 36 }] });
    expect(byJob.get('bash-script')?.chain.map((l) => `${l.ref}@${l.file}:${l.line}`)).toEqual([
      'ci/coverage.sh@.github/workflows/ci.yml:31',
      'ci/lib/upload.sh@ci/coverage.sh:3',
      'curl -s https://codecov.io/bash | bash -s -- -f "$1"@ci/lib/upload.sh:3',
    ]);
    // Advice speaks of the script, not of the repository's own script that fetches it.
    expect(byJob.get('script-direct')?.advice.join(' ')).not.toContain('scripts/cover.sh');
    // The generated script is not in the repository; the Trivy action of the repro is not in the examples' cache.
    expect(result.unresolved.map((u) => `${u.file}:${u.line} ${u.ref}`)).toEqual([
      '.github/workflows/ci.yml:53 scripts/generated.sh',
      '.github/workflows/issue-9-repro.yml:15 aquasecurity/trivy-action@57a97c7e7821a5776cebc9bb87c984fa69cba8f1',
    ]);

    const table = renderTable(result, { color: false, all: false, maxCell: 200 });
    expect(table).toContain('make coverage → scripts/cover.sh (Makefile:13) → bash <(curl -s https://codecov.io/bash) -f coverage.txt (scripts/cover.sh:7)');
    const json = JSON.parse(renderJson(result)) as { findings: Array<{ job: string; chain: Array<{ file?: string; line?: number }> }> };
    for (const f of json.findings) for (const l of f.chain) expect([f.job, typeof l.file, typeof l.line]).toEqual([f.job, 'string', 'number']);
  });

  it('the catalog Trivy incident (issue 9): the action pinned to a safe commit is not affected, the image built on latest is', () => {
    const trivy = catalogIndicator('trivy-teampcp-2026-03');
    if (!trivy) throw new Error('catalog lacks trivy');
    const result = scanWith(trivy);
    const shown = result.findings.map((f) => `${f.affected ? 'affected' : 'not affected'} ${f.job} ${f.chain.map((l) => `${l.ref}@${l.file}:${l.line}`).join(' → ')}`);
    expect(shown.sort()).toEqual(
      [
        'affected image docker/scanner.Dockerfile@.github/workflows/ci.yml:46 → aquasec/trivy:latest@docker/scanner.Dockerfile:2',
        'affected scan Dockerfile.scan@.github/workflows/issue-9-repro.yml:18 → aquasec/trivy:latest@Dockerfile.scan:1',
        'not affected ok-image-pinned docker/pinned.Dockerfile@.github/workflows/ci.yml:74 → aquasec/trivy:0.69.3@docker/pinned.Dockerfile:1',
        'not affected scan aquasecurity/trivy-action@57a97c7e7821a5776cebc9bb87c984fa69cba8f1@.github/workflows/issue-9-repro.yml:15',
      ].sort(),
    );
    expect(result.findings.find((f) => f.job === 'image')?.advice).toContain('Pin the image `aquasec/trivy:latest` (docker/scanner.Dockerfile:2) by digest (`@sha256:…`).');
  });
});

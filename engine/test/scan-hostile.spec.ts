/**
 * Hostile input through the shell and the engine: an alias bomb, 10,000-deep nesting, a 50 MB file,
 * invalid UTF-8, a binary named .yml, symlinks out of the repository, a FIFO, and repository strings
 * made to ping, link or inject HTML. Bounded time and memory, located errors, nothing read outside the
 * given paths, no live mention or link in the Markdown report.
 */
import { execFileSync } from 'node:child_process';
import type * as Fs from 'node:fs';
import { mkdirSync, realpathSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { catalogIndicator } from '../src/core/indicators';
import type { Indicator, ScanResult } from '../src/core/model';
import { renderCsv, renderMarkdown, renderSarif, renderTable } from '../src/core/report';
import { MAX_TAMPER_CONSUMERS } from '../src/core/exposure/tamper';
import { MAX_FINDINGS_PER_JOB, MAX_JOBS_PER_REPO } from '../src/core/limits';
import { scan } from '../src/core/scan';
import { componentCacheSource } from '../src/sources/component-cache';
import { readLocalPaths } from '../src/sources/local-dir';
import { makeTempDir } from './helpers/tmp';

/** The node:fs module object itself (the one the shell's named imports read from), to spy on. */
const nodeFs: typeof Fs = createRequire(__filename)('node:fs');

const OUTSIDE_MARKER = 'OUTSIDE_MARKER_must_never_be_read';

function write(root: string, rel: string, data: string | Buffer): void {
  const p = join(root, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, data);
}

function codecov(): Indicator {
  const i = catalogIndicator('codecov-bash-uploader-2021');
  if (!i) throw new Error('catalog lacks codecov');
  return i;
}

const HOSTILE_NAME = '@channel [click me](https://evil.example.com/x) <script>alert(1)</script> ![img](http://evil.example.com/i.png) www.evil.example.com @here';

function aliasBomb(): string {
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  const names = 'abcdefghi';
  for (let i = 1; i < names.length; i++) {
    const prev = names[i - 1] ?? 'a';
    lines.push(`${names[i] ?? 'z'}: &${names[i] ?? 'z'} [${Array(9).fill(`*${prev}`).join(',')}]`);
  }
  lines.push('on: push', 'jobs:', '  bomb:', '    runs-on: ubuntu-latest', '    steps:', '      - uses: codecov/codecov-action@v1', '        with: {x: *i}');
  return `${lines.join('\n')}\n`;
}

describe('hostile input', () => {
  let tmp: { dir: string; cleanup: () => void };
  let result: ScanResult;
  /** Heap growth over the read and the scan (the worker's absolute heap also holds other suites' garbage). */
  let heapGrowth = 0;
  const opened: string[] = [];
  const listed: string[] = [];

  beforeAll(() => {
    tmp = makeTempDir('cix-hostile-');
    const org = join(tmp.dir, 'org');
    const repo = join(org, 'evil', 'repo');
    write(tmp.dir, 'outside/leak.yml', `# ${OUTSIDE_MARKER}\non: push\njobs:\n  leak:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: codecov/codecov-action@v1\n`);
    write(tmp.dir, 'outside/actions/a/action.yml', `# ${OUTSIDE_MARKER}\nruns:\n  using: composite\n  steps:\n    - run: curl -s https://codecov.io/bash | bash\n      shell: bash\n`);
    write(tmp.dir, 'outside/cache-secret.yml', `${OUTSIDE_MARKER}\n`);

    write(repo, '.github/workflows/alias-bomb.yml', aliasBomb());
    write(repo, '.github/workflows/deep-flow.yml', `on: push\nx: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`);
    write(repo, '.github/workflows/deep-block.yml', `on: push\n${Array.from({ length: 1_000 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n')}\n`);
    write(repo, '.github/workflows/huge.yml', '');
    truncateSync(join(repo, '.github/workflows/huge.yml'), 50 * 1024 * 1024);
    write(repo, '.github/workflows/latin1.yml', Buffer.concat([Buffer.from('on: push\njobs:\n  j:\n    name: caf'), Buffer.from([0xe9]), Buffer.from('\n')]));
    write(repo, '.github/workflows/binary.yml', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]));
    mkdirSync(join(repo, '.github/actions'), { recursive: true });
    symlinkSync(join(tmp.dir, 'outside/leak.yml'), join(repo, '.github/workflows/leak.yml'));
    symlinkSync(join(tmp.dir, 'outside/actions'), join(repo, '.github/actions/linked'));
    execFileSync('mkfifo', [join(repo, '.github/workflows/fifo.yml')]);
    write(
      repo,
      '.github/workflows/names.yml',
      [
        `name: ${JSON.stringify(HOSTILE_NAME)}`,
        'on: push',
        'jobs:',
        '  "@here":',
        `    name: ${JSON.stringify(HOSTILE_NAME)}`,
        '    runs-on: ubuntu-latest',
        '    steps:',
        '      - uses: codecov/codecov-action@v1',
        '        with:',
        '          token: ${{ secrets.CODECOV_TOKEN }}',
        '      - run: echo "<b>@all</b> [x](javascript:alert(1))"',
        '',
      ].join('\n'),
    );
    write(repo, '.gitlab-ci.yml', 'include:\n  - local: ../../../outside/leak.yml\n  - local: /../outside/leak.yml\n');

    const cache = join(tmp.dir, 'cache');
    mkdirSync(join(cache, 'github', 'codecov'), { recursive: true });
    symlinkSync(join(tmp.dir, 'outside'), join(cache, 'github', 'codecov', 'codecov-action@v1'));

    const openSpy = jest.spyOn(nodeFs, 'openSync');
    const readdirSpy = jest.spyOn(nodeFs, 'readdirSync');
    const heapBefore = process.memoryUsage().heapUsed;
    const read = readLocalPaths([org]);
    const r = scan(read.repos, codecov(), componentCacheSource(cache));
    opened.push(...openSpy.mock.calls.map((c) => String(c[0])));
    listed.push(...readdirSpy.mock.calls.map((c) => String(c[0])));
    openSpy.mockRestore();
    readdirSpy.mockRestore();
    result = { ...r, errors: [...read.errors, ...r.errors], summary: { ...r.summary, errors: r.summary.errors + read.errors.length } };
    heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    if (process.env.CIX_DEBUG_HEAP) process.stderr.write(`hostile heap growth ${Math.round(heapGrowth / 1048576)} MB\n`);
  });

  afterAll(() => tmp?.cleanup());

  // Its time is measured by the benchmarks (make bench), not asserted: a loaded machine is no clock.
  it('finishes in bounded memory', () => {
    expect(heapGrowth).toBeLessThan(512 * 1024 * 1024);
  });

  it('every problem is a located error with a stable code', () => {
    const byFile = new Map(result.errors.map((e) => [e.file, e]));
    expect(byFile.get('.github/workflows/huge.yml')).toMatchObject({ code: 'too-large', line: 1 });
    expect(byFile.get('.github/workflows/latin1.yml')).toMatchObject({ code: 'not-utf8', line: 4 });
    expect(byFile.get('.github/workflows/binary.yml')).toMatchObject({ code: 'binary' });
    expect(byFile.get('.github/workflows/fifo.yml')).toMatchObject({ code: 'not-a-file' });
    expect(byFile.get('.github/workflows/leak.yml')).toMatchObject({ code: 'outside-repo' });
    expect(byFile.get('.github/actions/linked')).toMatchObject({ code: 'outside-repo' });
    expect(byFile.get('.github/workflows/alias-bomb.yml')?.code).toMatch(/^yaml-/);
    expect(byFile.get('.github/workflows/deep-flow.yml')?.code).toMatch(/^yaml-/);
    expect(byFile.get('.github/workflows/deep-block.yml')?.code).toMatch(/^yaml-/);
    expect(result.errors.filter((e) => e.code === 'outside-repo' && e.file.includes('leak.yml')).length).toBeGreaterThanOrEqual(2);
    for (const e of result.errors) {
      expect(e).toMatchObject({ repo: 'evil/repo', file: expect.any(String), line: expect.any(Number), code: expect.stringMatching(/^[a-z0-9-]+$/), message: expect.any(String) });
      expect(e.line).toBeGreaterThanOrEqual(1);
    }
  });

  it('opens and lists nothing outside the given repository folder and cache', () => {
    const real = realpathSync(tmp.dir);
    expect(opened.length).toBeGreaterThan(3);
    for (const p of opened) expect(realpathSync(p).startsWith(join(real, 'org') + '/') || realpathSync(p).startsWith(join(real, 'cache') + '/')).toBe(true);
    for (const p of listed) expect(realpathSync(p).startsWith(join(real, 'org'))).toBe(true);
    expect(opened.some((p) => p.includes('outside'))).toBe(false);
  });

  it('reads nothing outside the given paths', () => {
    const everything = JSON.stringify(result);
    expect(everything).not.toContain(OUTSIDE_MARKER);
    expect(result.findings.some((f) => f.job === 'leak' || f.file.includes('leak'))).toBe(false);
    // The cache entry is a symlink out of the cache: treated as missing, so the action is unresolved, not read.
    expect(result.findings.every((f) => !f.chain.some((l) => l.kind === 'script-url'))).toBe(true);
  });

  it('still finds the job with the hostile name, and the Markdown report has no live mention, link or HTML', () => {
    const f = result.findings.find((x) => x.file === '.github/workflows/names.yml');
    expect(f).toMatchObject({ affected: true, job: HOSTILE_NAME });
    const md = renderMarkdown(result) + renderMarkdown([result, result]);
    expect(md).not.toMatch(/@(channel|here|all)\b/);
    expect(md).not.toMatch(/\]\(/);
    expect(md).not.toMatch(/https?:\/\//);
    expect(md).not.toMatch(/www\.evil/);
    expect(md).not.toMatch(/<\/?(script|b|img)/i);
    expect(md).toContain('@\u200Dchannel');
  });

  it('the other renderers cope too: no control characters in the table, formula-safe CSV, valid JSON SARIF', () => {
    // eslint-disable-next-line no-control-regex
    expect(renderTable(result)).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
    expect(renderCsv(result)).not.toMatch(/(^|,)@channel/m);
    expect(() => JSON.parse(renderSarif(result)) as unknown).not.toThrow();
  });
});

describe('hostile sizes: tens of thousands of jobs, a job with thousands of uses', () => {
  const source = { read: () => undefined, describe: () => 'no component cache in this test' };
  const JOBS = MAX_JOBS_PER_REPO + 500;

  /** Every job waits for the one before, uses the component, uploads and downloads an artifact and caches. */
  const files: Record<string, { path: string; text: () => string; indicator: string; firstLeftOutLine: number }> = {
    'github-actions': {
      path: '.github/workflows/ci.yml',
      indicator: 'tj-actions-changed-files-2025',
      text: () =>
        `on: push\njobs:\n${Array.from(
          { length: JOBS },
          (_, i) =>
            `  j${i}:\n    runs-on: ubuntu-latest\n    needs: [j${Math.max(0, i - 1)}]\n    steps:\n      - uses: tj-actions/changed-files@v35\n      - uses: actions/upload-artifact@v4\n      - uses: actions/download-artifact@v4\n      - uses: actions/cache@v4\n        with: {path: x, key: k}\n      - run: echo \${{ secrets.T${i} }}\n`,
        ).join('')}`,
      // 2 header lines, 10 lines a job.
      firstLeftOutLine: 3 + MAX_JOBS_PER_REPO * 10,
    },
    circleci: {
      path: '.circleci/config.yml',
      indicator: 'codecov-bash-uploader-2021',
      text: () =>
        `version: 2.1\njobs:\n${Array.from(
          { length: JOBS },
          (_, i) => `  j${i}:\n    docker: [{image: cimg/base:2023.01}]\n    steps:\n      - attach_workspace: {at: .}\n      - run: curl -s https://codecov.io/bash | bash\n      - persist_to_workspace: {root: ., paths: [x]}\n`,
        ).join('')}workflows:\n  w:\n    jobs:\n${Array.from({ length: JOBS }, (_, i) => `      - j${i}:\n          context: [c${i}]\n          requires: [j${Math.max(0, i - 1)}]\n`).join('')}`,
      firstLeftOutLine: 2 + JOBS * 6 + 3 + MAX_JOBS_PER_REPO * 3 + 1,
    },
    'gitlab-ci': {
      path: '.gitlab-ci.yml',
      indicator: 'codecov-bash-uploader-2021',
      text: () =>
        `stages: [a, b]\n${Array.from({ length: JOBS }, (_, i) => `j${i}:\n  stage: ${i % 2 ? 'a' : 'b'}\n  script: curl -s https://codecov.io/bash | bash\n  artifacts: {paths: [x]}\n`).join('')}`,
      firstLeftOutLine: 2 + MAX_JOBS_PER_REPO * 4,
    },
  };

  it.each(Object.entries(files))(`%s: the first ${MAX_JOBS_PER_REPO} jobs are scanned, the rest reported at the first one left out`, (_platform, f) => {
    const indicator = catalogIndicator(f.indicator);
    if (!indicator) throw new Error(`catalog lacks ${f.indicator}`);
    const r = scan([{ repo: 'evil/many', files: [{ path: f.path, text: f.text() }] }], indicator, source);
    expect(r.summary.jobs).toBe(MAX_JOBS_PER_REPO);
    expect(r.summary.affected).toBe(MAX_JOBS_PER_REPO);
    const tooMany = r.errors.filter((e) => e.code === 'too-many-jobs');
    expect(tooMany).toEqual([
      { repo: 'evil/many', file: f.path, line: f.firstLeftOutLine, code: 'too-many-jobs', message: `more than ${MAX_JOBS_PER_REPO} jobs in this repository: 500 job(s) of ${f.path} from j${MAX_JOBS_PER_REPO} on were not scanned` },
    ]);
    for (const finding of r.findings) for (const t of finding.tamper) expect(t.consumers.length).toBeLessThanOrEqual(MAX_TAMPER_CONSUMERS);
    // Output read by more jobs than a path names is cut at the limit.
    expect(r.findings.some((x) => x.tamper.some((t) => t.consumers.length === MAX_TAMPER_CONSUMERS))).toBe(true);
  });

  it('a job reaching the component through thousands of steps: the first findings, and an error with the count', () => {
    const steps = Array.from({ length: 5000 }, (_, i) => `      - uses: tj-actions/changed-files@v${(i % 40) + 1}\n`).join('');
    const indicator = catalogIndicator('tj-actions-changed-files-2025');
    if (!indicator) throw new Error('catalog lacks tj-actions');
    const r = scan([{ repo: 'evil/steps', files: [{ path: '.github/workflows/ci.yml', text: `on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n${steps}` }] }], indicator, source);
    expect(r.findings).toHaveLength(MAX_FINDINGS_PER_JOB);
    expect(r.summary.affected).toBe(1);
    expect(r.errors).toContainEqual({
      repo: 'evil/steps',
      file: '.github/workflows/ci.yml',
      line: 3,
      code: 'too-many-findings',
      message: `job a reaches tj-actions-changed-files-2025 through 5000 uses; the first ${MAX_FINDINGS_PER_JOB} are reported`,
    });
  });
});

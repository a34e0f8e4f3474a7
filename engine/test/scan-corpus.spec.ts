/**
 * Every file of ../shared/ci-corpus goes through the shell (local-dir) and the engine (scan) without a
 * crash: it is read and parsed, or it yields a located error. `repos/` is read in place as a folder of
 * `owner+repo` checkouts; the other files (test data of other tools, not at CI paths) are placed, in a
 * temporary folder outside the project, at the path their platform reads.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { CATALOG } from '../src/core/indicators';
import type { RepoInput, ScanError } from '../src/core/model';
import { renderMarkdown } from '../src/core/report';
import { scan } from '../src/core/scan';
import { componentCacheSource } from '../src/sources/component-cache';
import { readLocalPaths } from '../src/sources/local-dir';
import { REPO_ROOT } from './helpers/cli-process';
import { makeTempDir } from './helpers/tmp';

const CORPUS = join(REPO_ROOT, '..', 'shared', 'ci-corpus');

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else if (/\.ya?ml$/i.test(name)) out.push(p);
  }
  return out;
}

/** Where a loose corpus file goes in a throw-away checkout so that its platform reads it. */
function ciPath(file: string): string {
  const rel = file.toLowerCase();
  if (rel.includes('circleci')) return '.circleci/config.yml';
  if (rel.includes('gitlab')) return '.gitlab-ci.yml';
  if (/^action\.ya?ml$/.test(basename(rel))) return 'action.yml';
  return `.github/workflows/${basename(file)}`;
}

function expectLocated(e: ScanError): void {
  expect(e.repo).toEqual(expect.any(String));
  expect(e.file).toEqual(expect.any(String));
  expect(e.line).toBeGreaterThanOrEqual(1);
  expect(e.code).toMatch(/^[a-z0-9-]+$/);
  expect(e.message.length).toBeGreaterThan(3);
}

const present = existsSync(CORPUS);

(present ? describe : describe.skip)('ci-corpus through local-dir and scan', () => {
  let tmp: { dir: string; cleanup: () => void };
  let repos: RepoInput[] = [];
  let readErrors: ScanError[] = [];
  let loose: string[] = [];
  let fromRepos: string[] = [];

  beforeAll(() => {
    tmp = makeTempDir('cix-corpus-');
    const reposDir = join(CORPUS, 'repos');
    fromRepos = filesUnder(reposDir);
    loose = [...filesUnder(join(CORPUS, 'github-actions')), ...filesUnder(join(CORPUS, 'mixed'))];
    loose.forEach((file, i) => {
      const target = join(tmp.dir, `corpus+f${String(i).padStart(3, '0')}`, ciPath(relative(CORPUS, file)));
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(file, target);
    });
    const read = readLocalPaths([reposDir, tmp.dir]);
    expect(read.missing).toEqual([]);
    repos = read.repos;
    readErrors = read.errors;
  });

  afterAll(() => tmp?.cleanup());

  it('covers every data file of the corpus (all of them YAML, beside README.md and SOURCES.txt)', () => {
    const all = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? all(join(dir, name)) : [join(dir, name)]));
    const data = all(CORPUS).filter((f) => !['README.md', 'SOURCES.txt'].includes(relative(CORPUS, f)));
    expect(data.length).toBeGreaterThanOrEqual(380);
    expect([...fromRepos, ...loose].sort()).toEqual(data.sort());
  });

  it('names the repos/ checkouts owner/repo and reads every CI file of them', () => {
    const ids = repos.map((r) => r.repo).filter((id) => !id.startsWith('corpus/'));
    expect(ids).toContain('mattermost/mattermost-server');
    expect(ids).toContain('codecov/codecov-action');
    const readCount = repos.filter((r) => !r.repo.startsWith('corpus/')).reduce((n, r) => n + r.files.length, 0);
    const errored = readErrors.filter((e) => !e.repo.startsWith('corpus/')).length;
    expect(readCount + errored).toBe(fromRepos.length);
  });

  it('every loose file is read, or has a located read error', () => {
    const readCount = repos.filter((r) => r.repo.startsWith('corpus/')).reduce((n, r) => n + r.files.length, 0);
    const errored = readErrors.filter((e) => e.repo.startsWith('corpus/')).length;
    expect(readCount + errored).toBe(loose.length);
    readErrors.forEach(expectLocated);
  });

  it('scan against every catalog incident never throws; errors are located; reports render', () => {
    const source = componentCacheSource(join(REPO_ROOT, 'examples', 'cache'));
    const started = Date.now();
    for (const indicator of CATALOG) {
      const result = scan(repos, indicator, source);
      expect(result.summary.repos).toBe(repos.length);
      result.errors.forEach(expectLocated);
      for (const f of result.findings) expect(f.line).toBeGreaterThanOrEqual(1);
      expect(renderMarkdown(result).length).toBeGreaterThan(0);
    }
    expect(Date.now() - started).toBeLessThan(90_000);
  }, 120_000);

  it('finds real uses in the corpus (the Codecov action in codecov/codecov-action workflows)', () => {
    const codecov = CATALOG.find((i) => i.id === 'codecov-bash-uploader-2021');
    if (!codecov) throw new Error('catalog lacks codecov');
    const result = scan(repos, codecov, componentCacheSource(join(REPO_ROOT, 'examples', 'cache')));
    expect(result.summary.jobs).toBeGreaterThan(300);
    expect(result.findings.length).toBeGreaterThan(0);
  });
});

if (!present) {
  // The corpus lives beside the repository (../shared/ci-corpus); without it this suite cannot run.
  process.stderr.write('scan-corpus.spec: ../shared/ci-corpus is absent; the corpus read and scan are not run\n');
}

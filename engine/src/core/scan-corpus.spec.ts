/**
 * The whole engine over the real corpus (../shared/ci-corpus, read in place) against every catalog
 * incident: no throw, bounded time, every finding and error located, summary consistent with the lists.
 * Each `repos/<owner+repo>` folder is one repository; each workflow file of the GitHub Actions test data
 * is placed at `.github/workflows/<name>` of one synthetic repository per folder. The folder is optional:
 * without it this suite says so and checks nothing else.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CATALOG } from './indicators/catalog';
import type { RepoInput } from './model';
import { scan } from './scan';
import { memorySource } from './testing';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const CORPUS = path.join(REPO_ROOT, '..', 'shared', 'ci-corpus');

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(full));
    else if (entry.isFile() && /\.ya?ml$/.test(entry.name)) out.push(full);
  }
  return out;
}

function corpusRepos(): RepoInput[] {
  const repos: RepoInput[] = [];
  const real = path.join(CORPUS, 'repos');
  for (const name of readdirSync(real)) {
    const root = path.join(real, name);
    const files = walk(root).map((f) => ({ path: path.relative(root, f).split(path.sep).join('/'), text: readFileSync(f, 'utf8') }));
    repos.push({ repo: name.replace('+', '/'), files });
  }
  const byFolder = new Map<string, RepoInput>();
  for (const f of walk(path.join(CORPUS, 'github-actions'))) {
    const folder = path.relative(CORPUS, path.dirname(f)).split(path.sep).join('/');
    const repo = byFolder.get(folder) ?? { repo: `corpus/${folder.replace(/[^A-Za-z0-9._-]+/g, '-')}`, files: [] };
    repo.files.push({ path: `.github/workflows/${path.basename(f)}`, text: readFileSync(f, 'utf8') });
    byFolder.set(folder, repo);
  }
  return [...repos, ...byFolder.values()];
}

const present = existsSync(path.join(CORPUS, 'repos'));

if (!present) process.stderr.write('scan-corpus.spec: ../shared/ci-corpus is absent; the corpus scan is not run\n');

(present ? describe : describe.skip)('scan over the corpus', () => {
  // Without the corpus the tests are still declared (and skipped): a suite with none fails.
  const repos = present ? corpusRepos() : [];

  it('has repositories', () => {
    expect(repos.length).toBeGreaterThan(10);
  });

  it.each(CATALOG.map((i) => [i.id, i] as const))('%s: scans without throwing, located and consistent', (_id, indicator) => {
    const result = scan(repos, indicator, memorySource({}));
    expect(result.summary.repos).toBe(repos.length);
    expect(result.summary.files).toBeGreaterThan(100);
    expect(result.summary.jobs).toBeGreaterThan(100);
    expect(result.summary.unresolved).toBe(result.unresolved.length);
    expect(result.summary.errors).toBe(result.errors.length);
    expect(result.summary.affected).toBeLessThanOrEqual(result.findings.filter((f) => f.affected).length);
    for (const f of result.findings) {
      expect(f.line).toBeGreaterThanOrEqual(1);
      expect(f.file).not.toBe('');
      expect(f.reasons.length).toBeGreaterThan(0);
    }
    for (const e of result.errors) expect(e.line).toBeGreaterThanOrEqual(1);
  });

  it('finds the Codecov uploader where the corpus uses it', () => {
    const codecov = CATALOG.find((i) => i.id === 'codecov-bash-uploader-2021');
    expect(codecov).toBeDefined();
    if (!codecov) return;
    const result = scan(repos, codecov, memorySource({}));
    expect(result.findings.length).toBeGreaterThan(0);
    expect(result.unresolved.length).toBeGreaterThan(0);
  });
});

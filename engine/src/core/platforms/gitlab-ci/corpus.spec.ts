/**
 * Every GitLab CI file of the shared corpus (../shared/ci-corpus, read in place) parses without
 * throwing; problems are located errors. Each file is read as the `.gitlab-ci.yml` of its repository,
 * with the repository's other GitLab files available as local includes.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { RepoInput } from '../../model';
import { memorySource } from '../../testing';
import { gitlabCi } from './index';

const repoRoot = path.resolve(__dirname, '../../../../..');
const CORPUS = path.join(repoRoot, '..', 'shared', 'ci-corpus');

interface CorpusFile {
  /** corpus-relative path, for test names */
  name: string;
  /** path relative to its repository folder */
  repoPath: string;
  repoDir: string;
  text: string;
}

/** `<group>/<owner+repo>` folders hold one repository each. */
function gitlabFiles(): CorpusFile[] {
  const out: CorpusFile[] = [];
  for (const group of readdirSync(CORPUS)) {
    const groupDir = path.join(CORPUS, group);
    if (!statSync(groupDir).isDirectory()) continue;
    for (const repo of readdirSync(groupDir)) {
      const repoDir = path.join(groupDir, repo);
      if (!statSync(repoDir).isDirectory()) continue;
      const walk = (dir: string, gitlabDir: boolean): void => {
        for (const entry of readdirSync(dir)) {
          const full = path.join(dir, entry);
          const isGitlab = gitlabDir || /gitlab/i.test(entry);
          if (statSync(full).isDirectory()) walk(full, isGitlab);
          else if (isGitlab && /\.ya?ml$/.test(entry)) {
            out.push({ name: path.relative(CORPUS, full), repoPath: path.relative(repoDir, full).split(path.sep).join('/'), repoDir, text: readFileSync(full, 'utf8') });
          }
        }
      };
      walk(repoDir, false);
    }
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}

const present = existsSync(CORPUS);
const files = present ? gitlabFiles() : [];

// Skipped, with one line saying so, only when the shared corpus is not next to the repository.
if (!present) process.stderr.write('gitlab-ci/corpus.spec: ../shared/ci-corpus is absent; skipping the corpus run\n');
const describeCorpus = present ? describe : describe.skip;

describeCorpus('GitLab CI corpus (../shared/ci-corpus)', () => {
  it('finds the GitLab files of the corpus', () => {
    expect(files.length).toBeGreaterThanOrEqual(19);
  });

  it.each(files.map((f) => [f.name, f] as const))('%s parses or gives located errors', (_name, f) => {
    const siblings = files.filter((o) => o.repoDir === f.repoDir && o !== f).map((o) => ({ path: o.repoPath, text: o.text }));
    const repo: RepoInput = { repo: 'corpus/repo', files: [{ path: '.gitlab-ci.yml', text: f.text }, ...siblings] };
    const result = gitlabCi.parse(repo, memorySource({}));
    // Either a pipeline, or no pipeline and the located errors that say why.
    expect(result.pipelines.length === 1 || (result.pipelines.length === 0 && result.errors.length > 0)).toBe(true);
    const jobs = result.pipelines.flatMap((p) => p.jobs);
    for (const e of [...result.errors, ...result.pipelines.flatMap((p) => p.errors)]) {
      expect(e.repo).toBe('corpus/repo');
      expect(e.file.length).toBeGreaterThan(0);
      expect(e.line).toBeGreaterThanOrEqual(1);
      expect(e.code).toMatch(/^[a-z0-9-]+$/);
      expect(e.message.length).toBeGreaterThan(0);
    }
    for (const j of jobs) {
      expect(j.pos.line).toBeGreaterThanOrEqual(1);
      expect(j.secrets.some((s) => s.kind === 'ci-token')).toBe(true);
    }
  });

  it('reads the mattermost-server pipeline: jobs, stages, an unresolved project include', () => {
    const f = files.find((x) => x.name === path.join('repos', 'mattermost+mattermost-server', '.gitlab-ci.yml'));
    expect(f).toBeDefined();
    const p = gitlabCi.parse({ repo: 'mattermost/mattermost-server', files: [{ path: '.gitlab-ci.yml', text: f!.text }] }, memorySource({})).pipelines[0]!;
    expect(p.uses.map((u) => u.ref.raw)).toEqual(['mattermost/ci/mattermost-server@master']);
    expect(p.jobs.length).toBeGreaterThan(0);
    for (const j of p.jobs) expect(j.uses.map((u) => u.ref.raw)).toContain('mattermost/ci/mattermost-server@master');
    expect(p.jobs.map((j) => j.id)).not.toContain('.lint');
  });
});

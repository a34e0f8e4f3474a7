/**
 * The real corpus (../shared/ci-corpus, read in place): every CircleCI file parses, or yields located
 * errors, and never throws. The folder is optional: without it the suite is skipped with one line that says so.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { decodeSource } from '../../yaml';
import { parseConfig } from './parse';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..', '..');
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

const present = existsSync(CORPUS);
const files = present ? walk(CORPUS).filter((f) => f.split(path.sep).some((seg) => seg.includes('circleci'))) : [];
if (!present) process.stderr.write('circleci/corpus.spec: ../shared/ci-corpus is absent; skipping the corpus run\n');
const describeCorpus = present ? describe : describe.skip;

/** The file's text as the shell hands it over (strict UTF-8), or a failure naming why. */
function read(full: string): string {
  const decoded = decodeSource(readFileSync(full));
  if (!('text' in decoded)) throw new Error(`${full}: ${decoded.message}`);
  return decoded.text;
}

describeCorpus('CircleCI corpus (../shared/ci-corpus)', () => {
  it('has CircleCI files', () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
  });

  // (`it.each` refuses an empty table; an empty corpus already fails the test above.)
  it.each(files.length > 0 ? files.map((f) => [path.relative(CORPUS, f).split(path.sep).join('/'), f]) : [['(none)', '']])('%s parses or gives located errors', (rel, full) => {
    const text = read(full);
    const result = parseConfig(rel.split('/')[0] ?? 'corpus', { path: rel, text });
    expect(result.pipeline !== undefined || result.errors.length > 0).toBe(true);
    for (const e of result.errors) {
      expect(e.file).toBe(rel);
      expect(e.line).toBeGreaterThanOrEqual(1);
      expect(e.line).toBeLessThanOrEqual(text.split('\n').length);
      expect(e.code).toMatch(/^[a-z0-9-]+$/);
    }
    for (const job of result.pipeline?.jobs ?? []) {
      expect(job.pos.line).toBeGreaterThanOrEqual(1);
      for (const step of job.steps) expect(step.pos.line).toBeGreaterThanOrEqual(1);
    }
  });

  it('reads the mattermost-server config: entries, contexts, workspaces, orb uses, parameters', () => {
    const rel = 'repos/mattermost+mattermost-server/.circleci/config.yml';
    const text = read(path.join(CORPUS, rel));
    const p = parseConfig('mattermost/mattermost-server', { path: rel, text }).pipeline;
    if (!p) throw new Error('no pipeline');
    expect(p.errors).toEqual([]);
    expect(p.uses.map((u) => u.ref.raw)).toEqual(['circleci/aws-s3@2.0.0', 'entur/owasp@0.0.10']);
    const ids = p.jobs.map((j) => j.id);
    expect(ids).toContain('untagged-build/test-mysql');
    expect(ids).toContain('release-build/test-postgres');
    expect(ids).toContain('build-docker');
    const docker = p.jobs.find((j) => j.id === 'build-docker');
    expect(docker).toMatchObject({ contexts: ['matterbuild-docker'], needs: ['upload-s3-sha'], deploys: true });
    expect(docker?.secrets.map((s) => s.name)).toEqual(['project environment variables', 'matterbuild-docker', 'DOCKER_PASSWORD']);
    const s3 = p.jobs.find((j) => j.id === 'upload-s3-sha');
    expect(s3?.steps.find((s) => s.uses)?.uses).toMatchObject({ ref: { kind: 'orb-element', element: 'copy', orb: { raw: 'circleci/aws-s3@2.0.0' } } });
    expect(s3?.consumes.map((c) => c.via)).toEqual(['workspace']);
    const race = p.jobs.find((j) => j.id === 'release-build/test-mysql');
    expect(race?.steps.some((s) => s.run?.includes('make test-server-race BUILD_NUMBER'))).toBe(true);
    expect(race?.runner.labels).toEqual(['machine: ubuntu-1604:201903-01', 'xlarge']);
    const setup = p.jobs.find((j) => j.id === 'untagged-build/setup');
    expect(setup?.produces.map((f) => f.via)).toEqual(['workspace']);
    expect(setup?.triggers).toEqual([{ kind: 'push', detail: 'branches except: master, /^release-.*/' }]);
  });
});

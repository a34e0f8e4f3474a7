/**
 * Every GitHub Actions file of the shared corpus (real workflows, plus a security linter's deliberately
 * hostile test data) is read without a throw: a workflow gives a pipeline or located errors, an action
 * definition expands or gives located errors.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ScanError } from '../../model';
import { memorySource } from '../../testing';
import { decodeSource } from '../../yaml';
import { githubActions } from './index';
import { parseWorkflow } from './workflow';

const repoRoot = path.resolve(__dirname, '..', '..', '..', '..', '..');
const CORPUS = path.join(repoRoot, '..', 'shared', 'ci-corpus');

function corpusFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.isFile() && /\.ya?ml$/.test(e.name)) out.push(path.relative(CORPUS, full).split(path.sep).join('/'));
    }
  };
  walk(CORPUS);
  return out.filter((p) => p.includes('.github/workflows/') || p.startsWith('github-actions/')).sort();
}

const present = fs.existsSync(CORPUS);
// The title stays the same when skipped, so that jest keeps the suite's snapshot (not "obsolete").
if (!present) process.stderr.write('github-actions/corpus.spec: ../shared/ci-corpus is absent; skipping the corpus run\n');
const describeCorpus = present ? describe : describe.skip;

describeCorpus('GitHub Actions corpus (../shared/ci-corpus)', () => {
  it('reads every workflow and action without a throw; every error has a file and a line', () => {
    const files = corpusFiles();
    expect(files.length).toBeGreaterThan(300);
    const throws: string[] = [];
    const errors: ScanError[] = [];
    let workflows = 0;
    let actions = 0;
    let errored = 0;
    let jobs = 0;
    let uses = 0;
    for (const rel of files) {
      const decoded = decodeSource(fs.readFileSync(path.join(CORPUS, rel)));
      if (!('text' in decoded)) {
        errored++;
        continue;
      }
      const text = decoded.text;
      try {
        if (/(^|\/)action\.ya?ml$/.test(rel)) {
          // An action definition: expand it as a local action of a repository that holds only it.
          const dir = rel.slice(0, rel.lastIndexOf('/'));
          const x = githubActions.expand(
            { ref: { kind: 'gha-local-action', path: dir, raw: `./${dir}` }, pos: { file: rel, line: 1 } },
            { repo: { repo: 'corpus/actions', files: [{ path: rel, text }] }, source: memorySource({}) },
          );
          errors.push(...x.errors);
          if (x.status === 'resolved') actions++;
          else errored++;
        } else {
          const r = parseWorkflow('corpus/workflows', { path: rel, text });
          errors.push(...r.errors, ...(r.pipeline?.errors ?? []));
          if (r.pipeline) {
            workflows++;
            jobs += r.pipeline.jobs.length;
            uses += r.pipeline.jobs.reduce((n, j) => n + j.uses.length + j.steps.filter((s) => s.uses).length, 0);
          } else {
            errored++;
          }
        }
      } catch (err) {
        throws.push(`${rel}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    expect(throws).toEqual([]);
    for (const e of errors) {
      expect(e.file).toEqual(expect.any(String));
      expect(e.file).not.toBe('');
      expect(Number.isInteger(e.line) && e.line >= 1).toBe(true);
      expect(e.message).not.toBe('');
    }
    // Most of the corpus is real, valid workflows: they must parse into jobs with components.
    expect(workflows + actions).toBeGreaterThan(files.length * 0.8);
    expect(errored).toBeLessThan(files.length * 0.2);
    expect(jobs).toBeGreaterThan(workflows);
    expect(uses).toBeGreaterThan(jobs);
    expect({ files: files.length, workflows, actions, errored, throws: throws.length }).toMatchSnapshot();
  });

  it('parses every workflow of each corpus repository through githubActions.parse', () => {
    const repos = fs.readdirSync(path.join(CORPUS, 'repos'));
    let pipelines = 0;
    for (const name of repos) {
      const root = path.join(CORPUS, 'repos', name, '.github', 'workflows');
      if (!fs.existsSync(root)) continue;
      const files = fs
        .readdirSync(root)
        .filter((f) => /\.ya?ml$/.test(f))
        .map((f) => ({ path: `.github/workflows/${f}`, text: fs.readFileSync(path.join(root, f), 'utf8') }));
      const { pipelines: ps, errors } = githubActions.parse({ repo: name.replace('+', '/'), files }, memorySource({}));
      expect(ps.length + new Set(errors.map((e) => e.file)).size).toBe(files.length);
      pipelines += ps.length;
    }
    expect(pipelines).toBeGreaterThan(50);
  });
});

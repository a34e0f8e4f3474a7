/**
 * The module together with the engine's resolver (resolve/resolver.ts, owned elsewhere): the trees the
 * resolver builds from what parse and expand say, on the exposure fixture.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ComponentNode, RepoInput } from '../../model';
import { resolveJob } from '../../resolve/resolve';
import { walkNodes } from '../../resolve/resolver';
import { memorySource } from '../../testing';
import { gitlabCi } from './index';

const FIXTURES = path.join(__dirname, '__fixtures__');

function readTree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else out[path.relative(root, full).split(path.sep).join('/')] = readFileSync(full, 'utf8');
    }
  };
  walk(root);
  return out;
}

const repo: RepoInput = { repo: 'acme/app', files: Object.entries(readTree(path.join(FIXTURES, 'exposure'))).map(([p, text]) => ({ path: p, text })) };
const source = memorySource(readTree(path.join(FIXTURES, 'cache')));
const pipeline = gitlabCi.parse(repo, source).pipelines[0]!;
const expander = (use: Parameters<typeof gitlabCi.expand>[0], ctx: Parameters<typeof gitlabCi.expand>[1]) => (use.ref.kind === 'gitlab-include' ? gitlabCi.expand(use, ctx) : undefined);

/** `raw@file:line` chains from each root to each script-url, the include chains, and the unresolved nodes. */
function summary(jobId: string): { scripts: string[]; includes: string[]; unresolved: string[] } {
  const job = pipeline.jobs.find((j) => j.id === jobId)!;
  const tree = resolveJob(job, pipeline, { repo, source }, expander).components;
  const show = (n: ComponentNode): string => `${n.use.ref.kind === 'script-url' ? n.use.ref.url : n.use.ref.raw}@${n.use.pos.file}:${n.use.pos.line}`;
  const scripts = new Set<string>();
  const unresolved: string[] = [];
  const includes = new Set<string>();
  for (const { node, path: p } of walkNodes(tree)) {
    if (node.use.ref.kind === 'script-url') scripts.add(p.map(show).join(' → '));
    if (node.use.ref.kind === 'gitlab-include' && node.status === 'resolved') {
      includes.add(p.map((n) => (n.use.ref.kind === 'gitlab-include' ? `${n.use.ref.raw}:${n.use.ref.file}` : n.use.ref.raw)).join(' → '));
    }
    if (node.status === 'unresolved') unresolved.push(`${show(node)}: ${node.reason ?? ''}`);
  }
  return { scripts: [...scripts], includes: [...includes], unresolved };
}

describe('GitLab pipelines through the resolver', () => {
  it('the include job: include → script, located in the included file', () => {
    expect(summary('coverage').scripts).toEqual(['acme/ci-templates@v2@.gitlab-ci.yml:12 → https://codecov.io/bash@acme/ci-templates@v2//templates/coverage.yml:10']);
  });

  it('extends and !reference jobs: the script in the main file', () => {
    expect(summary('unit-coverage').scripts).toEqual(['https://codecov.io/bash@.gitlab-ci.yml:32']);
    // A section assembled by !reference has no exact per-line position: the resolver counts lines from
    // the `script:` key (45), which here lands on the `!reference` that brought the line in (46).
    expect(summary('ref-coverage').scripts).toEqual(['https://codecov.io/bash@.gitlab-ci.yml:46']);
  });

  it('every job reaches every include (a compromised include can change any job), nested ones through their parent', () => {
    for (const j of pipeline.jobs) {
      expect([j.id, summary(j.id).includes.sort()]).toEqual([
        j.id,
        ['acme/ci-templates@v2:templates/coverage.yml', 'acme/ci-templates@v2:templates/coverage.yml → acme/ci-templates@v2:templates/common.yml', 'ci/build.yml:ci/build.yml'],
      ]);
    }
  });

  it('ok-* jobs reach no script; every job shows the unresolved remote include with where it was looked for', () => {
    for (const id of ['ok-lint', 'ok-docs', 'deploy-prod', 'build-app']) {
      const s = summary(id);
      expect([id, s.scripts]).toEqual([id, []]);
      expect(s.unresolved).toEqual(['https://example.com/ci/missing.yml@.gitlab-ci.yml:15: looked for in-memory cache path gitlab/remote/example.com/ci/missing.yml']);
    }
  });
});

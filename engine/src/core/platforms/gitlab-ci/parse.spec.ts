import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ComponentUse, Job, Pipeline, RepoInput } from '../../model';
import { findFetchedScripts } from '../../shell';
import { jobById, memorySource } from '../../testing';
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

function fixtureRepo(): RepoInput {
  const files = readTree(path.join(FIXTURES, 'exposure'));
  return { repo: 'acme/app', files: Object.entries(files).map(([p, text]) => ({ path: p, text })) };
}

function parseFixture(): Pipeline {
  const { pipelines } = gitlabCi.parse(fixtureRepo(), memorySource(readTree(path.join(FIXTURES, 'cache'))));
  expect(pipelines).toHaveLength(1);
  return pipelines[0]!;
}

const job = jobById;

/** Script URLs a job's own steps fetch and run (what the resolver will find in `run` text). */
function fetched(j: Job): string[] {
  return j.steps.flatMap((s) => (s.run === undefined ? [] : findFetchedScripts(s.run, s.pos))).map((u) => (u.ref.kind === 'script-url' ? u.ref.url : u.ref.raw));
}

function raws(uses: readonly ComponentUse[]): string[] {
  return uses.map((u) => u.ref.raw);
}

describe('gitlabCi.matches', () => {
  it.each([
    ['.gitlab-ci.yml', true],
    ['.gitlab-ci.yaml', true],
    ['./.gitlab-ci.yml', true],
    ['ci/.gitlab-ci.yml', false],
    ['gitlab-ci.yml', false],
    ['.github/workflows/ci.yml', false],
  ])('%s → %s', (p, expected) => {
    expect(gitlabCi.matches(p)).toBe(expected);
  });
});

describe('gitlabCi.parse on the exposure fixture', () => {
  const p = parseFixture();

  it('reads one pipeline named by workflow:name, with every include as a use', () => {
    expect(p).toMatchObject({ platform: 'gitlab-ci', repo: 'acme/app', file: '.gitlab-ci.yml', name: 'exposure fixture' });
    expect(raws(p.uses)).toEqual(['ci/build.yml', 'acme/ci-templates@v2', 'acme/ci-templates@v2', 'https://example.com/ci/missing.yml']);
    expect(p.uses[1]!.ref).toMatchObject({ include: 'project', project: 'acme/ci-templates', ref: 'v2', file: 'templates/coverage.yml' });
    // The nested local include of the project file is a file of that project at the same ref.
    expect(p.uses[2]!.ref).toMatchObject({ include: 'project', project: 'acme/ci-templates', ref: 'v2', file: 'templates/common.yml' });
    expect(p.uses[2]!.pos).toEqual({ file: 'acme/ci-templates@v2//templates/coverage.yml', line: 3 });
    expect(p.errors).toEqual([]);
    // The commented-out include (evil/templates) is not a use.
    expect(p.uses.some((u) => u.ref.raw.includes('evil'))).toBe(false);
  });

  it('lists exactly the visible jobs (hidden templates and keywords are not jobs)', () => {
    expect(p.jobs.map((j) => j.id).sort()).toEqual(['build-app', 'coverage', 'deploy-prod', 'ok-docs', 'ok-lint', 'ref-coverage', 'unit-coverage']);
  });

  it('positive via include: the project template job runs curl | bash, from the include', () => {
    const j = job(p, 'coverage');
    expect(j.pos).toEqual({ file: 'acme/ci-templates@v2//templates/coverage.yml', line: 5 });
    expect(fetched(j)).toEqual(['https://codecov.io/bash']);
    const script = j.steps.find((s) => s.name === 'script')!;
    expect(script.from?.map((u) => u.ref.raw)).toEqual(['acme/ci-templates@v2']);
    expect(script.from?.[0]!.inputs).toEqual({ __job: 'coverage' });
    // before_script comes from the nested include's hidden template, through both includes.
    const before = j.steps.find((s) => s.name === 'before_script')!;
    expect(before.run).toBe('apk add --no-cache curl bash');
    expect(before.from?.map((u) => `${u.ref.raw}:${u.ref.kind === 'gitlab-include' ? u.ref.file : ''}`)).toEqual([
      'acme/ci-templates@v2:templates/coverage.yml',
      'acme/ci-templates@v2:templates/common.yml',
    ]);
    expect(raws(j.uses)).toContain('alpine:3.19');
    // The fetched script is located at its own line in the included file.
    expect(findFetchedScripts(script.run!, script.runPos ?? script.pos)[0]!.pos).toEqual({ file: 'acme/ci-templates@v2//templates/coverage.yml', line: 10 });
  });

  it('positive via extends of a hidden job: bash <(curl …)', () => {
    const j = job(p, 'unit-coverage');
    expect(fetched(j)).toEqual(['https://codecov.io/bash']);
    expect(j.steps.map((s) => s.name)).toEqual(['before_script', 'script']);
    expect(j.steps[0]!.run).toBe('echo "default before_script"');
    expect(j.steps[1]).toMatchObject({ pos: { file: '.gitlab-ci.yml', line: 31 } });
  });

  it('positive via !reference: referenced lines spliced in, file variables expanded', () => {
    const j = job(p, 'ref-coverage');
    const script = j.steps.find((s) => s.name === 'script')!;
    expect(script.run).toBe('npm ci\ncurl -s https://codecov.io/bash | bash\necho done');
    // Lines came from two places: no exact first-line position, the step is located at its key.
    expect(script.runPos).toBeUndefined();
    expect(script.pos).toEqual({ file: '.gitlab-ci.yml', line: 45 });
    expect(fetched(j)).toEqual(['https://codecov.io/bash']);
  });

  it('ok-* jobs fetch nothing (YAML comments and comment-only lines do not run)', () => {
    for (const id of ['ok-lint', 'ok-docs', 'build-app', 'deploy-prod']) expect(fetched(job(p, id))).toEqual([]);
    expect(job(p, 'ok-lint').steps.find((s) => s.name === 'script')!.run).toBe('npm run lint');
  });

  it('default image with a file variable expanded; job image overrides it', () => {
    const image = (id: string): ComponentUse[] => job(p, id).uses.filter((u) => u.ref.kind === 'image');
    expect(image('unit-coverage').map((u) => u.ref)).toEqual([{ kind: 'image', name: 'node', tag: '20', raw: 'node:20' }]);
    expect(image('ok-docs').map((u) => u.ref)).toEqual([{ kind: 'image', name: 'python', tag: '3.12', raw: 'python:3.12' }]);
  });

  it('the deploy job: needs the build, consumes its artifacts, OIDC, environment, tags, credential variables', () => {
    const d = job(p, 'deploy-prod');
    expect(d.needs).toEqual(['build-app']);
    expect(d.consumes).toEqual([{ via: 'artifact', name: 'build-app', pos: { file: '.gitlab-ci.yml', line: 51 } }]);
    expect(d.environment).toBe('production');
    expect(d.deploys).toBe(true);
    expect(d.oidc).toBe(true);
    expect(d.permissions).toEqual({ kind: 'not-applicable' });
    expect(d.runner).toEqual({ selfHosted: true, labels: ['prod-runner'] });
    expect(d.secrets.map((s) => `${s.kind}:${s.name}`).sort()).toEqual([
      'ci-token:CI_JOB_TOKEN',
      'id-token:AWS_ID_TOKEN',
      'project-env:project and group CI/CD variables',
      'variable:DEPLOY_TOKEN',
    ]);
  });

  it('the build job (from a local include) produces artifacts and a cache', () => {
    const b = job(p, 'build-app');
    expect(b.pos).toEqual({ file: 'ci/build.yml', line: 2 });
    expect(b.produces.map((f) => `${f.via}:${f.name}`)).toEqual(['artifact:build-app', 'cache:deps-$CI_COMMIT_REF_SLUG']);
    expect(b.consumes.map((f) => `${f.via}:${f.name}`)).toEqual(['cache:deps-$CI_COMMIT_REF_SLUG']);
    expect(b.steps[1]!.from?.map((u) => u.ref.raw)).toEqual(['ci/build.yml']);
    expect(b.deploys).toBe(false);
    expect(b.runner.selfHosted).toBe(false);
  });

  it('stage order gives needs and artifact downloads when needs: is absent', () => {
    const c = job(p, 'unit-coverage');
    expect(c.needs.sort()).toEqual(['build-app', 'ok-docs']);
    expect(c.consumes.map((f) => f.name)).toEqual(['build-app']);
    expect(job(p, 'ok-lint').needs).toEqual([]);
  });

  it('the unresolved remote include is in every job’s uses', () => {
    for (const j of p.jobs) expect(raws(j.uses)).toContain('https://example.com/ci/missing.yml');
  });

  it('every job uses every include of the main file, tagged with the names it draws from each', () => {
    const shown = (id: string): Array<[string, number, string | undefined]> => job(p, id).uses.map((u) => [u.ref.raw, u.pos.line, u.inputs?.__job]);
    expect(shown('coverage')).toEqual([
      ['ci/build.yml', 11, ''],
      ['acme/ci-templates@v2', 12, 'coverage\n.common'],
      ['alpine:3.19', 8, undefined],
      ['https://example.com/ci/missing.yml', 15, undefined],
    ]);
    expect(shown('build-app')).toEqual([
      ['ci/build.yml', 11, 'build-app'],
      ['acme/ci-templates@v2', 12, ''],
      ['node:20', 26, undefined],
      ['https://example.com/ci/missing.yml', 15, undefined],
    ]);
    expect(shown('unit-coverage').map(([raw, , tag]) => `${raw}:${tag ?? '-'}`)).toEqual(['ci/build.yml:', 'acme/ci-templates@v2:', 'node:20:-', 'https://example.com/ci/missing.yml:-']);
  });

  it('triggers come from workflow:rules (merge requests carry the fork note)', () => {
    expect(p.triggers.map((t) => t.kind)).toEqual(['merge_request', 'tag', 'push']);
    expect(p.triggers[0]!.detail).toMatch(/fork/);
    expect(job(p, 'ok-lint').triggers).toEqual(p.triggers);
  });
});

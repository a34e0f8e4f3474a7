/**
 * One block per rule of the GitLab module, each on a small inline pipeline.
 */
import type { Job } from '../../model';
import { jobById, lines, memorySource } from '../../testing';
import { gitlabCi } from './index';
import { parseGitlab } from './testing';
import { FORK_MR_NOTE } from './triggers';

const parse = parseGitlab;

const job = jobById;

const run = (j: Job, section = 'script'): string | undefined => j.steps.find((s) => s.name === section)?.run;

describe('includes', () => {
  it('accepts a bare string (local or remote), a map and a list; nested local includes of any depth', () => {
    const p = parse(lines('include: ci/a.yml', 'main:', '  script: [echo main]'), {
      'ci/a.yml': lines('include:', '  - local: /ci/b.yml', 'a:', '  script: [echo a]'),
      'ci/b.yml': lines('include: https://example.com/x.yml', 'b:', '  script: [echo b]'),
    });
    expect(p.uses.map((u) => `${u.ref.kind === 'gitlab-include' ? u.ref.include : ''}:${u.ref.raw}@${u.pos.file}:${u.pos.line}`)).toEqual([
      'local:ci/a.yml@.gitlab-ci.yml:1',
      'local:/ci/b.yml@ci/a.yml:2',
      'remote:https://example.com/x.yml@ci/b.yml:1',
    ]);
    expect(p.jobs.map((j) => j.id)).toEqual(['b', 'a', 'main']);
    expect(job(p, 'b').steps[0]!.from?.map((u) => u.ref.raw)).toEqual(['ci/a.yml', '/ci/b.yml']);
    expect(job(p, 'b').pos).toEqual({ file: 'ci/b.yml', line: 2 });
  });

  it('a missing local include is a located error and unresolved in every job', () => {
    const p = parse(lines('include:', '  - local: ci/nope.yml', 'main:', '  script: [echo]'));
    expect(p.errors).toEqual([expect.objectContaining({ file: '.gitlab-ci.yml', line: 2, code: 'gitlab-include-missing' })]);
    expect(job(p, 'main').uses.map((u) => u.ref.raw)).toEqual(['ci/nope.yml']);
  });

  it('cycles terminate with a located error', () => {
    const p = parse(lines('include: ci/a.yml', 'main:', '  script: [echo]'), {
      'ci/a.yml': lines('include: ci/b.yml', 'a:', '  script: [echo a]'),
      'ci/b.yml': lines('include: ci/a.yml', 'b:', '  script: [echo b]'),
    });
    expect(p.errors).toEqual([expect.objectContaining({ file: 'ci/b.yml', line: 1, code: 'gitlab-include-cycle' })]);
    expect(p.jobs.map((j) => j.id).sort()).toEqual(['a', 'b', 'main']);
  });

  it('a self-including main file stops too', () => {
    const p = parse(lines('include: .gitlab-ci.yml', 'main:', '  script: [echo]'));
    expect(p.errors.map((e) => e.code)).toEqual(['gitlab-include-cycle']);
  });

  it('merges as GitLab does: later includes override earlier ones, the main file wins, hashes deep-merge', () => {
    const p = parse(
      lines('include: [ci/a.yml, ci/b.yml]', 'variables:', '  X: main', 'job:', '  variables:', '    V2: main', '  script: [echo $X $V1 $V2 $V3]'),
      {
        'ci/a.yml': lines('variables:', '  X: a', '  Y: a', 'job:', '  stage: build', '  variables: {V1: a, V2: a, V3: a}', '  script: [echo a]'),
        'ci/b.yml': lines('job:', '  variables: {V3: b}', '  script: [echo b]'),
      },
    );
    const j = job(p, 'job');
    expect(run(j)).toBe('echo main a main b');
    expect(j.pos).toEqual({ file: '.gitlab-ci.yml', line: 4 });
    expect(j.steps[0]!.from).toBeUndefined();
    expect(j.needs).toEqual([]); // stage build came from ci/a.yml
  });

  it('project includes with a file list, through the source; paths with file variables expanded', () => {
    const p = parse(
      lines('variables:', '  TPL_REF: v1', 'include:', '  - project: acme/tpl', '    ref: $TPL_REF', '    file: [/a.yml, b.yml]'),
      {},
      { 'gitlab/acme/tpl@v1/a.yml': lines('a:', '  script: [echo a]'), 'gitlab/acme/tpl@v1/b.yml': lines('b:', '  script: [echo b]') },
    );
    expect(p.uses.map((u) => u.ref)).toEqual([
      { kind: 'gitlab-include', include: 'project', project: 'acme/tpl', ref: 'v1', file: 'a.yml', raw: 'acme/tpl@v1' },
      { kind: 'gitlab-include', include: 'project', project: 'acme/tpl', ref: 'v1', file: 'b.yml', raw: 'acme/tpl@v1' },
    ]);
    expect(job(p, 'b').pos).toEqual({ file: 'acme/tpl@v1//b.yml', line: 1 });
  });

  it('templates and components through the source; missing ones are unresolved in every job, not errors', () => {
    const p = parse(
      lines(
        'include:',
        '  - template: Security/SAST.gitlab-ci.yml',
        '  - component: $CI_SERVER_FQDN/acme/components/codecov@1.2.0',
        '    inputs:',
        '      url: https://codecov.io/bash',
        '  - component: gitlab.com/acme/components/absent@2.0',
        'main:',
        '  script: [echo]',
      ),
      {},
      {
        'gitlab/templates/Security/SAST.gitlab-ci.yml': lines('sast:', '  script: [run-sast]'),
        'gitlab/acme/components@1.2.0/templates/codecov.yml': lines(
          'spec:',
          '  inputs:',
          '    url:',
          '      default: https://example.com/default',
          '    stage:',
          '      default: test',
          '---',
          'codecov-upload:',
          '  stage: $[[ inputs.stage ]]',
          '  script:',
          '    - curl -s $[[ inputs.url ]] | bash',
        ),
      },
    );
    expect(p.errors).toEqual([]);
    expect(p.uses.map((u) => u.ref)).toEqual([
      { kind: 'gitlab-include', include: 'template', file: 'Security/SAST.gitlab-ci.yml', raw: 'Security/SAST.gitlab-ci.yml' },
      { kind: 'gitlab-include', include: 'component', project: 'acme/components', ref: '1.2.0', file: 'codecov', raw: '$CI_SERVER_FQDN/acme/components/codecov@1.2.0' },
      { kind: 'gitlab-include', include: 'component', project: 'acme/components', ref: '2.0', file: 'absent', raw: 'gitlab.com/acme/components/absent@2.0' },
    ]);
    expect(p.uses[1]!.inputs).toEqual({ url: 'https://codecov.io/bash' });
    const c = job(p, 'codecov-upload');
    expect(run(c)).toBe('curl -s https://codecov.io/bash | bash');
    expect(c.pos).toEqual({ file: '$CI_SERVER_FQDN/acme/components/codecov@1.2.0//templates/codecov.yml', line: 8 });
    expect(job(p, 'sast').pos.file).toBe('Security/SAST.gitlab-ci.yml//Security/SAST.gitlab-ci.yml');
    for (const j of p.jobs) expect(j.uses.map((u) => u.ref.raw).at(-1)).toBe('gitlab.com/acme/components/absent@2.0');
    // Every job uses every include of the main file, tagged with what it draws from it (sast: its own
    // definition; nothing from the component, which still shapes its configuration).
    expect(job(p, 'sast').uses.map((u) => [u.ref.raw, u.inputs])).toEqual([
      ['Security/SAST.gitlab-ci.yml', { __job: 'sast' }],
      ['$CI_SERVER_FQDN/acme/components/codecov@1.2.0', { __job: '', url: 'https://codecov.io/bash' }],
      ['gitlab.com/acme/components/absent@2.0', undefined],
    ]);
  });

  it('at most 150 includes and 100 levels of nesting, as GitLab: then located errors', () => {
    const many: Record<string, string> = {};
    for (let i = 0; i < 200; i++) many[`ci/f${i}.yml`] = lines(`j${i}:`, '  script: [x]');
    const wide = parse(lines('include: "ci/*.yml"'), many);
    expect(wide.uses).toHaveLength(150);
    expect(wide.errors).toHaveLength(50);
    expect(wide.errors[0]).toMatchObject({ file: '.gitlab-ci.yml', line: 1, code: 'gitlab-include-limit' });

    const chain: Record<string, string> = {};
    for (let i = 0; i < 120; i++) chain[`c/${i}.yml`] = lines(`include: c/${i + 1}.yml`, `j${i}:`, '  script: [x]');
    const deep = parse(lines('include: c/0.yml'), chain);
    expect(deep.errors).toEqual([expect.objectContaining({ file: 'c/99.yml', line: 1, code: 'gitlab-include-limit' })]);
  });

  it('local wildcards include every matching repository file', () => {
    const p = parse(lines('include: ci/**.yml'), { 'ci/a.yml': lines('a:', '  script: [x]'), 'ci/sub/b.yml': lines('b:', '  script: [y]'), 'other.yml': lines('c:', '  script: [z]') });
    expect(p.jobs.map((j) => j.id).sort()).toEqual(['a', 'b']);
  });

  it('bad include entries are located errors', () => {
    const p = parse(lines('include:', '  - 42', '  - [x]', '  - {project: acme/x}', '  - component: nohost', '  - {}', 'main:', '  script: [echo]'));
    expect(p.errors.map((e) => `${e.line}:${e.code}`)).toEqual(['3:gitlab-include-invalid', '4:gitlab-include-invalid', '5:gitlab-include-invalid', '2:gitlab-include-missing']);
    // `42` is read as a local path (GitLab would reject it; here it is simply not found); `{}` is ignored.
  });
});

describe('extends, !reference and default', () => {
  it('multi-level extends with a list, deep merge, the job’s own keys win', () => {
    const p = parse(
      lines(
        '.base:',
        '  image: ruby:3',
        '  variables: {A: base, B: base}',
        '  script: [echo base]',
        '.mid:',
        '  extends: .base',
        '  variables: {B: mid}',
        '.other:',
        '  before_script: [echo other]',
        'job:',
        '  extends: [.mid, .other]',
        '  variables: {C: job}',
        '  script: [echo $A $B $C]',
      ),
    );
    const j = job(p, 'job');
    expect(run(j)).toBe('echo base mid job');
    expect(run(j, 'before_script')).toBe('echo other');
    expect(j.uses.map((u) => u.ref.raw)).toEqual(['ruby:3']);
    expect(j.uses[0]!.pos).toEqual({ file: '.gitlab-ci.yml', line: 2 });
    expect(p.errors).toEqual([]);
  });

  it('extends cycles and unknown templates are located errors, never a hang', () => {
    const p = parse(lines('.a:', '  extends: .b', '  script: [a]', '.b:', '  extends: .a', 'job:', '  extends: [.a, .missing]'));
    expect(p.errors.map((e) => `${e.line}:${e.code}`).sort()).toEqual(['5:gitlab-extends-cycle', '7:gitlab-extends-unknown']);
    expect(run(job(p, 'job'))).toBe('a');
  });

  it('nested !reference, references inside script arrays are flattened, nested arrays too', () => {
    const p = parse(
      lines(
        '.one:',
        '  script: [one-a, [one-b, one-c]]',
        '.two:',
        '  script:',
        '    - !reference [.one, script]',
        '    - two',
        '.vars:',
        '  variables:',
        '    deep:',
        '      url: https://codecov.io/bash',
        'job:',
        '  variables:',
        '    URL: !reference [.vars, variables, deep, url]',
        '  script:',
        '    - !reference [.two, script]',
        '    - curl $URL | sh',
      ),
    );
    expect(run(job(p, 'job'))).toBe('one-a\none-b\none-c\ntwo\ncurl https://codecov.io/bash | sh');
  });

  it('unknown references are located errors', () => {
    const p = parse(lines('job:', '  script:', '    - !reference [.nope, script]', '    - !reference [job, missing]', '    - echo'));
    expect(p.errors.map((e) => `${e.line}:${e.code}`)).toEqual(['2:gitlab-reference-unknown', '2:gitlab-reference-unknown']);
    expect(run(job(p, 'job'))).toBe('echo');
  });

  it('self-referencing !reference stops at the depth limit', () => {
    const p = parse(lines('.loop:', '  script:', '    - !reference [.loop, script]', 'job:', '  script: !reference [.loop, script]'));
    expect(p.errors.map((e) => e.code)).toContain('gitlab-reference-depth');
  });

  it('a reference fan-out bomb is cut off with a located error, quickly', () => {
    const rows: string[] = ['.l0:', '  script: [x]'];
    for (let i = 1; i <= 9; i++) rows.push(`.l${i}:`, '  script:', ...Array(10).fill(`    - !reference [.l${i - 1}, script]`));
    rows.push('job:', '  script: !reference [.l9, script]');
    const started = Date.now();
    const p = parse(lines(...rows));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(p.errors.map((e) => e.code)).toContain('gitlab-reference-limit');
  });

  it('default: and old top-level globals fill keys a job does not set; inherit:default limits them', () => {
    const p = parse(
      lines(
        'image: old-global:1',
        'default:',
        '  before_script: [echo default]',
        '  tags: [shared-big]',
        '  cache: {key: global, policy: pull}',
        'a:',
        '  script: [a]',
        'b:',
        '  inherit:',
        '    default: false',
        '  script: [b]',
        'c:',
        '  inherit:',
        '    default: [tags]',
        '  before_script: [own]',
        '  script: [c]',
      ),
    );
    const a = job(p, 'a');
    expect(run(a, 'before_script')).toBe('echo default');
    expect(a.runner.labels).toEqual(['shared-big']);
    expect(a.uses.map((u) => u.ref.raw)).toEqual(['old-global:1']);
    expect(a.consumes).toEqual([{ via: 'cache', name: 'global', pos: { file: '.gitlab-ci.yml', line: 5 } }]);
    expect(a.produces).toEqual([]);
    const b = job(p, 'b');
    expect(b.steps.map((s) => s.name)).toEqual(['script']);
    expect(b.runner).toEqual({ selfHosted: false, labels: [] });
    expect(b.uses).toEqual([]);
    const c = job(p, 'c');
    expect(run(c, 'before_script')).toBe('own');
    expect(c.runner.labels).toEqual(['shared-big']);
    expect(c.uses).toEqual([]);
  });
});

describe('variables', () => {
  it('expands $VAR and ${VAR} defined in the file (job over global, inherit:variables), leaves the rest', () => {
    const p = parse(
      lines(
        'variables:',
        '  HOST: example.com',
        '  URL: https://${HOST}/bash',
        '  REG: {value: registry.example.com, description: the registry}',
        'job:',
        '  image: $REG/app:$TAG',
        '  variables: {HOST: job.example.com}',
        '  script: [curl -s $URL | bash, echo $CI_COMMIT_SHA $$HOST]',
        'no-inherit:',
        '  inherit: {variables: false}',
        '  script: [echo $HOST]',
      ),
    );
    expect(run(job(p, 'job'))).toBe('curl -s https://job.example.com/bash | bash\necho $CI_COMMIT_SHA $$HOST');
    expect(job(p, 'job').uses[0]!.ref).toMatchObject({ name: 'registry.example.com/app', tag: '$TAG' });
    expect(run(job(p, 'no-inherit'))).toBe('echo $HOST');
  });
});

describe('jobs', () => {
  it('reserved keywords are not jobs; pages is; jobs without script/trigger/extends are not', () => {
    const p = parse(lines('stages: [build]', 'variables: {A: b}', 'cache: {key: x}', 'pages:', '  stage: build', '  script: [mkdocs build]', 'not-a-job:', '  stage: build', 'also-not: 1'));
    expect(p.jobs.map((j) => j.id)).toEqual(['pages']);
    expect(job(p, 'pages').deploys).toBe(true);
  });

  it('.pre and .post around the declared stages; unknown stages are located errors', () => {
    const p = parse(lines('stages: [one, two]', 'first:', '  stage: .pre', '  script: [x]', 'a:', '  stage: one', '  script: [x]', 'b:', '  stage: two', '  script: [x]', 'z:', '  stage: .post', '  script: [x]', 'odd:', '  stage: three', '  script: [x]'));
    expect(job(p, 'first').needs).toEqual([]);
    expect(job(p, 'b').needs).toEqual(['first', 'a']);
    expect(job(p, 'z').needs.sort()).toEqual(['a', 'b', 'first', 'odd']);
    expect(p.errors).toEqual([expect.objectContaining({ line: 15, code: 'gitlab-unknown-stage' })]);
  });

  it('needs as strings and maps; artifacts:false and dependencies narrow what is downloaded', () => {
    const p = parse(
      lines(
        'a:',
        '  stage: build',
        '  script: [x]',
        '  artifacts: {paths: [out/]}',
        'b:',
        '  stage: build',
        '  script: [x]',
        '  artifacts: {reports: {dotenv: build.env}}',
        'c:',
        '  stage: test',
        '  needs: [{job: a, artifacts: false}, b, {pipeline: $PARENT_PIPELINE_ID, job: up}]',
        '  script: [x]',
        'd:',
        '  stage: test',
        '  dependencies: [a]',
        '  script: [x]',
        'e:',
        '  stage: test',
        '  dependencies: []',
        '  script: [x]',
        'f:',
        '  needs: [ghost, {job: maybe, optional: true}]',
        '  script: [x]',
      ),
    );
    expect(job(p, 'c').needs).toEqual(['a', 'b']);
    expect(job(p, 'c').consumes.map((f) => f.name)).toEqual(['b']);
    expect(job(p, 'd').needs).toEqual(['a', 'b']);
    expect(job(p, 'd').consumes).toEqual([{ via: 'artifact', name: 'a', pos: { file: '.gitlab-ci.yml', line: 15 } }]);
    expect(job(p, 'e').consumes).toEqual([]);
    expect(p.errors).toEqual([expect.objectContaining({ line: 22, code: 'gitlab-unknown-need' })]);
    expect(job(p, 'c').consumes[0]!.pos.line).toBe(11);
  });

  it('caches: pull only consumes, push only produces, default both; lists and key:files', () => {
    const p = parse(
      lines(
        'j:',
        '  script: [x]',
        '  cache:',
        '    - {key: pulled, policy: pull}',
        '    - {key: pushed, policy: push}',
        '    - {key: {files: [package-lock.json], prefix: npm}}',
        '    - {paths: [x]}',
      ),
    );
    const j = job(p, 'j');
    expect(j.produces.map((f) => f.name)).toEqual(['pushed', 'npm-files:package-lock.json', 'default']);
    expect(j.consumes.map((f) => f.name)).toEqual(['pulled', 'npm-files:package-lock.json', 'default']);
  });

  it('secrets by name: secrets:, id_tokens, credential-like CI/CD variables; CI_JOB_TOKEN and settings variables always', () => {
    const p = parse(
      lines(
        'variables:',
        '  PUBLIC_KEY_URL: https://example.com/key',
        'job:',
        '  variables:',
        '    AUTH_HEADER: "Bearer $API_TOKEN"',
        '  id_tokens:',
        '    VAULT_ID_TOKEN: {aud: https://vault.example.com}',
        '  secrets:',
        '    DATABASE_PASSWORD:',
        '      vault: production/db/password@ops',
        '  script:',
        '    - echo $CI_JOB_TOKEN | docker login -u gitlab-ci-token --password-stdin $CI_REGISTRY',
        '    - npm publish --token ${NPM_TOKEN}',
        '    - aws s3 cp x y # $AWS_SECRET_ACCESS_KEY',
        '    - echo $PUBLIC_KEY_URL $CI_COMMIT_SHA $HOME $KEYBOARD',
      ),
    );
    const j = job(p, 'job');
    expect(j.secrets.map((s) => `${s.kind}:${s.name}`).sort()).toEqual([
      'ci-token:CI_JOB_TOKEN',
      'id-token:VAULT_ID_TOKEN',
      'project-env:project and group CI/CD variables',
      'secret:DATABASE_PASSWORD',
      'variable:API_TOKEN',
      'variable:NPM_TOKEN',
    ]);
    // `# $AWS_SECRET_ACCESS_KEY` is a YAML comment: not part of the script.
    expect(j.oidc).toBe(true);
    expect(j.deploys).toBe(true); // npm publish
  });

  it('tags route the job to specific runners (self-hosted); GitLab.com saas-* tags are hosted', () => {
    const p = parse(lines('a:', '  tags: [saas-linux-small-amd64]', '  script: [x]', 'b:', '  tags: [docker, $RUNNER]', '  variables: {RUNNER: gpu}', '  script: [x]'));
    expect(job(p, 'a').runner).toEqual({ selfHosted: false, labels: ['saas-linux-small-amd64'] });
    expect(job(p, 'b').runner).toEqual({ selfHosted: true, labels: ['docker', 'gpu'] });
  });

  it('services are image uses; environment as a string; deploy by stage, name, command or release', () => {
    const p = parse(
      lines(
        'stages: [build, test, release]',
        'svc:',
        '  services: [postgres:16, {name: "redis@sha256:abc", alias: cache}]',
        '  script: [x]',
        'env:',
        '  environment: review/$CI_COMMIT_REF_SLUG',
        '  script: [x]',
        'staged:',
        '  stage: release',
        '  script: [x]',
        'publish-docs:',
        '  script: [x]',
        'helm:',
        '  script: [helm upgrade --install app ./chart]',
        'rel:',
        '  script: [x]',
        '  release: {tag_name: $CI_COMMIT_TAG, description: x}',
        'site:',
        '  pages: {publish: public}',
        '  script: [x]',
      ),
    );
    expect(job(p, 'svc').uses.map((u) => u.ref)).toEqual([
      { kind: 'image', name: 'postgres', tag: '16', raw: 'postgres:16' },
      { kind: 'image', name: 'redis', digest: 'sha256:abc', raw: 'redis@sha256:abc' },
    ]);
    expect(job(p, 'svc').deploys).toBe(false);
    expect(job(p, 'env').environment).toBe('review/$CI_COMMIT_REF_SLUG');
    for (const id of ['env', 'staged', 'publish-docs', 'helm', 'rel', 'site']) expect([id, job(p, id).deploys]).toEqual([id, true]);
    expect(job(p, 'rel').produces).toEqual([{ via: 'release', name: '$CI_COMMIT_TAG', pos: { file: '.gitlab-ci.yml', line: 17 } }]);
  });

  it('sections run in order: hooks:pre_get_sources_script, before_script, script, after_script; nested lines flattened', () => {
    const p = parse(lines('j:', '  hooks:', '    pre_get_sources_script: [git config x]', '  after_script: [cleanup]', '  script: [[a, [b]], c]', '  before_script: |', '    multi', '    line'));
    const j = job(p, 'j');
    expect(j.steps.map((s) => [s.name, s.run, s.pos.line])).toEqual([
      ['pre_get_sources_script', 'git config x', 2],
      ['before_script', 'multi\nline\n', 6],
      ['script', 'a\nb\nc', 5],
      ['after_script', 'cleanup', 4],
    ]);
    // Only a flat list of one-line commands, one per line, has an exact first-line position.
    expect(j.steps.map((s) => s.runPos?.line)).toEqual([undefined, 7, undefined, 4]);
    const other = parse(lines('k:', '  script:', '    - one', '    - two', 'l:', '  script:', '    - |', '      curl x', 'm:', '  script: echo m'));
    expect(other.jobs.map((x) => x.steps[0]!.runPos?.line)).toEqual([3, 8, 10]);
  });

  it('trigger jobs: child pipeline includes are the job’s uses', () => {
    const p = parse(lines('child:', '  trigger:', '    include: ci/child.yml', '    strategy: depend', 'downstream:', '  trigger: acme/other'));
    expect(job(p, 'child').uses.map((u) => `${u.ref.raw}@${u.pos.line}`)).toEqual(['ci/child.yml@2']);
    expect(job(p, 'child').steps).toEqual([]);
    expect(job(p, 'downstream').uses).toEqual([]);
  });
});

describe('triggers', () => {
  it('job rules: merge requests, schedules, tags, api; when:never excludes; intersected with workflow rules', () => {
    const p = parse(
      lines(
        'workflow:',
        '  rules:',
        '    - if: $CI_PIPELINE_SOURCE == "schedule"',
        '    - if: $CI_PIPELINE_SOURCE == "merge_request_event"',
        '    - if: $CI_COMMIT_TAG',
        'a:',
        '  rules:',
        '    - if: $CI_PIPELINE_SOURCE == "schedule"',
        '  script: [x]',
        'b:',
        '  rules:',
        '    - if: $CI_PIPELINE_SOURCE == "merge_request_event"',
        '      when: never',
        '    - if: $CI_COMMIT_TAG',
        '  script: [x]',
        'c:',
        '  script: [x]',
        'd:',
        '  rules:',
        '    - if: $CI_PIPELINE_SOURCE == "trigger" || $CI_PIPELINE_SOURCE == "api"',
        '  script: [x]',
      ),
    );
    expect(p.triggers.map((t) => t.kind)).toEqual(['schedule', 'merge_request', 'tag']);
    expect(job(p, 'a').triggers).toEqual([{ kind: 'schedule' }]);
    expect(job(p, 'b').triggers).toEqual([{ kind: 'tag' }]);
    expect(job(p, 'c').triggers.map((t) => t.kind)).toEqual(['schedule', 'merge_request', 'tag']);
    expect(job(p, 'd').triggers).toEqual([{ kind: 'api', detail: 'trigger' }, { kind: 'api', detail: 'api' }]);
  });

  it('only/except; no rules at all is a push', () => {
    const p = parse(lines('a:', '  only: [merge_requests, schedules]', '  script: [x]', 'b:', '  only: {refs: [main, tags]}', '  except: [tags]', '  script: [x]', 'c:', '  script: [x]'));
    expect(job(p, 'a').triggers.map((t) => t.kind)).toEqual(['merge_request', 'schedule']);
    expect(job(p, 'b').triggers).toEqual([{ kind: 'push', detail: 'main' }]);
    expect(job(p, 'c').triggers).toEqual([{ kind: 'push' }]);
    expect(p.triggers.map((t) => `${t.kind}:${t.detail ?? ''}`)).toEqual([`merge_request:${FORK_MR_NOTE}`, 'schedule:', 'push:main', 'push:']);
  });
});

describe('bad input', () => {
  it.each([
    ['empty file', '', 1, []],
    ['a list', '- a\n- b\n', 1, ['gitlab-not-a-map']],
    ['a job that is a string', 'job: echo\n', 1, []],
    ['script of maps', 'job:\n  script: [{a: 1}, 2, true]\n', 1, []],
    ['broken YAML: no pipeline, the errors instead', 'job:\n  script: [\n', 0, ['yaml-syntax']],
    ['several documents', 'a:\n  script: [x]\n---\nb: 1\n', 0, ['yaml-syntax']],
  ])('%s: no throw, located errors', (_name, text, pipelines, codes) => {
    const result = gitlabCi.parse({ repo: 'acme/app', files: [{ path: '.gitlab-ci.yml', text }] }, memorySource({}));
    expect(result.pipelines).toHaveLength(pipelines);
    const errors = [...result.errors, ...result.pipelines.flatMap((p) => p.errors)];
    expect(errors.map((e) => e.code)).toEqual(codes);
    for (const e of errors) expect(e).toMatchObject({ repo: 'acme/app', file: '.gitlab-ci.yml', line: expect.any(Number) });
  });

  it('only the entry files are read as pipelines', () => {
    const result = gitlabCi.parse({ repo: 'acme/app', files: [{ path: 'ci/a.yml', text: 'a:\n  script: [x]\n' }, { path: '.gitlab-ci.yaml', text: 'b:\n  script: [x]\n' }] }, memorySource({}));
    expect(result.pipelines.map((p) => p.file)).toEqual(['.gitlab-ci.yaml']);
    expect(result.errors).toEqual([]);
  });
});

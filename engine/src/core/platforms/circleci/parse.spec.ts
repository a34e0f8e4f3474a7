import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Job, Pipeline } from '../../model';
import { jobById, memorySource } from '../../testing';
import { circleci } from './index';
import { parseConfig } from './parse';

const FIXTURES = path.join(__dirname, '__fixtures__');
const CONFIG = '.circleci/config.yml';

function fixture(name: string): string {
  return readFileSync(path.join(FIXTURES, name), 'utf8');
}

function parseFixture(name: string): Pipeline {
  const { pipelines, errors } = circleci.parse({ repo: 'acme/app', files: [{ path: CONFIG, text: fixture(name) }] }, memorySource({}));
  expect(errors).toEqual([]);
  expect(pipelines).toHaveLength(1);
  return pipelines[0]!;
}

function parseText(text: string): Pipeline {
  const result = parseConfig('acme/app', { path: CONFIG, text });
  if (!result.pipeline) throw new Error(`no pipeline: ${JSON.stringify(result.errors)}`);
  return result.pipeline;
}

const job = jobById;

function orbElements(j: Job): string[] {
  const refs = [...j.uses.map((u) => u.ref), ...j.steps.flatMap((s) => (s.uses ? [s.uses.ref] : []))];
  return refs.flatMap((r) => (r.kind === 'orb-element' ? [`${r.orb.raw}:${r.elementKind}:${r.element}`] : []));
}

function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`no line with ${needle}`);
  return i + 1;
}

describe('circleci.matches', () => {
  it.each([
    ['.circleci/config.yml', true],
    ['.circleci/config.yaml', true],
    ['./.circleci/config.yml', true],
    ['.circleci/other.yml', false],
    ['sub/.circleci/config.yml', false],
    ['.github/workflows/ci.yml', false],
  ])('%s → %s', (p, expected) => {
    expect(circleci.matches(p)).toBe(expected);
  });
});

describe('circleci.parse: the codecov orb used directly', () => {
  const text = fixture('codecov-direct.yml');
  const p = parseFixture('codecov-direct.yml');

  it('makes one pipeline whose jobs are the workflow entries', () => {
    expect(p).toMatchObject({ platform: 'circleci', repo: 'acme/app', file: CONFIG, errors: [] });
    expect(p.jobs.map((j) => j.id)).toEqual(['coverage', 'test-and-package', 'deploy', 'ok-lint']);
    expect(p.jobs.every((j) => j.workflow === 'build-test-deploy')).toBe(true);
    expect(job(p, 'deploy').pos.line).toBe(lineOf(text, '      - deploy:'));
  });

  it('lists the orbs the config imports, not commented-out ones', () => {
    expect(p.uses.map((u) => u.ref.raw)).toEqual(['codecov/codecov@1.1.1', 'circleci/node@5.0.2']);
    expect(p.uses[0]).toMatchObject({ ref: { kind: 'orb', namespace: 'codecov', name: 'codecov', version: '1.1.1' }, pos: { line: lineOf(text, 'codecov: codecov/codecov@1.1.1') } });
  });

  it('turns an orb command step into a use with its parameters as inputs', () => {
    const step = job(p, 'coverage').steps.find((s) => s.uses);
    expect(step).toMatchObject({
      name: 'codecov/upload',
      pos: { file: CONFIG, line: lineOf(text, '      - codecov/upload:') },
      uses: {
        ref: { kind: 'orb-element', elementKind: 'command', element: 'upload', raw: 'codecov/upload', orb: { raw: 'codecov/codecov@1.1.1' } },
        inputs: { file: 'coverage/lcov.info', flags: 'unit' },
      },
    });
    expect(orbElements(job(p, 'test-and-package'))).toEqual(['codecov/codecov@1.1.1:command:upload']);
  });

  it('keeps the isolated coverage job isolated: project env only, no contexts, no flows', () => {
    const cov = job(p, 'coverage');
    expect(cov.contexts).toEqual([]);
    expect(cov.secrets.map((s) => `${s.kind}:${s.name}`)).toEqual(['project-env:project environment variables']);
    expect(cov.produces).toEqual([]);
    expect(cov.consumes).toEqual([]);
    expect(cov.deploys).toBe(false);
    expect(cov.permissions).toEqual({ kind: 'not-applicable' });
  });

  it('reads the executor: images as uses, resource class as a label, hosted runner', () => {
    const cov = job(p, 'coverage');
    expect(cov.uses).toEqual([{ ref: { kind: 'image', name: 'cimg/node', tag: '16.13', raw: 'cimg/node:16.13' }, pos: { file: CONFIG, line: lineOf(text, 'image: cimg/node:16.13') } }]);
    expect(cov.runner).toEqual({ selfHosted: false, labels: ['docker: cimg/node:16.13', 'medium'] });
  });

  it('links the job that shares a context with the deploy and feeds it a workspace', () => {
    const tp = job(p, 'test-and-package');
    const deploy = job(p, 'deploy');
    expect(tp.contexts).toEqual(['aws-prod']);
    expect(tp.secrets).toContainEqual(expect.objectContaining({ name: 'aws-prod', kind: 'context' }));
    // `at`: the step that writes or reads, in the job's order (checkout, run, codecov/upload, run, persist).
    expect(tp.produces).toEqual([{ via: 'workspace', name: '.: dist, package.json', pos: { file: CONFIG, line: lineOf(text, 'persist_to_workspace') }, at: 4 }]);
    expect(tp.sequence?.[4]?.step.name).toBe('persist_to_workspace');
    expect(deploy.consumes).toEqual([{ via: 'workspace', name: '.', pos: { file: CONFIG, line: lineOf(text, 'attach_workspace') }, at: 0 }]);
    expect(deploy.needs).toEqual(['test-and-package']);
    expect(deploy.contexts).toEqual(['aws-prod']);
    expect(deploy.deploys).toBe(true);
    expect(deploy.triggers).toEqual([{ kind: 'push', detail: 'branches: main' }]);
    expect(tp.deploys).toBe(false);
  });

  it('ok-lint: text that mentions the orb is not a use', () => {
    const ok = job(p, 'ok-lint');
    expect(orbElements(ok)).toEqual([]);
    expect(ok.steps.map((s) => s.name)).toEqual(['checkout', expect.stringMatching(/^run: echo/)]);
  });
});

describe('circleci.parse: a wrapper orb', () => {
  const p = parseFixture('wrapper-orb.yml');

  it('makes orb jobs into jobs that use the orb element', () => {
    expect(p.jobs.map((j) => j.id)).toEqual(['plugin-ci/coverage', 'plugin-ci/build', 'plugin-ci/deploy-release-github']);
    expect(orbElements(job(p, 'plugin-ci/coverage'))).toEqual(['mattermost/plugin-ci@0.1.0:job:coverage']);
    expect(job(p, 'plugin-ci/coverage').deploys).toBe(false);
  });

  it('reads requires, contexts and tag-only filters on orb jobs', () => {
    const rel = job(p, 'plugin-ci/deploy-release-github');
    expect(rel.needs).toEqual(['plugin-ci/build']);
    expect(rel.contexts).toEqual(['plugin-release']);
    expect(rel.deploys).toBe(true);
    expect(rel.triggers).toEqual([{ kind: 'tag', detail: 'tags: /^v.*/' }]);
    expect(p.triggers).toEqual([{ kind: 'push' }, { kind: 'tag', detail: 'tags: /^v.*/' }]);
  });
});

describe('circleci.parse: parameters, commands, executors, workflows', () => {
  const text = fixture('features.yml');
  const p = parseFixture('features.yml');

  it('gives one job per workflow entry, prefixing names used in several workflows', () => {
    expect(p.jobs.map((j) => j.id)).toEqual([
      'main/test-unit',
      'main/test-e2e',
      'self-hosted',
      'with-builder',
      'orb-executor',
      'main/publish',
      'inline-helpers/greet',
      'cycle',
      'main/ok-plain',
      'nightly/test-unit',
      'nightly/test-e2e',
      'nightly/publish',
      'nightly/ok-plain',
    ]);
    expect(job(p, 'main/test-unit')).toMatchObject({ name: 'test-unit', workflow: 'main' });
  });

  it('expands job parameters from the entry and pipeline parameters from their defaults', () => {
    const e2e = job(p, 'main/test-e2e');
    const runs = e2e.steps.flatMap((s) => (s.run === undefined ? [] : [s.run]));
    expect(runs).toContain('npm test -- --suite e2e');
    expect(runs).toContain('npm run prepare-e2e');
    expect(runs).toContain('echo target production on << pipeline.git.branch >>');
    expect(job(p, 'main/test-unit').steps.some((s) => s.run === 'npm test -- --suite unit')).toBe(true);
    // Anchored defaults with a pipeline parameter in the image tag.
    expect(e2e.uses.map((u) => u.ref.raw)).toEqual(['cimg/node:18.12']);
  });

  it('inlines local commands with their parameters and keeps the lines where steps are written', () => {
    const unit = job(p, 'main/test-unit');
    const install = unit.steps.find((s) => s.name === 'Install');
    expect(install?.run).toBe('echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > ~/.npmrc && npm ci');
    expect(install?.pos).toEqual({ file: CONFIG, line: lineOf(text, '          name: Install') - 1 });
    expect(install?.from).toBeUndefined();
    const prepare = unit.steps.find((s) => s.run === 'npm run prepare-unit');
    expect(prepare?.pos.line).toBe(lineOf(text, 'npm run prepare-<< parameters.suite >>'));
    expect(unit.secrets).toContainEqual(expect.objectContaining({ name: 'NPM_TOKEN', kind: 'variable' }));
  });

  it('reads caches, artifacts, and orb commands in steps', () => {
    const unit = job(p, 'main/test-unit');
    expect(unit.consumes).toEqual([expect.objectContaining({ via: 'cache', name: 'deps-{{ checksum "package-lock.json" }}, deps-' })]);
    expect(unit.produces).toEqual([
      expect.objectContaining({ via: 'cache', name: 'deps-{{ checksum "package-lock.json" }}' }),
      expect.objectContaining({ via: 'artifact', name: 'reports' }),
    ]);
    expect(orbElements(unit)).toEqual(['circleci/slack@4.10.1:command:notify']);
    expect(unit.steps.find((s) => s.uses)?.uses?.inputs).toEqual({ event: 'fail', channel: 'builds' });
  });

  it('marks self-hosted runner resource classes', () => {
    expect(job(p, 'self-hosted').runner).toEqual({ selfHosted: true, labels: ['machine', 'example-org/linux-runner'] });
    expect(job(p, 'main/test-unit').runner.selfHosted).toBe(false);
  });

  it('expands executor parameters and reads orb executors as uses', () => {
    expect(job(p, 'with-builder').uses.map((u) => u.ref)).toEqual([{ kind: 'image', name: 'example/builder', tag: '2.5', raw: 'example/builder:2.5' }]);
    // Registry credentials of the executor's image are variables the job reads.
    expect(job(p, 'with-builder').secrets.map((s) => `${s.kind}:${s.name}`)).toEqual(['project-env:project environment variables', 'variable:DOCKERHUB_PASSWORD']);
    const oe = job(p, 'orb-executor');
    expect(orbElements(oe)).toEqual(['example/tools@volatile:executor:large', 'example/tools@volatile:command:setup']);
    expect(oe.steps[0]?.uses?.inputs).toEqual({ version: '3' });
    expect(oe.secrets).toContainEqual(expect.objectContaining({ name: 'GITHUB_TOKEN', kind: 'variable' }));
  });

  it('requires through an approval, contexts as a list, pre- and post-steps, deploy commands', () => {
    const pub = job(p, 'main/publish');
    expect(pub.needs).toEqual(['main/test-unit', 'main/test-e2e']);
    expect(pub.contexts).toEqual(['npm-publish', 'github-write']);
    expect(pub.secrets.filter((s) => s.kind === 'context').map((s) => s.name)).toEqual(['npm-publish', 'github-write']);
    expect(pub.secrets).toContainEqual(expect.objectContaining({ kind: 'secret', name: 'additional SSH keys' }));
    expect(pub.steps.map((s) => s.run ?? s.name)).toEqual(['echo before', 'add_ssh_keys', 'npm publish --access public', 'git push origin --tags', 'echo after']);
    expect(pub.steps[0]?.pos.line).toBe(lineOf(text, 'echo before'));
    expect(pub.deploys).toBe(true);
    expect(p.jobs.some((j) => j.id.includes('hold'))).toBe(false);
  });

  it('expands matrix entries and requires on the matrix alias; schedules are the workflow trigger', () => {
    expect(job(p, 'nightly/test-unit').steps.some((s) => s.run === 'npm test -- --suite unit')).toBe(true);
    expect(p.jobs.some((j) => j.id.includes('smoke'))).toBe(false);
    const pub = job(p, 'nightly/publish');
    expect(pub.needs).toEqual(['nightly/test-unit', 'nightly/test-e2e']);
    expect(pub.triggers).toEqual([{ kind: 'schedule', detail: '0 3 * * *' }]);
    expect(job(p, 'main/publish').triggers).toEqual([{ kind: 'push' }]);
  });

  it('inlines inline orbs like local definitions', () => {
    const greet = job(p, 'inline-helpers/greet');
    expect(greet.steps.map((s) => s.run)).toEqual(['echo greetings']);
    expect(greet.uses.map((u) => u.ref.raw)).toEqual(['alpine:3.16']);
    expect(orbElements(greet)).toEqual([]);
    expect(p.uses.map((u) => u.ref.raw)).toEqual(['circleci/slack@4.10.1', 'example/tools@volatile']);
  });

  it('ok-plain: ordinary variables are not secrets, and nothing is used but the image', () => {
    const ok = job(p, 'main/ok-plain');
    expect(ok.secrets.map((s) => s.kind)).toEqual(['project-env']);
    expect(ok.uses.map((u) => u.ref.kind)).toEqual(['image']);
    expect(ok.deploys).toBe(false);
  });

  it('stops a command that calls itself with a located error', () => {
    expect(p.errors).toEqual([expect.objectContaining({ code: 'command-cycle', file: CONFIG, line: lineOf(text, '      - loop') })]);
    expect(job(p, 'cycle').steps).toEqual([]);
  });
});

/** A stable text form of a pipeline, one line per job (for the snapshot below). */
function summary(p: Pipeline): string {
  return p.jobs
    .map((j) =>
      [
        j.id,
        `wf=${j.workflow}`,
        `needs=[${j.needs.join(',')}]`,
        `ctx=[${j.contexts.join(',')}]`,
        `secrets=[${j.secrets.map((s) => `${s.kind}:${s.name}`).join(',')}]`,
        `on=[${j.triggers.map((t) => (t.detail === undefined ? t.kind : `${t.kind}(${t.detail})`)).join(',')}]`,
        `runner=${j.runner.selfHosted ? 'self-hosted' : 'hosted'}:[${j.runner.labels.join(',')}]`,
        `uses=[${[...j.uses, ...j.steps.flatMap((s) => (s.uses ? [s.uses] : []))].map((u) => `${u.ref.kind}:${u.ref.raw}@${u.pos.line}`).join(',')}]`,
        `steps=${j.steps.length}`,
        `out=[${j.produces.map((f) => `${f.via}@${f.pos.line}`).join(',')}]`,
        `in=[${j.consumes.map((f) => `${f.via}@${f.pos.line}`).join(',')}]`,
        j.deploys ? 'deploys' : 'no-deploy',
      ].join(' '),
    )
    .join('\n');
}

describe('circleci.parse: snapshots of the fixtures (with the explicit assertions above)', () => {
  it.each(['codecov-direct.yml', 'wrapper-orb.yml', 'features.yml', 'version-2-0.yml'])('%s', (name) => {
    const p = parseFixture(name);
    expect(p.jobs.length).toBeGreaterThan(0);
    expect(summary(p)).toMatchSnapshot();
  });
});

describe('circleci.parse: version 2.0', () => {
  it('runs the job named build when there are no workflows', () => {
    const p = parseFixture('version-2-0.yml');
    expect(p.jobs.map((j) => j.id)).toEqual(['build']);
    const build = job(p, 'build');
    expect(build.uses[0]?.ref).toMatchObject({ kind: 'image', name: 'circleci/ruby', tag: '2.7', digest: 'sha256:0000000000000000000000000000000000000000000000000000000000000001' });
    expect(build.steps[1]?.run).toBe('bash <(curl -s https://codecov.io/bash) -t $CODECOV_TOKEN');
    expect(build.secrets.map((s) => s.name)).toEqual(['project environment variables', 'CODECOV_TOKEN']);
  });
});

describe('circleci.parse: bad input gives located errors', () => {
  it('reports malformed YAML with a line, and no pipeline', () => {
    const { pipelines, errors } = circleci.parse({ repo: 'acme/app', files: [{ path: CONFIG, text: 'version: 2.1\njobs:\n  a: [\n' }] }, memorySource({}));
    expect(pipelines).toEqual([]);
    expect(errors[0]).toMatchObject({ repo: 'acme/app', file: CONFIG, code: 'yaml-syntax' });
  });

  it.each([
    ['', 'not-a-config'],
    ['- a\n- b\n', 'not-a-config'],
  ])('%j is not a config', (text, code) => {
    expect(parseConfig('acme/app', { path: CONFIG, text }).errors).toEqual([expect.objectContaining({ code, line: 1 })]);
  });

  it('locates unknown jobs, orbs, commands, requires and bad orb refs', () => {
    const text = [
      'version: 2.1',
      'orbs:',
      '  bad: not an orb',
      'jobs:',
      '  a:',
      '    docker: [{image: alpine}]',
      '    steps:',
      '      - nope',
      '      - other/thing',
      'workflows:',
      '  w:',
      '    jobs:',
      '      - a:',
      '          requires: [ghost]',
      '      - missing',
      '      - gone/job',
      '',
    ].join('\n');
    const p = parseText(text);
    expect(p.errors.map((e) => `${e.code}@${e.line}`)).toEqual([
      'invalid-orb-ref@3',
      'unknown-command@8',
      'unknown-orb@9',
      'unknown-requires@13',
      'unknown-job@15',
      'unknown-orb@16',
    ]);
    expect(p.jobs.map((j) => j.id)).toEqual(['a', 'missing', 'gone/job']);
  });

  it('flags an unsupported version but still reads the jobs', () => {
    const p = parseText('version: 3\njobs:\n  build:\n    docker: [{image: alpine}]\n    steps: [checkout]\n');
    expect(p.errors).toEqual([expect.objectContaining({ code: 'unsupported-version', line: 1 })]);
    expect(p.jobs.map((j) => j.id)).toEqual(['build']);
  });

  it.each([
    ['a steps list that contains itself', 'steps: &s [checkout, *s]', 'steps-too-deep'],
    ['a self-containing list under when, twice', 'steps: &s [checkout, {when: {condition: true, steps: [*s, *s]}}]', 'invalid-step'],
    ['a self-containing steps argument', 'steps: &s [{c: {p: [*s, *s]}}]', 'invalid-step'],
  ])('stays bounded for %s (YAML aliases inside their own anchor)', (_what, steps, code) => {
    const text = `version: 2.1\ncommands:\n  c:\n    parameters: {p: {type: steps, default: []}}\n    steps: [{steps: << parameters.p >>}]\njobs:\n  j:\n    docker: [{image: a}]\n    ${steps}\nworkflows:\n  w:\n    jobs: [j]\n`;
    const started = Date.now();
    const p = parseText(text);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(p.errors.length).toBeGreaterThan(0);
    expect(p.errors.every((e) => e.code === code && e.line === 9)).toBe(true);
  });

  it('keeps a matrix bounded', () => {
    const values = Array.from({ length: 30 }, (_, i) => `v${i}`).join(', ');
    const text = `version: 2.1\njobs:\n  t:\n    parameters: {a: {type: string}, b: {type: string}}\n    docker: [{image: alpine}]\n    steps: [checkout]\nworkflows:\n  w:\n    jobs:\n      - t:\n          matrix:\n            parameters:\n              a: [${values}]\n              b: [${values}]\n`;
    const p = parseText(text);
    expect(p.jobs.length).toBeLessThanOrEqual(256);
    expect(p.errors).toEqual([expect.objectContaining({ code: 'matrix-too-large', line: 10 })]);
  });

  it('reads arguments written one level too far left, as CircleCI does', () => {
    const text = 'version: 2.1\norbs:\n  codecov: codecov/codecov@1.1.1\njobs:\n  c:\n    docker: [{image: alpine}]\n    steps:\n      - codecov/upload:\n        file: cov.txt\nworkflows:\n  w:\n    jobs: [c]\n';
    expect(parseText(text).jobs[0]?.steps[0]?.uses?.inputs).toEqual({ file: 'cov.txt' });
  });

  it('stops exponential command expansion with a located error', () => {
    const rows = ['version: 2.1', 'commands:', '  c0:', '    steps: [{run: echo}]'];
    for (let i = 1; i <= 24; i++) rows.push(`  c${i}:`, `    steps: [c${i - 1}, c${i - 1}]`);
    rows.push('jobs:', '  j:', '    docker: [{image: alpine}]', '    steps: [c24]', 'workflows:', '  w:', '    jobs: [j]', '');
    const started = Date.now();
    const p = parseText(rows.join('\n'));
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(p.errors).toEqual([expect.objectContaining({ code: 'too-many-steps' })]);
    expect(p.jobs[0]!.steps.length).toBeLessThanOrEqual(100_000);
  });
});

describe('circleci.parse: smaller rules', () => {
  it('gates a workflow whose when: is false by default: it runs only when triggered with parameters', () => {
    const text = [
      'version: 2.1',
      'parameters:',
      '  run-release: {type: boolean, default: false}',
      'jobs:',
      '  r:',
      '    docker: [{image: alpine}]',
      '    steps: [checkout]',
      'workflows:',
      '  release:',
      '    when: << pipeline.parameters.run-release >>',
      '    jobs: [r]',
      '  always:',
      '    when: true',
      '    jobs: [{r: {name: r2}}]',
      '',
    ].join('\n');
    const p = parseText(text);
    expect(job(p, 'r').triggers).toEqual([{ kind: 'api', detail: 'when: << pipeline.parameters.run-release >>' }]);
    expect(job(p, 'r2').triggers).toEqual([{ kind: 'push' }]);
  });

  it('reads the legacy deploy step as a deploying run, and parameters declared without a type', () => {
    const text = [
      'version: 2.1',
      'jobs:',
      '  ship:',
      '    parameters:',
      '      target: {description: where to}',
      '    docker: [{image: alpine}]',
      '    steps:',
      '      - deploy:',
      '          command: ./ship.sh << parameters.target >>',
      'workflows:',
      '  w:',
      '    jobs:',
      '      - ship:',
      '          name: install',
      '          target: prod',
      '',
    ].join('\n');
    const j = parseText(text).jobs[0]!;
    expect(j.steps.map((s) => s.run)).toEqual(['./ship.sh prod']);
    expect(j.deploys).toBe(true);
  });

  it('does not call a job a deploy for words that merely contain the letters', () => {
    const text = 'version: 2.1\njobs:\n  unreleased-notes:\n    docker: [{image: alpine}]\n    steps: [{run: ./notes.sh}]\nworkflows:\n  w:\n    jobs: [unreleased-notes]\n';
    expect(parseText(text).jobs[0]!.deploys).toBe(false);
  });

  it('decides when/unless steps from parameters, and keeps them when the condition is known only at run time', () => {
    const text = [
      'version: 2.1',
      'jobs:',
      '  j:',
      '    parameters:',
      '      upload: {type: boolean, default: false}',
      '    docker: [{image: alpine}]',
      '    steps:',
      '      - when: {condition: << parameters.upload >>, steps: [{run: ./upload.sh}]}',
      '      - unless: {condition: << parameters.upload >>, steps: [{run: echo skipped}]}',
      '      - when:',
      '          condition: {equal: [main, << pipeline.git.branch >>]}',
      '          steps: [{run: ./on-main.sh}]',
      'workflows:',
      '  w:',
      '    jobs: [j, {j: {name: j2, upload: true}}]',
      '',
    ].join('\n');
    const p = parseText(text);
    expect(job(p, 'j').steps.map((s) => s.run)).toEqual(['echo skipped', './on-main.sh']);
    expect(job(p, 'j2').steps.map((s) => s.run)).toEqual(['./upload.sh', './on-main.sh']);
  });

  it('keeps exact lines for nested steps and for steps handed to orb jobs and commands', () => {
    const text = [
      'version: 2.1',
      'orbs:',
      '  o: acme/o@1.0.0',
      'jobs:',
      '  j:',
      '    docker: [{image: alpine}]',
      '    steps:',
      '      - when:',
      '          condition: true',
      '          steps:',
      '            - when:',
      '                condition: true',
      '                steps:',
      '                  - run: deep',
      '      - o/wrap:',
      '          inner:',
      '            - run: handed-to-command',
      'workflows:',
      '  w:',
      '    jobs:',
      '      - j',
      '      - o/job:',
      '          after:',
      '            - run: handed-to-job',
      '',
    ].join('\n');
    const p = parseText(text);
    const line = (run: string): number | undefined => p.jobs.flatMap((j) => j.steps).find((s) => s.run === run)?.pos.line;
    expect(line('deep')).toBe(14);
    expect(line('handed-to-command')).toBe(17);
    expect(line('handed-to-job')).toBe(24);
    expect(p.errors).toEqual([]);
  });
});


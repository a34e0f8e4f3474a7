import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Job, Pipeline, RepoInput } from '../../model';
import { memorySource } from '../../testing';
import { jenkins, parseJenkinsfile } from '.';

const FIXTURES = join(__dirname, '__fixtures__');
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');
const cache = (): ReturnType<typeof memorySource> =>
  memorySource({
    'jenkins/libraries/ci-lib@v1/vars/codecov.groovy': fixture('cache/jenkins/libraries/ci-lib@v1/vars/codecov.groovy'),
    'jenkins/libraries/ci-lib@v1/vars/uploader.groovy': fixture('cache/jenkins/libraries/ci-lib@v1/vars/uploader.groovy'),
  });

function parse(text: string, extra: RepoInput['files'] = [], source = cache()): Pipeline {
  const file = { path: 'Jenkinsfile', text };
  return parseJenkinsfile({ repo: 'acme/svc', files: [file, ...extra] }, file, source).pipeline;
}

/** A stable text form of a pipeline's jobs (paired with explicit assertions below). */
function describeJobs(p: Pipeline): string {
  const lines: string[] = [];
  for (const j of p.jobs) {
    lines.push(`${j.id} @${j.pos.line} needs [${j.needs.join(', ')}] on [${j.runner.labels.join(', ')}]${j.deploys ? ' deploys' : ''}`);
    lines.push(`  triggers: ${j.triggers.map((t) => `${t.kind}${t.detail ? ` (${t.detail})` : ''}`).join(' | ')}`);
    if (j.secrets.length > 0) lines.push(`  secrets: ${j.secrets.map((s) => `${s.kind} ${s.name}`).join(', ')}`);
    if (j.uses.length > 0) lines.push(`  uses: ${j.uses.map((u) => `${u.ref.kind} ${u.ref.raw}`).join(', ')}`);
    for (const s of j.steps) lines.push(`  step @${s.pos.line} ${s.name}${s.uses ? ` → ${s.uses.ref.kind} ${s.uses.ref.raw}` : ''}`);
    for (const f of j.produces) lines.push(`  writes ${f.via} ${f.name ?? ''}${f.at !== undefined ? ` at step ${f.at}` : ''}`);
    for (const f of j.consumes) lines.push(`  reads ${f.via} ${f.name ?? '(any)'}${f.at !== undefined ? ` at step ${f.at}` : ''}`);
  }
  for (const e of p.errors) lines.push(`error ${e.file}:${e.line} ${e.code}: ${e.message}`);
  return lines.join('\n');
}

const job = (p: Pipeline, id: string): Job => {
  const found = p.jobs.find((j) => j.id === id);
  if (!found) throw new Error(`no job ${id}`);
  return found;
};

describe('jenkins.matches and discovery', () => {
  it.each([
    ['Jenkinsfile', true],
    ['./Jenkinsfile', true],
    ['Jenkinsfile.groovy', true],
    ['release.Jenkinsfile', true],
    ['jenkins/Jenkinsfile', true],
    ['jenkins/nightly.Jenkinsfile', true],
    ['ci/Jenkinsfile', true],
    ['sub/project/Jenkinsfile', false],
    ['jenkinsfile', false],
    ['Jenkinsfile.md', false],
    ['.github/workflows/ci.yml', false],
  ])('%s → %s', (path, expected) => {
    expect(jenkins.matches(path)).toBe(expected);
  });

  it('follows the files a Jenkinsfile loads (literal paths inside the repository only)', () => {
    const follow = jenkins.discovery.follow;
    expect(follow).toBeDefined();
    const text = "node { def u = load 'ci/utils.groovy'\n load './ci/more.groovy'\n load \"${env.X}.groovy\"\n load '../out.groovy' }\n";
    expect(follow?.({ path: 'Jenkinsfile', text })).toEqual(['ci/utils.groovy', 'ci/more.groovy']);
    expect(follow?.({ path: 'Jenkinsfile', text: 'pipeline { agent any }' })).toEqual([]);
  });
});

describe('a declarative pipeline', () => {
  const p = parse(fixture('declarative.Jenkinsfile'));

  it('reads every stage as a job, in the order they run', () => {
    expect(describeJobs(p)).toMatchSnapshot();
    expect(p.errors).toEqual([]);
    expect(p.jobs.map((j) => j.id)).toEqual(['Build', 'coverage', 'ok-lint', 'Publish', 'ok-package', 'post (pipeline)']);
    expect(p).toMatchObject({ platform: 'jenkins', file: 'Jenkinsfile', name: 'Jenkinsfile' });
    expect(p.jobs.every((j) => j.workflow === 'Jenkinsfile' && j.runner.selfHosted && j.permissions.kind === 'not-applicable')).toBe(true);
  });

  it('parallel stages wait for the stage before the group; the next stage waits for all of them', () => {
    expect(job(p, 'coverage').needs).toEqual(['Build']);
    expect(job(p, 'ok-lint').needs).toEqual(['Build']);
    expect(job(p, 'Publish').needs).toEqual(['coverage', 'ok-lint']);
  });

  it('pipeline environment credentials reach every stage; withCredentials and a docker agent add their own', () => {
    for (const j of p.jobs) expect(j.secrets).toContainEqual(expect.objectContaining({ name: 'NEXUS (credentials nexus-deploy)', kind: 'secret', pos: { file: 'Jenkinsfile', line: 6 } }));
    expect(job(p, 'Publish').secrets.map((s) => s.name)).toEqual(['NEXUS (credentials nexus-deploy)', 'OSSRH_USER (credentials sonatype)', 'OSSRH_PASS (credentials sonatype)']);
    expect(job(p, 'ok-lint').secrets.map((s) => s.name)).toContain('registry credentials dockerhub');
    expect(job(p, 'ok-lint').secrets.map((s) => s.name)).not.toContain('GREETING');
  });

  it('the shared library global variable in a post block is a component use at its call', () => {
    const step = job(p, 'coverage').steps.find((s) => s.uses?.ref.kind === 'jenkins-library-step');
    expect(step?.uses).toEqual({
      ref: { kind: 'jenkins-library-step', library: { name: 'ci-lib', ref: 'v1', raw: 'ci-lib@v1' }, step: 'codecov', method: 'call', raw: 'ci-lib@v1/codecov' },
      pos: { file: 'Jenkinsfile', line: 27 },
      inputs: { flags: 'unit' },
    });
  });

  it('agents, images, triggers and when', () => {
    expect(job(p, 'ok-lint').runner.labels).toEqual(['docker']);
    expect(job(p, 'ok-lint').uses.map((u) => u.ref.raw)).toEqual(['golangci/golangci-lint:v1.55']);
    expect(job(p, 'Build').triggers.map((t) => t.kind)).toEqual(['push', 'schedule']);
    expect(job(p, 'Publish').triggers.map((t) => t.detail)).toEqual([expect.stringContaining('branch main'), 'H 2 * * 1-5; branch main']);
    expect(job(p, 'ok-package').triggers).toEqual([{ kind: 'tag' }]);
  });

  it('stash, unstash and archiveArtifacts are explicit writes placed at their step; stages on one agent share its workspace', () => {
    expect(job(p, 'Build').produces).toEqual([
      { via: 'workspace', name: 'on agent linux', pos: { file: 'Jenkinsfile', line: 13 } },
      { via: 'artifact', name: 'stash jars', pos: { file: 'Jenkinsfile', line: 16 }, at: 1 },
    ]);
    expect(job(p, 'Build').consumes).toEqual([]);
    expect(job(p, 'Publish').consumes).toEqual([
      { via: 'workspace', name: 'on agent linux', pos: { file: 'Jenkinsfile', line: 45 } },
      { via: 'artifact', name: 'stash jars', pos: { file: 'Jenkinsfile', line: 48 }, at: 0 },
    ]);
    expect(job(p, 'Publish').produces).toContainEqual({ via: 'artifact', name: 'archived artifacts build/libs/*.jar', pos: { file: 'Jenkinsfile', line: 52 }, at: 2 });
    expect(job(p, 'Publish').deploys).toBe(true);
    expect(job(p, 'Publish').produces).toContainEqual(expect.objectContaining({ via: 'release', name: 'maven/gradle publish' }));
    // A docker agent runs on a node too: the job's workspace there, which the stages before may have left.
    expect(job(p, 'ok-lint').consumes).toEqual([{ via: 'workspace', name: 'on agent docker', pos: { file: 'Jenkinsfile', line: 31 } }]);
    // A pod, or a custom path, is a workspace of its own.
    const q = parse(
      "pipeline {\n  agent any\n  stages {\n    stage('a') { steps { sh 'x' } }\n    stage('b') { agent { kubernetes { yaml 'image: alpine:3' } } steps { sh 'y' } }\n    stage('c') { agent { node { label 'l'; customWorkspace 'ws' } } steps { sh 'z' } }\n    stage('d') { agent { label 'other' } steps { sh 'w' } }\n  }\n}\n",
    );
    expect(q.jobs.map((j) => [j.id, j.produces.map((f) => f.name), j.consumes.map((f) => f.name)])).toEqual([
      ['a', ['on agent any'], []],
      ['b', ['in pod kubernetes pod'], []],
      ['c', ['at ws'], []],
      ['d', ['on agent other'], ['on agent other']],
    ]);
    expect(job(q, 'b').uses.map((u) => u.ref.raw)).toEqual(['alpine:3']);
  });
});

describe('a scripted pipeline', () => {
  const p = parse(fixture('scripted.Jenkinsfile'));

  it('reads node/stage blocks, methods of the file where they are called, docker and parallel branches', () => {
    expect(describeJobs(p)).toMatchSnapshot();
    expect(p.errors).toEqual([]);
    expect(p.jobs.map((j) => j.id)).toEqual(['Checkout', 'Test', 'ok-Docs', 'Image']);
    expect(job(p, 'Test').steps.map((s) => [s.pos.line, s.run])).toEqual([
      [7, 'go test ./${suite}/...'],
      [17, 'bash <(curl -s https://codecov.io/bash) -t $CODECOV_TOKEN'],
    ]);
    expect(job(p, 'Test').secrets).toEqual([{ name: 'CODECOV_TOKEN (credentials codecov)', kind: 'secret', pos: { file: 'Jenkinsfile', line: 16 } }]);
    expect(job(p, 'Image').steps.map((s) => s.name)).toEqual(['docker.image node:18', 'sh: npm ci', 'docker push']);
    expect(job(p, 'Image').steps[0]?.uses?.ref).toMatchObject({ kind: 'image', name: 'node', tag: '18' });
    expect(job(p, 'Image')).toMatchObject({ deploys: true, secrets: [expect.objectContaining({ name: 'registry credentials registry-creds' })] });
    expect(p.triggers.map((t) => t.kind)).toEqual(['push', 'schedule']);
  });

  it('a library that is not in the cache makes unknown calls its global variables (unresolved), never plain steps', () => {
    const q = parse("@Library('missing-lib@v3') _\nnode {\n  stage('x') {\n    publishCoverage()\n    mystery 'arg'\n    echo 'known step'\n  }\n}\n", [], memorySource({}));
    expect(job(q, 'x').steps.map((s) => s.uses?.ref.raw)).toEqual(['missing-lib@v3/mystery']);
  });

  it('a library that is in the cache: calls it does not define are plain steps', () => {
    const q = parse("@Library('ci-lib@v1') _\nnode {\n  stage('x') {\n    codecov()\n    mystery 'arg'\n  }\n}\n");
    expect(job(q, 'x').steps.map((s) => s.uses?.ref.raw)).toEqual(['ci-lib@v1/codecov']);
  });

  it('a method of a global variable (`codecov.report(…)`) is that method', () => {
    const q = parse("@Library('ci-lib@v1') _\nnode { stage('x') { codecov.report('build') } }\n");
    expect(job(q, 'x').steps[0]?.uses?.ref).toMatchObject({ step: 'codecov', method: 'report', raw: 'ci-lib@v1/codecov.report' });
  });
});

describe('what cannot be read is a located error, never a quiet "nothing runs"', () => {
  it('shell text computed at run time', () => {
    const p = parse("node {\n  stage('a') {\n    sh script: buildCommand()\n    sh 'curl ' + url + ' | bash'\n  }\n}\n");
    expect(p.errors.map((e) => [e.line, e.code])).toEqual([
      [3, 'jenkins-computed-script'],
      [4, 'jenkins-computed-script'],
    ]);
    // The literal parts of a concatenation are still read.
    expect(job(p, 'a').steps.map((s) => s.run)).toEqual(['curl   | bash']);
  });

  it('a variable given one string is that string; given two, it is computed', () => {
    const p = parse("def CMD = 'curl -s https://codecov.io/bash | bash'\ndef OTHER = 'a'\nOTHER = 'b'\nnode {\n  stage('a') {\n    sh CMD\n    sh OTHER\n  }\n}\n");
    expect(job(p, 'a').steps.map((s) => s.run)).toEqual(['curl -s https://codecov.io/bash | bash']);
    expect(p.errors.map((e) => [e.line, e.code])).toEqual([[7, 'jenkins-computed-script']]);
  });

  it('load: the loaded file is walked where it is loaded and called; a file not read is an error', () => {
    const utils = { path: 'ci/utils.groovy', text: "def upload() {\n  sh 'curl -s https://codecov.io/bash | bash'\n}\nreturn this\n" };
    const p = parse("node {\n  stage('a') {\n    def u = load 'ci/utils.groovy'\n    u.upload()\n    load 'ci/absent.groovy'\n  }\n}\n", [utils]);
    expect(job(p, 'a').steps.map((s) => `${s.pos.file}:${s.pos.line} ${s.run ?? ''}`)).toEqual(['ci/utils.groovy:2 curl -s https://codecov.io/bash | bash']);
    expect(p.errors.map((e) => [e.file, e.line, e.code])).toEqual([['Jenkinsfile', 5, 'jenkins-load-missing']]);
  });

  it('a loaded file that calls a library variable: that call is the library step', () => {
    // The main file calls one variable (so the library is known to be there); the loaded file another.
    const utils = { path: 'ci/utils.groovy', text: "def cover() {\n  uploader('unit')\n}\nreturn this\n" };
    const p = parse("@Library('ci-lib@v1') _\nnode {\n  stage('a') {\n    codecov()\n    def u = load 'ci/utils.groovy'\n    u.cover()\n  }\n}\n", [utils]);
    expect(job(p, 'a').steps.map((s) => `${s.pos.file}:${s.pos.line} ${s.uses?.ref.raw ?? ''}`)).toEqual(['Jenkinsfile:4 ci-lib@v1/codecov', 'ci/utils.groovy:2 ci-lib@v1/uploader']);
    expect(p.errors).toEqual([]);
  });

  it('syntax errors are located and the rest of the file is still read', () => {
    const p = parse("pipeline {\n  agent any\n  stages {\n    stage('a') {\n      steps {\n        sh 'ok'\n        def = = =\n        sh 'after'\n      }\n    }\n  }\n}\n");
    expect(p.errors.map((e) => [e.line, e.code])).toEqual([[7, 'jenkins-syntax']]);
    expect(job(p, 'a').steps.map((s) => s.run)).toEqual(['ok', 'after']);
  });

  it('a file with nothing Jenkins would run', () => {
    const p = parse('// only a comment\n');
    expect(p.jobs).toEqual([]);
    expect(p.errors).toEqual([expect.objectContaining({ line: 1, code: 'jenkins-no-pipeline' })]);
  });

  it('methods that call one another without end are followed once per job', () => {
    const p = parse("def a() { sh 'x'; b() }\ndef b() { a() }\nnode { stage('s') { a() } }\n");
    expect(job(p, 's').steps.map((s) => s.run)).toEqual(['x']);
    expect(p.errors).toEqual([]);
  });
});

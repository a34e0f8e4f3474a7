/** Jenkins through the whole engine: resolve (shared libraries, transitively), match, assess. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CATALOG } from '../../indicators';
import type { Finding, Indicator, RepoInput, ScanResult } from '../../model';
import { scan } from '../../scan';
import { memorySource } from '../../testing';

const FIXTURES = join(__dirname, '__fixtures__');
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');
const CODECOV = CATALOG.find((i) => i.id === 'codecov-bash-uploader-2021') as Indicator;

const LIBRARY_FILES = ['ci-lib@v1/vars/codecov.groovy', 'ci-lib@v1/vars/uploader.groovy', 'ci-lib@v2/vars/codecov.groovy'];
const cache = (): ReturnType<typeof memorySource> =>
  memorySource(Object.fromEntries(LIBRARY_FILES.map((f) => [`jenkins/libraries/${f}`, fixture(`cache/jenkins/libraries/${f}`)])));

function run(text: string, source = cache()): ScanResult {
  const repo: RepoInput = { repo: 'acme/svc', files: [{ path: 'Jenkinsfile', text }] };
  return scan([repo], CODECOV, source);
}

const byJob = (r: ScanResult, job: string): Finding[] => r.findings.filter((f) => f.job === job);

describe('the declarative fixture against the Codecov incident', () => {
  const r = run(fixture('declarative.Jenkinsfile'));

  it('finds the stage whose post block calls the library step, through two global variables and a method', () => {
    expect(r.errors).toEqual([]);
    expect(r.unresolved).toEqual([]);
    expect(r.summary).toMatchObject({ jobs: 6, affected: 1 });
    const [f] = byJob(r, 'coverage');
    expect(f).toMatchObject({ affected: true, platform: 'jenkins', workflow: 'Jenkinsfile', file: 'Jenkinsfile', line: 27 });
    expect(f?.chain.map((l) => `${l.ref} @${l.file}:${l.line}`)).toEqual([
      'ci-lib@v1/codecov @Jenkinsfile:27',
      'ci-lib@v1/uploader @ci-lib@v1//vars/codecov.groovy:4',
      'curl -s https://codecov.io/bash | bash -s -- -F ${flags} @ci-lib@v1//vars/uploader.groovy:7',
    ]);
  });

  it('ok-* stages do not fire', () => {
    expect(r.findings.filter((f) => f.job.startsWith('ok-'))).toEqual([]);
  });

  it('pipeline credentials reach the stage; the workspace it shares reaches the stage that publishes: critical', () => {
    const [f] = byJob(r, 'coverage');
    expect(f?.verdict).toBe('critical');
    expect(f?.exposure.secrets).toEqual(expect.arrayContaining(['NEXUS (credentials nexus-deploy)', 'CODECOV_TOKEN (credentials codecov-token)']));
    expect(f?.exposure).toMatchObject({ selfHosted: true, permissions: 'not applicable (no job token; credentials are bound by id)' });
    const workspace = f?.tamper.find((t) => t.via === 'workspace');
    expect(workspace?.name).toBe('on agent linux');
    expect(workspace?.consumers.map((c) => c.job)).toEqual(expect.arrayContaining(['Publish', 'ok-package', 'post (pipeline)']));
    expect(workspace?.consumers.find((c) => c.job === 'Publish')?.holds).toEqual(expect.arrayContaining(['deploys']));
    // The docker stage runs in its own workspace and comes before nothing it could read.
    expect(workspace?.consumers.map((c) => c.job)).not.toContain('ok-lint');
  });
});

describe('order inside a stage: a stash or archive is written when its step runs', () => {
  const text = [
    'pipeline {',
    '  agent none',
    '  stages {',
    "    stage('cover') {",
    "      agent { label 'a' }",
    '      steps {',
    "        stash name: 'early', includes: 'x'",
    "        sh 'curl -s https://codecov.io/bash | bash'",
    "        stash name: 'late', includes: 'y'",
    '      }',
    '    }',
    "    stage('deploy') {",
    "      agent { node { label 'b'; customWorkspace '/srv/deploy' } }",
    "      environment { TOKEN = credentials('deploy') }",
    '      steps {',
    "        unstash 'early'",
    "        unstash 'late'",
    "        sh './deploy.sh'",
    '      }',
    '    }',
    '  }',
    '}',
  ].join('\n');

  it('only the stash after the compromised step is a tamper path', () => {
    const r = run(text);
    const [f] = byJob(r, 'cover');
    expect(f?.affected).toBe(true);
    expect(f?.tamper.map((t) => `${t.via} ${t.name ?? ''} → ${t.consumers.map((c) => c.job).join(', ')}`)).toEqual(['artifact stash late → deploy']);
    expect(f?.tamper[0]?.reach).toContain('stash');
  });
});

describe('shared libraries that are not, or not all, readable', () => {
  it('a library missing from the cache: the call is unresolved, the scan incomplete', () => {
    const r = run("@Library('ci-lib@v9') _\nnode {\n  stage('cover') {\n    codecov()\n  }\n}\n");
    expect(r.findings.filter((f) => f.affected)).toEqual([]);
    expect(r.unresolved).toEqual([
      expect.objectContaining({ file: 'Jenkinsfile', line: 4, ref: 'ci-lib@v9/codecov', reason: expect.stringContaining('jenkins/libraries/ci-lib@v9/vars/codecov.groovy') }),
    ]);
  });

  it('a version of the library that fetches nothing: not affected, complete', () => {
    const r = run("@Library('ci-lib@v2') _\nnode {\n  stage('cover') {\n    codecov()\n  }\n}\n");
    expect(r.unresolved).toEqual([]);
    expect(r.errors).toEqual([]);
    expect(r.findings.filter((f) => f.affected)).toEqual([]);
  });

  it('a global variable without the method called: located error, and everything the file runs counts', () => {
    const source = memorySource({ 'jenkins/libraries/odd@v1/vars/up.groovy': "def other() {\n  sh 'curl -s https://codecov.io/bash | bash'\n}\n" });
    const r = run("@Library('odd@v1') _\nnode { stage('s') { up() } }\n", source);
    expect(r.errors).toEqual([expect.objectContaining({ file: 'odd@v1//vars/up.groovy', line: 1, code: 'jenkins-library-method' })]);
    expect(byJob(r, 's')[0]?.affected).toBe(true);
  });

  it('global variables that call one another in a cycle end', () => {
    const source = memorySource({
      'jenkins/libraries/loop@v1/vars/a.groovy': 'def call() { b() }\n',
      'jenkins/libraries/loop@v1/vars/b.groovy': "def call() { a()\n  sh 'curl -s https://codecov.io/bash | bash' }\n",
    });
    const r = run("@Library('loop@v1') _\nnode { stage('s') { a() } }\n", source);
    expect(byJob(r, 's').map((f) => f.chain.map((l) => l.ref).join(' → '))).toEqual(['loop@v1/a → loop@v1/b → curl -s https://codecov.io/bash | bash']);
  });
});

describe('a scripted pipeline', () => {
  it('curl | bash in a withCredentials block: the bound credential is exposed', () => {
    const r = run(fixture('scripted.Jenkinsfile'));
    const [f] = byJob(r, 'Test');
    expect(f).toMatchObject({ affected: true, line: 17 });
    expect(f?.exposure.secrets).toContain('CODECOV_TOKEN (credentials codecov)');
    expect(r.findings.filter((x) => x.job.startsWith('ok-'))).toEqual([]);
  });
});

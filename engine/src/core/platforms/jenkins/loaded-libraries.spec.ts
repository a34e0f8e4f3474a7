/**
 * Every library a run loads is global to it (Jenkins): a library's variable may call another library's
 * variable; libraries loaded implicitly (ParseOptions.jenkinsImplicitLibraries) are loaded by every
 * pipeline. Through the whole engine, with the Codecov indicator.
 */
import { CATALOG } from '../../indicators';
import type { Finding, Indicator, JenkinsLibrary, RepoInput, ScanResult } from '../../model';
import { scan, scanMany } from '../../scan';
import { memorySource } from '../../testing';
import { jenkins } from './index';

const CODECOV = CATALOG.find((i) => i.id === 'codecov-bash-uploader-2021') as Indicator;
const CURL = 'curl -s https://codecov.io/bash | bash';

/** `a`'s `cov` hands over to `publish`, which only `b` defines. */
const A_COV = 'def call() {\n  publish()\n  notifyTeam()\n}\n';
const B_PUBLISH = `def call() {\n  sh '${CURL}'\n}\n`;
const BOTH = { 'jenkins/libraries/a@1/vars/cov.groovy': A_COV, 'jenkins/libraries/b@1/vars/publish.groovy': B_PUBLISH };

const repo = (text: string, name = 'acme/svc'): RepoInput => ({ repo: name, files: [{ path: 'Jenkinsfile', text }] });
const run = (text: string, files: Record<string, string>, implicit?: JenkinsLibrary[]): ScanResult =>
  scan([repo(text)], CODECOV, memorySource(files), implicit === undefined ? {} : { parse: { jenkinsImplicitLibraries: implicit } });
const affected = (r: ScanResult): Finding[] => r.findings.filter((f) => f.affected);
const chain = (f: Finding | undefined): string[] => f?.chain.map((l) => `${l.ref} @${l.file}:${l.line}`) ?? [];
const node = (body: string): string => `node {\n  stage('cover') {\n    ${body}\n  }\n}\n`;

describe("a library's variable calls a variable of another library the run loaded", () => {
  it('@Library([a, b]): followed into b, affected, nothing unresolved', () => {
    const r = run(`@Library(['a@1', 'b@1']) _\n${node('cov()')}`, BOTH);
    expect(r.errors).toEqual([]);
    expect(r.unresolved).toEqual([]);
    expect(r.summary).toMatchObject({ jobs: 1, affected: 1 });
    expect(chain(affected(r)[0])).toEqual(['a@1/cov @Jenkinsfile:4', 'b@1/publish @a@1//vars/cov.groovy:2', `${CURL} @b@1//vars/publish.groovy:2`]);
  });

  it('b loaded by a `library` step is as global as one loaded by @Library', () => {
    const r = run(`@Library('a@1') _\nlibrary 'b@1'\n${node('cov()')}`, BOTH);
    expect(r.unresolved).toEqual([]);
    expect(chain(affected(r)[0])).toEqual(['a@1/cov @Jenkinsfile:5', 'b@1/publish @a@1//vars/cov.groovy:2', `${CURL} @b@1//vars/publish.groovy:2`]);
  });

  it('b not in the cache: its step is unresolved with where it was looked for, never clean', () => {
    const r = run(`@Library(['a@1', 'b@1']) _\n${node('cov()')}`, { 'jenkins/libraries/a@1/vars/cov.groovy': A_COV });
    expect(r.summary).toMatchObject({ affected: 0, unresolved: 2 });
    // b's part is not known: `publish` and `notifyTeam` may each be one of its variables.
    expect(r.unresolved.map((u) => [u.file, u.line, u.ref])).toEqual([
      ['a@1//vars/cov.groovy', 2, 'b@1/publish'],
      ['a@1//vars/cov.groovy', 3, 'b@1/notifyTeam'],
    ]);
    expect(r.unresolved[0]?.reason).toBe('looked for in-memory cache path jenkins/libraries/b@1/vars/publish.groovy (used by job cover in Jenkinsfile: what it runs was not read, so it might hide the indicator)');
  });

  it('a step no loaded library defines is a plain step once every library is known to be there', () => {
    // b is there (its `publish` was read): `notifyTeam`, in neither, is a plain step.
    const r = run(`@Library(['a@1', 'b@1']) _\n${node('cov()')}`, BOTH);
    expect(r.unresolved).toEqual([]);
  });

  it('a run that did not load b: `publish` is a plain step (the shared memo keeps the two runs apart)', () => {
    const withB = repo(`@Library(['a@1', 'b@1']) _\n${node('cov()')}`, 'acme/with-b');
    const withoutB = repo(`@Library('a@1') _\n${node('cov()')}`, 'acme/without-b');
    for (const order of [
      [withB, withoutB],
      [withoutB, withB],
    ]) {
      const [r] = scanMany(order, [CODECOV], memorySource(BOTH));
      expect(r?.unresolved).toEqual([]);
      expect(r?.findings.filter((f) => f.affected).map((f) => f.repo)).toEqual(['acme/with-b']);
    }
  });

  it('variables of two libraries calling each other end as a cycle', () => {
    const files = {
      'jenkins/libraries/a@1/vars/cov.groovy': 'def call() { publish() }\n',
      'jenkins/libraries/b@1/vars/publish.groovy': `def call() {\n  cov()\n  sh '${CURL}'\n}\n`,
    };
    const r = run(`@Library(['a@1', 'b@1']) _\n${node('cov()')}`, files);
    expect(affected(r).map((f) => f.chain.map((l) => l.ref).join(' → '))).toEqual([`a@1/cov → b@1/publish → ${CURL}`]);
  });

  it('a ref carries the libraries of its run only when there are others', () => {
    const source = memorySource(BOTH);
    const one = jenkins.parse(repo(`@Library('a@1') _\n${node('cov()')}`), source).pipelines[0]?.jobs[0]?.steps[0]?.uses?.ref;
    expect(one).toEqual({ kind: 'jenkins-library-step', library: { name: 'a', ref: '1', raw: 'a@1' }, step: 'cov', method: 'call', raw: 'a@1/cov' });
    const two = jenkins.parse(repo(`@Library(['a@1', 'b@1']) _\n${node('cov()')}`), source).pipelines[0]?.jobs[0]?.steps[0]?.uses?.ref;
    expect(two).toEqual({
      kind: 'jenkins-library-step',
      library: { name: 'a', ref: '1', raw: 'a@1' },
      step: 'cov',
      method: 'call',
      raw: 'a@1/cov',
      loaded: [
        { name: 'a', ref: '1', raw: 'a@1' },
        { name: 'b', ref: '1', raw: 'b@1' },
      ],
    });
  });
});

describe('a library a fetcher wrote whole (its .resolved-commit)', () => {
  const jenkinsfile = `@Library(['a@1', 'b@1']) _\n${node('cov()\n    fooStep()')}`;

  it('without it, a call no library defines may be one of b’s variables: unresolved', () => {
    const r = run(jenkinsfile, { 'jenkins/libraries/a@1/vars/cov.groovy': 'def call() { echo "hi" }\n' });
    expect(r.unresolved.map((u) => [u.line, u.ref])).toEqual([[5, 'b@1/fooStep']]);
  });

  it('with it, b is all there: the call is a plain step', () => {
    const r = run(jenkinsfile, { 'jenkins/libraries/a@1/vars/cov.groovy': 'def call() { echo "hi" }\n', 'jenkins/libraries/b@1/.resolved-commit': `${'c'.repeat(40)}\n` });
    expect(r.unresolved).toEqual([]);
    expect(r.errors).toEqual([]);
  });
});

describe('libraries every pipeline loads (implicit)', () => {
  const CI_LIB = { 'jenkins/libraries/ci-lib@v1/vars/codecov.groovy': `def call() {\n  sh '${CURL}'\n}\n`, 'jenkins/libraries/ci-lib@v2/vars/codecov.groovy': "def call() {\n  sh 'codecov --verify'\n}\n" };
  const IMPLICIT: JenkinsLibrary[] = [{ name: 'ci-lib', ref: 'v1', raw: 'ci-lib@v1' }];

  it('a Jenkinsfile with no @Library calls its variable: affected', () => {
    const r = run(node('codecov()'), CI_LIB, IMPLICIT);
    expect(r.unresolved).toEqual([]);
    expect(r.errors).toEqual([]);
    expect(chain(affected(r)[0])).toEqual(['ci-lib@v1/codecov @Jenkinsfile:3', `${CURL} @ci-lib@v1//vars/codecov.groovy:2`]);
  });

  it('without the option, the same call is a plain step', () => {
    const r = run(node('codecov()'), CI_LIB);
    expect(r.summary).toMatchObject({ affected: 0, unresolved: 0, errors: 0 });
  });

  it('an implicit library not in the cache: the call is unresolved, never clean', () => {
    const r = run(node('codecov()'), {}, IMPLICIT);
    expect(r.summary).toMatchObject({ affected: 0, unresolved: 1 });
    expect(r.unresolved.map((u) => [u.line, u.ref])).toEqual([[3, 'ci-lib@v1/codecov']]);
  });

  it('a pipeline naming the implicit library itself loads it at the version it names', () => {
    const r = run(`@Library('ci-lib@v2') _\n${node('codecov()')}`, CI_LIB, IMPLICIT);
    expect(r.summary).toMatchObject({ affected: 0, unresolved: 0 });
    expect(r.findings).toEqual([]);
  });

  it("an implicit library's variable calls one of a library the pipeline loads", () => {
    const r = run(`@Library('b@1') _\n${node('cov()')}`, BOTH, [{ name: 'a', ref: '1', raw: 'a@1' }]);
    expect(r.unresolved).toEqual([]);
    expect(chain(affected(r)[0])).toEqual(['a@1/cov @Jenkinsfile:4', 'b@1/publish @a@1//vars/cov.groovy:2', `${CURL} @b@1//vars/publish.groovy:2`]);
  });
});

/**
 * Jenkins shared libraries fetched from real git repositories the test builds with dated commits, through
 * the fetch loop and the component store, scanned with the Codecov indicator: `@Library('ci-lib@v1') _`
 * calling `codecov()`, whose `vars/codecov.groovy` hands over to `uploader` (another global variable)
 * that runs `curl … | bash`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { catalogIndicator } from '../../core/indicators';
import type { Indicator, RepoInput, ScanResult } from '../../core/model';
import { makeGitRepo, type TestRepo } from '../../../test/helpers/git-repo';
import { makeTempDir } from '../../../test/helpers/tmp';
import { componentStore } from '../component-store';
import { scanWithFetch, type FetchLoopResult } from '../fetch-loop';
import { providerFetchers } from '../resolve-source';
import type { ComponentCacheWriter, TimeWindow } from '../source';
import { createJenkinsLibraryFetcher } from './fetcher';
import type { JenkinsLibraryMapping } from './mapping';

const CODECOV = catalogIndicator('codecov-bash-uploader-2021') as Indicator;
/** The Codecov incident's window. */
const WINDOW: TimeWindow = { start: Date.parse('2021-01-31T00:00:00Z'), end: Date.parse('2021-04-01T23:59:59Z') };

const CODECOV_VAR = `def call(Map args = [:]) {
  withCredentials([string(credentialsId: 'codecov-token', variable: 'CODECOV_TOKEN')]) {
    uploader(args.flags ?: 'default')
  }
}
`;
const UPLOADER_BASH = `def call(String flags) {
  sh "curl -s https://codecov.io/bash | bash -s -- -F \${flags}"
}
`;
const UPLOADER_SAFE = `def call(String flags) {
  sh "echo uploading \${flags}"
}
`;
const jenkinsfile = (library: string): string => `@Library('${library}') _

pipeline {
  agent any
  stages {
    stage('Test') {
      steps {
        sh 'echo testing'
        codecov(flags: 'unit')
      }
    }
  }
}
`;

/**
 * An unresolved reason as [the fetcher's part, the lookup's end]: the store's own wording between them
 * ("looked for component cache …: ") is the store's, not this fetcher's.
 */
const parts = (reason: string): [string, string] => {
  const at = reason.indexOf('; looked for ');
  const path = reason.indexOf(' path jenkins/', at);
  return [reason.slice(0, at), reason.slice(path + 1)];
};

/** What the scan adds to an unresolved component's reason. */
const USED = ' (used by job Test in Jenkinsfile: what it runs was not read, so it might hide the indicator)';

let tmp: { dir: string; cleanup: () => void };
let lib: TestRepo;

beforeAll(() => {
  tmp = makeTempDir('cix-jenkins-lib-');
  lib = makeGitRepo(join(tmp.dir, 'repos', 'ci-lib'), [
    // v1: the uploader pipes the bash uploader into bash; tagged.
    { at: '2020-06-01T10:00:00Z', files: { 'vars/codecov.groovy': CODECOV_VAR, 'vars/uploader.groovy': UPLOADER_BASH, 'src/org/acme/Util.groovy': 'package org.acme\nclass Util {}\n', 'resources/org/acme/cfg.json': '{}\n', 'README.md': 'ci-lib\n' } },
  ]);
  git(lib.dir, ['tag', 'v1']);
  // On main, after the Codecov window, the uploader stops piping into bash.
  lib.commit({ at: '2021-06-01T10:00:00Z', files: { 'vars/uploader.groovy': UPLOADER_SAFE } });
});

afterAll(() => tmp.cleanup());

function git(dir: string, args: string[]): void {
  execFileSync('git', args, { cwd: dir, env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' }, stdio: 'ignore' });
}

const repo = (library: string): RepoInput => ({ repo: 'acme/app', files: [{ path: 'Jenkinsfile', text: jenkinsfile(library) }] });

let run = 0;
/** A scan of `repo` fetching with the Jenkins fetcher over `libraries`, into a fresh data directory. */
async function scanWith(input: RepoInput, libraries: JenkinsLibraryMapping[], window?: TimeWindow): Promise<{ result: ScanResult; loop: FetchLoopResult; store: string }> {
  const dataDir = join(tmp.dir, `data-${run++}`);
  const store = componentStore(join(dataDir, 'components'));
  const fetcher = createJenkinsLibraryFetcher({ dataDir, libraries, ...(window === undefined ? {} : { window }) });
  const loop = await scanWithFetch([input], [CODECOV], { store, fetchers: [fetcher] });
  return { result: loop.results[0] as ScanResult, loop, store: store.dir };
}

const mapped = (extra: Partial<JenkinsLibraryMapping> = {}): JenkinsLibraryMapping[] => [{ name: 'ci-lib', url: lib.url, ...extra }];

describe('Jenkins shared libraries fetched from git', () => {
  it('@Library(ci-lib@v1) with the mapping: the library is mirrored, written in the cache layout, and the job is affected', async () => {
    const { result, loop, store } = await scanWith(repo('ci-lib@v1'), mapped());
    expect(result.unresolved).toEqual([]);
    expect(result.summary.affected).toBe(1);
    expect(result.findings.filter((f) => f.affected).map((f) => [f.file, f.job])).toEqual([['Jenkinsfile', 'Test']]);
    expect(loop.failed).toEqual([]);
    expect(loop.fetched).toContain('jenkins/libraries/ci-lib@v1/vars/codecov.groovy');
    // The whole library at the tag: vars, src, resources (not the README), and the commit read.
    const root = join(store, 'jenkins', 'libraries', 'ci-lib@v1');
    expect(readFileSync(join(root, 'vars', 'uploader.groovy'), 'utf8')).toBe(UPLOADER_BASH);
    expect(readFileSync(join(root, 'src', 'org', 'acme', 'Util.groovy'), 'utf8')).toBe('package org.acme\nclass Util {}\n');
    expect(readFileSync(join(root, 'resources', 'org', 'acme', 'cfg.json'), 'utf8')).toBe('{}\n');
    expect(existsSync(join(root, 'README.md'))).toBe(false);
    expect(readFileSync(join(root, '.resolved-commit'), 'utf8')).toBe(`${lib.commits[0]}\n`);
    expect(loop.notes).toEqual([]);
  });

  it('without the mapping: unresolved, saying how to map it', async () => {
    const { result } = await scanWith(repo('ci-lib@v1'), []);
    expect(result.summary.affected).toBe(0);
    expect(result.unresolved.map(({ reason, ...rest }) => ({ ...rest, reason: parts(reason) }))).toEqual([
      {
        repo: 'acme/app',
        file: 'Jenkinsfile',
        line: 9,
        ref: 'ci-lib@v1/codecov',
        reason: ['could not be fetched by jenkins-library: library ci-lib is not mapped: give --jenkins-library ci-lib=URL', `path jenkins/libraries/ci-lib@v1/vars/codecov.groovy${USED}`],
      },
    ]);
  });

  it('a tag the repository does not have: unresolved with git’s words', async () => {
    const { result } = await scanWith(repo('ci-lib@v9'), mapped());
    expect(result.summary.affected).toBe(0);
    expect(result.unresolved.map((u) => [u.ref, ...parts(u.reason)])).toEqual([
      ['ci-lib@v9/codecov', `could not be fetched by jenkins-library: library ci-lib@v9 (${lib.url}): no branch, tag or commit v9 in the repository: git: fatal: bad revision 'v9'`, `path jenkins/libraries/ci-lib@v9/vars/codecov.groovy${USED}`],
    ]);
  });

  it("@Library('ci-lib') reads the mapping's default version, under the key the core reads (ci-lib@HEAD), and says so", async () => {
    const { result, loop, store } = await scanWith(repo('ci-lib'), mapped({ defaultVersion: 'v1' }));
    expect(result.unresolved).toEqual([]);
    expect(result.summary.affected).toBe(1);
    expect(readFileSync(join(store, 'jenkins', 'libraries', 'ci-lib@HEAD', 'vars', 'uploader.groovy'), 'utf8')).toBe(UPLOADER_BASH);
    expect(loop.notes.map((n) => n.note)).toEqual(['library ci-lib: loaded without a version: read at its default version v1']);
  });

  it("@Library('ci-lib') with no default version: unresolved", async () => {
    const { result } = await scanWith(repo('ci-lib'), mapped());
    expect(result.summary.affected).toBe(0);
    expect(result.unresolved.map((u) => parts(u.reason))).toEqual([
      ['could not be fetched by jenkins-library: no version and no default version for library ci-lib', `path jenkins/libraries/ci-lib@HEAD/vars/codecov.groovy${USED}`],
    ]);
  });

  it('a branch is read as of the window’s end (affected then), and as it is today without a window (not affected)', async () => {
    const asOf = await scanWith(repo('ci-lib@main'), mapped(), WINDOW);
    expect(asOf.result.summary.affected).toBe(1);
    expect(asOf.loop.notes.map((n) => n.note)).toEqual([`library ci-lib: branch main read as of 2021-04-01T23:59:59Z, the incident window's end (commit ${(lib.commits[0] as string).slice(0, 12)} of 2020-06-01T10:00:00Z)`]);

    const today = await scanWith(repo('ci-lib@main'), mapped());
    expect(today.result.unresolved).toEqual([]);
    expect(today.result.summary.affected).toBe(0);
    expect(today.loop.notes).toEqual([]);
  });

  it('a branch with no commit by the window’s end: unresolved, never read as it is today', async () => {
    const young = makeGitRepo(join(tmp.dir, 'repos', 'young'), [{ at: '2022-01-01T00:00:00Z', files: { 'vars/codecov.groovy': `def call(Map a = [:]) {\n  sh 'curl -s https://codecov.io/bash | bash'\n}\n` } }]);
    const { result } = await scanWith(repo('ci-lib@main'), [{ name: 'ci-lib', url: young.url }], WINDOW);
    expect(result.unresolved.map((u) => parts(u.reason))).toEqual([
      [
        `could not be fetched by jenkins-library: library ci-lib@main (${young.url}): branch main has no commit at or before 2021-04-01T23:59:59Z (the incident window's end)`,
        `path jenkins/libraries/ci-lib@main/vars/codecov.groovy${USED}`,
      ],
    ]);
  });

  it('a commit SHA is read as written', async () => {
    const { result } = await scanWith(repo(`ci-lib@${lib.commits[1] as string}`), mapped());
    expect(result.unresolved).toEqual([]);
    expect(result.summary.affected).toBe(0);
  });

  it('two libraries: each from its own repository, the second one’s variable followed in the same rounds', async () => {
    const other = makeGitRepo(join(tmp.dir, 'repos', 'other'), [{ at: '2020-01-01T00:00:00Z', files: { 'vars/publish.groovy': `def call() {\n  sh 'bash <(curl -s https://codecov.io/bash)'\n}\n` } }]);
    git(other.dir, ['tag', 'v2']);
    const input: RepoInput = {
      repo: 'acme/two',
      files: [{ path: 'Jenkinsfile', text: "@Library(['ci-lib@main', 'other@v2']) _\nnode {\n  stage('Cov') {\n    codecov()\n  }\n  stage('Pub') {\n    publish()\n  }\n}\n" }],
    };
    const { result, loop } = await scanWith(input, [...mapped(), { name: 'other', url: other.url }]);
    expect(result.unresolved).toEqual([]);
    expect(result.findings.filter((f) => f.affected).map((f) => f.job)).toEqual(['Pub']);
    expect(loop.fetched).toEqual(expect.arrayContaining(['jenkins/libraries/ci-lib@main/vars/codecov.groovy', 'jenkins/libraries/other@v2/vars/publish.groovy']));
  });

  it('one mirror and one read per library version, however many of its steps are asked for at once', async () => {
    const dataDir = join(tmp.dir, `data-${run++}`);
    const fetcher = createJenkinsLibraryFetcher({ dataDir, libraries: mapped() });
    const library = { name: 'ci-lib', ref: 'v1', raw: 'ci-lib@v1' };
    const writes: string[][] = [[], [], []];
    const writer = (i: number): ComponentCacheWriter => ({ write: (_ref, path) => void (writes[i] as string[]).push(path) });
    const steps = ['codecov', 'uploader', 'echo'];
    const outcomes = await Promise.all(steps.map((step, i) => fetcher.fetch({ kind: 'jenkins-library-step', library, step, method: 'call', raw: `ci-lib@v1/${step}` }, writer(i))));
    expect(outcomes).toEqual([
      {
        ok: true,
        files: [
          'jenkins/libraries/ci-lib@v1/vars/codecov.groovy',
          'jenkins/libraries/ci-lib@v1/resources/org/acme/cfg.json',
          'jenkins/libraries/ci-lib@v1/src/org/acme/Util.groovy',
          'jenkins/libraries/ci-lib@v1/vars/uploader.groovy',
        ],
      },
      { ok: true, files: ['jenkins/libraries/ci-lib@v1/vars/uploader.groovy'] },
      // A name the library does not define (the core probes every call name): nothing written for it.
      { ok: true, files: [] },
    ]);
    expect(writes).toEqual([['vars/codecov.groovy', 'resources/org/acme/cfg.json', 'src/org/acme/Util.groovy', 'vars/uploader.groovy', '.resolved-commit'], ['vars/uploader.groovy'], []]);
  });

  it('a repository that cannot be cloned: unresolved with git’s reason', async () => {
    const missing = `file://${join(tmp.dir, 'repos', 'nope')}`;
    const { result } = await scanWith(repo('ci-lib@v1'), [{ name: 'ci-lib', url: missing }]);
    expect(result.summary.affected).toBe(0);
    expect(result.unresolved).toHaveLength(1);
    expect(result.unresolved[0]?.reason).toMatch(new RegExp(`^could not be fetched by jenkins-library: library ci-lib@v1 \\(${missing}\\): git clone failed: fatal: .*nope`));
  });

  it('is among the fetchers of every scan that fetches, with the scan’s mapping', () => {
    const ids = providerFetchers({}, { dataDir: tmp.dir, jenkinsLibraries: mapped() }).map((f) => f.id);
    expect(ids.filter((id) => id === 'jenkins-library')).toEqual(['jenkins-library']);
  });
});

/**
 * The git source against real repositories the test builds with dated commits: mirrors, versions of an
 * incident window, the coinbase/agentkit case (a workflow using tj-actions/changed-files@v39 deleted at
 * 16:37 UTC on 14 March 2025, inside the window), refresh by fetch, failures as data.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { catalogIndicator } from '../../core/indicators';
import type { Indicator } from '../../core/model';
import { scan } from '../../core/scan';
import { memorySource } from '../../core/testing';
import { versionsText } from '../../core/versions';
import { makeGitRepo, type TestRepo } from '../../../test/helpers/git-repo';
import { makeTempDir } from '../../../test/helpers/tmp';
import { isRepoFailure, type RepoFailure, type RepoVersion, type TimeWindow } from '../source';
import { parseGitSpec, redactUrl } from './git-url';
import { gitSource, mirrorPath } from './git-source';

const CHANGED_FILES = `name: Changed files
on: pull_request
jobs:
  changed:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: tj-actions/changed-files@v39
        id: changed
`;
const CI = `name: CI
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: npm test
`;
const LINT = (v: string): string => `name: Lint
on: push
jobs:
  lint:
    runs-on: ubuntu-latest
    steps:
      - run: echo lint ${v}
`;

const TJ = catalogIndicator('tj-actions-changed-files-2025') as Indicator;
const WINDOW: TimeWindow = { start: Date.parse(TJ.windowStart), end: Date.parse(TJ.windowEnd) };

async function collect(items: AsyncIterable<RepoVersion | RepoFailure> | Iterable<RepoVersion | RepoFailure>): Promise<{ versions: RepoVersion[]; failures: RepoFailure[] }> {
  const versions: RepoVersion[] = [];
  const failures: RepoFailure[] = [];
  for await (const item of items) {
    if (isRepoFailure(item)) failures.push(item);
    else versions.push(item);
  }
  return { versions, failures };
}

describe('git URLs', () => {
  it.each([
    ['https://github.com/coinbase/agentkit.git', { url: 'https://github.com/coinbase/agentkit.git', repo: 'coinbase/agentkit' }],
    ['git+https://gitlab.example.com/group/sub/project', { url: 'https://gitlab.example.com/group/sub/project', repo: 'group/sub/project' }],
    ['ssh://git@example.com/acme/app.git', { url: 'ssh://git@example.com/acme/app.git', repo: 'acme/app' }],
    ['git@github.com:acme/app.git', { url: 'git@github.com:acme/app.git', repo: 'acme/app' }],
    ['file:///srv/git/coinbase/agentkit.git', { url: 'file:///srv/git/coinbase/agentkit.git', repo: 'coinbase/agentkit' }],
    ['https://git.example.com/x.git', { url: 'https://git.example.com/x.git', repo: 'x' }],
  ])('%s is a git repository', (spec, expected) => {
    expect(parseGitSpec(spec)).toEqual(expected);
  });

  it.each(['github:acme', 'https://github.com/acme/app', './repos', 'gitlab:https://gitlab.example.com/group', 'file:///'])('%s is not a git URL', (spec) => {
    expect(parseGitSpec(spec)).toBeUndefined();
  });

  it('credentials in a URL never reach a message', () => {
    expect(redactUrl('fatal: could not read from https://user:s3cret@example.com/x.git')).toBe('fatal: could not read from https://***@example.com/x.git');
  });
});

describe('gitSource over real repositories', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let agentkit: TestRepo;
  const dataDir = (): string => join(tmp.dir, 'data');

  beforeEach(() => {
    tmp = makeTempDir('cix-git-');
    agentkit = makeGitRepo(join(tmp.dir, 'remote', 'coinbase', 'agentkit'), [
      { at: '2025-01-10T09:00:00Z', files: { '.github/workflows/changed-files.yml': CHANGED_FILES, '.github/workflows/ci.yml': CI, '.github/workflows/lint.yml': LINT('1'), 'README.md': 'one' } },
      { at: '2025-03-14T10:00:00Z', files: { '.github/workflows/lint.yml': LINT('2') } },
      { at: '2025-03-14T12:00:00Z', files: { 'README.md': 'two (not a pipeline file)' } },
      { at: '2025-03-14T16:37:00Z', message: 'remove changed-files workflow', files: { '.github/workflows/changed-files.yml': null } },
      { at: '2025-04-01T08:00:00Z', files: { 'README.md': 'three' } },
    ]);
  });
  afterEach(() => tmp.cleanup());

  it('mirrors the repository into the data directory without a work tree', async () => {
    const source = gitSource(agentkit.url, { dataDir: dataDir() });
    const { versions, failures } = await collect(source?.versions(undefined) ?? []);
    expect(failures).toEqual([]);
    const mirror = mirrorPath(dataDir(), { url: agentkit.url, repo: 'coinbase/agentkit' });
    expect(existsSync(join(mirror, 'HEAD'))).toBe(true);
    expect(existsSync(join(mirror, '.github'))).toBe(false);
    expect(versions.map((v) => v.version)).toEqual([
      { commit: agentkit.commits[4], committedAt: Date.parse('2025-04-01T08:00:00Z'), role: 'head', liveFrom: Date.parse('2025-03-14T16:37:00Z') },
    ]);
    expect(versions[0]?.files.map((f) => f.path)).toEqual(['.github/workflows/ci.yml', '.github/workflows/lint.yml']);
    expect(versions[0]?.reader?.read('README.md')).toEqual({ text: 'three' });
    expect(versions[0]?.reader?.read('missing.sh')).toEqual({ missing: true });
    expect(versions[0]?.reader?.read('../outside')).toMatchObject({ code: 'outside-repo' });
  });

  it('agentkit: today’s head says nothing about tj-actions; the window versions find the deleted workflow, with the version it holds for', async () => {
    const source = gitSource(agentkit.url, { dataDir: dataDir() });
    const head = await collect(source?.versions(undefined) ?? []);
    const headResult = scan(head.versions, TJ, memorySource({}));
    expect(headResult.findings).toEqual([]);

    const windowed = await collect(source?.versions(WINDOW) ?? []);
    expect(windowed.failures).toEqual([]);
    const [start, lint2, removal] = agentkit.commits.slice(0, 4).filter((_, i) => i !== 2);
    expect(windowed.versions.map((v) => v.version)).toEqual([
      { commit: start, committedAt: Date.parse('2025-01-10T09:00:00Z'), role: 'window-start', liveFrom: Date.parse('2025-01-10T09:00:00Z'), liveUntil: Date.parse('2025-03-14T10:00:00Z'), replacedBy: lint2 },
      { commit: lint2, committedAt: Date.parse('2025-03-14T10:00:00Z'), role: 'in-window', liveFrom: Date.parse('2025-03-14T10:00:00Z'), liveUntil: Date.parse('2025-03-14T16:37:00Z'), replacedBy: removal },
      { commit: removal, committedAt: Date.parse('2025-03-14T16:37:00Z'), role: 'in-window', liveFrom: Date.parse('2025-03-14T16:37:00Z') },
    ]);
    expect(windowed.versions.map((v) => v.files.map((f) => f.path))).toEqual([
      ['.github/workflows/changed-files.yml', '.github/workflows/ci.yml', '.github/workflows/lint.yml'],
      ['.github/workflows/changed-files.yml', '.github/workflows/ci.yml', '.github/workflows/lint.yml'],
      ['.github/workflows/ci.yml', '.github/workflows/lint.yml'],
    ]);

    const result = scan(windowed.versions, TJ, memorySource({}));
    expect(result.findings).toHaveLength(1);
    const [finding] = result.findings;
    expect(finding).toMatchObject({ repo: 'coinbase/agentkit', file: '.github/workflows/changed-files.yml', line: 8, jobId: 'changed', affected: true });
    // Unchanged in two versions: one finding, both versions.
    expect(finding?.versions?.map((v) => v.commit)).toEqual([start, lint2]);
    expect(versionsText(finding?.versions ?? [])).toBe(`${start?.slice(0, 7)}… to ${lint2?.slice(0, 7)}…, live from before the window until its removal by ${removal?.slice(0, 7)}… at 2025-03-14 16:37 UTC`);
    expect(result.summary).toMatchObject({ repos: 1, files: 3, jobs: 3, affected: 1 });
  });

  it('adds today’s head when a pipeline file changed after the window, and refreshes the mirror by fetch', async () => {
    const source = gitSource(agentkit.url, { dataDir: dataDir() });
    const first = await collect(source?.versions(WINDOW) ?? []);
    expect(first.versions.map((v) => v.version.role)).toEqual(['window-start', 'in-window', 'in-window']);
    const later = agentkit.commit({ at: '2025-05-02T08:00:00Z', files: { '.github/workflows/lint.yml': LINT('3') } });
    const second = await collect(gitSource(agentkit.url, { dataDir: dataDir() })?.versions(WINDOW) ?? []);
    expect(second.versions.map((v) => v.version.role)).toEqual(['window-start', 'in-window', 'in-window', 'head']);
    expect(second.versions[2]?.version).toMatchObject({ replacedBy: later, liveUntil: Date.parse('2025-05-02T08:00:00Z') });
    expect(second.versions[3]?.version).toEqual({ commit: later, committedAt: Date.parse('2025-05-02T08:00:00Z'), role: 'head', liveFrom: Date.parse('2025-05-02T08:00:00Z') });
  });

  it('a change inside the window to a file an include brings in is a version of its own', async () => {
    const gl = makeGitRepo(join(tmp.dir, 'remote', 'acme', 'gl'), [
      { at: '2025-03-01T00:00:00Z', files: { '.gitlab-ci.yml': "include:\n  - local: ci/test.yml\n", 'ci/test.yml': 'test:\n  script: echo 1\n' } },
      { at: '2025-03-14T11:00:00Z', files: { 'ci/test.yml': 'test:\n  script: echo 2\n' } },
    ]);
    const { versions } = await collect(gitSource(gl.url, { dataDir: dataDir() })?.versions(WINDOW) ?? []);
    expect(versions.map((v) => [v.version.commit, v.version.role])).toEqual([
      [gl.commits[0], 'window-start'],
      [gl.commits[1], 'in-window'],
    ]);
    expect(versions[1]?.files).toEqual([
      { path: '.gitlab-ci.yml', text: "include:\n  - local: ci/test.yml\n" },
      { path: 'ci/test.yml', text: 'test:\n  script: echo 2\n' },
    ]);
  });

  it('a repository created after the window is read at its head; one that cannot be cloned is a failure with git’s reason', async () => {
    const young = makeGitRepo(join(tmp.dir, 'remote', 'acme', 'young'), [{ at: '2025-06-01T00:00:00Z', files: { '.github/workflows/ci.yml': CI } }]);
    const got = await collect(gitSource(young.url, { dataDir: dataDir() })?.versions(WINDOW) ?? []);
    expect(got.versions.map((v) => v.version.role)).toEqual(['head']);

    const missing = await collect(gitSource(`file://${join(tmp.dir, 'remote', 'acme', 'nothing')}.git`, { dataDir: dataDir() })?.versions(WINDOW) ?? []);
    expect(missing.versions).toEqual([]);
    expect(missing.failures).toEqual([{ repo: 'acme/nothing', failure: true, reason: expect.stringMatching(/^git clone failed: .*(does not appear to be a git repository|not found|No such file)/) }]);
  });

  it('a pipeline file over the size limit is an error of that version, not a silent gap', async () => {
    const big = makeGitRepo(join(tmp.dir, 'remote', 'acme', 'big'), [{ at: '2025-03-01T00:00:00Z', files: { '.github/workflows/big.yml': `# ${'x'.repeat(2000)}\n`, '.github/workflows/ci.yml': CI } }]);
    const { versions } = await collect(gitSource(big.url, { dataDir: dataDir(), maxFileBytes: 1000 })?.versions(undefined) ?? []);
    expect(versions[0]?.files.map((f) => f.path)).toEqual(['.github/workflows/ci.yml']);
    expect(versions[0]?.errors).toEqual([{ repo: 'acme/big', file: '.github/workflows/big.yml', line: 1, code: 'too-large', message: 'file is over 1000 bytes; not read' }]);
  });
});

/**
 * The files a job runs, read from remote repositories, end to end through `runSourceScan` against the
 * GitHub and GitLab simulators: a workflow (or `.gitlab-ci.yml`) runs `make coverage`, whose recipe runs
 * `./scripts/cover.sh`, which pipes https://codecov.io/bash into bash. The readers answer `not-fetched`
 * first; the fetch loop reads the pending files between rounds (GitHub: every repository's in one GraphQL
 * call per round) and the chain is found, with nothing left unresolved. Also: the incident window
 * reaches the fetchers (a GitHub branch ref is read as it was at the window's end, apart from today's
 * read; a moving CircleCI orb ref resolves as of the window's end).
 */
import { join } from 'node:path';
import { z } from 'zod';
import { makeTempDir } from '../../test/helpers/tmp';
import { CircleCiSimulator } from '../../test/simulators/circleci/server';
import { GitHubSimulator } from '../../test/simulators/github/server';
import { type GitLabSimulator, startGitLabSimulator } from '../../test/simulators/gitlab/server';
import { runSourceScan } from '../cli/scan-sources';
import type { ComponentRef } from '../core/model';
import { circleciProvider } from './circleci/provider';
import { createGitHubProvider } from './github/provider';
import { createGitLabProvider } from './gitlab/provider';
import { providerFetchers } from './resolve-source';
import type { ComponentCacheWriter } from './source';

const MAKEFILE = '.PHONY: coverage\ncoverage:\n\t./scripts/cover.sh --codecov\n';
const COVER = '#!/usr/bin/env bash\nset -eu\nbash <(curl -s https://codecov.io/bash) -f coverage.txt\n';
const WORKFLOW = `name: CI
on: push
jobs:
  coverage:
    runs-on: ubuntu-latest
    steps:
      - run: make coverage
        env:
          CODECOV_TOKEN: \${{ secrets.CODECOV_TOKEN }}
`;
/** Inside the Codecov window (2021-01-31 .. 2021-04-01). */
const IN_WINDOW = '2021-01-10T00:00:00Z';

const reportSchema = z.object({
  summary: z.object({ repos: z.number(), affected: z.number(), unresolved: z.number(), errors: z.number(), complete: z.boolean(), incomplete: z.array(z.string()) }),
  findings: z.array(z.object({ repo: z.string(), job: z.string(), affected: z.boolean(), chain: z.array(z.object({ ref: z.string() })) })),
  unresolved: z.array(z.object({ ref: z.string(), reason: z.string() })),
  errors: z.array(z.object({ repo: z.string(), message: z.string() })),
});

const CHAIN = ['make coverage', 'scripts/cover.sh', 'bash <(curl -s https://codecov.io/bash) -f coverage.txt'];

describe('files a job runs, from github: sources', () => {
  const TOKEN = 'ghp_repo_files_secret';
  let sim: GitHubSimulator;
  let tmp: ReturnType<typeof makeTempDir>;
  beforeEach(async () => {
    tmp = makeTempDir('cix-remote-files-');
    sim = await new GitHubSimulator({ token: TOKEN }).start();
    sim.addOrg('acme');
    for (const name of ['go-service', 'api']) {
      sim.addRepo({ full: `acme/${name}`, commits: [{ date: IN_WINDOW, files: { '.github/workflows/ci.yml': WORKFLOW, Makefile: MAKEFILE, 'scripts/cover.sh': COVER, 'README.md': name } }] });
    }
  });
  afterEach(async () => {
    expect(sim.rejected).toEqual([]);
    expect(sim.executionErrors).toEqual([]);
    expect(sim.violations).toEqual([]);
    await sim.stop();
    tmp.cleanup();
  });

  it('follows make coverage → scripts/cover.sh → curl | bash, reading both repositories’ files in one call per round', async () => {
    let stdout = '';
    let stderr = '';
    const code = await runSourceScan(
      { paths: ['github:acme'], indicator: 'codecov-bash-uploader-2021', format: 'json', dataDir: join(tmp.dir, 'data') },
      { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: sim.apiUrl } },
      [createGitHubProvider()],
    );
    const report = reportSchema.parse(JSON.parse(stdout));
    expect(code).toBe(1);
    expect(report.findings.filter((f) => f.affected).map((f) => [f.repo, f.job, f.chain.map((l) => l.ref)])).toEqual([
      ['acme/api', 'coverage', CHAIN],
      ['acme/go-service', 'coverage', CHAIN],
    ]);
    expect(report.summary).toMatchObject({ repos: 2, affected: 2, unresolved: 0, errors: 0, complete: true });
    expect(stdout).not.toMatch(/not fetched/);
    // make's three names (GNUmakefile, makefile, Makefile) in one round, then the script: two calls, one
    // alias per path and repository (3 × 2, then 1 × 2).
    const fileCalls = sim.queries.filter((q) => q.startsWith('query RepoFiles'));
    expect(fileCalls.map((q) => (q.match(/^f\d+: repository/gm) ?? []).length)).toEqual([6, 2]);
    for (const name of ['GNUmakefile', 'makefile', 'Makefile']) expect(fileCalls[0]).toContain(`:${name}"`);
    expect(fileCalls[1]).toContain('scripts/cover.sh');
    expect(stdout + stderr).not.toContain(TOKEN);
  });

  it('with --no-fetch the repository files are still read (only components are not fetched)', async () => {
    let stdout = '';
    const code = await runSourceScan(
      { paths: ['github:acme/api'], indicator: 'codecov-bash-uploader-2021', format: 'json', dataDir: join(tmp.dir, 'data'), fetch: false },
      { stdout: (t) => (stdout += t), stderr: () => undefined, env: { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: sim.apiUrl } },
      [createGitHubProvider()],
    );
    const report = reportSchema.parse(JSON.parse(stdout));
    expect(code).toBe(1);
    expect(report.findings.filter((f) => f.affected).map((f) => f.chain.map((l) => l.ref))).toEqual([CHAIN]);
    expect(report.unresolved).toEqual([]);
  });

  it('a component at a branch is read as it was at the window end (a note on stderr, complete), and today\'s read is kept apart', async () => {
    const action = (run: string): string => `name: up\nruns:\n  using: composite\n  steps:\n    - run: ${run}\n      shell: bash\n`;
    sim.addRepo({
      full: 'acme/uploader',
      commits: [
        { date: '2020-06-01T00:00:00Z', files: { 'action.yml': action('echo ok') } },
        { date: '2021-03-01T00:00:00Z', files: { 'action.yml': action('curl -s https://codecov.io/bash | bash') } },
        { date: '2021-05-01T00:00:00Z', files: { 'action.yml': action('echo fixed') } },
      ],
      refs: { develop: 2, v1: 0 },
      branches: ['develop'],
    });
    const uses = (ref: string): string => `name: Up\non: push\njobs:\n  up:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: acme/uploader@${ref}\n`;
    sim.addRepo({ full: 'acme/web', commits: [{ date: IN_WINDOW, files: { '.github/workflows/branch.yml': uses('develop'), '.github/workflows/tag.yml': uses('v1') } }] });
    const run = async (window?: string): Promise<{ code: number; report: z.infer<typeof reportSchema>; stderr: string }> => {
      let stdout = '';
      let stderr = '';
      const code = await runSourceScan(
        { paths: ['github:acme/web'], indicator: 'codecov-bash-uploader-2021', format: 'json', dataDir: join(tmp.dir, 'data'), ...(window === undefined ? {} : { window }) },
        { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: sim.apiUrl } },
        [createGitHubProvider()],
      );
      return { code, report: reportSchema.parse(JSON.parse(stdout)), stderr };
    };
    const affected = (report: z.infer<typeof reportSchema>): string[][] => report.findings.filter((f) => f.affected).map((f) => [f.repo, f.job, ...f.chain.map((l) => l.ref)]);

    // In the window, develop held the payload (fixed since): affected, complete, the commit read said on stderr.
    const windowed = await run();
    expect(windowed.code).toBe(1);
    expect(affected(windowed.report)).toEqual([['acme/web', 'up', 'acme/uploader@develop', 'curl -s https://codecov.io/bash | bash']]);
    expect(windowed.report.errors).toEqual([]);
    expect(windowed.report.unresolved).toEqual([]);
    expect(windowed.report.summary.complete).toBe(true);
    expect(windowed.stderr).toContain(
      `note: acme/uploader@develop: branch develop of acme/uploader read as of 2021-04-01T23:59:59Z, the incident window's end (commit ${sim.oid('acme/uploader', 1).slice(0, 12)} of 2021-03-01T00:00:00Z)\n`,
    );
    // The tag v1 carries no note.
    expect(windowed.stderr.match(/^note: /gm)).toHaveLength(1);

    // Today's heads, same data directory: develop is read as it is now (clean), not from the window's store.
    const today = await run('none');
    expect(today.code).toBe(0);
    expect(affected(today.report)).toEqual([]);
    expect(today.stderr).not.toContain('note: ');
    // And the window's read is still there for the next scan of that window.
    const again = await run();
    expect(affected(again.report)).toEqual(affected(windowed.report));
  });
});

describe('files a job runs, from gitlab: sources', () => {
  const TOKEN = 'glpat-repo-files';
  let sim: GitLabSimulator;
  let tmp: ReturnType<typeof makeTempDir>;
  const CI = 'coverage:\n  script:\n    - make coverage\n';
  beforeAll(async () => {
    tmp = makeTempDir('cix-remote-files-gl-');
    sim = await startGitLabSimulator(
      {
        projects: ['corp/go-service', 'corp/api'].map((path) => ({ path, commits: [{ date: IN_WINDOW, files: { '.gitlab-ci.yml': CI, Makefile: MAKEFILE, 'scripts/cover.sh': COVER } }] })),
      },
      { tokens: [TOKEN] },
    );
  });
  afterAll(async () => {
    await sim.close();
    tmp.cleanup();
  });

  it('follows make coverage → scripts/cover.sh → curl | bash for every project of the group', async () => {
    let stdout = '';
    const code = await runSourceScan(
      { paths: [`gitlab:${sim.url}/corp`], indicator: 'codecov-bash-uploader-2021', format: 'json', dataDir: tmp.dir },
      { stdout: (t) => (stdout += t), stderr: () => undefined, env: { GITLAB_TOKEN: TOKEN } },
      [createGitLabProvider()],
    );
    const report = reportSchema.parse(JSON.parse(stdout));
    expect(code).toBe(1);
    expect(report.findings.filter((f) => f.affected).map((f) => [f.repo, f.job, f.chain.map((l) => l.ref)])).toEqual([
      ['corp/api', 'coverage', CHAIN],
      ['corp/go-service', 'coverage', CHAIN],
    ]);
    expect(report.summary).toMatchObject({ repos: 2, affected: 2, unresolved: 0, errors: 0, complete: true });
    expect(stdout).not.toMatch(/not been read|not fetched/);
    // Each file once per project and version: GNUmakefile and makefile (404), Makefile, scripts/cover.sh.
    const files = sim.requests.filter((r) => /\/repository\/files\/(GNUmakefile|makefile|Makefile|scripts%2Fcover\.sh)$/.test(r.path));
    expect(files.map((r) => [r.path.replace(/^.*\/projects\/(\d+)\/repository\/files\//, '$1 '), r.status]).sort()).toEqual(
      ['1000', '1001'].flatMap((id) => [
        [`${id} GNUmakefile`, 404],
        [`${id} Makefile`, 200],
        [`${id} makefile`, 404],
        [`${id} scripts%2Fcover.sh`, 200],
      ]).sort(),
    );
  });
});

describe('the incident window reaches the fetchers', () => {
  it('a moving CircleCI orb ref resolves to the newest version published by the window’s end', async () => {
    const sim = await CircleCiSimulator.start({ token: 'cci-window' });
    try {
      sim.addOrb({
        namespace: 'codecov',
        name: 'codecov',
        versions: [
          { version: '1.1.1', createdAt: '2020-06-01T00:00:00Z', source: 'version: 2.1\n# 1.1.1\n' },
          { version: '3.2.4', createdAt: '2022-11-01T00:00:00Z', source: 'version: 2.1\n# 3.2.4\n' },
        ],
      });
      const env = { CIRCLECI_TOKEN: 'cci-window', CIRCLECI_URL: sim.url };
      const ref: ComponentRef = { kind: 'orb', namespace: 'codecov', name: 'codecov', version: 'volatile', raw: 'codecov/codecov@volatile' };
      const written: string[] = [];
      const into: ComponentCacheWriter = { write: (_ref, _path, text) => void written.push(text) };
      const window = { start: Date.parse('2021-01-31T00:00:00Z'), end: Date.parse('2021-04-01T23:59:59Z') };
      const [inWindow] = providerFetchers(env, { dataDir: '/nonexistent', window }, [circleciProvider]);
      expect(await inWindow?.fetch(ref, into)).toEqual({ ok: true, files: ['circleci/orbs/codecov/codecov@volatile.yml', 'circleci/orbs/codecov/codecov@1.1.1.yml'] });
      const [today] = providerFetchers(env, { dataDir: '/nonexistent' }, [circleciProvider]);
      expect(await today?.fetch(ref, into)).toEqual({ ok: true, files: ['circleci/orbs/codecov/codecov@volatile.yml', 'circleci/orbs/codecov/codecov@3.2.4.yml'] });
      expect(written).toEqual(['version: 2.1\n# 1.1.1\n', 'version: 2.1\n# 1.1.1\n', 'version: 2.1\n# 3.2.4\n', 'version: 2.1\n# 3.2.4\n']);
      expect(sim.violations).toEqual([]);
    } finally {
      await sim.stop();
    }
  });
});

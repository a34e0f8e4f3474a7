/**
 * The GitLab source and fetcher against the GitLab simulator (engine/test/simulators/gitlab): a group
 * with two levels of subgroups and 150 projects, a self-hosted instance under a URL prefix end to end
 * (includes and a CI/CD component fetched, a script read between rounds), pipelines as they were in the
 * window, rate limits, a project GitLab refuses.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ComponentRef, ComponentSource, Indicator, RepoInput } from '../../core/model';
import { cacheKey } from '../../core/resolve/cache-key';
import { scan } from '../../core/scan';
import { makeIndicator } from '../../core/testing';
import { type GitLabSimulator, type SimProjectSeed, startGitLabSimulator } from '../../../test/simulators/gitlab/server';
import { makeTempDir } from '../../../test/helpers/tmp';
import { componentCacheSource } from '../component-cache';
import { type ComponentCacheWriter, isRepoFailure, type RepoFailure, type RepoVersion, type TimeWindow } from '../source';
import { createGitLabFetcher, createGitLabSource, type RoundReader } from './index';

const TOKEN = 'glpat-test-token-0123456789';
const CODECOV: Indicator = makeIndicator({ id: 'codecov-bash', windowStart: '2025-03-12T00:00:00Z', windowEnd: '2025-03-16T00:00:00Z' });

async function collect(source: { versions(w: TimeWindow | undefined, p?: never): AsyncIterable<RepoVersion | RepoFailure> }, window?: TimeWindow): Promise<{ versions: RepoVersion[]; failures: RepoFailure[] }> {
  const versions: RepoVersion[] = [];
  const failures: RepoFailure[] = [];
  for await (const item of source.versions(window)) {
    if (isRepoFailure(item)) failures.push(item);
    else versions.push(item);
  }
  return { versions, failures };
}

function ci(job: string, script = 'make test'): string {
  return `${job}:\n  script:\n    - ${script}\n`;
}

describe('gitlab: a group with two levels of subgroups and 150 projects', () => {
  let sim: GitLabSimulator;
  const projects: SimProjectSeed[] = [];
  for (const [group, count] of [
    ['acme', 50],
    ['acme/team', 50],
    ['acme/team/backend', 48],
  ] as const) {
    for (let i = 0; i < count; i++) projects.push({ path: `${group}/p${String(i).padStart(2, '0')}`, commits: [{ date: '2025-01-01T00:00:00Z', files: { '.gitlab-ci.yml': ci(`job${i}`) } }] });
  }
  projects.push({ path: 'acme/team/old', archived: true, commits: [{ date: '2024-01-01T00:00:00Z', files: { '.gitlab-ci.yml': ci('legacy') } }] });
  projects.push({ path: 'acme/team/backend/locked', forbidden: true, commits: [{ date: '2024-01-01T00:00:00Z', files: { '.gitlab-ci.yml': ci('x') } }] });
  projects.push({ path: 'elsewhere/shared', sharedInto: ['acme'], commits: [{ date: '2024-01-01T00:00:00Z', files: { '.gitlab-ci.yml': ci('x') } }] });
  projects.push({ path: 'acme/team/variables', variables: [{ key: 'DEPLOY_TOKEN', value: 'do-not-leak-me' }], commits: [{ date: '2024-01-01T00:00:00Z', files: {} }] });

  beforeAll(async () => {
    sim = await startGitLabSimulator({ groups: [{ path: 'acme', variables: [{ key: 'ORG_SECRET', value: 'group-value' }] }], projects }, { tokens: [TOKEN] });
  });
  afterAll(() => sim.close());

  it('lists every project at any depth (two pages), archived ones too, not shared ones; a 403 project is a failure while the others are read', async () => {
    const listed: Array<[number, number | undefined]> = [];
    const read: string[] = [];
    const source = createGitLabSource('gitlab:acme', { GITLAB_URL: sim.url, GITLAB_TOKEN: TOKEN });
    const versions: RepoVersion[] = [];
    const failures: RepoFailure[] = [];
    for await (const item of source.versions(undefined, { listed: (c, t) => listed.push([c, t]), read: (r) => read.push(r) })) {
      if (isRepoFailure(item)) failures.push(item);
      else versions.push(item);
    }
    expect(versions).toHaveLength(150);
    expect(failures).toEqual([{ repo: 'acme/team/backend/locked', reason: 'GitLab answered 403: 403 Forbidden (/projects/1149)', failure: true }]);
    expect(new Set(versions.map((v) => v.repo)).size).toBe(150);
    expect(versions.some((v) => v.repo === 'elsewhere/shared')).toBe(false);
    const old = versions.find((v) => v.repo === 'acme/team/old');
    expect(old?.files).toEqual([{ path: '.gitlab-ci.yml', text: ci('legacy') }]);
    const deep = versions.find((v) => v.repo === 'acme/team/backend/p47');
    expect(deep?.files).toEqual([{ path: '.gitlab-ci.yml', text: ci('job47') }]);
    expect(deep?.version).toMatchObject({ role: 'head', committedAt: Date.parse('2025-01-01T00:00:00Z') });
    expect(deep?.version.commit).toMatch(/^[0-9a-f]{40}$/);
    // An empty repository (no pipeline file) is a version with no files, not dropped.
    expect(versions.find((v) => v.repo === 'acme/team/variables')?.files).toEqual([]);
    expect(listed[listed.length - 1]).toEqual([151, 151]);
    expect(read).toHaveLength(151);

    const listing = sim.requests.filter((r) => r.path === '/api/v4/groups/acme/projects');
    expect(listing.map((r) => r.query)).toEqual([
      { include_subgroups: 'true', with_shared: 'false', order_by: 'id', sort: 'asc', per_page: '100' },
      { include_subgroups: 'true', with_shared: 'false', order_by: 'id', sort: 'asc', per_page: '100', page: '2' },
    ]);
    expect(sim.requests.every((r) => r.auth === 'private-token' && r.status !== 400)).toBe(true);
    // Variables are never read (GitLab would return their values).
    expect(sim.requests.some((r) => r.path.includes('/variables'))).toBe(false);
    expect(JSON.stringify(versions)).not.toContain('do-not-leak-me');
  });

  it('a bad token is one failure for the group, with GitLab\'s answer and without the token', async () => {
    const source = createGitLabSource('gitlab:acme', { GITLAB_URL: sim.url, GITLAB_TOKEN: 'glpat-wrong-secret' });
    const { versions, failures } = await collect(source);
    expect(versions).toEqual([]);
    expect(failures).toEqual([{ repo: 'acme', reason: 'listing the projects of GitLab group acme: GitLab answered 401: 401 Unauthorized (/groups/acme/projects)', failure: true }]);
  });
});

describe('gitlab: a self-hosted instance under /gitlab, end to end', () => {
  let sim: GitLabSimulator;
  let tmp: ReturnType<typeof makeTempDir>;

  beforeAll(async () => {
    tmp = makeTempDir();
    sim = await startGitLabSimulator(
      {
        projects: [
          {
            path: 'platform/services/app',
            commits: [
              {
                date: '2025-02-01T00:00:00Z',
                files: {
                  '.gitlab-ci.yml': [
                    'include:',
                    '  - local: ci/build.yml',
                    '  - project: platform/ci-templates',
                    '    ref: v2',
                    '    file: /templates/coverage.yml',
                    'lint:',
                    '  script: [echo lint]',
                    '',
                  ].join('\n'),
                  'ci/build.yml': ci('build', './scripts/build.sh'),
                  'scripts/build.sh': '#!/bin/sh\ncurl -s https://codecov.io/bash | bash\n',
                  'src/main.go': 'package main\n',
                },
              },
            ],
          },
          {
            path: 'platform/ci-templates',
            commits: [
              { date: '2025-01-01T00:00:00Z', files: { 'templates/coverage.yml': 'include:\n  - local: templates/common.yml\n', 'templates/common.yml': 'include:\n  - component: $CI_SERVER_FQDN/platform/components/codecov/upload@1.2.0\n' } },
              { date: '2025-03-01T00:00:00Z', message: 'main moved on', files: { 'templates/coverage.yml': 'nothing: {}\n' } },
            ],
            refs: { v2: 0 },
          },
          {
            path: 'platform/components/codecov',
            commits: [{ date: '2025-01-01T00:00:00Z', files: { 'templates/upload/template.yml': ci('codecov-upload', 'curl -s https://codecov.io/bash | bash') } }],
            refs: { '1.2.0': 0 },
          },
        ],
      },
      { tokens: [TOKEN], prefix: '/gitlab' },
    );
  });
  afterAll(async () => {
    await sim.close();
    tmp.cleanup();
  });

  it('reads the group by URL, fetches the project include, its local include and the component, reads the script a job runs', async () => {
    const env = { GITLAB_URL: sim.url, GITLAB_TOKEN: TOKEN };
    const source = createGitLabSource(`gitlab:${sim.url}/platform/services`, env);
    const { versions, failures } = await collect(source);
    expect(failures).toEqual([]);
    expect(versions.map((v) => [v.repo, v.files.map((f) => f.path)])).toEqual([['platform/services/app', ['.gitlab-ci.yml', 'ci/build.yml']]]);

    const fetcher = createGitLabFetcher(env);
    expect(fetcher.id).toBe(`gitlab:${new URL(sim.url).host}`);
    const writer: ComponentCacheWriter = {
      write(ref, path, text) {
        const key = cacheKey(ref, path);
        if (key === undefined) throw new Error(`no cache key for ${path}`);
        mkdirSync(dirname(join(tmp.dir, key)), { recursive: true });
        writeFileSync(join(tmp.dir, key), text);
      },
    };
    const repos: RepoInput[] = versions;
    const tried = new Map<string, string>();
    let result = scan(repos, CODECOV, componentCacheSource(tmp.dir));
    for (let round = 0; round < 6; round++) {
      const cache = componentCacheSource(tmp.dir);
      const misses: ComponentRef[] = [];
      const recording: ComponentSource = {
        read(ref, path) {
          const text = cache.read(ref, path);
          if (text === undefined) misses.push(ref);
          return text;
        },
        describe: (ref) => cache.describe(ref),
      };
      result = scan(repos, CODECOV, recording);
      let changed = 0;
      for (const ref of misses) {
        const key = JSON.stringify(ref);
        if (tried.has(key) || !fetcher.canFetch(ref)) continue;
        const outcome = await fetcher.fetch(ref, writer);
        tried.set(key, outcome.ok ? outcome.files.join(',') : outcome.reason);
        changed++;
      }
      for (const v of versions) changed += await (v.reader as RoundReader).fetchPending();
      if (changed === 0) break;
    }
    expect([...tried.values()].sort()).toEqual([
      'gitlab/platform/ci-templates@v2/templates/common.yml',
      'gitlab/platform/ci-templates@v2/templates/coverage.yml',
      'gitlab/platform/components/codecov@1.2.0/templates/upload/template.yml',
    ]);
    expect(result.unresolved).toEqual([]);
    expect(result.findings.filter((f) => f.affected).map((f) => f.job).sort()).toEqual(['build', 'codecov-upload']);

    // The include was read at its tag (v2 is the first commit), not at main.
    const included = sim.requests.find((r) => r.path === '/gitlab/api/v4/projects/platform%2Fci-templates/repository/files/templates%2Fcoverage.yml');
    expect(included?.query).toEqual({ ref: 'v2' });
    expect(sim.requests.every((r) => r.path.startsWith('/gitlab/api/v4/') && r.auth === 'private-token' && r.status !== 400)).toBe(true);
    expect(sim.requests.some((r) => r.path.endsWith('/repository/files/scripts%2Fbuild.sh'))).toBe(true);
  });

  it('the fetcher says GitLab\'s answer for a missing project, ref or file, and refuses Catalog-only versions and other hosts', async () => {
    const fetcher = createGitLabFetcher({ GITLAB_TOKEN: TOKEN }, { baseUrl: sim.url });
    const none: ComponentCacheWriter = {
      write() {
        throw new Error('nothing should be written');
      },
    };
    const project = (p: string, file: string, ref?: string): ComponentRef => ({ kind: 'gitlab-include', include: 'project', project: p, file, raw: p, ...(ref ? { ref } : {}) });
    expect(await fetcher.fetch(project('platform/nope', 'a.yml', 'v1'), none)).toEqual({ ok: false, reason: 'GitLab include platform/nope/a.yml@v1: GitLab answered 404: 404 Project Not Found (/projects/platform%2Fnope/repository/files/a.yml)' });
    expect(await fetcher.fetch(project('platform/ci-templates', 'templates/coverage.yml', 'v9'), none)).toMatchObject({ ok: false, reason: expect.stringContaining('404 Commit Not Found') });
    expect(await fetcher.fetch(project('platform/ci-templates', 'missing.yml'), none)).toMatchObject({ ok: false, reason: expect.stringContaining('404 File Not Found') });
    const component = (raw: string): ComponentRef => {
      const [path, version] = raw.split('@') as [string, string];
      const segs = path.split('/');
      return { kind: 'gitlab-include', include: 'component', project: segs.slice(1, -1).join('/'), file: segs[segs.length - 1] as string, ref: version, raw };
    };
    expect(await fetcher.fetch(component('$CI_SERVER_FQDN/platform/components/codecov/nothing@1.2.0'), none)).toEqual({
      ok: false,
      reason:
        'component $CI_SERVER_FQDN/platform/components/codecov/nothing@1.2.0: templates/nothing.yml: GitLab answered 404: 404 File Not Found (/projects/platform%2Fcomponents%2Fcodecov/repository/files/templates%2Fnothing.yml); templates/nothing/template.yml: GitLab answered 404: 404 File Not Found (/projects/platform%2Fcomponents%2Fcodecov/repository/files/templates%2Fnothing%2Ftemplate.yml)',
    });
    expect(await fetcher.fetch(component('$CI_SERVER_FQDN/platform/components/codecov/upload@~latest'), none)).toMatchObject({ ok: false, reason: expect.stringContaining('CI/CD Catalog') });
    expect(fetcher.canFetch(component('gitlab.com/platform/components/codecov/upload@1.2.0'))).toBe(false);
    expect(fetcher.canFetch(component(`${new URL(sim.url).host}/platform/components/codecov/upload@1.2.0`))).toBe(true);
    expect(fetcher.canFetch({ kind: 'gitlab-include', include: 'remote', file: 'https://x/y.yml', raw: 'https://x/y.yml' })).toBe(false);
    expect(JSON.stringify(sim.requests)).not.toContain(TOKEN);
  });
});

describe('gitlab: pipelines as they were in the incident window', () => {
  let sim: GitLabSimulator;
  const WINDOW: TimeWindow = { start: Date.parse(CODECOV.windowStart), end: Date.parse(CODECOV.windowEnd) };
  const BEFORE = `${ci('lint')}${ci('changed-files', 'curl -s https://codecov.io/bash | bash')}`;

  beforeAll(async () => {
    sim = await startGitLabSimulator({
      projects: [
        {
          path: 'acme/agentkit',
          commits: [
            { date: '2025-03-01T09:00:00Z', files: { '.gitlab-ci.yml': 'include:\n  - local: ci/jobs.yml\n', 'ci/jobs.yml': BEFORE } },
            { date: '2025-03-10T09:00:00Z', message: 'docs', files: { 'README.md': 'hello\n' } },
            { date: '2025-03-14T16:37:00Z', message: 'remove changed-files', files: { 'ci/jobs.yml': ci('lint') } },
            { date: '2025-03-15T08:00:00Z', message: 'code', files: { 'src/a.go': 'package a\n' } },
            { date: '2025-03-20T09:00:00Z', message: 'add test', files: { 'ci/jobs.yml': `${ci('lint')}${ci('test')}` } },
          ],
        },
        { path: 'acme/born-in-window', commits: [{ date: '2025-03-13T00:00:00Z', files: { '.gitlab-ci.yml': ci('fresh') } }] },
        { path: 'acme/quiet', commits: [{ date: '2025-01-01T00:00:00Z', files: { '.gitlab-ci.yml': ci('same') } }] },
      ],
    });
  });
  afterAll(() => sim.close());

  it('reads the commit current at the window start, the in-window commits that touched a pipeline file, and today\'s head', async () => {
    const sleeps: number[] = [];
    const source = createGitLabSource('gitlab:acme', { GITLAB_URL: sim.url }, { sleep: async (ms) => void sleeps.push(ms) });
    const { versions, failures } = await collect(source, WINDOW);
    expect(failures).toEqual([]);
    const agentkit = versions.filter((v) => v.repo === 'acme/agentkit');
    expect(agentkit.map((v) => [v.version.role, new Date(v.version.committedAt ?? 0).toISOString()])).toEqual([
      ['window-start', '2025-03-10T09:00:00.000Z'],
      ['in-window', '2025-03-14T16:37:00.000Z'],
      ['head', '2025-03-20T09:00:00.000Z'],
    ]);
    const [start, removal, head] = agentkit as [RepoVersion, RepoVersion, RepoVersion];
    expect(start.version).toMatchObject({ liveFrom: Date.parse('2025-03-10T09:00:00Z'), liveUntil: Date.parse('2025-03-14T16:37:00Z'), replacedBy: removal.version.commit });
    expect(head.version.liveUntil).toBeUndefined();
    expect(head.version.replacedBy).toBeUndefined();
    expect(start.files.find((f) => f.path === 'ci/jobs.yml')?.text).toBe(BEFORE);

    // The job removed inside the window is found, in the window-start version only.
    const result = scan(agentkit, CODECOV, componentCacheSource('/nonexistent-cache'));
    const affected = result.findings.filter((f) => f.affected);
    expect(affected.map((f) => [f.job, f.jobFile, f.versions?.map((v) => v.commit)])).toEqual([['changed-files', 'ci/jobs.yml', [start.version.commit]]]);

    // A project created inside the window: its in-window versions and no window-start; one unchanged: one version.
    expect(versions.filter((v) => v.repo === 'acme/born-in-window').map((v) => v.version.role)).toEqual(['in-window']);
    expect(versions.filter((v) => v.repo === 'acme/quiet').map((v) => v.version.role)).toEqual(['window-start']);
    // The in-window search asked GitLab by path, with ISO dates, along the default branch's first parents.
    const byPath = sim.requests.filter((r) => r.path === '/api/v4/projects/1000/repository/commits' && r.query.path !== undefined);
    expect(byPath.map((r) => r.query.path).sort()).toEqual([
      '.circleci/config.yaml',
      '.circleci/config.yml',
      '.github',
      '.github/workflows',
      '.gitlab-ci.yaml',
      '.gitlab-ci.yml',
      'Jenkinsfile',
      'Jenkinsfile.groovy',
      'action.yaml',
      'action.yml',
      'ci/Jenkinsfile',
      'ci/jobs.yml',
      'jenkins',
      'jenkins/Jenkinsfile',
    ]);
    expect(byPath[0]?.query).toMatchObject({ ref_name: 'main', first_parent: 'true', since: '2025-03-12T00:00:00.000Z', until: '2025-03-16T00:00:00.000Z' });
    expect(sleeps).toEqual([]);
  });

  it('without a window, today\'s head only', async () => {
    const { versions } = await collect(createGitLabSource('gitlab:acme', { GITLAB_URL: sim.url }));
    expect(versions.map((v) => [v.repo, v.version.role]).sort()).toEqual([
      ['acme/agentkit', 'head'],
      ['acme/born-in-window', 'head'],
      ['acme/quiet', 'head'],
    ]);
  });
});

describe('gitlab: rate limits', () => {
  let sim: GitLabSimulator;
  beforeAll(async () => {
    sim = await startGitLabSimulator({ projects: ['a', 'b', 'c'].map((n) => ({ path: `acme/${n}`, commits: [{ date: '2025-01-01T00:00:00Z', files: { '.gitlab-ci.yml': ci(n) } }] })) });
  });
  afterAll(() => sim.close());

  it('a 429 waits for Retry-After, then succeeds', async () => {
    const sleeps: number[] = [];
    sim.throttle(2, 3);
    const { versions, failures } = await collect(createGitLabSource('gitlab:acme', { GITLAB_URL: sim.url }, { sleep: async (ms) => void sleeps.push(ms) }));
    expect(sleeps).toEqual([3000, 3000]);
    expect(failures).toEqual([]);
    expect(versions.map((v) => v.repo)).toEqual(['acme/a', 'acme/b', 'acme/c']);
  });

  it('a project still limited after the bounded retries is a failure; the others are read', async () => {
    const sleeps: number[] = [];
    let once = false;
    const throttling: typeof fetch = (input, init) => {
      if (!once && String(input).endsWith('/api/v4/projects/1001')) {
        once = true;
        sim.throttle(3, 2);
      }
      return fetch(input, init);
    };
    const source = createGitLabSource('gitlab:acme', { GITLAB_URL: sim.url }, { fetch: throttling, sleep: async (ms) => void sleeps.push(ms), maxRateLimitRetries: 2, concurrency: 1 });
    const { versions, failures } = await collect(source);
    expect(failures).toEqual([{ repo: 'acme/b', reason: 'GitLab rate limit: Retry later (gave up on /projects/1001 after 3 tries)', failure: true }]);
    expect(versions.map((v) => v.repo)).toEqual(['acme/a', 'acme/c']);
    expect(sleeps).toEqual([2000, 2000]);
  });
});

describe('gitlab: a custom CI/CD configuration file (ci_config_path)', () => {
  it('reads the configured file instead of .gitlab-ci.yml, through a generated include', async () => {
    const sim = await startGitLabSimulator({
      projects: [
        { path: 'acme/custom', ciConfigPath: 'build/pipeline.yml', commits: [{ date: '2025-01-01T00:00:00Z', files: { '.gitlab-ci.yml': ci('ignored'), 'build/pipeline.yml': ci('real') } }] },
        { path: 'acme/elsewhere', ciConfigPath: 'ci.yml@acme/pipelines:stable', commits: [{ date: '2025-01-01T00:00:00Z', files: { 'README.md': 'x\n' } }] },
      ],
    });
    try {
      const { versions } = await collect(createGitLabSource('gitlab:acme', { GITLAB_URL: sim.url }));
      const custom = versions.find((v) => v.repo === 'acme/custom');
      expect(custom?.files.map((f) => f.path)).toEqual(['.gitlab-ci.yml', 'build/pipeline.yml']);
      expect(custom?.files[0]?.text).toContain('include:\n  - local: "build/pipeline.yml"\n');
      const r = scan(versions, makeIndicator({ kind: 'platform', components: [{ kind: 'platform', id: 'gitlab-ci', affectedRefs: ['*'], safeRefs: [], maliciousShas: [] }], platform: 'gitlab-ci' }), componentCacheSource('/nonexistent-cache'));
      expect(r.findings.filter((f) => f.repo === 'acme/custom').map((f) => [f.job, f.jobFile])).toEqual([['real', 'build/pipeline.yml']]);
      const elsewhere = versions.find((v) => v.repo === 'acme/elsewhere');
      expect(elsewhere?.files).toEqual([{ path: '.gitlab-ci.yml', text: expect.stringContaining('include:\n  - project: "acme/pipelines"\n    file: "ci.yml"\n    ref: "stable"\n') }]);
    } finally {
      await sim.close();
    }
  });
});

describe('gitlab fetcher: a branch in an incident window is read as of its end', () => {
  const WINDOW: TimeWindow = { start: Date.parse('2025-03-12T00:00:00Z'), end: Date.parse('2025-03-16T00:00:00Z') };
  const BEFORE = ci('cov', 'echo safe');
  const IN_WINDOW = ci('cov', 'curl -s https://codecov.io/bash | bash');
  const TODAY = ci('cov', 'echo fixed');
  const dates = ['2025-03-01T00:00:00Z', '2025-03-14T16:00:00Z', '2025-03-20T09:00:00Z'];
  let sim: GitLabSimulator;
  /** The commits of tools/templates read in the window and today. */
  let at = '';
  let today = '';
  const files = new Map<string, string>();
  const writer: ComponentCacheWriter = { write: (ref, path, text) => void files.set(`${ref.raw}//${path}`, text) };
  const include = (project: string, file: string, ref?: string): ComponentRef => ({ kind: 'gitlab-include', include: 'project', project, file, raw: `${project}/${file}@${ref ?? ''}`, ...(ref ? { ref } : {}) });
  /** The id of the commit of `project` dated `date`, as GitLab lists it. */
  const commitId = async (project: string, date: string): Promise<string> => {
    const res = await fetch(`${sim.url}/api/v4/projects/${encodeURIComponent(project)}/repository/commits?per_page=100`, { headers: { 'PRIVATE-TOKEN': TOKEN } });
    const list = (await res.json()) as Array<{ id: string; committed_date: string }>;
    const found = list.find((c) => Date.parse(c.committed_date) === Date.parse(date));
    if (!found) throw new Error(`no commit of ${date} in ${project}`);
    return found.id;
  };

  beforeAll(async () => {
    sim = await startGitLabSimulator(
      {
        projects: [
          {
            path: 'tools/templates',
            commits: [BEFORE, IN_WINDOW, TODAY].map((text, i) => ({ date: dates[i] as string, files: { 'cov.yml': text, 'templates/up.yml': text } })),
            refs: { release: 2, v1: 2 },
            branches: ['release'],
          },
          { path: 'tools/locked', commits: [{ date: dates[0] as string, files: { 'cov.yml': BEFORE } }], commitsForbidden: true },
          { path: 'tools/young', commits: [{ date: '2025-04-01T00:00:00Z', files: { 'cov.yml': TODAY } }] },
        ],
      },
      { tokens: [TOKEN] },
    );
    at = await commitId('tools/templates', dates[1] as string);
    today = await commitId('tools/templates', dates[2] as string);
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(() => {
    files.clear();
    sim.requests.length = 0;
  });

  it('an include without ref, or at a branch, gives what the branch held at the window end, with the commit recorded', async () => {
    const fetcher = createGitLabFetcher({ GITLAB_TOKEN: TOKEN }, { baseUrl: sim.url, window: WINDOW });
    const note = (what: string, label: string): string => `${label}: ${what} read as of 2025-03-16T00:00:00Z, the incident window's end (commit ${at.slice(0, 12)} of 2025-03-14T16:00:00Z)`;
    expect(await fetcher.fetch(include('tools/templates', 'cov.yml'), writer)).toEqual({
      ok: true,
      files: ['gitlab/tools/templates@HEAD/cov.yml'],
      note: note('the default branch of tools/templates', 'include tools/templates/cov.yml (no ref)'),
    });
    expect(await fetcher.fetch(include('tools/templates', 'cov.yml', 'release'), writer)).toEqual({
      ok: true,
      files: ['gitlab/tools/templates@release/cov.yml'],
      note: note('branch release of tools/templates', 'include tools/templates/cov.yml@release'),
    });
    const component: ComponentRef = { kind: 'gitlab-include', include: 'component', project: 'tools/templates', file: 'up', ref: 'release', raw: '$CI_SERVER_FQDN/tools/templates/up@release' };
    expect(await fetcher.fetch(component, writer)).toEqual({
      ok: true,
      files: ['gitlab/tools/templates@release/templates/up.yml'],
      note: note('branch release of tools/templates', 'component $CI_SERVER_FQDN/tools/templates/up@release'),
    });
    expect(Object.fromEntries(files)).toEqual({
      'tools/templates/cov.yml@//cov.yml': IN_WINDOW,
      'tools/templates/cov.yml@//.resolved-commit': `${at}\n`,
      'tools/templates/cov.yml@release//cov.yml': IN_WINDOW,
      'tools/templates/cov.yml@release//.resolved-commit': `${at}\n`,
      '$CI_SERVER_FQDN/tools/templates/up@release//templates/up.yml': IN_WINDOW,
      '$CI_SERVER_FQDN/tools/templates/up@release//.resolved-commit': `${at}\n`,
    });
    // The branch asked of GitLab, its head at the window end along first parents, the file at that commit.
    expect(sim.requests.slice(0, 5).map((r) => [r.path, r.query, r.status])).toEqual([
      ['/api/v4/projects/tools%2Ftemplates/repository/commits', { until: '2025-03-16T00:00:00Z', first_parent: 'true', per_page: '1' }, 200],
      ['/api/v4/projects/tools%2Ftemplates/repository/files/cov.yml', { ref: at }, 200],
      ['/api/v4/projects/tools%2Ftemplates/repository/branches/release', {}, 200],
      ['/api/v4/projects/tools%2Ftemplates/repository/commits', { ref_name: 'release', until: '2025-03-16T00:00:00Z', first_parent: 'true', per_page: '1' }, 200],
      ['/api/v4/projects/tools%2Ftemplates/repository/files/cov.yml', { ref: at }, 200],
    ]);
  });

  it("a tag is read as written; without a window a branch is read at today's head, without a note", async () => {
    const windowed = createGitLabFetcher({ GITLAB_TOKEN: TOKEN }, { baseUrl: sim.url, window: WINDOW });
    expect(await windowed.fetch(include('tools/templates', 'cov.yml', 'v1'), writer)).toEqual({ ok: true, files: ['gitlab/tools/templates@v1/cov.yml'] });
    expect(sim.requests.map((r) => [r.path, r.status])).toEqual([
      ['/api/v4/projects/tools%2Ftemplates/repository/branches/v1', 404],
      ['/api/v4/projects/tools%2Ftemplates/repository/files/cov.yml', 200],
    ]);
    const now = createGitLabFetcher({ GITLAB_TOKEN: TOKEN }, { baseUrl: sim.url });
    expect(await now.fetch(include('tools/templates', 'cov.yml'), writer)).toEqual({ ok: true, files: ['gitlab/tools/templates@HEAD/cov.yml'] });
    expect(await now.fetch(include('tools/templates', 'cov.yml', 'release'), writer)).toEqual({ ok: true, files: ['gitlab/tools/templates@release/cov.yml'] });
    expect(Object.fromEntries(files)).toEqual({
      'tools/templates/cov.yml@v1//cov.yml': TODAY,
      'tools/templates/cov.yml@v1//.resolved-commit': `${today}\n`,
      'tools/templates/cov.yml@//cov.yml': TODAY,
      'tools/templates/cov.yml@//.resolved-commit': `${today}\n`,
      'tools/templates/cov.yml@release//cov.yml': TODAY,
      'tools/templates/cov.yml@release//.resolved-commit': `${today}\n`,
    });
  });

  it("a history GitLab refuses, or no commit by the window's end, leaves the include unresolved with the reason", async () => {
    const fetcher = createGitLabFetcher({ GITLAB_TOKEN: TOKEN }, { baseUrl: sim.url, window: WINDOW });
    expect(await fetcher.fetch(include('tools/locked', 'cov.yml'), writer)).toEqual({
      ok: false,
      reason:
        'GitLab include tools/locked/cov.yml@HEAD: the history of the default branch of tools/locked could not be read, so what it held in the incident window (to 2025-03-16T00:00:00Z) is not known: GitLab answered 403: 403 Forbidden (/projects/tools%2Flocked/repository/commits)',
    });
    expect(await fetcher.fetch(include('tools/young', 'cov.yml', 'main'), writer)).toEqual({
      ok: false,
      reason: "GitLab include tools/young/cov.yml@main: branch main of tools/young has no commit at or before 2025-03-16T00:00:00Z (the incident window's end)",
    });
    expect(files.size).toBe(0);
    expect(sim.requests.some((r) => r.path.includes('/repository/files/'))).toBe(false);
  });
});

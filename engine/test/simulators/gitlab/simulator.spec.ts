/**
 * The GitLab simulator keeps GitLab's contract: its facts (contract.ts) equal the platform-apis reference
 * when that reference is beside the repository, and its answers carry exactly those parameters, fields
 * and headers — so a request GitLab would reject fails here too.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AUTH_HEADERS, ERRORS, FIELDS, GROUP_PROJECTS_ORDER_BY, MAX_COUNTED, PAGINATION_HEADERS, PARAMS, RATE_LIMIT_429_HEADERS, RATE_LIMIT_HEADERS, RETRY_LATER, VISIBILITIES } from './contract';
import { type GitLabSimulator, startGitLabSimulator } from './server';

const REFERENCE = resolve(__dirname, '../../../../../shared/platform-apis/gitlab/README.md');

/** Names of a `{a, b: x, c{d, e}}` / `a, b (x, y), c` list: top-level items, names only. */
function names(list: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let item = '';
  for (const ch of `${list},`) {
    if (ch === '(' || ch === '{' || ch === '[') depth++;
    if (ch === ')' || ch === '}' || ch === ']') depth--;
    if (ch === ',' && depth === 0) {
      const name = /^[\s[{]*([a-z_][a-z0-9_]*)/i.exec(item)?.[1];
      if (name !== undefined) out.push(name);
      item = '';
      continue;
    }
    item += ch;
  }
  return out;
}

function inner(list: string, key: string): string[] {
  const m = new RegExp(`${key}\\{([^}]*)\\}`).exec(list);
  return m?.[1] === undefined ? [] : names(m[1]);
}

const sorted = (xs: readonly string[]): string[] => [...xs].sort();

describe('GitLab simulator facts match the platform-apis reference', () => {
  const present = existsSync(REFERENCE);
  if (!present) process.stderr.write('gitlab simulator: ../shared/platform-apis/gitlab/README.md is absent; the reference comparison is skipped\n');
  const text = present ? readFileSync(REFERENCE, 'utf8') : '';
  const maybe = present ? it : it.skip;

  maybe('group projects: parameters, order_by and visibility values, fields', () => {
    const params = /query params `([^`]+)`/.exec(text)?.[1] ?? '';
    expect(sorted(names(params))).toEqual(sorted(PARAMS.groupProjects));
    const orderBy = /order_by \(([^;)]+)/.exec(params)?.[1] ?? '';
    expect(orderBy.split(',').map((s) => s.trim())).toEqual([...GROUP_PROJECTS_ORDER_BY]);
    expect(/visibility \(([^)]+)\)/.exec(params)?.[1]?.split('\\|')).toEqual([...VISIBILITIES]);
    expect(text).toContain('with_shared (default **true**)');
    const fields = /Response: array of projects; fields used: `([^`]+)`/.exec(text)?.[1] ?? '';
    expect(names(fields)).toEqual([...FIELDS.groupProject]);
    expect(inner(fields, 'namespace')).toEqual([...FIELDS.namespace]);
    expect(text).toMatch(/`ci_config_path` \(custom pipeline file path/);
    expect(text).toContain('`ci_job_token_scope_enabled`');
  });

  maybe('files, tree, commits and variables: fields and parameters', () => {
    const file = /Response `\{(file_name[^`]+)\}`/.exec(text)?.[1] ?? '';
    expect(names(file)).toEqual([...FIELDS.file]);
    const tree = /Response `\[\{(id, name, type[^`]*)\}\]`/.exec(text)?.[1] ?? '';
    expect(names(tree)).toEqual([...FIELDS.treeEntry]);
    const commit = /Response `\[\{(id, short_id[^`]*)\}\]`/.exec(text)?.[1] ?? '';
    expect(names(commit)).toEqual([...FIELDS.commit]);
    const variable = /Response `\[\{(key, value[^`]*)\}\]`/.exec(text)?.[1] ?? '';
    expect(names(variable)).toEqual([...FIELDS.variable]);
    // Commits: the call's own parameters and the "also" list.
    const commitsCall = /`GET \/projects\/:id\/repository\/commits\?([^`]+)`\s*\n\s*\(also ([^)]+)\)/.exec(text);
    const commitParams = [...new URLSearchParams(commitsCall?.[1] ?? '').keys(), ...(commitsCall?.[2] ?? '').split(',').map((s) => s.replace(/`/g, '').trim())];
    expect(sorted([...commitParams, 'page'])).toEqual(sorted(PARAMS.commits));
    // Tree: the call's parameters, keyset `pagination`, the cursor the Go client names `page_token`.
    const treeCall = /`GET \/projects\/:id\/repository\/tree\?([^`]+)`/.exec(text)?.[1] ?? '';
    expect(sorted([...new URLSearchParams(treeCall).keys(), 'pagination', 'page_token', 'page'])).toEqual(sorted(PARAMS.tree));
    expect(text).toContain('`pagination=keyset`');
    expect(text).toMatch(/cursor `page_token`/);
    expect(text).toMatch(/files\/:file_path\?ref=REF` \(`ref` required/);
    expect(text).toMatch(/raw\?ref=REF\[&lfs=true\]`/);
  });

  maybe('pagination, rate-limit and auth headers', () => {
    for (const h of PAGINATION_HEADERS) expect(text.toLowerCase()).toContain(h === 'link' ? 'headers `link`' : `\`${h}\``);
    expect(text).toContain(`above ${MAX_COUNTED.toLocaleString('en-US')} records \`x-total\`, \`x-total-pages\` and the \`rel="last"\` link are omitted`);
    expect(text).toContain('`per_page` (default 20, max 100)');
    for (const h of RATE_LIMIT_HEADERS) expect(text.toLowerCase()).toContain(`\`${h}\``);
    for (const h of RATE_LIMIT_429_HEADERS) expect(text.toLowerCase()).toContain(`\`${h}\``);
    expect(text).toContain(`default \`${RETRY_LATER}\``);
    expect(text).toContain('`PRIVATE-TOKEN: <token>`');
    expect(text).toContain('`Authorization: Bearer <token>`');
    expect(AUTH_HEADERS).toEqual(['private-token', 'authorization']);
    expect(text).toContain(`401 body \`${JSON.stringify(ERRORS.unauthorized)}\``);
    expect(text).toContain('with `/` must be encoded (`%2F`)');
    expect(text).toContain('`+` in ISO-8601 dates must be sent as `%2B`');
  });
});

describe('GitLab simulator', () => {
  let sim: GitLabSimulator;
  const api = (path: string) => `${sim.url}/api/v4${path}`;
  const get = (path: string, headers: Record<string, string> = { 'PRIVATE-TOKEN': 'glpat-sim' }) => fetch(api(path), { headers });

  beforeAll(async () => {
    sim = await startGitLabSimulator(
      {
        groups: [{ path: 'acme', variables: [{ key: 'DEPLOY_KEY', value: 'group-secret-value' }] }],
        projects: [
          {
            path: 'acme/web',
            visibility: 'internal',
            commits: [{ date: '2025-03-01T10:00:00Z', files: { '.gitlab-ci.yml': 'test:\n  script: [make]\n', 'ci/build.yml': 'b: {}\n' } }],
            variables: [{ key: 'NPM_TOKEN', value: 'project-secret-value', masked: true }],
          },
          ...Array.from({ length: 149 }, (_, i) => ({ path: `acme/sub/p${String(i).padStart(3, '0')}`, commits: [] })),
          { path: 'other/shared-lib', sharedInto: ['acme'], commits: [] },
        ],
      },
      { tokens: ['glpat-sim'] },
    );
  });
  afterAll(() => sim.close());

  it('accepts PRIVATE-TOKEN, Authorization: Bearer and private_token; anything else is 401 with GitLab\'s body', async () => {
    expect((await get('/projects/acme%2Fweb')).status).toBe(200);
    expect((await get('/projects/acme%2Fweb', { Authorization: 'Bearer glpat-sim' })).status).toBe(200);
    expect((await fetch(api('/projects/acme%2Fweb?private_token=glpat-sim'))).status).toBe(200);
    const none = await get('/projects/acme%2Fweb', {});
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ message: '401 Unauthorized' });
    expect((await get('/projects/acme%2Fweb', { 'PRIVATE-TOKEN': 'wrong' })).status).toBe(401);
    expect(sim.requests.slice(0, 3).map((r) => r.auth)).toEqual(['private-token', 'bearer', 'query']);
  });

  it('every answer carries the RateLimit headers; a 429 is plain "Retry later" with Retry-After and RateLimit-ResetTime', async () => {
    const ok = await get('/projects/acme%2Fweb');
    for (const h of RATE_LIMIT_HEADERS) expect(ok.headers.get(h)).not.toBeNull();
    expect(ok.headers.get('ratelimit-name')).toBe('throttle_authenticated_api');
    sim.throttle(1, 7);
    const limited = await get('/projects/acme%2Fweb');
    expect(limited.status).toBe(429);
    expect(await limited.text()).toBe('Retry later');
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(Number.isNaN(Date.parse(limited.headers.get('ratelimit-resettime') ?? ''))).toBe(false);
    expect((await get('/projects/acme%2Fweb')).status).toBe(200);
  });

  it('group projects: offset pagination headers, subgroups only when asked, shared projects unless with_shared=false', async () => {
    const page1 = await get('/groups/acme/projects?include_subgroups=true&with_shared=false&per_page=100');
    expect(page1.status).toBe(200);
    expect(page1.headers.get('x-total')).toBe('150');
    expect(page1.headers.get('x-total-pages')).toBe('2');
    expect(page1.headers.get('x-next-page')).toBe('2');
    expect(page1.headers.get('x-prev-page')).toBe('');
    expect(page1.headers.get('link')).toMatch(/rel="next".*rel="first".*rel="last"/);
    const body = (await page1.json()) as Array<Record<string, unknown>>;
    expect(body).toHaveLength(100);
    expect(Object.keys(body[0] as object)).toEqual([...FIELDS.groupProject]);
    expect(Object.keys((body[0] as { namespace: object }).namespace)).toEqual([...FIELDS.namespace]);
    const page2 = await get('/groups/acme/projects?include_subgroups=true&with_shared=false&per_page=100&page=2');
    expect(page2.headers.get('x-next-page')).toBe('');
    expect((await page2.json()) as unknown[]).toHaveLength(50);
    const direct = (await (await get('/groups/acme/projects?per_page=100')).json()) as Array<{ path_with_namespace: string }>;
    expect(direct.map((p) => p.path_with_namespace).sort()).toEqual(['acme/web', 'other/shared-lib']);
    const byId = (await (await get('/groups/1/projects?with_shared=false')).json()) as Array<{ path_with_namespace: string }>;
    expect(byId.map((p) => p.path_with_namespace)).toEqual(['acme/web']);
  });

  it('rejects what GitLab rejects: an unencoded path, a missing ref, a bad boolean or date, an undeclared parameter', async () => {
    const unencoded = await get('/projects/acme/web/repository/files/.gitlab-ci.yml?ref=main');
    expect(unencoded.status).toBe(404);
    expect(await unencoded.json()).toEqual(ERRORS.noRoute);
    const unencodedFile = await get('/projects/acme%2Fweb/repository/files/ci/build.yml?ref=main');
    expect(unencodedFile.status).toBe(404);
    const noRef = await get('/projects/acme%2Fweb/repository/files/ci%2Fbuild.yml');
    expect(noRef.status).toBe(400);
    expect(await noRef.json()).toEqual({ error: 'ref is missing' });
    const badBool = await get('/groups/acme/projects?include_subgroups=yes-please');
    expect(await badBool.json()).toEqual({ error: 'include_subgroups is invalid' });
    // A `+` not sent as %2B arrives as a space.
    const plus = await get('/projects/acme%2Fweb/repository/commits?until=2025-03-01T10:00:00+01:00');
    expect(plus.status).toBe(400);
    expect(await plus.json()).toEqual({ error: 'until is invalid' });
    expect((await get('/projects/acme%2Fweb/repository/commits?until=2025-03-01T10:00:00%2B01:00')).status).toBe(200);
    const misspelt = await get('/projects/acme%2Fweb/repository/commits?ref=main');
    expect(misspelt.status).toBe(400);
    expect(((await misspelt.json()) as { error: string }).error).toMatch(/^ref is not a parameter of GET \/projects\/:id\/repository\/commits/);
  });

  it('files, tree, commits and variables carry exactly the documented fields (variables with their values, as GitLab)', async () => {
    const file = (await (await get('/projects/acme%2Fweb/repository/files/ci%2Fbuild.yml?ref=main')).json()) as Record<string, unknown>;
    expect(Object.keys(file)).toEqual([...FIELDS.file]);
    expect(Buffer.from(file.content as string, 'base64').toString('utf8')).toBe('b: {}\n');
    expect(file).toMatchObject({ file_path: 'ci/build.yml', file_name: 'build.yml', encoding: 'base64', size: 6, ref: 'main' });
    const missing = await get('/projects/acme%2Fweb/repository/files/nope.yml?ref=main');
    expect(await missing.json()).toEqual(ERRORS.file);
    expect(await (await get('/projects/acme%2Fweb/repository/files/ci%2Fbuild.yml?ref=no-such-ref')).json()).toEqual(ERRORS.commit);
    const raw = await get('/projects/acme%2Fweb/repository/files/ci%2Fbuild.yml/raw');
    expect(await raw.text()).toBe('b: {}\n');
    const tree = (await (await get('/projects/acme%2Fweb/repository/tree?ref=main')).json()) as Array<Record<string, unknown>>;
    expect(tree.map((e) => [e.type, e.path])).toEqual([
      ['tree', 'ci'],
      ['blob', '.gitlab-ci.yml'],
    ]);
    expect(Object.keys(tree[0] as object)).toEqual([...FIELDS.treeEntry]);
    expect(await (await get('/projects/acme%2Fweb/repository/tree?ref=main&path=nope')).json()).toEqual(ERRORS.tree);
    const commits = (await (await get('/projects/acme%2Fweb/repository/commits?ref_name=main&path=ci')).json()) as Array<Record<string, unknown>>;
    expect(commits).toHaveLength(1);
    expect(Object.keys(commits[0] as object)).toEqual([...FIELDS.commit]);
    const vars = (await (await get('/projects/acme%2Fweb/variables')).json()) as Array<Record<string, unknown>>;
    expect(Object.keys(vars[0] as object)).toEqual([...FIELDS.variable]);
    expect(vars[0]).toMatchObject({ key: 'NPM_TOKEN', value: 'project-secret-value', masked: true });
    expect(((await (await get('/groups/acme/variables')).json()) as Array<{ value: string }>)[0]?.value).toBe('group-secret-value');
  });

  it('tree keyset pagination: the next page only in Link, absent at the end', async () => {
    const first = await get('/projects/acme%2Fweb/repository/tree?ref=main&recursive=true&pagination=keyset&per_page=2');
    expect(first.headers.get('x-next-page')).toBeNull();
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get('link') ?? '')?.[1] ?? '';
    expect(next).toContain('page_token=.gitlab-ci.yml');
    const second = await fetch(next, { headers: { 'PRIVATE-TOKEN': 'glpat-sim' } });
    expect(((await second.json()) as Array<{ path: string }>).map((e) => e.path)).toEqual(['ci/build.yml']);
    expect(second.headers.get('link')).toBeNull();
  });
});

describe('GitLab simulator above 10,000 records', () => {
  it('leaves out x-total, x-total-pages and rel="last", and still says the next page', async () => {
    const sim = await startGitLabSimulator({ projects: Array.from({ length: MAX_COUNTED + 1 }, (_, i) => ({ path: `big/p${i}`, commits: [] })) });
    try {
      const res = await fetch(`${sim.url}/api/v4/groups/big/projects?per_page=100&page=101`);
      expect(res.headers.get('x-total')).toBeNull();
      expect(res.headers.get('x-total-pages')).toBeNull();
      expect(res.headers.get('link')).not.toMatch(/rel="last"/);
      expect(res.headers.get('x-next-page')).toBe('');
      expect((await res.json()) as unknown[]).toHaveLength(1);
      const before = await fetch(`${sim.url}/api/v4/groups/big/projects?per_page=100&page=100`);
      expect(before.headers.get('x-next-page')).toBe('101');
    } finally {
      await sim.close();
    }
  });
});

describe('GitLab simulator: branches and refused histories', () => {
  it('answers a branch (the default one or a listed one) with its fields, a tag or unknown name 404, a refused history 403', async () => {
    const sim = await startGitLabSimulator({
      projects: [
        { path: 'acme/lib', commits: [{ date: '2025-01-01T00:00:00Z', files: { 'a.yml': 'a: 1\n' } }], refs: { 'feature/x': 0, v1: 0 }, branches: ['feature/x'] },
        { path: 'acme/locked', commits: [{ date: '2025-01-01T00:00:00Z', files: { 'a.yml': 'a: 1\n' } }], commitsForbidden: true },
      ],
    });
    try {
      const branch = async (name: string): Promise<Response> => fetch(`${sim.url}/api/v4/projects/acme%2Flib/repository/branches/${encodeURIComponent(name)}`);
      const main = await branch('main');
      expect(main.status).toBe(200);
      const body = (await main.json()) as Record<string, unknown>;
      expect(Object.keys(body)).toEqual([...FIELDS.branch]);
      expect([body.name, body.default, Object.keys(body.commit as object)]).toEqual(['main', true, [...FIELDS.commit]]);
      expect((await branch('feature/x')).status).toBe(200);
      const tag = await branch('v1');
      expect([tag.status, await tag.json()]).toEqual([404, ERRORS.branch]);
      expect((await fetch(`${sim.url}/api/v4/projects/acme%2Flib/repository/branches/main?ref=main`)).status).toBe(400);
      const refused = await fetch(`${sim.url}/api/v4/projects/acme%2Flocked/repository/commits?until=2025-03-01T00:00:00Z`);
      expect([refused.status, await refused.json()]).toEqual([403, ERRORS.forbidden]);
    } finally {
      await sim.close();
    }
  });
});

/**
 * The CircleCI simulator follows CircleCI's published contract: a request the spec does not allow is
 * refused, a response that does not match the OpenAPI file is caught, the GraphQL endpoint accepts only
 * the documented orb queries (and the client sends exactly those).
 */
import { existsSync, readFileSync } from 'node:fs';
import { parse, print } from 'graphql';
import { ORB_SOURCE_QUERY, ORB_VERSIONS_QUERY } from '../../../src/sources/circleci/orbs';
import { loadCircleCiSpec, ORB_SOURCE_GRAPHQL_PATH } from './openapi';
import { CircleCiSimulator, ORB_SOURCE_DOC, ORB_VERSIONS_DOC } from './server';

const TOKEN = 'sim-token-1';
const spec = loadCircleCiSpec();

async function get(sim: CircleCiSimulator, path: string, headers: Record<string, string> = { 'circle-token': TOKEN }): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${sim.url}${path}`, { headers });
  return { status: res.status, body: (await res.json()) as unknown };
}

async function gql(sim: CircleCiSimulator, query: string, variables: unknown, headers: Record<string, string> = {}): Promise<unknown> {
  const res = await fetch(`${sim.url}/graphql-unstable`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
  return (await res.json()) as unknown;
}

describe('CircleCI simulator', () => {
  let sim: CircleCiSimulator;
  beforeEach(async () => {
    sim = await CircleCiSimulator.start({ token: TOKEN, pageSize: 2 });
    sim.addProject({ slug: 'gh/acme/api', envVars: [{ name: 'DEPLOY_KEY', value: 'super-secret-value-9876' }] });
    for (let i = 1; i <= 3; i++) sim.addPipeline({ project: 'gh/acme/api', createdAt: `2025-03-0${i}T00:00:00Z`, source: `# ${i}\n` });
    sim.addOrb({ namespace: 'codecov', name: 'codecov', versions: [{ version: '1.1.1', createdAt: '2020-06-01T00:00:00Z', source: 'version: 2.1\n' }] });
  });
  afterEach(async () => {
    await sim.stop();
  });

  it('serves v2 answers that the OpenAPI file accepts (null next_page_token included)', async () => {
    const first = await get(sim, '/api/v2/project/gh/acme/api/pipeline');
    expect(first.status).toBe(200);
    const token = (first.body as { next_page_token: string }).next_page_token;
    const last = await get(sim, `/api/v2/project/gh/acme/api/pipeline?page-token=${token}`);
    expect(last.body).toMatchObject({ next_page_token: null });
    expect((await get(sim, '/api/v2/project/gh/acme/api', { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    expect((await get(sim, '/api/v2/pipeline?org-slug=gh/acme')).status).toBe(200);
    const id = (first.body as { items: Array<{ id: string }> }).items[0]?.id ?? '';
    expect((await get(sim, `/api/v2/pipeline/${id}/config`)).body).toEqual({ source: '# 3\n', compiled: '# 3\n' });
    // Env vars as CircleCI answers them: masked values (the client drops even those).
    expect((await get(sim, '/api/v2/project/gh/acme/api/envvar')).body).toEqual({ items: [{ name: 'DEPLOY_KEY', value: 'xxxx9876' }], next_page_token: null });
    expect((await get(sim, '/api/v2/project/gh/acme/nope')).status).toBe(404);
    expect(sim.violations).toEqual([]);
    if (spec) expect(sim.validated).toBe(7);
  });

  it('refuses a request without the token (401)', async () => {
    expect(await get(sim, '/api/v2/project/gh/acme/api', {})).toEqual({ status: 401, body: { message: 'You must log in first.' } });
    expect(await get(sim, '/api/v2/project/gh/acme/api', { authorization: TOKEN })).toEqual({ status: 401, body: { message: 'You must log in first.' } });
  });

  (spec ? it : it.skip)('refuses a query parameter the operation does not declare (400), and records it', async () => {
    const r = await get(sim, '/api/v2/project/gh/acme/api/pipeline?per-page=100');
    expect(r.status).toBe(400);
    expect(sim.violations).toEqual(['GET /project/{project-slug}/pipeline: query parameter per-page is not declared by the spec']);
    expect((await get(sim, '/api/v2/project/gh/acme/api/pipeline?branch=main')).status).toBe(200);
    expect(sim.violations).toHaveLength(1);
  });

  (spec ? it : it.skip)('the validator catches a response the OpenAPI file does not allow', () => {
    if (!spec) return;
    const op = { path: '/project/{project-slug}', method: 'get' } as const;
    expect(spec.validateResponse(op, 200, { slug: 'gh/a/b', name: 'b', id: 'not-a-uuid', organization_name: 'a', organization_slug: 'gh/a', organization_id: '5b1c3a8e-2f4d-4e6a-9c7b-1a2b3c4d5e6f', vcs_info: { vcs_url: 'u', provider: 'GitLab', default_branch: 'main' } })).toEqual([
      'GET /project/{project-slug} 200 response /id must match format "uuid"',
      'GET /project/{project-slug} 200 response /vcs_info/provider must be equal to one of the allowed values',
    ]);
    const list = { path: '/project/{project-slug}/pipeline', method: 'get' } as const;
    expect(spec.validateResponse(list, 200, { items: [] })).toEqual(["GET /project/{project-slug}/pipeline 200 response / must have required property 'next_page_token'"]);
    expect(spec.validateResponse(list, 200, { items: [], next_page_token: null })).toEqual([]);
    expect(spec.validateResponse(list, 200, { items: [], next_page_token: 7 })).toEqual(['GET /project/{project-slug}/pipeline 200 response /next_page_token must be string']);
  });

  it('GraphQL: the documented orb queries only', async () => {
    expect(await gql(sim, ORB_SOURCE_DOC, { orbVersionRef: 'codecov/codecov@1.1.1' })).toEqual({
      data: { orbVersion: { id: 'orb-codecov-codecov@1.1.1', version: '1.1.1', orb: { id: 'orb-codecov-codecov', name: 'codecov/codecov' }, source: 'version: 2.1\n', createdAt: '2020-06-01T00:00:00Z' } },
    });
    expect(await gql(sim, ORB_SOURCE_DOC, { orbVersionRef: 'codecov/codecov@2.0.0' })).toEqual({ data: { orbVersion: null } });
    expect(sim.violations).toEqual([]);
    const other = 'query { orbVersion(orbVersionRef: "codecov/codecov@1.1.1") { source } }';
    expect(await gql(sim, other, {})).toEqual({ errors: [{ message: 'the query is not one of the documented orb queries' }] });
    expect(await gql(sim, ORB_SOURCE_DOC, { orbVersionRef: 'codecov/codecov@1.1.1', extra: 1 })).toEqual({ errors: [{ message: 'variables must be exactly { orbVersionRef: String! }' }] });
    expect(sim.violations).toEqual(['graphql: the query is not one of the documented orb queries', 'graphql: variables must be exactly { orbVersionRef: String! }']);
  });

  it('the client sends exactly the documented GraphQL documents', () => {
    expect(print(parse(ORB_SOURCE_QUERY))).toBe(print(parse(ORB_SOURCE_DOC)));
    expect(print(parse(ORB_VERSIONS_QUERY))).toBe(print(parse(ORB_VERSIONS_DOC)));
  });

  it('the simulator accepts the orb source query as published beside the API facts', () => {
    if (!existsSync(ORB_SOURCE_GRAPHQL_PATH)) {
      // Without ../shared the simulator already said so in one line.
      if (!spec) return;
      process.stderr.write('simulator.spec: ../shared/platform-apis/circleci/queries/orb-source.graphql is absent; the query is not compared\n');
      return;
    }
    expect(print(parse(ORB_SOURCE_DOC))).toBe(print(parse(readFileSync(ORB_SOURCE_GRAPHQL_PATH, 'utf8'))));
  });
});

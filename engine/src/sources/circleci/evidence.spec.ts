/**
 * CircleCI evidence against the simulator (its requests and responses checked against CircleCI's
 * OpenAPI file when ../shared is present): runs in the window (ran / not-run / unavailable), project
 * environment variable names, context variable names, rotation — and no value anywhere.
 */
import { CircleCiSimulator, type SimPipeline } from '../../../test/simulators/circleci/server';
import { CircleCiClient } from './client';
import { checkoutKeys, CircleCiEvidence, contextFacts, contextInventory, contextOwner, contextRestrictions, parseCircleCiTime, projectEnvVars, secretRotatedSince } from './evidence';

const TOKEN = 'circle-evidence-token';
const START = Date.parse('2025-03-14T10:00:00Z');
const END = Date.parse('2025-03-14T12:00:00Z');
const WINDOW = { start: START, end: END };
const SLUG = 'gh/acme/app';
const VALUES = ['AKIA0000PROJECTVALUE9876', 'npm_CONTEXTVALUE5555', 'codecov-VALUE-4321'];

let sim: CircleCiSimulator;

function pipeline(createdAt: string, project = SLUG): SimPipeline {
  return sim.addPipeline({ project, createdAt, source: 'version: 2.1\n' });
}

beforeAll(async () => {
  sim = await CircleCiSimulator.start({ token: TOKEN, pageSize: 2 });
  sim.addProject({
    slug: SLUG,
    envVars: [
      { name: 'AWS_SECRET_ACCESS_KEY', value: VALUES[0] as string, createdAt: '#joda/inst 2025-03-14T11:20:14+0000' },
      { name: 'CODECOV_TOKEN', value: VALUES[2] as string, createdAt: '2025-01-02T03:04:05.000Z' },
      { name: 'LEGACY', value: 'legacy-VALUE-1111', createdAt: null },
    ],
  });
  sim.addProject({ slug: 'gh/acme/fresh' });
  sim.addProject({ slug: 'gh/acme/gone', gone: true });
  // Newest first is how CircleCI lists them; seeded in any order.
  sim.addWorkflow(pipeline('2025-03-14T13:00:00Z'), { name: 'build', jobs: [{ name: 'coverage', startedAt: '2025-03-14T13:01:00Z' }] });
  const inWindow = pipeline('2025-03-14T10:30:00Z');
  sim.addWorkflow(inWindow, {
    name: 'build',
    jobs: [
      { name: 'coverage', startedAt: '2025-03-14T10:31:00Z', contexts: ['deploy-creds'] },
      { name: 'hold', type: 'approval', status: 'on_hold', startedAt: '2025-03-14T10:31:00Z' },
      { name: 'lint', status: 'not_run', startedAt: '2025-03-14T10:31:00Z' },
    ],
  });
  sim.addWorkflow(inWindow, { name: 'nightly', jobs: [{ name: 'coverage', startedAt: '2025-03-14T10:40:00Z' }] });
  // Created before the window, rerun inside it.
  const earlier = pipeline('2025-03-14T08:00:00Z');
  sim.addWorkflow(earlier, { name: 'build', jobs: [{ name: 'coverage', startedAt: '2025-03-14T08:01:00Z' }] });
  sim.addWorkflow(earlier, { name: 'build', createdAt: '2025-03-14T11:00:00Z', jobs: [{ name: 'coverage', startedAt: '2025-03-14T11:02:00Z', contexts: ['deploy-creds', 'npm'] }] });
  // Well before: the history reaches back past the window.
  sim.addWorkflow(pipeline('2025-02-01T00:00:00Z'), { name: 'build', jobs: [{ name: 'coverage', startedAt: '2025-02-01T00:01:00Z' }] });
  sim.addWorkflow(pipeline('2025-01-01T00:00:00Z'), { name: 'build', jobs: [{ name: 'coverage', startedAt: '2025-01-01T00:01:00Z' }] });
  // A project whose history starts after the window.
  sim.addWorkflow(pipeline('2025-03-20T00:00:00Z', 'gh/acme/fresh'), { name: 'build', jobs: [{ name: 'coverage', startedAt: '2025-03-20T00:01:00Z' }] });
  sim.addContext({
    name: 'deploy-creds',
    ownerSlug: 'gh/acme',
    variables: [
      { variable: 'NPM_TOKEN', value: VALUES[1] as string, createdAt: '2024-05-01T00:00:00.000Z', updatedAt: '2025-03-14T11:30:00.000Z' },
      { variable: 'DOCKER_PASS', value: 'docker-VALUE-2222', createdAt: '2024-05-01T00:00:00.000Z', updatedAt: '2024-06-01T00:00:00.000Z' },
    ],
  });
  sim.addContext({ name: 'other-org', ownerSlug: 'gh/other', variables: [{ variable: 'X', value: 'other-VALUE-3333', createdAt: '2024-01-01T00:00:00.000Z', updatedAt: '2024-01-01T00:00:00.000Z' }] });
});

afterAll(async () => {
  expect(sim.violations).toEqual([]);
  await sim.stop();
});

const client = (token: string | null = TOKEN): CircleCiClient => new CircleCiClient({ CIRCLECI_URL: sim.url, ...(token === null ? {} : { CIRCLECI_TOKEN: token }) }, { sleep: async () => undefined, maxRetries: 1 });

describe('CircleCI run evidence', () => {
  it('counts the job runs that started inside the window, reruns of older pipelines included, with URLs and contexts', async () => {
    const ev = new CircleCiEvidence(client());
    const { runs, contexts } = await ev.jobRunDetails({ slug: SLUG, jobName: 'coverage', workflow: 'build', window: WINDOW });
    expect(runs).toMatchObject({ state: 'ran', count: 2, first: '2025-03-14T10:31:00.000Z', last: '2025-03-14T11:02:00.000Z', resolved: [], logs: [] });
    expect(runs.urls).toHaveLength(2);
    expect(runs.urls.every((u) => u.startsWith('https://app.circleci.com/pipelines/gh/acme/app/'))).toBe(true);
    expect(runs.resolutionReason).toBe('CircleCI API v2 has no step data (steps are only in API v1.1, not read): which version of an orb a run used is not known');
    expect(contexts).toEqual(['deploy-creds', 'npm']);
    // Paged back to the first pipeline before the window minus the slack (page 2 of 3, two per page), no further.
    const pipelinePages = sim.requests.filter((r) => r.path === '/api/v2/project/gh/acme/app/pipeline');
    expect(pipelinePages.map((r) => r.query['page-token'])).toEqual([undefined, 'Mg']);
  });

  it('without the workflow name every workflow counts; a job that did not run, or an approval, does not', async () => {
    const ev = new CircleCiEvidence(client());
    expect(await ev.jobRuns({ slug: SLUG, jobName: 'coverage', window: WINDOW })).toMatchObject({ state: 'ran', count: 3 });
    expect(await ev.jobRuns({ slug: SLUG, jobName: 'lint', window: WINDOW })).toEqual({ state: 'not-run', count: 0, urls: [], resolved: [], logs: [] });
    expect(await ev.jobRuns({ slug: SLUG, jobName: 'hold', window: WINDOW })).toEqual({ state: 'not-run', count: 0, urls: [], resolved: [], logs: [] });
  });

  it('a history that does not reach before the window is unavailable, never not-run', async () => {
    const runs = await new CircleCiEvidence(client()).jobRuns({ slug: 'gh/acme/fresh', jobName: 'coverage', window: WINDOW });
    expect(runs).toEqual({
      state: 'unavailable',
      count: 0,
      urls: [],
      resolved: [],
      logs: [],
      reason: 'CircleCI lists no pipeline of gh/acme/fresh from before the window: older pipelines may be past retention, so "did not run" cannot be told',
    });
  });

  it('no token, a project CircleCI does not show, a rate limit that does not end: unavailable with the reason', async () => {
    expect((await new CircleCiEvidence(client(null)).jobRuns({ slug: SLUG, jobName: 'coverage', window: WINDOW })).reason).toBe('no CircleCI token (CIRCLECI_TOKEN): run history needs a personal API token');
    expect(await new CircleCiEvidence(client()).jobRuns({ slug: 'gh/acme/gone', jobName: 'coverage', window: WINDOW })).toMatchObject({
      state: 'unavailable',
      reason: 'run history unavailable: CircleCI answered HTTP 404 to the pipelines of gh/acme/gone: Project not found',
    });
    sim.rateLimitNext(2, '1', '/api/v2/pipeline/');
    const limited = await new CircleCiEvidence(client()).jobRuns({ slug: SLUG, jobName: 'coverage', window: WINDOW });
    expect(limited.state).toBe('unavailable');
    expect(limited.reason).toMatch(/^run history unavailable: CircleCI answered HTTP 429 to the workflows of pipeline [0-9a-f-]+ after 1 retries: Rate limit exceeded$/);
  });
});

describe('CircleCI secrets: names only', () => {
  it('project environment variables: names and created-at (EDN-like or ISO), never the masked value', async () => {
    expect(await projectEnvVars(client(), SLUG)).toEqual({
      ok: true,
      items: [{ name: 'AWS_SECRET_ACCESS_KEY', createdAt: '2025-03-14T11:20:14.000Z' }, { name: 'CODECOV_TOKEN', createdAt: '2025-01-02T03:04:05.000Z' }, { name: 'LEGACY' }],
    });
    expect(parseCircleCiTime('#joda/inst 2023-04-14T21:20:14+0000')).toBe(Date.parse('2023-04-14T21:20:14Z'));
    expect(parseCircleCiTime('yesterday')).toBeUndefined();
  });

  it('contexts of the organisation by name, with their variable names; a missing one is said', async () => {
    const inv = await contextInventory(client(), SLUG, ['deploy-creds', 'other-org']);
    expect(inv.contexts.map((c) => ({ context: c.context, variables: c.variables }))).toEqual([
      {
        context: 'deploy-creds',
        variables: [
          { name: 'NPM_TOKEN', createdAt: '2024-05-01T00:00:00.000Z', updatedAt: '2025-03-14T11:30:00.000Z' },
          { name: 'DOCKER_PASS', createdAt: '2024-05-01T00:00:00.000Z', updatedAt: '2024-06-01T00:00:00.000Z' },
        ],
      },
    ]);
    expect(inv.unavailable).toEqual(['context other-org: not among the contexts of the organisation of gh/acme/app the token can list']);
    expect(sim.requests.some((r) => r.path === '/api/v2/context' && r.query['owner-slug'] === 'gh/acme')).toBe(true);
    expect(contextOwner('circleci/1b2c/3d4e')).toEqual({ 'owner-id': '1b2c' });
  });

  it('rotation: context updated_at, project created-at; unknown when it cannot be told', async () => {
    const c = client();
    expect(await secretRotatedSince(c, 'NPM_TOKEN', { scope: 'context', slug: SLUG, context: 'deploy-creds' }, START)).toEqual({ state: 'verified', changedAt: '2025-03-14T11:30:00.000Z', where: 'context deploy-creds' });
    expect(await secretRotatedSince(c, 'DOCKER_PASS', { scope: 'context', slug: SLUG, context: 'deploy-creds' }, START)).toEqual({ state: 'not-yet', changedAt: '2024-06-01T00:00:00.000Z', where: 'context deploy-creds' });
    expect(await secretRotatedSince(c, 'AWS_SECRET_ACCESS_KEY', { scope: 'project', slug: SLUG }, START)).toEqual({
      state: 'verified',
      changedAt: '2025-03-14T11:20:14.000Z',
      where: 'project gh/acme/app (re-created: CircleCI keeps only the creation time)',
    });
    expect(await secretRotatedSince(c, 'CODECOV_TOKEN', { scope: 'project', slug: SLUG }, START)).toMatchObject({ state: 'not-yet', changedAt: '2025-01-02T03:04:05.000Z' });
    expect(await secretRotatedSince(c, 'LEGACY', { scope: 'project', slug: SLUG }, START)).toEqual({ state: 'unknown', reason: 'project gh/acme/app: CircleCI gave no readable created-at for LEGACY' });
    expect(await secretRotatedSince(c, 'NOPE', { scope: 'context', slug: SLUG, context: 'deploy-creds' }, START)).toEqual({ state: 'unknown', reason: 'context deploy-creds has no variable named NOPE' });
    expect(await secretRotatedSince(c, 'X', { scope: 'context', slug: SLUG, context: 'missing' }, START)).toEqual({ state: 'unknown', reason: 'context missing: not among the contexts of the organisation of gh/acme/app the token can list' });
    expect(await secretRotatedSince(c, 'X', { scope: 'project', slug: 'gh/acme/gone' }, START)).toEqual({ state: 'unknown', reason: 'project gh/acme/gone: CircleCI answered HTTP 404 to the environment variables of gh/acme/gone: Project not found' });
    expect(await secretRotatedSince(client(null), 'X', { scope: 'project', slug: SLUG }, START)).toEqual({ state: 'unknown', reason: 'no CircleCI token (CIRCLECI_TOKEN)' });
  });

  it('no value (not even the masked tail) reaches a result', async () => {
    const c = client();
    const out = [
      await projectEnvVars(c, SLUG),
      await contextInventory(c, SLUG, ['deploy-creds']),
      await new CircleCiEvidence(c).jobRunDetails({ slug: SLUG, jobName: 'coverage', window: WINDOW }),
      await secretRotatedSince(c, 'AWS_SECRET_ACCESS_KEY', { scope: 'project', slug: SLUG }, START),
    ]
      .map((x) => JSON.stringify(x))
      .join('\n');
    for (const v of [...VALUES, 'legacy-VALUE-1111', 'docker-VALUE-2222', TOKEN]) {
      expect(out).not.toContain(v);
      expect(out).not.toContain(`xxxx${v.slice(-4)}`);
    }
    expect(out).toContain('AWS_SECRET_ACCESS_KEY');
  });
});

describe('CircleCI simulator conformance', () => {
  it('every request and response of these tests matched the OpenAPI file (when ../shared is present)', () => {
    expect(sim.violations).toEqual([]);
    if (sim.spec) expect(sim.validated).toBeGreaterThan(40);
  });
});

describe('CircleCI: who may use a context, checkout keys (names, types and fingerprints only)', () => {
  let keys: CircleCiSimulator;
  const PUBLIC_KEY = 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDpublicKEYmaterial0001';
  const PROJECT_VALUE = 'AKIA-KEYS-PROJECT-VALUE-7777';
  const CONTEXT_VALUE = 'npm_KEYS-CONTEXT-VALUE-8888';
  beforeAll(async () => {
    keys = await CircleCiSimulator.start({ token: TOKEN });
    keys.addProject({
      slug: SLUG,
      envVars: [{ name: 'NPM_TOKEN', value: PROJECT_VALUE }],
      checkoutKeys: [
        { type: 'deploy-key', sha256: 'SHA256:deployKEYfingerprint', md5: 'c9:0b:1c:4f:d5:65:56:b9:ad:88:f9:81:2b:37:74:2f', publicKey: PUBLIC_KEY, preferred: true, createdAt: '2024-01-01T00:00:00.000Z' },
        { type: 'github-user-key', sha256: 'SHA256:userKEYfingerprint', md5: 'aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99', publicKey: `${PUBLIC_KEY}2`, preferred: false, createdAt: '2024-02-01T00:00:00.000Z' },
      ],
    });
    keys.addProject({ slug: 'gh/acme/gone', gone: true });
    keys.addContext({
      name: 'deploy-creds',
      ownerSlug: 'gh/acme',
      variables: [{ variable: 'NPM_TOKEN', value: CONTEXT_VALUE, createdAt: '2024-05-01T00:00:00.000Z', updatedAt: '2024-05-01T00:00:00.000Z' }],
      restrictions: [{ type: 'group', value: '5f2c2a4e-0d1b-4f59-9d43-6f1a2b3c4d5e', name: 'deployers' }, { type: 'expression', value: 'pipeline.git.branch == "main"' }],
    });
    keys.addContext({ name: 'open', ownerSlug: 'gh/acme', variables: [{ variable: 'SLACK_WEBHOOK', value: 'https://hooks.example/VALUE-9999', createdAt: '2024-05-01T00:00:00.000Z', updatedAt: '2024-05-01T00:00:00.000Z' }] });
    keys.addContext({ name: 'by-project', ownerSlug: 'gh/acme', restrictions: [{ type: 'project', value: '0a1b2c3d-0000-4000-8000-000000000001', name: 'app' }] });
  });
  afterAll(async () => {
    expect(keys.violations).toEqual([]);
    await keys.stop();
  });
  const kc = (token: string | null = TOKEN): CircleCiClient => new CircleCiClient({ CIRCLECI_URL: keys.url, ...(token === null ? {} : { CIRCLECI_TOKEN: token }) }, { sleep: async () => undefined, maxRetries: 1 });

  it('restricted (security group and expression), restricted to a project, unrestricted', async () => {
    expect(await contextFacts(kc(), SLUG, ['deploy-creds', 'open', 'by-project', 'open'])).toEqual([
      {
        name: 'deploy-creds',
        variables: ['NPM_TOKEN'],
        restrictions: [
          { type: 'group', value: '5f2c2a4e-0d1b-4f59-9d43-6f1a2b3c4d5e', name: 'deployers' },
          { type: 'expression', value: 'pipeline.git.branch == "main"' },
        ],
      },
      { name: 'open', variables: ['SLACK_WEBHOOK'], restrictions: [] },
      { name: 'by-project', variables: [], restrictions: [{ type: 'project', value: '0a1b2c3d-0000-4000-8000-000000000001', name: 'app' }] },
    ]);
  });

  it('not read: a context not found, an unknown context id (404), no token', async () => {
    expect(await contextFacts(kc(), SLUG, ['nowhere'])).toEqual([
      { name: 'nowhere', variables: { notRead: 'not among the contexts of the organisation of gh/acme/app the token can list' }, restrictions: { notRead: 'not among the contexts of the organisation of gh/acme/app the token can list' } },
    ]);
    expect(await contextRestrictions(kc(), '00000000-0000-4000-8000-00000000dead', 'gone')).toEqual({ ok: false, reason: 'CircleCI answered HTTP 404 to the restrictions of context gone: Context not found.' });
    expect(await contextFacts(kc(null), SLUG, ['open'])).toEqual([{ name: 'open', variables: { notRead: 'no CircleCI token (CIRCLECI_TOKEN)' }, restrictions: { notRead: 'no CircleCI token (CIRCLECI_TOKEN)' } }]);
    expect(await contextRestrictions(kc('wrong-token'), keys.contexts[0]?.id ?? '', 'deploy-creds')).toEqual({ ok: false, reason: 'CircleCI answered HTTP 401 to the restrictions of context deploy-creds: You must log in first.' });
  });

  it('checkout keys: type and SHA-256 fingerprint, never the public key; 404 is not read', async () => {
    expect(await checkoutKeys(kc(), SLUG)).toEqual({
      ok: true,
      items: [
        { type: 'deploy-key', fingerprint: 'SHA256:deployKEYfingerprint' },
        { type: 'github-user-key', fingerprint: 'SHA256:userKEYfingerprint' },
      ],
    });
    expect(keys.requests.filter((r) => r.path.endsWith('/checkout-key')).map((r) => r.query)).toEqual([{ digest: 'sha256' }]);
    expect(await checkoutKeys(kc(), 'gh/acme/gone')).toEqual({ ok: false, reason: 'CircleCI answered HTTP 404 to the checkout keys of gh/acme/gone: Project not found' });
  });

  it('no value, no key material in what is read', async () => {
    const out = JSON.stringify([await contextFacts(kc(), SLUG, ['deploy-creds', 'open']), await checkoutKeys(kc(), SLUG), await projectEnvVars(kc(), SLUG)]);
    for (const v of [PROJECT_VALUE, CONTEXT_VALUE, 'VALUE-9999', 'AAAAB3NzaC1yc2E', TOKEN]) expect(out).not.toContain(v);
    expect(out).not.toContain(`xxxx${PROJECT_VALUE.slice(-4)}`);
  });
});

import { z } from 'zod';
import { CircleCiSimulator } from '../../../test/simulators/circleci/server';
import { CircleCiClient, retryAfterMs, slugPath } from './client';
import { pipelineSchema, projectSchema } from './schemas';

const TOKEN = 'cci-personal-token-0123456789';

describe('CircleCiClient against the simulator', () => {
  let sim: CircleCiSimulator;
  let waits: number[];
  const client = (extra: { maxRetries?: number } = {}): CircleCiClient =>
    new CircleCiClient(
      { CIRCLECI_TOKEN: TOKEN, CIRCLECI_URL: sim.url },
      {
        sleep: (ms) => {
          waits.push(ms);
          return Promise.resolve();
        },
        ...extra,
      },
    );

  beforeEach(async () => {
    sim = await CircleCiSimulator.start({ token: TOKEN, pageSize: 3 });
    waits = [];
    sim.addProject({ slug: 'gh/acme/api' });
  });
  afterEach(async () => {
    await sim.stop();
    expect(sim.violations).toEqual([]);
  });

  it('sends the token as Circle-Token and reads a project', async () => {
    const r = await client().v2(`/project/${slugPath('gh/acme/api')}`, {}, projectSchema, 'project');
    expect(r).toMatchObject({ ok: true, value: { slug: 'gh/acme/api', name: 'api', organization_name: 'acme', vcs_info: { default_branch: 'main' } } });
    expect(sim.requests[0]?.headers['circle-token']).toBe(TOKEN);
    if (sim.spec) expect(sim.validated).toBe(1);
  });

  it('pages with next_page_token / page-token until it is null', async () => {
    for (let i = 0; i < 7; i++) sim.addPipeline({ project: 'gh/acme/api', createdAt: `2025-03-0${i + 1}T00:00:00Z`, source: `# ${i}\n` });
    const numbers: number[][] = [];
    for await (const page of client().pages('/project/gh/acme/api/pipeline', {}, pipelineSchema, 'pipelines')) {
      if (!page.ok) throw new Error(page.reason);
      numbers.push(page.items.map((p) => p.number));
    }
    expect(numbers).toEqual([[7, 6, 5], [4, 3, 2], [1]]);
    expect(sim.requests.map((r) => r.query['page-token'] !== undefined)).toEqual([false, true, true]);
  });

  it('stops at maxPages and says so', async () => {
    for (let i = 0; i < 7; i++) sim.addPipeline({ project: 'gh/acme/api', createdAt: `2025-03-0${i + 1}T00:00:00Z`, source: '#\n' });
    const pages = [];
    for await (const page of client().pages('/project/gh/acme/api/pipeline', {}, pipelineSchema, 'the pipelines', 2)) pages.push(page);
    expect(pages.map((p) => p.ok)).toEqual([true, true, false]);
    expect(pages[2]).toEqual({ ok: false, reason: 'the pipelines: stopped after 2 pages; the rest were not read' });
  });

  it('429 with Retry-After: waits as told, then succeeds', async () => {
    sim.rateLimitNext(2, '3');
    const r = await client().v2('/project/gh/acme/api', {}, projectSchema, 'project');
    expect(r.ok).toBe(true);
    expect(waits).toEqual([3000, 3000]);
    expect(sim.requests).toHaveLength(3);
  });

  it('429 without Retry-After backs off exponentially; a huge Retry-After is capped', async () => {
    sim.rateLimitNext(2);
    sim.rateLimitNext(1, '86400');
    const r = await client().v2('/project/gh/acme/api', {}, projectSchema, 'project');
    expect(r.ok).toBe(true);
    expect(waits).toEqual([1000, 2000, 60_000]);
  });

  it('429 beyond the retries: a failure with the status, no token in it', async () => {
    sim.rateLimitNext(5, '1');
    const r = await client({ maxRetries: 2 }).v2('/project/gh/acme/api', {}, projectSchema, 'project gh/acme/api');
    expect(r).toEqual({ ok: false, status: 429, reason: 'CircleCI answered HTTP 429 to project gh/acme/api after 2 retries: Rate limit exceeded' });
    expect(waits).toEqual([1000, 1000]);
  });

  it('a wrong token is a 401 failure that does not quote the token', async () => {
    const bad = new CircleCiClient({ CIRCLECI_TOKEN: 'wrong-token-value', CIRCLECI_URL: sim.url });
    const r = await bad.v2('/project/gh/acme/api', {}, projectSchema, 'project');
    expect(r).toEqual({ ok: false, status: 401, reason: 'CircleCI answered HTTP 401 to project: You must log in first.' });
  });

  it('an answer of another shape is a failure naming the field', async () => {
    const r = await client().v2('/project/gh/acme/api', {}, z.object({ nope: z.string() }), 'project');
    expect(r).toEqual({ ok: false, reason: "CircleCI's answer to project has an unexpected shape (nope: Invalid input: expected string, received undefined)" });
  });

  it('an unreachable CircleCI is a failure, not a throw', async () => {
    const closed = await CircleCiSimulator.start();
    const url = closed.url;
    await closed.stop();
    const c = new CircleCiClient({ CIRCLECI_URL: url }, { maxRetries: 0 });
    const r = await c.v2('/project/gh/a/b', {}, projectSchema, 'project');
    expect(r).toEqual({ ok: false, reason: 'CircleCI could not be reached for project (ECONNREFUSED)' });
  });
});

describe('retryAfterMs / slugPath', () => {
  it.each([
    ['5', 5000],
    ['0.5', 500],
    ['', undefined],
    ['soon', undefined],
    ['Thu, 01 Jan 1970 00:00:10 GMT', 10_000],
  ])('retryAfterMs(%j) = %s', (h, ms) => {
    expect(retryAfterMs(h, 0)).toBe(ms);
  });

  it('encodes each slug segment, keeps the slashes', () => {
    expect(slugPath('gh/acme/a b')).toBe('gh/acme/a%20b');
    expect(slugPath('circleci/8e3f/1d2c')).toBe('circleci/8e3f/1d2c');
  });
});

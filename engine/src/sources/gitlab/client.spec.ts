/**
 * The GitLab client's rules that the simulator does not exercise by itself: which wait a 429 asks for,
 * waiting for `RateLimit-Reset` when no request is left, pages followed by `x-next-page` else `Link`,
 * a `Link` to another host never followed (the token goes to the instance only); and the spec parser
 * and the round reader.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { GitLabClient, nextPage, sizeText } from './client';
import { parseGitLabSpec } from './parse-spec';
import { gitlabRepoFiles } from './repo-files';
import { ciConfigInclude } from './version-files';

type Reply = { status: number; body: string; headers?: Record<string, string> };

function scripted(replies: Reply[]): { fetch: typeof fetch; calls: Array<{ url: string; headers: Record<string, string> }> } {
  const calls: Array<{ url: string; headers: Record<string, string> }> = [];
  const impl = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    calls.push({ url: String(input), headers: (init?.headers ?? {}) as Record<string, string> });
    const r = replies.shift();
    if (!r) throw new Error('no more replies');
    return new Response(r.body, { status: r.status, headers: r.headers ?? {} });
  };
  return { fetch: impl as typeof fetch, calls };
}

const NOW = Date.parse('2025-03-14T12:00:00Z');
const ok = (body: unknown, headers: Record<string, string> = {}): Reply => ({ status: 200, body: JSON.stringify(body), headers });

describe('GitLabClient', () => {
  it('a 429 without Retry-After waits until RateLimit-ResetTime; the token goes as PRIVATE-TOKEN', async () => {
    const s = scripted([{ status: 429, body: 'Retry later', headers: { 'ratelimit-resettime': new Date(NOW + 42_000).toUTCString() } }, ok({ id: 1 })]);
    const sleeps: number[] = [];
    const client = new GitLabClient({ baseUrl: 'https://gitlab.example.com/', token: 'glpat-secret', fetch: s.fetch, now: () => NOW, sleep: async (ms) => void sleeps.push(ms) });
    const r = await client.get('/projects/1', {}, z.object({ id: z.number() }));
    expect(r).toMatchObject({ ok: true, data: { id: 1 } });
    expect(sleeps).toEqual([42_000]);
    expect(s.calls.map((c) => c.url)).toEqual(['https://gitlab.example.com/api/v4/projects/1', 'https://gitlab.example.com/api/v4/projects/1']);
    expect(s.calls[0]?.headers['PRIVATE-TOKEN']).toBe('glpat-secret');
    expect(client.stats).toEqual({ calls: 2, rateLimited: 1, waitedMs: 42_000 });
  });

  it('a single wait is bounded, and so is the total; then the answer is a failure without the token', async () => {
    const s = scripted([
      { status: 429, body: 'Retry later', headers: { 'retry-after': '3600' } },
      { status: 429, body: 'Retry later', headers: { 'retry-after': '3600' } },
    ]);
    const sleeps: number[] = [];
    const client = new GitLabClient({ baseUrl: 'https://gitlab.example.com', token: 'glpat-secret', fetch: s.fetch, now: () => NOW, sleep: async (ms) => void sleeps.push(ms), maxWaitMs: 10_000, maxTotalWaitMs: 15_000 });
    const r = await client.get('/projects/1', {}, z.object({ id: z.number() }));
    expect(r).toEqual({ ok: false, status: 429, reason: 'GitLab rate limit: Retry later (gave up on /projects/1 after 2 tries)' });
    expect(sleeps).toEqual([10_000]);
  });

  it('when RateLimit-Remaining is 0 the next call waits for RateLimit-Reset', async () => {
    const reset = String(Math.floor(NOW / 1000) + 30);
    const s = scripted([ok({ id: 1 }, { 'ratelimit-remaining': '0', 'ratelimit-reset': reset }), ok({ id: 2 })]);
    const sleeps: number[] = [];
    const client = new GitLabClient({ baseUrl: 'https://gitlab.example.com', fetch: s.fetch, now: () => NOW, sleep: async (ms) => void sleeps.push(ms) });
    await client.get('/projects/1', {}, z.object({ id: z.number() }));
    expect(sleeps).toEqual([]);
    await client.get('/projects/2', {}, z.object({ id: z.number() }));
    expect(sleeps).toEqual([30_000]);
    expect(s.calls[0]?.headers['PRIVATE-TOKEN']).toBeUndefined();
  });

  it('follows x-next-page (empty on the last page), else Link rel="next"; never a Link to another host', async () => {
    const s = scripted([
      ok([{ id: 1 }], { 'x-next-page': '2', 'x-total': '3' }),
      ok([{ id: 2 }], { link: '<https://gitlab.example.com/api/v4/projects?id_after=2&per_page=100>; rel="next"' }),
      ok([{ id: 3 }], { 'x-next-page': '' }),
    ]);
    const pages: Array<[number, number | undefined]> = [];
    const client = new GitLabClient({ baseUrl: 'https://gitlab.example.com', fetch: s.fetch });
    const r = await client.list('/projects', { order_by: 'id' }, z.object({ id: z.number() }), (c, t) => pages.push([c, t]));
    expect(r).toMatchObject({ ok: true, data: [{ id: 1 }, { id: 2 }, { id: 3 }] });
    expect(s.calls.map((c) => c.url)).toEqual([
      'https://gitlab.example.com/api/v4/projects?order_by=id&per_page=100',
      'https://gitlab.example.com/api/v4/projects?order_by=id&per_page=100&page=2',
      'https://gitlab.example.com/api/v4/projects?id_after=2&per_page=100',
    ]);
    expect(pages).toEqual([
      [1, 3],
      [2, undefined],
      [3, undefined],
    ]);
    const evil = scripted([ok([{ id: 1 }], { link: '<https://attacker.example/api/v4/projects?page=2>; rel="next"' })]);
    const r2 = await new GitLabClient({ baseUrl: 'https://gitlab.example.com', token: 't', fetch: evil.fetch }).list('/projects', {}, z.object({ id: z.number() }));
    expect(r2).toEqual({ ok: false, status: 0, reason: 'GitLab pointed to another host (attacker.example); not followed' });
    expect(evil.calls).toHaveLength(1);
    expect(nextPage('https://h/api/v4/x?page=1', new Headers({ 'x-next-page': '' }))).toBeUndefined();
  });

  it('an answer that is not as documented is a failure naming the field', async () => {
    const s = scripted([ok([{ id: 'one' }])]);
    const r = await new GitLabClient({ baseUrl: 'https://gitlab.example.com', fetch: s.fetch }).list('/projects', {}, z.object({ id: z.number() }));
    expect(r).toMatchObject({ ok: false, reason: expect.stringMatching(/^GitLab's answer for \/projects is not as documented \(0\.id: /) });
  });
});

describe('GitLabClient bodies: streamed with a byte cap', () => {
  /** A body of `count` chunks of `size` bytes ('a'), counting the chunks pulled and whether it was cancelled. */
  function endless(size: number, count: number): { body: ReadableStream<Uint8Array>; pulled: () => number; cancelled: () => boolean } {
    let pulled = 0;
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled >= count) return controller.close();
        pulled++;
        controller.enqueue(new Uint8Array(size).fill(0x61));
      },
      cancel() {
        cancelled = true;
      },
    });
    return { body, pulled: () => pulled, cancelled: () => cancelled };
  }
  const serve = (body: ReadableStream<Uint8Array>): typeof fetch => (async () => new Response(body, { status: 200 })) as unknown as typeof fetch;

  it('a log past the cap: the bytes up to the cap, truncated, the hash of those raw bytes; nothing read past it', async () => {
    // 16 GB if it were read whole.
    const s = endless(16 * 1024, 1_000_000);
    const c = new GitLabClient({ baseUrl: 'https://gitlab.example', fetch: serve(s.body), sleep: async () => undefined });
    const r = await c.getRaw(c.url('/projects/a%2Fb/jobs/1/trace'), { maxBytes: 40 * 1024, truncate: true });
    const prefix = 'a'.repeat(40 * 1024);
    expect(r).toEqual({ ok: true, body: prefix, headers: expect.any(Headers) as Headers, bytes: 40 * 1024, sha256: createHash('sha256').update(prefix).digest('hex'), truncated: true });
    expect(s.cancelled()).toBe(true);
    expect(s.pulled()).toBeLessThanOrEqual(4);
  });

  it('a body within the cap is read whole and hashed; a JSON answer past the cap is a failure, read no further', async () => {
    const small = endless(1000, 3);
    const c = new GitLabClient({ baseUrl: 'https://gitlab.example', fetch: serve(small.body), sleep: async () => undefined });
    const whole = await c.getRaw(c.url('/projects/a%2Fb/jobs/1/trace'), { maxBytes: 4096, truncate: true });
    expect(whole).toMatchObject({ ok: true, bytes: 3000, truncated: false, sha256: createHash('sha256').update('a'.repeat(3000)).digest('hex') });
    const big = endless(1024, 1_000_000);
    const json = new GitLabClient({ baseUrl: 'https://gitlab.example', fetch: serve(big.body), sleep: async () => undefined, maxResponseBytes: 8 * 1024 });
    expect(await json.get('/projects/a%2Fb', {}, z.object({ id: z.number() }))).toEqual({ ok: false, status: 200, reason: "GitLab's answer for /projects/a%2Fb is larger than 8 KB: not read past it" });
    expect(big.cancelled()).toBe(true);
    expect(big.pulled()).toBeLessThanOrEqual(10);
  });

  it('sizes in MB, KB or bytes', () => {
    expect([sizeText(64 * 1024 * 1024), sizeText(4096), sizeText(1000), sizeText(0)]).toEqual(['64 MB', '4 KB', '1000 bytes', '0 bytes']);
  });
});

describe('parseGitLabSpec', () => {
  it.each([
    ['gitlab:acme', {}, { ok: true, baseUrl: 'https://gitlab.com', group: 'acme' }],
    ['gitlab:acme/platform/ci/', {}, { ok: true, baseUrl: 'https://gitlab.com', group: 'acme/platform/ci' }],
    ['gitlab:acme', { GITLAB_URL: 'https://git.corp.example/' }, { ok: true, baseUrl: 'https://git.corp.example', group: 'acme' }],
    ['gitlab:https://gitlab.example.com/group/sub', {}, { ok: true, baseUrl: 'https://gitlab.example.com', group: 'group/sub' }],
    ['gitlab:https://host.example/gitlab/group', { GITLAB_URL: 'https://host.example/gitlab' }, { ok: true, baseUrl: 'https://host.example/gitlab', group: 'group' }],
    ['gitlab:https://other.example/group', { GITLAB_URL: 'https://host.example/gitlab' }, { ok: true, baseUrl: 'https://other.example', group: 'group' }],
  ])('%s %j', (spec, env, expected) => {
    expect(parseGitLabSpec(spec, env)).toEqual(expected);
  });

  it.each([
    ['gitlab:', 'gitlab: is not a group path (expected gitlab:GROUP or gitlab:GROUP/SUBGROUP)'],
    ['gitlab:a/../b', 'gitlab:a/../b is not a group path (expected gitlab:GROUP or gitlab:GROUP/SUBGROUP)'],
    ['gitlab:https://gitlab.example.com/', 'gitlab:https://gitlab.example.com/ names no group (expected gitlab:https://host/group)'],
    ['gitlab:https://user:pw@gitlab.example.com/g', 'gitlab:https://gitlab.example.com/g must be an http(s) URL of a group, without credentials or query'],
    ['gitlab:ftp://gitlab.example.com/g', 'gitlab:URL must be an http(s) URL of a group, without credentials or query'],
  ])('%s is refused', (spec, message) => {
    expect(parseGitLabSpec(spec, {})).toEqual({ ok: false, message });
  });
});

describe('ciConfigInclude', () => {
  it.each([
    [null, undefined],
    ['', undefined],
    ['.gitlab-ci.yml', undefined],
    ['/ci/main.yml', { local: 'ci/main.yml' }],
    ['ci.yml@group/pipelines', { project: 'group/pipelines', file: 'ci.yml' }],
    ['ci.yml@group/pipelines:refs/heads/stable', { project: 'group/pipelines', file: 'ci.yml', ref: 'refs/heads/stable' }],
    ['https://example.com/ci.yml', { remote: 'https://example.com/ci.yml' }],
  ])('%j', (value, expected) => {
    expect(ciConfigInclude(value)).toEqual(expected);
  });
});

describe('gitlabRepoFiles (the round reader)', () => {
  it('answers known files at once, remembers the others as not-fetched, and reads them between rounds', async () => {
    const content = (text: string) => ok({ file_path: 'x', size: Buffer.byteLength(text), encoding: 'base64', content: Buffer.from(text).toString('base64') });
    const s = scripted([content('echo hi\n'), { status: 404, body: '{"message":"404 File Not Found"}' }, { status: 403, body: '{"message":"403 Forbidden"}' }]);
    const client = new GitLabClient({ baseUrl: 'https://gitlab.example.com', fetch: s.fetch });
    const reader = gitlabRepoFiles(client, 7, 'a'.repeat(40), [{ path: '.gitlab-ci.yml', text: 'x: {}\n' }]);
    expect(reader.read('.gitlab-ci.yml')).toEqual({ text: 'x: {}\n' });
    expect(reader.read('../etc/passwd')).toMatchObject({ code: 'outside-repo' });
    expect(reader.read('run.sh')).toMatchObject({ code: 'not-fetched' });
    reader.read('Makefile');
    reader.read('secret.sh');
    expect(reader.pending()).toEqual(['run.sh', 'Makefile', 'secret.sh']);
    expect(await reader.fetchPending()).toBe(3);
    expect(reader.read('run.sh')).toEqual({ text: 'echo hi\n' });
    expect(reader.read('Makefile')).toEqual({ missing: true });
    expect(reader.read('secret.sh')).toEqual({ code: 'unreadable', message: 'GitLab would not give secret.sh: GitLab answered 403: 403 Forbidden (/projects/7/repository/files/secret.sh)' });
    expect(reader.pending()).toEqual([]);
    expect(await reader.fetchPending()).toBe(0);
    expect(s.calls[0]?.url).toBe(`https://gitlab.example.com/api/v4/projects/7/repository/files/run.sh?ref=${'a'.repeat(40)}`);
  });
});

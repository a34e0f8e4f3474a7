import { createServer, type Server } from 'node:http';
import { POST_TYPE_CHECKLIST, parseChecklistProps } from '@ci-exposure/contract';
import { closeIncident, newIncident, opened } from '../../src/incidents/model';
import { INCIDENT_KINDS, templateFor } from '../../src/incidents/templates';
import { fitReportProps, MAX_REPORT_PROPS_CHARS, reportSummary } from '../../src/mattermost/replies';
import { renderChecklistPost } from '../../src/mattermost/checklist-post';
import { MattermostClient, MattermostError, retryDelay } from '../../src/mattermost/client';
import { signActionContext, signDialogState, verifyActionContext, verifyDialogState } from '../../src/mattermost/signing';
import { parseSlash } from '../../src/mattermost/slash';

describe('slash command parser', () => {
  it.each([
    ['', { name: 'help' }],
    ['help', { name: 'help' }],
    ['start', { name: 'start' }],
    ['start codecov-bash-uploader-2021', { name: 'start', target: 'codecov-bash-uploader-2021' }],
    ['start gha:tj-actions/changed-files@v45 TJ  actions --severity=critical', { name: 'start', target: 'gha:tj-actions/changed-files@v45', title: 'TJ actions', severity: 'critical' }],
    ['scan orb:codecov/codecov', { name: 'scan', target: 'orb:codecov/codecov' }],
    ['STATUS', { name: 'status' }],
    ['check 3', { name: 'check', item: 3 }],
    ['uncheck 10', { name: 'uncheck', item: 10 }],
    ['check 6.2', { name: 'check', item: 6, sub: 2 }],
    ['uncheck 7.12', { name: 'uncheck', item: 7, sub: 12 }],
    ['recheck', { name: 'recheck' }],
    ['assign 2 @Bob.Smith', { name: 'assign', item: 2, username: 'bob.smith' }],
    ['owner bob', { name: 'owner', username: 'bob' }],
    ['update  rotating *all* keys\nnow', { name: 'update', text: 'rotating *all* keys\nnow' }],
    ['timeline', { name: 'timeline' }],
    ['close', { name: 'close' }],
    ['close all good', { name: 'close', summary: 'all good' }],
    ['list', { name: 'list' }],
  ])('%j', (text, command) => {
    expect(parseSlash(text)).toEqual({ ok: true, command });
  });

  it.each([
    ['frobnicate', /unknown command `frobnicate`/],
    ['check', /usage: `check N`/],
    ['check x', /usage/],
    ['assign 2', /usage: `assign N @user`/],
    ['assign 2 @bad!name', /usage/],
    ['owner', /usage/],
    ['update', /usage/],
    ['scan', /usage/],
    ['status now', /takes no arguments/],
    ['recheck now', /takes no arguments/],
    ['check 6.0', /usage: `check N` \(N is the item number; a sub-item: `check N.M`\)/],
    ['check 6.', /usage/],
    ['check .2', /usage/],
    ['`rm -rf`', /unknown command `'rm`/],
  ])('%j is a usage error', (text, error) => {
    const r = parseSlash(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(error);
  });
});

describe('signing', () => {
  const secret = Buffer.alloc(32, 7);
  const other = Buffer.alloc(32, 8);

  it('a context verifies with its secret only, and any changed field breaks it', () => {
    const ctx = signActionContext(secret, { incident: 'inc1', milestone: 'notified', op: 'check', channel: 'chan1' });
    expect(verifyActionContext(secret, ctx)).toEqual({ ok: true, value: ctx });
    expect(verifyActionContext(other, ctx).ok).toBe(false);
    expect(verifyActionContext(secret, { ...ctx, milestone: 'secrets-rotated' }).ok).toBe(false);
    expect(verifyActionContext(secret, { ...ctx, incident: 'inc2' }).ok).toBe(false);
    expect(verifyActionContext(secret, { ...ctx, op: 'uncheck' }).ok).toBe(false);
    expect(verifyActionContext(secret, { ...ctx, channel: 'chan2' }).ok).toBe(false);
    expect(verifyActionContext(secret, { ...ctx, op: 'toggle' }).ok).toBe(false);
    expect(verifyActionContext(secret, { v: 1, incident: 'inc1', milestone: 'notified', op: 'toggle', sig: ctx.sig })).toEqual({ ok: false, reason: expect.stringMatching(/older version of the checklist/) });
    expect(verifyActionContext(secret, { ...ctx, sig: 'zz' }).ok).toBe(false);
    expect(verifyActionContext(secret, undefined).ok).toBe(false);
    // Field boundaries are unambiguous.
    expect(verifyActionContext(secret, { ...signActionContext(secret, { incident: 'inc', milestone: '1notified', op: 'check', channel: 'c' }), incident: 'inc1', milestone: 'notified' }).ok).toBe(false);
  });

  it('dialog state: signed, bound to the user, expires', () => {
    const state = signDialogState(secret, 'u1', 't1', 'c1', 1000);
    expect(verifyDialogState(secret, state, 2000)).toMatchObject({ ok: true, value: { user: 'u1', team: 't1', channel: 'c1' } });
    expect(verifyDialogState(secret, state.replace('"u1"', '"u2"'), 2000).ok).toBe(false);
    expect(verifyDialogState(secret, state, 1000 + 31 * 60_000)).toEqual({ ok: false, reason: expect.stringMatching(/expired/) });
    expect(verifyDialogState(secret, 'not json', 2000).ok).toBe(false);
  });
});

describe('checklist post', () => {
  it.each(INCIDENT_KINDS)('%s: fits 5.37 props (varchar 8000) with the longest name, every action with integration', (kind) => {
    const { incident } = newIncident({
      id: 'f'.repeat(26),
      teamId: 't',
      name: 'N'.repeat(200),
      kind,
      target: { type: 'component', spec: `gha:${'o'.repeat(100)}/${'r'.repeat(100)}@v1` },
      severity: 'critical',
      startedBy: { userId: 'u'.repeat(26), username: 'u'.repeat(22) },
      template: templateFor(kind),
      now: 0,
    });
    const post = renderChecklistPost(opened(incident, { id: 'c', name: 'inc-x' }, 'p'), { actionUrl: 'https://bridge.example.com:8787/actions', secret: Buffer.alloc(32), now: 0 });
    expect(post.type).toBe(POST_TYPE_CHECKLIST);
    expect(JSON.stringify(post.props).length).toBeLessThan(8000);
    expect(parseChecklistProps(post.props).ok).toBe(true);
    const attachments = post.props.attachments as Array<{ actions: Array<{ id: string; integration?: { url: string; context: unknown } }> }>;
    // One button per milestone, then Re-check.
    expect(attachments[0]?.actions).toHaveLength(incident.milestones.length + 1);
    for (const [i, a] of (attachments[0]?.actions ?? []).entries()) {
      expect(a.id).toMatch(/^[A-Za-z0-9]+$/);
      // Every button sets a state (not done yet: "check") and is bound to the incident's channel.
      const op = i < incident.milestones.length ? 'check' : 'recheck';
      expect(verifyActionContext(Buffer.alloc(32), a.integration?.context)).toMatchObject({ ok: true, value: { op, channel: 'c' } });
    }
  });

  it('a closed checklist offers no buttons and no longer tells people to use them', () => {
    const { incident } = newIncident({
      id: 'a'.repeat(26),
      teamId: 't',
      name: 'Codecov',
      kind: 'script',
      target: { type: 'indicator', id: 'codecov-bash-uploader-2021' },
      severity: 'high',
      startedBy: { userId: 'u'.repeat(26), username: 'alice' },
      template: templateFor('script'),
      now: 0,
    });
    const open = opened(incident, { id: 'c', name: 'inc-x' }, 'p');
    const options = { actionUrl: 'https://bridge.example.com/actions', secret: Buffer.alloc(32), now: 0 };
    expect(renderChecklistPost(open, options).message).toContain('Use the buttons below');
    const closed = closeIncident(open, 'done', { userId: 'u'.repeat(26), username: 'alice' }, 60_000);
    if (!closed.ok) throw new Error(closed.reason);
    const post = renderChecklistPost(closed.incident, options);
    expect(post.message).not.toContain('Use the buttons below');
    expect(post.message).toContain('**Closed**');
  });

  it('the report post fallback names file:line for every row, escaped', () => {
    const row = { repo: 'acme/web', file: '.github/workflows/ci.yml', line: 12, platform: 'github-actions' as const, workflow: 'CI', job: '@channel [x](http://evil)', verdict: 'high' as const, secrets: ['NPM_TOKEN'], tamper: [], chain: [], reasons: [], advice: [] };
    const summary = { repos: 1, jobs: 1, affected: 1, unresolved: 0, errors: 0, byVerdict: { critical: 0, high: 1, medium: 0, low: 0 } };
    const text = reportSummary({
      indicator: { id: 'i', title: 'T' },
      summary,
      markdown: '',
      json: '{}',
      reportProps: { version: 1, kind: 'report', indicator: { id: 'i', title: 'T' }, summary, rows: [row], totalRows: 1 },
    });
    expect(text).toContain('| verdict | repository | file:line | job | secrets |');
    expect(text).toContain('.github/workflows/ci.yml:12');
    expect(text).not.toContain('@channel');
    expect(text).not.toContain('](http://evil)');
  });

  it('report props are trimmed to fit', () => {
    const row = { repo: 'r'.repeat(100), file: 'f', line: 1, platform: 'github-actions' as const, workflow: 'w', job: 'j', verdict: 'high' as const, secrets: ['S'.repeat(50)], tamper: [], chain: [], reasons: ['x'.repeat(200)], advice: [] };
    const summary = { repos: 1, jobs: 1, affected: 40, unresolved: 0, errors: 0, byVerdict: { critical: 0, high: 40, medium: 0, low: 0 } };
    const fitted = fitReportProps({ version: 1, kind: 'report', indicator: { id: 'i', title: 't' }, summary, rows: Array.from({ length: 40 }, () => row), totalRows: 40 });
    expect(JSON.stringify({ cix: fitted }).length).toBeLessThanOrEqual(MAX_REPORT_PROPS_CHARS);
    expect(fitted.rows.length).toBeGreaterThan(0);
    expect(fitted.totalRows).toBe(40);
  });
});

describe('REST client retries', () => {
  let server: Server;
  let url: string;
  let answers: Array<{ status: number; headers?: Record<string, string>; body: string }>;
  let seen: Array<{ auth: string | undefined; at: number }>;
  beforeEach(async () => {
    answers = [];
    seen = [];
    server = createServer((req, res) => {
      seen.push({ auth: req.headers.authorization, at: Date.now() });
      const a = answers.shift() ?? { status: 200, body: '{"id":"u1","username":"bot"}' };
      res.writeHead(a.status, { 'Content-Type': a.status === 429 ? 'text/plain' : 'application/json', ...a.headers });
      res.end(a.body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterEach(() => new Promise<void>((r) => server.close(() => r())));

  it('honours X-Ratelimit-Reset on 429 and retries 5xx, with the bearer token', async () => {
    answers.push({ status: 429, headers: { 'X-Ratelimit-Reset': '1' }, body: 'limit exceeded' });
    answers.push({ status: 503, body: '{"id":"x","message":"busy"}' });
    const client = new MattermostClient({ siteUrl: url, token: 'tok', retry: { attempts: 4, baseDelayMs: 10, maxDelayMs: 5000 } });
    const me = await client.getMe();
    expect(me.username).toBe('bot');
    expect(seen).toHaveLength(3);
    expect((seen[1]?.at ?? 0) - (seen[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
    expect(seen.every((s) => /^bearer tok$/i.test(s.auth ?? ''))).toBe(true);
  });

  it('gives up after the attempts with a typed error that carries the Mattermost error id, not the token', async () => {
    for (let i = 0; i < 3; i++) answers.push({ status: 500, body: '{"id":"app.post.save.app_error","message":"Unable to save the Post."}' });
    const client = new MattermostClient({ siteUrl: url, token: 'secret-token', retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 } });
    const err = await client.getMe().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MattermostError);
    expect(err).toMatchObject({ status: 500, id: 'app.post.save.app_error' });
    expect(String((err as Error).message)).not.toContain('secret-token');
  });

  it('does not retry a 4xx', async () => {
    answers.push({ status: 400, body: '{"id":"store.sql_channel.save_channel.exists.app_error","message":"exists"}' });
    const client = new MattermostClient({ siteUrl: url, token: 't', retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 } });
    await expect(client.getMe()).rejects.toMatchObject({ status: 400, id: 'store.sql_channel.save_channel.exists.app_error' });
    expect(seen).toHaveLength(1);
  });

  it('retryDelay prefers Retry-After, caps it, else backs off exponentially', () => {
    const policy = { attempts: 5, baseDelayMs: 100, maxDelayMs: 2000 };
    expect(retryDelay(1, new Headers({ 'Retry-After': '1' }), policy)).toBe(1000);
    expect(retryDelay(1, new Headers({ 'X-Ratelimit-Reset': '60' }), policy)).toBe(2000);
    const d3 = retryDelay(3, undefined, policy);
    expect(d3).toBeGreaterThanOrEqual(400);
    expect(d3).toBeLessThan(500);
  });
});

/**
 * GitLab evidence against the simulator: runs in the window (ran / not-run / unavailable), CI/CD variable
 * keys of a project and its ancestor groups, with no variable VALUE anywhere in what comes out.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ScanResult } from '../../core/model';
import { renderJson } from '../../core/report';
import { FIELDS, PARAMS } from '../../../test/simulators/gitlab/contract';
import { startGitLabSimulator, type GitLabSimulator } from '../../../test/simulators/gitlab/server';
import { GitLabClient } from './client';
import { ancestorGroups, GitLabEvidence, gitlabJobNameMatches, secretRotatedSince, variableInventory } from './evidence';

const TOKEN = 'glpat-evidence-token';
const START = Date.parse('2025-03-14T10:00:00Z');
const END = Date.parse('2025-03-14T12:00:00Z');
const WINDOW = { start: START, end: END };
const VALUES = ['AKIA-SEEDED-PROJECT-VALUE-1', 'npm_SEEDED_GROUP_VALUE_2', 'SEEDED-PARENT-VALUE-3'];

const BLOB = Buffer.from(Buffer.from('{"NPM_TOKEN":"npm_big_log_value"}').toString('base64')).toString('base64');
const FILLER = Array.from({ length: 400 }, (_, i) => `line ${i} ${'x'.repeat(40)}`).join('\n');
/** About 20 KB each, read up to a 4 KB cap. */
const BIG_TRACE = `Running with gitlab-runner 17.0.0\n$ upload ${BLOB}\n${FILLER}\n`;
const BIG_CLEAN = `Running with gitlab-runner 17.0.0\n${FILLER}\n$ upload ${BLOB}\n`;

let sim: GitLabSimulator;

beforeAll(async () => {
  sim = await startGitLabSimulator(
    {
      groups: [
        { path: 'acme', variables: [{ key: 'ORG_DEPLOY_KEY', value: VALUES[2] as string, protected: true }] },
        { path: 'acme/web', variables: [{ key: 'NPM_TOKEN', value: VALUES[1] as string, masked: true, environmentScope: 'production' }] },
      ],
      projects: [
        {
          path: 'acme/web/app',
          commits: [{ date: '2025-01-01T00:00:00Z', files: { '.gitlab-ci.yml': 'test:\n  script: make\n' } }],
          variables: [{ key: 'AWS_SECRET_ACCESS_KEY', value: VALUES[0] as string, masked: true, protected: true }],
          pipelines: [
            { createdAt: '2025-03-01T09:00:00Z', jobs: [{ name: 'coverage', stage: 'test' }] },
            {
              createdAt: '2025-03-14T10:30:00Z',
              updatedAt: '2025-03-14T10:40:00Z',
              jobs: [
                { name: 'coverage', stage: 'test', status: 'failed', startedAt: '2025-03-14T10:31:00Z', retried: true },
                { name: 'coverage', stage: 'test', startedAt: '2025-03-14T10:35:00Z' },
                { name: 'coverage', stage: 'deploy', startedAt: '2025-03-14T10:36:00Z' },
                { name: 'lint', stage: 'test', status: 'manual', startedAt: null },
              ],
            },
            // A child pipeline (source parent_pipeline): listed only when asked for.
            { createdAt: '2025-03-14T11:00:00Z', source: 'parent_pipeline', jobs: [{ name: 'rspec 1/2', stage: 'test', startedAt: '2025-03-14T11:01:00Z' }] },
            // Updated inside the slack after the window, with a job started inside the window.
            { createdAt: '2025-03-14T11:50:00Z', updatedAt: '2025-03-14T13:30:00Z', jobs: [{ name: 'coverage', stage: 'test', startedAt: '2025-03-14T11:55:00Z' }] },
            // After the window: not counted.
            { createdAt: '2025-03-14T12:30:00Z', jobs: [{ name: 'coverage', stage: 'test', startedAt: '2025-03-14T12:31:00Z' }] },
          ],
        },
        // History does not reach before the window (a pipeline only after it): "did not run" cannot be told.
        { path: 'acme/new', commits: [{ date: '2025-03-20T00:00:00Z', files: {} }], pipelines: [{ createdAt: '2025-03-20T00:00:00Z', jobs: [{ name: 'coverage', stage: 'test' }] }] },
        { path: 'acme/locked', commits: [], defaultBranch: null, forbidden: true },
        // Logs longer than the reader's cap (BIG_TRACE, BIG_CLEAN): read up to it, not past it.
        {
          path: 'acme/big',
          commits: [],
          defaultBranch: null,
          pipelines: [
            { createdAt: '2025-03-01T09:00:00Z', jobs: [{ name: 'coverage', stage: 'test' }] },
            {
              createdAt: '2025-03-14T10:30:00Z',
              jobs: [
                { name: 'payload', stage: 'test', startedAt: '2025-03-14T10:31:00Z', trace: BIG_TRACE },
                { name: 'clean', stage: 'test', startedAt: '2025-03-14T10:31:00Z', trace: BIG_CLEAN },
              ],
            },
          ],
        },
        { path: 'solo/app', commits: [] , defaultBranch: null, variables: [{ key: 'ONLY_KEY', value: 'SOLO-VALUE-4' }] },
      ],
    },
    { tokens: [TOKEN] },
  );
});

afterAll(async () => {
  await sim.close();
});

const client = (token: string | null = TOKEN): GitLabClient => new GitLabClient({ baseUrl: sim.url, ...(token === null ? {} : { token }), sleep: async () => undefined });

describe('GitLab run evidence', () => {
  it('counts every attempt of the job that started inside the window, with its URLs', async () => {
    const ev = new GitLabEvidence(client(), true);
    const runs = await ev.jobRuns({ project: 'acme/web/app', jobName: 'coverage', stage: 'test', window: WINDOW });
    expect(runs).toMatchObject({ state: 'ran', count: 3, first: '2025-03-14T10:31:00.000Z', last: '2025-03-14T11:55:00.000Z', resolved: [], logs: [] });
    expect(runs.urls).toHaveLength(3);
    expect(runs.urls.every((u) => /^https:\/\/gitlab\.example\/acme\/web\/app\/-\/jobs\/\d+$/.test(u))).toBe(true);
    expect(runs.resolution).toBeUndefined();
    expect(runs.resolutionReason).toMatch(/GitLab has no step-level data/);
    const pipelineCalls = sim.requests.filter((r) => r.path.endsWith('/pipelines'));
    expect(pipelineCalls.map((r) => r.query)).toEqual(
      expect.arrayContaining([
        { updated_after: '2025-03-14T10:00:00.000Z', updated_before: '2025-03-15T12:00:00.000Z', per_page: '100' },
        { updated_after: '2025-03-14T10:00:00.000Z', updated_before: '2025-03-15T12:00:00.000Z', source: 'parent_pipeline', per_page: '100' },
      ]),
    );
    expect(sim.requests.filter((r) => r.path.endsWith('/jobs')).every((r) => r.query.include_retried === 'true' && r.status === 200)).toBe(true);
  });

  it('the stage narrows the match; a child pipeline parallel instance matches its job', async () => {
    const ev = new GitLabEvidence(client(), true);
    expect(await ev.jobRuns({ project: 'acme/web/app', jobName: 'coverage', stage: 'deploy', window: WINDOW })).toMatchObject({ state: 'ran', count: 1, first: '2025-03-14T10:36:00.000Z' });
    expect(await ev.jobRuns({ project: 'acme/web/app', jobName: 'rspec', window: WINDOW })).toMatchObject({ state: 'ran', count: 1, first: '2025-03-14T11:01:00.000Z' });
  });

  it('a job that never started, or is not there, did not run — the history reaches before the window', async () => {
    const ev = new GitLabEvidence(client(), true);
    expect(await ev.jobRuns({ project: 'acme/web/app', jobName: 'lint', window: WINDOW })).toEqual({ state: 'not-run', count: 0, urls: [], resolved: [], logs: [] });
    expect(await ev.jobRuns({ project: 'acme/web/app', jobName: 'deploy', window: WINDOW })).toEqual({ state: 'not-run', count: 0, urls: [], resolved: [], logs: [] });
  });

  it('no pipeline older than the window: unavailable, never not-run', async () => {
    const ev = new GitLabEvidence(client(), true);
    const runs = await ev.jobRuns({ project: 'acme/new', jobName: 'coverage', window: WINDOW });
    expect(runs).toEqual({ state: 'unavailable', count: 0, urls: [], resolved: [], logs: [], reason: 'GitLab lists no pipeline of acme/new from before the window: its history may have been deleted or expired, so "did not run" cannot be told' });
  });

  it('no token, a refusal, a bad token: unavailable with the reason, without the token', async () => {
    expect(await new GitLabEvidence(client(null), false).jobRuns({ project: 'acme/web/app', jobName: 'coverage', window: WINDOW })).toEqual({
      state: 'unavailable',
      count: 0,
      urls: [],
      resolved: [],
      logs: [],
      reason: 'no GitLab token (GITLAB_TOKEN): run history needs read_api',
    });
    const locked = await new GitLabEvidence(client(), true).jobRuns({ project: 'acme/locked', jobName: 'coverage', window: WINDOW });
    expect(locked).toMatchObject({ state: 'unavailable', reason: 'run history unavailable: GitLab answered 403: 403 Forbidden (/projects/acme%2Flocked/pipelines)' });
    const bad = await new GitLabEvidence(client('glpat-wrong-token'), true).jobRuns({ project: 'acme/web/app', jobName: 'coverage', window: WINDOW });
    expect(bad.state).toBe('unavailable');
    expect(bad.reason).toMatch(/GitLab answered 401: 401 Unauthorized/);
    expect(JSON.stringify(bad)).not.toContain('glpat-wrong-token');
  });

  it('job names: equal, parallel and matrix instances only', () => {
    expect(gitlabJobNameMatches('test', 'test')).toBe(true);
    expect(gitlabJobNameMatches('test', 'test 2/5')).toBe(true);
    expect(gitlabJobNameMatches('test', 'test: [ruby, 3.2]')).toBe(true);
    expect(gitlabJobNameMatches('test', 'test-e2e')).toBe(false);
    expect(gitlabJobNameMatches('test', 'test 2')).toBe(false);
    expect(gitlabJobNameMatches('test', 'unit test')).toBe(false);
  });
});

describe('GitLab job logs: streamed up to a cap', () => {
  it('a log past the cap is read and hashed up to it, not past it, and says so; a payload seen is seen', async () => {
    const cap = 4096;
    const ev = new GitLabEvidence(client(), true, { maxTraceBytes: cap, now: () => Date.parse('2025-04-01T00:00:00Z') });
    const runs = await ev.jobRuns({ project: 'acme/big', jobName: 'payload', window: WINDOW, readLogs: 5 });
    expect(runs).toMatchObject({ state: 'ran', count: 1, payloadInLog: true });
    const [log] = runs.logs;
    expect(log).toEqual({
      jobId: expect.any(Number) as number,
      url: expect.stringContaining('/acme/big/-/jobs/') as string,
      readAt: '2025-04-01T00:00:00.000Z',
      sha256: createHash('sha256').update(Buffer.from(BIG_TRACE).subarray(0, cap)).digest('hex'),
      bytes: cap,
      lines: [],
      payloadLines: [{ line: 2, length: BLOB.length }],
      truncated: true,
    });
    expect(runs.resolutionReason).toBe(
      `GitLab logs do not say which commit an include or component resolved to (it is read when the pipeline is created); the log of job ${log?.jobId ?? 0} is larger than 4 KB: not read past 4 KB (its hash is of the first 4 KB)`,
    );
  });

  it('a cut log that shows no payload does not say "no payload" (payloadInLog not set)', async () => {
    const ev = new GitLabEvidence(client(), true, { maxTraceBytes: 4096 });
    const runs = await ev.jobRuns({ project: 'acme/big', jobName: 'clean', window: WINDOW, readLogs: 5 });
    expect(runs.state).toBe('ran');
    expect(runs.logs.map((l) => [l.bytes, l.truncated, l.payloadLines])).toEqual([[4096, true, []]]);
    expect(runs).not.toHaveProperty('payloadInLog');
    // Read whole (the default 64 MB cap), the payload at its end is seen.
    const whole = await new GitLabEvidence(client(), true).jobRuns({ project: 'acme/big', jobName: 'clean', window: WINDOW, readLogs: 5 });
    expect(whole.logs.map((l) => [l.bytes, l.truncated, l.payloadLines.map((p) => p.line)])).toEqual([[Buffer.byteLength(BIG_CLEAN), undefined, [402]]]);
    expect(whole.payloadInLog).toBe(true);
    expect(JSON.stringify([runs, whole])).not.toContain(BLOB);
  });
});

describe('GitLab CI/CD variables: keys only', () => {
  it('lists the project and every ancestor group, nearest first', async () => {
    const inv = await variableInventory(client(), 'acme/web/app');
    expect(inv).toEqual({
      project: 'acme/web/app',
      variables: [
        { key: 'AWS_SECRET_ACCESS_KEY', scope: 'project', where: 'acme/web/app', variableType: 'env_var', protected: true, masked: true, hidden: false, environmentScope: '*' },
        { key: 'NPM_TOKEN', scope: 'group', where: 'acme/web', variableType: 'env_var', protected: false, masked: true, hidden: false, environmentScope: 'production' },
        { key: 'ORG_DEPLOY_KEY', scope: 'group', where: 'acme', variableType: 'env_var', protected: true, masked: false, hidden: false, environmentScope: '*' },
      ],
      unavailable: [],
    });
    expect(ancestorGroups('a/b/c')).toEqual(['a/b/c', 'a/b', 'a']);
  });

  it('a group the token cannot read, or a project refused, is named in unavailable', async () => {
    const inv = await variableInventory(client(), 'acme/locked');
    expect(inv.variables).toEqual([]);
    expect(inv.unavailable).toEqual(['variables of project acme/locked: GitLab answered 403: 403 Forbidden (/projects/acme%2Flocked/variables)', 'groups of project acme/locked: GitLab answered 403: 403 Forbidden (/projects/acme%2Flocked)']);
  });

  it('rotation is always unknown, and says where the variable is kept', async () => {
    const inv = await variableInventory(client(), 'acme/web/app');
    expect(secretRotatedSince('NPM_TOKEN', inv)).toEqual({
      state: 'unknown',
      reason: 'GitLab keeps no timestamp for CI/CD variables: whether it was rotated must be checked by a person (NPM_TOKEN is kept in group acme/web (environment production))',
    });
    expect(secretRotatedSince('MISSING', inv)).toEqual({ state: 'unknown', reason: 'GitLab keeps no timestamp for CI/CD variables: whether it was rotated must be checked by a person' });
  });

  it('no seeded value reaches the inventory, the run evidence, a JSON report, or an error text', async () => {
    const c = client();
    const inv = await variableInventory(c, 'acme/web/app');
    const solo = await variableInventory(c, 'solo/app');
    expect(solo.variables.map((v) => v.key)).toEqual(['ONLY_KEY']);
    const runs = await new GitLabEvidence(c, true).jobRuns({ project: 'acme/web/app', jobName: 'coverage', window: WINDOW });
    const result: ScanResult = {
      indicator: { id: 'test', title: 'test' },
      summary: { repos: 1, files: 1, jobs: 1, affected: 1, unresolved: 0, errors: 0, ran: 1 },
      findings: [
        {
          repo: 'acme/web/app',
          file: '.gitlab-ci.yml',
          line: 1,
          platform: 'gitlab-ci',
          workflow: 'pipeline',
          job: 'coverage',
          jobId: 'coverage',
          jobFile: '.gitlab-ci.yml',
          affected: true,
          chain: [],
          exposure: { contexts: [], secrets: inv.variables.map((v) => v.key), permissions: 'CI_JOB_TOKEN', oidc: false, selfHosted: false, triggers: ['push'] },
          tamper: [],
          verdict: 'high',
          ruleIds: [],
          reasons: [secretRotatedSince('NPM_TOKEN', inv).state],
          advice: [],
          indicator: 'test',
          runs,
        },
      ],
      unresolved: [],
      errors: [],
    };
    // A malformed variable answer (a variable_type GitLab does not send) fails the parse: its reason holds no value.
    const scripted = new GitLabClient({
      baseUrl: 'https://gitlab.example.com',
      token: TOKEN,
      fetch: (async () => new Response(JSON.stringify([{ key: 'K', value: 'SCRIPTED-VALUE-5', variable_type: 7, protected: false, masked: false, environment_scope: '*' }]), { status: 200 })) as typeof fetch,
    });
    const broken = await variableInventory(scripted, 'x/y');
    expect(broken.unavailable[0]).toMatch(/^variables of project x\/y: GitLab's answer for \/projects\/x%2Fy\/variables is not as documented/);
    const everything = [JSON.stringify(inv), JSON.stringify(solo), JSON.stringify(runs), renderJson(result), JSON.stringify(broken)].join('\n');
    for (const value of [...VALUES, 'SOLO-VALUE-4', 'SCRIPTED-VALUE-5', TOKEN]) expect(everything).not.toContain(value);
    expect(everything).toContain('AWS_SECRET_ACCESS_KEY');
  });
});

describe('GitLab pipelines contract (platform-apis reference)', () => {
  const reference = join(resolve(__dirname, '..', '..', '..', '..'), '..', 'shared', 'platform-apis', 'gitlab', 'README.md');
  const present = existsSync(reference);
  if (!present) process.stderr.write('gitlab evidence: ../shared/platform-apis/gitlab/README.md is absent; the pipelines contract comparison is skipped\n');
  const maybe = present ? it : it.skip;
  const names = (s: string): string[] => s.replace(/\{[^}]*\}/g, '').replace(/\[\]/g, '').split(',').map((x) => x.trim()).filter((x) => x !== '');

  maybe('pipelines and pipeline jobs: parameters and fields as documented', () => {
    const text = readFileSync(reference, 'utf8');
    const pipelines = /plus `([^`]+)` — https:\/\/docs\.gitlab\.com\/ee\/api\/pipelines/.exec(text)?.[1] ?? '';
    const declared = [...new URLSearchParams(/`GET \/projects\/:id\/pipelines\?([^`]+)`/.exec(text)?.[1] ?? '').keys(), 'created_after', 'created_before', ...names(pipelines.replace(/\([^)]*\)/g, '')), 'page', 'per_page'];
    expect([...declared].sort()).toEqual([...PARAMS.pipelines].sort());
    const fields = /Response `\[\{(id, iid[^`]*)\}\]`/.exec(text)?.[1] ?? '';
    expect(names(fields)).toEqual([...FIELDS.pipeline]);
    const jobs = /Response `\[\{(id, name, stage[^`]*)\}\]`/.exec(text)?.[1] ?? '';
    expect(names(jobs)).toEqual([...FIELDS.job]);
    expect(text).toContain('/pipelines/:pipeline_id/jobs?scope[]=…&include_retried=true');
  });

  it('the simulator answers exactly the documented fields', async () => {
    const c = client();
    const list = await c.getRaw(c.url('/projects/acme%2Fweb%2Fapp/pipelines', { updated_after: '2025-03-14T10:00:00Z' }));
    if (!list.ok) throw new Error(list.reason);
    const first = (JSON.parse(list.body) as Array<{ id: number }>)[0];
    expect(Object.keys(first ?? {})).toEqual([...FIELDS.pipeline]);
    const jobs = await c.getRaw(c.url(`/projects/acme%2Fweb%2Fapp/pipelines/${first?.id ?? 0}/jobs`, {}));
    if (!jobs.ok) throw new Error(jobs.reason);
    expect(Object.keys((JSON.parse(jobs.body) as object[])[0] ?? {})).toEqual([...FIELDS.job]);
    const wrong = await c.getRaw(c.url('/projects/acme%2Fweb%2Fapp/pipelines', { updated_since: '2025-03-14T10:00:00Z' }));
    expect(wrong).toMatchObject({ ok: false, status: 400 });
  });
});

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GitHubSimulator } from '../../../test/simulators/github/server';
import { GitHubClient } from './client';
import { GitHubEvidence, isDoubleBase64, LogLineScanner, jobNameMatches, jobPathMatches, scanLogText, secretInventory, secretRotatedSince, workflowTokenDefault, type JobRunQuery } from './evidence';

const TOKEN = 'ghp_simulated_evidence_token';
const MALICIOUS = '0e58ed8671d6b60d0890c21b07f8835ace038e67';
const CLEAN = 'a5b3abf1c4f3b8d6a0e2f5c7d9e1f3a5b7c9d1e3';
const START = Date.parse('2025-03-14T00:00:00Z');
const END = Date.parse('2025-03-15T23:59:59Z');

let sim: GitHubSimulator;

function client(): GitHubClient {
  return new GitHubClient({ apiUrl: sim.apiUrl, token: TOKEN, serverBackoffMs: 1, secondaryBackoffMs: 1 });
}

function setupLog(sha: string, extra: string[] = []): string {
  return [
    '2025-03-14T10:00:01.0000000Z Current runner version: \'2.322.0\'',
    '2025-03-14T10:00:02.0000000Z Prepare all required actions',
    "2025-03-14T10:00:02.1000000Z Download action repository 'actions/checkout@v4' (SHA:11bd71901bbe5b1630ceea73d27597364c9af683)",
    `2025-03-14T10:00:02.2000000Z Download action repository 'tj-actions/changed-files@v44' (SHA:${sha})`,
    '2025-03-14T10:00:03.0000000Z Complete job name: build',
    ...extra,
    '',
  ].join('\n');
}

/** What the tj-actions payload printed: base64 of base64 of the runner's memory dump. */
const PAYLOAD = Buffer.from(Buffer.from('{"GITHUB_TOKEN":{"value":"ghs_xxx","isSecret":true},"NPM_TOKEN":{"value":"npm_yyy","isSecret":true}}').toString('base64')).toString('base64');

const query = (over: Partial<JobRunQuery> = {}): JobRunQuery => ({
  repo: 'acme/web',
  workflowPath: '.github/workflows/ci.yml',
  jobName: 'build',
  window: { start: START, end: END },
  actions: ['tj-actions/changed-files'],
  maliciousShas: [MALICIOUS],
  ...over,
});

beforeEach(async () => {
  sim = await new GitHubSimulator({ token: TOKEN }).start();
  sim.addRepo({ full: 'acme/web', visibility: 'PUBLIC', commits: [{ date: '2025-01-01T00:00:00Z', files: { 'README.md': 'x' } }] });
  sim.addRepo({ full: 'acme/api', visibility: 'PRIVATE', commits: [{ date: '2025-01-01T00:00:00Z', files: { 'README.md': 'x' } }] });
});

afterEach(async () => {
  // Every REST answer conformed to api.github.com.json; signed log URLs never got the token.
  expect(sim.violations).toEqual([]);
  expect(sim.actions.logRequestsWithCredentials).toEqual([]);
  expect(sim.rejected).toEqual([]);
  await sim.stop();
});

describe('pure parts', () => {
  it('matches job names, matrix instances and expression names', () => {
    expect(jobNameMatches('build', 'build')).toBe(true);
    expect(jobNameMatches('build', 'build (ubuntu-latest, 20)')).toBe(true);
    expect(jobNameMatches('build', 'build-docs')).toBe(false);
    expect(jobNameMatches('build', 'ok-build')).toBe(false);
    expect(jobNameMatches('test ${{ matrix.os }}', 'test ubuntu-latest')).toBe(true);
    expect(jobNameMatches('test ${{ matrix.os }}', 'lint ubuntu-latest')).toBe(false);
  });

  it('matches a job by its place in the run: called through callers (with or without a matrix), or calling a workflow', () => {
    const called = { jobName: 'changed', callers: ['call'] };
    expect(jobPathMatches(called, 'call / changed')).toBe(true);
    expect(jobPathMatches(called, 'call (ubuntu-latest, 20) / changed')).toBe(true);
    expect(jobPathMatches(called, 'call (ubuntu-latest, 20) / changed (a)')).toBe(true);
    expect(jobPathMatches(called, 'changed')).toBe(false);
    expect(jobPathMatches(called, 'call-other / changed')).toBe(false);
    expect(jobPathMatches(called, 'call / changed-files')).toBe(false);
    expect(jobPathMatches(called, 'outer / call / changed')).toBe(false);
    expect(jobPathMatches({ jobName: 'changed', callers: ['outer', 'call'] }, 'outer (x) / call (y, z) / changed')).toBe(true);
    expect(jobPathMatches({ jobName: 'changed', callers: ['deploy ${{ matrix.env }}'] }, 'deploy prod / changed')).toBe(true);
    const calling = { jobName: 'call', callsWorkflow: true };
    expect(jobPathMatches(calling, 'call / changed')).toBe(true);
    expect(jobPathMatches(calling, 'call (ubuntu-latest) / changed')).toBe(true);
    expect(jobPathMatches(calling, 'call / inner / changed')).toBe(true);
    expect(jobPathMatches(calling, 'call')).toBe(false);
    expect(jobPathMatches(calling, 'call (ubuntu-latest)')).toBe(false);
    expect(jobPathMatches({ jobName: 'build' }, 'build / x')).toBe(false);
  });

  it('finds download lines and double-base64 blobs, keeping the blob out', () => {
    const kept = scanLogText(setupLog(MALICIOUS, [`2025-03-14T10:00:09.0000000Z ${PAYLOAD}`, `2025-03-14T10:00:10.0000000Z ${Buffer.from('plain text, once encoded, not twice').toString('base64')}`]));
    expect(kept.lines.map((l) => l.line)).toEqual([3, 4]);
    expect(kept.payloadLines).toEqual([{ line: 6, length: PAYLOAD.length }]);
    expect(JSON.stringify(kept)).not.toContain(PAYLOAD);
    expect(isDoubleBase64(PAYLOAD)).toBe(true);
    expect(isDoubleBase64('abc')).toBe(false);
  });
});

describe('run history inside the window (simulator)', () => {
  it('ran the malicious commit: matrix jobs and re-run attempts counted, log hashed, payload seen, lines kept', async () => {
    const maliciousLog = setupLog(MALICIOUS, [`2025-03-14T10:00:09.0000000Z ${PAYLOAD}`]);
    const a = sim.actions.addRun('acme/web', {
      path: '.github/workflows/ci.yml',
      createdAt: '2025-03-14T10:00:00Z',
      jobs: [
        { name: 'build (ubuntu-latest, 20)', log: maliciousLog },
        { name: 'build (ubuntu-latest, 22)', log: setupLog(CLEAN) },
        { name: 'lint', log: setupLog(MALICIOUS) },
      ],
    });
    sim.actions.addRun('acme/web', {
      path: '.github/workflows/ci.yml',
      createdAt: '2025-03-15T08:00:00Z',
      jobs: [
        { name: 'build', runAttempt: 1, log: setupLog(CLEAN) },
        { name: 'build', runAttempt: 2, startedAt: '2025-03-15T09:00:00Z', log: setupLog(CLEAN) },
      ],
    });
    // Outside the window, and another workflow file: not counted.
    sim.actions.addRun('acme/web', { path: '.github/workflows/ci.yml', createdAt: '2025-03-16T08:00:00Z', jobs: [{ name: 'build', log: setupLog(MALICIOUS) }] });
    sim.actions.addRun('acme/web', { path: '.github/workflows/release.yml', createdAt: '2025-03-14T12:00:00Z', jobs: [{ name: 'build', log: setupLog(MALICIOUS) }] });

    const ev = await new GitHubEvidence(client(), true, { now: () => Date.parse('2026-11-30T12:00:00Z') }).jobRuns(query());
    expect(ev).toMatchObject({
      state: 'ran',
      count: 4,
      first: '2025-03-14T10:00:10.000Z',
      last: '2025-03-15T09:00:00.000Z',
      resolution: 'malicious',
      payloadInLog: true,
    });
    expect(ev.resolutionReason).toBeUndefined();
    expect(ev.urls).toHaveLength(4);
    expect(ev.urls[3]).toBe(`https://github.com/acme/web/actions/runs/${a.runId}/job/${a.jobIds[0] ?? 0}`);
    expect(ev.resolved.sort((x, y) => (x.sha < y.sha ? -1 : 1))).toEqual([
      { action: 'tj-actions/changed-files@v44', sha: MALICIOUS, malicious: true },
      { action: 'actions/checkout@v4', sha: '11bd71901bbe5b1630ceea73d27597364c9af683', malicious: false },
      { action: 'tj-actions/changed-files@v44', sha: CLEAN, malicious: false },
    ]);
    expect(ev.logs).toHaveLength(4);
    const first = ev.logs.find((l) => l.jobId === a.jobIds[0]);
    expect(first).toMatchObject({
      sha256: createHash('sha256').update(maliciousLog).digest('hex'),
      bytes: Buffer.byteLength(maliciousLog),
      readAt: '2026-11-30T12:00:00.000Z',
      payloadLines: [{ line: 6, length: PAYLOAD.length }],
    });
    expect(first?.lines.map((l) => l.line)).toEqual([3, 4]);
    // Never the whole log, never the blob.
    expect(JSON.stringify(ev)).not.toContain(PAYLOAD);
    expect(JSON.stringify(ev)).not.toContain('Complete job name');
    expect(sim.actions.runQueries).toEqual(['2025-03-14T00:00:00Z..2025-03-15T23:59:59Z']);
  });

  it("a reusable workflow's job run through a caller with a matrix: `<caller> (<matrix values>) / <job>`", async () => {
    sim.actions.addRun('acme/web', {
      path: '.github/workflows/ci.yml',
      createdAt: '2025-03-14T10:00:00Z',
      jobs: [
        { name: 'call (ubuntu-latest, 20) / changed', log: setupLog(MALICIOUS) },
        { name: 'call (windows-latest, 20) / changed', log: setupLog(CLEAN) },
        { name: 'call-docs / changed', log: setupLog(MALICIOUS) },
        { name: 'changed', log: setupLog(MALICIOUS) },
      ],
    });
    const ev = new GitHubEvidence(client(), true);
    const called = await ev.jobRuns(query({ jobName: 'changed', callers: ['call'] }));
    expect(called).toMatchObject({ state: 'ran', count: 2, resolution: 'malicious' });
    expect(called.logs).toHaveLength(2);
    // The calling job itself, any called job under it.
    expect(await ev.jobRuns(query({ jobName: 'call', callsWorkflow: true }))).toMatchObject({ state: 'ran', count: 2 });
    // Without the caller, only the job of the workflow itself.
    expect(await ev.jobRuns(query({ jobName: 'changed' }))).toMatchObject({ state: 'ran', count: 1 });
    expect(await ev.jobRuns(query({ jobName: 'changed', callers: ['other'] }))).toEqual({ state: 'not-run', count: 0, urls: [], resolved: [], logs: [] });
  });

  it('ran in the window but resolved to a clean commit', async () => {
    sim.actions.addRun('acme/web', { path: '.github/workflows/ci.yml', createdAt: '2025-03-14T10:00:00Z', jobs: [{ name: 'build', log: setupLog(CLEAN) }] });
    const ev = await new GitHubEvidence(client(), true).jobRuns(query());
    expect(ev).toMatchObject({ state: 'ran', count: 1, resolution: 'clean', payloadInLog: false });
    expect(ev.resolved.filter((r) => r.malicious)).toEqual([]);
  });

  it('did not run in the window', async () => {
    sim.actions.addRun('acme/web', { path: '.github/workflows/ci.yml', createdAt: '2025-03-13T23:59:59Z', jobs: [{ name: 'build', log: setupLog(MALICIOUS) }] });
    sim.actions.addRun('acme/web', { path: '.github/workflows/ci.yml', createdAt: '2025-03-14T10:00:00Z', jobs: [{ name: 'other', log: setupLog(MALICIOUS) }] });
    const ev = await new GitHubEvidence(client(), true).jobRuns(query());
    expect(ev).toEqual({ state: 'not-run', count: 0, urls: [], resolved: [], logs: [] });
  });

  it('an expired (410) or deleted (404) log leaves the commit unavailable, never clean', async () => {
    sim.actions.addRun('acme/web', {
      path: '.github/workflows/ci.yml',
      createdAt: '2025-03-14T10:00:00Z',
      jobs: [
        { name: 'build', log: { status: 410 } },
        { name: 'build (x)', log: setupLog(CLEAN) },
      ],
    });
    const r2 = sim.actions.addRun('acme/web', { path: '.github/workflows/ci.yml', createdAt: '2025-03-14T11:00:00Z', jobs: [{ name: 'build', log: { status: 404 } }] });
    const ev = await new GitHubEvidence(client(), true).jobRuns(query());
    expect(ev).toMatchObject({ state: 'ran', count: 3, resolution: 'unavailable', payloadInLog: false });
    expect(ev.resolutionReason).toMatch(/^the log of job \d+ is gone \(HTTP 404: expired or deleted\); the log of job \d+ is gone \(HTTP 410: expired or deleted\)$/);
    expect(ev.resolutionReason).toContain(`job ${r2.jobIds[0] ?? 0} is gone (HTTP 404`);
    expect(ev.logs).toHaveLength(1);
    expect(sim.undocumented.sort()).toEqual(['/repos/{owner}/{repo}/actions/jobs/{job_id}/logs 404', '/repos/{owner}/{repo}/actions/jobs/{job_id}/logs 410']);
  });

  it('splits the window while a listing reaches 1,000 results, and finds runs past the first thousand', async () => {
    // 1,400 runs of another workflow across the window, the job's three runs among the oldest.
    for (let i = 0; i < 1400; i++) sim.actions.addRun('acme/web', { path: '.github/workflows/other.yml', createdAt: new Date(START + 60_000 + i * 100_000).toISOString().replace('.000Z', 'Z') });
    for (const at of ['2025-03-14T00:00:30Z', '2025-03-14T00:00:40Z', '2025-03-15T23:50:00Z']) {
      sim.actions.addRun('acme/web', { path: '.github/workflows/ci.yml', createdAt: at, jobs: [{ name: 'build', log: setupLog(CLEAN) }] });
    }
    const ev = await new GitHubEvidence(client(), true).jobRuns(query());
    expect(ev).toMatchObject({ state: 'ran', count: 3, first: '2025-03-14T00:00:40.000Z', last: '2025-03-15T23:50:10.000Z', resolution: 'clean' });
    // The whole window once (capped at 1,000), then each half paged through: 867 + 537 runs.
    expect([...new Set(sim.actions.runQueries)]).toEqual([
      '2025-03-14T00:00:00Z..2025-03-15T23:59:59Z',
      '2025-03-14T00:00:00Z..2025-03-14T23:59:59Z',
      '2025-03-15T00:00:00Z..2025-03-15T23:59:59Z',
    ]);
    expect(sim.actions.runQueries.filter((q) => q === '2025-03-14T00:00:00Z..2025-03-15T23:59:59Z')).toHaveLength(1);
    expect(sim.actions.runQueries.filter((q) => q === '2025-03-14T00:00:00Z..2025-03-14T23:59:59Z')).toHaveLength(9);
    expect(sim.actions.runQueries.filter((q) => q === '2025-03-15T00:00:00Z..2025-03-15T23:59:59Z')).toHaveLength(6);
  });

  it('is unavailable — not "did not run" — without a token or when GitHub refuses', async () => {
    sim.actions.addRun('acme/web', { path: '.github/workflows/ci.yml', createdAt: '2025-03-14T10:00:00Z', jobs: [{ name: 'build', log: setupLog(CLEAN) }] });
    expect(await new GitHubEvidence(client(), false).jobRuns(query())).toEqual({
      state: 'unavailable',
      count: 0,
      urls: [],
      resolved: [],
      logs: [],
      reason: 'no GitHub token (GITHUB_TOKEN): run history needs Actions read access',
    });
    const wrong = new GitHubClient({ apiUrl: sim.apiUrl, token: 'ghp_wrong' });
    const refused = await new GitHubEvidence(wrong, true).jobRuns(query());
    expect(refused).toMatchObject({ state: 'unavailable', count: 0, reason: 'run history unavailable: GitHub answered HTTP 401: Bad credentials (is GITHUB_TOKEN set and valid?)' });
    expect(JSON.stringify(refused)).not.toContain('ghp_wrong');
  });
});

describe('a job log larger than the cap (generated as it is served)', () => {
  const CAP = 1024 * 1024;
  /** Filler lines of 1,000 bytes (two-byte `é` among them, so that the cap can fall inside a character). */
  const FILLER = `2025-03-14T10:00:05.0000000Z ${'é'.repeat(100)}${'x'.repeat(1000 - 29 - 200 - 1)}\n`;

  /** setupLog's lines, then `total` filler lines, the payload's print before the filler line `payloadAfter`. */
  function* bigLog(payloadAfter: number | undefined, total: number): Generator<string> {
    yield setupLog(MALICIOUS);
    for (let i = 0; i < total; i++) {
      if (i === payloadAfter) yield `2025-03-14T10:00:09.0000000Z ${PAYLOAD}\n`;
      yield FILLER;
    }
  }

  /** The sha256 of the generated log's first `cap` bytes (regenerated: the log is never held whole by the reader). */
  function prefixHash(pieces: Iterable<string>, cap: number): string {
    const hash = createHash('sha256');
    let left = cap;
    for (const piece of pieces) {
      const buf = Buffer.from(piece);
      hash.update(buf.subarray(0, left));
      left -= Math.min(left, buf.byteLength);
      if (left === 0) break;
    }
    return hash.digest('hex');
  }

  it('is read and hashed up to the cap, not past it: truncated, said in the reason, the payload past the cap not known', async () => {
    expect(Buffer.byteLength(FILLER)).toBe(1000);
    // 32 MB of log, the payload printed at 20 MB: past the cap.
    const total = 32 * 1024;
    const { jobIds } = sim.actions.addRun('acme/web', { path: '.github/workflows/ci.yml', createdAt: '2025-03-14T10:00:00Z', jobs: [{ name: 'build', log: { generate: () => bigLog(20 * 1024, total) } }] });
    const jobId = jobIds[0] ?? 0;
    const ev = await new GitHubEvidence(client(), true, { maxLogBytes: CAP, now: () => Date.parse('2026-11-30T12:00:00Z') }).jobRuns(query());
    expect(ev).toMatchObject({ state: 'ran', count: 1, resolution: 'malicious' });
    // The download lines are at the log's start: the commit is known; whether the payload printed is not.
    expect(ev.payloadInLog).toBeUndefined();
    expect(ev.resolutionReason).toBe(`the log of job ${jobId} is larger than 1 MB: not read past 1 MB (its hash is of the first 1 MB)`);
    expect(ev.logs).toHaveLength(1);
    const [reading] = ev.logs;
    expect(reading).toMatchObject({ jobId, bytes: CAP, truncated: true, sha256: prefixHash(bigLog(20 * 1024, total), CAP), payloadLines: [], readAt: '2026-11-30T12:00:00.000Z' });
    expect(reading?.lines.map((l) => l.line)).toEqual([3, 4]);
    // The reader stopped: far less than the 32 MB was written (what sockets buffer at most).
    expect(sim.actions.logBytesServed.get(jobId) ?? 0).toBeLessThan(16 * 1024 * 1024);
    expect(sim.actions.logBytesServed.get(jobId) ?? 0).toBeGreaterThanOrEqual(CAP);
  });

  it('a payload printed before the cap is seen (line and length); a log of exactly the cap is read whole', async () => {
    const { jobIds } = sim.actions.addRun('acme/web', {
      path: '.github/workflows/ci.yml',
      createdAt: '2025-03-14T10:00:00Z',
      jobs: [
        { name: 'build (a)', log: { generate: () => bigLog(10, 4096) } },
        { name: 'build (b)', log: { generate: () => [setupLog(CLEAN), 'y'.repeat(CAP - Buffer.byteLength(setupLog(CLEAN)))] } },
      ],
    });
    const ev = await new GitHubEvidence(client(), true, { maxLogBytes: CAP }).jobRuns(query());
    expect(ev).toMatchObject({ state: 'ran', count: 2, resolution: 'malicious', payloadInLog: true });
    const a = ev.logs.find((l) => l.jobId === jobIds[0]);
    const b = ev.logs.find((l) => l.jobId === jobIds[1]);
    // setupLog ends with a newline: its 5 lines, 10 fillers, then the payload on line 16.
    expect(a).toMatchObject({ truncated: true, bytes: CAP, payloadLines: [{ line: 16, length: PAYLOAD.length }] });
    expect(b).toMatchObject({ bytes: CAP, sha256: createHash('sha256').update(setupLog(CLEAN)).update('y'.repeat(CAP - Buffer.byteLength(setupLog(CLEAN)))).digest('hex') });
    expect(b?.truncated).toBeUndefined();
    expect(ev.resolutionReason).toBe(`the log of job ${jobIds[0] ?? 0} is larger than 1 MB: not read past 1 MB (its hash is of the first 1 MB)`);
    expect(JSON.stringify(ev)).not.toContain(PAYLOAD);
  });

  it('streams line by line: the same lines as a whole-text scan, whatever the pieces', () => {
    const text = setupLog(MALICIOUS, [`2025-03-14T10:00:09.0000000Z ${PAYLOAD}`, 'last line without newline']);
    const whole = scanLogText(text);
    for (const size of [1, 7, 64, 1000]) {
      const scanner = new LogLineScanner();
      for (let i = 0; i < text.length; i += size) scanner.push(text.slice(i, i + size));
      expect(scanner.end()).toEqual(whole);
    }
    expect(whole.lines.map((l) => l.line)).toEqual([3, 4]);
    expect(whole.payloadLines).toEqual([{ line: 6, length: PAYLOAD.length }]);
    // A cut log: its partial last line is not scanned.
    const cut = new LogLineScanner();
    cut.push(text.slice(0, text.indexOf(PAYLOAD) + 60));
    expect(cut.cut()).toEqual({ lines: whole.lines, payloadLines: [] });
  });
});

describe('Actions secrets: names and updated_at only', () => {
  beforeEach(() => {
    sim.actions.setRepoSecrets('acme/web', [
      { name: 'NPM_TOKEN', createdAt: '2024-01-01T00:00:00Z', updatedAt: '2025-03-16T09:00:00Z' },
      { name: 'CODECOV_TOKEN', createdAt: '2024-01-01T00:00:00Z', updatedAt: '2024-06-01T00:00:00Z' },
    ]);
    sim.actions.setEnvironmentSecrets('acme/web', 'production', [{ name: 'DEPLOY_KEY', createdAt: '2024-01-01T00:00:00Z', updatedAt: '2024-02-01T00:00:00Z' }]);
    sim.actions.setOrgSecrets('acme', [
      { name: 'ORG_NPM', createdAt: '2024-01-01T00:00:00Z', updatedAt: '2025-03-17T00:00:00Z', visibility: 'all' },
      { name: 'PRIVATE_ONLY', createdAt: '2024-01-01T00:00:00Z', updatedAt: '2024-01-01T00:00:00Z', visibility: 'private' },
      { name: 'PICKED', createdAt: '2024-01-01T00:00:00Z', updatedAt: '2024-01-01T00:00:00Z', visibility: 'selected', repositories: ['acme/api'] },
    ]);
  });

  it('lists repository, environment and shared organisation secret names with the repository visibility', async () => {
    const inv = await secretInventory(client(), 'acme/web', ['production', 'staging']);
    expect(inv.visibility).toBe('public');
    expect(inv.secrets.map((s) => `${s.scope}:${s.where}:${s.name}:${s.updatedAt}`)).toEqual([
      'repository:acme/web:NPM_TOKEN:2025-03-16T09:00:00Z',
      'repository:acme/web:CODECOV_TOKEN:2024-06-01T00:00:00Z',
      'environment:production:DEPLOY_KEY:2024-02-01T00:00:00Z',
      'organisation:acme:ORG_NPM:2025-03-17T00:00:00Z',
    ]);
    expect(inv.unavailable).toEqual(['secrets of environment staging: GitHub answered HTTP 404: Not Found']);
    const org = await secretInventory(client(), 'acme/api', [], 'acme');
    expect(org.visibility).toBe('private');
    expect(org.secrets.filter((s) => s.scope === 'organisation').map((s) => `${s.name}:${s.visibility ?? ''}`)).toEqual(['ORG_NPM:all', 'PRIVATE_ONLY:private', 'PICKED:selected']);
    // Names and dates only: no key of any kept object could hold a value.
    for (const s of [...inv.secrets, ...org.secrets]) expect(Object.keys(s).sort()).toEqual(expect.arrayContaining(['createdAt', 'name', 'scope', 'updatedAt', 'where']));
    for (const s of [...inv.secrets, ...org.secrets]) expect(Object.keys(s).filter((k) => !['createdAt', 'name', 'scope', 'updatedAt', 'where', 'visibility'].includes(k))).toEqual([]);
  });

  it('reads only endpoints whose description carries no value (Actions variables, which do, are not asked)', () => {
    const spec = JSON.parse(readFileSync(require.resolve('@octokit/openapi/generated/api.github.com.json'), 'utf8')) as { components: { schemas: Record<string, { properties: Record<string, unknown> }> } };
    expect(Object.keys(spec.components.schemas['actions-secret']?.properties ?? {}).sort()).toEqual(['created_at', 'name', 'updated_at']);
    expect(Object.keys(spec.components.schemas['organization-actions-secret']?.properties ?? {}).sort()).toEqual(['created_at', 'name', 'selected_repositories_url', 'updated_at', 'visibility']);
    expect(Object.keys(spec.components.schemas['actions-variable']?.properties ?? {})).toContain('value');
    const source = readFileSync(join(__dirname, 'evidence.ts'), 'utf8');
    expect(source).not.toMatch(/actions\/variables|\/variables`/);
  });

  it('says verified, not-yet or unknown for a secret since the incident started', async () => {
    const since = Date.parse('2025-03-15T00:00:00Z');
    expect(await secretRotatedSince(client(), 'NPM_TOKEN', { repo: 'acme/web', scope: 'repository' }, since)).toEqual({ state: 'verified', changedAt: '2025-03-16T09:00:00Z', where: 'repository acme/web' });
    expect(await secretRotatedSince(client(), 'CODECOV_TOKEN', { repo: 'acme/web', scope: 'repository' }, since)).toEqual({ state: 'not-yet', changedAt: '2024-06-01T00:00:00Z', where: 'repository acme/web' });
    expect(await secretRotatedSince(client(), 'ORG_NPM', { repo: 'acme/web', scope: 'repository' }, since)).toEqual({ state: 'verified', changedAt: '2025-03-17T00:00:00Z', where: 'organisation secrets shared with acme/web' });
    expect(await secretRotatedSince(client(), 'DEPLOY_KEY', { repo: 'acme/web', scope: 'environment', environment: 'production' }, since)).toEqual({ state: 'not-yet', changedAt: '2024-02-01T00:00:00Z', where: 'environment production of acme/web' });
    // PICKED is shared with acme/api only: for acme/web it exists nowhere GitHub would look.
    expect(await secretRotatedSince(client(), 'PICKED', { repo: 'acme/web', scope: 'repository' }, since)).toEqual({
      state: 'unknown',
      reason: 'no Actions secret named PICKED in repository acme/web, organisation secrets shared with acme/web',
    });
    expect(await secretRotatedSince(client(), 'NPM_TOKEN', { repo: 'acme/gone', scope: 'repository' }, since)).toEqual({ state: 'unknown', reason: 'repository acme/gone: GitHub answered HTTP 404: Not Found' });
    expect(await secretRotatedSince(undefined, 'NPM_TOKEN', { repo: 'acme/web', scope: 'repository' }, since)).toEqual({ state: 'unknown', reason: 'no GitHub token (GITHUB_TOKEN)' });
  });
});

describe('the default workflow permission of GITHUB_TOKEN', () => {
  it('read or write, and whether Actions may approve pull requests; repository and organisation', async () => {
    sim.actions.setWorkflowPermissions('acme/web', { defaultPermissions: 'write', canApprovePullRequestReviews: true });
    sim.actions.setWorkflowPermissions('acme/api', { defaultPermissions: 'read', canApprovePullRequestReviews: false });
    sim.actions.setWorkflowPermissions('acme', { defaultPermissions: 'read', canApprovePullRequestReviews: false });
    const c = client();
    expect(await workflowTokenDefault(c, 'acme/web')).toEqual({ ok: true, value: 'write', canApprovePullRequests: true });
    expect(await workflowTokenDefault(c, 'acme/api')).toEqual({ ok: true, value: 'read', canApprovePullRequests: false });
    expect(await workflowTokenDefault(c, { org: 'acme' })).toEqual({ ok: true, value: 'read', canApprovePullRequests: false });
  });

  it('not read: a refusal (403), an answer GitHub does not give (404), no token', async () => {
    sim.actions.setWorkflowPermissions('acme/web', { status: 403 });
    const c = client();
    expect(await workflowTokenDefault(c, 'acme/web')).toEqual({ ok: false, reason: 'GitHub answered HTTP 403: Resource not accessible by personal access token', status: 403 });
    expect(await workflowTokenDefault(c, 'acme/api')).toEqual({ ok: false, reason: 'GitHub answered HTTP 404: Not Found', status: 404 });
    expect(await workflowTokenDefault(undefined, 'acme/api')).toEqual({ ok: false, reason: 'no GitHub token (GITHUB_TOKEN)' });
    expect(sim.undocumented).toEqual(['/repos/{owner}/{repo}/actions/permissions/workflow 403', '/repos/{owner}/{repo}/actions/permissions/workflow 404']);
  });
});

/**
 * `ci-exposure scan` over sources, end to end in-process: a git URL (`file:///…` to a repository the
 * test builds with dated commits) with `--indicator tj-actions-changed-files-2025` finds the workflow
 * deleted inside the window; today's head alone does not; a repository that cannot be read makes the
 * report partial (exit 3); a provider that is not registered is a usage error; progress goes to stderr.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { makeGitRepo, type TestRepo } from '../../test/helpers/git-repo';
import { makeTempDir } from '../../test/helpers/tmp';
import { runCli } from './cli';
import { progressReporter, progressText, runSourceScan, scanWindow } from './scan-sources';
import { CATALOG } from '../core/indicators';

const CHANGED_FILES = `name: Changed files
on: pull_request
jobs:
  changed:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: tj-actions/changed-files@v39
        id: changed
`;

const versionJson = z.object({ commit: z.string(), role: z.enum(['window-start', 'in-window', 'head']), committedAt: z.string().optional(), liveFrom: z.string().optional(), liveUntil: z.string().optional(), replacedBy: z.string().optional() });
const report = z.object({
  summary: z.object({ repos: z.number(), affected: z.number(), complete: z.boolean(), incomplete: z.array(z.string()) }),
  findings: z.array(z.object({ repo: z.string(), file: z.string(), line: z.number(), jobId: z.string(), affected: z.boolean(), versions: z.array(versionJson).optional(), live: z.string().optional(), stillExposedNow: z.boolean().optional() })),
  errors: z.array(z.object({ repo: z.string(), message: z.string() })),
});

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), isTTY: false, stderrIsTTY: false });
  return { code, stdout, stderr };
}

describe('ci-exposure scan <git URL>', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let agentkit: TestRepo;
  beforeAll(() => {
    tmp = makeTempDir('cix-scan-git-');
    agentkit = makeGitRepo(join(tmp.dir, 'coinbase', 'agentkit'), [
      { at: '2025-01-10T09:00:00Z', files: { '.github/workflows/changed-files.yml': CHANGED_FILES, 'README.md': 'x' } },
      { at: '2025-03-14T16:37:00Z', message: 'remove changed-files workflow', files: { '.github/workflows/changed-files.yml': null } },
    ]);
  });
  afterAll(() => tmp.cleanup());

  it('with the indicator’s window: the deleted workflow is found, with the version it holds for (exit 1)', async () => {
    const dataDir = join(tmp.dir, 'data');
    const r = await cli(['scan', agentkit.url, '--indicator', 'tj-actions-changed-files-2025', '--format', 'json', '--data-dir', dataDir, '--no-fetch']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const json = report.parse(JSON.parse(r.stdout));
    const [start, removal] = agentkit.commits;
    expect(json.findings).toEqual([
      {
        repo: 'coinbase/agentkit',
        file: '.github/workflows/changed-files.yml',
        line: 8,
        jobId: 'changed',
        affected: true,
        versions: [{ commit: start, role: 'window-start', committedAt: '2025-01-10T09:00:00.000Z', liveFrom: '2025-01-10T09:00:00.000Z', liveUntil: '2025-03-14T16:37:00.000Z', replacedBy: removal }],
        live: `${start?.slice(0, 7)}…, live from before the window until its removal by ${removal?.slice(0, 7)}… at 2025-03-14 16:37 UTC`,
        stillExposedNow: false,
      },
    ]);
    expect(json.summary).toMatchObject({ repos: 1, affected: 1 });

    const table = await cli(['scan', agentkit.url, '--indicator', 'tj-actions-changed-files-2025', '--data-dir', dataDir, '--no-fetch']);
    expect(table.stdout).toContain(`  versions: ${start?.slice(0, 7)}…, live from before the window until its removal by ${removal?.slice(0, 7)}… at 2025-03-14 16:37 UTC\n`);
    const csv = await cli(['scan', agentkit.url, '--indicator', 'tj-actions-changed-files-2025', '--data-dir', dataDir, '--no-fetch', '--format', 'csv']);
    expect(csv.stdout.split('\r\n')[0]).toMatch(/,advice,versions,still_exposed_now$/);
    const sarif = JSON.parse((await cli(['scan', agentkit.url, '--indicator', 'tj-actions-changed-files-2025', '--data-dir', dataDir, '--no-fetch', '--format', 'sarif'])).stdout) as {
      runs: Array<{ results: Array<{ properties: { versions: unknown[]; stillExposedNow: boolean } }> }>;
    };
    expect(sarif.runs[0]?.results[0]?.properties).toMatchObject({ versions: [{ commit: start, role: 'window-start' }], stillExposedNow: false });
  });

  it('today’s head only (--window none): nothing affected', async () => {
    const r = await cli(['scan', agentkit.url, '--indicator', 'tj-actions-changed-files-2025', '--format', 'json', '--data-dir', join(tmp.dir, 'data'), '--window', 'none', '--no-fetch']);
    const json = report.parse(JSON.parse(r.stdout));
    expect(json.findings).toEqual([]);
    expect(r.code).toBe(3); // no pipeline file at today's head
    expect(json.summary.incomplete).toEqual(['no pipeline file was found in the given paths']);
  });

  it('a repository the source cannot read makes the report partial: exit 3, the reason in the report', async () => {
    const missing = `file://${join(tmp.dir, 'acme', 'gone')}.git`;
    const r = await runSourceScan(
      { paths: [missing], indicator: 'tj-actions-changed-files-2025', format: 'json', dataDir: join(tmp.dir, 'data') },
      { stdout: (t) => (out += t), stderr: () => undefined, env: {} },
      [],
    );
    const json = report.parse(JSON.parse(out));
    expect(r).toBe(3);
    expect(json.errors).toEqual([{ repo: 'acme/gone', message: expect.stringMatching(/^repo-unavailable: not read: git clone failed: fatal: /) }]);
    expect(json.summary.incomplete).toEqual(['no pipeline file was found in the given paths', '1 repository the source did not give (partial scan)']);
  });
  let out = '';
  beforeEach(() => (out = ''));

  it('github:acme without a registered GitHub source is a usage error (exit 2) that says so', async () => {
    await expect(runSourceScan({ paths: ['github:acme'] }, { stdout: () => undefined, stderr: () => undefined, env: {} }, [])).rejects.toMatchObject({
      name: 'UserError',
      exitCode: 2,
      message: 'scan: no github source registered: github:acme cannot be read by this build',
    });
  });
});

describe('window and progress', () => {
  const tj = CATALOG.filter((i) => i.id === 'tj-actions-changed-files-2025');

  it.each([
    [undefined, true, { start: Date.parse('2025-03-14T00:00:00Z'), end: Date.parse('2025-03-15T23:59:59Z') }],
    [undefined, false, undefined],
    ['none', true, undefined],
    ['2025-03-14..2025-03-15', true, { start: Date.parse('2025-03-14T00:00:00Z'), end: Date.parse('2025-03-15T23:59:59.999Z') }],
    ['2025-03-14T10:00Z..2025-03-14T18:30:00+01:00', false, { start: Date.parse('2025-03-14T10:00Z'), end: Date.parse('2025-03-14T17:30:00Z') }],
  ])('--window %s (from --indicator: %s)', (option, fromIndicator, expected) => {
    expect(scanWindow(option, tj, fromIndicator)).toEqual(expected);
  });

  it.each(['yesterday..today', '2025-03-15..2025-03-14', '2025-03-14'])('--window %s is a usage error', (option) => {
    expect(() => scanWindow(option, tj, true)).toThrow(expect.objectContaining({ name: 'UserError', exitCode: 2 }));
  });

  it('progress: a bar on a terminal, cleared at the end; a plain line every 5 s otherwise', () => {
    expect(progressText(3200, 10_000, 41_500)).toBe('3,200 / 10,000 repositories · 41 s');
    let t = 0;
    const tty: string[] = [];
    const bar = progressReporter((s) => tty.push(s), true, () => t);
    bar.listed(10, 10);
    t = 1000;
    for (let i = 0; i < 5; i++) bar.read(`r${i}`);
    bar.done();
    // Redrawn at most every 100 ms: the first read at 1 s, the four at the same moment not.
    expect(tty).toEqual(['\r\u001b[2K[##------------------] 1 / 10 repositories · 1 s', '\r\u001b[2K']);

    t = 0;
    const plain: string[] = [];
    const lines = progressReporter((s) => plain.push(s), false, () => t);
    lines.listed(10, 10);
    lines.read('a');
    t = 6000;
    lines.read('b');
    lines.done();
    expect(plain).toEqual(['ci-exposure: 2 / 10 repositories · 6 s\n']);
  });
});

/**
 * Urgency: a public repository whose job ran in the window and printed the payload to its log — the
 * secrets were readable by anyone who opened the log. Against the GitHub simulator, through the CLI (the
 * visibility from the secret inventory) and through attachRuns (a visibility not known says nothing).
 */
import { join } from 'node:path';
import { z } from 'zod';
import { makeTempDir } from '../../../test/helpers/tmp';
import { GitHubSimulator } from '../../../test/simulators/github/server';
import { runSourceScan } from '../../cli/scan-sources';
import type { Finding, ScanResult } from '../../core/model';
import { CATALOG } from '../../core/indicators';
import { attachRuns } from './attach-runs';
import { GitHubClient } from './client';
import { GitHubEvidence } from './evidence';

const TOKEN = 'ghp_public_log_secret';
const MALICIOUS = '0e58ed8671d6b60d0890c21b07f8835ace038e67';
const CHANGED = `name: Changed files
on: pull_request
jobs:
  changed:
    runs-on: ubuntu-latest
    steps:
      - uses: tj-actions/changed-files@v39
        env:
          TOKEN: \${{ secrets.DEPLOY_TOKEN }}
`;
const PAYLOAD = Buffer.from(Buffer.from('{"DEPLOY_TOKEN":{"value":"dpl_zzz","isSecret":true}}').toString('base64')).toString('base64');
const log = (payload: boolean): string =>
  [
    '2025-03-14T17:00:01.0000000Z Prepare all required actions',
    `2025-03-14T17:00:02.0000000Z Download action repository 'tj-actions/changed-files@v39' (SHA:${MALICIOUS})`,
    ...(payload ? [`2025-03-14T17:00:09.0000000Z ${PAYLOAD}`] : []),
    '',
  ].join('\n');
const URGENT = 'the secrets were readable by anyone who opened the log';

let sim: GitHubSimulator;
let tmp: ReturnType<typeof makeTempDir>;

beforeEach(async () => {
  tmp = makeTempDir('cix-gh-public-log-');
  sim = await new GitHubSimulator({ token: TOKEN }).start();
  sim.addOrg('acme');
  const repos: Array<['PUBLIC' | 'PRIVATE', string, boolean]> = [
    ['PUBLIC', 'acme/open', true],
    ['PRIVATE', 'acme/closed', true],
    ['PUBLIC', 'acme/plain', false],
  ];
  for (const [visibility, full, payload] of repos) {
    sim.addRepo({ full, visibility, commits: [{ date: '2025-01-10T09:00:00Z', files: { '.github/workflows/changed-files.yml': CHANGED } }] });
    sim.actions.addRun(full, { path: '.github/workflows/changed-files.yml', createdAt: '2025-03-14T17:00:00Z', jobs: [{ name: 'changed', log: log(payload) }] });
  }
  sim.addRepo({
    full: 'tj-actions/changed-files',
    commits: [{ date: '2025-03-14T16:00:00Z', files: { 'action.yml': 'runs:\n  using: node20\n  main: dist/index.js\n', 'dist/index.js': 'changed()\n' } }],
    refs: { v39: 0 },
  });
});

afterEach(async () => {
  expect(sim.rejected).toEqual([]);
  expect(sim.violations).toEqual([]);
  await sim.stop();
  tmp.cleanup();
});

const report = z.object({
  findings: z.array(z.object({ repo: z.string(), affected: z.boolean(), reasons: z.array(z.string()), runs: z.object({ state: z.string(), payloadInLog: z.boolean().optional(), publicLog: z.boolean().optional() }).optional() })),
});

async function scan(format: string): Promise<string> {
  let stdout = '';
  await runSourceScan(
    { paths: ['github:acme'], indicator: 'tj-actions-changed-files-2025', format, dataDir: join(tmp.dir, 'data'), evidence: true },
    { stdout: (t) => (stdout += t), stderr: () => undefined, env: { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: sim.apiUrl } },
  );
  return stdout;
}

describe('a public log that carried the payload', () => {
  it('is flagged (publicLog, first reason) only for the public repository whose log carried it', async () => {
    const out = await scan('json');
    expect(out).not.toContain(PAYLOAD);
    const byRepo = Object.fromEntries(report.parse(JSON.parse(out)).findings.filter((f) => f.affected).map((f) => [f.repo, f]));
    expect(byRepo['acme/open']?.runs).toMatchObject({ state: 'ran', payloadInLog: true, publicLog: true });
    expect(byRepo['acme/open']?.reasons[0]).toBe(`acme/open is public and a run in the window printed the payload to its log: ${URGENT}, not only the payload's author.`);
    // Private: the payload printed, but only those with access could open the log.
    expect(byRepo['acme/closed']?.runs).toMatchObject({ state: 'ran', payloadInLog: true });
    expect(byRepo['acme/closed']?.runs).not.toHaveProperty('publicLog');
    expect(byRepo['acme/closed']?.reasons.join(' ')).not.toContain(URGENT);
    // Public, but the log did not carry the payload.
    expect(byRepo['acme/plain']?.runs).toMatchObject({ state: 'ran', payloadInLog: false });
    expect(byRepo['acme/plain']?.runs).not.toHaveProperty('publicLog');

    const table = await scan('table');
    expect(table).toContain(`  runs: ${URGENT}: ran once in the window`);
    expect(table.split(URGENT)).toHaveLength(2);
  });

  it('says nothing when the visibility is not known (no guess)', async () => {
    const client = new GitHubClient({ token: TOKEN, apiUrl: sim.apiUrl });
    const evidence = new GitHubEvidence(client, true);
    const indicator = CATALOG.find((i) => i.id === 'tj-actions-changed-files-2025');
    if (!indicator) throw new Error('indicator missing from the catalog');
    const f: Finding = {
      repo: 'acme/open',
      file: '.github/workflows/changed-files.yml',
      line: 7,
      platform: 'github-actions',
      workflow: 'Changed files',
      job: 'changed',
      jobId: 'changed',
      jobFile: '.github/workflows/changed-files.yml',
      affected: true,
      chain: [],
      exposure: { contexts: [], secrets: ['DEPLOY_TOKEN'], permissions: 'repository default', oidc: false, selfHosted: false, triggers: ['pull_request'] },
      tamper: [],
      verdict: 'high',
      ruleIds: ['secrets'],
      reasons: ['static'],
      advice: [],
      indicator: indicator.id,
    };
    const result: ScanResult = { indicator: { id: indicator.id, title: indicator.title }, summary: { repos: 1, files: 1, jobs: 1, affected: 1, unresolved: 0, errors: 0 }, findings: [f], unresolved: [], errors: [] };
    const window = { start: Date.parse(indicator.windowStart), end: Date.parse(indicator.windowEnd) };
    for (const visibilityOf of [async () => undefined, async () => Promise.reject(new Error('provider down')), undefined]) {
      const [out] = await attachRuns([result], [indicator], window, evidence, visibilityOf);
      expect(out?.findings[0]?.runs).toMatchObject({ state: 'ran', payloadInLog: true });
      expect(out?.findings[0]?.runs).not.toHaveProperty('publicLog');
      expect(out?.findings[0]?.reasons).toEqual(['static']);
    }
    const [pub] = await attachRuns([result], [indicator], window, evidence, async () => 'public');
    expect(pub?.findings[0]?.runs?.publicLog).toBe(true);
    expect(pub?.findings[0]?.reasons).toHaveLength(2);
  });
});

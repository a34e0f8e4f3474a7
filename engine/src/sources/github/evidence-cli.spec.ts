/**
 * `ci-exposure scan github:acme --indicator tj-actions-changed-files-2025 --evidence` in-process against
 * the GitHub simulator: each affected job says whether it ran in the window and on which commit; the
 * static verdict stays (next to `not-run` for a job that did not run); the summary counts the jobs that ran.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { makeTempDir } from '../../../test/helpers/tmp';
import { GitHubSimulator } from '../../../test/simulators/github/server';
import { runSourceScan } from '../../cli/scan-sources';

const TOKEN = 'ghp_evidence_cli_secret';
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
const LOG = [
  '2025-03-14T17:00:01.0000000Z Prepare all required actions',
  `2025-03-14T17:00:02.0000000Z Download action repository 'tj-actions/changed-files@v39' (SHA:${MALICIOUS})`,
  '',
].join('\n');

let sim: GitHubSimulator;
let tmp: ReturnType<typeof makeTempDir>;

beforeEach(async () => {
  tmp = makeTempDir('cix-gh-evidence-cli-');
  sim = await new GitHubSimulator({ token: TOKEN }).start();
  sim.addOrg('acme');
  for (const full of ['acme/busy', 'acme/quiet']) sim.addRepo({ full, commits: [{ date: '2025-01-10T09:00:00Z', files: { '.github/workflows/changed-files.yml': CHANGED } }] });
  sim.addRepo({
    full: 'tj-actions/changed-files',
    commits: [{ date: '2025-03-14T16:00:00Z', files: { 'action.yml': 'runs:\n  using: node20\n  main: dist/index.js\n', 'dist/index.js': 'changed()\n' } }],
    refs: { v39: 0 },
  });
  sim.actions.addRun('acme/busy', { path: '.github/workflows/changed-files.yml', createdAt: '2025-03-14T17:00:00Z', jobs: [{ name: 'changed', log: LOG }] });
  sim.actions.addRun('acme/busy', { path: '.github/workflows/changed-files.yml', createdAt: '2025-03-15T10:00:00Z', jobs: [{ name: 'changed', log: { status: 410 } }] });
});

afterEach(async () => {
  expect(sim.rejected).toEqual([]);
  expect(sim.violations).toEqual([]);
  await sim.stop();
  tmp.cleanup();
});

const report = z.object({
  summary: z.object({ affected: z.number(), ran: z.number().optional() }),
  findings: z.array(z.object({ repo: z.string(), affected: z.boolean(), verdict: z.string(), exposureVerdict: z.string().optional(), runs: z.object({ state: z.string(), count: z.number(), resolution: z.string().optional() }).optional() })),
});

async function scan(format: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runSourceScan(
    { paths: ['github:acme'], indicator: 'tj-actions-changed-files-2025', format, dataDir: join(tmp.dir, 'data'), evidence: true },
    { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env },
  );
  return { code, stdout, stderr };
}

describe('scan --evidence (GitHub simulator)', () => {
  it('says which affected jobs ran in the window and on which commit, keeping the static verdict', async () => {
    const env = { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: sim.apiUrl };
    const { code, stdout, stderr } = await scan('json', env);
    expect(code).toBe(1);
    expect(stdout + stderr).not.toContain(TOKEN);
    const json = report.parse(JSON.parse(stdout));
    expect(json.summary).toMatchObject({ affected: 2, ran: 1 });
    const byRepo = Object.fromEntries(json.findings.filter((f) => f.affected).map((f) => [f.repo, f]));
    // One log read shows the malicious commit (the other expired): the answer is "ran the malicious commit".
    expect(byRepo['acme/busy']?.runs).toEqual(expect.objectContaining({ state: 'ran', count: 2, resolution: 'malicious' }));
    expect(byRepo['acme/quiet']?.runs).toEqual(expect.objectContaining({ state: 'not-run', count: 0 }));
    // Static exposure is kept: the job that did not run is `not-run`, its static verdict next to it.
    expect(byRepo['acme/quiet']?.verdict).toBe('not-run');
    expect(byRepo['acme/quiet']?.exposureVerdict).toBe(byRepo['acme/busy']?.verdict);
    expect(byRepo['acme/busy']?.verdict).toMatch(/^(critical|high|medium|low)$/);

    const table = await scan('table', env);
    expect(table.stdout).toContain('  runs: ran 2 times in the window (first 2025-03-14T17:00:10.000Z, last 2025-03-15T10:00:10.000Z): ran the malicious commit https://github.com/acme/busy/actions/runs/');
    expect(table.stdout).toContain('  runs: did not run in the window');
    expect(table.stdout).toMatch(/; 1 affected job ran in the window, 1 did not run \(listed with its static exposure\)\n/);
    const markdown = await scan('markdown', env);
    expect(markdown.stdout).toContain('_Runs:_ did not run in the window');
    expect(markdown.stdout).toContain('· 1 affected job ran in the window');
  });

  it('refuses --evidence without a window or without a github: source', async () => {
    const env = { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: sim.apiUrl };
    const io = { stdout: (): void => undefined, stderr: (): void => undefined, env };
    const base = { indicator: 'tj-actions-changed-files-2025', format: 'json', dataDir: join(tmp.dir, 'data'), evidence: true };
    await expect(runSourceScan({ ...base, paths: ['github:acme'], window: 'none' }, io)).rejects.toThrow('scan: --evidence needs an incident window (--indicator with a window, or --window START..END)');
    await expect(runSourceScan({ ...base, paths: [tmp.dir] }, io)).rejects.toThrow('scan: --evidence reads run history from GitHub, GitLab or CircleCI: give a github:, gitlab: or circleci: source');
  });
});

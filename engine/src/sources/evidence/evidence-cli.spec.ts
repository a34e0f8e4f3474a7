/**
 * `ci-exposure scan SOURCE --indicator … --evidence` in-process, end to end, against the simulators:
 *   - github:  a reusable workflow's job matched through its callers' runs (`<caller job> / <job>`), in
 *              the same repository and from another scanned repository; one called by nobody scanned
 *              stays unavailable with that reason; the calling job is matched as `<job> / …`;
 *   - gitlab:  a job that ran (its log read: the payload print noticed, by position only) and one that
 *              did not;
 *   - circleci: a job that ran and one that did not.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { makeTempDir } from '../../../test/helpers/tmp';
import { CircleCiSimulator } from '../../../test/simulators/circleci/server';
import { GitHubSimulator } from '../../../test/simulators/github/server';
import { type GitLabSimulator, startGitLabSimulator } from '../../../test/simulators/gitlab/server';
import { runSourceScan } from '../../cli/scan-sources';
import { createGitLabProvider } from '../gitlab/provider';
import { circleciProvider } from '../circleci/provider';
import { createGitHubProvider } from '../github/provider';

const MALICIOUS = '0e58ed8671d6b60d0890c21b07f8835ace038e67';
const FIXTURES = join(__dirname, '../../core/platforms/circleci/__fixtures__');

const report = z.object({
  summary: z.object({ affected: z.number(), ran: z.number().optional() }),
  findings: z.array(
    z.object({
      repo: z.string(),
      job: z.string(),
      file: z.string(),
      affected: z.boolean(),
      verdict: z.string(),
      exposure: z.object({ secrets: z.array(z.string()) }),
      runs: z
        .object({
          state: z.string(),
          count: z.number(),
          reason: z.string().optional(),
          resolution: z.string().optional(),
          payloadInLog: z.boolean().optional(),
          urls: z.array(z.string()),
          logs: z.array(z.object({ sha256: z.string(), payloadLines: z.array(z.object({ line: z.number(), length: z.number() })) })),
        })
        .optional(),
    }),
  ),
});
type Report = z.infer<typeof report>;

let tmp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  tmp = makeTempDir('cix-evidence-cli-');
});
afterEach(() => {
  tmp.cleanup();
});

async function scan(paths: string[], indicator: string, env: Record<string, string>, providers: Parameters<typeof runSourceScan>[2]): Promise<{ code: number; out: string; json: Report }> {
  let stdout = '';
  let stderr = '';
  const code = await runSourceScan({ paths, indicator, format: 'json', dataDir: join(tmp.dir, 'data'), evidence: true }, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env }, providers);
  return { code, out: stdout + stderr, json: report.parse(JSON.parse(stdout)) };
}

const affected = (json: Report): Array<[string, string, string, string | undefined, number | undefined]> =>
  json.findings
    .filter((f) => f.affected)
    .map((f): [string, string, string, string | undefined, number | undefined] => [f.repo, f.file, f.job, f.runs?.state, f.runs?.count])
    .sort((a, b) => `${a[0]}${a[1]}${a[2]}`.localeCompare(`${b[0]}${b[1]}${b[2]}`));

describe('scan --evidence github: reusable workflows', () => {
  const TOKEN = 'ghp_evidence_reusable_secret';
  const REUSABLE = 'name: Reusable\non: workflow_call\njobs:\n  changed:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: tj-actions/changed-files@v39\n';
  const LOG = `2025-03-14T17:00:02.0000000Z Download action repository 'tj-actions/changed-files@v39' (SHA:${MALICIOUS})\n`;
  let sim: GitHubSimulator;
  beforeEach(async () => {
    sim = await new GitHubSimulator({ token: TOKEN }).start();
    sim.addOrg('acme');
    const files = (extra: Record<string, string>): Array<{ date: string; files: Record<string, string> }> => [{ date: '2025-01-10T09:00:00Z', files: extra }];
    // acme/app calls its own reusable workflow; acme/other calls acme/app's from another repository.
    sim.addRepo({ full: 'acme/app', commits: files({ '.github/workflows/ci.yml': 'name: CI\non: push\njobs:\n  call-changed:\n    uses: ./.github/workflows/reusable.yml\n', '.github/workflows/reusable.yml': REUSABLE }) });
    sim.addRepo({ full: 'acme/other', commits: files({ '.github/workflows/use.yml': 'name: Use\non: push\njobs:\n  shared:\n    uses: acme/app/.github/workflows/reusable.yml@main\n' }) });
    // Nobody scanned calls acme/orphan's.
    sim.addRepo({ full: 'acme/orphan', commits: files({ '.github/workflows/reusable.yml': REUSABLE }) });
    sim.addRepo({
      full: 'tj-actions/changed-files',
      commits: [{ date: '2025-03-14T16:00:00Z', files: { 'action.yml': 'runs:\n  using: node20\n  main: dist/index.js\n', 'dist/index.js': 'changed()\n' } }],
      refs: { v39: 0 },
    });
    sim.actions.addRun('acme/app', { path: '.github/workflows/ci.yml', createdAt: '2025-03-14T17:00:00Z', jobs: [{ name: 'call-changed / changed', log: LOG }] });
    sim.actions.addRun('acme/app', { path: '.github/workflows/ci.yml', createdAt: '2025-03-14T18:00:00Z', jobs: [{ name: 'call-changed / changed', log: LOG }] });
    sim.actions.addRun('acme/other', { path: '.github/workflows/use.yml', createdAt: '2025-03-14T17:30:00Z', jobs: [{ name: 'shared / changed', log: LOG }] });
  });
  afterEach(async () => {
    expect(sim.rejected).toEqual([]);
    expect(sim.violations).toEqual([]);
    await sim.stop();
  });

  it("matches a called job through its callers' runs, in the same repository and from another one", async () => {
    const { code, out, json } = await scan(['github:acme'], 'tj-actions-changed-files-2025', { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: sim.apiUrl }, [createGitHubProvider()]);
    expect(code).toBe(1);
    expect(out).not.toContain(TOKEN);
    expect(affected(json)).toEqual([
      ['acme/app', '.github/workflows/ci.yml', 'call-changed', 'ran', 2],
      // Two runs of acme/app's CI and one of acme/other's Use.
      ['acme/app', '.github/workflows/reusable.yml', 'changed', 'ran', 3],
      ['acme/orphan', '.github/workflows/reusable.yml', 'changed', 'unavailable', 0],
      ['acme/other', '.github/workflows/use.yml', 'shared', 'ran', 1],
    ]);
    const byKey = new Map(json.findings.filter((f) => f.affected).map((f) => [`${f.repo} ${f.file}`, f]));
    expect(byKey.get('acme/app .github/workflows/reusable.yml')?.runs?.resolution).toBe('malicious');
    expect(byKey.get('acme/orphan .github/workflows/reusable.yml')?.runs?.reason).toBe(
      "no workflow among the scanned repositories calls .github/workflows/reusable.yml of acme/orphan (a reusable workflow: its runs are listed under its callers' workflows)",
    );
    expect(json.summary.ran).toBe(3);
  }, 30_000);

  it('matches a called job through a caller job with a matrix (`<caller job> (<matrix values>) / <called job>`)', async () => {
    sim.addRepo({
      full: 'acme/matrix',
      commits: [
        {
          date: '2025-01-10T09:00:00Z',
          files: { '.github/workflows/ci.yml': "name: CI\non: push\njobs:\n  call:\n    strategy:\n      matrix:\n        node: [18, 20]\n    uses: acme/app/.github/workflows/reusable.yml@main\n" },
        },
      ],
    });
    sim.actions.addRun('acme/matrix', { path: '.github/workflows/ci.yml', createdAt: '2025-03-14T17:10:00Z', jobs: [{ name: 'call (18) / changed', log: LOG }, { name: 'call (20) / changed', log: LOG }] });
    const { json } = await scan(['github:acme'], 'tj-actions-changed-files-2025', { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: sim.apiUrl }, [createGitHubProvider()]);
    expect(affected(json)).toEqual([
      ['acme/app', '.github/workflows/ci.yml', 'call-changed', 'ran', 2],
      // Two runs of acme/app's CI, one of acme/other's Use, two matrix instances of acme/matrix's CI.
      ['acme/app', '.github/workflows/reusable.yml', 'changed', 'ran', 5],
      ['acme/matrix', '.github/workflows/ci.yml', 'call', 'ran', 2],
      ['acme/orphan', '.github/workflows/reusable.yml', 'changed', 'unavailable', 0],
      ['acme/other', '.github/workflows/use.yml', 'shared', 'ran', 1],
    ]);
  }, 30_000);
});

describe('scan --evidence gitlab:', () => {
  const TOKEN = 'glpat-evidence-cli';
  const PAYLOAD = Buffer.from(Buffer.from('{"CODECOV_TOKEN":"abc"}').toString('base64')).toString('base64');
  const CI = 'coverage:\n  script:\n    - curl -s https://codecov.io/bash | bash\n';
  let sim: GitLabSimulator;
  beforeEach(async () => {
    const before = { createdAt: '2021-01-05T00:00:00Z', jobs: [{ name: 'coverage', stage: 'test' }] };
    sim = await startGitLabSimulator(
      {
        projects: [
          {
            path: 'corp/apps/web',
            commits: [{ date: '2021-01-01T00:00:00Z', files: { '.gitlab-ci.yml': CI } }],
            pipelines: [before, { createdAt: '2021-02-10T00:00:00Z', jobs: [{ name: 'coverage', stage: 'test', startedAt: '2021-02-10T00:01:00Z', trace: `Running with gitlab-runner\n$ curl -s https://codecov.io/bash | bash\n${PAYLOAD}\n` }] }],
          },
          { path: 'corp/apps/idle', commits: [{ date: '2021-01-01T00:00:00Z', files: { '.gitlab-ci.yml': CI } }], pipelines: [before] },
        ],
      },
      { tokens: [TOKEN], prefix: '/gitlab' },
    );
  });
  afterEach(async () => {
    await sim.close();
  });

  it('says which jobs ran (with what their logs showed) and which did not', async () => {
    const { code, out, json } = await scan([`gitlab:${sim.url}/corp/apps`], 'codecov-bash-uploader-2021', { GITLAB_TOKEN: TOKEN, GITLAB_URL: sim.url }, [createGitLabProvider()]);
    expect(code).toBe(1);
    expect(out).not.toContain(TOKEN);
    expect(out).not.toContain(PAYLOAD);
    expect(affected(json)).toEqual([
      ['corp/apps/idle', '.gitlab-ci.yml', 'coverage', 'not-run', 0],
      ['corp/apps/web', '.gitlab-ci.yml', 'coverage', 'ran', 1],
    ]);
    const web = json.findings.find((f) => f.repo === 'corp/apps/web' && f.affected);
    expect(web?.runs).toMatchObject({ payloadInLog: true, urls: [expect.stringMatching(/\/corp\/apps\/web\/-\/jobs\/\d+$/) as string] });
    expect(web?.runs?.logs.map((l) => l.payloadLines)).toEqual([[{ line: 3, length: PAYLOAD.length }]]);
    expect(json.summary.ran).toBe(1);
    const traces = sim.requests.filter((r) => r.path.endsWith('/trace'));
    expect(traces.map((r) => [r.path.replace(/\/\d+\/trace$/, '/N/trace'), r.auth, r.status])).toEqual([['/gitlab/api/v4/projects/corp%2Fapps%2Fweb/jobs/N/trace', 'private-token', 200]]);
  });
});

describe('scan --evidence circleci:', () => {
  const TOKEN = 'cci-evidence-cli-token';
  let sim: CircleCiSimulator;
  beforeEach(async () => {
    sim = await CircleCiSimulator.start({ token: TOKEN });
  });
  afterEach(async () => {
    expect(sim.violations).toEqual([]);
    await sim.stop();
  });

  it('says which jobs ran and which did not, the project slug from the circleci: source', async () => {
    const config = readFileSync(join(FIXTURES, 'codecov-direct.yml'), 'utf8');
    sim.addProject({ slug: 'gh/acme/site', followed: true, envVars: [{ name: 'NPM_TOKEN', value: 'npm-value-that-must-not-leak-4321', createdAt: '2020-01-01T00:00:00Z' }] });
    // The same config before the window (the history reaches back) and inside it, where one job ran.
    sim.addWorkflow(sim.addPipeline({ project: 'gh/acme/site', createdAt: '2021-01-01T00:00:00Z', source: config }), { name: 'build-test-deploy', jobs: [{ name: 'coverage', startedAt: '2021-01-01T00:01:00Z' }] });
    sim.addWorkflow(sim.addPipeline({ project: 'gh/acme/site', createdAt: '2021-03-01T00:00:00Z', source: config }), { name: 'build-test-deploy', jobs: [{ name: 'coverage', startedAt: '2021-03-01T00:01:00Z' }] });
    sim.addOrb({ namespace: 'codecov', name: 'codecov', versions: [{ version: '1.1.1', createdAt: '2020-06-01T00:00:00Z', source: readFileSync(join(FIXTURES, 'cache/circleci/orbs/codecov/codecov@1.1.1.yml'), 'utf8') }] });
    sim.addOrb({ namespace: 'circleci', name: 'node', versions: [{ version: '5.0.2', createdAt: '2022-01-01T00:00:00Z', source: 'version: 2.1\ndescription: node\n' }] });

    const { code, out, json } = await scan(['circleci:gh/acme'], 'codecov-bash-uploader-2021', { CIRCLECI_URL: sim.url, CIRCLECI_TOKEN: TOKEN }, [circleciProvider]);
    expect(code).toBe(1);
    expect(out).not.toContain(TOKEN);
    expect(affected(json)).toEqual([
      ['acme/site', '.circleci/config.yml', 'coverage', 'ran', 1],
      ['acme/site', '.circleci/config.yml', 'test-and-package', 'not-run', 0],
    ]);
    const coverage = json.findings.find((f) => f.job === 'coverage' && f.affected);
    expect(coverage?.runs?.urls).toEqual([expect.stringMatching(/^https:\/\/app\.circleci\.com\/pipelines\/gh\/acme\/site\//) as string]);
    expect(json.summary.ran).toBe(1);
    // What the project really stores, by name (secret-facts.ts), through the same --evidence.
    expect(coverage?.exposure.secrets).toContain('project variable NPM_TOKEN');
    expect(out).not.toContain('npm-value-that-must-not-leak');
    expect(out).not.toContain('4321');
  });
});

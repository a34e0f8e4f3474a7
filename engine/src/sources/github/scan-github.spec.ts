/**
 * `ci-exposure scan github:acme --indicator tj-actions-changed-files-2025` end to end in-process, against
 * the GitHub simulator through the source registry: the organisation is listed, the workflow deleted
 * inside the window is found in the window-start version, and the actions it uses are fetched.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { makeTempDir } from '../../../test/helpers/tmp';
import { GitHubSimulator } from '../../../test/simulators/github/server';
import { runSourceScan } from '../../cli/scan-sources';
import { providerFetchers, resolveSourceSpec, SOURCE_PROVIDERS } from '../resolve-source';

const TOKEN = 'ghp_e2e_secret';
const CHANGED = `name: Changed files
on: pull_request
jobs:
  changed:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: tj-actions/changed-files@v39
        id: changed
        env:
          TOKEN: \${{ secrets.DEPLOY_TOKEN }}
`;

let sim: GitHubSimulator;
let tmp: ReturnType<typeof makeTempDir>;

beforeEach(async () => {
  tmp = makeTempDir('cix-github-');
  sim = await new GitHubSimulator({ token: TOKEN }).start();
  sim.addOrg('acme');
  sim.addRepo({
    full: 'acme/agentkit',
    commits: [
      { date: '2025-01-10T09:00:00Z', files: { '.github/workflows/changed-files.yml': CHANGED, 'README.md': 'x' } },
      { date: '2025-03-14T16:37:00Z', message: 'remove changed-files workflow', files: { '.github/workflows/changed-files.yml': null } },
    ],
  });
  sim.addRepo({ full: 'actions/checkout', commits: [{ date: '2024-01-01T00:00:00Z', files: { 'action.yml': 'runs:\n  using: node20\n  main: dist/index.js\n', 'dist/index.js': 'checkout()\n' } }], refs: { v4: 0 } });
  sim.addRepo({
    full: 'tj-actions/changed-files',
    commits: [{ date: '2025-03-14T16:00:00Z', files: { 'action.yml': 'runs:\n  using: node20\n  main: dist/index.js\n', 'dist/index.js': 'changed()\n' } }],
    refs: { v39: { commit: 0, annotated: true } },
  });
});

afterEach(async () => {
  expect(sim.rejected).toEqual([]);
  expect(sim.executionErrors).toEqual([]);
  expect(sim.violations).toEqual([]);
  await sim.stop();
  tmp.cleanup();
});

const report = z.object({
  summary: z.object({ repos: z.number(), affected: z.number(), complete: z.boolean(), incomplete: z.array(z.string()) }),
  findings: z.array(z.object({ repo: z.string(), file: z.string(), affected: z.boolean(), versions: z.array(z.object({ commit: z.string(), role: z.string() })).optional() })),
});

describe('github: in the source registry', () => {
  it('makes a GitHub source and offers the GitHub fetcher', () => {
    const env = { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: sim.apiUrl };
    expect(resolveSourceSpec('github:acme', env, { dataDir: tmp.dir })).toMatchObject({ kind: 'remote', source: { id: 'github:acme' } });
    expect(resolveSourceSpec('github:acme/a/b', env, { dataDir: tmp.dir })).toEqual({ kind: 'error', message: 'not a GitHub source: github:acme/a/b (github:ORG or github:OWNER/REPO)' });
    expect(providerFetchers(env, { dataDir: tmp.dir }, SOURCE_PROVIDERS).map((f) => f.id)).toContain('github');
  });

  it('scans an organisation as its pipelines were in the window, fetching the actions used', async () => {
    let stdout = '';
    let stderr = '';
    const code = await runSourceScan(
      { paths: ['github:acme'], indicator: 'tj-actions-changed-files-2025', format: 'json', dataDir: join(tmp.dir, 'data') },
      { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: sim.apiUrl } },
    );
    expect(stderr).not.toContain(TOKEN);
    expect(stdout).not.toContain(TOKEN);
    const json = report.parse(JSON.parse(stdout));
    expect(code).toBe(1);
    expect(json.findings.filter((f) => f.affected).map((f) => [f.repo, f.file, f.versions?.map((v) => [v.commit, v.role])])).toEqual([
      ['acme/agentkit', '.github/workflows/changed-files.yml', [[sim.oid('acme/agentkit', 0), 'window-start']]],
    ]);
    expect(json.summary.incomplete).toEqual([]);
  });

  it('a component used at a tag moved after the window is unresolved, and the report says why', async () => {
    const LINT = 'name: Lint\non: push\njobs:\n  lint:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: acme-tools/lint@v1\n';
    sim.addRepo({ full: 'acme/linted', commits: [{ date: '2025-01-10T09:00:00Z', files: { '.github/workflows/lint.yml': LINT } }] });
    sim.addRepo({
      full: 'acme-tools/lint',
      commits: [
        { date: '2025-01-01T00:00:00Z', files: { 'action.yml': 'runs:\n  using: composite\n  steps: []\n' } },
        { date: '2025-04-02T10:00:00Z', files: { 'action.yml': 'runs:\n  using: composite\n  steps:\n    - run: echo restored\n      shell: bash\n' } },
      ],
      refs: { v1: 1 },
    });
    let stdout = '';
    await runSourceScan(
      { paths: ['github:acme'], indicator: 'tj-actions-changed-files-2025', format: 'json', dataDir: join(tmp.dir, 'data') },
      { stdout: (t) => (stdout += t), stderr: () => undefined, env: { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: sim.apiUrl } },
    );
    const json = report.extend({ unresolved: z.array(z.object({ repo: z.string(), ref: z.string(), reason: z.string() })) }).parse(JSON.parse(stdout));
    expect(json.summary.complete).toBe(false);
    expect(json.summary.incomplete).toEqual(['1 component whose source could not be read']);
    expect(json.unresolved.map((u) => [u.repo, u.ref])).toEqual([['acme/linted', 'acme-tools/lint@v1']]);
    expect(json.unresolved[0]?.reason).toContain(
      `could not be fetched by github: GitHub: tag v1 of acme-tools/lint now points to ${sim.oid('acme-tools/lint', 1)} committed 2025-04-02T10:00:00Z, after the window (which ended 2025-03-15T23:59:59Z): what it pointed to during the window is not known`,
    );
  });
});

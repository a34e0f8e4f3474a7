/**
 * The component-usage index over remote sources, against the GitHub simulator: `scan github:acme --index`
 * indexes every repository version of the window (components fetched into the shared store), answers as
 * the full scan does, and after one repository's head moved re-scans that version alone — the JSON
 * report equal to the full scan's each time; `index build github:acme` keeps the index under the data
 * directory by the source spec; a git URL is indexed the same way.
 */
import { join } from 'node:path';
import { runIndexBuild, runIndexedScan } from '../../cli/index-command';
import { runSourceScan } from '../../cli/scan-sources';
import { makeGitRepo } from '../../../test/helpers/git-repo';
import { makeTempDir } from '../../../test/helpers/tmp';
import { GitHubSimulator, type SimRepoSeed } from '../../../test/simulators/github/server';

const TOKEN = 'ghp_index_secret';
const CHANGED = `name: Changed files
on: pull_request
jobs:
  changed:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: tj-actions/changed-files@v39
`;
const BUILD = `name: Build
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: make test
`;
const MISSING = `name: Lint
on: push
jobs:
  lint:
    runs-on: ubuntu-latest
    steps:
      - uses: acme/no-such-action@v1
`;
/** The window of tj-actions-changed-files-2025, written out. */
const WINDOW = '2025-03-14T00:00:00Z..2025-03-15T23:59:59Z';

/** `acme/r00`…`acme/r49`: every seventh runs tj-actions/changed-files, r03 an action that does not exist. */
function repoSeed(i: number, extra: SimRepoSeed['commits'] = []): SimRepoSeed {
  const name = `acme/r${String(i).padStart(2, '0')}`;
  const files: Record<string, string> = { '.github/workflows/build.yml': BUILD, Makefile: 'test:\n\tnpm test\n' };
  if (i % 7 === 0) files['.github/workflows/changed.yml'] = CHANGED;
  if (i === 3) files['.github/workflows/lint.yml'] = MISSING;
  return { full: name, commits: [{ date: '2025-01-10T09:00:00Z', files }, ...extra] };
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let sim: GitHubSimulator;
let tmp: ReturnType<typeof makeTempDir>;

beforeAll(async () => {
  tmp = makeTempDir('cix-index-remote-');
  sim = await new GitHubSimulator({ token: TOKEN }).start();
  sim.addOrg('acme');
  for (let i = 0; i < 50; i++) sim.addRepo(repoSeed(i));
  sim.addRepo({ full: 'actions/checkout', commits: [{ date: '2024-01-01T00:00:00Z', files: { 'action.yml': 'runs:\n  using: node20\n  main: dist/index.js\n', 'dist/index.js': 'checkout()\n' } }], refs: { v4: 0 } });
  sim.addRepo({
    full: 'tj-actions/changed-files',
    commits: [{ date: '2025-03-14T16:00:00Z', files: { 'action.yml': 'runs:\n  using: node20\n  main: dist/index.js\n', 'dist/index.js': 'changed()\n' } }],
    refs: { v39: { commit: 0, annotated: true } },
  });
});

afterAll(async () => {
  expect(sim.rejected).toEqual([]);
  expect(sim.executionErrors).toEqual([]);
  expect(sim.violations).toEqual([]);
  await sim.stop();
  tmp.cleanup();
});

const env = (): Record<string, string> => ({ GITHUB_TOKEN: TOKEN, GITHUB_API_URL: sim.apiUrl });

async function indexed(args: { paths: string[]; indicator?: string; component?: string; window?: string; dataDir: string; fetch?: boolean }): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runIndexedScan({ ...args, format: 'json' }, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: env() });
  return { code, stdout, stderr };
}

async function full(args: { paths: string[]; indicator?: string; component?: string; window?: string; dataDir: string; fetch?: boolean }): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runSourceScan({ ...args, format: 'json' }, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: env() });
  return { code, stdout, stderr };
}

interface Report {
  summary: { repos: number; affected: number; unresolved: number; complete: boolean };
  findings: Array<{ repo: string; affected: boolean; versions?: Array<{ commit: string; role: string }> }>;
  unresolved: Array<{ repo: string; ref: string; reason: string }>;
}

describe('github:acme (50 repositories) with --index', () => {
  const data = (): string => join(tmp.dir, 'data');
  const tj = { paths: ['github:acme'], indicator: 'tj-actions-changed-files-2025' };

  it('indexes every version of the window, then answers as the full scan', async () => {
    const first = await indexed({ ...tj, dataDir: data() });
    expect(first.stderr).toContain('ci-exposure index: no index yet: reading every repository\n');
    expect(first.stderr).toMatch(/ci-exposure index: re-scanned 50 of 50 repository versions \(.*inventory.*\)\n$/);
    expect(first.stderr).not.toContain(TOKEN);
    const scan = await full({ ...tj, dataDir: data() });
    expect(first.code).toBe(1);
    expect(scan.code).toBe(1);
    const report = JSON.parse(scan.stdout) as Report;
    expect(JSON.parse(first.stdout)).toEqual(report);
    expect(report.summary).toMatchObject({ repos: 50, affected: 8 });
    expect(report.findings.filter((f) => f.affected).map((f) => f.repo)).toEqual(['r00', 'r07', 'r14', 'r21', 'r28', 'r35', 'r42', 'r49'].map((r) => `acme/${r}`));
    // The action that does not exist stays unresolved, with GitHub's answer, in both.
    expect(report.unresolved.map((u) => [u.repo, u.ref])).toEqual([['acme/r03', 'acme/no-such-action@v1']]);
    expect(report.unresolved[0]?.reason).toMatch(/^no action\.yml or action\.yaml: could not be fetched by github: GitHub: Could not resolve to a Repository with the name 'acme\/no-such-action'\./);

    const again = await indexed({ ...tj, dataDir: data() });
    expect(again.stderr).toMatch(/^ci-exposure index: re-scanned 0 of 50 repository versions/);
    expect(JSON.parse(again.stdout)).toEqual(report);
  }, 60_000);

  it('a new indicator over the same versions is answered from the index alone', async () => {
    const spec = { paths: ['github:acme'], component: 'gha:actions/checkout', window: WINDOW };
    const answer = await indexed({ ...spec, dataDir: data() });
    expect(answer.stderr).toMatch(/^ci-exposure index: re-scanned 0 of 50 repository versions/);
    const scan = await full({ ...spec, dataDir: data() });
    expect(answer.code).toBe(scan.code);
    const report = JSON.parse(scan.stdout) as Report;
    expect(JSON.parse(answer.stdout)).toEqual(report);
    expect(report.findings.map((f) => f.repo)).toHaveLength(50 + 8);
  }, 60_000);

  it('one repository’s head moved: exactly that version is re-scanned, and the answer is the full scan’s', async () => {
    sim.addRepo(repoSeed(12, [{ date: '2025-04-01T09:00:00Z', message: 'add changed-files', files: { '.github/workflows/changed.yml': CHANGED } }]));
    const calls = (): number => sim.calls.graphql + sim.calls.rest;
    let before = calls();
    const answer = await indexed({ ...tj, dataDir: data() });
    const indexedCalls = calls() - before;
    expect(answer.stderr).toMatch(/^ci-exposure index: re-scanned 1 of 51 repository versions/);
    before = calls();
    const scan = await full({ ...tj, dataDir: data() });
    // The listing and versions are the provider's cost in both; the Makefiles the jobs run are read for r12 alone.
    expect(indexedCalls).toBeLessThan(calls() - before);
    const report = JSON.parse(scan.stdout) as Report;
    expect(JSON.parse(answer.stdout)).toEqual(report);
    expect(answer.code).toBe(scan.code);
    const r12 = report.findings.filter((f) => f.repo === 'acme/r12');
    expect(r12.map((f) => [f.affected, f.versions?.map((v) => [v.commit, v.role])])).toEqual([[true, [[sim.oid('acme/r12', 1), 'head']]]]);
  }, 60_000);

  it('index build github:acme keeps its own index under the data directory, by the source spec', async () => {
    let stdout = '';
    let stderr = '';
    const code = await runIndexBuild({ paths: ['github:acme'], dataDir: data(), window: WINDOW }, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: env() });
    expect(code).toBe(0);
    // Same spec as the scans above: the same index, nothing new.
    expect(stderr).toMatch(/^ci-exposure index: re-scanned 0 of 51 repository versions/);
    expect(stdout).toMatch(/^indexed 51 repository versions, \d+ jobs, \d+ components and other keys\n$/);
    stderr = '';
    const heads = await runIndexBuild({ paths: ['github:acme'], dataDir: data() }, { stdout: () => undefined, stderr: (t) => (stderr += t), env: env() });
    expect(heads).toBe(0);
    // Today's heads only: another component store (a window's is kept apart), so everything is read again.
    expect(stderr).toMatch(/another component source \(fetch into .*components\/as-of\/20250315T235959Z, no cache\): reading every repository\nci-exposure index: re-scanned 50 of 50 repository versions/);
  }, 60_000);
});

describe('a git URL with --index', () => {
  it('is indexed by commit, and answers as the full scan', async () => {
    const repo = makeGitRepo(join(tmp.dir, 'git', 'coinbase', 'agentkit'), [
      { at: '2025-01-10T09:00:00Z', files: { '.github/workflows/changed-files.yml': CHANGED } },
      { at: '2025-03-14T16:37:00Z', message: 'remove changed-files workflow', files: { '.github/workflows/changed-files.yml': null } },
    ]);
    const args = { paths: [repo.url], indicator: 'tj-actions-changed-files-2025', dataDir: join(tmp.dir, 'git-data'), fetch: false };
    const first = await indexed(args);
    // The commit current at the window's start, and the one that removed the workflow inside it.
    expect(first.stderr).toMatch(/ci-exposure index: re-scanned 2 of 2 repository versions/);
    const scan = await full(args);
    expect(first.code).toBe(1);
    expect(JSON.parse(first.stdout)).toEqual(JSON.parse(scan.stdout));
    const again = await indexed(args);
    expect(again.stderr).toMatch(/^ci-exposure index: re-scanned 0 of 2 repository versions/);
    expect(JSON.parse(again.stdout)).toEqual(JSON.parse(scan.stdout));
  }, 60_000);
});

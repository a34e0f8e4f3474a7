/**
 * attachSecretFacts on scanned findings, against the simulated CircleCI and GitHub (their answers checked
 * against the published specs): project variable names on CircleCI findings (the seed's fixture), none
 * said as none, contexts with their restrictions, the GitHub token's default; not read kept as it is; and
 * no value — project variable, context variable, public key, token — anywhere in the results or reports.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GitHubSimulator } from '../../test/simulators/github/server';
import { CircleCiSimulator } from '../../test/simulators/circleci/server';
import { catalogIndicator } from '../core/indicators/catalog';
import type { Finding, Indicator, ScanResult } from '../core/model';
import { renderReport } from '../core/report';
import { scan } from '../core/scan';
import { memorySource } from '../core/testing';
import { CircleCiClient } from './circleci/client';
import { GitHubClient } from './github/client';
import { attachSecretFacts } from './secret-facts';

const CIRCLE_TOKEN = 'cci-secret-facts-token-3141';
const GH_TOKEN = 'ghp_secret_facts_token_2718';
const FIXTURES = join(__dirname, '../core/platforms/circleci/__fixtures__');
const VALUES = ['AKIAFACTSPROJECTVALUE0001', 'npm_FACTSPROJECTVALUE0002', 'aws-CONTEXTVALUE-0003', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFACTSpublicKEY'];

function indicator(id: string): Indicator {
  const found = catalogIndicator(id);
  if (!found) throw new Error(`catalog has no ${id}`);
  return found;
}

/** The seed's fixture: the codecov orb in an isolated `coverage` job and in `test-and-package` (context aws-prod). */
function circleScan(repo = 'acme/site'): ScanResult {
  const source = memorySource({ 'circleci/orbs/codecov/codecov@1.1.1.yml': readFileSync(join(FIXTURES, 'cache/circleci/orbs/codecov/codecov@1.1.1.yml'), 'utf8') });
  return scan([{ repo, files: [{ path: '.circleci/config.yml', text: readFileSync(join(FIXTURES, 'codecov-direct.yml'), 'utf8') }] }], indicator('codecov-bash-uploader-2021'), source);
}

const WORKFLOW = 'on: push\njobs:\n  cov:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: tj-actions/changed-files@v45\n';

function githubScan(repos: string[]): ScanResult {
  return scan(
    repos.map((repo) => ({ repo, files: [{ path: '.github/workflows/ci.yml', text: WORKFLOW }] })),
    indicator('tj-actions-changed-files-2025'),
    memorySource({}),
  );
}

function job(r: ScanResult | undefined, repo: string, name: string): Finding {
  const f = r?.findings.find((x) => x.repo === repo && x.job === name && x.affected);
  if (!f) throw new Error(`no affected finding ${repo} ${name}`);
  return f;
}

let circle: CircleCiSimulator;
let gh: GitHubSimulator;

beforeEach(async () => {
  circle = await CircleCiSimulator.start({ token: CIRCLE_TOKEN });
  circle.addProject({
    slug: 'gh/acme/site',
    envVars: [
      { name: 'NPM_TOKEN', value: VALUES[1] as string },
      { name: 'AWS_SECRET_ACCESS_KEY', value: VALUES[0] as string },
    ],
    checkoutKeys: [{ type: 'deploy-key', sha256: 'SHA256:siteDEPLOYkey', md5: '01:02', publicKey: VALUES[3] as string, preferred: true, createdAt: '2024-01-01T00:00:00.000Z' }],
  });
  circle.addProject({ slug: 'gh/acme/seed' });
  circle.addContext({
    name: 'aws-prod',
    ownerSlug: 'gh/acme',
    variables: [{ variable: 'AWS_ACCESS_KEY_ID', value: VALUES[2] as string, createdAt: '2024-01-01T00:00:00.000Z', updatedAt: '2024-01-01T00:00:00.000Z' }],
    restrictions: [{ type: 'group', value: '5f2c2a4e-0d1b-4f59-9d43-6f1a2b3c4d5e', name: 'deployers' }],
  });
  gh = await new GitHubSimulator({ token: GH_TOKEN }).start();
  for (const full of ['acme/web', 'acme/api', 'acme/locked']) gh.addRepo({ full, commits: [{ date: '2025-01-01T00:00:00Z', files: { 'README.md': 'x' } }] });
  gh.actions.setWorkflowPermissions('acme/web', { defaultPermissions: 'write', canApprovePullRequestReviews: false });
  gh.actions.setWorkflowPermissions('acme/api', { defaultPermissions: 'read', canApprovePullRequestReviews: false });
  gh.actions.setWorkflowPermissions('acme/locked', { status: 403 });
});

afterEach(async () => {
  expect(circle.violations).toEqual([]);
  expect(gh.violations).toEqual([]);
  await circle.stop();
  await gh.stop();
});

const circleClient = (token: string | null = CIRCLE_TOKEN): CircleCiClient =>
  new CircleCiClient({ CIRCLECI_URL: circle.url, ...(token === null ? {} : { CIRCLECI_TOKEN: token }) }, { sleep: async () => undefined, maxRetries: 1 });
const ghClient = (): GitHubClient => new GitHubClient({ apiUrl: gh.apiUrl, token: GH_TOKEN, serverBackoffMs: 1, secondaryBackoffMs: 1 });

describe('attachSecretFacts: CircleCI', () => {
  it('project variables NPM_TOKEN and AWS_SECRET_ACCESS_KEY by name on every affected job; the isolated one can read them', async () => {
    const [r] = await attachSecretFacts([circleScan()], { circleci: circleClient() });
    const coverage = job(r, 'acme/site', 'coverage');
    expect(coverage.exposure.secrets).toEqual(['CODECOV_TOKEN', 'project variable AWS_SECRET_ACCESS_KEY', 'project variable NPM_TOKEN']);
    expect(coverage.verdict).toBe('high');
    expect(coverage.reasons).toContain(
      'CircleCI project gh/acme/site stores the environment variables `AWS_SECRET_ACCESS_KEY`, `NPM_TOKEN` (names read from CircleCI, values never): they reach every job of the project, this one included, whatever its contexts.',
    );
    expect(coverage.reasons).toContain('Checkout keys of gh/acme/site: deploy-key SHA256:siteDEPLOYkey.');
    const pkg = job(r, 'acme/site', 'test-and-package');
    expect(pkg.verdict).toBe('critical');
    expect(pkg.exposure.secrets).toEqual(['CODECOV_TOKEN', 'project variable AWS_SECRET_ACCESS_KEY', 'project variable NPM_TOKEN']);
    expect(pkg.reasons).toContain('Context `aws-prod` holds `AWS_ACCESS_KEY_ID`; restricted to security group deployers.');
    // One listing per project and per context, whatever the number of findings.
    const paths = circle.requests.map((q) => q.path);
    expect(paths.filter((p) => p === '/api/v2/project/gh/acme/site/envvar')).toHaveLength(1);
    expect(paths.filter((p) => p === '/api/v2/project/gh/acme/site/checkout-key')).toHaveLength(1);
    expect(paths.filter((p) => p.endsWith('/restrictions'))).toHaveLength(1);
  });

  it('the seed: a project with no variable and a job with no context — said exactly, the verdict stays', async () => {
    const before = job(circleScan('acme/seed'), 'acme/seed', 'coverage');
    const [r] = await attachSecretFacts([circleScan('acme/seed')], { circleci: circleClient() });
    const coverage = job(r, 'acme/seed', 'coverage');
    expect([before.verdict, coverage.verdict]).toEqual(['low', 'low']);
    expect(coverage.exposure.secrets).toEqual(['CODECOV_TOKEN']);
    expect(coverage.reasons).toContain('CircleCI project gh/acme/seed stores no environment variables and the job uses no context: no stored variable reaches it (read from CircleCI).');
    expect(coverage.reasons).toContain('gh/acme/seed has no checkout key.');
  });

  it('not read (no token, a project CircleCI does not know): verdicts as they were, with why', async () => {
    const before = circleScan();
    const [none] = await attachSecretFacts([before], { circleci: circleClient(null) });
    const coverage = job(none, 'acme/site', 'coverage');
    expect(coverage.verdict).toBe(job(before, 'acme/site', 'coverage').verdict);
    expect(coverage.exposure.secrets).toEqual(['CODECOV_TOKEN', 'project environment variables']);
    expect(coverage.reasons).toContain('Not read: the environment variables of CircleCI project gh/acme/site: no CircleCI token (CIRCLECI_TOKEN). They reach every job of the project: assume they hold credentials.');
    expect(circle.requests).toEqual([]);

    const [unknown] = await attachSecretFacts([circleScan('acme/elsewhere')], { circleci: circleClient() });
    const other = job(unknown, 'acme/elsewhere', 'coverage');
    expect(other.verdict).toBe('low');
    expect(other.reasons).toContain(
      'Not read: the environment variables of CircleCI project gh/acme/elsewhere: CircleCI answered HTTP 404 to the environment variables of gh/acme/elsewhere: Project not found. They reach every job of the project: assume they hold credentials.',
    );
    const [unmapped] = await attachSecretFacts([circleScan()], { circleci: circleClient(), circleciSlugOf: () => undefined });
    expect(job(unmapped, 'acme/site', 'coverage').reasons).toContain('Not read: the environment variables of CircleCI project acme/site: the CircleCI project of acme/site is not known. They reach every job of the project: assume they hold credentials.');
  });
});

describe('attachSecretFacts: GitHub default workflow permission', () => {
  it('write says the token can push, read lowers a verdict the token alone decided, 403 is not read', async () => {
    const [r] = await attachSecretFacts([githubScan(['acme/web', 'acme/api', 'acme/locked'])], { github: ghClient() });
    expect([job(r, 'acme/web', 'cov').verdict, job(r, 'acme/web', 'cov').exposure.permissions]).toEqual(['high', 'repository default (write)']);
    expect([job(r, 'acme/api', 'cov').verdict, job(r, 'acme/api', 'cov').exposure.permissions]).toEqual(['low', 'repository default (read)']);
    const locked = job(r, 'acme/locked', 'cov');
    expect([locked.verdict, locked.exposure.permissions]).toEqual(['high', 'repository default']);
    // Refused, and the organisation acme's default is not given either (404): not read, both said.
    expect(locked.reasons.at(-1)).toBe(
      'Not read: the default workflow permission of acme/locked: GitHub answered HTTP 403: Resource not accessible by personal access token; the organisation default of acme: GitHub answered HTTP 404: Not Found. GITHUB_TOKEN is counted as may-write.',
    );
    const [none] = await attachSecretFacts([githubScan(['acme/web'])], {});
    expect(job(none, 'acme/web', 'cov').reasons.at(-1)).toBe('Not read: the default workflow permission of acme/web: no GitHub token (GITHUB_TOKEN). GITHUB_TOKEN is counted as may-write.');
  });
});

describe('attachSecretFacts: the organisation default when the repository refuses', () => {
  it('a refused repository (403) takes its organisation default, named as such: read binds (and lowers), write is counted as write', async () => {
    // gone/web: not seeded, its setting answers 404.
    for (const full of ['team/locked', 'corp/locked', 'corp/other']) gh.actions.setWorkflowPermissions(full, { status: 403 });
    gh.actions.setWorkflowPermissions('team', { defaultPermissions: 'read', canApprovePullRequestReviews: false });
    gh.actions.setWorkflowPermissions('corp', { defaultPermissions: 'write', canApprovePullRequestReviews: true });
    gh.actions.setWorkflowPermissions('gone', { defaultPermissions: 'read', canApprovePullRequestReviews: false });
    const refused = 'GitHub answered HTTP 403: Resource not accessible by personal access token';
    const [r] = await attachSecretFacts([githubScan(['team/locked', 'corp/locked', 'corp/other', 'gone/web'])], { github: ghClient() });
    const team = job(r, 'team/locked', 'cov');
    expect([team.verdict, team.exposure.permissions]).toEqual(['low', 'organisation default (read)']);
    expect(team.reasons).toContain(
      `team/locked's own default workflow permission could not be read (${refused}); the organisation default of team is read (read from GitHub), which binds its repositories: this job's GITHUB_TOKEN cannot push, tag or release.`,
    );
    expect(team.reasons.at(-1)).toBe("Verdict lowered from high to low: the token was its only reason, and the organisation's default gives it read access only.");
    const corp = job(r, 'corp/locked', 'cov');
    expect([corp.verdict, corp.exposure.permissions]).toEqual(['high', 'organisation default (write)']);
    expect(corp.reasons.at(-1)).toBe(
      `corp/locked's own default workflow permission could not be read (${refused}); the organisation default of corp is write (read from GitHub): the repository may have restricted it to read, so it is counted as write — this job's GITHUB_TOKEN can push commits and tags and create releases. GitHub Actions may also approve pull requests in this repository: the token can approve a pull request that a payload opens.`,
    );
    // A 404 of the repository's setting is not a refusal: the organisation is not asked for it.
    const gone = job(r, 'gone/web', 'cov');
    expect([gone.verdict, gone.exposure.permissions]).toEqual(['high', 'repository default']);
    expect(gone.reasons.at(-1)).toBe('Not read: the default workflow permission of gone/web: GitHub answered HTTP 404: Not Found. GITHUB_TOKEN is counted as may-write.');
    // One read per organisation, whatever the number of its repositories.
    const orgReads = gh.restPaths.filter((p) => /^\/orgs\/[^/]+\/actions\/permissions\/workflow$/.test(p));
    expect(orgReads.sort()).toEqual(['/orgs/corp/actions/permissions/workflow', '/orgs/team/actions/permissions/workflow']);
  });
});

describe('no value anywhere', () => {
  it('results and every report format carry names, never a value, a masked tail, key material or a token', async () => {
    const results = await attachSecretFacts([circleScan(), githubScan(['acme/web'])], { circleci: circleClient(), github: ghClient() });
    const out = [JSON.stringify(results), ...(['json', 'markdown', 'csv', 'sarif', 'table'] as const).map((f) => renderReport(f, results))].join('\n');
    for (const v of [...VALUES, CIRCLE_TOKEN, GH_TOKEN]) {
      expect(out).not.toContain(v);
      expect(out).not.toContain(`xxxx${v.slice(-4)}`);
    }
    expect(out).not.toContain('AAAAC3NzaC1lZDI1NTE5');
    expect(out).toContain('project variable NPM_TOKEN');
  });
});

/**
 * withStoredSecrets: the platform's facts on scanned findings (the seed's CircleCI fixture and a GitHub
 * workflow without `permissions:`) — names replace the generic label, verdicts move only on facts read.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { catalogIndicator } from '../indicators/catalog';
import type { Finding, Indicator, ScanResult } from '../model';
import { scan } from '../scan';
import { memorySource } from '../testing';
import { restrictionText, SSH_KEYS_NOT_LISTED, withStoredSecrets, type CircleCiStoredFacts, type GitHubTokenFacts } from './stored-secrets';

const FIXTURES = join(__dirname, '../platforms/circleci/__fixtures__');

function indicator(id: string): Indicator {
  const found = catalogIndicator(id);
  if (!found) throw new Error(`catalog has no ${id}`);
  return found;
}

function circleResult(id = 'codecov-bash-uploader-2021'): ScanResult {
  const source = memorySource({ 'circleci/orbs/codecov/codecov@1.1.1.yml': readFileSync(join(FIXTURES, 'cache/circleci/orbs/codecov/codecov@1.1.1.yml'), 'utf8') });
  return scan([{ repo: 'acme/site', files: [{ path: '.circleci/config.yml', text: readFileSync(join(FIXTURES, 'codecov-direct.yml'), 'utf8') }] }], indicator(id), source);
}

function job(r: ScanResult, name: string): Finding {
  const f = r.findings.find((x) => x.job === name && x.affected);
  if (!f) throw new Error(`no affected finding for ${name}`);
  return f;
}

const WORKFLOW = `on: push
jobs:
  cov:
    runs-on: ubuntu-latest
    steps:
      - uses: tj-actions/changed-files@v45
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: tj-actions/changed-files@v45
      - uses: actions/upload-artifact@v4
        with:
          name: dist
          path: dist
  publish:
    needs: build
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - uses: actions/download-artifact@v4
        with:
          name: dist
      - run: npm publish
        env:
          NODE_AUTH_TOKEN: \${{ secrets.NPM_TOKEN }}
  release:
    runs-on: ubuntu-latest
    steps:
      - uses: tj-actions/changed-files@v45
      - run: gh release create v1 dist/*
  scoped:
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - uses: tj-actions/changed-files@v45
`;

function githubResult(): ScanResult {
  return scan([{ repo: 'acme/web', files: [{ path: '.github/workflows/ci.yml', text: WORKFLOW }] }], indicator('tj-actions-changed-files-2025'), memorySource({}));
}

const facts = (over: Partial<CircleCiStoredFacts> = {}): CircleCiStoredFacts => ({
  platform: 'circleci',
  project: 'gh/acme/site',
  projectVariables: ['AWS_SECRET_ACCESS_KEY', 'NPM_TOKEN'],
  contexts: [],
  checkoutKeys: [{ type: 'deploy-key', fingerprint: 'SHA256:abc' }],
  ...over,
});

const token = (d: GitHubTokenFacts['defaultPermission']): GitHubTokenFacts => ({ platform: 'github-actions', repo: 'acme/web', defaultPermission: d });

describe('CircleCI facts', () => {
  it('project variables by name replace the generic label, and the isolated coverage job can read secrets: low → high', () => {
    const before = job(circleResult(), 'coverage');
    expect(before.verdict).toBe('low');
    expect(before.exposure.secrets).toEqual(['CODECOV_TOKEN', 'project environment variables']);
    const after = withStoredSecrets(before, facts());
    expect(after.exposure.secrets).toEqual(['CODECOV_TOKEN', 'project variable AWS_SECRET_ACCESS_KEY', 'project variable NPM_TOKEN']);
    expect(after.verdict).toBe('high');
    expect(after.ruleIds[0]).toBe('secrets');
    expect(after.reasons[0]).toBe('High: the job can read secrets; no path to a release or deploy was found in the config.');
    expect(after.reasons.slice(1, before.reasons.length)).toEqual(before.reasons.slice(1));
    expect(after.reasons.slice(before.reasons.length)).toEqual([
      'CircleCI project gh/acme/site stores the environment variables `AWS_SECRET_ACCESS_KEY`, `NPM_TOKEN` (names read from CircleCI, values never): they reach every job of the project, this one included, whatever its contexts.',
      'Checkout keys of gh/acme/site: deploy-key SHA256:abc.',
      SSH_KEYS_NOT_LISTED,
      "Verdict raised from low to high: the project's environment variables are secrets every job of it can read.",
    ]);
  });

  it('no project variable and no context: the seed\'s conclusion holds, said exactly, the verdict stays', () => {
    const before = job(circleResult(), 'coverage');
    const after = withStoredSecrets(before, facts({ projectVariables: [], checkoutKeys: [] }));
    expect(after.verdict).toBe('low');
    expect(after.exposure.secrets).toEqual(['CODECOV_TOKEN']);
    expect(after.reasons.slice(before.reasons.length)).toEqual([
      'CircleCI project gh/acme/site stores no environment variables and the job uses no context: no stored variable reaches it (read from CircleCI).',
      'gh/acme/site has no checkout key.',
      SSH_KEYS_NOT_LISTED,
    ]);
  });

  it('not read: the verdict and the generic label stay, with the reason', () => {
    const before = job(circleResult(), 'coverage');
    const after = withStoredSecrets(before, facts({ projectVariables: { notRead: 'CircleCI answered HTTP 403' }, checkoutKeys: { notRead: 'CircleCI answered HTTP 403' } }));
    expect(after.verdict).toBe('low');
    expect(after.exposure.secrets).toEqual(before.exposure.secrets);
    expect(after.reasons.slice(before.reasons.length)).toEqual([
      'Not read: the environment variables of CircleCI project gh/acme/site: CircleCI answered HTTP 403. They reach every job of the project: assume they hold credentials.',
      'Not read: the checkout keys of gh/acme/site: CircleCI answered HTTP 403.',
      SSH_KEYS_NOT_LISTED,
    ]);
  });

  it('contexts the job uses: variable names and who may use them; a critical job stays critical', () => {
    const before = job(circleResult(), 'test-and-package');
    expect(before.verdict).toBe('critical');
    const after = withStoredSecrets(
      before,
      facts({
        projectVariables: [],
        checkoutKeys: [{ type: 'github-user-key', fingerprint: 'SHA256:user' }],
        contexts: [{ name: 'aws-prod', variables: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'], restrictions: [] }],
      }),
    );
    expect(after.verdict).toBe('critical');
    expect(after.reasons[0]).toBe(before.reasons[0]);
    expect(after.reasons.slice(before.reasons.length)).toEqual([
      "CircleCI project gh/acme/site stores no environment variables (read from CircleCI); the job's variables come from its contexts only.",
      "Context `aws-prod` holds `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`; unrestricted: any project member's pipeline can use it (any project of the organisation).",
      "Checkout keys of gh/acme/site: github-user-key SHA256:user — a github-user-key acts with its user's GitHub rights (every repository that user can push to), not only this repository.",
      SSH_KEYS_NOT_LISTED,
    ]);
  });

  it('restrictions: security group, project, expression; not read', () => {
    expect(restrictionText([{ type: 'group', name: 'deployers', value: '7b0f' }])).toBe('restricted to security group deployers');
    expect(restrictionText([{ type: 'group', value: '7b0f' }, { type: 'expression', value: 'pipeline.git.branch == "main"' }])).toBe('restricted to security group 7b0f and pipelines matching `pipeline.git.branch == "main"`');
    expect(restrictionText([{ type: 'project', name: 'site', value: 'a1' }])).toBe('restricted to project site');
    expect(restrictionText({ notRead: 'CircleCI answered HTTP 404: Context not found.' })).toBe('who may use it not read: CircleCI answered HTTP 404: Context not found.');
  });

  it('a platform breach keeps its verdicts (it took the stored secrets whichever job ran)', () => {
    const before = job(circleResult('circleci-platform-2023'), 'coverage');
    const after = withStoredSecrets(before, facts(), { platformIncident: true });
    expect(after.verdict).toBe(before.verdict);
    expect(after.exposure.secrets).toContain('project variable NPM_TOKEN');
  });

  it('a not-run finding keeps `not-run`; its static exposure is raised', () => {
    const before = { ...job(circleResult(), 'coverage'), verdict: 'not-run' as const, exposureVerdict: 'low' as const };
    const after = withStoredSecrets(before, facts());
    expect([after.verdict, after.exposureVerdict]).toEqual(['not-run', 'high']);
  });

  it('findings of another platform, or not affected, come back as they are', () => {
    const gh = job(githubResult(), 'cov');
    expect(withStoredSecrets(gh, facts())).toBe(gh);
    const notAffected = { ...job(circleResult(), 'coverage'), affected: false };
    expect(withStoredSecrets(notAffected, facts())).toBe(notAffected);
  });
});

describe('GitHub default workflow permission', () => {
  it('read: a high decided by the token alone drops to low (nothing consumed) or medium (a tamper path)', () => {
    const r = githubResult();
    const cov = job(r, 'cov');
    expect([cov.verdict, cov.ruleIds[0], cov.exposure.permissions]).toEqual(['high', 'token-permissions', 'repository default']);
    const low = withStoredSecrets(cov, token({ value: 'read', canApprovePullRequests: false }));
    expect([low.verdict, low.ruleIds[0], low.exposure.permissions]).toEqual(['low', 'compromised-component', 'repository default (read)']);
    expect(low.reasons[0]).toMatch(/^Low: isolated/);
    expect(low.reasons.slice(-2)).toEqual([
      "acme/web's default workflow permission is read (read from GitHub): this job's GITHUB_TOKEN cannot push, tag or release.",
      'Verdict lowered from high to low: the token was its only reason, and the repository\'s default gives it read access only.',
    ]);
    // High by its token, and its artifact reaches a job that publishes: a tamper path toward a release stays.
    const build = job(r, 'build');
    expect([build.verdict, build.ruleIds[0]]).toEqual(['high', 'token-permissions']);
    const medium = withStoredSecrets(build, token({ value: 'read', canApprovePullRequests: false }));
    expect([medium.verdict, medium.ruleIds[0]]).toEqual(['medium', 'tamper']);
    expect(medium.reasons[0]).toMatch(/^Medium: .*reaches `publish`/);
    // A release decided the verdict (what it publishes with is not on the finding): it stays, the fact is said.
    const release = job(r, 'release');
    expect([release.verdict, release.ruleIds[0]]).toEqual(['critical', 'deploy']);
    const kept = withStoredSecrets(release, token({ value: 'read', canApprovePullRequests: false }));
    expect([kept.verdict, kept.exposure.permissions]).toEqual(['critical', 'repository default (read)']);
  });

  it('write: the verdict stays, the reason says the token can push, tag and release', () => {
    const cov = job(githubResult(), 'cov');
    const after = withStoredSecrets(cov, token({ value: 'write', canApprovePullRequests: true }));
    expect([after.verdict, after.exposure.permissions]).toEqual(['high', 'repository default (write)']);
    expect(after.reasons.at(-1)).toBe(
      "acme/web's default workflow permission is write (read from GitHub): this job's GITHUB_TOKEN can push commits and tags and create releases — a payload can change what the repository ships. GitHub Actions may also approve pull requests in this repository: the token can approve a pull request that a payload opens.",
    );
  });

  it('not read: as today, with the reason; a job with its own `permissions:` is left alone', () => {
    const r = githubResult();
    const cov = job(r, 'cov');
    const after = withStoredSecrets(cov, token({ notRead: 'GitHub answered HTTP 403: Resource not accessible by personal access token' }));
    expect([after.verdict, after.exposure.permissions]).toEqual(['high', 'repository default']);
    expect(after.reasons.at(-1)).toBe('Not read: the default workflow permission of acme/web: GitHub answered HTTP 403: Resource not accessible by personal access token. GITHUB_TOKEN is counted as may-write.');
    const scoped = job(r, 'scoped');
    expect(withStoredSecrets(scoped, token({ value: 'write', canApprovePullRequests: false }))).toBe(scoped);
  });
});

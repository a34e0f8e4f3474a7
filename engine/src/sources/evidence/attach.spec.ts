/**
 * attachEvidence against the GitLab and CircleCI simulators: ran / not-run / unavailable per platform,
 * GitLab job logs (payload print, malicious commit named, log gone), the project each repository is on
 * (from the sources it was read from), Jenkins and platforms without a provider, `summary.ran` across
 * platforms. The GitHub paths (direct, calling and called jobs) are in evidence-cli.spec.ts.
 */
import { createHash } from 'node:crypto';
import { CircleCiSimulator } from '../../../test/simulators/circleci/server';
import { GitHubSimulator } from '../../../test/simulators/github/server';
import { startGitLabSimulator, type GitLabSimulator } from '../../../test/simulators/gitlab/server';
import { GitHubClient } from '../github/client';
import { GitHubEvidence } from '../github/evidence';
import type { Finding, FindingRuns, Indicator, Platform, ScanResult } from '../../core/model';
import { attachEvidence, circleciSlug, gitlabOrigin, mergeRuns } from './attach';
import { evidenceProvidersFromEnv } from './providers';

const GL_TOKEN = 'glpat-attach-evidence';
const CCI_TOKEN = 'cci-attach-evidence';
const START = Date.parse('2025-03-14T10:00:00Z');
const END = Date.parse('2025-03-14T12:00:00Z');
const WINDOW = { start: START, end: END };
const MALICIOUS = 'aaaaaaaa0e58ed8671d6b60d0890c21b07f8835a';
const PAYLOAD = Buffer.from(Buffer.from('{"NPM_TOKEN":{"value":"npm_zzz","isSecret":true}}').toString('base64')).toString('base64');
const TRACE = ['Running with gitlab-runner 17.0.0', `Fetching include corp/ci@${MALICIOUS}`, `$ upload ${PAYLOAD}`, 'Job succeeded', ''].join('\n');
const NOW = Date.parse('2025-04-01T00:00:00Z');

const INDICATOR: Indicator = {
  id: 'test-include-2025',
  title: 'a compromised include',
  kind: 'gitlab',
  windowStart: new Date(START).toISOString(),
  windowEnd: new Date(END).toISOString(),
  windowConfidence: 'test',
  components: [{ kind: 'gitlab-include', id: 'corp/ci', affectedRefs: ['*'], safeRefs: [], maliciousShas: [MALICIOUS] }],
  exposureScope: 'test',
  sources: [],
};

let gitlab: GitLabSimulator;
let circle: CircleCiSimulator;

beforeAll(async () => {
  const history = { createdAt: '2025-03-01T09:00:00Z', jobs: [{ name: 'coverage', stage: 'test' }] };
  gitlab = await startGitLabSimulator(
    {
      projects: [
        {
          path: 'acme/app',
          commits: [],
          defaultBranch: null,
          pipelines: [history, { createdAt: '2025-03-14T10:30:00Z', jobs: [{ name: 'coverage', stage: 'test', startedAt: '2025-03-14T10:31:00Z', trace: TRACE }] }],
        },
        {
          path: 'acme/clean',
          commits: [],
          defaultBranch: null,
          pipelines: [history, { createdAt: '2025-03-14T10:30:00Z', jobs: [{ name: 'coverage', stage: 'test', startedAt: '2025-03-14T10:31:00Z' }] }],
        },
        {
          path: 'acme/erased',
          commits: [],
          defaultBranch: null,
          pipelines: [history, { createdAt: '2025-03-14T10:30:00Z', jobs: [{ name: 'coverage', stage: 'test', startedAt: '2025-03-14T10:31:00Z', trace: null }] }],
        },
        { path: 'acme/idle', commits: [], defaultBranch: null, pipelines: [history] },
        // Public projects whose logs printed the payload: readable by anyone, unless public_jobs is off;
        // internal ones: by every signed-in user of the instance, unless public_jobs is off.
        ...(['acme/pub', 'acme/pub-hidden', 'acme/internal', 'acme/internal-hidden'] as const).map((path) => ({
          path,
          commits: [],
          defaultBranch: null,
          visibility: path.startsWith('acme/pub') ? ('public' as const) : ('internal' as const),
          publicJobs: !path.endsWith('-hidden'),
          pipelines: [
            history,
            {
              createdAt: '2025-03-14T10:30:00Z',
              jobs: [
                { name: 'coverage', stage: 'test', startedAt: '2025-03-14T10:31:00Z', trace: TRACE },
                { name: 'upload', stage: 'test', startedAt: '2025-03-14T10:32:00Z', trace: TRACE },
              ],
            },
          ],
        })),
      ],
    },
    { tokens: [GL_TOKEN] },
  );
  circle = await CircleCiSimulator.start({ token: CCI_TOKEN });
  for (const slug of ['gh/acme/site', 'gh/acme/still']) {
    circle.addProject({ slug });
    circle.addWorkflow(circle.addPipeline({ project: slug, createdAt: '2025-01-01T00:00:00Z', source: 'version: 2.1\n' }), { name: 'main', jobs: [{ name: 'coverage', startedAt: '2025-01-01T00:01:00Z' }] });
  }
  circle.addWorkflow(circle.addPipeline({ project: 'gh/acme/site', createdAt: '2025-03-14T11:00:00Z', source: 'version: 2.1\n' }), { name: 'main', jobs: [{ name: 'coverage', startedAt: '2025-03-14T11:01:00Z' }] });
  // Runs that used contexts (job details): npm, which the configuration names, and aws-prod, which it does not.
  circle.addProject({ slug: 'gh/acme/ctx' });
  circle.addWorkflow(circle.addPipeline({ project: 'gh/acme/ctx', createdAt: '2025-01-01T00:00:00Z', source: 'version: 2.1\n' }), { name: 'main', jobs: [{ name: 'deploy', startedAt: '2025-01-01T00:01:00Z' }] });
  circle.addWorkflow(circle.addPipeline({ project: 'gh/acme/ctx', createdAt: '2025-03-14T11:00:00Z', source: 'version: 2.1\n' }), {
    name: 'main',
    jobs: [
      { name: 'deploy', startedAt: '2025-03-14T11:01:00Z', contexts: ['npm', 'aws-prod'] },
      { name: 'lint', startedAt: '2025-03-14T11:02:00Z', contexts: ['npm'] },
    ],
  });
  circle.addContext({ name: 'aws-prod', ownerSlug: 'gh/acme', variables: [{ variable: 'AWS_SECRET_ACCESS_KEY', value: 'aws-value-that-must-not-leak', createdAt: '2024-01-01T00:00:00Z', updatedAt: '2024-01-01T00:00:00Z' }] });
  circle.addContext({ name: 'npm', ownerSlug: 'gh/acme', variables: [{ variable: 'NPM_TOKEN', value: 'npm-value-that-must-not-leak', createdAt: '2024-01-01T00:00:00Z', updatedAt: '2024-01-01T00:00:00Z' }] });
});

afterAll(async () => {
  await gitlab.close();
  expect(circle.violations).toEqual([]);
  await circle.stop();
});

function finding(platform: Platform, repo: string, jobId: string, extra: Partial<Finding> = {}): Finding {
  return {
    repo,
    file: '.gitlab-ci.yml',
    line: 1,
    platform,
    workflow: 'main',
    job: jobId,
    jobId,
    jobFile: platform === 'circleci' ? '.circleci/config.yml' : platform === 'jenkins' ? 'Jenkinsfile' : '.gitlab-ci.yml',
    affected: true,
    chain: [],
    exposure: { contexts: [], secrets: ['NPM_TOKEN'], permissions: 'not applicable', oidc: false, selfHosted: false, triggers: ['push'] },
    tamper: [],
    verdict: 'high',
    ruleIds: ['secrets'],
    reasons: ['static'],
    advice: [],
    indicator: INDICATOR.id,
    ...extra,
  };
}

function result(findings: Finding[]): ScanResult {
  return { indicator: { id: INDICATOR.id, title: INDICATOR.title }, summary: { repos: 1, files: 1, jobs: findings.length, affected: findings.length, unresolved: 0, errors: 0 }, findings, unresolved: [], errors: [] };
}

const env = (tokens: boolean): Record<string, string> => ({
  GITLAB_URL: gitlab.url,
  CIRCLECI_URL: circle.url,
  ...(tokens ? { GITLAB_TOKEN: GL_TOKEN, CIRCLECI_TOKEN: CCI_TOKEN } : {}),
});

async function runsFor(findings: Finding[], origins: Record<string, string[]>, tokens = true): Promise<{ runs: Array<FindingRuns | undefined>; ran: number | undefined }> {
  const [out] = await attachEvidence([result(findings)], [INDICATOR], WINDOW, evidenceProvidersFromEnv(env(tokens), { now: () => NOW }), { origins: new Map(Object.entries(origins)) });
  return { runs: out?.findings.map((f) => f.runs) ?? [], ran: out?.summary.ran };
}

describe('attachEvidence: GitLab', () => {
  it('a job that ran: its runs, its log hashed, the payload print and the malicious commit named by the log', async () => {
    const { runs, ran } = await runsFor([finding('gitlab-ci', 'acme/app', 'coverage')], { 'acme/app': ['gitlab:acme'] });
    expect(ran).toBe(1);
    const [r] = runs;
    expect(r).toMatchObject({ state: 'ran', count: 1, first: '2025-03-14T10:31:00.000Z', last: '2025-03-14T10:31:00.000Z', resolution: 'malicious', payloadInLog: true });
    expect(r?.logs).toEqual([
      {
        jobId: expect.any(Number) as number,
        url: expect.stringMatching(/^https:\/\/gitlab\.example\/acme\/app\/-\/jobs\/\d+$/) as string,
        readAt: '2025-04-01T00:00:00.000Z',
        sha256: createHash('sha256').update(TRACE).digest('hex'),
        bytes: Buffer.byteLength(TRACE),
        lines: [{ line: 2, text: `Fetching include corp/ci@${MALICIOUS}` }],
        payloadLines: [{ line: 3, length: PAYLOAD.length }],
      },
    ]);
    // The payload (the secrets, encoded) is never kept.
    expect(JSON.stringify(r)).not.toContain(PAYLOAD);
    const trace = gitlab.requests.filter((q) => /\/api\/v4\/projects\/acme%2Fapp\/jobs\/\d+\/trace$/.test(q.path));
    expect(trace.map((q) => [q.auth, q.status, q.query])).toEqual([['private-token', 200, {}]]);
  });

  it('a log that names no malicious commit leaves the resolution unknown (never clean); an erased log is gone', async () => {
    const { runs } = await runsFor([finding('gitlab-ci', 'acme/clean', 'coverage'), finding('gitlab-ci', 'acme/erased', 'coverage')], { 'acme/clean': ['gitlab:acme'], 'acme/erased': ['gitlab:acme'] });
    const [clean, erased] = runs;
    expect(clean).toMatchObject({ state: 'ran', count: 1, resolution: 'unavailable', payloadInLog: false });
    expect(clean?.resolutionReason).toBe(
      'GitLab logs do not say which commit an include or component resolved to (it is read when the pipeline is created); no log read names a malicious commit (aaaaaaaa0e58)',
    );
    expect(clean?.logs).toHaveLength(1);
    expect(erased).toMatchObject({ state: 'ran', count: 1, resolution: 'unavailable', logs: [] });
    expect(erased?.gone).toEqual([{ jobId: expect.any(Number) as number, url: expect.stringContaining('/acme/erased/-/jobs/') as string, status: 410 }]);
    expect(erased?.resolutionReason).toMatch(/the log of job \d+ is gone \(GitLab gave an empty log: erased or expired\)/);
    expect(erased).not.toHaveProperty('payloadInLog');
  });

  it('did not run; no token; a repository not read from GitLab: not-run only when the platform says so', async () => {
    const idle = finding('gitlab-ci', 'acme/idle', 'coverage');
    expect((await runsFor([idle], { 'acme/idle': ['gitlab:acme'] })).runs).toEqual([{ state: 'not-run', count: 0, urls: [], resolved: [], logs: [] }]);
    // The run verdict: not-run, the static exposure kept next to it.
    const [verdicts] = await attachEvidence([result([idle])], [INDICATOR], WINDOW, evidenceProvidersFromEnv(env(true)), { origins: new Map([['acme/idle', ['gitlab:acme']]]) });
    expect(verdicts?.findings.map((f) => [f.verdict, f.exposureVerdict])).toEqual([['not-run', 'high']]);
    expect(verdicts?.summary).toMatchObject({ ran: 0, notRun: 1 });
    expect((await runsFor([idle], { 'acme/idle': ['gitlab:acme'] }, false)).runs).toEqual([
      { state: 'unavailable', count: 0, urls: [], resolved: [], logs: [], reason: 'no GitLab token (GITLAB_TOKEN): run history needs read_api' },
    ]);
    expect((await runsFor([idle], { 'acme/idle': ['github:acme'] })).runs).toEqual([
      { state: 'unavailable', count: 0, urls: [], resolved: [], logs: [], reason: 'acme/idle was not read from GitLab (github:acme): its GitLab project is not known' },
    ]);
  });
});

describe('attachEvidence: GitLab public logs', () => {
  it('a public project whose log printed the payload: publicLog and the urgency first; visibility asked once per project', async () => {
    const before = gitlab.requests.length;
    const origins = { 'acme/pub': ['gitlab:acme'], 'acme/pub-hidden': ['gitlab:acme'], 'acme/app': ['gitlab:acme'] };
    const [out] = await attachEvidence(
      [result([finding('gitlab-ci', 'acme/pub', 'coverage'), finding('gitlab-ci', 'acme/pub', 'upload'), finding('gitlab-ci', 'acme/pub-hidden', 'coverage'), finding('gitlab-ci', 'acme/app', 'coverage')])],
      [INDICATOR],
      WINDOW,
      evidenceProvidersFromEnv(env(true), { now: () => NOW }),
      { origins: new Map(Object.entries(origins)) },
    );
    const urgent = 'acme/pub is public and a run in the window printed the payload to its log: the secrets were readable by anyone who opened the log, not only the payload\'s author.';
    expect(out?.findings.map((f) => [f.repo, f.jobId, f.runs?.payloadInLog, f.runs?.publicLog, f.reasons])).toEqual([
      ['acme/pub', 'coverage', true, true, [urgent, 'static']],
      ['acme/pub', 'upload', true, true, [urgent, 'static']],
      [
        'acme/pub-hidden',
        'coverage',
        true,
        undefined,
        ['static', "acme/pub-hidden is public, but its job logs are visible to project members only (public_jobs off, read from GitLab): the payload's print was not readable by anyone."],
      ],
      // Private (the simulator's default): no urgency.
      ['acme/app', 'coverage', true, undefined, ['static']],
    ]);
    const projectReads = gitlab.requests.slice(before).filter((q) => /^\/api\/v4\/projects\/[^/]+$/.test(q.path));
    expect(projectReads.map((q) => [q.path, q.auth, q.status]).sort()).toEqual([
      ['/api/v4/projects/acme%2Fapp', 'private-token', 200],
      ['/api/v4/projects/acme%2Fpub', 'private-token', 200],
      ['/api/v4/projects/acme%2Fpub-hidden', 'private-token', 200],
    ]);
  });

  it('an internal project whose log printed the payload: a reason line (every signed-in user of the instance), not the public flag', async () => {
    const origins = { 'acme/internal': ['gitlab:acme'], 'acme/internal-hidden': ['gitlab:acme'] };
    const [out] = await attachEvidence(
      [result([finding('gitlab-ci', 'acme/internal', 'coverage'), finding('gitlab-ci', 'acme/internal-hidden', 'coverage')])],
      [INDICATOR],
      WINDOW,
      evidenceProvidersFromEnv(env(true), { now: () => NOW }),
      { origins: new Map(Object.entries(origins)) },
    );
    expect(out?.findings.map((f) => [f.repo, f.runs?.state, f.runs?.payloadInLog, f.runs?.publicLog, f.reasons])).toEqual([
      [
        'acme/internal',
        'ran',
        true,
        undefined,
        ["acme/internal is internal and a run in the window printed the payload to its log: the secrets were readable by every signed-in user of the GitLab instance who opened the log, not only its members.", 'static'],
      ],
      [
        'acme/internal-hidden',
        'ran',
        true,
        undefined,
        ['static', "acme/internal-hidden is internal, but its job logs are visible to project members only (public_jobs off, read from GitLab): the payload's print was not readable by every signed-in user."],
      ],
    ]);
    expect(out?.findings.every((f) => f.runs !== undefined && !('publicLog' in f.runs))).toBe(true);
  });

  it('without a token the visibility is not known: no urgency, no guess', async () => {
    const [out] = await attachEvidence([result([finding('gitlab-ci', 'acme/pub', 'coverage')])], [INDICATOR], WINDOW, evidenceProvidersFromEnv(env(false)), { origins: new Map([['acme/pub', ['gitlab:acme']]]) });
    expect(out?.findings.map((f) => [f.runs?.state, f.runs?.publicLog, f.reasons])).toEqual([['unavailable', undefined, ['static']]]);
  });
});

describe('attachEvidence: GitHub internal repositories', () => {
  it('an internal repository whose log printed the payload: a reason line (every member of the enterprise), not the public flag; private: nothing', async () => {
    const token = 'ghp_attach_internal';
    const sim = await new GitHubSimulator({ token }).start();
    try {
      const log = ["2025-03-14T10:00:02.0000000Z Download action repository 'tj-actions/changed-files@v44' (SHA:0e58ed8671d6b60d0890c21b07f8835ace038e67)", `2025-03-14T10:00:09.0000000Z ${PAYLOAD}`, ''].join('\n');
      for (const full of ['acme/inner', 'acme/closed']) {
        sim.addRepo({ full, visibility: full === 'acme/inner' ? 'INTERNAL' : 'PRIVATE', commits: [{ date: '2025-01-01T00:00:00Z', files: { 'README.md': 'x' } }] });
        sim.actions.addRun(full, { path: '.github/workflows/ci.yml', createdAt: '2025-03-14T10:30:00Z', jobs: [{ name: 'build', log }] });
      }
      const gha = (repo: string): Finding => finding('github-actions', repo, 'build', { file: '.github/workflows/ci.yml', jobFile: '.github/workflows/ci.yml' });
      const evidence = new GitHubEvidence(new GitHubClient({ apiUrl: sim.apiUrl, token }), true);
      const visibilityOf = (repo: string): Promise<'internal' | 'private'> => Promise.resolve(repo === 'acme/inner' ? 'internal' : 'private');
      const [out] = await attachEvidence([result([gha('acme/inner'), gha('acme/closed')])], [INDICATOR], WINDOW, { github: { evidence, visibilityOf } });
      expect(out?.findings.map((f) => [f.repo, f.runs?.state, f.runs?.payloadInLog, f.runs?.publicLog, f.reasons])).toEqual([
        ['acme/inner', 'ran', true, undefined, ["acme/inner is internal and a run in the window printed the payload to its log: the secrets were readable by every member of the enterprise who opened the log, not only its members.", 'static']],
        ['acme/closed', 'ran', true, undefined, ['static']],
      ]);
      expect(sim.violations).toEqual([]);
    } finally {
      await sim.stop();
    }
  });
});

describe('attachEvidence: CircleCI, Jenkins, several platforms', () => {
  it('ran / not-run / unavailable, the project slug from the source it was read from', async () => {
    const site = finding('circleci', 'acme/site', 'coverage');
    const still = finding('circleci', 'acme/still', 'coverage');
    const { runs, ran } = await runsFor([site, still], { 'acme/site': ['circleci:gh/acme'], 'acme/still': ['github:acme'] });
    expect(ran).toBe(1);
    expect(runs[0]).toMatchObject({ state: 'ran', count: 1, first: '2025-03-14T11:01:00.000Z' });
    expect(runs[0]?.urls).toEqual([expect.stringMatching(/^https:\/\/app\.circleci\.com\/pipelines\/gh\/acme\/site\//) as string]);
    expect(runs[1]).toEqual({ state: 'not-run', count: 0, urls: [], resolved: [], logs: [] });
    const opaque = await runsFor([site], { 'acme/site': ['circleci:circleci/8e1c2c5e-0000-4000-8000-000000000000'] });
    expect(opaque.runs[0]?.state).toBe('unavailable');
    expect(opaque.runs[0]?.reason).toMatch(/^the CircleCI project of acme\/site is not known from its source/);
    expect((await runsFor([site], { 'acme/site': ['circleci:gh/acme'] }, false)).runs[0]).toEqual({
      state: 'unavailable',
      count: 0,
      urls: [],
      resolved: [],
      logs: [],
      reason: 'no CircleCI token (CIRCLECI_TOKEN): run history needs a personal API token',
    });
  });

  it('the contexts the runs used, on the finding; one the configuration does not name = the configuration changed', async () => {
    const versions = [{ commit: 'c0ffee0123456789abcdef0123456789abcdef01', role: 'head' as const }];
    const exposure = (contexts: string[]): Finding['exposure'] => ({ contexts, secrets: [], permissions: 'not applicable', oidc: false, selfHosted: false, triggers: ['push'] });
    const deploy = finding('circleci', 'acme/ctx', 'deploy', { exposure: exposure(['npm']), versions });
    const lint = finding('circleci', 'acme/ctx', 'lint', { exposure: exposure(['npm']) });
    const [out] = await attachEvidence([result([deploy, lint])], [INDICATOR], WINDOW, evidenceProvidersFromEnv(env(true)), { origins: new Map([['acme/ctx', ['circleci:gh/acme']]]) });
    const [d, l] = out?.findings ?? [];
    expect(d?.runs).toMatchObject({ state: 'ran', count: 1, contexts: ['aws-prod', 'npm'] });
    expect(d?.reasons).toEqual(
      expect.arrayContaining([
        'The runs in the window used contexts `aws-prod`, `npm` (read from CircleCI).',
        'The configuration at c0ffee012345 does not name context `aws-prod`, which runs in the window used: the configuration changed (the job ran with another configuration than the one scanned) — its variables reached the job too.',
        // The used context's variables, by name (secret-facts.ts reads the contexts the runs used as well).
        "Context `aws-prod` holds `AWS_SECRET_ACCESS_KEY`; unrestricted: any project member's pipeline can use it (any project of the organisation).",
        "Context `npm` holds `NPM_TOKEN`; unrestricted: any project member's pipeline can use it (any project of the organisation).",
      ]),
    );
    expect(l?.runs?.contexts).toEqual(['npm']);
    expect(l?.reasons.filter((r) => /runs in the window used|configuration changed|Context `aws-prod`/.test(r))).toEqual(['The runs in the window used context `npm` (read from CircleCI).']);
    expect(JSON.stringify(out)).not.toContain('value-that-must-not-leak');
  });

  it('Jenkins is unavailable, a platform without a provider is unavailable, an unaffected finding is left alone; ran counts every platform', async () => {
    const jenkins = finding('jenkins', 'acme/legacy', 'build');
    const unaffected = finding('gitlab-ci', 'acme/app', 'lint', { affected: false });
    const [out] = await attachEvidence(
      [result([jenkins, unaffected, finding('gitlab-ci', 'acme/app', 'coverage'), finding('circleci', 'acme/site', 'coverage'), finding('github-actions', 'acme/app', 'x', { jobFile: '.github/workflows/x.yml' })])],
      [INDICATOR],
      WINDOW,
      { gitlab: evidenceProvidersFromEnv(env(true)).gitlab },
      { origins: new Map([['acme/app', ['gitlab:acme']], ['acme/site', ['circleci:gh/acme']]]) },
    );
    expect(out?.findings.map((f) => [f.repo, f.jobId, f.runs?.state, f.runs?.reason])).toEqual([
      ['acme/legacy', 'build', 'unavailable', 'run history is not read from Jenkins'],
      ['acme/app', 'lint', undefined, undefined],
      ['acme/app', 'coverage', 'ran', undefined],
      ['acme/site', 'coverage', 'unavailable', 'run history is not read from CircleCI in this scan (no CircleCI evidence provider)'],
      ['acme/app', 'x', 'unavailable', 'run history is not read from GitHub in this scan (no GitHub evidence provider)'],
    ]);
    expect(out?.summary.ran).toBe(1);
    // The static verdict is never changed here.
    expect(out?.findings.map((f) => f.verdict)).toEqual(['high', 'high', 'high', 'high', 'high']);
  });
});

describe('where a repository is on each platform', () => {
  it.each([
    ['acme/app', ['github:acme'], { slug: 'gh/acme/app' }],
    ['acme/app', ['circleci:gh/acme'], { slug: 'gh/acme/app' }],
    ['acme/app', ['circleci:github/acme'], { slug: 'gh/acme/app' }],
    ['acme/app', ['circleci:bb/acme'], { slug: 'bb/acme/app' }],
    ['acme/app', ['circleci:circleci/org-id/project-id'], { slug: 'circleci/org-id/project-id' }],
    ['acme/app', ['gitlab:acme', 'circleci:gh/acme'], { slug: 'gh/acme/app' }],
  ])('circleciSlug(%s, %j) = %j', (repo, origins, expected) => {
    expect(circleciSlug(repo, origins)).toEqual(expected);
  });

  it('circleciSlug: not known without a source that names it', () => {
    expect(circleciSlug('acme/app', undefined)).toEqual({ reason: 'which source acme/app was read from is not known, so its CircleCI project is not known' });
    expect(circleciSlug('acme/app', ['gitlab:acme'])).toEqual({
      reason: 'the CircleCI project of acme/app is not known from its source (gitlab:acme): CircleCI names it by a slug (gh/OWNER/REPO, or opaque ids for circleci/ORG-ID organisations)',
    });
    expect('reason' in circleciSlug('acme/app', ['circleci:circleci/org-id'])).toBe(true);
  });

  it('gitlabOrigin: the gitlab: source, the default instance when not known, else not on GitLab', () => {
    expect(gitlabOrigin('g/p', ['gitlab:https://gitlab.example.com/g'])).toEqual({ spec: 'gitlab:https://gitlab.example.com/g' });
    expect(gitlabOrigin('g/p', undefined)).toEqual({ spec: undefined });
    expect(gitlabOrigin('g/p', ['./checkouts'])).toEqual({ reason: 'g/p was not read from GitLab (./checkouts): its GitLab project is not known' });
  });
});

describe('mergeRuns', () => {
  const none = (state: FindingRuns['state'], reason?: string): FindingRuns => ({ state, count: 0, urls: [], resolved: [], logs: [], ...(reason === undefined ? {} : { reason }) });
  const ran = (count: number, first: string, last: string, resolution?: FindingRuns['resolution']): FindingRuns => ({ state: 'ran', count, first, last, urls: [`u${count}`], resolved: [], logs: [], ...(resolution ? { resolution } : {}) });

  it('ran when any ran (counts summed, first and last across), the worst resolution, what was not known said', () => {
    expect(mergeRuns([ran(2, '2025-03-14T10:00:00.000Z', '2025-03-14T11:00:00.000Z', 'clean'), none('unavailable', 'HTTP 500'), ran(1, '2025-03-14T09:00:00.000Z', '2025-03-14T09:00:00.000Z', 'clean')])).toEqual({
      state: 'ran',
      count: 3,
      first: '2025-03-14T09:00:00.000Z',
      last: '2025-03-14T11:00:00.000Z',
      urls: ['u2', 'u1'],
      resolved: [],
      logs: [],
      resolution: 'unavailable',
      resolutionReason: 'runs not known: HTTP 500',
    });
    expect(mergeRuns([ran(1, '2025-03-14T10:00:00.000Z', '2025-03-14T10:00:00.000Z', 'clean'), ran(1, '2025-03-14T10:00:00.000Z', '2025-03-14T10:00:00.000Z', 'malicious')]).resolution).toBe('malicious');
  });

  it('not-run only when every listing says so; unavailable wins over not-run', () => {
    expect(mergeRuns([none('not-run'), none('not-run')], ['through callers'])).toEqual({ ...none('not-run'), reason: 'through callers' });
    expect(mergeRuns([none('not-run'), none('unavailable', 'no token')])).toEqual(none('unavailable', 'no token'));
    expect(mergeRuns([], ['no caller'])).toEqual(none('unavailable', 'no caller'));
  });
});

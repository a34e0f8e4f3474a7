// The bridge's secret evidence for every platform: CircleCI (context and project variables) and GitLab (no
// change time: manual, says why) against the engine's simulators, the composite's routing, owners told
// (pure: which direct messages an answer decides) and run evidence changes in the timeline.
import { CircleCiClient, GitLabClient } from '@ci-exposure/engine';
import { CircleCiSimulator } from '../../../engine/test/simulators/circleci/server';
import { startGitLabSimulator, type GitLabSimulator } from '../../../engine/test/simulators/gitlab/server';
import { CircleCiProjectIndex, CircleCiSecretEvidence } from '../../src/evidence/circleci-secrets';
import { GitLabSecretEvidence, GITLAB_NO_TIME, gitlabInstanceResolver } from '../../src/evidence/gitlab-secrets';
import { CompositeSecretEvidence, platformOf, secretEvidenceFromEnv } from '../../src/evidence';
import type { ExposedSecret, LookupEvidence, RepoEvidence } from '../../src/incidents/lookup';
import { whereText, type Incident } from '../../src/incidents/model';
import type { EvidencePort, SecretEvidence } from '../../src/incidents/ports';
import { recordLookup, secretItemId, secretsToRead } from '../../src/incidents/evidence';
import { ownerContacts } from '../../src/mattermost/owner-contacts';
import { secretOf } from '../../src/mattermost/lookup-evidence';
import { openedIncident } from '../helpers/incident';

const CC_TOKEN = 'circle-test-token-1234';
const GL_TOKEN = 'glpat-test-token-5678';
const START = Date.parse('2025-03-14T12:00:00Z');
const BEFORE = '2025-03-01T00:00:00.000Z';
const AFTER = '2025-03-14T13:00:00.000Z';

const context = (name: string, repo?: string): ExposedSecret => ({ name, where: { store: 'context', scope: 'deploy', ...(repo ? { repo } : {}) } });
const ccProject = (name: string, repo = 'acme/app'): ExposedSecret => ({ name, where: { store: 'project', platform: 'circleci', repo } });

describe('CircleCI secret evidence (CircleCI simulator)', () => {
  let sim: CircleCiSimulator;
  let port: CircleCiSecretEvidence;

  beforeEach(async () => {
    sim = await CircleCiSimulator.start({ token: CC_TOKEN });
    sim.addProject({
      slug: 'gh/acme/app',
      envVars: [
        { name: 'NPM_TOKEN', value: 'npm-secret-value-1', createdAt: AFTER },
        { name: 'AWS_KEY', value: 'aws-secret-value-2', createdAt: `#joda/inst ${BEFORE.replace('.000Z', '+0000')}` },
      ],
    });
    sim.addContext({
      name: 'deploy',
      ownerSlug: 'gh/acme',
      variables: [
        { variable: 'DEPLOY_KEY', value: 'ctx-secret-value-3', createdAt: BEFORE, updatedAt: AFTER },
        { variable: 'SLACK_HOOK', value: 'ctx-secret-value-4', createdAt: BEFORE, updatedAt: BEFORE },
      ],
    });
    port = new CircleCiSecretEvidence(new CircleCiClient({ CIRCLECI_TOKEN: CC_TOKEN, CIRCLECI_URL: sim.url }));
  });

  afterEach(async () => {
    const violations = [...sim.violations];
    await sim.stop();
    expect(violations).toEqual([]);
  });

  it('a context: every variable updated after the start → verified; one older → not yet, naming it', async () => {
    expect(await port.secretRotatedSince(context('every context variable', 'acme/app'), START)).toEqual({
      state: 'not-yet',
      source: 'CircleCI (context deploy: not updated yet: SLACK_HOOK)',
      changedAt: Date.parse(BEFORE),
    });
    expect(await port.secretRotatedSince(context('DEPLOY_KEY', 'acme/app'), START)).toEqual({ state: 'verified', source: 'CircleCI (context deploy)', changedAt: Date.parse(AFTER) });
    const ctx = sim.contexts[0];
    const hook = ctx?.variables[1];
    if (hook) hook.updatedAt = '2025-03-14T14:00:00.000Z';
    expect(await port.secretRotatedSince(context('every context variable', 'acme/app'), START)).toEqual({
      state: 'verified',
      source: 'CircleCI (context deploy: all 2 updated after the start)',
      changedAt: Date.parse(AFTER),
    });
  });

  it('project variables: re-created after the start → verified, else not yet; values never in an answer', async () => {
    const every = await port.secretRotatedSince(ccProject('project environment variables'), START);
    expect(every).toEqual({ state: 'not-yet', source: 'CircleCI (project gh/acme/app: not re-created yet: AWS_KEY)', changedAt: Date.parse(BEFORE) });
    expect(await port.secretRotatedSince(ccProject('NPM_TOKEN'), START)).toMatchObject({ state: 'verified', changedAt: Date.parse(AFTER) });
    expect(await port.secretRotatedSince(ccProject('AWS_KEY'), START)).toMatchObject({ state: 'not-yet', changedAt: Date.parse(BEFORE) });
    const answers = JSON.stringify([every, await port.secretRotatedSince(context('every context variable', 'acme/app'), START)]);
    for (const value of ['npm-secret-value-1', 'aws-secret-value-2', 'ctx-secret-value-3', 'ctx-secret-value-4', '-1', CC_TOKEN]) expect(answers).not.toContain(value);
  });

  it('what CircleCI cannot tell is unknown with why: no repository, unknown name, no project, no token', async () => {
    expect(await port.secretRotatedSince(context('every context variable'), START)).toMatchObject({ state: 'unknown', reason: expect.stringContaining('no repository named for it') });
    expect(await port.secretRotatedSince(ccProject('NOPE'), START)).toEqual({ state: 'unknown', source: 'CircleCI', reason: 'project gh/acme/app has no environment variable named NOPE' });
    expect(await port.secretRotatedSince({ name: 'project environment variables', where: { store: 'project', platform: 'circleci', repo: 'acme/gone' } }, START)).toMatchObject({
      state: 'unknown',
      reason: expect.stringMatching(/^project gh\/acme\/gone: /),
    });
    const noToken = new CircleCiSecretEvidence(new CircleCiClient({ CIRCLECI_URL: sim.url }));
    expect(await noToken.secretRotatedSince(context('DEPLOY_KEY', 'acme/app'), START)).toEqual({ state: 'unknown', source: 'CircleCI', reason: 'no CircleCI token (CIRCLECI_TOKEN)' });
    sim.contexts.length = 0;
    expect(await port.secretRotatedSince(context('every context variable', 'acme/app'), START)).toMatchObject({ state: 'unknown', reason: expect.stringContaining('context deploy: not among the contexts') });
  });

  it('the project comes from the configured circleci: sources, else GitHub; no opaque organisation, no request', async () => {
    const client = new CircleCiClient({ CIRCLECI_TOKEN: CC_TOKEN, CIRCLECI_URL: sim.url });
    const index = new CircleCiProjectIndex(client, ['circleci:bb/beta', 'circleci:gh/acme/special', 'github:acme']);
    expect(await Promise.all(['beta/x', 'acme/special', 'acme/other', 'group/sub/proj'].map((r) => index.projectOf(r)))).toEqual([
      { slug: 'bb/beta/x' },
      { slug: 'gh/acme/special' },
      { slug: 'gh/acme/other' },
      { reason: 'group/sub/proj does not name a CircleCI project (CircleCI projects are ORG/NAME)' },
    ]);
    expect(client.requests).toBe(0);
  });
});

describe('CircleCI opaque organisations (circleci:circleci/<org-id>): the project found through the pipelines, or unknown with why', () => {
  const ORG = '6f1c2a3b-0000-4000-8000-00000000aaaa';
  const WEB = `circleci/${ORG}/0b7d9a44-1111-4000-8000-00000000beef`;
  const API = `circleci/${ORG}/0b7d9a44-2222-4000-8000-00000000cafe`;
  let sim: CircleCiSimulator;
  let client: CircleCiClient;

  beforeEach(async () => {
    sim = await CircleCiSimulator.start({ token: CC_TOKEN, pageSize: 2 });
    // The same repository also exists as an OAuth project (gh/): never the one asked about.
    sim.addProject({ slug: 'gh/acme/web', envVars: [{ name: 'NPM_TOKEN', value: 'oauth-project-value', createdAt: AFTER }] });
    sim.addProject({ slug: WEB, name: 'web', orgName: 'acme', envVars: [{ name: 'NPM_TOKEN', value: 'app-project-value', createdAt: BEFORE }] });
    sim.addProject({ slug: API, name: 'api', orgName: 'acme', envVars: [{ name: 'NPM_TOKEN', value: 'api-project-value', createdAt: AFTER }] });
    for (const [project, at] of [[WEB, '2025-03-14T10:00:00Z'], [API, '2025-03-14T10:05:00Z'], [API, '2025-03-14T10:06:00Z']] as const) {
      sim.addPipeline({ project, createdAt: at, source: 'version: 2.1' });
    }
    sim.addContext({ name: 'deploy', ownerSlug: `circleci/${ORG}`, ownerId: ORG, variables: [{ variable: 'DEPLOY_KEY', value: 'ctx-value', createdAt: BEFORE, updatedAt: AFTER }] });
    client = new CircleCiClient({ CIRCLECI_TOKEN: CC_TOKEN, CIRCLECI_URL: sim.url });
  });

  afterEach(async () => {
    const violations = [...sim.violations];
    await sim.stop();
    expect(violations).toEqual([]);
  });

  it("a repository of the organisation is its project by ids (never gh/), its contexts by the organisation's id", async () => {
    const index = new CircleCiProjectIndex(client, [`circleci:circleci/${ORG}`]);
    expect(await index.projectOf('acme/web')).toEqual({ slug: WEB });
    expect(await index.projectOf('Acme/API')).toEqual({ slug: API });
    const port = new CircleCiSecretEvidence(client, { projectOf: (r) => index.projectOf(r) });
    // The App project's variable predates the start (the OAuth project's was re-created after: not asked).
    expect(await port.secretRotatedSince(ccProject('NPM_TOKEN', 'acme/web'), START)).toEqual({
      state: 'not-yet',
      source: `CircleCI (project ${WEB} (re-created: CircleCI keeps only the creation time))`,
      changedAt: Date.parse(BEFORE),
    });
    expect(await port.secretRotatedSince(context('DEPLOY_KEY', 'acme/web'), START)).toEqual({ state: 'verified', source: 'CircleCI (context deploy)', changedAt: Date.parse(AFTER) });
    // Listed once: further questions cost the project reads only.
    const before = client.requests;
    expect(await index.projectOf('acme/web')).toEqual({ slug: WEB });
    expect(client.requests).toBe(before);
  });

  it('a repository of that organisation not among its recent pipelines is unknown, saying how to name it', async () => {
    const index = new CircleCiProjectIndex(client, [`circleci:circleci/${ORG}`]);
    expect(await index.projectOf('acme/docs')).toEqual({
      reason: `acme/docs is not among the 2 projects of circleci/${ORG} (organisation acme) found through its recent pipelines, the only listing CircleCI's API gives of an organisation's projects: name it in scan.sources as circleci:circleci/${ORG}/<project-id>`,
    });
    // Another organisation's repository: CircleCI's default, as without an opaque source.
    expect(await index.projectOf('other/lib')).toEqual({ slug: 'gh/other/lib' });
    // Its organisation configured as gh/: that VCS.
    expect(await new CircleCiProjectIndex(client, [`circleci:circleci/${ORG}`, 'circleci:gh/acme']).projectOf('acme/docs')).toEqual({ slug: 'gh/acme/docs' });
  });

  it('a configured opaque project is read for its name; an opaque organisation that cannot be listed makes the others unknown', async () => {
    expect(await new CircleCiProjectIndex(client, [`circleci:${API}`]).projectOf('acme/api')).toEqual({ slug: API });
    const denied = new CircleCiClient({ CIRCLECI_TOKEN: 'not-the-token', CIRCLECI_URL: sim.url });
    const answer = await new CircleCiProjectIndex(denied, [`circleci:circleci/${ORG}`]).projectOf('acme/web');
    expect(answer).toEqual({ reason: expect.stringMatching(new RegExp(`^which CircleCI project acme/web is cannot be told: the projects of circleci/${ORG} were not all listed: CircleCI answered HTTP 401`)) });
    expect(JSON.stringify(answer)).not.toContain('not-the-token');
    // More pages than read: the listing is cut, which is said where it matters.
    const cut = await new CircleCiProjectIndex(client, [`circleci:circleci/${ORG}`], { pipelinePages: 1 }).projectOf('acme/docs');
    expect(cut).toEqual({ reason: expect.stringContaining(`(the projects of circleci/${ORG} were not all listed: the pipelines of circleci/${ORG}: stopped after 1 pages; the rest were not read)`) });
  });

  it('an organisation with no pipeline: its name is not known, so no repository is placed by a guess', async () => {
    const index = new CircleCiProjectIndex(client, ['circleci:circleci/7a7a7a7a-0000-4000-8000-000000000000']);
    expect(await index.projectOf('acme/web')).toEqual({
      reason: 'which CircleCI project acme/web is cannot be told: circleci/7a7a7a7a-0000-4000-8000-000000000000 listed no pipeline, so the name of its organisation and its projects are not known',
    });
  });

  it('listings are kept for ttlMs, then read again (a project built since is found)', async () => {
    let now = 0;
    const index = new CircleCiProjectIndex(client, [`circleci:circleci/${ORG}`], { ttlMs: 1000, clock: () => now });
    expect(await index.projectOf('acme/docs')).toMatchObject({ reason: expect.any(String) });
    const DOCS = `circleci/${ORG}/0b7d9a44-3333-4000-8000-00000000d0c5`;
    sim.addProject({ slug: DOCS, name: 'docs', orgName: 'acme' });
    sim.addPipeline({ project: DOCS, createdAt: '2025-03-14T11:00:00Z', source: 'version: 2.1' });
    now = 999;
    expect(await index.projectOf('acme/docs')).toMatchObject({ reason: expect.any(String) });
    now = 1000;
    expect(await index.projectOf('acme/docs')).toEqual({ slug: DOCS });
  });
});

describe('GitLab secret evidence (GitLab simulator): no change time, stays manual and says why', () => {
  let sim: GitLabSimulator;
  beforeAll(async () => {
    sim = await startGitLabSimulator(
      {
        groups: [{ path: 'acme', variables: [{ key: 'GROUP_TOKEN', value: 'group-secret-value' }] }],
        projects: [{ path: 'acme/app', commits: [{ date: BEFORE, files: { '.gitlab-ci.yml': 'x: {script: [true]}' } }], variables: [{ key: 'DEPLOY_TOKEN', value: 'project-secret-value', environmentScope: 'production' }] }],
      },
      { tokens: [GL_TOKEN] },
    );
  });
  afterAll(async () => {
    await sim.close();
  });
  const gl = (name: string): ExposedSecret => ({ name, where: { store: 'project', platform: 'gitlab-ci', repo: 'acme/app' } });

  it('says where the variable is kept, never its value, and never verified', async () => {
    const port = new GitLabSecretEvidence(GL_TOKEN, { instanceOf: gitlabInstanceResolver([], { GITLAB_URL: sim.url }) });
    const one = await port.secretRotatedSince(gl('DEPLOY_TOKEN'), START);
    expect(one).toEqual({ state: 'unknown', source: 'GitLab', reason: `${GITLAB_NO_TIME} (DEPLOY_TOKEN is kept in project acme/app (environment production))` });
    const every = await port.secretRotatedSince(gl('CI/CD variables'), START);
    expect(every).toEqual({ state: 'unknown', source: 'GitLab', reason: `${GITLAB_NO_TIME} (2 listed: DEPLOY_TOKEN, GROUP_TOKEN)` });
    expect(JSON.stringify([one, every])).not.toMatch(/secret-value|glpat/);
    const without = new GitLabSecretEvidence(undefined, { instanceOf: () => undefined });
    expect(await without.secretRotatedSince(gl('DEPLOY_TOKEN'), START)).toEqual({ state: 'unknown', source: 'GitLab', reason: GITLAB_NO_TIME });
  });

  it('the instance is the configured gitlab: source holding the project, else GITLAB_URL, else gitlab.com', () => {
    const of = gitlabInstanceResolver(['gitlab:https://git.example.com/platform', 'github:acme'], { GITLAB_URL: 'https://gl.acme.test/' });
    expect(['platform/sub/x', 'acme/app'].map(of)).toEqual(['https://git.example.com', 'https://gl.acme.test']);
    expect(gitlabInstanceResolver([], {})('acme/app')).toBe('https://gitlab.com');
  });

  it('a client per instance is the engine client with the token', async () => {
    const made: string[] = [];
    const port = new GitLabSecretEvidence(GL_TOKEN, {
      instanceOf: () => sim.url,
      clientFor: (baseUrl) => {
        made.push(baseUrl);
        return new GitLabClient({ baseUrl, token: GL_TOKEN });
      },
    });
    await port.secretRotatedSince(gl('DEPLOY_TOKEN'), START);
    await port.secretRotatedSince(gl('GROUP_TOKEN'), START);
    expect(made).toEqual([sim.url]);
  });
});

describe('the composite routes each secret to the platform that keeps it', () => {
  const recorder = (name: string, asked: string[]): EvidencePort => ({
    secretRotatedSince: (s): Promise<SecretEvidence> => {
      asked.push(`${name}:${s.name}`);
      return Promise.resolve({ state: 'verified', source: name, changedAt: START + 1 });
    },
  });

  it.each<[string, ExposedSecret, string]>([
    ['context', { name: 'every context variable', where: { store: 'context', scope: 'deploy', repo: 'acme/app' } }, 'circleci'],
    ['CircleCI project', { name: 'project environment variables', where: { store: 'project', platform: 'circleci', repo: 'acme/app' } }, 'circleci'],
    ['CircleCI project (older sub-item)', { name: 'project environment variables', where: { store: 'project', repo: 'acme/app' } }, 'circleci'],
    ['GitLab project', { name: 'CI/CD variables', where: { store: 'project', platform: 'gitlab-ci', repo: 'g/p' } }, 'gitlab'],
    ['GitLab project (older sub-item)', { name: 'CI/CD variables', where: { store: 'project', repo: 'g/p' } }, 'gitlab'],
    ['GitLab named', { name: 'DEPLOY', where: { store: 'pipeline-config', platform: 'gitlab-ci', repo: 'g/p' } }, 'gitlab'],
    ['CircleCI named', { name: 'NPM', where: { store: 'pipeline-config', platform: 'circleci', repo: 'acme/app' } }, 'circleci'],
    ['GitHub named', { name: 'NPM', where: { store: 'pipeline-config', repo: 'acme/web' } }, 'github'],
    ['GitHub environment', { name: 'every environment secret', where: { store: 'environment', scope: 'prod', repo: 'acme/web' } }, 'github'],
    ['GitHub repository', { name: 'every secret (secrets: inherit)', where: { store: 'repository', repo: 'acme/web' } }, 'github'],
  ])('%s', async (_what, secret, platform) => {
    expect(platformOf(secret)).toBe(platform);
    const asked: string[] = [];
    const composite = new CompositeSecretEvidence({ github: recorder('github', asked), circleci: recorder('circleci', asked), gitlab: recorder('gitlab', asked) });
    await composite.secretRotatedSince(secret, START);
    expect(asked).toEqual([`${platform}:${secret.name}`]);
  });

  it('Jenkins credentials and a platform without its token are unknown, with why', async () => {
    const composite = new CompositeSecretEvidence({});
    expect(await composite.secretRotatedSince({ name: 'X', where: { store: 'pipeline-config', platform: 'jenkins', repo: 'a/b' } }, START)).toEqual({
      state: 'unknown',
      source: 'platform evidence',
      reason: 'Jenkins credentials: no platform evidence is read for them',
    });
    expect(await composite.secretRotatedSince(context('every context variable', 'acme/app'), START)).toEqual({
      state: 'unknown',
      source: 'CircleCI',
      reason: 'no CircleCI token (CIRCLECI_TOKEN): tick it by hand once rotated',
    });
  });

  it('from the environment: no token → no port (manual, as before); any token → GitLab says why too', async () => {
    expect(secretEvidenceFromEnv({})).toBeUndefined();
    const port = secretEvidenceFromEnv({ CIRCLECI_TOKEN: CC_TOKEN, CIRCLECI_URL: 'http://127.0.0.1:9' });
    expect(await port?.secretRotatedSince({ name: 'CI/CD variables', where: { store: 'project', platform: 'gitlab-ci', repo: 'g/p' } }, START)).toEqual({ state: 'unknown', source: 'GitLab', reason: GITLAB_NO_TIME });
  });

  it('the lookup marks the platform on shared stores; a context keeps its repository but one id for all', () => {
    expect(secretOf('project environment variables', 'acme/app', 'circleci')).toEqual({ name: 'project environment variables', where: { store: 'project', platform: 'circleci', repo: 'acme/app' } });
    expect(secretOf('project and group CI/CD variables', 'g/p', 'gitlab-ci')).toEqual({ name: 'CI/CD variables', where: { store: 'project', platform: 'gitlab-ci', repo: 'g/p' } });
    expect(secretOf('DEPLOY', 'g/p', 'gitlab-ci')).toEqual({ name: 'DEPLOY', where: { store: 'pipeline-config', platform: 'gitlab-ci', repo: 'g/p' } });
    expect(secretOf('NPM_TOKEN', 'acme/web', 'github-actions')).toEqual({ name: 'NPM_TOKEN', where: { store: 'pipeline-config', repo: 'acme/web', platform: 'github-actions' } });
    expect(secretOf('environment prod secrets', 'acme/web', 'github-actions')).toEqual({ name: 'every environment secret', where: { store: 'environment', scope: 'prod', repo: 'acme/web', platform: 'github-actions' } });
    const a = secretOf('context deploy', 'acme/app', 'circleci');
    const b = secretOf('context deploy', 'acme/api', 'circleci');
    expect(a).toEqual({ name: 'every context variable', where: { store: 'context', scope: 'deploy', repo: 'acme/app', platform: 'circleci' } });
    expect(a && b && secretItemId(a) === secretItemId(b)).toBe(true);
  });

  it('sub-item ids are what they were when the platform was marked in scope (existing incidents keep theirs)', () => {
    const ids = [
      secretOf('project environment variables', 'acme/app', 'circleci'),
      secretOf('DEPLOY', 'g/p', 'gitlab-ci'),
      secretOf('JENKINS_CRED', 'a/b', 'jenkins'),
      secretOf('NPM_TOKEN', 'acme/web', 'github-actions'),
      secretOf('NPM_TOKEN', 'acme/web'),
      secretOf('environment prod secrets', 'acme/web', 'github-actions'),
      secretOf('context deploy', 'acme/app', 'circleci'),
    ].map((s) => (s ? secretItemId(s) : 'none'));
    expect(ids).toEqual([
      'secret:project:circleci:acme/app:project environment variables',
      'secret:pipeline-config:gitlab-ci:g/p:DEPLOY',
      'secret:pipeline-config:jenkins:a/b:JENKINS_CRED',
      'secret:pipeline-config::acme/web:NPM_TOKEN',
      'secret:pipeline-config::acme/web:NPM_TOKEN',
      'secret:environment:prod:acme/web:every environment secret',
      'secret:context:deploy::every context variable',
    ]);
  });

  it('a repository whose GitHub and CircleCI pipelines both read NPM_TOKEN has two sub-items, each asked of its platform', () => {
    const gh = secretOf('NPM_TOKEN', 'acme/web', 'github-actions');
    const cc = secretOf('NPM_TOKEN', 'acme/web', 'circleci');
    if (!gh || !cc) throw new Error('no secret');
    expect([secretItemId(gh) === secretItemId(cc), platformOf(gh), platformOf(cc)]).toEqual([false, 'github', 'circleci']);
    expect([whereText(gh.where), whereText(cc.where)]).toEqual(['pipeline config of acme/web', 'CircleCI pipeline config of acme/web']);
  });
});

// ───────────────────────── owners told, run changes (pure) ─────────────────────────

const T0 = Date.parse('2026-11-26T12:00:00Z');
const MIN = 60_000;
const alice = { userId: 'u-alice', username: 'alice' };

const fresh = (): Incident => openedIncident({ name: 'tj-actions', startedBy: alice, now: T0 }, { id: 'ch1', name: 'incident-tj' });

function repo(name: string, over: Partial<RepoEvidence> = {}): RepoEvidence {
  return {
    repo: name,
    affected: true,
    complete: true,
    incomplete: [],
    files: ['.github/workflows/ci.yml'],
    secrets: [],
    owners: ['@acme/platform', '@bob'],
    findings: [{ job: 'build_*evil*', file: '.github/workflows/ci.yml', line: 12, verdict: 'critical', platform: 'github-actions' }],
    findingsTotal: 1,
    ...over,
  };
}

function answer(repos: RepoEvidence[], contacts?: LookupEvidence['contacts']): LookupEvidence {
  return { complete: true, incomplete: [], repos, ...(contacts ? { contacts } : {}) };
}

const summary = { repos: 1, jobs: 1, affected: 1, unresolved: 0, errors: 0, byVerdict: { critical: 1, high: 0, medium: 0, low: 0 } };

function applied(incident: Incident, evidence: LookupEvidence, at: number, recheck = false) {
  const t = recordLookup(incident, { at, source: recheck ? 're-check' : 'exposure lookup', summary, summaryText: 'counts', evidence, ...(recheck ? { recheck: { by: alice } } : {}) });
  if (!t.ok) throw new Error(t.reason);
  return t;
}

describe('owners told: one direct message per incident, repository and mapped user', () => {
  const contacts = { users: [{ handle: '@acme/platform', userId: 'u-carol', username: 'carol' }], unmapped: [{ handle: '@bob', why: 'add it to owners.map' }] };

  it('the first answer messages each mapped owner once, with escaped findings; unmapped handles are named once', () => {
    const t = applied(fresh(), answer([repo('acme/web')], contacts), T0 + MIN);
    const dms = t.outbox.filter((m) => m.kind === 'dm');
    expect(dms).toHaveLength(1);
    expect(dms[0]).toEqual({
      kind: 'dm',
      userId: 'u-carol',
      message: [
        ':rotating_light: **tj-actions** (~incident-tj): the exposure lookup found **acme/web**, which CODEOWNERS gives to @\u200dacme/platform, @\u200dbob.',
        '- build\\_\\*evil\\* (.github/workflows/ci.yml:12): critical',
        'The checklist and the full report are in ~incident-tj.',
      ].join('\n'),
    });
    expect(t.outbox.filter((m) => m.kind === 'channel-post')).toEqual([
      { kind: 'channel-post', channelId: 'ch1', message: ':bust_in_silhouette: **Owners not told** (CODEOWNERS handles without a Mattermost user):\n- no Mattermost user for @\u200dbob: add it to owners.map' },
    ]);
    expect(t.timeline.map((e) => e.text)).toContain('Owners of acme/web told by direct message: @carol');

    // The same findings again (a re-check): nobody is told twice, no handle named twice.
    const again = applied(t.incident, answer([repo('acme/web')], contacts), T0 + 2 * MIN, true);
    expect(again.outbox).toEqual([]);
    // Other files: the findings changed, the owner is told again.
    const moved = applied(again.incident, answer([repo('acme/web', { files: ['.github/workflows/release.yml'] })], contacts), T0 + 3 * MIN, true);
    expect(moved.outbox.filter((m) => m.kind === 'dm').map((m) => (m.kind === 'dm' ? [m.userId, m.message.split('\n')[0]] : []))).toEqual([
      ['u-carol', ':rotating_light: **tj-actions** (~incident-tj): a re-check changed the findings for **acme/web**, which CODEOWNERS gives to @\u200dacme/platform, @\u200dbob.'],
    ]);
  });

  it('a fixed repository: its owners told once, through the outbox, "no longer exposed at head as of …"', () => {
    const first = applied(fresh(), answer([repo('acme/web')], contacts), T0 + MIN);
    const item = first.incident.milestones.find((m) => m.id === 'pipelines-hardened')?.items?.[0];
    expect(item?.told).toEqual({ state: 'exposed', at: T0 + MIN, users: [{ userId: 'u-carol', username: 'carol' }], findings: expect.stringMatching(/^[0-9a-f]{32}$/) });
    const fixedAnswer = answer([repo('acme/web', { affected: false, files: [], findings: [], findingsTotal: 0 })], contacts);
    const fixed = applied(first.incident, fixedAnswer, T0 + 5 * MIN, true);
    expect(fixed.outbox.filter((m) => m.kind === 'dm')).toEqual([
      {
        kind: 'dm',
        userId: 'u-carol',
        message: ':white_check_mark: **tj-actions** (~incident-tj): **acme/web**: no longer exposed at head as of 2026-11-26 12:05 UTC (re-check: no affected job in its current head).',
      },
    ]);
    expect(fixed.timeline.map((e) => e.text)).toContain('Owners of acme/web told it is no longer exposed: @carol');
    // Re-checked again (by this bridge or another one: the state it reads says they were told): nothing more.
    const again = applied(fixed.incident, fixedAnswer, T0 + 6 * MIN, true);
    expect(again.outbox.filter((m) => m.kind === 'dm')).toEqual([]);
    // Exposed again: told again, and once more when fixed again.
    const back = applied(again.incident, answer([repo('acme/web')], contacts), T0 + 7 * MIN, true);
    expect(back.outbox.filter((m) => m.kind === 'dm').map((m) => (m.kind === 'dm' ? m.userId : ''))).toEqual(['u-carol']);
    const refixed = applied(back.incident, fixedAnswer, T0 + 8 * MIN, true);
    expect(refixed.outbox.filter((m) => m.kind === 'dm').map((m) => (m.kind === 'dm' ? m.message : ''))).toEqual([
      ':white_check_mark: **tj-actions** (~incident-tj): **acme/web**: no longer exposed at head as of 2026-11-26 12:08 UTC (re-check: no affected job in its current head).',
    ]);
  });

  it('an answer that cannot tell (incomplete) tells nothing; the fix is told by a later answer', () => {
    const first = applied(fresh(), answer([repo('acme/web')], contacts), T0 + MIN);
    const unclear = applied(first.incident, answer([repo('acme/web', { affected: false, complete: false, incomplete: ['1 component whose source could not be read'], files: [] })], contacts), T0 + 2 * MIN, true);
    expect(unclear.outbox.filter((m) => m.kind === 'dm')).toEqual([]);
    const fixed = applied(unclear.incident, answer([repo('acme/web', { affected: false, files: [], findings: [] })], contacts), T0 + 3 * MIN, true);
    expect(fixed.outbox.filter((m) => m.kind === 'dm')).toHaveLength(1);
    // Without contacts (the setting off, or Mattermost could not say who they are) nothing is told, and
    // the fix is told by the next answer that has them.
    const first2 = applied(fresh(), answer([repo('acme/web')], contacts), T0 + MIN);
    const quiet = applied(first2.incident, answer([repo('acme/web', { affected: false, files: [], findings: [] })]), T0 + 2 * MIN, true);
    expect(quiet.outbox.filter((m) => m.kind === 'dm')).toEqual([]);
    expect(applied(quiet.incident, answer([repo('acme/web', { affected: false, files: [], findings: [] })], contacts), T0 + 3 * MIN, true).outbox.filter((m) => m.kind === 'dm')).toHaveLength(1);
  });

  it('findings changed within the same files (another job, another verdict) are told; the same findings are not', () => {
    const job = (over: Partial<NonNullable<RepoEvidence['findings']>[number]> = {}) => ({ job: 'build', jobId: 'build', file: '.github/workflows/ci.yml', line: 12, verdict: 'critical', platform: 'github-actions', ...over });
    const first = applied(fresh(), answer([repo('acme/web', { findings: [job()] })], contacts), T0 + MIN);
    const dms = (t: ReturnType<typeof applied>) => t.outbox.filter((m) => m.kind === 'dm').length;
    // Same files and jobs, another line (an edit above it), and the run evidence turned it into not-run
    // (its static exposure kept): not news.
    const same = applied(first.incident, answer([repo('acme/web', { findings: [job({ line: 14, verdict: 'not-run', exposureVerdict: 'critical' })] })], contacts), T0 + 2 * MIN, true);
    expect(dms(same)).toBe(0);
    const verdict = applied(same.incident, answer([repo('acme/web', { findings: [job({ verdict: 'high' })] })], contacts), T0 + 3 * MIN, true);
    expect(dms(verdict)).toBe(1);
    const another = applied(verdict.incident, answer([repo('acme/web', { findings: [job({ verdict: 'high' }), job({ job: 'release', jobId: 'release', verdict: 'high' })], findingsTotal: 2 })], contacts), T0 + 4 * MIN, true);
    expect(dms(another)).toBe(1);
    // The same job renamed (its id kept) is the same finding.
    const renamed = applied(another.incident, answer([repo('acme/web', { findings: [job({ job: 'Build it', verdict: 'high' }), job({ job: 'release', jobId: 'release', verdict: 'high' })], findingsTotal: 2 })], contacts), T0 + 5 * MIN, true);
    expect(dms(renamed)).toBe(0);
  });

  it('sub-items stored before owners were recorded: told only when the reading changes (never the same findings twice)', () => {
    const first = applied(fresh(), answer([repo('acme/web')], contacts), T0 + MIN);
    const legacy: Incident = { ...first.incident, milestones: first.incident.milestones.map((m) => ({ ...m, ...(m.items ? { items: m.items.map(({ told: _told, ...i }) => i) } : {}) })) };
    expect(applied(legacy, answer([repo('acme/web')], contacts), T0 + 2 * MIN, true).outbox.filter((m) => m.kind === 'dm')).toEqual([]);
    const moved = applied(legacy, answer([repo('acme/web', { files: ['.github/workflows/release.yml'] })], contacts), T0 + 2 * MIN, true);
    expect(moved.outbox.filter((m) => m.kind === 'dm')).toHaveLength(1);
    // Nobody recorded as told: a fix is told to nobody (nothing was said of its exposure by this record).
    expect(applied(legacy, answer([repo('acme/web', { affected: false, files: [], findings: [] })], contacts), T0 + 2 * MIN, true).outbox.filter((m) => m.kind === 'dm')).toEqual([]);
  });

  it('without contacts (the setting off) nobody is told', () => {
    expect(applied(fresh(), answer([repo('acme/web')]), T0 + MIN).outbox).toEqual([]);
  });

  it('contacts: mapped handles (case ignored) to users, unknown users and unmapped handles with why', async () => {
    const users: Record<string, { id: string; username: string }> = { carol: { id: 'u-carol', username: 'carol' } };
    const c = await ownerContacts(['@Acme/Platform', '@bob', 'ops@acme.example'], { '@acme/platform': ['@carol', 'ghost'], 'ops@acme.example': 'ghost' }, (u) => Promise.resolve(users[u]));
    expect(c).toEqual({
      users: [{ handle: '@Acme/Platform', userId: 'u-carol', username: 'carol' }],
      unmapped: [
        { handle: '@bob', why: 'add it to owners.map' },
        { handle: 'ops@acme.example', why: 'owners.map names @ghost, not a Mattermost user' },
      ],
    });
  });
});

describe('run evidence changes in the timeline', () => {
  const runs = (state: 'ran' | 'not-run' | 'unavailable', count: number, reason?: string): RepoEvidence =>
    repo('acme/web', { runs: [{ job: 'build', file: '.github/workflows/ci.yml', state, count, ...(reason ? { reason } : {}) }] });

  it('the first answer keeps the runs; later answers say what changed, per repository and job', () => {
    const first = applied(fresh(), answer([runs('ran', 3)]), T0 + MIN);
    expect(first.timeline.filter((e) => e.text.startsWith('Run evidence'))).toEqual([]);
    expect(first.incident.evidence?.runs).toEqual([{ repo: 'acme/web', file: '.github/workflows/ci.yml', job: 'build', state: 'ran', count: 3 }]);
    const more = applied(first.incident, answer([runs('ran', 5)]), T0 + 2 * MIN, true);
    expect(more.timeline.filter((e) => e.text.startsWith('Run evidence')).map((e) => e.text)).toEqual(['Run evidence: acme/web build: ran 3 → 5 times in the window']);
    const gone = applied(more.incident, answer([runs('unavailable', 0, 'HTTP 410_x')]), T0 + 3 * MIN, true);
    expect(gone.timeline.filter((e) => e.text.startsWith('Run evidence')).map((e) => e.text)).toEqual(['Run evidence: acme/web build: ran 5 times → run history unavailable in the window (HTTP 410\\_x)']);
    // An answer without run history keeps the tally and says nothing about runs.
    const none = applied(gone.incident, answer([repo('acme/web')]), T0 + 4 * MIN, true);
    expect(none.timeline.filter((e) => e.text.startsWith('Run evidence'))).toEqual([]);
    expect(none.incident.evidence?.runs).toEqual([{ repo: 'acme/web', file: '.github/workflows/ci.yml', job: 'build', state: 'unavailable', count: 0 }]);
  });

  it('secretsToRead takes the answer record of a known secret (a context then names its repository)', () => {
    const t = applied(fresh(), answer([repo('acme/app', { secrets: [{ name: 'every context variable', where: { store: 'context', scope: 'deploy' } }] })]), T0 + MIN);
    const withRepo = answer([repo('acme/app', { secrets: [context('every context variable', 'acme/app')] })]);
    expect(secretsToRead(t.incident, withRepo)).toEqual([context('every context variable', 'acme/app')]);
    expect(secretsToRead(t.incident, undefined)).toEqual([context('every context variable')]);
  });
});

import type { Job, Pipeline, ResolvedJob } from '../model';
import { makeIndicator, makeJob, makeMatch, makePipeline, makeUse, pos } from '../testing';
import { EXPOSURE_RULES } from './assess';
import { contextsRule } from './contexts';
import { deployRule, publishCredentials, releasePaths } from './deploy';
import { oidcRule } from './oidc';
import { permissionsRule } from './permissions';
import { platformRule } from './platform';
import type { ExposureRule, RuleResult } from './rule';
import { secretsRule } from './secrets';
import { selfHostedRule } from './self-hosted';
import { triggerRule } from './trigger';

function run(rule: ExposureRule, job: Job, opts: { pipeline?: Pipeline; jobs?: ResolvedJob[]; platformIncident?: boolean; resolved?: ResolvedJob } = {}): RuleResult {
  const pipeline = opts.pipeline ?? makePipeline({ jobs: [job] });
  const resolved = opts.resolved ?? { job, components: [] };
  const indicator = opts.platformIncident ? makeIndicator({ kind: 'platform', platform: 'circleci', title: 'CircleCI breach' }) : makeIndicator();
  return rule.check({
    resolved,
    job,
    pipeline,
    jobs: opts.jobs ?? pipeline.jobs.map((j) => (j === job ? resolved : { job: j, components: [] })),
    match: makeMatch({ indicator }),
    platformIncident: opts.platformIncident ?? false,
  });
}

const circle = (jobs: Job[]): Pipeline => makePipeline({ platform: 'circleci', file: '.circleci/config.yml', jobs });
const cjob = (partial: Partial<Job> & { id: string }): Job =>
  makeJob({ permissions: { kind: 'not-applicable' }, pos: pos(20, '.circleci/config.yml'), secrets: [{ name: 'project environment variables', kind: 'project-env' }], ...partial });

describe('rule metadata', () => {
  it('has unique kebab-case ids, a description, a severity and a confidence', () => {
    const ids = EXPOSURE_RULES.map((r) => r.meta.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of EXPOSURE_RULES) {
      expect(r.meta.id).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(r.meta.description.length).toBeGreaterThan(20);
      expect(['critical', 'high', 'medium', 'low', 'info']).toContain(r.meta.severity);
      expect(['high', 'medium', 'low']).toContain(r.meta.confidence);
    }
  });
});

describe('contexts', () => {
  it('names the contexts and where they are given', () => {
    const job = cjob({ id: 'test', contexts: ['org-global', 'deploy'], secrets: [{ name: 'org-global', kind: 'context', pos: pos(40, '.circleci/config.yml') }] });
    const r = run(contextsRule, job, { pipeline: circle([job]) });
    expect(r.signals.secrets).toBe(true);
    expect(r.exposure.contexts).toEqual(['org-global', 'deploy']);
    expect(r.reasons.join(' ')).toContain('`org-global` and `deploy` (.circleci/config.yml:40)');
    expect(r.reasons.join(' ')).toContain('project environment variables');
    expect(r.advice.join(' ')).toMatch(/without contexts/);
  });
  it('ok-no-contexts: only notes project env vars', () => {
    const job = cjob({ id: 'coverage' });
    const r = run(contextsRule, job, { pipeline: circle([job]) });
    expect(r.signals.secrets).toBeUndefined();
    expect(r.reasons).toHaveLength(1);
    expect(r.reasons[0]).toContain('not in .circleci/config.yml');
  });
  it('ok-github: nothing to say', () => {
    expect(run(contextsRule, makeJob({ id: 'x' })).reasons).toEqual([]);
  });
});

describe('secrets', () => {
  it('lists secrets by name with their lines and the payload scope', () => {
    const job = makeJob({
      id: 'test',
      secrets: [
        { name: 'CODECOV_TOKEN', kind: 'secret', pos: pos(14) },
        { name: 'NPM_TOKEN', kind: 'secret', pos: pos(15) },
        { name: 'GITHUB_TOKEN', kind: 'ci-token' },
      ],
    });
    const r = run(secretsRule, job);
    expect(r.signals.secrets).toBe(true);
    expect(r.exposure.secrets).toEqual(['CODECOV_TOKEN', 'NPM_TOKEN', 'GITHUB_TOKEN']);
    expect(r.reasons.join('\n')).toContain('can read `CODECOV_TOKEN` and `NPM_TOKEN` (first at .github/workflows/ci.yml:14)');
    expect(r.reasons.join('\n')).toContain("The payload of Test incident read everything in the job's environment: in this job that is");
    expect(r.advice.join(' ')).toContain('Rotate `CODECOV_TOKEN` and `NPM_TOKEN`');
  });
  it.each([
    ['inherit', { name: 'inherit', kind: 'inherit' as const }, 'secrets: inherit'],
    ['toJSON(secrets)', { name: 'toJSON(secrets)', kind: 'all-secrets' as const }, 'toJSON(secrets)'],
    ['environment', { name: 'production', kind: 'environment' as const }, 'environment `production`'],
    ['gitlab variable', { name: 'AWS_SECRET_ACCESS_KEY', kind: 'variable' as const }, '`AWS_SECRET_ACCESS_KEY`'],
  ])('%s', (_n, secret, text) => {
    const r = run(secretsRule, makeJob({ id: 'j', secrets: [{ ...secret, pos: pos(9) }] }));
    expect(r.signals.secrets).toBe(true);
    expect(r.reasons.join(' ')).toContain(text);
  });
  it('counts secrets read by the components themselves', () => {
    const job = cjob({ id: 'coverage' });
    const orb = makeUse({ kind: 'orb', namespace: 'codecov', name: 'codecov', version: '1.1.1', raw: 'codecov/codecov@1.1.1' });
    const r = run(secretsRule, job, {
      pipeline: circle([job]),
      resolved: { job, components: [{ use: orb, status: 'resolved', secrets: [{ name: 'CODECOV_TOKEN', kind: 'variable', pos: pos(7, 'codecov/codecov@1.1.1//orb.yml') }], children: [] }] },
    });
    expect(r.signals.secrets).toBe(true);
    expect(r.reasons.join(' ')).toContain('`codecov/codecov@1.1.1` reads `CODECOV_TOKEN` itself (codecov/codecov@1.1.1//orb.yml:7)');
  });
  it("ok-component's own token: a secret only the affected component reads does not expose the job", () => {
    const job = cjob({ id: 'coverage' });
    const orb = makeUse({ kind: 'orb-element', orb: { kind: 'orb', namespace: 'codecov', name: 'codecov', version: '1.1.1', raw: 'codecov/codecov@1.1.1' }, elementKind: 'command', element: 'upload', raw: 'codecov/upload' });
    const resolved: ResolvedJob = { job, components: [{ use: orb, status: 'resolved', secrets: [{ name: 'CODECOV_TOKEN', kind: 'variable' }], children: [] }] };
    const r = secretsRule.check({ resolved, job, pipeline: circle([job]), jobs: [resolved], match: makeMatch({ chain: [{ kind: 'orb-element', ref: 'codecov/upload' }] }), platformIncident: false });
    expect(r.signals.secrets).toBeUndefined();
    expect(r.exposure.secrets).toContain('CODECOV_TOKEN');
    expect(r.reasons.join(' ')).toContain('reads its own credential `CODECOV_TOKEN`');
    expect(r.advice.join(' ')).toContain('Rotate `CODECOV_TOKEN`');
  });
  it('ok-only-job-token: the job token and project env are listed but are not secrets reachable', () => {
    const r = run(secretsRule, makeJob({ id: 'j', secrets: [{ name: 'GITHUB_TOKEN', kind: 'ci-token' }] }));
    expect(r.signals.secrets).toBeUndefined();
    expect(r.exposure.secrets).toEqual(['GITHUB_TOKEN']);
    const c = cjob({ id: 'c' });
    expect(run(secretsRule, c, { pipeline: circle([c]) }).signals.secrets).toBeUndefined();
  });
  it('ok-fork-only: a fork pull request gets no secrets', () => {
    const r = run(secretsRule, makeJob({ id: 'j', triggers: [{ kind: 'pull_request_fork' }], secrets: [{ name: 'X', kind: 'secret' }] }));
    expect(r.signals.secrets).toBeUndefined();
    expect(r.reasons[0]).toContain('fork pull requests');
  });
});

describe('token-permissions', () => {
  it.each([
    ['write-all', { kind: 'write-all' as const }, 'write-all', true],
    ['contents write', { kind: 'scopes' as const, scopes: { contents: 'write' as const, 'id-token': 'write' as const } }, 'contents: write, id-token: write', true],
    ['packages write', { kind: 'scopes' as const, scopes: { contents: 'read' as const, packages: 'write' as const } }, 'contents: read, packages: write', true],
    ['repository default', { kind: 'default' as const }, 'repository default', true],
    ['ok-read-all', { kind: 'read-all' as const }, 'read-all', false],
    ['ok-contents read', { kind: 'scopes' as const, scopes: { contents: 'read' as const } }, 'contents: read', false],
    ['ok-only id-token write', { kind: 'scopes' as const, scopes: { 'id-token': 'write' as const } }, 'id-token: write', false],
    ['ok-none', { kind: 'scopes' as const, scopes: { contents: 'none' as const } }, 'none', false],
  ])('%s', (_n, permissions, text, write) => {
    const r = run(permissionsRule, makeJob({ id: 'j', permissions }));
    expect(r.exposure.permissions).toBe(text);
    expect(r.signals.writeToken === true).toBe(write);
  });
  it('says where to check the repository default', () => {
    const r = run(permissionsRule, makeJob({ id: 'j', permissions: { kind: 'default' } }));
    expect(r.reasons[0]).toContain('may be write; check Settings → Actions');
  });
  it('ok-fork-only: read-only whatever permissions says', () => {
    const r = run(permissionsRule, makeJob({ id: 'j', permissions: { kind: 'write-all' }, triggers: [{ kind: 'pull_request_fork' }] }));
    expect(r.signals.writeToken).toBeUndefined();
    expect(r.exposure.permissions).toContain('read-only for fork pull requests');
  });
  it('ok-not-applicable on CircleCI and GitLab', () => {
    const c = cjob({ id: 'c' });
    expect(run(permissionsRule, c, { pipeline: circle([c]) }).exposure.permissions).toContain('no job token');
    const g = makeJob({ id: 'g', permissions: { kind: 'not-applicable' } });
    expect(run(permissionsRule, g, { pipeline: makePipeline({ platform: 'gitlab-ci', jobs: [g] }) }).exposure.permissions).toContain('CI_JOB_TOKEN');
  });
});

describe('oidc', () => {
  it('an OIDC-capable job reaches cloud credentials', () => {
    const r = run(oidcRule, makeJob({ id: 'j', oidc: true, environment: 'prod', secrets: [{ name: 'id-token', kind: 'id-token', pos: pos(8) }] }));
    expect(r.signals.secrets).toBe(true);
    expect(r.exposure.oidc).toBe(true);
    expect(r.reasons[0]).toContain('(.github/workflows/ci.yml:8)');
    expect(r.reasons[0]).toContain('environment `prod`');
  });
  it('ok-no-oidc', () => {
    const r = run(oidcRule, makeJob({ id: 'j' }));
    expect(r.signals).toEqual({});
    expect(r.exposure.oidc).toBe(false);
  });
});

describe('self-hosted-runner', () => {
  it('persistence, and privileged neighbours on the same labels', () => {
    const job = makeJob({ id: 'test', runner: { selfHosted: true, labels: ['self-hosted', 'linux'] } });
    const deploy = makeJob({ id: 'deploy', runner: { selfHosted: true, labels: ['self-hosted', 'linux'] }, deploys: true, secrets: [{ name: 'AWS_KEY', kind: 'secret' }] });
    const elsewhere = makeJob({ id: 'other', runner: { selfHosted: true, labels: ['self-hosted', 'gpu'] }, secrets: [{ name: 'GPU_KEY', kind: 'secret' }] });
    const r = run(selfHostedRule, job, { pipeline: makePipeline({ jobs: [job, deploy, elsewhere] }) });
    expect(r.signals).toMatchObject({ secrets: true, tamperToPrivileged: true });
    expect(r.reasons.join(' ')).toContain('`deploy` (secret AWS_KEY, deploys)');
    expect(r.reasons.join(' ')).not.toContain('GPU_KEY');
  });
  it('ok-hosted-runner', () => {
    expect(run(selfHostedRule, makeJob({ id: 'j' })).signals).toEqual({});
  });
});

describe('trigger', () => {
  it.each([
    ['pull_request_target', [{ kind: 'pull_request_target' as const }], /pull_request_target.*untrusted/],
    ['workflow_run', [{ kind: 'workflow_run' as const, detail: 'CI' }], /workflow_run/],
    ['schedule', [{ kind: 'schedule' as const, detail: '0 3 * * *' }], /schedule \(`0 3 \* \* \*`\)/],
    ['tag', [{ kind: 'tag' as const }], /release runs/],
    ['fork only', [{ kind: 'pull_request_fork' as const }], /no secrets and a read-only token/],
  ])('%s', (_n, triggers, re) => {
    const r = run(triggerRule, makeJob({ id: 'j', triggers }));
    expect(r.reasons.join(' ')).toMatch(re);
  });
  it('lists triggers and flags fork-only jobs', () => {
    const r = run(triggerRule, makeJob({ id: 'j', triggers: [{ kind: 'pull_request_fork' }] }));
    expect(r.signals.forkOnly).toBe(true);
    expect(r.exposure.triggers).toEqual(['pull_request_fork']);
  });
  it('ok-push: nothing to say', () => {
    const r = run(triggerRule, makeJob({ id: 'j', triggers: [{ kind: 'push', detail: 'main' }] }));
    expect(r.reasons).toEqual([]);
    expect(r.exposure.triggers).toEqual(['push (main)']);
  });
});

describe('deploy', () => {
  it('a release flow names what it releases and where', () => {
    const r = run(deployRule, makeJob({ id: 'j', deploys: true, produces: [{ via: 'release', name: 'npm publish', pos: pos(30) }] }));
    expect(r.signals.deploys).toBe(true);
    expect(r.reasons[0]).toContain('npm publish at .github/workflows/ci.yml:30');
  });
  it('an environment', () => {
    expect(run(deployRule, makeJob({ id: 'j', deploys: true, environment: 'production' })).reasons[0]).toContain('environment `production`');
  });
  it('ok-no-deploy', () => {
    expect(run(deployRule, makeJob({ id: 'j' })).signals).toEqual({});
  });
  it('what it releases is a tamper entry of its own, read as what is published', () => {
    const flows = (names: Array<string | undefined>) => names.map((name, i) => (name === undefined ? { via: 'release' as const, pos: pos(40 + i) } : { via: 'release' as const, name, pos: pos(40 + i) }));
    expect(releasePaths(makeJob({ id: 'j', deploys: true, produces: flows(['docker push', 'ghcr.io/acme/app:1.2', 'softprops/action-gh-release', 'pypa/gh-action-pypi-publish', 'actions/deploy-pages', undefined]) }))).toEqual([
      'the image pushed at .github/workflows/ci.yml:40 (docker push)',
      'the image pushed at .github/workflows/ci.yml:41 (ghcr.io/acme/app:1.2)',
      'the release uploaded at .github/workflows/ci.yml:42 (softprops/action-gh-release)',
      'the package published at .github/workflows/ci.yml:43 (pypa/gh-action-pypi-publish)',
      'the site deployed at .github/workflows/ci.yml:44 (actions/deploy-pages)',
      'what it publishes at .github/workflows/ci.yml:45',
    ]);
    const r = run(deployRule, makeJob({ id: 'j', deploys: true, produces: flows(['docker push']) }));
    expect(r.tamper).toEqual([{ via: 'release', name: 'the image pushed at .github/workflows/ci.yml:40 (docker push)', consumers: [] }]);
  });
  it.each<[string, Partial<Job>, string[]]>([
    ['a job secret', { secrets: [{ name: 'NPM_TOKEN', kind: 'secret' }] }, ['NPM_TOKEN']],
    ['write-all', { permissions: { kind: 'write-all' } }, ['GITHUB_TOKEN (write-all)']],
    ['the repository default', { permissions: { kind: 'default' } }, ['GITHUB_TOKEN (repository default, which may be write)']],
    ['publishing scopes only', { permissions: { kind: 'scopes', scopes: { contents: 'write', issues: 'write', packages: 'read' } } }, ['GITHUB_TOKEN (contents: write)']],
    ['OIDC', { oidc: true }, ['OIDC token']],
    ['CircleCI project variables and a context', { permissions: { kind: 'not-applicable' }, contexts: ['release'], secrets: [{ name: 'project environment variables', kind: 'project-env' }] }, ['context release', 'project environment variables']],
    ['ok-read-only: nothing to publish with', { permissions: { kind: 'scopes', scopes: { contents: 'read', issues: 'write' } } }, []],
    ['ok-fork-only: nothing', { secrets: [{ name: 'NPM_TOKEN', kind: 'secret' }], triggers: [{ kind: 'pull_request_fork' }] }, []],
  ])('publishCredentials: %s', (_name, partial, expected) => {
    const job = makeJob({ id: 'j', deploys: true, ...partial });
    expect(publishCredentials(job, { job, components: [] }, makeMatch())).toEqual(expected);
    const r = run(deployRule, job);
    expect(r.signals.publishCredential).toBe(expected.length > 0 ? true : undefined);
  });
});

describe('platform-breach', () => {
  it('exposes the stored secrets whichever job ran', () => {
    const job = cjob({ id: 'lint' });
    const other = cjob({ id: 'deploy', contexts: ['aws-prod'] });
    const r = run(platformRule, job, { pipeline: circle([job, other]), platformIncident: true });
    expect(r.signals.secrets).toBe(true);
    expect(r.exposure.secrets).toEqual(expect.arrayContaining(['project environment variables', 'project SSH and deploy keys']));
    expect(r.reasons[0]).toContain('contexts `aws-prod`');
    expect(r.advice[0]).toContain('Rotate every stored secret');
  });
  it('ok-not-a-platform-incident', () => {
    const job = cjob({ id: 'lint' });
    expect(run(platformRule, job, { pipeline: circle([job]) }).reasons).toEqual([]);
  });
});

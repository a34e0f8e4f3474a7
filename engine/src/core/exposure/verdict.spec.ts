import type { Job, Pipeline, ResolvedJob } from '../model';
import { makeIndicator, makeJob, makeMatch, makePipeline, pos } from '../testing';
import { assessJob } from './assess';
import type { Signals } from './rule';
import { emptySignals, verdictOf } from './verdict';

describe('verdictOf', () => {
  const s = (partial: Partial<Signals>): Signals => ({ ...emptySignals(), ...partial });
  it.each<[string, Partial<Signals>, string]>([
    ['secrets + deploys itself', { secrets: true, deploys: true }, 'critical'],
    ['secrets + privileged consumer', { secrets: true, tamper: true, tamperToPrivileged: true }, 'critical'],
    ['secrets only', { secrets: true }, 'high'],
    ['secrets + unprivileged consumer', { secrets: true, tamper: true }, 'high'],
    ['write token only', { writeToken: true }, 'high'],
    ['write token that cannot publish + deploys, no secrets', { writeToken: true, deploys: true }, 'high'],
    ['deploys with a credential that can publish (packages: write), no secrets', { writeToken: true, deploys: true, publishCredential: true }, 'critical'],
    ['deploys with what the platform gives every job (GitLab CI_JOB_TOKEN)', { deploys: true, publishCredential: true }, 'critical'],
    ['a publishing credential without a release is not a path', { publishCredential: true, writeToken: true }, 'high'],
    ['tamper only', { tamper: true }, 'medium'],
    ['tamper to privileged, no secrets', { tamper: true, tamperToPrivileged: true }, 'medium'],
    ['tamper to privileged with a write token', { tamper: true, tamperToPrivileged: true, writeToken: true }, 'high'],
    ['deploys, no credential found: how it authenticates is unknown, never isolated', { deploys: true }, 'high'],
    ['fork only: no release either', { deploys: true, publishCredential: true, forkOnly: true }, 'low'],
    ['nothing', {}, 'low'],
    ['fork only cancels secrets and token', { secrets: true, writeToken: true, forkOnly: true }, 'low'],
  ])('%s → %s', (_n, signals, verdict) => {
    expect(verdictOf(s(signals))).toBe(verdict);
  });
});

/** The seed's situation on every platform, judged end to end through assessJob. */
describe('assessJob verdicts', () => {
  const judge = (job: Job, pipeline: Pipeline = makePipeline({ jobs: [job] }), jobs?: ResolvedJob[]) =>
    assessJob({ job, components: [] }, pipeline, jobs ?? pipeline.jobs.map((j) => ({ job: j, components: [] })), makeMatch());

  it('low: the isolated coverage job without contexts', () => {
    const job = makeJob({ id: 'coverage', permissions: { kind: 'not-applicable' }, pos: pos(7, '.circleci/config.yml'), secrets: [{ name: 'project environment variables', kind: 'project-env' }] });
    const f = judge(job, makePipeline({ platform: 'circleci', file: '.circleci/config.yml', jobs: [job] }));
    expect(f.verdict).toBe('low');
    expect(f.reasons[0]).toMatch(/^Low: isolated/);
    expect(f.exposure).toMatchObject({ contexts: [], secrets: ['project environment variables'], permissions: expect.stringContaining('not applicable') });
  });

  it('critical: a job sharing a context with a deploy job it feeds', () => {
    const test = makeJob({ id: 'test', contexts: ['org-global'], permissions: { kind: 'not-applicable' }, produces: [{ via: 'workspace', name: '.', pos: pos(15, '.circleci/config.yml') }] });
    const deploy = makeJob({ id: 'deploy', needs: ['test'], contexts: ['org-global'], deploys: true, permissions: { kind: 'not-applicable' }, consumes: [{ via: 'workspace', name: '.', pos: pos(30, '.circleci/config.yml') }] });
    const f = judge(test, makePipeline({ platform: 'circleci', file: '.circleci/config.yml', jobs: [test, deploy] }));
    expect(f.verdict).toBe('critical');
    expect(f.tamper).toEqual([{ via: 'workspace', name: '.', consumers: [{ job: 'deploy', holds: ['context org-global', 'deploys'] }], reach: expect.stringContaining('persist_to_workspace') }]);
    expect(f.reasons.join('\n')).toContain('consumed by `deploy` (holds context org-global, deploys)');
    expect(f.reasons[0]).toBe('Critical: the job can read secrets and has a path to release or deploy (what it writes or leaves on its runner reaches `deploy`, which deploys or holds secrets).');
    expect(f.advice.join('\n')).toMatch(/Separation of privileges/);
  });

  it('critical: two privileged consumers are named in the plural', () => {
    const test = makeJob({ id: 'test', contexts: ['org-global'], permissions: { kind: 'not-applicable' }, produces: [{ via: 'workspace', name: '.', pos: pos(15, '.circleci/config.yml') }] });
    const consumer = (id: string): Job =>
      makeJob({ id, needs: ['test'], contexts: ['org-global'], deploys: true, permissions: { kind: 'not-applicable' }, consumes: [{ via: 'workspace', name: '.', pos: pos(30, '.circleci/config.yml') }] });
    const f = judge(test, makePipeline({ platform: 'circleci', file: '.circleci/config.yml', jobs: [test, consumer('deploy'), consumer('publish')] }));
    expect(f.reasons[0]).toContain('reaches `deploy` and `publish`, which deploy or hold secrets).');
  });

  it('critical: secrets and it deploys itself', () => {
    expect(judge(makeJob({ id: 'release', deploys: true, secrets: [{ name: 'NPM_TOKEN', kind: 'secret' }] })).verdict).toBe('critical');
  });

  it('critical: it releases with a token that can publish, without other secrets (issue 9: trivy-action, then docker push with packages: write)', () => {
    const push = { via: 'release' as const, name: 'docker push', pos: pos(70, '.github/workflows/build.yaml') };
    const job = makeJob({ id: 'build', pos: pos(40, '.github/workflows/build.yaml'), deploys: true, permissions: { kind: 'scopes', scopes: { contents: 'read', packages: 'write' } }, produces: [push] });
    const f = judge(job);
    expect(f.verdict).toBe('critical');
    expect(f.reasons[0]).toBe(
      'Critical: the job can publish and has a path to release or deploy (it releases or deploys itself — the image pushed at .github/workflows/build.yaml:70 (docker push) — with GITHUB_TOKEN (packages: write)).',
    );
    expect(f.tamper).toContainEqual({ via: 'release', name: 'the image pushed at .github/workflows/build.yaml:70 (docker push)', consumers: [] });
    expect(f.reasons.join('\n')).toContain('releases (docker push at .github/workflows/build.yaml:70): code running in it can change what is released.');
    expect(f.reasons.join('\n')).toContain('It can publish with `GITHUB_TOKEN (packages: write)`');
    expect(f.reasons.join('\n')).not.toMatch(/no path to a release/);
    expect(f.ruleIds[0]).toBe('deploy');
    expect(f.ruleIds).toEqual(expect.arrayContaining(['compromised-component', 'token-permissions', 'deploy']));
  });

  it('high, never isolated: it releases but no credential it could publish with is in the config', () => {
    const job = makeJob({ id: 'publish', deploys: true, permissions: { kind: 'scopes', scopes: { contents: 'read', issues: 'write' } }, produces: [{ via: 'release', name: 'npm publish', pos: pos(12) }] });
    const f = judge(job);
    expect(f.verdict).toBe('high');
    expect(f.reasons[0]).toBe(
      'High: its token can (or may) write; it releases or deploys (the package published at .github/workflows/ci.yml:12 (npm publish)), but no credential it could publish with was found in the config: how it authenticates is not known.',
    );
    expect(f.reasons.join('\n')).toMatch(/No credential it could publish with was found in the config \(no secrets, token permissions `contents: read, issues: write`\)/);
    expect(f.tamper).toEqual([{ via: 'release', name: 'the package published at .github/workflows/ci.yml:12 (npm publish)', consumers: [] }]);
  });

  it('critical on GitLab: a deploy job publishes with the job token and the CI/CD variables every job gets', () => {
    const job = makeJob({
      id: 'deploy',
      pos: pos(30, '.gitlab-ci.yml'),
      deploys: true,
      environment: 'production',
      permissions: { kind: 'not-applicable' },
      secrets: [
        { name: 'project and group CI/CD variables', kind: 'project-env' },
        { name: 'CI_JOB_TOKEN', kind: 'ci-token' },
      ],
    });
    const f = judge(job, makePipeline({ platform: 'gitlab-ci', file: '.gitlab-ci.yml', jobs: [job] }));
    expect(f.verdict).toBe('critical');
    expect(f.reasons[0]).toContain('the deployment to environment `production` (.gitlab-ci.yml:30) — with project and group CI/CD variables and CI_JOB_TOKEN');
    expect(f.tamper).toEqual([{ via: 'release', name: 'the deployment to environment `production` (.gitlab-ci.yml:30)', consumers: [] }]);
  });

  it('high with a write token whose cache reaches a deploy job: the headline names that path', () => {
    const build = makeJob({ id: 'build', permissions: { kind: 'scopes', scopes: { issues: 'write' } }, produces: [{ via: 'cache', name: 'deps-{{ checksum }}', pos: pos(3) }] });
    const deploy = makeJob({ id: 'deploy', deploys: true, consumes: [{ via: 'cache', name: 'deps-', pos: pos(9) }] });
    const f = judge(build, makePipeline({ jobs: [build, deploy] }));
    expect(f.verdict).toBe('high');
    expect(f.reasons[0]).toMatch(/^High: its token can \(or may\) write; what it writes or leaves on its runner reaches `deploy`, which deploys or holds secrets: a tamper path toward a release/);
    expect(f.ruleIds[0]).toBe('token-permissions');
  });

  it('high: secrets, nothing downstream', () => {
    expect(judge(makeJob({ id: 'test', secrets: [{ name: 'CODECOV_TOKEN', kind: 'secret' }] })).verdict).toBe('high');
  });

  it('high: the repository-default token', () => {
    const f = judge(makeJob({ id: 'test', permissions: { kind: 'default' } }));
    expect(f.verdict).toBe('high');
    expect(f.exposure.permissions).toBe('repository default');
  });

  it('medium: no secrets, read-only token, but a deploy job restores its cache', () => {
    const build = makeJob({ id: 'build', produces: [{ via: 'cache', name: 'deps-{{ checksum }}', pos: pos(3) }] });
    const deploy = makeJob({ id: 'deploy', deploys: true, consumes: [{ via: 'cache', name: 'deps-', pos: pos(9) }] });
    expect(judge(build, makePipeline({ jobs: [build, deploy] })).verdict).toBe('medium');
  });

  it('low with a reason when pinned to a safe SHA (not affected)', () => {
    const job = makeJob({ id: 'j', secrets: [{ name: 'S', kind: 'secret' }], deploys: true });
    const f = assessJob({ job, components: [] }, makePipeline({ jobs: [job] }), [], makeMatch({ affected: false, refReason: 'pinned to a safe SHA' }));
    expect(f).toMatchObject({ affected: false, verdict: 'low', tamper: [] });
    expect(f.reasons[0]).toContain('Not affected: pinned to a safe SHA');
  });

  it('platform incident: stored secrets whichever job ran', () => {
    const job = makeJob({ id: 'lint', permissions: { kind: 'not-applicable' } });
    const pipeline = makePipeline({ platform: 'circleci', file: '.circleci/config.yml', jobs: [job] });
    const indicator = makeIndicator({ kind: 'platform', platform: 'circleci', components: [{ kind: 'platform', id: 'circleci', affectedRefs: ['*'], safeRefs: [], maliciousShas: [] }] });
    const f = assessJob({ job, components: [] }, pipeline, [{ job, components: [] }], makeMatch({ indicator, chain: [{ kind: 'platform', ref: 'circleci' }], refReason: 'every CircleCI project' }));
    expect(f.verdict).toBe('high');
    expect(f.exposure.secrets).toContain('project environment variables');
    expect(f.advice.join(' ')).toContain('Rotate every stored secret');
    // The reason of the match is a sentence of its own there: it starts with a capital.
    expect(f.reasons[1]).toBe('Every CircleCI project.');
  });
});

describe('assessJob finding', () => {
  it('is placed at the first chain link, names the chain and gives advice tied to the chain', () => {
    const job = makeJob({ id: 'test', name: 'Test', workflow: 'CI', secrets: [{ name: 'CODECOV_TOKEN', kind: 'secret', pos: pos(12) }] });
    const indicator = makeIndicator({ kind: 'action', title: 'tj-actions', components: [{ kind: 'gha-action', id: 'tj-actions/changed-files', affectedRefs: ['*'], safeRefs: [], maliciousShas: [] }] });
    const f = assessJob({ job, components: [] }, makePipeline({ jobs: [job] }), [{ job, components: [] }], makeMatch({
      indicator,
      chain: [{ kind: 'gha-action', ref: 'tj-actions/changed-files@v45', file: '.github/workflows/ci.yml', line: 9 }],
      refReason: 'tag v45 is mutable and could resolve to the bad code during the window',
    }));
    expect(f).toMatchObject({ repo: 'acme/app', file: '.github/workflows/ci.yml', line: 9, platform: 'github-actions', workflow: 'CI', job: 'Test', affected: true, verdict: 'high', indicator: 'test-incident' });
    expect(f.reasons[1]).toBe('Runs tj-actions/changed-files@v45 (.github/workflows/ci.yml:9): tag v45 is mutable and could resolve to the bad code during the window.');
    expect(f.advice[0]).toContain('pin `tj-actions/changed-files` to a full commit SHA');
    expect(f.exposure.secrets).toEqual(['CODECOV_TOKEN']);
  });

  it('says when the chain passes through an unresolved component', () => {
    const job = makeJob({ id: 't' });
    const f = assessJob({ job, components: [] }, makePipeline({ jobs: [job] }), [], makeMatch({ chain: [{ kind: 'orb', ref: 'x/y@1', unresolved: true, file: '.circleci/config.yml', line: 3 }, { kind: 'script-url', ref: 'https://codecov.io/bash' }] }));
    expect(f.reasons.join(' ')).toContain('unresolved component(s) `x/y@1`');
  });

  it('names the secrets it read from the model in the serialised finding', () => {
    const job = makeJob({ id: 't', secrets: [{ name: 'API_KEY', kind: 'secret' }] });
    const text = JSON.stringify(assessJob({ job, components: [] }, makePipeline({ jobs: [job] }), [], makeMatch()));
    expect(text).toContain('API_KEY');
  });
});

/**
 * Conformance over the registry: every platform states how what its jobs write reaches other jobs —
 * when a write happens (explicit step, end of job, any time) and how its caches are scoped — and says
 * why, for the report. A platform that does not is read fail-closed by exposure/tamper.ts, but must not
 * be registered that way.
 */
import type { ArtifactFlow, TriggerKind } from '../model';
import { PLATFORMS } from '.';
import { githubCacheScope } from './github-actions/flow-rules';
import { gitlabCacheScope } from './gitlab-ci/flow-rules';

const TAMPER_VIAS: ReadonlyArray<ArtifactFlow['via']> = ['workspace', 'cache', 'artifact', 'push'];

describe.each(PLATFORMS.map((p) => [p.id, p] as const))('%s states its flow rules', (_id, platform) => {
  it('has a rule for pushes and for each store it has (some of workspace, cache, artifact), each with a reason', () => {
    const rules = platform.flows;
    expect(rules).toBeDefined();
    const stated = TAMPER_VIAS.filter((via) => rules?.writes[via] !== undefined);
    expect(stated).toContain('push');
    expect(stated.length).toBeGreaterThanOrEqual(2);
    for (const via of stated) {
      const rule = rules?.writes[via];
      expect(rule).toMatchObject({ timing: expect.stringMatching(/^(explicit-step|end-of-job|any-time)$/), names: expect.stringMatching(/^(declared|any)$/) });
      expect(rule?.why.length).toBeGreaterThan(20);
      // A store any step can write is written at any time.
      if (rule?.names === 'any') expect(rule.timing).toBe('any-time');
    }
  });

  it('scopes caches, with a reason, for jobs that run on pushes and for jobs whose triggers are not known', () => {
    for (const triggers of [[{ kind: 'push' as const }], []]) {
      const scope = platform.flows?.cacheScope(triggers);
      expect(scope?.why.length).toBeGreaterThan(20);
      // What runs on pushes (or may) is read by every job of the repository.
      expect(scope?.kind).toBe('repository');
    }
  });
});

describe('GitHub Actions cache scope', () => {
  it.each<[TriggerKind[], 'repository' | 'refs', RegExp]>([
    [['push'], 'repository', /runs on `push`, on the default branch/],
    [['schedule'], 'repository', /`schedule`/],
    [['workflow_dispatch'], 'repository', /`workflow_dispatch`/],
    [['pull_request_target'], 'repository', /`pull_request_target`/],
    [['workflow_run'], 'repository', /`workflow_run`/],
    [['api'], 'repository', /`api`/],
    [['pull_request', 'push'], 'repository', /`push`/],
    [['workflow_call'], 'repository', /reusable workflow/],
    [['other'], 'repository', /may be the default branch/],
    [[], 'repository', /not known/],
    [['pull_request'], 'refs', /only runs for pull requests: .*merge ref/],
    [['pull_request_fork'], 'refs', /only runs for pull requests/],
    [['tag'], 'refs', /only runs for tags/],
    [['pull_request', 'tag'], 'refs', /pull requests and tags/],
  ])('%j → %s', (kinds, kind, why) => {
    const scope = githubCacheScope(kinds.map((k) => ({ kind: k })));
    expect(scope.kind).toBe(kind);
    expect(scope.why).toMatch(why);
  });

  it('a pull request run writes into its own ref: only pull request runs read it', () => {
    expect(githubCacheScope([{ kind: 'pull_request' }])).toMatchObject({ kind: 'refs', triggers: ['pull_request', 'pull_request_fork'] });
    expect(githubCacheScope([{ kind: 'tag' }])).toMatchObject({ kind: 'refs', triggers: ['tag'] });
  });
});

describe('GitLab CI cache scope', () => {
  it('merge request pipelines only: unprotected caches; anything else: the project', () => {
    expect(gitlabCacheScope([{ kind: 'merge_request' }])).toMatchObject({ kind: 'refs', triggers: ['merge_request'] });
    expect(gitlabCacheScope([{ kind: 'merge_request' }, { kind: 'push' }]).kind).toBe('repository');
    expect(gitlabCacheScope([]).kind).toBe('repository');
  });
});

describe('when writes happen, per platform (issue 9, point 5)', () => {
  const timing = (id: string, via: ArtifactFlow['via']): string | undefined => {
    const rule = PLATFORMS.find((p) => p.id === id)?.flows?.writes[via];
    return rule ? `${rule.timing}/${rule.names}` : undefined;
  };
  it.each<[string, ArtifactFlow['via'], string]>([
    ['circleci', 'cache', 'explicit-step/declared'],
    ['circleci', 'workspace', 'explicit-step/declared'],
    ['circleci', 'artifact', 'explicit-step/declared'],
    ['github-actions', 'cache', 'any-time/any'],
    ['github-actions', 'artifact', 'explicit-step/declared'],
    ['gitlab-ci', 'cache', 'end-of-job/declared'],
    ['gitlab-ci', 'artifact', 'end-of-job/declared'],
  ])('%s %s: %s', (id, via, expected) => {
    expect(timing(id, via)).toBe(expected);
  });
});

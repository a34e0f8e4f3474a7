// End to end, through the Mattermost simulator and the CircleCI simulator (answers checked against
// CircleCI's OpenAPI file): a CircleCI context re-created after the incident started ticks its sub-item
// "verified by CircleCI" on a scheduled re-check; a GitLab variable's sub-item stays for a person and
// says why; the affected repository's mapped owner gets one direct message, an unmapped handle is named in
// the channel once; once the repository is fixed, the owner is told so once, however many re-checks run.
import { parseChecklistProps, type ChecklistProps } from '@ci-exposure/contract';
import { CircleCiSimulator } from '../../../engine/test/simulators/circleci/server';
import { GITLAB_NO_TIME } from '../../src/evidence/gitlab-secrets';
import type { LookupEvidence, LookupPort } from '../../src/incidents/lookup';
import { fakeLookup, startedIncident, startHarness, waitFor, type Harness } from './harness';

jest.setTimeout(60_000);

const TOKEN = 'circle-e2e-token-0001';
type Item = NonNullable<ChecklistProps['milestones'][number]['items']>[number];

const EVIDENCE: LookupEvidence = {
  complete: true,
  incomplete: [],
  repos: [
    {
      repo: 'acme/app',
      affected: true,
      complete: true,
      incomplete: [],
      files: ['.circleci/config.yml'],
      secrets: [{ name: 'every context variable', where: { store: 'context', scope: 'deploy', repo: 'acme/app' } }],
      owners: ['@acme/platform', '@acme/nobody'],
      findings: [{ job: 'deploy', file: '.circleci/config.yml', line: 14, verdict: 'critical', platform: 'circleci' }],
      findingsTotal: 1,
    },
    {
      repo: 'grp/svc',
      affected: true,
      complete: true,
      incomplete: [],
      files: ['.gitlab-ci.yml'],
      secrets: [{ name: 'CI/CD variables', where: { store: 'project', platform: 'gitlab-ci', repo: 'grp/svc' } }],
      findings: [{ job: 'test', file: '.gitlab-ci.yml', line: 3, verdict: 'high', platform: 'gitlab-ci' }],
      findingsTotal: 1,
    },
  ],
};

function withEvidence(base: LookupPort, evidence: () => LookupEvidence = () => EVIDENCE): LookupPort {
  return { ...base, run: async (target, options) => ({ ...(await base.run(target, options)), evidence: evidence() }) };
}

function secretItems(h: Harness, postId: string): Item[] {
  const post = h.sim.posts().find((p) => p.id === postId);
  const parsed = post ? parseChecklistProps(post.props) : undefined;
  return (parsed?.ok ? parsed.value.milestones.find((m) => m.id === 'secrets-rotated')?.items : undefined) ?? [];
}

describe('secrets rotated on every platform, owners told (CircleCI and Mattermost simulators)', () => {
  let h: Harness | undefined;
  let cc: CircleCiSimulator | undefined;

  afterEach(async () => {
    const violations = [...(h?.sim.openapiViolations() ?? []), ...(cc?.violations ?? [])];
    await h?.close();
    await cc?.stop();
    h = undefined;
    cc = undefined;
    expect(violations).toEqual([]);
  });

  it('a context re-created after the start ticks "verified by CircleCI"; GitLab stays manual; one DM to the mapped owner, one more when fixed', async () => {
    cc = await CircleCiSimulator.start({ token: TOKEN });
    const sim = cc;
    sim.addProject({ slug: 'gh/acme/app' });
    const context = sim.addContext({
      name: 'deploy',
      ownerSlug: 'gh/acme',
      variables: [{ variable: 'DEPLOY_KEY', value: 'context-secret-value', createdAt: '2024-01-01T00:00:00.000Z', updatedAt: '2024-06-01T00:00:00.000Z' }],
    });

    let answer = EVIDENCE;
    h = await startHarness({
      lookup: withEvidence(fakeLookup(), () => answer),
      config: { owners: { directMessages: true, map: { '@acme/platform': 'carol' } } },
      evidenceEnv: { CIRCLECI_TOKEN: TOKEN, CIRCLECI_URL: sim.url },
      recheckIntervalMs: 300,
    });
    const harness = h;
    await harness.sim.executeCommand('alice', harness.townSquare, '/ci-exposure start codecov-bash-uploader-2021');
    const { channelId, post } = await startedIncident(harness, /Codecov/);
    const first = await waitFor('the secret sub-items read', () => {
      const items = secretItems(harness, post.id);
      return items.length === 2 && items.every((i) => i.evidence?.state !== 'manual') ? items : undefined;
    });
    expect(first.map((i) => [i.label, i.where, i.done, i.evidence?.state, i.evidence?.source, i.evidence?.reason])).toEqual([
      ['every context variable', 'CircleCI context deploy', false, 'not-yet', 'CircleCI (context deploy: not updated yet: DEPLOY_KEY)', 'last changed 2024-06-01 00:00 UTC, before the incident started'],
      ['CI/CD variables', 'GitLab project settings of grp/svc', false, 'unknown', 'GitLab', GITLAB_NO_TIME],
    ]);

    // The context's variable is re-created on CircleCI after the start: the schedule ticks it.
    const started = (await harness.bridge.store.getIncidentByChannel(channelId))?.startedAt ?? 0;
    const variable = context.variables[0];
    if (variable) variable.updatedAt = new Date(started + 60_000).toISOString();
    const later = await waitFor('the context ticked by CircleCI', () => {
      const items = secretItems(harness, post.id);
      return items[0]?.done ? items : undefined;
    }, 20_000);
    expect(later[0]).toMatchObject({ done: true, verified: { source: 'CircleCI (context deploy: all 1 updated after the start)' }, evidence: { state: 'verified' } });
    expect(later[1]).toMatchObject({ done: false, evidence: { state: 'unknown', reason: GITLAB_NO_TIME } });
    const incident = await harness.bridge.store.getIncidentByChannel(channelId);
    const timeline = await harness.bridge.store.timeline(incident?.id ?? '');
    expect(timeline.filter((e) => e.kind === 'verify' && /every context variable \(CircleCI context deploy\) verified by CircleCI/.test(e.text))).toHaveLength(1);

    // Owners: carol (mapped from @acme/platform) got one direct message for acme/app, however many re-checks ran.
    const carol = harness.sim.user('carol')?.id ?? '';
    const dms = (): string[] =>
      harness.sim
        .posts()
        .filter((p) => harness.sim.channel(p.channel_id)?.type === 'D' && harness.sim.members(p.channel_id).includes(carol) && /acme\/app/.test(String(p.message)))
        .map((p) => String(p.message));
    await waitFor('the owner told', () => dms().length === 1);
    await new Promise((r) => setTimeout(r, 1000)); // several scheduled re-checks
    expect(dms()).toHaveLength(1);
    expect(dms()[0]).toContain('- deploy (.circleci/config.yml:14): critical');
    // Nobody else was sent a direct message about it; the unmapped handle is named in the channel, once.
    const otherDms = harness.sim.posts().filter((p) => harness.sim.channel(p.channel_id)?.type === 'D' && /CODEOWNERS gives/.test(String(p.message)) && !harness.sim.members(p.channel_id).includes(carol));
    expect(otherDms).toEqual([]);
    const unnamed = harness.sim.posts(channelId).filter((p) => /no Mattermost user for/.test(String(p.message)));
    expect(unnamed.map((p) => String(p.message))).toEqual([':bust_in_silhouette: **Owners not told** (CODEOWNERS handles without a Mattermost user):\n- no Mattermost user for @\u200dacme/nobody: add it to owners.map']);

    // acme/app fixed at its head: carol is told once, through the outbox, whatever the schedule re-checks.
    answer = { ...EVIDENCE, repos: EVIDENCE.repos.map((r) => (r.repo === 'acme/app' ? { ...r, affected: false, files: [], findings: [], findingsTotal: 0 } : r)) };
    const fixedDms = (): string[] => dms().filter((m) => m.includes('no longer exposed at head as of'));
    await waitFor('the owner told of the fix', () => fixedDms().length === 1, 20_000);
    await new Promise((r) => setTimeout(r, 1000)); // several scheduled re-checks
    expect(fixedDms()).toHaveLength(1);
    expect(fixedDms()[0]).toMatch(/^:white_check_mark: \*\*.+\*\* \(~[a-z0-9-]+\): \*\*acme\/app\*\*: no longer exposed at head as of \d{4}-\d\d-\d\d \d\d:\d\d UTC \(re-check: no affected job in its current head\)\.$/);
    expect(dms()).toHaveLength(2);

    // Names only: no token, no value anywhere Mattermost was given.
    const everything = JSON.stringify([harness.sim.posts(), timeline]);
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain('context-secret-value');
  });
});

// The self-checking checklist as pure transitions: what the lookup's evidence ticks and un-ticks, a
// person's override and what the timeline records, the props and their size, CODEOWNERS, secret labels.
import { parseChecklistProps, PROPS_KEY } from '@ci-exposure/contract';
import { parseCodeowners, pipelineOwners, ownersOf, patternRegex } from '../../src/incidents/codeowners';
import { claimRecheck, LOOKUP_SOURCE, manualReading, recordLookup, RECHECK_SOURCE, secretItemId, type LookupInput } from '../../src/incidents/evidence';
import type { LookupEvidence, RepoEvidence } from '../../src/incidents/lookup';
import { incidentMetrics, setItemDone, setMilestoneDone, toChecklistProps, type Incident, type Transition } from '../../src/incidents/model';
import { fitChecklistProps, renderChecklistMessage, renderChecklistPost } from '../../src/mattermost/checklist-post';
import { secretOf } from '../../src/mattermost/lookup-evidence';
import { finalReport } from '../../src/mattermost/replies';
import { openedIncident } from '../helpers/incident';

const alice = { userId: 'a'.repeat(26), username: 'alice' };
const bob = { userId: 'b'.repeat(26), username: 'bob' };
const T0 = Date.UTC(2026, 10, 26, 12, 0, 0);
const MIN = 60_000;
const summary = { repos: 2, jobs: 4, affected: 2, unresolved: 0, errors: 0, byVerdict: { critical: 2, high: 0, medium: 0, low: 0 } };

const fresh = (): Incident => openedIncident({ startedBy: alice, now: T0 }, { id: 'c'.repeat(26), name: 'inc-x' });

function ok(t: Transition): Extract<Transition, { ok: true }> {
  if (!t.ok) throw new Error(`refused: ${t.reason}`);
  return t;
}

function repo(name: string, over: Partial<RepoEvidence> = {}): RepoEvidence {
  return { repo: name, affected: true, complete: true, incomplete: [], files: ['.github/workflows/ci.yml'], secrets: [{ name: 'NPM_TOKEN', where: { store: 'pipeline-config', repo: name } }], ...over };
}

function answer(repos: RepoEvidence[], complete = true, incomplete: string[] = []): LookupEvidence {
  return { complete, incomplete, repos };
}

function input(at: number, evidence: LookupEvidence, over: Partial<LookupInput> = {}): LookupInput {
  return { at, source: LOOKUP_SOURCE, summary, summaryText: 'Exposure lookup: 2 affected job(s)', evidence, reportPostId: 'report1', ...over };
}

const milestone = (i: Incident, id: string) => {
  const m = i.milestones.find((x) => x.id === id);
  if (!m) throw new Error(`no milestone ${id}`);
  return m;
};

describe('the initial assessment ticks itself on a complete answer', () => {
  it('complete: verified by exposure lookup, linking the report; the time to the answer is measured', () => {
    const t = ok(recordLookup(fresh(), input(T0 + 2 * MIN, answer([repo('acme/web', { owners: ['@acme/web-team'] }), repo('acme/api')]))));
    const assessment = milestone(t.incident, 'initial-assessment');
    expect(assessment).toMatchObject({ done: true, doneAt: T0 + 2 * MIN, verified: { source: 'exposure lookup', at: T0 + 2 * MIN, postId: 'report1' } });
    expect(assessment.doneBy).toBeUndefined();
    expect(t.incident.evidence).toEqual({ lookupAt: T0 + 2 * MIN, complete: true, incomplete: [], reportPostId: 'report1', firstCompleteAt: T0 + 2 * MIN });
    expect(t.timeline.map((e) => [e.kind, e.text])).toEqual([
      ['lookup', 'Exposure lookup: 2 affected job(s)'],
      ['verify', '2. Initial assessment: affected pipelines identified verified by exposure lookup: the exposure lookup answered completely'],
      ['evidence', '6. Exposed secrets rotated: 2 new sub-item(s), one per exposed secret (NPM\\_TOKEN, NPM\\_TOKEN)'],
      ['evidence', '7. Pipelines hardened \\(pins, permissions\\): 2 new sub-item(s), one per affected repository (acme/web, acme/api)'],
    ]);
    const metrics = incidentMetrics(t.incident, T0 + 3 * MIN);
    expect(metrics).toMatchObject({ timeToCompleteAnswerMs: 2 * MIN, timeToInitialAssessmentMs: 2 * MIN, initialAssessmentBy: 'evidence', initialAssessmentDueAfterMs: 20 * MIN });
    const report = finalReport(t.incident, [], T0 + 3 * MIN).message;
    expect(report).toContain('- Time to a complete exposure answer: 2 min (exposure lookup)');
    expect(report).toContain('- Time to initial assessment: 2 min (verified by exposure lookup at 2026-11-26 12:02 UTC); the checklist allowed people 20 min');
  });

  it('incomplete: left open, and the reading says why', () => {
    const t = ok(recordLookup(fresh(), input(T0 + MIN, answer([repo('acme/web')], false, ['1 input error (unreadable or malformed files, or parts left out)']))));
    const assessment = milestone(t.incident, 'initial-assessment');
    expect(assessment.done).toBe(false);
    expect(assessment.evidence).toEqual({ state: 'unknown', source: 'exposure lookup', at: T0 + MIN, reason: 'the lookup is incomplete: 1 input error (unreadable or malformed files, or parts left out)' });
    expect(t.timeline.find((e) => e.text.startsWith('2.'))).toMatchObject({ kind: 'evidence', text: expect.stringContaining('left open, the exposure lookup could not tell: the lookup is incomplete: 1 input error') });
    expect(t.incident.evidence?.firstCompleteAt).toBeUndefined();
    expect(renderChecklistMessage(t.incident, T0 + MIN)).toContain('left open: the lookup is incomplete: 1 input error');
    expect(finalReport(t.incident, [], T0 + MIN).message).toContain('- Time to a complete exposure answer: not reached (the latest lookup is incomplete: 1 input error');
    // A later complete answer (a re-check) ticks it then; the same incomplete answer again says nothing new.
    const again = ok(recordLookup(t.incident, input(T0 + 2 * MIN, answer([repo('acme/web')], false, ['1 input error (unreadable or malformed files, or parts left out)']), { source: RECHECK_SOURCE, recheck: {} })));
    expect(again.timeline).toEqual([]);
    const later = ok(recordLookup(again.incident, input(T0 + 3 * MIN, answer([repo('acme/web')]), { source: RECHECK_SOURCE, recheck: { by: bob } })));
    expect(milestone(later.incident, 'initial-assessment')).toMatchObject({ done: true, verified: { source: 're-check', at: T0 + 3 * MIN, postId: 'report1' } });
    expect(later.incident.evidence?.firstCompleteAt).toBe(T0 + 3 * MIN);
  });

  it('a lookup port that gives no evidence ticks nothing', () => {
    const t = ok(recordLookup(fresh(), { at: T0, source: LOOKUP_SOURCE, summary, summaryText: 'x' }));
    expect(t.incident.milestones.every((m) => !m.done && m.evidence === undefined && m.items === undefined)).toBe(true);
    expect(t.timeline.map((e) => e.kind)).toEqual(['lookup']);
  });
});

describe('pipelines hardened: one sub-item per affected repository, re-checked', () => {
  const start = (): Incident => ok(recordLookup(fresh(), input(T0 + MIN, answer([repo('acme/web', { owners: ['@acme/web-team', 'sec@acme.example'] }), repo('acme/api')])))).incident;
  const recheck = (i: Incident, repos: RepoEvidence[], at: number, by?: typeof bob): Extract<Transition, { ok: true }> =>
    ok(recordLookup(i, input(at, answer(repos), { source: RECHECK_SOURCE, recheck: by ? { by } : {} })));

  it('ticks a repository whose exposure is gone, un-ticks one exposed again; the milestone follows', () => {
    const inc = start();
    const hardened = milestone(inc, 'pipelines-hardened');
    expect(hardened.items?.map((i) => [i.id, i.label, i.done, i.owners, i.evidence?.state])).toEqual([
      ['repo:acme/web', 'acme/web', false, ['@acme/web-team', 'sec@acme.example'], 'not-yet'],
      ['repo:acme/api', 'acme/api', false, undefined, 'not-yet'],
    ]);

    // acme/web fixed; acme/api still exposed.
    const r1 = recheck(inc, [repo('acme/web', { affected: false, files: [], secrets: [], owners: ['@acme/web-team'] }), repo('acme/api')], T0 + 30 * MIN, bob);
    const h1 = milestone(r1.incident, 'pipelines-hardened');
    expect(h1.items?.[0]).toMatchObject({ done: true, verified: { source: 're-check', at: T0 + 30 * MIN }, owners: ['@acme/web-team', 'sec@acme.example'] });
    expect(h1.items?.[1]?.done).toBe(false);
    expect(h1.done).toBe(false);
    expect(r1.timeline.map((e) => [e.kind, e.text])).toEqual([
      ['recheck', 'Re-check by @bob: Exposure lookup: 2 affected job(s)'],
      ['verify', '7.1 acme/web verified by re-check: no affected job in the current head'],
    ]);
    expect(r1.outbox).toEqual([{ kind: 'channel-post', channelId: 'c'.repeat(26), message: ':mag: **Re-check** by @bob changed the checklist:\n- 7.1 acme/web verified by re-check: no affected job in the current head' }]);

    // acme/api fixed too (scheduled): both done, the milestone with them.
    const r2 = recheck(r1.incident, [repo('acme/web', { affected: false, files: [], secrets: [] }), repo('acme/api', { affected: false, files: [], secrets: [] })], T0 + 60 * MIN);
    expect(milestone(r2.incident, 'pipelines-hardened')).toMatchObject({ done: true, verified: { source: 're-check', at: T0 + 60 * MIN } });
    expect(r2.timeline.map((e) => e.kind)).toEqual(['recheck', 'verify', 'verify']);
    expect(r2.timeline[0]?.text).toBe('Re-check (scheduled): Exposure lookup: 2 affected job(s)');
    expect(r2.timeline[2]?.text).toBe('7. Pipelines hardened \\(pins, permissions\\) verified by re-check: all 2 sub-items are done');

    // acme/web exposed again: its sub-item and the milestone are un-ticked.
    const r3 = recheck(r2.incident, [repo('acme/web'), repo('acme/api', { affected: false, files: [], secrets: [] })], T0 + 90 * MIN);
    const h3 = milestone(r3.incident, 'pipelines-hardened');
    expect([h3.done, h3.items?.[0]?.done, h3.items?.[1]?.done]).toEqual([false, false, true]);
    expect(r3.timeline.map((e) => [e.kind, e.text])).toEqual([
      ['recheck', 'Re-check (scheduled): Exposure lookup: 2 affected job(s)'],
      ['unverify', '7.1 acme/web is not done any more: the re-check says not yet: still exposed in .github/workflows/ci.yml'],
      ['unverify', '7. Pipelines hardened \\(pins, permissions\\) is not done any more: not all of its 2 sub-items are done'],
    ]);

    // The same answer again on schedule: nothing to record but the time.
    const r4 = recheck(r3.incident, [repo('acme/web'), repo('acme/api', { affected: false, files: [], secrets: [] })], T0 + 120 * MIN);
    expect(r4.timeline).toEqual([]);
    expect(r4.incident.evidence?.recheckedAt).toBe(T0 + 120 * MIN);
  });

  it('a repository not read, or read incompletely, is left as it is and says why', () => {
    const inc = start();
    const t = recheck(inc, [repo('acme/web', { affected: false, complete: false, incomplete: ['1 component whose source could not be read'], secrets: [] })], T0 + 30 * MIN);
    const items = milestone(t.incident, 'pipelines-hardened').items ?? [];
    expect(items.map((i) => [i.done, i.evidence?.state, i.evidence?.reason])).toEqual([
      [false, 'unknown', 'the answer for acme/web is incomplete (1 component whose source could not be read)'],
      [false, 'unknown', 'acme/api was not read by this lookup'],
    ]);
    expect(t.timeline.filter((e) => e.kind === 'evidence').map((e) => e.text)).toEqual([
      '7.1 acme/web: left open, the re-check could not tell: the answer for acme/web is incomplete \\(1 component whose source could not be read\\)',
      '7.2 acme/api: left open, the re-check could not tell: acme/api was not read by this lookup',
    ]);
  });

  it('a person can tick a sub-item by hand; the milestone follows, done by the person who completed it', () => {
    let inc = start();
    inc = ok(setItemDone(inc, 7, 0, true, alice, T0 + 5 * MIN)).incident;
    const t = ok(setItemDone(inc, 7, 1, true, bob, T0 + 6 * MIN));
    expect(milestone(t.incident, 'pipelines-hardened')).toMatchObject({ done: true, doneBy: bob, doneAt: T0 + 6 * MIN });
    expect(t.timeline.map((e) => e.text)).toEqual([
      '@bob checked 7.2 acme/api (the evidence says not yet: still exposed in .github/workflows/ci.yml)',
      '7. Pipelines hardened \\(pins, permissions\\) is done: all 2 sub-items are done (the last by @bob)',
    ]);
    expect(setItemDone(inc, 7, 5, true, bob, T0)).toEqual({ ok: false, reason: 'there is no item 7.6 (item 7 has 2 sub-items)' });
    expect(setItemDone(inc, 1, 0, true, bob, T0)).toEqual({ ok: false, reason: 'item 1 has no sub-items' });
  });
});

describe('a person overrides the evidence either way; the timeline records both', () => {
  it('un-ticking a verified assessment sticks: a later complete answer is recorded, not applied', () => {
    const ticked = ok(recordLookup(fresh(), input(T0 + MIN, answer([repo('acme/web')])))).incident;
    const undone = ok(setMilestoneDone(ticked, 2, false, bob, T0 + 2 * MIN));
    expect(undone.timeline).toEqual([
      { at: T0 + 2 * MIN, kind: 'uncheck', actor: bob, text: '@bob unchecked 2. Initial assessment: affected pipelines identified (it was verified by exposure lookup at 2026-11-26 12:01 UTC)' },
    ]);
    const m = milestone(undone.incident, 'initial-assessment');
    expect(m).toMatchObject({ done: false, override: { by: bob, at: T0 + 2 * MIN } });
    expect(m.verified).toBeUndefined();

    // A re-check says what the lookup said (done): the person's un-tick holds, nothing new to record.
    const r = ok(recordLookup(undone.incident, input(T0 + 30 * MIN, answer([repo('acme/web')]), { source: RECHECK_SOURCE, recheck: {} })));
    expect(milestone(r.incident, 'initial-assessment').done).toBe(false);
    expect(r.timeline).toEqual([]);
    expect(renderChecklistMessage(r.incident, T0 + 30 * MIN)).toContain('the re-check says done; kept not done by @bob');
  });

  it('ticking a sub-item the evidence says is exposed sticks; when the evidence changes its mind it is recorded, not applied', () => {
    let inc = ok(recordLookup(fresh(), input(T0 + MIN, answer([repo('acme/web')])))).incident;
    inc = ok(setItemDone(inc, 7, 0, true, alice, T0 + 2 * MIN)).incident;
    const fixedRepo = repo('acme/web', { affected: false, files: [], secrets: [] });
    const r1 = ok(recordLookup(inc, input(T0 + 30 * MIN, answer([fixedRepo]), { source: RECHECK_SOURCE, recheck: {} })));
    // The evidence now agrees with alice: the sub-item stays hers.
    expect(milestone(r1.incident, 'pipelines-hardened').items?.[0]).toMatchObject({ done: true, doneBy: alice, evidence: { state: 'verified' } });
    expect(r1.timeline).toEqual([]);
    const r2 = ok(recordLookup(r1.incident, input(T0 + 60 * MIN, answer([repo('acme/web')]), { source: RECHECK_SOURCE, recheck: {} })));
    expect(milestone(r2.incident, 'pipelines-hardened').items?.[0]).toMatchObject({ done: true, doneBy: alice });
    expect(r2.timeline.map((e) => [e.kind, e.text])).toEqual([
      ['recheck', 'Re-check (scheduled): Exposure lookup: 2 affected job(s)'],
      ['evidence', '7.1 acme/web: the re-check says not done: still exposed in .github/workflows/ci.yml; kept as @alice set it'],
    ]);
    expect(renderChecklistMessage(r2.incident, T0 + 60 * MIN)).toContain('7.1 acme/web — done by @alice — the re-check says not yet: still exposed in .github/workflows/ci.yml');
  });
});

describe('exposed secrets rotated: one sub-item per name and where, ticked by platform evidence', () => {
  const secrets = (): RepoEvidence[] => [
    repo('acme/web', {
      secrets: [
        { name: 'NPM_TOKEN', where: { store: 'pipeline-config', repo: 'acme/web' } },
        { name: 'every context variable', where: { store: 'context', scope: 'deploy' } },
      ],
    }),
    repo('acme/api', { secrets: [{ name: 'every context variable', where: { store: 'context', scope: 'deploy' } }] }),
  ];

  it('without platform evidence every secret is manual, and says so', () => {
    const t = ok(recordLookup(fresh(), input(T0 + MIN, answer(secrets()))));
    const rotated = milestone(t.incident, 'secrets-rotated');
    expect(rotated.items?.map((i) => [i.label, i.where, i.evidence?.state, i.evidence?.reason])).toEqual([
      ['NPM_TOKEN', { store: 'pipeline-config', repo: 'acme/web' }, 'manual', 'manual (no platform evidence available)'],
      ['every context variable', { store: 'context', scope: 'deploy' }, 'manual', 'manual (no platform evidence available)'],
    ]);
    const text = renderChecklistMessage(t.incident, T0 + MIN);
    expect(text).toContain('6.1 NPM\\_TOKEN (pipeline config of acme/web) — manual \\(no platform evidence available\\)');
    expect(text).toContain('6.2 every context variable (CircleCI context deploy) — manual \\(no platform evidence available\\)');
  });

  it('a verified reading ticks its sub-item; not yet and unknown leave it with their reason', () => {
    const at = T0 + 40 * MIN;
    const readings = {
      [secretItemId({ name: 'NPM_TOKEN', where: { store: 'pipeline-config', repo: 'acme/web' } })]: { state: 'verified' as const, source: 'GitHub secret updated_at', at, reason: 'changed 2026-11-26 12:35 UTC' },
      [secretItemId({ name: 'every context variable', where: { store: 'context', scope: 'deploy' } })]: { state: 'unknown' as const, source: 'CircleCI', at, reason: 'no token for CircleCI' },
    };
    const t = ok(recordLookup(fresh(), input(at, answer(secrets()), { secretReadings: readings })));
    const items = milestone(t.incident, 'secrets-rotated').items ?? [];
    expect(items[0]).toMatchObject({ done: true, verified: { source: 'GitHub secret updated_at', at } });
    expect(items[1]).toMatchObject({ done: false, evidence: { state: 'unknown', reason: 'no token for CircleCI' } });
    expect(t.timeline.filter((e) => e.kind === 'verify' && e.text.startsWith('6.')).map((e) => e.text)).toEqual(['6.1 NPM\\_TOKEN (pipeline config of acme/web) verified by GitHub secret updated\\_at: changed 2026-11-26 12:35 UTC']);
    expect(manualReading(at)).toEqual({ state: 'manual', source: 'no platform evidence', at, reason: 'manual (no platform evidence available)' });
  });
});

describe('scheduled re-checks', () => {
  it('are claimed once per interval, only for open incidents with an answer', () => {
    const inc = ok(recordLookup(fresh(), input(T0, answer([repo('acme/web')])))).incident;
    expect(claimRecheck(fresh(), T0 + 60 * MIN, 30 * MIN)).toMatchObject({ ok: true, changed: false });
    expect(claimRecheck(inc, T0 + 29 * MIN, 30 * MIN)).toMatchObject({ ok: true, changed: false });
    const claimed = ok(claimRecheck(inc, T0 + 30 * MIN, 30 * MIN));
    expect(claimed).toMatchObject({ changed: true, timeline: [], outbox: [] });
    expect(claimed.incident.evidence?.recheckClaimedAt).toBe(T0 + 30 * MIN);
    expect(claimed.incident.revision).toBe(inc.revision);
    // A second bridge asking at the same moment finds it claimed.
    expect(claimRecheck(claimed.incident, T0 + 30 * MIN, 30 * MIN)).toMatchObject({ changed: false });
  });
});

describe('checklist props and post', () => {
  it('carry the tick kind, the sub-items with their source and time, and still parse; old props parse too', () => {
    const inc = ok(recordLookup(fresh(), input(T0 + MIN, answer([repo('acme/web', { owners: ['@acme/web-team'] })])))).incident;
    const props = toChecklistProps(inc, { recheckMinutes: 30 });
    const parsed = parseChecklistProps({ [PROPS_KEY]: props });
    expect(parsed.ok).toBe(true);
    const assessment = props.milestones.find((m) => m.id === 'initial-assessment');
    expect(assessment).toMatchObject({ done: true, verified: { source: 'exposure lookup', at: T0 + MIN, postId: 'report1' } });
    expect(props.milestones.find((m) => m.id === 'pipelines-hardened')).toMatchObject({
      itemsTotal: 1,
      itemsDone: 0,
      items: [{ id: 'repo:acme/web', kind: 'repository', label: 'acme/web', done: false, owners: ['@acme/web-team'], evidence: { state: 'not-yet' } }],
    });
    expect(props.evidence).toEqual({ lookupAt: T0 + MIN, complete: true, incomplete: [], reportPostId: 'report1', firstCompleteAt: T0 + MIN, recheckMinutes: 30 });
    expect(props.recheckActionId).toBe('recheck');
    const old = { version: 1, kind: 'checklist', incidentId: 'i', name: 'n', severity: 'high', status: 'open', startedAt: 1, milestones: [{ id: 'm', title: 't', done: false, actionId: 'item1' }] };
    expect(parseChecklistProps({ [PROPS_KEY]: old })).toEqual({ ok: true, value: old });
  });

  it('300 affected repositories: the props stay under 8000 characters, the counts say how many, status lists all', () => {
    const repos = Array.from({ length: 300 }, (_, i) => repo(`acme/service-with-a-long-name-${i}`, { owners: [`@acme/team-${i}`] }));
    const inc = ok(recordLookup(fresh(), input(T0 + MIN, answer(repos)))).incident;
    const post = renderChecklistPost(inc, { actionUrl: 'https://bridge.example.com:8787/actions', secret: Buffer.alloc(32), now: T0 + MIN, recheckMinutes: 30 });
    expect(JSON.stringify(post.props).length).toBeLessThanOrEqual(7600);
    const parsed = parseChecklistProps(post.props);
    if (!parsed.ok) throw new Error(parsed.reason);
    const hardened = parsed.value.milestones.find((m) => m.id === 'pipelines-hardened');
    expect(hardened?.itemsTotal).toBe(300);
    expect(hardened?.items?.length).toBeLessThan(300);
    expect(post.message).toContain('_… 295 more: `/ci-exposure status` lists them all_');
    expect(post.message.length).toBeLessThan(16000);
    const full = renderChecklistMessage(inc, T0 + MIN, { maxItems: Number.POSITIVE_INFINITY });
    expect(full).toContain('7.300 acme/service-with-a-long-name-299');
    expect(fitChecklistProps(toChecklistProps(inc), [], 1_000_000).milestones.find((m) => m.id === 'pipelines-hardened')?.items).toHaveLength(300);
  });
});

describe('CODEOWNERS', () => {
  const text = [
    '# default owners',
    '*       @acme/everyone',
    '/.github/workflows/  @acme/ci-team  ops@acme.example',
    '*.md    @acme/docs',
    '[Deploy]',
    'deploy/**  @acme/deployers',
    'legacy.yml',
    '!negated @x',
  ].join('\n');

  it('the last matching rule wins; a rule without owners leaves the path unowned; bad lines are data', () => {
    const co = parseCodeowners(text);
    expect(co.errors).toEqual([{ line: 8, message: 'pattern "!negated" is not supported' }]);
    expect(ownersOf(co, '.github/workflows/ci.yml')).toEqual(['@acme/ci-team', 'ops@acme.example']);
    expect(ownersOf(co, 'src/app.ts')).toEqual(['@acme/everyone']);
    expect(ownersOf(co, 'docs/deep/README.md')).toEqual(['@acme/docs']);
    expect(ownersOf(co, 'deploy/a/b.yml')).toEqual(['@acme/deployers']);
    expect(ownersOf(co, 'x/legacy.yml')).toEqual([]);
    // The pipeline file's owners, else the default.
    expect(pipelineOwners(co, ['.github/workflows/ci.yml', 'x/legacy.yml'])).toEqual(['@acme/ci-team', 'ops@acme.example', '@acme/everyone']);
  });

  it.each([
    ['/.circleci/', '.circleci/config.yml', true],
    ['/.circleci/', 'sub/.circleci/config.yml', false],
    ['.circleci/', 'sub/.circleci/config.yml', true],
    ['docs/*', 'docs/a.md', true],
    ['docs/*', 'docs/a/b.md', false],
    ['**/ci.yml', '.github/workflows/ci.yml', true],
    ['ci.y?l', 'ci.yml', true],
    ['.gitlab-ci.yml', '.gitlab-ci.yml', true],
    ['.gitlab-ci.yml', 'x.gitlab-ci.yml', false],
  ])('%s matches %s: %s', (pattern, path, matches) => {
    expect(patternRegex(pattern)?.test(path)).toBe(matches);
  });
});

describe('where a secret is stored, from the engine labels', () => {
  it.each([
    ['NPM_TOKEN', { name: 'NPM_TOKEN', where: { store: 'pipeline-config', repo: 'acme/web' } }],
    ['context deploy', { name: 'every context variable', where: { store: 'context', scope: 'deploy' } }],
    ['environment prod secrets', { name: 'every environment secret', where: { store: 'environment', scope: 'prod', repo: 'acme/web' } }],
    ['project environment variables', { name: 'project environment variables', where: { store: 'project', repo: 'acme/web' } }],
    ['project and group CI/CD variables', { name: 'CI/CD variables', where: { store: 'project', repo: 'acme/web' } }],
    ['project variable NPM_TOKEN', { name: 'NPM_TOKEN', where: { store: 'project', repo: 'acme/web' } }],
    ['secrets: inherit', { name: 'every secret (secrets: inherit)', where: { store: 'repository', repo: 'acme/web' } }],
    ['GITHUB_TOKEN', undefined],
    ['CI_JOB_TOKEN (job token; project-scoped)', undefined],
    ['AWS_ROLE (OIDC token)', undefined],
    ['OIDC token', undefined],
  ])('%s', (label, want) => {
    expect(secretOf(label, 'acme/web')).toEqual(want);
  });
});

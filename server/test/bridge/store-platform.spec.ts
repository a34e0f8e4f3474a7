/**
 * The store keeps a secret sub-item's platform in a column of its own and what a repository's owners were
 * told, on every engine (SQLite always, PostgreSQL with CIX_TEST_PG_URL): an incident stored before (the
 * platform marked in secret_scope, no owners_told) reads back after the migration with the same sub-item
 * ids and ticks, and later answers add no sub-item twice; the fix of a repository is told once even when
 * two bridges apply the same re-check at the same moment.
 */
import { LOOKUP_SOURCE, recordLookup, RECHECK_SOURCE } from '../../src/incidents/evidence';
import type { ExposedSecret, LookupEvidence, RepoEvidence } from '../../src/incidents/lookup';
import { setItemDone, type Incident, type Transition } from '../../src/incidents/model';
import { secretOf } from '../../src/mattermost/lookup-evidence';
import type { Store } from '../../src/store';
import { openedIncident } from '../helpers/incident';
import { enginesUnderTest, migrationFileCount, type TestDatabase } from '../helpers/store-engines';
import { expectNoLeftoverDatabases, freshStoreEachTest } from '../helpers/store-suite';

const ENGINES = enginesUnderTest('store-platform.spec', 'store suite for secret platforms and owners told');

const alice = { userId: 'a'.repeat(26), username: 'alice' };
const bob = { userId: 'b'.repeat(26), username: 'bob' };
const T0 = Date.UTC(2026, 10, 26, 12, 0, 0);
const MIN = 60_000;
const summary = { repos: 3, jobs: 3, affected: 3, unresolved: 0, errors: 0, byVerdict: { critical: 3, high: 0, medium: 0, low: 0 } };
/** The action checklist: 6 is secrets rotated, 7 pipelines hardened. */
const ROTATED = 6;

const fixture = (): Incident =>
  openedIncident({ teamId: 'team', name: 'tj-actions', kind: 'action', target: { type: 'component', spec: 'tj-actions/changed-files@v45' }, severity: 'critical', startedBy: alice, now: T0 }, { id: 'chan-1', name: 'inc-tj' }, 'post');

function repo(name: string, secrets: ExposedSecret[], over: Partial<RepoEvidence> = {}): RepoEvidence {
  return { repo: name, affected: true, complete: true, incomplete: [], files: ['ci.yml'], secrets, owners: ['@acme/web-team'], findings: [{ job: 'build', jobId: 'build', file: 'ci.yml', line: 3, verdict: 'critical', platform: 'github-actions' }], findingsTotal: 1, ...over };
}

function changedIncident(t: Transition): Incident {
  if (!t.ok || !t.changed) throw new Error(`expected a change, got ${JSON.stringify(t)}`);
  return t.incident;
}

/** The secrets as the bridge recorded them before the platform had a field: its mark in scope. */
const OLD_SECRETS: Record<string, ExposedSecret[]> = {
  'acme/app': [
    { name: 'project environment variables', where: { store: 'project', scope: 'circleci', repo: 'acme/app' } },
    { name: 'every context variable', where: { store: 'context', scope: 'deploy', repo: 'acme/app' } },
  ],
  'grp/svc': [{ name: 'DEPLOY', where: { store: 'pipeline-config', scope: 'gitlab-ci', repo: 'grp/svc' } }],
  'acme/web': [{ name: 'NPM_TOKEN', where: { store: 'pipeline-config', repo: 'acme/web' } }],
};

/** The same secrets as this bridge's lookup gives them (lookup-evidence.ts `secretOf`). */
function newSecrets(): Record<string, ExposedSecret[]> {
  const of = (label: string, r: string, platform: 'circleci' | 'gitlab-ci' | 'github-actions'): ExposedSecret => {
    const s = secretOf(label, r, platform);
    if (!s) throw new Error(label);
    return s;
  };
  return {
    'acme/app': [of('project environment variables', 'acme/app', 'circleci'), of('context deploy', 'acme/app', 'circleci')],
    'grp/svc': [of('DEPLOY', 'grp/svc', 'gitlab-ci')],
    'acme/web': [of('NPM_TOKEN', 'acme/web', 'github-actions')],
  };
}

function answer(secrets: Record<string, ExposedSecret[]>): LookupEvidence {
  return { complete: true, incomplete: [], repos: Object.entries(secrets).map(([name, list]) => repo(name, list)) };
}

expectNoLeftoverDatabases();

describe.each(ENGINES)('secret platforms and owners told, stored on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;
  freshStoreEachTest(engine, (d, s) => ((db = d), (store = s)));

  it('an incident stored in the old shape keeps its sub-item ids and ticks after the migration; the platform moves out of scope', async () => {
    // Stored by the old bridge: the platform in scope; one sub-item ticked by the evidence, one by a person.
    await store.insertIncident(fixture(), []);
    const readings = {
      'secret:project:circleci:acme/app:project environment variables': { state: 'verified' as const, source: 'CircleCI (project gh/acme/app: all 2 re-created after the start)', at: T0 + MIN, reason: 'changed 2026-11-26 12:00 UTC, after the incident started' },
    };
    await store.apply('inc1', (i) => recordLookup(i, { at: T0 + MIN, source: LOOKUP_SOURCE, summary, summaryText: 'lookup', evidence: answer(OLD_SECRETS), secretReadings: readings }));
    await store.apply('inc1', (i) => setItemDone(i, ROTATED, 2, true, bob, T0 + 2 * MIN));
    const before = await store.getIncident('inc1');
    const oldItems = before?.milestones[ROTATED - 1]?.items ?? [];
    expect(oldItems.map((i) => i.id)).toEqual([
      'secret:project:circleci:acme/app:project environment variables',
      'secret:context:deploy::every context variable',
      'secret:pipeline-config:gitlab-ci:grp/svc:DEPLOY',
      'secret:pipeline-config::acme/web:NPM_TOKEN',
    ]);
    await store.close();
    // The schema as it was: the new columns gone, the version one back.
    await db.sql('ALTER TABLE milestone_items DROP COLUMN owners_told');
    // Back to the schema before the secret_platform migration: it and the one after it (run_logs.truncated)
    // are undone, so reopening runs both again.
    await db.sql('ALTER TABLE milestone_items DROP COLUMN secret_platform');
    await db.sql('ALTER TABLE run_logs DROP COLUMN truncated');
    await db.setSchemaVersion(migrationFileCount(engine) - 2);

    store = await db.open();
    expect(await db.schemaVersion()).toBe(migrationFileCount(engine));
    const after = await store.getIncident('inc1');
    const items = after?.milestones[ROTATED - 1]?.items ?? [];
    expect(items.map((i) => [i.id, i.where, i.done, i.verified?.source, i.doneBy?.username])).toEqual([
      ['secret:project:circleci:acme/app:project environment variables', { store: 'project', repo: 'acme/app', platform: 'circleci' }, true, 'CircleCI (project gh/acme/app: all 2 re-created after the start)', undefined],
      ['secret:context:deploy::every context variable', { store: 'context', scope: 'deploy', repo: 'acme/app', platform: 'circleci' }, false, undefined, undefined],
      ['secret:pipeline-config:gitlab-ci:grp/svc:DEPLOY', { store: 'pipeline-config', repo: 'grp/svc', platform: 'gitlab-ci' }, true, undefined, 'bob'],
      ['secret:pipeline-config::acme/web:NPM_TOKEN', { store: 'pipeline-config', repo: 'acme/web' }, false, undefined, undefined],
    ]);
    // Nothing else of the incident changed.
    const strip = (i: Incident | undefined) => JSON.stringify(i?.milestones.map((m) => (m.items ?? []).map(({ where: _w, ...rest }) => rest)));
    expect(strip(after)).toEqual(strip(before));
    expect(await db.sql("SELECT COUNT(*) AS n FROM milestone_items WHERE secret_scope IN ('circleci', 'gitlab-ci', 'jenkins')")).toEqual([{ n: engine === 'sqlite' ? 0 : '0' }]);

    // A re-check by this bridge (the platform in its own field): the same sub-items, ticks kept, none added.
    const rechecked = changedIncident(
      await store.apply('inc1', (i) => recordLookup(i, { at: T0 + 3 * MIN, source: RECHECK_SOURCE, summary, summaryText: 're-check', evidence: answer(newSecrets()), secretReadings: readings, recheck: { by: alice } })),
    );
    expect(rechecked.milestones[ROTATED - 1]?.items?.map((i) => [i.id, i.done])).toEqual([
      ['secret:project:circleci:acme/app:project environment variables', true],
      ['secret:context:deploy::every context variable', false],
      ['secret:pipeline-config:gitlab-ci:grp/svc:DEPLOY', true],
      ['secret:pipeline-config::acme/web:NPM_TOKEN', false],
    ]);
    expect(await store.getIncident('inc1')).toEqual(rechecked);
  });

  it('the platform column takes only the platforms the model knows', async () => {
    await store.insertIncident(fixture(), []);
    await store.apply('inc1', (i) => recordLookup(i, { at: T0 + MIN, source: LOOKUP_SOURCE, summary, summaryText: 'lookup', evidence: answer(newSecrets()) }));
    expect(await db.sql("SELECT COUNT(*) AS n FROM milestone_items WHERE kind = 'secret'")).toEqual([{ n: engine === 'sqlite' ? 4 : '4' }]);
    // The error's message, not its class: better-sqlite3's SqliteError is not always an Error of the test's realm
    // (and the SQLite helper throws before it returns a promise).
    const refused = await (async () => db.sql("UPDATE milestone_items SET secret_platform = 'travis' WHERE kind = 'secret'"))().then(
      () => 'accepted',
      (err: unknown) => String((err as { message?: unknown }).message),
    );
    expect(refused).toMatch(/CHECK constraint|check constraint/);
  });

  it('two bridges apply the same re-check at once: the owners are told of the fix once, and it is kept', async () => {
    const other = await db.open();
    await store.insertIncident(fixture(), []);
    const contacts = { users: [{ handle: '@acme/web-team', userId: 'c'.repeat(26), username: 'carol' }], unmapped: [] };
    const exposed: LookupEvidence = { complete: true, incomplete: [], repos: [repo('acme/web', [])], contacts };
    const first = changedIncident(await store.apply('inc1', (i) => recordLookup(i, { at: T0 + MIN, source: LOOKUP_SOURCE, summary, summaryText: 'lookup', evidence: exposed })));
    const told = first.milestones[ROTATED]?.items?.[0]?.told;
    expect(told).toMatchObject({ state: 'exposed', at: T0 + MIN, users: [{ userId: 'c'.repeat(26), username: 'carol' }] });
    expect((await store.getIncident('inc1'))?.milestones[ROTATED]?.items?.[0]?.told).toEqual(told);

    const fixed: LookupEvidence = { ...exposed, repos: [repo('acme/web', [], { affected: false, files: [], findings: [], findingsTotal: 0 })] };
    const recheck = (i: Incident): Transition => recordLookup(i, { at: T0 + 5 * MIN, source: RECHECK_SOURCE, summary, summaryText: 're-check', evidence: fixed, recheck: {} });
    const [a, b] = await Promise.all([store.apply('inc1', recheck), other.apply('inc1', recheck)]);
    const dms = [a, b].flatMap((t) => (t.ok ? t.outbox.filter((m) => m.kind === 'dm') : []));
    expect(dms.map((m) => (m.kind === 'dm' ? [m.userId, m.message] : []))).toEqual([
      ['c'.repeat(26), ':white_check_mark: **tj-actions** (~inc-tj): **acme/web**: no longer exposed at head as of 2026-11-26 12:05 UTC (re-check: no affected job in its current head).'],
    ]);
    const pending = await store.claimOutbox('bridge-x', T0 + 6 * MIN, 60_000, 50);
    expect(pending.filter((o) => o.message.kind === 'dm' && o.message.message.includes('no longer exposed')).length).toBe(1);
    expect((await other.getIncident('inc1'))?.milestones[ROTATED]?.items?.[0]?.told).toEqual({ state: 'fixed', at: T0 + 5 * MIN, users: [{ userId: 'c'.repeat(26), username: 'carol' }] });
  });
});

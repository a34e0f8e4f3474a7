/**
 * One store suite, run on every engine: SQLite always, PostgreSQL when CIX_TEST_PG_URL is set (each
 * test gets a database of its own, dropped afterwards). "Two bridges" tests open two stores on one
 * database — on PostgreSQL two pools, on SQLite two handles on one file — and race them.
 */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  addStatusUpdate,
  assignMilestone,
  closeIncident,
  markOverdue,
  newIncident,
  opened,
  setItemDone,
  setMilestoneDone,
  type Incident,
  type TimelineEntry,
  type Transition,
} from '../../src/incidents/model';
import { LOOKUP_SOURCE, recordLookup, RECHECK_SOURCE } from '../../src/incidents/evidence';
import { templateFor } from '../../src/incidents/templates';
import { openStore, redactUrl, type OutboxRecord, type Store } from '../../src/store';
import { loadPostgresMigrations } from '../../src/store/postgres';
import { loadMigrations } from '../../src/store/sqlite';
import {
  createTestDatabase,
  enginesUnderTest,
  migrationFileCount,
  openDescriptorsOn,
  pgSessionCount,
  type TestDatabase,
} from '../helpers/store-engines';
import { expectNoLeftoverDatabases, freshStoreEachTest } from '../helpers/store-suite';
import { makeTempDir } from '../helpers/tmp';

const ENGINES = enginesUnderTest('store.spec', 'store suite');

const alice = { userId: 'a'.repeat(26), username: 'alice' };
const bob = { userId: 'b'.repeat(26), username: 'bob' };
const T0 = Date.UTC(2026, 10, 26, 12, 0, 0);
/** The action checklist: 9 milestones, no. 2 due after 20 minutes, no. 8 after a day. */
const MILESTONES = templateFor('action').milestones.length;
const FIRST_DUE = T0 + 20 * 60_000;
const LEASE = 60_000;

function incidentFixture(id = 'inc1', startedAt = T0): { incident: Incident; timeline: TimelineEntry[] } {
  const { incident, timeline } = newIncident({
    id,
    teamId: 'team',
    name: 'n',
    kind: 'action',
    target: { type: 'component', spec: 'tj-actions/changed-files@v45' },
    severity: 'critical',
    startedBy: alice,
    template: templateFor('action'),
    now: startedAt,
  });
  return { incident: opened(incident, { id: `chan-${id}`, name: `inc-${id}` }, 'post'), timeline };
}

async function seed(store: Store, id = 'inc1', startedAt = T0): Promise<Incident> {
  const { incident, timeline } = incidentFixture(id, startedAt);
  await store.insertIncident(incident, timeline);
  return incident;
}

function changedIncident(t: Transition): Incident {
  if (!t.ok || !t.changed) throw new Error(`expected a change, got ${JSON.stringify(t)}`);
  return t.incident;
}

const summary = (o: OutboxRecord): [string, number, number] => [o.message.kind, o.attempts, o.claims];

/** Polls until `read` returns `want` (server-side state that settles shortly after a client lets go). */
async function settle<T>(read: () => Promise<T>, want: T, timeoutMs = 5_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let got = await read();
  while (got !== want && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    got = await read();
  }
  return got;
}

expectNoLeftoverDatabases();

describe.each(ENGINES)('store on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;
  freshStoreEachTest(engine, (d, s) => ((db = d), (store = s)));

  it('is migrated to the latest version, and reopens without migrating again', async () => {
    expect(store.engine).toBe(engine);
    expect(await db.schemaVersion()).toBe(migrationFileCount(engine));
    await store.setSetting('bot_token', 'x');
    await store.close();
    await store.close(); // twice is harmless
    store = await db.open();
    expect(await store.getSetting('bot_token')).toBe('x');
    expect(await db.schemaVersion()).toBe(migrationFileCount(engine));
  });

  it('keeps settings and commands', async () => {
    expect(await store.getSetting('bot_token')).toBeUndefined();
    await store.setSetting('bot_token', 'x');
    await store.setSetting('bot_token', 'y');
    expect(await store.getSetting('bot_token')).toBe('y');
    await store.upsertCommand({ teamId: 't2', teamName: 'zeta', commandId: 'c2', token: 'k2' });
    await store.upsertCommand({ teamId: 't1', teamName: 'alpha', commandId: 'c1', token: 'k1' });
    await store.upsertCommand({ teamId: 't2', teamName: 'beta', commandId: 'c3', token: 'k3' });
    expect(await store.listCommands()).toEqual([
      { teamId: 't1', teamName: 'alpha', commandId: 'c1', token: 'k1' },
      { teamId: 't2', teamName: 'beta', commandId: 'c3', token: 'k3' },
    ]);
  });

  it('round-trips an incident with its milestones and timeline', async () => {
    const inserted = await seed(store);
    const got = await store.getIncident('inc1');
    expect(got).toEqual(inserted);
    expect(got?.target).toEqual({ type: 'component', spec: 'tj-actions/changed-files@v45' });
    expect(got?.milestones).toHaveLength(MILESTONES);
    expect(got?.milestones.map((m) => m.dueAt)).toEqual([undefined, FIRST_DUE, undefined, undefined, undefined, undefined, undefined, T0 + 24 * 3_600_000, undefined]);
    expect((await store.getIncidentByChannel('chan-inc1'))?.id).toBe('inc1');
    expect(await store.getIncidentByChannel('chan-none')).toBeUndefined();
    expect(await store.getIncident('none')).toBeUndefined();
    expect((await store.timeline('inc1')).map((e) => [e.incidentId, e.kind, e.at, e.actor?.username])).toEqual([['inc1', 'start', T0, 'alice']]);
  });

  it('round-trips every field a transition or an update sets', async () => {
    const { incident, timeline } = newIncident({
      id: 'inc9',
      teamId: 'team',
      name: 'Indicator *hit*',
      kind: 'platform',
      target: { type: 'indicator', id: 'circleci-2023-01' },
      severity: 'high',
      startedBy: alice,
      template: templateFor('platform'),
      now: T0,
    });
    await store.insertIncident(incident, timeline);
    expect(await store.getIncident('inc9')).toEqual(incident); // status 'starting', no channel yet
    await store.update('inc9', (inc) => opened(inc, { id: 'chan-9', name: 'inc-9' }, 'post-9'));
    await store.apply('inc9', (inc) => assignMilestone(inc, 3, bob, alice, T0 + 1));
    await store.apply('inc9', (inc) => setMilestoneDone(inc, 3, true, bob, T0 + 2));
    await store.apply('inc9', (inc) => addStatusUpdate(inc, 'rotating `keys`', bob, T0 + 3));
    const exposure = { repos: 3, jobs: 12, affected: 4, unresolved: 1, errors: 0, byVerdict: { critical: 1, high: 2, medium: 1, low: 0 } };
    await store.update('inc9', (inc) => ({ ...inc, exposure }));
    const last = changedIncident(await store.apply('inc9', (inc) => closeIncident(inc, 'rotated, pinned', alice, T0 + 4)));
    expect(last).toMatchObject({ status: 'closed', closedAt: T0 + 4, closeSummary: 'rotated, pinned', checklistPostId: 'post-9', exposure, revision: 5 });
    expect(last.milestones[2]).toEqual({ ...incident.milestones[2], done: true, doneAt: T0 + 2, doneBy: bob, assignee: bob, override: { by: bob, at: T0 + 2 } });
    expect(last.lastUpdate).toEqual({ text: 'rotating `keys`', at: T0 + 3, by: bob });
    expect(await store.getIncident('inc9')).toEqual(last);
    expect((await store.timeline('inc9')).map((e) => e.kind)).toEqual(['start', 'assign', 'check', 'update', 'close']);
  });

  it('round-trips the self-checking checklist: evidence, ticks by evidence and by people, overrides, sub-items', async () => {
    await seed(store);
    const web = { repo: 'acme/web', affected: true, complete: true, incomplete: [], files: ['.github/workflows/ci.yml'], owners: ['@acme/web-team', 'ops@acme.example'] };
    const evidence = {
      complete: true,
      incomplete: [],
      repos: [
        { ...web, secrets: [{ name: 'NPM_TOKEN', where: { store: 'pipeline-config' as const, repo: 'acme/web' } }, { name: 'every context variable', where: { store: 'context' as const, scope: 'deploy' } }] },
        { repo: 'acme/api', affected: true, complete: true, incomplete: [], files: ['.circleci/config.yml'], secrets: [] },
      ],
    };
    const summary = { repos: 2, jobs: 3, affected: 2, unresolved: 0, errors: 0, byVerdict: { critical: 2, high: 0, medium: 0, low: 0 } };
    const lookup = changedIncident(await store.apply('inc1', (i) => recordLookup(i, { at: T0 + 60_000, source: LOOKUP_SOURCE, summary, summaryText: 'lookup', evidence, reportPostId: 'report-1' })));
    expect(await store.getIncident('inc1')).toEqual(lookup);
    // The action checklist: 6 is secrets rotated, 7 pipelines hardened.
    await store.apply('inc1', (i) => setItemDone(i, 6, 0, true, bob, T0 + 120_000));
    await store.apply('inc1', (i) => setMilestoneDone(i, 2, false, alice, T0 + 180_000));
    const fixed = { ...evidence, repos: [{ ...evidence.repos[0], affected: false, files: [] }, evidence.repos[1]] };
    const last = changedIncident(
      await store.apply('inc1', (i) => recordLookup(i, { at: T0 + 240_000, source: RECHECK_SOURCE, summary, summaryText: 're-check', evidence: fixed as typeof evidence, recheck: { by: bob } })),
    );
    const got = await store.getIncident('inc1');
    expect(got).toEqual(last);
    expect(got?.evidence).toEqual({ lookupAt: T0 + 240_000, complete: true, incomplete: [], reportPostId: 'report-1', firstCompleteAt: T0 + 60_000, recheckedAt: T0 + 240_000 });
    expect(got?.milestones[1]).toMatchObject({ done: false, override: { by: alice, at: T0 + 180_000 }, evidence: { state: 'verified', source: 're-check' } });
    expect(got?.milestones[5]?.items?.map((i) => [i.id, i.label, i.where, i.done, i.doneBy?.username, i.override?.by.username, i.evidence?.state, i.owners])).toEqual([
      ['secret:pipeline-config::acme/web:NPM_TOKEN', 'NPM_TOKEN', { store: 'pipeline-config', repo: 'acme/web' }, true, 'bob', 'bob', 'manual', ['@acme/web-team', 'ops@acme.example']],
      ['secret:context:deploy::every context variable', 'every context variable', { store: 'context', scope: 'deploy' }, false, undefined, undefined, 'manual', undefined],
    ]);
    expect(got?.milestones[6]?.items?.map((i) => [i.label, i.done, i.verified, i.evidence?.state])).toEqual([
      ['acme/web', true, { source: 're-check', at: T0 + 240_000 }, 'verified'],
      ['acme/api', false, undefined, 'not-yet'],
    ]);
    // The same through a listing (PostgreSQL reads incidents, milestones and sub-items in one statement).
    expect((await store.listIncidents('open')).find((i) => i.id === 'inc1')).toEqual(last);
    expect((await db.sql('SELECT item_id FROM milestone_items ORDER BY position, item_position')).map((r) => r.item_id)).toEqual([
      'secret:pipeline-config::acme/web:NPM_TOKEN',
      'secret:context:deploy::every context variable',
      'repo:acme/web',
      'repo:acme/api',
    ]);
    expect((await store.timeline('inc1')).map((e) => e.kind)).toEqual(['start', 'lookup', 'verify', 'evidence', 'evidence', 'check', 'uncheck', 'recheck', 'verify']);
  });

  it('an incident stored before the evidence columns reads back without evidence', async () => {
    await seed(store);
    await db.sql('UPDATE milestones SET evidence = NULL, verified_source = NULL');
    const got = await store.getIncident('inc1');
    expect(got?.evidence).toBeUndefined();
    expect(got?.milestones.every((m) => m.items === undefined && m.verified === undefined && m.override === undefined)).toBe(true);
  });

  it('keeps log readings per incident: the first reading of a log, marked gone once, never more than the fields named', async () => {
    await seed(store);
    await seed(store, 'inc2', T0 + 1);
    const reading = {
      repo: 'acme/web',
      jobId: 2 ** 40 + 7, // GitHub job ids outgrow 32 bits
      url: 'https://github.com/acme/web/actions/runs/9/job/99',
      sha256: 'a'.repeat(64),
      bytes: 4096,
      readAt: T0,
      lines: [{ line: 12, text: "Download action repository 'tj-actions/changed-files@v44' (SHA:0e58ed8671d6b60d0890c21b07f8835ace038e67)" }],
      payloadLines: [{ line: 40, length: 812 }],
    };
    const other = { ...reading, repo: 'acme/api', jobId: 5, sha256: 'b'.repeat(64), lines: [], payloadLines: [] };
    // A caller's extra fields (a whole log, a value) do not reach the store.
    const extra = { ...reading, text: 'the whole log', value: 'npm_secret_value', lines: [{ line: 12, text: reading.lines[0]?.text ?? '', value: 'npm_secret_value' }] };
    expect(await store.recordLogReadings('inc1', [extra, other])).toBe(2);
    // The first reading is kept (its hash at the time it was read); a later one is ignored.
    expect(await store.recordLogReadings('inc1', [{ ...reading, sha256: 'c'.repeat(64), readAt: T0 + 5 }])).toBe(0);
    expect(await store.recordLogReadings('inc2', [reading])).toBe(1);
    expect(await store.logReadings('inc1')).toEqual([other, reading]);
    expect(JSON.stringify(await db.sql('SELECT * FROM run_logs'))).not.toMatch(/npm_secret_value|the whole log/);

    // Gone: returned once, for a log read before only.
    const gone = await store.markLogsGone('inc1', [{ repo: 'acme/web', jobId: reading.jobId, status: 410 }, { repo: 'acme/web', jobId: 1, status: 404 }], T0 + 60_000);
    expect(gone).toEqual([{ ...reading, goneAt: T0 + 60_000, goneStatus: 410 }]);
    expect(await store.markLogsGone('inc1', [{ repo: 'acme/web', jobId: reading.jobId, status: 410 }], T0 + 120_000)).toEqual([]);
    expect(await store.logReadings('inc1')).toEqual([other, { ...reading, goneAt: T0 + 60_000, goneStatus: 410 }]);
    // Per incident: the other incident's reading of the same log is untouched.
    expect(await store.logReadings('inc2')).toEqual([reading]);
    expect(await store.logReadings('none')).toEqual([]);
  });

  it("keeps a log reading's `truncated` (a log longer than the reader's cap, hashed up to it); a whole one has none", async () => {
    await seed(store);
    const whole = { repo: 'acme/web', jobId: 1, url: 'u', sha256: 'a'.repeat(64), bytes: 10, readAt: T0, lines: [], payloadLines: [] };
    const cut = { ...whole, jobId: 2, sha256: 'b'.repeat(64), bytes: 64 * 1024 * 1024, truncated: true };
    expect(await store.recordLogReadings('inc1', [whole, cut, { ...whole, jobId: 3, truncated: false }])).toBe(3);
    expect(await store.logReadings('inc1')).toEqual([whole, cut, { ...whole, jobId: 3 }]);
    expect((await db.sql('SELECT job_id, truncated FROM run_logs ORDER BY job_id')).map((r) => Number((r as { truncated: unknown }).truncated))).toEqual([0, 1, 0]);
    expect(await store.markLogsGone('inc1', [{ repo: 'acme/web', jobId: 2, status: 404 }], T0 + 1)).toEqual([{ ...cut, goneAt: T0 + 1, goneStatus: 404 }]);
  });

  it('refuses a log reading whose hash is not a sha256, and stores nothing of the batch', async () => {
    await seed(store);
    const good = { repo: 'acme/web', jobId: 1, url: 'u', sha256: 'a'.repeat(64), bytes: 1, readAt: T0, lines: [], payloadLines: [] };
    await expect(store.recordLogReadings('inc1', [good, { ...good, jobId: 2, sha256: 'short' }])).rejects.toThrow();
    expect(await store.logReadings('inc1')).toEqual([]);
  });

  it('lists incidents by status, in start order', async () => {
    await seed(store, 'inc2', T0 + 1);
    await seed(store, 'inc1', T0);
    await store.apply('inc2', (inc) => closeIncident(inc, undefined, alice, T0 + 2));
    expect((await store.listIncidents()).map((i) => i.id)).toEqual(['inc1', 'inc2']);
    expect((await store.listIncidents('open')).map((i) => i.id)).toEqual(['inc1']);
    expect((await store.listIncidents('closed')).map((i) => [i.id, i.milestones.length])).toEqual([['inc2', MILESTONES]]);
    expect(await store.listIncidents('starting')).toEqual([]);
  });

  it('apply stores state, timeline and outbox together, and nothing when refused', async () => {
    await seed(store);
    const t = await store.apply('inc1', (inc) => setMilestoneDone(inc, 1, true, alice, T0 + 1));
    expect(t).toMatchObject({ ok: true, changed: true });
    expect((await store.getIncident('inc1'))?.milestones[0]).toMatchObject({ done: true, doneAt: T0 + 1, doneBy: alice });
    expect((await store.timeline('inc1')).map((e) => e.kind)).toEqual(['start', 'check']);
    const refused = await store.apply('inc1', (inc) => setMilestoneDone(inc, 42, true, alice, T0));
    expect(refused).toEqual({ ok: false, reason: `there is no item 42 (the checklist has ${MILESTONES})` });
    const same = await store.apply('inc1', (inc) => setMilestoneDone(inc, 1, true, bob, T0 + 2));
    expect(same).toMatchObject({ ok: true, changed: false });
    expect((await store.getIncident('inc1'))?.revision).toBe(2);
    expect((await store.timeline('inc1')).map((e) => e.kind)).toEqual(['start', 'check']);
    expect(await store.pendingOutboxCount()).toBe(0);
    await store.apply('inc1', (inc) => closeIncident(inc, undefined, alice, T0 + 5));
    const out = await store.claimOutbox('bridge-a', T0 + 5, LEASE);
    expect(out.map((o) => [o.message.kind, o.incidentId, o.createdAt, o.attempts, o.claims])).toEqual([['stakeholder', 'inc1', T0 + 5, 0, 1]]);
    expect(await store.apply('none', (inc) => closeIncident(inc, undefined, alice, T0))).toEqual({ ok: false, reason: 'this incident no longer exists' });
  });

  it('an exception inside apply or update rolls everything back', async () => {
    await seed(store);
    await expect(
      store.apply('inc1', (inc) => {
        const t = setMilestoneDone(inc, 1, true, alice, T0);
        if (t.ok) throw new Error('boom');
        return t;
      }),
    ).rejects.toThrow('boom');
    await expect(
      store.update('inc1', () => {
        throw new Error('bang');
      }),
    ).rejects.toThrow('bang');
    // A save that fails halfway (the incident row is written, then its timeline entry is refused by the
    // database: text is NOT NULL) leaves nothing behind either.
    const broken = { at: T0, kind: 'check', text: null } as unknown as TimelineEntry;
    await expect(
      store.apply('inc1', (inc) => ({
        ok: true,
        changed: true,
        incident: changedIncident(setMilestoneDone(inc, 1, true, alice, T0)),
        timeline: [broken],
        outbox: [{ kind: 'stakeholder', message: 'x' }],
      })),
    ).rejects.toThrow(/not.null/i);
    await expect(store.update('none', (inc) => inc)).rejects.toThrow('incident none disappeared from the store');
    await expect(store.update('inc1', (inc) => ({ ...inc, id: 'ghost' }))).rejects.toThrow('incident ghost does not exist');
    const got = await store.getIncident('inc1');
    expect(got?.milestones[0]?.done).toBe(false);
    expect(got?.revision).toBe(1);
    expect((await store.timeline('inc1')).map((e) => e.kind)).toEqual(['start']);
    expect(await store.pendingOutboxCount()).toBe(0);
  });

  it('finds overdue milestones once: notified_at is stored with the outbox messages', async () => {
    await seed(store);
    const due = T0 + 21 * 60_000;
    expect(await store.incidentsWithOverdue(T0)).toEqual([]);
    expect(await store.incidentsWithOverdue(due)).toEqual(['inc1']);
    await store.apply('inc1', (inc) => markOverdue(inc, due));
    expect(await store.incidentsWithOverdue(due)).toEqual([]);
    expect((await store.getIncident('inc1'))?.milestones.map((m) => m.notifiedAt)).toEqual([undefined, due, ...Array<undefined>(MILESTONES - 2).fill(undefined)]);
    expect(await store.pendingOutboxCount()).toBe(2);
    const out = await store.claimOutbox('bridge-a', due, LEASE);
    expect(out.map(summary)).toEqual([
      ['dm', 0, 1],
      ['channel-post', 0, 1],
    ]);
    expect(out[0]?.message).toMatchObject({ kind: 'dm', userId: alice.userId });
    expect(out[1]?.message).toMatchObject({ kind: 'channel-post', channelId: 'chan-inc1' });
    const [dm, post] = [out[0]!, out[1]!];
    expect(await store.claimOutbox('bridge-b', due, LEASE)).toEqual([]); // leased
    await store.markAttemptFailed(dm.id, 'HTTP 503', due + 1000, due);
    expect(await store.claimOutbox('bridge-b', due + 999, LEASE)).toEqual([]); // not due again yet; the post still leased
    expect((await store.claimOutbox('bridge-b', due + 1000, LEASE)).map(summary)).toEqual([['dm', 1, 2]]);
    expect((await store.claimOutbox('bridge-b', due + LEASE, LEASE)).map(summary)).toEqual([['channel-post', 0, 2]]); // its lease ran out
    await store.markSent(dm.id, due + 1000, 'post-1');
    expect(await store.pendingOutboxCount()).toBe(1);
    await store.markAttemptFailed(post.id, 'gone', null, due);
    expect(await store.pendingOutboxCount()).toBe(0);
    expect(await store.claimOutbox('bridge-b', due + 10 * LEASE, LEASE)).toEqual([]);
    const rows = await db.sql('SELECT attempts, claims, claimed_by, post_id, last_error, sent_at, failed_at FROM outbox ORDER BY id');
    expect(rows.map((r) => [Number(r.attempts), Number(r.claims), r.claimed_by, r.post_id, r.last_error, r.sent_at === null ? null : Number(r.sent_at), r.failed_at === null ? null : Number(r.failed_at)])).toEqual([
      [1, 2, 'bridge-b', 'post-1', null, due + 1000, null],
      [1, 2, 'bridge-b', null, 'gone', null, due],
    ]);
  });

  it('claims due messages in order, up to the limit; messages of no incident too', async () => {
    await store.enqueue(null, [1, 2, 3, 4, 5].map((n) => ({ kind: 'stakeholder' as const, message: `m${n}` })), T0);
    expect(await store.claimOutbox('bridge-a', T0 - 1, LEASE)).toEqual([]); // not due before it was enqueued
    const first = await store.claimOutbox('bridge-a', T0, LEASE, 2);
    const second = await store.claimOutbox('bridge-a', T0, LEASE, 2);
    expect([...first, ...second].map((o) => [o.incidentId, o.message])).toEqual([1, 2, 3, 4].map((n) => [null, { kind: 'stakeholder', message: `m${n}` }]));
    expect(second[0]!.id).toBeGreaterThan(first[1]!.id);
    expect(await store.pendingOutboxCount()).toBe(5);
  });

  it('timeline entries with a ref are recorded once', async () => {
    await seed(store);
    const entry = { at: T0, kind: 'pin' as const, text: 'pinned', ref: 'post1' };
    expect(await store.appendTimeline('inc1', [entry])).toBe(1);
    expect(await store.appendTimeline('inc1', [entry])).toBe(0);
    expect(await store.appendTimeline('inc1', [{ ...entry, ref: 'post2' }, { at: T0, kind: 'error', text: 'e' }, { at: T0, kind: 'error', text: 'e' }])).toBe(3);
    const timeline = await store.timeline('inc1');
    expect(timeline.map((e) => [e.kind, e.ref])).toEqual([
      ['start', undefined],
      ['pin', 'post1'],
      ['pin', 'post2'],
      ['error', undefined],
      ['error', undefined],
    ]);
    expect(timeline.map((e) => e.seq)).toEqual([...timeline.map((e) => e.seq)].sort((a, b) => a - b));
  });

  it('keeps one action secret', async () => {
    const a = await store.actionSecret();
    expect(a).toHaveLength(32);
    expect((await store.actionSecret()).equals(a)).toBe(true);
  });

  it('refuses a migration folder with a gap or a bad name', () => {
    const load = engine === 'sqlite' ? loadMigrations : loadPostgresMigrations;
    expect(load().map((m) => m.version)).toEqual(Array.from({ length: migrationFileCount(engine) }, (_, i) => i + 1));
    const m = join(db.dataDir, 'm');
    mkdirSync(m, { recursive: true });
    writeFileSync(join(m, '0001_a.sql'), 'SELECT 1;');
    writeFileSync(join(m, '0003_c.sql'), 'SELECT 1;');
    expect(() => load(m)).toThrow(/0003_c\.sql: expected version 2/);
    writeFileSync(join(m, '0002-b.sql'), 'SELECT 1;');
    expect(() => load(m)).toThrow('store migration 0002-b.sql: name must be NNNN_name.sql');
  });

  it('stores opened at the same moment on an empty database migrate it once', async () => {
    const fresh = await createTestDatabase(engine);
    try {
      const stores = await Promise.all([fresh.open(), fresh.open(), fresh.open(), fresh.open()]);
      expect(await fresh.schemaVersion()).toBe(migrationFileCount(engine));
      if (engine === 'postgres') expect(await fresh.sql('SELECT count(*)::int AS n FROM cix_schema')).toEqual([{ n: 1 }]);
      await stores[0]!.setSetting('k', 'v');
      expect(await Promise.all(stores.map((s) => s.getSetting('k')))).toEqual(['v', 'v', 'v', 'v']);
    } finally {
      await fresh.drop();
    }
  });

  it('refuses a schema newer than this bridge, changes nothing, and lets go of the database', async () => {
    const latest = migrationFileCount(engine);
    await store.close();
    await db.setSchemaVersion(latest + 1);
    await expect(db.open()).rejects.toThrow(`store schema version ${latest + 1} is newer than this bridge (${latest}): run a newer bridge`);
    expect(await db.schemaVersion()).toBe(latest + 1);
    if (engine === 'sqlite') {
      expect(openDescriptorsOn(db.name) ?? 0).toBe(0);
    } else {
      expect(await settle(() => pgSessionCount(db.name), 0)).toBe(0);
    }
  });

  if (engine === 'sqlite') {
    it('is a 0600 file in a 0700 directory, named by its location', async () => {
      await store.setSetting('bot_token', 'x');
      expect(store.location).toBe(db.name);
      expect(statSync(db.name).mode & 0o777).toBe(0o600);
      expect(statSync(`${db.name}-wal`).mode & 0o777).toBe(0o600);
      expect(statSync(db.dataDir).mode & 0o777).toBe(0o700);
      await store.close();
      store = await db.open();
      expect(statSync(db.name).mode & 0o777).toBe(0o600);
      expect(await store.getSetting('bot_token')).toBe('x');
    });
  }

  if (engine === 'postgres') {
    it('never shows the password in its location, nor in the error of a refused login', async () => {
      const url = new URL(db.url ?? '');
      const password = decodeURIComponent(url.password);
      expect(password).not.toBe(''); // CIX_TEST_PG_URL must carry a password: what this test hides
      const base = `${url.protocol}//${url.username}`;
      const where = `${url.host}${url.pathname}`;
      expect(store.location).toBe(`${base}:***@${where}`);
      expect(store.location).not.toContain(`:${password}@`);

      // node-postgres also takes the password from the query string
      const inQuery = `${base}@${where}?password=${encodeURIComponent(password)}`;
      const second = await openStore({ dataDir: db.dataDir, url: inQuery });
      try {
        expect(second.location).toBe(`${base}@${where}?password=***`);
        expect(await second.getSetting('bot_token')).toBeUndefined();
      } finally {
        await second.close();
      }

      // A wrong password: refused by a server that checks passwords (the error names the user only),
      // accepted by one that trusts local connections (then the location hides it like any other).
      const wrong = 'not-the-password-4f1c';
      const outcome = await openStore({ dataDir: db.dataDir, url: `${base}:${wrong}@${where}` }).then(
        async (opened) => {
          await opened.close();
          return opened.location;
        },
        (err: unknown) => (err instanceof Error ? err.message : String(err)),
      );
      expect([`password authentication failed for user "${url.username}"`, `${base}:***@${where}`]).toContain(outcome);
    });
  }

  describe('two bridges on one database', () => {
    let other: Store;
    beforeEach(async () => {
      other = await db.open();
      // Connections opened up front (10 concurrent reads per pool), so that the races below race from
      // the first call instead of being spaced out by connection set-up.
      await Promise.all([store, other].flatMap((s) => Array.from({ length: 10 }, () => s.getSetting('warm-up'))));
    });

    it('200 concurrent changes split across both bridges: none is lost', async () => {
      await seed(store);
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) => {
          const [bridge, actor] = i % 2 === 0 ? [store, alice] : [other, bob];
          const at = T0 + 1_000 + i;
          // i % 4 = 0, 1: a status update (100, each a change); 2, 3: a check of milestone (i % 9) + 1
          // (100 checks of the 9 milestones: the first check of each is a change, the others are not)
          return i % 4 < 2
            ? bridge.apply('inc1', (inc) => addStatusUpdate(inc, `update ${i}`, actor, at))
            : bridge.apply('inc1', (inc) => setMilestoneDone(inc, (i % MILESTONES) + 1, true, actor, at));
        }),
      );
      expect(results.filter((r) => r.ok && r.changed)).toHaveLength(100 + MILESTONES);
      expect(results.filter((r) => r.ok && !r.changed)).toHaveLength(100 - MILESTONES);

      const final = await other.getIncident('inc1');
      expect(final?.revision).toBe(1 + 100 + MILESTONES);
      expect(final?.milestones.map((m) => m.done)).toEqual(Array<boolean>(MILESTONES).fill(true));
      const timeline = await store.timeline('inc1');
      expect(timeline).toHaveLength(1 + 100 + MILESTONES);
      const updates = timeline.filter((e) => e.kind === 'update').map((e) => Number(/update (\d+)$/.exec(e.text)?.[1]));
      expect([...updates].sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i).filter((i) => i % 4 < 2));
      // the last update in commit order is the one the incident keeps
      expect(final?.lastUpdate?.text).toBe(`update ${updates[updates.length - 1]}`);
      const checks = timeline.filter((e) => e.kind === 'check').map((e) => Number(/checked (\d+)\./.exec(e.text)?.[1]));
      expect([...checks].sort((a, b) => a - b)).toEqual(Array.from({ length: MILESTONES }, (_, i) => i + 1));
      // revisions were handed out one by one: each change saw the one before it
      const revisions = results.flatMap((r) => (r.ok && r.changed ? [r.incident.revision] : []));
      expect([...revisions].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 + MILESTONES }, (_, i) => i + 2));
      expect(await store.pendingOutboxCount()).toBe(200); // a channel post and a stakeholder message per update
    }, 60_000);

    it('updates and transitions from both bridges at once keep each other', async () => {
      await seed(store);
      await Promise.all(
        Array.from({ length: 2 * MILESTONES }, (_, i) =>
          i % 2 === 0
            ? store.apply('inc1', (inc) => setMilestoneDone(inc, i / 2 + 1, true, alice, T0 + i))
            : other.update('inc1', (inc) => ({ ...inc, checklistPostId: `post-${i}` })),
        ),
      );
      const final = await store.getIncident('inc1');
      expect(final?.milestones.filter((m) => m.done)).toHaveLength(MILESTONES);
      expect(final?.revision).toBe(1 + MILESTONES);
      expect(final?.checklistPostId).toMatch(/^post-\d+$/);
    }, 60_000);

    it('a reader on one bridge sees whole transitions of the other', async () => {
      const ids = Array.from({ length: 10 }, (_, k) => `inc${k}`);
      for (const id of ids) await seed(store, id);
      let writing = true;
      const torn: string[] = [];
      const check = (inc: Incident | undefined): void => {
        if (!inc) return;
        const done = inc.milestones.filter((m) => m.done).length;
        if (inc.revision !== 1 + done) torn.push(`${inc.id}: revision ${inc.revision} with ${done} done`);
      };
      const reader = (async () => {
        let reads = 0;
        while (writing || reads === 0) {
          for (const inc of await other.listIncidents()) check(inc);
          check(await other.getIncident('inc0'));
          check(await other.getIncidentByChannel('chan-inc1'));
          reads += 1;
        }
        return reads;
      })();
      await Promise.all(
        ids.flatMap((id) =>
          Array.from({ length: MILESTONES }, (_, p) => (p % 2 === 0 ? store : other).apply(id, (inc) => setMilestoneDone(inc, p + 1, true, alice, T0 + p))),
        ),
      );
      writing = false;
      expect(await reader).toBeGreaterThan(0);
      expect(torn).toEqual([]);
      expect((await other.listIncidents()).map((i) => i.revision)).toEqual(ids.map(() => 1 + MILESTONES));
    }, 60_000);

    it('every message is claimed once while leases hold, again when they run out, never once sent', async () => {
      const N = 60;
      await store.enqueue(null, Array.from({ length: N }, (_, i) => ({ kind: 'stakeholder' as const, message: `m${i}` })), T0);
      const owners = new Map<number, string>();
      /** Rounds of 16 concurrent claims (8 per bridge, 5 messages each) until a round gets nothing. */
      const claimAll = async (now: number): Promise<OutboxRecord[]> => {
        const all: OutboxRecord[] = [];
        for (;;) {
          const round = await Promise.all(
            Array.from({ length: 16 }, async (_, i) => {
              const [bridge, owner] = i % 2 === 0 ? [store, 'bridge-a'] : [other, 'bridge-b'];
              const claimed = await bridge.claimOutbox(owner, now, LEASE, 5);
              for (const o of claimed) owners.set(o.id, owner);
              return claimed;
            }),
          );
          if (round.flat().length === 0) return all;
          all.push(...round.flat());
        }
      };
      const messages = (records: OutboxRecord[]): string[] => records.map((o) => (o.message.kind === 'stakeholder' ? o.message.message : '?')).sort();
      const expected = Array.from({ length: N }, (_, i) => `m${i}`).sort();

      const first = await claimAll(T0);
      expect(first).toHaveLength(N);
      expect(new Set(first.map((o) => o.id)).size).toBe(N);
      expect(messages(first)).toEqual(expected);
      expect(first.every((o) => o.claims === 1)).toBe(true);
      const claimedBy = await db.sql('SELECT id, claimed_by FROM outbox ORDER BY id');
      expect(claimedBy.map((r) => r.claimed_by)).toEqual(claimedBy.map((r) => owners.get(Number(r.id))));
      expect(await claimAll(T0 + LEASE - 1)).toEqual([]); // the leases still hold

      const second = await claimAll(T0 + LEASE); // every lease ran out: a bridge died mid-send
      expect(second).toHaveLength(N);
      expect(messages(second)).toEqual(expected);
      expect(second.map((o) => o.claims)).toEqual(Array<number>(N).fill(2));

      const sent = second.filter((o) => o.id % 2 === 0);
      await Promise.all(sent.map((o, i) => (i % 2 === 0 ? store : other).markSent(o.id, T0 + LEASE + 1, `post-${o.id}`)));
      const third = await claimAll(T0 + 2 * LEASE);
      expect(third.map((o) => o.id).sort((a, b) => a - b)).toEqual(second.filter((o) => o.id % 2 !== 0).map((o) => o.id).sort((a, b) => a - b));
      expect(third.map((o) => o.claims)).toEqual(Array<number>(N - sent.length).fill(3));
      expect(await other.pendingOutboxCount()).toBe(N - sent.length);
    }, 60_000);

    it('an overdue milestone raced by both bridges is notified once', async () => {
      await seed(store);
      const due = FIRST_DUE + 60_000;
      expect(await store.incidentsWithOverdue(due)).toEqual(['inc1']);
      expect(await other.incidentsWithOverdue(due)).toEqual(['inc1']);
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? store : other).apply('inc1', (inc) => markOverdue(inc, due + i))));
      const changes = results.flatMap((r) => (r.ok && r.changed ? [r.incident] : []));
      expect(changes).toHaveLength(1);
      const notifiedAt = changes[0]?.milestones[1]?.notifiedAt;
      expect(notifiedAt).toBeGreaterThanOrEqual(due);
      const stored = await other.getIncident('inc1');
      expect(stored?.milestones.map((m) => m.notifiedAt)).toEqual([undefined, notifiedAt, ...Array<undefined>(MILESTONES - 2).fill(undefined)]);
      expect(stored?.revision).toBe(2);
      expect((await store.timeline('inc1')).map((e) => e.kind)).toEqual(['start', 'overdue']);
      expect((await other.claimOutbox('bridge-b', due + 100, LEASE)).map(summary)).toEqual([
        ['dm', 0, 1],
        ['channel-post', 0, 1],
      ]);
      expect(await store.incidentsWithOverdue(due + 100)).toEqual([]);
      expect(await other.incidentsWithOverdue(due + 100)).toEqual([]);
    }, 60_000);

    it('share one action secret, even when both create it at once', async () => {
      const [a, b] = await Promise.all([store.actionSecret(), other.actionSecret()]);
      expect(a).toHaveLength(32);
      expect(b.equals(a)).toBe(true);
      expect((await other.actionSecret()).equals(a)).toBe(true);
    });
  });
});

describe('store location', () => {
  it('redacts the password of a PostgreSQL URL, in the user part and in the query', () => {
    expect(redactUrl('postgres://bridge:s3cret@db.example:5432/cix')).toBe('postgres://bridge:***@db.example:5432/cix');
    expect(redactUrl('postgresql://bridge@db.example/cix?sslmode=require&password=s3cret')).toBe('postgresql://bridge@db.example/cix?sslmode=require&password=***');
    expect(redactUrl('postgres://bridge@db.example/cix')).toBe('postgres://bridge@db.example/cix');
    expect(redactUrl('postgres://bridge:s3cret@/cix')).toBe('postgres://(unparseable URL)');
  });

  it('opens SQLite without a URL and refuses a URL that is not PostgreSQL', async () => {
    const { dir, cleanup } = makeTempDir();
    try {
      await expect(openStore({ dataDir: dir, url: 'mysql://bridge:s3cret@db.example/cix' })).rejects.toThrow(
        'store.url must be a postgres:// URL (leave it out for the embedded SQLite store)',
      );
      const store = await openStore({ dataDir: dir });
      expect(store.engine).toBe('sqlite');
      await store.close();
    } finally {
      cleanup();
    }
  });
});

import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { closeIncident, newIncident, opened, setMilestoneDone, markOverdue } from '../../src/incidents/model';
import { templateFor } from '../../src/incidents/templates';
import { loadMigrations, openStore, type Store } from '../../src/store/sqlite';
import { makeTempDir } from '../helpers/tmp';

const alice = { userId: 'a'.repeat(26), username: 'alice' };
const T0 = Date.UTC(2026, 10, 26, 12, 0, 0);

describe('store', () => {
  let dir: string;
  let cleanup: () => void;
  let store: Store;
  beforeEach(() => {
    ({ dir, cleanup } = makeTempDir());
    store = openStore(join(dir, 'data'));
  });
  afterEach(() => {
    store.close();
    cleanup();
  });

  function seed(id = 'inc1'): void {
    const { incident, timeline } = newIncident({
      id,
      teamId: 'team',
      name: 'n',
      kind: 'action',
      target: { type: 'component', spec: 'tj-actions/changed-files@v45' },
      severity: 'critical',
      startedBy: alice,
      template: templateFor('action'),
      now: T0,
    });
    store.insertIncident(opened(incident, { id: `chan-${id}`, name: `inc-${id}` }, 'post'), timeline);
  }

  it('is a 0600 file, migrated to the latest version, and reopens without migrating again', () => {
    expect(statSync(store.path).mode & 0o777).toBe(0o600);
    store.setSetting('bot_token', 'x');
    store.close();
    store = openStore(join(dir, 'data'));
    expect(store.getSetting('bot_token')).toBe('x');
  });

  it('round-trips an incident with its milestones and timeline', () => {
    seed();
    const got = store.getIncident('inc1');
    expect(got?.target).toEqual({ type: 'component', spec: 'tj-actions/changed-files@v45' });
    expect(got?.milestones).toHaveLength(templateFor('action').milestones.length);
    expect(store.getIncidentByChannel('chan-inc1')?.id).toBe('inc1');
    expect(store.timeline('inc1').map((e) => e.kind)).toEqual(['start']);
  });

  it('apply stores state, timeline and outbox together, and nothing when refused', () => {
    seed();
    const t = store.apply('inc1', (inc) => setMilestoneDone(inc, 1, true, alice, T0 + 1));
    expect(t.ok).toBe(true);
    expect(store.getIncident('inc1')?.milestones[0]?.done).toBe(true);
    expect(store.timeline('inc1').map((e) => e.kind)).toEqual(['start', 'check']);
    const refused = store.apply('inc1', (inc) => setMilestoneDone(inc, 42, true, alice, T0));
    expect(refused.ok).toBe(false);
    expect(store.getIncident('inc1')?.revision).toBe(2);
    store.apply('inc1', (inc) => closeIncident(inc, undefined, alice, T0 + 5));
    expect(store.dueOutbox(T0 + 5).map((o) => o.message.kind)).toEqual(['stakeholder']);
  });

  it('an exception inside apply rolls everything back', () => {
    seed();
    expect(() =>
      store.apply('inc1', (inc) => {
        const t = setMilestoneDone(inc, 1, true, alice, T0);
        if (t.ok) throw new Error('boom');
        return t;
      }),
    ).toThrow('boom');
    expect(store.getIncident('inc1')?.milestones[0]?.done).toBe(false);
  });

  it('finds overdue milestones once: notified_at is stored with the outbox messages', () => {
    seed();
    const due = T0 + 21 * 60_000;
    expect(store.incidentsWithOverdue(T0)).toEqual([]);
    expect(store.incidentsWithOverdue(due)).toEqual(['inc1']);
    store.apply('inc1', (inc) => markOverdue(inc, due));
    expect(store.incidentsWithOverdue(due)).toEqual([]);
    const out = store.dueOutbox(due);
    expect(out.map((o) => o.message.kind)).toEqual(['dm', 'channel-post']);
    store.markAttemptFailed(out[0]!.id, 'HTTP 503', due + 1000, due);
    expect(store.dueOutbox(due).map((o) => o.message.kind)).toEqual(['channel-post']);
    expect(store.dueOutbox(due + 1000).map((o) => o.attempts)).toEqual([1, 0]);
    store.markSent(out[0]!.id, due + 1000);
    store.markAttemptFailed(out[1]!.id, 'gone', null, due);
    expect(store.pendingOutboxCount()).toBe(0);
  });

  it('timeline entries with a ref are recorded once', () => {
    seed();
    const entry = { at: T0, kind: 'pin' as const, text: 'pinned', ref: 'post1' };
    expect(store.appendTimeline('inc1', [entry])).toBe(1);
    expect(store.appendTimeline('inc1', [entry])).toBe(0);
  });

  it('keeps one action secret', () => {
    const a = store.actionSecret();
    expect(a).toHaveLength(32);
    expect(store.actionSecret().equals(a)).toBe(true);
  });

  it('refuses a migration folder with a gap', () => {
    const m = join(dir, 'm');
    mkdirSync(m);
    writeFileSync(join(m, '0001_a.sql'), 'SELECT 1;');
    writeFileSync(join(m, '0003_c.sql'), 'SELECT 1;');
    expect(() => loadMigrations(m)).toThrow(/0003_c\.sql: expected version 2/);
    expect(existsSync(join(dir, 'data'))).toBe(true);
  });
});

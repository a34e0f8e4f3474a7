import { parseChecklistProps } from '@ci-exposure/contract';
import {
  CHANNEL_NAME_PATTERN,
  addStatusUpdate,
  assignMilestone,
  channelNameFor,
  closeIncident,
  incidentMetrics,
  markOverdue,
  setMilestoneDone,
  setOwner,
  toChecklistProps,
  toggleMilestone,
  type Incident,
  type Transition,
} from '../../src/incidents/model';
import { CHECKLIST_TEMPLATES, INCIDENT_KINDS } from '../../src/incidents/templates';
import { openedIncident } from '../helpers/incident';

const alice = { userId: 'a'.repeat(26), username: 'alice' };
const bob = { userId: 'b'.repeat(26), username: 'bob' };
const T0 = Date.UTC(2026, 10, 26, 12, 0, 0);

const fresh = (): Incident => openedIncident({ teamId: 't'.repeat(26), name: 'Codecov @channel [x](http://e.vil)', startedBy: alice, now: T0 }, { id: 'c'.repeat(26), name: 'inc-20261126-codecov' });

function ok(t: Transition): Extract<Transition, { ok: true }> {
  if (!t.ok) throw new Error(`refused: ${t.reason}`);
  return t;
}

describe('checklist templates', () => {
  it.each(INCIDENT_KINDS)('%s has the required milestones, unique ids and the due offsets', (kind) => {
    const t = CHECKLIST_TEMPLATES[kind];
    const ids = t.milestones.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ['notified', 'initial-assessment', 'credential-exposure', 'tamper-paths', 'secrets-rotated', 'pipelines-hardened', 'thorough-review', 'retrospective']) {
      expect(ids).toContain(id);
    }
    expect(t.milestones.find((m) => m.id === 'initial-assessment')?.dueAfterMs).toBe(20 * 60_000);
    expect(t.milestones.find((m) => m.id === 'thorough-review')?.dueAfterMs).toBe(24 * 60 * 60_000);
  });
});

describe('incident transitions', () => {
  it('a new incident has alphanumeric action ids and due times from the start', () => {
    const inc = fresh();
    expect(inc.milestones.every((m) => /^[A-Za-z0-9]+$/.test(m.actionId))).toBe(true);
    expect(inc.milestones.find((m) => m.id === 'initial-assessment')?.dueAt).toBe(T0 + 20 * 60_000);
    expect(inc.status).toBe('open');
    expect(inc.owner).toEqual(alice);
  });

  it('check, uncheck and toggle record who and when; setting the same state changes nothing', () => {
    let inc = fresh();
    const t1 = ok(setMilestoneDone(inc, 2, true, bob, T0 + 1000));
    inc = t1.incident;
    expect(inc.milestones[1]).toMatchObject({ done: true, doneAt: T0 + 1000, doneBy: bob });
    expect(t1.timeline[0]).toMatchObject({ kind: 'check', actor: bob });
    expect(inc.revision).toBe(2);
    const t2 = ok(setMilestoneDone(inc, 2, true, alice, T0 + 2000));
    expect(t2.changed).toBe(false);
    inc = ok(toggleMilestone(inc, 2, alice, T0 + 3000)).incident;
    expect(inc.milestones[1]?.done).toBe(false);
    expect(inc.milestones[1]?.doneBy).toBeUndefined();
  });

  it('refuses an item that does not exist, and any change once closed', () => {
    const inc = fresh();
    const bad = setMilestoneDone(inc, 99, true, bob, T0);
    expect(bad).toEqual({ ok: false, reason: expect.stringMatching(/no item 99/) });
    const closed = ok(closeIncident(inc, 'done', alice, T0 + 5000)).incident;
    expect(setMilestoneDone(closed, 1, true, bob, T0).ok).toBe(false);
    expect(closeIncident(closed, undefined, alice, T0).ok).toBe(false);
  });

  it('assign, owner and status updates escape user text and broadcast', () => {
    let inc = fresh();
    inc = ok(assignMilestone(inc, 3, bob, alice, T0)).incident;
    expect(inc.milestones[2]?.assignee).toEqual(bob);
    inc = ok(setOwner(inc, bob, alice, T0)).incident;
    expect(inc.owner).toEqual(bob);
    const upd = ok(addStatusUpdate(inc, 'rotating @all keys <b>now</b> http://x.y', bob, T0 + 10));
    expect(upd.incident.lastUpdate).toEqual({ text: 'rotating @all keys <b>now</b> http://x.y', at: T0 + 10, by: bob });
    expect(upd.outbox.map((o) => o.kind)).toEqual(['channel-post', 'stakeholder']);
    for (const o of upd.outbox) {
      expect(o.message).not.toMatch(/@all|<b>|http:\/\//);
    }
    expect(addStatusUpdate(inc, '   ', bob, T0).ok).toBe(false);
  });

  it('overdue: one notice per milestone to the assignee, else the owner, and never twice', () => {
    let inc = fresh();
    inc = ok(assignMilestone(inc, 2, bob, alice, T0)).incident;
    expect(ok(markOverdue(inc, T0 + 19 * 60_000)).changed).toBe(false);
    const t = ok(markOverdue(inc, T0 + 21 * 60_000));
    expect(t.outbox).toEqual([
      expect.objectContaining({ kind: 'dm', userId: bob.userId }),
      expect.objectContaining({ kind: 'channel-post', channelId: inc.channelId }),
    ]);
    expect(t.incident.milestones[1]?.notifiedAt).toBe(T0 + 21 * 60_000);
    expect(ok(markOverdue(t.incident, T0 + 22 * 60_000)).changed).toBe(false);
    const late = ok(markOverdue(t.incident, T0 + 25 * 3600_000));
    expect(late.outbox).toEqual([
      expect.objectContaining({ kind: 'dm', userId: alice.userId }),
      expect.objectContaining({ kind: 'channel-post' }),
    ]);
  });

  it('a milestone done before its due time is never overdue', () => {
    const inc = ok(setMilestoneDone(fresh(), 2, true, bob, T0 + 60_000)).incident;
    expect(ok(markOverdue(inc, T0 + 21 * 60_000)).changed).toBe(false);
  });

  it('metrics: time to initial assessment, time to close, milestones on time', () => {
    let inc = fresh();
    inc = ok(setMilestoneDone(inc, 2, true, bob, T0 + 12 * 60_000)).incident;
    inc = ok(closeIncident(inc, 'all rotated', alice, T0 + 2 * 3600_000)).incident;
    expect(incidentMetrics(inc, T0 + 2 * 3600_000)).toEqual({
      timeToInitialAssessmentMs: 12 * 60_000,
      initialAssessmentBy: 'person',
      initialAssessmentDueAfterMs: 20 * 60_000,
      timeToCloseMs: 2 * 3600_000,
      milestonesWithDue: 2,
      onTime: 1,
      late: 0,
      pending: 1,
    });
  });

  it('checklist props validate against the shared contract', () => {
    const inc = ok(assignMilestone(fresh(), 1, bob, alice, T0)).incident;
    const parsed = parseChecklistProps({ cix: toChecklistProps(inc) });
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(parsed.value.milestones[0]?.assignee).toEqual(bob);
  });
});

describe('channel names', () => {
  it.each([
    ['Codecov bash uploader', undefined, 'inc-20261126-codecov-bash-uploader'],
    ['  ¡Ünïcödé!! ', undefined, 'inc-20261126-unicode'],
    ['!!!', undefined, 'inc-20261126-incident'],
    ['tj-actions', 2, 'inc-20261126-tj-actions-2'],
  ])('%j (suffix %p) → %s', (name, suffix, expected) => {
    const got = channelNameFor(name, T0, suffix);
    expect(got).toBe(expected);
    expect(got).toMatch(CHANNEL_NAME_PATTERN);
  });

  it('never exceeds 64 characters, also with a suffix', () => {
    const got = channelNameFor('x-'.repeat(100), T0, 123);
    expect(got.length).toBeLessThanOrEqual(64);
    expect(got).toMatch(CHANNEL_NAME_PATTERN);
  });
});

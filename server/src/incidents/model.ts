/**
 * The incident as data, and every change to it as a pure function: (state, input, now) → new state,
 * the timeline entries it adds and the messages it decides to send. No I/O, no clock: the service
 * loads, calls one of these, and stores the result in one transaction.
 */
import {
  CONTRACT_VERSION,
  type ChecklistProps,
  type ExposureSummary,
  type Severity,
  type StatusUpdate,
  type UserRef,
} from '@ci-exposure/contract';
import { escapeMarkdown } from '../markdown';
import type { ChecklistTemplate, IncidentKind } from './templates';

export type IncidentStatus = 'starting' | 'open' | 'closed';
export type IncidentTarget = { type: 'indicator'; id: string } | { type: 'component'; spec: string };

export interface MilestoneState {
  /** 1-based position in the checklist (what `check N` names). */
  position: number;
  id: string;
  title: string;
  /** Alphanumeric id of the attachment button that sets it (done or not done). */
  actionId: string;
  dueAt?: number;
  done: boolean;
  doneAt?: number;
  doneBy?: UserRef;
  assignee?: UserRef;
  notifiedAt?: number;
}

export interface Incident {
  id: string;
  teamId: string;
  channelId?: string;
  channelName?: string;
  name: string;
  kind: IncidentKind;
  target: IncidentTarget;
  severity: Severity;
  status: IncidentStatus;
  startedAt: number;
  closedAt?: number;
  closeSummary?: string;
  startedBy: UserRef;
  owner?: UserRef;
  checklistPostId?: string;
  lastUpdate?: StatusUpdate;
  exposure?: ExposureSummary;
  /** Incremented by every change; the checklist post is rendered from the latest revision. */
  revision: number;
  milestones: MilestoneState[];
}

export const TIMELINE_KINDS = ['start', 'check', 'uncheck', 'assign', 'owner', 'update', 'lookup', 'pin', 'overdue', 'close', 'error'] as const;
export type TimelineKind = (typeof TIMELINE_KINDS)[number];

export interface TimelineEntry {
  at: number;
  kind: TimelineKind;
  actor?: UserRef;
  /** Markdown-safe text (user strings already escaped). */
  text: string;
  /** Dedup key (e.g. the pinned post id). */
  ref?: string;
}

/** A message decided by a transition, sent afterwards through the outbox (retried until sent). */
export type OutboxMessage =
  | { kind: 'channel-post'; channelId: string; message: string }
  | { kind: 'dm'; userId: string; message: string }
  | { kind: 'stakeholder'; message: string };

export type Transition =
  | { ok: true; changed: boolean; incident: Incident; timeline: TimelineEntry[]; outbox: OutboxMessage[] }
  | { ok: false; reason: string };

function refuse(reason: string): Transition {
  return { ok: false, reason };
}

function unchanged(incident: Incident): Transition {
  return { ok: true, changed: false, incident, timeline: [], outbox: [] };
}

function changed(incident: Incident, timeline: TimelineEntry[], outbox: OutboxMessage[] = []): Transition {
  return { ok: true, changed: true, incident: { ...incident, revision: incident.revision + 1 }, timeline, outbox };
}

/** A mention of a user. Mattermost usernames are `[a-z0-9._-]`; anything else is escaped, not mentioned. */
export function who(user: UserRef): string {
  return /^[A-Za-z0-9._-]+$/.test(user.username) ? `@${user.username}` : escapeMarkdown(user.username);
}

export function targetLabel(target: IncidentTarget): string {
  return target.type === 'indicator' ? target.id : target.spec;
}

export interface NewIncidentInput {
  id: string;
  teamId: string;
  name: string;
  kind: IncidentKind;
  target: IncidentTarget;
  severity: Severity;
  startedBy: UserRef;
  template: ChecklistTemplate;
  now: number;
}

/** A new incident in state `starting` (its channel and post do not exist yet). */
export function newIncident(input: NewIncidentInput): { incident: Incident; timeline: TimelineEntry[] } {
  const milestones = input.template.milestones.map((m, index): MilestoneState => {
    const state: MilestoneState = {
      position: index + 1,
      id: m.id,
      title: m.title,
      actionId: `item${index + 1}`,
      done: false,
    };
    if (m.dueAfterMs !== undefined) state.dueAt = input.now + m.dueAfterMs;
    return state;
  });
  const incident: Incident = {
    id: input.id,
    teamId: input.teamId,
    name: input.name,
    kind: input.kind,
    target: input.target,
    severity: input.severity,
    status: 'starting',
    startedAt: input.now,
    startedBy: input.startedBy,
    owner: input.startedBy,
    revision: 1,
    milestones,
  };
  const text = `Incident started by ${who(input.startedBy)}: ${escapeMarkdown(input.name)} (${escapeMarkdown(targetLabel(input.target))}, severity ${input.severity})`;
  return { incident, timeline: [{ at: input.now, kind: 'start', actor: input.startedBy, text }] };
}

/** The stakeholder channel's notice of a new incident. */
export function startedMessage(incident: Incident, channelName: string): string {
  return `:rotating_light: Incident **${escapeMarkdown(incident.name)}** (severity ${incident.severity}) started by ${who(incident.startedBy)} — ~${channelName}`;
}

/** The incident's channel and checklist post exist: it is open. */
export function opened(incident: Incident, channel: { id: string; name: string }, checklistPostId: string | undefined): Incident {
  const next: Incident = { ...incident, channelId: channel.id, channelName: channel.name, status: incident.status === 'closed' ? 'closed' : 'open' };
  if (checklistPostId !== undefined) next.checklistPostId = checklistPostId;
  return next;
}

function milestoneAt(incident: Incident, position: number): MilestoneState | undefined {
  return incident.milestones.find((m) => m.position === position);
}

function ensureOpen(incident: Incident): string | undefined {
  if (incident.status === 'closed') return 'this incident is closed';
  return undefined;
}

function replaceMilestone(incident: Incident, next: MilestoneState): Incident {
  return { ...incident, milestones: incident.milestones.map((m) => (m.position === next.position ? next : m)) };
}

/** Marks milestone N done or not done. Setting the state it already has changes nothing. */
export function setMilestoneDone(incident: Incident, position: number, done: boolean, actor: UserRef, now: number): Transition {
  const closed = ensureOpen(incident);
  if (closed) return refuse(closed);
  const milestone = milestoneAt(incident, position);
  if (!milestone) return refuse(`there is no item ${position} (the checklist has ${incident.milestones.length})`);
  if (milestone.done === done) return unchanged(incident);
  const next: MilestoneState = { ...milestone, done };
  if (done) {
    next.doneAt = now;
    next.doneBy = actor;
  } else {
    delete next.doneAt;
    delete next.doneBy;
  }
  const verb = done ? 'checked' : 'unchecked';
  return changed(replaceMilestone(incident, next), [
    { at: now, kind: done ? 'check' : 'uncheck', actor, text: `${who(actor)} ${verb} ${position}. ${escapeMarkdown(milestone.title)}` },
  ]);
}

/** Flips milestone N (what a checklist button does). */
export function toggleMilestone(incident: Incident, position: number, actor: UserRef, now: number): Transition {
  const milestone = milestoneAt(incident, position);
  if (!milestone) return refuse(`there is no item ${position} (the checklist has ${incident.milestones.length})`);
  return setMilestoneDone(incident, position, !milestone.done, actor, now);
}

export function assignMilestone(incident: Incident, position: number, assignee: UserRef, actor: UserRef, now: number): Transition {
  const closed = ensureOpen(incident);
  if (closed) return refuse(closed);
  const milestone = milestoneAt(incident, position);
  if (!milestone) return refuse(`there is no item ${position} (the checklist has ${incident.milestones.length})`);
  if (milestone.assignee?.userId === assignee.userId) return unchanged(incident);
  return changed(replaceMilestone(incident, { ...milestone, assignee }), [
    { at: now, kind: 'assign', actor, text: `${who(actor)} assigned ${position}. ${escapeMarkdown(milestone.title)} to ${who(assignee)}` },
  ]);
}

export function setOwner(incident: Incident, owner: UserRef, actor: UserRef, now: number): Transition {
  const closed = ensureOpen(incident);
  if (closed) return refuse(closed);
  if (incident.owner?.userId === owner.userId) return unchanged(incident);
  return changed({ ...incident, owner }, [{ at: now, kind: 'owner', actor, text: `${who(actor)} made ${who(owner)} the owner` }]);
}

export function addStatusUpdate(incident: Incident, text: string, actor: UserRef, now: number): Transition {
  const closed = ensureOpen(incident);
  if (closed) return refuse(closed);
  const trimmed = text.trim();
  if (trimmed === '') return refuse('a status update needs some text: `update <text>`');
  const safe = escapeMarkdown(trimmed);
  const outbox: OutboxMessage[] = [
    { kind: 'stakeholder', message: `**${escapeMarkdown(incident.name)}** — status update by ${who(actor)}: ${safe}` },
  ];
  if (incident.channelId) {
    outbox.unshift({ kind: 'channel-post', channelId: incident.channelId, message: `**Status update** by ${who(actor)}: ${safe}` });
  }
  return changed({ ...incident, lastUpdate: { text: trimmed, at: now, by: actor } }, [
    { at: now, kind: 'update', actor, text: `${who(actor)} posted a status update: ${safe}` },
  ], outbox);
}

export function recordExposure(incident: Incident, exposure: ExposureSummary, text: string, now: number): Transition {
  return changed({ ...incident, exposure }, [{ at: now, kind: 'lookup', text }]);
}

export function closeIncident(incident: Incident, summary: string | undefined, actor: UserRef, now: number): Transition {
  const closed = ensureOpen(incident);
  if (closed) return refuse(closed);
  const next: Incident = { ...incident, status: 'closed', closedAt: now };
  const trimmed = summary?.trim();
  if (trimmed) next.closeSummary = trimmed;
  const suffix = trimmed ? `: ${escapeMarkdown(trimmed)}` : '';
  return changed(next, [{ at: now, kind: 'close', actor, text: `${who(actor)} closed the incident${suffix}` }], [
    { kind: 'stakeholder', message: `**${escapeMarkdown(incident.name)}** was closed by ${who(actor)}${suffix}` },
  ]);
}

/**
 * Milestones past their due time, not done and not yet notified: each gets one DM (to its assignee,
 * else the owner) and one channel post. `notifiedAt` is set in the same state so it happens once.
 */
export function markOverdue(incident: Incident, now: number): Transition {
  if (incident.status !== 'open' || !incident.channelId) return unchanged(incident);
  const due = incident.milestones.filter((m) => !m.done && m.dueAt !== undefined && m.dueAt <= now && m.notifiedAt === undefined);
  if (due.length === 0) return unchanged(incident);
  let next = incident;
  const timeline: TimelineEntry[] = [];
  const outbox: OutboxMessage[] = [];
  for (const m of due) {
    next = replaceMilestone(next, { ...m, notifiedAt: now });
    const recipient = m.assignee ?? incident.owner ?? incident.startedBy;
    const title = `${m.position}. ${escapeMarkdown(m.title)}`;
    outbox.push({
      kind: 'dm',
      userId: recipient.userId,
      message: `Milestone overdue in ~${incident.channelName ?? ''} (**${escapeMarkdown(incident.name)}**): ${title}`,
    });
    outbox.push({ kind: 'channel-post', channelId: incident.channelId, message: `:alarm_clock: Milestone overdue: ${title} (${who(recipient)})` });
    timeline.push({ at: now, kind: 'overdue', text: `Milestone overdue: ${title}; ${who(recipient)} notified` });
  }
  return changed(next, timeline, outbox);
}

export interface IncidentMetrics {
  timeToInitialAssessmentMs?: number;
  timeToCloseMs?: number;
  milestonesWithDue: number;
  onTime: number;
  late: number;
  pending: number;
}

export function incidentMetrics(incident: Incident, now: number): IncidentMetrics {
  const metrics: IncidentMetrics = { milestonesWithDue: 0, onTime: 0, late: 0, pending: 0 };
  const assessment = incident.milestones.find((m) => m.id === 'initial-assessment');
  if (assessment?.doneAt !== undefined) metrics.timeToInitialAssessmentMs = assessment.doneAt - incident.startedAt;
  if (incident.closedAt !== undefined) metrics.timeToCloseMs = incident.closedAt - incident.startedAt;
  for (const m of incident.milestones) {
    if (m.dueAt === undefined) continue;
    metrics.milestonesWithDue += 1;
    if (m.done && m.doneAt !== undefined) {
      if (m.doneAt <= m.dueAt) metrics.onTime += 1;
      else metrics.late += 1;
    } else if (now > m.dueAt) {
      metrics.late += 1;
    } else {
      metrics.pending += 1;
    }
  }
  return metrics;
}

/** The typed state carried in the checklist post's props (the contract shared with the webapp). */
export function toChecklistProps(incident: Incident): ChecklistProps {
  const props: ChecklistProps = {
    version: CONTRACT_VERSION,
    kind: 'checklist',
    incidentId: incident.id,
    name: incident.name,
    severity: incident.severity,
    status: incident.status === 'closed' ? 'closed' : 'open',
    startedAt: incident.startedAt,
    milestones: incident.milestones.map((m) => {
      const out: ChecklistProps['milestones'][number] = { id: m.id, title: m.title, done: m.done, actionId: m.actionId };
      if (m.doneAt !== undefined) out.doneAt = m.doneAt;
      if (m.doneBy) out.doneBy = m.doneBy;
      if (m.assignee) out.assignee = m.assignee;
      if (m.dueAt !== undefined) out.dueAt = m.dueAt;
      return out;
    }),
  };
  if (incident.closedAt !== undefined) props.closedAt = incident.closedAt;
  if (incident.owner) props.owner = incident.owner;
  if (incident.lastUpdate) props.lastUpdate = incident.lastUpdate;
  if (incident.exposure) props.exposure = incident.exposure;
  return props;
}

/** `inc-<yyyymmdd>-<slug>`: a valid Mattermost channel name (≤ 64 chars, `^[a-z0-9]+([a-z\-_0-9]+|(__)?)[a-z0-9]*$`). */
export function channelNameFor(name: string, now: number, suffix?: number): string {
  const d = new Date(now);
  const date = `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
  const tail = suffix === undefined ? '' : `-${suffix}`;
  const base = `inc-${date}-`;
  const room = 64 - base.length - tail.length;
  const slug =
    name
      .normalize('NFKD')
      .replace(/\p{M}+/gu, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, room)
      .replace(/-+$/g, '') || 'incident';
  return `${base}${slug}${tail}`;
}

export const CHANNEL_NAME_PATTERN = /^[a-z0-9]+([a-z\-_0-9]+|(__)?)[a-z0-9]*$/;

/**
 * The incident as data, and every change to it as a pure function: (state, input, now) → new state,
 * the timeline entries it adds and the messages it decides to send. No I/O, no clock: the service
 * loads, calls one of these, and stores the result in one transaction.
 */
import {
  CONTRACT_VERSION,
  type ChecklistProps,
  type EvidenceReading,
  type ExposureSummary,
  type Severity,
  type StatusUpdate,
  type SubItem as SubItemProps,
  type UserRef,
  type Verification,
} from '@ci-exposure/contract';
import { escapeMarkdown } from '../markdown';
import type { ChecklistTemplate, IncidentKind } from './templates';

export type IncidentStatus = 'starting' | 'open' | 'closed';
export type IncidentTarget = { type: 'indicator'; id: string } | { type: 'component'; spec: string };

/**
 * What a milestone and a sub-item share: their state and who or what set it. A tick is a person's
 * (`doneBy`) or the evidence's (`verified`: `verified by <source> at <time>`), never both. `evidence` is
 * the latest reading of the evidence, whether or not it changed the state; `override` says a person set
 * the state by hand, after which evidence no longer changes it (its readings are still recorded).
 */
export interface Checkable {
  done: boolean;
  doneAt?: number;
  doneBy?: UserRef;
  verified?: Verification;
  evidence?: EvidenceReading;
  override?: { by: UserRef; at: number };
}

/**
 * Where an exposed secret is stored, as far as the lookup can tell: a CircleCI context, a deployment
 * environment of a repository, a CircleCI / GitLab project's settings, every repository and organisation
 * secret (`secrets: inherit`), or — when the pipeline names a secret without saying where it lives —
 * `pipeline-config` (the repository's or its organisation's secret store). `organisation` and
 * `repository` are for evidence that knows (provider clients).
 */
export const SECRET_STORES = ['repository', 'organisation', 'environment', 'context', 'project', 'pipeline-config'] as const;
export type SecretStore = (typeof SECRET_STORES)[number];
/** The CI platform whose pipeline reads a secret (the engine's platform ids). */
export const SECRET_PLATFORMS = ['github-actions', 'circleci', 'gitlab-ci', 'jenkins'] as const;
export type SecretPlatform = (typeof SECRET_PLATFORMS)[number];
export interface SecretLocation {
  store: SecretStore;
  /** The environment or context name (nothing else). */
  scope?: string;
  /** The repository whose pipeline reads it (absent for an organisation-wide store such as a context). */
  repo?: string;
  /**
   * The platform whose pipeline reads it, which is the one that keeps `project` and `pipeline-config`
   * secrets (evidence/index.ts asks it). Absent: not known (sub-items of GitHub Actions stored before the
   * platform had a field of its own).
   */
  platform?: SecretPlatform;
}

/** What a repository's owners were last told by direct message (incidents/owners.ts), so that each news is told once. */
export interface OwnersTold {
  /** `exposed`: its findings; `fixed`: no longer exposed at its head. */
  state: 'exposed' | 'fixed';
  at: number;
  /** Who was told (the Mattermost users); the fixed notice goes to them. */
  users: UserRef[];
  /** The findings told, as `file`, job id and verdict (owners.ts `findingsKey`); a different key is news. */
  findings?: string;
}

export const SUB_ITEM_KINDS = ['repository', 'secret'] as const;
export type SubItemKind = (typeof SUB_ITEM_KINDS)[number];

/** One sub-item of a milestone: an affected repository, or an exposed secret where it is stored. */
export interface SubItem extends Checkable {
  /** Stable id: `repo:<repo>` or `secret:<store>:<scope>:<repo>:<name>`. */
  id: string;
  kind: SubItemKind;
  /** The repository, or the secret's name (raw: escaped when rendered). */
  label: string;
  where?: SecretLocation;
  /** CODEOWNERS owners of the repository (`@user`, `@org/team`, e-mail); absent when unknown. */
  owners?: string[];
  /** A repository's owners told by direct message (absent: nobody was told by this bridge's record). */
  told?: OwnersTold;
}

export interface MilestoneState extends Checkable {
  /** 1-based position in the checklist (what `check N` names). */
  position: number;
  id: string;
  title: string;
  /** Alphanumeric id of the attachment button that sets it (done or not done). */
  actionId: string;
  dueAt?: number;
  assignee?: UserRef;
  notifiedAt?: number;
  /** Sub-items (`check N.M`), in the order they were found; never removed. */
  items?: SubItem[];
}

/** What the lookups told about the incident (the initial lookup and every re-check). */
export interface IncidentEvidence {
  /** The latest answer: when, whether it was complete and if not why; the report post of the first one. */
  lookupAt: number;
  complete: boolean;
  incomplete: string[];
  reportPostId?: string;
  /** When the first complete answer came (the time to the answer in the final report). */
  firstCompleteAt?: number;
  /** When the latest re-check answered. */
  recheckedAt?: number;
  /** When a bridge last claimed a scheduled re-check (so that two bridges do not both run it). */
  recheckClaimedAt?: number;
  /** The latest run evidence per affected job (what a later answer's runs are compared with: timeline). */
  runs?: RunTally[];
}

/** One affected job's runs in the window as last read (incidents/evidence.ts `runChanges`). */
export interface RunTally {
  repo: string;
  file: string;
  job: string;
  state: 'ran' | 'not-run' | 'unavailable';
  count: number;
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
  evidence?: IncidentEvidence;
  /** Incremented by every change; the checklist post is rendered from the latest revision. */
  revision: number;
  milestones: MilestoneState[];
}

/**
 * `verify` / `unverify`: evidence ticked / un-ticked an item; `evidence`: a reading that changed no state
 * (a person's override holds, or the evidence cannot tell); `recheck`: a re-check ran.
 */
export const TIMELINE_KINDS = [
  'start',
  'check',
  'uncheck',
  'assign',
  'owner',
  'update',
  'lookup',
  'pin',
  'overdue',
  'close',
  'error',
  'verify',
  'unverify',
  'evidence',
  'recheck',
] as const;
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

export function refuse(reason: string): Transition {
  return { ok: false, reason };
}

export function unchanged(incident: Incident): Transition {
  return { ok: true, changed: false, incident, timeline: [], outbox: [] };
}

export function changed(incident: Incident, timeline: TimelineEntry[], outbox: OutboxMessage[] = []): Transition {
  return { ok: true, changed: true, incident: { ...incident, revision: incident.revision + 1 }, timeline, outbox };
}

/** A mention of a user. Mattermost usernames are `[a-z0-9._-]`; anything else is escaped, not mentioned. */
export function who(user: UserRef): string {
  return /^[A-Za-z0-9._-]+$/.test(user.username) ? `@${user.username}` : escapeMarkdown(user.username);
}

export function targetLabel(target: IncidentTarget): string {
  return target.type === 'indicator' ? target.id : target.spec;
}

/** `2026-11-26 12:03 UTC` */
export function formatUtc(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** `verified by exposure lookup at 2026-11-26 12:03 UTC` */
export function verifiedText(v: Verification): string {
  return `verified by ${escapeMarkdown(v.source)} at ${formatUtc(v.at)}`;
}

/** Who or what ticked it: `done by @bob`, `verified by re-check at …`, or undefined when not done. */
export function tickText(c: Checkable): string | undefined {
  if (!c.done) return undefined;
  if (c.verified) return verifiedText(c.verified);
  return c.doneBy ? `done by ${who(c.doneBy)}` : 'done';
}

/** A person sets the state by hand: their tick (or un-tick) overrides the evidence from now on. */
export function personMark<T extends Checkable>(entry: T, done: boolean, actor: UserRef, now: number): T {
  const next: T = { ...entry, done, override: { by: actor, at: now } };
  delete next.verified;
  if (done) {
    next.doneAt = now;
    next.doneBy = actor;
  } else {
    delete next.doneAt;
    delete next.doneBy;
  }
  return next;
}

/** The evidence sets the state (ticked: `verification`; un-ticked: none). */
export function evidenceMark<T extends Checkable>(entry: T, verification: Verification | undefined): T {
  const next: T = { ...entry, done: verification !== undefined };
  delete next.doneBy;
  if (verification) {
    next.doneAt = verification.at;
    next.verified = verification;
  } else {
    delete next.doneAt;
    delete next.verified;
  }
  return next;
}

/** What a person's change replaces, for the timeline: ` (it was verified by … at …)`. */
function replacedText(before: Checkable, done: boolean): string {
  if (!done && before.verified) return ` (it was ${verifiedText(before.verified)})`;
  if (done && before.evidence?.state === 'not-yet') return ` (the evidence says not yet: ${escapeMarkdown(before.evidence.reason ?? before.evidence.source)})`;
  return '';
}

/** `6.2 acme/web` / `7.1 NPM_TOKEN (pipeline config of acme/web)` */
export function itemTitle(position: number, index: number, item: SubItem): string {
  const where = item.where ? ` (${escapeMarkdown(whereText(item.where))})` : '';
  return `${position}.${index + 1} ${escapeMarkdown(item.label)}${where}`;
}

const PLATFORM_NAMES: Record<SecretPlatform, string> = { 'github-actions': 'GitHub', circleci: 'CircleCI', 'gitlab-ci': 'GitLab', jenkins: 'Jenkins' };

/**
 * `context deploy`, `environment prod of acme/web`, `pipeline config of acme/web`, `CircleCI project
 * settings of acme/app` (raw text): a store several platforms have names its platform, but GitHub's.
 */
export function whereText(w: SecretLocation): string {
  const of = w.repo === undefined ? '' : ` of ${w.repo}`;
  const platform = w.platform === undefined || w.platform === 'github-actions' ? '' : `${PLATFORM_NAMES[w.platform]} `;
  switch (w.store) {
    case 'context':
      return `CircleCI context ${w.scope ?? ''}`.trim();
    case 'environment':
      return `environment ${w.scope ?? ''}${of}`;
    case 'project':
      return `${platform}project settings${of}`;
    case 'repository':
      return `repository secrets${of}`;
    case 'organisation':
      return 'organisation secrets';
    case 'pipeline-config':
      return `${platform}pipeline config${of}`;
  }
}

/**
 * A milestone with sub-items follows them unless a person set it by hand: done when all are done —
 * ticked by what completed it (`by`) — and not done as soon as one is not.
 */
export function followItems(milestone: MilestoneState, by: { person: UserRef } | { verification: Verification }, now: number): { milestone: MilestoneState; entry?: TimelineEntry } {
  const items = milestone.items ?? [];
  if (items.length === 0 || milestone.override) return { milestone };
  const all = items.every((i) => i.done);
  if (all === milestone.done) return { milestone };
  const title = `${milestone.position}. ${escapeMarkdown(milestone.title)}`;
  if (!all) {
    const next = evidenceMark(milestone, undefined);
    return { milestone: next, entry: { at: now, kind: 'unverify', text: `${title} is not done any more: not all of its ${items.length} sub-items are done` } };
  }
  if ('person' in by) {
    const next: MilestoneState = { ...evidenceMark(milestone, undefined), done: true, doneAt: now, doneBy: by.person };
    return { milestone: next, entry: { at: now, kind: 'check', actor: by.person, text: `${title} is done: all ${items.length} sub-items are done (the last by ${who(by.person)})` } };
  }
  const next = evidenceMark(milestone, by.verification);
  return { milestone: next, entry: { at: now, kind: 'verify', text: `${title} verified by ${escapeMarkdown(by.verification.source)}: all ${items.length} sub-items are done` } };
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

export function milestoneAt(incident: Incident, position: number): MilestoneState | undefined {
  return incident.milestones.find((m) => m.position === position);
}

export function ensureOpen(incident: Incident): string | undefined {
  if (incident.status === 'closed') return 'this incident is closed';
  return undefined;
}

export function replaceMilestone(incident: Incident, next: MilestoneState): Incident {
  return { ...incident, milestones: incident.milestones.map((m) => (m.position === next.position ? next : m)) };
}

/** Marks milestone N done or not done. Setting the state it already has changes nothing. */
export function setMilestoneDone(incident: Incident, position: number, done: boolean, actor: UserRef, now: number): Transition {
  const closed = ensureOpen(incident);
  if (closed) return refuse(closed);
  const milestone = milestoneAt(incident, position);
  if (!milestone) return refuse(`there is no item ${position} (the checklist has ${incident.milestones.length})`);
  if (milestone.done === done) return unchanged(incident);
  const next = personMark(milestone, done, actor, now);
  const verb = done ? 'checked' : 'unchecked';
  return changed(replaceMilestone(incident, next), [
    { at: now, kind: done ? 'check' : 'uncheck', actor, text: `${who(actor)} ${verb} ${position}. ${escapeMarkdown(milestone.title)}${replacedText(milestone, done)}` },
  ]);
}

/** Marks sub-item `index` (0-based) of milestone N done or not done, by hand; the milestone follows its sub-items. */
export function setItemDone(incident: Incident, position: number, index: number, done: boolean, actor: UserRef, now: number): Transition {
  const closed = ensureOpen(incident);
  if (closed) return refuse(closed);
  const milestone = milestoneAt(incident, position);
  if (!milestone) return refuse(`there is no item ${position} (the checklist has ${incident.milestones.length})`);
  const items = milestone.items ?? [];
  const item = items[index];
  if (!item) return refuse(items.length === 0 ? `item ${position} has no sub-items` : `there is no item ${position}.${index + 1} (item ${position} has ${items.length} sub-items)`);
  if (item.done === done) return unchanged(incident);
  const nextItem = personMark(item, done, actor, now);
  const withItem: MilestoneState = { ...milestone, items: items.map((x, i) => (i === index ? nextItem : x)) };
  const verb = done ? 'checked' : 'unchecked';
  const timeline: TimelineEntry[] = [
    { at: now, kind: done ? 'check' : 'uncheck', actor, text: `${who(actor)} ${verb} ${itemTitle(position, index, item)}${replacedText(item, done)}` },
  ];
  const followed = followItems(withItem, { person: actor }, now);
  if (followed.entry) timeline.push(followed.entry);
  return changed(replaceMilestone(incident, followed.milestone), timeline);
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
  /** Who ticked the initial assessment: a person or the evidence (the lookup's complete answer). */
  initialAssessmentBy?: 'person' | 'evidence';
  /** What the checklist allowed people for the initial assessment (its due offset). */
  initialAssessmentDueAfterMs?: number;
  /** From the start to the lookup's first complete answer. */
  timeToCompleteAnswerMs?: number;
  timeToCloseMs?: number;
  milestonesWithDue: number;
  onTime: number;
  late: number;
  pending: number;
}

export function incidentMetrics(incident: Incident, now: number): IncidentMetrics {
  const metrics: IncidentMetrics = { milestonesWithDue: 0, onTime: 0, late: 0, pending: 0 };
  const assessment = incident.milestones.find((m) => m.id === 'initial-assessment');
  if (assessment?.done && assessment.doneAt !== undefined) {
    metrics.timeToInitialAssessmentMs = assessment.doneAt - incident.startedAt;
    metrics.initialAssessmentBy = assessment.verified ? 'evidence' : 'person';
  }
  if (assessment?.dueAt !== undefined) metrics.initialAssessmentDueAfterMs = assessment.dueAt - incident.startedAt;
  if (incident.evidence?.firstCompleteAt !== undefined) metrics.timeToCompleteAnswerMs = incident.evidence.firstCompleteAt - incident.startedAt;
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

/** Action id of the checklist post's Re-check button. */
export const RECHECK_ACTION_ID = 'recheck';

function checkableProps(c: Checkable): Pick<SubItemProps, 'doneAt' | 'doneBy' | 'verified' | 'evidence' | 'override'> {
  const out: Pick<SubItemProps, 'doneAt' | 'doneBy' | 'verified' | 'evidence' | 'override'> = {};
  if (c.done && c.doneAt !== undefined) out.doneAt = c.doneAt;
  if (c.done && c.doneBy) out.doneBy = c.doneBy;
  if (c.done && c.verified) out.verified = c.verified;
  if (c.evidence) out.evidence = c.evidence;
  if (c.override) out.override = c.override;
  return out;
}

export function subItemProps(item: SubItem): SubItemProps {
  const out: SubItemProps = { id: item.id, kind: item.kind, label: item.label, done: item.done, ...checkableProps(item) };
  if (item.where) out.where = whereText(item.where);
  if (item.owners) out.owners = item.owners;
  return out;
}

/**
 * The typed state carried in the checklist post's props (the contract shared with the webapp), every
 * sub-item included (the post trims them to fit: mattermost/checklist-post.ts).
 */
export function toChecklistProps(incident: Incident, options: { recheckMinutes?: number } = {}): ChecklistProps {
  const props: ChecklistProps = {
    version: CONTRACT_VERSION,
    kind: 'checklist',
    incidentId: incident.id,
    name: incident.name,
    severity: incident.severity,
    status: incident.status === 'closed' ? 'closed' : 'open',
    startedAt: incident.startedAt,
    milestones: incident.milestones.map((m) => {
      const out: ChecklistProps['milestones'][number] = { id: m.id, title: m.title, done: m.done, actionId: m.actionId, ...checkableProps(m) };
      if (m.assignee) out.assignee = m.assignee;
      if (m.dueAt !== undefined) out.dueAt = m.dueAt;
      if (m.items && m.items.length > 0) {
        out.items = m.items.map(subItemProps);
        out.itemsTotal = m.items.length;
        out.itemsDone = m.items.filter((i) => i.done).length;
      }
      return out;
    }),
  };
  if (incident.closedAt !== undefined) props.closedAt = incident.closedAt;
  if (incident.owner) props.owner = incident.owner;
  if (incident.lastUpdate) props.lastUpdate = incident.lastUpdate;
  if (incident.exposure) props.exposure = incident.exposure;
  const e = incident.evidence;
  const schedule = options.recheckMinutes !== undefined && options.recheckMinutes > 0 && incident.status !== 'closed' ? { recheckMinutes: options.recheckMinutes } : {};
  if (e) {
    props.evidence = {
      lookupAt: e.lookupAt,
      complete: e.complete,
      incomplete: e.incomplete,
      ...(e.reportPostId === undefined ? {} : { reportPostId: e.reportPostId }),
      ...(e.firstCompleteAt === undefined ? {} : { firstCompleteAt: e.firstCompleteAt }),
      ...(e.recheckedAt === undefined ? {} : { recheckedAt: e.recheckedAt }),
      ...schedule,
    };
  } else if (schedule.recheckMinutes !== undefined) {
    props.evidence = schedule;
  }
  if (incident.status !== 'closed') props.recheckActionId = RECHECK_ACTION_ID;
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

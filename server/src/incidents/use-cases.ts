/**
 * The use cases of the bridge, over ports it owns: the store (state, one transaction per change), the
 * chat (ports.ts), the exposure lookup, the checklist view and the outbox. Each returns a result as
 * data; mattermost/replies.ts turns results into what the user reads. Long work (the lookup) goes on
 * in the background and reports in the incident channel.
 */
import { randomBytes } from 'node:crypto';
import type { EvidenceReading, Severity, UserRef } from '@ci-exposure/contract';
import { escapeMarkdown } from '../markdown';
import type { Store, StoredTimelineEntry } from '../store/store';
import type { Logger } from '../logger';
import { claimRecheck, LOOKUP_SOURCE, recordLookup, RECHECK_SOURCE, secretItemId, secretsToRead } from './evidence';
import type { LookupEvidence, LookupPort, LookupResult, LookupTargetInfo } from './lookup';
import { storeRunLogs } from './run-logs';
import { doneLine, failedLine, ProgressPost } from './lookup-progress';
import {
  addStatusUpdate,
  assignMilestone,
  channelNameFor,
  closeIncident,
  formatUtc,
  newIncident,
  opened,
  setItemDone,
  setMilestoneDone,
  setOwner,
  startedMessage,
  targetLabel,
  who,
  type Incident,
  type TimelineEntry,
  type Transition,
} from './model';
import { ChatError, type ChecklistView, type EvidencePort, type IncidentChat } from './ports';
import type { ChecklistTemplate, IncidentKind } from './templates';

export interface Caller {
  userId: string;
  username: string;
  teamId: string;
  channelId: string;
}

export interface UseCaseSettings {
  securityTeam: string[];
  startUsers: string[];
  startTeams: string[];
  /** The checklist of an incident kind (built from the configuration's overrides). */
  template: (kind: IncidentKind) => ChecklistTemplate;
}

export interface UseCaseDeps {
  store: Store;
  chat: IncidentChat;
  lookup: LookupPort;
  /** Evidence from the CI platforms (secrets rotated); absent: those sub-items are manual. */
  evidence?: EvidencePort | undefined;
  view: ChecklistView;
  /** Sends what the outbox holds now (after a change that queued messages). */
  kickOutbox: () => void;
  clock: () => number;
  logger: Logger;
  settings: UseCaseSettings;
  onIncident?: (event: 'started' | 'closed' | 'failed') => void;
  /** Least time between edits of a lookup's progress post (ms, default 3 s). */
  progressIntervalMs?: number;
  /** Keeps track of background work (so shutdown can wait for it). */
  background: (task: Promise<unknown>) => void;
}

export type SetupProblem = { kind: 'unknown-user'; username: string } | { kind: 'not-added'; username: string; error: string };

export type StartOutcome =
  | { kind: 'started'; incident: Incident; channelName: string }
  | { kind: 'no-team' }
  | { kind: 'not-allowed' }
  | { kind: 'failed'; error: string };

/** `item` is the milestone's number; `sub` (1-based) one of its sub-items (`check 6.2`). */
export type ChangeRequest =
  | { kind: 'check'; item: number; sub?: number }
  | { kind: 'uncheck'; item: number; sub?: number }
  | { kind: 'assign'; item: number; username: string }
  | { kind: 'owner'; username: string }
  | { kind: 'update'; text: string };

export type ChangeOutcome =
  | { kind: 'changed'; incident: Incident; request: ChangeRequest; user?: UserRef }
  | { kind: 'unchanged'; incident: Incident; request: ChangeRequest; user?: UserRef }
  | { kind: 'refused'; reason: string }
  | { kind: 'not-member' }
  | { kind: 'no-incident' }
  | { kind: 'unknown-user'; username: string }
  | { kind: 'user-not-in-channel'; username: string };

/** What a checklist button asks for: its target state, never a toggle (a retried click is a no-op). */
export interface ButtonRequest {
  incidentId: string;
  milestoneId: string;
  op: 'check' | 'uncheck';
  /** Where the signed context says the button is, and where the click came from. */
  signedChannelId: string;
  channelId: string | undefined;
  postId: string | undefined;
}

export type ButtonOutcome = ChangeOutcome | { kind: 'wrong-place' } | { kind: 'no-item' };

/**
 * A re-check's result: the timeline entries it added (what changed, Markdown-safe), or why none ran.
 * `running`: the answer did not come within the wait (a button click), it goes on in the background.
 */
export type RecheckOutcome =
  | { kind: 'rechecked'; incident: Incident; entries: TimelineEntry[]; complete: boolean }
  | { kind: 'running' }
  | { kind: 'failed'; error: string }
  | { kind: 'refused'; reason: string }
  | { kind: 'not-member' }
  | { kind: 'no-incident' }
  | { kind: 'wrong-place' };

export interface RecheckButtonRequest {
  incidentId: string;
  signedChannelId: string;
  channelId: string | undefined;
  postId: string | undefined;
}

export type CloseOutcome =
  | { kind: 'closed'; incident: Incident; reportError?: string }
  | { kind: 'refused'; reason: string }
  | { kind: 'not-member' }
  | { kind: 'no-incident' };

/** A chat error as a short, Markdown-safe phrase (for the timeline and the user). */
export function describeError(err: unknown): string {
  if (err instanceof ChatError) return `Mattermost answered ${err.status === 0 ? 'with a network error' : `HTTP ${err.status}`}${err.code ? ` (${err.code})` : ''}`;
  return err instanceof Error ? escapeMarkdown(err.message) : 'unexpected error';
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Waits for `promise`, but not longer than `ms`. */
async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

export class IncidentUseCases {
  constructor(private readonly deps: UseCaseDeps) {}

  incidentOfChannel(channelId: string): Promise<Incident | undefined> {
    return this.deps.store.getIncidentByChannel(channelId);
  }

  timeline(incidentId: string): Promise<StoredTimelineEntry[]> {
    return this.deps.store.timeline(incidentId);
  }

  /** Open incidents whose channel the caller is a member of. */
  async visibleOpen(userId: string): Promise<Incident[]> {
    const visible: Incident[] = [];
    for (const i of await this.deps.store.listIncidents('open')) {
      if (i.channelId && (await this.deps.chat.isChannelMember(i.channelId, userId))) visible.push(i);
    }
    return visible;
  }

  scan(info: LookupTargetInfo): Promise<LookupResult> {
    return this.deps.lookup.run(info.target);
  }

  // ───────────────────────── start ─────────────────────────

  async mayStart(caller: Caller): Promise<boolean> {
    const { startUsers, startTeams } = this.deps.settings;
    if (startUsers.length === 0 && startTeams.length === 0) return true;
    if (startUsers.map((u) => u.toLowerCase()).includes(caller.username.toLowerCase())) return true;
    for (const name of startTeams) {
      if (await this.deps.chat.isTeamMember(name, caller.userId)) return true;
    }
    return false;
  }

  async start(caller: Caller, info: LookupTargetInfo, title: string, severity: Severity): Promise<StartOutcome> {
    if (caller.teamId === '') return { kind: 'no-team' };
    if (!(await this.mayStart(caller))) return { kind: 'not-allowed' };
    const now = this.deps.clock();
    const starter: UserRef = { userId: caller.userId, username: caller.username };
    const { incident, timeline } = newIncident({
      id: randomBytes(13).toString('hex'),
      teamId: caller.teamId,
      name: title.trim().slice(0, 200) || info.title,
      kind: info.kind,
      target: info.target,
      severity,
      startedBy: starter,
      template: this.deps.settings.template(info.kind),
      now,
    });
    await this.deps.store.insertIncident(incident, timeline);
    try {
      const channel = await this.createChannel(incident, now);
      const withChannel = await this.deps.store.update(incident.id, (i) => opened(i, channel, undefined));
      const problems = await this.addMembers(channel.id, caller.userId);
      const postId = await this.deps.chat.createChecklistPost(withChannel, now);
      // Commands in the new channel may have changed the incident meanwhile: only the post id is set here.
      const current = await this.deps.store.update(incident.id, (i) => opened(i, channel, postId));
      // The post was rendered from the state at creation; anything changed since is patched in.
      if (current.revision !== withChannel.revision) void this.deps.view.refresh(current.id);
      await this.deps.chat.pin(postId);
      if (problems.length > 0) await this.deps.chat.notice(channel.id, setupProblemsText(problems));
      await this.deps.store.enqueue(incident.id, [{ kind: 'stakeholder', message: startedMessage(current, channel.name) }], now);
      this.deps.kickOutbox();
      this.deps.onIncident?.('started');
      this.deps.background(this.runLookup(current.id));
      return { kind: 'started', incident: current, channelName: channel.name };
    } catch (err) {
      this.deps.onIncident?.('failed');
      this.deps.logger.error({ incidentId: incident.id, error: messageOf(err) }, 'incident start failed');
      const stored = await this.deps.store.getIncident(incident.id);
      if (stored) {
        // Not left half-started: it is closed with the reason, so `list` and reminders ignore it.
        const reason = `start failed: ${messageOf(err)}`.slice(0, 500);
        await this.deps.store.update(incident.id, (i) => ({ ...i, status: 'closed', closedAt: this.deps.clock(), closeSummary: reason, revision: i.revision + 1 }));
      }
      if (stored?.channelId) {
        await this.deps.chat.notice(stored.channelId, `:warning: Setting up this incident failed: ${describeError(err)}.`).catch(() => undefined);
      }
      return { kind: 'failed', error: describeError(err) };
    }
  }

  private async createChannel(incident: Incident, now: number): Promise<{ id: string; name: string }> {
    const header = `CI exposure incident · ${escapeMarkdown(targetLabel(incident.target))} · severity ${incident.severity}`.slice(0, 1024);
    for (let attempt = 1; attempt <= 50; attempt++) {
      const name = channelNameFor(incident.name, now, attempt === 1 ? undefined : attempt);
      const channel = await this.deps.chat.createPrivateChannel({
        teamId: incident.teamId,
        name,
        displayName: [...incident.name].slice(0, 64).join('').trim() || name,
        purpose: `Coordination of the CI supply-chain incident ${targetLabel(incident.target)}`.slice(0, 250),
        header,
      });
      if (channel) return channel;
    }
    throw new Error('no free channel name for this incident (50 tried)');
  }

  private async addMembers(channelId: string, starterId: string): Promise<SetupProblem[]> {
    const problems: SetupProblem[] = [];
    await this.deps.chat.addToChannel(channelId, starterId);
    for (const username of this.deps.settings.securityTeam) {
      const user = await this.deps.chat.findUser(username);
      if (!user) {
        problems.push({ kind: 'unknown-user', username });
        continue;
      }
      if (user.id === starterId) continue;
      try {
        await this.deps.chat.addToChannel(channelId, user.id);
      } catch (err) {
        problems.push({ kind: 'not-added', username: user.username, error: describeError(err) });
      }
    }
    return problems;
  }

  // ───────────────────────── lookup ─────────────────────────

  async runLookup(incidentId: string): Promise<void> {
    const incident = await this.deps.store.getIncident(incidentId);
    if (!incident?.channelId) return;
    const channelId = incident.channelId;
    let result: LookupResult;
    // One progress post in the channel, edited as the lookup goes (at most every 3 s), then done / failed.
    const progress = new ProgressPost({
      send: (text, last) => this.deps.chat.progress(incident, text, last),
      clock: this.deps.clock,
      ...(this.deps.progressIntervalMs === undefined ? {} : { intervalMs: this.deps.progressIntervalMs }),
      onError: (err) => this.deps.logger.warn({ incidentId, error: messageOf(err) }, 'lookup progress post failed'),
    });
    progress.begin();
    try {
      await new Promise((r) => setImmediate(r));
      result = await this.deps.lookup.run(incident.target, { onProgress: (p) => progress.update(p) });
    } catch (err) {
      await progress.finish(failedLine(progress.elapsed(), describeError(err)));
      await this.recordFailure(incidentId, channelId, `The exposure lookup failed: ${describeError(err)}`);
      return;
    }
    await progress.finish(doneLine(progress.elapsed(), result.summary.repos, result.partial));
    try {
      const reportPostId = await this.deps.chat.postReport(incident, result);
      const readings = await this.secretReadings(incident, result.evidence);
      const at = this.deps.clock();
      await this.deps.store.apply(incidentId, (i) =>
        recordLookup(i, { at, source: LOOKUP_SOURCE, summary: result.summary, summaryText: lookupText(result), evidence: result.evidence, reportPostId, secretReadings: readings }),
      );
      await this.keepRunLogs(incidentId, result, at);
      this.deps.kickOutbox();
      await this.deps.view.refresh(incidentId);
    } catch (err) {
      this.deps.logger.error({ incidentId, error: messageOf(err) }, 'report post failed');
      await this.recordFailure(incidentId, channelId, `The exposure report could not be posted: ${describeError(err)}`);
    }
  }

  /**
   * Keeps what the lookup's run evidence read of job logs (hash, read time, matched lines) and says in the
   * timeline when a log read before is already gone. A store failure is logged: the lookup stands.
   */
  private async keepRunLogs(incidentId: string, result: LookupResult, at: number): Promise<void> {
    if (!result.runLogs) return;
    try {
      await storeRunLogs(this.deps.store, incidentId, result.runLogs, at);
    } catch (err) {
      this.deps.logger.error({ incidentId, error: messageOf(err) }, 'run log readings not stored');
    }
  }

  /** What the platforms say about each exposed secret (EvidencePort); nothing without a port (manual). */
  private async secretReadings(incident: Incident, evidence: LookupEvidence | undefined): Promise<Record<string, EvidenceReading>> {
    const port = this.deps.evidence;
    if (!port) return {};
    const readings: Record<string, EvidenceReading> = {};
    for (const secret of secretsToRead(incident, evidence)) {
      const at = this.deps.clock();
      try {
        const e = await port.secretRotatedSince(secret, incident.startedAt);
        readings[secretItemId(secret)] =
          e.state === 'verified'
            ? { state: 'verified', source: e.source, at, reason: `changed ${formatUtc(e.changedAt)}, after the incident started` }
            : e.state === 'not-yet'
              ? { state: 'not-yet', source: e.source, at, reason: e.changedAt === undefined ? 'not changed since the incident started' : `last changed ${formatUtc(e.changedAt)}, before the incident started` }
              : { state: 'unknown', source: e.source, at, reason: e.reason };
      } catch (err) {
        readings[secretItemId(secret)] = { state: 'unknown', source: 'platform evidence', at, reason: `the platform could not be asked: ${messageOf(err)}`.slice(0, 300) };
      }
    }
    return readings;
  }

  // ───────────────────────── re-check ─────────────────────────

  private readonly rechecks = new Map<string, Promise<RecheckOutcome>>();

  /**
   * Runs the lookup again for the incident's target over the current heads and applies what it says
   * (`by`: the person who asked; undefined: the schedule). One re-check per incident at a time: a second
   * request joins the running one.
   */
  recheckNow(incidentId: string, by: UserRef | undefined): Promise<RecheckOutcome> {
    const running = this.rechecks.get(incidentId);
    if (running) return running;
    const task = this.runRecheck(incidentId, by).finally(() => this.rechecks.delete(incidentId));
    this.rechecks.set(incidentId, task);
    return task;
  }

  private async runRecheck(incidentId: string, by: UserRef | undefined): Promise<RecheckOutcome> {
    const incident = await this.deps.store.getIncident(incidentId);
    if (!incident) return { kind: 'no-incident' };
    if (incident.status === 'closed') return { kind: 'refused', reason: 'this incident is closed' };
    let result: LookupResult;
    try {
      // What is exposed now: today's heads, not the versions live during the window.
      result = await this.deps.lookup.run(incident.target, { headsOnly: true });
    } catch (err) {
      const error = describeError(err);
      const text = `Re-check ${by ? `by ${who(by)}` : '(scheduled)'} failed: the exposure lookup failed: ${error}`;
      await this.deps.store.appendTimeline(incidentId, [{ at: this.deps.clock(), kind: 'error', text, ...(by ? { actor: by } : {}) }]);
      return { kind: 'failed', error };
    }
    const readings = await this.secretReadings(incident, result.evidence);
    const at = this.deps.clock();
    const t = await this.deps.store.apply(incidentId, (i) =>
      recordLookup(i, { at, source: RECHECK_SOURCE, summary: result.summary, summaryText: lookupText(result), evidence: result.evidence, secretReadings: readings, recheck: { by } }),
    );
    if (!t.ok) return { kind: 'refused', reason: t.reason };
    await this.keepRunLogs(incidentId, result, at);
    if (t.outbox.length > 0) this.deps.kickOutbox();
    if (t.changed) await this.deps.view.refresh(incidentId);
    return { kind: 'rechecked', incident: t.incident, entries: t.timeline.filter((e) => e.kind !== 'recheck'), complete: result.evidence?.complete ?? false };
  }

  /** `/ci-exposure recheck` in the incident channel: members only. */
  async recheck(caller: Caller, incidentId: string): Promise<RecheckOutcome> {
    const incident = await this.deps.store.getIncident(incidentId);
    if (!incident) return { kind: 'no-incident' };
    if (incident.channelId && !(await this.deps.chat.isChannelMember(incident.channelId, caller.userId))) return { kind: 'not-member' };
    return this.recheckNow(incidentId, { userId: caller.userId, username: caller.username });
  }

  /** The checklist post's Re-check button: bound to its channel and post as the milestone buttons are. */
  async recheckButton(user: UserRef, request: RecheckButtonRequest, waitMs = 10_000): Promise<RecheckOutcome> {
    const incident = await this.deps.store.getIncident(request.incidentId);
    if (!incident?.channelId) return { kind: 'no-incident' };
    if (
      request.signedChannelId !== incident.channelId ||
      request.channelId !== incident.channelId ||
      incident.checklistPostId === undefined ||
      request.postId !== incident.checklistPostId
    ) {
      return { kind: 'wrong-place' };
    }
    if (!(await this.deps.chat.isChannelMember(incident.channelId, user.userId))) return { kind: 'not-member' };
    const task = this.recheckNow(incident.id, user);
    this.deps.background(task);
    // Mattermost waits 30 s at most for a click: a long lookup answers "running" and goes on.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<RecheckOutcome>((r) => (timer = setTimeout(() => r({ kind: 'running' }), waitMs)));
    const outcome = await Promise.race([task, late]);
    clearTimeout(timer);
    return outcome;
  }

  /**
   * The schedule: every open incident whose latest answer is `intervalMs` old is re-checked, each claimed
   * first in the store (of two bridges, one runs it). Resolves when those re-checks are done.
   */
  async scheduledRechecks(intervalMs: number): Promise<number> {
    let ran = 0;
    for (const incident of await this.deps.store.listIncidents('open')) {
      const t = await this.deps.store.apply(incident.id, (i) => claimRecheck(i, this.deps.clock(), intervalMs));
      if (!t.ok || !t.changed) continue;
      ran += 1;
      const outcome = await this.recheckNow(incident.id, undefined);
      if (outcome.kind === 'failed') this.deps.logger.warn({ incidentId: incident.id, error: outcome.error }, 'scheduled re-check failed');
    }
    return ran;
  }

  private async recordFailure(incidentId: string, channelId: string, text: string): Promise<void> {
    const now = this.deps.clock();
    await this.deps.store.appendTimeline(incidentId, [{ at: now, kind: 'error', text }]);
    await this.deps.store.enqueue(incidentId, [{ kind: 'channel-post', channelId, message: `:warning: ${text}` }], now);
    this.deps.kickOutbox();
  }

  // ───────────────────────── changes ─────────────────────────

  /** A change asked for by a slash command in the incident channel: members of the channel only. */
  async change(caller: Caller, incidentId: string, request: ChangeRequest): Promise<ChangeOutcome> {
    const incident = await this.deps.store.getIncident(incidentId);
    if (!incident) return { kind: 'no-incident' };
    if (incident.channelId && !(await this.deps.chat.isChannelMember(incident.channelId, caller.userId))) return { kind: 'not-member' };
    const actor: UserRef = { userId: caller.userId, username: caller.username };
    const now = this.deps.clock();
    switch (request.kind) {
      case 'check':
      case 'uncheck': {
        const done = request.kind === 'check';
        const sub = request.sub;
        return this.applyChange(incidentId, request, (i) => (sub === undefined ? setMilestoneDone(i, request.item, done, actor, now) : setItemDone(i, request.item, sub - 1, done, actor, now)));
      }
      case 'assign':
      case 'owner': {
        const user = await this.memberByUsername(incident, request.username);
        if (user.kind !== 'ok') return user.outcome;
        const target = user.user;
        return this.applyChange(
          incidentId,
          request,
          (i) => (request.kind === 'assign' ? assignMilestone(i, request.item, target, actor, now) : setOwner(i, target, actor, now)),
          target,
        );
      }
      case 'update':
        return this.applyChange(incidentId, request, (i) => addStatusUpdate(i, request.text, actor, now));
    }
  }

  /**
   * A checklist button. The context was verified; it names the incident's channel, and the click must
   * come from that channel and from the incident's checklist post (a context replayed elsewhere is
   * refused); the user must be a member of the channel. The button sets its target state.
   */
  async button(user: UserRef, request: ButtonRequest): Promise<ButtonOutcome> {
    const incident = await this.deps.store.getIncident(request.incidentId);
    if (!incident?.channelId) return { kind: 'no-incident' };
    if (
      request.signedChannelId !== incident.channelId ||
      request.channelId !== incident.channelId ||
      incident.checklistPostId === undefined ||
      request.postId !== incident.checklistPostId
    ) {
      return { kind: 'wrong-place' };
    }
    if (!(await this.deps.chat.isChannelMember(incident.channelId, user.userId))) return { kind: 'not-member' };
    const milestone = incident.milestones.find((m) => m.id === request.milestoneId);
    if (!milestone) return { kind: 'no-item' };
    const now = this.deps.clock();
    const change: ChangeRequest = { kind: request.op, item: milestone.position };
    return this.applyChange(
      request.incidentId,
      change,
      (i) => {
        const m = i.milestones.find((x) => x.id === request.milestoneId);
        if (!m) return { ok: false, reason: 'this checklist item no longer exists' } satisfies Transition;
        return setMilestoneDone(i, m.position, request.op === 'check', user, now);
      },
      undefined,
      5000,
    );
  }

  private async applyChange(incidentId: string, request: ChangeRequest, transition: (i: Incident) => Transition, user?: UserRef, waitMs?: number): Promise<ChangeOutcome> {
    const t = await this.deps.store.apply(incidentId, transition);
    if (!t.ok) return { kind: 'refused', reason: t.reason };
    const withUser = user ? { user } : {};
    if (!t.changed) return { kind: 'unchanged', incident: t.incident, request, ...withUser };
    if (t.outbox.length > 0) this.deps.kickOutbox();
    // Answer once the post shows it — or after a few seconds (Mattermost waits 30 s at most for a click).
    if (waitMs !== undefined) await within(this.deps.view.refresh(incidentId), waitMs);
    else await this.deps.view.refresh(incidentId);
    return { kind: 'changed', incident: t.incident, request, ...withUser };
  }

  private async memberByUsername(
    incident: Incident,
    username: string,
  ): Promise<{ kind: 'ok'; user: UserRef } | { kind: 'no'; outcome: ChangeOutcome }> {
    const user = await this.deps.chat.findUser(username);
    if (!user) return { kind: 'no', outcome: { kind: 'unknown-user', username } };
    if (!incident.channelId || !(await this.deps.chat.isChannelMember(incident.channelId, user.id))) {
      return { kind: 'no', outcome: { kind: 'user-not-in-channel', username: user.username } };
    }
    return { kind: 'ok', user: { userId: user.id, username: user.username } };
  }

  // ───────────────────────── close ─────────────────────────

  async close(caller: Caller, incidentId: string, summary: string | undefined): Promise<CloseOutcome> {
    const incident = await this.deps.store.getIncident(incidentId);
    if (!incident) return { kind: 'no-incident' };
    if (incident.channelId && !(await this.deps.chat.isChannelMember(incident.channelId, caller.userId))) return { kind: 'not-member' };
    const now = this.deps.clock();
    const actor: UserRef = { userId: caller.userId, username: caller.username };
    const t = await this.deps.store.apply(incidentId, (i) => closeIncident(i, summary, actor, now));
    if (!t.ok) return { kind: 'refused', reason: t.reason };
    this.deps.kickOutbox();
    this.deps.onIncident?.('closed');
    await this.deps.view.refresh(incidentId);
    const closed = t.incident;
    if (!closed.channelId) return { kind: 'closed', incident: closed };
    try {
      await this.deps.chat.postFinalReport(closed, await this.deps.store.timeline(incidentId), now);
      return { kind: 'closed', incident: closed };
    } catch (err) {
      return { kind: 'closed', incident: closed, reportError: describeError(err) };
    }
  }
}

function lookupText(result: LookupResult): string {
  const s = result.summary;
  const text = `Exposure lookup: ${s.affected} affected job(s) in ${s.repos} repositories (critical ${s.byVerdict.critical}, high ${s.byVerdict.high}${s.byVerdict['not-run'] ? `, not run ${s.byVerdict['not-run']}` : ''}), ${s.unresolved} unresolved`;
  const e = result.evidence;
  if (!e) return text;
  return e.complete ? `${text}; complete answer` : `${text}; incomplete: ${escapeMarkdown(e.incomplete.join('; '))}`;
}

function setupProblemsText(problems: SetupProblem[]): string {
  const parts = problems.map((p) =>
    p.kind === 'unknown-user' ? `Security team member ${escapeMarkdown(p.username)} does not exist.` : `Could not add @${p.username}: ${p.error}.`,
  );
  return `:warning: ${parts.join(' ')}`;
}

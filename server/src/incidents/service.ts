/**
 * The use cases of the bridge, over ports: the store (state, one transaction per change), Mattermost
 * (the bot's REST client), the exposure lookup, the checklist post synchroniser and the notifier.
 * Every method answers with the text for the caller; long work (the lookup) goes on in the background
 * and reports in the incident channel.
 */
import { randomBytes } from 'node:crypto';
import { POST_TYPE_REPORT, PROPS_KEY, SEVERITIES, type ReportProps, type Severity, type UserRef } from '../contract';
import type { Logger } from '../logger';
import { renderChecklistMessage, renderChecklistPost, formatDuration, formatTime } from '../mattermost/checklist-post';
import { MattermostError, type MattermostClient } from '../mattermost/client';
import { codeSpan, escapeMarkdown } from '../mattermost/escape';
import { signDialogState, verifyDialogState } from '../mattermost/signing';
import type { SlashCommand } from '../mattermost/slash';
import { USAGE } from '../mattermost/slash';
import type { ChecklistSync } from '../mattermost/checklist-sync';
import type { Store, StoredTimelineEntry } from '../store/sqlite';
import type { LookupPort, LookupResult, LookupTargetInfo } from './lookup';
import {
  addStatusUpdate,
  assignMilestone,
  channelNameFor,
  closeIncident,
  incidentMetrics,
  newIncident,
  opened,
  recordExposure,
  setMilestoneDone,
  setOwner,
  targetLabel,
  toggleMilestone,
  who,
  type Incident,
  type Transition,
} from './model';
import { templateFor } from './templates';

export type ChatPort = Pick<
  MattermostClient,
  | 'createChannel'
  | 'addToChannel'
  | 'isChannelMember'
  | 'createPost'
  | 'patchPost'
  | 'pinPost'
  | 'uploadFile'
  | 'findUserByUsername'
  | 'getTeamByName'
  | 'isTeamMember'
  | 'openDialog'
  | 'getUser'
>;

export interface Caller {
  userId: string;
  username: string;
  teamId: string;
  channelId: string;
  triggerId?: string;
}

export interface ServiceSettings {
  securityTeam: string[];
  startUsers: string[];
  startTeams: string[];
  actionUrl: string;
  dialogUrl: string;
  secret: Buffer;
}

export interface ServiceDeps {
  store: Store;
  chat: ChatPort;
  lookup: LookupPort;
  sync: ChecklistSync;
  /** Sends what the outbox holds now (after a change that queued messages). */
  kickOutbox: () => void;
  clock: () => number;
  logger: Logger;
  settings: ServiceSettings;
  onIncident?: (event: 'started' | 'closed' | 'failed') => void;
  /** Keeps track of background work (so shutdown can wait for it). */
  background: (task: Promise<unknown>) => void;
}

/** Props of a post are a varchar(8000) on 5.37 (§7): the report props are trimmed to stay well below. */
export const MAX_REPORT_PROPS_CHARS = 6000;

const NOT_INCIDENT_CHANNEL = 'This is not an incident channel. Run it in the channel of an incident (`/ci-exposure list` shows them).';

/** Waits for `promise`, but not longer than `ms`. */
async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

function errorText(err: unknown): string {
  if (err instanceof MattermostError) return `Mattermost answered ${err.status === 0 ? 'with a network error' : `HTTP ${err.status}`}${err.id ? ` (${err.id})` : ''}`;
  return err instanceof Error ? escapeMarkdown(err.message) : 'unexpected error';
}

export class IncidentService {
  private readonly teamIds = new Map<string, string>();

  constructor(private readonly deps: ServiceDeps) {}

  /** Runs one slash command; resolves to the text for the caller. */
  async handle(caller: Caller, command: SlashCommand): Promise<string> {
    switch (command.name) {
      case 'help':
        return USAGE;
      case 'start':
        if (command.target === undefined) return this.openStartDialog(caller);
        return this.startFromCommand(caller, command.target, command.title, command.severity);
      case 'scan':
        return this.scan(command.target);
      case 'list':
        return this.list(caller);
      default:
        break;
    }
    const incident = this.deps.store.getIncidentByChannel(caller.channelId);
    if (!incident) return NOT_INCIDENT_CHANNEL;
    const actor: UserRef = { userId: caller.userId, username: caller.username };
    const now = this.deps.clock();
    const reads = command.name === 'status' || command.name === 'timeline';
    if (!reads && incident.channelId && !(await this.deps.chat.isChannelMember(incident.channelId, caller.userId))) {
      return 'Only members of the incident channel can change the incident.';
    }
    switch (command.name) {
      case 'status':
        return renderChecklistMessage(incident, now);
      case 'timeline':
        return this.timelineText(incident);
      case 'check':
      case 'uncheck':
        return this.change(incident.id, (i) => setMilestoneDone(i, command.item, command.name === 'check', actor, now), (i) => {
          const m = i.milestones.find((x) => x.position === command.item);
          return `${command.item}. ${escapeMarkdown(m?.title ?? '')} is ${command.name === 'check' ? 'done' : 'not done'}.`;
        });
      case 'assign': {
        const user = await this.memberByUsername(incident, command.username);
        if (typeof user === 'string') return user;
        return this.change(incident.id, (i) => assignMilestone(i, command.item, user, actor, now), () => `Item ${command.item} is assigned to ${who(user)}.`);
      }
      case 'owner': {
        const user = await this.memberByUsername(incident, command.username);
        if (typeof user === 'string') return user;
        return this.change(incident.id, (i) => setOwner(i, user, actor, now), () => `${who(user)} is the owner.`);
      }
      case 'update':
        return this.change(incident.id, (i) => addStatusUpdate(i, command.text, actor, now), () => 'Status update posted.');
      case 'close':
        return this.close(incident.id, command.summary, actor);
    }
  }

  // ───────────────────────── start ─────────────────────────

  private async canStart(caller: Caller): Promise<boolean> {
    const { startUsers, startTeams } = this.deps.settings;
    if (startUsers.length === 0 && startTeams.length === 0) return true;
    if (startUsers.map((u) => u.toLowerCase()).includes(caller.username.toLowerCase())) return true;
    for (const name of startTeams) {
      let teamId = this.teamIds.get(name);
      try {
        if (!teamId) {
          teamId = (await this.deps.chat.getTeamByName(name)).id;
          this.teamIds.set(name, teamId);
        }
        if (await this.deps.chat.isTeamMember(teamId, caller.userId)) return true;
      } catch (err) {
        if (err instanceof MattermostError && (err.status === 403 || err.status === 404)) {
          this.deps.logger.warn({ team: name, status: err.status }, 'start permission: the bot cannot see this team (run setup, which adds it)');
          continue;
        }
        throw err;
      }
    }
    return false;
  }

  private async startFromCommand(caller: Caller, target: string, title: string | undefined, severity: Severity | undefined): Promise<string> {
    const described = this.deps.lookup.describe(target);
    if (!described.ok) return `${described.error}\n\nUsage: \`start <indicator-id | component-spec> [name…]\` (\`/ci-exposure help\`).`;
    return this.start(caller, described.info, title ?? described.info.title, severity ?? 'high');
  }

  async start(caller: Caller, info: LookupTargetInfo, title: string, severity: Severity): Promise<string> {
    if (caller.teamId === '') return 'Start an incident from a channel of a team (not a direct message): its channel is created in that team.';
    if (!(await this.canStart(caller))) {
      return 'You are not allowed to start an incident (see `permissions.startUsers` / `permissions.startTeams` in the bridge configuration).';
    }
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
      template: templateFor(info.kind),
      now,
    });
    this.deps.store.insertIncident(incident, timeline);
    try {
      const channel = await this.createChannel(incident, now);
      const withChannel = this.updateStored(incident.id, (i) => opened(i, channel, undefined));
      const notes = await this.addMembers(channel.id, caller.userId);
      const rendered = renderChecklistPost(withChannel, { actionUrl: this.deps.settings.actionUrl, secret: this.deps.settings.secret, now });
      const post = await this.deps.chat.createPost({ channel_id: channel.id, message: rendered.message, type: rendered.type, props: rendered.props });
      // Commands in the new channel may have changed the incident meanwhile: only the post id is set here.
      const current = this.updateStored(incident.id, (i) => opened(i, channel, post.id));
      // The post was rendered from the state at creation; anything changed since is patched in.
      if (current.revision !== withChannel.revision) void this.deps.sync.request(current.id);
      await this.deps.chat.pinPost(post.id);
      if (notes.length > 0) {
        await this.deps.chat.createPost({ channel_id: channel.id, message: `:warning: ${notes.join(' ')}` });
      }
      this.deps.store.enqueue(
        incident.id,
        [{ kind: 'stakeholder', message: `:rotating_light: Incident **${escapeMarkdown(current.name)}** (severity ${severity}) started by ${who(starter)} — ~${channel.name}` }],
        now,
      );
      this.deps.kickOutbox();
      this.deps.onIncident?.('started');
      this.deps.background(this.runLookup(current.id));
      return `Incident **${escapeMarkdown(current.name)}** started in ~${channel.name}. The exposure lookup is running; its report will be posted there.`;
    } catch (err) {
      this.deps.onIncident?.('failed');
      this.deps.logger.error({ incidentId: incident.id, error: err instanceof Error ? err.message : String(err) }, 'incident start failed');
      const stored = this.deps.store.getIncident(incident.id);
      if (stored) {
        // Not left half-started: it is closed with the reason, so `list` and reminders ignore it.
        const reason = `start failed: ${err instanceof Error ? err.message : String(err)}`.slice(0, 500);
        this.updateStored(incident.id, (i) => ({ ...i, status: 'closed', closedAt: this.deps.clock(), closeSummary: reason, revision: i.revision + 1 }));
      }
      if (stored?.channelId) {
        await this.deps.chat
          .createPost({ channel_id: stored.channelId, message: `:warning: Setting up this incident failed: ${errorText(err)}.` })
          .catch(() => undefined);
      }
      return `Could not start the incident: ${errorText(err)}. Nothing was lost; try again, or ask an administrator to check the bridge log.`;
    }
  }

  /** Read-modify-write of the stored incident in one transaction (no change made meanwhile is lost). */
  private updateStored(incidentId: string, update: (incident: Incident) => Incident): Incident {
    return this.deps.store.transaction(() => {
      const latest = this.deps.store.getIncident(incidentId);
      if (!latest) throw new Error(`incident ${incidentId} disappeared from the store`);
      const next = update(latest);
      this.deps.store.saveIncident(next);
      return next;
    });
  }

  private async createChannel(incident: Incident, now: number): Promise<{ id: string; name: string }> {
    const header = `CI exposure incident · ${escapeMarkdown(targetLabel(incident.target))} · severity ${incident.severity}`.slice(0, 1024);
    for (let attempt = 1; attempt <= 50; attempt++) {
      const name = channelNameFor(incident.name, now, attempt === 1 ? undefined : attempt);
      try {
        const channel = await this.deps.chat.createChannel({
          team_id: incident.teamId,
          name,
          display_name: [...incident.name].slice(0, 64).join('').trim() || name,
          type: 'P',
          purpose: `Coordination of the CI supply-chain incident ${targetLabel(incident.target)}`.slice(0, 250),
          header,
        });
        return { id: channel.id, name: channel.name };
      } catch (err) {
        if (err instanceof MattermostError && err.status === 400 && err.id === 'store.sql_channel.save_channel.exists.app_error') continue;
        throw err;
      }
    }
    throw new Error('no free channel name for this incident (50 tried)');
  }

  private async addMembers(channelId: string, starterId: string): Promise<string[]> {
    const notes: string[] = [];
    await this.deps.chat.addToChannel(channelId, starterId);
    for (const username of this.deps.settings.securityTeam) {
      const user = await this.deps.chat.findUserByUsername(username);
      if (!user) {
        notes.push(`Security team member ${escapeMarkdown(username)} does not exist.`);
        continue;
      }
      if (user.id === starterId) continue;
      try {
        await this.deps.chat.addToChannel(channelId, user.id);
      } catch (err) {
        notes.push(`Could not add @${user.username}: ${errorText(err)}.`);
      }
    }
    return notes;
  }

  private openStartDialog(caller: Caller): string {
    if (!caller.triggerId) return 'Usage: `start <indicator-id | component-spec> [name…]`.';
    const state = signDialogState(this.deps.settings.secret, caller.userId, caller.teamId, caller.channelId, this.deps.clock());
    const catalog = this.deps.lookup.catalog();
    const elements: Array<Record<string, unknown>> = [];
    if (catalog.length > 0) {
      elements.push({
        display_name: 'Known incident',
        name: 'indicator',
        type: 'select',
        optional: true,
        options: catalog.map((c) => ({ text: c.title.slice(0, 100), value: c.id })),
        help_text: 'Pick an incident from the catalog, or describe a component below.',
      });
    }
    elements.push(
      { display_name: 'Component', name: 'component', type: 'text', optional: true, placeholder: 'e.g. tj-actions/changed-files@v45', help_text: 'A component spec, when it is not in the catalog.' },
      { display_name: 'Incident name', name: 'name', type: 'text', optional: true, max_length: 200 },
      { display_name: 'Severity', name: 'severity', type: 'select', default: 'high', options: SEVERITIES.map((s) => ({ text: s, value: s })) },
    );
    this.deps.background(
      this.deps.chat
        .openDialog({
          trigger_id: caller.triggerId,
          url: this.deps.settings.dialogUrl,
          dialog: { callback_id: 'start', title: 'Start a CI incident', submit_label: 'Start', state, elements },
        })
        .catch((err: unknown) => this.deps.logger.warn({ error: err instanceof Error ? err.message : String(err) }, 'dialog could not be opened')),
    );
    return '';
  }

  /** A submitted start dialog: field errors keep it open; otherwise the incident starts. */
  async submitStartDialog(
    input: { state: string; userId: string; teamId: string; channelId: string; submission: Record<string, unknown> },
  ): Promise<{ errors?: Record<string, string>; error?: string; forbidden?: boolean; started?: Promise<string> }> {
    const verified = verifyDialogState(this.deps.settings.secret, input.state, this.deps.clock());
    if (!verified.ok) return { error: verified.reason, forbidden: !verified.reason.includes('expired') };
    if (verified.value.user !== input.userId) return { error: 'this dialog was opened for somebody else', forbidden: true };
    const s = input.submission;
    const str = (k: string): string => (typeof s[k] === 'string' ? String(s[k]).trim() : '');
    const indicator = str('indicator');
    const component = str('component');
    if (indicator === '' && component === '') return { errors: { component: 'Pick a known incident or describe a component.' } };
    if (indicator !== '' && component !== '') return { errors: { component: 'Either a known incident or a component, not both.' } };
    const described = this.deps.lookup.describe(indicator || component);
    if (!described.ok) return { errors: { [indicator ? 'indicator' : 'component']: described.error.slice(0, 150) } };
    const severity = SEVERITIES.find((x) => x === str('severity')) ?? 'high';
    const userName = (await this.deps.chat.getUser(input.userId)).username;
    const caller: Caller = { userId: input.userId, username: userName, teamId: verified.value.team, channelId: verified.value.channel };
    return { started: this.start(caller, described.info, str('name') || described.info.title, severity) };
  }

  // ───────────────────────── lookup ─────────────────────────

  private async scan(target: string): Promise<string> {
    const described = this.deps.lookup.describe(target);
    if (!described.ok) return `${described.error}\n\nUsage: \`scan <indicator-id | component-spec>\`.`;
    try {
      const result = await this.deps.lookup.run(described.info.target);
      return reportSummary(result).slice(0, 16000);
    } catch (err) {
      return `The exposure lookup failed: ${errorText(err)}`;
    }
  }

  async runLookup(incidentId: string): Promise<void> {
    const incident = this.deps.store.getIncident(incidentId);
    if (!incident?.channelId) return;
    const channelId = incident.channelId;
    let result: LookupResult;
    try {
      await new Promise((r) => setImmediate(r));
      result = await this.deps.lookup.run(incident.target);
    } catch (err) {
      const text = `The exposure lookup failed: ${errorText(err)}`;
      this.deps.store.appendTimeline(incidentId, [{ at: this.deps.clock(), kind: 'error', text }]);
      this.deps.store.enqueue(incidentId, [{ kind: 'channel-post', channelId, message: `:warning: ${text}` }], this.deps.clock());
      this.deps.kickOutbox();
      return;
    }
    try {
      const base = `exposure-${incident.channelName ?? incident.id}`;
      const mdId = await this.deps.chat.uploadFile(channelId, `${base}.md`, result.markdown, 'text/markdown');
      const jsonId = await this.deps.chat.uploadFile(channelId, `${base}.json`, result.json, 'application/json');
      const props: ReportProps = fitReportProps({ ...result.reportProps, incidentId, jsonFileId: jsonId });
      await this.deps.chat.createPost({
        channel_id: channelId,
        message: reportSummary(result),
        type: POST_TYPE_REPORT,
        props: { [PROPS_KEY]: props },
        file_ids: [mdId, jsonId],
      });
      const s = result.summary;
      const text = `Exposure lookup: ${s.affected} affected job(s) in ${s.repos} repositories (critical ${s.byVerdict.critical}, high ${s.byVerdict.high}), ${s.unresolved} unresolved`;
      this.deps.store.apply(incidentId, (i) => recordExposure(i, result.summary, text, this.deps.clock()));
      await this.deps.sync.request(incidentId);
    } catch (err) {
      const text = `The exposure report could not be posted: ${errorText(err)}`;
      this.deps.logger.error({ incidentId, error: err instanceof Error ? err.message : String(err) }, 'report post failed');
      this.deps.store.appendTimeline(incidentId, [{ at: this.deps.clock(), kind: 'error', text }]);
      this.deps.store.enqueue(incidentId, [{ kind: 'channel-post', channelId, message: `:warning: ${text}` }], this.deps.clock());
      this.deps.kickOutbox();
    }
  }

  // ───────────────────────── checklist ─────────────────────────

  /** A checklist button: the context was verified; the user must be a member of the incident channel. */
  async toggleFromButton(incidentId: string, milestoneId: string, user: UserRef): Promise<{ ok: true } | { ok: false; reason: string }> {
    const incident = this.deps.store.getIncident(incidentId);
    if (!incident?.channelId) return { ok: false, reason: 'This incident no longer exists.' };
    if (!(await this.deps.chat.isChannelMember(incident.channelId, user.userId))) {
      return { ok: false, reason: 'Only members of the incident channel can change its checklist.' };
    }
    const now = this.deps.clock();
    const t = this.deps.store.apply(incidentId, (i) => {
      const m = i.milestones.find((x) => x.id === milestoneId);
      if (!m) return { ok: false, reason: 'This checklist item no longer exists.' } satisfies Transition;
      return toggleMilestone(i, m.position, user, now);
    });
    if (!t.ok) return { ok: false, reason: t.reason };
    // Answer the click once the post shows it — or after a few seconds (Mattermost waits 30 s at most).
    await within(this.deps.sync.request(incidentId), 5000);
    return { ok: true };
  }

  private async change(incidentId: string, transition: (i: Incident) => Transition, done: (i: Incident) => string): Promise<string> {
    const t = this.deps.store.apply(incidentId, transition);
    if (!t.ok) return `Refused: ${t.reason}.`;
    if (!t.changed) return `Nothing to change: ${done(t.incident)}`;
    if (t.outbox.length > 0) this.deps.kickOutbox();
    await this.deps.sync.request(incidentId);
    return done(t.incident);
  }

  private async memberByUsername(incident: Incident, username: string): Promise<UserRef | string> {
    const user = await this.deps.chat.findUserByUsername(username);
    if (!user) return `There is no user @${escapeMarkdown(username)}.`;
    if (!incident.channelId || !(await this.deps.chat.isChannelMember(incident.channelId, user.id))) {
      return `@${user.username} is not a member of this incident channel; add them first.`;
    }
    return { userId: user.id, username: user.username };
  }

  // ───────────────────────── views ─────────────────────────

  private async list(caller: Caller): Promise<string> {
    const open = this.deps.store.listIncidents('open');
    const visible: Incident[] = [];
    for (const i of open) {
      if (i.channelId && (await this.deps.chat.isChannelMember(i.channelId, caller.userId))) visible.push(i);
    }
    if (visible.length === 0) return 'No open incidents that you can see.';
    const lines = ['| incident | channel | severity | started | done |', '|---|---|---|---|---|'];
    for (const i of visible) {
      const done = i.milestones.filter((m) => m.done).length;
      lines.push(`| ${escapeMarkdown(i.name)} | ~${i.channelName ?? ''} | ${i.severity} | ${formatTime(i.startedAt)} | ${done}/${i.milestones.length} |`);
    }
    return lines.join('\n');
  }

  private timelineText(incident: Incident): string {
    const entries = this.deps.store.timeline(incident.id);
    return [`#### Timeline of ${escapeMarkdown(incident.name)}`, ...timelineLines(entries)].join('\n').slice(0, 16000);
  }

  // ───────────────────────── close ─────────────────────────

  private async close(incidentId: string, summary: string | undefined, actor: UserRef): Promise<string> {
    const now = this.deps.clock();
    const t = this.deps.store.apply(incidentId, (i) => closeIncident(i, summary, actor, now));
    if (!t.ok) return `Refused: ${t.reason}.`;
    this.deps.kickOutbox();
    this.deps.onIncident?.('closed');
    await this.deps.sync.request(incidentId);
    const incident = t.incident;
    const report = finalReport(incident, this.deps.store.timeline(incidentId), now);
    if (incident.channelId) {
      try {
        const fileId = await this.deps.chat.uploadFile(incident.channelId, `incident-${incident.channelName ?? incident.id}-final.md`, report.markdown, 'text/markdown');
        await this.deps.chat.createPost({ channel_id: incident.channelId, message: report.message, file_ids: [fileId] });
      } catch (err) {
        this.deps.store.enqueue(incidentId, [{ kind: 'channel-post', channelId: incident.channelId, message: report.message }], this.deps.clock());
        this.deps.kickOutbox();
        return `The incident is closed, but the final report could not be attached (${errorText(err)}); it will be posted without the file.`;
      }
    }
    return 'The incident is closed; the final report is posted in the channel.';
  }
}

export function timelineLines(entries: StoredTimelineEntry[]): string[] {
  return entries.map((e) => `- **${formatTime(e.at)}** ${e.text}`);
}

export function finalReport(incident: Incident, entries: StoredTimelineEntry[], now: number): { message: string; markdown: string } {
  const m = incidentMetrics(incident, now);
  const metrics = [
    `- Time to initial assessment: ${m.timeToInitialAssessmentMs === undefined ? 'not reached' : formatDuration(m.timeToInitialAssessmentMs)}`,
    `- Time to close: ${m.timeToCloseMs === undefined ? '—' : formatDuration(m.timeToCloseMs)}`,
    `- Milestones on time: ${m.onTime}/${m.milestonesWithDue} (late ${m.late}, pending ${m.pending})`,
    `- Checklist: ${incident.milestones.filter((x) => x.done).length}/${incident.milestones.length} done`,
  ];
  const head = [
    `### Final report: ${escapeMarkdown(incident.name)}`,
    `Target ${escapeMarkdown(targetLabel(incident.target))} · severity ${incident.severity} · started ${formatTime(incident.startedAt)} by ${who(incident.startedBy)}${incident.closedAt !== undefined ? ` · closed ${formatTime(incident.closedAt)}` : ''}`,
  ];
  if (incident.closeSummary) head.push('', `**Summary:** ${escapeMarkdown(incident.closeSummary)}`);
  const lines = timelineLines(entries);
  const markdown = [...head, '', '#### Metrics', ...metrics, '', '#### Timeline', ...lines, ''].join('\n');
  let shown = lines;
  let message = '';
  for (;;) {
    message = [...head, '', '#### Metrics', ...metrics, '', '#### Timeline', ...shown, shown.length < lines.length ? `_…${lines.length - shown.length} earlier entries in the attached file_` : ''].join('\n');
    if (message.length <= 15000 || shown.length === 0) break;
    shown = shown.slice(Math.ceil(shown.length / 4));
  }
  return { message, markdown };
}

/** The report post's Markdown: counts and the top rows (all strings escaped). */
export function reportSummary(result: LookupResult): string {
  const s = result.summary;
  const lines = [
    `#### Exposure report: ${escapeMarkdown(result.indicator.title)} ${codeSpan(result.indicator.id)}`,
    `**${s.affected}** affected job(s) in ${s.repos} repositories, ${s.jobs} jobs looked at · critical **${s.byVerdict.critical}**, high **${s.byVerdict.high}**, medium ${s.byVerdict.medium}, low ${s.byVerdict.low} · ${s.unresolved} unresolved · ${s.errors} errors`,
  ];
  const rows = result.reportProps.rows.slice(0, 15);
  if (rows.length > 0) {
    lines.push('', '| verdict | repository | file:line | job | secrets |', '|---|---|---|---|---|');
    for (const r of rows) {
      const secrets = r.secrets.slice(0, 5).map((x) => escapeMarkdown(x)).join(', ') + (r.secrets.length > 5 ? ', …' : '');
      lines.push(`| ${r.verdict} | ${escapeMarkdown(r.repo)} | ${escapeMarkdown(`${r.file}:${r.line}`)} | ${escapeMarkdown(`${r.workflow} / ${r.job}`)} | ${secrets || '—'} |`);
    }
    if (result.reportProps.totalRows > rows.length) lines.push('', `_${result.reportProps.totalRows - rows.length} more in the attached report._`);
  }
  return lines.join('\n');
}

/** Drops rows (least severe last in the list, so from the end) until the props fit. */
export function fitReportProps(props: ReportProps): ReportProps {
  let rows = props.rows;
  let out: ReportProps = { ...props, rows };
  while (JSON.stringify({ [PROPS_KEY]: out }).length > MAX_REPORT_PROPS_CHARS && rows.length > 0) {
    rows = rows.slice(0, Math.floor(rows.length / 2));
    out = { ...props, rows };
  }
  return out;
}

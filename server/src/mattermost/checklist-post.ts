/**
 * The checklist post, rendered from the stored incident only: a Markdown fallback, attachment buttons
 * (every action with its full `integration`: §7 — a patch must resend them all) and the typed props of
 * the shared contract. Pure.
 */
import { POST_TYPE_CHECKLIST, PROPS_KEY } from '@ci-exposure/contract';
import { incidentMetrics, targetLabel, toChecklistProps, who, type Incident } from '../incidents/model';
import { escapeMarkdown } from '../markdown';
import { signActionContext } from './signing';

export interface RenderedPost {
  message: string;
  type: string;
  props: Record<string, unknown>;
}

export interface RenderOptions {
  /** `<publicUrl>/actions` */
  actionUrl: string;
  secret: Buffer;
  now: number;
}

const SEVERITY_COLOR = { critical: '#d24b4e', high: '#e07315', medium: '#ffbc1f', low: '#3db887' } as const;

export function formatTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function formatDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

export function renderChecklistMessage(incident: Incident, now: number): string {
  const done = incident.milestones.filter((m) => m.done).length;
  const lines = [
    `#### :rotating_light: ${escapeMarkdown(incident.name)} — checklist ${done}/${incident.milestones.length}`,
    `**Severity:** ${incident.severity} · **Status:** ${incident.status === 'closed' ? 'closed' : 'open'} · **Owner:** ${incident.owner ? who(incident.owner) : '—'} · **Target:** ${escapeMarkdown(targetLabel(incident.target))}`,
    '',
  ];
  for (const m of incident.milestones) {
    const parts = [`${m.position}. ${m.done ? ':white_check_mark:' : ':white_large_square:'} ${escapeMarkdown(m.title)}`];
    if (m.assignee) parts.push(`— ${who(m.assignee)}`);
    if (m.done && m.doneBy) parts.push(`(done by ${who(m.doneBy)})`);
    else if (m.dueAt !== undefined) parts.push(m.dueAt < now ? `(**overdue** since ${formatTime(m.dueAt)})` : `(due ${formatTime(m.dueAt)})`);
    lines.push(parts.join(' '));
  }
  if (incident.lastUpdate) {
    lines.push('', `**Last update** (${who(incident.lastUpdate.by)}, ${formatTime(incident.lastUpdate.at)}): ${escapeMarkdown(incident.lastUpdate.text)}`);
  }
  if (incident.exposure) {
    const e = incident.exposure;
    lines.push('', `**Exposure:** ${e.affected} affected job(s) in ${e.repos} repositories (critical ${e.byVerdict.critical}, high ${e.byVerdict.high}); ${e.unresolved} unresolved`);
  }
  if (incident.status === 'closed' && incident.closedAt !== undefined) {
    const metrics = incidentMetrics(incident, now);
    lines.push('', `**Closed** ${formatTime(incident.closedAt)} after ${formatDuration(metrics.timeToCloseMs ?? 0)}`);
  }
  if (incident.status !== 'closed') lines.push('', '_Use the buttons below, or `/ci-exposure check N`._');
  return lines.join('\n');
}

export function renderChecklistPost(incident: Incident, options: RenderOptions): RenderedPost {
  const open = incident.status !== 'closed';
  const actions = open
    ? incident.milestones.map((m) => ({
        id: m.actionId,
        type: 'button',
        name: `${m.done ? 'Undo' : 'Done'} ${m.position}`,
        style: m.done ? 'default' : 'primary',
        // The button sets the state it names; the context is signed and bound to the incident's channel.
        integration: {
          url: options.actionUrl,
          context: signActionContext(options.secret, { incident: incident.id, milestone: m.id, op: m.done ? 'uncheck' : 'check', channel: incident.channelId ?? '' }),
        },
      }))
    : [];
  const attachment: Record<string, unknown> = {
    fallback: `${incident.name} checklist`,
    color: SEVERITY_COLOR[incident.severity],
    text: open ? 'Mark checklist items done (the number is the item):' : 'The incident is closed.',
    actions,
  };
  return {
    message: renderChecklistMessage(incident, options.now),
    type: POST_TYPE_CHECKLIST,
    props: { attachments: [attachment], [PROPS_KEY]: toChecklistProps(incident) },
  };
}

/**
 * The checklist post, rendered from the stored incident only: a Markdown fallback, attachment buttons
 * (every action with its full `integration`: §7 — a patch must resend them all) and the typed props of
 * the shared contract. Pure.
 */
import { POST_TYPE_CHECKLIST, PROPS_KEY, type ChecklistProps } from '@ci-exposure/contract';
import {
  formatUtc,
  incidentMetrics,
  itemTitle,
  RECHECK_ACTION_ID,
  targetLabel,
  tickText,
  toChecklistProps,
  who,
  type Checkable,
  type Incident,
  type MilestoneState,
  type SubItem,
} from '../incidents/model';
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
  /** Minutes between scheduled re-checks (0 or undefined: none). */
  recheckMinutes?: number;
}

export interface MessageOptions {
  /** Sub-items listed per milestone; the rest are counted (`/ci-exposure status` lists them all). */
  maxItems?: number;
  recheckMinutes?: number;
}

/** Post props are a varchar(8000) on 5.37 (§7): the checklist's (buttons included) stay below this. */
export const MAX_CHECKLIST_PROPS_CHARS = 7600;
/** Sub-items listed per milestone in the post's Markdown. */
export const POST_ITEMS = 5;

const SEVERITY_COLOR = { critical: '#d24b4e', high: '#e07315', medium: '#ffbc1f', low: '#3db887' } as const;

export function formatTime(ms: number): string {
  return formatUtc(ms);
}

/** A relative permalink (Mattermost's router finds the post's team). */
export function permalink(postId: string): string {
  return `/_redirect/pl/${encodeURIComponent(postId)}`;
}

/** What the evidence says about an entry that is not done, or disagrees with a person's tick. */
function readingText(c: Checkable): string | undefined {
  const e = c.evidence;
  if (!e) return undefined;
  const reason = escapeMarkdown(e.reason ?? '');
  if (c.done) return e.state === 'not-yet' && c.override ? `the ${escapeMarkdown(e.source)} says not yet: ${reason}` : undefined;
  switch (e.state) {
    case 'manual':
      return reason || 'manual';
    case 'unknown':
      return `left open: ${reason}`;
    case 'not-yet':
      return `${reason} (${escapeMarkdown(e.source)} ${formatTime(e.at)})`;
    case 'verified':
      return c.override ? `the ${escapeMarkdown(e.source)} says done; kept not done by ${who(c.override.by)}` : undefined;
  }
}

function itemLine(m: MilestoneState, index: number, item: SubItem): string {
  const parts = [`    - ${item.done ? ':white_check_mark:' : ':white_large_square:'} ${itemTitle(m.position, index, item)}`];
  const tick = tickText(item);
  if (tick) parts.push(`— ${tick}`);
  const reading = readingText(item);
  if (reading) parts.push(`— ${reading}`);
  if (item.owners && item.owners.length > 0) parts.push(`· owners ${item.owners.map((o) => escapeMarkdown(o)).join(', ')}`);
  return parts.join(' ');
}

function milestoneLine(m: MilestoneState, now: number, reportLink: string | undefined): string {
  const parts = [`${m.position}. ${m.done ? ':white_check_mark:' : ':white_large_square:'} ${escapeMarkdown(m.title)}`];
  const items = m.items ?? [];
  if (items.length > 0) parts.push(`(${items.filter((i) => i.done).length}/${items.length})`);
  if (m.assignee) parts.push(`— ${who(m.assignee)}`);
  if (m.done) {
    const tick = tickText(m);
    const link = m.verified?.postId !== undefined && reportLink !== undefined ? ` · [report](${reportLink})` : '';
    if (tick) parts.push(`(${tick}${link})`);
  } else if (m.dueAt !== undefined) {
    parts.push(m.dueAt < now ? `(**overdue** since ${formatTime(m.dueAt)})` : `(due ${formatTime(m.dueAt)})`);
  }
  const reading = readingText(m);
  if (reading) parts.push(`— ${reading}`);
  return parts.join(' ');
}

export function formatDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

export function renderChecklistMessage(incident: Incident, now: number, options: MessageOptions = {}): string {
  const maxItems = options.maxItems ?? POST_ITEMS;
  const reportLink = incident.evidence?.reportPostId === undefined ? undefined : permalink(incident.evidence.reportPostId);
  const done = incident.milestones.filter((m) => m.done).length;
  const lines = [
    `#### :rotating_light: ${escapeMarkdown(incident.name)} — checklist ${done}/${incident.milestones.length}`,
    `**Severity:** ${incident.severity} · **Status:** ${incident.status === 'closed' ? 'closed' : 'open'} · **Owner:** ${incident.owner ? who(incident.owner) : '—'} · **Target:** ${escapeMarkdown(targetLabel(incident.target))}`,
    '',
  ];
  for (const m of incident.milestones) {
    lines.push(milestoneLine(m, now, reportLink));
    const items = m.items ?? [];
    items.slice(0, maxItems).forEach((item, index) => lines.push(itemLine(m, index, item)));
    if (items.length > maxItems) lines.push(`    - _… ${items.length - maxItems} more: \`/ci-exposure status\` lists them all_`);
  }
  if (incident.lastUpdate) {
    lines.push('', `**Last update** (${who(incident.lastUpdate.by)}, ${formatTime(incident.lastUpdate.at)}): ${escapeMarkdown(incident.lastUpdate.text)}`);
  }
  if (incident.exposure) {
    const e = incident.exposure;
    lines.push('', `**Exposure:** ${e.affected} affected job(s) in ${e.repos} repositories (critical ${e.byVerdict.critical}, high ${e.byVerdict.high}${e.byVerdict['not-run'] ? `, not run ${e.byVerdict['not-run']}` : ''}); ${e.unresolved} unresolved`);
  }
  const ev = incident.evidence;
  if (ev || (options.recheckMinutes !== undefined && options.recheckMinutes > 0 && incident.status !== 'closed')) {
    const parts: string[] = [];
    if (ev) {
      const why = ev.complete ? 'complete' : `incomplete: ${escapeMarkdown(ev.incomplete.join('; '))}`;
      parts.push(`latest lookup ${formatTime(ev.lookupAt)} (${why})`);
      if (reportLink) parts.push(`[report](${reportLink})`);
    }
    if (incident.status !== 'closed') {
      parts.push(options.recheckMinutes !== undefined && options.recheckMinutes > 0 ? `re-checked every ${options.recheckMinutes} min` : 'no scheduled re-check');
    }
    lines.push('', `**Evidence:** ${parts.join(' · ')}`);
  }
  if (incident.status === 'closed' && incident.closedAt !== undefined) {
    const metrics = incidentMetrics(incident, now);
    lines.push('', `**Closed** ${formatTime(incident.closedAt)} after ${formatDuration(metrics.timeToCloseMs ?? 0)}`);
  }
  if (incident.status !== 'closed') lines.push('', '_Use the buttons below, or `/ci-exposure check N` (a sub-item: `check N.M`; `recheck` refreshes the evidence)._');
  return lines.join('\n');
}

/**
 * Drops sub-items from the props (the longest lists first, from their end) until the whole props —
 * buttons included — fit; `itemsTotal` / `itemsDone` still count them all.
 */
export function fitChecklistProps(cix: ChecklistProps, attachments: unknown[], limit = MAX_CHECKLIST_PROPS_CHARS): ChecklistProps {
  let out = cix;
  const size = (p: ChecklistProps): number => JSON.stringify({ attachments, [PROPS_KEY]: p }).length;
  while (size(out) > limit) {
    let longest = -1;
    out.milestones.forEach((m, i) => {
      if ((m.items?.length ?? 0) > 0 && (longest < 0 || (m.items?.length ?? 0) > (out.milestones[longest]?.items?.length ?? 0))) longest = i;
    });
    if (longest < 0) break;
    out = {
      ...out,
      milestones: out.milestones.map((m, i) => (i === longest && m.items ? { ...m, items: m.items.slice(0, Math.floor(m.items.length / 2)) } : m)),
    };
  }
  return out;
}

export function renderChecklistPost(incident: Incident, options: RenderOptions): RenderedPost {
  const open = incident.status !== 'closed';
  const actions: Array<Record<string, unknown>> = open
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
  if (open) {
    actions.push({
      id: RECHECK_ACTION_ID,
      type: 'button',
      name: 'Re-check',
      style: 'default',
      integration: {
        url: options.actionUrl,
        context: signActionContext(options.secret, { incident: incident.id, milestone: 'recheck', op: 'recheck', channel: incident.channelId ?? '' }),
      },
    });
  }
  const attachment: Record<string, unknown> = {
    fallback: `${incident.name} checklist`,
    color: SEVERITY_COLOR[incident.severity],
    text: open ? 'Mark checklist items done (the number is the item); Re-check refreshes the evidence:' : 'The incident is closed.',
    actions,
  };
  const schedule = options.recheckMinutes === undefined ? {} : { recheckMinutes: options.recheckMinutes };
  const attachments = [attachment];
  return {
    message: renderChecklistMessage(incident, options.now, schedule),
    type: POST_TYPE_CHECKLIST,
    props: { attachments, [PROPS_KEY]: fitChecklistProps(toChecklistProps(incident, schedule), attachments) },
  };
}

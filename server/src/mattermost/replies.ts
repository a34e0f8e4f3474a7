/**
 * What the user reads: the use cases' results rendered as Mattermost Markdown (every user or repository
 * string escaped), the report and final-report posts. Pure.
 */
import { PROPS_KEY, type ReportProps } from '@ci-exposure/contract';
import type { LookupResult } from '../incidents/lookup';
import { incidentMetrics, itemTitle, targetLabel, tickText, who, type Incident } from '../incidents/model';
import type { ButtonOutcome, ChangeOutcome, ChangeRequest, CloseOutcome, RecheckOutcome, StartOutcome } from '../incidents/use-cases';
import { codeSpan, escapeMarkdown } from '../markdown';
import type { StoredTimelineEntry } from '../store/store';
import { formatDuration, formatTime } from './checklist-post';
import { partialMarkdown } from './partial-report';

/** Props of a post are a varchar(8000) on 5.37 (§7): the report props are trimmed to stay well below. */
export const MAX_REPORT_PROPS_CHARS = 6000;

export const NOT_INCIDENT_CHANNEL = 'This is not an incident channel. Run it in the channel of an incident (`/ci-exposure list` shows them).';

export function startReply(outcome: StartOutcome): string {
  switch (outcome.kind) {
    case 'started':
      return `Incident **${escapeMarkdown(outcome.incident.name)}** started in ~${outcome.channelName}. The exposure lookup is running; its report will be posted there.`;
    case 'no-team':
      return 'Start an incident from a channel of a team (not a direct message): its channel is created in that team.';
    case 'not-allowed':
      return 'You are not allowed to start an incident (see `permissions.startUsers` / `permissions.startTeams` in the bridge configuration).';
    case 'failed':
      return `Could not start the incident: ${outcome.error}. Nothing was lost; try again, or ask an administrator to check the bridge log.`;
  }
}

function changeDone(incident: Incident, request: ChangeRequest, outcome: ChangeOutcome): string {
  const user = 'user' in outcome && outcome.user ? who(outcome.user) : '';
  switch (request.kind) {
    case 'check':
    case 'uncheck': {
      const m = incident.milestones.find((x) => x.position === request.item);
      const state = request.kind === 'check' ? 'done' : 'not done';
      if (request.sub !== undefined) {
        const item = m?.items?.[request.sub - 1];
        return item && m ? `${itemTitle(m.position, request.sub - 1, item)} is ${state}.` : `${request.item}.${request.sub} is ${state}.`;
      }
      return `${request.item}. ${escapeMarkdown(m?.title ?? '')} is ${state}.`;
    }
    case 'assign':
      return `Item ${request.item} is assigned to ${user}.`;
    case 'owner':
      return `${user} is the owner.`;
    case 'update':
      return 'Status update posted.';
  }
}

export function changeReply(outcome: ChangeOutcome): string {
  switch (outcome.kind) {
    case 'changed':
      return changeDone(outcome.incident, outcome.request, outcome);
    case 'unchanged':
      return `Nothing to change: ${changeDone(outcome.incident, outcome.request, outcome)}`;
    case 'refused':
      return `Refused: ${outcome.reason}.`;
    case 'not-member':
      return 'Only members of the incident channel can change the incident.';
    case 'no-incident':
      return NOT_INCIDENT_CHANNEL;
    case 'unknown-user':
      return `There is no user @${escapeMarkdown(outcome.username)}.`;
    case 'user-not-in-channel':
      return `@${escapeMarkdown(outcome.username)} is not a member of this incident channel; add them first.`;
  }
}

/** The ephemeral text answering a button click (undefined: nothing to say, the post shows it). */
export function buttonReply(outcome: ButtonOutcome): string | undefined {
  switch (outcome.kind) {
    case 'changed':
      return undefined;
    case 'unchanged': {
      const m = outcome.incident.milestones.find((x) => x.position === (outcome.request.kind === 'check' || outcome.request.kind === 'uncheck' ? outcome.request.item : -1));
      return m ? `Already ${m.done ? 'done' : 'not done'}: ${m.position}. ${escapeMarkdown(m.title)}` : undefined;
    }
    case 'wrong-place':
      return 'This button does not belong to this incident’s checklist post.';
    case 'no-item':
      return 'This checklist item no longer exists.';
    case 'no-incident':
      return 'This incident no longer exists.';
    case 'not-member':
      return 'Only members of the incident channel can change its checklist.';
    default:
      return changeReply(outcome);
  }
}

export function recheckReply(outcome: RecheckOutcome): string {
  switch (outcome.kind) {
    case 'rechecked': {
      const changes = outcome.entries.filter((e) => e.kind === 'verify' || e.kind === 'unverify' || e.kind === 'evidence' || e.kind === 'check');
      const head = `Re-check done (${outcome.complete ? 'complete answer' : 'incomplete answer'}).`;
      if (changes.length === 0) return `${head} Nothing changed.`;
      const lines = changes.slice(0, 15).map((e) => `- ${e.text}`);
      if (changes.length > 15) lines.push(`- … ${changes.length - 15} more in \`/ci-exposure timeline\``);
      return [head, ...lines].join('\n');
    }
    case 'running':
      return 'Re-checking: the lookup is still running; the checklist updates when it answers.';
    case 'failed':
      return `The re-check failed: the exposure lookup failed: ${outcome.error}.`;
    case 'refused':
      return `Refused: ${outcome.reason}.`;
    case 'not-member':
      return 'Only members of the incident channel can re-check its evidence.';
    case 'no-incident':
      return NOT_INCIDENT_CHANNEL;
    case 'wrong-place':
      return 'This button does not belong to this incident’s checklist post.';
  }
}

export function closeReply(outcome: CloseOutcome): string {
  switch (outcome.kind) {
    case 'closed':
      return outcome.reportError === undefined
        ? 'The incident is closed; the final report is posted in the channel.'
        : `The incident is closed, but the final report could not be posted (${outcome.reportError}); \`/ci-exposure timeline\` shows it.`;
    case 'refused':
      return `Refused: ${outcome.reason}.`;
    case 'not-member':
      return 'Only members of the incident channel can change the incident.';
    case 'no-incident':
      return NOT_INCIDENT_CHANNEL;
  }
}

export function listReply(incidents: Incident[]): string {
  if (incidents.length === 0) return 'No open incidents that you can see.';
  const lines = ['| incident | channel | severity | started | done |', '|---|---|---|---|---|'];
  for (const i of incidents) {
    const done = i.milestones.filter((m) => m.done).length;
    lines.push(`| ${escapeMarkdown(i.name)} | ~${i.channelName ?? ''} | ${i.severity} | ${formatTime(i.startedAt)} | ${done}/${i.milestones.length} |`);
  }
  return lines.join('\n');
}

/** Every sub-item with its state and who or what set it (the final report's file). */
export function evidenceLines(incident: Incident): string[] {
  const out: string[] = [];
  for (const m of incident.milestones) {
    (m.items ?? []).forEach((item, index) => {
      const state = item.done ? (tickText(item) ?? 'done') : `not done${item.evidence?.reason ? ` (${escapeMarkdown(item.evidence.reason)})` : ''}`;
      out.push(`- ${itemTitle(m.position, index, item)}: ${state}`);
    });
  }
  return out;
}

export function timelineLines(entries: StoredTimelineEntry[]): string[] {
  return entries.map((e) => `- **${formatTime(e.at)}** ${e.text}`);
}

export function timelineReply(incident: Incident, entries: StoredTimelineEntry[]): string {
  return [`#### Timeline of ${escapeMarkdown(incident.name)}`, ...timelineLines(entries)].join('\n').slice(0, 16000);
}

export function finalReport(incident: Incident, entries: StoredTimelineEntry[], now: number): { message: string; markdown: string } {
  const m = incidentMetrics(incident, now);
  const assessment = incident.milestones.find((x) => x.id === 'initial-assessment');
  const by = assessment?.done ? tickText(assessment) : undefined;
  const allowed = m.initialAssessmentDueAfterMs === undefined ? '' : `; the checklist allowed people ${formatDuration(m.initialAssessmentDueAfterMs)}`;
  const answer = incident.evidence;
  const metrics = [
    `- Time to a complete exposure answer: ${
      m.timeToCompleteAnswerMs !== undefined
        ? `${formatDuration(m.timeToCompleteAnswerMs)} (exposure lookup)`
        : answer
          ? `not reached (the latest lookup is incomplete: ${escapeMarkdown(answer.incomplete.join('; '))})`
          : 'not reached (no lookup answer)'
    }`,
    `- Time to initial assessment: ${m.timeToInitialAssessmentMs === undefined ? 'not reached' : `${formatDuration(m.timeToInitialAssessmentMs)} (${by ?? 'done'})`}${allowed}`,
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
  const evidence = evidenceLines(incident);
  const markdown = [...head, '', '#### Metrics', ...metrics, ...(evidence.length > 0 ? ['', '#### Sub-items', ...evidence] : []), '', '#### Timeline', ...lines, ''].join('\n');
  let shown = lines;
  let message = '';
  for (;;) {
    message = [...head, '', '#### Metrics', ...metrics, '', '#### Timeline', ...shown, shown.length < lines.length ? `_…${lines.length - shown.length} earlier entries in the attached file_` : ''].join('\n');
    if (message.length <= 15000 || shown.length === 0) break;
    shown = shown.slice(Math.ceil(shown.length / 4));
  }
  return { message, markdown };
}

/** ` · not run N` (affected jobs whose run history shows no run in the window) and ` · ran N`, when run history was read. */
export function notRunText(notRun: number | undefined, ran?: number): string {
  return `${ran === undefined ? '' : ` · ran in the window ${ran}`}${notRun === undefined || notRun === 0 ? '' : ` · not run ${notRun} (listed with their static exposure)`}`;
}

/** The report post's Markdown: counts and the top rows (all strings escaped). */
export function reportSummary(result: LookupResult): string {
  const s = result.summary;
  const lines = [
    `#### Exposure report: ${escapeMarkdown(result.indicator.title)} ${codeSpan(result.indicator.id)}`,
    `**${s.affected}** affected job(s) in ${s.repos} repositories, ${s.jobs} jobs looked at · critical **${s.byVerdict.critical}**, high **${s.byVerdict.high}**, medium ${s.byVerdict.medium}, low ${s.byVerdict.low}${notRunText(s.byVerdict['not-run'], s.ran)} · ${s.unresolved} unresolved · ${s.errors} errors`,
  ];
  // Repositories the sources did not give, with their reasons (the Markdown report lists up to 200).
  if (result.partial) lines.push('', ...partialMarkdown(result.partial, 10));
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

export function scanReply(result: LookupResult): string {
  return reportSummary(result).slice(0, 16000);
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

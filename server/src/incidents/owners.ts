/**
 * Owners told (`owners.directMessages`): pure. After a lookup is applied to the checklist, each affected
 * repository's CODEOWNERS owners that have a Mattermost user (LookupEvidence.contacts, from `owners.map`)
 * are sent ONE direct message with that repository's findings, and told once when it is fixed. What they
 * were last told is kept on the repository's sub-item (`told`, stored with it in the same transaction as
 * the messages, so two bridges or two re-checks never tell the same news twice):
 *
 *   the repository now           told before                       message
 *   exposed (sub-item new)       —                                 its findings
 *   exposed                      nothing recorded (older items)    its findings when the reading changed
 *   exposed                      exposed, same findings key        none
 *   exposed                      exposed, another findings key     its findings (re-check changed them)
 *   exposed                      fixed                             its findings (exposed again)
 *   fixed (no affected job)      exposed                           `acme/web: no longer exposed at head as of …`,
 *                                                                  to the users told of its exposure
 *   unknown (incomplete)         anything                          none (kept for a later answer)
 *
 * The findings key is the affected files and each affected job's file, id and static verdict (run
 * evidence, which a re-check of the heads does not read, is no change of findings). Handles without a user
 * are named in the incident channel, once: a handle already among the owners of a sub-item before this
 * answer was named then.
 *
 *   incident before ─┐
 *   incident after ──┼─> ownerMessages ─> { incident (told), outbox (dm per user and repository, one channel notice), timeline }
 *   evidence ────────┘
 *
 * Every repository-controlled string (repository, job, file, handle) is escaped; never a secret value
 * (the evidence holds none).
 */
import { createHash } from 'node:crypto';
import type { UserRef } from '@ci-exposure/contract';
import { escapeMarkdown } from '../markdown';
import type { JobRuns, LookupEvidence, OwnerContacts, RepoEvidence } from './lookup';
import { formatUtc, type Incident, type OutboxMessage, type OwnersTold, type SubItem, type TimelineEntry } from './model';

const HARDENED_ID = 'pipelines-hardened';
const MAX_LINES = 20;

function repoItems(incident: Incident): Map<string, SubItem> {
  const items = incident.milestones.find((m) => m.id === HARDENED_ID)?.items ?? [];
  return new Map(items.filter((i) => i.kind === 'repository').map((i) => [i.label, i] as const));
}

/** Items stored before `told` existed: the repository's reading is new or says something else than before. */
function readingChanged(before: SubItem | undefined, after: SubItem): boolean {
  const now = after.evidence;
  return before === undefined || before.evidence?.state !== now?.state || before.evidence?.reason !== now?.reason;
}

/**
 * The findings as told: the affected files, and each affected job's file, id (its name in answers of older
 * bridges) and static verdict, with how many there are in all; a short hash, equal for equal findings.
 */
export function findingsKey(found: RepoEvidence): string {
  const jobs = (found.findings ?? []).map((f) => [f.file, f.jobId ?? f.job, f.exposureVerdict ?? f.verdict].join('\u0000')).sort();
  const text = JSON.stringify([[...found.files].sort(), jobs, found.findingsTotal ?? jobs.length]);
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

/** What the owners are to be told now, if anything. */
function news(before: SubItem | undefined, after: SubItem, found: RepoEvidence | undefined): 'exposed' | 'fixed' | undefined {
  const state = after.evidence?.state;
  const told = after.told;
  if (state === 'verified') return told?.state === 'exposed' ? 'fixed' : undefined;
  if (state !== 'not-yet' || !found) return undefined;
  if (told === undefined) return readingChanged(before, after) ? 'exposed' : undefined;
  return told.state === 'fixed' || told.findings !== findingsKey(found) ? 'exposed' : undefined;
}

/** `ran 3 times in the window`, `did not run in the window`, `run history unavailable (…)`. */
export function runsPhrase(r: JobRuns): string {
  const gone = r.gone ? `; ${r.gone} log${r.gone === 1 ? '' : 's'} already gone` : '';
  if (r.state === 'ran') return `ran ${r.count} time${r.count === 1 ? '' : 's'} in the window${gone}`;
  if (r.state === 'not-run') return `did not run in the window${gone}`;
  return `run history unavailable${r.reason ? ` (${escapeMarkdown(r.reason.slice(0, 200))})` : ''}${gone}`;
}

function findingLines(found: RepoEvidence | undefined): string[] {
  if (!found) return [];
  const findings = found.findings ?? [];
  const runs = new Map((found.runs ?? []).map((r) => [`${r.file}\u0000${r.job}`, r] as const));
  const lines = findings.slice(0, MAX_LINES).map((f) => {
    const r = runs.get(`${f.file}\u0000${f.job}`);
    return `- ${escapeMarkdown(f.job)} (${escapeMarkdown(`${f.file}:${f.line}`)}): ${escapeMarkdown(f.verdict)}${r ? `, ${runsPhrase(r)}` : ''}`;
  });
  const total = found.findingsTotal ?? findings.length;
  if (total > lines.length) lines.push(`- … ${total - lines.length} more in the report in the incident channel`);
  if (lines.length === 0) lines.push(`- affected pipeline files: ${escapeMarkdown(found.files.join(', ') || 'not named')}`);
  return lines;
}

function directMessage(incident: Incident, repo: string, handles: string[], found: RepoEvidence | undefined, recheck: boolean): string {
  const where = incident.channelName ? `~${incident.channelName}` : 'the incident channel';
  return [
    `:rotating_light: **${escapeMarkdown(incident.name)}** (${where}): ${recheck ? 'a re-check changed the findings for' : 'the exposure lookup found'} **${escapeMarkdown(repo)}**, which CODEOWNERS gives to ${handles.map(escapeMarkdown).join(', ')}.`,
    ...findingLines(found),
    `The checklist and the full report are in ${where}.`,
  ].join('\n');
}

function fixedMessage(incident: Incident, repo: string, at: number): string {
  const where = incident.channelName ? `~${incident.channelName}` : 'the incident channel';
  return `:white_check_mark: **${escapeMarkdown(incident.name)}** (${where}): **${escapeMarkdown(repo)}**: no longer exposed at head as of ${formatUtc(at)} (re-check: no affected job in its current head).`;
}

export interface OwnerMessages {
  /** `after` with what its repositories' owners were told (`told` of their sub-items). */
  incident: Incident;
  outbox: OutboxMessage[];
  timeline: TimelineEntry[];
}

/** What the owners are told after this answer (nothing without contacts: the setting is off). */
export function ownerMessages(before: Incident, after: Incident, evidence: LookupEvidence, at: number, recheck: boolean): OwnerMessages {
  const contacts: OwnerContacts | undefined = evidence.contacts;
  if (!contacts) return { incident: after, outbox: [], timeline: [] };
  const users = new Map<string, UserRef[]>();
  for (const u of contacts.users) users.set(u.handle, [...(users.get(u.handle) ?? []), { userId: u.userId, username: u.username }]);
  const unmapped = new Map(contacts.unmapped.map((u) => [u.handle, u.why] as const));
  const old = repoItems(before);
  const knownHandles = new Set(before.milestones.flatMap((m) => (m.items ?? []).flatMap((i) => i.owners ?? [])));
  const outbox: OutboxMessage[] = [];
  const timeline: TimelineEntry[] = [];
  const unnamed = new Map<string, string>();
  const told = new Map<string, OwnersTold>();
  for (const [repo, item] of repoItems(after)) {
    const found = evidence.repos.find((r) => r.repo === repo);
    const what = news(old.get(repo), item, found);
    if (what === 'fixed' && item.told) {
      const message = fixedMessage(after, repo, at);
      for (const u of item.told.users) outbox.push({ kind: 'dm', userId: u.userId, message });
      told.set(item.id, { state: 'fixed', at, users: item.told.users });
      timeline.push({ at, kind: 'evidence', text: `Owners of ${escapeMarkdown(repo)} told it is no longer exposed: ${item.told.users.map((u) => `@${escapeMarkdown(u.username)}`).join(', ')}` });
      continue;
    }
    const handles = item.owners ?? [];
    if (what !== 'exposed' || !found || handles.length === 0) continue;
    const recipients = new Map<string, UserRef>();
    for (const h of handles) for (const u of users.get(h) ?? []) recipients.set(u.userId, u);
    for (const h of handles) if (!users.has(h) && !knownHandles.has(h)) unnamed.set(h, unmapped.get(h) ?? 'not in owners.map');
    if (recipients.size === 0) continue;
    const message = directMessage(after, repo, handles, found, recheck);
    for (const userId of recipients.keys()) outbox.push({ kind: 'dm', userId, message });
    told.set(item.id, { state: 'exposed', at, users: [...recipients.values()], findings: findingsKey(found) });
    timeline.push({ at, kind: 'evidence', text: `Owners of ${escapeMarkdown(repo)} told by direct message: ${[...recipients.values()].map((u) => `@${escapeMarkdown(u.username)}`).join(', ')}` });
  }
  if (unnamed.size > 0 && after.channelId) {
    const lines = [...unnamed].slice(0, MAX_LINES).map(([h, why]) => `- no Mattermost user for ${escapeMarkdown(h)}: ${escapeMarkdown(why)}`);
    outbox.push({ kind: 'channel-post', channelId: after.channelId, message: [':bust_in_silhouette: **Owners not told** (CODEOWNERS handles without a Mattermost user):', ...lines].join('\n') });
  }
  if (told.size === 0) return { incident: after, outbox, timeline };
  const withTold = (i: SubItem): SubItem => {
    const t = told.get(i.id);
    return t ? { ...i, told: t } : i;
  };
  const milestones = after.milestones.map((m) => (m.id === HARDENED_ID && m.items ? { ...m, items: m.items.map(withTold) } : m));
  return { incident: { ...after, milestones }, outbox, timeline };
}

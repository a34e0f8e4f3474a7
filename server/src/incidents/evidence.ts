/**
 * A checklist that checks itself: pure transitions from what the evidence says to the checklist.
 *
 *   lookup answer (LookupEvidence) ──┐
 *   secret readings (EvidencePort) ──┼─> recordLookup ─> { incident, timeline, outbox }
 *   the incident as stored ──────────┘
 *
 * - Initial assessment: ticked — `verified by exposure lookup at …`, linking the report post — by the first
 *   COMPLETE answer; an incomplete answer leaves it open and says why (its evidence reading).
 * - Pipelines hardened: one sub-item per affected repository; a repository whose re-check has no affected
 *   job and a complete answer for it is ticked, one exposed again is un-ticked.
 * - Exposed secrets rotated: one sub-item per secret name and where it is stored; ticked when a platform
 *   reading says it changed after the start, `manual (no platform evidence available)` without one.
 * A person's tick or un-tick overrides the evidence (model.ts `personMark`): the evidence's readings are
 * still recorded (timeline `evidence`), never applied over the person. Nothing here reads a clock.
 */
import type { EvidenceReading, ExposureSummary, UserRef, Verification } from '@ci-exposure/contract';
import { escapeMarkdown } from '../markdown';
import type { ExposedSecret, LookupEvidence, RepoEvidence } from './lookup';
import { ownerMessages } from './owners';
import {
  changed,
  evidenceMark,
  followItems,
  itemTitle,
  unchanged,
  who,
  type Checkable,
  type Incident,
  type IncidentEvidence,
  type MilestoneState,
  type OutboxMessage,
  type RunTally,
  type SubItem,
  type TimelineEntry,
  type Transition,
} from './model';

export const LOOKUP_SOURCE = 'exposure lookup';
export const RECHECK_SOURCE = 're-check';
export const MANUAL_SOURCE = 'no platform evidence';
export const MANUAL_REASON = 'manual (no platform evidence available)';

export const ASSESSMENT_ID = 'initial-assessment';
export const HARDENED_ID = 'pipelines-hardened';
export const ROTATED_ID = 'secrets-rotated';

export function repoItemId(repo: string): string {
  return `repo:${repo}`;
}

/**
 * `secret:<store>:<scope>:<repo>:<name>`. A context is one store for every repository whose jobs use it:
 * its id leaves the repository out. The scope part of a secret without a scope (project settings,
 * pipeline config) is its platform outside GitHub Actions — where the platform was marked before it had a
 * field of its own — so that ids stay what they were for the sub-items of existing incidents.
 */
export function secretItemId(s: ExposedSecret): string {
  const repo = s.where.store === 'context' ? '' : (s.where.repo ?? '');
  const platform = s.where.platform === undefined || s.where.platform === 'github-actions' ? '' : s.where.platform;
  return `secret:${s.where.store}:${s.where.scope ?? platform}:${repo}:${s.name}`;
}

/** The exposed secrets of an answer, once per name and where, in the order of the repositories. */
export function exposedSecrets(evidence: LookupEvidence): ExposedSecret[] {
  const seen = new Map<string, ExposedSecret>();
  for (const r of evidence.repos) for (const s of r.secrets) if (!seen.has(secretItemId(s))) seen.set(secretItemId(s), s);
  return [...seen.values()];
}

/** The secret sub-items an answer adds to or keeps in the incident (what the EvidencePort is asked about). */
export function secretsToRead(incident: Incident, evidence: LookupEvidence | undefined): ExposedSecret[] {
  const known = new Map<string, ExposedSecret>();
  for (const item of incident.milestones.find((m) => m.id === ROTATED_ID)?.items ?? []) {
    if (item.kind === 'secret' && item.where) known.set(item.id, { name: item.label, where: item.where });
  }
  // The answer's own record of a known secret may say more (a context's repository, its platform).
  if (evidence) for (const s of exposedSecrets(evidence)) known.set(secretItemId(s), s);
  return [...known.values()];
}

export interface LookupInput {
  at: number;
  /** `exposure lookup` (the start) or `re-check`. */
  source: string;
  summary: ExposureSummary;
  /** The lookup's counts as a sentence (Markdown-safe). */
  summaryText: string;
  evidence?: LookupEvidence | undefined;
  /** The report post of this answer (the initial lookup). */
  reportPostId?: string | undefined;
  /** Readings of secret sub-items by item id; a secret without one is manual. */
  secretReadings?: Readonly<Record<string, EvidenceReading>>;
  /** A re-check: who asked for it (undefined: the schedule). */
  recheck?: { by?: UserRef | undefined };
}

/** The same reading (whichever source gave it: the lookup at the start or a re-check). */
function sameReading(a: EvidenceReading | undefined, b: EvidenceReading): boolean {
  return a !== undefined && a.state === b.state && a.reason === b.reason;
}

interface Applied<T> {
  entry: T;
  timeline: TimelineEntry[];
  /** The state changed (ticked or un-ticked). */
  flipped: boolean;
}

/**
 * One reading applied to one entry: `verified` ticks it, `not-yet` un-ticks it, `unknown` and `manual`
 * leave it; a person's override keeps it as they set it. `quiet`: a first reading that says what the
 * state already is (a sub-item just created) adds no timeline entry.
 */
function applyReading<T extends Checkable>(entry: T, reading: EvidenceReading, verification: Verification, label: string, quiet: boolean): Applied<T> {
  const fresh = !sameReading(entry.evidence, reading);
  const withReading: T = { ...entry, evidence: reading };
  const because = reading.reason ? `: ${escapeMarkdown(reading.reason)}` : '';
  const at = reading.at;
  if (entry.override) {
    const disagrees = (reading.state === 'verified' && !entry.done) || (reading.state === 'not-yet' && entry.done);
    const timeline: TimelineEntry[] =
      fresh && disagrees
        ? [{ at, kind: 'evidence', text: `${label}: the ${escapeMarkdown(reading.source)} says ${reading.state === 'verified' ? 'done' : 'not done'}${because}; kept as ${who(entry.override.by)} set it` }]
        : [];
    return { entry: withReading, timeline, flipped: false };
  }
  if (reading.state === 'verified' && !entry.done) {
    return { entry: evidenceMark(withReading, verification), timeline: [{ at, kind: 'verify', text: `${label} verified by ${escapeMarkdown(verification.source)}${because}` }], flipped: true };
  }
  if (reading.state === 'not-yet' && entry.done) {
    return { entry: evidenceMark(withReading, undefined), timeline: [{ at, kind: 'unverify', text: `${label} is not done any more: the ${escapeMarkdown(reading.source)} says not yet${because}` }], flipped: true };
  }
  const says = reading.state === 'unknown' ? `left open, the ${escapeMarkdown(reading.source)} could not tell${because}` : undefined;
  const timeline: TimelineEntry[] = fresh && !quiet && says !== undefined ? [{ at, kind: 'evidence', text: `${label}: ${says}` }] : [];
  return { entry: withReading, timeline, flipped: false };
}

/** A repository's reading in an answer: fixed only when read, complete and without an affected job. */
export function repoReading(repo: string, found: RepoEvidence | undefined, source: string, at: number): EvidenceReading {
  if (!found) return { state: 'unknown', source, at, reason: `${repo} was not read by this lookup` };
  if (found.affected) return { state: 'not-yet', source, at, reason: `still exposed in ${found.files.join(', ') || 'its pipelines'}` };
  if (!found.complete) return { state: 'unknown', source, at, reason: `the answer for ${repo} is incomplete (${found.incomplete.join('; ')})` };
  return { state: 'verified', source, at, reason: 'no affected job in the current head' };
}

export function manualReading(at: number): EvidenceReading {
  return { state: 'manual', source: MANUAL_SOURCE, at, reason: MANUAL_REASON };
}

function sameOwners(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  return (a ?? []).join('\u0000') === (b ?? []).join('\u0000') && (a === undefined) === (b === undefined);
}

/** Adds the sub-items an answer names and applies the readings to every sub-item; the milestone follows them. */
function updateItems(
  milestone: MilestoneState,
  wanted: SubItem[],
  readingOf: (item: SubItem) => { reading: EvidenceReading; verification: Verification },
  at: number,
): { milestone: MilestoneState; timeline: TimelineEntry[]; flipped: boolean } {
  const before = milestone.items ?? [];
  const known = new Set(before.map((i) => i.id));
  const added = wanted.filter((w) => !known.has(w.id));
  const owners = new Map(wanted.map((w) => [w.id, w.owners] as const));
  const timeline: TimelineEntry[] = [];
  if (added.length > 0) {
    const what = added.every((a) => a.kind === 'repository') ? 'affected repository' : 'exposed secret';
    const shown = added.slice(0, 5).map((a) => escapeMarkdown(a.label)).join(', ') + (added.length > 5 ? ', …' : '');
    timeline.push({ at, kind: 'evidence', text: `${milestone.position}. ${escapeMarkdown(milestone.title)}: ${added.length} new sub-item(s), one per ${what} (${shown})` });
  }
  let flipped = false;
  let lastVerification: Verification | undefined;
  const items = [...before, ...added].map((item, index) => {
    const withOwners = owners.has(item.id) && !sameOwners(item.owners, owners.get(item.id)) ? withOwnersOf(item, owners.get(item.id)) : item;
    const { reading, verification } = readingOf(withOwners);
    const applied = applyReading(withOwners, reading, verification, itemTitle(milestone.position, index, withOwners), !known.has(item.id));
    timeline.push(...applied.timeline);
    if (applied.flipped) {
      flipped = true;
      if (applied.entry.done) lastVerification = verification;
    }
    return applied.entry;
  });
  const followed = followItems({ ...milestone, items }, { verification: lastVerification ?? { source: readingSource(items), at } }, at);
  if (followed.entry) {
    timeline.push(followed.entry);
    flipped = true;
  }
  return { milestone: followed.milestone, timeline, flipped: flipped || added.length > 0 };
}

function withOwnersOf(item: SubItem, owners: string[] | undefined): SubItem {
  const next = { ...item };
  if (owners === undefined) delete next.owners;
  else next.owners = owners;
  return next;
}

function readingSource(items: SubItem[]): string {
  const sources = [...new Set(items.map((i) => i.verified?.source).filter((s): s is string => s !== undefined))];
  return sources.length === 1 && sources[0] !== undefined ? sources[0] : 'the evidence of its sub-items';
}

function repoItem(r: RepoEvidence): SubItem {
  const item: SubItem = { id: repoItemId(r.repo), kind: 'repository', label: r.repo, done: false };
  if (r.owners !== undefined) item.owners = r.owners;
  return item;
}

function secretItem(s: ExposedSecret, evidence: LookupEvidence): SubItem {
  const item: SubItem = { id: secretItemId(s), kind: 'secret', label: s.name, where: s.where, done: false };
  const owners = s.where.repo === undefined ? undefined : evidence.repos.find((r) => r.repo === s.where.repo)?.owners;
  if (owners !== undefined) item.owners = owners;
  return item;
}

/** Run tallies kept per incident, at most (the oldest repositories' are dropped first). */
export const MAX_RUN_TALLIES = 500;

function tallyKey(t: Pick<RunTally, 'repo' | 'file' | 'job'>): string {
  return `${t.repo}\u0000${t.file}\u0000${t.job}`;
}

/** The answer's run evidence over the kept one: repositories it read runs for are replaced, the others kept. */
function runTally(previous: readonly RunTally[] | undefined, evidence: LookupEvidence): RunTally[] | undefined {
  const read = evidence.repos.filter((r) => r.runs !== undefined && r.runs.length > 0);
  if (read.length === 0) return previous === undefined ? undefined : [...previous];
  const replaced = new Set(read.map((r) => r.repo));
  const fresh = read.flatMap((r) => (r.runs ?? []).map((j): RunTally => ({ repo: r.repo, file: j.file, job: j.job, state: j.state, count: j.count })));
  return [...(previous ?? []).filter((t) => !replaced.has(t.repo)), ...fresh].slice(-MAX_RUN_TALLIES);
}

function tallyText(t: Pick<RunTally, 'state' | 'count'>): string {
  if (t.state === 'ran') return `ran ${t.count} time${t.count === 1 ? '' : 's'}`;
  return t.state === 'not-run' ? 'did not run' : 'run history unavailable';
}

/**
 * What changed in the run evidence since the kept tally, per repository and job: `acme/app build: ran 3 →
 * 5 times in the window`, `did not run → ran 1 time`, `ran 2 times → run history unavailable (…)`. The first
 * answer with runs only keeps them (the report says them); a job the kept tally did not hold is named when
 * its repository's runs were read before. Logs already gone are said by run-logs.ts.
 */
export function runChanges(incident: Incident, evidence: LookupEvidence, at: number): TimelineEntry[] {
  const before = incident.evidence?.runs;
  if (before === undefined) return [];
  const old = new Map(before.map((t) => [tallyKey(t), t] as const));
  const seenRepos = new Set(before.map((t) => t.repo));
  const out: TimelineEntry[] = [];
  for (const r of evidence.repos) {
    for (const j of r.runs ?? []) {
      const prev = old.get(tallyKey({ repo: r.repo, file: j.file, job: j.job }));
      const name = `${escapeMarkdown(r.repo)} ${escapeMarkdown(j.job)}`;
      const why = j.state === 'unavailable' && j.reason ? ` (${escapeMarkdown(j.reason.slice(0, 200))})` : '';
      let text: string | undefined;
      if (!prev) {
        if (seenRepos.has(r.repo)) text = `${name}: ${tallyText(j)} in the window${why} (not read before)`;
      } else if (prev.state === 'ran' && j.state === 'ran' && prev.count !== j.count) {
        text = `${name}: ran ${prev.count} → ${j.count} times in the window`;
      } else if (prev.state !== j.state) {
        text = `${name}: ${tallyText(prev)} → ${tallyText(j)} in the window${why}`;
      }
      if (text !== undefined) out.push({ at, kind: 'evidence', text: `Run evidence: ${text}` });
    }
  }
  return out;
}

/**
 * A lookup answered (the initial one, or a re-check): its counts, its completeness and the readings it
 * gives are applied to the checklist. Without evidence (a lookup port that gives none) nothing is ticked.
 */
export function recordLookup(incident: Incident, input: LookupInput): Transition {
  if (input.recheck && incident.status === 'closed') return unchanged(incident);
  const at = input.at;
  const timeline: TimelineEntry[] = [];
  const recheck = input.recheck;
  const lead: TimelineEntry = recheck
    ? { at, kind: 'recheck', ...(recheck.by ? { actor: recheck.by } : {}), text: `Re-check ${recheck.by ? `by ${who(recheck.by)}` : '(scheduled)'}: ${input.summaryText}` }
    : { at, kind: 'lookup', text: input.summaryText };
  let next: Incident = { ...incident, exposure: input.summary };
  const evidence = input.evidence;
  if (!evidence) return changed(next, [lead]);

  const previous = incident.evidence;
  const record: IncidentEvidence = { lookupAt: at, complete: evidence.complete, incomplete: evidence.incomplete };
  const reportPostId = previous?.reportPostId ?? input.reportPostId;
  if (reportPostId !== undefined) record.reportPostId = reportPostId;
  const firstComplete = previous?.firstCompleteAt ?? (evidence.complete ? at : undefined);
  if (firstComplete !== undefined) record.firstCompleteAt = firstComplete;
  const recheckedAt = recheck ? at : previous?.recheckedAt;
  if (recheckedAt !== undefined) record.recheckedAt = recheckedAt;
  if (previous?.recheckClaimedAt !== undefined) record.recheckClaimedAt = previous.recheckClaimedAt;
  const runs = runTally(previous?.runs, evidence);
  if (runs !== undefined) record.runs = runs;
  next = { ...next, evidence: record };

  let flipped = false;
  const milestones = next.milestones.map((m): MilestoneState => {
    if (m.id === ASSESSMENT_ID) {
      const reading: EvidenceReading = evidence.complete
        ? { state: 'verified', source: input.source, at, reason: 'the exposure lookup answered completely' }
        : { state: 'unknown', source: input.source, at, reason: `the lookup is incomplete: ${evidence.incomplete.join('; ') || 'no reason given'}` };
      const verification: Verification = { source: input.source, at, ...(reportPostId === undefined ? {} : { postId: reportPostId }) };
      const label = `${m.position}. ${escapeMarkdown(m.title)}`;
      // Once done, the assessment stays done: a later incomplete answer does not undo the first complete one.
      const applied: Applied<MilestoneState> = m.done && reading.state !== 'verified' ? { entry: { ...m, evidence: reading }, timeline: [], flipped: false } : applyReading(m, reading, verification, label, false);
      timeline.push(...applied.timeline);
      flipped ||= applied.flipped;
      return applied.entry;
    }
    if (m.id === HARDENED_ID) {
      const wanted = evidence.repos.filter((r) => r.affected).map(repoItem);
      const u = updateItems(m, wanted, (item) => ({ reading: repoReading(item.label, evidence.repos.find((r) => r.repo === item.label), input.source, at), verification: { source: input.source, at } }), at);
      timeline.push(...u.timeline);
      flipped ||= u.flipped;
      return u.milestone;
    }
    if (m.id === ROTATED_ID) {
      const wanted = exposedSecrets(evidence).map((s) => secretItem(s, evidence));
      const u = updateItems(
        m,
        wanted,
        (item) => {
          const reading = input.secretReadings?.[item.id] ?? manualReading(at);
          return { reading, verification: { source: reading.source, at: reading.at } };
        },
        at,
      );
      timeline.push(...u.timeline);
      flipped ||= u.flipped;
      return u.milestone;
    }
    return m;
  });
  next = { ...next, milestones };

  const changes = timeline.filter((e) => e.kind === 'verify' || e.kind === 'unverify' || e.kind === 'check');
  timeline.push(...runChanges(incident, evidence, at));
  // Owners told (`owners.directMessages`: the evidence then carries their Mattermost users).
  const owners = ownerMessages(incident, next, evidence, at, recheck !== undefined);
  next = owners.incident;
  timeline.push(...owners.timeline);
  // A scheduled re-check that changed nothing leaves no trace but its time (the post shows it).
  if (recheck && !recheck.by && timeline.length === 0 && !flipped) return changed(next, []);
  const outbox: OutboxMessage[] = [...owners.outbox];
  if (recheck && changes.length > 0 && incident.channelId) {
    const lines = changes.slice(0, 10).map((e) => `- ${e.text}`);
    if (changes.length > 10) lines.push(`- … ${changes.length - 10} more in \`/ci-exposure timeline\``);
    outbox.push({ kind: 'channel-post', channelId: incident.channelId, message: [`:mag: **Re-check** ${recheck.by ? `by ${who(recheck.by)}` : '(scheduled)'} changed the checklist:`, ...lines].join('\n') });
  }
  return changed(next, [lead, ...timeline], outbox);
}

/**
 * A scheduled re-check is due (the latest answer or claim is `intervalMs` old): claims it, so that of two
 * bridges sharing the store only one runs it. Changes no revision (the post does not show the claim).
 */
export function claimRecheck(incident: Incident, now: number, intervalMs: number): Transition {
  const e = incident.evidence;
  if (incident.status !== 'open' || !e) return unchanged(incident);
  const last = Math.max(e.lookupAt, e.recheckedAt ?? 0, e.recheckClaimedAt ?? 0);
  if (now - last < intervalMs) return unchanged(incident);
  return { ok: true, changed: true, incident: { ...incident, evidence: { ...e, recheckClaimedAt: now } }, timeline: [], outbox: [] };
}

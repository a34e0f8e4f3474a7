/**
 * The bridge's state behind one port, implemented twice: SQLite (embedded, the default: one bridge) and
 * PostgreSQL (`store.url: postgres://…`: several bridges behind one URL share it). Every method is
 * async so that both engines fit; every state change is one transaction. Rows are validated with zod
 * on the way out (the database is input too), by the mapping functions below, shared by both engines.
 */
import { z } from 'zod';
import { SEVERITIES, type UserRef } from '@ci-exposure/contract';
import {
  SECRET_PLATFORMS,
  SECRET_STORES,
  SUB_ITEM_KINDS,
  TIMELINE_KINDS,
  type Checkable,
  type Incident,
  type IncidentEvidence,
  type MilestoneState,
  type OutboxMessage,
  type SubItem,
  type TimelineEntry,
  type Transition,
} from '../incidents/model';
import { INCIDENT_KINDS } from '../incidents/templates';

/** Setting holding the bot's access token (written by `ci-exposure setup`). */
export const BOT_TOKEN_SETTING = 'bot_token';
/** Setting holding the secret that signs button contexts and dialog state. */
export const ACTION_SECRET_SETTING = 'action_secret';

export type StoreEngine = 'sqlite' | 'postgres';

export interface CommandRecord {
  teamId: string;
  teamName: string;
  commandId: string;
  token: string;
}

export interface StoredTimelineEntry extends TimelineEntry {
  seq: number;
  incidentId: string;
}

export interface OutboxRecord {
  id: number;
  incidentId: string | null;
  message: OutboxMessage;
  /** Failed attempts so far (a send that may have reached Mattermost counts as one: see `claims`). */
  attempts: number;
  /** How many times this message was handed to a sender; above 1 a post may already exist. */
  claims: number;
  createdAt: number;
}

/**
 * What the run evidence read of one job log for an incident (table `run_logs`): the log's hash and size
 * when read, the lines it matched and where a payload's print was — never the whole log, never a value.
 * `goneAt`/`goneStatus`: a later read found it gone (HTTP 404/410).
 */
export interface StoredLogReading {
  repo: string;
  jobId: number;
  url: string;
  sha256: string;
  bytes: number;
  /** Epoch milliseconds. */
  readAt: number;
  lines: Array<{ line: number; text: string }>;
  payloadLines: Array<{ line: number; length: number }>;
  /** The log was longer than the reader's cap (64 MB): `sha256` and `bytes` are of its first `bytes` only. */
  truncated?: boolean;
  goneAt?: number;
  goneStatus?: number;
}

/** A log the platform no longer gives. */
export interface GoneLog {
  repo: string;
  jobId: number;
  status: number;
}

export interface Store {
  readonly engine: StoreEngine;
  /** Where the data lives (a file path, or the database URL without its password). */
  readonly location: string;
  close(): Promise<void>;
  getSetting(key: string): Promise<string | undefined>;
  setSetting(key: string, value: string): Promise<void>;
  /** The secret that signs button contexts and dialog state; created once (also across bridges). */
  actionSecret(): Promise<Buffer>;
  upsertCommand(command: CommandRecord): Promise<void>;
  listCommands(): Promise<CommandRecord[]>;
  insertIncident(incident: Incident, timeline: TimelineEntry[]): Promise<void>;
  getIncident(id: string): Promise<Incident | undefined>;
  getIncidentByChannel(channelId: string): Promise<Incident | undefined>;
  listIncidents(status?: Incident['status']): Promise<Incident[]>;
  /**
   * Loads the incident (locked against concurrent changes, also from another bridge), applies a pure
   * transition and, when it changed something, stores the new state, its timeline entries and its
   * outbox messages — all in one transaction.
   */
  apply(incidentId: string, transition: (incident: Incident) => Transition): Promise<Transition>;
  /** Read-modify-write of one incident in one transaction (for fields no transition owns). */
  update(incidentId: string, change: (incident: Incident) => Incident): Promise<Incident>;
  /** Adds entries; an entry whose (kind, ref) is already recorded is skipped. Returns how many were added. */
  appendTimeline(incidentId: string, entries: TimelineEntry[]): Promise<number>;
  timeline(incidentId: string): Promise<StoredTimelineEntry[]>;
  enqueue(incidentId: string | null, messages: OutboxMessage[], now: number): Promise<void>;
  /**
   * Hands out up to `limit` due messages to `owner` for `leaseMs`: no other claim gets them until the
   * lease ends (a bridge that dies mid-send gives them back by expiry). Each claim counts in `claims`.
   */
  claimOutbox(owner: string, now: number, leaseMs: number, limit?: number): Promise<OutboxRecord[]>;
  pendingOutboxCount(): Promise<number>;
  markSent(id: number, now: number, postId?: string): Promise<void>;
  markAttemptFailed(id: number, error: string, nextAttemptAt: number | null, now: number): Promise<void>;
  /** Open incidents with a milestone due at or before `now` that has not been notified. */
  incidentsWithOverdue(now: number): Promise<string[]>;
  /**
   * Keeps what the evidence read of job logs for an incident. The first reading of a log (repo, job id)
   * is kept as it was — its hash at the time it was read — a later one is ignored. Returns how many were new.
   */
  recordLogReadings(incidentId: string, readings: ReadonlyArray<Omit<StoredLogReading, 'goneAt' | 'goneStatus'>>): Promise<number>;
  /**
   * Marks logs read before as gone at `at`; returns the readings newly marked (a log never read, or
   * already marked, is not returned).
   */
  markLogsGone(incidentId: string, gone: readonly GoneLog[], at: number): Promise<StoredLogReading[]>;
  /** The log readings of an incident, by repository and job id. */
  logReadings(incidentId: string): Promise<StoredLogReading[]>;
}

// ───────────────────────── rows ─────────────────────────

const int = z.union([z.number(), z.bigint(), z.string().regex(/^-?\d+$/)]).transform((v) => Number(v));
const intOrNull = int.nullable();

export const incidentRow = z.object({
  id: z.string(),
  team_id: z.string(),
  channel_id: z.string().nullable(),
  channel_name: z.string().nullable(),
  name: z.string(),
  kind: z.enum(INCIDENT_KINDS),
  target_type: z.enum(['indicator', 'component']),
  target: z.string(),
  severity: z.enum(SEVERITIES),
  status: z.enum(['starting', 'open', 'closed']),
  started_at: int,
  closed_at: intOrNull,
  close_summary: z.string().nullable(),
  started_by_id: z.string(),
  started_by_username: z.string(),
  owner_id: z.string().nullable(),
  owner_username: z.string().nullable(),
  checklist_post_id: z.string().nullable(),
  last_update: z.string().nullable(),
  exposure: z.string().nullable(),
  revision: int,
  evidence: z.string().nullable(),
});

/** What a milestone and a sub-item share: who or what ticked it, the latest reading, a person's override. */
const checkableColumns = {
  done: z.union([z.boolean(), int]).transform((v) => v === true || v === 1),
  done_at: intOrNull,
  done_by_id: z.string().nullable(),
  done_by_username: z.string().nullable(),
  verified_source: z.string().nullable(),
  verified_post_id: z.string().nullable(),
  evidence: z.string().nullable(),
  override_by_id: z.string().nullable(),
  override_by_username: z.string().nullable(),
  override_at: intOrNull,
};

export const milestoneRow = z.object({
  position: int,
  milestone_id: z.string(),
  title: z.string(),
  action_id: z.string(),
  due_at: intOrNull,
  ...checkableColumns,
  assignee_id: z.string().nullable(),
  assignee_username: z.string().nullable(),
  notified_at: intOrNull,
});

export const itemRow = z.object({
  position: int,
  item_id: z.string(),
  item_position: int,
  kind: z.enum(SUB_ITEM_KINDS),
  label: z.string(),
  secret_store: z.enum(SECRET_STORES).nullable(),
  secret_scope: z.string().nullable(),
  secret_repo: z.string().nullable(),
  secret_platform: z.enum(SECRET_PLATFORMS).nullable(),
  owners: z.string().nullable(),
  owners_told: z.string().nullable(),
  ...checkableColumns,
});

const readingJson = z.object({
  state: z.enum(['verified', 'not-yet', 'unknown', 'manual']),
  source: z.string(),
  at: z.number(),
  reason: z.string().optional(),
});
const ownersJson = z.array(z.string());
const ownersToldJson = z.object({
  state: z.enum(['exposed', 'fixed']),
  at: z.number(),
  users: z.array(z.object({ userId: z.string(), username: z.string() })),
  findings: z.string().optional(),
});
const incidentEvidenceJson = z.object({
  lookupAt: z.number(),
  complete: z.boolean(),
  incomplete: z.array(z.string()),
  reportPostId: z.string().optional(),
  firstCompleteAt: z.number().optional(),
  recheckedAt: z.number().optional(),
  recheckClaimedAt: z.number().optional(),
  runs: z.array(z.object({ repo: z.string(), file: z.string(), job: z.string(), state: z.enum(['ran', 'not-run', 'unavailable']), count: z.number() })).optional(),
});

const statusUpdateJson = z.object({ text: z.string(), at: z.number(), by: z.object({ userId: z.string(), username: z.string() }) });
const exposureJson = z.object({
  repos: z.number(),
  jobs: z.number(),
  affected: z.number(),
  unresolved: z.number(),
  errors: z.number(),
  byVerdict: z.object({ critical: z.number(), high: z.number(), medium: z.number(), low: z.number(), 'not-run': z.number().optional() }),
  ran: z.number().optional(),
});
export const outboxJson = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('channel-post'), channelId: z.string(), message: z.string() }),
  z.object({ kind: z.literal('dm'), userId: z.string(), message: z.string() }),
  z.object({ kind: z.literal('stakeholder'), message: z.string() }),
]);

const timelineRow = z.object({
  seq: int,
  incident_id: z.string(),
  at: int,
  kind: z.enum(TIMELINE_KINDS),
  actor_id: z.string().nullable(),
  actor_username: z.string().nullable(),
  text: z.string(),
  ref: z.string().nullable(),
});

const outboxRow = z.object({ id: int, incident_id: z.string().nullable(), payload: z.string(), attempts: int, claims: int, created_at: int });
const commandRow = z.object({ team_id: z.string(), team_name: z.string(), command_id: z.string(), token: z.string() });

const userRef = (id: string | null, username: string | null): UserRef | undefined => (id !== null && username !== null ? { userId: id, username } : undefined);

export function toIncident(raw: unknown, milestones: unknown[], items: unknown[] = []): Incident {
  const row = incidentRow.parse(raw);
  const byPosition = new Map<number, SubItem[]>();
  for (const r of items.map((i) => itemRow.parse(i)).sort((a, b) => a.position - b.position || a.item_position - b.item_position)) {
    byPosition.set(r.position, [...(byPosition.get(r.position) ?? []), toItem(r)]);
  }
  const incident: Incident = {
    id: row.id,
    teamId: row.team_id,
    name: row.name,
    kind: row.kind,
    target: row.target_type === 'indicator' ? { type: 'indicator', id: row.target } : { type: 'component', spec: row.target },
    severity: row.severity,
    status: row.status,
    startedAt: row.started_at,
    startedBy: { userId: row.started_by_id, username: row.started_by_username },
    revision: row.revision,
    milestones: milestones.map((m) => toMilestone(m, byPosition)),
  };
  if (row.channel_id !== null) incident.channelId = row.channel_id;
  if (row.channel_name !== null) incident.channelName = row.channel_name;
  if (row.closed_at !== null) incident.closedAt = row.closed_at;
  if (row.close_summary !== null) incident.closeSummary = row.close_summary;
  const owner = userRef(row.owner_id, row.owner_username);
  if (owner) incident.owner = owner;
  if (row.checklist_post_id !== null) incident.checklistPostId = row.checklist_post_id;
  if (row.last_update !== null) incident.lastUpdate = statusUpdateJson.parse(JSON.parse(row.last_update));
  if (row.exposure !== null) incident.exposure = exposureJson.parse(JSON.parse(row.exposure));
  if (row.evidence !== null) incident.evidence = stripUndefined(incidentEvidenceJson.parse(JSON.parse(row.evidence))) as IncidentEvidence;
  return incident;
}

/** zod leaves optional keys out; this keeps that promise explicit for exactOptionalPropertyTypes. */
function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

type CheckableRow = { [K in keyof typeof checkableColumns]: z.infer<(typeof checkableColumns)[K]> };

function toCheckable<T extends Checkable>(base: T, row: CheckableRow): T {
  const c: T = { ...base, done: row.done };
  if (row.done_at !== null) c.doneAt = row.done_at;
  const doneBy = userRef(row.done_by_id, row.done_by_username);
  if (doneBy) c.doneBy = doneBy;
  if (row.verified_source !== null && row.done_at !== null) {
    c.verified = { source: row.verified_source, at: row.done_at, ...(row.verified_post_id === null ? {} : { postId: row.verified_post_id }) };
  }
  if (row.evidence !== null) c.evidence = stripUndefined(readingJson.parse(JSON.parse(row.evidence))) as NonNullable<Checkable['evidence']>;
  const by = userRef(row.override_by_id, row.override_by_username);
  if (by && row.override_at !== null) c.override = { by, at: row.override_at };
  return c;
}

function toItem(row: z.infer<typeof itemRow>): SubItem {
  const item = toCheckable<SubItem>({ id: row.item_id, kind: row.kind, label: row.label, done: false }, row);
  if (row.secret_store !== null) {
    item.where = {
      store: row.secret_store,
      ...(row.secret_scope === null ? {} : { scope: row.secret_scope }),
      ...(row.secret_repo === null ? {} : { repo: row.secret_repo }),
      ...(row.secret_platform === null ? {} : { platform: row.secret_platform }),
    };
  }
  if (row.owners !== null) item.owners = ownersJson.parse(JSON.parse(row.owners));
  if (row.owners_told !== null) item.told = stripUndefined(ownersToldJson.parse(JSON.parse(row.owners_told))) as NonNullable<SubItem['told']>;
  return item;
}

function toMilestone(raw: unknown, items: ReadonlyMap<number, SubItem[]>): MilestoneState {
  const row = milestoneRow.parse(raw);
  const m = toCheckable<MilestoneState>({ position: row.position, id: row.milestone_id, title: row.title, actionId: row.action_id, done: false }, row);
  if (row.due_at !== null) m.dueAt = row.due_at;
  const list = items.get(row.position);
  if (list && list.length > 0) m.items = list;
  const assignee = userRef(row.assignee_id, row.assignee_username);
  if (assignee) m.assignee = assignee;
  if (row.notified_at !== null) m.notifiedAt = row.notified_at;
  return m;
}

export function toTimelineEntry(raw: unknown): StoredTimelineEntry {
  const row = timelineRow.parse(raw);
  const entry: StoredTimelineEntry = { seq: row.seq, incidentId: row.incident_id, at: row.at, kind: row.kind, text: row.text };
  const actor = userRef(row.actor_id, row.actor_username);
  if (actor) entry.actor = actor;
  if (row.ref !== null) entry.ref = row.ref;
  return entry;
}

export function toOutboxRecord(raw: unknown): OutboxRecord {
  const row = outboxRow.parse(raw);
  return {
    id: row.id,
    incidentId: row.incident_id,
    message: outboxJson.parse(JSON.parse(row.payload)),
    attempts: row.attempts,
    claims: row.claims,
    createdAt: row.created_at,
  };
}

export function toCommand(raw: unknown): CommandRecord {
  const row = commandRow.parse(raw);
  return { teamId: row.team_id, teamName: row.team_name, commandId: row.command_id, token: row.token };
}

export function settingValue(raw: unknown): string | undefined {
  return raw === undefined || raw === null ? undefined : z.object({ value: z.string() }).parse(raw).value;
}

export function countOf(raw: unknown): number {
  return z.object({ n: int }).parse(raw).n;
}

export function idOf(raw: unknown): string {
  return z.object({ id: z.string() }).parse(raw).id;
}

/** Column values of an incident row (both engines use the same column names). */
export function incidentParams(incident: Incident): Record<string, string | number | null> {
  return {
    id: incident.id,
    team_id: incident.teamId,
    channel_id: incident.channelId ?? null,
    channel_name: incident.channelName ?? null,
    name: incident.name,
    kind: incident.kind,
    target_type: incident.target.type,
    target: incident.target.type === 'indicator' ? incident.target.id : incident.target.spec,
    severity: incident.severity,
    status: incident.status,
    started_at: incident.startedAt,
    closed_at: incident.closedAt ?? null,
    close_summary: incident.closeSummary ?? null,
    started_by_id: incident.startedBy.userId,
    started_by_username: incident.startedBy.username,
    owner_id: incident.owner?.userId ?? null,
    owner_username: incident.owner?.username ?? null,
    checklist_post_id: incident.checklistPostId ?? null,
    last_update: incident.lastUpdate ? JSON.stringify(incident.lastUpdate) : null,
    exposure: incident.exposure ? JSON.stringify(incident.exposure) : null,
    revision: incident.revision,
    evidence: incident.evidence ? JSON.stringify(incident.evidence) : null,
  };
}

function checkableParams(c: Checkable): Record<string, string | number | null> {
  return {
    done: c.done ? 1 : 0,
    done_at: c.done ? (c.doneAt ?? null) : null,
    done_by_id: c.done ? (c.doneBy?.userId ?? null) : null,
    done_by_username: c.done ? (c.doneBy?.username ?? null) : null,
    verified_source: c.done ? (c.verified?.source ?? null) : null,
    verified_post_id: c.done ? (c.verified?.postId ?? null) : null,
    evidence: c.evidence ? JSON.stringify(c.evidence) : null,
    override_by_id: c.override?.by.userId ?? null,
    override_by_username: c.override?.by.username ?? null,
    override_at: c.override?.at ?? null,
  };
}

export function itemParams(incidentId: string, position: number, index: number, item: SubItem): Record<string, string | number | null> {
  return {
    incident_id: incidentId,
    position,
    item_id: item.id,
    item_position: index,
    kind: item.kind,
    label: item.label,
    secret_store: item.where?.store ?? null,
    secret_scope: item.where?.scope ?? null,
    secret_repo: item.where?.repo ?? null,
    secret_platform: item.where?.platform ?? null,
    owners: item.owners ? JSON.stringify(item.owners) : null,
    owners_told: item.told ? JSON.stringify(item.told) : null,
    ...checkableParams(item),
  };
}

/**
 * The sub-items to write: those new or changed since `before` (the state the change was computed from;
 * undefined: all of them). Sub-items are never removed, so nothing is deleted.
 */
export function changedItems(before: Incident | undefined, after: Incident): Array<{ position: number; index: number; item: SubItem }> {
  const old = new Map<string, string>();
  for (const m of before?.milestones ?? []) (m.items ?? []).forEach((item, index) => old.set(`${m.position}\u0000${item.id}`, JSON.stringify([index, item])));
  const out: Array<{ position: number; index: number; item: SubItem }> = [];
  for (const m of after.milestones) {
    (m.items ?? []).forEach((item, index) => {
      if (old.get(`${m.position}\u0000${item.id}`) !== JSON.stringify([index, item])) out.push({ position: m.position, index, item });
    });
  }
  return out;
}

export function milestoneParams(incidentId: string, m: MilestoneState): Record<string, string | number | null> {
  return {
    incident_id: incidentId,
    position: m.position,
    milestone_id: m.id,
    title: m.title,
    action_id: m.actionId,
    due_at: m.dueAt ?? null,
    ...checkableParams(m),
    assignee_id: m.assignee?.userId ?? null,
    assignee_username: m.assignee?.username ?? null,
    notified_at: m.notifiedAt ?? null,
  };
}

export const INCIDENT_COLUMNS = Object.keys(incidentRow.shape);
export const MILESTONE_COLUMNS = ['incident_id', ...Object.keys(milestoneRow.shape)];
export const ITEM_COLUMNS = ['incident_id', ...Object.keys(itemRow.shape)];
/** Columns an upsert of an existing milestone or sub-item rewrites (all but the keys). */
export const MILESTONE_UPDATE_COLUMNS = MILESTONE_COLUMNS.filter((c) => !['incident_id', 'position', 'milestone_id', 'action_id'].includes(c));
export const ITEM_UPDATE_COLUMNS = ITEM_COLUMNS.filter((c) => !['incident_id', 'position', 'item_id'].includes(c));

/** Migration files `NNNN_name.sql`, in order, without gaps. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function parseMigrationFiles(files: Array<{ file: string; sql: string }>): Migration[] {
  return [...files]
    .sort((a, b) => a.file.localeCompare(b.file))
    .map(({ file, sql }, index) => {
      const match = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file);
      if (!match) throw new Error(`store migration ${file}: name must be NNNN_name.sql`);
      const version = Number(match[1]);
      if (version !== index + 1) throw new Error(`store migration ${file}: expected version ${index + 1}`);
      return { version, name: match[2] ?? '', sql };
    });
}

/** Query parameters of a database URL that carry a secret (node-postgres reads `?password=` too). */
const SECRET_PARAM = /pass|secret|token/i;

/** A database URL for messages and logs: the password is never shown, in the user part or the query. */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'postgres://(unparseable URL)';
  }
  if (u.password) u.password = '***';
  for (const key of new Set(u.searchParams.keys())) {
    if (SECRET_PARAM.test(key)) u.searchParams.set(key, '***');
  }
  return u.toString();
}

// ───────────────────────── run logs ─────────────────────────

export const RUN_LOG_COLUMNS = ['incident_id', 'repo', 'job_id', 'url', 'sha256', 'bytes', 'read_at', 'lines', 'payload_lines', 'truncated'] as const;

const runLogRow = z.object({
  repo: z.string(),
  job_id: int,
  url: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: int,
  read_at: int,
  lines: z.string(),
  payload_lines: z.string(),
  truncated: int,
  gone_at: intOrNull,
  gone_status: intOrNull,
});
const linesJson = z.array(z.object({ line: z.number(), text: z.string() }));
const payloadLinesJson = z.array(z.object({ line: z.number(), length: z.number() }));

export function runLogParams(incidentId: string, r: Omit<StoredLogReading, 'goneAt' | 'goneStatus'>): Record<(typeof RUN_LOG_COLUMNS)[number], string | number> {
  return {
    incident_id: incidentId,
    repo: r.repo,
    job_id: r.jobId,
    url: r.url,
    sha256: r.sha256,
    bytes: r.bytes,
    read_at: r.readAt,
    // Only the fields named: whatever else a caller's objects carry stays out of the store.
    lines: JSON.stringify(r.lines.map((l) => ({ line: l.line, text: l.text }))),
    payload_lines: JSON.stringify(r.payloadLines.map((p) => ({ line: p.line, length: p.length }))),
    truncated: r.truncated === true ? 1 : 0,
  };
}

export function toLogReading(raw: unknown): StoredLogReading {
  const row = runLogRow.parse(raw);
  return {
    repo: row.repo,
    jobId: row.job_id,
    url: row.url,
    sha256: row.sha256,
    bytes: row.bytes,
    readAt: row.read_at,
    lines: linesJson.parse(JSON.parse(row.lines)),
    payloadLines: payloadLinesJson.parse(JSON.parse(row.payload_lines)),
    ...(row.truncated === 1 ? { truncated: true } : {}),
    ...(row.gone_at === null ? {} : { goneAt: row.gone_at }),
    ...(row.gone_status === null ? {} : { goneStatus: row.gone_status }),
  };
}

/**
 * The bridge's state in one SQLite file (better-sqlite3, synchronous: every transaction runs alone).
 * Migrations are the numbered `.sql` files next to this module (copied into dist by the build); the
 * applied version is SQLite's `user_version`. The file is created with mode 0600: it holds tokens.
 */
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { SEVERITIES, type UserRef } from '../contract';
import { TIMELINE_KINDS, type Incident, type MilestoneState, type OutboxMessage, type TimelineEntry, type Transition } from '../incidents/model';
import { INCIDENT_KINDS } from '../incidents/templates';

export const STORE_FILE = 'ci-exposure.db';
/** Setting holding the bot's access token (written by `ci-exposure setup`). */
export const BOT_TOKEN_SETTING = 'bot_token';
export const MIGRATIONS_DIR = join(__dirname, 'migrations');

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Reads `NNNN_name.sql` files in order; a gap or a bad name is an error (a broken build, not input). */
export function loadMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  if (!existsSync(dir)) throw new Error(`store migrations not found in ${dir} (is the build complete?)`);
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
  return files.map((file, index) => {
    const match = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file);
    if (!match) throw new Error(`store migration ${file}: name must be NNNN_name.sql`);
    const version = Number(match[1]);
    if (version !== index + 1) throw new Error(`store migration ${file}: expected version ${index + 1}`);
    return { version, name: match[2] ?? '', sql: readFileSync(join(dir, file), 'utf8') };
  });
}

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
  attempts: number;
  createdAt: number;
}

const userRef = (id: unknown, username: unknown): UserRef | undefined =>
  typeof id === 'string' && typeof username === 'string' ? { userId: id, username } : undefined;

const incidentRow = z.object({
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
  started_at: z.number(),
  closed_at: z.number().nullable(),
  close_summary: z.string().nullable(),
  started_by_id: z.string(),
  started_by_username: z.string(),
  owner_id: z.string().nullable(),
  owner_username: z.string().nullable(),
  checklist_post_id: z.string().nullable(),
  last_update: z.string().nullable(),
  exposure: z.string().nullable(),
  revision: z.number(),
});

const milestoneRow = z.object({
  position: z.number(),
  milestone_id: z.string(),
  title: z.string(),
  action_id: z.string(),
  due_at: z.number().nullable(),
  done: z.number(),
  done_at: z.number().nullable(),
  done_by_id: z.string().nullable(),
  done_by_username: z.string().nullable(),
  assignee_id: z.string().nullable(),
  assignee_username: z.string().nullable(),
  notified_at: z.number().nullable(),
});

const statusUpdateJson = z.object({ text: z.string(), at: z.number(), by: z.object({ userId: z.string(), username: z.string() }) });
const exposureJson = z.object({
  repos: z.number(),
  jobs: z.number(),
  affected: z.number(),
  unresolved: z.number(),
  errors: z.number(),
  byVerdict: z.object({ critical: z.number(), high: z.number(), medium: z.number(), low: z.number() }),
});
const outboxJson = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('channel-post'), channelId: z.string(), message: z.string() }),
  z.object({ kind: z.literal('dm'), userId: z.string(), message: z.string() }),
  z.object({ kind: z.literal('stakeholder'), message: z.string() }),
]);

function toIncident(raw: unknown, milestones: unknown[]): Incident {
  const row = incidentRow.parse(raw);
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
    milestones: milestones.map((m) => toMilestone(m)),
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
  return incident;
}

function toMilestone(raw: unknown): MilestoneState {
  const row = milestoneRow.parse(raw);
  const m: MilestoneState = { position: row.position, id: row.milestone_id, title: row.title, actionId: row.action_id, done: row.done === 1 };
  if (row.due_at !== null) m.dueAt = row.due_at;
  if (row.done_at !== null) m.doneAt = row.done_at;
  const doneBy = userRef(row.done_by_id, row.done_by_username);
  if (doneBy) m.doneBy = doneBy;
  const assignee = userRef(row.assignee_id, row.assignee_username);
  if (assignee) m.assignee = assignee;
  if (row.notified_at !== null) m.notifiedAt = row.notified_at;
  return m;
}

export interface Store {
  readonly path: string;
  close(): void;
  /** Runs `fn` in one transaction (nested calls join the outer one). */
  transaction<T>(fn: () => T): T;
  getSetting(key: string): string | undefined;
  setSetting(key: string, value: string): void;
  /** The secret that signs button contexts and dialog state; created on first use. */
  actionSecret(): Buffer;
  upsertCommand(command: CommandRecord): void;
  listCommands(): CommandRecord[];
  insertIncident(incident: Incident, timeline: TimelineEntry[]): void;
  saveIncident(incident: Incident): void;
  getIncident(id: string): Incident | undefined;
  getIncidentByChannel(channelId: string): Incident | undefined;
  listIncidents(status?: Incident['status']): Incident[];
  /**
   * Loads the incident, applies a pure transition and, when it changed something, stores the new state,
   * its timeline entries and its outbox messages — all in one transaction.
   */
  apply(incidentId: string, transition: (incident: Incident) => Transition): Transition;
  appendTimeline(incidentId: string, entries: TimelineEntry[]): number;
  timeline(incidentId: string): StoredTimelineEntry[];
  enqueue(incidentId: string | null, messages: OutboxMessage[], now: number): void;
  dueOutbox(now: number, limit?: number): OutboxRecord[];
  pendingOutboxCount(): number;
  markSent(id: number, now: number): void;
  markAttemptFailed(id: number, error: string, nextAttemptAt: number | null, now: number): void;
  /** Open incidents with a milestone due at or before `now` that has not been notified. */
  incidentsWithOverdue(now: number): string[];
}

export function openStore(dataDir: string, options: { migrationsDir?: string; file?: string } = {}): Store {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, options.file ?? STORE_FILE);
  const db = new Database(path);
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    if (existsSync(file)) chmodSync(file, 0o600);
  }
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db, loadMigrations(options.migrationsDir));
  for (const file of [`${path}-wal`, `${path}-shm`]) {
    if (existsSync(file)) chmodSync(file, 0o600);
  }
  return createStore(db, path);
}

function migrate(db: Database.Database, migrations: Migration[]): void {
  const current = Number(db.pragma('user_version', { simple: true }));
  const latest = migrations.length;
  if (current > latest) throw new Error(`store schema version ${current} is newer than this bridge (${latest})`);
  for (const m of migrations.slice(current)) {
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
}

function createStore(db: Database.Database, path: string): Store {
  const q = {
    getSetting: db.prepare('SELECT value FROM settings WHERE key = ?'),
    setSetting: db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
    upsertCommand: db.prepare(
      'INSERT INTO commands (team_id, team_name, command_id, token) VALUES (@teamId, @teamName, @commandId, @token) ' +
        'ON CONFLICT(team_id) DO UPDATE SET team_name = excluded.team_name, command_id = excluded.command_id, token = excluded.token',
    ),
    listCommands: db.prepare('SELECT team_id, team_name, command_id, token FROM commands ORDER BY team_name'),
    insertIncident: db.prepare(
      `INSERT INTO incidents (id, team_id, channel_id, channel_name, name, kind, target_type, target, severity, status,
        started_at, closed_at, close_summary, started_by_id, started_by_username, owner_id, owner_username,
        checklist_post_id, last_update, exposure, revision)
       VALUES (@id, @team_id, @channel_id, @channel_name, @name, @kind, @target_type, @target, @severity, @status,
        @started_at, @closed_at, @close_summary, @started_by_id, @started_by_username, @owner_id, @owner_username,
        @checklist_post_id, @last_update, @exposure, @revision)`,
    ),
    updateIncident: db.prepare(
      `UPDATE incidents SET channel_id = @channel_id, channel_name = @channel_name, name = @name, severity = @severity,
        status = @status, closed_at = @closed_at, close_summary = @close_summary, owner_id = @owner_id,
        owner_username = @owner_username, checklist_post_id = @checklist_post_id, last_update = @last_update,
        exposure = @exposure, revision = @revision WHERE id = @id`,
    ),
    upsertMilestone: db.prepare(
      `INSERT INTO milestones (incident_id, position, milestone_id, title, action_id, due_at, done, done_at, done_by_id,
        done_by_username, assignee_id, assignee_username, notified_at)
       VALUES (@incident_id, @position, @milestone_id, @title, @action_id, @due_at, @done, @done_at, @done_by_id,
        @done_by_username, @assignee_id, @assignee_username, @notified_at)
       ON CONFLICT(incident_id, position) DO UPDATE SET done = excluded.done, done_at = excluded.done_at,
        done_by_id = excluded.done_by_id, done_by_username = excluded.done_by_username,
        assignee_id = excluded.assignee_id, assignee_username = excluded.assignee_username,
        notified_at = excluded.notified_at, due_at = excluded.due_at, title = excluded.title`,
    ),
    getIncident: db.prepare('SELECT * FROM incidents WHERE id = ?'),
    getIncidentByChannel: db.prepare('SELECT * FROM incidents WHERE channel_id = ?'),
    listIncidents: db.prepare('SELECT * FROM incidents ORDER BY started_at, id'),
    listIncidentsByStatus: db.prepare('SELECT * FROM incidents WHERE status = ? ORDER BY started_at, id'),
    milestones: db.prepare('SELECT * FROM milestones WHERE incident_id = ? ORDER BY position'),
    appendTimeline: db.prepare(
      'INSERT OR IGNORE INTO timeline (incident_id, at, kind, actor_id, actor_username, text, ref) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    timeline: db.prepare('SELECT * FROM timeline WHERE incident_id = ? ORDER BY seq'),
    enqueue: db.prepare('INSERT INTO outbox (incident_id, kind, payload, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?)'),
    dueOutbox: db.prepare(
      'SELECT id, incident_id, payload, attempts, created_at FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ? ORDER BY id LIMIT ?',
    ),
    pendingOutbox: db.prepare('SELECT COUNT(*) AS n FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL'),
    markSent: db.prepare('UPDATE outbox SET sent_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?'),
    markRetry: db.prepare('UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?'),
    markFailed: db.prepare('UPDATE outbox SET attempts = attempts + 1, last_error = ?, failed_at = ? WHERE id = ?'),
    overdue: db.prepare(
      `SELECT DISTINCT m.incident_id AS id FROM milestones m JOIN incidents i ON i.id = m.incident_id
       WHERE i.status = 'open' AND m.done = 0 AND m.notified_at IS NULL AND m.due_at IS NOT NULL AND m.due_at <= ?`,
    ),
  };

  const load = (raw: unknown): Incident | undefined => {
    if (raw === undefined) return undefined;
    const id = z.object({ id: z.string() }).parse(raw).id;
    return toIncident(raw, q.milestones.all(id));
  };

  const incidentParams = (incident: Incident): Record<string, string | number | null> => ({
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
  });

  const saveMilestones = (incident: Incident): void => {
    for (const m of incident.milestones) {
      q.upsertMilestone.run({
        incident_id: incident.id,
        position: m.position,
        milestone_id: m.id,
        title: m.title,
        action_id: m.actionId,
        due_at: m.dueAt ?? null,
        done: m.done ? 1 : 0,
        done_at: m.doneAt ?? null,
        done_by_id: m.doneBy?.userId ?? null,
        done_by_username: m.doneBy?.username ?? null,
        assignee_id: m.assignee?.userId ?? null,
        assignee_username: m.assignee?.username ?? null,
        notified_at: m.notifiedAt ?? null,
      });
    }
  };

  const transaction = <T>(fn: () => T): T => db.transaction(fn)();

  const appendTimeline = (incidentId: string, entries: TimelineEntry[]): number => {
    let added = 0;
    for (const e of entries) {
      added += q.appendTimeline.run(incidentId, e.at, e.kind, e.actor?.userId ?? null, e.actor?.username ?? null, e.text, e.ref ?? null).changes;
    }
    return added;
  };

  const enqueue = (incidentId: string | null, messages: OutboxMessage[], now: number): void => {
    for (const m of messages) q.enqueue.run(incidentId, m.kind, JSON.stringify(m), now, now);
  };

  const saveIncident = (incident: Incident): void => {
    const result = q.updateIncident.run(incidentParams(incident));
    if (result.changes !== 1) throw new Error(`incident ${incident.id} does not exist`);
    saveMilestones(incident);
  };

  return {
    path,
    close: () => db.close(),
    transaction,
    getSetting: (key) => {
      const row = q.getSetting.get(key);
      return row === undefined ? undefined : z.object({ value: z.string() }).parse(row).value;
    },
    setSetting: (key, value) => {
      q.setSetting.run(key, value);
    },
    actionSecret: () =>
      transaction(() => {
        const existing = q.getSetting.get('action_secret');
        if (existing !== undefined) return Buffer.from(z.object({ value: z.string() }).parse(existing).value, 'base64');
        const secret = randomBytes(32);
        q.setSetting.run('action_secret', secret.toString('base64'));
        return secret;
      }),
    upsertCommand: (command) => {
      q.upsertCommand.run(command);
    },
    listCommands: () =>
      q.listCommands.all().map((raw) => {
        const row = z.object({ team_id: z.string(), team_name: z.string(), command_id: z.string(), token: z.string() }).parse(raw);
        return { teamId: row.team_id, teamName: row.team_name, commandId: row.command_id, token: row.token };
      }),
    insertIncident: (incident, timeline) =>
      transaction(() => {
        q.insertIncident.run(incidentParams(incident));
        saveMilestones(incident);
        appendTimeline(incident.id, timeline);
      }),
    saveIncident: (incident) => transaction(() => saveIncident(incident)),
    getIncident: (id) => load(q.getIncident.get(id)),
    getIncidentByChannel: (channelId) => load(q.getIncidentByChannel.get(channelId)),
    listIncidents: (status) => {
      const rows = status === undefined ? q.listIncidents.all() : q.listIncidentsByStatus.all(status);
      return rows.map((r) => load(r)).filter((i): i is Incident => i !== undefined);
    },
    apply: (incidentId, transition) =>
      transaction(() => {
        const incident = load(q.getIncident.get(incidentId));
        if (!incident) return { ok: false, reason: 'this incident no longer exists' } satisfies Transition;
        const result = transition(incident);
        if (result.ok && result.changed) {
          saveIncident(result.incident);
          appendTimeline(incidentId, result.timeline);
          enqueue(incidentId, result.outbox, result.timeline[0]?.at ?? Date.now());
        }
        return result;
      }),
    appendTimeline: (incidentId, entries) => transaction(() => appendTimeline(incidentId, entries)),
    timeline: (incidentId) =>
      q.timeline.all(incidentId).map((raw) => {
        const row = z
          .object({
            seq: z.number(),
            incident_id: z.string(),
            at: z.number(),
            kind: z.enum(TIMELINE_KINDS),
            actor_id: z.string().nullable(),
            actor_username: z.string().nullable(),
            text: z.string(),
            ref: z.string().nullable(),
          })
          .parse(raw);
        const entry: StoredTimelineEntry = {
          seq: row.seq,
          incidentId: row.incident_id,
          at: row.at,
          kind: row.kind,
          text: row.text,
        };
        const actor = userRef(row.actor_id, row.actor_username);
        if (actor) entry.actor = actor;
        if (row.ref !== null) entry.ref = row.ref;
        return entry;
      }),
    enqueue: (incidentId, messages, now) => transaction(() => enqueue(incidentId, messages, now)),
    dueOutbox: (now, limit = 50) =>
      q.dueOutbox.all(now, limit).map((raw) => {
        const row = z
          .object({ id: z.number(), incident_id: z.string().nullable(), payload: z.string(), attempts: z.number(), created_at: z.number() })
          .parse(raw);
        return { id: row.id, incidentId: row.incident_id, message: outboxJson.parse(JSON.parse(row.payload)), attempts: row.attempts, createdAt: row.created_at };
      }),
    pendingOutboxCount: () => z.object({ n: z.number() }).parse(q.pendingOutbox.get()).n,
    markSent: (id, now) => {
      q.markSent.run(now, id);
    },
    markAttemptFailed: (id, error, nextAttemptAt, now) => {
      if (nextAttemptAt === null) q.markFailed.run(error, now, id);
      else q.markRetry.run(error, nextAttemptAt, id);
    },
    incidentsWithOverdue: (now) => q.overdue.all(now).map((raw) => z.object({ id: z.string() }).parse(raw).id),
  };
}

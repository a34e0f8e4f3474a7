/**
 * The store in one SQLite file (better-sqlite3, synchronous underneath: every transaction runs alone,
 * so the async methods of the port simply run to completion). The embedded default for one bridge.
 * Migrations are the numbered `.sql` files in migrations/sqlite (copied into dist by the build); the
 * applied version is SQLite's `user_version`. The file is created with mode 0600: it holds tokens.
 */
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Incident, OutboxMessage, TimelineEntry, Transition } from '../incidents/model';
import {
  ACTION_SECRET_SETTING,
  INCIDENT_COLUMNS,
  ITEM_COLUMNS,
  ITEM_UPDATE_COLUMNS,
  MILESTONE_COLUMNS,
  MILESTONE_UPDATE_COLUMNS,
  changedItems,
  countOf,
  idOf,
  incidentParams,
  itemParams,
  milestoneParams,
  parseMigrationFiles,
  RUN_LOG_COLUMNS,
  runLogParams,
  settingValue,
  toCommand,
  toIncident,
  toLogReading,
  toOutboxRecord,
  toTimelineEntry,
  type Migration,
  type Store,
} from './store';

export const STORE_FILE = 'ci-exposure.db';
export const SQLITE_MIGRATIONS_DIR = join(__dirname, 'migrations', 'sqlite');

/** Reads `NNNN_name.sql` files in order; a gap or a bad name is an error (a broken build, not input). */
export function loadMigrations(dir: string = SQLITE_MIGRATIONS_DIR): Migration[] {
  if (!existsSync(dir)) throw new Error(`store migrations not found in ${dir} (is the build complete?)`);
  return parseMigrationFiles(
    readdirSync(dir)
      .filter((f) => f.endsWith('.sql'))
      .map((file) => ({ file, sql: readFileSync(join(dir, file), 'utf8') })),
  );
}

export function openSqliteStore(dataDir: string, options: { migrationsDir?: string; file?: string } = {}): Store {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, options.file ?? STORE_FILE);
  const db = new Database(path);
  try {
    for (const file of [path, `${path}-wal`, `${path}-shm`]) {
      if (existsSync(file)) chmodSync(file, 0o600);
    }
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    migrate(db, loadMigrations(options.migrationsDir));
    for (const file of [`${path}-wal`, `${path}-shm`]) {
      if (existsSync(file)) chmodSync(file, 0o600);
    }
  } catch (err) {
    // A store that cannot be opened (newer schema, broken build) leaves no handle on the file behind.
    db.close();
    throw err;
  }
  return createStore(db, path);
}

/**
 * Runs the missing migrations in one IMMEDIATE transaction: the version is read under the write lock,
 * so two processes opening the same file at once (the bridge and `ci-exposure setup`) migrate once.
 */
function migrate(db: Database.Database, migrations: Migration[]): void {
  db.transaction(() => {
    const current = Number(db.pragma('user_version', { simple: true }));
    const latest = migrations.length;
    if (current > latest) throw new Error(`store schema version ${current} is newer than this bridge (${latest}): run a newer bridge`);
    for (const m of migrations.slice(current)) {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }
  }).immediate();
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
    insertIncident: db.prepare(`INSERT INTO incidents (${INCIDENT_COLUMNS.join(', ')}) VALUES (${INCIDENT_COLUMNS.map((c) => `@${c}`).join(', ')})`),
    // Every column but the id, as on PostgreSQL: both engines store the same incident.
    updateIncident: db.prepare(
      `UPDATE incidents SET ${INCIDENT_COLUMNS.filter((c) => c !== 'id')
        .map((c) => `${c} = @${c}`)
        .join(', ')} WHERE id = @id`,
    ),
    upsertMilestone: db.prepare(
      `INSERT INTO milestones (${MILESTONE_COLUMNS.join(', ')}) VALUES (${MILESTONE_COLUMNS.map((c) => `@${c}`).join(', ')})
       ON CONFLICT(incident_id, position) DO UPDATE SET ${MILESTONE_UPDATE_COLUMNS.map((c) => `${c} = excluded.${c}`).join(', ')}`,
    ),
    upsertItem: db.prepare(
      `INSERT INTO milestone_items (${ITEM_COLUMNS.join(', ')}) VALUES (${ITEM_COLUMNS.map((c) => `@${c}`).join(', ')})
       ON CONFLICT(incident_id, position, item_id) DO UPDATE SET ${ITEM_UPDATE_COLUMNS.map((c) => `${c} = excluded.${c}`).join(', ')}`,
    ),
    items: db.prepare('SELECT * FROM milestone_items WHERE incident_id = ? ORDER BY position, item_position'),
    getIncident: db.prepare('SELECT * FROM incidents WHERE id = ?'),
    getIncidentByChannel: db.prepare('SELECT * FROM incidents WHERE channel_id = ?'),
    listIncidents: db.prepare('SELECT * FROM incidents ORDER BY started_at, id'),
    listIncidentsByStatus: db.prepare('SELECT * FROM incidents WHERE status = ? ORDER BY started_at, id'),
    milestones: db.prepare('SELECT * FROM milestones WHERE incident_id = ? ORDER BY position'),
    // ON CONFLICT DO NOTHING skips an entry already recorded (the unique ref); unlike INSERT OR IGNORE it
    // does not also drop an entry that breaks a NOT NULL or CHECK constraint (an error, as on PostgreSQL).
    appendTimeline: db.prepare(
      'INSERT INTO timeline (incident_id, at, kind, actor_id, actor_username, text, ref) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
    ),
    timeline: db.prepare('SELECT * FROM timeline WHERE incident_id = ? ORDER BY seq'),
    enqueue: db.prepare('INSERT INTO outbox (incident_id, kind, payload, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?)'),
    dueOutbox: db.prepare(
      `SELECT id, incident_id, payload, attempts, claims, created_at FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= @now
        AND (claim_until IS NULL OR claim_until <= @now) ORDER BY id LIMIT @limit`,
    ),
    claim: db.prepare('UPDATE outbox SET claims = claims + 1, claimed_by = ?, claim_until = ? WHERE id = ?'),
    pendingOutbox: db.prepare('SELECT COUNT(*) AS n FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL'),
    markSent: db.prepare('UPDATE outbox SET sent_at = ?, post_id = ?, last_error = NULL, claim_until = NULL WHERE id = ?'),
    markRetry: db.prepare('UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?, claim_until = NULL WHERE id = ?'),
    markFailed: db.prepare('UPDATE outbox SET attempts = attempts + 1, last_error = ?, failed_at = ?, claim_until = NULL WHERE id = ?'),
    insertRunLog: db.prepare(`INSERT INTO run_logs (${RUN_LOG_COLUMNS.join(', ')}) VALUES (${RUN_LOG_COLUMNS.map((c) => `@${c}`).join(', ')}) ON CONFLICT DO NOTHING`),
    markLogGone: db.prepare('UPDATE run_logs SET gone_at = ?, gone_status = ? WHERE incident_id = ? AND repo = ? AND job_id = ? AND gone_at IS NULL'),
    runLog: db.prepare('SELECT * FROM run_logs WHERE incident_id = ? AND repo = ? AND job_id = ?'),
    runLogs: db.prepare('SELECT * FROM run_logs WHERE incident_id = ? ORDER BY repo, job_id'),
    overdue: db.prepare(
      `SELECT DISTINCT m.incident_id AS id FROM milestones m JOIN incidents i ON i.id = m.incident_id
       WHERE i.status = 'open' AND m.done = 0 AND m.notified_at IS NULL AND m.due_at IS NOT NULL AND m.due_at <= ?`,
    ),
  };

  const load = (raw: unknown): Incident | undefined => (raw === undefined ? undefined : toIncident(raw, q.milestones.all(idOf(raw)), q.items.all(idOf(raw))));
  // IMMEDIATE: a read-modify-write takes the write lock before it reads, so another process writing the
  // same file (the setup command) makes it wait (busy_timeout) instead of failing on a stale snapshot.
  const transaction = <T>(fn: () => T): T => db.transaction(fn).immediate();

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
  const saveItems = (before: Incident | undefined, incident: Incident): void => {
    for (const { position, index, item } of changedItems(before, incident)) q.upsertItem.run(itemParams(incident.id, position, index, item));
  };
  const saveIncident = (before: Incident, incident: Incident): void => {
    const result = q.updateIncident.run(incidentParams(incident));
    if (result.changes !== 1) throw new Error(`incident ${incident.id} does not exist`);
    for (const m of incident.milestones) q.upsertMilestone.run(milestoneParams(incident.id, m));
    saveItems(before, incident);
  };

  // Every method is a synchronous transaction wrapped in a promise: a thrown error rejects.
  const run = <T>(fn: () => T): Promise<T> => {
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  };

  return {
    engine: 'sqlite',
    location: path,
    close: () => run(() => void db.close()),
    getSetting: (key) => run(() => settingValue(q.getSetting.get(key))),
    setSetting: (key, value) => run(() => void q.setSetting.run(key, value)),
    actionSecret: () =>
      run(() =>
        transaction(() => {
          const existing = settingValue(q.getSetting.get(ACTION_SECRET_SETTING));
          if (existing !== undefined) return Buffer.from(existing, 'base64');
          const secret = randomBytes(32);
          q.setSetting.run(ACTION_SECRET_SETTING, secret.toString('base64'));
          return secret;
        }),
      ),
    upsertCommand: (command) => run(() => void q.upsertCommand.run(command)),
    listCommands: () => run(() => q.listCommands.all().map(toCommand)),
    insertIncident: (incident, timeline) =>
      run(() =>
        transaction(() => {
          q.insertIncident.run(incidentParams(incident));
          for (const m of incident.milestones) q.upsertMilestone.run(milestoneParams(incident.id, m));
          saveItems(undefined, incident);
          appendTimeline(incident.id, timeline);
        }),
      ),
    getIncident: (id) => run(() => load(q.getIncident.get(id))),
    getIncidentByChannel: (channelId) => run(() => load(q.getIncidentByChannel.get(channelId))),
    listIncidents: (status) =>
      run(() => {
        const rows = status === undefined ? q.listIncidents.all() : q.listIncidentsByStatus.all(status);
        return rows.map((r) => load(r)).filter((i): i is Incident => i !== undefined);
      }),
    apply: (incidentId, transition) =>
      run(() =>
        transaction((): Transition => {
          const incident = load(q.getIncident.get(incidentId));
          if (!incident) return { ok: false, reason: 'this incident no longer exists' };
          const result = transition(incident);
          if (result.ok && result.changed) {
            saveIncident(incident, result.incident);
            appendTimeline(incidentId, result.timeline);
            enqueue(incidentId, result.outbox, result.timeline[0]?.at ?? Date.now());
          }
          return result;
        }),
      ),
    update: (incidentId, change) =>
      run(() =>
        transaction(() => {
          const latest = load(q.getIncident.get(incidentId));
          if (!latest) throw new Error(`incident ${incidentId} disappeared from the store`);
          const next = change(latest);
          saveIncident(latest, next);
          return next;
        }),
      ),
    appendTimeline: (incidentId, entries) => run(() => transaction(() => appendTimeline(incidentId, entries))),
    timeline: (incidentId) => run(() => q.timeline.all(incidentId).map(toTimelineEntry)),
    enqueue: (incidentId, messages, now) => run(() => transaction(() => enqueue(incidentId, messages, now))),
    claimOutbox: (owner, now, leaseMs, limit = 50) =>
      run(() =>
        transaction(() =>
          q.dueOutbox.all({ now, limit }).map((raw) => {
            const record = toOutboxRecord(raw);
            q.claim.run(owner, now + leaseMs, record.id);
            return { ...record, claims: record.claims + 1 };
          }),
        ),
      ),
    pendingOutboxCount: () => run(() => countOf(q.pendingOutbox.get())),
    markSent: (id, now, postId) => run(() => void q.markSent.run(now, postId ?? null, id)),
    markAttemptFailed: (id, error, nextAttemptAt, now) =>
      run(() => {
        if (nextAttemptAt === null) q.markFailed.run(error, now, id);
        else q.markRetry.run(error, nextAttemptAt, id);
      }),
    incidentsWithOverdue: (now) => run(() => q.overdue.all(now).map(idOf)),
    recordLogReadings: (incidentId, readings) =>
      run(() => transaction(() => readings.reduce((n, r) => n + q.insertRunLog.run(runLogParams(incidentId, r)).changes, 0))),
    markLogsGone: (incidentId, gone, at) =>
      run(() =>
        transaction(() =>
          gone.flatMap((g) => (q.markLogGone.run(at, g.status, incidentId, g.repo, g.jobId).changes === 1 ? [toLogReading(q.runLog.get(incidentId, g.repo, g.jobId))] : [])),
        ),
      ),
    logReadings: (incidentId) => run(() => q.runLogs.all(incidentId).map(toLogReading)),
  };
}

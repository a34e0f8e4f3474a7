/**
 * The store on PostgreSQL (`store.url: postgres://…`), for teams that run more than one bridge behind
 * one URL: every bridge shares the state. A change locks its incident row (`SELECT … FOR UPDATE`) for
 * its one transaction, so concurrent clicks on two bridges serialise and none is lost; outbox messages
 * are claimed with `FOR UPDATE SKIP LOCKED` and a lease, so each is sent by one bridge; migrations run
 * once, under an advisory lock, whichever bridge starts first.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Pool, type PoolClient, type QueryResultRow } from 'pg';
import { z } from 'zod';
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
  redactUrl,
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

export const POSTGRES_MIGRATIONS_DIR = join(__dirname, 'migrations', 'postgres');
/** Key of the advisory lock under which migrations run (any constant shared by every bridge). */
const MIGRATION_LOCK = 0x43_49_58_4d; // "CIXM"

export function loadPostgresMigrations(dir: string = POSTGRES_MIGRATIONS_DIR): Migration[] {
  if (!existsSync(dir)) throw new Error(`store migrations not found in ${dir} (is the build complete?)`);
  return parseMigrationFiles(
    readdirSync(dir)
      .filter((f) => f.endsWith('.sql'))
      .map((file) => ({ file, sql: readFileSync(join(dir, file), 'utf8') })),
  );
}

type Queryable = Pick<PoolClient, 'query'>;

async function rows(db: Queryable, sql: string, params: unknown[] = []): Promise<QueryResultRow[]> {
  return (await db.query(sql, params)).rows;
}

const INCIDENT_INSERT = `INSERT INTO incidents (${INCIDENT_COLUMNS.join(', ')}) VALUES (${INCIDENT_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`;
const INCIDENT_UPDATE = `UPDATE incidents SET ${INCIDENT_COLUMNS.filter((c) => c !== 'id')
  .map((c, i) => `${c} = $${i + 2}`)
  .join(', ')} WHERE id = $1`;
const MILESTONE_UPSERT = `INSERT INTO milestones (${MILESTONE_COLUMNS.join(', ')}) VALUES (${MILESTONE_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})
  ON CONFLICT (incident_id, position) DO UPDATE SET ${MILESTONE_UPDATE_COLUMNS.map((c) => `${c} = excluded.${c}`).join(', ')}`;
const ITEM_UPSERT = `INSERT INTO milestone_items (${ITEM_COLUMNS.join(', ')}) VALUES (${ITEM_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})
  ON CONFLICT (incident_id, position, item_id) DO UPDATE SET ${ITEM_UPDATE_COLUMNS.map((c) => `${c} = excluded.${c}`).join(', ')}`;

/**
 * Incidents with their milestone rows and sub-item rows as JSON arrays (`milestone_rows`, `item_rows`):
 * one statement, one snapshot.
 */
const INCIDENT_WITH_MILESTONES = `SELECT i.*, COALESCE((SELECT json_agg(m ORDER BY m.position) FROM milestones m WHERE m.incident_id = i.id), '[]'::json)
  AS milestone_rows, COALESCE((SELECT json_agg(x ORDER BY x.position, x.item_position) FROM milestone_items x WHERE x.incident_id = i.id), '[]'::json)
  AS item_rows FROM incidents i`;
const milestoneList = z.array(z.unknown());
const RUN_LOG_INSERT = `INSERT INTO run_logs (${RUN_LOG_COLUMNS.join(', ')}) VALUES (${RUN_LOG_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')}) ON CONFLICT DO NOTHING`;

function ordered(record: Record<string, string | number | null>, columns: readonly string[]): Array<string | number | null> {
  return columns.map((c) => record[c] ?? null);
}

export async function openPostgresStore(url: string, options: { migrationsDir?: string; max?: number } = {}): Promise<Store> {
  const pool = new Pool({ connectionString: url, max: options.max ?? 10 });
  // An idle client that loses its connection (the database restarts) must not crash the bridge.
  pool.on('error', () => undefined);
  try {
    await migrate(pool, loadPostgresMigrations(options.migrationsDir));
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  return createStore(pool, redactUrl(url));
}

async function migrate(pool: Pool, migrations: Migration[]): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS cix_schema (version INTEGER NOT NULL)');
    const found = await rows(client, 'SELECT version FROM cix_schema');
    const current = found.length === 0 ? 0 : Number(found[0]?.version);
    if (found.length === 0) await client.query('INSERT INTO cix_schema (version) VALUES (0)');
    if (current > migrations.length) throw new Error(`store schema version ${current} is newer than this bridge (${migrations.length}): run a newer bridge`);
    for (const m of migrations.slice(current)) {
      await client.query(m.sql);
      await client.query('UPDATE cix_schema SET version = $1', [m.version]);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

function createStore(pool: Pool, location: string): Store {
  const transaction = async <T>(fn: (db: Queryable) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  };

  // Inside a change: lock the incident row first, then read its milestones in a statement of their own.
  // Under READ COMMITTED that second statement sees what the previous holder of the lock committed (a
  // subquery of the locking statement would still see the snapshot taken before the wait).
  const loadLocked = async (db: Queryable, id: string): Promise<Incident | undefined> => {
    const [row] = await rows(db, 'SELECT * FROM incidents WHERE id = $1 FOR UPDATE', [id]);
    if (!row) return undefined;
    return toIncident(
      row,
      await rows(db, 'SELECT * FROM milestones WHERE incident_id = $1 ORDER BY position', [idOf(row)]),
      await rows(db, 'SELECT * FROM milestone_items WHERE incident_id = $1 ORDER BY position, item_position', [idOf(row)]),
    );
  };
  // Outside a change: the incident and its milestones in ONE statement, so one snapshot: a reader never
  // gets the row of one revision with the milestones of the next one (two queries on a pool would).
  const readIncidents = async (where: string, params: unknown[]): Promise<Incident[]> =>
    (await rows(pool, `${INCIDENT_WITH_MILESTONES} ${where}`, params)).map((row) => {
      const { milestone_rows: milestones, item_rows: items, ...incident } = row;
      return toIncident(incident, milestoneList.parse(milestones), milestoneList.parse(items));
    });

  const appendTimeline = async (db: Queryable, incidentId: string, entries: TimelineEntry[]): Promise<number> => {
    let added = 0;
    for (const e of entries) {
      const result = await db.query(
        'INSERT INTO timeline (incident_id, at, kind, actor_id, actor_username, text, ref) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING',
        [incidentId, e.at, e.kind, e.actor?.userId ?? null, e.actor?.username ?? null, e.text, e.ref ?? null],
      );
      added += result.rowCount ?? 0;
    }
    return added;
  };
  const enqueue = async (db: Queryable, incidentId: string | null, messages: OutboxMessage[], now: number): Promise<void> => {
    for (const m of messages) {
      await db.query('INSERT INTO outbox (incident_id, kind, payload, created_at, next_attempt_at) VALUES ($1, $2, $3, $4, $4)', [incidentId, m.kind, JSON.stringify(m), now]);
    }
  };
  const saveMilestones = async (db: Queryable, incident: Incident): Promise<void> => {
    for (const m of incident.milestones) await db.query(MILESTONE_UPSERT, ordered(milestoneParams(incident.id, m), MILESTONE_COLUMNS));
  };
  const saveItems = async (db: Queryable, before: Incident | undefined, incident: Incident): Promise<void> => {
    for (const { position, index, item } of changedItems(before, incident)) await db.query(ITEM_UPSERT, ordered(itemParams(incident.id, position, index, item), ITEM_COLUMNS));
  };
  const saveIncident = async (db: Queryable, before: Incident, incident: Incident): Promise<void> => {
    const params = incidentParams(incident);
    const result = await db.query(INCIDENT_UPDATE, [params.id, ...ordered(params, INCIDENT_COLUMNS.filter((c) => c !== 'id'))]);
    if (result.rowCount !== 1) throw new Error(`incident ${incident.id} does not exist`);
    await saveMilestones(db, incident);
    await saveItems(db, before, incident);
  };

  // Closing twice is harmless, as on SQLite (a shutdown path and a `finally` may both close).
  let closing: Promise<void> | undefined;

  return {
    engine: 'postgres',
    location,
    close: () => (closing ??= pool.end()),
    getSetting: async (key) => settingValue((await rows(pool, 'SELECT value FROM settings WHERE key = $1', [key]))[0]),
    setSetting: async (key, value) => {
      await pool.query('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
    },
    actionSecret: async () => {
      // The first bridge's secret wins; every bridge then signs and verifies with the same one.
      await pool.query('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [ACTION_SECRET_SETTING, randomBytes(32).toString('base64')]);
      const value = settingValue((await rows(pool, 'SELECT value FROM settings WHERE key = $1', [ACTION_SECRET_SETTING]))[0]);
      if (value === undefined) throw new Error('the action secret could not be stored');
      return Buffer.from(value, 'base64');
    },
    upsertCommand: async (c) => {
      await pool.query(
        `INSERT INTO commands (team_id, team_name, command_id, token) VALUES ($1, $2, $3, $4)
         ON CONFLICT (team_id) DO UPDATE SET team_name = excluded.team_name, command_id = excluded.command_id, token = excluded.token`,
        [c.teamId, c.teamName, c.commandId, c.token],
      );
    },
    listCommands: async () => (await rows(pool, 'SELECT team_id, team_name, command_id, token FROM commands ORDER BY team_name')).map(toCommand),
    insertIncident: (incident, timeline) =>
      transaction(async (db) => {
        await db.query(INCIDENT_INSERT, ordered(incidentParams(incident), INCIDENT_COLUMNS));
        await saveMilestones(db, incident);
        await saveItems(db, undefined, incident);
        await appendTimeline(db, incident.id, timeline);
      }),
    getIncident: async (id) => (await readIncidents('WHERE i.id = $1', [id]))[0],
    getIncidentByChannel: async (channelId) => (await readIncidents('WHERE i.channel_id = $1', [channelId]))[0],
    listIncidents: (status) =>
      status === undefined
        ? readIncidents('ORDER BY i.started_at, i.id', [])
        : readIncidents('WHERE i.status = $1 ORDER BY i.started_at, i.id', [status]),
    apply: (incidentId, transition) =>
      transaction(async (db): Promise<Transition> => {
        const incident = await loadLocked(db, incidentId);
        if (!incident) return { ok: false, reason: 'this incident no longer exists' };
        const result = transition(incident);
        if (result.ok && result.changed) {
          await saveIncident(db, incident, result.incident);
          await appendTimeline(db, incidentId, result.timeline);
          await enqueue(db, incidentId, result.outbox, result.timeline[0]?.at ?? Date.now());
        }
        return result;
      }),
    update: (incidentId, change) =>
      transaction(async (db) => {
        const latest = await loadLocked(db, incidentId);
        if (!latest) throw new Error(`incident ${incidentId} disappeared from the store`);
        const next = change(latest);
        await saveIncident(db, latest, next);
        return next;
      }),
    appendTimeline: (incidentId, entries) => transaction((db) => appendTimeline(db, incidentId, entries)),
    timeline: async (incidentId) => (await rows(pool, 'SELECT * FROM timeline WHERE incident_id = $1 ORDER BY seq', [incidentId])).map(toTimelineEntry),
    enqueue: (incidentId, messages, now) => transaction((db) => enqueue(db, incidentId, messages, now)),
    claimOutbox: async (owner, now, leaseMs, limit = 50) => {
      const claimed = await rows(
        pool,
        `UPDATE outbox SET claims = claims + 1, claimed_by = $1, claim_until = $2
         WHERE id IN (SELECT id FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $3
                        AND (claim_until IS NULL OR claim_until <= $3) ORDER BY id LIMIT $4 FOR UPDATE SKIP LOCKED)
         RETURNING id, incident_id, payload, attempts, claims, created_at`,
        [owner, now + leaseMs, now, limit],
      );
      return claimed.map(toOutboxRecord).sort((a, b) => a.id - b.id);
    },
    pendingOutboxCount: async () => countOf((await rows(pool, 'SELECT COUNT(*) AS n FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL'))[0]),
    markSent: async (id, now, postId) => {
      await pool.query('UPDATE outbox SET sent_at = $1, post_id = $2, last_error = NULL, claim_until = NULL WHERE id = $3', [now, postId ?? null, id]);
    },
    markAttemptFailed: async (id, error, nextAttemptAt, now) => {
      if (nextAttemptAt === null) {
        await pool.query('UPDATE outbox SET attempts = attempts + 1, last_error = $1, failed_at = $2, claim_until = NULL WHERE id = $3', [error, now, id]);
      } else {
        await pool.query('UPDATE outbox SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2, claim_until = NULL WHERE id = $3', [error, nextAttemptAt, id]);
      }
    },
    recordLogReadings: (incidentId, readings) =>
      transaction(async (db) => {
        let added = 0;
        for (const r of readings) added += (await db.query(RUN_LOG_INSERT, ordered(runLogParams(incidentId, r), RUN_LOG_COLUMNS))).rowCount ?? 0;
        return added;
      }),
    markLogsGone: (incidentId, gone, at) =>
      transaction(async (db) => {
        const marked = [];
        for (const g of gone) {
          const found = await rows(
            db,
            'UPDATE run_logs SET gone_at = $1, gone_status = $2 WHERE incident_id = $3 AND repo = $4 AND job_id = $5 AND gone_at IS NULL RETURNING *',
            [at, g.status, incidentId, g.repo, g.jobId],
          );
          marked.push(...found.map(toLogReading));
        }
        return marked;
      }),
    logReadings: async (incidentId) => (await rows(pool, 'SELECT * FROM run_logs WHERE incident_id = $1 ORDER BY repo, job_id', [incidentId])).map(toLogReading),
    incidentsWithOverdue: async (now) =>
      (
        await rows(
          pool,
          `SELECT DISTINCT m.incident_id AS id FROM milestones m JOIN incidents i ON i.id = m.incident_id
           WHERE i.status = 'open' AND m.done = 0 AND m.notified_at IS NULL AND m.due_at IS NOT NULL AND m.due_at <= $1`,
          [now],
        )
      ).map(idOf),
  };
}

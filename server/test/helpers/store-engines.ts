/**
 * Fresh stores of either engine, for any test that needs the bridge's store:
 *
 *   const db = await createTestDatabase('postgres');   // or 'sqlite'
 *   const bridgeA = await db.open();                   // a bridge
 *   const bridgeB = await db.open();                   // a second bridge on the same data
 *   …
 *   await db.drop();                                   // closes both, removes the database
 *
 * SQLite lives in a temporary directory. PostgreSQL gets a database of its own (`cix_t_<random>`),
 * created through the URL in CIX_TEST_PG_URL (a role with CREATEDB) and dropped afterwards, so every
 * test starts from an empty database and leaves nothing behind. Stores are opened through `openStore`,
 * as the bridge opens them.
 */
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { openStore, type Store, type StoreEngine } from '../../src/store';
import { POSTGRES_MIGRATIONS_DIR } from '../../src/store/postgres';
import { SQLITE_MIGRATIONS_DIR, STORE_FILE } from '../../src/store/sqlite';
import { makeTempDir } from './tmp';

export const PG_URL_VARIABLE = 'CIX_TEST_PG_URL';

/** The PostgreSQL server tests may create databases on, or undefined when none is configured. */
export function pgTestUrl(): string | undefined {
  const value = process.env[PG_URL_VARIABLE]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/**
 * The engines a suite runs on: SQLite always, PostgreSQL when CIX_TEST_PG_URL is set. When it is not,
 * says so in one line on stderr (`<suite>: … the PostgreSQL <what> is not run`).
 */
export function enginesUnderTest(suite: string, what: string): StoreEngine[] {
  if (pgTestUrl() !== undefined) return ['sqlite', 'postgres'];
  process.stderr.write(`${suite}: ${PG_URL_VARIABLE} is not set; the PostgreSQL ${what} is not run\n`);
  return ['sqlite'];
}

/** How many migration files the engine has: the schema version of a fully migrated store. */
export function migrationFileCount(engine: StoreEngine): number {
  const dir = engine === 'sqlite' ? SQLITE_MIGRATIONS_DIR : POSTGRES_MIGRATIONS_DIR;
  return readdirSync(dir).filter((f) => f.endsWith('.sql')).length;
}

export type Row = Record<string, unknown>;

export interface TestDatabase {
  readonly engine: StoreEngine;
  /** The data directory (the SQLite file is in it; a PostgreSQL store does not use it). */
  readonly dataDir: string;
  /** PostgreSQL: this database's URL (it carries the password: never print it). SQLite: undefined. */
  readonly url: string | undefined;
  /** PostgreSQL: the database name. SQLite: the path of the file. */
  readonly name: string;
  /** Opens one more store on this database, as one more bridge would; `drop` closes it if still open. */
  open(): Promise<Store>;
  /** Runs SQL on a connection of its own, beside the stores (placeholders: `?` SQLite, `$1` PostgreSQL). */
  sql(text: string, params?: unknown[]): Promise<Row[]>;
  /** The applied schema version (SQLite `user_version`, PostgreSQL `cix_schema.version`). */
  schemaVersion(): Promise<number>;
  setSchemaVersion(version: number): Promise<void>;
  /** Closes every store opened here and removes the database (idempotent). */
  drop(): Promise<void>;
}

/** An empty database of `engine`, nothing migrated yet (the first `open` migrates). */
export async function createTestDatabase(engine: StoreEngine): Promise<TestDatabase> {
  return engine === 'sqlite' ? createSqliteDatabase() : createPostgresDatabase();
}

/** Opens a store and remembers it, so that `drop` can close what a failing test left open. */
function storeOpener(open: () => Promise<Store>): { open: () => Promise<Store>; closeAll: () => Promise<void> } {
  const opened: Store[] = [];
  return {
    open: async () => {
      const store = await open();
      opened.push(store);
      return store;
    },
    closeAll: async () => {
      for (const store of opened.splice(0)) await store.close();
    },
  };
}

function createSqliteDatabase(): TestDatabase {
  const { dir, cleanup } = makeTempDir('cix-store-');
  const dataDir = join(dir, 'data');
  const file = join(dataDir, STORE_FILE);
  const stores = storeOpener(() => openStore({ dataDir }));
  const withFile = <T>(fn: (db: Database.Database) => T): T => {
    const db = new Database(file, { fileMustExist: true });
    try {
      return fn(db);
    } finally {
      db.close();
    }
  };
  let dropped = false;
  return {
    engine: 'sqlite',
    dataDir,
    url: undefined,
    name: file,
    open: stores.open,
    sql: (text, params = []) =>
      Promise.resolve(
        withFile((db) => {
          const statement = db.prepare(text);
          if (statement.reader) return statement.all(...params) as Row[];
          statement.run(...params);
          return [];
        }),
      ),
    schemaVersion: () => Promise.resolve(Number(withFile((db) => db.pragma('user_version', { simple: true })))),
    setSchemaVersion: (version) => Promise.resolve(void withFile((db) => db.pragma(`user_version = ${Math.trunc(version)}`))),
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await stores.closeAll();
      cleanup();
    },
  };
}

/** Every PostgreSQL database this process created, to check that none is left behind. */
const createdDatabases: string[] = [];

async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function requirePgUrl(): string {
  const url = pgTestUrl();
  if (url === undefined) throw new Error(`${PG_URL_VARIABLE} is not set: no PostgreSQL server to test on`);
  return url;
}

async function createPostgresDatabase(): Promise<TestDatabase> {
  const serverUrl = requirePgUrl();
  const name = `cix_t_${randomBytes(6).toString('hex')}`;
  await withClient(serverUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  createdDatabases.push(name);
  const target = new URL(serverUrl);
  target.pathname = `/${name}`;
  const url = target.toString();
  const { dir, cleanup } = makeTempDir('cix-store-');
  const stores = storeOpener(() => openStore({ dataDir: dir, url }));
  const sql = async (text: string, params: unknown[] = []): Promise<Row[]> => withClient(url, async (c) => (await c.query<Row>(text, params)).rows);
  let dropped = false;
  return {
    engine: 'postgres',
    dataDir: dir,
    url,
    name,
    open: stores.open,
    sql,
    schemaVersion: async () => Number((await sql('SELECT version FROM cix_schema'))[0]?.version),
    setSchemaVersion: async (version) => void (await sql('UPDATE cix_schema SET version = $1', [version])),
    drop: async () => {
      if (dropped) return;
      dropped = true;
      try {
        await stores.closeAll();
      } finally {
        // FORCE (PostgreSQL 13+) ends connections a failed test may have left open.
        await withClient(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
        cleanup();
      }
    },
  };
}

/** Test databases created by this process that still exist (expected: none, once every test dropped its own). */
export async function leftoverTestDatabases(): Promise<string[]> {
  const url = pgTestUrl();
  if (url === undefined || createdDatabases.length === 0) return [];
  const found = await withClient(url, (c) => c.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname = ANY($1) ORDER BY datname', [createdDatabases]));
  return found.rows.map((r) => r.datname);
}

/** Server-side sessions connected to a test database (PostgreSQL), for checking that a store let go. */
export async function pgSessionCount(name: string): Promise<number> {
  const found = await withClient(requirePgUrl(), (c) =>
    c.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name]),
  );
  return found.rows[0]?.n ?? 0;
}

/** File descriptors of this process open on `path` (Linux: /proc/self/fd); undefined where unknown. */
export function openDescriptorsOn(path: string): number | undefined {
  const fdDir = '/proc/self/fd';
  if (!existsSync(fdDir)) return undefined;
  const target = realpathSync(path);
  let n = 0;
  for (const fd of readdirSync(fdDir)) {
    try {
      if (readlinkSync(join(fdDir, fd)) === target) n += 1;
    } catch {
      // the descriptor closed while we looked
    }
  }
  return n;
}

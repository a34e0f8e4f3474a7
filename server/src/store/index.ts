/** Opens the configured store: PostgreSQL when a `postgres://` URL is given, else SQLite in the data directory. */
import { openPostgresStore } from './postgres';
import { openSqliteStore } from './sqlite';
import type { Store } from './store';

export * from './store';

export interface StoreLocation {
  dataDir: string;
  /** `postgres://user:password@host:port/database` (or `postgresql://`); undefined: SQLite in dataDir. */
  url?: string | undefined;
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

export async function openStore(location: StoreLocation): Promise<Store> {
  if (location.url !== undefined) {
    if (!isPostgresUrl(location.url)) throw new Error('store.url must be a postgres:// URL (leave it out for the embedded SQLite store)');
    return openPostgresStore(location.url);
  }
  return openSqliteStore(location.dataDir);
}

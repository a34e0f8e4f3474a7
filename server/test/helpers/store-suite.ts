/**
 * The frame of a store suite run on every engine (see store-engines.ts):
 *
 *   expectNoLeftoverDatabases();
 *   describe.each(ENGINES)('… on %s', (engine) => {
 *     let db: TestDatabase;
 *     let store: Store;
 *     freshStoreEachTest(engine, (d, s) => ((db = d), (store = s)));
 *     …
 *   });
 */
import type { Store, StoreEngine } from '../../src/store';
import { createTestDatabase, leftoverTestDatabases, type TestDatabase } from './store-engines';

/** After the file's tests: no test database is left behind. */
export function expectNoLeftoverDatabases(): void {
  afterAll(async () => {
    expect(await leftoverTestDatabases()).toEqual([]);
  });
}

/** Before each test, a fresh database on `engine` and a store open on it, given to `opened`; dropped after the test. */
export function freshStoreEachTest(engine: StoreEngine, opened: (db: TestDatabase, store: Store) => void): void {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase(engine);
    opened(db, await db.open());
  });
  afterEach(async () => {
    await db.drop();
  });
}

/**
 * The store's packs: models written in a run go to one pack named by its SHA-256; a model is read back
 * from its range; packs no longer named are removed; dead models or too many packs are copied into one.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RepoModel } from '../../core/inventory';
import { makeTempDir } from '../../../test/helpers/tmp';
import { INVENTORY_FORMAT, INVENTORY_VERSION, type Manifest } from './schema';
import { type InventoryStore, inventoryStore, MAX_PACKS, sha256, StoreProblem } from './store';

const model = (repo: string): RepoModel => ({ repo, platforms: [] });

function manifestOf(hashes: readonly string[]): Manifest {
  return {
    format: INVENTORY_FORMAT,
    version: INVENTORY_VERSION,
    tool: 'test',
    source: 'none',
    inputs: ['org'],
    repos: hashes.map((h, i) => ({
      key: `r${i}`,
      identity: `id${i}`,
      model: h,
      summary: { repo: `r${i}`, files: 0, jobs: 0, keys: [], errors: [], expansions: [], unresolved: [], componentReads: [], repoReads: [] },
    })),
    tables: { expansionErrors: [], componentReads: [] },
  };
}

function packsOf(store: InventoryStore): string[] {
  return readdirSync(join(store.dir, 'packs')).sort();
}

describe('packs', () => {
  const tmp = makeTempDir('cix-store-');
  afterAll(tmp.cleanup);

  test('one pack per run, named by its bytes; read back by range; the manifest says where', () => {
    const data = join(tmp.dir, 'one');
    const store = inventoryStore(data, ['org']);
    const hashes = ['a/x', 'b/y', 'c/z'].map((r) => store.putModel(model(r)));
    expect(store.putModel(model('a/x'))).toBe(hashes[0]); // written once
    store.save(manifestOf(hashes));
    const [pack, ...more] = packsOf(store);
    expect(more).toEqual([]);
    const bytes = readFileSync(join(store.dir, 'packs', pack ?? ''));
    expect(pack).toBe(`${sha256(bytes)}.pack`);

    const again = inventoryStore(data, ['org']);
    const loaded = again.load();
    if (loaded.kind !== 'loaded') throw new Error(loaded.kind);
    expect(loaded.manifest.packs).toEqual([pack]);
    expect(loaded.manifest.repos.map((r) => r.at?.[0])).toEqual([0, 0, 0]);
    expect(hashes.map((h) => again.model(h).repo)).toEqual(['a/x', 'b/y', 'c/z']);
    expect(() => again.model(sha256('nothing'))).toThrow(StoreProblem);
    again.close();
  });

  test('packs not named are removed; more dead than live, or more than MAX_PACKS packs: copied into one', () => {
    const data = join(tmp.dir, 'grow');
    let store = inventoryStore(data, ['org']);
    const live: string[] = [];
    for (let i = 0; i < 40; i++) live.push(store.putModel(model(`big/${i}`)));
    store.save(manifestOf(live));
    expect(packsOf(store)).toHaveLength(1);

    // Each run adds one model and keeps the others: a pack more each time, never more than MAX_PACKS.
    for (let run = 0; run < MAX_PACKS + 3; run++) {
      store = inventoryStore(data, ['org']);
      expect(store.load().kind).toBe('loaded');
      live.push(store.putModel(model(`new/${run}`)));
      store.save(manifestOf(live));
      expect(packsOf(store).length).toBeLessThanOrEqual(MAX_PACKS);
    }
    store = inventoryStore(data, ['org']);
    expect(store.load().kind).toBe('loaded');
    expect(live.map((h) => store.model(h).repo)).toEqual([...Array.from({ length: 40 }, (_, i) => `big/${i}`), ...Array.from({ length: MAX_PACKS + 3 }, (_, i) => `new/${i}`)]);
    store.close();

    // Most models dropped: the few left copied into one pack, the old ones removed.
    store = inventoryStore(data, ['org']);
    expect(store.load().kind).toBe('loaded');
    const kept = live.slice(0, 2);
    store.save(manifestOf(kept));
    const packs = packsOf(store);
    expect(packs).toHaveLength(1);
    const text = (repo: string): string => JSON.stringify({ format: `${INVENTORY_FORMAT}-model`, version: INVENTORY_VERSION, model: model(repo) });
    expect(readFileSync(join(store.dir, 'packs', packs[0] ?? ''), 'utf8')).toBe(`${text('big/0')}${text('big/1')}`);
    store = inventoryStore(data, ['org']);
    expect(store.load().kind).toBe('loaded');
    expect(kept.map((h) => store.model(h).repo)).toEqual(['big/0', 'big/1']);
    store.close();
  });
});

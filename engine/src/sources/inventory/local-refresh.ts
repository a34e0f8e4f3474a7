/**
 * IMPERATIVE SHELL: the index of local folders brought up to date without reading every checkout.
 *
 *   listLocalPaths (or the listing kept with the index while its folders' facts hold: listing.ts)
 *        ──▶ per checkout: its stored stat facts still hold? (fingerprint.ts: a few lstats)
 *        │ yes: kept as stored (model, summary, read errors) — nothing read
 *        └ no, none stored, or new: read (local-dir.ts) ──▶ same identity and dependencies? keep the
 *          model with new facts : parse and resolve again (build.ts) ──▶ manifest saved
 *
 * A checkout no longer listed is dropped from the index (and from every answer). The first build of an
 * index (nothing stored) reads and indexes in worker threads when there are many checkouts
 * (parallel-build.ts), with the same manifest and models as one thread.
 */
import { createInventoryBuilder, type IndexedRepo, type InventoryTables, postingsOf, type RepoModel } from '../../core/inventory';
import type { ComponentSource, RepoInput, ScanError } from '../../core/model';
import { type LocalCheckout, readListedCheckout } from '../local-dir';
import { checkoutFacts, factsHold, RACY_SLACK_NS } from './fingerprint';
import { type LazyListing, type ListedPaths, listingFacts, type ListingRecord, recordedListing } from './listing';
import { changedComponentReads, compact, dependenciesHold, openIndex, type Refreshed, type RefreshOptions } from './refresh';
import { INVENTORY_FORMAT, INVENTORY_VERSION, type ManifestRepo } from './schema';
import { type InventoryStore, sha256 } from './store';

/** A listed checkout with its key in the index (`repo`, then `repo#1`… for the same id listed again). */
export interface KeyedCheckout extends LocalCheckout {
  key: string;
}

/** The identity of a local read: the pipeline files' paths, sizes and contents, and its read errors. */
export function localIdentity(repo: RepoInput, errors: readonly ScanError[]): string {
  const files = repo.files.map((f) => [f.path, Buffer.byteLength(f.text), sha256(f.text)]);
  const errs = errors.map((e) => [e.file, e.line, e.code, e.message]);
  return `local:${sha256(JSON.stringify([repo.repo, files, errs]))}`;
}

/** A checkout read and indexed (its model not yet stored). */
export interface BuiltEntry {
  key: string;
  identity: string;
  root: string;
  readErrors: ScanError[];
  facts?: string;
  model: RepoModel;
  summary: IndexedRepo['summary'];
}

/**
 * Reads and indexes `checkouts` in order with one builder (a worker's group, or every stale checkout):
 * the entries, and the builder's tables their ids point into. `since`: the run's start (racy facts).
 */
export function buildCheckouts(checkouts: readonly KeyedCheckout[], source: ComponentSource, since: bigint): { entries: BuiltEntry[]; tables: InventoryTables } {
  const builder = createInventoryBuilder(source, { digest: sha256 });
  const entries = checkouts.map((c): BuiltEntry => {
    const read = readListedCheckout(c);
    const { model, summary } = builder.index(read.repo);
    const facts = checkoutFacts(c.root, read.repo.files, summary.repoReads.map((r) => r.path), since);
    return { key: c.key, identity: localIdentity(read.repo, read.errors), root: c.root, readErrors: read.errors, ...(facts === undefined ? {} : { facts }), model, summary };
  });
  return { entries, tables: builder.tables() };
}

/** Indexes stale checkouts somewhere else (worker threads); the entries in the order given. */
export type BuildMany = (checkouts: readonly KeyedCheckout[], since: bigint) => Promise<Array<{ entries: BuiltEntry[]; tables: InventoryTables }>>;

export interface LocalRefreshed extends Refreshed {
  /** Read problems, in listing order (stored ones for checkouts not read), then the listing's own. */
  readErrors: ScanError[];
  /** Checkouts whose files were read from disk (their facts changed, were racy, or none were stored). */
  reread: number;
  /** The folders were not listed again: the listing kept with the index still holds. */
  listingReused: boolean;
}

/** Moves a group's table ids into `into` (by the rows' identity: the memo key, the read). */
function mergeTables(entries: BuiltEntry[], tables: InventoryTables, into: InventoryTables, index: { errors: Map<string, number>; reads: Map<string, number> }): void {
  const errorIds = tables.expansionErrors.map((e) => {
    let id = index.errors.get(e.key);
    if (id === undefined) {
      id = into.expansionErrors.push(e) - 1;
      index.errors.set(e.key, id);
    }
    return id;
  });
  const readIds = tables.componentReads.map((r) => {
    const k = JSON.stringify([r.ref, r.path, r.digest]);
    let id = index.reads.get(k);
    if (id === undefined) {
      id = into.componentReads.push(r) - 1;
      index.reads.set(k, id);
    }
    return id;
  });
  for (const e of entries) {
    e.summary = {
      ...e.summary,
      expansions: e.summary.expansions.map((id) => errorIds[id] as number),
      componentReads: e.summary.componentReads.map((id) => readIds[id] as number).sort((a, b) => a - b),
    };
  }
}

/**
 * Brings the index of the listed checkouts (listLocalPaths, or `{paths, list}`: listed only when the listing
 * kept with the index no longer holds) up to date (see the header) and returns it, ready to query.
 * `buildMany`: how a first build of more than `manyAbove` checkouts indexes them (default: here, one builder).
 */
export async function refreshLocalPaths(
  store: InventoryStore,
  listing: ListedPaths | LazyListing,
  source: ComponentSource,
  options: RefreshOptions & { buildMany?: BuildMany; manyAbove?: number; racySlackNs?: bigint; onOpened?: (repos: number) => void },
): Promise<LocalRefreshed> {
  // Before any folder is looked at: a fact at or after this instant may hide a change made while reading.
  const since = store.stamp() - (options.racySlackNs ?? RACY_SLACK_NS);
  const { old, notice } = openIndex(store, options);
  options.onOpened?.(old?.repos.length ?? 0);
  const lazy = 'list' in listing ? listing : undefined;
  const reused = lazy === undefined || old === undefined ? undefined : recordedListing(old.listing, old.repos.map((r) => r.root));
  const listed = reused ?? (lazy === undefined ? (listing as ListedPaths) : lazy.list());
  let record: ListingRecord | undefined = reused === undefined ? undefined : old?.listing;
  if (reused === undefined && lazy !== undefined) {
    const facts = listingFacts(lazy.paths, listed, since);
    if (facts !== undefined) record = { facts, ids: listed.checkouts.map((c) => c.id), errors: listed.errors };
  }
  const seen = new Map<string, number>();
  const checkouts = listed.checkouts.map((c): KeyedCheckout => {
    const n = seen.get(c.id) ?? 0;
    seen.set(c.id, n + 1);
    return { ...c, key: n === 0 ? c.id : `${c.id}#${n}` };
  });

  const changedReads = changedComponentReads(old, source);
  const byKey = new Map((old?.repos ?? []).map((r) => [r.key, r]));
  const slots: Array<ManifestRepo | undefined> = checkouts.map((c) => {
    const prev = byKey.get(c.key);
    if (prev?.facts === undefined || prev.root !== c.root || prev.readErrors === undefined) return undefined;
    if (prev.summary.componentReads.some((id) => changedReads.has(id))) return undefined;
    return factsHold(c.root, prev.facts) ? prev : undefined;
  });
  const stale = checkouts.filter((_, i) => slots[i] === undefined);

  const built = new Map<number, RepoModel>();
  const tables: InventoryTables = { expansionErrors: [...(old?.tables.expansionErrors ?? [])], componentReads: [...(old?.tables.componentReads ?? [])] };
  const ids = {
    errors: new Map(tables.expansionErrors.map((e, i) => [e.key, i])),
    reads: new Map(tables.componentReads.map((r, i) => [JSON.stringify([r.ref, r.path, r.digest]), i])),
  };
  let rescanned = 0;
  const put = (i: number, e: BuiltEntry): void => {
    rescanned++;
    built.set(i, e.model);
    slots[i] = { key: e.key, identity: e.identity, model: store.putModel(e.model), summary: e.summary, root: e.root, readErrors: e.readErrors, ...(e.facts === undefined ? {} : { facts: e.facts }) };
  };
  const positions = checkouts.flatMap((_, i) => (slots[i] === undefined ? [i] : []));

  if (old === undefined && options.buildMany !== undefined && stale.length > (options.manyAbove ?? 0)) {
    // A first build: every checkout read and indexed, in groups, elsewhere; merged in listing order.
    let k = 0;
    for (const group of await options.buildMany(stale, since)) {
      mergeTables(group.entries, group.tables, tables, ids);
      for (const e of group.entries) put(positions[k++] as number, e);
    }
  } else {
    const builder = createInventoryBuilder(source, { digest: sha256 }, tables);
    for (const i of positions) {
      const c = checkouts[i] as KeyedCheckout;
      const read = readListedCheckout(c);
      const identity = localIdentity(read.repo, read.errors);
      const prev = byKey.get(c.key);
      if (prev && prev.identity === identity && prev.summary.repo === read.repo.repo && dependenciesHold(prev, read.repo, changedReads, false)) {
        // Read again (a touch, a racy time), the same input: the stored model stands, with today's facts.
        const facts = checkoutFacts(c.root, read.repo.files, prev.summary.repoReads.map((r) => r.path), since);
        const { key, identity: same, model, summary } = prev;
        slots[i] = { key, identity: same, model, summary, root: c.root, readErrors: read.errors, ...(facts === undefined ? {} : { facts }) };
        continue;
      }
      const { model, summary } = builder.index(read.repo);
      const facts = checkoutFacts(c.root, read.repo.files, summary.repoReads.map((r) => r.path), since);
      put(i, { key: c.key, identity, root: c.root, readErrors: read.errors, ...(facts === undefined ? {} : { facts }), model, summary });
    }
    const t = builder.tables();
    tables.expansionErrors = t.expansionErrors;
    tables.componentReads = t.componentReads;
  }

  const entries = slots as ManifestRepo[];
  const sameListing = reused !== undefined || (record === undefined ? old?.listing === undefined : JSON.stringify(record) === JSON.stringify(old?.listing));
  const same = old !== undefined && sameListing && stale.length === 0 && entries.length === old.repos.length && entries.every((e, i) => old.repos[i] === e);
  const { entries: kept, tables: compacted } = compact(entries, tables);
  if (!same) {
    store.save({
      format: INVENTORY_FORMAT,
      version: INVENTORY_VERSION,
      tool: options.tool,
      source: options.source,
      inputs: [...options.inputs],
      repos: kept,
      tables: compacted,
      ...(record === undefined ? {} : { listing: record }),
    });
  }
  const summaries = kept.map((e) => e.summary);
  return {
    view: { summaries, tables: compacted, postings: postingsOf(summaries) },
    load: (i) => built.get(i) ?? store.model(kept[i]?.model ?? ''),
    close: () => store.close(),
    locate: (i) => store.where(kept[i]?.model ?? ''),
    rescanned,
    reread: stale.length,
    listingReused: reused !== undefined,
    total: checkouts.length,
    readErrors: [...kept.flatMap((e) => e.readErrors ?? []), ...listed.errors],
    ...(notice === undefined ? {} : { notice }),
  };
}

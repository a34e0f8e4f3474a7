/**
 * IMPERATIVE SHELL: brings the component-usage index up to date with the repositories just read, and
 * answers indicators from it. A repository version is re-indexed (parsed and resolved again) only when
 * its identity changed — for a local folder the SHA-256 of its pipeline files (paths, sizes, contents),
 * for a source's version `<source id>/<repo>@<commit>` with its role and when it was live
 * (versionIdentity) — or when something its jobs read changed: a component's file in the component
 * source, or (a local folder only: a commit fixes its files) a repository file a job runs (script,
 * Makefile, Dockerfile). An index written by another engine version, for another component source, or
 * that cannot be read is rebuilt whole, and says why. `planRefresh` says which versions are stale
 * before anything is indexed, so that a remote scan fetches components and files for those alone.
 * Local folders alone are brought up to date by local-refresh.ts, which decides from stat facts which
 * checkouts to read at all (the helpers below are shared).
 */
import { createInventoryBuilder, type InventoryTables, type InventoryView, postingsOf, type RepoModel, type RepoSummary } from '../../core/inventory';
import type { ComponentSource, RepoInput, ScanError, VersionInfo } from '../../core/model';
import type { Manifest, ManifestRepo } from './schema';
import { INVENTORY_FORMAT, INVENTORY_VERSION } from './schema';
import { type InventoryStore, type ModelAt, sha256 } from './store';

/** Which input a repository version is, and what it is. */
export interface RepoIdentity {
  /** Stable among runs over the same inputs: the repository (and its position among same-named ones), or `repo@commit`. */
  key: string;
  identity: string;
  /** The input is a commit: the repository files its jobs read cannot have changed (not read again to check). */
  pinned?: boolean;
}

/**
 * The identity of a version a source read: `<source id>/<repo>@<commit>` and its role (the key), plus
 * when it was live and what replaced it (a version's findings say so: another window is another input).
 */
export function versionIdentity(sourceId: string, repo: string, version: VersionInfo): RepoIdentity {
  const key = `${sourceId}/${repo}@${version.commit} ${version.role}`;
  const { commit, role, committedAt, liveFrom, liveUntil, replacedBy } = version;
  return { key, identity: JSON.stringify([key, commit, role, committedAt ?? null, liveFrom ?? null, liveUntil ?? null, replacedBy ?? null]), pinned: true };
}

/** Identities of locally read repositories: the pipeline files' paths, sizes and contents, and the read errors of the repository. */
export function localIdentities(repos: readonly RepoInput[], readErrors: readonly ScanError[]): RepoIdentity[] {
  const seen = new Map<string, number>();
  return repos.map((r) => {
    const n = seen.get(r.repo) ?? 0;
    seen.set(r.repo, n + 1);
    const files = r.files.map((f) => [f.path, Buffer.byteLength(f.text), sha256(f.text)]);
    const errors = readErrors.filter((e) => e.repo === r.repo).map((e) => [e.file, e.line, e.code, e.message]);
    return { key: n === 0 ? r.repo : `${r.repo}#${n}`, identity: `local:${sha256(JSON.stringify([r.repo, files, errors]))}` };
  });
}

export interface RefreshOptions {
  /** The engine's version (an index written by another is rebuilt). */
  tool: string;
  /** Names the component source (`--cache` as given, or none): unresolved reasons depend on it. */
  source: string;
  /** What was indexed: the paths as given, or source ids. */
  inputs: readonly string[];
  /** Ignore what is stored (a model turned out unusable). */
  rebuild?: string;
}

export interface Refreshed {
  view: InventoryView;
  /** The model of `view.summaries[i]` (throws StoreProblem when its bytes are not as written). */
  load(i: number): RepoModel;
  /** Closes what load() keeps open. */
  close(): void;
  /** Where the model of `view.summaries[i]` is, for a reader in another thread (parallel-query.ts). */
  locate(i: number): ModelAt | undefined;
  /** Repository versions parsed and resolved again, of `total`. */
  rescanned: number;
  total: number;
  /** Why every repository was read again, when it was (no index yet, unusable, other version or source). */
  notice?: string;
}

/** Keeps the table rows the summaries use, renumbered. */
export function compact(entries: ManifestRepo[], tables: InventoryTables): { entries: ManifestRepo[]; tables: InventoryTables } {
  const errorIds = new Map<number, number>();
  const readIds = new Map<number, number>();
  const out: InventoryTables = { expansionErrors: [], componentReads: [] };
  const remap = (ids: readonly number[], map: Map<number, number>, take: (id: number) => number): number[] =>
    ids.map((id) => {
      let n = map.get(id);
      if (n === undefined) {
        n = take(id);
        map.set(id, n);
      }
      return n;
    });
  const renumbered = entries.map((e) => {
    const expansions = remap(e.summary.expansions, errorIds, (id) => out.expansionErrors.push(tables.expansionErrors[id] as InventoryTables['expansionErrors'][number]) - 1);
    const componentReads = remap(e.summary.componentReads, readIds, (id) => out.componentReads.push(tables.componentReads[id] as InventoryTables['componentReads'][number]) - 1);
    const summary: RepoSummary = { ...e.summary, expansions, componentReads };
    return { ...e, summary };
  });
  return { entries: renumbered, tables: out };
}

export interface RefreshPlan {
  /** The stored index that is brought up to date (none: everything is read). */
  old?: Manifest;
  /** Why everything is read, when it is. */
  notice?: string;
  /** Positions in `repos` of the versions to parse and resolve again. */
  stale: Set<number>;
  /** Per position: the stored entry kept as it is. */
  kept: Map<number, ManifestRepo>;
}

/** The stored index to bring up to date, or why everything is read (none yet, unusable, another engine version or component source). */
export function openIndex(store: InventoryStore, options: RefreshOptions): { old?: Manifest; notice?: string } {
  if (options.rebuild !== undefined) return { notice: options.rebuild };
  const outcome = store.load();
  if (outcome.kind === 'absent') return { notice: 'no index yet: reading every repository' };
  if (outcome.kind === 'unusable') return { notice: `the index cannot be used (${outcome.reason}): reading every repository` };
  if (outcome.manifest.tool !== options.tool) return { notice: `the index was written by ci-exposure ${outcome.manifest.tool}: reading every repository` };
  if (outcome.manifest.source !== options.source) return { notice: `the index was built with another component source (${outcome.manifest.source}): reading every repository` };
  return { old: outcome.manifest };
}

/** Ids of the component reads of `old` whose answer through `source` is no longer the one recorded. */
export function changedComponentReads(old: Manifest | undefined, source: ComponentSource): Set<number> {
  const changed = new Set<number>();
  old?.tables.componentReads.forEach((r, i) => {
    const text = source.read(r.ref, r.path);
    if ((text === undefined ? 'missing' : sha256(text)) !== r.digest) changed.add(i);
  });
  return changed;
}

/** Does what a stored version read still answer the same: its components, and (unless pinned) the repository files its jobs read? */
export function dependenciesHold(prev: ManifestRepo, repo: RepoInput, changedReads: ReadonlySet<number>, pinned: boolean): boolean {
  if (prev.summary.componentReads.some((id) => changedReads.has(id))) return false;
  if (pinned) return true;
  return prev.summary.repoReads.every(({ path, digest: was }) => {
    const answer = repo.reader?.read(path);
    if (answer === undefined) return false;
    return ('text' in answer ? sha256(answer.text) : sha256(JSON.stringify(answer))) === was;
  });
}

/**
 * Which of `repos` (in scan order, `ids` beside them) must be indexed again: new or changed identities,
 * and those whose component reads (through `source`) or, unless pinned, repository files changed.
 */
export function planRefresh(store: InventoryStore, repos: readonly RepoInput[], ids: readonly RepoIdentity[], source: ComponentSource, options: RefreshOptions): RefreshPlan {
  const { old, notice } = openIndex(store, options);
  const changedReads = changedComponentReads(old, source);
  const byKey = new Map((old?.repos ?? []).map((r) => [r.key, r]));
  const stale = new Set<number>();
  const kept = new Map<number, ManifestRepo>();
  repos.forEach((repo, i) => {
    const id = ids[i];
    if (!id) throw new Error(`no identity for repository ${repo.repo}`);
    const prev = byKey.get(id.key);
    if (prev && prev.identity === id.identity && prev.summary.repo === repo.repo && dependenciesHold(prev, repo, changedReads, id.pinned === true)) kept.set(i, prev);
    else stale.add(i);
  });
  return { ...(old === undefined ? {} : { old }), ...(notice === undefined ? {} : { notice }), stale, kept };
}

/** Brings the index in `store` up to date with `repos` (in scan order) and returns it, ready to query. */
export function refreshInventory(store: InventoryStore, repos: readonly RepoInput[], ids: readonly RepoIdentity[], source: ComponentSource, options: RefreshOptions): Refreshed {
  const { old, notice, kept: keptEntries } = planRefresh(store, repos, ids, source, options);
  const builder = createInventoryBuilder(source, { digest: sha256 }, old?.tables);
  const built = new Map<number, RepoModel>();
  const entries: ManifestRepo[] = [];
  let rescanned = 0;
  repos.forEach((repo, i) => {
    const id = ids[i];
    if (!id) throw new Error(`no identity for repository ${repo.repo}`);
    const prev = keptEntries.get(i);
    if (prev) {
      entries.push(prev);
      return;
    }
    const { model, summary } = builder.index(repo);
    rescanned++;
    built.set(i, model);
    entries.push({ key: id.key, identity: id.identity, model: store.putModel(model), summary });
  });

  const same = old !== undefined && rescanned === 0 && entries.length === old.repos.length && entries.every((e, i) => old?.repos[i] === e);
  const { entries: kept, tables } = compact(entries, builder.tables());
  if (!same) {
    store.save({ format: INVENTORY_FORMAT, version: INVENTORY_VERSION, tool: options.tool, source: options.source, inputs: [...options.inputs], repos: kept, tables });
  }
  const summaries = kept.map((e) => e.summary);
  return {
    view: { summaries, tables, postings: postingsOf(summaries) },
    load: (i) => built.get(i) ?? store.model(kept[i]?.model ?? ''),
    close: () => store.close(),
    locate: (i) => store.where(kept[i]?.model ?? ''),
    rescanned,
    total: repos.length,
    ...(notice === undefined ? {} : { notice }),
  };
}

/**
 * IMPERATIVE SHELL: the scan with components fetched on demand.
 *
 *   scan ──▶ the components the scan asked for and could not read ──▶ fetchers (the first whose
 *   canFetch is true) write them into the component store ──▶ scan again … until nothing new is
 *   fetched, or after `maxRounds` rounds of fetching (nested components need one round per level).
 *
 * The scan is the pure core (scanMany) over a ComponentSource that reads the user's `--cache` folder
 * first, then the store (component-store.ts), and records every component it looked for and did not
 * find — one with no file read at all (a component read in part, e.g. `action.yml` without
 * `action.yaml`, is there). A component no fetcher can fetch, or whose fetch failed, stays unresolved:
 * its reason says the provider's answer (`could not be fetched by github: 404 Not Found; looked for …`).
 * A component fetched before (its manifest in the store) is not fetched again.
 *
 * The files a job runs from its own repository (scripts, Makefiles, Dockerfiles) come through the
 * version's reader. A remote source's reader is a PendingReader (source.ts): it answers `not-fetched` for
 * a path it does not hold and remembers it; in the same rounds, every reader with pending paths is handed
 * to its prefetcher — all readers of one prefetcher in one call, so GitHub reads them 200 files per
 * GraphQL call across repositories — and the next scan reads them (`make coverage` → `scripts/cover.sh` →
 * `curl … | bash` takes two rounds). This happens with or without a store: it is reading the repository,
 * not fetching a component. A path is asked for once; one still pending after `maxRounds` stays
 * unresolved with the reader's `not-fetched` reason.
 *
 * Rescans are incremental: each repository (all its versions) is scanned on its own and its result kept;
 * after a round only the repositories that looked for a component fetched (or failed) in that round, or
 * whose reader was handed files, are scanned again — nothing else they read changed — and the results
 * are merged (core mergeScanResults: the same as one scan of them all). `incremental: false` rescans all.
 */
import type { ComponentRef, ComponentSource, Indicator, RepoInput, ScanResult } from '../core/model';
import { mergeScanResults, type ScanOptions, scanMany } from '../core/scan';
import { componentId, type ComponentStore, FETCHED_LABEL, fetchTarget } from './component-store';
import { isPendingReader, type ComponentFetcher, type PendingReader, type RepoFilePrefetcher } from './source';

export interface FetchLoopOptions {
  /** Where fetched components go (and are read from). Absent: nothing is fetched. */
  store?: ComponentStore;
  fetchers?: readonly ComponentFetcher[];
  /** The user's component cache, read before the store. */
  base?: ComponentSource;
  /**
   * Rounds of fetching (default 8: a Makefile takes one — make's names GNUmakefile, makefile,
   * Makefile are asked in the same pass — and what it runs one more per level).
   */
  maxRounds?: number;
  /** Fetches running at once (default 8). */
  concurrency?: number;
  scanOptions?: ScanOptions;
  /** Rescan only the repositories a round's fetches concern (default true); false: every repository each round. */
  incremental?: boolean;
  /** Told after each round: components fetched and failed so far, and repository files read so far. */
  onRound?(round: number, fetched: number, failed: number, filesRead: number): void;
}

export interface FetchLoopResult {
  results: ScanResult[];
  /** Scans run (1 + rounds that fetched something). */
  scans: number;
  /** Repositories scanned by each scan (the first: all of them). */
  rescanned: number[];
  /** Component ids fetched in this run. */
  fetched: string[];
  /** Component ids whose fetch failed, with the fetcher's reason. */
  failed: Array<{ component: string; reason: string }>;
  /** What fetchers said about what they read (e.g. a branch read as it is today), per component. */
  notes: Array<{ component: string; ref: string; note: string }>;
  /** Repository files read through the versions' readers, and prefetchers that failed (a bug: readers settle their own errors). */
  files: { read: number; failed: Array<{ prefetcher: string; reason: string }> };
}

/** The layered source of one scan, recording what it could not find. */
function recordingSource(base: ComponentSource | undefined, store: ComponentSource | undefined, failures: ReadonlyMap<string, string>, notFetched: ReadonlyMap<string, string>) {
  const misses = new Map<string, ComponentRef>();
  const hits = new Set<string>();
  const source: ComponentSource = {
    read(ref, path) {
      const text = base?.read(ref, path) ?? store?.read(ref, path);
      const id = componentId(ref);
      if (id !== undefined) {
        if (text !== undefined) hits.add(id);
        else if (!misses.has(id)) misses.set(id, fetchTarget(ref));
      }
      return text;
    },
    describe(ref) {
      const looked = (base ?? store)?.describe(ref) ?? 'no component cache';
      const id = componentId(ref);
      const failed = id === undefined ? undefined : failures.get(id);
      if (failed !== undefined) return `could not be fetched by ${failed}; ${looked}`;
      const why = id === undefined ? undefined : notFetched.get(id);
      return why === undefined ? looked : `${why}; ${looked}`;
    },
  };
  /** Components looked for and not found at all. */
  const missing = (): Array<[string, ComponentRef]> => [...misses].filter(([id]) => !hits.has(id));
  return { source, missing, misses, hits };
}

/** Runs `tasks` with at most `limit` at once. */
async function pool<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** The readers with paths not asked for yet, grouped by prefetcher; marks those paths asked. */
function pendingFiles(repos: readonly RepoInput[], asked: WeakMap<PendingReader, Set<string>>): Map<RepoFilePrefetcher, { readers: PendingReader[]; paths: number }> {
  const groups = new Map<RepoFilePrefetcher, { readers: PendingReader[]; paths: number }>();
  for (const repo of repos) {
    const reader = repo.reader;
    if (!isPendingReader(reader)) continue;
    const pending = reader.pending();
    if (pending.length === 0) continue;
    let seen = asked.get(reader);
    if (!seen) {
      seen = new Set();
      asked.set(reader, seen);
    }
    const fresh = pending.filter((p) => !seen.has(p));
    if (fresh.length === 0) continue;
    for (const p of fresh) seen.add(p);
    let group = groups.get(reader.prefetcher);
    if (!group) {
      group = { readers: [], paths: 0 };
      groups.set(reader.prefetcher, group);
    }
    group.readers.push(reader);
    group.paths += fresh.length;
  }
  return groups;
}

/** `repos` cut into runs of one repository's versions; undefined when a repository's versions are not together. */
function repoGroups(repos: readonly RepoInput[]): RepoInput[][] | undefined {
  const groups: RepoInput[][] = [];
  const seen = new Set<string>();
  for (const repo of repos) {
    const last = groups.at(-1);
    if (last && last[0]?.repo === repo.repo) {
      last.push(repo);
      continue;
    }
    if (seen.has(repo.repo)) return undefined;
    seen.add(repo.repo);
    groups.push([repo]);
  }
  return groups;
}

export async function scanWithFetch(repos: readonly RepoInput[], indicators: readonly Indicator[], options: FetchLoopOptions = {}): Promise<FetchLoopResult> {
  const maxRounds = options.maxRounds ?? 8;
  const fetchers = options.fetchers ?? [];
  const store = options.store;
  const failures = new Map<string, string>();
  const notFetched = new Map<string, string>();
  const attempted = new Set<string>();
  const fetched: string[] = [];
  const notes = new Map<string, { component: string; ref: string; note: string }>();
  const asked = new WeakMap<PendingReader, Set<string>>();
  const files: FetchLoopResult['files'] = { read: 0, failed: [] };
  const rescanned: number[] = [];
  const resultOf = (results: ScanResult[]): FetchLoopResult => ({
    results,
    scans: rescanned.length,
    rescanned,
    fetched,
    failed: [...failures].map(([component, reason]) => ({ component, reason })),
    notes: [...notes.values()],
    files,
  });

  // One group per repository (or one group of all when incremental is off or impossible).
  const split = options.incremental === false || repos.length === 0 ? undefined : repoGroups(repos);
  const groups: RepoInput[][] = split ?? [[...repos]];
  const groupOf = new Map<PendingReader, number>();
  groups.forEach((g, i) => {
    for (const r of g) if (isPendingReader(r.reader)) groupOf.set(r.reader, i);
  });
  const parts: ScanResult[][] = new Array<ScanResult[]>(groups.length);
  // Per group: the components it looked for without finding a file, and those it found a file of.
  const missesOf: Array<Map<string, ComponentRef>> = groups.map(() => new Map());
  const hitsOf: Array<Set<string>> = groups.map(() => new Set());
  /** Scans these groups again; the merged results of all. */
  const rescan = (dirty: Iterable<number>): ScanResult[] => {
    const storeSource = store?.source(FETCHED_LABEL);
    let count = 0;
    for (const i of dirty) {
      const group = groups[i] as RepoInput[];
      const layered = recordingSource(options.base, storeSource, failures, notFetched);
      parts[i] = scanMany(group, indicators, layered.source, options.scanOptions);
      missesOf[i] = layered.misses;
      hitsOf[i] = layered.hits;
      count += group.length === 0 ? 0 : split ? 1 : group.length;
    }
    rescanned.push(split ? count : repos.length);
    return groups.length === 1 ? (parts[0] as ScanResult[]) : mergeScanResults(parts);
  };
  const concerned = (ids: ReadonlySet<string>, readers: readonly PendingReader[]): Set<number> => {
    const dirty = new Set<number>();
    missesOf.forEach((m, i) => {
      for (const id of m.keys()) {
        if (ids.has(id)) {
          dirty.add(i);
          break;
        }
      }
    });
    for (const r of readers) {
      const g = groupOf.get(r);
      if (g !== undefined) dirty.add(g);
    }
    return new Set([...dirty].sort((a, b) => a - b));
  };

  let results = rescan(groups.keys());
  for (let round = 0; ; round++) {
    // Looked for and not found at all (a component read in part is there), as one scan of all would say.
    const hit = new Set<string>();
    for (const h of hitsOf) for (const id of h) hit.add(id);
    const missing = new Map<string, ComponentRef>();
    for (const m of missesOf) for (const [id, ref] of m) if (!hit.has(id) && !missing.has(id)) missing.set(id, ref);
    const todo = store === undefined || fetchers.length === 0 ? [] : [...missing].filter(([id, ref]) => !attempted.has(id) && !store.has(ref));
    if (round >= maxRounds) {
      if (todo.length === 0 || store === undefined) return resultOf(results);
      // Nested deeper than the rounds allow: say so, and scan once more so that the reasons say it.
      for (const [id] of todo) notFetched.set(id, `not fetched: components nested more than ${maxRounds} levels deep are not fetched`);
      results = rescan(concerned(new Set(todo.map(([id]) => id)), []));
      return resultOf(results);
    }
    const pendingGroups = pendingFiles(repos, asked);
    if (todo.length === 0 && pendingGroups.size === 0) return resultOf(results);
    const reading = Promise.all(
      [...pendingGroups].map(async ([prefetcher, group]) => {
        try {
          await prefetcher.fetchPending(group.readers);
          files.read += group.paths;
        } catch (err) {
          files.failed.push({ prefetcher: prefetcher.id, reason: (err as Error).message });
        }
      }),
    );
    let changed = pendingGroups.size > 0;
    const settled = new Set<string>();
    await pool(todo, options.concurrency ?? 8, async ([id, ref]) => {
      attempted.add(id);
      const fetcher = fetchers.find((f) => f.canFetch(ref));
      if (fetcher === undefined) return;
      changed = true;
      if (store === undefined) return;
      settled.add(id);
      const writer = store.writer();
      let reason: string | undefined;
      try {
        const outcome = await fetcher.fetch(ref, writer);
        if (outcome.ok) {
          store.markFetched(ref, writer.written);
          fetched.push(id);
          if (outcome.note !== undefined) notes.set(id, { component: id, ref: ref.raw, note: outcome.note });
          return;
        }
        reason = outcome.reason;
      } catch (err) {
        reason = (err as Error).message;
      }
      failures.set(id, `${fetcher.id}: ${reason}`);
    });
    await reading;
    options.onRound?.(round + 1, fetched.length, failures.size, files.read);
    if (!changed) return resultOf(results);
    const readers = [...pendingGroups.values()].flatMap((g) => g.readers);
    results = rescan(split ? concerned(settled, readers) : [0]);
  }
}

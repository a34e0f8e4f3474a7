/**
 * IMPERATIVE SHELL: the listing of local folders (local-dir.ts listLocalPaths) kept with the index, and
 * the stat facts that tell whether listing again would give the same checkouts — so that an unchanged
 * organisation of 10,000 checkouts is not walked again (a readdir, an lstat and a realpath per checkout).
 *
 * What listLocalPaths looks at, for each path given (a folder of checkouts, or of folders of them):
 *
 *   the path itself                   followed (stat) and its real path: another target is another folder
 *   each folder F it lists            its entries (F's mtime and ctime change when one is added, removed,
 *     (the path, each child folder)     renamed or replaced: a folder by a symlink, a file by a folder)
 *   F's checkout markers              `.git`, a platform's file or folder at F's root (in F's entries), and
 *                                     what a marker folder holds (`.github/workflows/*.yml`): each marker's
 *                                     existing prefixes, their mtime and ctime
 *
 * Each recorded as fingerprint.ts records a checkout's facts, under git's racy rule: a fact not older than
 * the run's start (minus the slack) gives no record, and the next run lists again. A path that is itself a
 * checkout is never recorded (its id may come from its `.git/config`): such a run lists again, which costs
 * one checkout's stats. Equal facts: the same folders with the same entries and markers, so the same listing.
 */
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PLATFORMS } from '../../core/platforms';
import { checkoutMarkers } from '../../core/platforms/discovery';
import type { ScanError } from '../../core/model';
import type { LocalCheckout } from '../local-dir';
import { factOf, isRacy } from './fingerprint';

/** What listLocalPaths returns. */
export interface ListedPaths {
  checkouts: LocalCheckout[];
  errors: ScanError[];
  missing: string[];
}

/** The listing of `paths`, done only when the recorded one cannot be reused. */
export interface LazyListing {
  paths: readonly string[];
  list(): ListedPaths;
}

/** A listing as stored in the manifest: its facts, the checkouts' ids (their roots are the entries'), its errors. */
export interface ListingRecord {
  facts: string;
  ids: string[];
  errors: ScanError[];
}

/** Paths under a folder whose presence makes it a checkout (local-dir.ts ROOT_MARKERS, and the glob markers' folders). */
const MARKERS = ((): string[] => {
  const m = checkoutMarkers(PLATFORMS.map((p) => p.discovery));
  return [...new Set(['.git', ...m.paths, ...m.globs.map((g) => g.base).filter((b) => b !== '')])];
})();

class Volatile extends Error {}

/** The input path, followed: `s:` and its fact (as fingerprint.ts factOf), and its real path. */
function followedFact(abs: string): string | undefined {
  try {
    const st = statSync(abs, { bigint: true, throwIfNoEntry: false });
    if (st === undefined || !st.isDirectory()) return undefined;
    return `s:d:${st.mtimeNs}:${st.ctimeNs}:${st.size}:${st.ino}:${realpathSync(abs)}`;
  } catch {
    return undefined;
  }
}

/**
 * The facts of the listing of `paths` just made (`listed`), or undefined when it cannot be recorded (a
 * path is a checkout or missing, a fact is racy or a symlink). `since`: the run's start minus the slack.
 */
export function listingFacts(paths: readonly string[], listed: ListedPaths, since: bigint): string | undefined {
  if (listed.missing.length > 0) return undefined;
  const facts = new Map<string, string>();
  const put = (abs: string): string | undefined => {
    const fact = factOf(abs);
    if (fact === undefined) return undefined;
    if (fact.startsWith('l') || fact.startsWith('o') || isRacy(fact, since)) throw new Volatile();
    facts.set(abs, fact);
    return fact;
  };
  /** A listed folder: its fact, and each marker's existing prefixes. */
  const folder = (abs: string): void => {
    if (put(abs)?.startsWith('d') !== true) throw new Volatile();
    for (const m of MARKERS) {
      let p = abs;
      for (const part of m.split('/')) {
        p = join(p, part);
        if (put(p) === undefined) break;
      }
    }
  };
  try {
    const roots = new Set(listed.checkouts.map((c) => c.root));
    for (const p of paths) {
      const abs = resolve(p);
      if (roots.has(abs)) return undefined; // the path is a checkout
      const followed = followedFact(abs);
      if (followed === undefined || isRacy(followed.slice(2), since)) return undefined;
      facts.set(`${abs}\u0000followed`, followed);
      folder(abs);
      // Each child folder: a checkout (by its markers) or a folder whose entries are checkouts.
      for (const child of childFolders(abs)) folder(child);
    }
  } catch (err) {
    if (err instanceof Volatile) return undefined;
    throw err;
  }
  return [...facts].map(([p, f]) => `${p}\t${f}`).join('\n');
}

/** The non-hidden entries of `dir` that are folders (lstat: not followed), as local-dir.ts safeDirs sees them. */
function childFolders(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    throw new Volatile();
  }
  return names.filter((n) => !n.startsWith('.') && n !== 'node_modules' && factOf(join(dir, n))?.startsWith('d') === true).map((n) => join(dir, n));
}

/** Do the recorded listing facts still hold? (One stat per fact: the paths, the folders listed, their markers.) */
export function listingHolds(recorded: string): boolean {
  if (recorded === '') return false;
  for (const line of recorded.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab < 0) return false;
    const path = line.slice(0, tab);
    const fact = line.slice(tab + 1);
    const now = path.endsWith('\u0000followed') ? followedFact(path.slice(0, -'\u0000followed'.length)) : factOf(path);
    if (now !== fact) return false;
  }
  return true;
}

/**
 * The listing recorded with `old`'s entries when its facts still hold: the checkouts (ids recorded, roots
 * the entries'), its errors; undefined when there is none, it does not fit the entries, or a fact changed.
 */
export function recordedListing(listing: ListingRecord | undefined, roots: ReadonlyArray<string | undefined>): ListedPaths | undefined {
  if (listing === undefined || listing.ids.length !== roots.length) return undefined;
  const checkouts: LocalCheckout[] = [];
  for (let i = 0; i < roots.length; i++) {
    const root = roots[i];
    const id = listing.ids[i];
    if (root === undefined || id === undefined) return undefined;
    checkouts.push({ root, id });
  }
  if (!listingHolds(listing.facts)) return undefined;
  return { checkouts, errors: listing.errors, missing: [] };
}

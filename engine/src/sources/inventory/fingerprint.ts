/**
 * IMPERATIVE SHELL: the cheap facts that tell whether a local checkout may have changed since it was
 * indexed, without reading its files — a stat walk of what local-dir.ts's readCheckout looks at:
 *
 *   the checkout's root folder                      (a file added or removed at the root: its mtime)
 *   every folder a discovery glob walks             (`.github/workflows`, every folder under `.github`)
 *   every file a glob matches, every literal path   (`.circleci/config.yml`, a GitLab local include,
 *     a platform names or a file read follows,        a Jenkins `load`, a script or Makefile a job runs)
 *     or, when absent, its nearest existing folder
 *
 * Each as `kind:mtime ns:ctime ns:size:inode` (ctime catches an mtime set back by a tool). The facts
 * are a superset of what the read depends on, so equal facts mean an equal read. Fail closed: a
 * symlink on the way, a walk past its limits, or a fact whose mtime or ctime is not older than the
 * start of the indexing run (minus RACY_SLACK_NS: file systems with coarse timestamps) gives no facts
 * at all — the checkout is read again next time. The last rule is git's "racily clean" rule: a file
 * changed again within the same timestamp tick after it was read would otherwise keep equal facts.
 */
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { anyGlobMatcher, globBase, globDepth, isGlob } from '../../core/glob';
import type { PlatformModule, SourceFile } from '../../core/model';
import { PLATFORMS } from '../../core/platforms';

/** How far before the run's start a timestamp still counts as racy (2 s: FAT's granularity, clock skew of a network share). */
export const RACY_SLACK_NS = 2_000_000_000n;
/** As local-dir.ts: deepest level a `**` glob walks to, most entries looked at per checkout. */
const MAX_WALK_DEPTH = 12;
const MAX_ENTRIES = 20_000;

/** One path's fact: `kind:mtimeNs:ctimeNs:size:ino`, or undefined when it does not exist. */
export function factOf(abs: string): string | undefined {
  let st;
  try {
    st = lstatSync(abs, { bigint: true, throwIfNoEntry: false });
  } catch {
    return undefined; // ENOTDIR and the like: not there
  }
  if (st === undefined) return undefined;
  const kind = st.isSymbolicLink() ? 'l' : st.isDirectory() ? 'd' : st.isFile() ? 'f' : 'o';
  return `${kind}:${st.mtimeNs}:${st.ctimeNs}:${st.size}:${st.ino}`;
}

/** Is a fact's mtime or ctime at or after `since` (ns)? */
export function isRacy(fact: string, since: bigint): boolean {
  const [, mtime, ctime] = fact.split(':');
  try {
    return BigInt(mtime ?? '') >= since || BigInt(ctime ?? '') >= since;
  } catch {
    return true;
  }
}

class Volatile extends Error {}

/**
 * The facts of the checkout at `root` after it was read: `files` are the files the read returned,
 * `repoReads` the paths the jobs' reader was asked for. Returns the encoded facts (`path\tfact` lines,
 * `.` for the root), or undefined when the checkout has no trustworthy facts (see the header).
 * `since`: the start of this indexing run on the file system's clock, minus RACY_SLACK_NS.
 */
export function checkoutFacts(root: string, files: readonly SourceFile[], repoReads: readonly string[], since: bigint, platforms: readonly PlatformModule[] = PLATFORMS): string | undefined {
  const facts = new Map<string, string>();
  let entries = 0;
  const stat = (rel: string): string | undefined => {
    const known = facts.get(rel);
    if (known !== undefined) return known;
    const fact = factOf(rel === '.' ? root : join(root, rel));
    if (fact === undefined) return undefined;
    if (fact.startsWith('l') || fact.startsWith('o') || isRacy(fact, since)) throw new Volatile();
    facts.set(rel, fact);
    return fact;
  };
  const parent = (rel: string): string => {
    const i = rel.lastIndexOf('/');
    return i < 0 ? '.' : rel.slice(0, i);
  };
  /** A literal path: its fact, or that of its nearest existing folder (which changes when the path appears). */
  const literal = (path: string): void => {
    const clean = path.replace(/^\.\//, '').replace(/^\/+/, '');
    if (clean === '' || clean.split('/').some((s) => s === '..') || clean.includes('\\') || clean.includes('\0')) return; // refused by the reader whatever the disk holds
    for (let p = clean; ; p = parent(p)) {
      if (stat(p) !== undefined || p === '.') return;
    }
  };
  /** As readCheckout's walk: folders from `base`, `depth` levels, never into `.git` or `node_modules`. */
  const walk = (base: string, patterns: readonly string[], depth: number): void => {
    const match = anyGlobMatcher(patterns);
    const visit = (dir: string, left: number): void => {
      if (left <= 0) return;
      const fact = stat(dir === '' ? '.' : dir);
      if (fact === undefined) {
        literal(dir);
        return;
      }
      if (!fact.startsWith('d')) return;
      let list;
      try {
        list = readdirSync(dir === '' ? root : join(root, dir), { withFileTypes: true });
      } catch {
        throw new Volatile();
      }
      for (const e of list) {
        if (++entries > MAX_ENTRIES) throw new Volatile();
        const rel = dir === '' ? e.name : `${dir}/${e.name}`;
        if (e.isSymbolicLink()) throw new Volatile();
        if (e.isDirectory()) {
          if (e.name !== '.git' && e.name !== 'node_modules') visit(rel, left - 1);
        } else if (match(rel)) stat(rel);
      }
    };
    visit(base, depth);
  };
  const patterns = (list: readonly string[]): void => {
    const byBase = new Map<string, string[]>();
    for (const p of list) {
      if (!isGlob(p)) literal(p);
      else byBase.set(globBase(p), [...(byBase.get(globBase(p)) ?? []), p]);
    }
    for (const [base, globs] of byBase) walk(base, globs, Math.min(MAX_WALK_DEPTH, Math.max(...globs.map(globDepth))));
  };

  try {
    stat('.');
    for (const { discovery } of platforms) {
      patterns([...discovery.pipelines, ...(discovery.components ?? [])]);
      const follow = discovery.follow;
      if (!follow) continue;
      // Every file read, not only those the platform followed: a superset of the paths it names.
      for (const file of files) {
        let named: string[];
        try {
          named = follow(file);
        } catch {
          continue; // the read recorded the error; the same text names the same nothing
        }
        patterns(named);
      }
    }
    for (const f of files) literal(f.path);
    for (const p of repoReads) literal(p);
  } catch (err) {
    if (err instanceof Volatile) return undefined;
    throw err;
  }
  return [...facts].map(([p, f]) => `${p}\t${f}`).join('\n');
}

/** Are the recorded facts still those of the checkout at `root`? (One lstat per fact.) */
export function factsHold(root: string, recorded: string): boolean {
  for (const line of recorded.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab < 0) return false;
    const rel = line.slice(0, tab);
    if (factOf(rel === '.' ? root : join(root, rel)) !== line.slice(tab + 1)) return false;
  }
  return true;
}

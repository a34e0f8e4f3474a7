/**
 * Versions of a repository in results: a source may give several versions (commits) of one repository —
 * the commit current when the incident window opened, each commit inside it that changed a pipeline file,
 * today's head — and a scan reads each. What is found the same in several versions is one finding (one
 * unresolved component, one error) with the list of versions it holds for, so that a workflow unchanged
 * through the window is reported once; how long it was live is said in words for the reports
 * (`5e01c2d…, live from before the window until its removal by ecfa576… at 2025-03-14 16:37 UTC`). Pure.
 */
import type { VersionInfo } from './model';

const ROLE_ORDER: Record<VersionInfo['role'], number> = { 'window-start': 0, 'in-window': 1, head: 2 };

/** Oldest first: by when it went live (or was committed), then window-start < in-window < head. */
export function compareVersions(a: VersionInfo, b: VersionInfo): number {
  const at = (v: VersionInfo): number => v.liveFrom ?? v.committedAt ?? 0;
  return at(a) - at(b) || ROLE_ORDER[a.role] - ROLE_ORDER[b.role] || a.commit.localeCompare(b.commit);
}

/** The union of two version lists (by commit), oldest first. */
export function unionVersions(a: readonly VersionInfo[], b: readonly VersionInfo[]): VersionInfo[] {
  const byCommit = new Map<string, VersionInfo>();
  for (const v of [...a, ...b]) if (!byCommit.has(v.commit)) byCommit.set(v.commit, v);
  return [...byCommit.values()].sort(compareVersions);
}

/** The identity of an item apart from its versions (what must be equal for two versions' items to be one). */
function identity(item: { versions?: VersionInfo[] }): string {
  const { versions: _versions, ...rest } = item;
  return JSON.stringify(rest);
}

/**
 * Items found in several versions of a repository, merged: items equal but for `versions` become the
 * first of them with the union of their versions. Items without versions pass unchanged; order is kept
 * (the first occurrence's place).
 */
export function mergeVersions<T extends { versions?: VersionInfo[] }>(items: readonly T[]): T[] {
  const out: T[] = [];
  const at = new Map<string, number>();
  for (const item of items) {
    if (item.versions === undefined) {
      out.push(item);
      continue;
    }
    const key = identity(item);
    const i = at.get(key);
    if (i === undefined) {
      at.set(key, out.length);
      out.push(item);
      continue;
    }
    const first = out[i] as T;
    out[i] = { ...first, versions: unionVersions(first.versions ?? [], item.versions) };
  }
  return out;
}

/** Still live on the default branch today: nothing replaced it (the head's files, or a version no later commit changed). */
export function isLive(v: VersionInfo): boolean {
  return v.replacedBy === undefined && v.liveUntil === undefined;
}

/** Does the finding hold in what is live today (`still exposed now`)? */
export function stillExposedNow(versions: readonly VersionInfo[] | undefined): boolean {
  return versions !== undefined && versions.some(isLive);
}

/** `2025-03-14 16:37 UTC`. */
export function utcMinute(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** `5e01c2d…` (a worktree stays `worktree`). */
export function shortCommit(commit: string): string {
  return /^[0-9a-f]{8,}$/i.test(commit) ? `${commit.slice(0, 7)}…` : commit;
}

/**
 * The versions in words, runs of consecutive versions (each replaced by the next) together:
 * `5e01c2d…, live from before the window until its removal by ecfa576… at 2025-03-14 16:37 UTC`;
 * `a1b2c3d… to 9f8e7d6…, live from 2025-03-14 10:00 UTC until today: still exposed now`. "Its removal"
 * is the commit after which the finding no longer holds as it is (the file changed or was deleted).
 */
export function versionsText(versions: readonly VersionInfo[]): string {
  const sorted = [...versions].sort(compareVersions);
  const runs: VersionInfo[][] = [];
  for (const v of sorted) {
    const run = runs[runs.length - 1];
    const last = run?.[run.length - 1];
    if (run && last?.replacedBy === v.commit) run.push(v);
    else runs.push([v]);
  }
  return runs
    .map((run) => {
      const first = run[0] as VersionInfo;
      const last = run[run.length - 1] as VersionInfo;
      const commits = run.length === 1 ? shortCommit(first.commit) : `${shortCommit(first.commit)} to ${shortCommit(last.commit)}`;
      const start = first.liveFrom ?? first.committedAt;
      const from = first.role === 'window-start' ? 'before the window' : start === undefined ? 'a time not known' : utcMinute(start);
      let until: string;
      if (last.replacedBy !== undefined) until = `its removal by ${shortCommit(last.replacedBy)}${last.liveUntil === undefined ? '' : ` at ${utcMinute(last.liveUntil)}`}`;
      else if (last.liveUntil !== undefined) until = utcMinute(last.liveUntil);
      else until = 'today: still exposed now';
      return `${commits}, live from ${from} until ${until}`;
    })
    .join('; ');
}

/** A version as data for JSON and SARIF: times as ISO-8601 UTC. */
export interface VersionJson {
  commit: string;
  role: VersionInfo['role'];
  committedAt?: string;
  liveFrom?: string;
  liveUntil?: string;
  replacedBy?: string;
}

export function versionJson(v: VersionInfo): VersionJson {
  const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());
  const committedAt = iso(v.committedAt);
  const liveFrom = iso(v.liveFrom);
  const liveUntil = iso(v.liveUntil);
  return {
    commit: v.commit,
    role: v.role,
    ...(committedAt === undefined ? {} : { committedAt }),
    ...(liveFrom === undefined ? {} : { liveFrom }),
    ...(liveUntil === undefined ? {} : { liveUntil }),
    ...(v.replacedBy === undefined ? {} : { replacedBy: v.replacedBy }),
  };
}

/**
 * IMPERATIVE SHELL: local folders as a RepoSource — a checkout or a folder of checkouts, read by
 * local-dir.ts. A folder has no history here: each repository is one version, its files as they are on
 * disk (commit `worktree`, role `head`), whatever the window. The scan does not stamp findings with a
 * worktree version (there is nothing to say about it), so a local scan reports as it always has.
 */
import type { ScanError } from '../core/model';
import { type LocalReadOptions, pathKind, readLocalPaths } from './local-dir';
import type { RepoSource, RepoVersion, SourceProgress, TimeWindow } from './source';

/** The commit of a local folder's files. */
export const WORKTREE = 'worktree';

export interface LocalSource extends RepoSource {
  /** Problems met that belong to no repository version (e.g. more repositories than the limit). */
  readonly errors: ScanError[];
  /** A folder is never refused: versions only. */
  versions(window: TimeWindow | undefined, progress?: SourceProgress): AsyncIterable<RepoVersion>;
}

/** Is `spec` a local path the local source reads (an existing folder)? */
export function isLocalFolder(spec: string): boolean {
  return pathKind(spec) === 'checkout' || pathKind(spec) === 'folder';
}

/** The repositories under `paths` (each an existing folder: the caller says when one is missing). */
export function localSource(paths: readonly string[], options: LocalReadOptions = {}): LocalSource {
  const errors: ScanError[] = [];
  return {
    id: paths.join(' '),
    errors,
    async *versions(_window: TimeWindow | undefined, progress?: SourceProgress): AsyncIterable<RepoVersion> {
      const read = readLocalPaths(paths, options);
      const byRepo = new Map<string, ScanError[]>();
      for (const e of read.errors) {
        if (read.repos.some((r) => r.repo === e.repo)) byRepo.set(e.repo, [...(byRepo.get(e.repo) ?? []), e]);
        else errors.push(e);
      }
      progress?.listed(read.repos.length, read.repos.length);
      // Two checkouts may share an id: their errors go with the first (the report lists them once either way).
      const given = new Set<string>();
      for (const repo of read.repos) {
        const own = given.has(repo.repo) ? [] : (byRepo.get(repo.repo) ?? []);
        given.add(repo.repo);
        progress?.read(repo.repo);
        yield { ...repo, version: { commit: WORKTREE, role: 'head' }, errors: own };
      }
    },
  };
}

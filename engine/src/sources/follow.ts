/**
 * IMPERATIVE SHELL helper: following the files a platform's pipeline files name (`discovery.follow`:
 * GitLab local includes, Jenkins `load`), one loop for every reader of repository files — a checkout
 * (local-dir.ts), a git tree (git/tree-files.ts), GitLab's API (gitlab/version-files.ts) — whether it
 * reads synchronously or not.
 */
import type { ScanError, SourceFile } from '../core/model';

/** How many files of one platform are followed per repository version. */
export const MAX_FOLLOWED = 200;

/**
 * Breadth first from `queue` (the pipeline files read), at most MAX_FOLLOWED files: yields each path a
 * file names; the caller reads it and gives back the paths it read (`walk.next(read)`). A `follow` that
 * throws is an `internal-error` of that file in `errors`, and the others go on.
 */
export function* followNamed(
  queue: string[],
  follow: (file: SourceFile) => string[],
  fileOf: (path: string) => SourceFile | undefined,
  repo: string,
  errors: ScanError[],
): Generator<string, void, readonly string[]> {
  const done = new Set<string>();
  while (queue.length > 0 && done.size < MAX_FOLLOWED) {
    const path = queue.shift() as string;
    if (done.has(path)) continue;
    done.add(path);
    const file = fileOf(path);
    if (!file) continue;
    let named: string[];
    try {
      named = follow(file);
    } catch (err) {
      errors.push({ repo, file: path, line: 1, code: 'internal-error', message: `finding the files ${path} names failed: ${(err as Error).message}` });
      continue;
    }
    for (const p of named) queue.push(...(yield p));
  }
}

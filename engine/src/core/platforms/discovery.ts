/**
 * Helpers for a platform module's `discovery` (which repository files it reads; see model.ts
 * `Discovery`): the `matches` predicate every module derives from its pipeline globs, and the roots a
 * shell looks at to tell a checkout from a folder of checkouts. Pure.
 */
import { anyGlobMatcher, globBase, globDepth, isGlob } from '../glob';
import type { Discovery } from '../model';

/** `matches` of a platform module: the path (a leading `./` ignored) is one of `discovery.pipelines`. */
export function pipelineMatcher(discovery: Discovery): (path: string) => boolean {
  const match = anyGlobMatcher(discovery.pipelines);
  return (path) => match(path.replace(/^\.\//, ''));
}

/**
 * What at a folder's root says the folder is a repository checkout for these platforms: each literal
 * pipeline or component path (`paths`), and each glob (`globs`) — a file it matches among the entries of
 * its fixed directory (`*.Jenkinsfile` at the root, `.github/workflows/*.yml`), or, for a `**` glob,
 * its fixed directory itself (`.github` for `.github/**` + `/action.yml`; globs deeper than one level
 * below their fixed directory mark nothing). A path under a folder that is not hidden
 * (`jenkins/Jenkinsfile`) marks nothing: a folder of checkouts may hold a repository of that name.
 */
export function checkoutMarkers(discoveries: readonly Discovery[]): { paths: string[]; globs: Array<{ base: string; pattern: string }> } {
  const paths = new Set<string>();
  const globs: Array<{ base: string; pattern: string }> = [];
  for (const d of discoveries) {
    for (const pattern of [...d.pipelines, ...(d.components ?? [])]) {
      // `jenkins/Jenkinsfile` in a folder of checkouts is as likely the repository `jenkins`: only the
      // root's own files and hidden folders (`.github/`, `.circleci/`) tell.
      const first = pattern.split('/')[0] as string;
      if (pattern.includes('/') && !first.startsWith('.')) continue;
      if (!isGlob(pattern)) paths.add(pattern);
      else if (globDepth(pattern) === Infinity && globBase(pattern) !== '') paths.add(globBase(pattern));
      else if (globDepth(pattern) === 1) globs.push({ base: globBase(pattern), pattern });
    }
  }
  return { paths: [...paths], globs };
}

/**
 * Jenkins shared libraries: how a pipeline names them (`@Library('name@ref')`, `@Library(['a', 'b@v2'])`,
 * `library 'name@ref'`, `library(identifier: 'name@ref', …)`, `libraries { lib('name@ref') }`), where
 * the component cache keeps them, and the ComponentRef of one of their global variables called as a step.
 *
 * Cache layout (one folder per library version, the library repository's own tree):
 *
 *   jenkins/libraries/<name>@<ref>/vars/<step>.groovy      global variables (`codecov(…)` runs its `call`)
 *   jenkins/libraries/<name>@<ref>/.resolved-commit        written by a fetcher with the whole library
 *
 * A library loaded without a version (Jenkins then uses the version configured for it) is read from
 * `<name>@HEAD`. Pure.
 */
import type { ComponentRef, JenkinsLibrary } from '../../model';

export type LibraryStepRef = Extract<ComponentRef, { kind: 'jenkins-library-step' }>;

/** The ref of a library loaded without a version. */
export const UNVERSIONED_LIBRARY = 'HEAD';

/** `name[@ref]` as written in a library loading step, or undefined when it is not one. */
export function parseLibrarySpec(text: string): JenkinsLibrary | undefined {
  const raw = text.trim();
  const m = /^([A-Za-z0-9_.-]+)(?:@(.+))?$/.exec(raw);
  if (!m?.[1]) return undefined;
  const ref = m[2]?.trim();
  if (ref === '' || (ref !== undefined && /\s/.test(ref))) return undefined;
  return ref === undefined ? { name: m[1], raw } : { name: m[1], ref, raw };
}

/**
 * The ComponentRef of global variable `step` of `library`, its method `method` (`call` when called as
 * `step(…)`); `loaded`: every library of the run, when there are others than `library` (their variables
 * are global to the run).
 */
export function libraryStepRef(library: JenkinsLibrary, step: string, method = 'call', loaded?: readonly JenkinsLibrary[]): LibraryStepRef {
  const raw = `${library.raw}/${step}${method === 'call' ? '' : `.${method}`}`;
  const others = loaded !== undefined && loaded.some((l) => l.raw !== library.raw);
  return others ? { kind: 'jenkins-library-step', library, step, method, raw, loaded: [...loaded] } : { kind: 'jenkins-library-step', library, step, method, raw };
}

/**
 * The file a fetcher writes beside a library's files once it wrote them all (the commit it read): a
 * library with it is all there, so a variable it does not have is not one of its. A library without it
 * (a `--cache` folder) is there only when one of its variables is read.
 */
export const LIBRARY_COMMIT_FILE = '.resolved-commit';

/** The repository-relative file that defines the global variable. */
export function varsFile(step: string): string {
  return `vars/${step}.groovy`;
}

/** A path segment that keeps a key inside the cache folder. */
function safeSegment(s: string): boolean {
  return s !== '' && s !== '.' && s !== '..' && !s.includes('\\') && !s.includes('\0');
}

/**
 * The cache-relative key of file `path` (relative to the library's root) of the library `ref` belongs
 * to; `''` names the variable's own file. Undefined for a key that would leave the cache folder.
 */
export function libraryCacheKey(ref: ComponentRef, path: string): string | undefined {
  if (ref.kind !== 'jenkins-library-step') return undefined;
  const inside = path === '' ? varsFile(ref.step) : path;
  if (inside.startsWith('/')) return undefined;
  const key = ['jenkins', 'libraries', `${ref.library.name}@${ref.library.ref ?? UNVERSIONED_LIBRARY}`, inside].join('/');
  return key.split('/').every(safeSegment) ? key : undefined;
}

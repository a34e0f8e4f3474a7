/**
 * Where a component's files live in the component cache (the v1 ComponentSource), as a cache-relative
 * path with `/` separators. Shared by the shell's directory source and the in-memory test source so that
 * both read the same layout:
 *
 *   github/<owner>/<repo>@<ref>/[<sub-path>/]<path>        actions, reusable workflows
 *   circleci/orbs/<namespace>/<name>@<version>.yml          orbs and their elements (`@volatile` when unversioned)
 *   gitlab/<group>/<project>@<ref>/<path>                   project includes (ref default HEAD)
 *   gitlab/<group>/<project>@<ref>/templates/<name>.yml     CI/CD components
 *   gitlab/templates/<file>                                 GitLab's own templates
 *   gitlab/remote/<host>/<path>                             remote includes
 *   jenkins/libraries/<name>@<ref>/vars/<step>.groovy       Jenkins shared libraries (platforms/jenkins/library.ts)
 *
 * Pure. Returns undefined for components that have no cached definition (images, scripts, packages,
 * local actions/workflows/includes, which live in the repository itself) and for any key that would
 * leave the cache folder (`..`, absolute paths, empty segments, backslashes, NUL).
 */
import type { ComponentRef } from '../model';
import { platformExpanding } from '../platforms';

/** The ref used when a project include or an action names none. */
export const DEFAULT_REF = 'HEAD';
/** The version name of an orb used without one. */
export const UNVERSIONED_ORB = 'volatile';

function joinSafe(parts: ReadonlyArray<string | undefined>): string | undefined {
  const segments: string[] = [];
  for (const part of parts) {
    if (part === undefined || part === '') continue;
    for (const seg of part.split('/')) {
      if (seg === '' || seg === '.') continue;
      if (seg === '..' || seg.includes('\\') || seg.includes('\0')) return undefined;
      segments.push(seg);
    }
  }
  return segments.length === 0 ? undefined : segments.join('/');
}

function orbKey(orb: Extract<ComponentRef, { kind: 'orb' }>): string | undefined {
  return joinSafe(['circleci/orbs', orb.namespace, `${orb.name}@${orb.version ?? UNVERSIONED_ORB}.yml`]);
}

function remoteKey(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined;
  let pathname: string;
  try {
    pathname = decodeURIComponent(parsed.pathname);
  } catch {
    return undefined;
  }
  return joinSafe(['gitlab/remote', parsed.host, pathname]);
}

/**
 * The cache-relative path of file `path` (relative to the component's root) of component `ref`.
 * Orbs are single files: `path` is ignored. Remote includes and templates are single files too.
 */
export function cacheKey(ref: ComponentRef, path: string): string | undefined {
  if (path.startsWith('/')) return undefined;
  switch (ref.kind) {
    case 'gha-action':
      return joinSafe(['github', ref.owner, `${ref.repo}@${ref.ref ?? DEFAULT_REF}`, ref.path, path]);
    case 'gha-reusable-workflow':
      return joinSafe(['github', ref.owner, `${ref.repo}@${ref.ref ?? DEFAULT_REF}`, path]);
    case 'orb':
      return orbKey(ref);
    case 'orb-element':
      return orbKey(ref.orb);
    case 'gitlab-include':
      switch (ref.include) {
        case 'project':
          return ref.project ? joinSafe(['gitlab', `${ref.project}@${ref.ref ?? DEFAULT_REF}`, path]) : undefined;
        case 'component':
          if (!ref.project) return undefined;
          // A component's file: `templates/<name>.yml` unless the reader asks for another file of the project
          // (e.g. `templates/<name>/template.yml`).
          return path === '' || path === ref.file
            ? joinSafe(['gitlab', `${ref.project}@${ref.ref ?? DEFAULT_REF}`, 'templates', `${ref.file}.yml`])
            : joinSafe(['gitlab', `${ref.project}@${ref.ref ?? DEFAULT_REF}`, path]);
        case 'template':
          return joinSafe(['gitlab/templates', ref.file]);
        case 'remote':
          return remoteKey(ref.file);
        case 'local':
          return undefined;
      }
      return undefined;
    case 'gha-local-action':
    case 'gha-local-workflow':
    case 'image':
    case 'script-url':
    case 'package':
    case 'repo-file':
      return undefined;
    default:
      // A platform that lays out its own components (Jenkins shared libraries) says where they are.
      return platformExpanding(ref.kind)?.cacheKey?.(ref, path);
  }
}

/** The cache folder (or single file) that holds a component, for "where it was looked for" messages. */
export function cacheRoot(ref: ComponentRef): string | undefined {
  switch (ref.kind) {
    case 'gha-action':
      return joinSafe(['github', ref.owner, `${ref.repo}@${ref.ref ?? DEFAULT_REF}`, ref.path]);
    case 'gha-reusable-workflow':
      return joinSafe(['github', ref.owner, `${ref.repo}@${ref.ref ?? DEFAULT_REF}`, ref.path]);
    case 'gitlab-include':
      if (ref.include === 'component') return cacheKey(ref, '');
      if (ref.include === 'project') return ref.project ? joinSafe(['gitlab', `${ref.project}@${ref.ref ?? DEFAULT_REF}`, ref.file]) : undefined;
      return cacheKey(ref, ref.file);
    default:
      return cacheKey(ref, '');
  }
}

/** A short description of where the cache looks for `ref`, relative to the cache folder. */
export function describeCacheLookup(ref: ComponentRef, prefix = 'component cache'): string {
  const root = cacheRoot(ref);
  if (root === undefined) return 'this kind of component has no definition in a component cache';
  return `looked for ${prefix} path ${root}`;
}

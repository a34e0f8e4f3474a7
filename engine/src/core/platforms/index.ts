/**
 * The explicit list of CI platforms. Each folder exports one PlatformModule with the same shape —
 * which files it reads, how it parses them, what it expands, where the cache keeps its components, what
 * every job gets anyway, how writes reach other jobs; conformance.spec.ts runs the same checks over each.
 */
import type { ComponentKind, Platform, PlatformModule } from '../model';
import { circleci } from './circleci';
import { githubActions } from './github-actions';
import { gitlabCi } from './gitlab-ci';
import { jenkins } from './jenkins';

export const PLATFORMS: readonly PlatformModule[] = [githubActions, circleci, gitlabCi, jenkins];

export function platformById(id: Platform): PlatformModule {
  const found = PLATFORMS.find((p) => p.id === id);
  if (!found) throw new Error(`unknown platform ${id}`);
  return found;
}

/** The platform that reads definitions of this component kind, if any (scripts, images: none). */
export function platformExpanding(kind: ComponentKind): PlatformModule | undefined {
  return PLATFORMS.find((p) => p.expands.includes(kind));
}

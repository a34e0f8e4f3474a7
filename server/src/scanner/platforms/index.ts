/**
 * The explicit list of CI platforms. Each folder exports one PlatformModule with the same shape;
 * platforms.spec.ts runs the conformance checks over this list.
 */
import type { ComponentKind, Platform, PlatformModule } from '../model';
import { circleci } from './circleci';
import { githubActions } from './github-actions';
import { gitlabCi } from './gitlab-ci';

export const PLATFORMS: readonly PlatformModule[] = [githubActions, circleci, gitlabCi];

export function platformById(id: Platform): PlatformModule {
  const found = PLATFORMS.find((p) => p.id === id);
  if (!found) throw new Error(`unknown platform ${id}`);
  return found;
}

/** The platform that reads definitions of this component kind, if any (scripts, images: none). */
export function platformExpanding(kind: ComponentKind): PlatformModule | undefined {
  return PLATFORMS.find((p) => p.expands.includes(kind));
}

/**
 * The engine's vocabulary: the platforms it reads and the verdicts it gives. Dependency-free, so that
 * the contract (and through it the webapp bundle) can take these without the rest of the engine
 * (`@ci-exposure/engine/vocabulary`).
 */
export const VERDICTS = ['critical', 'high', 'medium', 'low'] as const;
export type Verdict = (typeof VERDICTS)[number];

export const PLATFORMS = ['github-actions', 'circleci', 'gitlab-ci', 'jenkins'] as const;
export type Platform = (typeof PLATFORMS)[number];

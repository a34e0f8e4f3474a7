/**
 * The engine's vocabulary: the platforms it reads and the verdicts it gives. Dependency-free, so that
 * the contract (and through it the webapp bundle) can take these without the rest of the engine
 * (`@ci-exposure/engine/vocabulary`).
 */

/** The static exposure of an affected job, from its config (exposure/verdict.ts), most severe first. */
export const EXPOSURE_VERDICTS = ['critical', 'high', 'medium', 'low'] as const;
export type ExposureVerdict = (typeof EXPOSURE_VERDICTS)[number];

/**
 * A finding's verdict: its static exposure, or `not-run` — the platform says the job did not run in the
 * incident window (exposure/run-verdict.ts). A `not-run` finding is still listed, with its static
 * exposure kept next to it (`exposureVerdict`), after every job that ran or whose runs are not known.
 * Run history that could not be read is never `not-run`.
 */
export const VERDICTS = [...EXPOSURE_VERDICTS, 'not-run'] as const;
export type Verdict = (typeof VERDICTS)[number];

export const PLATFORMS = ['github-actions', 'circleci', 'gitlab-ci', 'jenkins'] as const;
export type Platform = (typeof PLATFORMS)[number];

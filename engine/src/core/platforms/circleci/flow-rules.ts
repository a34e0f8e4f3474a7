/**
 * How what a CircleCI job writes reaches other jobs (read by exposure/tamper.ts): caches, workspaces and
 * artifacts are written only by explicit steps (`save_cache`, `persist_to_workspace`, `store_artifacts`),
 * each copying what is there when it runs — a `save_cache` never overwrites a key that exists — so only
 * those at or after the compromised step carry its changes (the parser places them in `Job.sequence`).
 * Caches are shared by every branch of the project.
 */
import type { FlowRules } from '../../model';

export const circleciFlowRules: FlowRules = {
  writes: {
    cache: { timing: 'explicit-step', names: 'declared', why: 'CircleCI writes a cache only in a `save_cache` step, with what is there when it runs' },
    workspace: { timing: 'explicit-step', names: 'declared', why: 'CircleCI writes the workspace only in a `persist_to_workspace` step, with what is there when it runs' },
    artifact: { timing: 'explicit-step', names: 'declared', why: 'CircleCI stores artifacts only in a `store_artifacts` step, with what is there when it runs' },
    push: { timing: 'any-time', names: 'declared', why: "the job's credentials can push from any step" },
  },
  cacheScope: () => ({ kind: 'repository', why: 'CircleCI shares caches between every branch of the project' }),
};

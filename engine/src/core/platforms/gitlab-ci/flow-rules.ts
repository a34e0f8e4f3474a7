/**
 * How what a GitLab CI job writes reaches other jobs (read by exposure/tamper.ts): `artifacts:` and
 * `cache:` are collected by the runner after the job's script, so every step of the job counts. GitLab
 * keeps the caches of unprotected refs apart from those of protected branches and tags: a job that only
 * runs in merge request pipelines writes caches that only merge request pipelines read.
 */
import type { CacheScope, FlowRules, Trigger } from '../../model';

export function gitlabCacheScope(triggers: readonly Trigger[]): CacheScope {
  if (triggers.length > 0 && triggers.every((t) => t.kind === 'merge_request')) {
    return {
      kind: 'refs',
      triggers: ['merge_request'],
      why: 'it only runs in merge request pipelines, whose caches GitLab keeps apart from those of protected branches and tags',
    };
  }
  return { kind: 'repository', why: 'it runs in branch or tag pipelines, and GitLab shares a cache key between the pipelines of the project' };
}

export const gitlabFlowRules: FlowRules = {
  writes: {
    cache: { timing: 'end-of-job', names: 'declared', why: "GitLab uploads the cache after the job's script, so every step of the job can change it" },
    artifact: { timing: 'end-of-job', names: 'declared', why: "GitLab collects artifacts after the job's script, so every step of the job can change them" },
    push: { timing: 'any-time', names: 'declared', why: "the job's credentials can push from any step" },
  },
  cacheScope: gitlabCacheScope,
};

/**
 * How what a GitHub Actions job writes reaches other jobs (read by exposure/tamper.ts):
 *  - the Actions cache: any step can write ANY key of the repository's cache — the runner holds the
 *    runtime token that the cache service accepts (the technique published as "Cacheract", used in the
 *    Ultralytics breach) — not only the keys the job saves, and at any time, so a compromised step reaches
 *    every job that restores a cache in the scope it writes into. GitHub scopes a cache by the ref of the
 *    run that saved it: a run restores from its own ref and from the default branch (a pull request run
 *    also from its base branch), so a job that runs on the default branch reaches every ref, while a pull
 *    request run writes into its merge ref, which only runs of that pull request read;
 *  - artifacts: an artifact holds what its `upload-artifact` step found when it ran: uploads at or after
 *    the compromised step count;
 *  - pushes: the job's token can push from any step.
 */
import type { CacheScope, FlowRules, Trigger, TriggerKind } from '../../model';

/** Events whose runs are on the default branch (or may be: a push without a filter that rules it out). */
const DEFAULT_BRANCH: ReadonlySet<TriggerKind> = new Set<TriggerKind>(['push', 'schedule', 'workflow_dispatch', 'pull_request_target', 'workflow_run', 'api']);

/** Events whose runs write into a ref of their own, read only by runs of that ref. */
const OWN_REF: Readonly<Partial<Record<TriggerKind, readonly TriggerKind[]>>> = {
  pull_request: ['pull_request', 'pull_request_fork'],
  pull_request_fork: ['pull_request', 'pull_request_fork'],
  tag: ['tag'],
};

const EVERY_REF = 'which every branch, tag and pull request run restores from';

export function githubCacheScope(triggers: readonly Trigger[]): CacheScope {
  if (triggers.length === 0) return { kind: 'repository', why: `the job's triggers are not known, so it may run on the default branch, ${EVERY_REF}` };
  const wide = triggers.find((t) => DEFAULT_BRANCH.has(t.kind));
  if (wide) return { kind: 'repository', why: `it runs on \`${wide.kind}\`, on the default branch, ${EVERY_REF}` };
  const called = triggers.find((t) => t.kind === 'workflow_call');
  if (called) return { kind: 'repository', why: `it is a reusable workflow, so it runs in its callers' refs — the default branch among them, ${EVERY_REF}` };
  const scoped = new Set<TriggerKind>();
  for (const t of triggers) {
    const own = OWN_REF[t.kind];
    // Anything else (an event this module does not place) may run on the default branch: fail closed.
    if (!own) return { kind: 'repository', why: `it runs on \`${t.kind === 'other' ? (t.detail ?? 'other') : t.kind}\`, whose ref may be the default branch, ${EVERY_REF}` };
    for (const k of own) scoped.add(k);
  }
  const what = scoped.has('tag') ? (scoped.has('pull_request') ? 'pull requests and tags' : 'tags') : 'pull requests';
  return {
    kind: 'refs',
    triggers: [...scoped],
    why: `it only runs for ${what}: GitHub scopes what such a run writes to its own ref (a pull request's merge ref, the tag), which only runs of that ref restore — never the default branch`,
  };
}

export const githubFlowRules: FlowRules = {
  writes: {
    cache: {
      timing: 'any-time',
      names: 'any',
      why: "any step of a GitHub Actions job can write any key of the repository's Actions cache with the runtime token the runner holds (cache poisoning, as in the Ultralytics breach), not only the keys the job saves",
    },
    artifact: { timing: 'explicit-step', names: 'declared', why: 'a GitHub artifact holds what its upload step found when it ran' },
    push: { timing: 'any-time', names: 'declared', why: "the job's token can push from any step" },
  },
  cacheScope: githubCacheScope,
};

/**
 * The walked jobs of one Jenkinsfile (walk.ts) as a Pipeline: each stage a Job on a self-hosted agent,
 * with what it shares through the workspace — a stage writes the files of its workspace whenever its
 * code runs, and every later stage that can land on the same one builds, tests and publishes from them.
 * Pure.
 */
import type { ArtifactFlow, Job, Pipeline, ScanError } from '../../model';
import type { JobDraft, Walker } from './walk';

/**
 * Which stages can see one another's files: every stage on an agent node uses the job's workspace on that
 * node — and a node may carry several labels, so stages with different labels can land on the same one —
 * while a Kubernetes pod and a custom path (`customWorkspace`, `ws`) are their own.
 */
function shareKey(workspace: string): string {
  return workspace.startsWith('on agent ') ? 'the job workspace on a node' : workspace;
}

/** `shared`: the share keys of the workspaces of the stages before this one. */
function toJob(d: JobDraft, file: string, shared: ReadonlySet<string>): Job {
  const workspace = d.agent?.workspace;
  const produces: ArtifactFlow[] = [...d.produces];
  const consumes: ArtifactFlow[] = [...d.consumes];
  if (workspace !== undefined) {
    produces.unshift({ via: 'workspace', name: workspace, pos: d.pos });
    if (shared.has(shareKey(workspace))) consumes.unshift({ via: 'workspace', name: workspace, pos: d.pos });
  }
  return {
    id: d.id,
    name: d.name,
    pos: d.pos,
    workflow: file,
    triggers: d.triggers,
    needs: d.needs,
    runner: { selfHosted: true, labels: d.agent?.labels ?? ['none (no agent)'] },
    steps: d.steps,
    uses: d.uses,
    secrets: d.secrets,
    contexts: [],
    permissions: { kind: 'not-applicable' },
    oidc: false,
    produces,
    consumes,
    deploys: d.deploys,
  };
}

export function toPipeline(repo: string, file: string, walker: Walker): { pipeline: Pipeline; errors: ScanError[] } {
  const errors = [...walker.errors];
  if (walker.jobs.length === 0 && !errors.some((e) => e.file === file)) {
    errors.push({ repo, file, line: 1, code: 'jenkins-no-pipeline', message: 'no stage, node or step was found: nothing Jenkins would run was read from this file' });
  }
  const shared = new Set<string>();
  const jobs = walker.jobs.map((d) => {
    const job = toJob(d, file, shared);
    if (d.agent?.workspace !== undefined) shared.add(shareKey(d.agent.workspace));
    return job;
  });
  return {
    pipeline: { platform: 'jenkins', repo, file, name: file, triggers: [...walker.triggers], jobs, uses: [], errors },
    errors: [],
  };
}

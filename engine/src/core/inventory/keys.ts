/**
 * Component keys: the identity under which the index lists a use, and the keys an indicator is looked
 * up by. A key is as coarse as or coarser than what indicators/match.ts compares (an action is keyed by
 * owner/repo, whatever its path; names are lower-cased as match.ts compares them), so that every job a
 * full scan would match is among the candidates; the candidates are then matched for real. Pure.
 */
import { globMatcher } from '../glob';
import { normaliseImage, normaliseUrl, packagePins } from '../indicators/match';
import type { ComponentNode, ComponentRef, Indicator, IndicatorComponent } from '../model';
import type { PlatformModel } from './model';

/** The key of a component a job runs, or undefined for kinds no indicator names (local actions, repository files). */
export function refKey(ref: ComponentRef): string | undefined {
  switch (ref.kind) {
    case 'gha-action':
    case 'gha-reusable-workflow':
      return `gha:${ref.owner}/${ref.repo}`.toLowerCase();
    case 'orb':
      return `orb:${ref.namespace}/${ref.name}`.toLowerCase();
    case 'orb-element':
      return `orb:${ref.orb.namespace}/${ref.orb.name}`.toLowerCase();
    case 'script-url':
      return `script:${normaliseUrl(ref.url)}`;
    case 'image':
      return `image:${normaliseImage(ref.name)}`;
    case 'gitlab-include':
      return ref.project === undefined ? undefined : `gitlab:${ref.project}`.toLowerCase();
    case 'package':
      return `package:${ref.ecosystem}:${ref.name}`.toLowerCase();
    default:
      return undefined;
  }
}

const WORKFLOW_FILE = 'workflow-file:';
const WORKFLOW_NAME = 'workflow-name:';

/** Every key of a repository's jobs: components at any depth, platforms, runner labels, workflow files and names, pinned packages. */
export function modelKeys(platforms: readonly PlatformModel[]): string[] {
  const keys = new Set<string>();
  const walk = (nodes: readonly ComponentNode[]): void => {
    for (const n of nodes) {
      const k = refKey(n.use.ref);
      if (k !== undefined) keys.add(k);
      walk(n.children);
    }
  };
  for (const pm of platforms) {
    pm.pipelines.forEach((pipeline, p) => {
      if (pipeline.jobs.length === 0) return;
      keys.add(`platform:${pipeline.platform}`);
      keys.add(`${WORKFLOW_FILE}${pipeline.file}`);
      keys.add(`${WORKFLOW_NAME}${pipeline.name}`);
      pipeline.jobs.forEach((job, j) => {
        keys.add(`${WORKFLOW_NAME}${job.workflow}`);
        for (const label of job.runner.labels) keys.add(`label:${label.toLowerCase()}`);
        for (const step of job.steps) {
          if (step.run === undefined) continue;
          for (const pin of packagePins(step.run)) keys.add(`package:${pin.ecosystem}:${pin.name}`.toLowerCase());
        }
        walk(pm.trees[p]?.[j] ?? []);
      });
    });
  }
  return [...keys].sort();
}

/** The platform components of an indicator, as indicators/match.ts reads them (a platform incident without one names its platform). */
function platformIds(indicator: Indicator): string[] {
  const listed = indicator.components.filter((c) => c.kind === 'platform').map((c) => c.id);
  if (listed.length > 0 || indicator.kind !== 'platform' || indicator.platform === undefined) return listed;
  return [indicator.platform];
}

/** The exact keys one component is looked up by, or a test over keys (a workflow file glob). */
function componentKeys(c: IndicatorComponent): { exact: string[]; test?: (key: string) => boolean } {
  switch (c.kind) {
    case 'gha-action': {
      const [owner, repo] = c.id.split('/');
      return owner === undefined || repo === undefined ? { exact: [] } : { exact: [`gha:${owner}/${repo}`.toLowerCase()] };
    }
    case 'orb':
      return { exact: [`orb:${c.id}`.toLowerCase()] };
    case 'script-url':
      return { exact: [`script:${normaliseUrl(c.id)}`] };
    case 'image':
      return { exact: [`image:${normaliseImage(c.id)}`] };
    case 'gitlab-include':
      return { exact: [`gitlab:${c.id}`.toLowerCase()] };
    case 'package':
      return { exact: [`package:${c.id}`.toLowerCase()] };
    case 'runner-label':
      return { exact: [`label:${c.id.toLowerCase()}`] };
    case 'platform':
      return { exact: [] };
    case 'workflow': {
      const exact = [`${WORKFLOW_NAME}${c.id}`];
      if (!c.id.includes('/')) return { exact };
      const match = globMatcher(c.id, { nocase: true });
      return { exact, test: (key) => key.startsWith(WORKFLOW_FILE) && match(key.slice(WORKFLOW_FILE.length)) };
    }
  }
}

/** What to look up for an indicator: exact keys, and tests to run over every key of the index. */
export function indicatorKeys(indicator: Indicator): { exact: string[]; tests: Array<(key: string) => boolean> } {
  const exact = new Set<string>(platformIds(indicator).map((p) => `platform:${p}`));
  const tests: Array<(key: string) => boolean> = [];
  for (const c of indicator.components) {
    const k = componentKeys(c);
    for (const e of k.exact) exact.add(e);
    if (k.test) tests.push(k.test);
  }
  return { exact: [...exact], tests };
}

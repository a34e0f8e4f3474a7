/**
 * GitHub Actions: workflows in `.github/workflows/*.y{a,}ml` → Pipelines; actions (remote, local,
 * docker) and reusable workflows expanded from their definitions.
 */
import type { ComponentKind, Pipeline, PlatformModule, RepoInput, ScanError } from '../../model';
import { expandGithub } from './expand';
import { parseWorkflow } from './workflow';

/** Workflows live directly in `.github/workflows/` (sub-folders are not read by GitHub). */
const WORKFLOW_FILE = /^\.github\/workflows\/[^/]+\.ya?ml$/;

const EXPANDS = ['gha-action', 'gha-local-action', 'gha-reusable-workflow', 'gha-local-workflow'] as const satisfies readonly ComponentKind[];

function parseRepo(repo: RepoInput): { pipelines: Pipeline[]; errors: ScanError[] } {
  const pipelines: Pipeline[] = [];
  const errors: ScanError[] = [];
  for (const file of repo.files) {
    if (!WORKFLOW_FILE.test(file.path)) continue;
    try {
      const result = parseWorkflow(repo.repo, file);
      if (result.pipeline) pipelines.push(result.pipeline);
      errors.push(...result.errors);
    } catch (err) {
      // Last resort: one file's bug must not hide the others.
      const message = err instanceof Error ? err.message : String(err);
      errors.push({ repo: repo.repo, file: file.path, line: 1, code: 'gha-parse-failed', message: `could not parse the workflow: ${message}` });
    }
  }
  return { pipelines, errors };
}

export const githubActions: PlatformModule = {
  id: 'github-actions',
  displayName: 'GitHub Actions',
  matches: (path) => WORKFLOW_FILE.test(path),
  parse: (repo) => parseRepo(repo),
  expands: EXPANDS,
  expand: expandGithub,
};

/**
 * GitHub Actions: workflows in `.github/workflows/*.y{a,}ml` → Pipelines; actions (remote, local,
 * docker) and reusable workflows expanded from their definitions.
 */
import type { ComponentKind, Discovery, Pipeline, PlatformModule, RepoInput, ScanError } from '../../model';
import { pipelineMatcher } from '../discovery';
import { expandGithub } from './expand';
import { githubFlowRules } from './flow-rules';
import { parseWorkflow } from './workflow';

/**
 * Workflows live directly in `.github/workflows/` (sub-folders are not read by GitHub); local actions
 * (`./path`, `$/path`) are read from the root and under `.github/`.
 */
const DISCOVERY: Discovery = {
  pipelines: ['.github/workflows/*.yml', '.github/workflows/*.yaml'],
  components: ['action.yml', 'action.yaml', '.github/**/action.yml', '.github/**/action.yaml'],
};
const isWorkflow = pipelineMatcher(DISCOVERY);

const EXPANDS = ['gha-action', 'gha-local-action', 'gha-reusable-workflow', 'gha-local-workflow'] as const satisfies readonly ComponentKind[];

function parseRepo(repo: RepoInput): { pipelines: Pipeline[]; errors: ScanError[] } {
  const pipelines: Pipeline[] = [];
  const errors: ScanError[] = [];
  for (const file of repo.files) {
    if (!isWorkflow(file.path)) continue;
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
  discovery: DISCOVERY,
  matches: isWorkflow,
  stored: ['repository, organisation and environment secrets'],
  parse: (repo) => parseRepo(repo),
  expands: EXPANDS,
  expand: expandGithub,
  flows: githubFlowRules,
};

/**
 * GitLab CI: `.gitlab-ci.yml` (and `.gitlab-ci.yaml`) at the repository root, with its includes
 * (local, project, remote, template, component), `extends`, `!reference`, `default:` and variables.
 */
import type { ComponentKind, ComponentSource, Discovery, Pipeline, PlatformModule, RepoInput, ScanError } from '../../model';
import { pipelineMatcher } from '../discovery';
import { localIncludes } from './discovery';
import { expandInclude } from './expand';
import { gitlabFlowRules } from './flow-rules';
import { parseGitlabPipeline } from './parse';

function parseRepo(repo: RepoInput, source: ComponentSource): { pipelines: Pipeline[]; errors: ScanError[] } {
  const pipelines: Pipeline[] = [];
  const errors: ScanError[] = [];
  for (const file of repo.files) {
    if (!gitlabCi.matches(file.path)) continue;
    try {
      const result = parseGitlabPipeline(repo, file, source);
      if (result.pipeline) pipelines.push(result.pipeline);
      errors.push(...result.errors);
    } catch (err) {
      // Last resort: a bug for one file must not lose the others.
      const message = err instanceof Error ? err.message : String(err);
      errors.push({ repo: repo.repo, file: file.path, line: 1, code: 'gitlab-parse-failed', message: `could not read the pipeline: ${message}` });
    }
  }
  return { pipelines, errors };
}

/** The entry file at the root, and the local includes it names (followed from every file read, any depth). */
const DISCOVERY: Discovery = { pipelines: ['.gitlab-ci.yml', '.gitlab-ci.yaml'], follow: localIncludes };
const isEntry = pipelineMatcher(DISCOVERY);

export const gitlabCi: PlatformModule = {
  id: 'gitlab-ci',
  displayName: 'GitLab CI',
  discovery: DISCOVERY,
  matches: isEntry,
  stored: ['project and group CI/CD variables'],
  jobToken: 'CI_JOB_TOKEN (job token; project-scoped)',
  /** One pipeline per entry file; a file that is not readable YAML gives its errors instead. */
  parse: (repo, source) => parseRepo(repo, source),
  expands: ['gitlab-include'] satisfies ComponentKind[],
  expand: expandInclude,
  flows: gitlabFlowRules,
};

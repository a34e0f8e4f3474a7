/** Test helpers of the GitLab CI module (pure; used by its specs). */
import type { Pipeline } from '../../model';
import { memorySource } from '../../testing';
import { gitlabCi } from './index';

/**
 * Parses `.gitlab-ci.yml` text `main` of repository acme/app, with other repository `files` and a
 * component cache; throws unless that gives exactly one pipeline.
 */
export function parseGitlab(main: string, files: Record<string, string> = {}, cache: Record<string, string> = {}): Pipeline {
  const repo = { repo: 'acme/app', files: [{ path: '.gitlab-ci.yml', text: main }, ...Object.entries(files).map(([path, text]) => ({ path, text }))] };
  const { pipelines } = gitlabCi.parse(repo, memorySource(cache));
  if (pipelines.length !== 1 || !pipelines[0]) throw new Error(`expected one pipeline, got ${pipelines.length}`);
  return pipelines[0];
}

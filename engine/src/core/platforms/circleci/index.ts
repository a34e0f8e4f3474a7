/**
 * CircleCI: `.circleci/config.yml` (version 2.0 and 2.1, orbs, commands, executors, parameters).
 *
 * - `parse`: one Pipeline per config; its jobs are the workflow job entries (see parse.ts). When the
 *   source has an orb, what the orb's jobs and commands write (workspace, cache, artifacts), read and
 *   deploy, and an orb job's runner, are added to the job that runs them; their steps, nested
 *   components and credential names come through `expand`. Errors of a config that yields a pipeline
 *   are in `pipeline.errors`; the returned `errors` hold only those of files that yield no pipeline.
 * - `expand`: orbs and orb elements. The orb's source is read with `source.read(orbRef, 'orb.yml')` —
 *   always the ORB's ref, also for an element — and the ComponentSource maps an orb ref plus `orb.yml` to
 *   the cache file `circleci/orbs/<namespace>/<name>@<version>.yml` (`resolve/cache-key.ts`; an orb
 *   without a version reads `@volatile`). Positions inside the orb are written `<orb raw>//orb.yml`.
 */
import type { ComponentSource, Discovery, PlatformModule, Pipeline, ScanError, SourceFile } from '../../model';
import { pipelineMatcher } from '../discovery';
import { expandOrbUse } from './expand';
import { circleciFlowRules } from './flow-rules';
import { parseConfig } from './parse';

export { parseImageRef, parseOrbRef } from './refs';
export { parseConfig } from './parse';

/** parseConfig behind a boundary: a bug shows as a located error for the file, not a crashed scan. */
function parseSafely(repo: string, file: SourceFile, source: ComponentSource): { pipeline?: Pipeline; errors: ScanError[] } {
  try {
    return parseConfig(repo, file, source);
  } catch (err) {
    return { errors: [{ repo, file: file.path, line: 1, code: 'parse-failed', message: `could not read the config: ${(err as Error).message}` }] };
  }
}

const DISCOVERY: Discovery = { pipelines: ['.circleci/config.yml', '.circleci/config.yaml'] };
const isConfig = pipelineMatcher(DISCOVERY);

export const circleci: PlatformModule = {
  id: 'circleci',
  displayName: 'CircleCI',
  discovery: DISCOVERY,
  matches: isConfig,
  stored: ['project environment variables', 'project SSH and deploy keys'],
  jobToken: 'not applicable (no job token; checkout uses the project key)',
  parse(repo, source) {
    const pipelines: Pipeline[] = [];
    const errors: ScanError[] = [];
    for (const file of repo.files) {
      if (!circleci.matches(file.path)) continue;
      const result = parseSafely(repo.repo, file, source);
      if (result.pipeline) pipelines.push(result.pipeline);
      else errors.push(...result.errors);
    }
    return { pipelines, errors };
  },
  expands: ['orb', 'orb-element'],
  expand: expandOrbUse,
  flows: circleciFlowRules,
};

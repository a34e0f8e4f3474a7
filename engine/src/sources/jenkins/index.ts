/**
 * Jenkins shared libraries fetched on demand from the repositories the user maps them to: the mapping
 * (`--jenkins-library NAME=GIT_URL[#DEFAULT_VERSION]`, `--jenkins-libraries FILE`, the bridge's
 * `scan.jenkinsLibraries`) and the ComponentFetcher the fetch loop uses.
 */
import type { SourceOptions } from '../resolve-source';
import type { ComponentFetcher } from '../source';
import { createJenkinsLibraryFetcher } from './fetcher';

export { createJenkinsLibraryFetcher, JenkinsLibraryFetcher, RESOLVED_COMMIT_FILE, type JenkinsLibraryFetcherOptions } from './fetcher';
export { checkMappings, implicitLibraries, isLibraryVersion, librarySpec, mergeMappings, parseLibrariesFile, parseLibraryOption, readLibrariesFile, type JenkinsLibraryMapping, type ListProblem, type MappingResult } from './mapping';

/**
 * The Jenkins library fetcher of a scan. Always there when components are fetched: a library nobody
 * mapped is then unresolved with a message that says how to map it.
 */
export function jenkinsLibraryFetchers(options: SourceOptions): ComponentFetcher[] {
  const libraries = options.jenkinsLibraries ?? [];
  return [createJenkinsLibraryFetcher({ dataDir: options.dataDir, libraries, ...(options.window === undefined ? {} : { window: options.window }) })];
}

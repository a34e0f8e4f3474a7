/** GitLab (gitlab.com and self-hosted) as a source of repositories (`gitlab:GROUP`) and of includes and CI/CD components. */
export { encodePathParam, GitLabClient, nextPage, type GitLabClientOptions, type GitLabResult } from './client';
export { createGitLabFetcher, type GitLabFetcherOptions } from './fetcher';
export { gitlabFilePrefetcher, gitlabRepoFiles, type RoundReader } from './repo-files';
export { createGitLabSource, EMPTY_REPOSITORY, type GitLabEnv, type GitLabSourceOptions } from './source';
export { DEFAULT_GITLAB_URL, parseGitLabSpec, type GitLabSpec } from './parse-spec';
export { ciConfigInclude, DEFAULT_CI_FILE, readVersionFiles } from './version-files';
export { createGitLabProvider, gitlabProvider } from './provider';
export { ancestorGroups, GitLabEvidence, gitlabJobNameMatches, secretRotatedSince as gitlabVariableRotatedSince, variableInventory, type GitLabJobRunQuery, type VariableInventory, type VariableKey } from './evidence';

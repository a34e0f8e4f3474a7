/** GitHub as a source of repositories (RepoSource) and of components (ComponentFetcher). */
export { GitHubApiError, GitHubClient, graphqlUrlFor, type GitHubCallStats, type GitHubClientOptions } from './client';
export { createGitHubFetcher, RESOLVED_COMMIT_FILE, type GitHubFetcherOptions } from './fetcher';
export { githubFilePrefetcher, GitHubRepoFileReader, prefetchRepoFiles } from './repo-files';
export { createGitHubSource, parseGitHubSpec, type GitHubRepoSource, type GitHubSourceOptions, type GitHubSpec } from './repo-source';
export {
  GitHubEvidence,
  jobNameMatches,
  secretInventory,
  secretRotatedSince,
  type JobRunQuery,
  type RotationEvidence,
  type RunEvidence,
  type SecretInventory,
  type SecretWhere,
} from './evidence';

/**
 * @ci-exposure/engine: the exposure engine's public API, what the bridge (and any other caller) uses.
 * core/ is the functional core (files in as text, no fs, network, clock or environment); sources/ reads
 * local checkouts and the component cache; cli/ is the `ci-exposure` command's `scan` and `indicators`
 * and the error boundary the bridge's commands share.
 */

// The vocabulary (also on its own, dependency-free: `@ci-exposure/engine/vocabulary`).
export { EXPOSURE_VERDICTS, PLATFORMS, VERDICTS, type ExposureVerdict, type Platform, type Verdict } from './core/vocabulary';

// The model: what goes in (repositories, indicators, component sources) and what comes out (results).
export type * from './core/model';

// Indicators: the built-in catalog, custom indicator files and component specs.
export { CATALOG, catalogIndicator, closeIndicatorIds, indicatorNotationErrors, loadIndicator, parseComponentSpec, REF_NOTATION, type LoadResult, type SpecResult } from './core/indicators';

// The scan.
export { scan, scanMany, type ScanOptions } from './core/scan';
// The run verdict: an affected job that did not run in the window is `not-run` (after run evidence is attached).
export { staticVerdict, withRunVerdicts } from './core/exposure/run-verdict';
export { MAX_FINDINGS_PER_JOB, MAX_JOBS_PER_REPO } from './core/limits';

// Reports, and the helpers other renderers (the bridge's post props) build on.
export {
  escapeMarkdown,
  isReportFormat,
  renderCsv,
  renderJson,
  renderMarkdown,
  renderReport,
  renderSarif,
  renderTable,
  REPORT_FORMATS,
  type JsonReport,
  type RenderOptions,
  type ReportFormat,
  type Results,
} from './core/report';
export { countByVerdict, incompleteReasons, jobRows, rowTexts, secretNames, tamperText, type JobRow } from './core/report/common';
export { isPublicLog, PUBLIC_LOG_TEXT, runsText } from './core/report/common';

// Sources: local checkouts and the component cache.
export { readLocalPaths, type LocalReadOptions, type LocalReadResult } from './sources/local-dir';
export { componentCacheSource, type CacheSource, type CacheSourceOptions } from './sources/component-cache';
// Sources with history (git, providers), the component store and the fetch loop (issue 10).
export {
  isRepoFailure,
  type ComponentCacheWriter,
  type ComponentFetcher,
  type FetchOutcome,
  type RepoFailure,
  type RepoSource,
  type RepoVersion,
  type SourceProgress,
  type TimeWindow,
} from './sources/source';
export { localSource, WORKTREE } from './sources/local-source';
export { gitSource } from './sources/git/git-source';
export { componentStore, componentStoreDir, type ComponentStore } from './sources/component-store';
export { scanWithFetch, type FetchLoopOptions, type FetchLoopResult } from './sources/fetch-loop';
export { providerFetchers, resolveSources, SOURCE_PROVIDERS, sourceEnv, type SourceEnv, type SourceProvider } from './sources/resolve-source';
// The bridge validates each configured source spec at load time and reports a source that was not read.
export { resolveSourceSpec, type ResolvedSource, type ResolvedSources, type SourceOptions } from './sources/resolve-source';
// Jenkins shared libraries: which repository holds each (the bridge's scan.jenkinsLibraries, checked at load).
export { checkMappings as checkJenkinsLibraries, implicitLibraries as implicitJenkinsLibraries, jenkinsLibraryFetchers, type JenkinsLibraryMapping } from './sources/jenkins';
export { REPO_UNAVAILABLE } from './core/report/common';
export { runSourceScan, scanWindow, type SourceScanOptions } from './cli/scan-sources';
export { mergeVersions, stillExposedNow, versionsText } from './core/versions';
export type { VersionInfo, VersionRole } from './core/model';

// The CLI's error boundary, shared with the bridge's commands.
export { UserError } from './cli/errors';
export { baseProgram, defaultIo, runCli, runProgram, type CliIo } from './cli/cli';
export { VERSION } from './cli/version';

// Evidence from GitHub: run history in a window, resolved action commits, Actions secret names.
export { clientOptionsFromEnv as githubClientOptionsFromEnv } from './sources/github/client';
export { attachRuns, type VisibilityOf } from './sources/github/attach-runs';
// Run evidence for every platform (GitHub, GitLab, CircleCI; Jenkins: unavailable), one path for the CLI and the bridge.
export { attachEvidence, circleciSlug, evidenceProvidersFromEnv, gitlabOrigin, type AttachOptions, type EvidenceProviders } from './sources/evidence';
export {
  GitHubClient,
  GitHubEvidence,
  secretInventory,
  secretRotatedSince,
  type JobRunQuery,
  type RotationEvidence,
  type RunEvidence,
  type SecretInventory,
  type SecretWhere,
} from './sources/github';

// Evidence from CircleCI and GitLab: variable names (values dropped on read) and whether a variable was
// changed after a time (CircleCI: context `updated_at`, project `created-at`; GitLab keeps no time).
export {
  CircleCiClient,
  circleCiSecretRotatedSince,
  contextInventory,
  parseCircleCiSpec,
  parseCircleCiTime,
  projectEnvVars,
  type CircleCiEnv,
  type CircleCiSecretWhere,
  type ContextInventory,
} from './sources/circleci';
export { DEFAULT_GITLAB_URL, GitLabClient, gitlabVariableRotatedSince, parseGitLabSpec, variableInventory, type VariableInventory, type VariableKey } from './sources/gitlab';

// What credentials an affected job really had, from the platforms (names only): CircleCI project variable
// names, contexts with their restrictions, checkout keys; the GitHub token's default workflow permission.
export { attachSecretFacts, type SecretFactSources } from './sources/secret-facts';
export { withStoredSecrets, type CircleCiStoredFacts, type GitHubTokenFacts, type StoredSecretFacts } from './core/exposure/stored-secrets';
export { checkoutKeys, contextFacts, contextRestrictions } from './sources/circleci/evidence';
export { workflowTokenDefault, type WorkflowTokenDefault } from './sources/github/evidence';

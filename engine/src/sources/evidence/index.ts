/** Run evidence for every platform (attach.ts) and its providers from the environment (providers.ts). */
export { attachEvidence, circleciSlug, GITLAB_LOGS_PER_JOB, gitlabOrigin, mergeRuns, type AttachOptions, type EvidenceProviders, type GitLabEvidenceFor, type Visibility, type VisibilityOf } from './attach';
export { evidenceProvidersFromEnv, type EvidenceProviderOptions } from './providers';

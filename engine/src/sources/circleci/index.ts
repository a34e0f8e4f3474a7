/** CircleCI as a source of repositories (`circleci:VCS/ORG`) and of orbs. */
export { CircleCiClient, DEFAULT_CIRCLECI_URL, retryAfterMs, slugPath, type ApiResult, type CircleCiClientOptions, type CircleCiEnv } from './client';
export { createOrbFetcher, ORB_SOURCE_QUERY, ORB_VERSIONS_QUERY, pickOrbVersion, type OrbFetcherOptions } from './orbs';
export {
  CIRCLECI_CONFIG_PATH,
  createCircleCiSource,
  followedSlug,
  parseCircleCiSpec,
  projectEnvVarNames,
  type CircleCiSourceOptions,
  type CircleCiSpec,
} from './source';
export { CircleCiEvidence, contextInventory, contextOwner, parseCircleCiTime, projectEnvVars, secretRotatedSince as circleCiSecretRotatedSince, type CircleCiJobRunQuery, type CircleCiRunDetails, type CircleCiSecretWhere, type ContextInventory } from './evidence';

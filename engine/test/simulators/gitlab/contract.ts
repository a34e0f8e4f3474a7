/**
 * The facts of GitLab's REST API v4 the simulator enforces, written down here so that the simulator
 * depends on nothing outside the repository at run time. Each list is checked against the platform-apis
 * reference (gitlab/README.md beside the repository) by contract.spec.ts when that reference is present.
 *
 * Sources (as cited there): GitLab's openapi_v2.yaml for the group-projects parameters, GitLab's docs
 * (rest/_index.md, repository_files.md, project_level_variables.md, user_and_ip_rate_limits.md) and the
 * GitLab Go client for field lists.
 */

/** Query parameters GitLab declares per endpoint (page/per_page included where the endpoint paginates). */
export const PARAMS = {
  groupProjects: [
    'active',
    'archived',
    'visibility',
    'search',
    'order_by',
    'sort',
    'simple',
    'owned',
    'starred',
    'with_issues_enabled',
    'with_merge_requests_enabled',
    'with_shared',
    'include_subgroups',
    'include_ancestor_groups',
    'min_access_level',
    'page',
    'per_page',
    'with_custom_attributes',
    'with_security_reports',
  ],
  /** From GitLab's projects doc, not in the reference (which lists no parameters for this call). */
  project: ['statistics', 'license', 'with_custom_attributes'],
  file: ['ref'],
  fileRaw: ['ref', 'lfs'],
  tree: ['path', 'ref', 'recursive', 'per_page', 'page', 'pagination', 'page_token'],
  /** `GET /projects/:id/repository/branches/:branch`: none (GitLab's branches doc; not in the reference). */
  branch: [],
  commits: ['ref_name', 'since', 'until', 'path', 'first_parent', 'all', 'with_stats', 'author', 'trailers', 'page', 'per_page'],
  variables: ['page', 'per_page'],
  pipelines: ['updated_after', 'updated_before', 'created_after', 'created_before', 'ref', 'sha', 'status', 'source', 'scope', 'name', 'username', 'yaml_errors', 'order_by', 'sort', 'page', 'per_page'],
  pipelineJobs: ['scope[]', 'include_retried', 'page', 'per_page'],
  /** `GET /projects/:id/jobs/:job_id/trace` (GitLab's jobs doc "Get a log file"; not in the reference): none. */
  jobTrace: [],
} as const;

/** Pipelines: the `order_by` values GitLab validates. */
export const PIPELINES_ORDER_BY = ['id', 'status', 'ref', 'updated_at', 'user_id'] as const;

/** Group projects: the enumerations GitLab validates. */
export const GROUP_PROJECTS_ORDER_BY = ['id', 'name', 'path', 'created_at', 'updated_at', 'last_activity_at', 'similarity', 'star_count'] as const;
export const VISIBILITIES = ['private', 'internal', 'public'] as const;

/** Response fields, per entity, as documented (the simulator returns exactly these). */
export const FIELDS = {
  /** `GET /groups/:id/projects` entries. */
  groupProject: ['id', 'name', 'path', 'path_with_namespace', 'default_branch', 'visibility', 'archived', 'web_url', 'last_activity_at', 'namespace'],
  namespace: ['id', 'full_path', 'kind'],
  /** `GET /projects/:id`: the listing's fields plus these (`public_jobs`: GitLab's projects doc; not in the reference). */
  projectExtra: ['ci_config_path', 'ci_job_token_scope_enabled', 'public_jobs'],
  file: ['file_name', 'file_path', 'size', 'encoding', 'content', 'content_sha256', 'ref', 'blob_id', 'commit_id', 'last_commit_id', 'execute_filemode'],
  treeEntry: ['id', 'name', 'type', 'path', 'mode'],
  commit: ['id', 'short_id', 'title', 'message', 'author_name', 'authored_date', 'committer_name', 'committed_date', 'created_at', 'parent_ids', 'web_url'],
  /** `GET /projects/:id/repository/branches/:branch` (GitLab's branches doc; not in the reference). */
  branch: ['name', 'merged', 'protected', 'default', 'developers_can_push', 'developers_can_merge', 'can_push', 'web_url', 'commit'],
  variable: ['key', 'value', 'variable_type', 'protected', 'masked', 'hidden', 'raw', 'environment_scope', 'description'],
  /** `GET /projects/:id/pipelines` entries. */
  pipeline: ['id', 'iid', 'project_id', 'status', 'source', 'ref', 'sha', 'name', 'web_url', 'created_at', 'updated_at'],
  /** `GET /projects/:id/pipelines/:pipeline_id/jobs` entries. */
  job: ['id', 'name', 'stage', 'status', 'ref', 'tag', 'allow_failure', 'failure_reason', 'created_at', 'started_at', 'finished_at', 'duration', 'queued_duration', 'web_url', 'tag_list', 'pipeline', 'runner', 'user', 'commit', 'artifacts'],
} as const;

/** Offset pagination headers; above MAX_COUNTED records `x-total`, `x-total-pages` and `rel="last"` are left out. */
export const PAGINATION_HEADERS = ['link', 'x-next-page', 'x-page', 'x-per-page', 'x-prev-page', 'x-total', 'x-total-pages'] as const;
export const MAX_COUNTED = 10_000;
export const MAX_PER_PAGE = 100;
export const DEFAULT_PER_PAGE = 20;

/** On every response; a 429 adds RATE_LIMIT_429_HEADERS and the plain-text body RETRY_LATER. */
export const RATE_LIMIT_HEADERS = ['ratelimit-limit', 'ratelimit-name', 'ratelimit-observed', 'ratelimit-remaining', 'ratelimit-reset'] as const;
export const RATE_LIMIT_429_HEADERS = ['ratelimit-resettime', 'retry-after'] as const;
export const RETRY_LATER = 'Retry later';

/** Both are accepted for personal, project and group access tokens. */
export const AUTH_HEADERS = ['private-token', 'authorization'] as const;

/** GitLab's error bodies. */
export const ERRORS = {
  unauthorized: { message: '401 Unauthorized' },
  forbidden: { message: '403 Forbidden' },
  /** A route that does not match (e.g. a file path with an unencoded `/`). */
  noRoute: { error: '404 Not Found' },
  group: { message: '404 Group Not Found' },
  project: { message: '404 Project Not Found' },
  file: { message: '404 File Not Found' },
  commit: { message: '404 Commit Not Found' },
  tree: { message: '404 Tree Not Found' },
  revision: { message: '404 Revision Not Found' },
  branch: { message: '404 Branch Not Found' },
  pipeline: { message: '404 Not found' },
  job: { message: '404 Not found' },
} as const;

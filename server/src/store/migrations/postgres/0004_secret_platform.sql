-- Version 4 (SQLite version 5): a secret sub-item's platform in a column of its own (secret_platform: the platform whose
-- pipeline reads it, which keeps project-settings and pipeline-config secrets). Until now the platform
-- was marked in secret_scope (meant for an environment or context name) for those two stores; the mark is
-- moved, item ids unchanged (incidents/evidence.ts `secretItemId` builds them as before). A context is
-- CircleCI's. owners_told: what a repository's owners were last told by direct message (JSON: state
-- exposed | fixed, at, users [{userId, username}], findings key), so that each news is told once.
ALTER TABLE milestone_items ADD COLUMN secret_platform TEXT
  CHECK (secret_platform IS NULL OR secret_platform IN ('github-actions', 'circleci', 'gitlab-ci', 'jenkins'));
ALTER TABLE milestone_items ADD COLUMN owners_told TEXT;

UPDATE milestone_items SET secret_platform = secret_scope, secret_scope = NULL
  WHERE kind = 'secret' AND secret_store IN ('project', 'pipeline-config') AND secret_scope IN ('circleci', 'gitlab-ci', 'jenkins');
UPDATE milestone_items SET secret_platform = 'circleci' WHERE kind = 'secret' AND secret_store = 'context';

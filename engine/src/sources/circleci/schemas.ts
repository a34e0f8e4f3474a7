/**
 * What the CircleCI client reads from CircleCI's answers, and nothing else: permissive zod schemas that
 * name only the fields used (unknown fields are stripped), so that a value the API returns — an
 * environment variable's (masked) value above all — never passes the parsing boundary.
 *
 * v2 shapes follow CircleCI's published OpenAPI v2 file (operation ids named per schema). Two answers
 * come from outside that file and are described here from CircleCI's own documentation and CLI:
 *  - v1.1 `GET /api/v1.1/projects` (followed projects): a JSON array of objects of which this client
 *    reads `vcs_url` (required; `https://github.com/ORG/REPO`, `https://bitbucket.org/ORG/REPO`) and, when
 *    present, `username` (the organisation), `reponame` and `vcs_type` (`github` | `bitbucket`).
 *  - the orb registry's GraphQL (`POST /graphql-unstable`): `{ data: { orbVersion: null | { id, version,
 *    source, createdAt, orb { id name versions { version createdAt } } } }, errors?: [{ message }] }`.
 */
import { z } from 'zod';

/** `next_page_token` → `page-token`; null (or absent) on the last page. */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), next_page_token: z.string().nullish() });
}

/** getProjectBySlug. */
export const projectSchema = z.object({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  organization_name: z.string(),
  organization_slug: z.string().optional(),
  vcs_info: z.object({ vcs_url: z.string(), default_branch: z.string() }),
});
export type Project = z.infer<typeof projectSchema>;

/** listPipelines / listPipelinesForProject items. */
export const pipelineSchema = z.object({
  id: z.string(),
  number: z.number(),
  project_slug: z.string(),
  created_at: z.string(),
  vcs: z
    .object({
      revision: z.string().nullish(),
      branch: z.string().optional(),
      tag: z.string().optional(),
    })
    .optional(),
});
export type PipelineItem = z.infer<typeof pipelineSchema>;

/** getPipelineConfigById: `source` as committed, `compiled` with orbs expanded; `setup-config` for setup workflows. */
export const pipelineConfigSchema = z.object({
  source: z.string(),
  compiled: z.string(),
  'setup-config': z.string().optional(),
});
export type PipelineConfig = z.infer<typeof pipelineConfigSchema>;

/** listEnvVars items: the NAME only. The API also returns `value` (masked `xxxx` + 4 chars): never read. */
export const envVarSchema = z.object({ name: z.string() }).strip();

/** v1.1 followed projects (outside the v2 OpenAPI file; see the header). */
export const followedProjectSchema = z.object({
  vcs_url: z.string(),
  username: z.string().optional(),
  reponame: z.string().optional(),
  vcs_type: z.string().optional(),
});
export type FollowedProject = z.infer<typeof followedProjectSchema>;

/** A GraphQL answer: data or errors. */
export function graphqlSchema<T extends z.ZodType>(data: T) {
  return z.object({
    data: data.nullish(),
    errors: z.array(z.object({ message: z.string() })).optional(),
  });
}

export const orbVersionSchema = z.object({
  orbVersion: z
    .object({
      id: z.string(),
      version: z.string(),
      source: z.string().optional(),
      orb: z
        .object({
          name: z.string().optional(),
          versions: z.array(z.object({ version: z.string(), createdAt: z.string().nullish() })).optional(),
        })
        .nullish(),
    })
    .nullable(),
});
export type OrbVersionAnswer = z.infer<typeof orbVersionSchema>;

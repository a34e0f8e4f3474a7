/**
 * What the GitLab client reads from GitLab's answers: zod schemas naming only the fields used, so
 * everything else is dropped by the parse itself (the source reads no CI/CD variables at all). Permissive where
 * GitLab is loose (`default_branch` null for an empty repository, `ci_config_path` null or '').
 */
import { z } from 'zod';

export const groupProjectSchema = z.object({
  id: z.number().int(),
  path_with_namespace: z.string().min(1),
  default_branch: z.string().nullish(),
  visibility: z.string().optional(),
  archived: z.boolean().optional(),
});
export type GroupProject = z.infer<typeof groupProjectSchema>;

export const projectSchema = groupProjectSchema.extend({
  ci_config_path: z.string().nullish(),
});
export type Project = z.infer<typeof projectSchema>;

export const commitSchema = z.object({
  id: z.string().regex(/^[0-9a-f]{40}$/),
  committed_date: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'not a date'),
});
export type Commit = z.infer<typeof commitSchema>;

export const fileSchema = z.object({
  file_path: z.string(),
  size: z.number().int().nonnegative(),
  encoding: z.string(),
  content: z.string(),
  commit_id: z.string().optional(),
});

export const treeEntrySchema = z.object({
  name: z.string(),
  path: z.string(),
  type: z.string(),
});
export type TreeEntry = z.infer<typeof treeEntrySchema>;

/**
 * The port through which the incident service runs the exposure lookup. The real implementation
 * (mattermost/engine-lookup.ts) runs the engine over the configured checkouts and component cache;
 * tests may pass their own.
 */
import type { ExposureSummary, ReportProps } from '@ci-exposure/contract';
import { z } from 'zod';
import { SECRET_PLATFORMS, SECRET_STORES, type IncidentTarget } from './model';
import type { RunLogs } from './run-logs';
import type { IncidentKind } from './templates';

export interface LookupTargetInfo {
  target: IncidentTarget;
  kind: IncidentKind;
  /** A human title (the catalog title, or the component spec). */
  title: string;
}

export type Described = { ok: true; info: LookupTargetInfo } | { ok: false; error: string };

export interface LookupResult {
  indicator: { id: string; title: string };
  summary: ExposureSummary;
  /** The full report (Mattermost-safe Markdown) and as JSON: attached as files. */
  markdown: string;
  json: string;
  /** Typed props for the report post (top rows; kept small). */
  reportProps: ReportProps;
  /**
   * What the checklist's evidence reads: completeness, and per repository its exposure, secrets and
   * owners. A lookup without it ticks nothing (nothing is taken as evidence that was not given).
   */
  evidence?: LookupEvidence;
  /**
   * The answer is partial: repositories the sources did not give (provider down, refused, clone failed,
   * folder missing) with their reasons, and what the time limit left undone. Absent: every source read.
   */
  partial?: LookupPartial;
  /** What the run evidence read of job logs (incidents/run-logs.ts); absent: the lookup read no run history. */
  runLogs?: RunLogs;
}

export const lookupPartialSchema = z.object({
  /** Repositories (or whole sources) not read, with the provider's reason (never a credential). */
  notRead: z.array(z.object({ repo: z.string(), reason: z.string() })),
  /** What the lookup did not do before its time limit (`scan.timeoutMinutes`). */
  notDone: z.array(z.string()),
});
export type LookupPartial = z.infer<typeof lookupPartialSchema>;

/**
 * How far a running lookup is: repositories read of those listed so far (`total` once every source
 * has said its count), or the stage it is in after reading (`fetching components: round 2, …`).
 */
export const lookupProgressSchema = z.object({
  read: z.number().int().min(0),
  listed: z.number().int().min(0),
  total: z.number().int().min(0).optional(),
  stage: z.string().max(300).optional(),
});
export type LookupProgress = z.infer<typeof lookupProgressSchema>;

export interface LookupRunOptions {
  /** Told as the lookup goes (often: the caller throttles). */
  onProgress?(progress: LookupProgress): void;
  /**
   * Today's heads only (a re-check: what is exposed now), not every version live in the incident's
   * window (the first answer: which jobs ran the component).
   */
  headsOnly?: boolean;
}

/**
 * An exposed secret by name and where it is stored (names only, never values). `scope`: the environment
 * or context name; `platform`: the platform whose pipeline reads it, which keeps a `project` or
 * `pipeline-config` secret, so the evidence asks the right one (evidence/index.ts). A context's `repo`
 * is a repository whose job uses it (its organisation owns the context).
 */
export const exposedSecretSchema = z.object({
  name: z.string(),
  where: z.object({ store: z.enum(SECRET_STORES), scope: z.string().optional(), repo: z.string().optional(), platform: z.enum(SECRET_PLATFORMS).optional() }),
});
export type ExposedSecret = z.infer<typeof exposedSecretSchema>;

/** Affected jobs kept per repository in the evidence (the owners' message names them). */
export const MAX_REPO_FINDINGS = 50;

/** One affected job, where its pipeline uses the component. */
export const repoFindingSchema = z.object({
  job: z.string(),
  /** The job's id in its pipeline file (absent in answers of older bridges: the name stands for it). */
  jobId: z.string().optional(),
  file: z.string(),
  line: z.number().int(),
  verdict: z.string(),
  /** The static exposure when `verdict` was replaced by the run evidence (`not-run`). */
  exposureVerdict: z.string().optional(),
  platform: z.string(),
});
export type RepoFinding = z.infer<typeof repoFindingSchema>;

/** What the platform said about one affected job's runs in the window (FindingRuns, counted). */
export const jobRunsSchema = z.object({
  job: z.string(),
  file: z.string(),
  state: z.enum(['ran', 'not-run', 'unavailable']),
  count: z.number().int().min(0),
  /** Why unavailable (provider text, raw). */
  reason: z.string().optional(),
  /** Job logs the platform no longer gives (expired or deleted). */
  gone: z.number().int().min(0).optional(),
});
export type JobRuns = z.infer<typeof jobRunsSchema>;

export const repoEvidenceSchema = z.object({
  repo: z.string(),
  /** At least one job of it is affected. */
  affected: z.boolean(),
  /** Everything the lookup met in it was read: no input error, no use whose source could not be read. */
  complete: z.boolean(),
  /** Why it is not complete. */
  incomplete: z.array(z.string()),
  /** The pipeline files of its affected jobs. */
  files: z.array(z.string()),
  /** Secrets its affected jobs expose (short-lived job tokens and OIDC tokens left out: nothing to rotate). */
  secrets: z.array(exposedSecretSchema),
  /** CODEOWNERS owners of those pipeline files (absent: no CODEOWNERS was read). */
  owners: z.array(z.string()).optional(),
  /** Its affected jobs (repository text, raw: escaped when posted), the first MAX_REPO_FINDINGS. */
  findings: z.array(repoFindingSchema).optional(),
  /** How many affected jobs it has in all (findings may hold the first of them only). */
  findingsTotal: z.number().int().min(0).optional(),
  /** Run evidence per affected job (absent: the lookup read no run history). */
  runs: z.array(jobRunsSchema).optional(),
});
export type RepoEvidence = z.infer<typeof repoEvidenceSchema>;

/**
 * Who the CODEOWNERS owners are in Mattermost (`owners.map`), when the configuration asks for owners to be
 * told (`owners.directMessages`): added to the evidence by the bridge (mattermost/owner-contacts.ts), read
 * by incidents/owners.ts. Absent: nobody is sent a direct message.
 */
export const ownerContactsSchema = z.object({
  users: z.array(z.object({ handle: z.string(), userId: z.string(), username: z.string() })),
  /** Handles without a Mattermost user, and why (not in `owners.map`, or the mapped user does not exist). */
  unmapped: z.array(z.object({ handle: z.string(), why: z.string() })),
});
export type OwnerContacts = z.infer<typeof ownerContactsSchema>;

export const lookupEvidenceSchema = z.object({
  /** The whole answer is complete (every repository read; nothing unreadable, nothing unresolved). */
  complete: z.boolean(),
  incomplete: z.array(z.string()),
  /** Every repository the lookup read, affected or not. */
  repos: z.array(repoEvidenceSchema),
  contacts: ownerContactsSchema.optional(),
});
export type LookupEvidence = z.infer<typeof lookupEvidenceSchema>;

export interface CatalogEntry {
  id: string;
  title: string;
  kind: IncidentKind;
}

export interface LookupPort {
  /** Validates `<indicator-id | component-spec>` (no I/O beyond the catalog). */
  describe(arg: string): Described;
  catalog(): CatalogEntry[];
  run(target: IncidentTarget, options?: LookupRunOptions): Promise<LookupResult>;
}

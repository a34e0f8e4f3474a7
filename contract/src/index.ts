/**
 * The contract between the bridge (which posts) and the webapp plugin (which renders): post types,
 * the typed props carried by those posts, and their validators. This is the only module the two
 * sides share (`@ci-exposure/contract`). It must stay free of Node and browser APIs, and import nothing
 * but zod and the engine's vocabulary.
 *
 * Posts keep a Markdown `message` and attachment buttons as the fallback for clients without the
 * plugin; `props[PROPS_KEY]` carries the typed state below. A renderer that meets a version it does
 * not know falls back to the Markdown message.
 */
import { EXPOSURE_VERDICTS, PLATFORMS, VERDICTS } from '@ci-exposure/engine/vocabulary';
import { z } from 'zod';

/**
 * The engine's vocabulary (platform ids, verdicts), as the props carry it. `VERDICTS` ends with `not-run`:
 * an affected job that did not run in the incident window, still listed with its static exposure (one of
 * `EXPOSURE_VERDICTS`).
 */
export { EXPOSURE_VERDICTS, PLATFORMS, VERDICTS, type ExposureVerdict, type Platform, type Verdict } from '@ci-exposure/engine/vocabulary';

export const PLUGIN_ID = 'ci-exposure';
/** Mattermost stores post types in a varchar(26): keep these short. */
export const POST_TYPE_CHECKLIST = 'custom_cix_checklist';
export const POST_TYPE_REPORT = 'custom_cix_report';
export const PROPS_KEY = 'cix';
export const CONTRACT_VERSION = 1;

export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export type Severity = (typeof SEVERITIES)[number];

const userRef = z.object({ userId: z.string(), username: z.string() });
export type UserRef = z.infer<typeof userRef>;

/**
 * Evidence ticked it (instead of a person, `doneBy`): `verified by <source> at <at>`; `postId` is the post
 * that carries the evidence (the exposure report), when there is one.
 */
export const verificationSchema = z.object({
  source: z.string(),
  at: z.number(),
  postId: z.string().optional(),
});
export type Verification = z.infer<typeof verificationSchema>;

/**
 * The latest reading of the evidence behind an item, whether or not it changed the item: `verified` (the
 * evidence says it is done), `not-yet` (it says it is not), `unknown` (it could not tell: `reason`),
 * `manual` (no evidence is available for it: people tick it).
 */
export const EVIDENCE_STATES = ['verified', 'not-yet', 'unknown', 'manual'] as const;
export type EvidenceState = (typeof EVIDENCE_STATES)[number];
export const evidenceReadingSchema = z.object({
  state: z.enum(EVIDENCE_STATES),
  source: z.string(),
  at: z.number(),
  reason: z.string().optional(),
});
export type EvidenceReading = z.infer<typeof evidenceReadingSchema>;

/** A person set the state by hand: evidence no longer changes it (its readings are still shown). */
export const overrideSchema = z.object({ by: userRef, at: z.number() });

/** One sub-item of a milestone: an affected repository, or an exposed secret where it is stored. */
export const subItemSchema = z.object({
  id: z.string(),
  /** `repository` or `secret` (a renderer shows another kind as plain text). */
  kind: z.string(),
  /** The repository, or the secret's name. */
  label: z.string(),
  /** Where a secret is stored (`repository acme/web`, `context deploy`, `pipeline config of acme/web`). */
  where: z.string().optional(),
  done: z.boolean(),
  doneAt: z.number().optional(),
  doneBy: userRef.optional(),
  verified: verificationSchema.optional(),
  evidence: evidenceReadingSchema.optional(),
  override: overrideSchema.optional(),
  /** Code owners of the repository (CODEOWNERS: `@user`, `@org/team`, e-mail), when known. */
  owners: z.array(z.string()).optional(),
});
export type SubItem = z.infer<typeof subItemSchema>;

export const milestoneSchema = z.object({
  id: z.string(),
  title: z.string(),
  done: z.boolean(),
  /** Alphanumeric action id of the attachment button that toggles this milestone. */
  actionId: z.string().regex(/^[A-Za-z0-9]+$/),
  doneAt: z.number().optional(),
  /** A person ticked it. */
  doneBy: userRef.optional(),
  /** Evidence ticked it (a milestone has `doneBy` or `verified`, never both). */
  verified: verificationSchema.optional(),
  evidence: evidenceReadingSchema.optional(),
  override: overrideSchema.optional(),
  assignee: userRef.optional(),
  /** Due time, epoch milliseconds. */
  dueAt: z.number().optional(),
  /** Sub-items (possibly the first of them only: the post's props are limited; `itemsTotal` counts them all). */
  items: z.array(subItemSchema).optional(),
  itemsTotal: z.number().optional(),
  itemsDone: z.number().optional(),
});
export type Milestone = z.infer<typeof milestoneSchema>;

export const statusUpdateSchema = z.object({
  text: z.string(),
  at: z.number(),
  by: userRef,
});
export type StatusUpdate = z.infer<typeof statusUpdateSchema>;

export const exposureSummarySchema = z.object({
  repos: z.number(),
  jobs: z.number(),
  affected: z.number(),
  unresolved: z.number(),
  errors: z.number(),
  /** Affected jobs by verdict; a `not-run` job only under `not-run` (posts written before it have none). */
  byVerdict: z.object({
    critical: z.number(),
    high: z.number(),
    medium: z.number(),
    low: z.number(),
    'not-run': z.number().optional(),
  }),
  /** Affected jobs that ran in the incident window, when the lookup read run history. */
  ran: z.number().optional(),
});
export type ExposureSummary = z.infer<typeof exposureSummarySchema>;

export const checklistPropsSchema = z.object({
  version: z.literal(CONTRACT_VERSION),
  kind: z.literal('checklist'),
  incidentId: z.string(),
  name: z.string(),
  severity: z.enum(SEVERITIES),
  status: z.enum(['open', 'closed']),
  startedAt: z.number(),
  closedAt: z.number().optional(),
  owner: userRef.optional(),
  milestones: z.array(milestoneSchema),
  lastUpdate: statusUpdateSchema.optional(),
  exposure: exposureSummarySchema.optional(),
  /** The evidence behind the checklist: the latest exposure lookup and re-checks. */
  evidence: z
    .object({
      /** When the latest lookup answered, whether its answer was complete, and if not why. */
      lookupAt: z.number().optional(),
      complete: z.boolean().optional(),
      incomplete: z.array(z.string()).optional(),
      /** The exposure report post. */
      reportPostId: z.string().optional(),
      firstCompleteAt: z.number().optional(),
      recheckedAt: z.number().optional(),
      /** Minutes between scheduled re-checks (absent: no schedule). */
      recheckMinutes: z.number().optional(),
    })
    .optional(),
  /** Action id of the post's Re-check button (absent: no button, e.g. closed). */
  recheckActionId: z.string().regex(/^[A-Za-z0-9]+$/).optional(),
});
export type ChecklistProps = z.infer<typeof checklistPropsSchema>;

export const chainLinkSchema = z.object({
  /** What this link is: the pipeline's own reference, an orb, an action, an include, a script… */
  kind: z.string(),
  ref: z.string(),
  file: z.string().optional(),
  line: z.number().optional(),
  unresolved: z.boolean().optional(),
});
export type ChainLink = z.infer<typeof chainLinkSchema>;

/**
 * What the platform says happened to a job inside the incident window (the bridge's evidence): it `ran`
 * (`count` job runs, first and last ISO times), did not run (`not-run`, still exposed statically), or its
 * history could not be read (`unavailable`, never "did not run"). `resolution`: which commit the
 * compromised component resolved to in the logs read. `publicLog`: a public repository's log carried the
 * payload — the secrets were readable by anyone who opened the log. `contexts` (CircleCI): the contexts
 * the runs in the window used, as the platform's job details say (posts written before have none; an
 * empty list: the runs used none).
 */
export const RUN_STATES = ['ran', 'not-run', 'unavailable'] as const;
export const reportRunsSchema = z.object({
  state: z.enum(RUN_STATES),
  count: z.number(),
  first: z.string().optional(),
  last: z.string().optional(),
  resolution: z.enum(['malicious', 'clean', 'unavailable']).optional(),
  publicLog: z.boolean().optional(),
  contexts: z.array(z.string()).optional(),
});
export type ReportRuns = z.infer<typeof reportRunsSchema>;

export const reportRowSchema = z.object({
  repo: z.string(),
  /** The first of `uses` (rows written before `uses` existed name one use). */
  file: z.string(),
  line: z.number(),
  platform: z.enum(PLATFORMS),
  workflow: z.string(),
  /** The job's display name. */
  job: z.string(),
  /** The job's own key in its pipeline (the display name can be an expression or differ from it). */
  jobId: z.string().optional(),
  /** Where the job runs the component: one row per job, every use of it (file:line). */
  uses: z.array(z.object({ file: z.string(), line: z.number() })).optional(),
  /** `not-run`: the job did not run in the incident window; `exposureVerdict` is then its static exposure. */
  verdict: z.enum(VERDICTS),
  exposureVerdict: z.enum(EXPOSURE_VERDICTS).optional(),
  secrets: z.array(z.string()),
  tamper: z.array(z.string()),
  chain: z.array(chainLinkSchema),
  reasons: z.array(z.string()),
  advice: z.array(z.string()),
  /** The job's runs in the window, when the lookup read them (posts written before have none). */
  runs: reportRunsSchema.optional(),
}).refine((row) => row.verdict !== 'not-run' || row.exposureVerdict !== undefined, {
  // A job that did not run is still listed with its static exposure: never a bare `not-run`.
  message: 'a not-run row carries its static exposure (exposureVerdict)',
  path: ['exposureVerdict'],
});
export type ReportRow = z.infer<typeof reportRowSchema>;

export const reportPropsSchema = z.object({
  version: z.literal(CONTRACT_VERSION),
  kind: z.literal('report'),
  incidentId: z.string().optional(),
  indicator: z.object({ id: z.string(), title: z.string() }),
  summary: exposureSummarySchema,
  /** The top rows (most severe first); the full report is the attached JSON file. */
  rows: z.array(reportRowSchema),
  totalRows: z.number(),
  /** Mattermost file id of the full JSON report, when attached. */
  jsonFileId: z.string().optional(),
  /**
   * Why the answer is incomplete (repositories not read, components not resolved, input errors), in
   * words; absent or empty: complete. Posts written before this field say it through summary counts.
   */
  incomplete: z.array(z.string().max(300)).max(20).optional(),
});
export type ReportProps = z.infer<typeof reportPropsSchema>;

export type ParsedProps<T> = { ok: true; value: T } | { ok: false; reason: string };

function parseWith<T>(schema: z.ZodType<T>, props: unknown): ParsedProps<T> {
  const raw = props !== null && typeof props === 'object' ? (props as Record<string, unknown>)[PROPS_KEY] : undefined;
  if (raw === undefined) return { ok: false, reason: 'no ci-exposure props on this post' };
  const version = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>).version : undefined;
  if (version !== CONTRACT_VERSION) {
    return { ok: false, reason: `props version ${String(version)} is not supported (expected ${CONTRACT_VERSION})` };
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    return { ok: false, reason: `invalid props at ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'}` };
  }
  return { ok: true, value: result.data };
}

/** Validates a checklist post's props; never throws. */
export function parseChecklistProps(props: unknown): ParsedProps<ChecklistProps> {
  return parseWith(checklistPropsSchema, props);
}

/** Validates a report post's props; never throws. */
export function parseReportProps(props: unknown): ParsedProps<ReportProps> {
  return parseWith(reportPropsSchema, props);
}

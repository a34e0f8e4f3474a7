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
import { PLATFORMS, VERDICTS } from '@ci-exposure/engine/vocabulary';
import { z } from 'zod';

/** The engine's vocabulary (platform ids, verdicts), as the props carry it. */
export { PLATFORMS, VERDICTS, type Platform, type Verdict } from '@ci-exposure/engine/vocabulary';

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

export const milestoneSchema = z.object({
  id: z.string(),
  title: z.string(),
  done: z.boolean(),
  /** Alphanumeric action id of the attachment button that toggles this milestone. */
  actionId: z.string().regex(/^[A-Za-z0-9]+$/),
  doneAt: z.number().optional(),
  doneBy: userRef.optional(),
  assignee: userRef.optional(),
  /** Due time, epoch milliseconds. */
  dueAt: z.number().optional(),
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
  byVerdict: z.object({
    critical: z.number(),
    high: z.number(),
    medium: z.number(),
    low: z.number(),
  }),
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
  verdict: z.enum(VERDICTS),
  secrets: z.array(z.string()),
  tamper: z.array(z.string()),
  chain: z.array(chainLinkSchema),
  reasons: z.array(z.string()),
  advice: z.array(z.string()),
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

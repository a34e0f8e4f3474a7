/**
 * IMPERATIVE SHELL: evidence from CircleCI about what HAPPENED, next to what the configuration allowed
 * (the CircleCI twin of sources/github/evidence.ts). API v2 only:
 *
 *   pipelinesInWindow(slug, window)   GET /project/{slug}/pipeline, newest first, paged back until a pipeline
 *                                     created before the window's start minus the slack (no date filter exists)
 *   workflowsOf(pipeline)             GET /pipeline/{id}/workflow
 *   jobsOf(workflow)                  GET /workflow/{id}/job
 *   jobDetail(slug, number)           GET /project/{slug}/job/{n}: web_url and the contexts the job used
 *   jobRuns(query)                    → FindingRuns: ran / not-run / unavailable, matched by workflow and job name
 *   projectEnvVars(slug)              GET /project/{slug}/envvar: NAMES and `created-at` (the masked value is dropped)
 *   contextInventory(owner, names)    GET /context?owner-slug=|owner-id=, GET /context/{id}/environment-variable:
 *                                     variable names with created_at / updated_at (CircleCI never returns values)
 *   secretRotatedSince(...)           context variable updated after the start → verified; project variable
 *                                     (created-at only) re-created after the start → verified; else not-yet
 *   contextRestrictions(id)           GET /context/{id}/restrictions: who may use a context (security group,
 *                                     project, expression; none: unrestricted) — experimental in the spec
 *   contextFacts(owner, names)        the contexts a job uses: variable names and restrictions, or why not read
 *   checkoutKeys(slug)                GET /project/{slug}/checkout-key?digest=sha256: type and fingerprint only
 *                                     (the public key is dropped). Additional SSH keys have no endpoint in the
 *                                     published v2 spec: they are not read (the findings say so).
 *
 * Fail closed: "not-run" only when the listing reached a pipeline older than the window (the history
 * covers it); a listing that ends first (retention, a new project), a provider error or no token is
 * `unavailable` with why. The v2 API has no steps (v1.1 has them; not read), so a run says nothing about
 * which commit of an orb it used: `resolution` is not set and `resolutionReason` says so.
 */
import { z } from 'zod';
import type { CheckoutKeyFact, ContextFacts, ContextRestriction } from '../../core/exposure/stored-secrets';
import type { FindingRuns } from '../../core/model';
import { slugPath, type CircleCiClient } from './client';
import { pageSchema } from './schemas';

/** An incident window, ms since the epoch (inclusive). */
export interface EvidenceWindow {
  start: number;
  end: number;
}

export interface CircleCiJobRunQuery {
  /** `gh/acme/app` or `circleci/<org-id>/<project-id>`. */
  slug: string;
  /** The workflow job's name (Finding.jobId: a matrix instance's expanded name). */
  jobName: string;
  /** The workflow's name; absent: any workflow. */
  workflow?: string;
  window: EvidenceWindow;
}

const isDate = (s: string): boolean => !Number.isNaN(Date.parse(s));

const pipelineSchema = z.object({ id: z.string(), number: z.number(), created_at: z.string().refine(isDate, 'not a date') });
const workflowSchema = z.object({ id: z.string(), name: z.string(), status: z.string(), created_at: z.string() });
const jobSchema = z.object({
  id: z.string(),
  name: z.string(),
  type: z.string(),
  status: z.string(),
  job_number: z.number().optional(),
  started_at: z.string().nullish(),
});
const jobDetailSchema = z.object({ web_url: z.string(), contexts: z.array(z.object({ name: z.string() })) });
/** listEnvVars items: the NAME and `created-at` only — the masked value (`xxxx` + 4 characters) is dropped here. */
const envVarSchema = z.object({ name: z.string(), 'created-at': z.string().nullish() });
const contextSchema = z.object({ id: z.string(), name: z.string() });
const contextVarSchema = z.object({ variable: z.string(), created_at: z.string(), updated_at: z.string() });

type Pipeline = z.infer<typeof pipelineSchema>;
type Workflow = z.infer<typeof workflowSchema>;
type Job = z.infer<typeof jobSchema>;

/** Jobs with these statuses never ran. */
const NEVER_RAN = new Set(['not_run', 'queued', 'not_running', 'on_hold', 'blocked', 'unauthorized']);
/** A pipeline created this long before the window may still run a job inside it (a rerun). */
export const DEFAULT_SLACK_MS = 24 * 60 * 60 * 1000;
/** Job details read per query, at most (for their URLs and contexts). */
const MAX_DETAILS = 50;
const STEP_NOTE = 'CircleCI API v2 has no step data (steps are only in API v1.1, not read): which version of an orb a run used is not known';

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** CircleCI's `created-at`: ISO 8601 or EDN-like `#joda/inst 2023-04-14T21:20:14+0000`; ms, or undefined. */
export function parseCircleCiTime(text: string | null | undefined): number | undefined {
  if (text === null || text === undefined) return undefined;
  const s = text
    .trim()
    .replace(/^#joda\/inst\s+/, '')
    .replace(/^"|"$/g, '')
    .replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}

/** The organisation a project slug belongs to, as `/context` takes it. */
export function contextOwner(slug: string): { 'owner-slug': string } | { 'owner-id': string } {
  const [vcs = '', org = ''] = slug.split('/');
  return vcs === 'circleci' ? { 'owner-id': org } : { 'owner-slug': `${vcs}/${org}` };
}

class EvidenceError extends Error {}

async function all<T>(client: CircleCiClient, path: string, query: Record<string, string | undefined>, item: z.ZodType<T>, what: string): Promise<T[]> {
  const out: T[] = [];
  for await (const page of client.pages(path, query, item, what)) {
    if (!page.ok) throw new EvidenceError(page.reason);
    out.push(...page.items);
  }
  return out;
}

export interface CircleCiEvidenceOptions {
  /** How long before the window a pipeline may have been created and still run a job in it (default 24 h). */
  slackMs?: number;
}

/** What a job run query found, with the contexts the runs used (from job details). */
export interface CircleCiRunDetails {
  runs: FindingRuns;
  /** Context names the matched runs used (job details), sorted; undefined when not read. */
  contexts?: string[];
}

/** CircleCI evidence over one client, remembering listings per project and window. */
export class CircleCiEvidence {
  private readonly pipelinesCache = new Map<string, Promise<{ pipelines: Pipeline[]; reachesBefore: boolean }>>();
  private readonly workflowsCache = new Map<string, Promise<Workflow[]>>();
  private readonly jobsCache = new Map<string, Promise<Job[]>>();
  private readonly slackMs: number;

  constructor(
    private readonly client: CircleCiClient,
    options: CircleCiEvidenceOptions = {},
  ) {
    this.slackMs = options.slackMs ?? DEFAULT_SLACK_MS;
  }

  /**
   * Pipelines created between the window's start minus the slack and its end; `reachesBefore`: the listing
   * reached a pipeline created before that (so the history covers the window).
   */
  pipelinesInWindow(slug: string, window: EvidenceWindow): Promise<{ pipelines: Pipeline[]; reachesBefore: boolean }> {
    const key = `${slug}\u0000${window.start}\u0000${window.end}`;
    let p = this.pipelinesCache.get(key);
    if (!p) {
      p = (async () => {
        const from = window.start - this.slackMs;
        const pipelines: Pipeline[] = [];
        for await (const page of this.client.pages(`/project/${slugPath(slug)}/pipeline`, {}, pipelineSchema, `the pipelines of ${slug}`)) {
          if (!page.ok) throw new EvidenceError(page.reason);
          for (const pl of page.items) {
            const created = Date.parse(pl.created_at);
            if (created < from) return { pipelines, reachesBefore: true };
            if (created <= window.end) pipelines.push(pl);
          }
        }
        return { pipelines, reachesBefore: false };
      })();
      this.pipelinesCache.set(key, p);
    }
    return p;
  }

  workflowsOf(pipelineId: string): Promise<Workflow[]> {
    let p = this.workflowsCache.get(pipelineId);
    if (!p) {
      p = all(this.client, `/pipeline/${encodeURIComponent(pipelineId)}/workflow`, {}, workflowSchema, `the workflows of pipeline ${pipelineId}`);
      this.workflowsCache.set(pipelineId, p);
    }
    return p;
  }

  jobsOf(workflowId: string): Promise<Job[]> {
    let p = this.jobsCache.get(workflowId);
    if (!p) {
      p = (async () => {
        // listWorkflowJobs declares no page-token: one page; more pages cannot be read and are said.
        const what = `the jobs of workflow ${workflowId}`;
        const r = await this.client.v2(`/workflow/${encodeURIComponent(workflowId)}/job`, {}, pageSchema(jobSchema), what);
        if (!r.ok) throw new EvidenceError(r.reason);
        if (r.value.next_page_token) throw new EvidenceError(`${what}: CircleCI says more pages exist, which the API offers no way to read`);
        return r.value.items;
      })();
      this.jobsCache.set(workflowId, p);
    }
    return p;
  }

  /** Did the job run (start) inside the window? */
  async jobRuns(q: CircleCiJobRunQuery): Promise<FindingRuns> {
    return (await this.jobRunDetails(q)).runs;
  }

  /** As jobRuns, with the contexts the matched runs used (job details, up to 50 runs). */
  async jobRunDetails(q: CircleCiJobRunQuery): Promise<CircleCiRunDetails> {
    const none = (state: FindingRuns['state'], reason?: string): CircleCiRunDetails => ({ runs: { state, count: 0, urls: [], resolved: [], logs: [], ...(reason === undefined ? {} : { reason }) } });
    if (!this.client.hasToken) return none('unavailable', 'no CircleCI token (CIRCLECI_TOKEN): run history needs a personal API token');
    const matched: Array<{ job: Job; started: number }> = [];
    let reachesBefore: boolean;
    try {
      const listed = await this.pipelinesInWindow(q.slug, q.window);
      reachesBefore = listed.reachesBefore;
      for (const pipeline of listed.pipelines) {
        for (const workflow of await this.workflowsOf(pipeline.id)) {
          if (q.workflow !== undefined && workflow.name !== q.workflow) continue;
          for (const job of await this.jobsOf(workflow.id)) {
            if (job.name !== q.jobName || job.type !== 'build' || NEVER_RAN.has(job.status)) continue;
            const started = job.started_at === null || job.started_at === undefined ? NaN : Date.parse(job.started_at);
            if (Number.isFinite(started) && started >= q.window.start && started <= q.window.end) matched.push({ job, started });
          }
        }
      }
    } catch (err) {
      return none('unavailable', `run history unavailable: ${(err as Error).message}`);
    }
    if (matched.length === 0) {
      if (!reachesBefore) return none('unavailable', `CircleCI lists no pipeline of ${q.slug} from before the window: older pipelines may be past retention, so "did not run" cannot be told`);
      return none('not-run');
    }
    matched.sort((a, b) => b.started - a.started || (b.job.job_number ?? 0) - (a.job.job_number ?? 0));
    const times = matched.map((m) => m.started);
    const problems = [STEP_NOTE];
    const urls: string[] = [];
    const contexts = new Set<string>();
    let contextsKnown = true;
    const toRead = matched.slice(0, MAX_DETAILS);
    if (matched.length > toRead.length) {
      contextsKnown = false;
      problems.push(`${matched.length - toRead.length} of ${matched.length} job details not read (at most ${MAX_DETAILS})`);
    }
    for (const { job } of toRead) {
      if (job.job_number === undefined) continue;
      const r = await this.client.v2(`/project/${slugPath(q.slug)}/job/${job.job_number}`, {}, jobDetailSchema, `job ${job.job_number} of ${q.slug}`);
      if (!r.ok) {
        contextsKnown = false;
        problems.push(r.reason);
        if (urls.length < 5) urls.push(`${q.slug} job ${job.job_number}`);
        continue;
      }
      if (urls.length < 5) urls.push(r.value.web_url);
      for (const c of r.value.contexts) contexts.add(c.name);
    }
    const runs: FindingRuns = {
      state: 'ran',
      count: matched.length,
      first: iso(Math.min(...times)),
      last: iso(Math.max(...times)),
      urls,
      resolved: [],
      resolutionReason: problems.join('; '),
      logs: [],
    };
    return { runs, ...(contextsKnown ? { contexts: [...contexts].sort() } : {}) };
  }
}

// ───────────────────────── variables (names only) ─────────────────────────

export interface ProjectEnvVar {
  name: string;
  /** ISO 8601, when CircleCI gave a readable `created-at`. */
  createdAt?: string;
}

export type Listing<T> = { ok: true; items: T[] } | { ok: false; reason: string };

/** A project's environment variable NAMES (and when each was created); the masked value is never read. */
export async function projectEnvVars(client: CircleCiClient, slug: string): Promise<Listing<ProjectEnvVar>> {
  const what = `the environment variables of ${slug}`;
  const r = await client.v2(`/project/${slugPath(slug)}/envvar`, {}, pageSchema(envVarSchema), what);
  if (!r.ok) return { ok: false, reason: r.reason };
  if (r.value.next_page_token) return { ok: false, reason: `${what}: CircleCI says more pages exist, which the API offers no way to read` };
  return {
    ok: true,
    items: r.value.items.map((v) => {
      const t = parseCircleCiTime(v['created-at']);
      return t === undefined ? { name: v.name } : { name: v.name, createdAt: iso(t) };
    }),
  };
}

export interface ContextVariables {
  context: string;
  id: string;
  variables: Array<{ name: string; createdAt: string; updatedAt: string }>;
}

export interface ContextInventory {
  contexts: ContextVariables[];
  /** Contexts not found, or not listed (provider error, not a member of the organisation). */
  unavailable: string[];
}

/**
 * The variable names of the contexts `names` of the organisation owning `slug` (the contexts a job uses,
 * from its configuration or its job details). A context not found is named in `unavailable`.
 */
export async function contextInventory(client: CircleCiClient, slug: string, names: readonly string[]): Promise<ContextInventory> {
  const inv: ContextInventory = { contexts: [], unavailable: [] };
  if (names.length === 0) return inv;
  let listed: Array<z.infer<typeof contextSchema>>;
  try {
    listed = await all(client, '/context', contextOwner(slug), contextSchema, `the contexts of the organisation of ${slug}`);
  } catch (err) {
    inv.unavailable.push(...names.map((n) => `context ${n}: ${(err as Error).message}`));
    return inv;
  }
  for (const name of [...new Set(names)]) {
    const c = listed.find((x) => x.name === name);
    if (!c) {
      inv.unavailable.push(`context ${name}: not among the contexts of the organisation of ${slug} the token can list`);
      continue;
    }
    try {
      const vars = await all(client, `/context/${encodeURIComponent(c.id)}/environment-variable`, {}, contextVarSchema, `the variables of context ${name}`);
      inv.contexts.push({ context: name, id: c.id, variables: vars.map((v) => ({ name: v.variable, createdAt: v.created_at, updatedAt: v.updated_at })) });
    } catch (err) {
      inv.unavailable.push(`context ${name}: ${(err as Error).message}`);
    }
  }
  return inv;
}

/** Where a CircleCI secret is kept: a project's environment variables, or a context of its organisation. */
export type CircleCiSecretWhere = { scope: 'project'; slug: string } | { scope: 'context'; slug: string; context: string };

export type RotationEvidence =
  | { state: 'verified'; changedAt: string; where: string }
  | { state: 'not-yet'; changedAt: string; where: string }
  | { state: 'unknown'; reason: string };

/**
 * Was the secret `name` changed after `since`? A context variable: its `updated_at`. A project variable:
 * CircleCI keeps only `created-at`, and a value can only be changed by deleting and re-creating the
 * variable, so re-created after `since` → verified, created before → not-yet. A name found nowhere, a
 * missing timestamp or a listing that failed is `unknown` — never `not-yet`.
 */
export async function secretRotatedSince(client: CircleCiClient, name: string, where: CircleCiSecretWhere, since: number): Promise<RotationEvidence> {
  if (!client.hasToken) return { state: 'unknown', reason: 'no CircleCI token (CIRCLECI_TOKEN)' };
  const verdict = (changed: number, label: string): RotationEvidence => (changed > since ? { state: 'verified', changedAt: iso(changed), where: label } : { state: 'not-yet', changedAt: iso(changed), where: label });
  if (where.scope === 'context') {
    const label = `context ${where.context}`;
    const inv = await contextInventory(client, where.slug, [where.context]);
    const ctx = inv.contexts[0];
    if (!ctx) return { state: 'unknown', reason: inv.unavailable[0] ?? `${label}: not listed` };
    const hit = ctx.variables.find((v) => v.name === name);
    if (!hit) return { state: 'unknown', reason: `${label} has no variable named ${name}` };
    const t = parseCircleCiTime(hit.updatedAt);
    return t === undefined ? { state: 'unknown', reason: `${label}: ${name} has no readable updated_at` } : verdict(t, label);
  }
  const label = `project ${where.slug}`;
  const vars = await projectEnvVars(client, where.slug);
  if (!vars.ok) return { state: 'unknown', reason: `${label}: ${vars.reason}` };
  const hit = vars.items.find((v) => v.name === name);
  if (!hit) return { state: 'unknown', reason: `${label} has no environment variable named ${name}` };
  if (hit.createdAt === undefined) return { state: 'unknown', reason: `${label}: CircleCI gave no readable created-at for ${name}` };
  return verdict(Date.parse(hit.createdAt), `${label} (re-created: CircleCI keeps only the creation time)`);
}

// ───────────────────────── who may use a context, checkout keys ─────────────────────────

/** getContextRestrictions items: the type, the value and CircleCI's readable name; the ids are dropped. */
const restrictionSchema = z.object({ restriction_type: z.enum(['project', 'expression', 'group']), restriction_value: z.string(), name: z.string().nullish() });
/** listCheckoutKeys items: the type and the fingerprint only (`public-key` is dropped here). */
const checkoutKeySchema = z.object({ type: z.string(), fingerprint: z.string() });

const MORE_PAGES = 'CircleCI says more pages exist, which the API offers no way to read';

/** Who may use a context: empty when unrestricted. */
export async function contextRestrictions(client: CircleCiClient, contextId: string, contextName: string): Promise<Listing<ContextRestriction>> {
  const what = `the restrictions of context ${contextName}`;
  // The operation declares no page-token: one page.
  const r = await client.v2(`/context/${encodeURIComponent(contextId)}/restrictions`, {}, pageSchema(restrictionSchema), what);
  if (!r.ok) return { ok: false, reason: r.reason };
  if (r.value.next_page_token) return { ok: false, reason: `${what}: ${MORE_PAGES}` };
  return {
    ok: true,
    items: r.value.items.map((x) => ({ type: x.restriction_type, value: x.restriction_value, ...(x.name === null || x.name === undefined || x.name === '' ? {} : { name: x.name }) })),
  };
}

/**
 * The contexts `names` (as a job's configuration names them) of the organisation owning `slug`: each with
 * its variable names and restrictions, or why either was not read.
 */
export async function contextFacts(client: CircleCiClient, slug: string, names: readonly string[]): Promise<ContextFacts[]> {
  const unique = [...new Set(names)];
  if (unique.length === 0) return [];
  if (!client.hasToken) return unique.map((name) => ({ name, variables: { notRead: 'no CircleCI token (CIRCLECI_TOKEN)' }, restrictions: { notRead: 'no CircleCI token (CIRCLECI_TOKEN)' } }));
  const inv = await contextInventory(client, slug, unique);
  const out: ContextFacts[] = [];
  for (const name of unique) {
    const found = inv.contexts.find((c) => c.context === name);
    if (!found) {
      const why = inv.unavailable.find((u) => u.startsWith(`context ${name}:`))?.slice(`context ${name}: `.length) ?? 'not listed';
      out.push({ name, variables: { notRead: why }, restrictions: { notRead: why } });
      continue;
    }
    const restrictions = await contextRestrictions(client, found.id, name);
    out.push({ name, variables: found.variables.map((v) => v.name).sort(), restrictions: restrictions.ok ? restrictions.items : { notRead: restrictions.reason } });
  }
  return out;
}

/** A project's checkout keys: type and SHA-256 fingerprint, never key material. */
export async function checkoutKeys(client: CircleCiClient, slug: string): Promise<Listing<CheckoutKeyFact>> {
  const what = `the checkout keys of ${slug}`;
  const r = await client.v2(`/project/${slugPath(slug)}/checkout-key`, { digest: 'sha256' }, pageSchema(checkoutKeySchema), what);
  if (!r.ok) return { ok: false, reason: r.reason };
  if (r.value.next_page_token) return { ok: false, reason: `${what}: ${MORE_PAGES}` };
  return { ok: true, items: r.value.items.map((k) => ({ type: k.type, fingerprint: k.fingerprint })) };
}

/**
 * The EvidencePort (incidents/ports.ts) over CircleCI: whether an exposed secret was changed after the
 * incident started, from the variable NAMES and times CircleCI gives (it never returns values; the
 * masked project values are dropped by the engine's parse):
 *
 *   context X (every variable)        every variable of the context updated after the start → verified;
 *                                     one older → not-yet (its names in the source)
 *   context X, one named variable     that variable's `updated_at`
 *   project variables (every one)     CircleCI keeps only `created-at`, and a project variable can only be
 *                                     changed by deleting and re-creating it: all re-created after the start
 *                                     → verified; one older → not-yet
 *   project, one named variable       that variable's `created-at`
 *
 * Empty listings, missing times, a name found nowhere, a refused call are `unknown` with why: never
 * `not-yet` nor `verified`. Which project (`CircleCiProjectIndex`): the repository's CircleCI slug, from the
 * configured `circleci:` sources, never a guess that could name another project:
 *
 *   a configured project (`circleci:gh/acme/app`, `circleci:circleci/<org-id>/<project-id>`)   that slug
 *   a project of an opaque organisation (`circleci:circleci/<org-id>`: GitHub App and GitLab
 *   organisations name projects by ids): the projects of its recent pipelines (`GET /pipeline
 *   ?org-slug=`, which gives their slugs), each read (`GET /project/{slug}`: its organisation name and
 *   name are the repository's)                                                                   that slug
 *   the repository's organisation configured as `circleci:gh/acme` / `circleci:bb/acme`           `gh/` / `bb/` + repo
 *   an opaque organisation configured and its projects not all known (its listing failed, or it
 *   is the repository's organisation but the project is not among those listed)                   unknown, saying why
 *   otherwise                                                                                      `gh/` + repo (CircleCI's default)
 *
 * A context is looked for in the organisation of the repository whose job uses it (an opaque project's
 * contexts by the organisation id).
 *
 * Needs a personal API token (CIRCLECI_TOKEN) of a user who may read the projects' settings and the
 * organisation's contexts; CIRCLECI_URL for a server install or a simulator.
 */
import { z } from 'zod';
import { CircleCiClient, circleCiSecretRotatedSince, contextInventory, parseCircleCiSpec, parseCircleCiTime, projectEnvVars } from '@ci-exposure/engine';
import type { ExposedSecret } from '../incidents/lookup';
import type { EvidencePort, SecretEvidence } from '../incidents/ports';

export const CIRCLECI_EVIDENCE_SOURCE = 'CircleCI';
/** The sub-item names lookup-evidence.ts gives a whole store (not one variable). */
export const EVERY_CONTEXT_VARIABLE = 'every context variable';
export const PROJECT_VARIABLES = 'project environment variables';

const SHOWN = 5;

/** `a, b, c, … (+2)`: names only. */
function names(list: readonly string[]): string {
  return list.slice(0, SHOWN).join(', ') + (list.length > SHOWN ? `, … (+${list.length - SHOWN})` : '');
}

/** The repository's CircleCI project slug, or why it is not known. */
export type ProjectAnswer = { slug: string } | { reason: string };

/** A project slug as a URL path: each segment percent-encoded (as the engine's client does). */
function slugPath(slug: string): string {
  return slug
    .split('/')
    .map((seg) => encodeURIComponent(seg))
    .join('/');
}

const REPO_NAME = /^[^/\s]+\/[^/\s]+$/;

/** getProjectBySlug: the fields read (the rest is dropped). */
const projectSchema = z.object({ slug: z.string(), name: z.string(), organization_name: z.string() });
/** listPipelines items: the project's slug only. */
const pipelineProjectSchema = z.object({ project_slug: z.string() });

/** What the configured `circleci:` sources say about where repositories are. Pure. */
interface CircleCiSources {
  /** `owner/name` (lower case) → slug, from `circleci:gh|bb/ORG/PROJECT`. */
  projects: Map<string, string>;
  /** Opaque project specs `circleci/<org-id>/<project-id>`: read to learn their names. */
  opaqueProjects: string[];
  /** Organisation (lower case) → VCS, from `circleci:gh|bb/ORG`. */
  orgs: Map<string, 'gh' | 'bb'>;
  /** Opaque organisations `circleci/<org-id>`. */
  opaqueOrgs: string[];
}

function circleCiSources(sources: readonly string[]): CircleCiSources {
  const out: CircleCiSources = { projects: new Map(), opaqueProjects: [], orgs: new Map(), opaqueOrgs: [] };
  for (const spec of sources) {
    if (!/^circleci:/i.test(spec)) continue;
    const parsed = parseCircleCiSpec(spec);
    if ('error' in parsed) continue;
    if (parsed.kind === 'project') {
      if (parsed.vcs === 'circleci') out.opaqueProjects.push(parsed.slug);
      else out.projects.set(parsed.slug.split('/').slice(1).join('/').toLowerCase(), parsed.slug);
    } else if (parsed.vcs === 'circleci') {
      out.opaqueOrgs.push(parsed.orgSlug);
    } else if (!out.orgs.has(parsed.org.toLowerCase())) {
      out.orgs.set(parsed.org.toLowerCase(), parsed.vcs);
    }
  }
  return out;
}

/** What the opaque sources were found to hold (CircleCiProjectIndex). */
interface OpaqueListing {
  /** `organization_name/name` (lower case) → slug. */
  bySlugName: Map<string, string>;
  /** Organisation names (lower case) → the opaque organisation slug whose projects carry it. */
  orgNames: Map<string, string>;
  /** Opaque organisations whose projects were not all read, with why. */
  failures: string[];
  /** Opaque organisations that listed no pipeline (their name is not known). */
  empty: string[];
  /** How many projects each opaque organisation listed. */
  counts: Map<string, number>;
}

export interface CircleCiProjectIndexOptions {
  /** Pages of an opaque organisation's pipelines read to find its projects (default 5). */
  pipelinePages?: number;
  /** Projects read per opaque organisation (default 200); more are a failure, said. */
  maxProjects?: number;
  /** How long a listing is kept before it is read again (default 10 minutes). */
  ttlMs?: number;
  clock?: () => number;
}

/**
 * The CircleCI project of a repository, from the configured sources (see the header). The opaque
 * organisations' projects are listed once per `ttlMs` (a failed listing too, so that every secret of a
 * re-check does not list again); one listing at a time.
 */
export class CircleCiProjectIndex {
  private readonly sources: CircleCiSources;
  private listing: { at: number; value: Promise<OpaqueListing> } | undefined;

  constructor(
    private readonly client: CircleCiClient,
    sources: readonly string[],
    private readonly options: CircleCiProjectIndexOptions = {},
  ) {
    this.sources = circleCiSources(sources);
  }

  async projectOf(repo: string): Promise<ProjectAnswer> {
    if (!REPO_NAME.test(repo)) return { reason: `${repo} does not name a CircleCI project (CircleCI projects are ORG/NAME)` };
    const key = repo.toLowerCase();
    const configured = this.sources.projects.get(key);
    if (configured !== undefined) return { slug: configured };
    const [org = ''] = key.split('/');
    const vcs = this.sources.orgs.get(org);
    if (this.sources.opaqueOrgs.length === 0 && this.sources.opaqueProjects.length === 0) return { slug: `${vcs ?? 'gh'}/${repo}` };
    const listed = await this.opaque();
    const hit = listed.bySlugName.get(key);
    if (hit !== undefined) return { slug: hit };
    if (vcs !== undefined) return { slug: `${vcs}/${repo}` };
    const ownOrg = listed.orgNames.get(org);
    if (ownOrg !== undefined) {
      const gap = listed.failures.length > 0 ? ` (${listed.failures.join('; ')})` : '';
      return {
        reason: `${repo} is not among the ${listed.counts.get(ownOrg) ?? 0} projects of ${ownOrg} (organisation ${org}) found through its recent pipelines, the only listing CircleCI's API gives of an organisation's projects${gap}: name it in scan.sources as circleci:${ownOrg}/<project-id>`,
      };
    }
    if (listed.failures.length > 0) return { reason: `which CircleCI project ${repo} is cannot be told: ${listed.failures[0] ?? ''}` };
    if (listed.empty.length > 0) {
      return { reason: `which CircleCI project ${repo} is cannot be told: ${listed.empty.join(', ')} listed no pipeline, so the name of its organisation and its projects are not known` };
    }
    return { slug: `gh/${repo}` };
  }

  private opaque(): Promise<OpaqueListing> {
    const now = (this.options.clock ?? Date.now)();
    if (this.listing && now - this.listing.at < (this.options.ttlMs ?? 10 * 60_000)) return this.listing.value;
    const value = this.readOpaque();
    this.listing = { at: now, value };
    return value;
  }

  private async readOpaque(): Promise<OpaqueListing> {
    const out: OpaqueListing = { bySlugName: new Map(), orgNames: new Map(), failures: [], empty: [], counts: new Map() };
    const max = this.options.maxProjects ?? 200;
    const read = async (slug: string, org: string): Promise<void> => {
      const got = await this.client.v2(`/project/${slugPath(slug)}`, {}, projectSchema, `project ${slug}`);
      if (!got.ok) {
        out.failures.push(`project ${slug} could not be read: ${got.reason}`);
        return;
      }
      const name = `${got.value.organization_name}/${got.value.name}`.toLowerCase();
      if (!out.bySlugName.has(name)) out.bySlugName.set(name, slug);
      if (!out.orgNames.has(got.value.organization_name.toLowerCase())) out.orgNames.set(got.value.organization_name.toLowerCase(), org);
    };
    for (const slug of this.sources.opaqueProjects) await read(slug, slug.split('/').slice(0, 2).join('/'));
    for (const org of this.sources.opaqueOrgs) {
      const slugs = new Set<string>();
      let failed = false;
      for await (const page of this.client.pages('/pipeline', { 'org-slug': org }, pipelineProjectSchema, `the pipelines of ${org}`, this.options.pipelinePages ?? 5)) {
        if (!page.ok) {
          // Reaching the page bound leaves older projects out: as much a gap as a refusal.
          out.failures.push(`the projects of ${org} were not all listed: ${page.reason}`);
          failed = true;
          break;
        }
        // Only projects of this organisation (the slug names it), whatever else an answer holds.
        for (const p of page.items) if (p.project_slug.toLowerCase().startsWith(`${org.toLowerCase()}/`)) slugs.add(p.project_slug);
      }
      out.counts.set(org, slugs.size);
      if (slugs.size === 0 && !failed) out.empty.push(org);
      if (slugs.size > max) out.failures.push(`${org} has more than ${max} recently built projects; only the first ${max} were read`);
      for (const slug of [...slugs].sort().slice(0, max)) await read(slug, org);
    }
    return out;
  }
}

export interface CircleCiEvidenceOptions {
  /** The repository → its CircleCI project (default: `gh/<repo>`, as with no `circleci:` source configured). */
  projectOf?: (repo: string) => Promise<ProjectAnswer>;
}

export class CircleCiSecretEvidence implements EvidencePort {
  private readonly projectOf: (repo: string) => Promise<ProjectAnswer>;

  constructor(
    private readonly client: CircleCiClient,
    options: CircleCiEvidenceOptions = {},
  ) {
    const index = new CircleCiProjectIndex(client, []);
    this.projectOf = options.projectOf ?? ((repo) => index.projectOf(repo));
  }

  async secretRotatedSince(secret: ExposedSecret, since: number): Promise<SecretEvidence> {
    const unknown = (reason: string): SecretEvidence => ({ state: 'unknown', source: CIRCLECI_EVIDENCE_SOURCE, reason });
    const repo = secret.where.repo;
    if (repo === undefined) return unknown('no repository named for it, so its CircleCI organisation is not known (re-check to read it again)');
    if (!this.client.hasToken) return unknown('no CircleCI token (CIRCLECI_TOKEN)');
    const project = await this.projectOf(repo);
    if ('reason' in project) return unknown(project.reason);
    const slug = project.slug;
    if (secret.where.store === 'context') {
      const context = secret.where.scope ?? '';
      if (context === '') return unknown('no context named for it');
      return secret.name === EVERY_CONTEXT_VARIABLE ? this.everyContextVariable(slug, context, since) : this.one(secret.name, { scope: 'context', slug, context }, since);
    }
    if (secret.where.store === 'project' || secret.where.store === 'pipeline-config') {
      return secret.name === PROJECT_VARIABLES ? this.everyProjectVariable(slug, since) : this.one(secret.name, { scope: 'project', slug }, since);
    }
    return unknown(`a ${secret.where.store} secret is not stored in CircleCI`);
  }

  private async one(name: string, where: { scope: 'project'; slug: string } | { scope: 'context'; slug: string; context: string }, since: number): Promise<SecretEvidence> {
    const e = await circleCiSecretRotatedSince(this.client, name, where, since);
    if (e.state === 'unknown') return { state: 'unknown', source: CIRCLECI_EVIDENCE_SOURCE, reason: e.reason };
    const source = `${CIRCLECI_EVIDENCE_SOURCE} (${e.where})`;
    return e.state === 'verified' ? { state: 'verified', source, changedAt: Date.parse(e.changedAt) } : { state: 'not-yet', source, changedAt: Date.parse(e.changedAt) };
  }

  /** Every variable of the context changed after `since` (`updated_at`). */
  private async everyContextVariable(slug: string, context: string, since: number): Promise<SecretEvidence> {
    const label = `context ${context}`;
    const inv = await contextInventory(this.client, slug, [context]);
    const found = inv.contexts[0];
    if (!found) return { state: 'unknown', source: CIRCLECI_EVIDENCE_SOURCE, reason: inv.unavailable[0] ?? `${label}: not listed` };
    return allChanged(label, found.variables.map((v) => ({ name: v.name, at: parseCircleCiTime(v.updatedAt) })), since, 'updated');
  }

  /** Every project variable re-created after `since` (`created-at`: CircleCI keeps no other time). */
  private async everyProjectVariable(slug: string, since: number): Promise<SecretEvidence> {
    const label = `project ${slug}`;
    const vars = await projectEnvVars(this.client, slug);
    if (!vars.ok) return { state: 'unknown', source: CIRCLECI_EVIDENCE_SOURCE, reason: `${label}: ${vars.reason}` };
    return allChanged(label, vars.items.map((v) => ({ name: v.name, at: v.createdAt === undefined ? undefined : Date.parse(v.createdAt) })), since, 're-created');
  }
}

/** Verified when every variable changed after `since`; not yet when one did not; unknown without a time or a variable. */
export function allChanged(label: string, vars: ReadonlyArray<{ name: string; at: number | undefined }>, since: number, verb: 'updated' | 're-created'): SecretEvidence {
  if (vars.length === 0) return { state: 'unknown', source: CIRCLECI_EVIDENCE_SOURCE, reason: `${label} holds no variable now: tick it by hand if they were removed on purpose` };
  const untimed = vars.filter((v) => v.at === undefined || Number.isNaN(v.at)).map((v) => v.name);
  if (untimed.length > 0) return { state: 'unknown', source: CIRCLECI_EVIDENCE_SOURCE, reason: `${label}: CircleCI gave no readable time for ${names(untimed)}` };
  const times = vars.map((v) => ({ name: v.name, at: v.at ?? 0 }));
  const old = times.filter((v) => v.at <= since);
  if (old.length === 0) return { state: 'verified', source: `${CIRCLECI_EVIDENCE_SOURCE} (${label}: all ${vars.length} ${verb} after the start)`, changedAt: Math.min(...times.map((v) => v.at)) };
  return { state: 'not-yet', source: `${CIRCLECI_EVIDENCE_SOURCE} (${label}: not ${verb} yet: ${names(old.map((v) => v.name))})`, changedAt: Math.min(...old.map((v) => v.at)) };
}

/** The port when CIRCLECI_TOKEN is set (CIRCLECI_URL for a server install or a simulator), else undefined. */
export function circleCiSecretEvidenceFromEnv(env: Readonly<Record<string, string | undefined>>, sources: readonly string[] = []): EvidencePort | undefined {
  const token = env.CIRCLECI_TOKEN?.trim();
  if (token === undefined || token === '') return undefined;
  const client = new CircleCiClient({ CIRCLECI_TOKEN: token, ...(env.CIRCLECI_URL ? { CIRCLECI_URL: env.CIRCLECI_URL } : {}) });
  const index = new CircleCiProjectIndex(client, sources);
  return new CircleCiSecretEvidence(client, { projectOf: (repo) => index.projectOf(repo) });
}

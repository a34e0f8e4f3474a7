/**
 * IMPERATIVE SHELL: `circleci:VCS/ORG` as a RepoSource — the projects CircleCI builds for an organisation,
 * each with the pipeline config that actually ran.
 *
 *   `circleci:gh/acme`, `circleci:bb/acme`, `circleci:circleci/<org-id>` (GitHub App / GitLab orgs, opaque),
 *   `circleci:gh/acme/repo` (one project). `github`/`bitbucket` are read as `gh`/`bb`.
 *
 * Which projects. CircleCI's v2 API has no endpoint that lists an organisation's projects. This source
 * takes the union of
 *   1. the projects the token's user FOLLOWS (v1.1 `GET /api/v1.1/projects`, outside the v2 spec; the
 *      shape read is in schemas.ts), kept when their `vcs_url` is in the organisation — for `gh`/`bb`
 *      orgs only: an opaque `circleci/<org-id>` cannot be matched against a VCS URL;
 *   2. the projects of the organisation's recent pipelines (v2 `GET /pipeline?org-slug=…`, which CircleCI
 *      documents as "the most recently built projects (max 250) you follow"), paged back until a pipeline
 *      older than the window's start (or `orgPipelinePages` pages without a window).
 * then reads each project (`GET /project/{slug}`; a 404 or any refusal is a RepoFailure for it).
 *
 * Which versions. The config that ran is served per pipeline (`GET /pipeline/{id}/config` → `source`, the
 * config as committed; `compiled`, with orbs expanded). A project's pipelines (all branches) are paged
 * back, newest first, until a default-branch pipeline created before the window's start:
 *   - `window-start`: the last default-branch pipeline before the window (the config live as it opened);
 *   - `in-window`: every pipeline created inside the window whose config differs from the one before it
 *     on the default branch (other branches: differs from every version already yielded) — so a config
 *     that ran in the window and was changed afterwards is found;
 *   - `head`: the latest default-branch pipeline (the latest of any branch when none ran on it), when its
 *     config differs from the last one yielded for the default branch.
 * `version.commit` is the pipeline's `vcs.revision` (`pipeline-<number>` when CircleCI has none);
 * `committedAt`/`liveFrom` are the pipeline's `created_at` (when it ran, not when it was committed);
 * `liveUntil`/`replacedBy` the first later default-branch pipeline that ran another config. Without a
 * window: `head` only. The file given to the engine is `source` as `.circleci/config.yml`.
 *
 * What this source cannot see:
 *   - a config that never ran: a commit whose pipeline was never triggered, a project that ran no
 *     pipeline (it yields nothing), pipelines CircleCI no longer keeps;
 *   - the repository's other files (scripts, Makefiles, Dockerfiles a job runs): CircleCI does not serve
 *     them, so the RepoVersion's reader answers `not-available` and the engine reports them unresolved —
 *     combine with a `github:`/`gitlab:`/git source of the same repositories for those;
 *   - projects neither followed by the token's user nor built recently in the organisation;
 *   - setup workflows' `setup-config` (only `source`, the continued config, is scanned);
 *   - pipelines with an empty `source` (CircleCI had no config, e.g. a config-fetch error) are skipped.
 * Pagination order is taken as newest-first (CircleCI's behaviour, not stated by the spec); the pipelines
 * read are sorted by `created_at` before use.
 */
import { createHash } from 'node:crypto';
import type { RepoFileReader } from '../../core/model';
import type { RepoFailure, RepoSource, RepoVersion, SourceProgress, TimeWindow, VersionInfo } from '../source';
import { CircleCiClient, slugPath, type CircleCiClientOptions, type CircleCiEnv } from './client';
import { envVarSchema, pageSchema, pipelineConfigSchema, pipelineSchema, projectSchema, type FollowedProject, type PipelineItem, type Project } from './schemas';

export interface CircleCiSourceOptions extends CircleCiClientOptions {
  /** Most pages of the organisation's pipeline list read to find its projects (default 10). */
  orgPipelinePages?: number;
  /** Most pages of one project's pipelines (default 20). */
  projectPipelinePages?: number;
  /** Most pipeline configs read per project (default 200); the rest are a RepoFailure. */
  maxConfigs?: number;
  /** Projects read at once (default 8); their versions are yielded in the listing's order all the same. */
  concurrency?: number;
}

export const CIRCLECI_CONFIG_PATH = '.circleci/config.yml';

export type CircleCiSpec =
  | { kind: 'org'; vcs: 'gh' | 'bb' | 'circleci'; org: string; orgSlug: string }
  | { kind: 'project'; vcs: 'gh' | 'bb' | 'circleci'; slug: string };

const VCS: Record<string, 'gh' | 'bb' | 'circleci'> = { gh: 'gh', github: 'gh', bb: 'bb', bitbucket: 'bb', circleci: 'circleci' };

/** `circleci:VCS/ORG[/PROJECT]` (the prefix optional), or why not. Pure. */
export function parseCircleCiSpec(spec: string): CircleCiSpec | { error: string } {
  const body = spec.replace(/^circleci:/i, '');
  const parts = body.split('/');
  const vcs = VCS[(parts[0] ?? '').toLowerCase()];
  const bad = parts.some((p) => p === '' || p === '.' || p === '..' || /[\s?#%\\]/.test(p));
  if (vcs === undefined || bad || parts.length < 2 || parts.length > 3) {
    return { error: `${spec} is not a CircleCI organisation: write circleci:gh/ORG, circleci:bb/ORG or circleci:circleci/ORG-ID (optionally /PROJECT)` };
  }
  const [, org, project] = parts as [string, string, string | undefined];
  if (project !== undefined) return { kind: 'project', vcs, slug: `${vcs}/${org}/${project}` };
  return { kind: 'org', vcs, org, orgSlug: `${vcs}/${org}` };
}

/** `gh/acme/x` from a v1.1 followed project, or undefined when it is not a GitHub/Bitbucket project. Pure. */
export function followedSlug(p: FollowedProject): string | undefined {
  let url: URL;
  try {
    url = new URL(p.vcs_url);
  } catch {
    return undefined;
  }
  const type = p.vcs_type?.toLowerCase();
  const vcs = type === 'github' || url.hostname === 'github.com' ? 'gh' : type === 'bitbucket' || url.hostname === 'bitbucket.org' ? 'bb' : undefined;
  const segs = url.pathname.replace(/\.git$/, '').split('/').filter((s) => s !== '');
  const org = p.username ?? segs[0];
  const repo = p.reponame ?? segs[1];
  if (vcs === undefined || org === undefined || repo === undefined) return undefined;
  return `${vcs}/${org}/${repo}`;
}

/** How a failure names a project whose details were not read: `acme/x` for `gh/acme/x`, the slug when opaque. */
function repoOfSlug(slug: string): string {
  const [vcs, org, name] = slug.split('/');
  return vcs !== 'circleci' && org !== undefined && name !== undefined ? `${org}/${name}` : slug;
}

function time(iso: string): number {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? 0 : t;
}

function hashOf(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The reader of a repository CircleCI serves only the config of: every other file is not available. */
function configOnlyReader(repo: string): RepoFileReader {
  return {
    read: (path) => ({
      code: 'not-available',
      message: `CircleCI serves only the pipeline config of ${repo}, not ${path}; scan the repository through github:, gitlab: or git as well to read it`,
    }),
  };
}

interface Ran {
  pipeline: PipelineItem;
  source: string;
  hash: string;
}

function failure(repo: string, reason: string): RepoFailure {
  return { repo, reason, failure: true };
}

class CircleCiSource implements RepoSource {
  private readonly client: CircleCiClient;

  constructor(
    readonly id: string,
    private readonly spec: CircleCiSpec,
    env: CircleCiEnv,
    private readonly options: CircleCiSourceOptions,
  ) {
    this.client = new CircleCiClient(env, options);
  }

  /** Requests sent so far (for tests and diagnostics). */
  get requests(): number {
    return this.client.requests;
  }

  async *versions(window: TimeWindow | undefined, progress?: SourceProgress): AsyncIterable<RepoVersion | RepoFailure> {
    const listed = await this.listProjects(window);
    for (const f of listed.failures) yield failure(this.id, f);
    if (listed.slugs.length === 0 && listed.failures.length > 0) return;
    progress?.listed(listed.slugs.length, listed.slugs.length);
    // Up to `concurrency` projects are read ahead; each one's items are yielded in the listing's order.
    const limit = Math.max(1, this.options.concurrency ?? 8);
    const slugs = listed.slugs;
    const ahead: Array<Promise<Array<RepoVersion | RepoFailure>>> = [];
    let next = 0;
    const start = (): void => {
      const slug = slugs[next++] as string;
      ahead.push(
        (async () => {
          const items: Array<RepoVersion | RepoFailure> = [];
          try {
            for await (const item of this.project(slug, window)) items.push(item);
          } catch (err) {
            items.push(failure(repoOfSlug(slug), `reading ${slug} failed: ${(err as Error).message}`));
          }
          return items;
        })(),
      );
    };
    while (next < slugs.length && ahead.length < limit) start();
    for (const slug of slugs) {
      const items = await (ahead.shift() as Promise<Array<RepoVersion | RepoFailure>>);
      if (next < slugs.length) start();
      yield* items;
      progress?.read(repoOfSlug(slug));
    }
  }

  private async listProjects(window: TimeWindow | undefined): Promise<{ slugs: string[]; failures: string[] }> {
    if (this.spec.kind === 'project') return { slugs: [this.spec.slug], failures: [] };
    const spec = this.spec;
    const bySlug = new Map<string, string>();
    const add = (slug: string): void => {
      if (!bySlug.has(slug.toLowerCase())) bySlug.set(slug.toLowerCase(), slug);
    };
    const failures: string[] = [];
    if (spec.vcs !== 'circleci') {
      const followed = await this.client.followedProjects();
      if (followed.ok) {
        for (const p of followed.value) {
          const slug = followedSlug(p);
          const [vcs, org] = slug?.split('/') ?? [];
          if (slug !== undefined && vcs === spec.vcs && org?.toLowerCase() === spec.org.toLowerCase()) add(slug);
        }
      } else {
        failures.push(`the followed projects of ${spec.orgSlug} could not be listed: ${followed.reason}`);
      }
    }
    const pages = this.options.orgPipelinePages ?? 10;
    for await (const page of this.client.pages('/pipeline', { 'org-slug': spec.orgSlug }, pipelineSchema, `the pipelines of ${spec.orgSlug}`, pages)) {
      if (!page.ok) {
        // Without a window, reaching the page bound is the intended stop.
        if (window !== undefined || page.status !== undefined || !page.reason.includes('stopped after')) failures.push(`the projects of ${spec.orgSlug} were not all listed: ${page.reason}`);
        break;
      }
      for (const p of page.items) add(p.project_slug);
      const oldest = Math.min(...page.items.map((p) => time(p.created_at)));
      if (window !== undefined && page.items.length > 0 && oldest < window.start) break;
    }
    return { slugs: [...bySlug.values()].sort((a, b) => a.localeCompare(b)), failures };
  }

  private async *project(slug: string, window: TimeWindow | undefined): AsyncGenerator<RepoVersion | RepoFailure> {
    const got = await this.client.v2(`/project/${slugPath(slug)}`, {}, projectSchema, `project ${slug}`);
    if (!got.ok) {
      yield failure(repoOfSlug(slug), got.reason);
      return;
    }
    const project = got.value;
    const repo = `${project.organization_name}/${project.name}`;
    const listing = await this.pipelines(project, window);
    const asc = [...listing.items].sort((a, b) => time(a.created_at) - time(b.created_at) || a.number - b.number);
    const defaultBranch = project.vcs_info.default_branch;
    const onDefault = (p: PipelineItem): boolean => p.vcs?.branch === defaultBranch;
    const defaults = asc.filter(onDefault);
    const head = defaults.at(-1) ?? asc.at(-1);

    const wanted: PipelineItem[] = [];
    if (window === undefined) {
      if (head) wanted.push(head);
    } else {
      const before = defaults.filter((p) => time(p.created_at) < window.start).at(-1);
      if (before) wanted.push(before);
      wanted.push(...asc.filter((p) => time(p.created_at) >= window.start && time(p.created_at) <= window.end));
      if (head && !wanted.includes(head)) wanted.push(head);
    }
    const cap = this.options.maxConfigs ?? 200;
    const configs = new Map<string, Ran>();
    for (const p of wanted.slice(0, cap)) {
      const cfg = await this.client.v2(`/pipeline/${encodeURIComponent(p.id)}/config`, {}, pipelineConfigSchema, `the config of pipeline ${p.number} of ${slug}`);
      if (!cfg.ok) {
        yield failure(repo, cfg.reason);
        continue;
      }
      if (cfg.value.source.trim() === '') continue;
      configs.set(p.id, { pipeline: p, source: cfg.value.source, hash: hashOf(cfg.value.source) });
    }
    if (wanted.length > cap) yield failure(repo, `${wanted.length - cap} pipelines of ${slug} in the window were not read (more than ${cap})`);

    for (const v of selectVersions(wanted, configs, onDefault, window, head)) {
      yield { repo, files: [{ path: CIRCLECI_CONFIG_PATH, text: v.ran.source }], reader: configOnlyReader(repo), version: v.info };
    }
    if (listing.failure !== undefined) yield failure(repo, listing.failure);
  }

  /** A project's pipelines, newest first, until the one that was live as the window opened (or the head without a window). */
  private async pipelines(project: Project, window: TimeWindow | undefined): Promise<{ items: PipelineItem[]; failure?: string }> {
    const items: PipelineItem[] = [];
    const defaultBranch = project.vcs_info.default_branch;
    const enough = (): boolean =>
      items.some((p) => p.vcs?.branch === defaultBranch && (window === undefined || time(p.created_at) < window.start));
    for await (const page of this.client.pages(
      `/project/${slugPath(project.slug)}/pipeline`,
      {},
      pipelineSchema,
      `the pipelines of ${project.slug}`,
      this.options.projectPipelinePages ?? 20,
    )) {
      if (!page.ok) {
        const what = window === undefined ? 'its latest default-branch pipeline' : 'the pipelines back to the window start';
        return { items, failure: `${what} could not be read: ${page.reason}` };
      }
      items.push(...page.items);
      if (enough()) break;
    }
    return { items };
  }
}

/** The versions to yield from the configs read (pure; see the header for the rules). */
function selectVersions(
  wanted: readonly PipelineItem[],
  configs: ReadonlyMap<string, Ran>,
  onDefault: (p: PipelineItem) => boolean,
  window: TimeWindow | undefined,
  head: PipelineItem | undefined,
): Array<{ ran: Ran; info: VersionInfo }> {
  const commit = (p: PipelineItem): string => p.vcs?.revision ?? `pipeline-${p.number}`;
  const out: Array<{ ran: Ran; info: VersionInfo }> = [];
  const headRan = head ? configs.get(head.id) : undefined;
  if (window === undefined) {
    if (headRan) out.push({ ran: headRan, info: { commit: commit(headRan.pipeline), committedAt: time(headRan.pipeline.created_at), liveFrom: time(headRan.pipeline.created_at), role: 'head' } });
    return out;
  }
  const ran = wanted.filter((p) => p !== head || time(p.created_at) <= window.end).flatMap((p) => configs.get(p.id) ?? []);
  // Default branch: a chain of configs, a new version at each change.
  let last: { ran: Ran; info: VersionInfo } | undefined;
  const yielded = new Set<string>();
  for (const r of ran) {
    const t = time(r.pipeline.created_at);
    if (onDefault(r.pipeline)) {
      if (last && last.ran.hash === r.hash) continue;
      if (last) {
        last.info.liveUntil = t;
        last.info.replacedBy = commit(r.pipeline);
      }
      last = { ran: r, info: { commit: commit(r.pipeline), committedAt: t, liveFrom: t, role: t < window.start ? 'window-start' : 'in-window' } };
      out.push(last);
      yielded.add(r.hash);
    }
  }
  // Other branches (and tags): a config not yielded yet.
  for (const r of ran) {
    if (onDefault(r.pipeline) || yielded.has(r.hash)) continue;
    const t = time(r.pipeline.created_at);
    out.push({ ran: r, info: { commit: commit(r.pipeline), committedAt: t, liveFrom: t, role: 'in-window' } });
    yielded.add(r.hash);
  }
  if (headRan && time(headRan.pipeline.created_at) > window.end) {
    const lastHash = last?.ran.hash;
    if (headRan.hash !== lastHash) {
      const t = time(headRan.pipeline.created_at);
      if (last && onDefault(headRan.pipeline) && last.info.liveUntil === undefined) {
        // Changed at the latest when the head ran (the pipelines in between were not read).
        last.info.liveUntil = t;
        last.info.replacedBy = commit(headRan.pipeline);
      }
      out.push({ ran: headRan, info: { commit: commit(headRan.pipeline), committedAt: t, liveFrom: t, role: 'head' } });
    }
  }
  out.sort((a, b) => (a.info.liveFrom ?? 0) - (b.info.liveFrom ?? 0));
  return out;
}

/** The RepoSource of `circleci:VCS/ORG` (see the header); a spec that is not one is a thrown usage error. */
export function createCircleCiSource(spec: string, env: CircleCiEnv, options: CircleCiSourceOptions = {}): RepoSource & { readonly requests: number } {
  const parsed = parseCircleCiSpec(spec);
  if ('error' in parsed) throw new Error(parsed.error);
  return new CircleCiSource(spec, parsed, env, options);
}

/**
 * The NAMES of a project's environment variables (`GET /project/{slug}/envvar`). CircleCI also returns
 * each one's value (masked: `xxxx` and the last four characters): the schema does not read it, so it
 * never leaves this function. The spec declares no `page-token` for this operation: an answer that says
 * more pages exist is a failure rather than a silently short list.
 */
export async function projectEnvVarNames(slug: string, env: CircleCiEnv, options: CircleCiClientOptions = {}): Promise<{ ok: true; names: string[] } | { ok: false; reason: string }> {
  const client = new CircleCiClient(env, options);
  const what = `the environment variables of ${slug}`;
  const r = await client.v2(`/project/${slugPath(slug)}/envvar`, {}, pageSchema(envVarSchema), what);
  if (!r.ok) return { ok: false, reason: r.reason };
  const next = r.value.next_page_token;
  if (next !== null && next !== undefined && next !== '') return { ok: false, reason: `${what}: CircleCI says more pages exist, which the API offers no way to read` };
  return { ok: true, names: r.value.items.map((v) => v.name) };
}

/**
 * IMPERATIVE SHELL: fetches GitLab includes into the component cache — `include: project` (`project`,
 * `ref`, `file`; no ref = the project's default branch, `HEAD`) and CI/CD components
 * (`component: host/group/project/name@version`: `templates/<name>.yml`, else
 * `templates/<name>/template.yml`) — at the ref, through the repository files API, into the layout of
 * core/resolve/cache-key.ts (`gitlab/<group>/<project>@<ref>/…`). What they include in turn is found by
 * the scan's next round (a `local:` include inside a project's file is a file of that project at that ref).
 *
 * A component whose host is another instance than this fetcher's is not fetched by it (canFetch false);
 * `$CI_SERVER_FQDN`/`$CI_SERVER_HOST` mean this instance. Versions that only the CI/CD Catalog resolves
 * (`~latest`, partial versions `1`/`1.2`) are not fetched: unresolved, with that reason. A project, ref or
 * file GitLab does not have is `{ ok: false }` with GitLab's answer. The outcome's `files` are the cache
 * keys written.
 *
 * With an incident window (`window`), a branch is read as it was at the window's end: an include without
 * `ref` (the default branch) or a ref GitLab knows as a branch (`GET /projects/:id/repository/branches/:ref`
 * answers; a 404 means a tag or a commit, read as written) is resolved to the branch's head then —
 * `GET /projects/:id/repository/commits?[ref_name=<ref>&]until=<end>&first_parent=true&per_page=1` — and
 * its files are read at that commit. The outcome's `note` says "branch X … read as of <end> (commit …)":
 * information, not a gap. A branch check or history GitLab refuses, or a branch with no commit by the
 * window's end, leaves the component unresolved with GitLab's answer — never read as it is today.
 * Without a window a branch is read at today's head. The commit read is kept in `.resolved-commit` beside
 * the files; today's and as-of-window reads of one branch are kept apart by the component store's folder
 * per window (component-store.ts, componentStoreDir).
 */
import type { ComponentRef } from '../../core/model';
import { cacheKey, DEFAULT_REF } from '../../core/resolve/cache-key';
import type { ComponentCacheWriter, ComponentFetcher, FetchOutcome, TimeWindow } from '../source';
import { encodePathParam, GitLabClient, type GitLabClientOptions } from './client';
import { z } from 'zod';
import { commitSchema, fileSchema } from './schemas';
import { parseGitLabSpec } from './parse-spec';
import type { GitLabEnv } from './source';
import { fileText } from './version-files';

type IncludeRef = Extract<ComponentRef, { kind: 'gitlab-include' }>;

/** The file in the component cache that records which commit the ref was read at. */
export const RESOLVED_COMMIT_FILE = '.resolved-commit';

/** `GET /projects/:id/repository/branches/:branch`: only that it answers is used. */
const branchSchema = z.object({ name: z.string() });

/** Where a ref is read: `rev` (what the files API gets), and for a branch read as of the window, its commit and a note. */
type ReadAt = { ok: true; rev: string; commit?: string; note?: string } | { ok: false; reason: string };

function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
}

export interface GitLabFetcherOptions extends Omit<GitLabClientOptions, 'baseUrl' | 'token'> {
  /** The instance (default GITLAB_URL, else https://gitlab.com). */
  baseUrl?: string;
  maxFileBytes?: number;
  /** The scan's incident window: a branch is then read as of its end (see the header). */
  window?: TimeWindow;
}

/** `$CI_SERVER_FQDN` / `${CI_SERVER_HOST}`: the instance the pipeline runs on. */
export const HOST_VARIABLES = /^\$\{?CI_SERVER_(FQDN|HOST)\}?$/i;

/** The host a component names (its first segment), lower case. */
export function componentHost(ref: IncludeRef): string | undefined {
  return ref.raw.trim().split('/')[0]?.toLowerCase();
}

class GitLabFetcher implements ComponentFetcher {
  readonly id: string;
  private readonly client: GitLabClient;
  private readonly host: string;

  constructor(
    baseUrl: string,
    token: string | undefined,
    private readonly options: GitLabFetcherOptions,
  ) {
    const clientOptions: GitLabClientOptions = { ...options, baseUrl };
    if (token) clientOptions.token = token;
    this.client = new GitLabClient(clientOptions);
    this.host = new URL(baseUrl).host.toLowerCase();
    this.id = `gitlab:${this.host}`;
  }

  canFetch(ref: ComponentRef): boolean {
    if (ref.kind !== 'gitlab-include' || !ref.project) return false;
    if (ref.include === 'project') return true;
    if (ref.include !== 'component') return false;
    const host = componentHost(ref);
    return host !== undefined && (HOST_VARIABLES.test(host) || host === this.host || host === this.host.replace(/:\d+$/, ''));
  }

  /** One file of `project` at `ref`: its text, or GitLab's answer. */
  private async file(project: string, path: string, ref: string): Promise<{ ok: true; text: string; commit?: string } | { ok: false; status: number; reason: string }> {
    const r = await this.client.get(`/projects/${encodePathParam(project)}/repository/files/${encodePathParam(path)}`, { ref }, fileSchema);
    if (!r.ok) return r;
    const max = this.options.maxFileBytes ?? 5 * 1024 * 1024;
    if (r.data.size > max) return { ok: false, status: 200, reason: `${project}/${path}@${ref} is ${r.data.size} bytes; files over ${max} bytes are not read` };
    const text = fileText(r.data.content, r.data.encoding);
    if (!('text' in text)) return { ok: false, status: 200, reason: `${project}/${path}@${ref}: ${text.message}` };
    return r.data.commit_id === undefined ? { ok: true, text: text.text } : { ok: true, text: text.text, commit: r.data.commit_id };
  }

  /** Where `ref` (undefined: the default branch) of `project` is read: as written, or a branch as of the window's end. */
  private async readAt(project: string, ref: string | undefined): Promise<ReadAt> {
    const window = this.options.window;
    if (window === undefined || (ref !== undefined && /^[0-9a-f]{40}$/i.test(ref))) return { ok: true, rev: ref ?? DEFAULT_REF };
    const id = encodePathParam(project);
    if (ref !== undefined && ref !== DEFAULT_REF) {
      const branch = await this.client.get(`/projects/${id}/repository/branches/${encodePathParam(ref)}`, {}, branchSchema);
      if (!branch.ok && branch.status === 404) return { ok: true, rev: ref };
      if (!branch.ok) return { ok: false, reason: `whether ${ref} is a branch of ${project} (read as of the incident window) could not be read: ${branch.reason}` };
    }
    const end = isoTime(window.end);
    const what = ref === undefined || ref === DEFAULT_REF ? `the default branch of ${project}` : `branch ${ref} of ${project}`;
    const query = { ...(ref === undefined || ref === DEFAULT_REF ? {} : { ref_name: ref }), until: end, first_parent: true, per_page: 1 };
    const history = await this.client.get(`/projects/${id}/repository/commits`, query, commitSchema.array());
    if (!history.ok) return { ok: false, reason: `the history of ${what} could not be read, so what it held in the incident window (to ${end}) is not known: ${history.reason}` };
    const head = history.data[0];
    if (!head) return { ok: false, reason: `${what} has no commit at or before ${end} (the incident window's end)` };
    return { ok: true, rev: head.id, commit: head.id, note: `${what} read as of ${end}, the incident window's end (commit ${head.id.slice(0, 12)} of ${isoTime(Date.parse(head.committed_date))})` };
  }

  async fetch(ref: ComponentRef, into: ComponentCacheWriter): Promise<FetchOutcome> {
    if (!this.canFetch(ref) || ref.kind !== 'gitlab-include' || !ref.project) return { ok: false, reason: `${this.id} does not fetch ${ref.kind} ${'raw' in ref ? ref.raw : ''}`.trim() };
    const project = ref.project;
    const version = ref.ref ?? DEFAULT_REF;
    if (ref.include === 'project') {
      const at = await this.readAt(project, ref.ref);
      if (!at.ok) return { ok: false, reason: `GitLab include ${project}/${ref.file}@${version}: ${at.reason}` };
      const r = await this.file(project, ref.file, at.rev);
      if (!r.ok) return { ok: false, reason: `GitLab include ${project}/${ref.file}@${version}: ${r.reason}` };
      into.write(ref, ref.file, r.text);
      return this.done(ref, into, [cacheKey(ref, ref.file) ?? ref.file], at, r.commit, `include ${project}/${ref.file}${ref.ref === undefined ? ' (no ref)' : `@${ref.ref}`}`);
    }
    if (version === '~latest' || /^\d+(\.\d+)?$/.test(version)) {
      return { ok: false, reason: `component ${ref.raw}: version ${version} is resolved through the GitLab CI/CD Catalog, which is not read; a tag, branch or commit SHA can be fetched` };
    }
    const at = await this.readAt(project, version);
    if (!at.ok) return { ok: false, reason: `component ${ref.raw}: ${at.reason}` };
    const answers: string[] = [];
    for (const path of [`templates/${ref.file}.yml`, `templates/${ref.file}/template.yml`]) {
      const r = await this.file(project, path, at.rev);
      if (r.ok) {
        into.write(ref, path, r.text);
        return this.done(ref, into, [cacheKey(ref, path) ?? path], at, r.commit, `component ${ref.raw}`);
      }
      answers.push(`${path}: ${r.reason}`);
      if (r.status !== 404) break;
    }
    return { ok: false, reason: `component ${ref.raw}: ${answers.join('; ')}` };
  }

  /** Records the commit read (`.resolved-commit`) and says how a branch was read. */
  private done(ref: IncludeRef, into: ComponentCacheWriter, files: string[], at: Extract<ReadAt, { ok: true }>, fileCommit: string | undefined, label: string): FetchOutcome {
    const commit = at.commit ?? fileCommit;
    if (commit !== undefined) into.write(ref, RESOLVED_COMMIT_FILE, `${commit}\n`);
    return at.note === undefined ? { ok: true, files } : { ok: true, files, note: `${label}: ${at.note}` };
  }
}

/**
 * The ComponentFetcher of one GitLab instance (`options.baseUrl`, else GITLAB_URL, else gitlab.com), with
 * `GITLAB_TOKEN` (scope `read_api`) sent to it only.
 */
export function createGitLabFetcher(env: GitLabEnv, options: GitLabFetcherOptions = {}): ComponentFetcher {
  let baseUrl = options.baseUrl;
  if (baseUrl === undefined) {
    const parsed = parseGitLabSpec('gitlab:_', env);
    if (!parsed.ok) throw new Error(parsed.message);
    baseUrl = parsed.baseUrl;
  }
  return new GitLabFetcher(baseUrl.replace(/\/+$/, ''), env.GITLAB_TOKEN?.trim() || undefined, options);
}

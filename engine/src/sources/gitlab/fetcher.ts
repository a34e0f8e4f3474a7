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
 * keys written. An include without `ref` is read at the project's default branch as it is today: with an
 * incident window (`window`), the outcome's `note` says so (an explicit ref is read as GitLab resolves it
 * today too, but whether it names a branch is not asked).
 */
import type { ComponentRef } from '../../core/model';
import { cacheKey, DEFAULT_REF } from '../../core/resolve/cache-key';
import type { ComponentCacheWriter, ComponentFetcher, FetchOutcome, TimeWindow } from '../source';
import { encodePathParam, GitLabClient, type GitLabClientOptions } from './client';
import { fileSchema } from './schemas';
import { parseGitLabSpec } from './parse-spec';
import type { GitLabEnv } from './source';
import { fileText } from './version-files';

type IncludeRef = Extract<ComponentRef, { kind: 'gitlab-include' }>;

export interface GitLabFetcherOptions extends Omit<GitLabClientOptions, 'baseUrl' | 'token'> {
  /** The instance (default GITLAB_URL, else https://gitlab.com). */
  baseUrl?: string;
  maxFileBytes?: number;
  /** The scan's incident window: an include read at the default branch then carries a note (see the header). */
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
  private async file(project: string, path: string, ref: string): Promise<{ ok: true; text: string } | { ok: false; status: number; reason: string }> {
    const r = await this.client.get(`/projects/${encodePathParam(project)}/repository/files/${encodePathParam(path)}`, { ref }, fileSchema);
    if (!r.ok) return r;
    const max = this.options.maxFileBytes ?? 5 * 1024 * 1024;
    if (r.data.size > max) return { ok: false, status: 200, reason: `${project}/${path}@${ref} is ${r.data.size} bytes; files over ${max} bytes are not read` };
    const text = fileText(r.data.content, r.data.encoding);
    return 'text' in text ? { ok: true, text: text.text } : { ok: false, status: 200, reason: `${project}/${path}@${ref}: ${text.message}` };
  }

  async fetch(ref: ComponentRef, into: ComponentCacheWriter): Promise<FetchOutcome> {
    if (!this.canFetch(ref) || ref.kind !== 'gitlab-include' || !ref.project) return { ok: false, reason: `${this.id} does not fetch ${ref.kind} ${'raw' in ref ? ref.raw : ''}`.trim() };
    const project = ref.project;
    const version = ref.ref ?? DEFAULT_REF;
    if (ref.include === 'project') {
      const r = await this.file(project, ref.file, version);
      if (!r.ok) return { ok: false, reason: `GitLab include ${project}/${ref.file}@${version}: ${r.reason}` };
      into.write(ref, ref.file, r.text);
      const files = [cacheKey(ref, ref.file) ?? ref.file];
      if (ref.ref !== undefined || this.options.window === undefined) return { ok: true, files };
      const end = new Date(this.options.window.end).toISOString().replace(/\.000Z$/, 'Z');
      return { ok: true, files, note: `include ${project}/${ref.file} (no ref): the default branch of ${project} was read as it is today, not as it was in the incident window (to ${end}); what the window's jobs ran may differ` };
    }
    if (version === '~latest' || /^\d+(\.\d+)?$/.test(version)) {
      return { ok: false, reason: `component ${ref.raw}: version ${version} is resolved through the GitLab CI/CD Catalog, which is not read; a tag, branch or commit SHA can be fetched` };
    }
    const answers: string[] = [];
    for (const path of [`templates/${ref.file}.yml`, `templates/${ref.file}/template.yml`]) {
      const r = await this.file(project, path, version);
      if (r.ok) {
        into.write(ref, path, r.text);
        return { ok: true, files: [cacheKey(ref, path) ?? path] };
      }
      answers.push(`${path}: ${r.reason}`);
      if (r.status !== 404) break;
    }
    return { ok: false, reason: `component ${ref.raw}: ${answers.join('; ')}` };
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

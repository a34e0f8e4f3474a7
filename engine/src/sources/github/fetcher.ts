/**
 * IMPERATIVE SHELL: the ComponentFetcher for GitHub components — actions (`owner/repo[/path]@ref`) and
 * reusable workflows (`owner/repo/.github/workflows/x.yml@ref`) — at the ref as it resolves now.
 *
 * One GraphQL call resolves the ref to its commit (an annotated tag to the commit it points at) and reads
 * `action.yml`/`action.yaml` (or the workflow file) at it; for a JavaScript action (`runs.using: nodeNN`)
 * a second call reads its `pre`/`main`/`post` files at the resolved commit. A file GitHub's GraphQL gives
 * truncated is read through REST `GET /repos/{o}/{r}/contents/{path}?ref=<commit>` (≤ 1 MB, conditional on
 * its ETag). The files go into the component cache under the ref as written (core/resolve/cache-key.ts),
 * with the resolved commit in `.resolved-commit` beside them. A composite action's own `uses:` are
 * followed by the engine's fetch loop, not here. A repository, ref or file GitHub does not have is
 * `{ ok: false, reason }` with GitHub's answer. The outcome's `files` are the cache keys written.
 *
 * A ref that is a branch (the same first call asks `ref(qualifiedName: "refs/heads/<ref>")`) is read as it
 * is today: with an incident window (`window`), the outcome's `note` says so, with the commit read, for
 * the report — what the branch held during the window may differ.
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { ComponentRef } from '../../core/model';
import { cacheKey } from '../../core/resolve/cache-key';
import { decodeSource } from '../../core/yaml';
import type { ComponentCacheWriter, ComponentFetcher, FetchOutcome, TimeWindow } from '../source';
import { clientOptionsFromEnv, GitHubApiError, GitHubClient, type GitHubClientOptions } from './client';
import { normalisePath } from './pipeline-files';

/** The file in the component cache that records which commit the ref resolved to when fetched. */
export const RESOLVED_COMMIT_FILE = '.resolved-commit';

export interface GitHubFetcherOptions extends GitHubClientOptions {
  client?: GitHubClient;
  /** Largest file written, in bytes (default 5 MiB). */
  maxFileBytes?: number;
  /** The scan's incident window: a component read at a branch then carries a note (see the header). */
  window?: TimeWindow;
}

type GhRef = Extract<ComponentRef, { kind: 'gha-action' | 'gha-reusable-workflow' }>;

const BlobSchema = z
  .object({
    __typename: z.string(),
    oid: z.string().optional(),
    byteSize: z.number().optional(),
    isBinary: z.boolean().nullable().optional(),
    isTruncated: z.boolean().optional(),
    text: z.string().nullable().optional(),
  })
  .nullable();
const RevSchema = z
  .object({
    __typename: z.string(),
    oid: z.string(),
    target: z.object({ __typename: z.string(), oid: z.string() }).optional(),
  })
  .nullable();
const FirstSchema = z.object({
  repository: z.object({ commit: RevSchema, branch: z.object({ name: z.string() }).nullable().optional(), f0: BlobSchema, f1: BlobSchema.optional() }).nullable(),
});
const FilesSchema = z.object({ repository: z.record(z.string(), BlobSchema).nullable() });
const ContentSchema = z.object({ type: z.string(), encoding: z.string().optional(), size: z.number(), content: z.string().optional() });

const BLOB = '__typename ... on Blob { oid byteSize isBinary isTruncated text }';

const FIRST_QUERY = `query ComponentAtRef($owner: String!, $name: String!, $rev: String!, $branch: String!, $p0: String!, $p1: String!) {
  repository(owner: $owner, name: $name) {
    commit: object(expression: $rev) { __typename oid ... on Tag { target { __typename oid } } }
    branch: ref(qualifiedName: $branch) { name }
    f0: object(expression: $p0) { ${BLOB} }
    f1: object(expression: $p1) { ${BLOB} }
  }
  rateLimit { cost remaining resetAt }
}`;

function join(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

class GitHubFetcherImpl implements ComponentFetcher {
  readonly id = 'github';
  private readonly maxBytes: number;

  constructor(
    readonly client: GitHubClient,
    maxFileBytes: number,
    private readonly window: TimeWindow | undefined,
  ) {
    this.maxBytes = maxFileBytes;
  }

  canFetch(ref: ComponentRef): boolean {
    return ref.kind === 'gha-action' || ref.kind === 'gha-reusable-workflow';
  }

  async fetch(ref: ComponentRef, into: ComponentCacheWriter): Promise<FetchOutcome> {
    if (ref.kind !== 'gha-action' && ref.kind !== 'gha-reusable-workflow') return { ok: false, reason: `${ref.kind} is not a GitHub component` };
    try {
      return await this.fetchGh(ref, into);
    } catch (err) {
      return { ok: false, reason: err instanceof GitHubApiError ? err.message : `GitHub call failed: ${(err as Error).message}` };
    }
  }

  /** The text of a blob, or why not; a truncated blob is read again through REST. */
  private async text(owner: string, name: string, commit: string, path: string, blob: z.infer<typeof BlobSchema> | undefined): Promise<{ text: string } | { reason: string } | undefined> {
    if (!blob || blob.__typename !== 'Blob') return undefined;
    if (blob.isBinary === true) return { reason: `${path} is binary` };
    if ((blob.byteSize ?? 0) > this.maxBytes) return { reason: `${path} is ${blob.byteSize} bytes; files over ${this.maxBytes} bytes are not read` };
    if (blob.isTruncated !== true && typeof blob.text === 'string') return { text: blob.text };
    if (blob.isTruncated !== true) return { reason: `${path} has no UTF-8 text` };
    const encoded = path.split('/').map(encodeURIComponent).join('/');
    const c = await this.client.restJson(`/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}/contents/${encoded}?ref=${commit}`, ContentSchema);
    if (c.type !== 'file' || c.encoding !== 'base64' || c.content === undefined || c.content === '') {
      return { reason: `${path} (${c.size} bytes) is too large for GitHub's contents API to return` };
    }
    const decoded = decodeSource(Buffer.from(c.content, 'base64'));
    return 'text' in decoded ? { text: decoded.text } : { reason: `${path}: ${decoded.message}` };
  }

  private async fetchGh(ref: GhRef, into: ComponentCacheWriter): Promise<FetchOutcome> {
    const rev = ref.ref ?? 'HEAD';
    const where = `${ref.owner}/${ref.repo}@${rev}`;
    const dir = ref.kind === 'gha-action' ? (ref.path ?? '') : '';
    const candidates = ref.kind === 'gha-action' ? [join(dir, 'action.yml'), join(dir, 'action.yaml')] : [ref.path, ref.path];
    const { data, errors } = await this.client.graphql(
      FIRST_QUERY,
      { owner: ref.owner, name: ref.repo, rev, branch: `refs/heads/${rev}`, p0: `${rev}:${candidates[0]}`, p1: `${rev}:${candidates[1]}` },
      FirstSchema,
    );
    const repo = data.repository;
    if (!repo) return { ok: false, reason: `GitHub: ${errors.map((e) => e.message).join('; ') || `no repository ${ref.owner}/${ref.repo}`}` };
    if (!repo.commit) return { ok: false, reason: `GitHub: no ref ${rev} in ${ref.owner}/${ref.repo}` };
    const commit = repo.commit.__typename === 'Tag' ? repo.commit.target : repo.commit;
    if (!commit || commit.__typename !== 'Commit') return { ok: false, reason: `GitHub: ${rev} in ${ref.owner}/${ref.repo} is not a commit or a tag of a commit` };

    const found = [repo.f0, repo.f1].map((b, i) => ({ blob: b, path: candidates[i] as string })).find((f) => f.blob?.__typename === 'Blob');
    if (!found) {
      const what = ref.kind === 'gha-action' ? `action.yml or action.yaml${dir === '' ? '' : ` in ${dir}`}` : ref.path;
      return { ok: false, reason: `GitHub: no ${what} at ${where} (commit ${commit.oid})` };
    }
    const def = await this.text(ref.owner, ref.repo, commit.oid, found.path, found.blob);
    if (!def || 'reason' in def) return { ok: false, reason: `GitHub: ${def?.reason ?? `${found.path} not readable`} at ${where}` };
    const rel = (p: string): string => (dir === '' ? p : p.slice(dir.length + 1));
    const written: string[] = [];
    const write = (path: string, text: string): void => {
      into.write(ref, rel(path), text);
      written.push(cacheKey(ref, rel(path)) ?? rel(path));
    };
    write(found.path, def.text);

    if (ref.kind === 'gha-action') {
      const code = this.codeFiles(def.text, dir);
      if (code.length > 0) {
        const fields = code.map((p, i) => `c${i}: object(expression: ${JSON.stringify(`${commit.oid}:${p}`)}) { ${BLOB} }`).join('\n');
        const query = `query ActionCode($owner: String!, $name: String!) {\n  repository(owner: $owner, name: $name) {\n${fields}\n  }\n  rateLimit { cost remaining resetAt }\n}`;
        const files = await this.client.graphql(query, { owner: ref.owner, name: ref.repo }, FilesSchema);
        for (const [i, p] of code.entries()) {
          const got = await this.text(ref.owner, ref.repo, commit.oid, p, files.data.repository?.[`c${i}`] ?? null);
          // A code file that is missing or unreadable is left out: the engine then knows not all of it was read.
          if (got && 'text' in got) write(p, got.text);
        }
      }
    }
    into.write(ref, RESOLVED_COMMIT_FILE, `${commit.oid}\n`);
    const branch = rev === 'HEAD' ? 'the default branch' : repo.branch ? `branch ${rev}` : undefined;
    if (branch !== undefined && this.window !== undefined) {
      const end = new Date(this.window.end).toISOString().replace(/\.000Z$/, 'Z');
      return { ok: true, files: written, note: `${ref.raw}: ${branch} of ${ref.owner}/${ref.repo} was read as it is today (commit ${commit.oid.slice(0, 12)}), not as it was in the incident window (to ${end}); what the window's jobs ran may differ` };
    }
    return { ok: true, files: written };
  }

  /** A JavaScript action's `pre`/`main`/`post` files, repository-relative (none for other actions). */
  private codeFiles(text: string, dir: string): string[] {
    let doc: unknown;
    try {
      doc = parseYaml(text, { maxAliasCount: 100 });
    } catch {
      return [];
    }
    const runs = z.object({ runs: z.object({ using: z.string(), pre: z.string().optional(), main: z.string().optional(), post: z.string().optional() }) }).safeParse(doc);
    if (!runs.success || !/^node\d+$/i.test(runs.data.runs.using)) return [];
    const out: string[] = [];
    for (const key of ['pre', 'main', 'post'] as const) {
      const entry = runs.data.runs[key];
      if (entry === undefined) continue;
      const path = normalisePath(join(dir, entry));
      if (path !== undefined && (dir === '' || path.startsWith(`${dir}/`)) && !out.includes(path)) out.push(path);
    }
    return out;
  }
}

/** The GitHub ComponentFetcher; the token and base URL come from `env` unless the options name them. */
export function createGitHubFetcher(env: Readonly<Record<string, string | undefined>>, options: GitHubFetcherOptions = {}): ComponentFetcher & { readonly client: GitHubClient } {
  const client = options.client ?? new GitHubClient({ ...clientOptionsFromEnv(env), ...options });
  return new GitHubFetcherImpl(client, options.maxFileBytes ?? 5 * 1024 * 1024, options.window);
}

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
 * A ref that is a branch, with an incident window (`window`), is read as it was at the window's end: the
 * same first call asks `ref(qualifiedName: "refs/heads/<ref>")` (the default branch's `defaultBranchRef`
 * for a ref-less use) with `target { ... on Commit { history(first: 1, until: <end>) } }` — the commit
 * that was the branch's head then — and `refs/tags/<ref>` (a tag of the same name wins, as in git). The
 * component is read at that commit (a second call when it is not today's head), `.resolved-commit` holds
 * it, and the outcome's `note` says "branch X … read as of <end> (commit …)": information for the
 * responder, not a gap. A history GitHub does not give (an error, no commit by the window's end) leaves
 * the component unresolved with GitHub's answer — never read as it is today. Without a window a branch
 * is read at today's head, without a note. Today's and as-of-window reads of one branch are kept apart
 * by the component store's folder per window (component-store.ts, componentStoreDir).
 *
 * A tag, with an incident window, whose commit was committed after the window's end was created or moved
 * after the window (maintainers restore moved tags): what it pointed to during the window is not known,
 * so the component is unresolved with that reason ("tag v39 of o/r now points to <sha> committed <date>,
 * after the window …") — never read as clean. A tag whose commit is older is read as it is today (a tag
 * moved during the window to an older commit cannot be told from here).
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
  /** The scan's incident window: a branch is then read as of its end (see the header). */
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
    /** A commit's date (asked with a window: a tag's commit is checked against the window's end). */
    committedDate: z.string().optional(),
    target: z.object({ __typename: z.string(), oid: z.string(), committedDate: z.string().optional() }).optional(),
  })
  .nullable();
const HistorySchema = z.object({ nodes: z.array(z.object({ oid: z.string(), committedDate: z.string() }).nullable()) });
const BranchSchema = z
  .object({
    name: z.string(),
    /** Asked with a window only; null when GitHub did not give the history (its errors say why). */
    target: z.object({ __typename: z.string().optional(), history: HistorySchema.optional() }).nullable().optional(),
  })
  .nullable()
  .optional();
const FirstSchema = z.object({
  repository: z
    .object({ commit: RevSchema, branch: BranchSchema, tag: z.object({ name: z.string() }).nullable().optional(), f0: BlobSchema, f1: BlobSchema.optional() })
    .nullable(),
});
const FilesSchema = z.object({ repository: z.record(z.string(), BlobSchema).nullable() });
const ContentSchema = z.object({ type: z.string(), encoding: z.string().optional(), size: z.number(), content: z.string().optional() });

const BLOB = '__typename ... on Blob { oid byteSize isBinary isTruncated text }';

const FIRST_QUERY = `query ComponentAtRef($owner: String!, $name: String!, $rev: String!, $p0: String!, $p1: String!) {
  repository(owner: $owner, name: $name) {
    commit: object(expression: $rev) { __typename oid ... on Tag { target { __typename oid } } }
    f0: object(expression: $p0) { ${BLOB} }
    f1: object(expression: $p1) { ${BLOB} }
  }
  rateLimit { cost remaining resetAt }
}`;

const AS_OF = 'name target { __typename ... on Commit { history(first: 1, until: $until) { nodes { oid committedDate } } } }';

/** The first call with an incident window: the branch's head as of `$until` too (the default branch's for `HEAD`). */
function firstQueryAsOf(defaultBranch: boolean): string {
  const branch = defaultBranch ? `branch: defaultBranchRef { ${AS_OF} }` : `branch: ref(qualifiedName: $branch) { ${AS_OF} }\n    tag: ref(qualifiedName: $tag) { name }`;
  const vars = defaultBranch ? '' : ', $branch: String!, $tag: String!';
  return `query ComponentAsOf($owner: String!, $name: String!, $rev: String!${vars}, $until: GitTimestamp!, $p0: String!, $p1: String!) {
  repository(owner: $owner, name: $name) {
    commit: object(expression: $rev) { __typename oid ... on Commit { committedDate } ... on Tag { target { __typename oid ... on Commit { committedDate } } } }
    ${branch}
    f0: object(expression: $p0) { ${BLOB} }
    f1: object(expression: $p1) { ${BLOB} }
  }
  rateLimit { cost remaining resetAt }
}`;
}

const AT_COMMIT_QUERY = `query ComponentAtCommit($owner: String!, $name: String!, $p0: String!, $p1: String!) {
  repository(owner: $owner, name: $name) {
    f0: object(expression: $p0) { ${BLOB} }
    f1: object(expression: $p1) { ${BLOB} }
  }
  rateLimit { cost remaining resetAt }
}`;

/** An ISO-8601 time without milliseconds when they are zero. */
function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
}

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
    const paths = (at: string) => ({ p0: `${at}:${candidates[0]}`, p1: `${at}:${candidates[1]}` });
    const base = { owner: ref.owner, name: ref.repo, rev, ...paths(rev) };
    const window = this.window;
    const { data, errors } =
      window === undefined
        ? await this.client.graphql(FIRST_QUERY, base, FirstSchema)
        : await this.client.graphql(
            firstQueryAsOf(rev === 'HEAD'),
            { ...base, until: isoTime(window.end), ...(rev === 'HEAD' ? {} : { branch: `refs/heads/${rev}`, tag: `refs/tags/${rev}` }) },
            FirstSchema,
          );
    const repo = data.repository;
    const answer = (): string => errors.map((e) => e.message).join('; ');
    if (!repo) return { ok: false, reason: `GitHub: ${answer() || `no repository ${ref.owner}/${ref.repo}`}` };
    if (!repo.commit) return { ok: false, reason: `GitHub: no ref ${rev} in ${ref.owner}/${ref.repo}` };
    let commit: { oid: string; __typename: string; committedDate?: string } | undefined = repo.commit.__typename === 'Tag' ? repo.commit.target : repo.commit;
    if (!commit || commit.__typename !== 'Commit') return { ok: false, reason: `GitHub: ${rev} in ${ref.owner}/${ref.repo} is not a commit or a tag of a commit` };
    // A tag whose commit is younger than the window's end was created or moved after it: not read as clean.
    if (window !== undefined && repo.tag) {
      const at = commit.committedDate === undefined ? Number.NaN : Date.parse(commit.committedDate);
      if (!Number.isFinite(at)) return { ok: false, reason: `GitHub: the date of the commit tag ${rev} of ${ref.owner}/${ref.repo} points to was not given; whether the tag moved after the incident window is not known` };
      if (at > window.end) {
        return {
          ok: false,
          reason: `GitHub: tag ${rev} of ${ref.owner}/${ref.repo} now points to ${commit.oid} committed ${isoTime(at)}, after the window (which ended ${isoTime(window.end)}): what it pointed to during the window is not known`,
        };
      }
    }

    let blobs = [repo.f0, repo.f1];
    let note: string | undefined;
    // A branch (no tag of the same name) in a scan of an incident window: read as of the window's end.
    if (window !== undefined && repo.branch && !repo.tag) {
      const end = isoTime(window.end);
      const branch = rev === 'HEAD' ? `the default branch (${repo.branch.name})` : `branch ${rev}`;
      const history = repo.branch.target?.history;
      if (history === undefined) {
        return { ok: false, reason: `GitHub: the history of ${branch} of ${ref.owner}/${ref.repo} was not given (${answer() || 'no commit history'}); what it held in the incident window (to ${end}) is not known` };
      }
      const asOf = history.nodes[0];
      if (!asOf) return { ok: false, reason: `GitHub: ${branch} of ${ref.owner}/${ref.repo} has no commit at or before ${end} (the incident window's end)` };
      if (asOf.oid !== commit.oid) {
        const at = await this.client.graphql(AT_COMMIT_QUERY, { owner: ref.owner, name: ref.repo, ...paths(asOf.oid) }, FilesSchema);
        const files = at.data.repository;
        if (!files) return { ok: false, reason: `GitHub: ${at.errors.map((e) => e.message).join('; ') || `no repository ${ref.owner}/${ref.repo}`}` };
        blobs = [files.f0 ?? null, files.f1 ?? null];
      }
      commit = { __typename: 'Commit', oid: asOf.oid };
      note = `${ref.raw}: ${branch} of ${ref.owner}/${ref.repo} read as of ${end}, the incident window's end (commit ${asOf.oid.slice(0, 12)} of ${isoTime(Date.parse(asOf.committedDate))})`;
    }

    const found = blobs.map((b, i) => ({ blob: b, path: candidates[i] as string })).find((f) => f.blob?.__typename === 'Blob');
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
    return note === undefined ? { ok: true, files: written } : { ok: true, files: written, note };
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

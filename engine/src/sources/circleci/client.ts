/**
 * IMPERATIVE SHELL: a small CircleCI HTTP client (Node's global fetch), GET-only on the REST APIs.
 *
 * - Base URL `CIRCLECI_URL` (default https://circleci.com): v2 under `/api/v2`, v1.1 under `/api/v1.1`,
 *   the orb registry's GraphQL at `/graphql-unstable`.
 * - Token `CIRCLECI_TOKEN` (a personal API token): sent as `Circle-Token` to the REST APIs and as the bare
 *   `Authorization` header to the GraphQL endpoint (as CircleCI's CLI does). It never appears in a
 *   result, a reason or a thrown error: answers are scrubbed of it before they are quoted.
 * - Pagination: `next_page_token` is sent back as `page-token`, at most `maxPages` pages per listing.
 * - 429 (and 502/503/504): wait `Retry-After` seconds (capped by `maxWaitMs`; exponential back-off when
 *   the header is absent), at most `maxRetries` times; then the call fails with the provider's status —
 *   the caller turns that into a RepoFailure for one project, never a failed scan.
 * - Every answer is parsed with a zod schema naming only the fields read (schemas.ts); anything else is
 *   `{ ok: false, reason }`. Nothing is thrown for a provider's answer.
 */
import type { z } from 'zod';
import { followedProjectSchema, graphqlSchema, pageSchema, type FollowedProject } from './schemas';

export const DEFAULT_CIRCLECI_URL = 'https://circleci.com';

/** The environment variables the CircleCI source and orb fetcher read. */
export interface CircleCiEnv {
  CIRCLECI_TOKEN?: string;
  CIRCLECI_URL?: string;
}

export interface CircleCiClientOptions {
  /** The fetch to use (default: Node's global fetch). */
  fetch?: typeof fetch;
  /** How to wait before a retry (default: setTimeout). */
  sleep?: (ms: number) => Promise<void>;
  /** Retries of one call after 429/502/503/504 (default 4). */
  maxRetries?: number;
  /** Longest single wait, ms (default 60 s): a longer Retry-After is cut to it. */
  maxWaitMs?: number;
  /** Most pages of one listing (default 100). */
  maxPages?: number;
}

export type ApiResult<T> = { ok: true; value: T } | { ok: false; status?: number; reason: string };
export type Page<T> = { ok: true; items: T[] } | { ok: false; status?: number; reason: string };

const RETRIED = new Set([429, 502, 503, 504]);
const MAX_REASON = 300;

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Retry-After as ms: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const s = header.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const at = Date.parse(s);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** First zod issue as `path: message`, for a reason. */
function issueText(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'unexpected shape';
  const where = issue.path.length > 0 ? issue.path.join('.') : '(root)';
  return `${where}: ${issue.message}`;
}

export class CircleCiClient {
  readonly baseUrl: string;
  private readonly token: string | undefined;
  private readonly fetchImpl: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly maxRetries: number;
  private readonly maxWaitMs: number;
  readonly maxPages: number;
  /** Requests sent (attempts included), for diagnostics and tests. */
  requests = 0;

  constructor(env: CircleCiEnv, options: CircleCiClientOptions = {}) {
    this.baseUrl = (env.CIRCLECI_URL?.trim() || DEFAULT_CIRCLECI_URL).replace(/\/+$/, '');
    const token = env.CIRCLECI_TOKEN?.trim();
    this.token = token === undefined || token === '' ? undefined : token;
    this.fetchImpl = options.fetch ?? fetch;
    this.sleep = options.sleep ?? defaultSleep;
    this.maxRetries = options.maxRetries ?? 4;
    this.maxWaitMs = options.maxWaitMs ?? 60_000;
    this.maxPages = options.maxPages ?? 100;
  }

  get hasToken(): boolean {
    return this.token !== undefined;
  }

  /** Text from CircleCI, cut short and with the token (should it be echoed) blanked out. */
  private scrub(text: string): string {
    const cut = text.length > MAX_REASON ? `${text.slice(0, MAX_REASON)}…` : text;
    return this.token === undefined ? cut : cut.split(this.token).join('[token]');
  }

  /** One call with bounded retries; the JSON body or why not. */
  private async call(url: string, init: RequestInit, what: string): Promise<ApiResult<unknown>> {
    for (let attempt = 0; ; attempt++) {
      this.requests++;
      let res: Response;
      try {
        res = await this.fetchImpl(url, init);
      } catch (err) {
        const code = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
        return { ok: false, reason: `CircleCI could not be reached for ${what} (${this.scrub(String(code))})` };
      }
      if (RETRIED.has(res.status) && attempt < this.maxRetries) {
        await res.body?.cancel().catch(() => undefined);
        const after = retryAfterMs(res.headers.get('retry-after'), Date.now());
        const wait = Math.min(this.maxWaitMs, after ?? 1000 * 2 ** attempt);
        await this.sleep(wait);
        continue;
      }
      let text: string;
      try {
        text = await res.text();
      } catch {
        return { ok: false, status: res.status, reason: `CircleCI's answer to ${what} could not be read (HTTP ${res.status})` };
      }
      if (!res.ok) {
        let message = '';
        try {
          const body: unknown = JSON.parse(text);
          if (typeof body === 'object' && body !== null && typeof (body as { message?: unknown }).message === 'string') message = (body as { message: string }).message;
        } catch {
          message = '';
        }
        const retried = RETRIED.has(res.status) ? ` after ${attempt} retries` : '';
        return { ok: false, status: res.status, reason: `CircleCI answered HTTP ${res.status} to ${what}${retried}${message ? `: ${this.scrub(message)}` : ''}` };
      }
      try {
        return { ok: true, value: JSON.parse(text) as unknown };
      } catch {
        return { ok: false, status: res.status, reason: `CircleCI's answer to ${what} is not JSON` };
      }
    }
  }

  private restHeaders(): Record<string, string> {
    const h: Record<string, string> = { accept: 'application/json' };
    if (this.token !== undefined) h['circle-token'] = this.token;
    return h;
  }

  private url(prefix: string, path: string, query: Record<string, string | undefined>): string {
    const u = new URL(`${this.baseUrl}${prefix}${path}`);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) u.searchParams.set(k, v);
    return u.toString();
  }

  private parse<S extends z.ZodType>(r: ApiResult<unknown>, schema: S, what: string): ApiResult<z.infer<S>> {
    if (!r.ok) return r;
    const parsed = schema.safeParse(r.value);
    if (!parsed.success) return { ok: false, reason: `CircleCI's answer to ${what} has an unexpected shape (${issueText(parsed.error)})` };
    return { ok: true, value: parsed.data };
  }

  /** GET `/api/v2<path>`; `path` segments must already be encoded. */
  async v2<S extends z.ZodType>(path: string, query: Record<string, string | undefined>, schema: S, what: string): Promise<ApiResult<z.infer<S>>> {
    const r = await this.call(this.url('/api/v2', path, query), { method: 'GET', headers: this.restHeaders() }, what);
    return this.parse(r, schema, what);
  }

  /**
   * The pages of a v2 listing, one yield per page, newest first as CircleCI lists them. A failed page is
   * yielded as `{ ok: false }` and ends the listing; so does reaching `maxPages` while more pages exist.
   * The consumer may stop early (break).
   */
  async *pages<S extends z.ZodType>(path: string, query: Record<string, string | undefined>, item: S, what: string, maxPages = this.maxPages): AsyncGenerator<Page<z.infer<S>>> {
    let token: string | undefined;
    for (let n = 0; ; n++) {
      if (n >= maxPages) {
        yield { ok: false, reason: `${what}: stopped after ${maxPages} pages; the rest were not read` };
        return;
      }
      const r = await this.v2(path, { ...query, 'page-token': token }, pageSchema(item), what);
      if (!r.ok) {
        yield r;
        return;
      }
      yield { ok: true, items: r.value.items as Array<z.infer<S>> };
      const next = r.value.next_page_token;
      if (next === null || next === undefined || next === '') return;
      token = next;
    }
  }

  /** v1.1 `GET /api/v1.1/projects`: the projects the token's user follows (outside the v2 spec; schemas.ts). */
  async followedProjects(): Promise<ApiResult<FollowedProject[]>> {
    const what = 'the followed projects (v1.1 /projects)';
    const r = await this.call(this.url('/api/v1.1', '/projects', {}), { method: 'GET', headers: this.restHeaders() }, what);
    if (!r.ok) return r;
    if (!Array.isArray(r.value)) return { ok: false, reason: `CircleCI's answer to ${what} is not a list` };
    // Entries of another shape are skipped one by one, not the whole list.
    const out: FollowedProject[] = [];
    for (const entry of r.value) {
      const p = followedProjectSchema.safeParse(entry);
      if (p.success) out.push(p.data);
    }
    return { ok: true, value: out };
  }

  /** POST `/graphql-unstable` (the orb registry); GraphQL errors become the reason. */
  async graphql<S extends z.ZodType>(query: string, variables: Record<string, string>, data: S, what: string): Promise<ApiResult<z.infer<S>>> {
    const headers: Record<string, string> = { accept: 'application/json', 'content-type': 'application/json' };
    if (this.token !== undefined) headers.authorization = this.token;
    const r = await this.call(`${this.baseUrl}/graphql-unstable`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) }, what);
    const parsed = this.parse(r, graphqlSchema(data), what);
    if (!parsed.ok) return parsed;
    const { data: value, errors } = parsed.value as { data?: z.infer<S> | null; errors?: Array<{ message: string }> };
    if (errors !== undefined && errors.length > 0) {
      return { ok: false, reason: `CircleCI's orb registry answered ${what} with an error: ${this.scrub(errors.map((e) => e.message).join('; '))}` };
    }
    if (value === undefined || value === null) return { ok: false, reason: `CircleCI's orb registry gave no data for ${what}` };
    return { ok: true, value };
  }
}

/** A project slug as a URL path: each `/`-separated segment percent-encoded (`gh/acme/x`, `circleci/<org-id>/<project-id>`). */
export function slugPath(slug: string): string {
  return slug
    .split('/')
    .map((s) => encodeURIComponent(s))
    .join('/');
}

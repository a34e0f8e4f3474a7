/**
 * IMPERATIVE SHELL: the one HTTP client for GitHub (api.github.com or a GitHub Enterprise Server), used by
 * the GitHub RepoSource and the GitHub ComponentFetcher.
 *
 *   graphql(query)  POST <graphql URL>            — answers are zod-checked by the caller
 *   restJson(path)  GET  <api URL><path>           — ETag / If-None-Match, a 304 reuses the cached body
 *
 * Rate limits, as GitHub documents them: every answer's `x-ratelimit-*` headers (and a GraphQL answer's
 * `rateLimit { cost remaining resetAt }`) are remembered; when the budget left is below what the next call
 * costs, the client waits until the reset (at most `maxWaitMs`, else the call fails with the reset time).
 * A primary limit hit anyway (403/429, or GraphQL's 200 with `RATE_LIMITED`, with remaining 0) waits for the
 * reset and retries; a secondary limit (403/429 with `retry-after` or the secondary-limit message) waits
 * `retry-after` seconds, else `secondaryBackoffMs` doubling per attempt; 5xx and network errors back off
 * too. After `maxRetries` retries the call fails with a GitHubApiError — the caller turns it into
 * RepoFailures for the repositories it was about, and the scan goes on.
 *
 * The token is sent as `Authorization: Bearer` and appears in no message, error or log.
 */
import { z } from 'zod';

export type GitHubErrorKind = 'auth' | 'not-found' | 'rate-limit' | 'secondary-limit' | 'server' | 'network' | 'bad-response' | 'graphql' | 'forbidden';

/** A call GitHub would not answer; `message` holds GitHub's own words and the status, never a credential. */
export class GitHubApiError extends Error {
  constructor(
    readonly kind: GitHubErrorKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'GitHubApiError';
  }
}

export interface GitHubClientOptions {
  /** REST base: `https://api.github.com` (default) or `https://HOST/api/v3` (GitHub Enterprise Server). */
  apiUrl?: string;
  /** GraphQL endpoint; default `<apiUrl>/graphql`, or `https://HOST/api/graphql` for an `/api/v3` base. */
  graphqlUrl?: string;
  token?: string;
  /** Retries per call after a rate limit, 5xx or network error (default 4). */
  maxRetries?: number;
  /** Longest wait for a primary rate-limit reset (default 65 minutes); a later reset fails the call. */
  maxWaitMs?: number;
  /** First wait after a secondary limit that names no `retry-after` (default 60 s, doubling). */
  secondaryBackoffMs?: number;
  /** First wait after a 5xx or network error (default 1 s, doubling). */
  serverBackoffMs?: number;
  /** Most REST answers kept for conditional requests (default 2,000). */
  etagCacheSize?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export interface GitHubCallStats {
  graphql: number;
  rest: number;
  /** REST answers that were 304 Not Modified (served from the ETag cache). */
  notModified: number;
  /** Waits for a rate limit (primary or secondary) and their total length. */
  waits: number;
  waitedMs: number;
  /** Points the GraphQL answers said they cost (`rateLimit.cost`). */
  graphqlCost: number;
}

/** A GraphQL error as GitHub reports it (`type` is GitHub's, e.g. NOT_FOUND, RATE_LIMITED). */
export interface GraphQLErrorInfo {
  message: string;
  type?: string;
  path?: Array<string | number>;
}

const GraphQLErrorSchema = z.object({
  message: z.string(),
  type: z.string().optional(),
  path: z.array(z.union([z.string(), z.number()])).optional(),
});
const GraphQLBodySchema = z.object({
  data: z.unknown().optional(),
  errors: z.array(GraphQLErrorSchema).optional(),
});
const RateLimitSchema = z.object({ cost: z.number(), remaining: z.number(), resetAt: z.string() });
const MessageSchema = z.object({ message: z.string() }).partial();

const DEFAULT_API = 'https://api.github.com';

/** The GraphQL endpoint for a REST base URL: GHES `https://HOST/api/v3` → `https://HOST/api/graphql`. */
export function graphqlUrlFor(apiUrl: string): string {
  const base = apiUrl.replace(/\/+$/, '');
  return /\/api\/v3$/.test(base) ? `${base.slice(0, -3)}/graphql` : `${base}/graphql`;
}

interface Budget {
  remaining: number;
  /** ms since the epoch. */
  resetAt: number;
}

function header(res: Response, name: string): string | undefined {
  return res.headers.get(name) ?? undefined;
}

function isSecondaryMessage(message: string): boolean {
  return /secondary rate limit|abuse detection/i.test(message);
}

export class GitHubClient {
  readonly apiUrl: string;
  readonly graphqlUrl: string;
  readonly stats: GitHubCallStats = { graphql: 0, rest: 0, notModified: 0, waits: 0, waitedMs: 0, graphqlCost: 0 };
  private readonly token: string | undefined;
  private readonly opts: Required<Omit<GitHubClientOptions, 'apiUrl' | 'graphqlUrl' | 'token'>>;
  private readonly budgets = new Map<string, Budget>();
  private lastGraphqlCost = 1;
  private readonly etags = new Map<string, { etag: string; body: unknown }>();

  constructor(options: GitHubClientOptions = {}) {
    this.apiUrl = (options.apiUrl ?? DEFAULT_API).replace(/\/+$/, '');
    this.graphqlUrl = options.graphqlUrl ?? graphqlUrlFor(this.apiUrl);
    this.token = options.token;
    this.opts = {
      maxRetries: options.maxRetries ?? 4,
      maxWaitMs: options.maxWaitMs ?? 65 * 60_000,
      secondaryBackoffMs: options.secondaryBackoffMs ?? 60_000,
      serverBackoffMs: options.serverBackoffMs ?? 1000,
      etagCacheSize: options.etagCacheSize ?? 2000,
      sleep: options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
      now: options.now ?? Date.now,
    };
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const h: Record<string, string> = {
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
      'user-agent': 'ci-exposure',
      ...extra,
    };
    if (this.token !== undefined && this.token !== '') h.authorization = `Bearer ${this.token}`;
    return h;
  }

  private async wait(ms: number): Promise<void> {
    this.stats.waits++;
    this.stats.waitedMs += ms;
    await this.opts.sleep(ms);
  }

  /** Waits until the reset when the remembered budget of `resource` cannot pay `cost`. */
  private async respectBudget(resource: string, cost: number): Promise<void> {
    const b = this.budgets.get(resource);
    if (!b || b.remaining >= cost) return;
    const ms = b.resetAt - this.opts.now();
    if (ms <= 0) {
      this.budgets.delete(resource);
      return;
    }
    if (ms > this.opts.maxWaitMs) {
      throw new GitHubApiError('rate-limit', `GitHub ${resource} rate limit exhausted until ${new Date(b.resetAt).toISOString()} (longer than the ${Math.round(this.opts.maxWaitMs / 1000)} s the scan waits)`);
    }
    await this.wait(ms + 250);
    this.budgets.delete(resource);
  }

  private remember(res: Response, fallbackResource: string): void {
    const remaining = Number(header(res, 'x-ratelimit-remaining'));
    const reset = Number(header(res, 'x-ratelimit-reset'));
    if (!Number.isFinite(remaining) || !Number.isFinite(reset) || header(res, 'x-ratelimit-remaining') === undefined) return;
    this.budgets.set(header(res, 'x-ratelimit-resource') ?? fallbackResource, { remaining, resetAt: reset * 1000 });
  }

  /**
   * How long to wait before retrying a refused call, or undefined when it must not be retried.
   * `message` is GitHub's; `attempt` counts from 0.
   */
  private retryDelay(res: Response, message: string, attempt: number, resource: string): { ms: number; kind: GitHubErrorKind } | undefined {
    const retryAfter = Number(header(res, 'retry-after'));
    const remaining = header(res, 'x-ratelimit-remaining');
    if (remaining === '0' && !isSecondaryMessage(message)) {
      const reset = Number(header(res, 'x-ratelimit-reset')) * 1000;
      const ms = Number.isFinite(reset) ? reset - this.opts.now() + 250 : this.opts.secondaryBackoffMs;
      if (ms > this.opts.maxWaitMs) {
        throw new GitHubApiError('rate-limit', `GitHub ${resource} rate limit exhausted until ${new Date(reset).toISOString()} (longer than the scan waits)`, res.status);
      }
      return { ms: Math.max(ms, 0), kind: 'rate-limit' };
    }
    if (Number.isFinite(retryAfter) && header(res, 'retry-after') !== undefined) return { ms: retryAfter * 1000, kind: 'secondary-limit' };
    if (isSecondaryMessage(message)) return { ms: this.opts.secondaryBackoffMs * 2 ** attempt, kind: 'secondary-limit' };
    return undefined;
  }

  /** One HTTP exchange with retries; returns the response and its parsed JSON body (undefined for 304). */
  private async exchange(url: string, init: RequestInit, resource: string, cost: number): Promise<{ res: Response; body: unknown }> {
    let lastError: GitHubApiError | undefined;
    for (let attempt = 0; attempt <= this.opts.maxRetries; attempt++) {
      await this.respectBudget(resource, cost);
      let res: Response;
      try {
        res = await fetch(url, init);
      } catch (err) {
        lastError = new GitHubApiError('network', `GitHub could not be reached: ${(err as Error).message}`);
        if (attempt < this.opts.maxRetries) await this.opts.sleep(this.opts.serverBackoffMs * 2 ** attempt);
        continue;
      }
      this.remember(res, resource);
      if (res.status === 304) return { res, body: undefined };
      if (init.redirect === 'manual' && res.status >= 301 && res.status <= 308 && res.status !== 304) {
        await res.body?.cancel();
        return { res, body: undefined };
      }
      const text = await res.text();
      let body: unknown;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        body = undefined;
      }
      const message = MessageSchema.safeParse(body).data?.message ?? '';
      const rateLimited = resource === 'graphql' && res.status === 200 ? graphqlRateLimited(body) : undefined;
      if (res.status === 403 || res.status === 429 || rateLimited !== undefined) {
        const why = rateLimited ?? message;
        const delay = this.retryDelay(res, why, attempt, resource);
        if (delay) {
          lastError = new GitHubApiError(delay.kind, `GitHub ${delay.kind === 'rate-limit' ? 'rate limit' : 'secondary rate limit'} (HTTP ${res.status}${why === '' ? '' : `: ${why}`})`, res.status);
          if (attempt < this.opts.maxRetries) await this.wait(delay.ms);
          continue;
        }
        if (rateLimited === undefined) throw new GitHubApiError('forbidden', `GitHub answered HTTP ${res.status}${message === '' ? '' : `: ${message}`}`, res.status);
      }
      if (res.status === 401) throw new GitHubApiError('auth', `GitHub answered HTTP 401${message === '' ? '' : `: ${message}`} (is GITHUB_TOKEN set and valid?)`, 401);
      if (res.status === 404) throw new GitHubApiError('not-found', `GitHub answered HTTP 404${message === '' ? '' : `: ${message}`}`, 404);
      if (res.status >= 500) {
        lastError = new GitHubApiError('server', `GitHub answered HTTP ${res.status}${message === '' ? '' : `: ${message}`}`, res.status);
        if (attempt < this.opts.maxRetries) await this.opts.sleep(this.opts.serverBackoffMs * 2 ** attempt);
        continue;
      }
      if (res.status < 200 || res.status >= 300) throw new GitHubApiError('bad-response', `GitHub answered HTTP ${res.status}${message === '' ? '' : `: ${message}`}`, res.status);
      return { res, body };
    }
    const e = lastError ?? new GitHubApiError('server', 'GitHub did not answer');
    throw new GitHubApiError(e.kind, `${e.message}; gave up after ${this.opts.maxRetries} retries`, e.status);
  }

  /**
   * Runs a GraphQL document. Returns the data (checked with `schema`) and GitHub's partial errors (e.g.
   * NOT_FOUND for one alias); throws when there is no data at all.
   */
  async graphql<T>(query: string, variables: Record<string, unknown>, schema: z.ZodType<T>): Promise<{ data: T; errors: GraphQLErrorInfo[] }> {
    this.stats.graphql++;
    const { body } = await this.exchange(
      this.graphqlUrl,
      { method: 'POST', headers: this.headers({ 'content-type': 'application/json' }), body: JSON.stringify({ query, variables }) },
      'graphql',
      this.lastGraphqlCost,
    );
    const parsed = GraphQLBodySchema.safeParse(body);
    if (!parsed.success) throw new GitHubApiError('bad-response', 'GitHub GraphQL answer is not a GraphQL response');
    const errors = parsed.data.errors ?? [];
    if (parsed.data.data === undefined || parsed.data.data === null) {
      throw new GitHubApiError('graphql', `GitHub GraphQL: ${errors.map((e) => e.message).join('; ') || 'no data'}`);
    }
    const rate = z.object({ rateLimit: RateLimitSchema.nullable().optional() }).safeParse(parsed.data.data);
    const rl = rate.success ? rate.data.rateLimit : undefined;
    if (rl) {
      this.lastGraphqlCost = Math.max(1, rl.cost);
      this.stats.graphqlCost += rl.cost;
      const resetAt = Date.parse(rl.resetAt);
      if (Number.isFinite(resetAt)) this.budgets.set('graphql', { remaining: rl.remaining, resetAt });
    }
    const data = schema.safeParse(parsed.data.data);
    if (!data.success) {
      const issue = data.error.issues[0];
      throw new GitHubApiError('bad-response', `GitHub GraphQL answer has an unexpected shape at ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? ''}`);
    }
    return { data: data.data, errors };
  }

  /** GET `path` (under the REST base), expecting a redirect; resolves to its `Location` (not followed). */
  async restLocation(path: string): Promise<string> {
    this.stats.rest++;
    const { res } = await this.exchange(`${this.apiUrl}${path}`, { headers: this.headers(), redirect: 'manual' }, 'core', 1);
    const location = header(res, 'location');
    if (res.status < 300 || res.status >= 400 || location === undefined) {
      throw new GitHubApiError('bad-response', `GitHub answered HTTP ${res.status} without a redirect for ${path}`, res.status);
    }
    return new URL(location, `${this.apiUrl}/`).toString();
  }

  /** GET `path` (under the REST base) as JSON, conditional on the ETag of the last answer for the same URL. */
  async restJson<T>(path: string, schema: z.ZodType<T>): Promise<T> {
    this.stats.rest++;
    const url = `${this.apiUrl}${path}`;
    const cached = this.etags.get(url);
    const { res, body } = await this.exchange(url, { headers: this.headers(cached ? { 'if-none-match': cached.etag } : {}) }, 'core', 1);
    let value: unknown = body;
    if (res.status === 304) {
      if (!cached) throw new GitHubApiError('bad-response', 'GitHub answered 304 Not Modified to an unconditional request');
      this.stats.notModified++;
      value = cached.body;
    } else {
      const etag = header(res, 'etag');
      if (etag !== undefined) {
        if (this.etags.size >= this.opts.etagCacheSize) this.etags.delete(this.etags.keys().next().value as string);
        this.etags.set(url, { etag, body });
      }
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new GitHubApiError('bad-response', `GitHub REST answer for ${path} has an unexpected shape at ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? ''}`);
    }
    return parsed.data;
  }
}

/** GitHub's primary-limit answer to a GraphQL call: HTTP 200, no data, an error of type RATE_LIMITED. */
function graphqlRateLimited(body: unknown): string | undefined {
  const parsed = GraphQLBodySchema.safeParse(body);
  if (!parsed.success) return undefined;
  const hit = (parsed.data.errors ?? []).find((e) => e.type === 'RATE_LIMITED' || /rate limit/i.test(e.message));
  return hit && (parsed.data.data === undefined || parsed.data.data === null) ? hit.message : undefined;
}

/** Client options from the environment: GITHUB_TOKEN, GITHUB_API_URL, GITHUB_GRAPHQL_URL. */
export function clientOptionsFromEnv(env: Readonly<Record<string, string | undefined>>): GitHubClientOptions {
  const o: GitHubClientOptions = {};
  if (env.GITHUB_TOKEN) o.token = env.GITHUB_TOKEN;
  if (env.GITHUB_API_URL) o.apiUrl = env.GITHUB_API_URL;
  if (env.GITHUB_GRAPHQL_URL) o.graphqlUrl = env.GITHUB_GRAPHQL_URL;
  return o;
}

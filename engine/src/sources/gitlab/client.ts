/**
 * IMPERATIVE SHELL: a small GitLab REST API v4 client (Node's global fetch). Read-only GETs under
 * `<instance>/api/v4`, the token sent as `PRIVATE-TOKEN` and only to the instance's own origin, offset
 * pagination (`x-next-page`, else `Link: rel="next"`; `x-total` is absent above 10,000 records, so
 * nothing relies on it), and GitLab's rate limits: when `RateLimit-Remaining` reaches 0 the next call
 * waits for `RateLimit-Reset`; a 429 waits for `Retry-After` (else `RateLimit-ResetTime`, else
 * `RateLimit-Reset`) and retries, a bounded number of times within a bounded total wait. 5xx and network
 * errors are retried twice. Every answer is data — `{ ok: false, status, reason }` with GitLab's own
 * message — never a throw, and never carries the token. Bodies are parsed with zod schemas that name
 * only the fields read (everything else, such as a variable's value, is dropped by the parse).
 *
 * No conditional requests (`If-None-Match`): GitLab's REST documentation promises no ETag on the calls
 * used; the ETag caching it documents is for polling endpoints and keys on the path only, ignoring query
 * parameters (`?ref=`), so a 304 could stand for another ref's answer — a stale answer is worse than a
 * full one.
 *
 * Bodies are streamed with a byte cap: a JSON answer larger than `maxResponseBytes` (default 64 MB) is a
 * failure, read no further; a caller that can use a prefix (a job log: `getRaw(url, { maxBytes,
 * truncate: true })`) gets the bytes up to the cap, `truncated`, and the sha256 of the raw bytes read.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';

export interface GitLabClientOptions {
  /** The instance: `https://gitlab.com`, `https://gitlab.example.com[/prefix]` (without `/api/v4`). */
  baseUrl: string;
  token?: string;
  fetch?: typeof fetch;
  /** Waits (tests pass a recorder that does not really wait). */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** Retries of one call after a 429 (default 5). */
  maxRateLimitRetries?: number;
  /** Longest single wait for a rate limit (default 60 s). */
  maxWaitMs?: number;
  /** Longest total wait for rate limits over the client's life (default 15 min). */
  maxTotalWaitMs?: number;
  /** Most items one listing reads (default 100,000). */
  maxItems?: number;
  /** The largest answer read whole (default 64 MB); larger is a failure (getRaw `truncate`: a prefix). */
  maxResponseBytes?: number;
}

/** How getRaw reads a body: up to `maxBytes` (default the client's `maxResponseBytes`); `truncate`: keep the prefix instead of failing. */
export interface RawOptions {
  maxBytes?: number;
  truncate?: boolean;
}

export type RawAnswer =
  | {
      ok: true;
      body: string;
      headers: Headers;
      /** Bytes read (the whole body, or `maxBytes` when truncated). */
      bytes: number;
      /** sha256 (hex) of the raw bytes read. */
      sha256: string;
      /** The body is longer than `maxBytes`: not read past it. */
      truncated: boolean;
    }
  | { ok: false; status: number; reason: string };

/** A project's visibility and whether its jobs (and their logs) are visible to non-members. */
export type ProjectVisibility = { ok: true; visibility: 'public' | 'internal' | 'private'; publicJobs?: boolean } | { ok: false; reason: string };

const projectVisibilitySchema = z.object({ visibility: z.enum(['public', 'internal', 'private']), public_jobs: z.boolean().optional() });

/** The most bytes of an error answer read (its message is in the first line). */
const MAX_ERROR_BYTES = 64 * 1024;

/** `67108864` → `64 MB`, `4096` → `4 KB`, else in bytes. */
export function sizeText(bytes: number): string {
  if (bytes > 0 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MB`;
  if (bytes > 0 && bytes % 1024 === 0) return `${bytes / 1024} KB`;
  return `${bytes} bytes`;
}

/** Reads a body up to `max` bytes, then stops (cancels the stream): the bytes read, and whether there was more. */
async function readCapped(res: Response, max: number): Promise<{ data: Buffer; truncated: boolean }> {
  const reader = res.body?.getReader();
  if (!reader) return { data: Buffer.alloc(0), truncated: false };
  const chunks: Buffer[] = [];
  let size = 0;
  for (;;) {
    const chunk = await reader.read();
    if (chunk.done) return { data: Buffer.concat(chunks, size), truncated: false };
    const room = max - size;
    if (chunk.value.byteLength > room) {
      if (room > 0) chunks.push(Buffer.from(chunk.value.buffer, chunk.value.byteOffset, room));
      await reader.cancel().catch(() => undefined);
      return { data: Buffer.concat(chunks, max), truncated: true };
    }
    chunks.push(Buffer.from(chunk.value.buffer, chunk.value.byteOffset, chunk.value.byteLength));
    size += chunk.value.byteLength;
  }
}

export type GitLabResult<T> = { ok: true; data: T; headers: Headers } | { ok: false; status: number; reason: string };

export type Query = Record<string, string | number | boolean | undefined>;

const RETRIES_5XX = 2;

/** `https://host/prefix/` → `https://host/prefix` (no trailing slash). */
function trimBase(url: string): string {
  return url.replace(/\/+$/, '');
}

/** GitLab's message from an error body (`{"message": …}` or `{"error": …}`), else its first line. */
function errorText(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null) {
      const o = parsed as Record<string, unknown>;
      const m = o.message ?? o.error;
      if (typeof m === 'string') return m;
      if (m !== undefined) return JSON.stringify(m).slice(0, 300);
    }
  } catch {
    // not JSON: plain text below
  }
  return body.split('\n')[0]?.slice(0, 300) ?? '';
}

export class GitLabClient {
  readonly apiUrl: string;
  private readonly origin: string;
  private readonly fetchImpl: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly maxRetries: number;
  private readonly maxWaitMs: number;
  private readonly maxItems: number;
  private readonly maxResponseBytes: number;
  private readonly visibilities = new Map<string, Promise<ProjectVisibility>>();
  private waitLeftMs: number;
  /** Unix ms until which the instance said no request is left (`RateLimit-Remaining: 0`). */
  private blockedUntil = 0;
  /** Calls made and time waited for rate limits (for progress and the benchmark). */
  readonly stats = { calls: 0, rateLimited: 0, waitedMs: 0 };

  constructor(private readonly options: GitLabClientOptions) {
    this.apiUrl = `${trimBase(options.baseUrl)}/api/v4`;
    this.origin = new URL(this.apiUrl).origin;
    this.fetchImpl = options.fetch ?? fetch;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.now = options.now ?? Date.now;
    this.maxRetries = options.maxRateLimitRetries ?? 5;
    this.maxWaitMs = options.maxWaitMs ?? 60_000;
    this.waitLeftMs = options.maxTotalWaitMs ?? 15 * 60_000;
    this.maxItems = options.maxItems ?? 100_000;
    this.maxResponseBytes = options.maxResponseBytes ?? 64 * 1024 * 1024;
  }

  /** `path` is relative to `/api/v4` and already encoded (`/projects/group%2Fproject`). */
  url(path: string, query: Query = {}): string {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) q.set(k, String(v));
    const s = q.toString();
    return `${this.apiUrl}${path}${s === '' ? '' : `?${s}`}`;
  }

  private async wait(ms: number): Promise<boolean> {
    const bounded = Math.min(Math.max(ms, 0), this.maxWaitMs);
    if (bounded > this.waitLeftMs) return false;
    this.waitLeftMs -= bounded;
    this.stats.waitedMs += bounded;
    if (bounded > 0) await this.sleep(bounded);
    return true;
  }

  /** How long a 429 asks to wait, in ms. */
  private retryDelay(headers: Headers): number {
    const after = headers.get('retry-after');
    if (after !== null && /^\d+$/.test(after.trim())) return Number(after.trim()) * 1000;
    const resetTime = headers.get('ratelimit-resettime');
    if (resetTime !== null && !Number.isNaN(Date.parse(resetTime))) return Date.parse(resetTime) - this.now();
    const reset = headers.get('ratelimit-reset');
    if (reset !== null && /^\d+$/.test(reset.trim())) return Number(reset.trim()) * 1000 - this.now();
    return this.maxWaitMs;
  }

  private noteRemaining(headers: Headers): void {
    const remaining = headers.get('ratelimit-remaining');
    const reset = headers.get('ratelimit-reset');
    if (remaining !== null && remaining.trim() === '0' && reset !== null && /^\d+$/.test(reset.trim())) {
      this.blockedUntil = Number(reset.trim()) * 1000;
    }
  }

  /**
   * One GET of an absolute URL on this instance, with the rate-limit and retry rules; the raw body, read
   * up to `options.maxBytes` (default `maxResponseBytes`): past it a failure, or with `truncate` the prefix.
   */
  async getRaw(url: string, options: RawOptions = {}): Promise<RawAnswer> {
    const max = options.maxBytes ?? this.maxResponseBytes;
    if (new URL(url).origin !== this.origin) {
      // A `Link` pointing elsewhere is not followed: the token is only ever sent to the instance.
      return { ok: false, status: 0, reason: `GitLab pointed to another host (${new URL(url).host}); not followed` };
    }
    const where = new URL(url).pathname.replace(/^.*?\/api\/v4/, '');
    let limited = 0;
    let failures = 0;
    for (;;) {
      if (this.blockedUntil > this.now()) {
        // Out of requests until the reset: wait for it (bounded), then try; a 429 is handled below.
        await this.wait(this.blockedUntil - this.now());
        this.blockedUntil = 0;
      }
      const headers: Record<string, string> = { accept: 'application/json' };
      if (this.options.token) headers['PRIVATE-TOKEN'] = this.options.token;
      let res: Response;
      this.stats.calls++;
      try {
        res = await this.fetchImpl(url, { headers, redirect: 'manual' });
      } catch (err) {
        const code = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
        if (++failures <= RETRIES_5XX) {
          await this.wait(500 * failures);
          continue;
        }
        return { ok: false, status: 0, reason: `GitLab at ${this.origin} could not be reached (${code})` };
      }
      this.noteRemaining(res.headers);
      if (res.status === 200) {
        let read: { data: Buffer; truncated: boolean };
        try {
          read = await readCapped(res, max);
        } catch (err) {
          const code = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
          return { ok: false, status: 0, reason: `GitLab's answer for ${where} broke off (${code})` };
        }
        if (read.truncated && options.truncate !== true) return { ok: false, status: 200, reason: `GitLab's answer for ${where} is larger than ${sizeText(max)}: not read past it` };
        return { ok: true, body: read.data.toString('utf8'), headers: res.headers, bytes: read.data.byteLength, sha256: createHash('sha256').update(read.data).digest('hex'), truncated: read.truncated };
      }
      const body = (await readCapped(res, MAX_ERROR_BYTES).catch(() => ({ data: Buffer.alloc(0) }))).data.toString('utf8');
      if (res.status === 429) {
        this.stats.rateLimited++;
        if (limited++ < this.maxRetries && (await this.wait(this.retryDelay(res.headers)))) continue;
        return { ok: false, status: 429, reason: `GitLab rate limit: ${errorText(body) || 'Retry later'} (gave up on ${where} after ${limited} tries)` };
      }
      if (res.status >= 500 && ++failures <= RETRIES_5XX) {
        await this.wait(1000 * failures);
        continue;
      }
      if (res.status >= 300 && res.status < 400) {
        return { ok: false, status: res.status, reason: `GitLab answered ${res.status} (moved to ${res.headers.get('location') ?? 'an unknown place'}) for ${where}` };
      }
      return { ok: false, status: res.status, reason: `GitLab answered ${res.status}: ${errorText(body)} (${where})` };
    }
  }

  /**
   * A project's visibility (`GET /projects/:id`: `visibility`, and `public_jobs`: whether non-members see
   * its jobs and their logs), asked once per project for the client's life.
   */
  projectVisibility(project: string): Promise<ProjectVisibility> {
    const key = project.toLowerCase();
    let p = this.visibilities.get(key);
    if (!p) {
      p = this.get(`/projects/${encodePathParam(project)}`, {}, projectVisibilitySchema).then((r): ProjectVisibility => {
        if (!r.ok) return { ok: false, reason: r.reason };
        return { ok: true, visibility: r.data.visibility, ...(r.data.public_jobs === undefined ? {} : { publicJobs: r.data.public_jobs }) };
      });
      this.visibilities.set(key, p);
    }
    return p;
  }

  /** One GET parsed with `schema`. */
  async get<T>(path: string, query: Query, schema: z.ZodType<T>): Promise<GitLabResult<T>> {
    const raw = await this.getRaw(this.url(path, query));
    if (!raw.ok) return raw;
    return this.parse(raw.body, schema, path, raw.headers);
  }

  private parse<T>(body: string, schema: z.ZodType<T>, path: string, headers: Headers): GitLabResult<T> {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return { ok: false, status: 200, reason: `GitLab's answer for ${path} is not JSON` };
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return { ok: false, status: 200, reason: `GitLab's answer for ${path} is not as documented (${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'})` };
    }
    return { ok: true, data: parsed.data, headers };
  }

  /**
   * Every item of an offset-paginated listing (`per_page=100`). Follows `x-next-page` (empty on the last
   * page), else `Link: rel="next"`. `onPage` gets the running count and `x-total` when GitLab sends it.
   */
  async list<T>(path: string, query: Query, item: z.ZodType<T>, onPage?: (count: number, total?: number) => void): Promise<GitLabResult<T[]>> {
    const out: T[] = [];
    let url: string | undefined = this.url(path, { ...query, per_page: 100 });
    let headers = new Headers();
    const seen = new Set<string>();
    while (url !== undefined) {
      if (seen.has(url)) return { ok: false, status: 0, reason: `GitLab's pagination of ${path} loops` };
      seen.add(url);
      const raw = await this.getRaw(url);
      if (!raw.ok) return raw;
      headers = raw.headers;
      const page = this.parse(raw.body, item.array(), path, raw.headers);
      if (!page.ok) return page;
      out.push(...page.data);
      const total = raw.headers.get('x-total');
      onPage?.(out.length, total !== null && /^\d+$/.test(total) ? Number(total) : undefined);
      if (out.length >= this.maxItems) return { ok: false, status: 0, reason: `more than ${this.maxItems} entries in ${path}; not read further` };
      url = nextPage(url, raw.headers);
    }
    return { ok: true, data: out, headers };
  }
}

/** The next page's URL: `x-next-page` when sent (empty = the last page), else `Link: <…>; rel="next"`. */
export function nextPage(current: string, headers: Headers): string | undefined {
  const next = headers.get('x-next-page');
  if (next !== null) {
    if (!/^\d+$/.test(next.trim())) return undefined;
    const u = new URL(current);
    u.searchParams.set('page', next.trim());
    return u.toString();
  }
  const link = headers.get('link');
  if (link === null) return undefined;
  for (const part of link.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (m?.[1] !== undefined) return m[1];
  }
  return undefined;
}

/** A path parameter (`group/sub`, `ci/build.yml`, a ref with `/`) as one URL segment. */
export function encodePathParam(value: string): string {
  return encodeURIComponent(value);
}

/**
 * The bridge's Mattermost REST client: `@mattermost/client`'s Client4 with its fetch replaced by one
 * that retries 429 and 5xx (and network failures) with backoff, honouring `Retry-After` and
 * `X-Ratelimit-Reset` (whole seconds until the reset, §3), and that throws a typed MattermostError.
 * Only the calls the bridge makes are exposed, each with its answer validated by zod.
 * Tokens never appear in errors or logs.
 */
import { Client4 } from '@mattermost/client';
import type { Options } from '@mattermost/types/client4';
import { z } from 'zod';
import { ChatError } from '../incidents/ports';
import type { Logger } from '../logger';

/** A failed Mattermost call; to the incident use cases it is a ChatError (status and error id). */
export class MattermostError extends ChatError {
  constructor(
    status: number,
    /** Mattermost's i18n error id (e.g. `store.sql_channel.save_channel.exists.app_error`), or ''. */
    readonly id: string,
    message: string,
    readonly method: string,
    readonly path: string,
  ) {
    super(status, id, `${method} ${path}: ${status === 0 ? 'network error' : `HTTP ${status}`}${id ? ` ${id}` : ''}: ${message}`);
    this.name = 'MattermostError';
  }
}

export function isNotFound(err: unknown): boolean {
  return err instanceof MattermostError && err.status === 404;
}

export interface RetryPolicy {
  /** Attempts in total (1 = no retry). */
  attempts: number;
  baseDelayMs: number;
  /** Upper bound for one wait, also for a server-given Retry-After / X-Ratelimit-Reset. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 200, maxDelayMs: 15_000 };

export interface ClientMetrics {
  request(method: string, status: number): void;
  retry(): void;
}

const appError = z.object({ id: z.string().optional(), message: z.string().optional() }).passthrough();

/** The wait before the next attempt: the server's hint when it gives one, else exponential backoff. */
export function retryDelay(attempt: number, headers: Headers | undefined, policy: RetryPolicy): number {
  const hint = headers?.get('Retry-After') ?? headers?.get('X-Ratelimit-Reset');
  if (hint !== null && hint !== undefined && /^\d+(\.\d+)?$/.test(hint.trim())) {
    return Math.min(policy.maxDelayMs, Math.max(0, Number(hint) * 1000));
  }
  const exp = policy.baseDelayMs * 2 ** (attempt - 1);
  return Math.min(policy.maxDelayMs, exp + Math.floor(Math.random() * policy.baseDelayMs));
}

function retryable(status: number): boolean {
  return status === 0 || status === 429 || status === 502 || status === 503 || status === 504 || status === 500;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

type FetchOptions = Options;

class RetryingClient4 extends Client4 {
  constructor(
    private readonly policy: RetryPolicy,
    private readonly metrics: ClientMetrics | undefined,
    private readonly logger: Logger | undefined,
  ) {
    super();
  }

  /** Calls whose 5xx or network failure is not retried: Mattermost may have done them (a post created). */
  private readonly noAmbiguousRetry = new WeakSet<FetchOptions>();

  /** Replaces Client4's fetch for every call made through this client. */
  protected override doFetch = async <T>(url: string, options: FetchOptions): Promise<T> => {
    const method = (options.method ?? 'get').toUpperCase();
    const path = url.replace(this.getUrl(), '').split('?')[0] ?? url;
    for (let attempt = 1; ; attempt++) {
      let response: Response | undefined;
      let networkError: string | undefined;
      try {
        response = await fetch(url, this.getOptions(options));
      } catch (err) {
        networkError = err instanceof Error ? err.message : String(err);
      }
      const status = response?.status ?? 0;
      this.metrics?.request(method, status);
      const text = response ? await response.text() : '';
      if (response && response.ok) {
        // Client4's signature promises T; every call of this class goes through `call`, which
        // validates the value with zod before anyone reads it.
        if (text === '') return undefined as T;
        const type = response.headers.get('Content-Type') ?? '';
        return (type.includes('json') ? JSON.parse(text) : text) as T;
      }
      // A 429 was refused before any work; a 5xx or a lost answer may hide work done: only safe calls retry those.
      const safe = status === 429 || !this.noAmbiguousRetry.has(options);
      if (retryable(status) && safe && attempt < this.policy.attempts) {
        const wait = retryDelay(attempt, response?.headers, this.policy);
        this.metrics?.retry();
        this.logger?.warn({ method, path, status, attempt, wait }, 'mattermost call failed; retrying');
        await sleep(wait);
        continue;
      }
      let id = '';
      let message = networkError ?? text.slice(0, 300);
      if (text.startsWith('{')) {
        const parsed = appError.safeParse(safeJson(text));
        if (parsed.success) {
          id = parsed.data.id ?? '';
          message = parsed.data.message ?? message;
        }
      }
      throw new MattermostError(status, id, message, method, path);
    }
  };

  call<T>(schema: z.ZodType<T>, method: string, url: string, body?: unknown, opts: { retryAmbiguous?: boolean } = {}): Promise<T> {
    const options: FetchOptions = { method };
    if (opts.retryAmbiguous === false) this.noAmbiguousRetry.add(options);
    if (body !== undefined) options.body = body instanceof FormData ? body : JSON.stringify(body);
    return this.doFetch<unknown>(url, options).then((data) => {
      const result = schema.safeParse(data);
      if (!result.success) {
        const issue = result.error.issues[0];
        throw new MattermostError(200, 'unexpected_response', `unexpected answer at ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? ''}`, method, url.replace(this.getUrl(), ''));
      }
      return result.data;
    });
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export const userSchema = z.object({ id: z.string(), username: z.string(), is_bot: z.boolean().optional(), delete_at: z.number().optional() }).passthrough();
export type MmUser = z.infer<typeof userSchema>;
export const teamSchema = z.object({ id: z.string(), name: z.string() }).passthrough();
export const channelSchema = z.object({ id: z.string(), name: z.string(), team_id: z.string(), type: z.string() }).passthrough();
export type MmChannel = z.infer<typeof channelSchema>;
export const postSchema = z
  .object({
    id: z.string(),
    channel_id: z.string(),
    message: z.string(),
    type: z.string().optional(),
    is_pinned: z.boolean().optional(),
    user_id: z.string().optional(),
    props: z.record(z.string(), z.unknown()).nullable().optional(),
  })
  .passthrough();
export type MmPost = z.infer<typeof postSchema>;
export const botSchema = z.object({ user_id: z.string(), username: z.string(), delete_at: z.number().optional() }).passthrough();
export const tokenSchema = z.object({ id: z.string(), token: z.string(), user_id: z.string() }).passthrough();
export const commandSchema = z
  .object({
    id: z.string(),
    token: z.string(),
    team_id: z.string(),
    trigger: z.string(),
    method: z.string(),
    url: z.string(),
    auto_complete: z.boolean().optional(),
    auto_complete_desc: z.string().optional(),
    auto_complete_hint: z.string().optional(),
    display_name: z.string().optional(),
    description: z.string().optional(),
    delete_at: z.number().optional(),
  })
  .passthrough();
export type MmCommand = z.infer<typeof commandSchema>;
const anything = z.unknown();
const fileUploadSchema = z.object({ file_infos: z.array(z.object({ id: z.string() }).passthrough()) });

export interface PostInput {
  channel_id: string;
  message: string;
  type?: string;
  props?: Record<string, unknown>;
  file_ids?: string[];
  root_id?: string;
}

export interface MattermostClientOptions {
  siteUrl: string;
  token: string;
  retry?: RetryPolicy;
  metrics?: ClientMetrics;
  logger?: Logger;
}

/** The REST calls of the bridge (bot) and of `setup` (admin). */
export class MattermostClient {
  private readonly c: RetryingClient4;

  constructor(options: MattermostClientOptions) {
    this.c = new RetryingClient4(options.retry ?? DEFAULT_RETRY, options.metrics, options.logger);
    this.c.setUrl(options.siteUrl);
    this.c.setToken(options.token);
    this.c.setUserAgent('ci-exposure-bridge');
  }

  private get api(): string {
    return this.c.getBaseRoute();
  }

  getMe(): Promise<MmUser> {
    return this.c.call(userSchema, 'get', `${this.api}/users/me`);
  }

  getUser(userId: string): Promise<MmUser> {
    return this.c.call(userSchema, 'get', `${this.api}/users/${encodeURIComponent(userId)}`);
  }

  /** undefined when no such user (404). */
  async findUserByUsername(username: string): Promise<MmUser | undefined> {
    if (!/^[A-Za-z0-9_.-]+$/.test(username)) return undefined;
    try {
      return await this.c.call(userSchema, 'get', `${this.api}/users/username/${username}`);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  getTeamByName(name: string): Promise<z.infer<typeof teamSchema>> {
    return this.c.call(teamSchema, 'get', `${this.api}/teams/name/${encodeURIComponent(name)}`);
  }

  async isTeamMember(teamId: string, userId: string): Promise<boolean> {
    try {
      const m = await this.c.call(z.object({ delete_at: z.number().optional() }).passthrough(), 'get', `${this.api}/teams/${teamId}/members/${userId}`);
      return !m.delete_at;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async addToTeam(teamId: string, userId: string): Promise<void> {
    await this.c.call(anything, 'post', `${this.api}/teams/${teamId}/members`, { team_id: teamId, user_id: userId });
  }

  createChannel(channel: { team_id: string; name: string; display_name: string; type: 'P' | 'O'; purpose: string; header: string }): Promise<MmChannel> {
    return this.c.call(channelSchema, 'post', `${this.api}/channels`, channel);
  }

  async findChannelByName(teamId: string, name: string): Promise<MmChannel | undefined> {
    try {
      return await this.c.call(channelSchema, 'get', `${this.api}/teams/${teamId}/channels/name/${encodeURIComponent(name)}`);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async addToChannel(channelId: string, userId: string): Promise<void> {
    await this.c.call(anything, 'post', `${this.api}/channels/${channelId}/members`, { user_id: userId });
  }

  async isChannelMember(channelId: string, userId: string): Promise<boolean> {
    try {
      await this.c.call(anything, 'get', `${this.api}/channels/${channelId}/members/${userId}`);
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      if (err instanceof MattermostError && err.status === 403) return false;
      throw err;
    }
  }

  createDirectChannel(userA: string, userB: string): Promise<MmChannel> {
    return this.c.call(channelSchema, 'post', `${this.api}/channels/direct`, [userA, userB]);
  }

  createPost(post: PostInput): Promise<MmPost> {
    return this.c.call(postSchema, 'post', `${this.api}/posts`, post);
  }

  /**
   * Creates a post without retrying a 5xx or a lost answer (a 429 is still retried): the caller knows
   * how to look for the post before trying again (the outbox), so a post is never made twice.
   */
  createPostOnce(post: PostInput): Promise<MmPost> {
    return this.c.call(postSchema, 'post', `${this.api}/posts`, post, { retryAmbiguous: false });
  }

  getPost(postId: string): Promise<MmPost> {
    return this.c.call(postSchema, 'get', `${this.api}/posts/${postId}`);
  }

  /** Replaces message and the whole props map (attachments resent in full, with `integration`). */
  patchPost(postId: string, patch: { message?: string; props?: Record<string, unknown>; file_ids?: string[] }): Promise<MmPost> {
    return this.c.call(postSchema, 'put', `${this.api}/posts/${postId}/patch`, patch);
  }

  /** The pinned posts of a channel (a PostList: `order` + `posts`). */
  async getPinnedPosts(channelId: string): Promise<MmPost[]> {
    const list = await this.c.call(
      z.object({ order: z.array(z.string()), posts: z.record(z.string(), postSchema) }).passthrough(),
      'get',
      `${this.api}/channels/${channelId}/pinned`,
    );
    return list.order.map((id) => list.posts[id]).filter((p): p is MmPost => p !== undefined);
  }

  /** Posts of a channel created or changed since `since` (ms), newest first (a PostList: `order` + `posts`). */
  async getPostsSince(channelId: string, since: number): Promise<MmPost[]> {
    const list = await this.c.call(
      z.object({ order: z.array(z.string()), posts: z.record(z.string(), postSchema) }).passthrough(),
      'get',
      `${this.api}/channels/${channelId}/posts?since=${Math.max(0, Math.floor(since))}`,
    );
    const inOrder = list.order.map((id) => list.posts[id]).filter((p): p is MmPost => p !== undefined);
    // `since` answers may leave `order` empty and carry the posts only in the map.
    return inOrder.length > 0 ? inOrder : Object.values(list.posts);
  }

  async pinPost(postId: string): Promise<void> {
    await this.c.call(anything, 'post', `${this.api}/posts/${postId}/pin`);
  }

  async uploadFile(channelId: string, name: string, content: string, mimeType: string): Promise<string> {
    const form = new FormData();
    form.append('channel_id', channelId);
    form.append('files', new Blob([content], { type: mimeType }), name);
    const result = await this.c.call(fileUploadSchema, 'post', `${this.api}/files`, form);
    const id = result.file_infos[0]?.id;
    if (!id) throw new MattermostError(201, 'unexpected_response', 'upload answered without a file id', 'POST', '/api/v4/files');
    return id;
  }

  async openDialog(request: { trigger_id: string; url: string; dialog: Record<string, unknown> }): Promise<void> {
    await this.c.call(anything, 'post', `${this.api}/actions/dialogs/open`, request);
  }

  // ── set-up (admin token) ──

  createBot(bot: { username: string; display_name: string; description: string }): Promise<z.infer<typeof botSchema>> {
    return this.c.call(botSchema, 'post', `${this.api}/bots`, bot);
  }

  async enableBot(botUserId: string): Promise<void> {
    await this.c.call(anything, 'post', `${this.api}/bots/${botUserId}/enable`);
  }

  createUserAccessToken(userId: string, description: string): Promise<z.infer<typeof tokenSchema>> {
    return this.c.call(tokenSchema, 'post', `${this.api}/users/${userId}/tokens`, { description });
  }

  listTeamCommands(teamId: string): Promise<MmCommand[]> {
    return this.c.call(z.array(commandSchema), 'get', `${this.api}/commands?team_id=${encodeURIComponent(teamId)}&custom_only=true`);
  }

  createCommand(command: Record<string, unknown>): Promise<MmCommand> {
    return this.c.call(commandSchema, 'post', `${this.api}/commands`, command);
  }

  updateCommand(command: MmCommand): Promise<MmCommand> {
    return this.c.call(commandSchema, 'put', `${this.api}/commands/${command.id}`, command);
  }

  /** WebSocket URL of the site (ws:// for http://). */
  websocketUrl(): string {
    return `${this.c.getUrl().replace(/^http/i, 'ws')}/api/v4/websocket`;
  }
}

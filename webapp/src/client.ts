/**
 * The one way this plugin talks to Mattermost's REST API (never to the bridge: the browser may not
 * reach it). Every failure is thrown as a ClientError; nothing returns `{error}`.
 */
import {z} from 'zod';

export type ClientErrorKind = 'network' | 'http' | 'invalid-response';

export class ClientError extends Error {
    readonly kind: ClientErrorKind;
    /** HTTP status, 0 when no response arrived. */
    readonly status: number;
    readonly url: string;
    /** Mattermost's error id (e.g. `api.post.do_action.action_integration.app_error`) when it sent one. */
    readonly serverErrorId: string | undefined;

    constructor(kind: ClientErrorKind, message: string, url: string, status = 0, serverErrorId?: string) {
        super(message);
        this.name = 'ClientError';
        this.kind = kind;
        this.status = status;
        this.url = url;
        this.serverErrorId = serverErrorId;
    }
}

let siteUrl = '';

/** Where Mattermost's API lives: the page's origin plus the subpath Mattermost is served under. */
export function setSiteUrl(url: string): void {
    siteUrl = url.replace(/\/+$/, '');
}

export function getSiteUrl(): string {
    return siteUrl;
}

export function apiUrl(path: string): string {
    return `${siteUrl}/api/v4${path}`;
}

export function userImageUrl(userId: string): string {
    return apiUrl(`/users/${encodeURIComponent(userId)}/image`);
}

export function permalinkPath(postId: string): string {
    return `/_redirect/pl/${encodeURIComponent(postId)}`;
}

function csrfToken(): string | undefined {
    if (typeof document === 'undefined') {
        return undefined;
    }
    for (const part of document.cookie.split(';')) {
        const [name, ...value] = part.trim().split('=');
        if (name === 'MMCSRF') {
            return value.join('=');
        }
    }
    return undefined;
}

const mattermostErrorSchema = z.object({id: z.string().optional(), message: z.string().optional()});

async function request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Response> {
    const url = apiUrl(path);
    const headers: Record<string, string> = {'X-Requested-With': 'XMLHttpRequest', Accept: 'application/json'};
    if (method !== 'GET') {
        headers['Content-Type'] = 'application/json';
        const csrf = csrfToken();
        if (csrf) {
            headers['X-CSRF-Token'] = csrf;
        }
    }
    let response: Response;
    try {
        response = await fetch(url, {
            method,
            headers,
            credentials: 'same-origin',
            body: body === undefined ? undefined : JSON.stringify(body),
        });
    } catch (err) {
        throw new ClientError('network', err instanceof Error ? err.message : String(err), url);
    }
    if (!response.ok) {
        let message = `${method} ${path} failed with HTTP ${response.status}`;
        let serverErrorId: string | undefined;
        const text = await response.text().catch(() => '');
        try {
            const parsed = mattermostErrorSchema.safeParse(JSON.parse(text));
            if (parsed.success) {
                message = parsed.data.message ?? message;
                serverErrorId = parsed.data.id;
            }
        } catch {
            // Not JSON: keep the generic message.
        }
        throw new ClientError('http', message, url, response.status, serverErrorId);
    }
    return response;
}

async function readJson(response: Response, url: string): Promise<unknown> {
    const text = await response.text();
    try {
        return JSON.parse(text);
    } catch {
        throw new ClientError('invalid-response', 'the response is not JSON', url, response.status);
    }
}

async function fetchValidated<T>(method: 'GET' | 'POST', path: string, schema: z.ZodType<T>, body?: unknown): Promise<T> {
    const response = await request(method, path, body);
    const json = await readJson(response, apiUrl(path));
    const result = schema.safeParse(json);
    if (!result.success) {
        const issue = result.error.issues[0];
        throw new ClientError('invalid-response', `unexpected response at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`, apiUrl(path), response.status);
    }
    return result.data;
}

const postActionResponseSchema = z.object({status: z.string().optional(), trigger_id: z.string().optional()});
export type PostActionResponse = z.infer<typeof postActionResponseSchema>;

/** Clicks an attachment button of a post: POST /api/v4/posts/{post_id}/actions/{action_id}. */
export function doPostAction(postId: string, actionId: string, cookie?: string): Promise<PostActionResponse> {
    const path = `/posts/${encodeURIComponent(postId)}/actions/${encodeURIComponent(actionId)}`;
    return fetchValidated('POST', path, postActionResponseSchema, cookie ? {cookie} : {});
}

/** The content of an attached file, parsed as JSON (unvalidated: the caller validates it). */
export async function getFileJson(fileId: string): Promise<unknown> {
    const path = `/files/${encodeURIComponent(fileId)}`;
    const response = await request('GET', path);
    return readJson(response, apiUrl(path));
}

/** The few post fields this plugin reads; everything else of a post is ignored. */
export const wirePostSchema = z.object({
    id: z.string(),
    channel_id: z.string(),
    type: z.string().optional().default(''),
    message: z.string().optional().default(''),
    props: z.record(z.string(), z.unknown()).nullish(),
    create_at: z.number().optional().default(0),
    update_at: z.number().optional().default(0),
    delete_at: z.number().optional().default(0),
    is_pinned: z.boolean().optional().default(false),
});
export type WirePost = z.infer<typeof wirePostSchema>;

const postListSchema = z.object({
    order: z.array(z.string()),
    posts: z.record(z.string(), z.unknown()),
});

/** Pinned posts of a channel the user can read (GET /api/v4/channels/{id}/pinned); invalid posts are dropped. */
export async function getPinnedPosts(channelId: string): Promise<WirePost[]> {
    const list = await fetchValidated('GET', `/channels/${encodeURIComponent(channelId)}/pinned`, postListSchema);
    const posts: WirePost[] = [];
    for (const id of list.order) {
        const parsed = wirePostSchema.safeParse(list.posts[id]);
        if (parsed.success) {
            posts.push(parsed.data);
        }
    }
    return posts;
}

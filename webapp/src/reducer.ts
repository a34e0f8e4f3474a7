/**
 * The plugin's own slice of Mattermost's store (state['plugins-ci-exposure']): milestone clicks in
 * flight, and checklist posts learnt from pinned-post lists and WebSocket events. It lives in the
 * store rather than in components because Mattermost's virtualised post list unmounts posts that
 * scroll away, and the same post can be on screen twice (centre and thread view).
 */
import {PLUGIN_ID} from '@cix/contract';

import type {WirePost} from './client';

export const STATE_KEY = `plugins-${PLUGIN_ID}` as const;

export type ToggleState =
    | {status: 'sending'; wasDone: boolean; since: number}
    | {status: 'awaiting-update'; wasDone: boolean; since: number}
    | {status: 'failed'; message: string};

export type PinnedState =
    | {status: 'loading'}
    | {status: 'loaded'; postIds: string[]}
    | {status: 'failed'; message: string};

export interface PluginState {
    /** Keyed by toggleKey(postId, milestoneId). */
    toggles: Record<string, ToggleState>;
    /** Checklist posts fetched outside Mattermost's own post store, by post id. */
    posts: Record<string, WirePost>;
    /** Pinned-post lookups, by channel id. */
    pinned: Record<string, PinnedState>;
}

export const initialState: PluginState = {toggles: {}, posts: {}, pinned: {}};

export type CixAction =
    | {type: 'cix/toggle-started'; postId: string; milestoneId: string; wasDone: boolean; at: number}
    | {type: 'cix/toggle-sent'; postId: string; milestoneId: string; at: number}
    | {type: 'cix/toggle-failed'; postId: string; milestoneId: string; message: string}
    | {type: 'cix/toggle-cleared'; postId: string; milestoneId: string}
    | {type: 'cix/post-received'; post: WirePost}
    | {type: 'cix/post-deleted'; postId: string}
    | {type: 'cix/pinned-loading'; channelId: string}
    | {type: 'cix/pinned-loaded'; channelId: string; posts: WirePost[]}
    | {type: 'cix/pinned-failed'; channelId: string; message: string}
    | {type: 'cix/popout-state-received'; posts: WirePost[]; pinned: Record<string, string[]>}
    | {type: 'cix/reset'};

/**
 * Mattermost's own actions this plugin dispatches after a click, as mattermost-redux's doPostAction
 * does, so that a dialog the bridge opens in answer to the click is shown.
 */
export type DialogAction =
    | {type: 'RECEIVED_DIALOG_TRIGGER_ID'; data: string}
    | {type: 'RECEIVED_DIALOG_ARGUMENTS'; data: {channel_id: string}};

export type AppAction = CixAction | DialogAction;

const ACTION_TYPES: ReadonlySet<string> = new Set<CixAction['type']>([
    'cix/toggle-started', 'cix/toggle-sent', 'cix/toggle-failed', 'cix/toggle-cleared', 'cix/post-received',
    'cix/post-deleted', 'cix/pinned-loading', 'cix/pinned-loaded', 'cix/pinned-failed', 'cix/popout-state-received', 'cix/reset',
]);

function isCixAction(action: CixAction | {type: string}): action is CixAction {
    return ACTION_TYPES.has(action.type);
}

export function toggleKey(postId: string, milestoneId: string): string {
    return `${postId}/${milestoneId}`;
}

function without<T>(record: Record<string, T>, key: string): Record<string, T> {
    if (!(key in record)) {
        return record;
    }
    const next = {...record};
    delete next[key];
    return next;
}

export function reducer(state: PluginState | undefined, action: CixAction | {type: string}): PluginState {
    const current = state ?? initialState;
    if (!isCixAction(action)) {
        return current;
    }
    switch (action.type) {
    case 'cix/toggle-started':
        return {...current, toggles: {...current.toggles, [toggleKey(action.postId, action.milestoneId)]: {status: 'sending', wasDone: action.wasDone, since: action.at}}};
    case 'cix/toggle-sent': {
        const key = toggleKey(action.postId, action.milestoneId);
        const toggle = current.toggles[key];
        if (toggle?.status !== 'sending') {
            return current;
        }
        return {...current, toggles: {...current.toggles, [key]: {...toggle, status: 'awaiting-update', since: action.at}}};
    }
    case 'cix/toggle-failed':
        return {...current, toggles: {...current.toggles, [toggleKey(action.postId, action.milestoneId)]: {status: 'failed', message: action.message}}};
    case 'cix/toggle-cleared':
        return {...current, toggles: without(current.toggles, toggleKey(action.postId, action.milestoneId))};
    case 'cix/post-received':
        return {...current, posts: {...current.posts, [action.post.id]: action.post}};
    case 'cix/post-deleted':
        return {...current, posts: without(current.posts, action.postId)};
    case 'cix/pinned-loading':
        return {...current, pinned: {...current.pinned, [action.channelId]: {status: 'loading'}}};
    case 'cix/pinned-loaded': {
        const posts = {...current.posts};
        for (const post of action.posts) {
            posts[post.id] = post;
        }
        return {...current, posts, pinned: {...current.pinned, [action.channelId]: {status: 'loaded', postIds: action.posts.map((p) => p.id)}}};
    }
    case 'cix/pinned-failed':
        return {...current, pinned: {...current.pinned, [action.channelId]: {status: 'failed', message: action.message}}};
    case 'cix/popout-state-received': {
        // What the main window knew, merged into what this pop-out already loaded itself: the newer copy
        // of a post wins, and a finished lookup of this window is kept.
        const posts = {...current.posts};
        for (const post of action.posts) {
            const known = posts[post.id];
            if (!known || known.update_at < post.update_at) {
                posts[post.id] = post;
            }
        }
        const pinned = {...current.pinned};
        for (const [channelId, postIds] of Object.entries(action.pinned)) {
            if (pinned[channelId]?.status !== 'loaded') {
                pinned[channelId] = {status: 'loaded', postIds};
            }
        }
        return {...current, posts, pinned};
    }
    case 'cix/reset':
        return initialState;
    }
}

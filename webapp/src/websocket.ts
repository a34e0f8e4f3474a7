import type {Dispatch} from 'redux';

import {POST_TYPE_CHECKLIST} from '@cix/contract';

import {wirePostSchema, type WirePost} from './client';
import type {CixAction} from './reducer';
import type {WebSocketMessage} from './types/mattermost-webapp';

/** Mattermost sends the post of posted/post_edited/post_deleted events as a JSON string. */
export function postFromEvent(msg: WebSocketMessage): WirePost | undefined {
    const raw = msg.data.post;
    if (typeof raw !== 'string') {
        return undefined;
    }
    try {
        const parsed = wirePostSchema.safeParse(JSON.parse(raw));
        return parsed.success ? parsed.data : undefined;
    } catch {
        return undefined;
    }
}

/**
 * posted / post_edited: keeps the plugin's copy of checklist posts current (Mattermost's store only
 * follows the channels it has loaded), so the RHS list of open incidents stays live.
 */
export function makePostChangedHandler(dispatch: Dispatch<CixAction>): (msg: WebSocketMessage) => void {
    return (msg) => {
        const post = postFromEvent(msg);
        if (post?.type === POST_TYPE_CHECKLIST) {
            dispatch({type: 'cix/post-received', post});
        }
    };
}

export function makePostDeletedHandler(dispatch: Dispatch<CixAction>): (msg: WebSocketMessage) => void {
    return (msg) => {
        const post = postFromEvent(msg);
        if (post?.type === POST_TYPE_CHECKLIST) {
            dispatch({type: 'cix/post-deleted', postId: post.id});
        }
    };
}

export const POST_EVENTS = ['posted', 'post_edited', 'post_deleted'] as const;

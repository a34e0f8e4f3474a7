import type {Dispatch} from 'redux';
import {z} from 'zod';

import type {Milestone} from '@cix/contract';

import {ClientError, doPostAction, getPinnedPosts} from './client';
import type {AppAction, CixAction} from './reducer';

const attachmentsSchema = z.array(z.object({
    actions: z.array(z.object({id: z.string().optional(), cookie: z.string().optional()}).loose()).nullish(),
}).loose());

/** The encrypted cookie Mattermost attached to the button with this id, if the post carries one. */
export function findActionCookie(props: unknown, actionId: string): string | undefined {
    if (props === null || typeof props !== 'object' || !('attachments' in props)) {
        return undefined;
    }
    const parsed = attachmentsSchema.safeParse(props.attachments);
    if (!parsed.success) {
        return undefined;
    }
    for (const attachment of parsed.data) {
        for (const action of attachment.actions ?? []) {
            if (action.id === actionId && action.cookie) {
                return action.cookie;
            }
        }
    }
    return undefined;
}

export function describeError(err: unknown): string {
    if (err instanceof ClientError) {
        return err.status ? `${err.message} (HTTP ${err.status})` : err.message;
    }
    return err instanceof Error ? err.message : String(err);
}

/**
 * Clicks the milestone's own attachment button through Mattermost. The bridge answers Mattermost
 * with the updated post, which reaches the store as post_edited: until then the milestone is pending.
 */
export async function toggleMilestone(
    dispatch: Dispatch<AppAction>,
    post: {id: string; channel_id: string; props: unknown},
    milestone: Milestone,
    now: () => number = Date.now,
): Promise<void> {
    const ids = {postId: post.id, milestoneId: milestone.id};
    dispatch({type: 'cix/toggle-started', ...ids, wasDone: milestone.done, at: now()});
    try {
        const response = await doPostAction(post.id, milestone.actionId, findActionCookie(post.props, milestone.actionId));
        if (response.trigger_id) {
            dispatch({type: 'RECEIVED_DIALOG_TRIGGER_ID', data: response.trigger_id});
            dispatch({type: 'RECEIVED_DIALOG_ARGUMENTS', data: {channel_id: post.channel_id}});
        }
        dispatch({type: 'cix/toggle-sent', ...ids, at: now()});
    } catch (err) {
        dispatch({type: 'cix/toggle-failed', ...ids, message: describeError(err)});
    }
}

/** Channels whose pinned posts are being fetched: two panels asking at once cause one request. */
const inFlight = new Set<string>();

/** Fetches the pinned posts of these channels, a few at a time, keeping the checklist ones. */
export async function loadPinnedChecklists(dispatch: Dispatch<CixAction>, channelIds: readonly string[], checklistType: string, concurrency = 4): Promise<void> {
    const queue = channelIds.filter((id) => !inFlight.has(id));
    for (const id of queue) {
        inFlight.add(id);
    }
    const worker = async (): Promise<void> => {
        for (let channelId = queue.shift(); channelId !== undefined; channelId = queue.shift()) {
            dispatch({type: 'cix/pinned-loading', channelId});
            try {
                const posts = await getPinnedPosts(channelId);
                dispatch({type: 'cix/pinned-loaded', channelId, posts: posts.filter((p) => p.type === checklistType)});
            } catch (err) {
                dispatch({type: 'cix/pinned-failed', channelId, message: describeError(err)});
            } finally {
                inFlight.delete(channelId);
            }
        }
    };
    await Promise.all(Array.from({length: Math.min(concurrency, queue.length)}, worker));
}

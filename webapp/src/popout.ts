/**
 * RHS pop-outs (Mattermost 11.3+). A pop-out window starts with a fresh Redux store, so the plugin's
 * slice (checklist posts learnt from pinned lists and WebSocket events, finished pinned-post lookups)
 * is empty there. The main window answers the pop-out's request with that slice; the pop-out asks for
 * it when it starts. The RHS does not depend on the answer: it loads what the slice lacks (the pinned
 * posts of the current channel, of the recent channels) over REST, as it does in the main window.
 *
 * Messages travel between windows (postMessage, or the desktop app's IPC): the answer is validated.
 */
import type {Dispatch} from 'redux';
import {z} from 'zod';

import {wirePostSchema} from './client';
import type {CixAction, PluginState} from './reducer';
import type {PopoutListeners, WebappPopouts} from './types/mattermost-webapp';

export const POPOUT_STATE_REQUEST = 'cix-popout-state-request';
export const POPOUT_STATE = 'cix-popout-state';

export const popoutStateSchema = z.object({
    posts: z.array(wirePostSchema),
    /** Finished pinned-post lookups: channel id → ids of its pinned checklist posts. */
    pinned: z.record(z.string(), z.array(z.string())),
});
export type PopoutState = z.infer<typeof popoutStateSchema>;

/** What the main window sends a pop-out: its checklist posts and finished lookups (not clicks in flight). */
export function popoutState(state: PluginState): PopoutState {
    const pinned: Record<string, string[]> = {};
    for (const [channelId, lookup] of Object.entries(state.pinned)) {
        if (lookup.status === 'loaded') {
            pinned[channelId] = lookup.postIds;
        }
    }
    return {posts: Object.values(state.posts), pinned};
}

/**
 * Main window: the listener for `registerRHSPluginPopoutListener`. It answers each state request of the
 * opened pop-out while `isLive()` (the plugin may be uninitialised before the pop-out asks).
 */
export function makePopoutOpenedListener(
    getState: () => PluginState,
    isLive: () => boolean,
): (teamName: string, channelName: string | undefined, listeners: Partial<PopoutListeners>) => void {
    return (_teamName, _channelName, listeners) => {
        listeners.onMessageFromPopout?.((channel) => {
            if (channel === POPOUT_STATE_REQUEST && isLive()) {
                listeners.sendToPopout?.(POPOUT_STATE, popoutState(getState()));
            }
        });
    };
}

/** Pop-out window: asks the main window for the plugin's state and merges a valid answer into the store. */
export function requestPopoutState(popouts: Partial<WebappPopouts>, dispatch: Dispatch<CixAction>, isLive: () => boolean): void {
    if (!popouts.onMessageFromParent || !popouts.sendToParent) {
        return;
    }
    popouts.onMessageFromParent((channel, payload) => {
        if (channel !== POPOUT_STATE || !isLive()) {
            return;
        }
        const parsed = popoutStateSchema.safeParse(payload);
        if (parsed.success) {
            dispatch({type: 'cix/popout-state-received', posts: parsed.data.posts, pinned: parsed.data.pinned});
        }
    });
    popouts.sendToParent(POPOUT_STATE_REQUEST);
}

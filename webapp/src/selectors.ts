import {createSelector} from 'mattermost-redux/selectors/create_selector';
import {getCurrentChannelId} from 'mattermost-redux/selectors/entities/common';
import {getTheme, type Theme} from 'mattermost-redux/selectors/entities/preferences';
import type {GlobalState} from '@mattermost/types/store';

import {POST_TYPE_CHECKLIST, SEVERITIES, parseChecklistProps, type ChecklistProps} from '@cix/contract';

import {STATE_KEY, initialState, toggleKey, type PinnedState, type PluginState, type ToggleState} from './reducer';

export type CixGlobalState = GlobalState & {[STATE_KEY]?: PluginState};

/** How many of the user's channels the RHS looks through for pinned checklists, most recently active first. */
export const MAX_CHANNELS_SCANNED = 30;

export function getPluginState(state: CixGlobalState): PluginState {
    return state[STATE_KEY] ?? initialState;
}

export function getToggle(state: CixGlobalState, postId: string, milestoneId: string): ToggleState | undefined {
    return getPluginState(state).toggles[toggleKey(postId, milestoneId)];
}

export function getPinnedState(state: CixGlobalState, channelId: string): PinnedState | undefined {
    return getPluginState(state).pinned[channelId];
}

export {getTheme, getCurrentChannelId, type Theme};

/** A checklist post whose props validated. */
export interface ChecklistEntry {
    postId: string;
    channelId: string;
    updateAt: number;
    isPinned: boolean;
    checklist: ChecklistProps;
}

interface PostLike {
    id: string;
    channel_id: string;
    type: string;
    props?: unknown;
    update_at: number;
    delete_at: number;
    is_pinned: boolean;
}

function toEntry(post: PostLike): ChecklistEntry | undefined {
    if (post.type !== POST_TYPE_CHECKLIST || post.delete_at > 0) {
        return undefined;
    }
    const parsed = parseChecklistProps(post.props);
    if (!parsed.ok) {
        return undefined;
    }
    return {postId: post.id, channelId: post.channel_id, updateAt: post.update_at, isPinned: post.is_pinned, checklist: parsed.value};
}

/**
 * Every checklist the user can see: the posts Mattermost already holds, plus those this plugin fetched
 * from pinned lists. Mattermost's copy wins when newer (it follows post_edited events).
 */
export const getChecklistEntries = createSelector(
    'cixGetChecklistEntries',
    (state: CixGlobalState) => state.entities.posts.posts,
    (state: CixGlobalState) => getPluginState(state).posts,
    (storePosts, pluginPosts): ChecklistEntry[] => {
        const byPost = new Map<string, ChecklistEntry>();
        for (const post of Object.values(pluginPosts)) {
            const entry = toEntry(post);
            if (entry) {
                byPost.set(entry.postId, entry);
            }
        }
        for (const post of Object.values(storePosts)) {
            const type: string = post.type;
            if (type !== POST_TYPE_CHECKLIST) {
                continue;
            }
            const known = byPost.get(post.id);
            if (post.delete_at > 0) {
                byPost.delete(post.id);
                continue;
            }
            if (known && known.updateAt > post.update_at) {
                continue;
            }
            const entry = toEntry({...post, type});
            if (entry) {
                byPost.set(entry.postId, entry);
            }
        }
        return [...byPost.values()];
    },
);

function severityRank(entry: ChecklistEntry): number {
    return SEVERITIES.indexOf(entry.checklist.severity);
}

/** The latest checklist per incident (an incident's checklist may be re-posted). */
export const getIncidents = createSelector(
    'cixGetIncidents',
    getChecklistEntries,
    (entries): ChecklistEntry[] => {
        const latest = new Map<string, ChecklistEntry>();
        for (const entry of entries) {
            const known = latest.get(entry.checklist.incidentId);
            if (!known || (entry.isPinned && !known.isPinned) || (entry.isPinned === known.isPinned && entry.updateAt > known.updateAt)) {
                latest.set(entry.checklist.incidentId, entry);
            }
        }
        return [...latest.values()];
    },
);

/** Open incidents, most severe first, then most recently started. */
export const getOpenIncidents = createSelector(
    'cixGetOpenIncidents',
    getIncidents,
    (incidents): ChecklistEntry[] => incidents.
        filter((entry) => entry.checklist.status === 'open').
        sort((a, b) => severityRank(a) - severityRank(b) || b.checklist.startedAt - a.checklist.startedAt),
);

/** The incident whose checklist lives in the current channel (pinned first, then the latest). */
export const getCurrentChannelIncident = createSelector(
    'cixGetCurrentChannelIncident',
    getCurrentChannelId,
    getIncidents,
    (channelId, incidents): ChecklistEntry | undefined => {
        const here = incidents.filter((entry) => entry.channelId === channelId);
        here.sort((a, b) => Number(b.isPinned) - Number(a.isPinned) || b.updateAt - a.updateAt);
        return here[0];
    },
);

/** Public and private channels of the current team the user belongs to, most recently active first. */
export const getChannelsToScan = createSelector(
    'cixGetChannelsToScan',
    (state: CixGlobalState) => state.entities.channels.channels,
    (state: CixGlobalState) => state.entities.channels.myMembers,
    (state: CixGlobalState) => state.entities.teams.currentTeamId,
    (channels, myMembers, teamId): string[] => Object.values(channels).
        filter((c) => c.team_id === teamId && (c.type === 'O' || c.type === 'P') && c.delete_at === 0 && c.id in myMembers).
        sort((a, b) => b.last_post_at - a.last_post_at).
        slice(0, MAX_CHANNELS_SCANNED).
        map((c) => c.id),
);

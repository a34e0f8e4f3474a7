import {getChannelsToScan, getCurrentChannelIncident, getIncidents, getOpenIncidents, MAX_CHANNELS_SCANNED} from '../src/selectors';
import {reducer, initialState} from '../src/reducer';

import {CHANNEL_ID, OTHER_CHANNEL_ID, TEAM_ID, checklistPost, checklistProps, post} from './fixtures';
import {makeStore, receivePost} from './render';

describe('selectors', () => {
    it('keeps the latest checklist per incident, pinned first, and Mattermost’s copy when newer', () => {
        const store = makeStore();
        const old = checklistPost(checklistProps({name: 'old copy'}), {is_pinned: false, update_at: 10});
        const pinned = checklistPost(checklistProps({name: 'pinned'}), {update_at: 5});
        receivePost(store, old);
        receivePost(store, pinned);
        expect(getIncidents(store.getState()).map((e) => e.checklist.name)).toEqual(['pinned']);

        // The plugin fetched an older copy of the pinned post; Mattermost's newer one wins.
        store.dispatch({type: 'cix/post-received', post: {...pinned, props: {cix: checklistProps({name: 'stale'})}, update_at: 1}});
        expect(getCurrentChannelIncident(store.getState())?.checklist.name).toBe('pinned');

        // A deleted post is gone even if the plugin still holds it.
        receivePost(store, {...pinned, delete_at: 20, update_at: 20});
        expect(getIncidents(store.getState()).map((e) => e.checklist.name)).toEqual(['old copy']);
    });

    it('orders open incidents by severity then start, and drops closed and invalid ones', () => {
        const store = makeStore();
        receivePost(store, checklistPost(checklistProps({incidentId: 'a', name: 'low old', severity: 'low', startedAt: 1})));
        receivePost(store, checklistPost(checklistProps({incidentId: 'b', name: 'critical', severity: 'critical', startedAt: 2})));
        receivePost(store, checklistPost(checklistProps({incidentId: 'c', name: 'low new', severity: 'low', startedAt: 3})));
        receivePost(store, checklistPost(checklistProps({incidentId: 'd', name: 'closed', status: 'closed'})));
        receivePost(store, post('custom_cix_checklist', {cix: {...checklistProps({incidentId: 'e'}), severity: 'apocalyptic'}}));
        expect(getOpenIncidents(store.getState()).map((e) => e.checklist.name)).toEqual(['critical', 'low new', 'low old']);
    });

    it('scans the user’s public and private channels of the current team, most active first, bounded', () => {
        const store = makeStore();
        const me = 'me000000000000000000000000';
        const join = (id: string, type: string, team: string, lastPostAt: number, member = true): void => {
            store.dispatch({type: 'RECEIVED_CHANNEL', data: {id, name: id, display_name: id, team_id: team, type, delete_at: 0, last_post_at: lastPostAt}});
            if (member) {
                store.dispatch({type: 'RECEIVED_MY_CHANNEL_MEMBER', data: {channel_id: id, user_id: me, roles: 'channel_user', notify_props: {}}});
            }
        };
        join(CHANNEL_ID, 'P', TEAM_ID, 5);
        join(OTHER_CHANNEL_ID, 'O', TEAM_ID, 9);
        join('dm', 'D', '', 99);
        join('otherteam', 'O', 'team2', 50);
        join('notmember', 'O', TEAM_ID, 60, false);
        for (let i = 0; i < MAX_CHANNELS_SCANNED; i++) {
            join(`bulk${i}`, 'O', TEAM_ID, 1);
        }
        const scanned = getChannelsToScan(store.getState());
        expect(scanned).toHaveLength(MAX_CHANNELS_SCANNED);
        expect(scanned.slice(0, 2)).toEqual([OTHER_CHANNEL_ID, CHANNEL_ID]);
        expect(scanned).not.toEqual(expect.arrayContaining(['dm']));
        expect(scanned).not.toContain('otherteam');
        expect(scanned).not.toContain('notmember');
    });
});

describe('reducer', () => {
    it('ignores other actions and resets', () => {
        expect(reducer(undefined, {type: 'RECEIVED_POST'})).toBe(initialState);
        const started = reducer(undefined, {type: 'cix/toggle-started', postId: 'p', milestoneId: 'm', wasDone: false, at: 1});
        expect(started.toggles).toEqual({'p/m': {status: 'sending', wasDone: false, since: 1}});
        const sent = reducer(started, {type: 'cix/toggle-sent', postId: 'p', milestoneId: 'm', at: 5});
        expect(sent.toggles['p/m']).toEqual({status: 'awaiting-update', wasDone: false, since: 5});
        // A response for a click that already failed or was cleared changes nothing.
        expect(reducer(initialState, {type: 'cix/toggle-sent', postId: 'p', milestoneId: 'm', at: 5})).toBe(initialState);
        expect(reducer(sent, {type: 'cix/reset'})).toEqual(initialState);
    });
});

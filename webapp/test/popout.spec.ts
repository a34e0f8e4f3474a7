import {POPOUT_STATE, POPOUT_STATE_REQUEST, makePopoutOpenedListener, popoutState, requestPopoutState} from '../src/popout';
import {STATE_KEY, initialState, type PluginState} from '../src/reducer';
import {getPluginState} from '../src/selectors';
import type {PopoutListeners} from '../src/types/mattermost-webapp';

import {CHANNEL_ID, OTHER_CHANNEL_ID, checklistPost, checklistProps} from './fixtures';
import {makeStore} from './render';

const wire = (post: ReturnType<typeof checklistPost>) => ({
    id: post.id, channel_id: post.channel_id, type: post.type, message: post.message, props: post.props,
    create_at: post.create_at, update_at: post.update_at, delete_at: post.delete_at, is_pinned: post.is_pinned,
});

const first = wire(checklistPost());
const second = wire(checklistPost(checklistProps({incidentId: 'inc-codecov', name: 'Codecov'}), {channel_id: OTHER_CHANNEL_ID}));

const mainState: PluginState = {
    toggles: {[`${first.id}/m3`]: {status: 'sending', wasDone: false, since: 1}},
    posts: {[first.id]: first, [second.id]: second},
    pinned: {
        [CHANNEL_ID]: {status: 'loaded', postIds: [first.id]},
        [OTHER_CHANNEL_ID]: {status: 'loading'},
        failedchannel0000000000000: {status: 'failed', message: 'HTTP 403'},
    },
};

/** A pop-out window's side of window.WebappUtils.popouts, with the main window at the other end. */
function popoutWindow() {
    const sent: unknown[][] = [];
    let listener: ((channel: string, ...args: unknown[]) => void) | undefined;
    return {
        sent,
        deliver: (channel: string, ...args: unknown[]) => listener?.(channel, ...args),
        popouts: {
            sendToParent: (...args: unknown[]) => void sent.push(args),
            onMessageFromParent: (l: (channel: string, ...args: unknown[]) => void) => {
                listener = l;
            },
        },
    };
}

describe('pop-out state', () => {
    it('is the checklist posts and the finished pinned lookups, not the clicks in flight', () => {
        expect(popoutState(mainState)).toEqual({posts: [first, second], pinned: {[CHANNEL_ID]: [first.id]}});
        expect(popoutState(initialState)).toEqual({posts: [], pinned: {}});
    });
});

describe('main window', () => {
    function opened(live = true) {
        const sent: unknown[][] = [];
        let fromPopout: ((channel: string, ...args: unknown[]) => void) | undefined;
        let isLive = live;
        const listeners: Partial<PopoutListeners> = {
            sendToPopout: (...args: unknown[]) => void sent.push(args),
            onMessageFromPopout: (l) => {
                fromPopout = l;
            },
        };
        makePopoutOpenedListener(() => mainState, () => isLive)('acme', 'incident', listeners);
        return {sent, ask: (channel: string) => fromPopout?.(channel), end: () => {
            isLive = false;
        }};
    }

    it('answers the pop-out\'s state request, and only that', () => {
        const popout = opened();
        popout.ask('some-other-plugin-message');
        expect(popout.sent).toEqual([]);
        popout.ask(POPOUT_STATE_REQUEST);
        expect(popout.sent).toEqual([[POPOUT_STATE, popoutState(mainState)]]);
    });

    it('stays silent once the plugin is uninitialised', () => {
        const popout = opened();
        popout.end();
        popout.ask(POPOUT_STATE_REQUEST);
        expect(popout.sent).toEqual([]);
    });

    it('copes with listeners Mattermost did not provide (they are Partial)', () => {
        expect(() => makePopoutOpenedListener(() => mainState, () => true)('acme', undefined, {})).not.toThrow();
    });
});

describe('pop-out window', () => {
    it('asks the main window and merges its answer into the fresh store', () => {
        const store = makeStore();
        const win = popoutWindow();
        requestPopoutState(win.popouts, store.dispatch, () => true);
        expect(win.sent).toEqual([[POPOUT_STATE_REQUEST]]);

        // What the pop-out loaded itself before the answer came: a newer copy of one post, a finished lookup.
        const newer = {...first, update_at: first.update_at + 1000, message: 'newer'};
        store.dispatch({type: 'cix/pinned-loaded', channelId: CHANNEL_ID, posts: [newer]});
        store.dispatch({type: 'cix/pinned-failed', channelId: OTHER_CHANNEL_ID, message: 'offline'});

        win.deliver(POPOUT_STATE, {posts: [first, second], pinned: {[CHANNEL_ID]: ['stale'], [OTHER_CHANNEL_ID]: [second.id]}});
        const state = getPluginState(store.getState());
        expect(state.posts[first.id]?.message).toBe('newer');
        expect(state.posts[second.id]).toEqual(second);
        expect(state.pinned[CHANNEL_ID]).toEqual({status: 'loaded', postIds: [newer.id]});
        expect(state.pinned[OTHER_CHANNEL_ID]).toEqual({status: 'loaded', postIds: [second.id]});
    });

    it('ignores other messages and answers that are not a valid state', () => {
        const store = makeStore();
        const win = popoutWindow();
        requestPopoutState(win.popouts, store.dispatch, () => true);
        win.deliver('something-else', {posts: [first], pinned: {}});
        win.deliver(POPOUT_STATE, {posts: [{id: 42}], pinned: {}});
        win.deliver(POPOUT_STATE, 'not an object');
        win.deliver(POPOUT_STATE);
        expect(store.getState()[STATE_KEY]).toEqual(initialState);
    });

    it('ignores an answer that arrives after uninitialize', () => {
        const store = makeStore();
        const win = popoutWindow();
        let live = true;
        requestPopoutState(win.popouts, store.dispatch, () => live);
        live = false;
        win.deliver(POPOUT_STATE, {posts: [first], pinned: {}});
        expect(getPluginState(store.getState()).posts).toEqual({});
    });

    it('does nothing without a way to talk to the main window', () => {
        const store = makeStore();
        expect(() => requestPopoutState({isPopoutWindow: () => true}, store.dispatch, () => true)).not.toThrow();
        expect(getPluginState(store.getState())).toEqual(initialState);
    });
});

import '@testing-library/jest-dom';
import {act, screen, within} from '@testing-library/react';
import React from 'react';

import {RhsPanel} from '../src/components/rhs/rhs_panel';
import {makePostChangedHandler, makePostDeletedHandler} from '../src/websocket';

import {CHANNEL_ID, HOSTILE, NOW, OTHER_CHANNEL_ID, TEAM_ID, checklistPost, checklistProps} from './fixtures';
import {jsonResponse, makeStore, mockFetch, receivePost, renderWithStore, type TestStore} from './render';

function channel(id: string, name: string, lastPostAt: number, type = 'O') {
    return {id, name, display_name: name, team_id: TEAM_ID, type, delete_at: 0, last_post_at: lastPostAt, create_at: 1, update_at: 1};
}

function joinChannels(store: TestStore, channels: Array<ReturnType<typeof channel>>): void {
    for (const c of channels) {
        store.dispatch({type: 'RECEIVED_CHANNEL', data: c});
        store.dispatch({type: 'RECEIVED_MY_CHANNEL_MEMBER', data: {channel_id: c.id, user_id: 'me000000000000000000000000', roles: 'channel_user', msg_count: 0, mention_count: 0, last_viewed_at: 0, notify_props: {}}});
    }
}

function pinnedList(...posts: Array<ReturnType<typeof checklistPost>>) {
    return {order: posts.map((p) => p.id), posts: Object.fromEntries(posts.map((p) => [p.id, p]))};
}

beforeEach(() => {
    jest.useFakeTimers({now: NOW, advanceTimers: true});
});

afterEach(() => {
    jest.useRealTimers();
});

describe('RHS panel', () => {
    it('in an incident channel, summarises the incident', async () => {
        const fetch = mockFetch();
        fetch.mockResolvedValue(jsonResponse(200, {order: [], posts: {}}));
        const store = makeStore();
        receivePost(store, checklistPost());
        renderWithStore(<RhsPanel/>, store);

        const incident = screen.getByRole('region', {name: 'tj-actions/changed-files tag rewrite'});
        expect(incident.querySelector('.cix-incident__name .cix-badge')).toHaveTextContent('Critical');
        expect(within(incident).getByText('Open')).toBeInTheDocument();
        expect(within(incident).getByText('@alice', {selector: '.cix-facts .cix-user__name'})).toBeInTheDocument();
        expect(within(incident).getByText('2 / 6')).toBeInTheDocument();
        const next = incident.querySelector('.cix-next')!;
        expect(next).toHaveTextContent('Rotate exposed secrets');
        expect(next).toHaveTextContent('overdue by 5m 00s');
        expect(within(incident).getByText('Secrets of 3 repositories rotated; 2 to go.')).toBeInTheDocument();
        expect(within(incident).getByText('9 affected of 140 jobs in 12 repositories, 1 scan error')).toBeInTheDocument();
        expect(within(incident).getByRole('link', {name: 'Open the checklist'})).toHaveAttribute('href', expect.stringMatching(/\/_redirect\/pl\/post\d+$/));
        // The current channel's pinned posts are looked at once, for a checklist older than the loaded posts.
        await act(async () => undefined);
        expect(fetch).toHaveBeenCalledWith(`/api/v4/channels/${CHANNEL_ID}/pinned`, expect.objectContaining({method: 'GET'}));
    });

    it('finds the incident of the channel from its pinned posts when the checklist is not loaded', async () => {
        const fetch = mockFetch();
        fetch.mockResolvedValue(jsonResponse(200, pinnedList(checklistPost(checklistProps({name: 'Pinned incident'})))));
        renderWithStore(<RhsPanel/>);
        expect(await screen.findByRole('region', {name: 'Pinned incident'})).toBeInTheDocument();
    });

    it('elsewhere, lists the open incidents from the pinned checklists of the user’s channels', async () => {
        const fetch = mockFetch();
        const open = checklistPost(checklistProps({name: 'Codecov uploader', severity: 'high', incidentId: 'inc-a'}), {channel_id: 'incA00000000000000000000aa'});
        const hostile = checklistPost(checklistProps({name: HOSTILE, severity: 'critical', incidentId: 'inc-b'}), {channel_id: 'incB00000000000000000000aa'});
        const closed = checklistPost(checklistProps({name: 'Old incident', status: 'closed', incidentId: 'inc-c'}), {channel_id: 'incC00000000000000000000aa'});
        fetch.mockImplementation((url) => {
            const id = /channels\/([^/]+)\/pinned/.exec(url)?.[1];
            const found = [open, hostile, closed].filter((p) => p.channel_id === id);
            return Promise.resolve(jsonResponse(200, pinnedList(...found)));
        });
        const store = makeStore();
        store.dispatch({type: 'SELECT_CHANNEL', data: OTHER_CHANNEL_ID});
        joinChannels(store, [
            channel(OTHER_CHANNEL_ID, 'town-square', 5),
            channel('incA00000000000000000000aa', 'incident-a', 3),
            channel('incB00000000000000000000aa', 'incident-b', 4, 'P'),
            channel('incC00000000000000000000aa', 'incident-c', 2),
            channel('dm0000000000000000000000aa', 'me__you', 9, 'D'),
        ]);
        const {container} = renderWithStore(<RhsPanel/>, store);

        const heading = await screen.findByRole('heading', {name: 'Open incidents (2)'});
        expect(heading).toBeInTheDocument();
        const items = container.querySelectorAll('.cix-open__item');
        expect([...items].map((li) => li.querySelector('a')?.textContent)).toEqual([HOSTILE, 'Codecov uploader']);
        expect(container.querySelector('img[src="x"], a[href="http://evil"]')).toBeNull();
        expect(screen.queryByText('Old incident')).not.toBeInTheDocument();
        const asked = fetch.mock.calls.map(([url]) => url).sort();
        expect(asked).toEqual([
            '/api/v4/channels/incA00000000000000000000aa/pinned',
            '/api/v4/channels/incB00000000000000000000aa/pinned',
            '/api/v4/channels/incC00000000000000000000aa/pinned',
            `/api/v4/channels/${OTHER_CHANNEL_ID}/pinned`,
        ]);

        // The WebSocket keeps the list live: the closed one reopens, the Codecov one is deleted.
        const reopened = checklistPost(checklistProps({name: 'Old incident', status: 'open', incidentId: 'inc-c'}), {id: closed.id, channel_id: closed.channel_id, update_at: closed.update_at + 1});
        act(() => makePostChangedHandler(store.dispatch)({event: 'post_edited', data: {post: JSON.stringify(reopened)}}));
        act(() => makePostDeletedHandler(store.dispatch)({event: 'post_deleted', data: {post: JSON.stringify(open)}}));
        expect(screen.getByRole('heading', {name: 'Open incidents (2)'})).toBeInTheDocument();
        expect([...container.querySelectorAll('.cix-open__item a')].map((a) => a.textContent)).toEqual([HOSTILE, 'Old incident']);
    });

    it('elsewhere, with no incident visible, explains /ci-exposure start', async () => {
        const fetch = mockFetch();
        fetch.mockResolvedValueOnce(jsonResponse(500, {message: 'boom'}));
        const store = makeStore();
        store.dispatch({type: 'SELECT_CHANNEL', data: OTHER_CHANNEL_ID});
        renderWithStore(<RhsPanel/>, store);
        await act(async () => undefined);
        expect(screen.getByText('/ci-exposure start')).toBeInTheDocument();
        expect(screen.getByText(/No open CI Exposure incident is visible to you/)).toBeInTheDocument();
        expect(fetch).toHaveBeenCalledTimes(1);
    });

    it('survives times no date can hold', async () => {
        mockFetch().mockResolvedValue(jsonResponse(200, {order: [], posts: {}}));
        const props = checklistProps({lastUpdate: {text: 'x', at: 1e20, by: {userId: 'u', username: 'u'}}});
        props.milestones = props.milestones.map((m) => ({...m, done: false, dueAt: 1e20}));
        const store = makeStore();
        receivePost(store, checklistPost(props));
        const {container} = renderWithStore(<RhsPanel/>, store);
        await act(async () => undefined);
        expect(container.querySelector('.cix-next')).toHaveTextContent('Incident channel and owner');
        expect(container.querySelector('time')).toBeNull();
    });

    it('ignores WebSocket posts that are not checklists or not JSON', () => {
        const store = makeStore();
        const handler = makePostChangedHandler(store.dispatch);
        handler({event: 'posted', data: {post: JSON.stringify({id: 'p', channel_id: 'c', type: '', message: 'hi'})}});
        handler({event: 'posted', data: {post: '{not json'}});
        handler({event: 'posted', data: {}});
        expect(store.getState()['plugins-ci-exposure']?.posts).toEqual({});
    });
});

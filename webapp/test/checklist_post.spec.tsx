import '@testing-library/jest-dom';
import {act, screen, within} from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React from 'react';

import {CONTRACT_VERSION, PROPS_KEY} from '@cix/contract';

import {ChecklistPost} from '../src/components/checklist/checklist_post';
import {CONFIRM_TIMEOUT_MS} from '../src/components/checklist/milestone_row';
import type {PluginPost} from '../src/types/mattermost-webapp';

import {HOSTILE, NOW, checklistPost, checklistProps, post} from './fixtures';
import {jsonResponse, makeStore, mockFetch, receivePost, renderWithStore} from './render';

const darkTheme = {
    type: 'custom' as const, sidebarBg: '#1f1f1f', sidebarText: '#ddd', sidebarUnreadText: '#fff', sidebarTextHoverBg: '#333',
    sidebarTextActiveBorder: '#5d89ea', sidebarTextActiveColor: '#fff', sidebarHeaderBg: '#111', sidebarTeamBarBg: '#000',
    sidebarHeaderTextColor: '#fff', onlineIndicator: '#3db887', awayIndicator: '#ffbc1f', dndIndicator: '#d24b4e',
    mentionBg: '#fff', mentionBj: '#fff', mentionColor: '#1f1f1f', centerChannelBg: '#1f1f1f', centerChannelColor: '#dddddd',
    newMessageSeparator: '#5d89ea', linkColor: '#5d89ea', buttonBg: '#5d89ea', buttonColor: '#fff', errorTextColor: '#ff6b6b',
    mentionHighlightBg: '#333', mentionHighlightLink: '#5d89ea', codeTheme: 'monokai',
};

function setup(p: PluginPost = checklistPost()) {
    const store = makeStore();
    receivePost(store, p);
    const user = userEvent.setup({advanceTimers: (ms) => jest.advanceTimersByTime(ms)});
    const view = renderWithStore(<ChecklistPost post={p}/>, store);
    return {store, user, view, post: p};
}

/** Mattermost re-renders the post component with the updated post; so does this. */
function update(view: ReturnType<typeof setup>['view'], store: ReturnType<typeof setup>['store'], p: PluginPost): void {
    act(() => receivePost(store, p));
    view.rerender(<ChecklistPost post={p}/>);
}

function withMilestoneDone(p: PluginPost, milestoneId: string, done: boolean): PluginPost {
    const props = checklistProps();
    return checklistPost({...props, milestones: props.milestones.map((m) => (m.id === milestoneId ? {...m, done} : m))}, {id: p.id, update_at: p.update_at + 1});
}

beforeEach(() => {
    jest.useFakeTimers({now: NOW});
});

afterEach(() => {
    jest.useRealTimers();
});

describe('checklist post', () => {
    it('renders milestones with state, assignee, live countdown and progress', () => {
        setup();
        expect(screen.getByText('tj-actions/changed-files tag rewrite')).toBeInTheDocument();
        expect(screen.getByText('Critical')).toBeInTheDocument();
        expect(screen.getByText('2 / 6')).toBeInTheDocument();
        expect(screen.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '2');

        const boxes = screen.getAllByRole('checkbox');
        expect(boxes).toHaveLength(6);
        expect(boxes.map((b) => b.getAttribute('aria-checked'))).toEqual(['true', 'true', 'false', 'false', 'false', 'false']);

        const rotate = screen.getByRole('checkbox', {name: /Rotate exposed secrets/}).closest('li')!;
        expect(within(rotate).getByText('@bob')).toBeInTheDocument();
        expect(rotate.querySelector('img.cix-user__avatar')).toHaveAttribute('src', expect.stringContaining('/api/v4/users/bob00000000000000000000000/image'));
        const overdue = within(rotate).getByText('overdue by 5m 00s').closest('time')!;
        expect(overdue).toHaveClass('cix-due--overdue');

        const pin = screen.getByRole('checkbox', {name: /Pin the action/}).closest('li')!;
        expect(within(pin).getByText('due in 1h 20m').closest('time')).not.toHaveClass('cix-due--overdue');
        expect(screen.getByText('due in 1d 2h')).toBeInTheDocument();

        act(() => jest.advanceTimersByTime(2 * 60_000 + 30_000));
        expect(within(rotate).getByText('overdue by 7m 30s')).toBeInTheDocument();
        expect(within(pin).getByText('due in 1h 17m')).toBeInTheDocument();
    });

    it('toggles a milestone through the post action, pending until the updated post arrives', async () => {
        const fetch = mockFetch();
        fetch.mockResolvedValue(jsonResponse(200, {status: 'OK', trigger_id: 't'}));
        const {user, view, store, post: p} = setup();
        const box = screen.getByRole('checkbox', {name: /Rotate exposed secrets/});

        await user.click(box);

        expect(fetch).toHaveBeenCalledTimes(1);
        const [url, init] = fetch.mock.calls[0]!;
        expect(url).toBe(`/api/v4/posts/${p.id}/actions/toggleM3`);
        expect(init?.method).toBe('POST');
        expect(JSON.parse(String(init?.body))).toEqual({cookie: 'cookie-toggleM3'});
        expect(init?.headers).toMatchObject({'X-Requested-With': 'XMLHttpRequest'});
        // As mattermost-redux's doPostAction: a dialog opened in answer to the click can be shown.
        expect(store.getState().entities.integrations.dialogTriggerId).toBe('t');

        // The action went through; the post has not changed yet.
        expect(box).toHaveAttribute('aria-busy', 'true');
        expect(box).toHaveAttribute('aria-checked', 'false');
        expect(screen.getByRole('status')).toHaveTextContent('Saving…');

        // A second click while pending does not send another action.
        await user.click(box);
        expect(fetch).toHaveBeenCalledTimes(1);

        update(view, store, withMilestoneDone(p, 'm3', true));
        const after = screen.getByRole('checkbox', {name: /Rotate exposed secrets/});
        expect(after).toHaveAttribute('aria-checked', 'true');
        expect(after).toHaveAttribute('aria-busy', 'false');
        expect(screen.queryByText('Saving…')).not.toBeInTheDocument();
        expect(screen.getByText('3 / 6')).toBeInTheDocument();
        expect(store.getState()['plugins-ci-exposure']?.toggles).toEqual({});
    });

    it('settles when the updated post arrives before the action response', async () => {
        const fetch = mockFetch();
        let answer: (r: ReturnType<typeof jsonResponse>) => void = () => undefined;
        fetch.mockReturnValue(new Promise((resolve) => {
            answer = resolve;
        }));
        const {user, view, store, post: p} = setup();
        await user.click(screen.getByRole('checkbox', {name: /Pin the action/}));
        expect(screen.getByRole('checkbox', {name: /Pin the action/})).toHaveAttribute('aria-busy', 'true');
        update(view, store, withMilestoneDone(p, 'm4', true));
        await act(async () => answer(jsonResponse(200, {status: 'OK'})));
        const box = screen.getByRole('checkbox', {name: /Pin the action/});
        expect(box).toHaveAttribute('aria-checked', 'true');
        expect(box).toHaveAttribute('aria-busy', 'false');
    });

    it('says so when the update never arrives', async () => {
        mockFetch().mockResolvedValue(jsonResponse(200, {status: 'OK'}));
        const {user} = setup();
        await user.click(screen.getByRole('checkbox', {name: /Stakeholder update/}));
        expect(screen.getByRole('checkbox', {name: /Stakeholder update/})).toHaveAttribute('aria-busy', 'true');
        act(() => jest.advanceTimersByTime(CONFIRM_TIMEOUT_MS + 1000));
        expect(screen.getByRole('alert')).toHaveTextContent('CI Exposure has not confirmed this change');
        expect(screen.getByRole('checkbox', {name: /Stakeholder update/})).toHaveAttribute('aria-busy', 'false');
    });

    it('reports a failed click and lets the user retry', async () => {
        const fetch = mockFetch();
        fetch.mockResolvedValueOnce(jsonResponse(400, {id: 'api.post.do_action.action_integration.app_error', message: 'Unable to reach the integration.', status_code: 400}));
        const {user} = setup();
        const box = screen.getByRole('checkbox', {name: /Rotate exposed secrets/});
        await user.click(box);
        expect(screen.getByRole('alert')).toHaveTextContent('Could not update this milestone: Unable to reach the integration. (HTTP 400)');
        expect(box).toHaveAttribute('aria-checked', 'false');
        expect(box).toHaveAttribute('aria-busy', 'false');

        fetch.mockRejectedValueOnce(new TypeError('Failed to fetch'));
        await user.click(box);
        expect(screen.getByRole('alert')).toHaveTextContent('Could not update this milestone: Failed to fetch');
        expect(fetch).toHaveBeenCalledTimes(2);
    });

    it('is keyboard usable: Tab to a milestone, Space or Enter toggles it', async () => {
        const fetch = mockFetch();
        fetch.mockResolvedValue(jsonResponse(200, {status: 'OK'}));
        const {user} = setup();
        await user.tab();
        expect(screen.getByRole('checkbox', {name: /Incident channel and owner/})).toHaveFocus();
        await user.tab();
        await user.tab();
        expect(screen.getByRole('checkbox', {name: /Rotate exposed secrets/})).toHaveFocus();
        await user.keyboard(' ');
        expect(fetch).toHaveBeenCalledTimes(1);
        await user.tab();
        await user.keyboard('{Enter}');
        expect(fetch).toHaveBeenCalledTimes(2);
        expect(fetch.mock.calls[1]![0]).toMatch(/\/actions\/toggleM4$/);
    });

    it('does not toggle milestones of a closed incident', async () => {
        const fetch = mockFetch();
        const {user} = setup(checklistPost(checklistProps({status: 'closed', closedAt: NOW})));
        expect(screen.getByText('Closed')).toBeInTheDocument();
        await user.click(screen.getByRole('checkbox', {name: /Rotate exposed secrets/}));
        expect(fetch).not.toHaveBeenCalled();
    });

    it('falls back to the message as plain text for unknown versions and broken props', () => {
        const message = '**Checklist** <b>bold</b> @channel [link](http://evil)';
        const cases: Array<[Record<string, unknown>, RegExp]> = [
            [{[PROPS_KEY]: {...checklistProps(), version: CONTRACT_VERSION + 1, extra: 'from the future'}}, /version 2 is not supported/],
            [{[PROPS_KEY]: {...checklistProps(), version: 0}}, /version 0 is not supported/],
            [{[PROPS_KEY]: {...checklistProps(), milestones: undefined}}, /milestones/],
            [{[PROPS_KEY]: {...checklistProps(), milestones: [{id: 'x', title: 'x', done: 'yes', actionId: 'a'}]}}, /milestones\.0\.done/],
            [{}, /no ci-exposure props/],
        ];
        for (const [props, reason] of cases) {
            const {container, unmount} = renderWithStore(<ChecklistPost post={post('custom_cix_checklist', props, {message})}/>);
            expect(container.querySelector('.cix-fallback__text')?.textContent).toBe(message);
            expect(container.querySelector('b, a, img')).toBeNull();
            expect(screen.queryByRole('checkbox')).not.toBeInTheDocument();
            expect(container.querySelector('.cix-fallback')?.textContent).toMatch(reason);
            unmount();
        }
    });

    it('renders hostile names as text', () => {
        const props = checklistProps({name: HOSTILE});
        props.milestones[0] = {...props.milestones[0]!, title: HOSTILE, assignee: {userId: 'u1', username: HOSTILE}};
        const {view} = setup(checklistPost(props));
        expect(screen.getAllByText(HOSTILE).length).toBeGreaterThanOrEqual(2);
        expect(screen.getByText(`@${HOSTILE}`)).toBeInTheDocument();
        expect(view.container.querySelector('img[src="x"], [onerror], a[href="http://evil"]')).toBeNull();
        // The only images are avatars from Mattermost's user API.
        for (const img of view.container.querySelectorAll('img')) {
            expect(img.getAttribute('src')).toMatch(/^\/api\/v4\/users\/[^/]+\/image$/);
        }
    });

    it('takes its colours from the theme prop, else from the store theme', () => {
        const p = checklistPost();
        const {container, unmount} = renderWithStore(<ChecklistPost post={p}/>);
        const root = container.querySelector<HTMLElement>('.cix-checklist')!;
        const light = root.style.getPropertyValue('--cix-error');
        expect(light).toMatch(/^#/);
        expect(root.style.getPropertyValue('--cix-bg')).toBe('#ffffff');
        unmount();
        const dark = renderWithStore(<ChecklistPost post={p} theme={darkTheme}/>);
        const darkRoot = dark.container.querySelector<HTMLElement>('.cix-checklist')!;
        expect(darkRoot.style.getPropertyValue('--cix-error')).toBe('#ff6b6b');
        expect(darkRoot.style.getPropertyValue('--cix-bg')).toBe('#1f1f1f');
    });
});

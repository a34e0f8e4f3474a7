import '@testing-library/jest-dom';
import {act, screen, within} from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React from 'react';

import {PROPS_KEY, type ChecklistProps} from '@cix/contract';

import {ChecklistPost} from '../src/components/checklist/checklist_post';
import type {PluginPost} from '../src/types/mattermost-webapp';

import {HOSTILE, NOW, checklistPost, checklistProps} from './fixtures';
import {jsonResponse, makeStore, mockFetch, receivePost, renderWithStore} from './render';

const MINUTE = 60_000;
const bob = {userId: 'bob00000000000000000000000', username: 'bob'};
const carol = {userId: 'carol000000000000000000000', username: 'carol'};

/** A checklist the evidence has ticked: the assessment by the lookup, repositories and secrets as sub-items. */
function evidenceProps(overrides: Partial<ChecklistProps> = {}): ChecklistProps {
    const base = checklistProps();
    return {
        ...base,
        milestones: [
            {id: 'initial-assessment', title: 'Initial assessment', done: true, actionId: 'item1', doneAt: NOW - 80 * MINUTE, verified: {source: 'exposure lookup', at: NOW - 80 * MINUTE, postId: 'reportpost0000000000000000'}},
            {
                id: 'secrets-rotated',
                title: 'Exposed secrets rotated',
                done: false,
                actionId: 'item2',
                itemsTotal: 3,
                itemsDone: 1,
                items: [
                    {id: 's1', kind: 'secret', label: 'NPM_TOKEN', where: 'pipeline config of acme/web', done: true, doneAt: NOW - 10 * MINUTE, verified: {source: 'GitHub secret updated_at', at: NOW - 10 * MINUTE}, evidence: {state: 'verified', source: 'GitHub secret updated_at', at: NOW - 10 * MINUTE}, owners: ['@acme/web-team']},
                    {id: 's2', kind: 'secret', label: HOSTILE, where: 'CircleCI context deploy', done: false, evidence: {state: 'manual', source: 'no platform evidence', at: NOW - 10 * MINUTE, reason: 'manual (no platform evidence available)'}},
                ],
            },
            {
                id: 'pipelines-hardened',
                title: 'Pipelines hardened',
                done: false,
                actionId: 'item3',
                itemsTotal: 2,
                itemsDone: 1,
                items: [
                    {id: 'repo:acme/web', kind: 'repository', label: 'acme/web', done: true, doneAt: NOW - 5 * MINUTE, doneBy: carol, override: {by: carol, at: NOW - 5 * MINUTE}, evidence: {state: 'not-yet', source: 're-check', at: NOW - 2 * MINUTE, reason: 'still exposed in .github/workflows/ci.yml'}},
                    {id: 'repo:acme/api', kind: 'repository', label: 'acme/api', done: false, evidence: {state: 'unknown', source: 're-check', at: NOW - 2 * MINUTE, reason: 'acme/api was not read by this lookup'}},
                ],
            },
            {id: 'retrospective', title: 'Retrospective held', done: false, actionId: 'item4', override: {by: bob, at: NOW}, evidence: {state: 'verified', source: 're-check', at: NOW}},
        ],
        evidence: {lookupAt: NOW - 2 * MINUTE, complete: false, incomplete: ['1 input error'], reportPostId: 'reportpost0000000000000000', firstCompleteAt: NOW - 80 * MINUTE, recheckMinutes: 30},
        recheckActionId: 'recheck',
        ...overrides,
    };
}

function evidencePost(props: ChecklistProps = evidenceProps()): PluginPost {
    const p = checklistPost(props);
    const attachments = p.props.attachments as Array<{actions: Array<Record<string, string>>}>;
    attachments[0]?.actions.push({id: 'recheck', name: 'Re-check', type: 'button', cookie: 'cookie-recheck'});
    return p;
}

function setup(p: PluginPost = evidencePost()) {
    const store = makeStore();
    receivePost(store, p);
    const user = userEvent.setup({advanceTimers: (ms) => jest.advanceTimersByTime(ms)});
    const view = renderWithStore(<ChecklistPost post={p}/>, store);
    return {store, user, view, post: p};
}

beforeEach(() => {
    jest.useFakeTimers({now: NOW});
});

afterEach(() => {
    jest.useRealTimers();
});

describe('the self-checking checklist', () => {
    it('tells an evidence tick from a person’s, with its source, time and the report', () => {
        setup();
        const assessment = screen.getByRole('checkbox', {name: /Initial assessment/}).closest('li')!;
        const verified = within(assessment).getByText(/verified by exposure lookup at/);
        expect(verified.closest('.cix-tick')).toHaveClass('cix-tick--evidence');
        expect(assessment.querySelector('time.cix-tick__time')).toHaveAttribute('dateTime', new Date(NOW - 80 * MINUTE).toISOString());
        expect(within(assessment).getByRole('link', {name: 'report'})).toHaveAttribute('href', '/_redirect/pl/reportpost0000000000000000');
        expect(within(assessment).queryByText(/done by/)).not.toBeInTheDocument();
        // A person's un-tick that the evidence disagrees with shows both.
        const retro = screen.getByRole('checkbox', {name: /Retrospective/}).closest('li')!;
        expect(within(retro).getByText('re-check says done; kept not done by @bob')).toBeInTheDocument();
    });

    it('lists sub-items with their number, where, owners and source; counts the ones the post left out', () => {
        setup();
        const secrets = screen.getByRole('list', {name: 'Sub-items of Exposed secrets rotated'});
        const rows = within(secrets).getAllByRole('listitem');
        expect(rows.map((r) => r.textContent)).toEqual([
            expect.stringMatching(/^✓2\.1NPM_TOKEN\(pipeline config of acme\/web\)verified by GitHub secret updated_at at .*owners: @acme\/web-team$/),
            `2.2${HOSTILE}(CircleCI context deploy)manual (no platform evidence available)`,
            '… 1 more: /ci-exposure status lists them all',
        ]);
        expect(within(rows[0]!).getByRole('img', {name: 'done'})).toBeInTheDocument();
        expect(within(rows[1]!).getByRole('img', {name: 'not done'})).toBeInTheDocument();
        // Hostile strings stay text.
        expect(secrets.querySelector('img:not([role])')).toBeNull();
        expect(screen.getByText('1 / 3')).toBeInTheDocument();

        const repos = within(screen.getByRole('list', {name: 'Sub-items of Pipelines hardened'})).getAllByRole('listitem');
        expect(repos).toHaveLength(2);
        expect(within(repos[0]!).getByText('done by @carol')).toBeInTheDocument();
        expect(within(repos[0]!).getByText('re-check says not yet: still exposed in .github/workflows/ci.yml')).toBeInTheDocument();
        expect(within(repos[1]!).getByText('left open: acme/api was not read by this lookup')).toHaveClass('cix-tick--unknown');
    });

    it('shows the latest lookup and the schedule, and re-checks through the post’s Re-check button', async () => {
        const fetch = mockFetch();
        fetch.mockResolvedValue(jsonResponse(200, {status: 'OK'}));
        const {user, post: p} = setup();
        expect(screen.getByText(/Latest lookup/).closest('.cix-evidence')).toHaveTextContent('incomplete (1 input error)');
        expect(screen.getByText('re-checked every 30 min')).toBeInTheDocument();

        await user.click(screen.getByRole('button', {name: 'Re-check'}));
        expect(fetch).toHaveBeenCalledTimes(1);
        const [url, init] = fetch.mock.calls[0]!;
        expect(url).toBe(`/api/v4/posts/${p.id}/actions/recheck`);
        expect(JSON.parse(String(init?.body))).toEqual({cookie: 'cookie-recheck'});
        expect(await screen.findByRole('status')).toHaveTextContent('Re-check requested');
    });

    it('says why a re-check could not be sent', async () => {
        const fetch = mockFetch();
        fetch.mockResolvedValue(jsonResponse(403, {id: 'api.post.do_action.action_integration.app_error', message: 'Unable to reach the integration.'}));
        const {user} = setup();
        await user.click(screen.getByRole('button', {name: 'Re-check'}));
        expect(await screen.findByRole('alert')).toHaveTextContent('Could not re-check: Unable to reach the integration. (HTTP 403)');
        expect(screen.getByRole('button', {name: 'Re-check'})).not.toBeDisabled();
    });

    it('offers no Re-check on a closed incident, nor on a post from before the evidence', () => {
        const closed = setup(evidencePost(evidenceProps({status: 'closed', closedAt: NOW})));
        expect(screen.queryByRole('button', {name: 'Re-check'})).not.toBeInTheDocument();
        expect(screen.queryByText('re-checked every 30 min')).not.toBeInTheDocument();
        closed.view.unmount();

        // An older post: no evidence, no sub-items, no Re-check — and it still renders.
        const old = checklistProps();
        const raw = JSON.parse(JSON.stringify(old)) as Record<string, unknown>;
        expect(raw.recheckActionId).toBeUndefined();
        setup(checklistPost(old));
        expect(screen.getAllByRole('checkbox')).toHaveLength(6);
        expect(screen.queryByRole('button', {name: 'Re-check'})).not.toBeInTheDocument();
        expect(document.querySelector('.cix-items, .cix-evidence')).toBeNull();
        act(() => jest.advanceTimersByTime(1000));
        expect(screen.getByText('done by @alice')).toBeInTheDocument();
        expect((checklistPost(old).props[PROPS_KEY] as ChecklistProps).milestones[0]?.verified).toBeUndefined();
    });
});

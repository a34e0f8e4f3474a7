import React, {useCallback, useEffect, useReducer} from 'react';
import {FormattedMessage, useIntl} from 'react-intl';

import type {Milestone} from '@cix/contract';

import {toggleMilestone} from '../../actions';
import {useAppDispatch, useAppSelector} from '../../hooks/redux';
import {getToggle} from '../../selectors';
import {DueCountdown} from '../common/due_countdown';
import {UserBadge} from '../common/user_badge';

import {SubItems} from './sub_items';
import {TickSource} from './tick_source';

/** How long a click waits for the updated post before it is reported as unconfirmed. */
export const CONFIRM_TIMEOUT_MS = 20_000;

interface Props {
    post: {id: string; channel_id: string; props: unknown};
    milestone: Milestone;
    closed: boolean;
    /** Its number in the checklist (`check N`; sub-items are N.M). */
    position: number;
}

type RowState = 'idle' | 'pending' | 'unconfirmed' | 'failed';

export function MilestoneRow({post, milestone, closed, position}: Props): React.ReactElement {
    const postId = post.id;
    const dispatch = useAppDispatch();
    const intl = useIntl();
    const toggle = useAppSelector((state) => getToggle(state, postId, milestone.id));
    const [, rerender] = useReducer((n: number) => n + 1, 0);

    // Waiting for the updated post: look again when the wait runs out.
    const awaitingSince = toggle?.status === 'awaiting-update' && milestone.done === toggle.wasDone ? toggle.since : undefined;
    useEffect(() => {
        if (awaitingSince === undefined) {
            return undefined;
        }
        const timer = setTimeout(rerender, Math.max(0, awaitingSince + CONFIRM_TIMEOUT_MS - Date.now()));
        return () => clearTimeout(timer);
    }, [awaitingSince]);
    const now = Date.now();

    let state: RowState = 'idle';
    let resolved = false;
    if (toggle?.status === 'failed') {
        state = 'failed';
    } else if (toggle) {
        if (milestone.done === toggle.wasDone) {
            state = toggle.status === 'awaiting-update' && now - toggle.since >= CONFIRM_TIMEOUT_MS ? 'unconfirmed' : 'pending';
        } else {
            resolved = true;
        }
    }

    // The updated post arrived: the click is settled.
    useEffect(() => {
        if (resolved) {
            dispatch({type: 'cix/toggle-cleared', postId, milestoneId: milestone.id});
        }
    }, [resolved, dispatch, postId, milestone.id]);

    const onClick = useCallback(() => {
        if (state === 'pending' || closed) {
            return;
        }
        toggleMilestone(dispatch, post, milestone).catch(() => undefined);
    }, [state, closed, dispatch, post, milestone]);

    const label = milestone.done ?
        intl.formatMessage({id: 'cix.milestone.markUndone', defaultMessage: 'Mark "{title}" as not done'}, {title: milestone.title}) :
        intl.formatMessage({id: 'cix.milestone.markDone', defaultMessage: 'Mark "{title}" as done'}, {title: milestone.title});

    return (
        <li className={`cix-milestone cix-milestone--${state}${milestone.done ? ' cix-milestone--done' : ''}`}>
            <div className='cix-milestone__line'>
                <button
                    type='button'
                    role='checkbox'
                    className='cix-milestone__toggle'
                    aria-checked={milestone.done}
                    aria-busy={state === 'pending'}
                    aria-disabled={closed || state === 'pending'}
                    title={label}
                    onClick={onClick}
                >
                    <span
                        className='cix-check'
                        aria-hidden='true'
                    >
                        {state === 'pending' ? '' : milestone.done ? '✓' : ''}
                    </span>
                    <span className='cix-milestone__title'>{milestone.title}</span>
                </button>
                <span className='cix-milestone__meta'>
                    {state === 'pending' && (
                        <span
                            className='cix-muted cix-small'
                            role='status'
                        >
                            <FormattedMessage id='cix.milestone.pending' defaultMessage='Saving…'/>
                        </span>
                    )}
                    {milestone.assignee && <UserBadge user={milestone.assignee}/>}
                    {milestone.itemsTotal !== undefined && (
                        <span className='cix-muted cix-small'>
                            <FormattedMessage id='cix.milestone.items' defaultMessage='{done} / {total}' values={{done: milestone.itemsDone ?? 0, total: milestone.itemsTotal}}/>
                        </span>
                    )}
                    <TickSource entry={milestone}/>
                    {!milestone.done && milestone.dueAt !== undefined && <DueCountdown dueAt={milestone.dueAt}/>}
                </span>
            </div>
            <SubItems
                milestone={milestone}
                position={position}
            />
            {state === 'failed' && toggle?.status === 'failed' && (
                <div
                    className='cix-error cix-small'
                    role='alert'
                >
                    <FormattedMessage
                        id='cix.milestone.failed'
                        defaultMessage='Could not update this milestone: {error}'
                        values={{error: toggle.message}}
                    />
                </div>
            )}
            {state === 'unconfirmed' && (
                <div
                    className='cix-error cix-small'
                    role='alert'
                >
                    <FormattedMessage
                        id='cix.milestone.unconfirmed'
                        defaultMessage='CI Exposure has not confirmed this change; it may not have been saved. Click again to retry.'
                    />
                </div>
            )}
        </li>
    );
}

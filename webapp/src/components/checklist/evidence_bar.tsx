import React, {useCallback, useState} from 'react';
import {FormattedMessage, useIntl} from 'react-intl';

import type {ChecklistProps} from '@cix/contract';

import {describeError, findActionCookie} from '../../actions';
import {doPostAction} from '../../client';
import {isoTime} from '../common/time';

type State = {kind: 'idle'} | {kind: 'pending'} | {kind: 'sent'} | {kind: 'failed'; message: string};

/**
 * The checklist's evidence: the latest lookup (complete or why not), the re-check schedule, and the
 * Re-check button — the post's own `recheck` attachment button clicked through Mattermost, as the
 * milestones are. The bridge answers the click when the lookup has run; the post updates with it.
 */
export function EvidenceBar({post, checklist}: {post: {id: string; props: unknown}; checklist: ChecklistProps}): React.ReactElement | null {
    const intl = useIntl();
    const [state, setState] = useState<State>({kind: 'idle'});
    const actionId = checklist.recheckActionId;
    const closed = checklist.status === 'closed';
    const onClick = useCallback(() => {
        if (actionId === undefined || state.kind === 'pending') {
            return;
        }
        setState({kind: 'pending'});
        doPostAction(post.id, actionId, findActionCookie(post.props, actionId)).then(
            () => setState({kind: 'sent'}),
            (err: unknown) => setState({kind: 'failed', message: describeError(err)}),
        );
    }, [actionId, post.id, post.props, state.kind]);
    const e = checklist.evidence;
    if (!e && (actionId === undefined || closed)) {
        return null;
    }
    const lookupIso = e?.lookupAt === undefined ? undefined : isoTime(e.lookupAt);
    return (
        <div className='cix-evidence cix-small'>
            {e?.lookupAt !== undefined && lookupIso !== undefined && (
                <span className='cix-evidence__lookup'>
                    <FormattedMessage
                        id='cix.evidence.lookup'
                        defaultMessage='Latest lookup {time}:'
                        values={{time: <time dateTime={lookupIso}>{intl.formatDate(e.lookupAt, {dateStyle: 'medium', timeStyle: 'short'})}</time>}}
                    />
                    {' '}
                    {e.complete ? (
                        <FormattedMessage id='cix.evidence.complete' defaultMessage='complete answer'/>
                    ) : (
                        <span className='cix-evidence__incomplete'>
                            <FormattedMessage id='cix.evidence.incomplete' defaultMessage='incomplete ({reasons})' values={{reasons: (e.incomplete ?? []).join('; ')}}/>
                        </span>
                    )}
                </span>
            )}
            {!closed && e?.recheckMinutes !== undefined && (
                <span className='cix-muted'>
                    <FormattedMessage id='cix.evidence.schedule' defaultMessage='re-checked every {minutes} min' values={{minutes: e.recheckMinutes}}/>
                </span>
            )}
            {!closed && actionId !== undefined && (
                <button
                    type='button'
                    className='cix-button cix-recheck'
                    aria-busy={state.kind === 'pending'}
                    disabled={state.kind === 'pending'}
                    onClick={onClick}
                >
                    {state.kind === 'pending' ? (
                        <FormattedMessage id='cix.evidence.rechecking' defaultMessage='Re-checking…'/>
                    ) : (
                        <FormattedMessage id='cix.evidence.recheck' defaultMessage='Re-check'/>
                    )}
                </button>
            )}
            {state.kind === 'sent' && (
                <span
                    className='cix-muted'
                    role='status'
                >
                    <FormattedMessage id='cix.evidence.sent' defaultMessage='Re-check requested: CI Exposure answers you here, and the checklist shows what changed.'/>
                </span>
            )}
            {state.kind === 'failed' && (
                <span
                    className='cix-error'
                    role='alert'
                >
                    <FormattedMessage id='cix.evidence.failed' defaultMessage='Could not re-check: {error}' values={{error: state.message}}/>
                </span>
            )}
        </div>
    );
}

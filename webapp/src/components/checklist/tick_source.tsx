import React from 'react';
import {FormattedMessage, useIntl} from 'react-intl';

import type {SubItem} from '@cix/contract';

import {Permalink} from '../common/permalink';
import {isoTime} from '../common/time';

/** What a milestone and a sub-item share: their state and who or what set it. */
type Entry = Pick<SubItem, 'done' | 'doneBy' | 'verified' | 'evidence' | 'override'>;

function At({at}: {at: number}): React.ReactElement | null {
    const intl = useIntl();
    const iso = isoTime(at);
    if (iso === undefined) {
        return null;
    }
    return (
        <time
            className='cix-tick__time'
            dateTime={iso}
        >
            {intl.formatDate(at, {dateStyle: 'medium', timeStyle: 'short'})}
        </time>
    );
}

/**
 * Who or what set the state: "done by @bob", or "verified by exposure lookup at …" (evidence, with a link
 * to the post carrying it); for what is not done, what the evidence says (left open and why, manual,
 * still exposed); and where a person's override disagrees with the evidence, both.
 */
export function TickSource({entry}: {entry: Entry}): React.ReactElement | null {
    const parts: React.ReactElement[] = [];
    const e = entry.evidence;
    if (entry.done && entry.verified) {
        const v = entry.verified;
        parts.push(
            <span
                key='verified'
                className='cix-tick cix-tick--evidence'
            >
                <FormattedMessage
                    id='cix.tick.verified'
                    defaultMessage='verified by {source} at {time}'
                    values={{source: v.source, time: <At at={v.at}/>}}
                />
                {v.postId !== undefined && (
                    <>
                        {' · '}
                        <Permalink postId={v.postId}>
                            <FormattedMessage id='cix.tick.report' defaultMessage='report'/>
                        </Permalink>
                    </>
                )}
            </span>,
        );
    } else if (entry.done && entry.doneBy) {
        parts.push(
            <span
                key='person'
                className='cix-tick cix-tick--person'
            >
                <FormattedMessage id='cix.milestone.doneBy' defaultMessage='done by {user}' values={{user: `@${entry.doneBy.username}`}}/>
            </span>,
        );
    }
    if (e) {
        const reason = e.reason ?? '';
        let text: React.ReactElement | undefined;
        if (entry.override && entry.done && e.state === 'not-yet') {
            text = <FormattedMessage id='cix.tick.disagreeNotYet' defaultMessage='{source} says not yet: {reason}' values={{source: e.source, reason}}/>;
        } else if (entry.override && !entry.done && e.state === 'verified') {
            text = <FormattedMessage id='cix.tick.disagreeDone' defaultMessage='{source} says done; kept not done by {user}' values={{source: e.source, user: `@${entry.override.by.username}`}}/>;
        } else if (!entry.done && e.state === 'unknown') {
            text = <FormattedMessage id='cix.tick.unknown' defaultMessage='left open: {reason}' values={{reason}}/>;
        } else if (!entry.done && e.state === 'manual') {
            text = <FormattedMessage id='cix.tick.manual' defaultMessage='manual (no platform evidence available)'/>;
        } else if (!entry.done && e.state === 'not-yet') {
            text = <FormattedMessage id='cix.tick.notYet' defaultMessage='not yet: {reason} ({source} at {time})' values={{reason, source: e.source, time: <At at={e.at}/>}}/>;
        }
        if (text) {
            parts.push(
                <span
                    key='reading'
                    className={`cix-tick cix-tick--${e.state}`}
                >
                    {text}
                </span>,
            );
        }
    }
    if (parts.length === 0) {
        return null;
    }
    return <span className='cix-ticks cix-small cix-muted'>{parts}</span>;
}

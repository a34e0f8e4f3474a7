import React, {useEffect} from 'react';
import {FormattedMessage} from 'react-intl';

import {POST_TYPE_CHECKLIST} from '@cix/contract';

import {loadPinnedChecklists} from '../../actions';
import {useAppDispatch, useAppSelector} from '../../hooks/redux';
import {getChannelsToScan, getOpenIncidents, getPluginState} from '../../selectors';
import {ChecklistProgress} from '../checklist/checklist_post';
import {DueCountdown} from '../common/due_countdown';
import {Permalink} from '../common/permalink';
import {SeverityBadge} from '../common/severity_badge';

import {nextMilestone} from './incident_summary';

export function StartExplanation(): React.ReactElement {
    return (
        <div className='cix-start'>
            <p>
                <FormattedMessage
                    id='cix.rhs.startIntro'
                    defaultMessage='No open CI Exposure incident is visible to you.'
                />
            </p>
            <p>
                <FormattedMessage
                    id='cix.rhs.startHow'
                    defaultMessage='To respond to a compromised CI/CD component (an action, orb, include or script), type {command} in any channel: CI Exposure opens an incident channel, posts a checklist and scans which pipelines ran the component.'
                    values={{command: <code>{'/ci-exposure start'}</code>}}
                />
            </p>
        </div>
    );
}

/**
 * The open incidents the user can see: the checklist posts already in Mattermost's store plus the
 * pinned checklists of the user's most recently active channels of this team (fetched once each).
 */
export function OpenIncidents(): React.ReactElement {
    const dispatch = useAppDispatch();
    const incidents = useAppSelector(getOpenIncidents);
    const channels = useAppSelector(getChannelsToScan);
    const pinned = useAppSelector((state) => getPluginState(state).pinned);
    const missing = channels.filter((id) => !pinned[id]);
    const missingKey = missing.join(',');
    const loading = channels.some((id) => pinned[id]?.status === 'loading');

    useEffect(() => {
        if (missingKey) {
            loadPinnedChecklists(dispatch, missingKey.split(','), POST_TYPE_CHECKLIST).catch(() => undefined);
        }
    }, [missingKey, dispatch]);

    if (incidents.length === 0) {
        return loading || missing.length > 0 ? (
            <p
                className='cix-muted'
                role='status'
            >
                <FormattedMessage id='cix.rhs.looking' defaultMessage='Looking for open incidents…'/>
            </p>
        ) : <StartExplanation/>;
    }
    return (
        <section className='cix-open'>
            <h3 className='cix-heading'>
                <FormattedMessage id='cix.rhs.openIncidents' defaultMessage='Open incidents ({count})' values={{count: incidents.length}}/>
            </h3>
            <ul className='cix-open__list'>
                {incidents.map((entry) => {
                    const next = nextMilestone(entry.checklist);
                    return (
                        <li
                            key={entry.checklist.incidentId}
                            className='cix-open__item'
                        >
                            <SeverityBadge severity={entry.checklist.severity}/>
                            <Permalink postId={entry.postId}>{entry.checklist.name}</Permalink>
                            <ChecklistProgress checklist={entry.checklist}/>
                            {next && (
                                <span className='cix-open__next cix-small'>
                                    <FormattedMessage
                                        id='cix.rhs.nextShort'
                                        defaultMessage='Next: {title}'
                                        values={{title: next.title}}
                                    />
                                    {next.dueAt !== undefined && <>{' · '}<DueCountdown dueAt={next.dueAt}/></>}
                                </span>
                            )}
                        </li>
                    );
                })}
            </ul>
            {loading && (
                <p
                    className='cix-muted cix-small'
                    role='status'
                >
                    <FormattedMessage id='cix.rhs.looking' defaultMessage='Looking for open incidents…'/>
                </p>
            )}
        </section>
    );
}

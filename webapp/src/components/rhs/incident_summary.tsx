import React from 'react';
import {FormattedMessage, useIntl} from 'react-intl';

import type {ChecklistProps, Milestone} from '@cix/contract';

import type {ChecklistEntry} from '../../selectors';
import {ChecklistProgress} from '../checklist/checklist_post';
import {DueCountdown} from '../common/due_countdown';
import {Permalink} from '../common/permalink';
import {SeverityBadge} from '../common/severity_badge';
import {isoTime} from '../common/time';
import {UserBadge} from '../common/user_badge';
import {SummaryBar} from '../report/summary_bar';

/** The first open milestone by due time (those without one come last, in checklist order). */
export function nextMilestone(checklist: ChecklistProps): Milestone | undefined {
    const open = checklist.milestones.filter((m) => !m.done);
    const due = open.filter((m) => m.dueAt !== undefined).sort((a, b) => (a.dueAt ?? 0) - (b.dueAt ?? 0));
    return due[0] ?? open[0];
}

export function IncidentSummary({entry}: {entry: ChecklistEntry}): React.ReactElement {
    const intl = useIntl();
    const {checklist} = entry;
    const next = nextMilestone(checklist);
    return (
        <section
            className='cix-incident'
            aria-label={checklist.name}
        >
            <h3 className='cix-incident__name'>
                <SeverityBadge severity={checklist.severity}/>
                <span>{checklist.name}</span>
            </h3>
            <dl className='cix-facts'>
                <dt><FormattedMessage id='cix.rhs.status' defaultMessage='Status'/></dt>
                <dd>
                    {checklist.status === 'closed' ? <FormattedMessage id='cix.status.closed' defaultMessage='Closed'/> : <FormattedMessage id='cix.status.open' defaultMessage='Open'/>}
                </dd>
                <dt><FormattedMessage id='cix.checklist.owner' defaultMessage='Owner'/></dt>
                <dd>{checklist.owner ? <UserBadge user={checklist.owner}/> : <span className='cix-muted'><FormattedMessage id='cix.rhs.noOwner' defaultMessage='nobody yet'/></span>}</dd>
                <dt><FormattedMessage id='cix.rhs.progress' defaultMessage='Checklist'/></dt>
                <dd><ChecklistProgress checklist={checklist}/></dd>
                <dt><FormattedMessage id='cix.rhs.next' defaultMessage='Next'/></dt>
                <dd>
                    {next ? (
                        <span className='cix-next'>
                            <span>{next.title}</span>
                            {next.assignee && <UserBadge user={next.assignee}/>}
                            {next.dueAt !== undefined && <DueCountdown dueAt={next.dueAt}/>}
                        </span>
                    ) : (
                        <span className='cix-muted'><FormattedMessage id='cix.rhs.allDone' defaultMessage='All milestones are done.'/></span>
                    )}
                </dd>
            </dl>
            <h4 className='cix-heading'><FormattedMessage id='cix.rhs.lastUpdate' defaultMessage='Latest status update'/></h4>
            {checklist.lastUpdate ? (
                <figure className='cix-update'>
                    <blockquote className='cix-update__text'>{checklist.lastUpdate.text}</blockquote>
                    <figcaption className='cix-muted cix-small'>
                        <UserBadge
                            user={checklist.lastUpdate.by}
                            size={16}
                        />{' '}
                        {isoTime(checklist.lastUpdate.at) !== undefined && (
                            <time dateTime={isoTime(checklist.lastUpdate.at)}>
                                {intl.formatDate(checklist.lastUpdate.at, {dateStyle: 'medium', timeStyle: 'short'})}
                            </time>
                        )}
                    </figcaption>
                </figure>
            ) : (
                <p className='cix-muted'><FormattedMessage id='cix.rhs.noUpdate' defaultMessage='No status update yet.'/></p>
            )}
            <h4 className='cix-heading'><FormattedMessage id='cix.rhs.exposure' defaultMessage='Exposure'/></h4>
            {checklist.exposure ? (
                <SummaryBar summary={checklist.exposure}/>
            ) : (
                <p className='cix-muted'><FormattedMessage id='cix.rhs.noExposure' defaultMessage='No exposure scan yet.'/></p>
            )}
            <p>
                <Permalink postId={entry.postId}>
                    <FormattedMessage id='cix.rhs.openChecklist' defaultMessage='Open the checklist'/>
                </Permalink>
            </p>
        </section>
    );
}

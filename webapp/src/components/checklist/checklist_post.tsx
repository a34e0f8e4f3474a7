import React, {useMemo} from 'react';
import {FormattedMessage, useIntl} from 'react-intl';

import {parseChecklistProps, type ChecklistProps} from '@cix/contract';

import {useThemeStyle} from '../../hooks/use_theme_style';
import type {PostTypeComponentProps} from '../../types/mattermost-webapp';
import {FallbackMessage} from '../common/fallback_message';
import {SeverityBadge} from '../common/severity_badge';
import {UserBadge} from '../common/user_badge';

import {MilestoneRow} from './milestone_row';
import {EvidenceBar} from './evidence_bar';

export function ChecklistProgress({checklist}: {checklist: ChecklistProps}): React.ReactElement {
    const intl = useIntl();
    const done = checklist.milestones.filter((m) => m.done).length;
    const total = checklist.milestones.length;
    return (
        <span className='cix-progress'>
            <span className='cix-progress__text'>
                <FormattedMessage id='cix.checklist.progress' defaultMessage='{done} / {total}' values={{done, total}}/>
            </span>
            <span
                className='cix-progress__bar'
                role='progressbar'
                aria-valuemin={0}
                aria-valuemax={total}
                aria-valuenow={done}
                aria-label={intl.formatMessage({id: 'cix.checklist.progressLabel', defaultMessage: 'Milestones done'})}
            >
                <span
                    className='cix-progress__fill'
                    style={{width: total ? `${Math.round((100 * done) / total)}%` : '0%'}}
                />
            </span>
        </span>
    );
}

export function ChecklistPost({post, theme}: PostTypeComponentProps): React.ReactElement {
    const parsed = useMemo(() => parseChecklistProps(post.props), [post.props]);
    const style = useThemeStyle(theme);
    if (!parsed.ok) {
        return (
            <FallbackMessage
                message={post.message}
                reason={parsed.reason}
            />
        );
    }
    const checklist = parsed.value;
    const closed = checklist.status === 'closed';
    return (
        <section
            className='cix cix-checklist'
            style={style}
            aria-label={checklist.name}
        >
            <header className='cix-checklist__header'>
                <SeverityBadge severity={checklist.severity}/>
                <strong className='cix-checklist__name'>{checklist.name}</strong>
                <span className={closed ? 'cix-status cix-status--closed' : 'cix-status'}>
                    {closed ? <FormattedMessage id='cix.status.closed' defaultMessage='Closed'/> : <FormattedMessage id='cix.status.open' defaultMessage='Open'/>}
                </span>
                {checklist.owner && (
                    <span className='cix-small cix-owner'>
                        <FormattedMessage id='cix.checklist.owner' defaultMessage='Owner'/>
                        <UserBadge user={checklist.owner}/>
                    </span>
                )}
                <ChecklistProgress checklist={checklist}/>
            </header>
            {checklist.milestones.length === 0 ? (
                <p className='cix-muted'>
                    <FormattedMessage id='cix.checklist.empty' defaultMessage='This checklist has no milestones.'/>
                </p>
            ) : (
                <ul className='cix-milestones'>
                    {checklist.milestones.map((milestone, index) => (
                        <MilestoneRow
                            key={milestone.id}
                            post={post}
                            milestone={milestone}
                            closed={closed}
                            position={index + 1}
                        />
                    ))}
                </ul>
            )}
            <EvidenceBar
                post={post}
                checklist={checklist}
            />
        </section>
    );
}

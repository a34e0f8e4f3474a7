import React, {useMemo} from 'react';
import {FormattedMessage} from 'react-intl';

import {parseReportProps, type ReportProps} from '@cix/contract';

import {useThemeStyle} from '../../hooks/use_theme_style';
import type {PostTypeComponentProps} from '../../types/mattermost-webapp';
import {FallbackMessage} from '../common/fallback_message';

import {useFullReport} from './full_report';
import {ReportTable} from './report_table';
import {SummaryBar} from './summary_bar';

/**
 * Why the answer is incomplete. Posts written before `incomplete` existed say it through their counts
 * only: unresolved components or errors are never "nothing is affected".
 */
export function incompleteReasons(report: ReportProps): string[] {
    if (report.incomplete && report.incomplete.length > 0) {
        return report.incomplete;
    }
    const reasons: string[] = [];
    if (report.summary.unresolved > 0) {
        reasons.push(`${report.summary.unresolved} component(s) whose source could not be read`);
    }
    if (report.summary.errors > 0) {
        reasons.push(`${report.summary.errors} input error(s): files or repositories not read`);
    }
    return reasons;
}

export function ReportPost({post, theme}: PostTypeComponentProps): React.ReactElement {
    const parsed = useMemo(() => parseReportProps(post.props), [post.props]);
    const style = useThemeStyle(theme);
    const [full, loadFull] = useFullReport(parsed.ok ? parsed.value.jsonFileId : undefined);
    if (!parsed.ok) {
        return (
            <FallbackMessage
                message={post.message}
                reason={parsed.reason}
            />
        );
    }
    const report = parsed.value;
    const rows = full.status === 'loaded' ? full.rows : report.rows;
    const partial = full.status !== 'loaded' && report.totalRows > report.rows.length;
    const incomplete = incompleteReasons(report);
    return (
        <section
            className='cix cix-report'
            style={style}
            aria-label={report.indicator.title}
        >
            <header className='cix-report__header'>
                <strong>{report.indicator.title}</strong>
                <span className='cix-muted cix-small'>{report.indicator.id}</span>
            </header>
            <SummaryBar summary={report.summary}/>
            {rows.length > 0 ? (
                <ReportTable
                    rows={rows}
                    idPrefix={`cix-${post.id}`}
                />
            ) : report.totalRows === 0 && incomplete.length === 0 && (
                <p className='cix-muted'>
                    <FormattedMessage id='cix.report.none' defaultMessage='No job ran the component: nothing is affected.'/>
                </p>
            )}
            {incomplete.length > 0 && (
                <div
                    className='cix-report__incomplete'
                    role='status'
                >
                    <strong>
                        {report.totalRows === 0 ? (
                            <FormattedMessage
                                id='cix.report.incompleteNone'
                                defaultMessage='Incomplete: nothing affected was found in what was read, but what was not read is not known to be clean.'
                            />
                        ) : (
                            <FormattedMessage
                                id='cix.report.incomplete'
                                defaultMessage='Incomplete: more jobs may be affected than these.'
                            />
                        )}
                    </strong>
                    <ul className='cix-names'>
                        {incomplete.map((reason, i) => (
                            // Reasons may repeat; an item's identity is its position.
                            <li key={i}>{reason}</li>
                        ))}
                    </ul>
                </div>
            )}
            {partial && (
                <div className='cix-report__more cix-small'>
                    <FormattedMessage
                        id='cix.report.partial'
                        defaultMessage='This post holds the top {shown} of {total} affected jobs.'
                        values={{shown: report.rows.length, total: report.totalRows}}
                    />{' '}
                    {report.jsonFileId ? (
                        <button
                            type='button'
                            className='cix-button'
                            onClick={loadFull}
                            disabled={full.status === 'loading'}
                        >
                            {full.status === 'loading' ? (
                                <FormattedMessage id='cix.report.loading' defaultMessage='Loading the full report…'/>
                            ) : (
                                <FormattedMessage id='cix.report.loadFull' defaultMessage='Load the full report'/>
                            )}
                        </button>
                    ) : (
                        <FormattedMessage id='cix.report.noFile' defaultMessage='The full report is not attached.'/>
                    )}
                </div>
            )}
            {full.status === 'failed' && (
                <div
                    className='cix-error cix-small'
                    role='alert'
                >
                    <FormattedMessage
                        id='cix.report.loadFailed'
                        defaultMessage='Could not load the full report: {error}'
                        values={{error: full.message}}
                    />
                </div>
            )}
            {full.status === 'loaded' && full.invalid > 0 && (
                <div
                    className='cix-error cix-small'
                    role='status'
                >
                    <FormattedMessage
                        id='cix.report.invalidRows'
                        defaultMessage='{count, plural, one {# row of the attached report could not be read and is not shown.} other {# rows of the attached report could not be read and are not shown.}}'
                        values={{count: full.invalid}}
                    />
                </div>
            )}
        </section>
    );
}

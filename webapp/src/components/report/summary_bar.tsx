import React from 'react';
import {FormattedMessage} from 'react-intl';

import {VERDICTS, type ExposureSummary} from '@cix/contract';

import {SeverityLabel} from '../common/severity_badge';

const BUCKETS = [...VERDICTS, 'unresolved'] as const;
type Bucket = (typeof BUCKETS)[number];

function count(summary: ExposureSummary, bucket: Bucket): number {
    return bucket === 'unresolved' ? summary.unresolved : summary.byVerdict[bucket] ?? 0;
}

/** Every bucket, but `not-run` only when some job did not run (posts without run evidence have no such count). */
function shown(summary: ExposureSummary): Bucket[] {
    return BUCKETS.filter((b) => b !== 'not-run' || count(summary, b) > 0);
}

/**
 * Affected jobs by verdict (a job that did not run in the window under `not-run`, not its static exposure),
 * plus the unresolved ones: a proportional bar and a legend with counts.
 */
export function SummaryBar({summary}: {summary: ExposureSummary}): React.ReactElement {
    const total = BUCKETS.reduce((sum, b) => sum + Math.max(0, count(summary, b)), 0);
    return (
        <div className='cix-summary'>
            {total > 0 && (
                <div
                    className='cix-summary__bar'
                    aria-hidden='true'
                >
                    {BUCKETS.filter((b) => count(summary, b) > 0).map((b) => (
                        <span
                            key={b}
                            className={`cix-summary__segment cix-sev--${b}`}
                            style={{flexGrow: count(summary, b)}}
                        />
                    ))}
                </div>
            )}
            <ul className='cix-summary__legend'>
                {shown(summary).map((b) => (
                    <li
                        key={b}
                        className='cix-summary__item'
                        data-verdict={b}
                    >
                        <span
                            className={`cix-dot cix-sev--${b}`}
                            aria-hidden='true'
                        />
                        <SeverityLabel severity={b}/>
                        <strong className='cix-summary__count'>{count(summary, b)}</strong>
                    </li>
                ))}
            </ul>
            <div className='cix-muted cix-small'>
                <FormattedMessage
                    id='cix.report.scanned'
                    defaultMessage='{affected} affected of {jobs} jobs in {repos} repositories{errors, plural, =0 {} one {, # scan error} other {, # scan errors}}'
                    values={{affected: summary.affected, jobs: summary.jobs, repos: summary.repos, errors: summary.errors}}
                />
                {summary.ran !== undefined && (
                    <FormattedMessage
                        id='cix.report.ranInWindow'
                        defaultMessage=' · {ran} ran in the window'
                        values={{ran: summary.ran}}
                    />
                )}
            </div>
        </div>
    );
}

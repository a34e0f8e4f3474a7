import React from 'react';
import {FormattedMessage} from 'react-intl';

import type {ReportRuns} from '@cix/contract';

/**
 * What the platform says happened to a job in the incident window, under its name: "ran 14× in the
 * window", "did not run", "run history unavailable" (never shown as "did not run"). A public log that
 * carried the payload comes first, and "ran the malicious commit" is highlighted. CircleCI: the contexts
 * the runs used ("used contexts aws-prod, npm"; names as text, never markup). Rows of posts written
 * before run evidence have no `runs`: nothing is shown.
 */
export function RunsLine({runs}: {runs: ReportRuns | undefined}): React.ReactElement | null {
    if (!runs) {
        return null;
    }
    return (
        <div className='cix-runs cix-small'>
            {runs.publicLog && (
                <strong className='cix-runs--urgent'>
                    <FormattedMessage
                        id='cix.report.runs.publicLog'
                        defaultMessage='the secrets were readable by anyone who opened the log'
                    />
                    {' · '}
                </strong>
            )}
            {runs.state === 'ran' && (
                <span title={runs.first && runs.last ? `${runs.first} – ${runs.last}` : undefined}>
                    <FormattedMessage
                        id='cix.report.runs.ran'
                        defaultMessage='ran {count}× in the window'
                        values={{count: runs.count}}
                    />
                </span>
            )}
            {runs.state === 'not-run' && (
                <span className='cix-muted'>
                    <FormattedMessage
                        id='cix.report.runs.notRun'
                        defaultMessage='did not run'
                    />
                </span>
            )}
            {runs.state === 'unavailable' && (
                <span className='cix-muted'>
                    <FormattedMessage
                        id='cix.report.runs.unavailable'
                        defaultMessage='run history unavailable'
                    />
                </span>
            )}
            {runs.state === 'ran' && runs.resolution === 'malicious' && (
                <>
                    {' · '}
                    <strong className='cix-runs--urgent'>
                        <FormattedMessage
                            id='cix.report.runs.malicious'
                            defaultMessage='ran the malicious commit'
                        />
                    </strong>
                </>
            )}
            {runs.state === 'ran' && runs.resolution === 'clean' && (
                <span className='cix-muted'>
                    {' · '}
                    <FormattedMessage
                        id='cix.report.runs.clean'
                        defaultMessage='resolved to a clean commit'
                    />
                </span>
            )}
            {runs.state === 'ran' && runs.contexts !== undefined && (
                <span className='cix-runs__contexts'>
                    {' · '}
                    {runs.contexts.length === 0 ? (
                        <FormattedMessage
                            id='cix.report.runs.noContext'
                            defaultMessage='used no context'
                        />
                    ) : (
                        <FormattedMessage
                            id='cix.report.runs.contexts'
                            defaultMessage='used {count, plural, one {context} other {contexts}} {names}'
                            values={{count: runs.contexts.length, names: runs.contexts.join(', ')}}
                        />
                    )}
                </span>
            )}
        </div>
    );
}

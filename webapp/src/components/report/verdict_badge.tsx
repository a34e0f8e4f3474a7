import React from 'react';
import {FormattedMessage} from 'react-intl';

import type {ReportRow} from '@cix/contract';

import {SeverityLabel} from '../common/severity_badge';

/**
 * A row's verdict: its static exposure, or — for a job that did not run in the incident window —
 * "not run · high": still listed, with the static exposure it would have had. A `not-run` row always
 * carries it (the contract refuses one without).
 */
export function VerdictBadge({row}: {row: Pick<ReportRow, 'verdict' | 'exposureVerdict'>}): React.ReactElement {
    if (row.verdict === 'not-run' && row.exposureVerdict) {
        return (
            <span
                className='cix-badge cix-sev--not-run'
                data-exposure={row.exposureVerdict}
            >
                <FormattedMessage
                    id='cix.report.verdict.notRun'
                    defaultMessage='not run · {exposure}'
                    values={{exposure: <SeverityLabel severity={row.exposureVerdict}/>}}
                />
            </span>
        );
    }
    return (
        <span className={`cix-badge cix-sev--${row.verdict}`}>
            <SeverityLabel severity={row.verdict}/>
        </span>
    );
}

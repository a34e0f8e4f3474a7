import React from 'react';
import {FormattedMessage} from 'react-intl';

import type {Severity, Verdict} from '@cix/contract';

import {severityMessages} from '../../i18n/messages';

/** An incident severity, a finding's verdict (`not-run` included) or `unresolved`, in words. */
export function SeverityLabel({severity}: {severity: Severity | Verdict | 'unresolved'}): React.ReactElement {
    return <FormattedMessage {...severityMessages[severity]}/>;
}

export function SeverityBadge({severity}: {severity: Severity}): React.ReactElement {
    return (
        <span className={`cix-badge cix-sev--${severity}`}>
            <SeverityLabel severity={severity}/>
        </span>
    );
}

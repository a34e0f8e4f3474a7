import React from 'react';
import {FormattedMessage} from 'react-intl';

import type {Severity} from '@cix/contract';

import {severityMessages} from '../../i18n/messages';

export function SeverityLabel({severity}: {severity: Severity | 'unresolved'}): React.ReactElement {
    return <FormattedMessage {...severityMessages[severity]}/>;
}

export function SeverityBadge({severity}: {severity: Severity}): React.ReactElement {
    return (
        <span className={`cix-badge cix-sev--${severity}`}>
            <SeverityLabel severity={severity}/>
        </span>
    );
}

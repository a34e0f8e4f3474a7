import React from 'react';
import {FormattedMessage, useIntl} from 'react-intl';

import {useNow} from '../../hooks/use_now';

import {Duration} from './duration';
import {isoTime} from './time';

/** "due in 1h 20m" or, past the due time, "overdue by 5m 03s" in the theme's error colour; live. */
export function DueCountdown({dueAt}: {dueAt: number}): React.ReactElement | null {
    const now = useNow();
    const intl = useIntl();
    const iso = isoTime(dueAt);
    if (iso === undefined) {
        return null;
    }
    const left = dueAt - now;
    const overdue = left < 0;
    return (
        <time
            className={overdue ? 'cix-due cix-due--overdue' : 'cix-due'}
            dateTime={iso}
            title={intl.formatDate(dueAt, {dateStyle: 'medium', timeStyle: 'short'})}
        >
            {overdue ? (
                <FormattedMessage id='cix.due.overdue' defaultMessage='overdue by {duration}' values={{duration: <Duration ms={left}/>}}/>
            ) : (
                <FormattedMessage id='cix.due.in' defaultMessage='due in {duration}' values={{duration: <Duration ms={left}/>}}/>
            )}
        </time>
    );
}

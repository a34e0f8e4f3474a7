import React from 'react';
import {FormattedMessage} from 'react-intl';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A compact duration ("2d 3h", "1h 20m", "4m 05s", "30s"), two units at most. */
export function Duration({ms}: {ms: number}): React.ReactElement {
    const abs = Math.max(0, Math.abs(ms));
    const days = Math.floor(abs / DAY);
    const hours = Math.floor((abs % DAY) / HOUR);
    const minutes = Math.floor((abs % HOUR) / MINUTE);
    const seconds = Math.floor((abs % MINUTE) / SECOND);
    if (days > 0) {
        return <FormattedMessage id='cix.duration.dh' defaultMessage='{days}d {hours}h' values={{days, hours}}/>;
    }
    if (hours > 0) {
        return <FormattedMessage id='cix.duration.hm' defaultMessage='{hours}h {minutes}m' values={{hours, minutes}}/>;
    }
    if (minutes > 0) {
        return <FormattedMessage id='cix.duration.ms' defaultMessage='{minutes}m {seconds}s' values={{minutes, seconds: String(seconds).padStart(2, '0')}}/>;
    }
    return <FormattedMessage id='cix.duration.s' defaultMessage='{seconds}s' values={{seconds}}/>;
}

import React, {useEffect} from 'react';

import {POST_TYPE_CHECKLIST} from '@cix/contract';

import {loadPinnedChecklists} from '../../actions';
import {useAppDispatch, useAppSelector} from '../../hooks/redux';
import {useThemeStyle} from '../../hooks/use_theme_style';
import {getCurrentChannelId, getCurrentChannelIncident, getPinnedState} from '../../selectors';

import {IncidentSummary} from './incident_summary';
import {OpenIncidents} from './open_incidents';

/** In an incident channel: that incident. Elsewhere: the open incidents the user can see. */
export function RhsPanel(): React.ReactElement {
    const dispatch = useAppDispatch();
    const style = useThemeStyle();
    const channelId = useAppSelector(getCurrentChannelId);
    const incident = useAppSelector(getCurrentChannelIncident);
    const pinned = useAppSelector((state) => getPinnedState(state, channelId));

    // The checklist may be older than the posts loaded for this channel: look at its pinned posts once.
    useEffect(() => {
        if (channelId && !pinned) {
            loadPinnedChecklists(dispatch, [channelId], POST_TYPE_CHECKLIST).catch(() => undefined);
        }
    }, [channelId, pinned, dispatch]);

    return (
        <div
            className='cix cix-rhs'
            style={style}
        >
            {incident ? <IncidentSummary entry={incident}/> : <OpenIncidents/>}
        </div>
    );
}

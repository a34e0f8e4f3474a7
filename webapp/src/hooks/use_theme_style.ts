import type React from 'react';

import {getTheme, type Theme} from '../selectors';

import {useAppSelector} from './redux';

/** Mattermost's theme (the `theme` prop when Mattermost passed one) as CSS variables for styles.css. */
export function useThemeStyle(themeProp?: Theme): React.CSSProperties {
    const storeTheme = useAppSelector(getTheme);
    const theme = themeProp ?? storeTheme;
    return {
        '--cix-bg': theme.centerChannelBg,
        '--cix-fg': theme.centerChannelColor,
        '--cix-link': theme.linkColor,
        '--cix-button-bg': theme.buttonBg,
        '--cix-button-fg': theme.buttonColor,
        '--cix-error': theme.errorTextColor,
        '--cix-online': theme.onlineIndicator,
        '--cix-away': theme.awayIndicator,
        '--cix-dnd': theme.dndIndicator,
        '--cix-mention': theme.mentionBg,
    };
}

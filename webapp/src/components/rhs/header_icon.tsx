import React from 'react';

import {ICON_CIRCLE, ICON_CROSSHAIR, ICON_OUTLINE, ICON_VIEW_BOX} from './icon';

// Inline rather than an image, so that it follows the theme's text colour.
export function HeaderIcon(): React.ReactElement {
    return (
        <svg
            className='cix-header-icon'
            viewBox={ICON_VIEW_BOX}
            width='16'
            height='16'
            fill='none'
            stroke='currentColor'
            strokeWidth='2'
            strokeLinecap='round'
            strokeLinejoin='round'
            aria-hidden='true'
        >
            <path d={ICON_OUTLINE}/>
            <circle
                cx={ICON_CIRCLE.cx}
                cy={ICON_CIRCLE.cy}
                r={ICON_CIRCLE.r}
            />
            <path d={ICON_CROSSHAIR}/>
        </svg>
    );
}

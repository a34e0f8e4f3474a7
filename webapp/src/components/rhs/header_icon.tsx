import React from 'react';

// The same shield as assets/icon.svg (test/plugin.spec.tsx keeps them equal), inline so that it
// follows the theme's text colour.
export function HeaderIcon(): React.ReactElement {
    return (
        <svg
            className='cix-header-icon'
            viewBox='0 0 24 24'
            width='16'
            height='16'
            fill='none'
            stroke='currentColor'
            strokeWidth='2'
            strokeLinecap='round'
            strokeLinejoin='round'
            aria-hidden='true'
        >
            <path d='M12 2 4 5v6c0 5 3.4 9.3 8 11 4.6-1.7 8-6 8-11V5l-8-3z'/>
            <circle
                cx='12'
                cy='11'
                r='3'
            />
            <path d='M12 8V6M12 16v-2M9 11H7M17 11h-2'/>
        </svg>
    );
}

import React from 'react';

export function RhsPanel(): React.ReactElement {
    return (
        <div className='cix-rhs'>
            <p>{'Start an incident with '}<code>{'/ci-exposure start'}</code>{'.'}</p>
        </div>
    );
}

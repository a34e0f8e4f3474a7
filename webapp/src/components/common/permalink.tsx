import React, {useCallback} from 'react';

import {getSiteUrl, permalinkPath} from '../../client';

/** A link to a post that uses Mattermost's router when it is there (no page reload), else a plain link. */
export function Permalink({postId, children}: {postId: string; children: React.ReactNode}): React.ReactElement {
    const path = permalinkPath(postId);
    const onClick = useCallback((e: React.MouseEvent<HTMLAnchorElement>) => {
        const history = window.WebappUtils?.browserHistory;
        if (history && !e.metaKey && !e.ctrlKey && !e.shiftKey && e.button === 0) {
            e.preventDefault();
            history.push(path);
        }
    }, [path]);
    return (
        <a
            className='cix-link'
            href={`${getSiteUrl()}${path}`}
            onClick={onClick}
        >
            {children}
        </a>
    );
}

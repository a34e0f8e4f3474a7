import React from 'react';

import {parseReportProps} from '@cix/contract';

import type {PostTypeComponentProps} from '../../types/mattermost-webapp';

export function ReportPost({post}: PostTypeComponentProps): React.ReactElement {
    const parsed = parseReportProps(post.props);
    if (!parsed.ok) {
        return <div className='cix-fallback'>{post.message}</div>;
    }
    const {summary, indicator} = parsed.value;
    return (
        <div className='cix-report'>
            <strong>{indicator.title}</strong>
            <span>{` ${summary.affected} affected jobs in ${summary.repos} repositories`}</span>
        </div>
    );
}

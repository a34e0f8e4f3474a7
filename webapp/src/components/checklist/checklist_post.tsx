import React from 'react';

import {parseChecklistProps} from '@cix/contract';

import type {PostTypeComponentProps} from '../../types/mattermost-webapp';

export function ChecklistPost({post}: PostTypeComponentProps): React.ReactElement {
    const parsed = parseChecklistProps(post.props);
    if (!parsed.ok) {
        return <div className='cix-fallback'>{post.message}</div>;
    }
    const {milestones, name} = parsed.value;
    const done = milestones.filter((m) => m.done).length;
    return (
        <div className='cix-checklist'>
            <strong>{name}</strong>
            <span>{` ${done} / ${milestones.length}`}</span>
            <ul>
                {milestones.map((m) => (
                    <li key={m.id}>{`${m.done ? '☑' : '☐'} ${m.title}`}</li>
                ))}
            </ul>
        </div>
    );
}

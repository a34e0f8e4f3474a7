import React from 'react';

import type {UserRef} from '@cix/contract';

import {userImageUrl} from '../../client';

interface Props {
    user: UserRef;
    size?: number;
}

/** Avatar and @username of a user named in the props (text only: never parsed as a mention). */
export function UserBadge({user, size = 20}: Props): React.ReactElement {
    return (
        <span className='cix-user'>
            <img
                className='cix-user__avatar'
                src={userImageUrl(user.userId)}
                alt=''
                width={size}
                height={size}
                loading='lazy'
            />
            <span className='cix-user__name'>{`@${user.username}`}</span>
        </span>
    );
}

import React from 'react';
import {FormattedMessage} from 'react-intl';

import type {Platform} from '@cix/contract';

import {platformMessages} from '../../i18n/messages';

export function PlatformLabel({platform}: {platform: Platform}): React.ReactElement {
    return <FormattedMessage {...platformMessages[platform]}/>;
}

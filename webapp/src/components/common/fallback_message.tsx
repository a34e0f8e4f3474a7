import React from 'react';
import {FormattedMessage} from 'react-intl';

interface Props {
    message: string;
    reason: string;
}

/**
 * What a post looks like when its props cannot be read (another bridge version, missing fields): its
 * Markdown message, shown as plain text. Never parsed as HTML or Markdown, so nothing in it can
 * inject markup, links or mentions.
 */
export function FallbackMessage({message, reason}: Props): React.ReactElement {
    return (
        <div className='cix cix-fallback'>
            <div className='cix-fallback__text'>{message}</div>
            <div
                className='cix-muted cix-small'
                title={reason}
            >
                <FormattedMessage
                    id='cix.fallback.note'
                    defaultMessage='CI Exposure could not read this post ({reason}); showing its text.'
                    values={{reason}}
                />
            </div>
        </div>
    );
}
